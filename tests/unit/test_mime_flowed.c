/*
 * mime/flowed.c: format=flowed text read back into paragraphs, each with
 * its quote depth and the lines it came from.
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
#include "mime/mime.h"
#include "tests/unit/lib/unit.h"

/* Each paragraph as "line+nlines depth[text]" on a line of its own. */
static int
collect(const struct mime_flowed *fl, void *arg)
{
	assert_int_equal(strlen(fl->text), fl->len);
	return buf_printf(arg, "%zu+%zu %d[%s]\n", fl->line, fl->nlines,
	    fl->depth, fl->text);
}

static void
check(const char *text, int delsp, const char *want)
{
	struct buf	*b;

	assert_non_null(b = buf_new(0));
	assert_int_equal(mime_flowed_read(text, strlen(text), delsp, collect,
	    b), 0);
	assert_string_equal(buf_str(b), want);
	buf_free(b);
}

/* Each text, read with DelSp or not, and the paragraphs it must give. */
static const struct {
	const char	*text;
	int		 delsp;
	const char	*want;
} cases[] = {
	{ "This is a \nlong paragraph \nin three lines.\n\nNext one.\n", 0,
	    "0+3 0[This is a long paragraph in three lines.]\n"
	    "3+1 0[]\n"
	    "4+1 0[Next one.]\n" },
	/* CRLF line ends; a soft break at the very end still ends it. */
	{ "one \r\ntwo \r\n", 0, "0+2 0[one two ]\n" },
	{ "", 0, "" },
	/* Depth is per paragraph: a soft break never joins another depth. */
	{ "> quoted \n> text\n>> deeper \n> back \nplain\n", 0,
	    "0+2 1[quoted text]\n"
	    "2+1 2[deeper ]\n"
	    "3+1 1[back ]\n"
	    "4+1 0[plain]\n" },
	{ ">>> a \n>>>b\n", 0, "0+2 3[a b]\n" },
	/* One stuffed space goes; a second one is the text's own. */
	{ " From here \n  on\n", 0, "0+2 0[From here  on]\n" },
	{ ">  indented\n", 0, "0+1 1[ indented]\n" },
	/* DelSp: the space before a soft break goes with it. */
	{ "Donau \ndampf \nschiff\n", 1, "0+3 0[Donaudampfschiff]\n" },
	{ "abc \ndef\n", 1, "0+2 0[abcdef]\n" },
	{ "abc \ndef\n", 0, "0+2 0[abc def]\n" },
	/* "-- " ends what is before it and joins nothing after it. */
	{ "Bye \n-- \nAlice \nSmith\n", 0,
	    "0+1 0[Bye ]\n"
	    "1+1 0[-- ]\n"
	    "2+2 0[Alice Smith]\n" },
	{ "Bye \n-- \nAlice\n", 1,
	    "0+1 0[Bye]\n"
	    "1+1 0[-- ]\n"
	    "2+1 0[Alice]\n" },
};

static void
test_cases(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(cases[i].text, cases[i].delsp, cases[i].want);
}

/* What fn returns stops the reading and is returned. */
static int
stop(const struct mime_flowed *fl, void *arg)
{
	(*(int *)arg)++;
	return fl->line == 1 ? SMERR_LIMIT : 0;
}

static void
test_stop(void **state)
{
	int	n = 0;

	(void)state;
	assert_int_equal(mime_flowed_read("a\nb\nc\n", 6, 0, stop, &n),
	    SMERR_LIMIT);
	assert_int_equal(n, 2);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_stop));
}
