/*
 * libFuzzer target: what an envelope holds once it is opened. A hostile
 * sender encrypts (and signs) whatever bytes it likes, so the parts of
 * the verdict that only run inside a real envelope or under a good
 * signature (RFC 9788 hp="cipher", its Legacy Display Element, the
 * comparison of the outer header with the protected one) are fuzzed by
 * sealing each input the way send does (crypto/protect.h) and judging
 * the result with the recipient's key.
 *
 * Input: a mode byte (bit 0: sign as carol; bit 1: encrypt to carol;
 * neither: encrypt), then the outer header fields, an empty line and
 * the inner entity. Line ends are made CRLF; an inner entity that is not
 * 7-bit canonical MIME is still encrypted, but only signed when it is.
 * Invariants: those of tests/fuzz/common.c.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "base/err.h"
#include "crypto/crypto.h"
#include "crypto/protect.h"
#include "mime/build.h"
#include "mime/mime.h"
#include "store/store.h"
#include "tests/fuzz/common.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MODE_SIGN	0x01
#define MODE_ENCRYPT	0x02

static struct crypto_ctx	*ctx;
static struct protect_signer	 signer;
static struct protect_rcpt	 rcpt;
static struct buf		*cert_der, *key_der;

/*
 * protect.c remembers what recipients read in the store; nothing here
 * asks it to, but the linker wants the two functions.
 */
int
store_meta_get(struct store *st, const char *name, char **valp,
    struct smerr *e)
{
	(void)st;
	(void)name;
	(void)e;
	*valp = NULL;
	return SMERR_NOTFOUND;
}

int
store_meta_set(struct store *st, const char *name, const char *val,
    struct smerr *e)
{
	(void)st;
	(void)name;
	(void)val;
	(void)e;
	return 0;
}

/* A PEM certificate or private key as DER (PKCS#8 for a key). */
static struct buf *
pem_to_der(const char *path, int key)
{
	FILE			*f;
	X509			*x = NULL;
	EVP_PKEY		*pk = NULL;
	PKCS8_PRIV_KEY_INFO	*p8 = NULL;
	struct buf		*b;
	uint8_t			*der = NULL;
	int			 n = -1;

	if ((f = fopen(path, "r")) == NULL)
		abort();
	if (key) {
		if ((pk = PEM_read_PrivateKey(f, NULL, NULL, NULL)) != NULL &&
		    (p8 = EVP_PKEY2PKCS8(pk)) != NULL)
			n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
	} else if ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
		n = i2d_X509(x, &der);
	fclose(f);
	b = key ? buf_new_secret(0) : buf_new(0);
	if (n <= 0 || b == NULL || buf_put(b, der, (size_t)n) != 0)
		abort();
	OPENSSL_clear_free(der, (size_t)n);
	PKCS8_PRIV_KEY_INFO_free(p8);
	EVP_PKEY_free(pk);
	X509_free(x);
	return b;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ctx = fuzz_ctx("carol");
	cert_der = pem_to_der("tests/data/smime/carol.pem", 0);
	key_der = pem_to_der("tests/data/smime/carol.key", 1);
	signer.cert = buf_data(cert_der);
	signer.cert_len = buf_len(cert_der);
	signer.key = key_der;
	rcpt.cert = signer.cert;
	rcpt.cert_len = signer.cert_len;
	rcpt.caps = PROTECT_CAP_KNOWN | PROTECT_CAP_AES256_GCM;
	return 0;
}

/* The sealed inner entity, or NULL when it cannot be sealed. */
static struct buf *
seal(int mode, const struct buf *inner)
{
	struct protect_opts	 o;
	struct buf		*out = NULL, *der = NULL;
	int			 aead;

	memset(&o, 0, sizeof(o));
	if ((mode & (MODE_SIGN | MODE_ENCRYPT)) == 0)
		mode = MODE_ENCRYPT;
	if (mime_is_canonical(buf_data(inner), buf_len(inner))) {
		o.signer = (mode & MODE_SIGN) ? &signer : NULL;
		o.rcpt = &rcpt;
		o.nrcpt = (mode & MODE_ENCRYPT) ? 1 : 0;
		o.self = rcpt.cert;
		o.self_len = rcpt.cert_len;
		if (protect_entity(&o, inner, &out, NULL, NULL) != 0)
			out = NULL;
	} else if ((mode & MODE_ENCRYPT) &&
	    protect_encrypt(&rcpt, 1, inner, 0, &der, &aead, NULL) == 0) {
		if (mime_smime_entity(buf_data(der), buf_len(der),
		    aead ? "authEnveloped-data" : "enveloped-data", &out,
		    NULL) != 0)
			out = NULL;
		buf_free(der);
	}
	ERR_clear_error();
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct crypto_verdict	*v = NULL;
	struct buf		*all = NULL, *inner = NULL, *sealed = NULL;
	struct buf		*msg = NULL;
	const uint8_t		*s, *eoh;
	size_t			 n;
	int			 mode;

	if (len < 1)
		return 0;
	mode = data[0];
	if ((all = buf_new(0)) == NULL || (inner = buf_new(0)) == NULL ||
	    (msg = buf_new(0)) == NULL ||
	    mime_canon_crlf(data + 1, len - 1, all) != 0)
		goto out;
	s = buf_data(all);
	n = buf_len(all);
	/* The outer header: up to an empty line (none: all of it). */
	if (n >= 2 && memcmp(s, "\r\n", 2) == 0)
		eoh = s;
	else if ((eoh = memmem(s, n, "\r\n\r\n", 4)) != NULL)
		eoh += 2;
	else
		eoh = s + n;
	if (buf_put(msg, s, (size_t)(eoh - s)) != 0 ||
	    (eoh < s + n && buf_put(inner, eoh + 2,
	    (size_t)(s + n - eoh - 2)) != 0) ||
	    (sealed = seal(mode, inner)) == NULL ||
	    buf_put(msg, buf_data(sealed), buf_len(sealed)) != 0)
		goto out;
	if (crypto_judge(ctx, buf_data(msg), buf_len(msg), &v, NULL) != 0)
		goto out;
	fuzz_verdict_check(v);
	crypto_verdict_free(v);
out:
	buf_free(all);
	buf_free(inner);
	buf_free(sealed);
	buf_free(msg);
	return 0;
}
