/*
 * mime/html.c over the fixtures of tests/data/html (links, a table,
 * lists and quotes, remote images and style sheets), each against the
 * text it must give; and markup cut short or built to exhaust.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "mime/html.h"
#include "tests/unit/lib/unit.h"

static char *
render(const char *html, size_t len)
{
	struct buf	*b;
	char		*s;

	assert_non_null(b = buf_new(1024 * 1024));
	assert_int_equal(mime_html_text((const uint8_t *)html, len, b), 0);
	assert_non_null(s = buf_strdup(b));
	buf_free(b);
	return s;
}

/* The fixture NAME.html gives NAME.txt (its last newline aside). */
static void
fixture(const char *name)
{
	char	 path[256], *html, *want, *got;
	size_t	 n;

	snprintf(path, sizeof(path), "tests/data/html/%s.html", name);
	html = unit_read_file(path, NULL);
	snprintf(path, sizeof(path), "tests/data/html/%s.txt", name);
	want = unit_read_file(path, NULL);
	got = render(html, strlen(html));
	n = strlen(got);
	if (n > 0 && got[n - 1] == '\n')
		got[n - 1] = '\0';
	n = strlen(want);
	if (n > 0 && want[n - 1] == '\n')
		want[n - 1] = '\0';
	assert_string_equal(got, want);
	free(html);
	free(want);
	free(got);
}

static void
test_empty(void **state)
{
	char	*s;

	(void)state;
	s = render("", 0);
	assert_string_equal(s, "");
	free(s);
	s = render("<html><body></body></html>", 26);
	assert_string_equal(s, "");
	free(s);
}

static void
test_links(void **state)
{
	(void)state;
	fixture("links");
}

static void
test_table(void **state)
{
	(void)state;
	fixture("table");
}

static void
test_lists(void **state)
{
	(void)state;
	fixture("lists");
}

/* Images, style sheets, frames: a mark for an image, no address shown. */
static void
test_remote(void **state)
{
	(void)state;
	fixture("remote");
}

/* Markup cut short anywhere ends the text, never the reader. */
static void
test_truncated(void **state)
{
	static const char *const cut[] = {
		"<a href=\"http://x", "text <!-- comment", "<script>never",
		"<p>a &#x", "<b", "<", "&", "<td>a<td", "<img alt='x",
		"<head><p>no head end", "a < b and c > d",
	};
	static const char *const want[] = {
		"", "text", "", "a &#x", "", "<", "&", "a", "",
		"no head end", "a < b and c > d",
	};
	size_t	 i;
	char	*s;

	(void)state;
	for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		s = render(cut[i], strlen(cut[i]));
		assert_string_equal(s, want[i]);
		free(s);
	}
}

/* Many links, lists deeper than indented, a full output: all bounded. */
/* The text of the HTML in holds has but not lacks; in is emptied after. */
static void
renders(struct buf *in, const char *has, const char *lacks)
{
	char	*s = render((const char *)buf_data(in), buf_len(in));

	assert_non_null(strstr(s, has));
	assert_null(strstr(s, lacks));
	free(s);
	buf_reset(in);
}

static void
test_bounds(void **state)
{
	struct buf	*in, *out;
	size_t		 i;
	char		*s;

	(void)state;
	assert_non_null(in = buf_new(0));
	/* 2,000 targets: the first MIME_HTML_MAX_LINKS are numbered. */
	for (i = 0; i < 2 * MIME_HTML_MAX_LINKS; i++)
		assert_int_equal(buf_printf(in, "<a href=\"u%zu\">x</a>", i), 0);
	renders(in, "[1000] u999\n", "[1001]");
	/* A target given again keeps its number, however many there are. */
	for (i = 0; i < 999; i++)
		assert_int_equal(buf_printf(in, "<a href=\"v%zu\">x</a>", i), 0);
	for (i = 0; i < 100000; i++)
		assert_int_equal(buf_puts(in, "<a href=v998>y</a>"), 0);
	renders(in, "x[999]y[999]y[999]", "[1000]");
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_puts(in, "<ul><li>d"), 0);
	s = render((const char *)buf_data(in), buf_len(in));
	assert_true(strlen(s) < 1000 * (2 * MIME_HTML_MAX_NEST + 8));
	free(s);
	assert_non_null(out = buf_new(16));
	assert_int_not_equal(mime_html_text((const uint8_t *)"<p>longer than "
	    "sixteen bytes</p>", 33, out), 0);
	buf_free(out);
	buf_free(in);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_links),
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_lists),
	    cmocka_unit_test(test_remote),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_bounds));
}
