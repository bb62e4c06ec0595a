/*
 * crypto/: the precedence tables of the contract, read as data, and
 * crypto_judge over fixtures (tests/data/smime, and the interop corpora
 * where they are published; run from the top of the repository, as
 * tests/run.sh does).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ftw.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/cms.h>
#include <openssl/pem.h>

#include "base/buf.h"
#include "base/err.h"
#include "crypto/crypto_int.h"
#include "app/app.h"
#include "tests/unit/lib/unit.h"

/* The contract's orders (CLI-CONTRACT.md), first wins. */
static const char *const sig_order[] = {
	"invalid", "error", "untrusted", "mismatch", "partial", "valid"
};
static const char *const enc_order[] = {
	"partial", "undecryptable", "decrypted"
};

static void
test_sig_table(void **st)
{
	unsigned	all = 0, later;
	size_t		i, j;

	(void)st;
	for (i = 0; crypto_sig_rules[i].bits != 0; i++) {
		assert_true(i < sizeof(sig_order) / sizeof(sig_order[0]));
		assert_string_equal(crypto_sig_rules[i].name, sig_order[i]);
		all |= crypto_sig_rules[i].bits;
	}
	assert_int_equal(i, sizeof(sig_order) / sizeof(sig_order[0]));
	assert_string_equal(crypto_sig_rules[i].name, "none");
	/* Each value wins over every value after it in the order. */
	for (i = 0; crypto_sig_rules[i].bits != 0; i++) {
		later = CRYPTO_S_SIGNED;
		for (j = i; crypto_sig_rules[j].bits != 0; j++)
			later |= crypto_sig_rules[j].bits;
		assert_string_equal(crypto_sig_str(crypto_sig_decide(later)),
		    sig_order[i]);
	}
	assert_int_equal(crypto_sig_decide(0), CRYPTO_SIG_NONE);
	/* No counted signature: none, whatever else was seen. */
	assert_int_equal(crypto_sig_decide(CRYPTO_S_ERROR), CRYPTO_SIG_NONE);
	assert_int_equal(crypto_sig_decide(CRYPTO_S_SIGNED), CRYPTO_SIG_VALID);
	assert_int_equal(crypto_sig_decide(CRYPTO_S_SIGNED |
	    CRYPTO_S_PARTIAL | CRYPTO_S_MISMATCH), CRYPTO_SIG_MISMATCH);
	(void)all;
}

static void
test_enc_table(void **st)
{
	size_t	i;

	(void)st;
	for (i = 0; crypto_enc_rules[i].bits != 0; i++)
		assert_string_equal(crypto_enc_rules[i].name, enc_order[i]);
	assert_int_equal(i, 3);
	assert_int_equal(crypto_enc_decide(CRYPTO_E_PARTIAL | CRYPTO_E_FAILED |
	    CRYPTO_E_ENVELOPE), CRYPTO_ENC_PARTIAL);
	assert_int_equal(crypto_enc_decide(CRYPTO_E_ENVELOPE | CRYPTO_E_FAILED),
	    CRYPTO_ENC_UNDECRYPTABLE);
	assert_int_equal(crypto_enc_decide(CRYPTO_E_ENVELOPE |
	    CRYPTO_E_DECRYPTED), CRYPTO_ENC_DECRYPTED);
	/* An envelope that did not open is never "decrypted". */
	assert_int_equal(crypto_enc_decide(CRYPTO_E_ENVELOPE),
	    CRYPTO_ENC_NONE);
	assert_string_equal(crypto_trust_str(CRYPTO_TRUST_PKIX_DANE),
	    "pkix+dane");
}

static struct crypto_ctx *
fixture_ctx(void)
{
	struct crypto_ctx	*ctx;
	struct buf		*ca, *c, *k;
	struct smerr		 e;

	smerr_clear(&e);
	assert_int_equal(crypto_ctx_new(&ctx, &e), 0);
	ca = unit_read_buf("tests/data/smime/ca.pem");
	c = unit_read_buf("tests/data/smime/bob.pem");
	k = unit_read_buf("tests/data/smime/bob.key");
	assert_int_equal(crypto_ctx_add_anchor(ctx, buf_data(ca), buf_len(ca),
	    &e), 0);
	assert_int_equal(crypto_ctx_add_identity(ctx, buf_data(c), buf_len(c),
	    buf_data(k), buf_len(k), &e), 0);
	buf_free(ca);
	buf_free(c);
	buf_free(k);
	return ctx;
}

/* ctx's verdict on the message m. */
static struct crypto_verdict *
judge_buf(struct crypto_ctx *ctx, const struct buf *m)
{
	struct crypto_verdict	*v = NULL;
	struct smerr		 e;

	smerr_clear(&e);
	assert_int_equal(crypto_judge(ctx, buf_data(m), buf_len(m), &v, &e),
	    0);
	return v;
}

static struct crypto_verdict *
judge(struct crypto_ctx *ctx, const char *name)
{
	struct crypto_verdict	*v;
	struct buf		*m;
	char			 path[256];

	snprintf(path, sizeof(path), "tests/data/smime/%s", name);
	m = unit_read_buf(path);
	v = judge_buf(ctx, m);
	buf_free(m);
	return v;
}

