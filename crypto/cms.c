/*
 * CMS with the OpenSSL 3 API: SignedData checked one SignerInfo at a time
 * (RFC 5652 5.1 allows any number, and the contract calls a message
 * invalid when any one fails, so CMS_verify's stop-at-the-first is not
 * enough), EnvelopedData and AuthEnvelopedData opened into secure memory
 * and released only when decryption, padding and the GCM tag all held.
 *
 * The content cipher is read from the DER before decrypting (OpenSSL has
 * no getter for it), so that only a short list of ciphers is ever used and
 * so that a message we cannot open still says what it was encrypted with.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "base/buf.h"
#include "base/err.h"
#include "mime/mime.h"
#include "crypto/crypto_int.h"

#define CMS_GCM_TAGLEN	16

void
crypto_signed_clear(struct crypto_signed *s)
{
	size_t	i;

	for (i = 0; i < s->nsigners; i++)
		X509_free(s->signers[i].cert);
	free(s->signers);
	sk_X509_pop_free(s->certs, X509_free);
	buf_free(s->content);
	memset(s, 0, sizeof(*s));
}

static CMS_ContentInfo *
cms_read(const uint8_t *der, size_t len)
{
	const uint8_t	*p = der;
	CMS_ContentInfo	*cms;

	if (len == 0 || len > MIME_MAX_INPUT)
		return NULL;
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	ERR_clear_error();
	return cms;
}

int
crypto_cms_type(const uint8_t *der, size_t len)
{
	const unsigned char	*p = der;
	ASN1_OBJECT		*obj = NULL;
	long			 cl;
	int			 tag, cls, ret, nid;

	/*
	 * Only the ContentInfo's contentType is read: the outer SEQUENCE may
	 * have an indefinite length (BER, as NSS writes it).
	 */
	if (len < 2 || len > MIME_MAX_INPUT)
		return 0;
	ret = ASN1_get_object(&p, &cl, &tag, &cls, (long)len);
	if ((ret & 0x80) || tag != V_ASN1_SEQUENCE || !(ret & 0x20)) {
		ERR_clear_error();
		return 0;
	}
	if ((obj = d2i_ASN1_OBJECT(NULL, &p, (long)(der + len - p))) == NULL) {
		ERR_clear_error();
		return 0;
	}
	nid = OBJ_obj2nid(obj);
	ASN1_OBJECT_free(obj);
	return nid;
}

static int
weak_digest(const X509_ALGOR *alg)
{
	const ASN1_OBJECT	*obj;
	int			 nid;

	if (alg == NULL)
		return 0;
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	nid = OBJ_obj2nid(obj);
	return nid == NID_md5 || nid == NID_sha1 || nid == NID_md4 ||
	    nid == NID_md2;
}

/* The signingTime signed attribute of si, or 0. */
static time_t
signing_time(CMS_SignerInfo *si)
{
	X509_ATTRIBUTE	*a;
	ASN1_TYPE	*t;
	struct tm	 tm;
	int		 idx;

	if ((idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime,
	    -1)) < 0 || (a = CMS_signed_get_attr(si, idx)) == NULL ||
	    (t = X509_ATTRIBUTE_get0_type(a, 0)) == NULL)
		return 0;
	if ((t->type != V_ASN1_UTCTIME && t->type != V_ASN1_GENERALIZEDTIME) ||
	    ASN1_TIME_to_tm((ASN1_TIME *)t->value.asn1_string, &tm) != 1) {
		ERR_clear_error();
		return 0;
	}
	return timegm(&tm);
}

static int
bio_drain(BIO *in, struct buf *out)
{
	uint8_t	tmp[8192];
	int	n, r;

	for (;;) {
		n = BIO_read(in, tmp, sizeof(tmp));
		if (n <= 0)
			break;
		if (out != NULL && (r = buf_put(out, tmp, (size_t)n)) != 0)
			return r;
	}
	return 0;
}

int
crypto_cms_verify(struct crypto_ctx *ctx, const uint8_t *der, size_t len,
    const uint8_t *dcont, size_t dlen, struct crypto_signed *s,
    struct smerr *e)
{
	CMS_ContentInfo		*cms = NULL;
	STACK_OF(CMS_SignerInfo) *sis;
	CMS_SignerInfo		*si;
	ASN1_OCTET_STRING	**pos;
	X509			*signer;
	X509_ALGOR		*dig;
	BIO			*dbio = NULL, *cmsbio = NULL;
	int			 i, n, r = 0, embedded;

