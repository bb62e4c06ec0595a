/*
 * What the fuzz targets that judge messages share: the fixtures they
 * judge with, and the invariants of a verdict:
 * the verdict's values are the contract's; "valid" only with a counted
 * signature and no fact against it; "decrypted" only with a root envelope
 * that opened; protected header fields only from a layer that was
 * signed or opened; no terminal control character reaches text, subject,
 * the To and Cc addresses or a finding; the JSON of it can be written.
 */
#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/err.h"
#include "crypto/crypto.h"
#include "app/app.h"
#include "mime/mime.h"
#include "tests/fuzz/common.h"

struct buf *
fuzz_slurp(const char *path)
{
	FILE		*f;
	struct buf	*b;
	char		 chunk[4096];
	size_t		 n;

	if ((f = fopen(path, "r")) == NULL || (b = buf_new(0)) == NULL)
		abort();
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_put(b, chunk, n) != 0)
			abort();
	fclose(f);
	return b;
}

struct crypto_ctx *
fuzz_ctx(const char *who)
{
	struct crypto_ctx	*ctx;
	struct buf		*ca, *cert, *key;
	char			 path[128];

	if (crypto_ctx_new(&ctx, NULL) != 0)
		abort();
	ca = fuzz_slurp("tests/data/smime/ca.pem");
	snprintf(path, sizeof(path), "tests/data/smime/%s.pem", who);
	cert = fuzz_slurp(path);
	snprintf(path, sizeof(path), "tests/data/smime/%s.key", who);
	key = fuzz_slurp(path);
	if (crypto_ctx_add_anchor(ctx, buf_data(ca), buf_len(ca),
	    NULL) != 0 ||
	    crypto_ctx_add_identity(ctx, buf_data(cert), buf_len(cert),
	    buf_data(key), buf_len(key), NULL) != 0)
		abort();
	/* A fixed time: the fixtures' certificates are valid then. */
	crypto_ctx_set_time(ctx, 1780000000);
	buf_free(ca);
	buf_free(cert);
	buf_free(key);
	return ctx;
}

static void
no_controls(const char *s)
{
	for (; *s != '\0'; s++)
		assert(*s == '\n' || *s == '\t' ||
		    ((unsigned char)*s >= 0x20 && *s != 0x7f));
}

void
fuzz_verdict_check(const struct crypto_verdict *v)
{
	struct buf	*out;
	size_t		 i;

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
	if (v->header_protection == CRYPTO_HP_ENCRYPTED)
		assert(v->facts & CRYPTO_E_DECRYPTED);
	if (v->header_protection == CRYPTO_HP_SIGNED)
		assert(v->facts & CRYPTO_S_SIGNED);
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
		assert(app_verdict_json(v, out) == 0);
		buf_free(out);
	}
}
