/*
 * The key agent: its request reader (every malformed, oversized or
 * out-of-turn request gets an error reply), and the agent process itself,
 * started from this test program (which serves as the agent when run
 * with AGENT_ARG, as sealmail does), signing through its hook.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "base/err.h"
#include "crypto/crypto.h"
#include "keys/keys.h"
#include "store/store.h"
#include "app/agent.h"
#include "tests/unit/lib/unit.h"

static struct crypto_privkey *
rsa_key(uint8_t fp[32], int fill)
{
	struct crypto_privkey	*k = NULL;
	EVP_PKEY		*pk = EVP_RSA_gen(2048);
	struct buf		*p8 = unit_p8(pk);

	assert_int_equal(crypto_privkey_new(buf_data(p8), buf_len(p8), &k,
	    NULL), 0);
	memset(fp, fill, 32);
	buf_free(p8);
	EVP_PKEY_free(pk);
	return k;
}

/* Serves req and checks the reply's frame; returns its status. */
static int
serve(struct agent_keys *ak, const uint8_t *req, size_t len, uint8_t *rep,
    size_t *n)
{
	agent_serve(ak, req, len, rep, n);
	assert_true(*n >= 3 && *n <= AGENT_MAX_REP);
	assert_int_equal(*n, 3 + ((size_t)rep[1] << 8 | rep[2]));
	return rep[0];
}

/* A signature with pad over SHA-256, of the digest dg: len bytes of fill. */
static void
sign_op(struct crypto_keyop *op, uint8_t *dg, size_t len, int fill, int pad)
{
	memset(op, 0, sizeof(*op));
	memset(dg, fill, len);
	op->op = CRYPTO_KEYOP_SIGN;
	op->pad = pad;
	op->md = CRYPTO_MD_SHA256;
	op->in = dg;
	op->inlen = len;
}

static void
test_requests(void **st)
{
	struct agent_keys	 ak;
	struct crypto_keyop	 op;
	uint8_t			 fp[32], req[AGENT_MAX_REQ + 8];
	uint8_t			 rep[AGENT_MAX_REP], dg[32];
	size_t			 n, len;

	(void)st;
	memset(&ak, 0, sizeof(ak));
	ak.ids[0].k = rsa_key(ak.ids[0].fp, 7);
	ak.n = 1;
	memcpy(fp, ak.ids[0].fp, 32);
	/* Nothing, and an unknown request. */
	assert_int_equal(serve(&ak, req, 0, rep, &n), AGENT_ERR);
	req[0] = 99;
	assert_int_equal(serve(&ak, req, 1, rep, &n), AGENT_ERR);
	assert_memory_equal(rep + 3, "an unknown request", n - 3);
	/* LIST: one fingerprint; with a byte too many: refused. */
	req[0] = AGENT_LIST;
	assert_int_equal(serve(&ak, req, 1, rep, &n), AGENT_OK);
	assert_int_equal(n, 3 + 32);
	assert_memory_equal(rep + 3, fp, 32);
	assert_int_equal(serve(&ak, req, 2, rep, &n), AGENT_ERR);
	/* A signature over a SHA-256 digest. */
	sign_op(&op, dg, sizeof(dg), 0x5a, CRYPTO_PAD_PKCS1);
	len = agent_encode_keyop(fp, &op, req, sizeof(req));
	assert_true(len > 0);
	assert_int_equal(serve(&ak, req, len, rep, &n), AGENT_OK);
	assert_int_equal(n, 3 + 256);
	/* Every shorter prefix, and a byte more, is malformed. */
	for (; len > 1; len--)
		assert_int_equal(serve(&ak, req, len - 1, rep, &n), AGENT_ERR);
	len = agent_encode_keyop(fp, &op, req, sizeof(req));
	req[len] = 0;
	assert_int_equal(serve(&ak, req, len + 1, rep, &n), AGENT_ERR);
	/* A length field past the end; an input over the limit. */
	req[len - 32 - 2] = 0xff;
	assert_int_equal(serve(&ak, req, len, rep, &n), AGENT_ERR);
	memset(req, 0, sizeof(req));
	req[0] = AGENT_SIGN;
	assert_int_equal(serve(&ak, req, AGENT_MAX_REQ + 1, rep, &n),
	    AGENT_ERR);
	assert_memory_equal(rep + 3, "a request too large", n - 3);
	/* Another identity's fingerprint. */
	len = agent_encode_keyop(fp, &op, req, sizeof(req));
	req[1] ^= 1;
	assert_int_equal(serve(&ak, req, len, rep, &n), AGENT_ERR);
	assert_memory_equal(rep + 3, "no such identity", n - 3);
	/* No raw RSA decryption. */
	op.op = CRYPTO_KEYOP_DECRYPT;
	op.pad = CRYPTO_PAD_NONE;
	op.md = CRYPTO_MD_NONE;
	memset(req, 0, sizeof(req));
	op.in = req + 2048;
	op.inlen = 256;
	len = agent_encode_keyop(fp, &op, req, 2048);
	assert_int_equal(serve(&ak, req, len, rep, &n), AGENT_ERR);
	/* A LOAD after the first other request is refused. */
	memset(req, 0, sizeof(req));
	req[0] = AGENT_LOAD;
	req[66] = 40;
	assert_int_equal(serve(&ak, req, 1 + 66 + 40, rep, &n), AGENT_ERR);
	assert_memory_equal(rep + 3, "keys are loaded only at the start",
	    n - 3);
	assert_int_equal(ak.n, 1);
	agent_keys_clear(&ak);
	/* A fresh agent: a LOAD whose key does not open. */
	assert_int_equal(serve(&ak, req, 1 + 66 + 40, rep, &n), AGENT_ERR);
	assert_memory_equal(rep + 3, "the key does not open", n - 3);
	assert_int_equal(ak.n, 0);
}

