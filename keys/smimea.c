/*
 * SMIMEA: the owner name of RFC 8162, the record's fields, matching a
 * record against a certificate, and the meaning of each certificate
 * usage for S/MIME (RFC 6698 section 2.1.1, RFC 7671 section 5).
 *
 * keys_smimea_judge() is where trust is decided for a certificate seen by
 * keys/: PKIX against the key store's anchors plus the system's, then the
 * records, then the address. Records reach it only from a DNSSEC-secure
 * answer; the caller sees to that.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/idn.h"
#include "base/text.h"
#include "net/anchors.h"
#include "net/dns.h"
#include "keys/keys.h"
#include "keys/keys_int.h"
#include "keys/smimea.h"

#define SMIMEA_HASH_LEN		28	/* octets of SHA-256 kept (RFC 8162) */
#define SMIMEA_MAX_LOCAL	256	/* octets of a local part */
#define SMIMEA_MAX_LABEL	63
#define SMIMEA_MAX_WHY		300

/*
 * Checks an A-label domain: labels of 1 to 63 letters, digits and
 * hyphens, none at either end of a label. 0 or -1.
 */
static int
ldh_check(const char *d)
{
	size_t	n = 0;

	for (; ; d++) {
		if (*d == '.' || *d == '\0') {
			if (n == 0 || n > SMIMEA_MAX_LABEL || d[-1] == '-')
				return -1;
			if (*d == '\0')
				return 0;
			n = 0;
			continue;
		}
		if (!isascii((unsigned char)*d) ||
		    (!isalnum((unsigned char)*d) && *d != '-') ||
		    (n == 0 && *d == '-'))
			return -1;
		n++;
	}
}

/*
 * The domain dom (len octets, without a final dot) as the name to look
 * up, in *ap: in lower case, each U-label made an A-label by libidn2
 * (IDNA2008 with UTS 46 non-transitional mapping, the input normalised
 * to NFC first, so composed and decomposed forms are the same name).
 * A domain all in ASCII is only lowered, as a resolver would take it.
 */
static int
domain_alabel(const char *dom, size_t len, char **ap, struct smerr *e)
{
	char	*u, *a = NULL;
	size_t	 i;
	int	 ascii = 1, rc;

	*ap = NULL;
	if ((u = strndup(dom, len)) == NULL)
		return smerr_nomem(e);
	for (i = 0; i < len; i++)
		if (!isascii((unsigned char)u[i]))
			ascii = 0;
	if (ascii) {
		for (i = 0; i < len; i++)
			u[i] = (char)tolower((unsigned char)u[i]);
		a = u;
		u = NULL;
	} else if ((rc = idn_alabels(u, &a, e)) != 0) {
		free(u);
		return rc;
	}
	if (ldh_check(a) != 0) {
		rc = smerr_set(e, SMERR_INVAL, "not a valid domain name: %.80s",
		    u != NULL ? u : a);
		free(u);
		free(a);
		return rc;
	}
	free(u);
	*ap = a;
	return 0;
}

