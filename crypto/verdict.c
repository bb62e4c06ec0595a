/*
 * The verdict. A message is read in two stages.
 *
 * First the root: while the entity at the top of the message is itself an
 * S/MIME entity (multipart/signed, or application/pkcs7-mime holding
 * SignedData, EnvelopedData or AuthEnvelopedData), it is verified or
 * decrypted and replaced by what it holds. Only these layers, one inside
 * the other, sign or encrypt the whole message. A signature whose content
 * is an envelope signs ciphertext only (anyone can sign an envelope made
 * by someone else), so it does not vouch for what is shown: when it
 * verifies, it is named in the findings and not counted; when it does not,
 * the message is invalid all the same, as any failed signature makes it.
 *
 * Then the content: every part that is shown is walked. An S/MIME entity
 * met there stands beside content it does not cover; a signed one is still
 * verified (a bad signature is still invalid), an encrypted one is never
 * opened, so that its plaintext cannot be joined to the text around it.
 * The alternatives of a multipart/alternative that are not shown are
 * walked for their S/MIME entities alone: what those hold is judged and
 * never shown, for the reader would take it for the message.
 *
 * Every fact found sets a bit; the contract's value is read from the bits
 * through the precedence tables at the top of this file, and nowhere else.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/idn.h"
#include "base/secmem.h"
#include "base/text.h"
#include "base/vec.h"
#include "mime/mime.h"
#include "mime/hp.h"
#include "mime/html.h"
#include "crypto/crypto_int.h"

const struct crypto_rule crypto_sig_rules[] = {
	{ CRYPTO_S_INVALID,	CRYPTO_SIG_INVALID,	"invalid" },
	{ CRYPTO_S_ERROR,	CRYPTO_SIG_ERROR,	"error" },
	{ CRYPTO_S_UNTRUSTED,	CRYPTO_SIG_UNTRUSTED,	"untrusted" },
	{ CRYPTO_S_MISMATCH,	CRYPTO_SIG_MISMATCH,	"mismatch" },
	{ CRYPTO_S_PARTIAL,	CRYPTO_SIG_PARTIAL,	"partial" },
	{ CRYPTO_S_SIGNED,	CRYPTO_SIG_VALID,	"valid" },
	{ 0,			CRYPTO_SIG_NONE,	"none" },
};

const struct crypto_rule crypto_enc_rules[] = {
	{ CRYPTO_E_PARTIAL,	CRYPTO_ENC_PARTIAL,	"partial" },
	{ CRYPTO_E_FAILED,	CRYPTO_ENC_UNDECRYPTABLE, "undecryptable" },
	{ CRYPTO_E_ENVELOPE | CRYPTO_E_DECRYPTED,
				CRYPTO_ENC_DECRYPTED,	"decrypted" },
	{ 0,			CRYPTO_ENC_NONE,	"none" },
};

#define JUDGE_MAX_LAYERS	8	/* S/MIME entities in one message */
/*
 * Messages attached to it (message/rfc822 parts, whose text is shown) are
 * no layers, and have bounds of their own: how many are read, and how deep
 * one may lie inside others. Each one read is a copy of all it holds, so
 * together they take at most the depth times the message's size.
 */
#define JUDGE_MAX_ATTACHED	64
#define JUDGE_MAX_NESTED	8
#define JUDGE_DATE_SLACK	3600	/* Date against signingTime, seconds */
/*
 * What all decrypted and decompressed layers of one message may hold
 * together: a few times the message's own size, plus an allowance.
 */
#define JUDGE_BUDGET_TIMES	4
#define JUDGE_BUDGET_FIXED	(8UL * 1024 * 1024)

static int
rule_pick(const struct crypto_rule *t, unsigned facts)
{
	size_t	i;

	for (i = 0; t[i].bits != 0; i++)
		if ((facts & t[i].bits) == t[i].bits)
			return (int)i;
	return (int)i;
}

enum crypto_sig
crypto_sig_decide(unsigned facts)
{
	/* Only a counted signature has a verdict other than none. */
	if ((facts & CRYPTO_S_SIGNED) == 0)
		return CRYPTO_SIG_NONE;
	return crypto_sig_rules[rule_pick(crypto_sig_rules, facts)].value;
}

enum crypto_enc
crypto_enc_decide(unsigned facts)
{
	return crypto_enc_rules[rule_pick(crypto_enc_rules, facts)].value;
}

/* The name of a value of table t; the last row's when none has it. */
static const char *
rule_name(const struct crypto_rule *t, int value)
{
	size_t	i;

	for (i = 0; t[i].bits != 0; i++)
		if (t[i].value == value)
			break;
	return t[i].name;
}

const char *
crypto_sig_str(enum crypto_sig s)
{
	return rule_name(crypto_sig_rules, (int)s);
}

const char *
crypto_enc_str(enum crypto_enc s)
{
	return rule_name(crypto_enc_rules, (int)s);
}

const char *
crypto_trust_str(enum crypto_trust t)
{
	switch (t) {
	case CRYPTO_TRUST_PKIX:
		return "pkix";
	case CRYPTO_TRUST_DANE:
		return "dane";
	case CRYPTO_TRUST_PKIX_DANE:
		return "pkix+dane";
	default:
		return "none";
	}
}

enum smime_kind {
	K_NONE = 0,
	K_DETACHED,		/* multipart/signed, S/MIME protocol */
	K_PKCS7,		/* application/pkcs7-mime */
};

struct judge {
	struct crypto_ctx	*ctx;
	struct crypto_verdict	*v;
	struct smerr		*e;
	unsigned		 facts;
	int			 layers;
	int			 root_sig;	/* a counted root signature */
	int			 nsig;		/* counted signatures */
	/*
	 * The message, what each S/MIME layer holds, and a protected header
	 * section wrapped in a message of its own.
	 */
	struct mime_msg		*msgs[JUDGE_MAX_LAYERS + 2];
	int			 nmsgs;
	struct mime_msg		*attached[JUDGE_MAX_ATTACHED];
	int			 nattached;
	int			 nested;	/* attached messages the walk is
						   inside: their text only */
	struct buf		*text;
	const struct mime_part	*outer;		/* the message's header */
	const struct mime_part	*hdr;		/* the header shown */
	const struct mime_part	*hp_sect;	/* protected section, or NULL */
	const uint8_t		*plain;		/* last decrypted entity */
	size_t			 plainlen;
	const struct mime_part	*plain_root;	/* its header */
	struct buf		*plains[JUDGE_MAX_LAYERS];
	int			 nplains;
	/* Root signatures wait here until it is known what they cover. */
	struct crypto_signed	 pending[JUDGE_MAX_LAYERS];
	int			 pending_layer[JUDGE_MAX_LAYERS];
	int			 npending;
	time_t			 date;		/* the Date field, or 0 */
	int			 covered;	/* signatures around the walk */
	/* Where each part's text starts in text, and what vouches for it. */
	struct crypto_span	*segs;		/* line holds a byte offset */
	size_t			 nsegs, capsegs;
	size_t			 budget;	/* bytes layers may still add */
};

