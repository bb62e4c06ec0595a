/*
 * Signing and encrypting with the OpenSSL 3 CMS API. Every object made
 * here lives for one call; private keys are decoded from PKCS#8 DER into
 * an EVP_PKEY only for the signature and freed at once.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/text.h"
#include "crypto/crypto_int.h"
#include "crypto/protect.h"
#include "mime/build.h"
#include "mime/mime.h"

#define PROTECT_MAX	(96UL * 1024 * 1024)

/* Sets e from the OpenSSL error queue, which it empties. */
static int
ossl_fail(struct smerr *e, const char *what)
{
	unsigned long	 err;
	char		 s[256];

	err = ERR_peek_last_error();
	if (err != 0) {
		ERR_error_string_n(err, s, sizeof(s));
		smerr_set(e, SMERR_CRYPTO, "%s: %s", what, s);
	} else
		smerr_set(e, SMERR_CRYPTO, "%s", what);
	ERR_clear_error();
	return SMERR_CRYPTO;
}

static EVP_PKEY *
key_from_pkcs8(const struct buf *key)
{
	const unsigned char	*p = buf_data(key);
	PKCS8_PRIV_KEY_INFO	*p8;
	EVP_PKEY		*pk = NULL;

	if (buf_len(key) == 0 || buf_len(key) > LONG_MAX)
		return NULL;
	if ((p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)buf_len(key))) ==
	    NULL)
		return NULL;
	pk = EVP_PKCS82PKEY(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return pk;
}

/*
 * Finishes cms over content and puts its DER into a new buffer; failed is
 * what the error says when finishing fails.
 */
static int
cms_final_buf(CMS_ContentInfo *cms, const struct buf *content,
    unsigned int flags, const char *failed, struct buf **outp,
    struct smerr *e)
{
	unsigned char	*der = NULL;
	BIO		*in;
	int		 n;

	if (buf_len(content) > INT_MAX || (in = BIO_new_mem_buf(
	    buf_data(content), (int)buf_len(content))) == NULL)
		return smerr_nomem(e);
	n = CMS_final(cms, in, NULL, flags);
	BIO_free(in);
	if (!n)
		return ossl_fail(e, failed);
	if ((n = i2d_CMS_ContentInfo(cms, &der)) <= 0)
		return ossl_fail(e, "cannot encode the CMS structure");
	if ((*outp = buf_new(PROTECT_MAX)) == NULL ||
	    buf_put(*outp, der, (size_t)n) != 0) {
		buf_free(*outp);
		*outp = NULL;
		OPENSSL_free(der);
		return smerr_set(e, SMERR_LIMIT, "the CMS structure is too "
		    "large");
	}
	OPENSSL_free(der);
	return 0;
}

static int
add_smimecap(CMS_SignerInfo *si)
{
	STACK_OF(X509_ALGOR)	*algs;
	int			 ok;

	if ((algs = sk_X509_ALGOR_new_null()) == NULL)
		return 0;
	ok = PKCS7_simple_smimecap(algs, NID_aes_256_gcm, -1) &&
	    PKCS7_simple_smimecap(algs, NID_aes_128_gcm, -1) &&
	    PKCS7_simple_smimecap(algs, NID_aes_256_cbc, -1) &&
	    CMS_add_smimecap(si, algs);
	sk_X509_ALGOR_pop_free(algs, X509_ALGOR_free);
	return ok;
}

int
protect_sign(const struct protect_signer *s, const struct buf *content,
    struct buf **sigp, struct smerr *e)
{
	const unsigned int	 flags = CMS_DETACHED | CMS_BINARY |
	    CMS_PARTIAL | CMS_NOSMIMECAP;
	CMS_ContentInfo		*cms = NULL;
	CMS_SignerInfo		*si;
	EVP_PKEY_CTX		*pctx;
	EVP_PKEY		*pk = NULL;
	X509			*x = NULL, *c;
	size_t			 i;
	int			 r = SMERR_CRYPTO;

