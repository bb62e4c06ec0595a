/* mime/: the bounded parser, header decoding, From, transfer decoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/vec.h"
#include "mime/mime.h"
#include "tests/unit/lib/unit.h"

static struct mime_msg *
parse_ok(const char *s)
{
	struct mime_msg	*m = NULL;
	struct smerr	 e;

	smerr_clear(&e);
	assert_int_equal(mime_parse(s, strlen(s), &m, &e), 0);
	assert_non_null(m);
	return m;
}

/*
 * The body of the one-part message s, decoded into b (emptied first):
 * what mime_part_decode returns.
 */
static int
decode(const char *s, struct buf *b, struct smerr *e)
{
	struct mime_msg	*m = parse_ok(s);
	int		 rc;

	buf_reset(b);
	rc = mime_part_decode(mime_msg_root(m), b, e);
	mime_msg_free(m);
	return rc;
}

static void
test_null_empty(void **st)
{
	struct mime_msg	*m = NULL;
	struct smerr	 e;

	(void)st;
	mime_msg_free(NULL);
	smerr_clear(&e);
	assert_int_equal(mime_parse(NULL, 0, &m, &e), SMERR_PARSE);
	assert_null(m);
	assert_string_equal(smerr_msg(&e), "empty message");
	assert_int_equal(mime_parse("", 0, &m, NULL), SMERR_PARSE);
}

static void
test_single_part(void **st)
{
	struct mime_msg		*m;
	const struct mime_part	*p;
	struct buf		*b = buf_new(0);
	const char		*v;
	size_t			 len;

	(void)st;
	m = parse_ok("From: Alice <alice@example.test>\r\n"
	    "Subject: =?utf-8?q?caf=C3=A9?= ok\r\n"
	    "X-Long: one\r\n two\r\n\r\nbody\r\n");
	p = mime_msg_root(m);
	assert_string_equal(mime_part_type(p), "text/plain");
	assert_int_equal(mime_part_nfields(p), 3);
	assert_string_equal(mime_part_header(p, "x-long"), "one two");
	assert_string_equal(mime_part_field(p, 0, &v), "From");
	assert_string_equal(v, "Alice <alice@example.test>");
	assert_null(mime_part_field(p, 3, &v));
	assert_int_equal(mime_subject(p, b, NULL), 0);
	assert_string_equal(buf_str(b), "caf\xc3\xa9 ok");
	assert_memory_equal(mime_part_body(p, &len), "body\r\n", 6);
	assert_int_equal(len, 6);
	assert_int_equal(mime_msg_depth(m), 0);
	assert_int_equal(mime_msg_nparts(m), 1);
	buf_free(b);
	mime_msg_free(m);
}

/*
 * Header text outside encoded words: UTF-8 when it is well-formed UTF-8
 * (RFC 6532), beside an encoded word too; else Latin-1, as windows-1252.
 */
static void
test_header_8bit(void **st)
{
	static const struct {
		const char	*in, *want;
	} cases[] = {
		{ "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln",
		  "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln" },
		{ "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d =?utf-8?q?caf=C3=A9?=",
		  "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d caf\xc3\xa9" },
		{ "Gr\xfc\xdf" "e", "Gr\xc3\xbc\xc3\x9f" "e" },
		{ "plain ascii", "plain ascii" },
		/* Not C1 controls: nothing after them is lost. */
		{ "bad \xc3\x28 and \xf0\x9f \x80 bytes",
		  "bad \xc3\x83( and \xc3\xb0\xc5\xb8 \xe2\x82\xac bytes" },
	};
	struct buf	*b;
	size_t		 i;

	(void)st;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_non_null(b = buf_new(0));
		assert_int_equal(mime_header_decode(cases[i].in, b, NULL), 0);
		assert_string_equal(buf_str(b), cases[i].want);
		buf_free(b);
	}
}

/*
 * The sender's address of the message s is want (NULL: there is none);
 * when why is given, it is the reason mime_from_addr gives.
 */