static void
test_judge(void **st)
{
	struct crypto_ctx	*ctx = fixture_ctx();
	struct crypto_verdict	*v;
	struct buf		*j;
	struct smerr		 e;

	(void)st;
	v = judge(ctx, "sig-valid.eml");
	assert_int_equal(v->signature, CRYPTO_SIG_VALID);
	assert_int_equal(v->trust, CRYPTO_TRUST_PKIX);
	assert_string_equal(v->signer, "alice@example.test");
	assert_string_equal(v->from, "alice@example.test");
	assert_string_equal(v->harvest_addr, "alice@example.test");
	assert_non_null(v->signer_der);
	assert_int_equal(v->nsigners, 1);
	j = buf_new(0);
	assert_int_equal(app_verdict_json(v, j), 0);
	assert_non_null(strstr(buf_str(j), "\"signature\":\"valid\""));
	assert_non_null(strstr(buf_str(j), "\"cipher\":null"));
	buf_free(j);
	crypto_verdict_free(v);

	v = judge(ctx, "att-two-signers-one-bad.eml");
	assert_int_equal(v->signature, CRYPTO_SIG_INVALID);
	assert_int_equal(v->nsigners, 2);
	assert_null(v->harvest_addr);
	crypto_verdict_free(v);

	v = judge(ctx, "enc-gcm256.eml");
	assert_int_equal(v->encryption, CRYPTO_ENC_DECRYPTED);
	assert_string_equal(v->cipher, "aes-256-gcm");
	assert_non_null(v->decrypted);
	assert_non_null(strstr((const char *)buf_data(v->decrypted),
	    "This is a test message"));
	/* The outer header stays, without its Content-Type. */
	assert_non_null(strstr((const char *)buf_data(v->decrypted),
	    "Subject: AES-256-GCM to bob\r\n"));
	crypto_verdict_free(v);

	v = judge(ctx, "enc-gcm-tampered.eml");
	assert_int_equal(v->encryption, CRYPTO_ENC_UNDECRYPTABLE);
	assert_string_equal(v->text, "");
	assert_null(v->decrypted);
	crypto_verdict_free(v);

	v = judge(ctx, "enc-partial-efail.eml");
	assert_int_equal(v->encryption, CRYPTO_ENC_PARTIAL);
	assert_null(strstr(v->text, "SECRET"));
	assert_null(v->decrypted);
	crypto_verdict_free(v);

	v = judge(ctx, "enc-cbc256.eml");
	assert_int_equal(v->encryption, CRYPTO_ENC_DECRYPTED);
	assert_true(v->nfindings >= 1);
	assert_non_null(strstr(v->findings[0], "not integrity-protected"));
	crypto_verdict_free(v);

	/* CompressedData is transparent; a signature inside still counts. */
	v = judge(ctx, "cmp-signed.eml");
	assert_int_equal(v->signature, CRYPTO_SIG_VALID);
	assert_non_null(strstr(v->text, "This is a test message"));
	crypto_verdict_free(v);

	/* Malformed MIME is an error value with one clear message. */
	smerr_clear(&e);
	assert_int_equal(crypto_judge(ctx, "", 0, &v, &e), SMERR_PARSE);
	assert_null(v);
	crypto_ctx_free(ctx);
	crypto_ctx_free(NULL);
	crypto_verdict_free(NULL);
}

static enum crypto_dane
dane_match(void *arg, const char *addr, const uint8_t *der, size_t len)
{
	int	*calls = arg;

	(*calls)++;
	assert_string_equal(addr, "alice@example.test");
	assert_true(len > 100 && der[0] == 0x30);
	return CRYPTO_DANE_MATCH;
}

static enum crypto_dane
dane_contra(void *arg, const char *addr, const uint8_t *der, size_t len)
{
	(void)arg;
	(void)addr;
	(void)der;
	(void)len;
	return CRYPTO_DANE_CONTRADICTION;
}

static X509	*pem_cert(const char *);
static time_t	 asn1_time(const ASN1_TIME *);

/*
 * A message alice signed without signed attributes, so without a
 * signingTime, dated date: only the time it is read at says whether her
 * certificate was valid.
 */
static struct buf *
noattr_message(const char *date)
{
	static const char	 body[] = "Content-Type: text/plain\r\n\r\n"
				    "Pay the invoice.\r\n";
	CMS_ContentInfo		*cms;
	EVP_PKEY		*k;
	X509			*x = pem_cert("tests/data/smime/alice.pem");
	BIO			*in, *out;
	struct buf		*m;
	char			*p;
	long			 n;

	assert_non_null(in = BIO_new_file("tests/data/smime/alice.key", "r"));
	assert_non_null(k = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL));
	BIO_free(in);
	assert_non_null(in = BIO_new_mem_buf(body, -1));
	assert_non_null(cms = CMS_sign(x, k, NULL, in, CMS_DETACHED |
	    CMS_NOATTR | CMS_BINARY));
	BIO_free(in);
	assert_non_null(in = BIO_new_mem_buf(body, -1));
	assert_non_null(out = BIO_new(BIO_s_mem()));
	assert_true(BIO_printf(out, "From: alice@example.test\r\n"
	    "To: bob@example.test\r\nSubject: no signing time\r\n"
	    "Date: %s\r\n", date) > 0);
	assert_int_equal(SMIME_write_CMS(out, cms, in, CMS_DETACHED |
	    CMS_BINARY | CMS_CRLFEOL), 1);
	n = BIO_get_mem_data(out, &p);
	assert_non_null(m = buf_new(0));
	assert_int_equal(buf_put(m, p, (size_t)n), 0);
	BIO_free(in);
	BIO_free(out);
	CMS_ContentInfo_free(cms);
	EVP_PKEY_free(k);
	X509_free(x);
	return m;
}

