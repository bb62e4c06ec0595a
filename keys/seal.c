/*
 * Identity keys sealed inside the store. The store is encrypted as a whole,
 * but every process that opens it reads the certificate table, and with it
 * the pages that hold the private keys: so each key is sealed once more,
 * with AES-256-GCM under a random key kept in the store's settings, bound
 * to its certificate's fingerprint. Only the key agent unseals them
 * (app/agent.c); the other processes handle sealed bytes only.
 *
 * A sealed key is "SMK1", a 12-byte nonce, the ciphertext and a 16-byte
 * tag. A key stored before sealing existed (plain PKCS#8 DER) is sealed in
 * place the first time it is asked for. An identity whose key stays on a
 * PKCS#11 token has the token's RFC 7512 URI there instead ("pkcs11:...",
 * no secret: the token keeps the key, and the PIN is never stored).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "base/text.h"
#include "store/store.h"
#include "keys/keys.h"
#include "keys/keys_int.h"

#define SEAL_MAGIC	"SMK1"
#define SEAL_MAGICLEN	4
#define SEAL_NONCE	12
#define SEAL_TAG	16
#define SEAL_MAXKEY	(64 * 1024)
#define SEAL_SETTING	"identity-seal"

int
keys_fingerprint_raw(const char *hex, uint8_t fp[32])
{
	return text_hex_decode(hex, fp, 32);
}

/* The sealing key from the store's settings, made on first use. */
static int
seal_key(struct keys *k, uint8_t key[KEYS_SEAL_KEYLEN], struct smerr *e)
{
	char	*hex = NULL, out[2 * KEYS_SEAL_KEYLEN + 1];
	int	 r;

	r = store_meta_get(k->st, SEAL_SETTING, &hex, NULL);
	if (r == SMERR_NOTFOUND) {
		if (RAND_priv_bytes(key, KEYS_SEAL_KEYLEN) != 1)
			return smerr_set(e, SMERR_CRYPTO, "no random bytes");
		text_hex_encode(key, KEYS_SEAL_KEYLEN, out);
		r = store_meta_set(k->st, SEAL_SETTING, out, e);
		secmem_wipe(out, sizeof(out));
		return r;
	}
	if (r != 0)
		return smerr_set(e, r, "reading the key store's seal: %s",
		    smerr_str(r));
	/* 64 hex digits, as a fingerprint is written. */
	r = keys_fingerprint_raw(hex, key) == 0 ? 0 : smerr_set(e,
	    SMERR_STORE, "the key store's seal is damaged");
	secmem_strfree(hex);
	return r;
}

