/*
 * app_keyrate HOME PASSFILE COUNT [MODULE PINFILE] (PASSFILE "" for the
 * Secret Service): private-key operations per second, for make bench. For
 * each identity of the store: COUNT signatures of a SHA-256 digest (RSA
 * PKCS#1 v1.5, or ECDSA) and COUNT key decryptions (RSA PKCS#1 v1.5, or
 * ECDH), through the key agent as sealmail does them; for a key kept in
 * the store, the same again in this process with the key itself, as
 * sealmail did before the agent. Keys on a token need MODULE and PINFILE.
 * One line per identity:
 *
 *	FINGERPRINT KIND WHERE sign/s SIGN decrypt/s DECRYPT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "base/err.h"
#include "crypto/crypto.h"
#include "keys/keys.h"
#include "app/agent.h"
#include "app/app.h"
#include "app/app_int.h"
#include "tests/tools/lib/app_tool.h"
#include "tests/tools/lib/tool.h"

static long		 count;
static const char	*module, *pinfile;

/*
 * The tokens' module and PIN, as the command front end gives them: the
 * PIN file read by the same function as --pin-file.
 */
static int
tokens_get(void *arg, const char *uri, char **modulep, struct buf **pinp,
    int *storedp, struct smerr *e)
{
	int	r;

	(void)arg;
	(void)uri;
	*modulep = NULL;
	*pinp = NULL;
	*storedp = 1;
	if (module == NULL)
		return smerr_set(e, SMERR_SECRET, "no module or PIN file");
	if ((r = cli_read_secret_file(pinfile, "PIN", pinp, e)) != 0)
		return r;
	if ((*modulep = strdup(module)) == NULL) {
		buf_free(*pinp);
		*pinp = NULL;
		return smerr_set(e, SMERR_NOMEM, "out of memory");
	}
	return 0;
}

/*
 * The inputs of the two operations for the certificate's key: a digest,
 * and a block encrypted to it (RSA) or a peer's point (EC).
 */
static int
inputs(const struct keys_cert *kc, struct crypto_keyop *sign,
    struct crypto_keyop *dec, uint8_t *dg, uint8_t *blk, size_t *blklen)
{
	const unsigned char	*p = kc->der;
	X509			*x;
	EVP_PKEY		*pub, *eph = NULL;
	EVP_PKEY_CTX		*c = NULL;
	uint8_t			 cek[32];
	int			 rsa, ok = 0;

	if ((x = d2i_X509(NULL, &p, (long)kc->der_len)) == NULL)
		return -1;
	pub = X509_get0_pubkey(x);
	rsa = EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA;
	memset(sign, 0, sizeof(*sign));
	memset(dec, 0, sizeof(*dec));
	RAND_bytes(dg, 32);
	RAND_bytes(cek, sizeof(cek));
	sign->op = CRYPTO_KEYOP_SIGN;
	sign->pad = rsa ? CRYPTO_PAD_PKCS1 : CRYPTO_PAD_NONE;
	sign->md = rsa ? CRYPTO_MD_SHA256 : CRYPTO_MD_NONE;
	sign->in = dg;
	sign->inlen = 32;
	if (rsa) {
		dec->op = CRYPTO_KEYOP_DECRYPT;
		dec->pad = CRYPTO_PAD_PKCS1;
		ok = (c = EVP_PKEY_CTX_new(pub, NULL)) != NULL &&
		    EVP_PKEY_encrypt_init(c) > 0 &&
		    EVP_PKEY_encrypt(c, blk, blklen, cek, sizeof(cek)) > 0;
	} else {
		unsigned char	*pt = NULL;

		dec->op = CRYPTO_KEYOP_DERIVE;
		if ((eph = EVP_EC_gen("P-256")) != NULL &&
		    (*blklen = EVP_PKEY_get1_encoded_public_key(eph,
		    &pt)) > 0 && *blklen <= 1024) {
			memcpy(blk, pt, *blklen);
			ok = 1;
		}
		OPENSSL_free(pt);
		EVP_PKEY_free(eph);
	}
	dec->in = blk;
	dec->inlen = *blklen;
	EVP_PKEY_CTX_free(c);
	X509_free(x);
	return ok ? 0 : -1;
}

