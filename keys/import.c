/*
 * Importing identities and certificates: PKCS#12, PEM and DER. Private
 * keys are turned into PKCS#8 DER in secret buffers and go straight into
 * the encrypted store; every intermediate copy is wiped.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1t.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "base/text.h"
#include "store/store.h"
#include "keys/keys.h"
#include "keys/keys_int.h"

static int
ossl_err(struct smerr *e, int code, const char *what)
{
	unsigned long	l = ERR_peek_last_error();
	char		b[256];

	if (l != 0) {
		ERR_error_string_n(l, b, sizeof(b));
		ERR_clear_error();
		return smerr_set(e, code, "%s (%s)", what, b);
	}
	return smerr_set(e, code, "%s", what);
}

int
keys_x509_fingerprint(X509 *x, char fp[65], struct smerr *e)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	n = 0;

	if (!X509_digest(x, EVP_sha256(), md, &n) || n != 32)
		return ossl_err(e, SMERR_CRYPTO, "certificate digest failed");
	text_hex_encode(md, n, fp);
	return 0;
}

int
keys_der_fingerprint(const uint8_t *der, size_t len, char fp[65],
    struct smerr *e)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	n = 0;

	if (der == NULL || len == 0 ||
	    !EVP_Digest(der, len, md, &n, EVP_sha256(), NULL) || n != 32) {
		ERR_clear_error();
		return smerr_set(e, SMERR_CRYPTO, "cannot hash a certificate");
	}
	text_hex_encode(md, n, fp);
	return 0;
}

/* Appends one address, lowercased, refusing embedded NULs and odd bytes. */
static int
emails_add(struct buf *b, const unsigned char *p, int len)
{
	int	i;

	if (len <= 0 || memchr(p, '\0', (size_t)len) != NULL)
		return 0;
	for (i = 0; i < len; i++)
		if (p[i] <= ' ' || p[i] >= 0x7f || p[i] == ',')
			return 0;
	if (buf_len(b) > 0 && buf_putc(b, ',') != 0)
		return SMERR_NOMEM;
	for (i = 0; i < len; i++)
		if (buf_putc(b, tolower(p[i])) != 0)
			return SMERR_NOMEM;
	return 0;
}

/*
 * The addresses of a certificate: its subjectAltName rfc822Names (gens),
 * or with none there its subject's emailAddress attributes.
 */
static int
emails_of(const GENERAL_NAMES *gens, const X509_NAME *subj, char **emailsp,
    struct smerr *e)
{
	const GENERAL_NAME	*g;
	const X509_NAME_ENTRY	*ne;
	const ASN1_STRING	*s;
	struct buf		*b;
	int			 i, r = 0, found = 0;

	*emailsp = NULL;
	if ((b = buf_new(64 * 1024)) == NULL)
		return smerr_nomem(e);
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_EMAIL)
			continue;
		found = 1;
		if ((r = emails_add(b, ASN1_STRING_get0_data(g->d.rfc822Name),
		    ASN1_STRING_length(g->d.rfc822Name))) != 0)
			goto out;
	}
	if (!found && subj != NULL) {
		i = -1;
		while ((i = X509_NAME_get_index_by_NID(subj,
		    NID_pkcs9_emailAddress, i)) >= 0) {
			ne = X509_NAME_get_entry(subj, i);
			s = X509_NAME_ENTRY_get_data(ne);
			if ((r = emails_add(b, ASN1_STRING_get0_data(s),
			    ASN1_STRING_length(s))) != 0)
				goto out;
		}
	}
	if ((*emailsp = buf_strdup(b)) == NULL)
		r = SMERR_NOMEM;
out:
	buf_free(b);
	if (r != 0)
		return smerr_nomem(e);
	return 0;
}

int
keys_x509_emails(X509 *x, char **emailsp, struct smerr *e)
{
	GENERAL_NAMES	*gens;
	int		 r;

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	r = emails_of(gens, X509_get_subject_name(x), emailsp, e);
	GENERAL_NAMES_free(gens);
	return r;
}

