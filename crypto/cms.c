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
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sys/uio.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <zlib.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
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

/*
 * Walks the element at *pp (before end), which must be of tag want: its
 * content is [*cp, *cp + *clp). 0 or -1.
 */
static int
der_want(const uint8_t **pp, const uint8_t *end, int want,
    const uint8_t **cp, long *clp)
{
	int	tag, cls;

	if (net_der_next(pp, end, &tag, &cls, cp, clp) != 0 || tag != want)
		return -1;
	return 0;
}


/* An OBJECT IDENTIFIER made of its content octets, or NULL. */
static ASN1_OBJECT *
oid_object(const uint8_t *c, long cl)
{
	ASN1_OBJECT		*obj;
	uint8_t			 tlv[130];
	const unsigned char	*p = tlv;

	if (cl <= 0 || cl > 127)
		return NULL;
	tlv[0] = V_ASN1_OBJECT;
	tlv[1] = (uint8_t)cl;
	memcpy(tlv + 2, c, (size_t)cl);
	if ((obj = d2i_ASN1_OBJECT(NULL, &p, cl + 2)) == NULL)
		ERR_clear_error();
	return obj;
}

/* The NID of an OBJECT IDENTIFIER's content octets. */
static int
oid_nid(const uint8_t *c, long cl)
{
	ASN1_OBJECT	*obj;
	int		 nid;

	if ((obj = oid_object(c, cl)) == NULL)
		return NID_undef;
	nid = OBJ_obj2nid(obj);
	ASN1_OBJECT_free(obj);
	return nid;
}

