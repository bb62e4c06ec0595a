/*
 * The HTTP client's response reader (net/http.h) over what servers send
 * and what they should not: Content-Length, chunked, a body to the close,
 * cut-short answers, other statuses, oversized heads and bodies; URLs
 * from certificates that are not plain http:// (refused before any
 * connection); a head whose last field lines end where the bytes end,
 * read with nothing readable after them (the fuzz target's reproducer
 * among them); and a real exchange with a server on loopback that sends
 * its answer in pieces, or nothing at all.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "net/http.h"
#include "tests/unit/lib/unit.h"

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

/* What rd says of s, the body dropped. */
static int
rc(const char *s, int eof, size_t max)
{
	struct buf	*b;
	int		 r;

	r = rd(s, eof, max, &b);
	buf_free(b);
	return r;
}

/* A response and what rc says of it. */
struct rc_case {
	const char	*s;
	int		 eof;
	size_t		 max;
	int		 want;
};

/* Checks rc against each of the n cases, naming the one that differs. */
static void
rc_cases(const struct rc_case *c, size_t n)
{
	size_t	i;
	int	r;

	for (i = 0; i < n; i++) {
		r = rc(c[i].s, c[i].eof, c[i].max);
		if (r != c[i].want)
			print_error("case %zu: %s\n", i, c[i].s);
		assert_int_equal(r, c[i].want);
	}
}

#define RC_CASES(c)	rc_cases((c), sizeof(c) / sizeof((c)[0]))

static void
test_length(void **st)
{
	static const struct rc_case	cases[] = {
		/* Not all there yet: more is needed, or it was cut short. */
		{ "HTTP/1.0 200 OK\r\ncontent-length:  5\r\n\r\nhel", 0, 100,
		    1 },
		{ "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhel", 1, 100,
		    SMERR_PARSE },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", 0, 100,
		    SMERR_LIMIT },
		{ "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, 100,
		    SMERR_PROTO },
		/* An empty value: the digits are read inside the line only. */
		{ "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n5\r\n", 0, 100,
		    SMERR_PROTO },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
		    "Content-Length: 2\r\n\r\nab", 0, 100, SMERR_PROTO },
	};
	struct buf			*b;

	(void)st;
	assert_int_equal(rd("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
	    "helloEXTRA", 0, 100, &b), 0);
	assert_int_equal(buf_len(b), 5);
	assert_memory_equal(buf_data(b), "hello", 5);
	buf_free(b);
	RC_CASES(cases);
}

#define CHUNKED	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

static void
test_chunked(void **st)
{
	static const struct rc_case	cases[] = {
		{ CHUNKED "3\r\nab", 0, 100, 1 },
		{ CHUNKED "3\r\nab", 1, 100, SMERR_PARSE },
		{ CHUNKED "3\r\nabcd\r\n0\r\n\r\n", 0, 100, SMERR_PROTO },
		{ CHUNKED "fffffffffffffffffff\r\n", 0, 100, SMERR_LIMIT },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0, 100,
		    SMERR_PROTO },
	};
	struct buf			*b;

	(void)st;
	assert_int_equal(rd(CHUNKED "3\r\nabc\r\nA;x=y\r\n0123456789\r\n0\r\n"
	    "X-T: 1\r\n\r\n", 0, 100, &b), 0);
	assert_int_equal(buf_len(b), 13);
	assert_memory_equal(buf_data(b), "abc0123456789", 13);
	buf_free(b);
	RC_CASES(cases);
}

static void
test_close_and_errors(void **st)
{
	static const struct rc_case	cases[] = {
		{ "HTTP/1.0 200 OK\r\n\r\nto the end", 0, 100, 1 },
		{ "HTTP/1.0 200 OK\r\n\r\nto the end", 1, 4, SMERR_LIMIT },
		{ "HTTP/1.1 404 Not Found\r\n\r\n", 1, 100, SMERR_PROTO },
		{ "SMTP/1.1 200 OK\r\n\r\n", 1, 100, SMERR_PROTO },
		{ "HTTP/1.1 200 OK\r\n", 0, 100, 1 },
		{ "HTTP/1.1 200 OK\r\n", 1, 100, SMERR_PARSE },
		{ "", 1, 100, SMERR_PARSE },
	};
	struct buf			*b;
	char				*big;

	(void)st;
	assert_int_equal(rd("HTTP/1.0 200 OK\r\n\r\nto the end", 1, 100, &b),
	    0);
	assert_int_equal(buf_len(b), 10);
	buf_free(b);
	RC_CASES(cases);
	/* A head that never ends is cut off at its limit. */
	big = malloc(NET_HTTP_MAX_HEAD + 64);
	assert_non_null(big);
	memset(big, 'a', NET_HTTP_MAX_HEAD + 63);
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	big[NET_HTTP_MAX_HEAD + 63] = '\0';
	assert_int_equal(rc(big, 0, 100), SMERR_LIMIT);
	free(big);
}