/* A store with one identity whose key is sealed in it. */
static void
make_store(const char *dir, struct store **stp, struct keys **kp)
{
	EVP_PKEY	*pk = EVP_RSA_gen(2048);
	X509		*x;
	PKCS12		*p12;
	unsigned char	*d = NULL;
	struct buf	*b;
	uint8_t		 key[STORE_KEY_LEN];
	int		 n;

	x = unit_cert(pk, NULL, "agent@example.test", 1, -3600, 86400);
	assert_true(X509_sign(x, pk, EVP_sha256()) > 0);
	p12 = PKCS12_create("pw", "agent", pk, x, NULL, 0, 0, 0, 0, 0);
	assert_non_null(p12);
	n = i2d_PKCS12(p12, &d);
	b = buf_new(0);
	assert_int_equal(buf_put(b, d, (size_t)n), 0);
	memset(key, 3, sizeof(key));
	assert_int_equal(store_open(dir, key, stp, NULL), 0);
	assert_int_equal(keys_open(*stp, kp, NULL), 0);
	assert_int_equal(keys_import_p12(*kp, b, "pw", NULL), 0);
	buf_free(b);
	OPENSSL_free(d);
	PKCS12_free(p12);
	X509_free(x);
	EVP_PKEY_free(pk);
}

static int
fp_cb(const struct keys_cert *kc, void *arg)
{
	return keys_fingerprint_raw(kc->fingerprint, arg) == 0;
}

static void
test_process(void **st)
{
	const struct crypto_keyhook	*h;
	struct crypto_keyop		 op;
	struct store			*db;
	struct keys			*k;
	char				 dir[] = "/tmp/test_app_agent.XXXXXX";
	uint8_t				 fp[32], dg[32], out[1024];
	size_t				 n = sizeof(out);

	(void)st;
	assert_non_null(mkdtemp(dir));
	make_store(dir, &db, &k);
	assert_int_equal(keys_foreach(k, KEYS_IDENTITY, fp_cb, fp, NULL), 0);
	assert_int_equal(agent_hook(k, &h, NULL), 0);
	sign_op(&op, dg, sizeof(dg), 1, CRYPTO_PAD_PSS);
	op.saltlen = CRYPTO_SALT_DIGEST;
	assert_int_equal(h->call(h->arg, fp, &op, out, &n, NULL), 0);
	assert_int_equal(n, 256);
	/* While a busy run is on, the caller sleeps for the reply at once. */
	agent_busy(1);
	n = sizeof(out);
	assert_int_equal(h->call(h->arg, fp, &op, out, &n, NULL), 0);
	assert_int_equal(n, 256);
	agent_busy(0);
	/* The same hook is given again; an unknown key is an error reply. */
	assert_int_equal(agent_hook(k, &h, NULL), 0);
	fp[0] ^= 1;
	n = sizeof(out);
	assert_int_equal(h->call(h->arg, fp, &op, out, &n, NULL),
	    SMERR_CRYPTO);
	assert_false(agent_lost());
	keys_close(k);
	store_close(db);
	unit_rmrf(dir);
}

/*
 * A token request: fp (or NULL for TOKEN_CERT), a stored PIN, module, uri
 * (NULL: pkcs11:object=k), PIN.
 */