int
keys_smimea_owner(const char *address, char **ownerp, struct smerr *e)
{
	unsigned char		 md[EVP_MAX_MD_SIZE];
	char			 owner[2 * SMIMEA_HASH_LEN + 1];
	const char		*at, *dom;
	char			*alabel = NULL;
	struct buf		*b = NULL;
	unsigned int		 mdlen = 0;
	size_t			 dlen;
	int			 r;

	*ownerp = NULL;
	if (address == NULL || (at = strrchr(address, '@')) == NULL ||
	    at == address || at[1] == '\0')
		return smerr_set(e, SMERR_INVAL, "not an e-mail address: %.80s",
		    address != NULL ? address : "(none)");
	if ((size_t)(at - address) > SMIMEA_MAX_LOCAL)
		return smerr_set(e, SMERR_INVAL, "local part longer than %d "
		    "octets", SMIMEA_MAX_LOCAL);
	if (!EVP_Digest(address, (size_t)(at - address), md, &mdlen,
	    EVP_sha256(), NULL) || mdlen < SMIMEA_HASH_LEN)
		return smerr_set(e, SMERR_CRYPTO, "SHA-256 failed");
	if ((b = buf_new(DNS_MAX_NAME + 1)) == NULL)
		return smerr_nomem(e);
	text_hex_encode(md, SMIMEA_HASH_LEN, owner);
	if (buf_puts(b, owner) != 0 || buf_puts(b, "._smimecert") != 0)
		goto toolong;
	dom = at + 1;
	dlen = strlen(dom);
	if (dlen > 0 && dom[dlen - 1] == '.')
		dlen--;
	if ((r = domain_alabel(dom, dlen, &alabel, e)) != 0)
		goto out;
	if (buf_putc(b, '.') != 0 || buf_puts(b, alabel) != 0)
		goto toolong;
	if (buf_len(b) > DNS_MAX_NAME)
		goto toolong;
	if ((*ownerp = buf_strdup(b)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	r = 0;
	goto out;
toolong:
	r = smerr_set(e, SMERR_INVAL, "the SMIMEA name of %.80s is longer "
	    "than %d octets", address, DNS_MAX_NAME);
out:
	free(alabel);
	buf_free(b);
	return r;
}

int
keys_smimea_parse(const uint8_t *rdata, size_t len, struct keys_smimea *rr,
    struct smerr *e)
{
	memset(rr, 0, sizeof(*rr));
	if (rdata == NULL || len < 3)
		return smerr_set(e, SMERR_PARSE, "SMIMEA record shorter than "
		    "3 octets");
	rr->usage = rdata[0];
	rr->selector = rdata[1];
	rr->matching = rdata[2];
	rr->data = rdata + 3;
	rr->len = len - 3;
	return 0;
}

/* 1 match, 0 no match or unusable record, < 0 error. */
static int
match_x509(const struct keys_smimea *rr, X509 *x, struct smerr *e)
{
	unsigned char	*buf = NULL, md[EVP_MAX_MD_SIZE];
	const EVP_MD	*alg;
	unsigned int	 mdlen;
	int		 len, r = 0;

	switch (rr->selector) {
	case 0:
		len = i2d_X509(x, &buf);
		break;
	case 1:
		len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &buf);
		break;
	default:
		return 0;
	}
	if (len <= 0) {
		ERR_clear_error();
		return smerr_set(e, SMERR_CRYPTO, "encoding a certificate "
		    "failed");
	}
	switch (rr->matching) {
	case 0:
		r = rr->len == (size_t)len && memcmp(buf, rr->data, rr->len) == 0;
		break;
	case 1:
	case 2:
		alg = rr->matching == 1 ? EVP_sha256() : EVP_sha512();
		if (!EVP_Digest(buf, (size_t)len, md, &mdlen, alg, NULL)) {
			r = smerr_set(e, SMERR_CRYPTO, "digest failed");
			break;
		}
		r = rr->len == mdlen && memcmp(md, rr->data, mdlen) == 0;
		break;
	default:
		r = 0;
	}
	OPENSSL_free(buf);
	return r;
}

int
keys_smimea_match(const struct keys_smimea *rr, const uint8_t *der,
    size_t len, struct smerr *e)
{
	X509	*x;
	int	 r;

	if ((x = keys_der_x509(der, len)) == NULL)
		return smerr_set(e, SMERR_PARSE, "not a DER certificate");
	r = match_x509(rr, x, e);
	X509_free(x);
	return r;
}

const char *
keys_trust_str(enum keys_trust t)
{
	switch (t) {
	case KEYS_TRUST_PKIX:
		return "pkix";
	case KEYS_TRUST_DANE:
		return "dane";
	case KEYS_TRUST_PKIX_DANE:
		return "pkix+dane";
	case KEYS_TRUST_NONE:
		break;
	}
	return "none";
}

void
keys_judgement_clear(struct keys_judgement *j)
{
	if (j == NULL)
		return;
	free(j->emails);
	free(j->why);
	memset(j, 0, sizeof(*j));
}

/* Sets j->why once (the first reason is the one shown). */
static void
why(struct keys_judgement *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
why(struct keys_judgement *j, const char *fmt, ...)
{
	va_list	ap;
	char	*s;

	if (j->why != NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) != -1)
		j->why = s;
	va_end(ap);
}

/* The key store's certificates going into store: all, or those rr names. */
struct fill {
	X509_STORE			*store;
	const struct keys_smimea	*rr;	/* NULL: every one */
	int				 n;	/* how many went in */
};

static int
fill_cb(const struct keys_cert *c, void *arg)
{
	struct fill	*f = arg;
	X509		*x;

	if ((x = keys_der_x509(c->der, c->der_len)) == NULL)
		return 0;		/* an unreadable row trusts nothing */
	if ((f->rr == NULL || match_x509(f->rr, x, NULL) == 1) &&
	    X509_STORE_add_cert(f->store, x))
		f->n++;
	ERR_clear_error();		/* one already there */
	X509_free(x);
	return 0;
}

/*
 * A store of the system's anchors (read lazily, net/anchors.h) and the key
 * store's.
 */
static int
anchors_load(struct keys *k, X509_STORE **sp, struct smerr *e)
{
	struct net_anchors	*lazy;
	struct fill		 a;
	int			 r;

	*sp = NULL;
	memset(&a, 0, sizeof(a));
	if ((a.store = X509_STORE_new()) == NULL)
		return smerr_nomem(e);
	if (net_anchors_system(a.store, &lazy) != 0) {
		X509_STORE_free(a.store);
		return smerr_set(e, SMERR_CRYPTO, "the system's trust store "
		    "could not be loaded");
	}
	if (k != NULL && (r = keys_foreach(k, KEYS_ANCHOR, fill_cb, &a,
	    e)) != 0) {
		X509_STORE_free(a.store);
		return r;
	}
	net_anchors_collide(lazy, a.store);
	*sp = a.store;
	return 0;
}

static int
purpose_id(enum keys_purpose p)
{
	return p == KEYS_PURPOSE_SIGN ? X509_PURPOSE_SMIME_SIGN :
	    X509_PURPOSE_SMIME_ENCRYPT;
}

/*
 * Whether a recipient's certificate x may be encrypted to (RFC 8550
 * section 4.4.2, RFC 8551, RFC 5753): an extended key usage, when there
 * is one, must allow e-mail protection, and a key usage, when there is
 * one, must allow what CMS does with the key: key agreement for EC and
 * X25519/X448 keys (ECDH), key encipherment for the others (RSA key
 * transport). OpenSSL's S/MIME encryption purpose asks key encipherment
 * of every key, which no EC key has.
 */
static int
encrypt_usage_ok(X509 *x)
{
	EVP_PKEY	*pk = X509_get0_pubkey(x);
	uint32_t	 ku = X509_get_key_usage(x);
	int		 id;

	if (pk == NULL)
		return 0;
	if ((X509_get_extension_flags(x) & EXFLAG_XKUSAGE) &&
	    !(X509_get_extended_key_usage(x) & XKU_SMIME))
		return 0;
	if (ku == UINT32_MAX)		/* no key usage: any */
		return 1;
	id = EVP_PKEY_get_base_id(pk);
	if (id == EVP_PKEY_EC || id == EVP_PKEY_X25519 || id == EVP_PKEY_X448)
		return (ku & KU_KEY_AGREEMENT) != 0;
	return (ku & KU_KEY_ENCIPHERMENT) != 0;
}

/* x is for purpose: signing as OpenSSL judges it, encrypting as above. */
static int
usage_ok(X509 *x, int purpose)
{
	if (purpose == X509_PURPOSE_SMIME_ENCRYPT)
		return encrypt_usage_ok(x);
	return X509_check_purpose(x, purpose, 0) == 1;
}

/*
 * The chain's purposes for encryption: each CA above the certificate as
 * OpenSSL judges an S/MIME CA, the certificate itself by
 * encrypt_usage_ok. 1 fit, 0 not.
 */
static int
encrypt_chain_ok(X509_STORE_CTX *ctx)
{
	STACK_OF(X509)	*chain = X509_STORE_CTX_get0_chain(ctx);
	int		 i;

	if (chain == NULL || sk_X509_num(chain) < 1 ||
	    !encrypt_usage_ok(sk_X509_value(chain, 0)))
		return 0;
	for (i = 1; i < sk_X509_num(chain); i++)
		if (X509_check_purpose(sk_X509_value(chain, i),
		    X509_PURPOSE_SMIME_ENCRYPT, 1) == 0)
			return 0;
	return 1;
}

/*
 * Verifies x against store for purpose; with partial set, a certificate
 * in store below a root is an anchor too (DANE-TA). 1 valid (*chainp
 * the verified chain when chainp is set), 0 not (with *errp).
 */
static int
verify_x509(X509_STORE *store, X509 *x, int purpose, int partial,
    STACK_OF(X509) **chainp, int *errp)
{
	X509_STORE_CTX	*ctx;
	int		 ok = 0;

	*errp = X509_V_ERR_UNSPECIFIED;
	if (chainp != NULL)
		*chainp = NULL;
	if ((ctx = X509_STORE_CTX_new()) == NULL)
		return 0;
	if (!X509_STORE_CTX_init(ctx, store, x, NULL))
		goto out;
	/* Encryption's purposes are checked below, not as OpenSSL would. */
	if (purpose != X509_PURPOSE_SMIME_ENCRYPT)
		X509_STORE_CTX_set_purpose(ctx, purpose);
	if (partial)
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN);
	ok = X509_verify_cert(ctx) == 1;
	*errp = X509_STORE_CTX_get_error(ctx);
	if (ok && purpose == X509_PURPOSE_SMIME_ENCRYPT &&
	    !encrypt_chain_ok(ctx)) {
		ok = 0;
		*errp = X509_V_ERR_INVALID_PURPOSE;
	}
	if (ok && chainp != NULL)
		*chainp = X509_STORE_CTX_get1_chain(ctx);
out:
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/*
 * DANE-TA: does x chain to the anchor rr names? A full certificate in
 * the record is the anchor itself; a digest can only name a certificate
 * the key store already holds.
 */
static int
dane_ta(struct keys *k, const struct keys_smimea *rr, X509 *x, int purpose,
    int *errp)
{
	struct fill	 t;
	X509		*ta = NULL;
	int		 ok = 0;

	*errp = X509_V_ERR_UNSPECIFIED;
	/* An anchor is an issuer: a record naming x itself names none. */
	if (match_x509(rr, x, NULL) != 0)
		return 0;
	memset(&t, 0, sizeof(t));
	t.rr = rr;
	if ((t.store = X509_STORE_new()) == NULL)
		return 0;
	if (rr->selector == 0 && rr->matching == 0 &&
	    (ta = keys_der_x509(rr->data, rr->len)) != NULL &&
	    X509_STORE_add_cert(t.store, ta))
		t.n++;
	if (k != NULL)
		keys_foreach(k, KEYS_ANCHOR | KEYS_PEER | KEYS_IDENTITY,
		    fill_cb, &t, NULL);
	if (t.n > 0)
		ok = verify_x509(t.store, x, purpose, 1, NULL, errp);
	X509_free(ta);
	X509_STORE_free(t.store);
	ERR_clear_error();
	return ok;
}

static const char *
usage_name(int usage)
{
	switch (usage) {
	case KEYS_SMIMEA_PKIX_TA:
		return "PKIX-TA";
	case KEYS_SMIMEA_PKIX_EE:
		return "PKIX-EE";
	case KEYS_SMIMEA_DANE_TA:
		return "DANE-TA";
	case KEYS_SMIMEA_DANE_EE:
		return "DANE-EE";
	}
	return "unknown usage";
}

int
keys_smimea_judge(struct keys *k, const uint8_t *der, size_t len,
    const char *address, enum keys_purpose purpose,
    const struct keys_smimea *rrs, size_t nrr, struct keys_judgement *j,
    struct smerr *e)
{
	X509_STORE	*store = NULL;
	STACK_OF(X509)	*chain = NULL;
	X509		*x;
	size_t		 i;
	int		 r, n, pkix_err = 0, ta_err, m, fits = 0, known = 0;
	int		 pid = purpose_id(purpose), pkix_ee_unvalidated = 0;

	memset(j, 0, sizeof(*j));
	j->usage = j->selector = j->matching = -1;
	if ((x = keys_der_x509(der, len)) == NULL)
		return smerr_set(e, SMERR_PARSE, "not a DER certificate");
	if ((r = keys_x509_fingerprint(x, j->fingerprint, e)) != 0 ||
	    (r = keys_x509_emails(x, &j->emails, e)) != 0 ||
	    (r = anchors_load(k, &store, e)) != 0)
		goto out;
	(void)keys_asn1_time(X509_get0_notBefore(x), &j->not_before);
	(void)keys_asn1_time(X509_get0_notAfter(x), &j->not_after);
	j->address_ok = address != NULL && keys_emails_have(j->emails, address);
	j->pkix = verify_x509(store, x, pid, 0, &chain, &pkix_err);
	j->chain = X509_verify_cert_error_string(j->pkix ? X509_V_OK :
	    pkix_err);

	for (i = 0; i < nrr; i++) {
		const struct keys_smimea *rr = &rrs[i];

		if (rr->selector > 1 || rr->matching > 2 || rr->usage > 3)
			continue;	/* RFC 6698 2.1: unusable, ignored */
		known++;
		m = 0;
		switch (rr->usage) {
		case KEYS_SMIMEA_DANE_EE:
			m = match_x509(rr, x, e);
			break;
		case KEYS_SMIMEA_PKIX_EE:
			m = match_x509(rr, x, e);
			if (m == 1) {
				fits = 1;
				if (!j->pkix) {
					pkix_ee_unvalidated = 1;
					m = 0;
				}
			}
			break;
		case KEYS_SMIMEA_PKIX_TA:
			/* An issuer on the validated path, not x itself. */
			for (n = 1; j->pkix && m == 0 && chain != NULL &&
			    n < sk_X509_num(chain); n++)
				m = match_x509(rr, sk_X509_value(chain, n), e);
			break;
		case KEYS_SMIMEA_DANE_TA:
			m = dane_ta(k, rr, x, pid, &ta_err);
			break;
		}
		if (m < 0) {
			r = m;
			goto out;
		}
		if (m == 1) {
			fits = 1;
			if (!j->dane) {
				j->dane = 1;
				j->usage = rr->usage;
				j->selector = rr->selector;
				j->matching = rr->matching;
			}
		}
	}
	j->contradicted = known > 0 && !fits;

	if (j->pkix && j->dane)
		j->trust = KEYS_TRUST_PKIX_DANE;
	else if (j->pkix)
		j->trust = KEYS_TRUST_PKIX;
	else if (j->dane)
		j->trust = KEYS_TRUST_DANE;

	if (!j->address_ok) {
		why(j, "the certificate is not for %s (it names %s)", address,
		    j->emails[0] != '\0' ? j->emails : "no address");
		j->trust = KEYS_TRUST_NONE;
	} else if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0)
		why(j, "the certificate has expired");
	else if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0)
		why(j, "the certificate is not valid yet");
	else if (!usage_ok(x, pid))
		why(j, "the certificate is not for %s",
		    purpose == KEYS_PURPOSE_SIGN ? "signing e-mail" :
		    "encrypting e-mail");
	else if (j->contradicted)
		why(j, "the domain's SMIMEA records name another "
		    "certificate");
	else if (!j->pkix && !j->dane) {
		if (pkix_ee_unvalidated)
			why(j, "%s record matches but the chain does not "
			    "validate: %s", usage_name(KEYS_SMIMEA_PKIX_EE),
			    X509_verify_cert_error_string(pkix_err));
		else
			why(j, "the chain does not validate: %s",
			    X509_verify_cert_error_string(pkix_err));
	} else
		j->usable = 1;
	ERR_clear_error();
	r = 0;
out:
	if (r != 0)
		keys_judgement_clear(j);
	sk_X509_pop_free(chain, X509_free);
	X509_STORE_free(store);
	X509_free(x);
	return r;
}