/* v is untrusted, through nothing, and one of its findings holds why. */
static void
untrusted_for(struct crypto_verdict *v, const char *why)
{
	size_t	i;

	assert_int_equal(v->signature, CRYPTO_SIG_UNTRUSTED);
	assert_int_equal(v->trust, CRYPTO_TRUST_NONE);
	for (i = 0; i < v->nfindings; i++)
		if (strstr(v->findings[i], why) != NULL)
			break;
	if (i == v->nfindings)
		fail_msg("no finding holds \"%s\"", why);
	crypto_verdict_free(v);
}

/*
 * DANE stands in for a trusted issuer, for nothing else: with the CA
 * trusted and without it, a certificate not for e-mail, or expired when
 * the message is read (it gives no signingTime), stays untrusted.
 */
static void
dane_not_more(struct crypto_ctx *ctx, const struct buf *noattr,
    time_t expired)
{
	crypto_ctx_set_time(ctx, 0);
	untrusted_for(judge(ctx, "sig-wrong-eku.eml"),
	    "not for e-mail protection");
	crypto_ctx_set_time(ctx, expired);
	untrusted_for(judge_buf(ctx, noattr), "has expired");
	crypto_ctx_set_time(ctx, 0);
}

static void
test_dane(void **st)
{
	struct crypto_ctx	*ctx = fixture_ctx(), *bare;
	struct crypto_verdict	*v;
	struct buf		*noattr;
	struct smerr		 e;
	X509			*alice;
	time_t			 after;
	int			 calls = 0;

	(void)st;
	crypto_ctx_set_dane(ctx, dane_match, &calls);
	v = judge(ctx, "sig-valid.eml");
	assert_int_equal(calls, 1);
	assert_int_equal(v->trust, CRYPTO_TRUST_PKIX_DANE);
	assert_int_equal(v->signature, CRYPTO_SIG_VALID);
	crypto_verdict_free(v);
	/* DANE alone makes a signer under an unknown CA trusted. */
	v = judge(ctx, "sig-untrusted.eml");
	assert_int_equal(v->trust, CRYPTO_TRUST_DANE);
	assert_int_equal(v->signature, CRYPTO_SIG_VALID);
	crypto_verdict_free(v);
	/* A secure contradiction is never valid. */
	crypto_ctx_set_dane(ctx, dane_contra, NULL);
	v = judge(ctx, "sig-valid.eml");
	assert_int_not_equal(v->signature, CRYPTO_SIG_VALID);
	crypto_verdict_free(v);

	alice = pem_cert("tests/data/smime/alice.pem");
	after = asn1_time(X509_get0_notAfter(alice)) + 86400;
	X509_free(alice);
	noattr = noattr_message("Thu, 01 Jan 2026 00:00:00 +0000");
	crypto_ctx_set_dane(ctx, dane_match, &calls);
	dane_not_more(ctx, noattr, after);
	smerr_clear(&e);
	assert_int_equal(crypto_ctx_new(&bare, &e), 0);
	crypto_ctx_set_dane(bare, dane_match, &calls);
	dane_not_more(bare, noattr, after);
	/* Sound but for its issuer, the same message is valid by DANE. */
	v = judge_buf(bare, noattr);
	assert_int_equal(v->signature, CRYPTO_SIG_VALID);
	assert_int_equal(v->trust, CRYPTO_TRUST_DANE);
	crypto_verdict_free(v);
	buf_free(noattr);
	crypto_ctx_free(bare);
	crypto_ctx_free(ctx);
}

/* The JSON verdict on path with ctx, or its error message. */
static char *
verdict_of(struct crypto_ctx *ctx, const char *path)
{
	struct crypto_verdict	*v = NULL;
	struct buf		*m, *j;
	struct smerr		 e;
	char			*s;

	m = unit_read_buf(path);
	j = buf_new(0);
	smerr_clear(&e);
	if (crypto_judge(ctx, buf_data(m), buf_len(m), &v, &e) == 0)
		assert_int_equal(app_verdict_json(v, j), 0);
	else
		assert_int_equal(buf_puts(j, smerr_msg(&e)), 0);
	s = buf_take(j, NULL);
	crypto_verdict_free(v);
	buf_free(j);
	buf_free(m);
	return s;
}

/* Fails unless ctx's verdict on path is want, what another gave. */
static void
judged_as(struct crypto_ctx *ctx, const char *path, const char *want)
{
	char	*got = verdict_of(ctx, path);

	if (strcmp(want, got) != 0)
		fail_msg("%s: %s\n!= %s", path, want, got);
	free(got);
}

/* 1 when nftw's entry path of type is a file named *.eml. */
static int
is_eml(const char *path, int type)
{
	size_t	len = strlen(path);

	return type == FTW_F && len >= 4 &&
	    strcmp(path + len - 4, ".eml") == 0;
}

/*
 * Certificates parsed once per context (and a context cloned for another
 * thread) change no verdict: every fixture judged by a fresh context, then
 * twice by one context, then by its clone, reads the same.
 */
static struct crypto_ctx	*memo_shared, *memo_clone;
static size_t			 memo_n;

static int
memo_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	struct crypto_ctx	*fresh;
	char			*a;
	int			 round;

	(void)sb;
	(void)ftw;
	if (!is_eml(path, type))
		return 0;
	fresh = fixture_ctx();
	a = verdict_of(fresh, path);
	crypto_ctx_free(fresh);
	for (round = 0; round < 3; round++)
		judged_as(round < 2 ? memo_shared : memo_clone, path, a);
	free(a);
	memo_n++;
	return 0;
}

