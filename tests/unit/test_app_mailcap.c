/*
 * app/mailcap.c: RFC 1524 entries read (comments, joined lines, escaped
 * semicolons, flags, test= and nametemplate=), the entry chosen for a
 * type, and command lines in which nothing from the message can reach
 * the shell as anything but a plain word.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "app/mailcap.h"
#include "tests/unit/lib/unit.h"

static struct mailcap *
parse(const char *s)
{
	struct mailcap	*mc;
	struct smerr	 e;

	smerr_clear(&e);
	assert_non_null(mc = mailcap_new());
	assert_int_equal(mailcap_parse(mc, s, strlen(s), &e), 0);
	return mc;
}

static void
test_empty(void **state)
{
	struct mailcap	*mc;

	(void)state;
	mc = parse("");
	assert_int_equal(mc->n, 0);
	assert_null(mailcap_find(mc, "text/html", 0));
	assert_null(mailcap_find(NULL, "text/html", 0));
	mailcap_free(mc);
	mailcap_free(NULL);
}

static void
test_parse(void **state)
{
	static const char text[] =
	    "# a comment\n"
	    "\n"
	    "text/html; w3m -I %{charset} -T text/html -dump; copiousoutput;"
	    " nametemplate=%s.html\n"
	    "Image/PNG; view \\; this \\\\ %s ; needsterminal ; "
	    "test=test -n \"$DISPLAY\"\n"
	    "application/pdf; pdftotext \\\n"
	    "   %s -\n"
	    "broken/entry;\n"
	    "   # an indented comment\n"
	    "audio/*; play %s\r\n";
	struct mailcap	*mc = parse(text);

	(void)state;
	assert_int_equal(mc->n, 4);
	assert_string_equal(mc->entries[0].type, "text/html");
	assert_string_equal(mc->entries[0].view,
	    "w3m -I %{charset} -T text/html -dump");
	assert_true(mc->entries[0].copious);
	assert_false(mc->entries[0].terminal);
	assert_string_equal(mc->entries[0].nametemplate, "%s.html");
	assert_string_equal(mc->entries[1].type, "image/png");
	assert_string_equal(mc->entries[1].view, "view ; this \\ %s");
	assert_true(mc->entries[1].terminal);
	assert_string_equal(mc->entries[1].test, "test -n \"$DISPLAY\"");
	assert_string_equal(mc->entries[2].view, "pdftotext    %s -");
	assert_string_equal(mc->entries[3].type, "audio/*");
	assert_string_equal(mc->entries[3].view, "play %s");
	mailcap_free(mc);
}

static void
test_find(void **state)
{
	struct mailcap			*mc;
	const struct mailcap_entry	*x;

	(void)state;
	mc = parse("text/html; failing; test=false\n"
	    "text/html; interactive %s\n"
	    "text/html; dumper %s; copiousoutput\n"
	    "image/*; imgview %s\n"
	    "text; anytext %s\n"
	    "application/pdf; pdfview %s; test=true\n");
	assert_non_null(x = mailcap_find(mc, "TEXT/HTML; charset=utf-8", 0));
	assert_string_equal(x->view, "interactive %s");
	assert_non_null(x = mailcap_find(mc, "text/html", MAILCAP_COPIOUS));
	assert_string_equal(x->view, "dumper %s");
	assert_non_null(x = mailcap_find(mc, "image/jpeg", 0));
	assert_string_equal(x->view, "imgview %s");
	assert_non_null(x = mailcap_find(mc, "text/x-diff", 0));
	assert_string_equal(x->view, "anytext %s");
	assert_non_null(x = mailcap_find(mc, "application/pdf", 0));
	assert_string_equal(x->view, "pdfview %s");
	assert_null(mailcap_find(mc, "application/pdf", MAILCAP_NO_TEST));
	assert_null(mailcap_find(mc, "imagex/jpeg", 0));
	assert_null(mailcap_find(mc, "application/octet-stream", 0));
	mailcap_free(mc);
}

static const char *
hostile_param(void *arg, const char *name)
{
	(void)arg;
	if (strcmp(name, "charset") == 0)
		return "utf-8'; touch /tmp/owned; echo '$(id)`id`";
	if (strcmp(name, "name") == 0)
		return "-rf";
	return NULL;
}

static void
test_command(void **state)
{
	struct mailcap	*mc;
	struct smerr	 e;
	char		*c;
	int		 in = -1;

	(void)state;
	mc = parse("text/html; w3m -I %{charset} -T %t -dump '%s' %{name} "
	    "%{none} 100%% \\%s; copiousoutput\n"
	    "text/plain; cat\n");
	smerr_clear(&e);
	c = mailcap_command(&mc->entries[0],
	    "text/html;$(reboot) x", hostile_param, NULL,
	    "/run/user/0/sealmail/view-AbC123/part.html", &in, &e);
	assert_non_null(c);
	assert_string_equal(c, "w3m -I utf-8touch/tmp/ownedechoidid -T "
	    "text/html -dump '/run/user/0/sealmail/view-AbC123/part.html' rf"
	    "  100% %s");
	assert_int_equal(in, 0);
	free(c);
	c = mailcap_command(&mc->entries[1], "text/plain", NULL, NULL,
	    "/tmp/v/part", &in, &e);
	assert_string_equal(c, "cat");
	assert_int_equal(in, 1);
	free(c);
	/* A path that is not a plain word is never handed over. */
	assert_null(mailcap_command(&mc->entries[0], "text/html", NULL, NULL,
	    "/tmp/a b/part", &in, &e));
	assert_null(mailcap_command(&mc->entries[0], "text/html", NULL, NULL,
	    "/tmp/x';id;'", &in, &e));
	assert_null(mailcap_command(&mc->entries[0], "text/html", NULL, NULL,
	    "part", &in, &e));
	mailcap_free(mc);
}

