/*
 * libFuzzer target: parse and judge one message, as inspect does, with
 * the fixture CA as anchor and bob's identity (tests/data/smime), so that
 * signatures are verified and envelopes opened. Invariants: those of
 * tests/fuzz/common.c.
 */
#include <stdint.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/err.h"
#include "crypto/crypto.h"
#include "mime/mime.h"
#include "tests/fuzz/common.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct crypto_ctx *ctx;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ctx = fuzz_ctx("bob");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct crypto_verdict	*v;

	if (crypto_judge(ctx, data, len, &v, NULL) != 0)
		return 0;
	fuzz_verdict_check(v);
	crypto_verdict_free(v);
	return 0;
}