static size_t
token_req(uint8_t *req, const uint8_t *fp, const char *module,
    const char *uri)
{
	const char	*f[] = { module, uri != NULL ? uri : "pkcs11:object=k",
	    "1234" };
	size_t		 len = 1, i, l;

	req[0] = fp != NULL ? AGENT_TOKEN_KEY : AGENT_TOKEN_CERT;
	if (fp != NULL) {
		memcpy(req + 1, fp, 32);
		len += 32;
	}
	req[len++] = 1;
	for (i = 0; i < 3; i++) {
		l = strlen(f[i]);
		req[len++] = (uint8_t)(l >> 8);
		req[len++] = (uint8_t)l;
		memcpy(req + len, f[i], l);
		len += l;
	}
	return len;
}

/*
 * The fixed bound: AGENT_MAX_IDS identities, all listed in one reply, and
 * not one more; token requests are refused when malformed, when the agent
 * is full and once the loading is over, before any module is loaded.
 */
static void
test_limits(void **st)
{
	struct agent_keys	 ak;
	uint8_t			 req[AGENT_MAX_REQ], rep[AGENT_MAX_REP];
	uint8_t			 fp[32];
	size_t			 n, len, i;

	(void)st;
	memset(&ak, 0, sizeof(ak));
	memset(fp, 0xee, sizeof(fp));
	len = token_req(req, fp, "relative/module.so", NULL);
	assert_int_equal(serve(&ak, req, len, rep, &n), AGENT_ERR);
	assert_memory_equal(rep + 3, "a malformed request", n - 3);
	len = token_req(req, fp, "/nonexistent/module.so", NULL);
	assert_int_equal(serve(&ak, req, len - 1, rep, &n), AGENT_ERR);
	assert_memory_equal(rep + 3, "a malformed request", n - 3);
	for (i = 0; i < AGENT_MAX_IDS; i++) {
		memset(ak.ids[i].fp, 0, 32);
		ak.ids[i].fp[0] = (uint8_t)(i >> 8);
		ak.ids[i].fp[1] = (uint8_t)i;
	}
	ak.n = AGENT_MAX_IDS;
	assert_int_equal(serve(&ak, req, len, rep, &n), AGENT_ERR);
	assert_memory_equal(rep + 3, "too many identities", n - 3);
	assert_int_equal(ak.n, AGENT_MAX_IDS);
	req[0] = AGENT_LIST;
	assert_int_equal(serve(&ak, req, 1, rep, &n), AGENT_OK);
	assert_int_equal(n, 3 + 32 * (size_t)AGENT_MAX_IDS);
	assert_memory_equal(rep + 3 + 32 * (AGENT_MAX_IDS - 1),
	    ak.ids[AGENT_MAX_IDS - 1].fp, 32);
	len = token_req(req, NULL, "/nonexistent/module.so", NULL);
	assert_int_equal(serve(&ak, req, len, rep, &n), AGENT_ERR);
	assert_memory_equal(rep + 3, "keys are loaded only at the start",
	    n - 3);
	agent_keys_clear(&ak);
}

/*
 * A token request that fails says why, and only a kept PIN held back from
 * a token is said to be not tried: a limit of another kind (here a URI
 * attribute longer than a token's field) is a plain error reply.
 */
static void
test_token_errors(void **st)
{
	struct agent_keys	 ak;
	uint8_t			 req[AGENT_MAX_REQ], rep[AGENT_MAX_REP];
	uint8_t			 fp[32];
	size_t			 n, len;
	static const char	 longer[] = "a PKCS#11 URI attribute too long "
	    "for its field: token";

	(void)st;
	memset(&ak, 0, sizeof(ak));
	memset(fp, 0xee, sizeof(fp));
	len = token_req(req, fp, "/nonexistent/module.so",
	    "pkcs11:token=123456789012345678901234567890123;object=k");
	assert_int_equal(serve(&ak, req, len, rep, &n), AGENT_ERR);
	assert_true(n - 3 >= sizeof(longer) - 1);
	assert_memory_equal(rep + 3, longer, sizeof(longer) - 1);
	len = token_req(req, NULL, "/nonexistent/module.so",
	    "pkcs11:serial=12345678901234567;object=k");
	assert_int_equal(serve(&ak, req, len, rep, &n), AGENT_ERR);
	/* A module that is not there: its own line, no word of a PIN. */
	len = token_req(req, fp, "/nonexistent/module.so", NULL);
	assert_int_equal(serve(&ak, req, len, rep, &n), AGENT_ERR);
	assert_memory_equal(rep + 3, "the PKCS#11 module cannot be loaded",
	    strlen("the PKCS#11 module cannot be loaded"));
	assert_int_equal(ak.n, 0);
	agent_keys_clear(&ak);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_token_errors),
		cmocka_unit_test(test_process),
	};

	/* This program is the agent too, as sealmail is. */
	if (argc >= 2 && strcmp(argv[1], AGENT_ARG) == 0)
		return agent_main(argc == 3 &&
		    strcmp(argv[2], AGENT_TOKENS_ARG) == 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