	*sigp = NULL;
	if ((x = keys_der_x509(s->cert, s->cert_len)) == NULL) {
		r = smerr_set(e, SMERR_CRYPTO, "the signer's certificate "
		    "cannot be read");
		goto out;
	}
	if ((pk = s->key != NULL ? key_from_pkcs8(s->key) :
	    s->hook != NULL ? crypto_remote_key(x, s->hook) : NULL) == NULL) {
		r = smerr_set(e, SMERR_CRYPTO, "the signing key cannot be "
		    "read");
		goto out;
	}
	if (!X509_check_private_key(x, pk)) {
		r = smerr_set(e, SMERR_CRYPTO, "the signing key does not "
		    "belong to the certificate");
		goto out;
	}
	/* A reader would call such a signature untrusted: say so now. */
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) {
		r = smerr_set(e, SMERR_CRYPTO, "the signer's certificate has "
		    "expired");
		goto out;
	}
	if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0) {
		r = smerr_set(e, SMERR_CRYPTO, "the signer's certificate is "
		    "not valid yet");
		goto out;
	}
	if (s->pss && EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
		r = smerr_set(e, SMERR_INVAL, "RSA-PSS needs an RSA key");
		goto out;
	}
	if ((cms = CMS_sign(NULL, NULL, NULL, NULL, flags)) == NULL) {
		r = ossl_fail(e, "cannot start a signature");
		goto out;
	}
	if ((si = CMS_add1_signer(cms, x, pk, EVP_sha256(),
	    flags | (s->pss ? CMS_KEY_PARAM : 0))) == NULL) {
		r = ossl_fail(e, "cannot add the signer");
		goto out;
	}
	if (s->pss) {
		if ((pctx = CMS_SignerInfo_get0_pkey_ctx(si)) == NULL ||
		    EVP_PKEY_CTX_set_rsa_padding(pctx,
		    RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx,
		    RSA_PSS_SALTLEN_DIGEST) <= 0) {
			r = ossl_fail(e, "cannot choose RSA-PSS");
			goto out;
		}
	}
	if (!add_smimecap(si)) {
		r = ossl_fail(e, "cannot add SMIMECapabilities");
		goto out;
	}
	for (i = 0; i < s->nchain; i++) {
		if ((c = keys_der_x509(s->chain[i],
		    s->chain_len[i])) == NULL) {
			r = smerr_set(e, SMERR_CRYPTO, "a chain certificate "
			    "cannot be read");
			goto out;
		}
		if (!CMS_add1_cert(cms, c)) {
			X509_free(c);
			r = ossl_fail(e, "cannot add a chain certificate");
			goto out;
		}
		X509_free(c);
	}
	r = cms_final_buf(cms, content, flags, "signing failed", sigp, e);
out:
	CMS_ContentInfo_free(cms);
	EVP_PKEY_free(pk);
	X509_free(x);
	ERR_clear_error();
	return r;
}

int
protect_rcpts_allow_gcm(const struct protect_rcpt *r, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((r[i].caps & PROTECT_CAP_KNOWN) == 0 ||
		    (r[i].caps & PROTECT_CAP_AES256_GCM) == 0)
			return 0;
	return 1;
}

int
protect_encrypt(const struct protect_rcpt *rc, size_t n,
    const struct buf *content, int force_cbc, struct buf **derp, int *aead,
    struct smerr *e)
{
	const unsigned int	 flags = CMS_BINARY | CMS_PARTIAL;
	const EVP_CIPHER	*cipher;
	CMS_ContentInfo		*cms = NULL;
	CMS_RecipientInfo	*ri;
	EVP_PKEY_CTX		*pctx;
	EVP_PKEY		*pub;
	X509			*x = NULL;
	size_t			 i;
	int			 r = SMERR_CRYPTO, gcm;

