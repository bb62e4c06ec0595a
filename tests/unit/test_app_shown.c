#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "app/app.h"
#include "tests/unit/lib/unit.h"

static void
test_null_and_empty(void **st)
{
	struct app_shown	*sh = NULL;
	struct smerr		 e;

	(void)st;
	app_shown_free(NULL);
	assert_int_equal(app_shown_line(NULL, 1), 0);
	assert_null(app_from_name(NULL, 0));
	smerr_clear(&e);
	assert_int_equal(app_shown_read(NULL, &sh, &e), 0);
	assert_null(sh->cipher);
	assert_null(sh->revocation);
	assert_int_equal(sh->nfindings, 0);
	assert_int_equal(sh->has_coverage, 0);
	app_shown_free(sh);
}

static void
test_verdict(void **st)
{
	struct app_shown	*sh = NULL;
	struct smerr		 e;
	const char		*v = "{\"signature\":\"partial\","
	    "\"header_protection\":\"none\",\"revocation\":\"good\","
	    "\"cipher\":\"aes-256-cbc\",\"text\":\"\",\"findings\":["
	    "\"aes-256-cbc: the envelope is not integrity-protected\","
	    "\"x\\u001b[31my\"],\"coverage\":["
	    "{\"line\":1,\"signed\":false,\"envelope\":true},"
	    "{\"line\":3,\"signed\":true,\"envelope\":true},"
	    "{\"line\":2,\"signed\":true,\"envelope\":false},"
	    "{\"line\":7,\"signed\":false,\"envelope\":false}]}";

	(void)st;
	smerr_clear(&e);
	assert_int_equal(app_shown_read(v, &sh, &e), 0);
	assert_string_equal(sh->cipher, "aes-256-cbc");
	assert_string_equal(sh->revocation, "good");
	assert_int_equal(sh->nfindings, 2);
	assert_string_equal(sh->findings[0],
	    "aes-256-cbc: the envelope is not integrity-protected");
	/* A finding reaches the screen sanitized. */
	assert_string_equal(sh->findings[1], "xy");
	assert_int_equal(sh->has_coverage, 1);
	/* The run out of order (line 2 after 3) is dropped. */
	assert_int_equal(sh->nspans, 3);
	assert_int_equal(app_shown_line(sh, 1), APP_SPAN_ENVELOPE);
	assert_int_equal(app_shown_line(sh, 2), APP_SPAN_ENVELOPE);
	assert_int_equal(app_shown_line(sh, 3),
	    APP_SPAN_SIGNED | APP_SPAN_ENVELOPE);
	assert_int_equal(app_shown_line(sh, 6),
	    APP_SPAN_SIGNED | APP_SPAN_ENVELOPE);
	assert_int_equal(app_shown_line(sh, 7), 0);
	assert_int_equal(app_shown_line(sh, 1000), 0);
	app_shown_free(sh);
	smerr_clear(&e);
	assert_int_equal(app_shown_read("{\"coverage\":[{\"line\":1,"
	    "\"flowed\":true},{\"line\":4,\"flowed\":true,\"delsp\":true}]}",
	    &sh, &e), 0);
	assert_int_equal(app_shown_line(sh, 3), APP_SPAN_FLOWED);
	assert_int_equal(app_shown_line(sh, 4),
	    APP_SPAN_FLOWED | APP_SPAN_DELSP);
	app_shown_free(sh);
}

/*
 * A verdict kept before revocation and header protection were checked
 * says so among its findings, after those it kept; one kept before only
 * revocation, only that. The terminal program shows a finding as a
 * warning, so such a verdict is never shown as plainly good.
 */
static void
test_older(void **st)
{
	struct app_shown	*sh = NULL;
	struct smerr		 e;
	char			 w[256];
	const char		*first = "{\"from\":\"a@example.test\","
	    "\"subject\":\"s\",\"signature\":\"valid\",\"signer\":"
	    "\"a@example.test\",\"signers\":[\"a@example.test\"],"
	    "\"trust\":\"pkix\",\"encryption\":\"none\",\"cipher\":null,"
	    "\"text\":\"\",\"findings\":[\"kept\"]}";
	const char		*hp = "{\"header_protection\":\"signed\","
	    "\"signature\":\"valid\",\"findings\":[]}";
	const char		*now = "{\"header_protection\":\"none\","
	    "\"revocation\":\"good\",\"signers\":[{\"revocation\":1}],"
	    "\"findings\":[]}";
	/* A member of the same name inside another does not count. */
	const char		*nested = "{\"signers\":[{\"revocation\":"
	    "\"good\",\"header_protection\":\"none\"}],\"findings\":[]}";

	(void)st;
	smerr_clear(&e);
	assert_int_equal(app_shown_read(first, &sh, &e), 0);
	assert_int_equal(sh->nfindings, 2);
	assert_string_equal(sh->findings[0], "kept");
	assert_string_equal(sh->findings[1], "this verdict was kept by an "
	    "earlier sealmail, which did not check revocation or header "
	    "protection");
	app_shown_free(sh);
	assert_int_equal(app_shown_older(hp, w, sizeof(w)), 1);
	assert_string_equal(w, "this verdict was kept by an earlier "
	    "sealmail, which did not check revocation");
	assert_int_equal(app_shown_older(now, w, sizeof(w)), 0);
	assert_int_equal(app_shown_older(nested, w, sizeof(w)), 1);
	assert_int_equal(app_shown_older(NULL, w, sizeof(w)), 0);
	assert_int_equal(app_shown_older("", w, sizeof(w)), 0);
	assert_int_equal(app_shown_read(now, &sh, &e), 0);
	assert_int_equal(sh->nfindings, 0);
	assert_string_equal(sh->revocation, "good");
	app_shown_free(sh);
	/* A signer's own member is not the message's. */
	assert_int_equal(app_shown_read(nested, &sh, &e), 0);
	assert_null(sh->revocation);
	app_shown_free(sh);
}