/*
 * Walks the interop corpus name as well, where it is published beside the
 * repository (SEALMAIL_INTEROP names another folder), as tests/lib.sh
 * reads it; 1 when it was there.
 */
static int
memo_interop(const char *name)
{
	const char	*root = getenv("SEALMAIL_INTEROP");
	char		 dir[4096];

	if (root == NULL || *root == '\0')
		root = "../shared/interop";
	assert_true(snprintf(dir, sizeof(dir), "%s/%s", root, name) <
	    (int)sizeof(dir));
	if (access(dir, F_OK) != 0) {
		/* A folder named on purpose must be there. */
		assert_null(getenv("SEALMAIL_INTEROP"));
		printf("absent - interop corpus %s: no folder %s\n", name, dir);
		return 0;
	}
	assert_int_equal(nftw(dir, memo_one, 16, FTW_PHYS), 0);
	return 1;
}

static void
test_memo(void **st)
{
	struct smerr	e;
	size_t		want = 45;

	(void)st;
	smerr_clear(&e);
	memo_shared = fixture_ctx();
	assert_int_equal(crypto_ctx_clone(memo_shared, &memo_clone, &e), 0);
	assert_int_equal(memo_shared->nmemo, 0);
	assert_int_equal(nftw("tests/data", memo_one, 16, FTW_PHYS), 0);
	/* The signed fixtures' certificates were read into the memo. */
	assert_true(memo_shared->nmemo > 0);
	want += memo_interop("thunderbird") ? 50 : 0;
	want += memo_interop("johnny") ? 30 : 0;
	assert_true(memo_n > want);
	crypto_ctx_free(memo_clone);
	crypto_ctx_free(memo_shared);
}

/*
 * The system's bundle read lazily judges every chain as the bundle read
 * whole does: each certificate of the bundle and of the fixtures, checked
 * against both (the lab's CA added to each after the system's).
 */
static void
test_system_anchors(void **st)
{
	static const char *const extra[] = { "alice.pem", "eve.pem",
	    "expired.pem", "future.pem", "legacy.pem", "mallory.pem",
	    "rogue.pem", "server.pem", "ca.pem" };
	struct crypto_ctx	*lazy, *eager, *clone;
	STACK_OF(X509)		*sk;
	struct buf		*ca;
	struct smerr		 e;
	const char		*path, *w1, *w2, *w3;
	char			 fx[256];
	BIO			*bio;
	X509			*x;
	size_t			 i;
	int			 r1, r2, r3, k;

	(void)st;
	smerr_clear(&e);
	if ((path = getenv("SSL_CERT_FILE")) == NULL)
		path = X509_get_default_cert_file();
	/* ca-certificates is one of the packages make check installs. */
	assert_non_null(bio = BIO_new_file(path, "r"));
	assert_non_null(sk = sk_X509_new_null());
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		assert_true(sk_X509_push(sk, x) > 0);
	BIO_free(bio);
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		snprintf(fx, sizeof(fx), "tests/data/smime/%s", extra[i]);
		assert_non_null(bio = BIO_new_file(fx, "r"));
		assert_non_null(x = PEM_read_bio_X509(bio, NULL, NULL, NULL));
		assert_true(sk_X509_push(sk, x) > 0);
		BIO_free(bio);
	}
	ca = unit_read_buf("tests/data/smime/ca.pem");
	assert_int_equal(crypto_ctx_new(&lazy, &e), 0);
	assert_int_equal(crypto_ctx_use_system_anchors(lazy, &e), 0);
	assert_non_null(lazy->lazy);
	assert_int_equal(crypto_ctx_add_anchor(lazy, buf_data(ca),
	    buf_len(ca), &e), 0);
	assert_int_equal(crypto_ctx_clone(lazy, &clone, &e), 0);
	assert_int_equal(crypto_ctx_new(&eager, &e), 0);
	assert_int_equal(X509_STORE_set_default_paths(eager->store), 1);
	assert_int_equal(crypto_ctx_add_anchor(eager, buf_data(ca),
	    buf_len(ca), &e), 0);
	for (k = 0; k < sk_X509_num(sk); k++) {
		x = sk_X509_value(sk, k);
		r1 = crypto_chain_check(lazy, x, NULL, &w1);
		r2 = crypto_chain_check(eager, x, NULL, &w2);
		r3 = crypto_chain_check(clone, x, NULL, &w3);
		assert_int_equal(r1, r2);
		assert_int_equal(r3, r2);
		assert_string_equal(w1 != NULL ? w1 : "", w2 != NULL ? w2 : "");
		assert_string_equal(w3 != NULL ? w3 : "", w2 != NULL ? w2 : "");
	}
	assert_true(sk_X509_num(sk) > 10);
	sk_X509_pop_free(sk, X509_free);
	buf_free(ca);
	crypto_ctx_free(clone);
	crypto_ctx_free(lazy);
	crypto_ctx_free(eager);
}

static X509 *
pem_cert(const char *path)
{
	BIO	*bio;
	X509	*x;

	assert_non_null(bio = BIO_new_file(path, "r"));
	assert_non_null(x = PEM_read_bio_X509(bio, NULL, NULL, NULL));
	BIO_free(bio);
	return x;
}

static time_t
asn1_time(const ASN1_TIME *a)
{
	struct tm	tm;

	assert_int_equal(ASN1_TIME_to_tm(a, &tm), 1);
	return timegm(&tm);
}