/* AES-256-GCM one way or the other; 0 or -1. */
static int
seal_cipher(int enc, const uint8_t key[KEYS_SEAL_KEYLEN],
    const uint8_t nonce[SEAL_NONCE], const uint8_t fp[32], const uint8_t *in,
    size_t len, uint8_t *out, uint8_t tag[SEAL_TAG])
{
	EVP_CIPHER_CTX	*c;
	int		 n, ok;

	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	ok = EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce, enc) &&
	    EVP_CipherUpdate(c, NULL, &n, fp, 32) &&
	    EVP_CipherUpdate(c, out, &n, in, (int)len) && (size_t)n == len &&
	    (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SEAL_TAG,
	    tag)) && EVP_CipherFinal_ex(c, out + n, &n) && n == 0 &&
	    (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SEAL_TAG,
	    tag));
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static int
seal(const uint8_t key[KEYS_SEAL_KEYLEN], const uint8_t fp[32],
    const struct buf *plain, struct buf **outp, struct smerr *e)
{
	struct buf	*b = NULL;
	uint8_t		*p = NULL;
	size_t		 len = buf_len(plain), total;
	int		 r = 0;

	*outp = NULL;
	if (len == 0 || len > SEAL_MAXKEY)
		return smerr_set(e, SMERR_LIMIT, "a private key of %zu bytes",
		    len);
	total = SEAL_MAGICLEN + SEAL_NONCE + len + SEAL_TAG;
	if ((p = malloc(total)) == NULL || (b = buf_new(0)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	memcpy(p, SEAL_MAGIC, SEAL_MAGICLEN);
	if (RAND_bytes(p + SEAL_MAGICLEN, SEAL_NONCE) != 1 ||
	    seal_cipher(1, key, p + SEAL_MAGICLEN, fp, buf_data(plain), len,
	    p + SEAL_MAGICLEN + SEAL_NONCE, p + total - SEAL_TAG) != 0) {
		r = smerr_set(e, SMERR_CRYPTO, "sealing a private key failed");
		goto out;
	}
	if (buf_put(b, p, total) != 0) {
		r = smerr_nomem(e);
		goto out;
	}
	*outp = b;
	b = NULL;
out:
	free(p);
	buf_free(b);
	return r;
}

static int
is_token(const struct buf *b)
{
	return buf_len(b) > KEYS_TOKEN_PREFIXLEN &&
	    memcmp(buf_data(b), KEYS_TOKEN_PREFIX, KEYS_TOKEN_PREFIXLEN) == 0;
}

int
keys_identity_token(struct keys *k, int64_t id, char **urip,
    struct smerr *e)
{
	struct buf	*b = NULL;
	int		 r;

	*urip = NULL;
	if ((r = store_cert_key(k->st, id, &b, e)) != 0)
		return r;
	if (is_token(b) && (*urip = buf_strdup(b)) == NULL)
		r = smerr_set(e, SMERR_NOMEM, "out of memory");
	buf_free(b);
	return r;
}

static int
is_sealed(const struct buf *b)
{
	return buf_len(b) > SEAL_MAGICLEN + SEAL_NONCE + SEAL_TAG &&
	    memcmp(buf_data(b), SEAL_MAGIC, SEAL_MAGICLEN) == 0;
}

int
keys_seal(struct keys *k, const char *fingerprint, const struct buf *plain,
    struct buf **outp, struct smerr *e)
{
	uint8_t	key[KEYS_SEAL_KEYLEN], fp[32];
	int	r;

	*outp = NULL;
	if (keys_fingerprint_raw(fingerprint, fp) != 0)
		return smerr_set(e, SMERR_INVAL, "keys_seal: fingerprint");
	if ((r = seal_key(k, key, e)) == 0)
		r = seal(key, fp, plain, outp, e);
	secmem_wipe(key, sizeof(key));
	return r;
}

int
keys_unseal(const uint8_t key[KEYS_SEAL_KEYLEN], const uint8_t fp[32],
    const uint8_t *blob, size_t len, struct buf **keyp, struct smerr *e)
{
	struct buf	*b = NULL;
	uint8_t		*p = NULL, tag[SEAL_TAG];
	size_t		 n;
	int		 r = 0;

	*keyp = NULL;
	if (len <= SEAL_MAGICLEN + SEAL_NONCE + SEAL_TAG ||
	    len > SEAL_MAXKEY + SEAL_MAGICLEN + SEAL_NONCE + SEAL_TAG ||
	    memcmp(blob, SEAL_MAGIC, SEAL_MAGICLEN) != 0)
		return smerr_set(e, SMERR_PARSE, "not a sealed private key");
	n = len - SEAL_MAGICLEN - SEAL_NONCE - SEAL_TAG;
	memcpy(tag, blob + len - SEAL_TAG, SEAL_TAG);
	if ((p = malloc(n)) == NULL || (b = buf_new_secret(0)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	if (seal_cipher(0, key, blob + SEAL_MAGICLEN, fp, blob +
	    SEAL_MAGICLEN + SEAL_NONCE, n, p, tag) != 0) {
		r = smerr_set(e, SMERR_CRYPTO, "a sealed private key does not "
		    "open");
		goto out;
	}
	if (buf_put(b, p, n) != 0) {
		r = smerr_nomem(e);
		goto out;
	}
	*keyp = b;
	b = NULL;
out:
	if (p != NULL)
		secmem_free(p, n);
	buf_free(b);
	return r;
}

int
keys_identity_sealed(struct keys *k, int64_t id, const char *fingerprint,
    uint8_t key[KEYS_SEAL_KEYLEN], struct buf **blobp, struct smerr *e)
{
	struct buf	*b = NULL, *s = NULL;
	uint8_t		 fp[32];
	int		 r;

	*blobp = NULL;
	if (keys_fingerprint_raw(fingerprint, fp) != 0)
		return smerr_set(e, SMERR_INVAL, "keys_identity_sealed: "
		    "fingerprint");
	if ((r = seal_key(k, key, e)) != 0 ||
	    (r = store_cert_key(k->st, id, &b, e)) != 0)
		goto out;
	if (is_token(b)) {
		r = smerr_set(e, SMERR_INVAL, "the key of %s is on a token",
		    fingerprint);
		goto out;
	}
	if (!is_sealed(b)) {
		/* Kept before keys were sealed: sealed now, once. */
		if ((r = seal(key, fp, b, &s, e)) != 0 ||
		    (r = store_cert_set_key(k->st, id, s, e)) != 0)
			goto out;
		buf_free(b);
		b = s;
		s = NULL;
	}
	*blobp = b;
	b = NULL;
out:
	if (r != 0)
		secmem_wipe(key, KEYS_SEAL_KEYLEN);
	buf_free(b);
	buf_free(s);
	return r;
}

int
keys_seal_open(struct keys *k, const char *fingerprint, struct buf *b,
    struct buf **keyp, struct smerr *e)
{
	uint8_t		 key[KEYS_SEAL_KEYLEN], fp[32];
	int		 r;

	*keyp = NULL;
	if (is_token(b)) {
		buf_free(b);
		return smerr_set(e, SMERR_INVAL, "the key of %s is on a token",
		    fingerprint);
	}
	if (!is_sealed(b)) {
		*keyp = b;
		return 0;
	}
	if ((r = keys_fingerprint_raw(fingerprint, fp) == 0 ? 0 :
	    smerr_set(e, SMERR_INVAL, "keys_seal_open: fingerprint")) == 0 &&
	    (r = seal_key(k, key, e)) == 0)
		r = keys_unseal(key, fp, buf_data(b), buf_len(b), keyp, e);
	secmem_wipe(key, sizeof(key));
	buf_free(b);
	return r;
}