static void
from_is(const char *s, const char *want, const char *why)
{
	struct mime_msg	*m = parse_ok(s);
	const char	*w = NULL;
	char		*a;

	assert_int_equal(mime_from_addr(mime_msg_root(m), &a, &w), 0);
	unit_str_is(a, want);
	if (why != NULL)
		assert_string_equal(w, why);
	mime_msg_free(m);
}

static void
test_from(void **st)
{
	(void)st;
	from_is("From: \"Al\" <Alice@Example.test>\r\n\r\nx",
	    "Alice@Example.test", NULL);
	from_is("From: a@example.test\r\nFrom: b@example.test\r\n\r\nx", NULL,
	    "more than one From header field");
	from_is("From: a@example.test, b@example.test\r\n\r\nx", NULL, NULL);
	from_is("From: Just A Name\r\n\r\nx", NULL, NULL);
	from_is("Subject: none\r\n\r\nx", NULL, "no From header field");

	assert_int_equal(mime_addr_names_other("\"x@evil.test\" <a@b.test>",
	    "a@b.test"), 1);
	assert_int_equal(mime_addr_names_other("The Boss <a@b.test>",
	    "A@B.test"), 0);
	assert_int_equal(mime_addr_names_other("c@d.test", "a@b.test"), 1);
	/* An at sign drawn wide or small shows an address all the same. */
	assert_int_equal(mime_addr_names_other(
	    "\"bob\xef\xbc\xa0" "example.test\" <m@evil.test>",
	    "m@evil.test"), 1);
	assert_int_equal(mime_addr_names_other(
	    "\"bob\xef\xb9\xab" "example.test\" <m@evil.test>",
	    "m@evil.test"), 1);
	assert_int_equal(mime_addr_names_other(
	    "=?utf-8?b?Ym9i77ygZXhhbXBsZS50ZXN0?= <m@evil.test>",
	    "m@evil.test"), 1);
	/* The signer's own address beside another one is not enough. */
	assert_int_equal(mime_addr_names_other(
	    "\"bob@example.test, m@evil.test\" <m@evil.test>", "m@evil.test"),
	    1);
	assert_int_equal(mime_addr_names_other(
	    "\"M (m@evil.test)\" <m@evil.test>", "M@Evil.test"), 0);
	assert_int_equal(mime_addr_names_other(
	    "\"write to m@evil.test.\" <m@evil.test>", "m@evil.test"), 0);
}

/*
 * The addresses of the root's fields named field (mime_part_addrs), joined
 * by spaces, are want.
 */
static void
addrs_are(const struct mime_msg *m, const char *field, const char *want)
{
	char	**v;
	size_t	  n;

	assert_int_equal(mime_part_addrs(mime_msg_root(m), field, &v, &n), 0);
	assert_true(n > 0 || v == NULL);
	unit_strv_is(v, n, want);
}

/* Comments (RFC 5322 3.2.2) around addresses, and To/Cc lists. */
static void
test_addr_comments(void **st)
{
	struct mime_msg	*m;
	const char	*why;
	char		*a;

	(void)st;
	m = parse_ok("From: mallory@evil.test (alice@example.test)\r\n"
	    "To: a@x.test (A (nested)), \"Q (not a comment)\" <q@x.test>\r\n"
	    "Cc: team: b@x.test, c@x.test;\r\nTo: (x) d@x.test\r\n\r\nx");
	assert_int_equal(mime_from_addr(mime_msg_root(m), &a, &why), 0);
	assert_non_null(a);
	assert_string_equal(a, "mallory@evil.test");
	free(a);
	addrs_are(m, "to", "a@x.test q@x.test d@x.test");
	addrs_are(m, "cc", "b@x.test c@x.test");
	addrs_are(m, "bcc", "");
	mime_msg_free(m);

	/* An unclosed comment is no address at all. */
	from_is("From: a@x.test (open\r\n\r\nx", NULL, NULL);

	assert_int_equal(mime_addr_names_other(
	    "mallory@evil.test (alice@example.test)", "mallory@evil.test"), 1);
	assert_int_equal(mime_addr_names_other("a@b.test (Alice at work)",
	    "a@b.test"), 0);
	assert_int_equal(mime_addr_names_other("a@b.test (\\(a@b.test\\))",
	    "a@b.test"), 0);
}