/*
 * A chain validated once is taken again only for the same signer and
 * message certificates, and only at a time inside every certificate's
 * validity: moved past the signer's notAfter (or before its notBefore),
 * the same context says expired (not yet valid), then valid again.
 */
static void
test_chain_memo(void **st)
{
	struct crypto_ctx	*ctx;
	struct buf		*ca;
	struct smerr		 e;
	const char		*why;
	X509			*alice, *rogue;
	time_t			 nb, na, mid;
	int			 i;

	(void)st;
	smerr_clear(&e);
	ca = unit_read_buf("tests/data/smime/ca.pem");
	alice = pem_cert("tests/data/smime/alice.pem");
	rogue = pem_cert("tests/data/smime/rogue.pem");
	nb = asn1_time(X509_get0_notBefore(alice));
	na = asn1_time(X509_get0_notAfter(alice));
	mid = nb + (na - nb) / 2;
	assert_int_equal(crypto_ctx_new(&ctx, &e), 0);
	assert_int_equal(crypto_ctx_add_anchor(ctx, buf_data(ca), buf_len(ca),
	    &e), 0);
	for (i = 0; i < 3; i++) {
		crypto_ctx_set_time(ctx, mid);
		assert_int_equal(crypto_chain_check(ctx, alice, NULL, &why), 1);
		assert_non_null(ctx->chains[0].chain);	/* remembered */
		assert_null(ctx->chains[1].chain);	/* once */
		assert_int_equal(crypto_chain_check(ctx, alice, NULL, &why), 1);
		assert_null(ctx->chains[1].chain);	/* taken again */
		/* Another signer is not the one remembered. */
		assert_int_equal(crypto_chain_check(ctx, rogue, NULL, &why), 0);
		crypto_ctx_set_time(ctx, na + 1);
		assert_int_equal(crypto_chain_check(ctx, alice, NULL, &why), 0);
		assert_string_equal(why, "the signer's certificate has expired");
		crypto_ctx_set_time(ctx, nb - 1);
		assert_int_equal(crypto_chain_check(ctx, alice, NULL, &why), 0);
		assert_string_equal(why,
		    "the signer's certificate is not yet valid");
	}
	X509_free(alice);
	X509_free(rogue);
	buf_free(ca);
	crypto_ctx_free(ctx);
}

/* x as PEM, in a new buffer. */
static struct buf *
pem_of(X509 *x)
{
	struct buf	*b = buf_new(0);
	BIO		*bio = BIO_new(BIO_s_mem());
	char		*p;
	long		 n;

	assert_non_null(b);
	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_X509(bio, x), 1);
	n = BIO_get_mem_data(bio, &p);
	assert_int_equal(buf_put(b, p, (size_t)n), 0);
	BIO_free(bio);
	return b;
}

