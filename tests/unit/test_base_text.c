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
#include "base/text.h"
#include "tests/unit/lib/unit.h"

static char *
san(const char *in, unsigned flags)
{
	char	*s = text_sanitize_str(in, flags);

	assert_non_null(s);
	return s;
}

#define EXPECT(in, flags, want) do {				\
	char *_s = san(in, flags);				\
	assert_string_equal(_s, want);				\
	free(_s);						\
} while (0)

static void
test_empty(void **st)
{
	(void)st;
	EXPECT("", 0, "");
	EXPECT("plain text", 0, "plain text");
}

static void
test_csi_osc_dcs(void **st)
{
	(void)st;
	EXPECT("a\x1b[31mred\x1b[0m b", 0, "ared b");
	EXPECT("x\x1b]0;title\x07y", 0, "xy");
	EXPECT("x\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\y", 0, "xlinky");
	EXPECT("x\x1bP1$qm\x1b\\y", 0, "xy");
	EXPECT("x\x1b(By", 0, "xy");
	EXPECT("x\x1b" "cy", 0, "xy");		/* RIS */
	EXPECT("\x1b[2J\x1b[Hhidden", 0, "hidden");
}

static void
test_c0_c1(void **st)
{
	(void)st;
	EXPECT("a\x07\x08\x7f" "b", 0, "ab");
	EXPECT("a\xc2\x9b" "31mb", 0, "ab");		/* C1 CSI in UTF-8 */
	EXPECT("a\xc2\x9d" "0;t\xc2\x9c" "b", 0, "ab");	/* C1 OSC .. ST */
	EXPECT("a\xc2\x85" "b", 0, "ab");		/* NEL */
	EXPECT("over\rwrite", 0, "overwrite");
}

static void
test_newlines(void **st)
{
	(void)st;
	EXPECT("l1\r\nl2\n\tx", TEXT_MULTILINE, "l1\nl2\n\tx");
	EXPECT("l1\r\nl2\tx", 0, "l1 l2 x");
	/*
	 * A string unterminated on its line is none: its introducer goes,
	 * nothing after it is hidden.
	 */
	EXPECT("a\x1b]0;never ends\nvisible", TEXT_MULTILINE,
	    "a0;never ends\nvisible");
	EXPECT("a\x1b]0;t\nb\x07" "c", TEXT_MULTILINE, "a0;t\nbc");
	EXPECT("x \xc2\x9f y \xc2\x9f z", 0, "x  y  z");
	EXPECT("x \xc2\x9f hidden\xc2\x9c y", 0, "x  y");
}

static void
test_bidi(void **st)
{
	(void)st;
	EXPECT("abc\xe2\x80\xaeinvoice.pdf", 0, "abcinvoice.pdf");
	EXPECT("\xe2\x81\xa6x\xe2\x81\xa9", 0, "x");
	EXPECT("\xd8\x9c" "a", 0, "a");
}