static int
finding(struct judge *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int
fact(struct judge *j, unsigned bit, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Adds one sanitised line to the verdict's findings, once, up to 64. */
static int
vfinding(struct judge *j, const char *fmt, va_list ap)
{
	struct crypto_verdict	*v = j->v;
	char			*s, *c;
	size_t			 i;
	int			 r = 0;

	if (vasprintf(&s, fmt, ap) < 0)
		return smerr_nomem(j->e);
	c = text_sanitize_str(s, 0);
	free(s);
	if (c == NULL)
		return smerr_nomem(j->e);
	for (i = 0; i < v->nfindings; i++)
		if (strcmp(v->findings[i], c) == 0)
			break;
	if (i == v->nfindings && i < 64)
		r = vec_strv_add(&v->findings, &v->nfindings, c, strlen(c));
	free(c);
	return r != 0 ? smerr_nomem(j->e) : 0;
}

static int
finding(struct judge *j, const char *fmt, ...)
{
	va_list	ap;
	int	r;

	va_start(ap, fmt);
	r = vfinding(j, fmt, ap);
	va_end(ap);
	return r;
}

/* Sets a fact of the verdict and records the finding that explains it. */
static int
fact(struct judge *j, unsigned bit, const char *fmt, ...)
{
	va_list	ap;
	int	r;

	j->facts |= bit;
	va_start(ap, fmt);
	r = vfinding(j, fmt, ap);
	va_end(ap);
	return r;
}

static int
ctype_is(const struct mime_part *p, const char *a, const char *b)
{
	const char	*t = mime_part_type(p);

	return strcmp(t, a) == 0 || (b != NULL && strcmp(t, b) == 0);
}

static int
has_suffix(const char *s, const char *suf)
{
	size_t	n, m;

	if (s == NULL)
		return 0;
	n = strlen(s);
	m = strlen(suf);
	return n >= m && strcasecmp(s + n - m, suf) == 0;
}

static enum smime_kind
smime_kind(const struct mime_part *p)
{
	const char	*proto;

	if (ctype_is(p, "multipart/signed", NULL)) {
		proto = mime_part_param(p, "protocol");
		if (proto != NULL &&
		    (strcasecmp(proto, "application/pkcs7-signature") == 0 ||
		    strcasecmp(proto, "application/x-pkcs7-signature") == 0))
			return K_DETACHED;
		/* No protocol: decided by the signature part's type. */
		if (proto == NULL && mime_part_nchildren(p) == 2 &&
		    ctype_is(mime_part_child(p, 1),
		    "application/pkcs7-signature",
		    "application/x-pkcs7-signature"))
			return K_DETACHED;
		return K_NONE;
	}
	if (ctype_is(p, "application/pkcs7-mime",
	    "application/x-pkcs7-mime"))
		return K_PKCS7;
	/* RFC 8551 3.2.2: some agents send application/octet-stream. */
	if (ctype_is(p, "application/octet-stream", NULL) &&
	    has_suffix(mime_part_param(p, "name"), ".p7m"))
		return K_PKCS7;
	return K_NONE;
}

/*
 * A multipart/signed whose signature is OpenPGP (RFC 3156) around an
 * S/MIME entity: sealmail checks no OpenPGP, so the layer is transparent
 * and what it holds is judged as the message.
 */
static int
pgp_around_smime(const struct mime_part *p)
{
	const char	*proto;

	if (!ctype_is(p, "multipart/signed", NULL) ||
	    mime_part_nchildren(p) != 2 ||
	    !ctype_is(mime_part_child(p, 1), "application/pgp-signature",
	    NULL))
		return 0;
	proto = mime_part_param(p, "protocol");
	if (proto != NULL &&
	    strcasecmp(proto, "application/pgp-signature") != 0)
		return 0;
	return smime_kind(mime_part_child(p, 0)) != K_NONE;
}

/* The signature part of a multipart/signed, by type or by .p7s name. */
static int
is_sigpart(const struct mime_part *p)
{
	return ctype_is(p, "application/pkcs7-signature",
	    "application/x-pkcs7-signature") ||
	    (ctype_is(p, "application/octet-stream", NULL) &&
	    has_suffix(mime_part_param(p, "name"), ".p7s"));
}

/*
 * Transfer-decodes p (the DER of a CMS part, or a message) into a new
 * buffer; one that cannot be decoded is a finding and leaves *bp NULL.
 */
static int
part_der(struct judge *j, const struct mime_part *p, struct buf **bp)
{
	struct buf	*b;
	struct smerr	 pe;
	int		 r;

	*bp = NULL;
	smerr_clear(&pe);
	if ((b = buf_new(MIME_MAX_INPUT)) == NULL)
		return smerr_nomem(j->e);
	if ((r = mime_part_decode(p, b, &pe)) != 0) {
		buf_free(b);
		if (r == SMERR_NOMEM)
			return smerr_nomem(j->e);
		return finding(j, "%s", smerr_msg(&pe));
	}
	*bp = b;
	return 0;
}

static char *
lower_dup(const char *s)
{
	char	*c, *p;

	if ((c = strdup(s)) == NULL)
		return NULL;
	for (p = c; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return c;
}

/* 1 for an RSA key too short to be trusted with a signature. */
static int
small_key(X509 *c)
{
	EVP_PKEY	*k = X509_get0_pubkey(c);

	ERR_clear_error();
	return k != NULL && (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA ||
	    EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA_PSS) &&
	    EVP_PKEY_get_bits(k) < 2048;
}

static void	iso_time(time_t, char *, size_t);

/*
 * Revocation of a trusted signer (crypto/revoke.c): revoked is untrusted,
 * whenever it was signed. The finding says when and why the issuer
 * revoked the certificate, where it said, and on which side of that the
 * signingTime falls: a time the holder of the key chose, so that it says
 * what the signer claims, never what is so.
 */
static int
revoke_note(struct judge *j, const struct crypto_signed *s,
    const struct crypto_signer *sg, size_t i, enum crypto_rev *revp)
{
	struct crypto_revinfo	 ri;
	const char		*rs;
	char			 why[640], at[32], st[32], more[200] = "";

	*revp = crypto_revoke_check(j->ctx, sg->cert, s->certs, why,
	    sizeof(why), &ri);
	if (*revp != CRYPTO_REV_REVOKED)
		return why[0] != '\0' ? finding(j, "signer %zu: %s", i + 1,
		    why) : 0;
	j->facts |= CRYPTO_S_UNTRUSTED;
	rs = crypto_revreason_str(ri.reason);
	if (ri.at != 0) {
		iso_time(ri.at, at, sizeof(at));
		iso_time(sg->signing_time, st, sizeof(st));
		snprintf(more, sizeof(more), " as of %s%s%s%s", at,
		    rs != NULL ? " (" : "", rs != NULL ? rs : "",
		    rs != NULL ? ")" : "");
		if (sg->signing_time != 0)
			snprintf(more + strlen(more), sizeof(more) -
			    strlen(more), "; the signing time the signer "
			    "gave, %s, is %s that", st, sg->signing_time <
			    ri.at ? "before" : "after");
	} else if (rs != NULL)
		snprintf(more, sizeof(more), " (%s)", rs);
	return finding(j, "signer %zu: %s%s", i + 1, why, more);
}

/* ISO 8601 UTC of t into out (at least 21 bytes); "@" and seconds else. */
static void
iso_time(time_t t, char *out, size_t size)
{
	if (text_iso_time(t, out, size) != 0)
		(void)snprintf(out, size, "@%lld", (long long)t);
}

/*
 * The signer's certificate against the time of signing (the signingTime
 * attribute; the Date field when there is none): a signature made outside
 * the certificate's validity is not trusted, and a certificate that has
 * expired since the message was signed is said to have, with both times.
 */
static int
signer_times(struct judge *j, const struct crypto_signer *sg, size_t i)
{
	time_t	nb, na, st, now;
	char	a[32], b[32], c[32];

	now = j->ctx->when != 0 ? j->ctx->when : time(NULL);
	if (keys_asn1_time(X509_get0_notBefore(sg->cert), &nb) != 0 ||
	    keys_asn1_time(X509_get0_notAfter(sg->cert), &na) != 0)
		return 0;
	st = sg->signing_time != 0 ? sg->signing_time : j->date;
	iso_time(nb, a, sizeof(a));
	iso_time(na, b, sizeof(b));
	iso_time(st, c, sizeof(c));
	if (sg->signing_time != 0 && (st < nb || st > na)) {
		return fact(j, CRYPTO_S_UNTRUSTED, "signer %zu: signed at %s, "
		    "outside the certificate's validity (%s to %s)", i + 1,
		    c, a, b);
	}
	if (na < now && st != 0 && st <= na)
		return finding(j, "signer %zu: the certificate expired at %s, "
		    "after the message was signed at %s", i + 1, b, c);
	return 0;
}

/* Why an SMIMEA answer vouches for nothing, in the reader's words. */
static const char *
dane_why(enum crypto_dane d)
{
	switch (d) {
	case CRYPTO_DANE_INSECURE:
		return "the zone is not signed (an insecure SMIMEA answer)";
	case CRYPTO_DANE_BOGUS:
		return "DNSSEC validation failed: bogus SMIMEA answer";
	case CRYPTO_DANE_ERROR:
		return "no answer from the resolver for SMIMEA";
	default:
		return "the SMIMEA answer could not be used";
	}
}

/*
 * What DNS says of the signer (SMIMEA, through the context's hook): a
 * match adds DANE to *trustp; a DNSSEC-secure RRset that names another
 * certificate for the address leaves no trust at all, whatever PKIX says.
 */
static int
signer_dane(struct judge *j, X509 *cert, size_t i, const char *addr,
    enum crypto_trust *trustp, enum crypto_dane *dp)
{
	unsigned char	*der = NULL;
	int		 derlen;

	*dp = CRYPTO_DANE_NONE;
	if (j->ctx->dane == NULL || (derlen = i2d_X509(cert, &der)) <= 0)
		return 0;
	*dp = j->ctx->dane(j->ctx->dane_arg, addr, der, (size_t)derlen);
	OPENSSL_free(der);
	switch (*dp) {
	case CRYPTO_DANE_MATCH:
		*trustp = *trustp == CRYPTO_TRUST_PKIX ?
		    CRYPTO_TRUST_PKIX_DANE : CRYPTO_TRUST_DANE;
		return 0;
	case CRYPTO_DANE_CONTRADICTION:
		*trustp = CRYPTO_TRUST_NONE;
		return fact(j, CRYPTO_S_UNTRUSTED, "signer %zu: DNSSEC-secure "
		    "SMIMEA records do not match the certificate", i + 1);
	case CRYPTO_DANE_INSECURE:
	case CRYPTO_DANE_BOGUS:
	case CRYPTO_DANE_ERROR:
	case CRYPTO_DANE_UNUSABLE:
		/* Neither an unsigned zone nor a failed lookup vouches. */
		return finding(j, "signer %zu: %s; DANE was not checked",
		    i + 1, dane_why(*dp));
	default:
		return 0;
	}
}

/*
 * Makes sg the verdict's signer: its address, trust and certificate, and
 * the address it may be harvested for (a trusted signer that is From).
 */
static void
signer_keep(struct crypto_verdict *v, const struct crypto_signer *sg,
    const char *addr, enum crypto_trust trust)
{
	unsigned char	*der = NULL;
	int		 derlen;

	free(v->signer);
	v->signer = addr != NULL ? strdup(addr) : NULL;
	v->trust = trust;
	free(v->signer_der);
	v->signer_der = NULL;
	v->signer_der_len = 0;
	free(v->harvest_addr);
	v->harvest_addr = NULL;
	if ((derlen = i2d_X509(sg->cert, &der)) > 0 &&
	    (v->signer_der = malloc((size_t)derlen)) != NULL) {
		memcpy(v->signer_der, der, (size_t)derlen);
		v->signer_der_len = (size_t)derlen;
	}
	OPENSSL_free(der);
	if (sg->math == 1 && trust != CRYPTO_TRUST_NONE && v->from != NULL &&
	    crypto_cert_has_email(sg->cert, v->from))
		v->harvest_addr = lower_dup(v->from);
}

/* What the signature's mathematics said of signer i. */
static int
signer_math(struct judge *j, const struct crypto_signer *sg, size_t i)
{
	if (sg->math == 0)
		return fact(j, CRYPTO_S_INVALID, "signer %zu: %s", i + 1,
		    sg->why);
	if (sg->math < 0 && sg->alg[0] != '\0')
		return fact(j, CRYPTO_S_ERROR, "signer %zu: %s (%s)", i + 1,
		    sg->why, sg->alg);
	if (sg->math < 0)
		return fact(j, CRYPTO_S_ERROR, "signer %zu: %s", i + 1,
		    sg->why);
	return 0;
}

/*
 * Who signer i is: the certificate's addresses into *emp, the one shown
 * (From's when the certificate names it) into *addrp, added to the
 * verdict's signers; a signer that is not From is a mismatch.
 */
static int
signer_identity(struct judge *j, const struct crypto_signer *sg, size_t i,
    char ***emp, size_t *nemp, char **addrp)
{
	struct crypto_verdict	*v = j->v;
	const char		*from = v->from;
	size_t			 k;

	*addrp = NULL;
	if (crypto_cert_emails(sg->cert, emp, nemp) != 0)
		return smerr_nomem(j->e);
	*addrp = *nemp > 0 ? (*emp)[0] : NULL;
	for (k = 0; from != NULL && k < *nemp; k++)
		if (idn_addr_eq((*emp)[k], from)) {
			*addrp = (*emp)[k];
			break;
		}
	if (*addrp != NULL && vec_strv_add(&v->signers, &v->nsigners,
	    *addrp, strlen(*addrp)) != 0)
		return smerr_nomem(j->e);
	if (from != NULL && crypto_cert_has_email(sg->cert, from))
		return 0;
	if (*nemp == 0)
		return fact(j, CRYPTO_S_MISMATCH, "signer %zu: the "
		    "certificate names no e-mail address", i + 1);
	if (from == NULL)
		return fact(j, CRYPTO_S_MISMATCH, "the message has no single "
		    "From address to compare the signer with");
	return fact(j, CRYPTO_S_MISMATCH, "signer %zu is %s, not the From "
	    "address %s", i + 1, (*emp)[0], from);
}

/*
 * How strong signer i's signature is: its key, its digest and its times
 * (a root signature's Date far from the signing time is only shown).
 */
static int
signer_strength(struct judge *j, const struct crypto_signer *sg, size_t i,
    int root)
{
	time_t	d;
	int	r;

	if (root && sg->signing_time != 0 && j->date != 0) {
		d = j->date > sg->signing_time ? j->date - sg->signing_time :
		    sg->signing_time - j->date;
		if (d > JUDGE_DATE_SLACK && (r = finding(j, "signer %zu: the "
		    "Date header field is %lld minutes from the signing time",
		    i + 1, (long long)d / 60)) != 0)
			return r;
	}
	if (small_key(sg->cert) && (r = fact(j, CRYPTO_S_UNTRUSTED,
	    "signer %zu: an RSA key shorter than 2048 bits", i + 1)) != 0)
		return r;
	if (sg->weak && (r = fact(j, CRYPTO_S_UNTRUSTED, "signer %zu uses a "
	    "digest weaker than SHA-256", i + 1)) != 0)
		return r;
	return signer_times(j, sg, i);
}

/*
 * Whom signer i is trusted through: its chain (PKIX), SMIMEA for addr
 * (DANE, in place of a trusted issuer only), then, when trusted and the
 * mathematics held, its revocation.
 */
static int
signer_trust(struct judge *j, const struct crypto_signed *s,
    const struct crypto_signer *sg, size_t i, const char *addr,
    enum crypto_trust *trustp, enum crypto_rev *revp)
{
	enum crypto_dane	 d;
	const char		*why;
	int			 ok, r;

	*trustp = CRYPTO_TRUST_NONE;
	*revp = CRYPTO_REV_NOT_CHECKED;
	ok = crypto_chain_check(j->ctx, sg->cert, s->certs, &why);
	if (ok < 0) {
		if ((r = fact(j, CRYPTO_S_ERROR, "signer %zu: the certificate "
		    "chain could not be checked", i + 1)) != 0)
			return r;
	} else if (ok == 1)
		*trustp = CRYPTO_TRUST_PKIX;
	if ((r = signer_dane(j, sg->cert, i, addr, trustp, &d)) != 0)
		return r;
	/*
	 * DANE stands in for a trusted issuer, for nothing else: a
	 * certificate expired, not yet valid, not for e-mail or too weak
	 * stays untrusted whatever DNS says of it.
	 */
	if (ok == 0)
		*trustp = CRYPTO_TRUST_NONE;
	if (sg->math == 1 && *trustp != CRYPTO_TRUST_NONE &&
	    (r = revoke_note(j, s, sg, i, revp)) != 0)
		return r;
	if (*trustp == CRYPTO_TRUST_NONE && (ok == 0 ||
	    ok == CRYPTO_CHAIN_NO_ISSUER))
		return fact(j, CRYPTO_S_UNTRUSTED, "signer %zu: %s", i + 1,
		    why != NULL ? why : "untrusted certificate");
	return 0;
}

/* Counts one signed layer, readable or not. */
static void
sig_count(struct judge *j, int root)
{
	j->facts |= CRYPTO_S_SIGNED;
	j->nsig++;
	if (root)
		j->root_sig = 1;
}

/*
 * Records the outcome of one counted SignedData: every SignerInfo is
 * judged, and the last (innermost) layer's first signer becomes the
 * verdict's signer.
 */
static int
sig_record(struct judge *j, struct crypto_signed *s, int root)
{
	struct crypto_verdict	*v = j->v;
	struct crypto_signer	*sg;
	char			**em = NULL, *addr = NULL;
	enum crypto_trust	 trust = CRYPTO_TRUST_NONE;
	enum crypto_rev		 rev = CRYPTO_REV_NOT_CHECKED;
	size_t			 i, nem = 0;
	int			 r;

	sig_count(j, root);
	if (s->malformed)
		return fact(j, CRYPTO_S_INVALID, "%s", s->why);
	for (i = 0; i < s->nsigners; i++) {
		sg = &s->signers[i];
		vec_strv_free(em, nem);
		em = NULL;
		nem = 0;
		if ((r = signer_math(j, sg, i)) != 0)
			goto out;
		if (sg->cert == NULL)
			continue;
		if ((r = signer_identity(j, sg, i, &em, &nem, &addr)) != 0 ||
		    (r = signer_strength(j, sg, i, root)) != 0 ||
		    (r = signer_trust(j, s, sg, i, v->from != NULL ? v->from :
		    addr, &trust, &rev)) != 0)
			goto out;
		/* The innermost layer's first signer is "signer". */
		if (i == 0) {
			signer_keep(v, sg, addr, trust);
			v->revocation = rev;
		}
	}
	r = 0;
out:
	vec_strv_free(em, nem);
	return r;
}

/*
 * Parses the message at p into *mp; one that cannot be read is a finding
 * that names it as what, and leaves *mp NULL.
 */
static int
msg_read(struct judge *j, const char *what, const uint8_t *p, size_t len,
    struct mime_msg **mp)
{
	struct smerr	 pe;
	int		 r;

	smerr_clear(&pe);
	if ((r = mime_parse(p, len, mp, &pe)) == 0)
		return 0;
	*mp = NULL;
	if (r == SMERR_NOMEM)
		return smerr_set(j->e, r, "out of memory");
	return finding(j, "%s: %s", what, smerr_msg(&pe));
}

/* Keeps what an S/MIME layer holds; *rootp gets its top entity. */
static int
msg_keep(struct judge *j, const uint8_t *p, size_t len,
    const struct mime_part **rootp)
{
	struct mime_msg	*m;
	int		 r;

	*rootp = NULL;
	/* A guard: smime_entity stops past JUDGE_MAX_LAYERS layers. */
	if (j->nmsgs >= JUDGE_MAX_LAYERS + 2)
		return fact(j, CRYPTO_S_SIGNED | CRYPTO_S_ERROR,
		    "too many S/MIME layers");
	if ((r = msg_read(j, "the protected content", p, len, &m)) != 0 ||
	    m == NULL)
		return r;
	j->msgs[j->nmsgs++] = m;
	*rootp = mime_msg_root(m);
	return 0;
}

/* 1 when the entity at p is an S/MIME envelope (by type, then content). */
static int
is_envelope(struct judge *j, const struct mime_part *p)
{
	const char	*st;
	struct buf	*der = NULL;
	int		 t;

	if (smime_kind(p) != K_PKCS7)
		return 0;
	if ((st = mime_part_param(p, "smime-type")) != NULL)
		return strcasecmp(st, "enveloped-data") == 0 ||
		    strcasecmp(st, "authenveloped-data") == 0;
	if (part_der(j, p, &der) != 0 || der == NULL)
		return 0;
	t = crypto_cms_type(buf_data(der), buf_len(der));
	buf_free(der);
	return t == NID_pkcs7_enveloped ||
	    t == NID_id_smime_ct_authEnvelopedData;
}

static int	walk(struct judge *, const struct mime_part *, int);

/* The ceiling of a new decrypted or decompressed layer. */
static size_t
budget_room(const struct judge *j)
{
	return j->budget < MIME_MAX_INPUT ? j->budget : MIME_MAX_INPUT;
}

/*
 * A layer would hold more than the message may: nothing of it is kept,
 * and the signature cannot be judged (the verdict is error).
 */
static int
over_budget(struct judge *j, const char *why)
{
	return fact(j, CRYPTO_S_SIGNED | CRYPTO_S_ERROR, "%s; it is not shown",
	    why);
}

/*
 * A signature over an envelope (s: at the root, S/MIME layer number layer
 * counting from the outside; 0 inside the content) vouches for nothing
 * shown, so one that verifies is not counted. One that does not verify is
 * still a signature that fails: the contract makes the message invalid,
 * whatever the layers inside it say.
 */
static int
sig_over_cipher(struct judge *j, const struct crypto_signed *s, int layer)
{
	char	where[64];
	size_t	i;

	if (layer > 0)
		(void)snprintf(where, sizeof(where), "of S/MIME layer %d "
		    "from the outside", layer);
	else
		(void)snprintf(where, sizeof(where), "inside the message");
	if (s->malformed)
		return fact(j, CRYPTO_S_SIGNED | CRYPTO_S_INVALID, "the "
		    "signature %s, over an encrypted part, does not verify: "
		    "%s", where, s->why);
	for (i = 0; i < s->nsigners; i++)
		if (s->signers[i].math == 0)
			return fact(j, CRYPTO_S_SIGNED | CRYPTO_S_INVALID,
			    "the signature %s, over an encrypted part, does "
			    "not verify: signer %zu: %s", where, i + 1,
			    s->signers[i].why);
	return finding(j, "a signature over an encrypted part signs only "
	    "ciphertext; it is not counted");
}

/*
 * A signature at the root is held until the root is unwrapped: if an
 * envelope comes below it, it signed ciphertext only and is not counted.
 * Inside the content it is recorded at once (unless it signs an envelope).
 */
static int
sig_layer(struct judge *j, struct crypto_signed *s, int root,
    const struct mime_part *content)
{
	if (root) {
		j->pending_layer[j->npending] = j->layers;
		j->pending[j->npending++] = *s;
		memset(s, 0, sizeof(*s));
		return 0;
	}
	if (content != NULL && is_envelope(j, content))
		return sig_over_cipher(j, s, 0);
	return sig_record(j, s, 0);
}

/* The root signatures so far all signed the envelope that comes next. */
static int
pending_drop(struct judge *j)
{
	int	i, r = 0;

	for (i = 0; i < j->npending; i++) {
		if (r == 0)
			r = sig_over_cipher(j, &j->pending[i],
			    j->pending_layer[i]);
		crypto_signed_clear(&j->pending[i]);
	}
	j->npending = 0;
	return r;
}

static int
pending_record(struct judge *j)
{
	int	i, r = 0;

	for (i = 0; i < j->npending && r == 0; i++)
		r = sig_record(j, &j->pending[i], 1);
	for (i = 0; i < j->npending; i++)
		crypto_signed_clear(&j->pending[i]);
	j->npending = 0;
	return r;
}

/*
 * Keeps a decrypted or decompressed layer (plain, taken) and parses what
 * it holds into *contentp.
 */
static int
plain_keep(struct judge *j, struct buf *plain,
    const struct mime_part **contentp)
{
	if (j->nplains >= JUDGE_MAX_LAYERS) {
		buf_free(plain);
		return fact(j, CRYPTO_S_SIGNED | CRYPTO_S_ERROR,
		    "too many S/MIME layers");
	}
	j->budget -= buf_len(plain);
	j->plains[j->nplains++] = plain;
	return msg_keep(j, buf_data(plain), buf_len(plain), contentp);
}

/* Decrypts the envelope der at the root; *contentp gets what it holds. */
static int
envelope_open(struct judge *j, const struct buf *der,
    const struct mime_part **contentp)
{
	struct buf	*plain;
	char		*cipher = NULL;
	const char	*why;
	int		 r = 0, opened;

	if ((plain = buf_new_secret(budget_room(j))) == NULL)
		return smerr_nomem(j->e);
	opened = crypto_cms_decrypt(j->ctx, buf_data(der), buf_len(der),
	    plain, &cipher, &why, j->e);
	if (opened < 0) {
		r = opened;
		goto out;
	}
	if (cipher != NULL && j->v->cipher == NULL) {
		j->v->cipher = cipher;
		cipher = NULL;
		if (strstr(j->v->cipher, "cbc") != NULL &&
		    (r = finding(j, "%s: the envelope is not "
		    "integrity-protected", j->v->cipher)) != 0)
			goto out;
	}
	if (opened != 1) {
		j->facts |= CRYPTO_E_FAILED;
		r = opened == 2 ? over_budget(j, why) : finding(j, "%s",
		    why != NULL ? why : "the envelope could not be opened");
		goto out;
	}
	j->facts |= CRYPTO_E_DECRYPTED;
	r = plain_keep(j, plain, contentp);
	plain = NULL;
	if (r == 0) {
		j->plain = buf_data(j->plains[j->nplains - 1]);
		j->plainlen = buf_len(j->plains[j->nplains - 1]);
		j->plain_root = *contentp;
	}
out:
	free(cipher);
	buf_free(plain);
	return r;
}

/* Inflates the CompressedData der; *contentp gets what it holds. */
static int
compressed_open(struct judge *j, const struct buf *der,
    const struct mime_part **contentp)
{
	struct buf	*plain;
	const char	*why;
	int		 opened;

	if ((plain = buf_new(budget_room(j))) == NULL)
		return smerr_nomem(j->e);
	opened = crypto_cms_uncompress(buf_data(der), buf_len(der), plain,
	    &why, j->e);
	if (opened != 1) {
		buf_free(plain);
		if (opened == 2)
			return over_budget(j, why);
		return opened < 0 ? opened : finding(j, "%s", why);
	}
	return plain_keep(j, plain, contentp);
}

/*
 * Handles one S/MIME entity p. At the root (root set) *nextp gets the
 * entity it holds, to be judged in turn; inside the content, what it holds
 * is walked here, and shown only when p is (show: see walk).
 */
static int
smime_entity(struct judge *j, const struct mime_part *p, int root,
    int show, const struct mime_part **nextp)
{
	struct crypto_signed	 s;
	const struct mime_part	*content = NULL, *sigp;
	struct buf		*der = NULL;
	const uint8_t		*raw;
	size_t			 rawlen;
	int			 r = 0, t, sig = 0;

	memset(&s, 0, sizeof(s));
	*nextp = NULL;
	if (++j->layers > JUDGE_MAX_LAYERS) {
		return fact(j, CRYPTO_S_SIGNED | CRYPTO_S_ERROR, "more than %d "
		    "S/MIME layers; the rest is not shown", JUDGE_MAX_LAYERS);
	}
	if (smime_kind(p) == K_DETACHED) {
		if (mime_part_nchildren(p) != 2 ||
		    !is_sigpart(mime_part_child(p, 1))) {
			sig_count(j, root);
			r = fact(j, CRYPTO_S_INVALID, "a multipart/signed "
			    "part without exactly one content and one S/MIME "
			    "signature");
			content = mime_part_child(p, 0);
			goto next;
		}
		content = mime_part_child(p, 0);
		sigp = mime_part_child(p, 1);
		if ((r = part_der(j, sigp, &der)) != 0)
			goto out;
		raw = mime_part_raw(content, &rawlen);
		if (der == NULL) {
			s.malformed = 1;
			s.why = "the signature part could not be decoded";
		} else if ((r = crypto_cms_verify(j->ctx, buf_data(der),
		    buf_len(der), raw, rawlen, &s, j->e)) != 0)
			goto out;
		sig = 1;
		r = sig_layer(j, &s, root, content);
		goto next;
	}
	/* application/pkcs7-mime */
	if ((r = part_der(j, p, &der)) != 0)
		goto out;
	t = der != NULL ? crypto_cms_type(buf_data(der), buf_len(der)) : 0;
	switch (t) {
	case NID_pkcs7_signed:
		if ((r = crypto_cms_verify(j->ctx, buf_data(der), buf_len(der),
		    NULL, 0, &s, j->e)) != 0)
			goto out;
		if (s.content != NULL && buf_len(s.content) > 0 &&
		    (r = msg_keep(j, buf_data(s.content), buf_len(s.content),
		    &content)) != 0)
			goto out;
		sig = 1;
		r = sig_layer(j, &s, root, content);
		goto next;
	case NID_pkcs7_enveloped:
	case NID_id_smime_ct_authEnvelopedData:
		if (!root) {
			/* Beside other content: named, never opened. */
			j->facts |= CRYPTO_E_PARTIAL;
			if (j->v->cipher == NULL && (r = crypto_cms_cipher(
			    buf_data(der), buf_len(der), &j->v->cipher)) != 0) {
				r = smerr_set(j->e, r, "out of memory");
				goto out;
			}
			r = finding(j, "an encrypted part stands beside other "
			    "content; it is not decrypted or shown");
			goto out;
		}
		j->facts |= CRYPTO_E_ENVELOPE;
		if ((r = pending_drop(j)) == 0)
			r = envelope_open(j, der, &content);
		goto next;
	case NID_id_smime_ct_compressedData:
		/* Compression is transparent: what it holds is judged. */
		r = compressed_open(j, der, &content);
		goto next;
	default:
		if (mime_part_param(p, "smime-type") != NULL &&
		    strcasecmp(mime_part_param(p, "smime-type"),
		    "signed-data") == 0) {
			sig_count(j, root);
			r = fact(j, CRYPTO_S_INVALID, "a signed part that is "
			    "not readable CMS");
		} else if (root) {
			r = fact(j, CRYPTO_E_ENVELOPE | CRYPTO_E_FAILED,
			    "an S/MIME part that is not readable CMS");
		} else {
			r = fact(j, CRYPTO_E_PARTIAL, "an unreadable S/MIME "
			    "part stands beside other content");
		}
		goto out;
	}
next:
	if (r != 0 || content == NULL)
		goto out;
	if (root)
		*nextp = content;
	else {
		/*
		 * The text under a signature inside the message is covered;
		 * under compression, or a multipart/signed without its
		 * signature, it is not. In an alternative that is not shown
		 * it is judged, and none of it shown.
		 */
		if (!show && (r = finding(j, "an S/MIME part is in an "
		    "alternative that is not shown; what it holds is not "
		    "shown")) != 0)
			goto out;
		j->covered += sig;
		r = walk(j, content, show);
		j->covered -= sig;
	}
out:
	crypto_signed_clear(&s);
	buf_free(der);
	return r;
}

/*
 * A part's text begins at the end of text: remember where, whether a
 * signature covers it and an envelope held it, and whether it is flowed.
 * A part that could not be decoded left a mark past the end: it is
 * dropped.
 */
static int
text_segment(struct judge *j, const struct mime_part *p)
{
	const char	*v;
	unsigned	 f = 0;

	if (j->covered > 0)
		f |= CRYPTO_SPAN_SIGNED;
	if ((j->facts & CRYPTO_E_DECRYPTED) && !(j->facts & CRYPTO_E_FAILED))
		f |= CRYPTO_SPAN_ENVELOPE;
	if (ctype_is(p, "text/plain", NULL) &&
	    (v = mime_part_param(p, "format")) != NULL &&
	    strcasecmp(v, "flowed") == 0) {
		f |= CRYPTO_SPAN_FLOWED;
		if ((v = mime_part_param(p, "delsp")) != NULL &&
		    strcasecmp(v, "yes") == 0)
			f |= CRYPTO_SPAN_DELSP;
	}
	while (j->nsegs > 0 && j->segs[j->nsegs - 1].line >= buf_len(j->text))
		j->nsegs--;
	/* A flowed part's last soft break must not reach into the next. */
	if (j->nsegs > 0 && j->segs[j->nsegs - 1].flags == f &&
	    !(f & CRYPTO_SPAN_FLOWED))
		return 0;	/* the run goes on */
	if (vec_reserve(&j->segs, &j->capsegs, j->nsegs,
	    sizeof(*j->segs)) != 0)
		return smerr_nomem(j->e);
	j->segs[j->nsegs].line = buf_len(j->text);
	j->segs[j->nsegs++].flags = f;
	return 0;
}

static int
text_add(struct judge *j, const struct mime_part *p)
{
	struct buf	*t = NULL;
	struct smerr	 pe;
	size_t		 mark = buf_len(j->text), start;
	int		 r;

	smerr_clear(&pe);
	if (mark > 0 && (r = buf_putc(j->text, '\n')) != 0)
		return smerr_set(j->e, r, "message text: %s", smerr_str(r));
	if ((r = text_segment(j, p)) != 0)
		return r;
	if (!ctype_is(p, "text/html", NULL)) {
		/* Plain text goes straight into the text shown. */
		start = buf_len(j->text);
		if ((r = mime_part_text(p, j->text, &pe)) != 0) {
			buf_truncate(j->text, mark);
			if (r == SMERR_NOMEM)
				return smerr_set(j->e, r, "out of memory");
			return finding(j, "%s", smerr_msg(&pe));
		}
		if (j->hp_sect != NULL &&
		    (r = mime_hp_legacy_strip(p, j->text, start)) != 0)
			return smerr_set(j->e, r, "message text: %s",
			    smerr_str(r));
		return 0;
	}
	if ((t = buf_new(MIME_MAX_INPUT)) == NULL)
		return smerr_nomem(j->e);
	if ((r = mime_part_text(p, t, &pe)) != 0) {
		buf_free(t);
		buf_truncate(j->text, mark);
		if (r == SMERR_NOMEM)
			return smerr_set(j->e, r, "out of memory");
		return finding(j, "%s", smerr_msg(&pe));
	}
	if (j->hp_sect != NULL && (r = mime_hp_legacy_strip(p, t, 0)) != 0) {
		buf_free(t);
		return smerr_set(j->e, r, "message text: %s", smerr_str(r));
	}
	r = mime_html_text(buf_data(t), buf_len(t), j->text);
	buf_free(t);
	if (r != 0)
		return smerr_set(j->e, r, "message text: %s", smerr_str(r));
	return 0;
}

/*
 * The message a message/rfc822 part p holds, for the caller to keep; *mp
 * is NULL when it cannot be read, and a finding names it as what.
 */
static int
part_message(struct judge *j, const struct mime_part *p, const char *what,
    struct mime_msg **mp)
{
	struct buf	*b;
	int		 r;

	*mp = NULL;
	if ((r = part_der(j, p, &b)) != 0 || b == NULL)
		return r;
	r = msg_read(j, what, buf_data(b), buf_len(b), mp);
	buf_free(b);
	return r;
}

/*
 * A message attached to the one judged: its text is shown, none of its
 * S/MIME counts (walk), so one past the bounds, left unread, takes only
 * its text away.
 */
static int
forwarded(struct judge *j, const struct mime_part *p)
{
	struct mime_msg	*m;
	int		 r;

	if (j->nattached >= JUDGE_MAX_ATTACHED)
		return finding(j, "more than %d attached messages; the text "
		    "of those past the %dth is not shown", JUDGE_MAX_ATTACHED,
		    JUDGE_MAX_ATTACHED);
	if (j->nested >= JUDGE_MAX_NESTED)
		return finding(j, "attached messages nested more than %d deep; "
		    "the text of those deeper is not shown", JUDGE_MAX_NESTED);
	if ((r = part_message(j, p, "an attached message", &m)) != 0 ||
	    m == NULL)
		return r;
	j->attached[j->nattached++] = m;
	j->nested++;
	r = walk(j, mime_msg_root(m), 1);
	j->nested--;
	return r;
}

static int
hp_note(void *arg, const char *s)
{
	return finding(arg, "%s", s);
}

/*
 * Writes p's header fields but Content-* and MIME-Version to b, and but
 * those that but (or NULL) has too.
 */
static int
fields_put(struct buf *b, const struct mime_part *p,
    const struct mime_part *but)
{
	const char	*name, *val;
	size_t		 i;
	int		 r = 0;

	for (i = 0; r == 0 && (name = mime_part_field(p, i, &val)) != NULL;
	    i++) {
		if (strncasecmp(name, "content-", 8) == 0 ||
		    strcasecmp(name, "mime-version") == 0 ||
		    (but != NULL && mime_part_header(but, name) != NULL))
			continue;
		r = buf_printf(b, "%s: %s\r\n", name, val);
	}
	return r;
}

/* Keeps the protected section's header fields in the verdict. */
static int
hp_header_keep(struct judge *j, const struct mime_part *sect)
{
	struct buf	*b;
	int		 r;

	/* An envelope hid them: wiped as the decrypted message is. */
	if ((b = buf_new_secret(MIME_MAX_INPUT)) == NULL)
		return smerr_nomem(j->e);
	if ((r = fields_put(b, sect, NULL)) != 0 ||
	    (r = buf_puts(b, "\r\n")) != 0) {
		buf_free(b);
		return smerr_set(j->e, r, "protected header: %s",
		    smerr_str(r));
	}
	buf_free(j->v->hp_header);
	j->v->hp_header = b;
	return 0;
}

/*
 * RFC 9788: a payload at the root that says it carries the header fields
 * (hp, or the drafts' protected-headers) gives the header shown, when a
 * signature at the root covers it or it came out of an envelope. A
 * wrapped message gives way to the message it wraps.
 */
static int
hp_take(struct judge *j, const struct mime_part **curp)
{
	const struct mime_part	*sect = *curp;
	struct mime_msg		*m;
	enum mime_hp_form	 form = mime_hp_form(sect);
	enum crypto_hp		 level;
	const char		*why;
	int			 r;

	if ((j->facts & CRYPTO_E_DECRYPTED) && !(j->facts & CRYPTO_E_FAILED))
		level = CRYPTO_HP_ENCRYPTED;
	else if (j->npending > 0)
		level = CRYPTO_HP_SIGNED;
	else
		return 0;
	if (form == MIME_HP_NONE)
		return 0;
	if (form == MIME_HP_WRAPPED) {
		if ((r = part_message(j, sect, "the protected content",
		    &m)) != 0 || m == NULL)
			return r;
		j->msgs[j->nmsgs++] = m;
		*curp = sect = mime_msg_root(m);
	}
	j->hp_sect = j->hdr = sect;
	j->v->header_protection = level;
	j->v->header_signed = j->npending > 0;
	if ((r = hp_header_keep(j, sect)) != 0)
		return r;
	/*
	 * Anyone can encrypt to the reader: a section no signature covers
	 * is compared too, and said to be unsigned.
	 */
	if ((r = crypto_hp_compare(j->outer, sect, level ==
	    CRYPTO_HP_ENCRYPTED, j->npending > 0, hp_note, j)) != 0)
		return r == SMERR_NOMEM ? smerr_set(j->e, r, "out of memory") :
		    r;
	if ((r = crypto_hdr_read(j->v, sect, &j->date, &why, j->e)) != 0)
		return r;
	if (j->v->from == NULL)
		return finding(j, "the protected From: %s", why);
	return 0;
}

/*
 * Walks content that is shown; show is 0 for the alternatives of a
 * multipart/alternative that are not displayed (still searched for
 * S/MIME entities, since those decide the verdict).
 */
static int
walk(struct judge *j, const struct mime_part *p, int show)
{
	const struct mime_part	*c, *next;
	size_t			 i, n, pick;
	int			 r;

	n = mime_part_nchildren(p);
	if (j->nested > 0) {
		/* A forwarded message: its text, none of its S/MIME. */
		if (smime_kind(p) == K_DETACHED)
			return n > 0 ? walk(j, mime_part_child(p, 0), show) : 0;
		if (smime_kind(p) == K_PKCS7)
			return 0;
	} else if (smime_kind(p) != K_NONE)
		return smime_entity(j, p, 0, show, &next);
	/* A message inside, attached or not, is shown: its text counts. */
	if (ctype_is(p, "message/rfc822", NULL) && show)
		return forwarded(j, p);
	if (ctype_is(p, "multipart/alternative", NULL) && n > 0) {
		pick = n - 1;
		for (i = 0; i < n; i++)
			if (ctype_is(mime_part_child(p, i), "text/plain",
			    NULL)) {
				pick = i;
				break;
			}
		for (i = 0; i < n; i++)
			if ((r = walk(j, mime_part_child(p, i),
			    show && i == pick)) != 0)
				return r;
		return 0;
	}
	if (mime_part_is_multipart(p)) {
		for (i = 0; i < n; i++) {
			c = mime_part_child(p, i);
			if ((r = walk(j, c, show)) != 0)
				return r;
		}
		return 0;
	}
	if (!show || mime_part_is_attachment(p))
		return 0;
	/* The drafts' copy of the protected fields for older programs. */
	if (j->hp_sect != NULL && p != j->hp_sect && mime_hp_legacy_part(p))
		return 0;
	if (ctype_is(p, "text/plain", NULL) || ctype_is(p, "text/html", NULL))
		return text_add(j, p);
	return 0;
}

/*
 * The reader is shown more than the From addr-spec. An address in From's
 * display name or in a comment that is not the signer's is a different
 * sender shown (the identity attacks of "Johnny, You Are Fired!", class
 * I2 and I3): mismatch. A Sender or Reply-To naming someone else is shown
 * beside the verdict as a finding: mailing lists set both on genuine mail.
 */
static int
identity_check(struct judge *j)
{
	static const char *const fields[] = { "from", "sender", "reply-to" };
	static const char *const shown[] = { "From", "Sender", "Reply-To" };
	const char		*val, *name;
	size_t			 i, k;
	int			 r;

	for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
		for (i = 0; (name = mime_part_field(j->hdr, i, &val)) !=
		    NULL; i++) {
			if (strcasecmp(name, fields[k]) != 0 ||
			    !mime_addr_names_other(val, j->v->from))
				continue;
			if (k == 0) {
				r = fact(j, CRYPTO_S_MISMATCH, "the From field "
				    "shows an address other than the signer's");
			} else
				r = finding(j, "the %s field names an address "
				    "other than the signer's", shown[k]);
			if (r != 0)
				return r;
			break;
		}
	return 0;
}

/* Outer header fields but Content-* and MIME-Version, then plain. */
#define DECRYPTED_HEAD_ROOM	4096

static int
decrypted_keep(struct judge *j)
{
	struct buf	*b;
	int		 r;

	if (j->plain == NULL)
		return 0;
	/*
	 * One block for the header fields and the content: a secret one is
	 * locked and wiped, so its growing step by step costs each time.
	 */
	if ((b = buf_new_secret(2 * MIME_MAX_INPUT)) == NULL)
		return smerr_nomem(j->e);
	(void)buf_reserve(b, j->plainlen + DECRYPTED_HEAD_ROOM);
	/*
	 * A decrypted entity that is itself the protected header section
	 * (RFC 9788, no signature inside) brings the fields shown: the
	 * outer stand-ins ("[...]") are not kept beside them.
	 */
	if ((r = fields_put(b, j->outer, j->hp_sect != NULL &&
	    j->hp_sect == j->plain_root ? j->hp_sect : NULL)) == 0)
		r = buf_put(b, j->plain, j->plainlen);
	if (r != 0) {
		buf_free(b);
		return smerr_set(j->e, r, "decrypted message: %s",
		    smerr_str(r));
	}
	j->v->decrypted = b;
	return 0;
}

/* The newlines in p[0..len). */
static size_t
count_lf(const uint8_t *p, size_t len)
{
	const uint8_t	*end = p + len;
	size_t		 n = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/*
 * The text shown, each part sanitized on its own so that nothing in one
 * part can reach into the next, and the run of lines each part gives.
 */
static int
text_shown(struct judge *j)
{
	struct crypto_verdict	*v = j->v;
	struct buf		*o;
	const uint8_t		*d = buf_data(j->text);
	size_t			 i, n, start, end, k, line = 1;
	size_t			 len = buf_len(j->text);
	int			 r = 0;

	/* A part that failed to decode left its mark past the end. */
	while (j->nsegs > 0 && j->segs[j->nsegs - 1].line > len)
		j->nsegs--;
	n = j->nsegs > 0 ? j->nsegs : 1;
	/* Room for the text as it is: sanitizing seldom makes it longer. */
	if ((o = buf_new(2 * MIME_MAX_INPUT)) == NULL ||
	    buf_reserve(o, len) != 0 ||
	    (v->spans = calloc(n, sizeof(*v->spans))) == NULL) {
		buf_free(o);
		return smerr_nomem(j->e);
	}
	for (i = 0; i < n && r == 0; i++) {
		start = j->nsegs > 0 ? j->segs[i].line : 0;
		end = i + 1 < j->nsegs ? j->segs[i + 1].line : len;
		v->spans[i].line = line;
		v->spans[i].flags = j->nsegs > 0 ? j->segs[i].flags : 0;
		k = buf_len(o);
		r = text_sanitize(o, d + start, end - start, TEXT_MULTILINE);
		/* The lines of a part place the next one: not the last's. */
		if (r == 0 && i + 1 < n)
			line += count_lf(buf_data(o) + k, buf_len(o) - k);
	}
	v->nspans = n;
	if (r == 0 && (v->text = buf_take(o, NULL)) == NULL)
		r = SMERR_NOMEM;
	buf_free(o);
	if (r != 0)
		return smerr_set(j->e, r, "message text: %s", smerr_str(r));
	return 0;
}

/* 1 when a multipart of a message read (layer or attached) ran on. */
static int
unterminated(const struct judge *j)
{
	int	i;

	for (i = 0; i < j->nmsgs; i++)
		if (mime_msg_unterminated(j->msgs[i]))
			return 1;
	for (i = 0; i < j->nattached; i++)
		if (mime_msg_unterminated(j->attached[i]))
			return 1;
	return 0;
}

int
crypto_judge(struct crypto_ctx *ctx, const void *msg, size_t len,
    struct crypto_verdict **vp, struct smerr *e)
{
	struct judge		 j;
	struct crypto_verdict	*v = NULL;
	const struct mime_part	*cur, *next;
	const char		*why;
	int			 r, i;

	*vp = NULL;
	memset(&j, 0, sizeof(j));
	j.ctx = ctx;
	j.e = e;
	j.budget = JUDGE_BUDGET_TIMES * len + JUDGE_BUDGET_FIXED;
	if ((v = calloc(1, sizeof(*v))) == NULL ||
	    (j.text = buf_new(MIME_MAX_INPUT)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	j.v = v;
	{
		struct mime_msg	*m;

		if ((r = mime_parse(msg, len, &m, e)) != 0)
			goto out;
		j.msgs[j.nmsgs++] = m;
		cur = j.outer = mime_msg_root(m);
	}
	j.hdr = cur;
	if ((r = crypto_hdr_read(v, cur, &j.date, &why, e)) != 0)
		goto out;
	if (v->from == NULL && (r = finding(&j, "From: %s", why)) != 0)
		goto out;
	/* The root: S/MIME layers, one inside the other. */
	while (cur != NULL && (smime_kind(cur) != K_NONE ||
	    pgp_around_smime(cur))) {
		if (smime_kind(cur) == K_NONE) {
			if ((r = finding(&j, "an OpenPGP signature around the "
			    "message was not checked")) != 0)
				goto out;
			cur = mime_part_child(cur, 0);
			continue;
		}
		if ((r = smime_entity(&j, cur, 1, 1, &next)) != 0)
			goto out;
		cur = next;
	}
	if (cur != NULL && (r = hp_take(&j, &cur)) != 0)
		goto out;
	if ((r = pending_record(&j)) != 0)
		goto out;
	j.covered = j.root_sig;
	/* The content shown. */
	if (cur != NULL && (r = walk(&j, cur, 1)) != 0)
		goto out;
	if (unterminated(&j) && (r = fact(&j, j.facts & CRYPTO_S_SIGNED ?
	    CRYPTO_S_INVALID : 0, "a multipart part has no closing boundary: "
	    "the message is malformed")) != 0)
		goto out;
	if (j.nsig > 0 && v->from != NULL &&
	    (r = identity_check(&j)) != 0)
		goto out;
	if (j.nsig > 0 && !j.root_sig) {
		if ((r = fact(&j, CRYPTO_S_PARTIAL, "a signature covers only "
		    "part of the message; the rest is not signed")) != 0)
			goto out;
	}
	if ((j.facts & CRYPTO_E_PARTIAL) && (j.facts & CRYPTO_E_ENVELOPE) &&
	    (r = finding(&j, "encrypted content is mixed with other "
	    "content")) != 0)
		goto out;
	v->facts = j.facts;
	v->signature = crypto_sig_decide(j.facts);
	v->encryption = crypto_enc_decide(j.facts);
	if (v->signature == CRYPTO_SIG_NONE) {
		free(v->signer);
		v->signer = NULL;
		v->trust = CRYPTO_TRUST_NONE;
		v->revocation = CRYPTO_REV_NOT_CHECKED;
	}
	if (v->signature != CRYPTO_SIG_VALID) {
		free(v->harvest_addr);
		v->harvest_addr = NULL;
	}
	if ((r = text_shown(&j)) != 0)
		goto out;
	if ((j.facts & CRYPTO_E_DECRYPTED) && !(j.facts & CRYPTO_E_FAILED) &&
	    (r = decrypted_keep(&j)) != 0)
		goto out;
	*vp = v;
	v = NULL;
	r = 0;
out:
	for (i = 0; i < j.nmsgs; i++)
		mime_msg_free(j.msgs[i]);
	for (i = 0; i < j.nattached; i++)
		mime_msg_free(j.attached[i]);
	for (i = 0; i < j.nplains; i++)
		buf_free(j.plains[i]);
	for (i = 0; i < j.npending; i++)
		crypto_signed_clear(&j.pending[i]);
	buf_free(j.text);
	free(j.segs);
	crypto_verdict_free(v);
	return r;
}

void
crypto_verdict_free(struct crypto_verdict *v)
{
	if (v == NULL)
		return;
	free(v->from);
	vec_strv_free(v->to, v->nto);
	vec_strv_free(v->cc, v->ncc);
	free(v->subject);
	free(v->signer);
	vec_strv_free(v->signers, v->nsigners);
	free(v->cipher);
	if (v->text != NULL)
		secmem_strfree(v->text);
	free(v->signer_der);
	free(v->harvest_addr);
	buf_free(v->decrypted);
	buf_free(v->hp_header);
	vec_strv_free(v->findings, v->nfindings);
	free(v->spans);
	free(v);
}