static char *
name_text(X509_NAME *n)
{
	BIO	*bio;
	char	*p, *s = NULL;
	long	 len;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (X509_NAME_print_ex(bio, n, 0, XN_FLAG_RFC2253 &
	    ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		len = BIO_get_mem_data(bio, &p);
		if (len >= 0 && (s = malloc((size_t)len + 1)) != NULL) {
			memcpy(s, p, (size_t)len);
			s[len] = '\0';
		}
	}
	BIO_free(bio);
	return s;
}

/*
 * A certificate as keys_cert_info reads it: every field of its DER
 * structure, but the subject's public key kept as the bytes it is.
 * d2i_X509 decodes that key with OpenSSL 3's decoders, a tenth of a
 * millisecond each, which a listing of the key store paid for every
 * certificate and never used.
 */
struct info_tbs {
	ASN1_INTEGER			*version;
	ASN1_INTEGER			*serial;
	X509_ALGOR			*sigalg;
	X509_NAME			*issuer;
	X509_VAL			*validity;
	X509_NAME			*subject;
	ASN1_TYPE			*spki;
	ASN1_BIT_STRING			*issuer_uid;
	ASN1_BIT_STRING			*subject_uid;
	STACK_OF(X509_EXTENSION)	*exts;
};

ASN1_SEQUENCE(info_tbs) = {
	ASN1_EXP_OPT(struct info_tbs, version, ASN1_INTEGER, 0),
	ASN1_SIMPLE(struct info_tbs, serial, ASN1_INTEGER),
	ASN1_SIMPLE(struct info_tbs, sigalg, X509_ALGOR),
	ASN1_SIMPLE(struct info_tbs, issuer, X509_NAME),
	ASN1_SIMPLE(struct info_tbs, validity, X509_VAL),
	ASN1_SIMPLE(struct info_tbs, subject, X509_NAME),
	ASN1_SIMPLE(struct info_tbs, spki, ASN1_ANY),
	ASN1_IMP_OPT(struct info_tbs, issuer_uid, ASN1_BIT_STRING, 1),
	ASN1_IMP_OPT(struct info_tbs, subject_uid, ASN1_BIT_STRING, 2),
	ASN1_EXP_SEQUENCE_OF_OPT(struct info_tbs, exts, X509_EXTENSION, 3)
} static_ASN1_SEQUENCE_END_name(struct info_tbs, info_tbs)

struct info_cert {
	struct info_tbs		*tbs;
	X509_ALGOR		*sigalg;
	ASN1_BIT_STRING		*sig;
};

ASN1_SEQUENCE(info_cert) = {
	ASN1_SIMPLE(struct info_cert, tbs, info_tbs),
	ASN1_SIMPLE(struct info_cert, sigalg, X509_ALGOR),
	ASN1_SIMPLE(struct info_cert, sig, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END_name(struct info_cert, info_cert)

int
keys_cert_info(const uint8_t *der, size_t len, struct keys_certinfo *ci,
    struct smerr *e)
{
	struct info_cert	*c;
	struct info_tbs		*t;
	GENERAL_NAMES		*gens;
	BASIC_CONSTRAINTS	*bc;
	int			 r;

	memset(ci, 0, sizeof(*ci));
	if ((c = (struct info_cert *)keys_der_item(der, len,
	    ASN1_ITEM_rptr(info_cert))) == NULL)
		return smerr_set(e, SMERR_PARSE, "not a DER certificate");
	t = c->tbs;
	if ((r = keys_der_fingerprint(der, len, ci->fingerprint, e)) != 0)
		goto out;
	gens = X509V3_get_d2i(t->exts, NID_subject_alt_name, NULL, NULL);
	r = emails_of(gens, t->subject, &ci->emails, e);
	GENERAL_NAMES_free(gens);
	if (r != 0)
		goto out;
	ci->subject = name_text(t->subject);
	ci->issuer = name_text(t->issuer);
	if (ci->subject == NULL || ci->issuer == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	(void)keys_asn1_time(t->validity->notBefore, &ci->not_before);
	(void)keys_asn1_time(t->validity->notAfter, &ci->not_after);
	if ((bc = X509V3_get_d2i(t->exts, NID_basic_constraints, NULL,
	    NULL)) != NULL) {
		ci->is_ca = bc->ca != 0;
		BASIC_CONSTRAINTS_free(bc);
	}
out:
	ASN1_item_free((ASN1_VALUE *)c, ASN1_ITEM_rptr(info_cert));
	if (r != 0)
		keys_certinfo_clear(ci);
	return r;
}

void
keys_certinfo_clear(struct keys_certinfo *ci)
{
	if (ci == NULL)
		return;
	free(ci->subject);
	free(ci->issuer);
	free(ci->emails);
	memset(ci, 0, sizeof(*ci));
}

/*
 * Stores x as kind: with pkey sealed, or with the token URI uri, or with
 * no private key.
 */
static int
put_x509(struct keys *k, X509 *x, enum keys_kind kind, const char *source,
    EVP_PKEY *pkey, const char *uri, int64_t *idp, struct smerr *e)
{
	struct store_cert	 sc;
	PKCS8_PRIV_KEY_INFO	*p8 = NULL;
	struct buf		*key = NULL, *sealed = NULL;
	unsigned char		*der = NULL, *kder = NULL;
	char			 fp[65], *emails = NULL;
	int			 r, len, klen = 0;

	memset(&sc, 0, sizeof(sc));
	if (uri != NULL && ((sealed = buf_new(0)) == NULL ||
	    buf_put(sealed, uri, strlen(uri)) != 0)) {
		r = smerr_nomem(e);
		goto out;
	}
	if ((r = keys_x509_fingerprint(x, fp, e)) != 0 ||
	    (r = keys_x509_emails(x, &emails, e)) != 0)
		goto out;
	if ((len = i2d_X509(x, &der)) <= 0) {
		r = ossl_err(e, SMERR_CRYPTO, "encoding a certificate");
		goto out;
	}
	if (pkey != NULL) {
		if ((p8 = EVP_PKEY2PKCS8(pkey)) == NULL ||
		    (klen = i2d_PKCS8_PRIV_KEY_INFO(p8, &kder)) <= 0) {
			r = ossl_err(e, SMERR_CRYPTO, "encoding a private key");
			goto out;
		}
		if ((key = buf_new_secret(0)) == NULL ||
		    buf_put(key, kder, (size_t)klen) != 0) {
			r = smerr_nomem(e);
			goto out;
		}
		if ((r = keys_seal(k, fp, key, &sealed, e)) != 0)
			goto out;
	}
	sc.kind = (enum store_cert_kind)kind;
	sc.source = source;
	sc.fingerprint = fp;
	sc.emails = emails;
	sc.der = der;
	sc.der_len = (size_t)len;
	sc.added = time(NULL);
	r = store_cert_put(k->st, &sc, sealed, idp, e);
out:
	buf_free(sealed);
	if (kder != NULL)
		OPENSSL_clear_free(kder, (size_t)klen);
	PKCS8_PRIV_KEY_INFO_free(p8);
	OPENSSL_free(der);
	buf_free(key);
	free(emails);
	return r;
}

int
keys_put_x509(struct keys *k, X509 *x, enum keys_kind kind,
    const char *source, EVP_PKEY *pkey, int64_t *idp, struct smerr *e)
{
	return put_x509(k, x, kind, source, pkey, NULL, idp, e);
}

int
keys_import_token(struct keys *k, const uint8_t *der, size_t len,
    const char *uri, struct smerr *e)
{
	X509	*x;
	int	 r;

	if (uri == NULL || strncmp(uri, KEYS_TOKEN_PREFIX,
	    KEYS_TOKEN_PREFIXLEN) != 0)
		return smerr_set(e, SMERR_INVAL, "not a PKCS#11 URI");
	if ((x = keys_der_x509(der, len)) == NULL)
		return smerr_set(e, SMERR_PARSE, "the token's certificate is "
		    "not a certificate");
	r = put_x509(k, x, KEYS_IDENTITY, "imported", NULL, uri, NULL, e);
	X509_free(x);
	return r;
}

#define P12_MAX_KEYS	8	/* private keys read from one PKCS#12 file */

struct p12keys {
	EVP_PKEY	*k[P12_MAX_KEYS];
	size_t		 n;
};

/* The private keys in bags, and in the safe contents they hold. */
static void
p12_bag_keys(const STACK_OF(PKCS12_SAFEBAG) *bags, const char *pass,
    int depth, struct p12keys *pk)
{
	const PKCS12_SAFEBAG	*bag;
	PKCS8_PRIV_KEY_INFO	*p8;
	EVP_PKEY		*key;
	int			 i;

	for (i = 0; i < sk_PKCS12_SAFEBAG_num(bags) && pk->n < P12_MAX_KEYS;
	    i++) {
		bag = sk_PKCS12_SAFEBAG_value(bags, i);
		key = NULL;
		switch (PKCS12_SAFEBAG_get_nid(bag)) {
		case NID_keyBag:
			key = EVP_PKCS82PKEY(PKCS12_SAFEBAG_get0_p8inf(bag));
			break;
		case NID_pkcs8ShroudedKeyBag:
			if ((p8 = PKCS12_decrypt_skey(bag, pass, -1)) != NULL) {
				key = EVP_PKCS82PKEY(p8);
				PKCS8_PRIV_KEY_INFO_free(p8);
			}
			break;
		case NID_safeContentsBag:
			if (depth < 3)
				p12_bag_keys(PKCS12_SAFEBAG_get0_safes(bag),
				    pass, depth + 1, pk);
			break;
		}
		if (key != NULL)
			pk->k[pk->n++] = key;
	}
}

/* Every private key of the PKCS#12 file (PKCS12_parse gives one). */
static void
p12_keys(const PKCS12 *p12, const char *pass, struct p12keys *pk)
{
	STACK_OF(PKCS7)		 *safes;
	STACK_OF(PKCS12_SAFEBAG) *bags;
	PKCS7			 *p7;
	int			  i;

	memset(pk, 0, sizeof(*pk));
	if ((safes = PKCS12_unpack_authsafes(p12)) == NULL)
		return;
	for (i = 0; i < sk_PKCS7_num(safes); i++) {
		p7 = sk_PKCS7_value(safes, i);
		bags = NULL;
		if (PKCS7_type_is_data(p7))
			bags = PKCS12_unpack_p7data(p7);
		else if (PKCS7_type_is_encrypted(p7))
			bags = PKCS12_unpack_p7encdata(p7, pass, -1);
		if (bags != NULL)
			p12_bag_keys(bags, pass, 0, pk);
		sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	}
	sk_PKCS7_pop_free(safes, PKCS7_free);
	ERR_clear_error();
}

/*
 * The file's other keys (a signing key beside an encryption key), each
 * an identity with the certificate of ca it belongs to; taken[i] is set
 * for each certificate so imported.
 */
static int
p12_more(struct keys *k, const PKCS12 *p12, const char *pass,
    EVP_PKEY *first, STACK_OF(X509) *ca, char *taken, struct smerr *e)
{
	struct p12keys	 pk;
	X509		*x;
	size_t		 i;
	int		 j, r = 0;

	p12_keys(p12, pass, &pk);
	for (i = 0; i < pk.n && r == 0; i++) {
		if (EVP_PKEY_eq(pk.k[i], first) == 1)
			continue;
		for (j = 0; ca != NULL && j < sk_X509_num(ca); j++) {
			x = sk_X509_value(ca, j);
			if (taken[j] || X509_check_private_key(x, pk.k[i]) != 1)
				continue;
			taken[j] = 1;
			r = keys_put_x509(k, x, KEYS_IDENTITY, "imported",
			    pk.k[i], NULL, e);
			break;
		}
	}
	for (i = 0; i < pk.n; i++)
		EVP_PKEY_free(pk.k[i]);
	ERR_clear_error();
	return r;
}

int
keys_import_p12(struct keys *k, const struct buf *p12, const char *pass,
    struct smerr *e)
{
	const unsigned char	*p;
	PKCS12			*pk = NULL;
	EVP_PKEY		*pkey = NULL;
	X509			*cert = NULL;
	STACK_OF(X509)		*ca = NULL;
	char			*taken = NULL;
	int			 r, i;

	if (p12 == NULL || buf_len(p12) == 0)
		return smerr_set(e, SMERR_INVAL, "empty PKCS#12 file");
	p = buf_data(p12);
	if ((pk = d2i_PKCS12(NULL, &p, (long)buf_len(p12))) == NULL) {
		r = ossl_err(e, SMERR_PARSE, "not a PKCS#12 file");
		goto out;
	}
	if (!PKCS12_verify_mac(pk, pass != NULL ? pass : "", -1) &&
	    !(pass == NULL && PKCS12_verify_mac(pk, NULL, 0))) {
		ERR_clear_error();
		r = smerr_set(e, SMERR_AUTH, "wrong passphrase for the "
		    "PKCS#12 file");
		goto out;
	}
	if (!PKCS12_parse(pk, pass != NULL ? pass : "", &pkey, &cert, &ca)) {
		r = ossl_err(e, SMERR_CRYPTO, "cannot open the PKCS#12 file");
		goto out;
	}
	if (cert == NULL || pkey == NULL) {
		r = smerr_set(e, SMERR_PARSE, "the PKCS#12 file holds no "
		    "certificate with its private key");
		goto out;
	}
	if (X509_check_private_key(cert, pkey) != 1) {
		r = ossl_err(e, SMERR_CRYPTO, "the PKCS#12 file's key does "
		    "not match its certificate");
		goto out;
	}
	if ((r = keys_put_x509(k, cert, KEYS_IDENTITY, "imported", pkey, NULL,
	    e)) != 0)
		goto out;
	if ((taken = calloc(1, ca != NULL ? (size_t)sk_X509_num(ca) + 1 :
	    1)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	if ((r = p12_more(k, pk, pass != NULL ? pass : "", pkey, ca, taken,
	    e)) != 0)
		goto out;
	/*
	 * Intermediates that came with it help to validate our signatures;
	 * a root is trusted only through keys trust, so it is not kept.
	 */
	for (i = 0; ca != NULL && i < sk_X509_num(ca); i++) {
		if (taken[i] || X509_check_issued(sk_X509_value(ca, i),
		    sk_X509_value(ca, i)) == X509_V_OK)
			continue;
		if ((r = keys_put_x509(k, sk_X509_value(ca, i), KEYS_PEER,
		    "imported", NULL, NULL, e)) != 0)
			goto out;
	}
out:
	free(taken);
	EVP_PKEY_free(pkey);
	X509_free(cert);
	sk_X509_pop_free(ca, X509_free);
	PKCS12_free(pk);
	return r;
}

static int
is_pem(const struct buf *b)
{
	return buf_len(b) > 0 && memmem(buf_data(b), buf_len(b),
	    "-----BEGIN ", 11) != NULL;
}

/* Reads the PEM certificates (and at most one private key) in b. */
static int
read_pem(const struct buf *b, STACK_OF(X509) *certs, EVP_PKEY **pkeyp,
    struct smerr *e)
{
	STACK_OF(X509_INFO)	*infos;
	X509_INFO		*xi;
	BIO			*bio;
	int			 i, r = 0;

	*pkeyp = NULL;
	if ((bio = BIO_new_mem_buf(buf_data(b), (int)buf_len(b))) == NULL)
		return smerr_nomem(e);
	infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (infos == NULL)
		return ossl_err(e, SMERR_PARSE, "malformed PEM data");
	for (i = 0; i < sk_X509_INFO_num(infos); i++) {
		xi = sk_X509_INFO_value(infos, i);
		if (xi->x509 != NULL) {
			if (!sk_X509_push(certs, xi->x509)) {
				r = smerr_nomem(e);
				break;
			}
			xi->x509 = NULL;
		}
		if (xi->x_pkey != NULL && xi->x_pkey->dec_pkey != NULL) {
			if (*pkeyp != NULL) {
				r = smerr_set(e, SMERR_PARSE, "more than one "
				    "private key in the file");
				break;
			}
			*pkeyp = xi->x_pkey->dec_pkey;
			xi->x_pkey->dec_pkey = NULL;
		}
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	return r;
}

int
keys_import_cert(struct keys *k, const struct buf *data, enum keys_kind kind,
    struct smerr *e)
{
	STACK_OF(X509)		*certs;
	EVP_PKEY		*pkey = NULL;
	const unsigned char	*p;
	X509			*x, *own = NULL;
	int			 i, r = 0;

	if (data == NULL || buf_len(data) == 0)
		return smerr_set(e, SMERR_INVAL, "empty certificate file");
	if (kind != KEYS_PEER && kind != KEYS_ANCHOR)
		return smerr_set(e, SMERR_INVAL, "keys_import_cert: bad kind");
	if ((certs = sk_X509_new_null()) == NULL)
		return smerr_nomem(e);
	if (is_pem(data)) {
		if ((r = read_pem(data, certs, &pkey, e)) != 0)
			goto out;
	} else {
		p = buf_data(data);
		x = d2i_X509(NULL, &p, (long)buf_len(data));
		if (x == NULL || p != buf_data(data) + buf_len(data)) {
			X509_free(x);
			r = ossl_err(e, SMERR_PARSE, "not a certificate "
			    "(PEM or DER)");
			goto out;
		}
		if (!sk_X509_push(certs, x)) {
			X509_free(x);
			r = smerr_nomem(e);
			goto out;
		}
	}
	if (sk_X509_num(certs) == 0) {
		r = smerr_set(e, SMERR_PARSE, "no certificate in the file");
		goto out;
	}
	/* An anchor issues: an end-entity certificate is a peer's. */
	for (i = 0; kind == KEYS_ANCHOR && i < sk_X509_num(certs); i++) {
		if (X509_check_ca(sk_X509_value(certs, i)) != 0)
			continue;
		r = smerr_set(e, SMERR_INVAL, "an end-entity certificate, not "
		    "a CA: a trust anchor must be a CA certificate (a "
		    "correspondent's certificate goes in with keys import)");
		goto out;
	}
	if (pkey != NULL) {
		/* A certificate with its key: an identity. */
		for (i = 0; i < sk_X509_num(certs) && own == NULL; i++)
			if (X509_check_private_key(sk_X509_value(certs, i),
			    pkey) == 1)
				own = sk_X509_value(certs, i);
		ERR_clear_error();
		if (own == NULL || kind == KEYS_ANCHOR) {
			r = smerr_set(e, SMERR_CRYPTO, "the private key in the "
			    "file matches none of its certificates");
			goto out;
		}
		if ((r = keys_put_x509(k, own, KEYS_IDENTITY, "imported",
		    pkey, NULL, e)) != 0)
			goto out;
	}
	for (i = 0; i < sk_X509_num(certs); i++) {
		x = sk_X509_value(certs, i);
		if (x == own)
			continue;
		if ((r = keys_put_x509(k, x, kind, "imported", NULL, NULL,
		    e)) != 0)
			goto out;
	}
out:
	EVP_PKEY_free(pkey);
	sk_X509_pop_free(certs, X509_free);
	return r;
}

static int
has_private_key(const struct buf *b)
{
	return memmem(buf_data(b), buf_len(b), "PRIVATE KEY-----", 16) !=
	    NULL;
}

static int
der_is_cert(const struct buf *b)
{
	X509	*x;

	if ((x = keys_der_x509(buf_data(b), buf_len(b))) == NULL)
		return 0;
	X509_free(x);
	return 1;
}

static int
der_is_p12(const struct buf *b)
{
	const unsigned char	*p = buf_data(b);
	PKCS12			*pk;

	pk = d2i_PKCS12(NULL, &p, (long)buf_len(b));
	PKCS12_free(pk);
	ERR_clear_error();
	return pk != NULL;
}

/* A regular file of at most KEYS_MAX_FILE bytes, into a secret buffer. */
static int
read_file(const char *path, struct stat *sb, struct buf **bp,
    struct smerr *e)
{
	int	fd, r = 0;

	*bp = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return smerr_set(e, SMERR_IO, "%s: %s", path, strerror(errno));
	if (fstat(fd, sb) == -1 || !S_ISREG(sb->st_mode))
		r = smerr_set(e, SMERR_IO, "%s: not a regular file", path);
	else if ((*bp = buf_new_secret(KEYS_MAX_FILE)) == NULL)
		r = smerr_nomem(e);
	else if ((r = buf_read_fd(*bp, fd)) != 0)
		smerr_set(e, r, "%s: %s", path, r == SMERR_LIMIT ?
		    "larger than a key file can be" : "cannot read");
	close(fd);
	if (r != 0) {
		buf_free(*bp);
		*bp = NULL;
	}
	return r;
}

int
keys_import_path(struct keys *k, const char *path, enum keys_kind kind,
    const char *pass, struct smerr *e)
{
	struct stat	 sb;
	struct smerr	 e2;
	struct buf	*b = NULL;
	int		 r, pem, cert, haskey;

	if ((r = read_file(path, &sb, &b, e)) != 0)
		return r;
	pem = is_pem(b);
	cert = !pem && der_is_cert(b);
	if (!pem && !cert && (kind == KEYS_ANCHOR || !der_is_p12(b))) {
		r = smerr_set(e, SMERR_PARSE, "%s: not a certificate (PEM or "
		    "DER)%s", path, kind == KEYS_ANCHOR ? "" :
		    " and not a PKCS#12 file (.p12)");
		goto out;
	}
	/* PEM with a key block, or anything else than a certificate: a key. */
	haskey = pem ? has_private_key(b) : !cert;
	if (haskey && (sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		r = smerr_set(e, SMERR_PERM, "%s: holds a private key and is "
		    "accessible by others (chmod 600 it)", path);
		goto out;
	}
	smerr_clear(&e2);
	if (pem || cert)
		r = keys_import_cert(k, b, kind == KEYS_IDENTITY ? KEYS_PEER :
		    kind, &e2);
	else
		r = keys_import_p12(k, b, pass, &e2);
	if (r != 0)
		smerr_set(e, r, "%s: %s", path, smerr_msg(&e2));
out:
	buf_free(b);
	return r;
}

int
keys_cert_file_der(const char *path, uint8_t **derp, size_t *lenp,
    struct smerr *e)
{
	struct stat	 sb;
	struct buf	*b = NULL;
	BIO		*bio = NULL;
	X509		*x = NULL;
	unsigned char	*der = NULL;
	int		 r, len;

	*derp = NULL;
	if ((r = read_file(path, &sb, &b, e)) != 0)
		return r;
	if (is_pem(b)) {
		if ((bio = BIO_new_mem_buf(buf_data(b), (int)buf_len(b))) !=
		    NULL)
			x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	} else
		x = keys_der_x509(buf_data(b), buf_len(b));
	ERR_clear_error();
	if (x == NULL || (len = i2d_X509(x, &der)) <= 0)
		r = smerr_set(e, SMERR_PARSE, "%s: not a certificate (PEM or "
		    "DER)", path);
	else if ((*derp = malloc((size_t)len)) == NULL)
		r = smerr_nomem(e);
	else {
		memcpy(*derp, der, (size_t)len);
		*lenp = (size_t)len;
	}
	OPENSSL_free(der);
	X509_free(x);
	buf_free(b);
	return r;
}
