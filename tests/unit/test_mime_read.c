/*
 * mime/read.c: the header section reader (folded fields, bare LF and
 * CRLF, the bounds, lines that are no field, NUL bytes) and the address
 * list reader (quoted commas, comments, angle brackets, groups, IDN).
 */
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
#include "mime/mime.h"
#include "mime/build.h"
#include "tests/unit/lib/unit.h"

/* Reads the header section of s: "name=value|" per field into out. */
static int
read_all(const void *s, size_t len, struct buf *out, int *stopp,
    size_t *bodyp, struct smerr *e)
{
	struct mime_hdr	*h;
	const char	*n, *v;
	int		 r;

	buf_reset(out);
	assert_non_null(h = mime_hdr_new(s, len));
	while ((r = mime_hdr_next(h, &n, &v, e)) > 0)
		assert_int_equal(buf_printf(out, "%s=%s|", n, v), 0);
	if (r == 0)
		*stopp = mime_hdr_stop(h, NULL, bodyp, NULL);
	mime_hdr_free(h);
	return r;
}

static void
expect(const char *s, const char *fields, int stop, size_t body)
{
	struct buf	*b = buf_new(0);
	struct smerr	 e;
	size_t		 off = 0;
	int		 why = 0;

	smerr_clear(&e);
	assert_int_equal(read_all(s, strlen(s), b, &why, &off, &e), 0);
	assert_string_equal(buf_len(b) > 0 ? buf_str(b) : "", fields);
	assert_int_equal(why, stop);
	assert_int_equal(off, body);
	buf_free(b);
}

static void
test_folded(void **st)
{
	(void)st;
	/* CRLF, a field folded twice, blanks kept inside, trimmed outside. */
	expect("To: a@example.test,\r\n b@example.test\r\nSubject:  one\r\n"
	    "\t two  \r\n   three\r\n\r\nbody", "To=a@example.test, "
	    "b@example.test|Subject=one\t two     three|", MIME_HDR_BLANK,
	    74);
	/* Bare LF, and the two mixed. */
	expect("Subject: a\n b\nX: y\r\n\nbody\n", "Subject=a b|X=y|",
	    MIME_HDR_BLANK, 21);
	/* Obsolete blanks before the colon; an empty value. */
	expect("Subject : x\nX-Empty:\n\n", "Subject=x|X-Empty=|",
	    MIME_HDR_BLANK, 22);
	/* A continuation line of blanks only stays part of its field. */
	expect("A: 1\n \n\tz\n\n", "A=1 \tz|", MIME_HDR_BLANK, 11);
}

static void
test_ends(void **st)
{
	(void)st;
	/* An empty header: the body starts at once. */
	expect("\r\nbody\r\n", "", MIME_HDR_BLANK, 2);
	expect("\nbody\n", "", MIME_HDR_BLANK, 1);
	expect("", "", MIME_HDR_END, 0);
	/* A header section with no body, folded to the very end. */
	expect("From: a@example.test\nSubject: x\n y", "From=a@example.test|"
	    "Subject=x y|", MIME_HDR_END, 34);
	/* A line with no colon, or with a blank inside the name, is body. */
	expect("A: 1\nno colon here\nB: 2\n\n", "A=1|", MIME_HDR_NOTFIELD, 5);
	expect("A: 1\nNa me: 2\n\n", "A=1|", MIME_HDR_NOTFIELD, 5);
	expect(":x\n\n", "", MIME_HDR_NOTFIELD, 0);
	/* A continuation of nothing. */
	expect(" lead: 1\nA: 2\n\n", "", MIME_HDR_ORPHAN, 0);
	/* A lone CR is no line end and no blank line. */
	expect("A: 1\r2\n\rB: x\n\n", "A=12|", MIME_HDR_NOTFIELD, 7);
}