/* An intermediate CA of pki's CA: CN=cn, an EC key of its own in *kp. */
static X509 *
peers_ca(struct unit_pki *pki, const char *cn, long serial, long from,
    long to, EVP_PKEY **kp)
{
	X509	*x;

	assert_non_null(*kp = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
	x = unit_cert(*kp, pki->ca, cn, serial, from, to);
	unit_cert_ext(x, pki->ca, NID_basic_constraints, "critical,CA:TRUE");
	unit_cert_ext(x, pki->ca, NID_key_usage,
	    "critical,keyCertSign,cRLSign");
	assert_true(X509_sign(x, pki->cakey, EVP_sha256()) > 0);
	return x;
}

/* Adds every certificate of xs to ctx as a peer: DER, or PEM. */
static void
peers_add(struct crypto_ctx *ctx, X509 **xs, size_t n, int pem)
{
	struct smerr	 e;
	struct buf	*b;
	uint8_t		*d;
	size_t		 i;
	int		 len;

	smerr_clear(&e);
	for (i = 0; i < n; i++) {
		if (pem) {
			b = pem_of(xs[i]);
			assert_int_equal(crypto_ctx_add_intermediate(ctx,
			    buf_data(b), buf_len(b), &e), 0);
			buf_free(b);
			continue;
		}
		d = unit_der(xs[i], &len);
		assert_int_equal(crypto_ctx_add_intermediate(ctx, d,
		    (size_t)len, &e), 0);
		OPENSSL_free(d);
	}
}

/* The peers crypto_peers_signers gives for leaf's signature, flags added. */
static int
peers_signers(struct crypto_ctx *ctx, X509 *leaf, EVP_PKEY *key,
    unsigned flags, X509 *want)
{
	CMS_ContentInfo	*cms;
	STACK_OF(X509)	*sk;
	BIO		*data;
	int		 n;

	assert_non_null(data = BIO_new_mem_buf("peers\r\n", 7));
	assert_non_null(cms = CMS_sign(leaf, key, NULL, data, CMS_NOCERTS |
	    CMS_DETACHED | CMS_BINARY | flags));
	assert_non_null(sk = crypto_peers_signers(ctx, cms));
	n = sk_X509_num(sk);
	if (want != NULL) {
		assert_int_equal(n, 1);
		assert_int_equal(X509_cmp(sk_X509_value(sk, 0), want), 0);
	}
	sk_X509_pop_free(sk, X509_free);
	CMS_ContentInfo_free(cms);
	BIO_free(data);
	return n;
}

/*
 * The key store's peers are read when a chain or a signer needs them, and
 * build the chains parsed at once build: a leaf under an intermediate
 * that only a peer holds, among unrelated peers and an expired one of the
 * intermediate's name, checked by a context given the peers as DER (read
 * lazily), as PEM (parsed at once), by its clone, and by one without them.
 */
static void
test_lazy_peers(void **st)
{
	struct crypto_ctx	*lazy, *eager, *none, *clone;
	struct unit_pki		 pki;
	struct smerr		 e;
	EVP_PKEY		*ikey, *okey;
	X509			*peers[5], *leaf;
	const char		*w1, *w2, *w3;
	size_t			 i;
	int			 len;
	uint8_t			*d;

	(void)st;
	smerr_clear(&e);
	unit_pki_init(&pki, "Peers Root");
	peers[0] = pem_cert("tests/data/smime/alice.pem");
	peers[1] = peers_ca(&pki, "Peers Intermediate", 9001, -86400L * 400,
	    -86400L * 30, &okey);
	peers[2] = peers_ca(&pki, "Peers Intermediate", 9002, -3600,
	    86400L * 365, &ikey);
	peers[3] = pem_cert("tests/data/smime/eve.pem");
	leaf = unit_cert(pki.key, peers[2], "Peer Leaf", 9003, -3600,
	    86400L * 30);
	unit_cert_email(leaf, peers[2], "leaf@example.test");
	unit_cert_ext(leaf, peers[2], NID_ext_key_usage, "emailProtection");
	unit_cert_ext(leaf, peers[2], NID_subject_key_identifier, "hash");
	assert_true(X509_sign(leaf, ikey, EVP_sha256()) > 0);
	peers[4] = leaf;
	assert_int_equal(crypto_ctx_new(&lazy, &e), 0);
	assert_int_equal(crypto_ctx_new(&eager, &e), 0);
	assert_int_equal(crypto_ctx_new(&none, &e), 0);
	assert_int_equal(crypto_ctx_add_anchor(lazy, pki.ca_der,
	    (size_t)pki.ca_len, &e), 0);
	assert_int_equal(crypto_ctx_add_anchor(eager, pki.ca_der,
	    (size_t)pki.ca_len, &e), 0);
	assert_int_equal(crypto_ctx_add_anchor(none, pki.ca_der,
	    (size_t)pki.ca_len, &e), 0);
	peers_add(lazy, peers, 4, 0);
	peers_add(eager, peers, 4, 1);
	assert_int_equal(lazy->peers->n, 4);
	assert_int_equal(eager->peers->n, 4);
	for (i = 0; i < 4; i++) {
		assert_non_null(lazy->peers->v[i].der);
		assert_null(eager->peers->v[i].der);
	}
	/* Nothing parsed before it is needed. */
	assert_int_equal(lazy->nmemo, 0);
	assert_int_equal(crypto_ctx_clone(lazy, &clone, &e), 0);
	assert_int_equal(crypto_chain_check(lazy, leaf, NULL, &w1), 1);
	assert_int_equal(crypto_chain_check(eager, leaf, NULL, &w2), 1);
	/* Without the peers only the issuer is missing. */
	assert_int_equal(crypto_chain_check(none, leaf, NULL, &w3),
	    CRYPTO_CHAIN_NO_ISSUER);
	assert_non_null(w3);
	/* The two of the intermediate's name, the others not. */
	assert_int_equal(lazy->nmemo, 2);
	/* The clone shares the peers, not what its original parsed. */
	crypto_ctx_free(lazy);
	assert_int_equal(clone->nmemo, 0);
	assert_int_equal(crypto_chain_check(clone, leaf, NULL, &w1), 1);
	/* Every other certificate: the same answer either way. */
	for (i = 0; i < 4; i++) {
		assert_int_equal(crypto_chain_check(clone, peers[i], NULL, &w1),
		    crypto_chain_check(eager, peers[i], NULL, &w2));
		assert_string_equal(w1 != NULL ? w1 : "", w2 != NULL ? w2 : "");
	}
	/* A signature that leaves its certificate out names it by serial. */
	assert_int_equal(peers_signers(clone, leaf, pki.key, 0, NULL), 0);
	d = unit_der(leaf, &len);
	assert_int_equal(crypto_ctx_add_intermediate(eager, d, (size_t)len,
	    &e), 0);
	OPENSSL_free(d);
	assert_int_equal(peers_signers(eager, leaf, pki.key, 0, leaf), 1);
	/* By key identifier, every peer may be the one. */
	assert_int_equal(peers_signers(eager, leaf, pki.key, CMS_USE_KEYID,
	    NULL), 5);
	crypto_ctx_free(clone);
	crypto_ctx_free(eager);
	crypto_ctx_free(none);
	for (i = 0; i < 5; i++)
		X509_free(peers[i]);
	EVP_PKEY_free(ikey);
	EVP_PKEY_free(okey);
	unit_pki_free(&pki);
}

/*
 * Every fixture judged with the fixtures' certificates as peers reads the
 * same whether the peers were read lazily (DER) or parsed at once (PEM).
 */
static struct crypto_ctx	*peers_lazy, *peers_eager;
static size_t			 peers_judged;

static int
peers_one(const char *path, const struct stat *sb, int type,
    struct FTW *ftw)
{
	char	*a;

	(void)sb;
	(void)ftw;
	if (!is_eml(path, type))
		return 0;
	a = verdict_of(peers_eager, path);
	judged_as(peers_lazy, path, a);
	free(a);
	peers_judged++;
	return 0;
}

static void
test_lazy_peers_judge(void **st)
{
	static const char *const names[] = { "alice.pem", "carol.pem",
	    "eve.pem", "expired.pem", "future.pem", "legacy.pem",
	    "mallory.pem", "rogue.pem", "weak.pem" };
	X509	*xs[sizeof(names) / sizeof(names[0])];
	char	 path[256];
	size_t	 i, n = sizeof(names) / sizeof(names[0]);

	(void)st;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "tests/data/smime/%s", names[i]);
		xs[i] = pem_cert(path);
	}
	peers_lazy = fixture_ctx();
	peers_eager = fixture_ctx();
	peers_add(peers_lazy, xs, n, 0);
	peers_add(peers_eager, xs, n, 1);
	assert_int_equal(nftw("tests/data", peers_one, 16, FTW_PHYS), 0);
	assert_true(peers_judged > 45);
	for (i = 0; i < n; i++)
		X509_free(xs[i]);
	crypto_ctx_free(peers_lazy);
	crypto_ctx_free(peers_eager);
}

