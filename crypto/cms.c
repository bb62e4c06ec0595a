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
#include <pthread.h>
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
#include "net/anchors.h"
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

/* Moves into the element at *pp (of tag want): it becomes [*pp, *endp). */
static int
der_enter(const uint8_t **pp, const uint8_t **endp, int want)
{
	const uint8_t	*c;
	long		 cl;
	int		 tag, cls;

	if (net_der_next(pp, *endp, &tag, &cls, &c, &cl) != 0 || tag != want)
		return -1;
	*pp = c;
	*endp = c + cl;
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

/*
 * A SignedData read with its certificates from the context's memo
 * (crypto_cert_memo): the DER is parsed without its certificates field,
 * and each certificate is then added back, in order. No signature covers
 * that field, so the structure is the one d2i would make of the whole.
 * Anything unusual (BER, other kinds of certificate, one given twice) is
 * read whole by cms_read.
 */
#define CMS_MEMO_MAXCERTS	16

static int
der_cons(const uint8_t *tlv)
{
	return (tlv[0] & V_ASN1_CONSTRUCTED) != 0;
}

static CMS_ContentInfo *
cms_read_signed(struct crypto_ctx *ctx, const uint8_t *der, size_t len)
{
	const uint8_t	*p = der, *end = der + len, *c, *t, *oid, *oidend;
	const uint8_t	*sd, *sdend, *certs, *cend, *cp[CMS_MEMO_MAXCERTS];
	const uint8_t	*rp;
	CMS_ContentInfo	*cms = NULL;
	X509		*x;
	uint8_t		*re = NULL, *w;
	size_t		 clen[CMS_MEMO_MAXCERTS], n = 0, i;
	long		 cl;
	int		 tag, cls, k, sdlen, inner, outer, total;

	if (len == 0 || len > MIME_MAX_INPUT)
		return NULL;
	/* ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content } */
	if (net_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    !der_cons(der) || tag != V_ASN1_SEQUENCE ||
	    cls != V_ASN1_UNIVERSAL || p != end)
		goto whole;
	p = oid = c;
	end = c + cl;
	if (net_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_OBJECT || cls != V_ASN1_UNIVERSAL ||
	    oid_nid(c, cl) != NID_pkcs7_signed)
		goto whole;
	t = oidend = p;
	if (net_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    !der_cons(t) || tag != 0 || cls != V_ASN1_CONTEXT_SPECIFIC ||
	    p != end)
		goto whole;
	t = p = c;
	end = c + cl;
	if (net_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    !der_cons(t) || tag != V_ASN1_SEQUENCE ||
	    cls != V_ASN1_UNIVERSAL || p != end)
		goto whole;
	/* version, digestAlgorithms, encapContentInfo, [0] certificates */
	p = sd = c;
	sdend = c + cl;
	for (k = 0; k < 3; k++)
		if (net_der_next(&p, sdend, &tag, &cls, &c, &cl) != 0)
			goto whole;
	certs = cend = p;
	if (net_der_next(&cend, sdend, &tag, &cls, &c, &cl) != 0 ||
	    !der_cons(certs) || tag != 0 || cls != V_ASN1_CONTEXT_SPECIFIC)
		goto whole;
	/* Each a Certificate (a SEQUENCE), not another CertificateChoice. */
	for (p = c, end = c + cl; p < end; n++) {
		t = p;
		if (n >= CMS_MEMO_MAXCERTS ||
		    net_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
		    !der_cons(t) || tag != V_ASN1_SEQUENCE ||
		    cls != V_ASN1_UNIVERSAL)
			goto whole;
		cp[n] = t;
		clen[n] = (size_t)(p - t);
	}
	/* The three headers again around the SignedData less its [0]. */
	sdlen = (int)((sdend - sd) - (cend - certs));
	inner = ASN1_object_size(1, sdlen, V_ASN1_SEQUENCE);
	outer = (int)(oidend - oid) + ASN1_object_size(1, inner, 0);
	total = ASN1_object_size(1, outer, V_ASN1_SEQUENCE);
	if (total <= 0 || (re = malloc((size_t)total)) == NULL)
		goto whole;
	w = re;
	ASN1_put_object(&w, 1, outer, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	memcpy(w, oid, (size_t)(oidend - oid));
	w += oidend - oid;
	ASN1_put_object(&w, 1, inner, 0, V_ASN1_CONTEXT_SPECIFIC);
	ASN1_put_object(&w, 1, sdlen, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	memcpy(w, sd, (size_t)(certs - sd));
	w += certs - sd;
	memcpy(w, cend, (size_t)(sdend - cend));
	w += sdend - cend;
	rp = re;
	if (w != re + total ||
	    (cms = d2i_CMS_ContentInfo(NULL, &rp, total)) == NULL)
		goto whole;
	for (i = 0; i < n; i++) {
		if ((x = crypto_cert_memo(ctx, cp[i], clen[i])) == NULL)
			goto whole;
		if (!CMS_add0_cert(cms, x)) {
			X509_free(x);
			goto whole;
		}
	}
	free(re);
	return cms;
whole:
	CMS_ContentInfo_free(cms);
	free(re);
	ERR_clear_error();
	return cms_read(der, len);
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
	if ((cms = cms_read_signed(ctx, der, len)) == NULL) {
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
	if (net_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_SEQUENCE)
		return -1;
	p = c;
	end = c + cl;
	if (net_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_OBJECT || (ci->type = oid_nid(c, cl)) == NID_undef)
		return -1;
	if (net_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    cls != V_ASN1_CONTEXT_SPECIFIC || tag != 0)
		return -1;
	p = c;
	end = c + cl;
	if (net_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_SEQUENCE)
		return -1;
	ed = c;
	eend = c + cl;
	p = ed;
	/* version, [0] originatorInfo OPTIONAL, recipientInfos */
	if (net_der_next(&p, eend, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_INTEGER)
		return -1;
	q = p;
	if (net_der_next(&q, eend, &tag, &cls, &c, &cl) != 0)
		return -1;
	if (cls == V_ASN1_CONTEXT_SPECIFIC && tag == 0)
		p = q;
	if (net_der_next(&p, eend, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_SET)
		return -1;
	/* (Auth)EncryptedContentInfo: contentType, algorithm, ... */
	if (net_der_next(&p, eend, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_SEQUENCE)
		return -1;
	q = c;
	end = c + cl;
	if (net_der_next(&q, end, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_OBJECT)
		return -1;
	if (net_der_next(&q, end, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_SEQUENCE)
		return -1;
	prm = c;
	aend = c + cl;
	if (net_der_next(&prm, aend, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_OBJECT)
		return -1;
	ci->alg = oid_nid(c, cl);
	/* GCMParameters ::= SEQUENCE { aes-nonce, aes-ICVlen DEFAULT 12 } */
	if (ci->alg == NID_aes_128_gcm || ci->alg == NID_aes_192_gcm ||
	    ci->alg == NID_aes_256_gcm) {
		if (net_der_next(&prm, aend, &tag, &cls, &c, &cl) != 0 ||
		    tag != V_ASN1_SEQUENCE)
			return -1;
		pend = c + cl;
		prm = c;
		if (net_der_next(&prm, pend, &tag, &cls, &c, &cl) != 0 ||
		    tag != V_ASN1_OCTET_STRING)
			return -1;
		if (prm < pend) {
			if (net_der_next(&prm, pend, &tag, &cls, &c,
			    &cl) != 0 || tag != V_ASN1_INTEGER || cl < 1 ||
			    cl > 2)
				return -1;
			ci->icvlen = cl == 1 ? c[0] : (c[0] << 8 | c[1]);
		}
	}
	if (ci->type == NID_id_smime_ct_authEnvelopedData) {
		/* [1] authAttrs OPTIONAL, then mac OCTET STRING */
		while (p < eend) {
			if (net_der_next(&p, eend, &tag, &cls, &c, &cl) != 0)
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
crypto_cms_cipher(const uint8_t *der, size_t len, char **namep)
{
	CMS_ContentInfo		*cms = NULL;
	struct cms_cipher	 ci;
	uint8_t			*re = NULL;
	int			 relen;

	*namep = NULL;
	if (cms_cipher_read(der, len, &ci) != 0) {
		if ((cms = cms_read(der, len)) == NULL ||
		    (relen = i2d_CMS_ContentInfo(cms, &re)) <= 0 ||
		    cms_cipher_read(re, (size_t)relen, &ci) != 0)
			ci.alg = NID_undef;
		OPENSSL_free(re);
		CMS_ContentInfo_free(cms);
		ERR_clear_error();
	}
	if (ci.alg == NID_undef)
		return 0;
	return (*namep = cipher_name(ci.alg)) == NULL ? SMERR_NOMEM : 0;
}

/*
 * The plaintext goes straight into the caller's secret buffer through a
 * BIO of ours, and is wiped there unless decryption, padding and the tag
 * all held (CMS_decrypt writes before it checks the tag).
 */
struct bufbio {
	struct buf	*out;
	int		 err;		/* the first failed append */
};

static BIO_METHOD	*bufbio_method;
static pthread_once_t	 bufbio_once = PTHREAD_ONCE_INIT;

static int
bufbio_write(BIO *b, const char *data, int len)
{
	struct bufbio	*bb = BIO_get_data(b);
	int		 r;

	if (len < 0 || bb->err != 0)
		return -1;
	if ((r = buf_put(bb->out, data, (size_t)len)) != 0) {
		bb->err = r;
		return -1;
	}
	return len;
}

static long
bufbio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH;
}

static void
bufbio_init(void)
{
	BIO_METHOD	*m;

	if ((m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
	    "sealmail buffer")) == NULL)
		return;
	if (!BIO_meth_set_write(m, bufbio_write) ||
	    !BIO_meth_set_ctrl(m, bufbio_ctrl)) {
		BIO_meth_free(m);
		return;
	}
	bufbio_method = m;
}

int
crypto_cms_decrypt(struct crypto_ctx *ctx, const uint8_t *der, size_t len,
    struct buf *out, char **cipherp, const char **whyp, struct smerr *e)
{
	CMS_ContentInfo		*cms = NULL;
	struct cms_cipher	 ci;
	struct bufbio		 bb;
	BIO			*mem = NULL;
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
		if (pthread_once(&bufbio_once, bufbio_init) != 0 ||
		    bufbio_method == NULL ||
		    (mem = BIO_new(bufbio_method)) == NULL) {
			r = smerr_set(e, SMERR_NOMEM, "out of memory");
			goto out;
		}
		bb.out = out;
		bb.err = 0;
		BIO_set_data(mem, &bb);
		BIO_set_init(mem, 1);
		/* The plaintext is no longer than the DER. */
		(void)buf_reserve(out, len);
		if (CMS_decrypt(cms, ctx->ids[i].key, ctx->ids[i].cert, NULL,
		    mem, CMS_BINARY) == 1 && bb.err == 0) {
			r = 1;
			goto out;
		}
		buf_reset(out);		/* secret: wiped */
		if (bb.err != 0) {
			r = smerr_set(e, bb.err, "decrypted content: %s",
			    smerr_str(bb.err));
			goto out;
		}
		/* A recipient matched but the content failed: say so. */
		if (ERR_GET_REASON(ERR_peek_last_error()) !=
		    CMS_R_NO_MATCHING_RECIPIENT)
			tried = 1;
		ERR_clear_error();
		BIO_free(mem);
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

/*
 * CompressedData (RFC 3274) holds a zlib stream (RFC 1950) of DEFLATE
 * (RFC 1951). OpenSSL here is built without zlib, so the stream is
 * inflated below: a small decoder that writes into a bounded buffer and
 * fails on anything malformed, rather than guessing.
 */
struct inflate {
	const uint8_t	*in;
	size_t		 inlen;
	size_t		 pos;		/* next input byte */
	unsigned	 bits;		/* bit buffer */
	int		 nbits;
	struct buf	*out;
};

struct huff {
	short	count[16];		/* codes of each length */
	short	sym[288];		/* symbols ordered by code */
};

static int
inf_bits(struct inflate *z, int n, unsigned *vp)
{
	unsigned	v = z->bits;

	while (z->nbits < n) {
		if (z->pos >= z->inlen)
			return -1;
		v |= (unsigned)z->in[z->pos++] << z->nbits;
		z->nbits += 8;
	}
	*vp = v & ((1U << n) - 1);
	z->bits = v >> n;
	z->nbits -= n;
	return 0;
}

/* Builds a canonical Huffman table; -1 if over-subscribed. */
static int
huff_build(struct huff *h, const short *len, int n)
{
	short	offs[16];
	int	i, left;

	memset(h->count, 0, sizeof(h->count));
	for (i = 0; i < n; i++)
		h->count[len[i]]++;
	if (h->count[0] == n)
		return 0;		/* no codes: only an error if used */
	left = 1;
	for (i = 1; i < 16; i++) {
		left <<= 1;
		left -= h->count[i];
		if (left < 0)
			return -1;
	}
	offs[1] = 0;
	for (i = 1; i < 15; i++)
		offs[i + 1] = offs[i] + h->count[i];
	for (i = 0; i < n; i++)
		if (len[i] != 0)
			h->sym[offs[len[i]]++] = (short)i;
	return 0;
}

static int
huff_decode(struct inflate *z, const struct huff *h)
{
	unsigned	b;
	int		code = 0, first = 0, index = 0, len, count;

	for (len = 1; len < 16; len++) {
		if (inf_bits(z, 1, &b) != 0)
			return -1;
		code |= (int)b;
		count = h->count[len];
		if (code - count < first)
			return h->sym[index + (code - first)];
		index += count;
		first += count;
		first <<= 1;
		code <<= 1;
	}
	return -1;
}

static const short len_base[29] = {
	3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
	35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const short len_extra[29] = {
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
	3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const short dist_base[30] = {
	1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
	257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
	8193, 12289, 16385, 24577 };
static const short dist_extra[30] = {
	0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
	7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };

static int
inf_codes(struct inflate *z, const struct huff *lit, const struct huff *dist)
{
	const uint8_t	*o;
	unsigned	 e;
	size_t		 n, d, k;
	int		 sym;
	uint8_t		 c;

	for (;;) {
		if ((sym = huff_decode(z, lit)) < 0)
			return -1;
		if (sym < 256) {
			c = (uint8_t)sym;
			if (buf_put(z->out, &c, 1) != 0)
				return -1;
			continue;
		}
		if (sym == 256)
			return 0;
		if ((sym -= 257) >= 29 || inf_bits(z, len_extra[sym], &e) != 0)
			return -1;
		n = (size_t)len_base[sym] + e;
		if ((sym = huff_decode(z, dist)) < 0 || sym >= 30 ||
		    inf_bits(z, dist_extra[sym], &e) != 0)
			return -1;
		d = (size_t)dist_base[sym] + e;
		if (d > buf_len(z->out))
			return -1;	/* before the start */
		for (k = 0; k < n; k++) {
			o = buf_data(z->out);
			c = o[buf_len(z->out) - d];
			if (buf_put(z->out, &c, 1) != 0)
				return -1;
		}
	}
}

static int
inf_fixed(struct inflate *z)
{
	struct huff	lit, dist;
	short		len[288];
	int		i;

	for (i = 0; i < 144; i++)
		len[i] = 8;
	for (; i < 256; i++)
		len[i] = 9;
	for (; i < 280; i++)
		len[i] = 7;
	for (; i < 288; i++)
		len[i] = 8;
	huff_build(&lit, len, 288);
	for (i = 0; i < 30; i++)
		len[i] = 5;
	huff_build(&dist, len, 30);
	return inf_codes(z, &lit, &dist);
}

static int
inf_dynamic(struct inflate *z)
{
	static const short order[19] = {
	    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };
	struct huff	lit, dist, cl;
	short		len[320];
	unsigned	nlen, ndist, ncode, v;
	int		i, sym, prev;
	unsigned	rep;

	if (inf_bits(z, 5, &nlen) != 0 || inf_bits(z, 5, &ndist) != 0 ||
	    inf_bits(z, 4, &ncode) != 0)
		return -1;
	nlen += 257;
	ndist += 1;
	ncode += 4;
	if (nlen > 286 || ndist > 30)
		return -1;
	memset(len, 0, sizeof(len));
	for (i = 0; i < (int)ncode; i++) {
		if (inf_bits(z, 3, &v) != 0)
			return -1;
		len[order[i]] = (short)v;
	}
	if (huff_build(&cl, len, 19) != 0)
		return -1;
	for (i = 0; i < (int)(nlen + ndist);) {
		if ((sym = huff_decode(z, &cl)) < 0)
			return -1;
		if (sym < 16) {
			len[i++] = (short)sym;
			continue;
		}
		prev = 0;
		if (sym == 16) {
			if (i == 0 || inf_bits(z, 2, &rep) != 0)
				return -1;
			prev = len[i - 1];
			rep += 3;
		} else if (sym == 17) {
			if (inf_bits(z, 3, &rep) != 0)
				return -1;
			rep += 3;
		} else {
			if (inf_bits(z, 7, &rep) != 0)
				return -1;
			rep += 11;
		}
		if (i + (int)rep > (int)(nlen + ndist))
			return -1;
		while (rep-- > 0)
			len[i++] = (short)prev;
	}
	if (len[256] == 0 || huff_build(&lit, len, (int)nlen) != 0 ||
	    huff_build(&dist, len + nlen, (int)ndist) != 0)
		return -1;
	return inf_codes(z, &lit, &dist);
}

/* Inflates a zlib stream into out (bounded by out's ceiling). 0 or -1. */
static int
zlib_inflate(const uint8_t *in, size_t inlen, struct buf *out)
{
	struct inflate	 z;
	const uint8_t	*o;
	unsigned	 last, type, v, nv;
	uint32_t	 a = 1, b = 0, want;
	size_t		 i, n;

	if (inlen < 6 || (in[0] & 0x0f) != 8 || (in[0] >> 4) > 7 ||
	    ((unsigned)in[0] << 8 | in[1]) % 31 != 0 || (in[1] & 0x20))
		return -1;
	memset(&z, 0, sizeof(z));
	z.in = in + 2;
	z.inlen = inlen - 2 - 4;
	z.out = out;
	do {
		if (inf_bits(&z, 1, &last) != 0 || inf_bits(&z, 2, &type) != 0)
			return -1;
		if (type == 0) {
			z.bits = 0;
			z.nbits = 0;
			if (z.pos + 4 > z.inlen)
				return -1;
			v = z.in[z.pos] | (unsigned)z.in[z.pos + 1] << 8;
			nv = z.in[z.pos + 2] | (unsigned)z.in[z.pos + 3] << 8;
			z.pos += 4;
			if ((v ^ 0xffff) != nv || z.pos + v > z.inlen ||
			    buf_put(out, z.in + z.pos, v) != 0)
				return -1;
			z.pos += v;
		} else if (type == 1) {
			if (inf_fixed(&z) != 0)
				return -1;
		} else if (type == 2) {
			if (inf_dynamic(&z) != 0)
				return -1;
		} else
			return -1;
	} while (!last);
	/* Adler-32 of what came out. */
	o = buf_data(out);
	n = buf_len(out);
	for (i = 0; i < n; i++) {
		a = (a + o[i]) % 65521;
		b = (b + a) % 65521;
	}
	want = (uint32_t)in[inlen - 4] << 24 | (uint32_t)in[inlen - 3] << 16 |
	    (uint32_t)in[inlen - 2] << 8 | in[inlen - 1];
	return want == (b << 16 | a) ? 0 : -1;
}

int
crypto_cms_uncompress(const uint8_t *der, size_t len, struct buf *out,
    const char **whyp, struct smerr *e)
{
	CMS_ContentInfo		*cms = NULL;
	ASN1_OCTET_STRING	**pos;
	const uint8_t		*p, *end, *c;
	uint8_t			*re = NULL;
	long			 cl;
	int			 relen, tag, cls, r = 0;

	(void)e;
	*whyp = NULL;
	if ((cms = cms_read(der, len)) == NULL ||
	    OBJ_obj2nid(CMS_get0_type(cms)) != NID_id_smime_ct_compressedData) {
		*whyp = "the compressed part is not a readable CMS structure";
		goto out;
	}
	if ((relen = i2d_CMS_ContentInfo(cms, &re)) <= 0) {
		*whyp = "the compressed part is not a readable CMS structure";
		goto out;
	}
	p = re;
	end = re + relen;
	/* ContentInfo { type, [0] { version, algorithm { OID } ... } } */
	if (der_enter(&p, &end, V_ASN1_SEQUENCE) != 0 ||
	    net_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    der_enter(&p, &end, 0) != 0 ||
	    der_enter(&p, &end, V_ASN1_SEQUENCE) != 0 ||
	    net_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    der_enter(&p, &end, V_ASN1_SEQUENCE) != 0 ||
	    net_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_OBJECT || oid_nid(c, cl) != NID_zlib_compression) {
		*whyp = "the compressed part does not use zlib";
		goto out;
	}
	if ((pos = CMS_get0_content(cms)) == NULL || *pos == NULL) {
		*whyp = "the compressed part has no content";
		goto out;
	}
	if (zlib_inflate(ASN1_STRING_get0_data(*pos),
	    (size_t)ASN1_STRING_length(*pos), out) != 0) {
		buf_reset(out);
		*whyp = "the compressed content is malformed or too large";
		goto out;
	}
	r = 1;
out:
	OPENSSL_free(re);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return r;
}
