#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
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

/* The writer tests' state: a writer begun on an empty buffer. */
struct wst {
	struct json_w	 w;
	struct buf	*out;
};

static int
writer_setup(void **st)
{
	struct wst	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->out = buf_new(0)) == NULL) {
		free(t);
		return -1;
	}
	json_begin(&t->w, t->out);
	*st = t;
	return 0;
}

static int
writer_teardown(void **st)
{
	struct wst	*t = *st;

	buf_free(t->out);
	free(t);
	return 0;
}

/* What the writer w built into out: NUL-terminated, 0 from json_done. */
static const char *
written(const struct wst *t)
{
	assert_int_equal(json_done(&t->w), 0);
	assert_int_equal(t->w.depth, 0);
	return buf_str(t->out);
}

static void
test_writer_members(void **st)
{
	struct wst	*t = *st;
	struct json_w	*w = &t->w;
	char		 sa[] = "a", sq[] = "\"q\"";
	char		*sv[] = { sa, NULL, sq };

	json_obj(w, NULL);
	json_kstr(w, "s", "x\ny");
	json_kstr(w, "none", NULL);
	json_kint(w, "n", -42);
	json_kfixed(w, "x", 1.5, 3);
	json_kbool(w, "t", 1);
	json_kbool(w, "f", 0);
	json_knull(w, "z");
	json_kstrv(w, "v", sv, 3);
	json_kstrv(w, "e", sv, 0);
	json_ktime(w, "d", 1700000000);
	json_ktime(w, "nd", 0);
	json_kstrn(w, "b", "ab\0c", 4);
	/* Sanitized for display: the escape sequence is dropped. */
	json_ktext(w, "tx", "a\x1b[31mb");
	json_ktext(w, "tn", NULL);
	json_ktext_list(w, "l", "p@x,q@y");
	json_end(w);
	assert_string_equal(written(t), "{\"s\":\"x\\ny\",\"none\":null,"
	    "\"n\":-42,\"x\":1.500,\"t\":true,\"f\":false,\"z\":null,"
	    "\"v\":[\"a\",null,\"\\\"q\\\"\"],\"e\":[],"
	    "\"d\":\"2023-11-14T22:13:20Z\",\"nd\":null,\"b\":\"ab\\u0000c\","
	    "\"tx\":\"ab\",\"tn\":null,\"l\":[\"p@x\",\"q@y\"]}");
}

/* Arrays of objects, objects in objects; commas only between values. */
static void
test_writer_nesting(void **st)
{
	struct wst	*t = *st;
	struct json_w	*w = &t->w;
	int		 i;

	json_arr(w, NULL);
	for (i = 0; i < 3; i++) {
		json_obj(w, NULL);
		json_kint(w, "i", i);
		json_obj(w, "o");
		json_arr(w, "a");
		if (i > 0)
			json_kint(w, NULL, i);
		json_arr(w, NULL);
		json_end(w);
		json_end(w);
		json_end(w);
		json_end(w);
	}
	json_obj(w, NULL);
	json_end(w);
	json_end(w);
	assert_string_equal(written(t), "[{\"i\":0,\"o\":{\"a\":[[]]}},"
	    "{\"i\":1,\"o\":{\"a\":[1,[]]}},"
	    "{\"i\":2,\"o\":{\"a\":[2,[]]}},{}]");
	/* Too deep: the writer stops and says so. */
	buf_reset(t->out);
	json_begin(w, t->out);
	for (i = 0; i <= JSON_W_DEPTH; i++)
		json_arr(w, NULL);
	assert_int_equal(json_done(w), SMERR_LIMIT);
	assert_int_equal(buf_len(t->out), JSON_W_DEPTH);
	/* One end too many is an error too. */
	buf_reset(t->out);
	json_begin(w, t->out);
	json_obj(w, NULL);
	json_end(w);
	json_end(w);
	assert_int_equal(json_done(w), SMERR_INVAL);
}

static void
test_writer_raw(void **st)
{
	struct wst	*t = *st;
	struct json_w	*w = &t->w;

	json_obj(w, NULL);
	json_raw(w, "", 0);
	json_raw(w, "\"a\":1,\"b\":2", 11);
	json_kint(w, "c", 3);
	json_raw(w, "\"d\":[4]", 7);
	json_end(w);
	assert_string_equal(written(t), "{\"a\":1,\"b\":2,\"c\":3,\"d\":[4]}");
}

/* At the buffer's ceiling the first failure sticks; nothing more is put. */
static void
test_writer_sticky(void **st)
{
	struct wst	*t = *st;
	struct json_w	*w = &t->w;
	struct buf	*small;
	size_t		 len;

	assert_non_null(small = buf_new(16));
	json_begin(w, small);
	json_obj(w, NULL);
	json_kstr(w, "k", "0123456789");
	assert_int_equal(json_done(w), SMERR_LIMIT);
	len = buf_len(small);
	json_kint(w, "n", 1);
	json_kstr(w, NULL, "");
	json_raw(w, "1", 1);
	json_end(w);
	assert_int_equal(json_done(w), SMERR_LIMIT);
	assert_int_equal(buf_len(small), len);
	assert_int_equal(w->depth, 1);
	/* What fits exactly is no error. */
	buf_reset(small);
	json_begin(w, small);
	json_obj(w, NULL);
	json_kstr(w, "k", "01234567");
	json_end(w);
	assert_int_equal(json_done(w), 0);
	assert_int_equal(buf_len(small), 16);
	buf_free(small);
}

#define WRITER_TEST(f)	cmocka_unit_test_setup_teardown(f, writer_setup, \
	writer_teardown)

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_null_and_empty),
	    cmocka_unit_test(test_members),
	    cmocka_unit_test(test_malformed),
	    WRITER_TEST(test_writer_members),
	    WRITER_TEST(test_writer_nesting),
	    WRITER_TEST(test_writer_raw),
	    WRITER_TEST(test_writer_sticky));
}