/* The dotted form of an OBJECT IDENTIFIER's content octets, or "". */
static void
oid_dotted(const uint8_t *c, long cl, char *out, size_t size)
{
	ASN1_OBJECT	*obj;

	out[0] = '\0';
	if ((obj = oid_object(c, cl)) == NULL)
		return;
	if (OBJ_obj2txt(out, (int)size, obj, 1) <= 0 ||
	    strlen(out) >= size - 1)
		out[0] = '\0';
	ASN1_OBJECT_free(obj);
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

/*
 * Moves into the element at *pp, which must be constructed, of the tag and
 * class given, and end at *endp: its content becomes [*pp, *endp).
 */
static int
der_enter_whole(const uint8_t **pp, const uint8_t **endp, int tag, int cls)
{
	const uint8_t	*t = *pp, *c;
	long		 cl;
	int		 gtag, gcls;

	if (net_der_next(pp, *endp, &gtag, &gcls, &c, &cl) != 0 ||
	    !der_cons(t) || gtag != tag || gcls != cls || *pp != *endp)
		return -1;
	*pp = c;
	*endp = c + cl;
	return 0;
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
	if (der_enter_whole(&p, &end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL) != 0)
		goto whole;
	oid = p;
	if (net_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_OBJECT || cls != V_ASN1_UNIVERSAL ||
	    oid_nid(c, cl) != NID_pkcs7_signed)
		goto whole;
	oidend = p;
	if (der_enter_whole(&p, &end, 0, V_ASN1_CONTEXT_SPECIFIC) != 0 ||
	    der_enter_whole(&p, &end, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL) != 0)
		goto whole;
	/* version, digestAlgorithms, encapContentInfo, [0] certificates */
	sd = p;
	sdend = end;
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

/*
 * How a SignerInfo's signature algorithm is checked: by OpenSSL's CMS
 * layer, by sig_eddsa below (OpenSSL 3.0's CMS has no EdDSA), or not at
 * all. The names are what a finding says of one that cannot be checked.
 */
enum sig_how {
	SIG_CMS,
	SIG_EDDSA,
	SIG_NONE,
};

static enum sig_how
sig_how(const X509_ALGOR *alg, char *name, size_t size)
{
	const ASN1_OBJECT	*obj;
	int			 nid, pk;

	name[0] = '\0';
	if (alg == NULL)
		return SIG_NONE;
	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	nid = OBJ_obj2nid(obj);
	if (nid == NID_ED25519 || nid == NID_ED448)
		return SIG_EDDSA;
	/* A key's algorithm alone, or a signature one naming its key's. */
	if (!OBJ_find_sigid_algs(nid, NULL, &pk))
		pk = nid;
	if (pk == NID_rsaEncryption || pk == NID_rsassaPss ||
	    pk == NID_X9_62_id_ecPublicKey || pk == NID_dsa)
		return SIG_CMS;
	if (OBJ_obj2txt(name, (int)size, obj, 0) <= 0)
		(void)snprintf(name, size, "unknown");
	ERR_clear_error();
	return SIG_NONE;
}

/* DER SET OF order (X.690 11.6): bytewise, a prefix first. */
static int
der_setcmp(const void *a, const void *b)
{
	const struct iovec	*x = a, *y = b;
	size_t			 n = x->iov_len < y->iov_len ? x->iov_len :
				    y->iov_len;
	int			 c;

	if ((c = memcmp(x->iov_base, y->iov_base, n)) != 0)
		return c;
	return x->iov_len < y->iov_len ? -1 : x->iov_len > y->iov_len;
}

/*
 * The DER of si's signed attributes as a SET OF (RFC 5652 5.4: what the
 * signature covers), re-encoded as OpenSSL's CMS layer does for the
 * algorithms it checks. 0 or -1.
 */
#define CMS_MAX_ATTRS	64

static int
signed_attrs_der(CMS_SignerInfo *si, uint8_t **derp, size_t *lenp)
{
	struct iovec	 enc[CMS_MAX_ATTRS];
	uint8_t		*d = NULL, *w;
	size_t		 total = 0;
	int		 i, n, len, hdr, r = -1;

	*derp = NULL;
	*lenp = 0;
	if ((n = CMS_signed_get_attr_count(si)) <= 0 || n > CMS_MAX_ATTRS)
		return -1;
	memset(enc, 0, sizeof(enc));
	for (i = 0; i < n; i++) {
		d = NULL;
		if ((len = i2d_X509_ATTRIBUTE(CMS_signed_get_attr(si, i),
		    &d)) <= 0)
			goto out;
		enc[i].iov_base = d;
		enc[i].iov_len = (size_t)len;
		total += (size_t)len;
	}
	if (total > INT_MAX / 2)
		goto out;
	qsort(enc, (size_t)n, sizeof(enc[0]), der_setcmp);
	hdr = ASN1_object_size(1, (int)total, V_ASN1_SET) - (int)total;
	if (hdr <= 0 || (d = malloc(total + (size_t)hdr)) == NULL)
		goto out;
	w = d;
	ASN1_put_object(&w, 1, (int)total, V_ASN1_SET, V_ASN1_UNIVERSAL);
	for (i = 0; i < n; i++) {
		memcpy(w, enc[i].iov_base, enc[i].iov_len);
		w += enc[i].iov_len;
	}
	*derp = d;
	*lenp = total + (size_t)hdr;
	r = 0;
out:
	for (i = 0; i < n; i++)
		OPENSSL_free(enc[i].iov_base);
	ERR_clear_error();
	return r;
}

/*
 * Checks an EdDSA SignerInfo (RFC 8419): the signature is over the DER of
 * the signed attributes when there are any (their messageDigest is then
 * compared with the content by CMS_SignerInfo_verify_content), else over
 * the content itself. 1 holds, 0 does not.
 */
static int
sig_eddsa(CMS_SignerInfo *si, X509 *signer, const uint8_t *content,
    size_t clen)
{
	ASN1_OCTET_STRING	*sig = CMS_SignerInfo_get0_signature(si);
	EVP_MD_CTX		*mctx = NULL;
	EVP_PKEY		*pk = X509_get0_pubkey(signer);
	uint8_t			*tbs = NULL;
	size_t			 tbslen;
	int			 ok = 0;

	if (sig == NULL || pk == NULL)
		goto out;
	if (CMS_signed_get_attr_count(si) >= 0) {
		if (signed_attrs_der(si, &tbs, &tbslen) != 0)
			goto out;
	} else if (content == NULL)
		goto out;
	ok = (mctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit_ex(mctx, NULL, NULL, NULL, NULL, pk,
	    NULL) == 1 &&
	    EVP_DigestVerify(mctx, ASN1_STRING_get0_data(sig),
	    (size_t)ASN1_STRING_length(sig), tbs != NULL ? tbs : content,
	    tbs != NULL ? tbslen : clen) == 1;
out:
	EVP_MD_CTX_free(mctx);
	free(tbs);
	ERR_clear_error();
	return ok;
}

/*
 * Checks one SignerInfo with its certificate against the content read
 * through cmsbio (content, clen: the same bytes, for EdDSA without signed
 * attributes). Sets sg->math and sg->why.
 */
static void
signer_check(CMS_SignerInfo *si, X509 *signer, BIO *cmsbio,
    const uint8_t *content, size_t clen, struct crypto_signer *sg)
{
	X509_ALGOR	*alg = NULL;
	int		 attrs = CMS_signed_get_attr_count(si) >= 0;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, NULL, &alg);
	switch (sig_how(alg, sg->alg, sizeof(sg->alg))) {
	case SIG_NONE:
		sg->math = -1;
		sg->why = "the signature algorithm cannot be checked";
		return;
	case SIG_EDDSA:
		if (!sig_eddsa(si, signer, content, clen)) {
			sg->math = 0;
			sg->why = attrs ? "the signed attributes do not verify" :
			    "the signature does not match the content";
			return;
		}
		if (!attrs) {
			sg->math = 1;
			return;
		}
		break;
	case SIG_CMS:
		if (attrs && CMS_SignerInfo_verify(si) <= 0) {
			sg->math = 0;
			sg->why = "the signed attributes do not verify";
			ERR_clear_error();
			return;
		}
		break;
	}
	if (CMS_SignerInfo_verify_content(si, cmsbio) <= 0) {
		sg->math = 0;
		sg->why = "the signature does not match the content";
	} else
		sg->math = 1;
	ERR_clear_error();
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

/*
 * What makes a SignedData unusable before any signer is looked at, or NULL:
 * the content is either detached (dcont) or embedded, never both or neither,
 * of type data, with one to 16 signers.
 */
static const char *
signed_shape(CMS_ContentInfo *cms, int detached, int *embeddedp)
{
	STACK_OF(CMS_SignerInfo) *sis;
	ASN1_OCTET_STRING	**pos;
	int			 n;

	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
		return "the signature is not CMS SignedData";
	pos = CMS_get0_content(cms);
	*embeddedp = pos != NULL && *pos != NULL;
	if (detached && *embeddedp)
		return "the signature carries content of its own beside "
		    "the signed part";
	if (!detached && !*embeddedp)
		return "an opaque signature without content";
	if (OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data)
		return "the signed content is not of type data";
	sis = CMS_get0_SignerInfos(cms);
	if (sis == NULL || (n = sk_CMS_SignerInfo_num(sis)) <= 0)
		return "a signature with no signer";
	if (n > 16)
		return "a signature with more than 16 signers";
	return NULL;
}

int
crypto_cms_verify(struct crypto_ctx *ctx, const uint8_t *der, size_t len,
    const uint8_t *dcont, size_t dlen, struct crypto_signed *s,
    struct smerr *e)
{
	CMS_ContentInfo		*cms = NULL;
	STACK_OF(CMS_SignerInfo) *sis;
	CMS_SignerInfo		*si;
	X509			*signer;
	X509_ALGOR		*dig;
	STACK_OF(X509)		*peers;
	BIO			*dbio = NULL, *cmsbio = NULL;
	int			 i, n, r = 0, embedded = 0;

	memset(s, 0, sizeof(*s));
	if ((cms = cms_read_signed(ctx, der, len)) == NULL) {
		s->malformed = 1;
		s->why = "the signature is not a readable CMS structure";
		goto out;
	}
	if ((s->why = signed_shape(cms, dcont != NULL, &embedded)) != NULL) {
		s->malformed = 1;
		goto out;
	}
	sis = CMS_get0_SignerInfos(cms);
	n = sk_CMS_SignerInfo_num(sis);
	if ((s->signers = calloc((size_t)n, sizeof(*s->signers))) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	s->nsigners = (size_t)n;
	s->certs = CMS_get1_certs(cms);
	if ((peers = crypto_peers_signers(ctx, cms)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	CMS_set1_signers_certs(cms, peers, 0);
	sk_X509_pop_free(peers, X509_free);
	ERR_clear_error();
	if ((s->content = buf_new(MIME_MAX_INPUT)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	if (dcont != NULL &&
	    (dbio = BIO_new_mem_buf(dcont, (int)dlen)) == NULL) {
		r = smerr_nomem(e);
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
		signer_check(si, signer, cmsbio, dcont != NULL ? dcont :
		    buf_data(s->content), dcont != NULL ? dlen :
		    buf_len(s->content), sg);
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
	char	oid[64];	/* the content cipher's OID, dotted */
};

/*
 * Finds the content cipher of an (Auth)EnvelopedData re-encoded as DER.
 * 0 or -1.
 */
static int
cms_cipher_read(const uint8_t *der, size_t len, struct cms_cipher *ci)
{
	const uint8_t	*p = der, *end = der + len, *c, *eend, *q;
	const uint8_t	*aend, *prm;
	long		 cl;
	int		 tag, cls;

	memset(ci, 0, sizeof(*ci));
	ci->icvlen = 12;
	/* ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content } */
	if (net_der_enter(&p, &end, V_ASN1_SEQUENCE) != 0 ||
	    der_want(&p, end, V_ASN1_OBJECT, &c, &cl) != 0 ||
	    (ci->type = oid_nid(c, cl)) == NID_undef)
		return -1;
	if (net_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    cls != V_ASN1_CONTEXT_SPECIFIC || tag != 0)
		return -1;
	p = c;
	eend = c + cl;
	if (net_der_enter(&p, &eend, V_ASN1_SEQUENCE) != 0)
		return -1;
	/* version, [0] originatorInfo OPTIONAL, recipientInfos */
	if (der_want(&p, eend, V_ASN1_INTEGER, &c, &cl) != 0)
		return -1;
	q = p;
	if (net_der_next(&q, eend, &tag, &cls, &c, &cl) != 0)
		return -1;
	if (cls == V_ASN1_CONTEXT_SPECIFIC && tag == 0)
		p = q;
	if (der_want(&p, eend, V_ASN1_SET, &c, &cl) != 0)
		return -1;
	/* (Auth)EncryptedContentInfo: contentType, algorithm, ... */
	if (der_want(&p, eend, V_ASN1_SEQUENCE, &c, &cl) != 0)
		return -1;
	prm = c;
	aend = c + cl;
	if (der_want(&prm, aend, V_ASN1_OBJECT, &c, &cl) != 0 ||
	    net_der_enter(&prm, &aend, V_ASN1_SEQUENCE) != 0 ||
	    der_want(&prm, aend, V_ASN1_OBJECT, &c, &cl) != 0)
		return -1;
	ci->alg = oid_nid(c, cl);
	oid_dotted(c, cl, ci->oid, sizeof(ci->oid));
	/* GCMParameters ::= SEQUENCE { aes-nonce, aes-ICVlen DEFAULT 12 } */
	if (ci->alg == NID_aes_128_gcm || ci->alg == NID_aes_192_gcm ||
	    ci->alg == NID_aes_256_gcm) {
		if (net_der_enter(&prm, &aend, V_ASN1_SEQUENCE) != 0 ||
		    der_want(&prm, aend, V_ASN1_OCTET_STRING, &c, &cl) != 0)
			return -1;
		if (prm < aend) {
			if (der_want(&prm, aend, V_ASN1_INTEGER, &c, &cl) != 0 ||
			    cl < 1 || cl > 2)
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

/*
 * Content ciphers OpenSSL has no object for, by OID (RFC 8103:
 * id-alg-AEADChaCha20Poly1305), with the names they go by.
 */
static const struct {
	const char	*oid;
	const char	*name;
} cipher_oids[] = {
	{ "1.2.840.113549.1.9.16.3.18",	"chacha20-poly1305" },
};

/* The cipher's usual name (OpenSSL's long name), else its dotted OID. */
static char *
cipher_name(const struct cms_cipher *ci)
{
	const char	*ln;
	size_t		 i;

	if (ci->alg != NID_undef && (ln = OBJ_nid2ln(ci->alg)) != NULL)
		return strdup(ln);
	for (i = 0; i < sizeof(cipher_oids) / sizeof(cipher_oids[0]); i++)
		if (strcmp(ci->oid, cipher_oids[i].oid) == 0)
			return strdup(cipher_oids[i].name);
	return strdup(ci->oid[0] != '\0' ? ci->oid : "unknown");
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
		    cms_cipher_read(re, (size_t)relen, &ci) != 0) {
			ci.alg = NID_undef;
			ci.oid[0] = '\0';
		}
		OPENSSL_free(re);
		CMS_ContentInfo_free(cms);
		ERR_clear_error();
	}
	if (ci.alg == NID_undef && ci.oid[0] == '\0')
		return 0;
	return (*namep = cipher_name(&ci)) == NULL ? SMERR_NOMEM : 0;
}

/*
 * A BIO that writes into a struct buf (CMS_decrypt writes before it
 * checks the tag: the caller wipes what it got when that fails).
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

/*
 * Opens the content key with id through the nth RecipientInfo (from 0)
 * that names id's certificate: a KeyTransRecipientInfo, or one
 * RecipientEncryptedKey of a KeyAgreeRecipientInfo. 1 opened, 0 that one
 * did not open, -1 there is no nth one (cms is then left as it was).
 */
static int
ri_open(CMS_ContentInfo *cms, const struct crypto_ident *id, int nth)
{
	STACK_OF(CMS_RecipientInfo)		*ris;
	STACK_OF(CMS_RecipientEncryptedKey)	*reks;
	CMS_RecipientInfo			*ri;
	CMS_RecipientEncryptedKey		*rek;
	int					 i, k, rv;

	if ((ris = CMS_get0_RecipientInfos(cms)) == NULL)
		return -1;
	for (i = 0; i < sk_CMS_RecipientInfo_num(ris); i++) {
		ri = sk_CMS_RecipientInfo_value(ris, i);
		if (CMS_RecipientInfo_type(ri) == CMS_RECIPINFO_TRANS) {
			if (CMS_RecipientInfo_ktri_cert_cmp(ri, id->cert) != 0 ||
			    nth-- > 0)
				continue;
			if (!EVP_PKEY_up_ref(id->key))
				return 0;
			CMS_RecipientInfo_set0_pkey(ri, id->key);
			rv = CMS_RecipientInfo_decrypt(cms, ri);
			CMS_RecipientInfo_set0_pkey(ri, NULL);
			return rv > 0;
		}
		if (CMS_RecipientInfo_type(ri) != CMS_RECIPINFO_AGREE ||
		    (reks = CMS_RecipientInfo_kari_get0_reks(ri)) == NULL)
			continue;
		for (k = 0; k < sk_CMS_RecipientEncryptedKey_num(reks); k++) {
			rek = sk_CMS_RecipientEncryptedKey_value(reks, k);
			if (CMS_RecipientEncryptedKey_cert_cmp(rek,
			    id->cert) != 0 || nth-- > 0)
				continue;
			rv = CMS_RecipientInfo_kari_set0_pkey_and_peer(ri,
			    id->key, NULL) > 0 &&
			    CMS_RecipientInfo_kari_decrypt(cms, ri, rek) > 0;
			CMS_RecipientInfo_kari_set0_pkey(ri, NULL);
			return rv;
		}
	}
	return -1;
}

/*
 * Decrypts the content of cms, whose key ri_open opened, into out. The
 * plaintext goes straight into the caller's secret buffer through a BIO
 * of ours and is wiped there unless decryption, padding and the tag all
 * held. 1 decrypted, 0 not, or a negative SMERR_* code (SMERR_LIMIT: more
 * than out may hold).
 */
static int
env_open(CMS_ContentInfo *cms, size_t len, struct buf *out)
{
	struct bufbio	 bb;
	BIO		*mem;
	int		 r;

	if (pthread_once(&bufbio_once, bufbio_init) != 0 ||
	    bufbio_method == NULL || (mem = BIO_new(bufbio_method)) == NULL)
		return SMERR_NOMEM;
	bb.out = out;
	bb.err = 0;
	BIO_set_data(mem, &bb);
	BIO_set_init(mem, 1);
	/* The plaintext is no longer than the DER. */
	(void)buf_reserve(out, len);
	/* Debug: a content key of the wrong length fails, never a random one. */
	r = CMS_decrypt(cms, NULL, NULL, NULL, mem, CMS_BINARY |
	    CMS_DEBUG_DECRYPT) == 1 && bb.err == 0;
	if (r != 1) {
		buf_reset(out);		/* secret: wiped */
		r = bb.err;
	}
	BIO_free(mem);
	return r;
}

int
crypto_cms_decrypt(struct crypto_ctx *ctx, const uint8_t *der, size_t len,
    struct buf *out, char **cipherp, const char **whyp, struct smerr *e)
{
	CMS_ContentInfo		*cms = NULL;
	struct cms_cipher	 ci;
	uint8_t			*re = NULL;
	size_t			 i;
	int			 relen, nth, o, r = 0, tried = 0, used = 0;

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
	if ((*cipherp = cipher_name(&ci)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	if (!cipher_allowed(&ci, whyp))
		goto out;
	/*
	 * Every RecipientInfo that names one of our keys, in turn (their
	 * number is bounded by the parser): the first may be damaged.
	 */
	for (i = 0; i < ctx->nids; i++) {
		for (nth = 0;; nth++) {
			/* A failed attempt leaves state behind: read afresh. */
			if (used) {
				CMS_ContentInfo_free(cms);
				if ((cms = cms_read(der, len)) == NULL) {
					*whyp = "the envelope is not a "
					    "readable CMS structure";
					goto out;
				}
				used = 0;
			}
			if ((o = ri_open(cms, &ctx->ids[i], nth)) < 0)
				break;
			tried = used = 1;
			if (o == 0 || (o = env_open(cms, len, out)) == 0)
				continue;
			if (o == 1) {
				r = 1;
				goto out;
			}
			if (o == SMERR_LIMIT) {
				*whyp = "the decrypted content is more than "
				    "the message may hold";
				r = 2;
				goto out;
			}
			r = smerr_set(e, o, "decrypted content: %s",
			    smerr_str(o));
			goto out;
		}
		ERR_clear_error();
	}
	if (tried)
		*whyp = ci.type == NID_id_smime_ct_authEnvelopedData ?
		    "the envelope failed its integrity check or its key "
		    "did not open" : "the envelope could not be decrypted";
	else
		*whyp = "no key in the key store opens the envelope";
out:
	OPENSSL_free(re);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return r;
}

/*
 * CompressedData (RFC 3274) holds a zlib stream (RFC 1950). It is inflated
 * by zlib a chunk at a time into out, whose ceiling is what the message
 * may still hold: past it the stream is abandoned at once, so that a few
 * kilobytes claiming gigabytes cost neither the time nor the memory.
 * 0 inflated, 1 past out's ceiling, -1 malformed.
 */
static int
zlib_inflate(const uint8_t *in, size_t inlen, struct buf *out)
{
	z_stream	 zs;
	uint8_t		 chunk[16384];
	size_t		 n;
	int		 zr, r = -1;

	if (inlen == 0 || inlen > UINT_MAX)
		return -1;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)inlen;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END)
			goto out;	/* malformed, or cut short */
		n = sizeof(chunk) - zs.avail_out;
		if (n > buf_max(out) - buf_len(out)) {
			r = 1;
			goto out;
		}
		if (buf_put(out, chunk, n) != 0)
			goto out;
	} while (zr != Z_STREAM_END);
	/* Nothing may follow the stream. */
	r = zs.avail_in == 0 ? 0 : -1;
out:
	inflateEnd(&zs);
	secmem_wipe(chunk, sizeof(chunk));
	return r;
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
	if (net_der_enter(&p, &end, V_ASN1_SEQUENCE) != 0 ||
	    net_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    net_der_enter(&p, &end, 0) != 0 ||
	    net_der_enter(&p, &end, V_ASN1_SEQUENCE) != 0 ||
	    net_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    net_der_enter(&p, &end, V_ASN1_SEQUENCE) != 0 ||
	    der_want(&p, end, V_ASN1_OBJECT, &c, &cl) != 0 ||
	    oid_nid(c, cl) != NID_zlib_compression) {
		*whyp = "the compressed part does not use zlib";
		goto out;
	}
	if ((pos = CMS_get0_content(cms)) == NULL || *pos == NULL) {
		*whyp = "the compressed part has no content";
		goto out;
	}
	switch (zlib_inflate(ASN1_STRING_get0_data(*pos),
	    (size_t)ASN1_STRING_length(*pos), out)) {
	case 0:
		r = 1;
		break;
	case 1:
		buf_reset(out);
		*whyp = "the compressed content inflates to more than the "
		    "message may hold";
		r = 2;
		break;
	default:
		buf_reset(out);
		*whyp = "the compressed content is malformed";
		break;
	}
out:
	OPENSSL_free(re);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return r;
}