	*derp = NULL;
	if (n == 0)
		return smerr_set(e, SMERR_INVAL, "no recipient to encrypt to");
	gcm = !force_cbc && protect_rcpts_allow_gcm(rc, n);
	cipher = gcm ? EVP_aes_256_gcm() : EVP_aes_256_cbc();
	if ((cms = CMS_encrypt(NULL, NULL, cipher, flags)) == NULL) {
		r = ossl_fail(e, "cannot start an envelope");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((x = keys_der_x509(rc[i].cert, rc[i].cert_len)) == NULL) {
			r = smerr_set(e, SMERR_CRYPTO, "recipient certificate "
			    "%zu cannot be read", i + 1);
			goto out;
		}
		if ((ri = CMS_add1_recipient_cert(cms, x, flags)) == NULL) {
			r = ossl_fail(e, "cannot add a recipient");
			goto out;
		}
		/* RFC 8551: a SHA-256 KDF for ECDH, not the SHA-1 default. */
		pub = X509_get0_pubkey(x);
		if (pub != NULL && EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC &&
		    CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_AGREE) {
			if ((pctx = CMS_RecipientInfo_get0_pkey_ctx(ri)) ==
			    NULL || EVP_PKEY_CTX_set_ecdh_kdf_md(pctx,
			    EVP_sha256()) <= 0) {
				r = ossl_fail(e, "cannot set the ECDH KDF");
				goto out;
			}
		}
		X509_free(x);
		x = NULL;
	}
	if ((r = cms_final_buf(cms, content, flags, "encryption failed", derp,
	    e)) == 0 && aead != NULL)
		*aead = gcm;
out:
	X509_free(x);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return r;
}

int
protect_entity(const struct protect_opts *o, const struct buf *entity,
    struct buf **outp, const char **cipher, struct smerr *e)
{
	struct protect_rcpt	*all = NULL;
	struct buf		*sig = NULL, *signed_ent = NULL, *der = NULL;
	const struct buf	*inner = entity;
	const uint8_t		*self = o->self;
	size_t			 self_len = o->self_len, i, n = 0;
	int			 r = 0, aead = 0, dup = 0;

