#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"

static void
test_null_free(void **st)
{
	(void)st;
	buf_free(NULL);
	secmem_strfree(NULL);
}

static void
test_limit(void **st)
{
	struct buf	*b = buf_new(8);

	(void)st;
	assert_int_equal(buf_puts(b, "12345678"), 0);
	assert_int_equal(buf_putc(b, 'x'), SMERR_LIMIT);
	assert_int_equal(buf_len(b), 8);
	assert_string_equal(buf_str(b), "12345678");
	assert_int_equal(buf_printf(b, "%d", 1), SMERR_LIMIT);
	buf_free(b);
}

static void
test_grow_secret(void **st)
{
	struct buf	*b = buf_new_secret(0);
	char		*s;
	size_t		 i, n;

	(void)st;
	for (i = 0; i < 10000; i++)
		assert_int_equal(buf_putc(b, 'a' + (int)(i % 26)), 0);
	assert_int_equal(buf_len(b), 10000);
	assert_true(buf_is_secret(b));
	buf_consume(b, 9998);
	assert_string_equal(buf_str(b), "op");
	s = buf_take(b, &n);
	assert_int_equal(n, 2);
	assert_string_equal(s, "op");
	assert_int_equal(buf_len(b), 0);
	secmem_free(s, n);
	buf_free(b);
}

static void
test_empty_put(void **st)
{
	struct buf	*b = buf_new(0);

	(void)st;
	assert_int_equal(buf_puts(b, ""), 0);
	assert_int_equal(buf_len(b), 0);
	assert_string_equal(buf_str(b), "");
	buf_free(b);
}

static void
test_view(void **st)
{
	static const char	 data[] = "read-only";
	struct buf		*v = buf_view(data, 9);

	(void)st;
	assert_int_equal(buf_len(v), 9);
	assert_ptr_equal(buf_data(v), data);
	assert_int_equal(buf_putc(v, 'x'), SMERR_INVAL);
	assert_null(buf_str(v));
	buf_free(v);
}

static void
test_equal(void **st)
{
	(void)st;
	assert_true(secmem_equal("abc", "abc", 3));
	assert_false(secmem_equal("abc", "abd", 3));
	assert_true(secmem_equal("", "", 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_free),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_grow_secret),
		cmocka_unit_test(test_empty_put),
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
