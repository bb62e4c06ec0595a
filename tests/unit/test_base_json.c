#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/json.h"
#include "tests/unit/lib/unit.h"

static void
test_null_and_empty(void **st)
{
	(void)st;
	assert_null(json_member(NULL, "a"));
	assert_null(json_member("", "a"));
	assert_null(json_member("{}", "a"));
	assert_null(json_first(NULL));
	assert_null(json_first("[]"));
	assert_null(json_skip(NULL));
	assert_null(json_string(NULL));
	assert_null(json_string("null"));
}

static void
test_members(void **st)
{
	const char	*o = "{\"a\":[1,{\"b\":\"x\"}],\"ab\" : null,"
	    "\"b\":\"\\u00e9\\ud83d\\ude00\\n\\\"\",\"c\":true}";
	const char	*v;
	char		*s;

	(void)st;
	assert_non_null(v = json_member(o, "b"));
	assert_non_null(s = json_string(v));
	assert_string_equal(s, "\xc3\xa9\xf0\x9f\x98\x80\n\"");
	free(s);
	assert_null(json_string(json_member(o, "ab")));
	assert_non_null(v = json_member(o, "c"));
	assert_int_equal(strncmp(v, "true", 4), 0);
	/* The nested "b" is not a member of the outer object. */
	v = json_first(json_member(o, "a"));
	assert_non_null(v);
	assert_int_equal(*v, '1');
	assert_non_null(v = json_next(v));
	assert_non_null(s = json_string(json_member(v, "b")));
	assert_string_equal(s, "x");
	free(s);
	assert_null(json_next(v));
	assert_null(json_member(o, "d"));
}

static void
test_malformed(void **st)
{
	char	deep[200];
	size_t	i;

	(void)st;
	assert_null(json_member("{\"a\":\"unterminated", "b"));
	assert_null(json_member("{\"a\" 1}", "a"));
	assert_null(json_string("\"\\u12\""));
	assert_null(json_string("\"abc\\"));
	assert_null(json_skip("[1,"));
	assert_null(json_skip("{\"a\":}"));
	for (i = 0; i < sizeof(deep) - 1; i++)
		deep[i] = '[';
	deep[i] = '\0';
	assert_null(json_skip(deep));
	/* A lone surrogate becomes U+FFFD. */
	{
		char *s = json_string("\"\\udc00\"");

		assert_non_null(s);
		assert_string_equal(s, "\xef\xbf\xbd");
		free(s);
	}
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_null_and_empty),
	    cmocka_unit_test(test_members),
	    cmocka_unit_test(test_malformed));
}