	memset(s, 0, sizeof(*s));
	if ((cms = cms_read(der, len)) == NULL) {
		s->malformed = 1;
		s->why = "the signature is not a readable CMS structure";
		goto out;
	}
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		s->malformed = 1;
		s->why = "the signature is not CMS SignedData";
		goto out;
	}
	pos = CMS_get0_content(cms);
	embedded = pos != NULL && *pos != NULL;
	if (dcont != NULL && embedded) {
		s->malformed = 1;
		s->why = "the signature carries content of its own beside "
		    "the signed part";
		goto out;
	}
	if (dcont == NULL && !embedded) {
		s->malformed = 1;
		s->why = "an opaque signature without content";
		goto out;
	}
	if (OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data) {
		s->malformed = 1;
		s->why = "the signed content is not of type data";
		goto out;
	}
	sis = CMS_get0_SignerInfos(cms);
	if (sis == NULL || (n = sk_CMS_SignerInfo_num(sis)) <= 0) {
		s->malformed = 1;
		s->why = "a signature with no signer";
		goto out;
	}
	if (n > 16) {
		s->malformed = 1;
		s->why = "a signature with more than 16 signers";
		goto out;
	}
	if ((s->signers = calloc((size_t)n, sizeof(*s->signers))) == NULL) {
		r = smerr_set(e, SMERR_NOMEM, "out of memory");
		goto out;
	}
	s->nsigners = (size_t)n;
	s->certs = CMS_get1_certs(cms);
	CMS_set1_signers_certs(cms, ctx->extra, 0);
	ERR_clear_error();
	if (!embedded && (s->content = buf_new(MIME_MAX_INPUT)) == NULL) {
		r = smerr_set(e, SMERR_NOMEM, "out of memory");
		goto out;
	}
	if (embedded && (s->content = buf_new(MIME_MAX_INPUT)) == NULL) {
		r = smerr_set(e, SMERR_NOMEM, "out of memory");
		goto out;
	}
	if (dcont != NULL &&
	    (dbio = BIO_new_mem_buf(dcont, (int)dlen)) == NULL) {
		r = smerr_set(e, SMERR_NOMEM, "out of memory");
		goto out;
	}
	cmsbio = CMS_dataInit(cms, dbio);
	if (cmsbio == NULL) {
		ERR_clear_error();
		for (i = 0; i < n; i++) {
			s->signers[i].math = -1;
			s->signers[i].why = "the signature's digest is not "
			    "supported";
		}
	} else if ((r = bio_drain(cmsbio, dcont == NULL ? s->content :
	    NULL)) != 0) {
		r = smerr_set(e, r, "reading signed content: %s",
		    smerr_str(r));
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct crypto_signer *sg = &s->signers[i];

		si = sk_CMS_SignerInfo_value(sis, i);
		signer = NULL;
		dig = NULL;
		CMS_SignerInfo_get0_algs(si, NULL, &signer, &dig, NULL);
		sg->weak = weak_digest(dig);
		sg->signing_time = signing_time(si);
		if (signer != NULL) {
			X509_up_ref(signer);
			sg->cert = signer;
		}
		if (cmsbio == NULL)
			continue;
		if (signer == NULL) {
			sg->math = 0;
			sg->why = "a signer with no matching certificate";
			continue;
		}
		if (CMS_signed_get_attr_count(si) >= 0 &&
		    CMS_SignerInfo_verify(si) <= 0) {
			sg->math = 0;
			sg->why = "the signed attributes do not verify";
		} else if (CMS_SignerInfo_verify_content(si, cmsbio) <= 0) {
			sg->math = 0;
			sg->why = "the signature does not match the content";
		} else
			sg->math = 1;
		ERR_clear_error();
	}
out:
	if (cmsbio != NULL && cmsbio != dbio) {
		/* Free the digest BIOs CMS_dataInit pushed, not dbio. */
		BIO	*b = cmsbio, *nx;

		while (b != NULL && b != dbio) {
			nx = BIO_pop(b);
			BIO_free(b);
			b = nx;
		}
	}
	BIO_free(dbio);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return r;
}

/*
 * A few steps of DER: reads the element at *pp (before end), sets its tag,
 * class and content, and moves *pp past it. 0, or -1 when malformed.
 */
static int
der_next(const uint8_t **pp, const uint8_t *end, int *tag, int *cls,
    const uint8_t **cp, long *clen)
{
	const uint8_t	*p = *pp;
	long		 len;
	int		 ret;

	if (p >= end)
		return -1;
	ret = ASN1_get_object(&p, &len, tag, cls, (long)(end - p));
	if (ret & 0x80 || ret & 0x01)	/* error, or indefinite length */
		return -1;
	if (len < 0 || len > end - p)
		return -1;
	*cp = p;
	*clen = len;
	*pp = p + len;
	return 0;
}

