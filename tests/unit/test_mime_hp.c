#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "mime/mime.h"
#include "mime/build.h"
#include "mime/hp.h"
#include "tests/unit/lib/unit.h"

static struct mime_msg *
parse(const char *s)
{
	struct mime_msg	*m = NULL;

	assert_int_equal(mime_parse(s, strlen(s), &m, NULL), 0);
	return m;
}

/* The decoded text of the root, after mime_hp_legacy_strip. */
static char *
stripped(const char *msg)
{
	struct mime_msg	*m = parse(msg);
	struct buf	*t = buf_new(0);
	char		*s;

	assert_non_null(t);
	assert_int_equal(buf_puts(t, "before\n"), 0);
	assert_int_equal(mime_part_text(mime_msg_root(m), t, NULL), 0);
	assert_int_equal(mime_hp_legacy_strip(mime_msg_root(m), t, 7), 0);
	s = buf_strdup(t);
	buf_free(t);
	mime_msg_free(m);
	return s;
}

static void
test_form(void **state)
{
	static const struct {
		const char		*ct;
		enum mime_hp_form	 form;
	} t[] = {
		{ "text/plain", MIME_HP_NONE },
		{ "text/plain; hp=\"clear\"", MIME_HP_CLEAR },
		{ "text/html; hp=cipher", MIME_HP_CIPHER },
		{ "text/plain; protected-headers=\"v1\"", MIME_HP_INJECTED },
		{ "message/rfc822; forwarded=\"no\"", MIME_HP_WRAPPED },
		{ "message/rfc822; protected-headers=\"wrapped\"",
		    MIME_HP_WRAPPED },
		{ "message/rfc822", MIME_HP_NONE },
		{ "text/plain; hp=\"other\"", MIME_HP_NONE },
	};
	struct mime_msg	*m;
	char		 s[256];
	size_t		 i;

	(void)state;
	assert_int_equal(mime_hp_form(NULL), MIME_HP_NONE);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(s, sizeof(s), "Content-Type: %s\r\n\r\nx\r\n",
		    t[i].ct);
		m = parse(s);
		assert_int_equal(mime_hp_form(mime_msg_root(m)), t[i].form);
		mime_msg_free(m);
	}
	m = parse("Content-Type: text/rfc822-headers; "
	    "protected-headers=v1\r\n\r\nSubject: x\r\n");
	assert_true(mime_hp_legacy_part(mime_msg_root(m)));
	mime_msg_free(m);
	m = parse("Content-Type: text/plain\r\n\r\nSubject: x\r\n");
	assert_false(mime_hp_legacy_part(mime_msg_root(m)));
	mime_msg_free(m);
}

static void
test_strip_plain(void **state)
{
	char	*s;

	(void)state;
	s = stripped("Content-Type: text/plain; hp-legacy-display=\"1\"\r\n"
	    "\r\nSubject: the real one\r\nCc: a@b.example,\r\n c@d.example"
	    "\r\n\r\nHello.\r\n");
	assert_string_equal(s, "before\nHello.\r\n");
	free(s);
	/* Not marked: nothing is taken away. */
	s = stripped("Content-Type: text/plain\r\n\r\nSubject: x\r\n\r\n"
	    "Hi\r\n");
	assert_string_equal(s, "before\nSubject: x\r\n\r\nHi\r\n");
	free(s);
	/* Marked, but what comes first is not header fields. */
	s = stripped("Content-Type: text/plain; hp-legacy-display=1\r\n\r\n"
	    "Dear Bob,\r\n\r\nHi\r\n");
	assert_string_equal(s, "before\nDear Bob,\r\n\r\nHi\r\n");
	free(s);
	/* No blank line after the fields: the whole text stays. */
	s = stripped("Content-Type: text/plain; hp-legacy-display=1\r\n\r\n"
	    "Subject: x\r\n");
	assert_string_equal(s, "before\nSubject: x\r\n");
	free(s);
}

static void
test_strip_html(void **state)
{
	char	*s;

	(void)state;
	s = stripped("Content-Type: text/html; hp-legacy-display=\"1\"\r\n\r\n"
	    "<html><body><div class=\"header-protection-legacy-display\">"
	    "<pre>Subject: x</pre><div>inner</div></div><p>Hi</p>"
	    "</body></html>\r\n");
	assert_string_equal(s, "before\n<html><body><p>Hi</p></body></html>"
	    "\r\n");
	free(s);
	s = stripped("Content-Type: text/html; hp-legacy-display=\"1\"\r\n\r\n"
	    "<p class=\"header-protection-legacy-display\">x</p>\r\n");
	assert_string_equal(s, "before\n<p class=\"header-protection-legacy-"
	    "display\">x</p>\r\n");
	free(s);
}