static void
test_limits(void **st)
{
	struct buf	*s = buf_new(0), *b = buf_new(0);
	struct smerr	 e;
	size_t		 i, off;
	int		 why;

	(void)st;
	/* A field over the bound, folded or not, is an error value. */
	assert_int_equal(buf_puts(s, "Subject: "), 0);
	for (i = 0; i < MIME_MAX_FIELD; i++)
		assert_int_equal(buf_puts(s, i % 70 == 69 ? "\n " : "x"), 0);
	smerr_clear(&e);
	assert_int_equal(read_all(buf_data(s), buf_len(s), b, &why, &off, &e),
	    SMERR_LIMIT);
	assert_non_null(strstr(smerr_msg(&e), "longer than"));
	buf_reset(s);
	assert_int_equal(buf_puts(s, "Subject: "), 0);
	for (i = 0; i < MIME_MAX_FIELD + 1; i++)
		assert_int_equal(buf_putc(s, 'x'), 0);
	assert_int_equal(buf_puts(s, "\r\n\r\n"), 0);
	assert_int_equal(read_all(buf_data(s), buf_len(s), b, &why, &off,
	    NULL), SMERR_LIMIT);
	/* Exactly at the bound (the line end counted) is read. */
	buf_reset(s);
	assert_int_equal(buf_puts(s, "S:"), 0);
	for (i = 0; i < MIME_MAX_FIELD - 1; i++)
		assert_int_equal(buf_putc(s, 'y'), 0);
	assert_int_equal(buf_puts(s, "\n\n"), 0);
	assert_int_equal(read_all(buf_data(s), buf_len(s), b, &why, &off,
	    NULL), 0);
	assert_int_equal(buf_len(b), 2 + MIME_MAX_FIELD - 1 + 1);
	/* A line with no colon longer than the bound. */
	buf_reset(s);
	for (i = 0; i < MIME_MAX_FIELD + 1; i++)
		assert_int_equal(buf_putc(s, 'z'), 0);
	smerr_clear(&e);
	assert_int_equal(read_all(buf_data(s), buf_len(s), b, &why, &off, &e),
	    SMERR_LIMIT);
	/* One field more than a part may have. */
	buf_reset(s);
	for (i = 0; i <= MIME_MAX_FIELDS; i++)
		assert_int_equal(buf_printf(s, "X-%zu: v\n", i), 0);
	smerr_clear(&e);
	assert_int_equal(read_all(buf_data(s), buf_len(s), b, &why, &off, &e),
	    SMERR_LIMIT);
	assert_non_null(strstr(smerr_msg(&e), "header fields"));
	buf_free(s);
	buf_free(b);
}

static void
test_nul(void **st)
{
	static const char	 m[] = "From: a@example.test\0evil\nTo: b\n\n";
	static const char	 body[] = "To: b\n\nx\0y";
	struct buf		*b = buf_new(0);
	struct smerr		 e;
	size_t			 off;
	int			 why;
	char			*v;

	(void)st;
	smerr_clear(&e);
	assert_int_equal(read_all(m, sizeof(m) - 1, b, &why, &off, &e),
	    SMERR_PARSE);
	assert_non_null(strstr(smerr_msg(&e), "NUL"));
	assert_null(mime_header_find(m, sizeof(m) - 1, "to"));
	/* A NUL in the body is no concern of the header's. */
	assert_int_equal(read_all(body, sizeof(body) - 1, b, &why, &off, NULL),
	    0);
	assert_string_equal(buf_str(b), "To=b|");
	/* A NUL where a field name would be ends the section. */
	assert_int_equal(read_all("A: 1\n\0B: 2\n", 11, b, &why, &off, NULL),
	    0);
	assert_int_equal(why, MIME_HDR_NOTFIELD);
	assert_non_null(v = mime_header_find(body, sizeof(body) - 1, "TO"));
	assert_string_equal(v, "b");
	free(v);
	assert_null(mime_header_find(NULL, 0, "to"));
	buf_free(b);
}

/* The first field called name in s is want (NULL: there is none). */
static void
find_is(const char *s, const char *name, const char *want)
{
	unit_str_is(mime_header_find(s, strlen(s), name), want);
}

static void
test_find(void **st)
{
	static const char	 d[] = "From: Me <me@example.test>\n"
	    "To: \"Doe, J\" <j@example.test>,\n  k@example.test\n"
	    "Subject: a folded\n subject\n\nTo: body@example.test\n";

	(void)st;
	find_is(d, "to", "\"Doe, J\" <j@example.test>,  k@example.test");
	find_is(d, "Subject", "a folded subject");
	/* Nothing past the blank line; a prefix of a name is not the name. */
	find_is(d, "Cc", NULL);
	find_is(d, "T", NULL);
	find_is("Too: x\n", "to", NULL);
}

