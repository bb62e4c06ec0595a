#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/buf.h"
#include "base/err.h"
#include "crypto/crypto_int.h"
#include "crypto/protect.h"
#include "keys/keys.h"
#include "mime/build.h"
#include "store/store.h"
#include "tests/unit/lib/unit.h"

/* A self-signed e-mail certificate with a fresh key, for the tests. */
struct ident {
	EVP_PKEY	*pk;
	X509		*x;
	uint8_t		*der;
	size_t		 der_len;
	struct buf	*p8;
};

static const char content[] =
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 7bit\r\n\r\nHello\r\n";

static void ident_make_by(struct ident *, int, const char *,
    const struct ident *, int);

static void
ident_make(struct ident *id, int ec, const char *email)
{
	ident_make_by(id, ec, email, NULL, 0);
}

/* Made and signed by issuer (NULL: self-signed); ca: a CA certificate. */
static void
ident_make_by(struct ident *id, int ec, const char *email,
    const struct ident *issuer, int ca)
{
	X509	*ix = issuer != NULL ? issuer->x : NULL;
	int	 len;

	memset(id, 0, sizeof(*id));
	id->pk = ec ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
	assert_non_null(id->pk);
	id->x = unit_cert(id->pk, ix, email, 1, -3600, 86400);
	unit_cert_email(id->x, ix, email);
	if (ca)
		unit_cert_ext(id->x, ix, NID_basic_constraints,
		    "critical,CA:TRUE");
	assert_true(X509_sign(id->x, issuer != NULL ? issuer->pk : id->pk,
	    EVP_sha256()) > 0);
	id->der = unit_der(id->x, &len);
	id->der_len = (size_t)len;
	id->p8 = unit_p8(id->pk);
}

static void
ident_free(struct ident *id)
{
	EVP_PKEY_free(id->pk);
	X509_free(id->x);
	OPENSSL_free(id->der);
	buf_free(id->p8);
}

static struct ident	alice, carol;

static int
setup(void **st)
{
	(void)st;
	ident_make(&alice, 0, "alice@example.test");
	ident_make(&carol, 1, "carol@example.test");
	return 0;
}

static int
teardown(void **st)
{
	(void)st;
	ident_free(&alice);
	ident_free(&carol);
	return 0;
}

static CMS_ContentInfo *
cms_of(const struct buf *der)
{
	const unsigned char	*p = buf_data(der);

	return d2i_CMS_ContentInfo(NULL, &p, (long)buf_len(der));
}