/* Groups give their members; an empty group gives nothing. */
static void
test_addr_list(void **st)
{
	struct mime_msg	*m;

	(void)st;
	m = parse_ok("To: Bob <bob@example.test>, list: carol@example.test,"
	    " dave@example.test;\r\nTo: eve@example.test\r\n"
	    "Cc: undisclosed-recipients:;\r\n\r\nx\r\n");
	addrs_are(m, "to", "bob@example.test carol@example.test "
	    "dave@example.test eve@example.test");
	addrs_are(m, "cc", "");
	mime_msg_free(m);
}

/* Past MIME_MAX_ADDRS, the fields' addresses are left out. */
static void
test_addr_max(void **st)
{
	struct buf	 *b = buf_new(0);
	struct mime_msg	 *m;
	char		**v, last[32];
	size_t		  n, i;

	(void)st;
	snprintf(last, sizeof(last), "a%d@x.test", MIME_MAX_ADDRS - 2);
	assert_int_equal(buf_puts(b, "To: a0@x.test"), 0);
	for (i = 1; i < MIME_MAX_ADDRS - 1; i++)
		assert_int_equal(buf_printf(b, ",\r\n a%zu@x.test", i), 0);
	assert_int_equal(buf_puts(b, "\r\nCc: c@x.test\r\nTo: y@x.test, "
	    "z@x.test\r\n\r\nx"), 0);
	m = parse_ok(buf_str(b));
	assert_int_equal(mime_part_addrs(mime_msg_root(m), "to", &v, &n), 0);
	assert_int_equal(n, MIME_MAX_ADDRS);
	assert_string_equal(v[0], "a0@x.test");
	assert_string_equal(v[n - 2], last);
	assert_string_equal(v[n - 1], "y@x.test");
	vec_strv_free(v, n);
	mime_msg_free(m);
	buf_free(b);
}

static void
test_multipart_raw(void **st)
{
	static const char	 msg[] =
	    "Content-Type: multipart/signed; protocol=\"application/"
	    "pkcs7-signature\"; boundary=\"b1\"\r\n\r\n"
	    "preamble\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsigned\r\n"
	    "\r\n--b1\r\nContent-Type: application/pkcs7-signature\r\n\r\n"
	    "AAAA\r\n--b1--\r\nepilogue\r\n";
	struct mime_msg		*m;
	const struct mime_part	*p, *c;
	const uint8_t		*raw;
	size_t			 len;

	(void)st;
	m = parse_ok(msg);
	p = mime_msg_root(m);
	assert_string_equal(mime_part_type(p), "multipart/signed");
	assert_string_equal(mime_part_param(p, "PROTOCOL"),
	    "application/pkcs7-signature");
	assert_int_equal(mime_part_nchildren(p), 2);
	c = mime_part_child(p, 0);
	raw = mime_part_raw(c, &len);
	/* The CRLF before the delimiter is the delimiter's. */
	assert_int_equal(len, strlen("Content-Type: text/plain\r\n\r\n"
	    "signed\r\n"));
	assert_memory_equal(raw, "Content-Type: text/plain\r\n\r\nsigned\r\n",
	    len);
	assert_int_equal(mime_part_level(c), 1);
	assert_string_equal(mime_part_type(mime_part_child(p, 1)),
	    "application/pkcs7-signature");
	assert_null(mime_part_child(p, 2));
	assert_int_equal(mime_msg_unterminated(m), 0);
	mime_msg_free(m);
}

