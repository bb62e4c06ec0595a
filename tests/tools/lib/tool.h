/*
 * tests/tools/lib/tool.h: what the test programs of tests/tools share:
 * files in and out, certificates as DER, the options that point at a
 * resolver, a clock and the spread of timed rounds. Linked into every
 * tool; it uses only base/ and headers.
 */
#ifndef SEALMAIL_TEST_TOOL_H
#define SEALMAIL_TEST_TOOL_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct dns_config;
struct smerr;

/* The whole of path ("-" is standard input), or NULL; secret: wiped. */
struct buf	*tool_read(const char *path, int secret);

/*
 * The whole of path in *bp, as tool_read gives it: 0, or SMERR_IO with
 * "cannot read PATH" in e.
 */
int		 tool_load(const char *path, int secret, struct buf **bp,
		    struct smerr *e);

/* Writes b to path; 0 or -1. */
int		 tool_write(const char *path, const struct buf *b);

/* The first PEM certificate of path as DER (caller frees), or NULL. */
uint8_t		*tool_cert_der(const char *path, size_t *lenp);

/* Prints the SMIMECapabilities bits (crypto/protect.h), one name a line. */
void		 tool_print_caps(unsigned caps);

/*
 * The resolver options -a TRUST_ANCHOR, -r RESOLVER and -t TIMEOUT into
 * cfg; 1 when ch was one of them.
 */
int		 tool_dns_opt(int ch, const char *arg, struct dns_config *cfg);

/* Milliseconds of CLOCK_MONOTONIC. */
double		 tool_now_ms(void);

/*
 * Sorts the n times ms (milliseconds, n > 0) and ends the line with
 * "ms min M median M max M".
 */
void		 tool_print_ms(double *ms, size_t n);

#endif
