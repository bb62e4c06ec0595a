/*
 * libFuzzer target: parse and judge one message, as inspect does, with
 * the fixture CA as anchor and bob's identity (tests/data/smime), so that
 * signatures are verified and envelopes opened. Invariants: the verdict's
 * values are the contract's; "valid" only with a counted signature and no
 * fact against it; "decrypted" only with a root envelope that opened; no
 * terminal control character reaches text, subject, the To and Cc
 * addresses or a finding.
 */
#include <assert.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "crypto/crypto.h"
#include "mime/mime.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct crypto_ctx *ctx;

static struct buf *
slurp(const char *path)
{
	struct buf	*b;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	b = buf_new(0);
	if (b != NULL && buf_read_fd(b, fd) != 0) {
		buf_free(b);
		b = NULL;
	}
	close(fd);
	return b;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct buf	*ca, *cert, *key;

	(void)argc;
	(void)argv;
	if (crypto_ctx_new(&ctx, NULL) != 0)
		abort();
	ca = slurp("tests/data/smime/ca.pem");
	cert = slurp("tests/data/smime/bob.pem");
	key = slurp("tests/data/smime/bob.key");
	if (ca != NULL)
		crypto_ctx_add_anchor(ctx, buf_data(ca), buf_len(ca), NULL);
	if (cert != NULL && key != NULL)
		crypto_ctx_add_identity(ctx, buf_data(cert), buf_len(cert),
		    buf_data(key), buf_len(key), NULL);
	/* A fixed time: the fixtures' certificates are valid then. */
	crypto_ctx_set_time(ctx, 1780000000);
	buf_free(ca);
	buf_free(cert);
	buf_free(key);
	return 0;
}

static void
no_controls(const char *s)
{
	for (; *s != '\0'; s++)
		assert(*s == '\n' || *s == '\t' ||
		    ((unsigned char)*s >= 0x20 && *s != 0x7f));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct crypto_verdict	*v;
	struct buf		*out;
	size_t			 i;

	if (crypto_judge(ctx, data, len, &v, NULL) != 0)
		return 0;
	assert(v->signature >= CRYPTO_SIG_NONE &&
	    v->signature <= CRYPTO_SIG_ERROR);
	assert(v->encryption >= CRYPTO_ENC_NONE &&
	    v->encryption <= CRYPTO_ENC_PARTIAL);
	if (v->signature == CRYPTO_SIG_VALID) {
		assert(v->facts & CRYPTO_S_SIGNED);
		assert((v->facts & (CRYPTO_S_INVALID | CRYPTO_S_ERROR |
		    CRYPTO_S_UNTRUSTED | CRYPTO_S_MISMATCH |
		    CRYPTO_S_PARTIAL)) == 0);
		assert(v->signer != NULL && v->from != NULL);
	}
	if (v->encryption == CRYPTO_ENC_DECRYPTED)
		assert(v->decrypted != NULL);
	if (v->encryption == CRYPTO_ENC_UNDECRYPTABLE)
		assert(v->text[0] == '\0' || (v->facts & CRYPTO_E_PARTIAL));
	no_controls(v->text);
	no_controls(v->subject);
	assert(v->nto <= MIME_MAX_ADDRS && v->ncc <= MIME_MAX_ADDRS);
	for (i = 0; i < v->nto; i++)
		no_controls(v->to[i]);
	for (i = 0; i < v->ncc; i++)
		no_controls(v->cc[i]);
	for (i = 0; i < v->nfindings; i++)
		no_controls(v->findings[i]);
	if ((out = buf_new(0)) != NULL) {
		assert(crypto_verdict_json(v, out) == 0);
		buf_free(out);
	}
	crypto_verdict_free(v);
	return 0;
}
