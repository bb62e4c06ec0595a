/*
 * The HTTP client's response reader (net/http.h) over what servers send
 * and what they should not: Content-Length, chunked, a body to the close,
 * cut-short answers, other statuses, oversized heads and bodies; and URLs
 * from certificates that are not plain http:// (refused before any
 * connection).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "net/http.h"

/* Reads s (eof given) into a body of at most max bytes. */
static int
rd(const char *s, int eof, size_t max, struct buf **bp)
{
	struct smerr	e;

	smerr_clear(&e);
	*bp = buf_new(max);
	assert_non_null(*bp);
	return net_http_response((const uint8_t *)s, strlen(s), eof, *bp, &e);
}

static void
test_length(void **st)
{
	struct buf	*b;

	(void)st;
	assert_int_equal(rd("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
	    "helloEXTRA", 0, 100, &b), 0);
	assert_int_equal(buf_len(b), 5);
	assert_memory_equal(buf_data(b), "hello", 5);
	buf_free(b);
	/* Not all there yet: more is needed, or it was cut short. */
	assert_int_equal(rd("HTTP/1.0 200 OK\r\ncontent-length:  5\r\n\r\n"
	    "hel", 0, 100, &b), 1);
	buf_free(b);
	assert_int_equal(rd("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n"
	    "hel", 1, 100, &b), SMERR_PARSE);
	buf_free(b);
	assert_int_equal(rd("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n",
	    0, 100, &b), SMERR_LIMIT);
	buf_free(b);
	assert_int_equal(rd("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
	    0, 100, &b), SMERR_PROTO);
	buf_free(b);
	/* An empty value: the digits are read inside the line only. */
	assert_int_equal(rd("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"
	    "5\r\n", 0, 100, &b), SMERR_PROTO);
	buf_free(b);
	assert_int_equal(rd("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	    "Content-Length: 2\r\n\r\nab", 0, 100, &b), SMERR_PROTO);
	buf_free(b);
}

static void
test_chunked(void **st)
{
	struct buf	*b;

	(void)st;
	assert_int_equal(rd("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n3\r\nabc\r\nA;x=y\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n", 0,
	    100, &b), 0);
	assert_int_equal(buf_len(b), 13);
	assert_memory_equal(buf_data(b), "abc0123456789", 13);
	buf_free(b);
	assert_int_equal(rd("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n3\r\nab", 0, 100, &b), 1);
	buf_free(b);
	assert_int_equal(rd("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n3\r\nab", 1, 100, &b), SMERR_PARSE);
	buf_free(b);
	assert_int_equal(rd("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n3\r\nabcd\r\n0\r\n\r\n", 0, 100, &b), SMERR_PROTO);
	buf_free(b);
	assert_int_equal(rd("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "\r\nfffffffffffffffffff\r\n", 0, 100, &b), SMERR_LIMIT);
	buf_free(b);
	assert_int_equal(rd("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
	    "\r\n", 0, 100, &b), SMERR_PROTO);
	buf_free(b);
}

static void
test_close_and_errors(void **st)
{
	struct buf	*b;
	char		*big;

	(void)st;
	assert_int_equal(rd("HTTP/1.0 200 OK\r\n\r\nto the end", 0, 100, &b),
	    1);
	buf_free(b);
	assert_int_equal(rd("HTTP/1.0 200 OK\r\n\r\nto the end", 1, 100, &b),
	    0);
	assert_int_equal(buf_len(b), 10);
	buf_free(b);
	assert_int_equal(rd("HTTP/1.0 200 OK\r\n\r\nto the end", 1, 4, &b),
	    SMERR_LIMIT);
	buf_free(b);
	assert_int_equal(rd("HTTP/1.1 404 Not Found\r\n\r\n", 1, 100, &b),
	    SMERR_PROTO);
	buf_free(b);
	assert_int_equal(rd("SMTP/1.1 200 OK\r\n\r\n", 1, 100, &b),
	    SMERR_PROTO);
	buf_free(b);
	assert_int_equal(rd("HTTP/1.1 200 OK\r\n", 0, 100, &b), 1);
	buf_free(b);
	assert_int_equal(rd("HTTP/1.1 200 OK\r\n", 1, 100, &b), SMERR_PARSE);
	buf_free(b);
	assert_int_equal(rd("", 1, 100, &b), SMERR_PARSE);
	buf_free(b);
	/* A head that never ends is cut off at its limit. */
	big = malloc(NET_HTTP_MAX_HEAD + 64);
	assert_non_null(big);
	memset(big, 'a', NET_HTTP_MAX_HEAD + 63);
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	big[NET_HTTP_MAX_HEAD + 63] = '\0';
	assert_int_equal(rd(big, 0, 100, &b), SMERR_LIMIT);
	buf_free(b);
	free(big);
}

static void
test_urls(void **st)
{
	static const char *const bad[] = {
		"https://ocsp.example.test/", "ftp://x/", "http://",
		"http:///p",
		"http://u:p@host/", "http://host:0/", "http://host:70000/",
		"http://host/a b", "http://host/a\r\nX: y", "http://[::1/",
		"http://ho_st/", "ldap://dir.example.test/cn=CA",
	};
	struct buf	*b;
	struct smerr	 e;
	size_t		 i;

	(void)st;
	b = buf_new(100);
	assert_non_null(b);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		smerr_clear(&e);
		assert_int_equal(net_http_fetch(NULL, bad[i], NULL, NULL, 0,
		    1, b, &e), SMERR_INVAL);
	}
	buf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_close_and_errors),
		cmocka_unit_test(test_urls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