/* The NID of an OBJECT IDENTIFIER's content octets. */
static int
oid_nid(const uint8_t *c, long cl)
{
	ASN1_OBJECT		*obj;
	uint8_t			 tlv[130];
	const unsigned char	*p = tlv;
	int			 nid;

	if (cl <= 0 || cl > 127)
		return NID_undef;
	tlv[0] = V_ASN1_OBJECT;
	tlv[1] = (uint8_t)cl;
	memcpy(tlv + 2, c, (size_t)cl);
	if ((obj = d2i_ASN1_OBJECT(NULL, &p, cl + 2)) == NULL) {
		ERR_clear_error();
		return NID_undef;
	}
	nid = OBJ_obj2nid(obj);
	ASN1_OBJECT_free(obj);
	return nid;
}

struct cms_cipher {
	int	type;		/* NID of the content type */
	int	alg;		/* NID of the content cipher */
	long	icvlen;		/* GCM: tag length in the parameters */
	long	maclen;		/* AuthEnvelopedData: length of mac */
};

/*
 * Finds the content cipher of an (Auth)EnvelopedData re-encoded as DER.
 * 0 or -1.
 */
static int
cms_cipher_read(const uint8_t *der, size_t len, struct cms_cipher *ci)
{
	const uint8_t	*p = der, *end = der + len, *c, *ed, *eend, *q;
	const uint8_t	*aend, *prm, *pend;
	long		 cl;
	int		 tag, cls;

	memset(ci, 0, sizeof(*ci));
	ci->icvlen = 12;
	/* ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content } */
	if (der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_SEQUENCE)
		return -1;
	p = c;
	end = c + cl;
	if (der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_OBJECT || (ci->type = oid_nid(c, cl)) == NID_undef)
		return -1;
	if (der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    cls != V_ASN1_CONTEXT_SPECIFIC || tag != 0)
		return -1;
	p = c;
	end = c + cl;
	if (der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_SEQUENCE)
		return -1;
	ed = c;
	eend = c + cl;
	p = ed;
	/* version, [0] originatorInfo OPTIONAL, recipientInfos */
	if (der_next(&p, eend, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_INTEGER)
		return -1;
	q = p;
	if (der_next(&q, eend, &tag, &cls, &c, &cl) != 0)
		return -1;
	if (cls == V_ASN1_CONTEXT_SPECIFIC && tag == 0)
		p = q;
	if (der_next(&p, eend, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_SET)
		return -1;
	/* (Auth)EncryptedContentInfo: contentType, algorithm, ... */
	if (der_next(&p, eend, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_SEQUENCE)
		return -1;
	q = c;
	end = c + cl;
	if (der_next(&q, end, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_OBJECT)
		return -1;
	if (der_next(&q, end, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_SEQUENCE)
		return -1;
	prm = c;
	aend = c + cl;
	if (der_next(&prm, aend, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_OBJECT)
		return -1;
	ci->alg = oid_nid(c, cl);
	/* GCMParameters ::= SEQUENCE { aes-nonce, aes-ICVlen DEFAULT 12 } */
	if (ci->alg == NID_aes_128_gcm || ci->alg == NID_aes_192_gcm ||
	    ci->alg == NID_aes_256_gcm) {
		if (der_next(&prm, aend, &tag, &cls, &c, &cl) != 0 ||
		    tag != V_ASN1_SEQUENCE)
			return -1;
		pend = c + cl;
		prm = c;
		if (der_next(&prm, pend, &tag, &cls, &c, &cl) != 0 ||
		    tag != V_ASN1_OCTET_STRING)
			return -1;
		if (prm < pend) {
			if (der_next(&prm, pend, &tag, &cls, &c, &cl) != 0 ||
			    tag != V_ASN1_INTEGER || cl < 1 || cl > 2)
				return -1;
			ci->icvlen = cl == 1 ? c[0] : (c[0] << 8 | c[1]);
		}
	}
	if (ci->type == NID_id_smime_ct_authEnvelopedData) {
		/* [1] authAttrs OPTIONAL, then mac OCTET STRING */
		while (p < eend) {
			if (der_next(&p, eend, &tag, &cls, &c, &cl) != 0)
				return -1;
			if (cls == V_ASN1_UNIVERSAL &&
			    tag == V_ASN1_OCTET_STRING)
				ci->maclen = cl;
		}
	}
	return 0;
}

static int
cipher_allowed(const struct cms_cipher *ci, const char **whyp)
{
	switch (ci->alg) {
	case NID_aes_128_cbc:
	case NID_aes_192_cbc:
	case NID_aes_256_cbc:
	case NID_des_ede3_cbc:		/* legacy senders; flagged as CBC */
		if (ci->type != NID_pkcs7_enveloped) {
			*whyp = "a CBC cipher in an authenticated envelope";
			return 0;
		}
		return 1;
	case NID_aes_128_gcm:
	case NID_aes_192_gcm:
	case NID_aes_256_gcm:
		if (ci->type != NID_id_smime_ct_authEnvelopedData) {
			*whyp = "a GCM cipher outside AuthEnvelopedData";
			return 0;
		}
		if (ci->icvlen != CMS_GCM_TAGLEN ||
		    ci->maclen != CMS_GCM_TAGLEN) {
			*whyp = "an AES-GCM tag shorter than 16 bytes";
			return 0;
		}
		return 1;
	default:
		*whyp = "the content cipher is not one sealmail accepts";
		return 0;
	}
}

static char *
cipher_name(int nid)
{
	const char	*ln;

	if (nid == NID_undef || (ln = OBJ_nid2ln(nid)) == NULL)
		return strdup("unknown");
	return strdup(ln);
}

int
crypto_cms_decrypt(struct crypto_ctx *ctx, const uint8_t *der, size_t len,
    struct buf *out, char **cipherp, const char **whyp, struct smerr *e)
{
	CMS_ContentInfo		*cms = NULL;
	struct cms_cipher	 ci;
	BIO			*mem = NULL;
	BUF_MEM			*bm;
	uint8_t			*re = NULL;
	size_t			 i;
	int			 relen, r = 0, tried = 0;

	*cipherp = NULL;
	*whyp = NULL;
	if ((cms = cms_read(der, len)) == NULL) {
		*whyp = "the envelope is not a readable CMS structure";
		goto out;
	}
	/* The DER as it came, else a DER re-encoding of BER. */
	if (cms_cipher_read(der, len, &ci) != 0 &&
	    ((relen = i2d_CMS_ContentInfo(cms, &re)) <= 0 ||
	    cms_cipher_read(re, (size_t)relen, &ci) != 0)) {
		*whyp = "the envelope's content cipher could not be read";
		goto out;
	}
	if ((*cipherp = cipher_name(ci.alg)) == NULL) {
		r = smerr_set(e, SMERR_NOMEM, "out of memory");
		goto out;
	}
	if (!cipher_allowed(&ci, whyp))
		goto out;
	for (i = 0; i < ctx->nids; i++) {
		/* A failed attempt may leave state behind: read afresh. */
		if (i > 0)
			CMS_ContentInfo_free(cms);
		if (i > 0 && (cms = cms_read(der, len)) == NULL) {
			*whyp = "the envelope is not a readable CMS structure";
			goto out;
		}
		if ((mem = BIO_new(BIO_s_secmem())) == NULL) {
			r = smerr_set(e, SMERR_NOMEM, "out of memory");
			goto out;
		}
		if (CMS_decrypt(cms, ctx->ids[i].key, ctx->ids[i].cert, NULL,
		    mem, CMS_BINARY) == 1) {
			BIO_get_mem_ptr(mem, &bm);
			if ((r = buf_put(out, bm->data, bm->length)) != 0) {
				buf_reset(out);
				r = smerr_set(e, r, "decrypted content: %s",
				    smerr_str(r));
				goto out;
			}
			r = 1;
			goto out;
		}
		/* A recipient matched but the content failed: say so. */
		if (ERR_GET_REASON(ERR_peek_last_error()) !=
		    CMS_R_NO_MATCHING_RECIPIENT)
			tried = 1;
		ERR_clear_error();
		BIO_free(mem);		/* secure memory: cleansed */
		mem = NULL;
	}
	if (tried)
		*whyp = ci.type == NID_id_smime_ct_authEnvelopedData ?
		    "the envelope failed its integrity check or its key "
		    "did not open" : "the envelope could not be decrypted";
	else
		*whyp = "no key in the key store opens the envelope";
out:
	BIO_free(mem);
	OPENSSL_free(re);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return r;
}

int
crypto_cms_uncompress(const uint8_t *der, size_t len, struct buf *out,
    const char **whyp, struct smerr *e)
{
	(void)der;
	(void)len;
	(void)out;
	(void)e;
	*whyp = "compressed S/MIME content is not supported";
	return 0;
}
