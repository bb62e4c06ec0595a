/*
 * app/move.c: a folder's IMAP name (modified UTF-7) as the reader reads
 * it, and a name typed so made the IMAP name again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/err.h"
#include "app/app.h"
#include "tests/unit/lib/unit.h"

/* fn (app_folder_shown or app_folder_typed) makes want of in. */
static void
conv_is(char *(*fn)(const char *), const char *in, const char *want)
{
	char	*got = fn(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

#define shown_is(in, want)	conv_is(app_folder_shown, (in), (want))
#define typed_is(in, want)	conv_is(app_folder_typed, (in), (want))

static void
test_shown(void **state)
{
	(void)state;
	shown_is("", "");
	shown_is("INBOX", "INBOX");
	shown_is("Entw&APw-rfe", "Entw\xc3\xbc" "rfe");
	shown_is("&ZeVnLA-", "\xe6\x97\xa5\xe6\x9c\xac");
	shown_is("Tom &- Jerry", "Tom & Jerry");
	/* Not modified UTF-7: the name as it is, not a part of it. */
	shown_is("bad &\xff- name", "bad &\xff- name");
	/* A control character comes out; the screen's sanitizer drops it. */
	shown_is("ev&ABs-il", "ev\x1bil");
}

static void
test_typed(void **state)
{
	(void)state;
	typed_is("", "");
	typed_is("Archive", "Archive");
	/* ASCII is taken as typed: the IMAP name itself, from Tab. */
	typed_is("Entw&APw-rfe", "Entw&APw-rfe");
	typed_is("Entw\xc3\xbc" "rfe", "Entw&APw-rfe");
	typed_is("\xe6\x97\xa5\xe6\x9c\xac", "&ZeVnLA-");
	typed_is("Tom & J\xc3\xa9r\xc3\xb4me", "Tom &- J&AOk-r&APQ-me");
	/* Not UTF-8: left as typed, for the server to refuse. */
	typed_is("bad \xff", "bad \xff");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shown),
	    cmocka_unit_test(test_typed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