static void
test_utf8(void **st)
{
	(void)st;
	EXPECT("caf\xc3\xa9", 0, "caf\xc3\xa9");
	EXPECT("bad\xff" "x", 0, "bad\xef\xbf\xbdx");
	EXPECT("\xc0\xaf", 0, "\xef\xbf\xbd\xef\xbf\xbd");	/* overlong */
	EXPECT("\xed\xa0\x80", 0,
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");	/* surrogate */
	assert_true(text_utf8_valid("caf\xc3\xa9", 5));
	assert_false(text_utf8_valid("\xc3", 1));
	assert_true(text_utf8_valid("", 0));
	assert_true(text_is_ascii(""));
	assert_true(text_is_ascii("a@example.test\x7f"));
	assert_false(text_is_ascii("caf\xc3\xa9"));
	assert_false(text_is_ascii("\x80"));
}

static void
test_runs(void **st)
{
	(void)st;
	/* Long printable runs next to sequences and multibyte text. */
	EXPECT("plain words\x1b[1mbold\x1b[0m more words", 0,
	    "plain wordsbold more words");
	EXPECT("abc\xc3\xa9" "def\x07ghi", 0, "abc\xc3\xa9" "defghi");
	EXPECT("x\x1b]0;title with spaces\x07y z", 0, "xy z");
}

static void
test_nul_inside(void **st)
{
	struct buf	*b = buf_new(0);

	(void)st;
	assert_int_equal(text_sanitize(b, "a\0b", 3, 0), 0);
	assert_int_equal(buf_len(b), 2);
	assert_string_equal(buf_str(b), "ab");
	buf_free(b);
}

static void
test_json(void **st)
{
	struct buf	*b = buf_new(0);

	(void)st;
	assert_int_equal(json_str(b, "a\"b\\c\n\x01\xff"), 0);
	assert_string_equal(buf_str(b), "\"a\\\"b\\\\c\\n\\u0001\xef\xbf\xbd\"");
	buf_reset(b);
	assert_int_equal(json_str(b, NULL), 0);
	assert_string_equal(buf_str(b), "null");
	buf_reset(b);
	assert_int_equal(json_text(b, "a\x1b[31mb\n"), 0);
	assert_string_equal(buf_str(b), "\"ab \"");
	buf_reset(b);
	assert_int_equal(json_text_list(b, "x@a,\x1b]0;t\x07y@b"), 0);
	assert_string_equal(buf_str(b), "[\"x@a\",\"y@b\"]");
	buf_reset(b);
	assert_int_equal(json_text_list(b, ""), 0);
	assert_string_equal(buf_str(b), "[]");
	buf_reset(b);
	assert_int_equal(json_time(b, 0), 0);
	assert_string_equal(buf_str(b), "null");
	buf_reset(b);
	assert_int_equal(json_time(b, 1700000000), 0);
	assert_string_equal(buf_str(b), "\"2023-11-14T22:13:20Z\"");
	buf_free(b);
}

/* Hex digits, ISO 8601 times and one code point at a time. */
static void
test_hex_time_next(void **st)
{
	const unsigned char	 in[] = { 0x00, 0x7f, 0xab, 0xff };
	const unsigned char	*p = (const unsigned char *)"a\xc3\xa9\xff";
	unsigned char		 raw[4];
	char			 hex[9], t[32], small[8];
	size_t			 len = 4;

	(void)st;
	text_hex_encode(in, sizeof(in), hex);
	assert_string_equal(hex, "007fabff");
	text_hex_encode(in, 0, hex);
	assert_string_equal(hex, "");
	assert_int_equal(text_hex_digit('0'), 0);
	assert_int_equal(text_hex_digit('9'), 9);
	assert_int_equal(text_hex_digit('a'), 10);
	assert_int_equal(text_hex_digit('F'), 15);
	assert_int_equal(text_hex_digit('g'), -1);
	assert_int_equal(text_hex_digit('/'), -1);
	assert_int_equal(text_hex_digit(0xff), -1);
	memset(raw, 0, sizeof(raw));
	assert_int_equal(text_hex_decode("007fABff", raw, sizeof(raw)), 0);
	assert_memory_equal(raw, in, sizeof(in));
	assert_int_equal(text_hex_decode("", raw, 0), 0);
	assert_int_equal(text_hex_decode(NULL, raw, sizeof(raw)), -1);
	assert_int_equal(text_hex_decode("007fabf", raw, sizeof(raw)), -1);
	assert_int_equal(text_hex_decode("007fabfff0", raw, sizeof(raw)), -1);
	assert_int_equal(text_hex_decode("007fab-f", raw, sizeof(raw)), -1);
	assert_int_equal(text_hex_decode("007fabg0", raw, sizeof(raw)), -1);
	assert_int_equal(text_iso_time(1700000000, t, sizeof(t)), 0);
	assert_string_equal(t, "2023-11-14T22:13:20Z");
	assert_int_equal(text_iso_time(0, t, sizeof(t)), -1);
	assert_string_equal(t, "");
	assert_int_equal(text_iso_time(1700000000, small, sizeof(small)), -1);
	assert_string_equal(small, "");
	assert_int_equal(text_utf8_next(&p, &len), 'a');
	assert_int_equal(text_utf8_next(&p, &len), 0xe9);
	assert_int_equal(len, 1);
	assert_int_equal(text_utf8_next(&p, &len), 0xfffd);
	assert_int_equal(len, 0);
	/* The first at sign, whichever way it is drawn. */
	assert_null(text_find_at("no address", &len));
	assert_string_equal(text_find_at("a\xef\xb9\xab" "b@c", &len),
	    "\xef\xb9\xab" "b@c");
	assert_int_equal(len, 3);
	assert_string_equal(text_find_at("a@b\xef\xbc\xa0", &len),
	    "@b\xef\xbc\xa0");
	assert_int_equal(len, 1);
}

/* Runs copied whole end exactly where a code point needs escaping. */
static void
test_json_runs(void **st)
{
	struct buf	*b = buf_new(0);

	(void)st;
	/* U+00E9, U+0085 (C1), U+2028, an overlong '/', a cut-off sequence */
	assert_int_equal(json_str(b, "ab\xc3\xa9" "c\xc2\x85" "d\xe2\x80\xa8"
	    "e\xc0\xaf" "f\xe2\x82"), 0);
	assert_string_equal(buf_str(b), "\"ab\xc3\xa9" "c\\u0085d\\u2028e"
	    "\xef\xbf\xbd\xef\xbf\xbd" "f\xef\xbf\xbd\xef\xbf\xbd\"");
	buf_reset(b);
	assert_int_equal(json_str(b, "\xf0\x9f\x98\x80\x7f\"\xe2\x80\xa9x"), 0);
	assert_string_equal(buf_str(b),
	    "\"\xf0\x9f\x98\x80\\u007f\\\"\\u2029x\"");
	buf_free(b);
}

/* The length of the run text_span should find, a byte at a time. */
static size_t
span_ref(const unsigned char *p, size_t len, unsigned cls)
{
	size_t		i;
	unsigned	c;

	for (i = 0; i < len; i++) {
		c = p[i];
		if ((cls & TEXT_C_PRINT) && c >= 0x20 && c <= 0x7e)
			continue;
		if ((cls & TEXT_C_LINE) && (c == '\n' || c == '\t'))
			continue;
		if ((cls & TEXT_C_JSON) && c >= 0x20 && c <= 0x7e &&
		    c != '"' && c != '\\')
			continue;
		break;
	}
	return i;
}

static void
test_span(void **st)
{
	static const unsigned	 cls[] = { TEXT_C_PRINT, TEXT_C_JSON,
	    TEXT_C_PRINT | TEXT_C_LINE, TEXT_C_LINE };
	unsigned char		 b[40];
	size_t			 k, pos, len;
	unsigned		 c;

	(void)st;
	/* Every byte value at every place of a word and of the tail. */
	for (k = 0; k < sizeof(cls) / sizeof(cls[0]); k++)
		for (c = 0; c < 256; c++)
			for (pos = 0; pos < 20; pos++)
				for (len = pos + 1; len <= 20; len += 3) {
					memset(b, 'a', sizeof(b));
					b[pos] = (unsigned char)c;
					assert_int_equal(text_span(b, len,
					    cls[k]), span_ref(b, len, cls[k]));
				}
	/* Neighbours that would carry or borrow into each other. */
	for (c = 0; c < 256; c++) {
		memset(b, (int)c, sizeof(b));
		b[3] = 0x7f;
		b[4] = 0x20;
		b[11] = 0xff;
		b[12] = 0x00;
		for (k = 0; k < sizeof(cls) / sizeof(cls[0]); k++)
			for (pos = 0; pos < 8; pos++)
				assert_int_equal(text_span(b + pos,
				    sizeof(b) - pos, cls[k]), span_ref(b + pos,
				    sizeof(b) - pos, cls[k]));
	}
}

static void
test_trim(void **st)
{
	char	a[] = " \t x y \t\r", b[] = "", c[] = " \r ", d[] = "\rz";

	(void)st;
	assert_string_equal(text_trim(a), "x y");
	assert_string_equal(text_trim(b), "");
	assert_string_equal(text_trim(c), "");
	/* A CR is cut at the end only, as a line end left over. */
	assert_string_equal(text_trim(d), "\rz");
}

static void
test_parse_time(void **st)
{
	time_t	t;

	(void)st;
	assert_int_equal(text_parse_time("2019-06-01", &t, NULL), 0);
	assert_int_equal((long long)t, 1559347200LL);
	assert_int_equal(text_parse_time("2019-06-01T12:00:00Z", &t, NULL),
	    0);
	assert_int_equal((long long)t, 1559390400LL);
	assert_int_equal(text_parse_time("@86400", &t, NULL), 0);
	assert_int_equal((long long)t, 86400LL);
	assert_int_equal(text_parse_time("2019-06-01x", &t, NULL),
	    SMERR_INVAL);
	assert_int_equal(text_parse_time("", &t, NULL), SMERR_INVAL);
	/* Past what a time holds, or before it: no time at all. */
	assert_int_equal(text_parse_time("@99999999999999999999", &t, NULL),
	    SMERR_INVAL);
	assert_int_equal(text_parse_time("@253402300800", &t, NULL),
	    SMERR_INVAL);
	assert_int_equal(text_parse_time("@253402300799", &t, NULL), 0);
	assert_int_equal(text_parse_time("@ 5", &t, NULL), SMERR_INVAL);
	assert_int_equal(text_parse_time("@+5", &t, NULL), SMERR_INVAL);
	/* A day that does not exist is not the next month's. */
	assert_int_equal(text_parse_time("2026-02-30", &t, NULL),
	    SMERR_INVAL);
	assert_int_equal(text_parse_time("2028-02-29", &t, NULL), 0);
}

/* Lower case in every script, whatever the locale; bad bytes kept. */
static void
test_fold(void **st)
{
	static const char	in[] = "\xc3\x80\xc3\x89\xc3\x8e Stra\xc3\x9f"
	    "e \xce\x91\xce\x98\xce\x97\xce\x9d\xce\x91 ABC \xff\xc3";
	static const char	out[] = "\xc3\xa0\xc3\xa9\xc3\xae stra\xc3"
	    "\x9f" "e \xce\xb1\xce\xb8\xce\xb7\xce\xbd\xce\xb1 abc \xff"
	    "\xc3";
	struct buf		*b = buf_new(0);

	(void)st;
	assert_int_equal(text_fold(b, in, sizeof(in) - 1), 0);
	assert_int_equal(buf_len(b), sizeof(out) - 1);
	assert_memory_equal(buf_data(b), out, sizeof(out) - 1);
	assert_true(text_has_8bit(in, sizeof(in) - 1));
	assert_false(text_has_8bit("plain ASCII", 11));
	buf_free(b);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_csi_osc_dcs),
	    cmocka_unit_test(test_c0_c1),
	    cmocka_unit_test(test_newlines),
	    cmocka_unit_test(test_bidi),
	    cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_runs),
	    cmocka_unit_test(test_nul_inside),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_json_runs),
	    cmocka_unit_test(test_hex_time_next),
	    cmocka_unit_test(test_parse_time),
	    cmocka_unit_test(test_span),
	    cmocka_unit_test(test_trim),
	    cmocka_unit_test(test_fold));
}
