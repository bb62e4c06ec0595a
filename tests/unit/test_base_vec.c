/* base/vec.c: growing arrays, and the lists of strings kept in them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/err.h"
#include "base/vec.h"
#include "tests/unit/lib/unit.h"

/* Copies are added in order, cut at len or at a NUL, whichever is first. */
static void
test_strv(void **unused)
{
	char	**v = NULL;
	size_t	  n = 0;

	(void)unused;
	assert_int_equal(vec_strv_add(&v, &n, "first", 5), 0);
	assert_int_equal(vec_strv_add(&v, &n, "second line", 6), 0);
	assert_int_equal(vec_strv_add(&v, &n, "th\0ird", 6), 0);
	assert_int_equal(vec_strv_add(&v, &n, "", 0), 0);
	assert_int_equal(n, 4);
	assert_string_equal(v[0], "first");
	assert_string_equal(v[1], "second");
	assert_string_equal(v[2], "th");
	assert_string_equal(v[3], "");
	vec_strv_free(v, n);
	vec_strv_free(NULL, 0);
}

static void
test_ids(void **unused)
{
	struct vec_ids	l;
	struct smerr	e;
	int64_t		i;

	(void)unused;
	memset(&l, 0, sizeof(l));
	smerr_clear(&e);
	for (i = 1; i <= 100; i++)
		assert_int_equal(vec_ids_add(&l, i), 0);
	assert_int_equal(l.n, 100);
	assert_true(l.cap >= 100);
	assert_int_equal(l.v[0], 1);
	assert_int_equal(l.v[99], 100);
	assert_int_equal(vec_ids_check(&l, &e), 0);
	/* As a foreach's callback, the same list grows on. */
	assert_int_equal(vec_ids_cb(101, &l), 0);
	assert_int_equal(l.n, 101);
	assert_int_equal(l.v[100], 101);
	l.oom = 1;
	assert_int_equal(vec_ids_check(&l, &e), SMERR_NOMEM);
	free(l.v);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_strv),
	    cmocka_unit_test(test_ids));
}