static void
test_extension(void **state)
{
	struct mailcap	*mc;
	char		*x;

	(void)state;
	mc = parse("a/b; v %s; nametemplate=%s.html\n"
	    "a/c; v %s; nametemplate=%s.$(x)y\n"
	    "a/d; v %s\n");
	assert_non_null(x = mailcap_extension(&mc->entries[0]));
	assert_string_equal(x, "html");
	free(x);
	assert_non_null(x = mailcap_extension(&mc->entries[1]));
	assert_string_equal(x, "xy");
	free(x);
	assert_null(mailcap_extension(&mc->entries[2]));
	mailcap_free(mc);
}

/*
 * Entries past the first allocation are all kept, in order, up to
 * MAILCAP_MAX_ENTRIES; those after it are left out.
 */
static void
test_many(void **state)
{
	struct mailcap	*mc;
	struct buf	*text;
	char		 want[64];
	size_t		 i;

	(void)state;
	assert_non_null(text = buf_new(0));
	for (i = 0; i < MAILCAP_MAX_ENTRIES + 2; i++)
		assert_int_equal(buf_printf(text, "type/t%zu; view %zu\n", i,
		    i), 0);
	mc = parse(buf_str(text));
	assert_int_equal(mc->n, MAILCAP_MAX_ENTRIES);
	for (i = 0; i < mc->n; i++) {
		snprintf(want, sizeof(want), "type/t%zu", i);
		assert_string_equal(mc->entries[i].type, want);
		snprintf(want, sizeof(want), "view %zu", i);
		assert_string_equal(mc->entries[i].view, want);
	}
	snprintf(want, sizeof(want), "type/t%d", MAILCAP_MAX_ENTRIES - 1);
	assert_non_null(mailcap_find(mc, want, 0));
	snprintf(want, sizeof(want), "type/t%d", MAILCAP_MAX_ENTRIES);
	assert_null(mailcap_find(mc, want, 0));
	mailcap_free(mc);
	buf_free(text);
}

/* $MAILCAPS: its files in order; one that is missing is skipped. */
static void
test_load(void **state)
{
	char		 dir[] = "/tmp/mailcap-test-XXXXXX", a[64], b[64];
	char		 list[256];
	struct mailcap	*mc;
	struct smerr	 e;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/one", dir);
	snprintf(b, sizeof(b), "%s/two", dir);
	unit_write_file(a, "text/html; first %s\n");
	unit_write_file(b, "text/html; second %s\nimage/png; png %s\n");
	snprintf(list, sizeof(list), "%s/missing:%s:%s", dir, a, b);
	assert_int_equal(setenv("MAILCAPS", list, 1), 0);
	smerr_clear(&e);
	assert_int_equal(mailcap_load(&mc, &e), 0);
	assert_int_equal(mc->n, 3);
	assert_string_equal(mailcap_find(mc, "text/html", 0)->view,
	    "first %s");
	assert_string_equal(mailcap_find(mc, "image/png", 0)->view, "png %s");
	mailcap_free(mc);
	unit_rmrf(dir);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_command),
	    cmocka_unit_test(test_extension),
	    cmocka_unit_test(test_many),
	    cmocka_unit_test(test_load));
}