/* The addresses of x (crypto_cert_emails), joined by spaces, are want. */
static void
emails_are(X509 *x, const char *want)
{
	char	**v;
	size_t	  n;

	assert_int_equal(crypto_cert_emails(x, &v, &n), 0);
	unit_strv_is(v, n, want);
}

/*
 * A certificate's addresses: each once, whatever its case, and not one
 * that only begins or ends another; none without an @; at most 64; from
 * the subject only where the subjectAltName names none.
 */
static void
test_cert_emails(void **st)
{
	struct unit_pki	 pki;
	struct buf	*san = buf_new(0);
	X509		*x;
	size_t		 i;

	(void)st;
	unit_pki_init(&pki, "Emails Root");
	x = unit_cert(pki.key, NULL, "Emails", 1, -3600, 3600);
	unit_cert_ext(x, NULL, NID_subject_alt_name, "email:A@Example.test,"
	    "email:a@example.tes,email:a@example.test,email:nobody,"
	    "email:a@example.test.org,email:b@example.test,"
	    "email:B@EXAMPLE.TEST,DNS:example.test");
	emails_are(x, "A@Example.test a@example.tes a@example.test.org "
	    "b@example.test");
	X509_free(x);

	x = unit_cert(pki.key, NULL, "Many", 2, -3600, 3600);
	for (i = 0; i < 70; i++)
		assert_int_equal(buf_printf(san, "%semail:m%zu@example.test",
		    i > 0 ? "," : "", i), 0);
	unit_cert_ext(x, NULL, NID_subject_alt_name, buf_str(san));
	buf_reset(san);
	for (i = 0; i < 64; i++)
		assert_int_equal(buf_printf(san, "%sm%zu@example.test",
		    i > 0 ? " " : "", i), 0);
	emails_are(x, buf_str(san));
	X509_free(x);

	x = unit_cert(pki.key, NULL, "Subject", 3, -3600, 3600);
	assert_true(X509_NAME_add_entry_by_NID(X509_get_subject_name(x),
	    NID_pkcs9_emailAddress, MBSTRING_ASC,
	    (const unsigned char *)"Carol@Example.test", -1, -1, 0));
	assert_true(X509_NAME_add_entry_by_NID(X509_get_subject_name(x),
	    NID_pkcs9_emailAddress, MBSTRING_ASC,
	    (const unsigned char *)"carol@example.TEST", -1, -1, 0));
	emails_are(x, "Carol@Example.test");
	unit_cert_email(x, NULL, "dan@example.test");
	emails_are(x, "dan@example.test");
	X509_free(x);
	buf_free(san);
	unit_pki_free(&pki);
}

/*
 * A part in format=flowed is a run of its own, marked flowed (and DelSp
 * when it says so), even beside a flowed part vouched for alike; a part
 * that is not flowed is not marked, and the JSON form says which is which.
 */
static void
test_flowed_runs(void **st)
{
	static const char	 msg[] = "From: bob@example.test\r\n"
	    "Subject: flowed\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain; format=flowed\r\n\r\n"
	    "one \r\ntwo\r\n"
	    "--b\r\nContent-Type: text/plain; Format=Flowed; DelSp=Yes\r\n"
	    "\r\nthree \r\nfour\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\nfive \r\nsix\r\n"
	    "--b\r\nContent-Type: text/html; format=flowed\r\n\r\n"
	    "<p>seven</p>\r\n--b--\r\n";
	struct crypto_ctx	*ctx = fixture_ctx();
	struct crypto_verdict	*v = NULL;
	struct buf		*j;
	struct smerr		 e;

	(void)st;
	smerr_clear(&e);
	assert_int_equal(crypto_judge(ctx, msg, sizeof(msg) - 1, &v, &e), 0);
	/* Not plain text: the HTML part goes on the unflowed run. */
	assert_int_equal(v->nspans, 3);
	assert_int_equal(v->spans[0].line, 1);
	assert_int_equal(v->spans[0].flags, CRYPTO_SPAN_FLOWED);
	assert_int_equal(v->spans[1].line, 3);
	assert_int_equal(v->spans[1].flags,
	    CRYPTO_SPAN_FLOWED | CRYPTO_SPAN_DELSP);
	assert_int_equal(v->spans[2].line, 5);
	assert_int_equal(v->spans[2].flags, 0);
	assert_string_equal(v->text, "one \ntwo\nthree \nfour\nfive \nsix\n"
	    "seven");
	j = buf_new(0);
	assert_int_equal(app_verdict_json(v, j), 0);
	assert_non_null(strstr(buf_str(j), "{\"line\":1,\"signed\":false,"
	    "\"envelope\":false,\"flowed\":true,\"delsp\":false}"));
	assert_non_null(strstr(buf_str(j), "{\"line\":3,\"signed\":false,"
	    "\"envelope\":false,\"flowed\":true,\"delsp\":true}"));
	assert_non_null(strstr(buf_str(j), "{\"line\":5,\"signed\":false,"
	    "\"envelope\":false,\"flowed\":false,\"delsp\":false}"));
	buf_free(j);
	crypto_verdict_free(v);
	crypto_ctx_free(ctx);
}