/* Verifies a detached signature over content against id's certificate. */
static int
verifies(const struct buf *sig, const struct ident *id, const char *data,
    size_t len)
{
	CMS_ContentInfo	*cms = cms_of(sig);
	X509_STORE	*xs = X509_STORE_new();
	BIO		*in = BIO_new_mem_buf(data, (int)len);
	int		 ok;

	X509_STORE_add_cert(xs, id->x);
	ok = cms != NULL && CMS_verify(cms, NULL, xs, in, NULL,
	    CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
	BIO_free(in);
	X509_STORE_free(xs);
	CMS_ContentInfo_free(cms);
	return ok;
}

static void
signer_of(struct protect_signer *s, const struct ident *id)
{
	memset(s, 0, sizeof(*s));
	s->cert = id->der;
	s->cert_len = id->der_len;
	s->key = id->p8;
}

static void
test_sign(void **st)
{
	struct protect_signer	 s;
	struct buf		*c = buf_view(content, strlen(content));
	struct buf		*sig;
	struct smerr		 e;
	unsigned		 caps;
	int			 pss;

	(void)st;
	for (pss = 0; pss < 2; pss++) {
		smerr_clear(&e);
		signer_of(&s, &alice);
		s.pss = pss;
		assert_int_equal(protect_sign(&s, c, &sig, &e), 0);
		assert_true(verifies(sig, &alice, content, strlen(content)));
		assert_false(verifies(sig, &alice, "Hello", 5));
		assert_int_equal(protect_caps_from_signed(buf_data(sig),
		    buf_len(sig), alice.der, alice.der_len, &caps, &e), 0);
		assert_int_equal(caps, PROTECT_CAP_KNOWN |
		    PROTECT_CAP_AES256_GCM | PROTECT_CAP_AES128_GCM |
		    PROTECT_CAP_AES256_CBC);
		assert_int_equal(protect_caps_from_signed(buf_data(sig),
		    buf_len(sig), carol.der, carol.der_len, &caps, &e),
		    SMERR_NOTFOUND);
		buf_free(sig);
	}
	signer_of(&s, &carol);
	assert_int_equal(protect_sign(&s, c, &sig, &e), 0);
	assert_true(verifies(sig, &carol, content, strlen(content)));
	assert_int_equal(protect_caps_from_signed(buf_data(sig), buf_len(sig),
	    NULL, 0, &caps, &e), 0);
	assert_true(caps & PROTECT_CAP_AES256_GCM);
	buf_free(sig);
	buf_free(c);
}

static void
test_sign_refusals(void **st)
{
	struct protect_signer	 s;
	struct buf		*c = buf_view(content, strlen(content));
	struct buf		*sig = (void *)1, *junk = buf_new_secret(0);
	struct smerr		 e;

	(void)st;
	smerr_clear(&e);
	signer_of(&s, &alice);
	s.key = carol.p8;
	assert_int_equal(protect_sign(&s, c, &sig, &e), SMERR_CRYPTO);
	assert_null(sig);
	assert_non_null(strstr(smerr_msg(&e), "does not belong"));
	smerr_clear(&e);
	signer_of(&s, &carol);
	s.pss = 1;
	assert_int_equal(protect_sign(&s, c, &sig, &e), SMERR_INVAL);
	smerr_clear(&e);
	assert_int_equal(buf_puts(junk, "not a key"), 0);
	signer_of(&s, &alice);
	s.key = junk;
	assert_int_equal(protect_sign(&s, c, &sig, &e), SMERR_CRYPTO);
	smerr_clear(&e);
	signer_of(&s, &alice);
	s.cert_len = 10;
	assert_int_equal(protect_sign(&s, c, &sig, &e), SMERR_CRYPTO);
	/* An expired certificate does not sign. */
	smerr_clear(&e);
	X509_gmtime_adj(X509_getm_notAfter(alice.x), -60);
	X509_sign(alice.x, alice.pk, EVP_sha256());
	{
		unsigned char	*d = NULL;
		int		 n = i2d_X509(alice.x, &d);

		signer_of(&s, &alice);
		s.cert = d;
		s.cert_len = (size_t)n;
		assert_int_equal(protect_sign(&s, c, &sig, &e), SMERR_CRYPTO);
		assert_non_null(strstr(smerr_msg(&e), "expired"));
		OPENSSL_free(d);
	}
	X509_gmtime_adj(X509_getm_notAfter(alice.x), 86400);
	X509_sign(alice.x, alice.pk, EVP_sha256());
	buf_free(junk);
	buf_free(c);
}

/* Decrypts der as id; the plaintext into a new buffer, or NULL. */
static struct buf *
decrypt(const struct buf *der, const struct ident *id, int *nid)
{
	CMS_ContentInfo	*cms = cms_of(der);
	BIO		*out = BIO_new(BIO_s_mem());
	struct buf	*b = NULL;
	char		*p;
	long		 n;

	assert_non_null(cms);
	*nid = OBJ_obj2nid(CMS_get0_type(cms));
	if (CMS_decrypt(cms, id->pk, id->x, NULL, out, CMS_BINARY) == 1) {
		n = BIO_get_mem_data(out, &p);
		b = buf_new(0);
		assert_int_equal(buf_put(b, p, (size_t)n), 0);
	}
	BIO_free(out);
	CMS_ContentInfo_free(cms);
	return b;
}

/*
 * Encrypts content to the n recipients r (force_cbc given), as
 * AuthEnvelopedData or not as want_aead says; id reads it back whole
 * from a CMS type want_nid. The DER is returned.
 */
static struct buf *
sealed(const struct protect_rcpt *r, size_t n, int force_cbc,
    int want_aead, const struct ident *id, int want_nid)
{
	struct buf	*c = buf_view(content, strlen(content));
	struct buf	*der, *pt;
	struct smerr	 e;
	int		 aead, nid;

	smerr_clear(&e);
	assert_int_equal(protect_encrypt(r, n, c, force_cbc, &der, &aead, &e),
	    0);
	assert_int_equal(aead, want_aead);
	pt = decrypt(der, id, &nid);
	assert_int_equal(nid, want_nid);
	assert_non_null(pt);
	assert_int_equal(buf_len(pt), strlen(content));
	assert_memory_equal(buf_data(pt), content, strlen(content));
	buf_free(pt);
	buf_free(c);
	return der;
}

static void
test_encrypt(void **st)
{
	struct protect_rcpt	 r[2];
	struct buf		*c = buf_view(content, strlen(content));
	struct buf		*der, *pt;
	struct smerr		 e;
	int			 aead, nid;

	(void)st;
	smerr_clear(&e);
	memset(r, 0, sizeof(r));
	r[0].cert = alice.der;
	r[0].cert_len = alice.der_len;
	r[1].cert = carol.der;
	r[1].cert_len = carol.der_len;
	assert_int_equal(protect_encrypt(r, 0, c, 0, &der, &aead, &e),
	    SMERR_INVAL);
	/* Unknown capabilities: CBC. */
	assert_false(protect_rcpts_allow_gcm(r, 2));
	buf_free(sealed(r, 2, 0, 0, &carol, NID_pkcs7_enveloped));
	/* Only one knows GCM: still CBC. */
	r[0].caps = PROTECT_CAP_KNOWN | PROTECT_CAP_AES256_GCM;
	assert_false(protect_rcpts_allow_gcm(r, 2));
	r[1].caps = PROTECT_CAP_KNOWN | PROTECT_CAP_AES128_GCM;
	assert_false(protect_rcpts_allow_gcm(r, 2));
	/* Both: AuthEnvelopedData, readable by both. */
	r[1].caps |= PROTECT_CAP_AES256_GCM;
	assert_true(protect_rcpts_allow_gcm(r, 2));
	der = sealed(r, 2, 0, 1, &alice, NID_id_smime_ct_authEnvelopedData);
	pt = decrypt(der, &carol, &nid);
	assert_non_null(pt);
	buf_free(pt);
	buf_free(der);
	/* force_cbc wins. */
	buf_free(sealed(r, 2, 1, 0, &alice, NID_pkcs7_enveloped));
	r[1].cert_len = 5;
	assert_int_equal(protect_encrypt(r, 2, c, 0, &der, &aead, &e),
	    SMERR_CRYPTO);
	assert_null(der);
	buf_free(c);
}

static void
test_entity(void **st)
{
	struct protect_signer	 s;
	struct protect_rcpt	 r;
	struct protect_opts	 o;
	struct buf		*c = buf_view(content, strlen(content));
	struct buf		*out, *der, *pt;
	struct smerr		 e;
	const char		*cipher;
	const char		*p;
	int			 nid;

	(void)st;
	smerr_clear(&e);
	memset(&o, 0, sizeof(o));
	assert_int_equal(protect_entity(&o, c, &out, &cipher, &e), SMERR_INVAL);
	signer_of(&s, &alice);
	o.signer = &s;
	/* Sign only. */
	assert_int_equal(protect_entity(&o, c, &out, &cipher, &e), 0);
	assert_null(cipher);
	assert_true(strncmp(buf_str(out), "Content-Type: multipart/signed;",
	    31) == 0);
	assert_non_null(strstr(buf_str(out), content));
	buf_free(out);
	/* Sign and encrypt to carol (and alice, the signer). */
	memset(&r, 0, sizeof(r));
	r.cert = carol.der;
	r.cert_len = carol.der_len;
	o.rcpt = &r;
	o.nrcpt = 1;
	assert_int_equal(protect_entity(&o, c, &out, &cipher, &e), 0);
	assert_string_equal(cipher, "aes-256-cbc");
	assert_true(mime_is_canonical(buf_data(out), buf_len(out)));
	assert_non_null(strstr(buf_str(out), "smime-type=enveloped-data"));
	/* Pull the DER back out of the base64 body. */
	p = strstr(buf_str(out), "\r\n\r\n") + 4;
	{
		BIO	*b64 = BIO_new(BIO_f_base64());
		BIO	*mem = BIO_new_mem_buf(p, (int)strlen(p));
		char	 tmp[8192];
		int	 n;

		BIO_push(b64, mem);
		n = BIO_read(b64, tmp, sizeof(tmp));
		assert_true(n > 0);
		der = buf_new(0);
		assert_int_equal(buf_put(der, tmp, (size_t)n), 0);
		BIO_free_all(b64);
	}
	pt = decrypt(der, &alice, &nid);
	assert_non_null(pt);
	assert_true(strncmp(buf_str(pt), "Content-Type: multipart/signed;",
	    31) == 0);
	buf_free(pt);
	pt = decrypt(der, &carol, &nid);
	assert_non_null(pt);
	buf_free(pt);
	buf_free(der);
	buf_free(out);
	/* GCM when carol is known to read it. */
	r.caps = PROTECT_CAP_KNOWN | PROTECT_CAP_AES256_GCM;
	assert_int_equal(protect_entity(&o, c, &out, &cipher, &e), 0);
	assert_string_equal(cipher, "aes-256-gcm");
	assert_non_null(strstr(buf_str(out), "smime-type=authEnveloped-data"));
	buf_free(out);
	buf_free(c);
	/* Not canonical: refused. */
	c = buf_view("Content-Type: text/plain\n\nx\n", 28);
	assert_int_equal(protect_entity(&o, c, &out, &cipher, &e), SMERR_INVAL);
	buf_free(c);
}

static void
test_caps_parse(void **st)
{
	/* SEQUENCE { SEQUENCE { aes128-CBC } } */
	static const uint8_t	 ok[] = { 0x30, 0x0d, 0x30, 0x0b, 0x06, 0x09,
		0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x02 };
	static const uint8_t	 bad[] = { 0x04, 0x01, 0x00 };
	struct smerr		 e;
	unsigned		 caps;

	(void)st;
	smerr_clear(&e);
	assert_int_equal(protect_caps_parse(bad, sizeof(bad), &caps, &e),
	    SMERR_PARSE);
	assert_int_equal(caps, 0);
	assert_int_equal(protect_caps_parse(ok, 0, &caps, &e), SMERR_PARSE);
	assert_int_equal(protect_caps_from_signed(bad, sizeof(bad), NULL, 0,
	    &caps, &e), SMERR_PARSE);
	assert_int_equal(protect_caps_parse(ok, sizeof(ok), &caps, &e), 0);
	assert_int_equal(caps, PROTECT_CAP_KNOWN | PROTECT_CAP_AES128_CBC);
	assert_int_equal(protect_caps_parse(ok, sizeof(ok) - 1, &caps, &e),
	    SMERR_PARSE);
}

static void
test_chain(void **st)
{
	struct ident		 root, mid, leaf;
	struct protect_signer	 s;
	struct buf		*c = buf_view(content, strlen(content));
	struct buf		*sig;
	struct smerr		 e;
	const uint8_t		*pool[4];
	size_t			 plen[4], idx[4], n;
	CMS_ContentInfo		*cms;
	X509_STORE		*xs;
	BIO			*in;

	(void)st;
	smerr_clear(&e);
	ident_make_by(&root, 1, "root@example.test", NULL, 1);
	ident_make_by(&mid, 1, "mid@example.test", &root, 1);
	ident_make_by(&leaf, 0, "leaf@example.test", &mid, 0);
	pool[0] = carol.der;
	plen[0] = carol.der_len;
	pool[1] = root.der;
	plen[1] = root.der_len;
	pool[2] = (const uint8_t *)"junk";
	plen[2] = 4;
	pool[3] = mid.der;
	plen[3] = mid.der_len;
	assert_int_equal(protect_chain_pick(leaf.der, leaf.der_len, pool, plen,
	    4, idx, 4, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(idx[0], 3);
	assert_int_equal(protect_chain_pick(mid.der, mid.der_len, pool, plen,
	    4, idx, 4, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(protect_chain_pick(leaf.der, leaf.der_len, pool, plen,
	    4, idx, 0, &n, &e), 0);
	assert_int_equal(n, 0);

	/* Signed with the intermediate along, it verifies against the root. */
	signer_of(&s, &leaf);
	s.chain = pool + 3;
	s.chain_len = plen + 3;
	s.nchain = 1;
	assert_int_equal(protect_sign(&s, c, &sig, &e), 0);
	cms = cms_of(sig);
	xs = X509_STORE_new();
	X509_STORE_add_cert(xs, root.x);
	in = BIO_new_mem_buf(content, (int)strlen(content));
	assert_int_equal(CMS_verify(cms, NULL, xs, in, NULL, CMS_BINARY), 1);
	BIO_free(in);
	X509_STORE_free(xs);
	CMS_ContentInfo_free(cms);
	buf_free(sig);
	buf_free(c);
	ident_free(&root);
	ident_free(&mid);
	ident_free(&leaf);
}

static void
test_caps_memory(void **st)
{
	struct protect_signer	 s;
	struct protect_opts	 o;
	struct buf		*c = buf_view(content, strlen(content));
	struct buf		*ent, *msg, *hdr;
	struct store		*db = NULL;
	struct keys		*k = NULL;
	struct smerr		 e;
	uint8_t			 key[STORE_KEY_LEN];
	char			 dir[] = "/tmp/test_crypto_protect.XXXXXX";
	unsigned		 caps;

	(void)st;
	smerr_clear(&e);
	signer_of(&s, &alice);
	memset(&o, 0, sizeof(o));
	o.signer = &s;
	assert_int_equal(protect_entity(&o, c, &ent, NULL, &e), 0);
	hdr = buf_new(0);
	assert_int_equal(buf_puts(hdr, "From: alice@example.test\r\n"
	    "To: carol@example.test\r\nSubject: x\r\n"
	    "MIME-Version: 1.0\r\n"), 0);
	assert_int_equal(mime_join(hdr, ent, &msg, &e), 0);
	assert_int_equal(protect_caps_from_message(buf_data(msg), buf_len(msg),
	    alice.der, alice.der_len, &caps, &e), 0);
	assert_int_equal(caps, PROTECT_CAP_KNOWN | PROTECT_CAP_AES256_GCM |
	    PROTECT_CAP_AES128_GCM | PROTECT_CAP_AES256_CBC);
	assert_int_equal(protect_caps_from_message(buf_data(msg), buf_len(msg),
	    carol.der, carol.der_len, &caps, &e), SMERR_NOTFOUND);
	assert_int_equal(caps, 0);
	/* A message with no signature at all. */
	assert_int_equal(protect_caps_from_message(content, strlen(content),
	    alice.der, alice.der_len, &caps, &e), SMERR_NOTFOUND);

	/* Remembered in a store, per certificate. */
	assert_non_null(mkdtemp(dir));
	memset(key, 7, sizeof(key));
	assert_int_equal(store_open(dir, key, &db, &e), 0);
	assert_int_equal(keys_open(db, &k, &e), 0);
	assert_int_equal(keys_caps_recall(k, alice.der, alice.der_len,
	    &caps, &e), 0);
	assert_int_equal(caps, 0);
	assert_int_equal(keys_caps_remember(k, alice.der, alice.der_len,
	    PROTECT_CAP_KNOWN | PROTECT_CAP_AES256_GCM, &e), 0);
	/* Nothing learned (no attribute) leaves what is known alone. */
	assert_int_equal(keys_caps_remember(k, alice.der, alice.der_len, 0,
	    &e), 0);
	assert_int_equal(keys_caps_recall(k, alice.der, alice.der_len,
	    &caps, &e), 0);
	assert_int_equal(caps, PROTECT_CAP_KNOWN | PROTECT_CAP_AES256_GCM);
	assert_int_equal(keys_caps_recall(k, carol.der, carol.der_len,
	    &caps, &e), 0);
	assert_int_equal(caps, 0);
	keys_close(k);
	store_close(db);
	unit_rmrf(dir);
	buf_free(hdr);
	buf_free(ent);
	buf_free(msg);
	buf_free(c);
}

/*
 * Keys reached through a hook, as the key agent serves them: the hook
 * runs the operation with the real key in this process.
 */
struct hookkey {
	struct crypto_privkey	*k;
	int			 calls;
	int			 fail;
};

static int
hook_call(void *arg, const uint8_t fp[32], const struct crypto_keyop *op,
    uint8_t *out, size_t *outlen, struct smerr *e)
{
	struct hookkey	*hk = arg;

	(void)fp;
	hk->calls++;
	if (hk->fail)
		return smerr_set(e, SMERR_IO, "the key is gone");
	return crypto_privkey_run(hk->k, op, out, outlen, e);
}

static void
hook_make(struct hookkey *hk, struct crypto_keyhook *h,
    const struct ident *id)
{
	memset(hk, 0, sizeof(*hk));
	assert_int_equal(crypto_privkey_new(buf_data(id->p8),
	    buf_len(id->p8), &hk->k, NULL), 0);
	h->call = hook_call;
	h->arg = hk;
}

/* Decrypts der with id's certificate and a key behind hook h. */
static struct buf *
decrypt_remote(const struct buf *der, const struct ident *id,
    const struct crypto_keyhook *h)
{
	CMS_ContentInfo	*cms = cms_of(der);
	EVP_PKEY	*pk = crypto_remote_key(id->x, h);
	BIO		*out = BIO_new(BIO_s_mem());
	struct buf	*b = NULL;
	char		*p;
	long		 n;

	assert_non_null(cms);
	assert_non_null(pk);
	if (CMS_decrypt(cms, pk, id->x, NULL, out, CMS_BINARY) == 1) {
		n = BIO_get_mem_data(out, &p);
		b = buf_new(0);
		assert_int_equal(buf_put(b, p, (size_t)n), 0);
	}
	BIO_free(out);
	EVP_PKEY_free(pk);
	CMS_ContentInfo_free(cms);
	return b;
}

/* An envelope to id with RSA-OAEP (SHA-256, a label) key transport. */
static struct buf *
encrypt_oaep(const struct ident *id)
{
	CMS_ContentInfo		*cms;
	CMS_RecipientInfo	*ri;
	EVP_PKEY_CTX		*pc;
	BIO			*in = BIO_new_mem_buf(content, -1);
	unsigned char		*d = NULL;
	unsigned char		*label = (unsigned char *)OPENSSL_strdup("sm");
	struct buf		*b = buf_new(0);
	int			 n;

	cms = CMS_encrypt(NULL, NULL, EVP_aes_256_cbc(), CMS_PARTIAL |
	    CMS_BINARY);
	ri = CMS_add1_recipient_cert(cms, id->x, CMS_KEY_PARAM);
	assert_non_null(ri);
	pc = CMS_RecipientInfo_get0_pkey_ctx(ri);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(pc,
	    RSA_PKCS1_OAEP_PADDING) > 0);
	assert_true(EVP_PKEY_CTX_set_rsa_oaep_md(pc, EVP_sha256()) > 0);
	assert_true(EVP_PKEY_CTX_set0_rsa_oaep_label(pc, label, 2) > 0);
	assert_int_equal(CMS_final(cms, in, NULL, CMS_BINARY), 1);
	n = i2d_CMS_ContentInfo(cms, &d);
	assert_true(n > 0);
	assert_int_equal(buf_put(b, d, (size_t)n), 0);
	OPENSSL_free(d);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	return b;
}

static void
test_remote_keys(void **st)
{
	const struct ident	*ids[2] = { &alice, &carol };
	struct crypto_keyhook	 h;
	struct hookkey		 hk;
	struct protect_signer	 s;
	struct protect_rcpt	 r;
	struct buf		*c = buf_view(content, strlen(content));
	struct buf		*sig, *der, *pt;
	struct smerr		 e;
	int			 i, pss, aead;

	(void)st;
	for (i = 0; i < 2; i++) {
		hook_make(&hk, &h, ids[i]);
		for (pss = 0; pss <= (i == 0); pss++) {
			smerr_clear(&e);
			signer_of(&s, ids[i]);
			s.key = NULL;
			s.hook = &h;
			s.pss = pss;
			assert_int_equal(protect_sign(&s, c, &sig, &e), 0);
			assert_true(verifies(sig, ids[i], content,
			    strlen(content)));
			buf_free(sig);
		}
		memset(&r, 0, sizeof(r));
		r.cert = ids[i]->der;
		r.cert_len = ids[i]->der_len;
		for (aead = 0; aead < 2; aead++) {
			r.caps = aead ? PROTECT_CAP_KNOWN |
			    PROTECT_CAP_AES256_GCM : 0;
			assert_int_equal(protect_encrypt(&r, 1, c, 0, &der,
			    &aead, &e), 0);
			pt = decrypt_remote(der, ids[i], &h);
			assert_non_null(pt);
			assert_memory_equal(buf_data(pt), content,
			    strlen(content));
			buf_free(pt);
			buf_free(der);
		}
		assert_true(hk.calls >= 3);
		/* A key that cannot be reached opens nothing. */
		hk.fail = 1;
		assert_int_equal(protect_encrypt(&r, 1, c, 0, &der, &aead,
		    &e), 0);
		assert_null(decrypt_remote(der, ids[i], &h));
		buf_free(der);
		crypto_privkey_free(hk.k);
	}
	hook_make(&hk, &h, &alice);
	der = encrypt_oaep(&alice);
	pt = decrypt_remote(der, &alice, &h);
	assert_non_null(pt);
	assert_memory_equal(buf_data(pt), content, strlen(content));
	buf_free(pt);
	buf_free(der);
	crypto_privkey_free(hk.k);
	buf_free(c);
}

/* Only the listed operations, with inputs of the right sizes. */
static void
test_privkey_refusals(void **st)
{
	/*
	 * The key (ec: carol's, else alice's RSA key), the operation, the
	 * first input byte (the rest are 1) and the refusal.
	 */
	static const struct {
		int	ec, op, pad, md;
		size_t	inlen;
		uint8_t	first;
		int	want;
	} refused[] = {
		/* A digest of the wrong length, an unknown digest, padding. */
		{ 0, CRYPTO_KEYOP_SIGN, CRYPTO_PAD_PKCS1, CRYPTO_MD_SHA256, 31,
		    1, SMERR_CRYPTO },
		{ 0, CRYPTO_KEYOP_SIGN, CRYPTO_PAD_PKCS1, 9, 32, 1,
		    SMERR_CRYPTO },
		{ 0, CRYPTO_KEYOP_SIGN, CRYPTO_PAD_NONE, CRYPTO_MD_SHA256, 32,
		    1, SMERR_CRYPTO },
		/* No raw RSA: a block to decrypt needs a padding, full size. */
		{ 0, CRYPTO_KEYOP_DECRYPT, CRYPTO_PAD_NONE, CRYPTO_MD_NONE, 256,
		    1, SMERR_CRYPTO },
		{ 0, CRYPTO_KEYOP_DECRYPT, CRYPTO_PAD_PKCS1, CRYPTO_MD_NONE,
		    255, 1, SMERR_CRYPTO },
		{ 0, CRYPTO_KEYOP_DECRYPT, CRYPTO_PAD_PKCS1, CRYPTO_MD_NONE,
		    CRYPTO_KEYOP_MAXIN + 1, 1, SMERR_LIMIT },
		/* An RSA key derives nothing; an EC key decrypts nothing. */
		{ 0, CRYPTO_KEYOP_DERIVE, CRYPTO_PAD_NONE, CRYPTO_MD_NONE, 65,
		    1, SMERR_CRYPTO },
		{ 1, CRYPTO_KEYOP_DECRYPT, CRYPTO_PAD_NONE, CRYPTO_MD_NONE, 65,
		    1, SMERR_CRYPTO },
		/* A point not on the curve; an unknown operation. */
		{ 1, CRYPTO_KEYOP_DERIVE, CRYPTO_PAD_NONE, CRYPTO_MD_NONE, 65,
		    4, SMERR_CRYPTO },
		{ 1, 77, CRYPTO_PAD_NONE, CRYPTO_MD_NONE, 65, 4, SMERR_CRYPTO },
	};
	struct crypto_privkey	*rk, *ek;
	struct crypto_keyop	 op;
	uint8_t			 in[CRYPTO_KEYOP_MAXIN + 1], out[1024];
	size_t			 i, n;

	(void)st;
	memset(in, 1, sizeof(in));
	assert_int_equal(crypto_privkey_new(in, 40, &rk, NULL), SMERR_PARSE);
	assert_int_equal(crypto_privkey_new(in, 0, &rk, NULL), SMERR_LIMIT);
	assert_int_equal(crypto_privkey_new(buf_data(alice.p8),
	    buf_len(alice.p8), &rk, NULL), 0);
	assert_int_equal(crypto_privkey_new(buf_data(carol.p8),
	    buf_len(carol.p8), &ek, NULL), 0);
	memset(&op, 0, sizeof(op));
	op.op = CRYPTO_KEYOP_SIGN;
	op.pad = CRYPTO_PAD_PKCS1;
	op.md = CRYPTO_MD_SHA256;
	op.in = in;
	op.inlen = 32;
	n = sizeof(out);
	assert_int_equal(crypto_privkey_run(rk, &op, out, &n, NULL), 0);
	assert_int_equal(n, 256);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		op.op = refused[i].op;
		op.pad = refused[i].pad;
		op.md = refused[i].md;
		op.inlen = refused[i].inlen;
		in[0] = refused[i].first;
		n = sizeof(out);
		assert_int_equal(crypto_privkey_run(refused[i].ec ? ek : rk,
		    &op, out, &n, NULL), refused[i].want);
	}
	crypto_privkey_free(rk);
	crypto_privkey_free(ek);
}

int
main(void)
{
	return UNIT_RUN(setup, teardown,
	    cmocka_unit_test(test_sign),
	    cmocka_unit_test(test_sign_refusals),
	    cmocka_unit_test(test_encrypt),
	    cmocka_unit_test(test_entity),
	    cmocka_unit_test(test_caps_parse),
	    cmocka_unit_test(test_chain),
	    cmocka_unit_test(test_caps_memory),
	    cmocka_unit_test(test_remote_keys),
	    cmocka_unit_test(test_privkey_refusals));
}
