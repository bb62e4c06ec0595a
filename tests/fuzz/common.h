/*
 * What the fuzz targets that judge messages share (tests/fuzz/common.c).
 */
#ifndef SEALMAIL_TESTS_FUZZ_COMMON_H
#define SEALMAIL_TESTS_FUZZ_COMMON_H

struct buf;
struct crypto_ctx;
struct crypto_verdict;

/* A file's bytes; aborts when it cannot be read. */
struct buf		*fuzz_slurp(const char *);
/*
 * A context that trusts the fixture CA and holds the identity of one
 * fixture person (tests/data/smime/<who>.pem and .key), at a fixed time
 * when the fixtures' certificates are valid; aborts on failure.
 */
struct crypto_ctx	*fuzz_ctx(const char *who);
void			 fuzz_verdict_check(const struct crypto_verdict *);

#endif
