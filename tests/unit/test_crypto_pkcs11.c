/*
 * crypto/pkcs11.c without a token: which RFC 7512 URIs sealmail takes,
 * and the one line a module that is missing or not a module gives.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/err.h"
#include "crypto/crypto.h"
#include "tests/unit/lib/unit.h"

static int
uri_ok(const char *uri)
{
	struct smerr	e;

	smerr_clear(&e);
	return crypto_p11_uri_check(uri, &e) == 0;
}

static void
test_uris(void **state)
{
	static const char *const	 good[] = {
		"pkcs11:token=sealmail;object=key",
		"PKCS11:object=key",
		"pkcs11:token=My%20Card;manufacturer=OpenSC;serial=0123;"
		    "model=PKCS%2315;object=Signature%20key",
		"pkcs11:id=%01%02",
		"pkcs11:object=a;type=private",
		"pkcs11:;;object=a;",
	};
	static const char *const	 bad[] = {
		"",
		"pkcs11",
		"pkcs12:object=a",
		"pkcs11:token=sealmail",		/* no object */
		"pkcs11:object=a?pin-value=1234",	/* the PIN in the URI */
		"pkcs11:object=a;module-path=/tmp/x.so",
		"pkcs11:object=a;slot-id=1",
		"pkcs11:object",			/* no value */
		"pkcs11:object=%zz",
		"pkcs11:object=%4",
		"pkcs11:object=a%00b",			/* a NUL in a label */
		"pkcs11:object=a;id=",
		"pkcs11:object=a;type=",
		"pkcs11:token=123456789012345678901234567890123;object=a",
		"pkcs11:serial=12345678901234567;object=a",
	};
	struct smerr			 e;
	size_t				 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(uri_ok(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(uri_ok(bad[i]));
	/* Too long is a limit; badly encoded is malformed. */
	smerr_clear(&e);
	assert_int_equal(crypto_p11_uri_check("pkcs11:token=12345678901234567"
	    "8901234567890123;object=a", &e), SMERR_LIMIT);
	assert_non_null(strstr(smerr_msg(&e), "too long for"));
	smerr_clear(&e);
	assert_int_equal(crypto_p11_uri_check("pkcs11:object=%zz", &e),
	    SMERR_PARSE);
}

/*
 * Every URI that chooses a token by the same attributes names it alike,
 * whichever object it names and however it is spelt.
 */
static void
test_uri_token(void **state)
{
	char	a[256], b[256];

	(void)state;
	assert_int_equal(crypto_p11_uri_token("pkcs11:token=My%20Card;"
	    "object=a", a, sizeof(a), NULL), 0);
	assert_int_equal(crypto_p11_uri_token("pkcs11:id=%01;token=My Card",
	    b, sizeof(b), NULL), 0);
	assert_string_equal(a, b);
	/* Another label, another attribute, none: another token. */
	assert_int_equal(crypto_p11_uri_token("pkcs11:token=My%20Card2;"
	    "object=a", b, sizeof(b), NULL), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(crypto_p11_uri_token("pkcs11:token=My%20Card;"
	    "serial=1;object=a", b, sizeof(b), NULL), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(crypto_p11_uri_token("pkcs11:object=a", b,
	    sizeof(b), NULL), 0);
	assert_string_not_equal(a, b);
	/* An empty label is a label: not the same as none. */
	assert_int_equal(crypto_p11_uri_token("pkcs11:token=;object=a", a,
	    sizeof(a), NULL), 0);
	assert_string_not_equal(a, b);
	/* Too small a room, and a URI that is none, are errors. */
	assert_int_equal(crypto_p11_uri_token("pkcs11:object=a", b, 8, NULL),
	    SMERR_LIMIT);
	assert_int_equal(crypto_p11_uri_token("pkcs11:token=x", b, sizeof(b),
	    NULL), SMERR_PARSE);
}

static void
test_modules(void **state)
{
	struct crypto_token	*t = NULL;
	struct smerr		 e;
	static const uint8_t	 pin[] = "1234";

	(void)state;
	smerr_clear(&e);
	assert_int_equal(crypto_token_open("/nonexistent/module.so",
	    "pkcs11:object=a", pin, 4, 1, &t, &e), SMERR_NOTFOUND);
	assert_null(t);
	assert_non_null(strstr(smerr_msg(&e), "cannot be loaded"));
	assert_null(strchr(smerr_msg(&e), '\n'));
	/* A library that is no PKCS#11 module. */
	smerr_clear(&e);
	assert_int_equal(crypto_token_open("libc.so.6", "pkcs11:object=a",
	    pin, 4, 1, &t, &e), SMERR_PARSE);
	assert_non_null(strstr(smerr_msg(&e), "not a PKCS#11 module"));
	/* A bad URI is refused before any module is touched. */
	smerr_clear(&e);
	assert_int_equal(crypto_token_open("/nonexistent/module.so",
	    "pkcs11:token=x", pin, 4, 1, &t, &e), SMERR_PARSE);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_uris),
	    cmocka_unit_test(test_uri_token),
	    cmocka_unit_test(test_modules));
}