static void
test_bare_lf(void **st)
{
	struct mime_msg	*m;
	const uint8_t	*raw;
	size_t		 len;

	(void)st;
	m = parse_ok("Content-Type: multipart/mixed; boundary=x\n\n--x\n"
	    "\nline1\nline2\r\n--x--\n");
	raw = mime_part_raw(mime_part_child(mime_msg_root(m), 0), &len);
	assert_int_equal(len, strlen("\r\nline1\r\nline2"));
	assert_memory_equal(raw, "\r\nline1\r\nline2", len);
	assert_int_equal(mime_has_bare_lf("a\nb", 3), 1);
	assert_int_equal(mime_has_bare_lf("a\r\nb", 4), 0);
	mime_msg_free(m);
}

/*
 * mime_parse_in reads a message with CRLF line ends where it lies, and
 * copies one with a bare LF, as mime_parse copies every one; the parts
 * are the same either way.
 */
static void
test_parse_in(void **st)
{
	static const char	crlf[] = "Content-Type: multipart/mixed; "
	    "boundary=x\r\n\r\n--x\r\n\r\nline1\r\n--x--\r\n";
	static const char	lf[] = "Content-Type: multipart/mixed; "
	    "boundary=x\n\n--x\n\nline1\n--x--\n";
	const char		*in[] = { crlf, lf };
	struct mime_msg		*m;
	struct smerr		 e;
	const uint8_t		*body;
	size_t			 i, len;

	(void)st;
	smerr_clear(&e);
	for (i = 0; i < 2; i++) {
		assert_int_equal(mime_parse_in(in[i], strlen(in[i]), &m, &e),
		    0);
		body = mime_part_body(mime_part_child(mime_msg_root(m), 0),
		    &len);
		assert_int_equal(len, strlen("line1"));
		assert_memory_equal(body, "line1", len);
		/* In place for CRLF alone. */
		assert_int_equal((const char *)body >= in[i] &&
		    (const char *)body < in[i] + strlen(in[i]), i == 0);
		mime_msg_free(m);
		assert_int_equal(mime_parse(in[i], strlen(in[i]), &m, &e), 0);
		body = mime_part_body(mime_part_child(mime_msg_root(m), 0),
		    &len);
		assert_false((const char *)body >= in[i] &&
		    (const char *)body < in[i] + strlen(in[i]));
		mime_msg_free(m);
	}
	assert_int_equal(mime_parse_in(NULL, 0, &m, &e), SMERR_PARSE);
}