/*
 * Reads the n bytes at p placed so that they end at a page that cannot be
 * read: a reader that looks past its input faults.
 */
static int
rd_fenced(const void *p, size_t n, int eof)
{
	struct buf	*b;
	struct smerr	 e;
	long		 pg = sysconf(_SC_PAGESIZE);
	size_t		 span;
	uint8_t		*m;
	int		 r;

	span = (n + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
	m = mmap(NULL, span + (size_t)pg, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m != MAP_FAILED);
	assert_int_equal(mprotect(m + span, (size_t)pg, PROT_NONE), 0);
	memcpy(m + span - n, p, n);
	smerr_clear(&e);
	b = buf_new(4096);
	assert_non_null(b);
	r = net_http_response(m + span - n, n, eof, b, &e);
	buf_free(b);
	munmap(m, span + (size_t)pg);
	return r;
}

static void
test_fenced_head(void **st)
{
	static const char *const heads[] = {
		"HTTP/1.1 200 OK\r\nX:\r\n\r\n",
		"HTTP/1.1 200 OK\r\ncontent-len:\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunk\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n",
	};
	static const char	 repro[] =
	    "tests/data/revoke/seeds/http-field-at-end";
	FILE			*f;
	uint8_t			 in[8192];
	size_t			 i, n;
	int			 r;

	(void)st;
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		r = rd_fenced(heads[i], strlen(heads[i]), 1);
		assert_true(r == 0 || r < 0);
	}
	assert_int_equal(rd_fenced(heads[3], strlen(heads[3]), 1),
	    SMERR_PROTO);
	/* The fuzz target's input: a mode byte, then what a server sent. */
	f = fopen(repro, "rb");
	assert_non_null(f);
	n = fread(in, 1, sizeof(in), f);
	fclose(f);
	assert_true(n > 1 && n < sizeof(in));
	for (i = 0; i < 2; i++) {
		r = rd_fenced(in + 1, n - 1, (int)i);
		assert_true(r == 0 || r == 1 || r < 0);
	}
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

/*
 * A server on 127.0.0.1 (its port in *portp) that reads one request and
 * writes the parts given, a tenth of a second apart, then holds the
 * connection open; no parts: it never answers. Its PID is returned.
 */
static pid_t
server(const char *const *parts, int *portp)
{
	char			 req[4096];
	pid_t			 pid;
	size_t			 got = 0;
	ssize_t			 n;
	int			 ls, fd;

	ls = unit_loopback(SOCK_STREAM, portp);
	if ((pid = fork()) != 0) {
		close(ls);
		return pid;
	}
	if ((fd = accept(ls, NULL, NULL)) < 0)
		_exit(1);
	while (got < sizeof(req) - 1 && (n = read(fd, req + got,
	    sizeof(req) - 1 - got)) > 0) {
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	for (; parts != NULL && *parts != NULL; parts++) {
		if (write(fd, *parts, strlen(*parts)) < 0)
			_exit(1);
		usleep(100000);
	}
	sleep(10);
	_exit(0);
}

static void
test_fetch_local(void **st)
{
	/* The first part ends as a whole answer would: it is not one. */
	static const char *const parts[] = {
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "6\r\nab\r\n\r\n",
		"\r\n0\r\n\r\n",
		NULL,
	};
	struct buf	*b;
	struct smerr	 e;
	struct timespec	 t0, t1;
	char		 url[64];
	pid_t		 pid;
	int		 port;

	(void)st;
	b = buf_new(100);
	assert_non_null(b);
	pid = server(parts, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ca.crl", port);
	smerr_clear(&e);
	assert_int_equal(net_http_fetch(NULL, url, NULL, NULL, 0, 5, b, &e),
	    0);
	assert_int_equal(buf_len(b), 6);
	assert_memory_equal(buf_data(b), "ab\r\n\r\n", 6);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	/* A server that never answers: the deadline ends the wait. */
	pid = server(NULL, &port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/ocsp", port);
	smerr_clear(&e);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(net_http_fetch(NULL, url, "application/ocsp-request",
	    (const uint8_t *)"x", 1, 1, b, &e), SMERR_TIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec <= 2);
	assert_non_null(strstr(smerr_msg(&e), "no answer within 1 s"));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	buf_free(b);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_length),
	    cmocka_unit_test(test_chunked),
	    cmocka_unit_test(test_close_and_errors),
	    cmocka_unit_test(test_fenced_head),
	    cmocka_unit_test(test_urls),
	    cmocka_unit_test(test_fetch_local));
}