/* Each mailbox as "[group|]name|addr;" (- for NULL). */
static int
mb_put(void *arg, const struct mime_mbox *mb)
{
	struct buf	*b = arg;

	if (mb->group != NULL)
		buf_printf(b, "%s%.*s%s|", mb->gfirst ? "^" : "",
		    (int)mb->grouplen, mb->group, mb->glast ? "$" : "");
	return buf_printf(b, "%s|%s|%.*s;", mb->name != NULL ? mb->name :
	    "-", mb->addr != NULL ? mb->addr : "-", (int)mb->rawlen,
	    mb->raw != NULL ? mb->raw : "");
}

static void
addrs(const char *v, int rc, const char *want)
{
	struct buf	*b = buf_new(0);
	struct smerr	 e;

	smerr_clear(&e);
	assert_int_equal(mime_addrs_read(v, mb_put, b, &e), rc);
	if (want != NULL)
		assert_string_equal(buf_len(b) > 0 ? buf_str(b) : "", want);
	if (rc != 0)
		assert_non_null(strstr(smerr_msg(&e), "unbalanced"));
	buf_free(b);
}

static void
test_addrs(void **st)
{
	(void)st;
	addrs("", 0, "");
	addrs("a@example.test", 0, "-|a@example.test|a@example.test;");
	/* A quoted comma, escapes, and a name with angle brackets in it. */
	addrs("\"Doe, John\" <j@example.test>, b@example.test", 0,
	    "Doe, John|j@example.test|\"Doe, John\" <j@example.test>;"
	    "-|b@example.test|b@example.test;");
	addrs("\"a \\\"q\\\" <x@y>\" <r@example.test>", 0,
	    "a \"q\" <x@y>|r@example.test|\"a \\\"q\\\" <x@y>\" "
	    "<r@example.test>;");
	/* Comments, nested and holding commas, are dropped. */
	addrs("c@example.test (Carol, (the) boss), <d@example.test> (x)", 0,
	    "-|c@example.test|c@example.test (Carol, (the) boss);"
	    "-|d@example.test|<d@example.test> (x);");
	/* A comment stands for a blank: it never joins what it separates. */
	addrs("a@example.test(c)x", 0,
	    "-|a@example.test x|a@example.test(c)x;");
	/* A comma between angle brackets does not cut. */
	addrs("Odd <o,d@example.test>", 0,
	    "Odd|o,d@example.test|Odd <o,d@example.test>;");
	/* Empty elements are skipped. */
	addrs(" , a@example.test ,, ", 0, "-|a@example.test|a@example.test;");
}

static void
test_groups(void **st)
{
	(void)st;
	addrs("Team: a@example.test, B <b@example.test>; c@example.test", 0,
	    "^Team|-|a@example.test|a@example.test;"
	    "Team$|B|b@example.test|B <b@example.test>;"
	    "-|c@example.test|c@example.test;");
	/* An empty group is one element with no address. */
	addrs("undisclosed-recipients:;", 0,
	    "^undisclosed-recipients$|-|-|;");
	addrs("One: x@example.test;", 0,
	    "^One$|-|x@example.test|x@example.test;");
	/* A colon in a quoted name or between <> opens no group. */
	addrs("\"a: b\" <a@example.test>", 0,
	    "a: b|a@example.test|\"a: b\" <a@example.test>;");
	/* A group not closed ends with the list. */
	addrs("G: a@example.test", 0, "^G$|-|a@example.test|a@example.test;");
}

static void
test_idn_bad(void **st)
{
	(void)st;
	/* UTF-8 names and domains pass through byte for byte. */
	addrs("J\xc3\xbcrgen <j@b\xc3\xbc" "cher.example>, "
	    "\xe7\x94\xb0\xe4\xb8\xad@\xe4\xbe\x8b.example", 0,
	    "J\xc3\xbcrgen|j@b\xc3\xbc" "cher.example|J\xc3\xbcrgen "
	    "<j@b\xc3\xbc" "cher.example>;-|\xe7\x94\xb0\xe4\xb8\xad@"
	    "\xe4\xbe\x8b.example|\xe7\x94\xb0\xe4\xb8\xad@\xe4\xbe\x8b"
	    ".example;");
	addrs("=?utf-8?q?J=C3=BCrgen?= <j@example.test>", 0,
	    "=?utf-8?q?J=C3=BCrgen?=|j@example.test|=?utf-8?q?J=C3=BCrgen?= "
	    "<j@example.test>;");
	/* Unbalanced quotes, comments, angle brackets. */
	addrs("\"open <a@example.test>", SMERR_INVAL, NULL);
	addrs("a@example.test (open", SMERR_INVAL, NULL);
	addrs("<a@example.test", SMERR_INVAL, NULL);
	addrs("a <b@example.test> c", SMERR_INVAL, NULL);
	/* A trailing backslash escapes nothing. */
	addrs("a@example.test\\", 0, "-|a@example.test\\|a@example.test\\;");
}

