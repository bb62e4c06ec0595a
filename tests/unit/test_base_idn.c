/* base/idn.c: domains outside ASCII as A-labels, in addresses too. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/err.h"
#include "base/idn.h"
#include "tests/unit/lib/unit.h"

/* "bücher" with the ü composed (U+00FC) and decomposed (u, U+0308). */
#define BUECHER		"b\xc3\xbc" "cher"
#define BUECHER_NFD	"bu\xcc\x88" "cher"

static void
test_domain(void **unused)
{
	char	*a = NULL;

	(void)unused;
	assert_int_equal(idn_alabels(BUECHER ".example", &a, NULL), 0);
	assert_string_equal(a, "xn--bcher-kva.example");
	free(a);
	/* Capitals are mapped (UTS 46), the input made NFC first. */
	assert_int_equal(idn_alabels("B\xc3\x9c" "CHER.Example", &a, NULL), 0);
	assert_string_equal(a, "xn--bcher-kva.example");
	free(a);
	assert_int_equal(idn_alabels(BUECHER_NFD ".example", &a, NULL), 0);
	assert_string_equal(a, "xn--bcher-kva.example");
	free(a);
}

static void
test_addr(void **unused)
{
	static const char *const cases[][2] = {
		{ "j@" BUECHER ".example", "j@xn--bcher-kva.example" },
		{ "Info.Desk@" BUECHER_NFD ".example",
		    "Info.Desk@xn--bcher-kva.example" },
		/* Only the domain: an ASCII one, and the local part, stay. */
		{ "Bob@Example.TEST", "Bob@Example.TEST" },
		{ "j\xc3\xb6rg@example.test", "j\xc3\xb6rg@example.test" },
		{ "j\xc3\xb6rg@" BUECHER ".example",
		    "j\xc3\xb6rg@xn--bcher-kva.example" },
		/* The last '@' starts the domain; without one, as it is. */
		{ "\"a@b\"@" BUECHER ".example", "\"a@b\"@xn--bcher-kva.example" },
		{ "no-at-sign", "no-at-sign" },
	};
	char	*a;
	size_t	 i;

	(void)unused;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = NULL;
		assert_int_equal(idn_addr_alabels(cases[i][0], &a, NULL), 0);
		assert_string_equal(a, cases[i][1]);
		free(a);
	}
}

static void
test_addr_bad(void **unused)
{
	static const char *bad[] = {
		"a@\xe2\x98\x83.example",	/* U+2603, disallowed */
		"a@x\xe2\x80\x8dy.example",	/* a joiner out of context */
	};
	struct smerr	 e;
	char		*a = NULL;
	size_t		 i;

	(void)unused;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		smerr_clear(&e);
		assert_int_equal(idn_addr_alabels(bad[i], &a, &e),
		    SMERR_INVAL);
		assert_null(a);
		/* The line names the address and its domain. */
		assert_memory_equal(e.msg, bad[i], strlen(bad[i]));
		assert_non_null(strstr(e.msg, ": not a valid domain name: "));
		assert_non_null(strstr(e.msg, bad[i] + 2));
	}
}

static void
test_eq(void **unused)
{
	(void)unused;
	assert_true(idn_addr_eq("user@" BUECHER ".example",
	    "user@xn--bcher-kva.example"));
	assert_true(idn_addr_eq("USER@XN--BCHER-KVA.example",
	    "user@" BUECHER_NFD ".Example"));
	assert_true(idn_addr_eq("a@example.test", "A@Example.Test"));
	assert_false(idn_addr_eq("other@" BUECHER ".example",
	    "user@xn--bcher-kva.example"));
	assert_false(idn_addr_eq("user@bucher.example",
	    "user@" BUECHER ".example"));
	assert_false(idn_addr_eq("a@example.test", "b@example.test"));
	/* A domain that fails IDNA equals nothing but itself as written. */
	assert_false(idn_addr_eq("a@\xe2\x98\x83.example",
	    "a@xn--n3h.example"));
	assert_true(idn_addr_eq("a@\xe2\x98\x83.example",
	    "a@\xe2\x98\x83.example"));
	assert_false(idn_addr_eq(NULL, "a@example.test"));
	assert_false(idn_addr_eq("a@example.test", NULL));
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_domain),
	    cmocka_unit_test(test_addr),
	    cmocka_unit_test(test_addr_bad),
	    cmocka_unit_test(test_eq));
}
