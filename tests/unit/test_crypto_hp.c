/*
 * crypto/hp.c: the outer header fields held against a signed protected
 * section (RFC 9788), and the fields read into a verdict.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/vec.h"
#include "mime/mime.h"
#include "crypto/crypto_int.h"
#include "tests/unit/lib/unit.h"

#define INNER	"From: Alice <alice@example.test>\r\n" \
		"To: Bob <bob@example.test>, carol@example.test\r\n" \
		"Subject: the real one\r\n" \
		"Date: Sat, 20 Feb 2021 10:00:00 -0500\r\n" \
		"Message-ID: <inner@example.test>\r\n"

struct notes {
	char	all[2048];
	int	n;
};

static int
note(void *arg, const char *s)
{
	struct notes	*ns = arg;
	size_t		 len = strlen(ns->all);

	snprintf(ns->all + len, sizeof(ns->all) - len, "%s;", s);
	ns->n++;
	return 0;
}

/* The notes for outer fields against INNER plus extra (encrypted or not). */
static struct notes
compare(const char *outer, const char *extra, int encrypted)
{
	struct mime_msg	*o = NULL, *i = NULL;
	struct notes	 ns;
	char		 a[2048], b[2048];

	memset(&ns, 0, sizeof(ns));
	snprintf(a, sizeof(a), "%s\r\nbody\r\n", outer);
	snprintf(b, sizeof(b), "%s%sContent-Type: text/plain; hp=clear\r\n"
	    "\r\nbody\r\n", INNER, extra);
	assert_int_equal(mime_parse(a, strlen(a), &o, NULL), 0);
	assert_int_equal(mime_parse(b, strlen(b), &i, NULL), 0);
	assert_int_equal(crypto_hp_compare(mime_msg_root(o),
	    mime_msg_root(i), encrypted, 1, note, &ns), 0);
	mime_msg_free(o);
	mime_msg_free(i);
	return ns;
}

static void
test_same(void **st)
{
	struct notes	ns;

	(void)st;
	ns = compare(INNER, "", 0);
	assert_int_equal(ns.n, 0);
	/* Other display names, case and order, the same instant elsewhere. */
	ns = compare("From: alice@EXAMPLE.test\r\n"
	    "To: carol@example.test, \"B.\" <bob@example.test>\r\n"
	    "Subject:  the   real one\r\n"
	    "Date: Sat, 20 Feb 2021 15:00:00 +0000\r\n", "", 0);
	assert_int_equal(ns.n, 0);
	/* Fields left out outside are not shown, and say nothing. */
	ns = compare("From: alice@example.test\r\n", "", 0);
	assert_int_equal(ns.n, 0);
}

static void
test_changed(void **st)
{
	struct notes	ns;

	(void)st;
	ns = compare("From: alice@example.test\r\n"
	    "To: bob@example.test\r\n"
	    "Subject: URGENT - wire 10k\r\n"
	    "Cc: eve@example.test\r\n"
	    "Date: Sat, 20 Feb 2021 11:00:00 -0500\r\n", "", 0);
	assert_int_equal(ns.n, 4);
	assert_non_null(strstr(ns.all, "the outer To field differs"));
	assert_non_null(strstr(ns.all, "the outer Subject field differs"));
	assert_non_null(strstr(ns.all, "the outer Date field differs"));
	assert_non_null(strstr(ns.all, "the outer Cc field is not in the "
	    "signed header section"));
}

static void
test_recorded(void **st)
{
	struct notes	ns;

	(void)st;
	/* An obscured Subject is expected of an encrypted message only. */
	ns = compare("Subject: [...]\r\n", "", 1);
	assert_int_equal(ns.n, 0);
	ns = compare("Subject: ...\r\n", "", 1);
	assert_int_equal(ns.n, 0);
	ns = compare("Subject: [...]\r\n", "", 0);
	assert_int_equal(ns.n, 1);
	/* What the sender recorded as sent outside is no finding. */
	ns = compare("Message-ID: <outer@example.test>\r\n"
	    "Subject: something else\r\n",
	    "HP-Outer: Message-ID: <outer@example.test>\r\n"
	    "HP-Obscured: Subject: something  else\r\n", 0);
	assert_int_equal(ns.n, 0);
	/* ...but only that value of that field. */
	ns = compare("Message-ID: <other@example.test>\r\n",
	    "HP-Outer: Message-ID: <outer@example.test>\r\n"
	    "HP-Outer: Subject: <other@example.test>\r\n", 0);
	assert_int_equal(ns.n, 1);
}

static void
test_read(void **st)
{
	struct crypto_verdict	 v;
	struct mime_msg		*m = NULL;
	static const char	 msg[] = INNER "Cc: dave@example.test\r\n"
	    "\r\nbody\r\n";
	const char		*why;
	time_t			 t;

	(void)st;
	memset(&v, 0, sizeof(v));
	assert_int_equal(mime_parse(msg, sizeof(msg) - 1, &m, NULL), 0);
	assert_int_equal(crypto_hdr_read(&v, mime_msg_root(m), &t, &why,
	    NULL), 0);
	assert_string_equal(v.from, "alice@example.test");
	assert_string_equal(v.subject, "the real one");
	assert_int_equal(v.nto, 2);
	assert_string_equal(v.to[1], "carol@example.test");
	assert_int_equal(v.ncc, 1);
	assert_int_equal(t, 1613833200);
	assert_int_equal(v.date, t);
	/* Read again (the protected section): what was there is replaced. */
	assert_int_equal(crypto_hdr_read(&v, mime_msg_root(m), &t, &why,
	    NULL), 0);
	assert_int_equal(v.nto, 2);
	free(v.from);
	free(v.subject);
	vec_strv_free(v.to, v.nto);
	vec_strv_free(v.cc, v.ncc);
	mime_msg_free(m);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_same),
	    cmocka_unit_test(test_changed),
	    cmocka_unit_test(test_recorded),
	    cmocka_unit_test(test_read));
}