/* Stops the walk at the second mailbox. */
static int
mb_second(void *arg, const struct mime_mbox *mb)
{
	int	*n = arg;

	(void)mb;
	return ++*n == 2 ? 42 : 0;
}

static void
test_stop(void **st)
{
	int	n = 0;

	(void)st;
	assert_int_equal(mime_addrs_read("a@x.test, b@x.test, c@x.test",
	    mb_second, &n, NULL), 42);
	assert_int_equal(n, 2);
}

/* What header.c's list readers make of what the reader cuts. */
static void
test_lists(void **st)
{
	struct buf	*b = buf_new(0);

	(void)st;
	assert_int_equal(mime_addr_list("\"Doe, J\" <j@example.test>, "
	    "Team: k@example.test (K, k), bob;, undisclosed:;", b), 0);
	assert_string_equal(buf_str(b), "j@example.test,k@example.test");
	/* A list that does not read adds nothing to what is there. */
	assert_int_equal(mime_addr_list("x@example.test, <open@example.test",
	    b), 0);
	assert_string_equal(buf_str(b), "j@example.test,k@example.test");
	buf_reset(b);
	assert_int_equal(mime_addr_name("\"Doe, \\\"J\\\"\" <j@example.test>, "
	    "Other <o@example.test>", b), 0);
	assert_string_equal(buf_str(b), "Doe, \"J\"");
	buf_reset(b);
	assert_int_equal(mime_addr_name("=?utf-8?q?J=C3=BCrgen?= "
	    "<j@example.test>", b), 0);
	assert_string_equal(buf_str(b), "J\xc3\xbcrgen");
	buf_reset(b);
	assert_int_equal(mime_addr_name("j@example.test (J)", b), 0);
	assert_int_equal(buf_len(b), 0);
	assert_int_equal(mime_addr_name("\"open <j@example.test>", b), 0);
	assert_int_equal(buf_len(b), 0);
	buf_free(b);
}

/* List-Post (RFC 2369): the first mailto: address, or NO. */
static void
test_list_post(void **st)
{
	char	*a;

	(void)st;
	assert_int_equal(mime_list_post("<mailto:help@lists.example.test"
	    "?subject=help%20me&body=x>", &a), 0);
	assert_string_equal(a, "help@lists.example.test");
	free(a);
	assert_int_equal(mime_list_post("<https://example.test/post>, "
	    "<mailto:l@example.test> (moderated)", &a), 0);
	assert_string_equal(a, "l@example.test");
	free(a);
	assert_int_equal(mime_list_post("NO (posting not allowed)", &a), 0);
	assert_null(a);
	assert_int_equal(mime_list_post_no("NO (posting not allowed)"), 1);
	assert_int_equal(mime_list_post_no(" no"), 1);
	assert_int_equal(mime_list_post_no("NO"), 1);
	assert_int_equal(mime_list_post_no("NOW"), 0);
	assert_int_equal(mime_list_post_no("<mailto:no@example.test>"), 0);
	assert_int_equal(mime_list_post_no(NULL), 0);
}

/* The composer reads through the same reader and says where it stopped. */
static void
test_compose_lines(void **st)
{
	static const char	*bad[] = {
		"From: a@example.test\nnot a field\n\nx\n",
		"From: a@example.test\nTo: b@example.test,\n\tc@example.test\n"
		    "Na me: x\n\nx\n",
		" To: b@example.test\n\nx\n",
	};
	static const char	*why[] = { "line 2: not a header field",
		"line 4: not a header field",
		"line 1: continuation without a field" };
	struct mime_out		*o = NULL;
	struct smerr		 e;
	size_t			 i;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		smerr_clear(&e);
		assert_int_equal(mime_compose(bad[i], strlen(bad[i]), NULL,
		    "me@example.test", &o, &e), SMERR_PARSE);
		assert_null(o);
		assert_string_equal(smerr_msg(&e), why[i]);
	}
	smerr_clear(&e);
	assert_int_equal(mime_compose("From: a@example.test\nX: 1\0\n\nx\n",
	    24, NULL, NULL, &o, &e), SMERR_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_ends),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_addrs),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_idn_bad),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_list_post),
		cmocka_unit_test(test_compose_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
