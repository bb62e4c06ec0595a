/* base/dl.c: a library and its functions loaded on first use. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/dl.h"
#include "tests/unit/lib/unit.h"

/* zlib: on every system that builds sealmail (OpenSSL's own dependency). */
#define ZLIB	"libz.so.1"

static struct {
	const char	*(*version)(void);
	unsigned long	 (*crc32)(unsigned long, const unsigned char *,
			    unsigned int);
} z;

/* Every slot is filled, and the functions are the library's. */
static void
test_load(void **unused)
{
	const struct dl_fn	fns[] = {
		{ "zlibVersion", (void **)&z.version },
		{ "crc32", (void **)&z.crc32 },
	};
	char			why[128] = "untouched";

	(void)unused;
	memset(&z, 0, sizeof(z));
	assert_int_equal(dl_load(ZLIB, fns, 2, why, sizeof(why)), 0);
	assert_string_equal(why, "untouched");
	assert_non_null(z.version);
	assert_int_equal(z.version()[0], '1');
	/* CRC-32 of "123456789" (the check value of the algorithm). */
	assert_int_equal(z.crc32(0, (const unsigned char *)"123456789", 9),
	    0xcbf43926UL);
}

/* A library that is not there: the loader's reason. */
static void
test_missing_library(void **unused)
{
	const struct dl_fn	fns[] = {
		{ "zlibVersion", (void **)&z.version },
	};
	char			why[256] = "";

	(void)unused;
	assert_int_equal(dl_load("libsealmail-none.so.0", fns, 1, why,
	    sizeof(why)), -1);
	assert_non_null(strstr(why, "libsealmail-none.so.0"));
}

/* A function the library lacks is named; a short why is cut, not overrun. */
static void
test_missing_function(void **unused)
{
	const struct dl_fn	fns[] = {
		{ "zlibVersion", (void **)&z.version },
		{ "sealmail_no_such_function", (void **)&z.crc32 },
	};
	char			why[128] = "", small[8];

	(void)unused;
	assert_int_equal(dl_load(ZLIB, fns, 2, why, sizeof(why)), -1);
	assert_string_equal(why, "libz.so.1 lacks sealmail_no_such_function, "
	    "which sealmail calls");
	memset(small, 'x', sizeof(small));
	assert_int_equal(dl_load(ZLIB, fns, 2, small, sizeof(small)), -1);
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_load),
	    cmocka_unit_test(test_missing_library),
	    cmocka_unit_test(test_missing_function));
}