static struct mime_out *
compose(void)
{
	static const char	 in[] = "From: Alice <alice@example.test>\n"
	    "To: bob@example.test\nSubject: Gr\xc3\xbc\xc3\x9f" "e\n\nHello\n";
	struct mime_out		*mo = NULL;

	assert_int_equal(mime_compose(in, sizeof(in) - 1, NULL, NULL, &mo,
	    NULL), 0);
	return mo;
}

static void
test_protect(void **state)
{
	struct mime_out		*mo = compose();
	struct buf		*p = NULL, *h = NULL;
	struct mime_msg		*m;
	const struct mime_part	*r;
	const char		*s;
	size_t			 len;

	(void)state;
	assert_non_null(mo->entity_ld);
	/* Signed only: the fields inside, hp="clear", the outer unchanged. */
	assert_int_equal(mime_hp_protect(mo, 0, 1, &p, &h, NULL), 0);
	assert_null(h);
	assert_true(mime_is_canonical(buf_data(p), buf_len(p)));
	m = parse(buf_str(p));
	r = mime_msg_root(m);
	assert_int_equal(mime_hp_form(r), MIME_HP_CLEAR);
	assert_non_null(mime_part_header(r, "from"));
	assert_non_null(mime_part_header(r, "message-id"));
	assert_null(mime_part_header(r, "mime-version"));
	assert_null(mime_part_header(r, "hp-outer"));
	assert_null(mime_part_param(r, "hp-legacy-display"));
	mime_msg_free(m);
	buf_free(p);
	/* Encrypted: "[...]" outside, HP-Outer inside, the LDE first. */
	assert_int_equal(mime_hp_protect(mo, 1, 1, &p, &h, NULL), 0);
	assert_non_null(h);
	assert_non_null(strstr(buf_str(h), "\r\nSubject: [...]\r\n"));
	assert_null(strstr(buf_str(h), "=?"));
	assert_non_null(strstr(buf_str(h), "MIME-Version: 1.0\r\n"));
	m = parse(buf_str(p));
	r = mime_msg_root(m);
	assert_int_equal(mime_hp_form(r), MIME_HP_CIPHER);
	assert_string_equal(mime_part_param(r, "hp-legacy-display"), "1");
	assert_true(mime_part_header_count(r, "hp-outer") >= 4);
	s = (const char *)mime_part_body(r, &len);
	assert_true(len > 24);
	assert_int_equal(strncmp(s, "Subject: Gr=C3=BC=C3=9Fe", 24), 0);
	mime_msg_free(m);
	buf_free(p);
	buf_free(h);
	/* Without the LDE. */
	assert_int_equal(mime_hp_protect(mo, 1, 0, &p, &h, NULL), 0);
	assert_null(strstr(buf_str(p), "hp-legacy-display"));
	buf_free(p);
	buf_free(h);
	mime_out_free(mo);
}

/* An entity with no header of its own gets a Content-Type to mark. */
static void
test_protect_bare(void **state)
{
	struct mime_out		*mo = compose();
	struct buf		*p = NULL, *h = NULL;
	struct mime_msg		*m;
	const struct mime_part	*r;
	size_t			 len;

	(void)state;
	buf_reset(mo->entity);
	assert_int_equal(buf_puts(mo->entity, "\r\nbare text\r\n"), 0);
	assert_int_equal(mime_hp_protect(mo, 0, 0, &p, &h, NULL), 0);
	m = parse(buf_str(p));
	r = mime_msg_root(m);
	assert_int_equal(mime_hp_form(r), MIME_HP_CLEAR);
	assert_string_equal(mime_part_type(r), "text/plain");
	assert_int_equal(strncmp((const char *)mime_part_body(r, &len),
	    "bare text\r\n", 11), 0);
	mime_msg_free(m);
	buf_free(p);
	mime_out_free(mo);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_form),
	    cmocka_unit_test(test_strip_plain),
	    cmocka_unit_test(test_strip_html),
	    cmocka_unit_test(test_protect),
	    cmocka_unit_test(test_protect_bare));
}