static void
test_limits(void **st)
{
	struct mime_msg	*m = NULL;
	struct buf	*b = buf_new(0);
	struct smerr	 e;
	int		 i;

	(void)st;
	for (i = 0; i < MIME_MAX_DEPTH + 4; i++)
		buf_printf(b, "Content-Type: multipart/mixed; "
		    "boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i);
	buf_puts(b, "\r\nx\r\n");
	for (i = MIME_MAX_DEPTH + 3; i >= 0; i--)
		buf_printf(b, "\r\n--b%d--\r\n", i);
	smerr_clear(&e);
	assert_int_equal(mime_parse(buf_data(b), buf_len(b), &m, &e),
	    SMERR_LIMIT);
	assert_null(m);
	assert_non_null(strstr(smerr_msg(&e), "nested deeper"));

	buf_reset(b);
	buf_puts(b, "Subject: ");
	for (i = 0; i < MIME_MAX_FIELD + 10; i++)
		buf_putc(b, 'x');
	buf_puts(b, "\r\n\r\nbody");
	smerr_clear(&e);
	assert_int_equal(mime_parse(buf_data(b), buf_len(b), &m, &e),
	    SMERR_LIMIT);
	assert_non_null(strstr(smerr_msg(&e), "longer than"));

	buf_reset(b);
	for (i = 0; i < MIME_MAX_PARTS + 5; i++)
		buf_printf(b, "%s--p\r\n\r\nx\r\n", i == 0 ?
		    "Content-Type: multipart/mixed; boundary=p\r\n\r\n" : "");
	buf_puts(b, "--p--\r\n");
	assert_int_equal(mime_parse(buf_data(b), buf_len(b), &m, NULL),
	    SMERR_LIMIT);
	buf_free(b);
}

static void
test_malformed(void **st)
{
	struct mime_msg	*m = NULL;
	static const char unclosed[] =
	    "Content-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\n\r\na\r\n";
	static const char nodelim[] =
	    "Content-Type: multipart/mixed; boundary=z\r\n\r\nnothing\r\n";
	static const char nobound[] =
	    "Content-Type: multipart/mixed\r\n\r\n--z\r\n";
	static const char twoct[] =
	    "Content-Type: text/plain\r\nContent-Type: text/html\r\n\r\nx";

	(void)st;
	m = parse_ok(unclosed);
	assert_int_equal(mime_msg_unterminated(m), 1);
	assert_int_equal(mime_part_nchildren(mime_msg_root(m)), 1);
	mime_msg_free(m);
	assert_int_equal(mime_parse(nodelim, strlen(nodelim), &m, NULL),
	    SMERR_PARSE);
	assert_int_equal(mime_parse(nobound, strlen(nobound), &m, NULL),
	    SMERR_PARSE);
	assert_int_equal(mime_parse(twoct, strlen(twoct), &m, NULL),
	    SMERR_PARSE);
}

static void
test_decode(void **st)
{
	struct mime_msg	*m;
	struct buf	*b = buf_new(0);
	struct smerr	 e;

	(void)st;
	assert_int_equal(decode("Content-Transfer-Encoding: base64\r\n\r\n"
	    "aGVs\r\nbG8=\r\n", b, NULL), 0);
	assert_string_equal(buf_str(b), "hello");

	smerr_clear(&e);
	assert_int_equal(decode("Content-Transfer-Encoding: base64\r\n\r\n"
	    "aGVsb\r\n", b, &e), SMERR_PARSE);
	assert_non_null(strstr(smerr_msg(&e), "base64"));

	/* Digits four at a time, and split across lines and blanks. */
	{
		static const char	 dig[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789+/";
		struct buf		*src = buf_new(0);
		uint8_t			 raw[3001];
		unsigned		 v;
		size_t			 i, k = 0;

		assert_int_equal(buf_puts(src, "Content-Transfer-Encoding: "
		    "base64\r\n\r\n"), 0);
		for (i = 0; i < sizeof(raw); i++)
			raw[i] = (uint8_t)(i * 7 + i / 13);
		for (i = 0; i < sizeof(raw); i += 3) {
			v = (unsigned)raw[i] << 16 | (i + 1 < sizeof(raw) ?
			    (unsigned)raw[i + 1] << 8 : 0) | (i + 2 <
			    sizeof(raw) ? raw[i + 2] : 0);
			for (k = 0; k < 4; k++) {
				if (i * 4 / 3 + k > 0 &&
				    (i * 4 / 3 + k) % 61 == 0)
					assert_int_equal(buf_puts(src,
					    k % 2 ? "\r\n" : " \t\r\n"), 0);
				assert_int_equal(buf_putc(src,
				    i + k - 1 > sizeof(raw) - 1 && k > 1 ? '=' :
				    dig[(v >> (18 - 6 * k)) & 63]), 0);
			}
		}
		assert_int_equal(buf_puts(src, "\r\n"), 0);
		assert_int_equal(decode(buf_str(src), b, NULL), 0);
		assert_int_equal(buf_len(b), sizeof(raw));
		assert_memory_equal(buf_data(b), raw, sizeof(raw));
		buf_free(src);
	}
	/* Nothing may follow padding. */
	assert_int_equal(decode("Content-Transfer-Encoding: base64\r\n\r\n"
	    "aGVsbA==\r\naGVs\r\n", b, NULL), SMERR_PARSE);

	buf_reset(b);
	m = parse_ok("Content-Transfer-Encoding: quoted-printable\r\n"
	    "Content-Type: text/plain; charset=iso-8859-1\r\n\r\n"
	    "caf=E9 =\r\nsoft  \r\n=ZZ\r\n");
	assert_int_equal(mime_part_text(mime_msg_root(m), b, NULL), 0);
	assert_string_equal(buf_str(b), "caf\xc3\xa9 soft\r\n=ZZ\r\n");
	mime_msg_free(m);

	assert_int_equal(decode("Content-Transfer-Encoding: x-uuencode\r\n"
	    "\r\nx", b, NULL), SMERR_PARSE);
	buf_free(b);
}

/*
 * Whole lines of quads that fill the base64 decoder's block exactly, then a
 * padded last quad: 1,536 bytes and one or two more.
 */
static void
test_decode_block(void **st)
{
	struct buf		*b = buf_new(0);
	static const char	 dig[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t			 raw[1538];
	size_t			 n, i, k, col;
	unsigned		 v;

	(void)st;
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 31 + 5);
	for (n = 1537; n <= sizeof(raw); n++) {
		struct buf	*src = buf_new(0);

		assert_int_equal(buf_puts(src, "Content-Transfer-Encoding: "
		    "base64\r\n\r\n"), 0);
		for (i = 0, col = 0; i < n; i += 3) {
			v = (unsigned)raw[i] << 16 | (i + 1 < n ?
			    (unsigned)raw[i + 1] << 8 : 0) |
			    (i + 2 < n ? raw[i + 2] : 0);
			for (k = 0; k < 4; k++)
				assert_int_equal(buf_putc(src,
				    i + k > n ? '=' :
				    dig[(v >> (18 - 6 * k)) & 63]), 0);
			if ((col += 4) == 76) {
				assert_int_equal(buf_puts(src, "\r\n"), 0);
				col = 0;
			}
		}
		assert_int_equal(buf_puts(src, "\r\n"), 0);
		assert_int_equal(decode(buf_str(src), b, NULL), 0);
		assert_int_equal(buf_len(b), n);
		assert_memory_equal(buf_data(b), raw, n);
		buf_free(src);
	}
	buf_free(b);
}

static void
test_date(void **st)
{
	/* A Date field, what mime_part_date returns, and the time. */
	static const struct {
		const char	*date;
		int		 r;
		long long	 t;
	} cases[] = {
		{ "Thu, 01 Jan 2026 01:30:00 +0130", 0, 1767225600LL },
		{ "yesterday", -1, 0 },
		/* Out of range: refused before any arithmetic (fuzzing). */
		{ "Thu, 01 Jan 2026 00:00:00 +1535817900", -1, 0 },
		{ "Thu, 01 Jan 99999999 99:00:00 +0000", -1, 0 },
		/* A day that does not exist is no date, not one in March. */
		{ "Mon, 30 Feb 2026 01:00:00 +0000", -1, 0 },
		{ "31 Apr 2026 01:00:00 +0000", -1, 0 },
		{ "Tue, 29 Feb 2028 12:00:00 +0000", 0, 1835438400LL },
		/* The second before 1970 is a date as any other. */
		{ "Wed, 31 Dec 1969 23:59:59 +0000", 0, -1LL },
		/* A leap second at a month's end: the next one's first. */
		{ "Wed, 31 Dec 2025 23:59:60 +0000", 0, 1767225600LL },
	};
	struct mime_msg	*m;
	char		 msg[128];
	size_t		 i;
	time_t		 t;

	(void)st;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(msg, sizeof(msg), "Date: %s\r\n\r\nx",
		    cases[i].date);
		m = parse_ok(msg);
		if (mime_part_date(mime_msg_root(m), &t) != cases[i].r)
			fail_msg("%s", cases[i].date);
		if (cases[i].r == 0)
			assert_int_equal((long long)t, cases[i].t);
		mime_msg_free(m);
	}
}

static void
check_filename(const char *hdrs, const char *want)
{
	struct mime_msg	*m;
	char		 msg[1024];

	snprintf(msg, sizeof(msg), "%s\r\n\r\nbody\r\n", hdrs);
	m = parse_ok(msg);
	unit_str_is(mime_part_filename(mime_msg_root(m)), want);
	mime_msg_free(m);
}

/* The name a part suggests for saving it, from either header field. */
static void
test_filename(void **state)
{
	(void)state;
	check_filename("Content-Type: application/pdf\r\n"
	    "Content-Disposition: attachment; filename=\"report 1.pdf\"",
	    "report 1.pdf");
	check_filename("Content-Disposition: attachment;\r\n"
	    " filename*=UTF-8''%E2%82%AC%20rates.txt", "\xe2\x82\xac rates.txt");
	check_filename("Content-Disposition: attachment; filename=plain.txt;"
	    " filename*=utf-8''better.txt", "better.txt");
	check_filename("Content-Type: application/pdf; "
	    "name=\"=?UTF-8?Q?caf=C3=A9.pdf?=\"", "caf\xc3\xa9.pdf");
	/* A broken Content-Disposition: Content-Type's name still counts. */
	check_filename("Content-Type: text/plain; name=notes.txt\r\n"
	    "Content-Disposition: attachment; filename=\"unclosed",
	    "notes.txt");
	check_filename("Content-Disposition: attachment;\r\n"
	    " filename*=UTF-8''bad%zzescape", NULL);
	check_filename("Content-Type: text/plain", NULL);
	check_filename("Content-Disposition: inline", NULL);
	/* Continued over pieces (RFC 2231 3), as long names are sent. */
	check_filename("Content-Disposition: attachment;\r\n"
	    " filename*0*=utf-8''na%C3%AFve%20; filename*1=\"long \";\r\n"
	    " filename*2*=%E2%82%AC.txt", "na\xc3\xafve long \xe2\x82\xac.txt");
	check_filename("Content-Disposition: attachment;\r\n"
	    " filename*1=\"b.txt\"; filename*0=\"a-\"", "a-b.txt");
	/* A gap ends it; another charset is read as it says. */
	check_filename("Content-Disposition: attachment;\r\n"
	    " filename*0=\"a\"; filename*2=\"c\"", "a");
	check_filename("Content-Disposition: attachment;\r\n"
	    " filename*=iso-8859-1'fr'r%E9sum%E9.pdf", "r\xc3\xa9sum\xc3\xa9.pdf");
	check_filename("Content-Disposition: attachment;\r\n"
	    " filename*0*=koi8-r''%F0%D2; filename*1=.txt",
	    "\xd0\x9f\xd1\x80.txt");
	/* One that cannot be read: the plain filename stands. */
	check_filename("Content-Disposition: attachment;\r\n"
	    " filename*=x-no-such-charset''%F0; filename=plain.txt",
	    "plain.txt");
	/* The type's name, continued, when the disposition names none. */
	check_filename("Content-Type: application/pdf;\r\n"
	    " name*0*=utf-8''r%C3%A9sum%C3%A9; name*1=\".pdf\"\r\n"
	    "Content-Disposition: attachment", "r\xc3\xa9sum\xc3\xa9.pdf");
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_null_empty),
	    cmocka_unit_test(test_single_part),
	    cmocka_unit_test(test_header_8bit),
	    cmocka_unit_test(test_from),
	    cmocka_unit_test(test_addr_comments),
	    cmocka_unit_test(test_addr_max),
	    cmocka_unit_test(test_addr_list),
	    cmocka_unit_test(test_multipart_raw),
	    cmocka_unit_test(test_bare_lf),
	    cmocka_unit_test(test_parse_in),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_decode),
	    cmocka_unit_test(test_decode_block),
	    cmocka_unit_test(test_date),
	    cmocka_unit_test(test_filename));
}