	*outp = NULL;
	if (cipher != NULL)
		*cipher = NULL;
	if (o->signer == NULL && o->nrcpt == 0)
		return smerr_set(e, SMERR_INVAL, "neither signing nor "
		    "encrypting");
	if (!mime_is_canonical(buf_data(entity), buf_len(entity)))
		return smerr_set(e, SMERR_INVAL, "the entity is not canonical");
	if (o->signer != NULL) {
		if ((r = protect_sign(o->signer, entity, &sig, e)) != 0 ||
		    (r = mime_signed_entity(entity, buf_data(sig), buf_len(sig),
		    &signed_ent, e)) != 0)
			goto out;
		inner = signed_ent;
	}
	if (o->nrcpt == 0) {
		*outp = signed_ent;
		signed_ent = NULL;
		goto out;
	}
	if (self == NULL && o->signer != NULL) {
		self = o->signer->cert;
		self_len = o->signer->cert_len;
	}
	if ((all = calloc(o->nrcpt + 1, sizeof(*all))) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	for (i = 0; i < o->nrcpt; i++) {
		all[n++] = o->rcpt[i];
		if (self != NULL && o->rcpt[i].cert_len == self_len &&
		    memcmp(o->rcpt[i].cert, self, self_len) == 0)
			dup = 1;
	}
	if (self != NULL && !dup) {
		/* The sender reads everything sealmail writes. */
		all[n].cert = self;
		all[n].cert_len = self_len;
		all[n].caps = PROTECT_CAP_KNOWN | PROTECT_CAP_AES256_GCM |
		    PROTECT_CAP_AES128_GCM | PROTECT_CAP_AES256_CBC;
		n++;
	}
	if ((r = protect_encrypt(all, n, inner, o->force_cbc, &der, &aead,
	    e)) != 0 ||
	    (r = mime_smime_entity(buf_data(der), buf_len(der),
	    aead ? "authEnveloped-data" : "enveloped-data", outp, e)) != 0)
		goto out;
	if (cipher != NULL)
		*cipher = aead ? "aes-256-gcm" : "aes-256-cbc";
out:
	free(all);
	buf_free(sig);
	buf_free(signed_ent);
	buf_free(der);
	return r;
}

int
protect_chain_pick(const uint8_t *cert, size_t len,
    const uint8_t *const *pool, const size_t *pool_len, size_t n,
    size_t *idx, size_t max, size_t *np, struct smerr *e)
{
	X509		**px = NULL, *cur, *leaf;
	size_t		 i, k = 0;
	int		 r = 0, found;

	*np = 0;
	if ((leaf = keys_der_x509(cert, len)) == NULL)
		return smerr_set(e, SMERR_CRYPTO, "the signer's certificate "
		    "cannot be read");
	if (n > 0 && (px = calloc(n, sizeof(*px))) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	for (i = 0; i < n; i++)
		px[i] = keys_der_x509(pool[i], pool_len[i]);
	cur = leaf;
	while (k < max) {
		found = 0;
		for (i = 0; i < n && !found; i++) {
			if (px[i] == NULL || X509_cmp(px[i], cur) == 0 ||
			    X509_check_issued(px[i], cur) != X509_V_OK)
				continue;
			found = 1;
			if (X509_check_issued(px[i], px[i]) == X509_V_OK)
				goto out;	/* a root: the reader has it */
			idx[k++] = i;
			cur = px[i];
		}
		if (!found)
			break;
	}
out:
	*np = k;
	for (i = 0; px != NULL && i < n; i++)
		X509_free(px[i]);
	free(px);
	X509_free(leaf);
	ERR_clear_error();
	return r;
}

int
protect_caps_parse(const uint8_t *der, size_t len, unsigned *caps,
    struct smerr *e)
{
	STACK_OF(X509_ALGOR)	*algs;
	const unsigned char	*p = der;
	X509_ALGOR		*a;
	int			 i;

	*caps = 0;
	if (len == 0 || len > 64 * 1024)
		return smerr_set(e, SMERR_PARSE, "SMIMECapabilities of "
		    "%zu bytes", len);
	if ((algs = d2i_X509_ALGORS(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		return smerr_set(e, SMERR_PARSE, "malformed "
		    "SMIMECapabilities");
	}
	*caps = PROTECT_CAP_KNOWN;
	for (i = 0; i < sk_X509_ALGOR_num(algs); i++) {
		a = sk_X509_ALGOR_value(algs, i);
		switch (OBJ_obj2nid(a->algorithm)) {
		case NID_aes_256_gcm:
			*caps |= PROTECT_CAP_AES256_GCM;
			break;
		case NID_aes_128_gcm:
			*caps |= PROTECT_CAP_AES128_GCM;
			break;
		case NID_aes_256_cbc:
			*caps |= PROTECT_CAP_AES256_CBC;
			break;
		case NID_aes_192_cbc:
			*caps |= PROTECT_CAP_AES192_CBC;
			break;
		case NID_aes_128_cbc:
			*caps |= PROTECT_CAP_AES128_CBC;
			break;
		}
	}
	sk_X509_ALGOR_pop_free(algs, X509_ALGOR_free);
	return 0;
}

int
protect_caps_from_signed(const uint8_t *der, size_t len,
    const uint8_t *signer, size_t signer_len, unsigned *caps,
    struct smerr *e)
{
	const unsigned char		*p = der;
	CMS_ContentInfo			*cms = NULL;
	STACK_OF(CMS_SignerInfo)	*sis;
	CMS_SignerInfo			*si = NULL;
	X509_ATTRIBUTE			*attr;
	ASN1_TYPE			*t;
	X509				*x = NULL;
	int				 i, idx, r = 0;

	*caps = 0;
	if (len == 0 || len > PROTECT_MAX ||
	    (cms = d2i_CMS_ContentInfo(NULL, &p, (long)len)) == NULL) {
		r = smerr_set(e, SMERR_PARSE, "not a CMS structure");
		goto out;
	}
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed ||
	    (sis = CMS_get0_SignerInfos(cms)) == NULL ||
	    sk_CMS_SignerInfo_num(sis) == 0) {
		r = smerr_set(e, SMERR_PARSE, "not a signature");
		goto out;
	}
	if (signer != NULL) {
		if ((x = keys_der_x509(signer, signer_len)) == NULL) {
			r = smerr_set(e, SMERR_PARSE, "the signer's "
			    "certificate cannot be read");
			goto out;
		}
		for (i = 0; i < sk_CMS_SignerInfo_num(sis); i++)
			if (CMS_SignerInfo_cert_cmp(
			    sk_CMS_SignerInfo_value(sis, i), x) == 0) {
				si = sk_CMS_SignerInfo_value(sis, i);
				break;
			}
		if (si == NULL) {
			r = smerr_set(e, SMERR_NOTFOUND, "no SignerInfo for "
			    "that certificate");
			goto out;
		}
	} else
		si = sk_CMS_SignerInfo_value(sis, 0);
	if ((idx = CMS_signed_get_attr_by_NID(si, NID_SMIMECapabilities,
	    -1)) < 0)
		goto out;
	if ((attr = CMS_signed_get_attr(si, idx)) == NULL ||
	    X509_ATTRIBUTE_count(attr) != 1 ||
	    (t = X509_ATTRIBUTE_get0_type(attr, 0)) == NULL ||
	    t->type != V_ASN1_SEQUENCE) {
		r = smerr_set(e, SMERR_PARSE, "malformed SMIMECapabilities");
		goto out;
	}
	r = protect_caps_parse(t->value.sequence->data,
	    (size_t)t->value.sequence->length, caps, e);
out:
	X509_free(x);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return r;
}

static int
caps_in_part(const struct mime_part *p, const uint8_t *signer,
    size_t signer_len, unsigned *caps, int depth)
{
	const char	*t = mime_part_type(p), *st;
	struct buf	*der;
	struct smerr	 e2;
	size_t		 i;
	int		 r = SMERR_NOTFOUND, sig;

	if (depth > MIME_MAX_DEPTH)
		return SMERR_NOTFOUND;
	if (mime_part_is_multipart(p)) {
		for (i = 0; i < mime_part_nchildren(p) && r != 0; i++)
			r = caps_in_part(mime_part_child(p, i), signer,
			    signer_len, caps, depth + 1);
		return r;
	}
	st = mime_part_param(p, "smime-type");
	sig = strcmp(t, "application/pkcs7-signature") == 0 ||
	    strcmp(t, "application/x-pkcs7-signature") == 0 ||
	    ((strcmp(t, "application/pkcs7-mime") == 0 ||
	    strcmp(t, "application/x-pkcs7-mime") == 0) &&
	    (st == NULL || strcasecmp(st, "signed-data") == 0));
	if (!sig || (der = buf_new(PROTECT_MAX)) == NULL)
		return SMERR_NOTFOUND;
	smerr_clear(&e2);
	if (mime_part_decode(p, der, &e2) == 0 &&
	    protect_caps_from_signed(buf_data(der), buf_len(der), signer,
	    signer_len, caps, &e2) == 0)
		r = 0;
	buf_free(der);
	return r;
}

int
protect_caps_from_message(const void *msg, size_t len, const uint8_t *signer,
    size_t signer_len, unsigned *caps, struct smerr *e)
{
	struct mime_msg	*m;
	int		 r;

	*caps = 0;
	if ((r = mime_parse(msg, len, &m, e)) != 0)
		return r;
	r = caps_in_part(mime_msg_root(m), signer, signer_len, caps, 0);
	mime_msg_free(m);
	if (r != 0) {
		*caps = 0;
		return smerr_set(e, SMERR_NOTFOUND, "no signature of that "
		    "certificate in the message");
	}
	return 0;
}