static void
test_from_name(void **st)
{
	const char	*m1 = "Subject: x\r\n"
	    "From: =?utf-8?q?B=C3=B8b_=1B[31mE?= <bob@example.test>\r\n"
	    "\r\nFrom: Mallory <m@example.test>\r\n";
	const char	*m2 = "From: bob@example.test\n\nbody\n";
	const char	*m3 = "Content-Type: multipart/signed; boundary=b\r\n"
	    "from: \"Bob\r\n Example\" <bob@example.test>\r\n"
	    "Subject: s\r\n\r\n--b\r\n";
	char		*n;

	(void)st;
	assert_non_null(n = app_from_name((const unsigned char *)m1,
	    strlen(m1)));
	assert_string_equal(n, "B\xc3\xb8" "b E");
	free(n);
	assert_null(app_from_name((const unsigned char *)m2, strlen(m2)));
	/* A folded field of a multipart message's header. */
	assert_non_null(n = app_from_name((const unsigned char *)m3,
	    strlen(m3)));
	assert_string_equal(n, "Bob Example");
	free(n);
}

/* h in the pager: a field unfolded, its encoded words decoded, made safe. */
static void
test_field_shown(void **st)
{
	static const struct {
		const char	*in, *want;
	} cases[] = {
		{ "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n",
		  "Subject: Gr\xc3\xbc\xc3\x9f" "e" },
		/* Folded between two encoded words: one word on screen. */
		{ "X-Note: =?utf-8?b?SGVs?=\r\n =?utf-8?b?bG8=?=\r\n",
		  "X-Note: Hello" },
		{ "To: =?iso-8859-1?q?J=F6rg?= <j@example.test>\n",
		  "To: J\xc3\xb6rg <j@example.test>" },
		/* Plain values stay as they came, folds undone. */
		{ "Date: 3 Nov 2026 10:00:00\r\n +0000\r\n",
		  "Date: 3 Nov 2026 10:00:00 +0000" },
		{ "From: \"Doe, J.\" <j@example.test>",
		  "From: \"Doe, J.\" <j@example.test>" },
		/* What a decoded word holds cannot reach the terminal. */
		{ "Subject: =?utf-8?q?a=1B[2Jb=0Dc?=\r\n", "Subject: abc" },
		{ "no colon here", "no colon here" },
		{ "", "" },
	};
	size_t	 i;
	char	*s;

	(void)st;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_non_null(s = app_field_shown(cases[i].in,
		    strlen(cases[i].in)));
		assert_string_equal(s, cases[i].want);
		free(s);
	}
}

/* Each piece as "line:depth[text]" (depth "-" for a line as it is). */
static int
para_cb(const struct app_para *pa, void *arg)
{
	if (pa->flowed)
		return buf_printf(arg, "%zu:%d[%.*s]\n", pa->line, pa->depth,
		    (int)pa->len, pa->text);
	return buf_printf(arg, "%zu:-[%.*s]\n", pa->line, (int)pa->len,
	    pa->text);
}

/* The pieces of text under the verdict v (NULL: none) are want. */
static void
paras_are(const char *v, const char *text, const char *want)
{
	struct app_shown	*sh = NULL;
	struct buf		*b;
	struct smerr		 e;

	smerr_clear(&e);
	assert_int_equal(app_shown_read(v, &sh, &e), 0);
	assert_non_null(b = buf_new(0));
	assert_int_equal(app_shown_paras(text, v != NULL ? sh : NULL,
	    para_cb, b), 0);
	assert_string_equal(buf_str(b), want);
	buf_free(b);
	app_shown_free(sh);
}

/*
 * The pieces of a text a reader lays out: its lines as they are, but in
 * a run written in format=flowed, whose paragraphs are read (DelSp as the
 * run says) and never reach into the next run.
 */
static void
test_paras(void **st)
{
	const char	*runs = "{\"coverage\":["
	    "{\"line\":1,\"signed\":false,\"envelope\":false},"
	    "{\"line\":3,\"signed\":true,\"envelope\":false,"
	    "\"flowed\":true,\"delsp\":false},"
	    "{\"line\":7,\"signed\":true,\"envelope\":false,"
	    "\"flowed\":true,\"delsp\":true},"
	    "{\"line\":9,\"signed\":false,\"envelope\":false}]}";

	(void)st;
	paras_are(runs, "plain \nlines \n"
	    "a soft \nbreak\n> quoted \n> on \n"
	    "del \nsp \n"
	    "last \nlines\n",
	    "1:-[plain ]\n2:-[lines ]\n"
	    "3:0[a soft break]\n5:1[quoted on ]\n"
	    "7:0[delsp]\n"
	    "9:-[last ]\n10:-[lines]\n");
	/* Without a verdict, or one without runs: every line as it is. */
	paras_are(NULL, "a \nb\n\n", "1:-[a ]\n2:-[b]\n3:-[]\n");
	paras_are("{}", "", "1:-[]\n");
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_null_and_empty),
	    cmocka_unit_test(test_verdict),
	    cmocka_unit_test(test_paras),
	    cmocka_unit_test(test_older),
	    cmocka_unit_test(test_from_name),
	    cmocka_unit_test(test_field_shown));
}