/*
 * A message with n messages attached (message/rfc822), beside one another
 * or, with nest set, each inside the one before; attached message i says
 * "Forwarded text i.".
 */
static struct buf *
attached_message(int n, int nest)
{
	struct buf	*m = buf_new(0);
	int		 i;

	assert_non_null(m);
	assert_int_equal(buf_puts(m, "From: a@example.test\r\n"
	    "Subject: forwards\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=b0z\r\n\r\n--b0z\r\n"
	    "Content-Type: text/plain\r\n\r\nHere they are.\r\n"), 0);
	for (i = 1; i <= n; i++) {
		assert_int_equal(buf_printf(m, "--b%dz\r\n"
		    "Content-Type: message/rfc822\r\n\r\n"
		    "From: c%d@example.test\r\nMIME-Version: 1.0\r\n"
		    "Content-Type: multipart/mixed; boundary=b%dz\r\n\r\n"
		    "--b%dz\r\nContent-Type: text/plain\r\n\r\n"
		    "Forwarded text %d.\r\n", nest ? i - 1 : 0, i, i, i, i), 0);
		if (!nest)
			assert_int_equal(buf_printf(m, "--b%dz--\r\n", i), 0);
	}
	for (i = nest ? n : 0; i >= 0; i--)
		assert_int_equal(buf_printf(m, "--b%dz--\r\n", i), 0);
	return m;
}

/*
 * ctx's verdict on attached_message(n, nest): no signature, the text of
 * attached message last shown and of the one after it not, and the
 * findings, joined by spaces, are want.
 */
static void
attached_judged(struct crypto_ctx *ctx, int n, int nest, int last,
    const char *want)
{
	struct crypto_verdict	*v;
	struct buf		*m = attached_message(n, nest);
	char			 t[64];

	v = judge_buf(ctx, m);
	assert_int_equal(v->signature, CRYPTO_SIG_NONE);
	snprintf(t, sizeof(t), "Forwarded text %d.", last);
	assert_non_null(strstr(v->text, t));
	snprintf(t, sizeof(t), "Forwarded text %d.", last + 1);
	assert_null(strstr(v->text, t));
	unit_strv_is(v->findings, v->nfindings, want);
	v->findings = NULL;
	v->nfindings = 0;
	crypto_verdict_free(v);
	buf_free(m);
}

/*
 * Attached messages are no S/MIME layers: ten of them, or sixty-four, or
 * eight one inside the other, are all shown with nothing to say; past
 * those bounds one finding says the text of those left unread is not
 * shown, and the message is still unsigned.
 */
static void
test_attached(void **st)
{
	struct crypto_ctx	*ctx = fixture_ctx();

	(void)st;
	attached_judged(ctx, 10, 0, 10, "");
	attached_judged(ctx, 64, 0, 64, "");
	attached_judged(ctx, 65, 0, 64, "more than 64 attached messages; "
	    "the text of those past the 64th is not shown");
	attached_judged(ctx, 8, 1, 8, "");
	attached_judged(ctx, 12, 1, 8, "attached messages nested more than "
	    "8 deep; the text of those deeper is not shown");
	crypto_ctx_free(ctx);
}

/*
 * A certificate names a domain in A-labels (RFC 8398): a From written with
 * U-labels is its address all the same, so its signature is no mismatch.
 */
static void
test_cert_email_idn(void **st)
{
	struct unit_pki	 pki;
	X509		*x;

	(void)st;
	unit_pki_init(&pki, "IDN Root");
	x = unit_cert(pki.key, NULL, "IDN", 1, -3600, 3600);
	unit_cert_email(x, NULL, "user@xn--bcher-kva.example");
	assert_true(crypto_cert_has_email(x, "user@xn--bcher-kva.example"));
	assert_true(crypto_cert_has_email(x, "user@b\xc3\xbc" "cher.example"));
	assert_true(crypto_cert_has_email(x, "User@B\xc3\x9c" "CHER.example"));
	assert_false(crypto_cert_has_email(x, "user@bucher.example"));
	assert_false(crypto_cert_has_email(x, "other@b\xc3\xbc" "cher.example"));
	X509_free(x);
	unit_pki_free(&pki);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_sig_table),
	    cmocka_unit_test(test_enc_table),
	    cmocka_unit_test(test_judge),
	    cmocka_unit_test(test_flowed_runs),
	    cmocka_unit_test(test_attached),
	    cmocka_unit_test(test_dane),
	    cmocka_unit_test(test_memo),
	    cmocka_unit_test(test_system_anchors),
	    cmocka_unit_test(test_chain_memo),
	    cmocka_unit_test(test_lazy_peers),
	    cmocka_unit_test(test_lazy_peers_judge),
	    cmocka_unit_test(test_cert_emails),
	    cmocka_unit_test(test_cert_email_idn));
}