/* Operations per second of op, through hook or with k here. */
static double
rate(const struct crypto_keyhook *hook, struct crypto_privkey *k,
    const uint8_t *fp, const struct crypto_keyop *op)
{
	uint8_t	out[CRYPTO_KEYOP_MAXOUT];
	size_t	n;
	double	t0 = tool_now_ms();
	long	i;
	int	r;

	for (i = 0; i < count; i++) {
		n = sizeof(out);
		r = hook != NULL ? hook->call(hook->arg, fp, op, out, &n, NULL) :
		    crypto_privkey_run(k, op, out, &n, NULL);
		if (r != 0)
			return 0;
	}
	return (double)count * 1e3 / (tool_now_ms() - t0);
}

struct run {
	struct keys	*k;
	int		 bad;
};

static int
each(const struct keys_cert *kc, void *arg)
{
	struct run			*rn = arg;
	const struct crypto_keyhook	*h;
	struct crypto_keyop		 sop, dop;
	struct crypto_privkey		*pk = NULL;
	struct buf			*key = NULL;
	uint8_t				 fp[32], dg[32], blk[1024];
	size_t				 blklen = sizeof(blk);
	char				*uri = NULL;
	struct smerr			 e;

	smerr_clear(&e);
	if (keys_fingerprint_raw(kc->fingerprint, fp) != 0 ||
	    inputs(kc, &sop, &dop, dg, blk, &blklen) != 0 ||
	    agent_hook(rn->k, &h, &e) != 0 ||
	    keys_identity_token(rn->k, kc->id, &uri, &e) != 0) {
		fprintf(stderr, "app_keyrate: %s: %s\n", kc->fingerprint,
		    smerr_msg(&e));
		rn->bad = 1;
		return 1;
	}
	printf("%.16s %s %-6s sign/s %.0f decrypt/s %.0f\n", kc->fingerprint,
	    sop.pad == CRYPTO_PAD_NONE ? "ec " : "rsa", uri != NULL ?
	    "token" : "agent", rate(h, NULL, fp, &sop), rate(h, NULL, fp,
	    &dop));
	if (uri == NULL && keys_identity_key(rn->k, kc->id, &key,
	    NULL) == 0 && crypto_privkey_new(buf_data(key), buf_len(key),
	    &pk, NULL) == 0)
		printf("%.16s %s %-6s sign/s %.0f decrypt/s %.0f\n",
		    kc->fingerprint, sop.pad == CRYPTO_PAD_NONE ? "ec " :
		    "rsa", "here", rate(NULL, pk, fp, &sop), rate(NULL, pk,
		    fp, &dop));
	crypto_privkey_free(pk);
	buf_free(key);
	free(uri);
	return 0;
}

int
main(int argc, char **argv)
{
	struct app_session	*s = NULL;
	struct agent_tokens	 t = { tokens_get, NULL, NULL };
	struct run		 rn;
	struct smerr		 e;

	if (argc >= 2 && strcmp(argv[1], AGENT_ARG) == 0)
		return agent_main(argc == 3 &&
		    strcmp(argv[2], AGENT_TOKENS_ARG) == 0);
	if ((argc != 4 && argc != 6) ||
	    (count = strtol(argv[3], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: app_keyrate HOME PASSFILE COUNT "
		    "[MODULE PINFILE]\n");
		return 2;
	}
	if (argc == 6) {
		module = argv[4];
		pinfile = argv[5];
	}
	memset(&rn, 0, sizeof(rn));
	if (tool_session(argv[1], argv[2], pinfile, &s, &e) != 0)
		return tool_session_end("app_keyrate", s, 1, &e);
	/*
	 * After the session is open: opening it with a key on a token sets
	 * the front end's hooks to try the PIN and clears them after.
	 */
	agent_set_tokens(&t);
	rn.k = app_session_keys(s);
	if (keys_foreach(rn.k, KEYS_IDENTITY, each, &rn, &e) != 0 || rn.bad) {
		fprintf(stderr, "app_keyrate: %s\n", rn.bad ? "an identity "
		    "could not be measured" : smerr_msg(&e));
		app_session_close(s);
		return 1;
	}
	app_session_close(s);
	return 0;
}
