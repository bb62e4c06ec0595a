#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "base/vec.h"
#include "tests/unit/lib/unit.h"

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

/* Writes n bytes of a pattern to a new temporary file; its descriptor. */
static int
pattern_file(size_t n)
{
	char	t[] = "/tmp/test_buf.XXXXXX";
	uint8_t	c;
	size_t	i;
	int	fd;

	assert_true((fd = mkstemp(t)) >= 0);
	unlink(t);
	for (i = 0; i < n; i++) {
		c = (uint8_t)(i * 7 + 1);
		assert_int_equal(write(fd, &c, 1), 1);
	}
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void
check_pattern(const struct buf *b, size_t n)
{
	size_t	i;

	assert_int_equal(buf_len(b), n);
	for (i = 0; i < n; i++)
		assert_int_equal(buf_data(b)[i], (uint8_t)(i * 7 + 1));
	assert_int_equal(buf_data(b)[n], 0);
}

/* A file or a pipe is read whole, up to the ceiling and not past it. */
static void
test_read_fd(void **state)
{
	static const size_t	sizes[] = { 0, 1, 16383, 16384, 16385, 50000 };
	struct buf		*b;
	size_t			 i;
	int			 fd, p[2];
	pid_t			 pid;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fd = pattern_file(sizes[i]);
		assert_non_null(b = buf_new(sizes[i]));	/* exactly fits */
		assert_int_equal(buf_read_fd(b, fd), 0);
		check_pattern(b, sizes[i]);
		buf_free(b);
		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		assert_non_null(b = buf_new_secret(1 << 20));
		assert_int_equal(buf_putc(b, 'x'), 0);	/* appends */
		assert_int_equal(buf_read_fd(b, fd), 0);
		assert_int_equal(buf_len(b), sizes[i] + 1);
		buf_free(b);
		if (sizes[i] > 1) {	/* buf_new(0): the default ceiling */
			assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
			assert_non_null(b = buf_new(sizes[i] - 1));
			assert_int_equal(buf_read_fd(b, fd), SMERR_LIMIT);
			buf_free(b);
		}
		close(fd);
	}
	/* A pipe has no size to go by. */
	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		uint8_t	c;

		close(p[0]);
		for (i = 0; i < 40000; i++) {
			c = (uint8_t)(i * 7 + 1);
			if (write(p[1], &c, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	assert_non_null(b = buf_new(40000));
	assert_int_equal(buf_read_fd(b, p[0]), 0);
	check_pattern(b, 40000);
	buf_free(b);
	close(p[0]);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

/* base/vec.h: arrays that grow, zeroed, refusing to overflow. */
struct item {
	int	 a;
	char	*s;
};

static void
test_vec_empty(void **st)
{
	struct item	*v = NULL;
	size_t		 cap = 0;

	(void)st;
	assert_int_equal(vec_reserve(&v, &cap, 0, sizeof(*v)), 0);
	assert_non_null(v);
	assert_true(cap >= 1);
	/* Room already there: nothing moves. */
	assert_int_equal(vec_reserve(&v, &cap, cap - 1, sizeof(*v)), 0);
	free(v);
}

static void
test_vec_grow(void **st)
{
	struct item	*v = NULL;
	size_t		 cap = 0, n, i;

	(void)st;
	for (n = 0; n < 1000; n++) {
		assert_int_equal(vec_reserve(&v, &cap, n, sizeof(*v)), 0);
		assert_true(cap > n);
		/* A new element is zeroed; the old ones are kept. */
		assert_int_equal(v[n].a, 0);
		assert_null(v[n].s);
		v[n].a = (int)n + 1;
	}
	for (i = 0; i < n; i++)
		assert_int_equal(v[i].a, (int)i + 1);
	free(v);
}

static void
test_vec_overflow(void **st)
{
	struct item	*v = NULL;
	size_t		 cap = 0;

	(void)st;
	assert_int_equal(vec_reserve(&v, &cap, SIZE_MAX / 2, sizeof(*v)),
	    SMERR_NOMEM);
	assert_null(v);
	assert_int_equal(cap, 0);
	assert_int_equal(vec_reserve(&v, &cap, SIZE_MAX, 1), SMERR_NOMEM);
	assert_null(v);
}

static void
test_vec_ids(void **st)
{
	struct vec_ids	l;
	int64_t		id;

	(void)st;
	memset(&l, 0, sizeof(l));
	for (id = 1; id <= 100; id++)
		assert_int_equal(vec_ids_add(&l, id * 3), 0);
	assert_int_equal(l.n, 100);
	assert_false(l.oom);
	for (id = 1; id <= 100; id++)
		assert_int_equal(l.v[id - 1], id * 3);
	assert_int_equal(vec_ids_check(&l, NULL), 0);
	/* An ID that could not be kept makes the list out of memory. */
	l.oom = 1;
	assert_int_equal(vec_ids_check(&l, NULL), SMERR_NOMEM);
	free(l.v);
}

/* A counting buffer keeps nothing and counts what it is given. */
static void
test_count(void **st)
{
	struct buf	*b = buf_new_count(10);

	(void)st;
	assert_int_equal(buf_puts(b, "hello"), 0);
	assert_int_equal(buf_putc(b, '!'), 0);
	assert_int_equal(buf_printf(b, "%d", 42), 0);
	assert_int_equal(buf_len(b), 8);
	assert_int_equal(buf_reserve(b, 2), 0);
	assert_int_equal(buf_puts(b, "abc"), SMERR_LIMIT);
	assert_int_equal(buf_len(b), 8);
	assert_string_equal(buf_str(b), "");
	assert_null(buf_take(b, NULL));
	assert_null(buf_strdup(b));
	assert_int_equal(buf_read_fd(b, 0), SMERR_INVAL);
	buf_consume(b, 3);
	assert_int_equal(buf_len(b), 5);
	buf_truncate(b, 2);
	assert_int_equal(buf_len(b), 2);
	buf_reset(b);
	assert_int_equal(buf_len(b), 0);
	buf_free(b);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_null_free),
	    cmocka_unit_test(test_limit),
	    cmocka_unit_test(test_grow_secret),
	    cmocka_unit_test(test_empty_put),
	    cmocka_unit_test(test_view),
	    cmocka_unit_test(test_equal),
	    cmocka_unit_test(test_read_fd),
	    cmocka_unit_test(test_vec_empty),
	    cmocka_unit_test(test_vec_grow),
	    cmocka_unit_test(test_vec_overflow),
	    cmocka_unit_test(test_vec_ids),
	    cmocka_unit_test(test_count));
}
