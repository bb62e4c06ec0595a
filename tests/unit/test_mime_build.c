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
#include "mime/build.h"
#include "tests/unit/lib/unit.h"

/* The longest line of s (CRLF lines). */
static size_t
longest_line(const char *s)
{
	size_t	 max = 0, n;
	const char *e;

	for (; *s != '\0'; s = e + 2) {
		if ((e = strstr(s, "\r\n")) == NULL)
			return strlen(s) > max ? strlen(s) : max;
		n = (size_t)(e - s);
		if (n > max)
			max = n;
	}
	return max;
}

static int
b64val(int c)
{
	const char	*abc =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char	*p = strchr(abc, c);

	return p == NULL || c == '\0' ? -1 : (int)(p - abc);
}

/* Decodes the RFC 2047 B words of a header value into out (test only). */
static void
decode_words(const char *v, char *out, size_t outlen)
{
	const char	*p, *q;
	size_t		 o = 0;
	uint32_t	 acc = 0;
	int		 bits = 0, d;

	while ((p = strstr(v, "=?UTF-8?B?")) != NULL) {
		p += 10;
		q = strstr(p, "?=");
		assert_non_null(q);
		assert_true(q - p + 12 <= 75);
		for (; p < q; p++) {
			if (*p == '=')
				continue;
			d = b64val(*p);
			assert_true(d >= 0);
			acc = (acc << 6) | (uint32_t)d;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				assert_true(o + 1 < outlen);
				out[o++] = (char)((acc >> bits) & 0xff);
			}
		}
		bits = 0;
		acc = 0;
		v = q + 2;
	}
	out[o] = '\0';
}

static struct mime_out *
build_simple(const char *subject, const char *text)
{
	struct mime_draft	*d = mime_draft_new();
	struct mime_out		*o = NULL;
	struct smerr		 e;

	smerr_clear(&e);
	assert_int_equal(mime_draft_from(d, "Alice", "alice@example.test", &e),
	    0);
	assert_int_equal(mime_draft_to(d, NULL, "bob@example.test", &e), 0);
	if (subject != NULL)
		assert_int_equal(mime_draft_subject(d, subject, &e), 0);
	if (text != NULL)
		assert_int_equal(mime_draft_text(d, text, strlen(text), &e), 0);
	assert_int_equal(mime_draft_build(d, &o, &e), 0);
	mime_draft_free(d);
	assert_true(mime_is_canonical(buf_data(o->headers),
	    buf_len(o->headers)));
	assert_true(mime_is_canonical(buf_data(o->entity), buf_len(o->entity)));
	return o;
}

static void
test_null_and_empty(void **st)
{
	struct mime_draft	*d;
	struct mime_out		*o = (void *)1;
	struct smerr		 e;

	(void)st;
	mime_out_free(NULL);
	mime_draft_free(NULL);
	smerr_clear(&e);
	d = mime_draft_new();
	assert_int_equal(mime_draft_build(d, &o, &e), SMERR_INVAL);
	assert_null(o);
	assert_non_null(strstr(smerr_msg(&e), "From"));
	smerr_clear(&e);
	assert_int_equal(mime_draft_from(d, NULL, "a@example.test", &e), 0);
	assert_int_equal(mime_draft_build(d, &o, &e), SMERR_INVAL);
	assert_non_null(strstr(smerr_msg(&e), "recipient"));
	mime_draft_free(d);
	assert_true(mime_is_canonical("", 0));
	assert_false(mime_is_canonical("a\n", 2));
	assert_false(mime_is_canonical("a\r\nb", 4));
	assert_false(mime_is_canonical("\xc3\xa4\r\n", 4));
	assert_true(mime_is_canonical("a\r\n\r\n", 5));
}

static void
test_injection_refused(void **st)
{
	struct mime_draft	*d = mime_draft_new();
	struct smerr		 e;

	(void)st;
	smerr_clear(&e);
	assert_int_equal(mime_draft_subject(d, "hi\r\nBcc: eve@evil.test", &e),
	    SMERR_INVAL);
	assert_int_equal(mime_draft_subject(d, "hi\nX: y", &e), SMERR_INVAL);
	assert_int_equal(mime_draft_from(d, "A\r\nB", "a@example.test", &e),
	    SMERR_INVAL);
	assert_int_equal(mime_draft_to(d, NULL, "a@example.test\r\nX: y", &e),
	    SMERR_INVAL);
	assert_int_equal(mime_draft_to(d, NULL, "a b@example.test", &e),
	    SMERR_INVAL);
	assert_int_equal(mime_draft_to(d, NULL, "a@@example.test", &e),
	    SMERR_INVAL);
	assert_int_equal(mime_draft_to(d, NULL, "<a@example.test>", &e),
	    SMERR_INVAL);
	assert_int_equal(mime_draft_bcc(d, "noat", &e), SMERR_INVAL);
	assert_int_equal(mime_draft_field(d, "X-Ok", "a\rb", &e), SMERR_INVAL);
	assert_int_equal(mime_draft_field(d, "Bad Name", "v", &e), SMERR_INVAL);
	assert_int_equal(mime_draft_field(d, "Content-Type", "text/html", &e),
	    SMERR_INVAL);
	assert_int_equal(mime_draft_field(d, "from", "x@y.z", &e), SMERR_INVAL);
	assert_int_equal(mime_draft_msgid(d, "no-brackets@x", &e), SMERR_INVAL);
	assert_int_equal(mime_draft_msgid(d, "<a b@x>", &e), SMERR_INVAL);
	assert_int_equal(mime_draft_text(d, "\xff\xfe", 2, &e), SMERR_INVAL);
	assert_int_equal(mime_draft_attach(d, "f", "text/plain\r\nX: y", "a", 1,
	    &e), SMERR_INVAL);
	mime_draft_free(d);
}

static void
test_headers(void **st)
{
	struct mime_out	*o;
	const char	*h;
	char		 dec[256];

	(void)st;
	o = build_simple("Plain subject", "hi\n");
	h = buf_str(o->headers);
	assert_non_null(strstr(h, "From: Alice <alice@example.test>\r\n"));
	assert_non_null(strstr(h, "To: bob@example.test\r\n"));
	assert_non_null(strstr(h, "Subject: Plain subject\r\n"));
	assert_non_null(strstr(h, "MIME-Version: 1.0\r\n"));
	assert_string_equal(o->from, "alice@example.test");
	assert_int_equal(o->nrcpt, 1);
	assert_string_equal(o->rcpt[0], "bob@example.test");
	assert_int_equal(strlen(o->msgid), 1 + 26 + 1 + 12 + 1);
	assert_non_null(strstr(o->msgid, "@example.test>"));
	mime_out_free(o);

	/* Non-ASCII: encoded words of whole characters that decode back. */
	o = build_simple("Grüße aus Köln, ein längerer Betreff mit Umlauten "
	    "äöü und noch etwas mehr Text, damit gefaltet wird", "x\n");
	h = strstr(buf_str(o->headers), "Subject:");
	assert_non_null(h);
	/* The first word stays beside the name; no line passes 81. */
	assert_true(strncmp(h, "Subject: =?UTF-8?B?", 19) == 0);
	assert_true(longest_line(buf_str(o->headers)) <= 81);
	decode_words(h, dec, sizeof(dec));
	assert_string_equal(dec, "Grüße aus Köln, ein längerer Betreff mit "
	    "Umlauten äöü und noch etwas mehr Text, damit gefaltet wird");
	mime_out_free(o);

	/* ASCII that looks like an encoded word is encoded itself. */
	o = build_simple("=?utf-8?q?fake?=", "x\n");
	h = strstr(buf_str(o->headers), "Subject:");
	decode_words(h, dec, sizeof(dec));
	assert_string_equal(dec, "=?utf-8?q?fake?=");
	mime_out_free(o);
}

static void
test_long_subject_folds(void **st)
{
	struct mime_out	*o;
	char		 s[2001];
	size_t		 i;

	(void)st;
	for (i = 0; i < 2000; i++)
		s[i] = i % 7 == 6 ? ' ' : 'a' + (char)(i % 26);
	s[2000] = '\0';
	o = build_simple(s, "x\n");
	assert_true(longest_line(buf_str(o->headers)) <= 78);
	mime_out_free(o);
	/* One word longer than a line can hold still stays under 998. */
	memset(s, 'w', 2000);
	o = build_simple(s, "x\n");
	assert_true(longest_line(buf_str(o->headers)) <= 998);
	mime_out_free(o);
}

static void
test_date_zone(void **st)
{
	struct mime_draft	*d;
	struct mime_out		*o;
	struct smerr		 e;
	char			*old = getenv("TZ");

	(void)st;
	old = old != NULL ? strdup(old) : NULL;
	setenv("TZ", "IST-5:30", 1);
	tzset();
	smerr_clear(&e);
	d = mime_draft_new();
	assert_int_equal(mime_draft_from(d, NULL, "a@example.test", &e), 0);
	assert_int_equal(mime_draft_to(d, NULL, "b@example.test", &e), 0);
	mime_draft_date(d, 1700000000);
	assert_int_equal(mime_draft_build(d, &o, &e), 0);
	assert_non_null(strstr(buf_str(o->headers),
	    "Date: Wed, 15 Nov 2023 03:43:20 +0530\r\n"));
	mime_out_free(o);
	setenv("TZ", "NST+3:30", 1);
	tzset();
	assert_int_equal(mime_draft_build(d, &o, &e), 0);
	assert_non_null(strstr(buf_str(o->headers),
	    "Date: Tue, 14 Nov 2023 18:43:20 -0330\r\n"));
	mime_out_free(o);
	mime_draft_free(d);
	if (old != NULL)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	free(old);
	tzset();
}

static void
test_msgid_random(void **st)
{
	struct mime_out	*a, *b;

	(void)st;
	a = build_simple("x", "x\n");
	b = build_simple("x", "x\n");
	assert_string_not_equal(a->msgid, b->msgid);
	mime_out_free(a);
	mime_out_free(b);
}

static void
test_text_encodings(void **st)
{
	struct mime_out	*o;
	const char	*s;
	char		 t[3000];

	(void)st;
	o = build_simple("x", "plain line\nanother\n");
	s = buf_str(o->entity);
	assert_string_equal(s, "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\n"
	    "plain line\r\nanother\r\n");
	mime_out_free(o);

	o = build_simple("x", "no newline at end");
	assert_non_null(strstr(buf_str(o->entity), "\r\n\r\nno newline at "
	    "end\r\n"));
	mime_out_free(o);

	/* Trailing space, "From ", a dot line, 8-bit: quoted-printable. */
	o = build_simple("x", "a \nFrom me\n.\nä\r\n");
	s = buf_str(o->entity);
	assert_non_null(strstr(s, "quoted-printable\r\n\r\n"
	    "a=20\r\n=46rom me\r\n=2E\r\n=C3=A4\r\n"));
	mime_out_free(o);

	/* A 2000-octet line gets soft breaks; nothing passes 76. */
	memset(t, 'x', 2000);
	t[2000] = '\0';
	o = build_simple("x", t);
	s = strstr(buf_str(o->entity), "\r\n\r\n");
	assert_true(longest_line(s) <= 76);
	assert_non_null(strstr(s, "=\r\n"));
	mime_out_free(o);

	/* Mostly non-ASCII: base64. */
	o = build_simple("x", "日本語のテキストです。\n");
	assert_non_null(strstr(buf_str(o->entity),
	    "Content-Transfer-Encoding: base64\r\n"));
	mime_out_free(o);
}

static void
test_attachments(void **st)
{
	struct mime_draft	*d = mime_draft_new();
	struct mime_out		*o;
	struct smerr		 e;
	const char		*s, *bd;
	char			 b[64];
	size_t			 n;

	(void)st;
	smerr_clear(&e);
	assert_int_equal(mime_draft_from(d, NULL, "a@example.test", &e), 0);
	assert_int_equal(mime_draft_to(d, NULL, "b@example.test", &e), 0);
	assert_int_equal(mime_draft_text(d, "see attached\n", 13, &e), 0);
	assert_int_equal(mime_draft_attach(d, "report.pdf", "application/pdf",
	    "%PDF", 4, &e), 0);
	assert_int_equal(mime_draft_attach(d, "Übersicht.txt", NULL, "\0\1", 2,
	    &e), 0);
	assert_int_equal(mime_draft_build(d, &o, &e), 0);
	mime_draft_free(d);
	s = buf_str(o->entity);
	assert_true(mime_is_canonical(s, strlen(s)));
	assert_non_null(bd = strstr(s, "boundary=\""));
	bd += 10;
	n = strcspn(bd, "\"");
	assert_true(n < sizeof(b));
	memcpy(b, bd, n);
	b[n] = '\0';
	assert_true(strncmp(b, "=_sm", 4) == 0);
	assert_non_null(strstr(s, "filename=\"report.pdf\""));
	assert_non_null(strstr(s, "JVBERg==\r\n"));
	assert_non_null(strstr(s, "filename*=utf-8''%C3%9Cbersicht.txt"));
	assert_non_null(strstr(s, "application/octet-stream"));
	/* The boundary occurs as delimiters only: 3 opening, 1 closing. */
	n = 0;
	for (bd = s; (bd = strstr(bd, b)) != NULL; bd++)
		n++;
	assert_int_equal(n, 1 + 3 + 1);
	mime_out_free(o);
}

static void
test_signed_and_smime(void **st)
{
	struct buf	*ent, *out, *p7;
	struct smerr	 e;
	const char	*s, *bd, *body = "Content-Type: text/plain\r\n\r\nhi\r\n";
	const uint8_t	 sig[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	char		 delim[64];
	size_t		 n;

	(void)st;
	smerr_clear(&e);
	ent = buf_new(0);
	assert_int_equal(buf_puts(ent, body), 0);
	assert_int_equal(mime_signed_entity(ent, sig, sizeof(sig), &out, &e), 0);
	s = buf_str(out);
	assert_true(mime_is_canonical(s, strlen(s)));
	assert_non_null(strstr(s, "protocol=\"application/pkcs7-signature\""));
	assert_non_null(strstr(s, "micalg=sha-256"));
	assert_non_null(bd = strstr(s, "boundary=\""));
	bd += 10;
	n = strcspn(bd, "\"");
	snprintf(delim, sizeof(delim), "\r\n--%.*s\r\n", (int)n, bd);
	/* Exactly the entity between the first two delimiters. */
	bd = strstr(s, delim);
	assert_non_null(bd);
	assert_memory_equal(bd + strlen(delim), body, strlen(body));
	assert_memory_equal(bd + strlen(delim) + strlen(body), delim,
	    strlen(delim) - 2);
	assert_non_null(strstr(s, "MAMCAQE=\r\n"));
	buf_free(out);

	assert_int_equal(mime_smime_entity(sig, sizeof(sig),
	    "authEnveloped-data", &p7, &e), 0);
	assert_non_null(strstr(buf_str(p7), "smime-type=authEnveloped-data; "
	    "name=smime.p7m\r\n"));
	assert_non_null(strstr(buf_str(p7), "\r\n\r\nMAMCAQE=\r\n"));
	buf_free(p7);
	assert_int_equal(mime_smime_entity(sig, sizeof(sig), "bogus", &p7, &e),
	    SMERR_INVAL);

	/* An entity that is not canonical is not signed. */
	buf_reset(ent);
	assert_int_equal(buf_puts(ent, "Content-Type: text/plain\n\nhi\n"), 0);
	assert_int_equal(mime_signed_entity(ent, sig, sizeof(sig), &out, &e),
	    SMERR_INVAL);
	buf_free(ent);
}

static void
test_entity_twice(void **st)
{
	struct mime_draft	*d = mime_draft_new();
	struct mime_out		*a, *b;
	struct smerr		 e;
	const char		*ent = "Content-Type: text/plain\n\nx\n";

	(void)st;
	smerr_clear(&e);
	assert_int_equal(mime_draft_from(d, NULL, "a@example.test", &e), 0);
	assert_int_equal(mime_draft_to(d, NULL, "b@example.test", &e), 0);
	assert_int_equal(mime_draft_entity(d, ent, strlen(ent), &e), 0);
	assert_int_equal(mime_draft_build(d, &a, &e), 0);
	assert_int_equal(mime_draft_build(d, &b, &e), 0);
	assert_string_equal(buf_str(a->entity), buf_str(b->entity));
	assert_string_equal(buf_str(a->entity),
	    "Content-Type: text/plain\r\n\r\nx\r\n");
	assert_int_equal(mime_draft_entity(d, "x\xff\n", 3, &e), SMERR_INVAL);
	mime_out_free(a);
	mime_out_free(b);
	mime_draft_free(d);
}

static void
test_base64(void **st)
{
	struct buf	*b = buf_new(0);
	uint8_t		 d[100];

	(void)st;
	assert_int_equal(mime_base64_put(b, (const uint8_t *)"", 0), 0);
	assert_int_equal(buf_len(b), 0);
	assert_int_equal(mime_base64_put(b, (const uint8_t *)"foob", 4), 0);
	assert_string_equal(buf_str(b), "Zm9vYg==\r\n");
	buf_reset(b);
	memset(d, 0, sizeof(d));
	assert_int_equal(mime_base64_put(b, d, 57), 0);
	assert_int_equal(buf_len(b), 78);
	buf_reset(b);
	assert_int_equal(mime_base64_put(b, d, 58), 0);
	assert_int_equal(buf_len(b), 78 + 6);
	buf_free(b);
}

static struct mime_out *
compose(const char *text, const char *def, int want)
{
	struct mime_out	*o = NULL;
	struct smerr	 e;

	smerr_clear(&e);
	assert_int_equal(mime_compose(text, strlen(text), "Def Name", def, &o,
	    &e), want);
	if (want != 0)
		assert_string_not_equal(smerr_msg(&e), "");
	return o;
}

static void
test_compose(void **st)
{
	struct mime_out	*o;
	const char	*h;

	(void)st;
	o = compose("From: \"Example, Alice\" <alice@example.test>\n"
	    "To: Bob <bob@example.test>, Friends: carol@example.test,\n"
	    " dave@example.test (Dave);\n"
	    "Cc: BOB@example.test\n"
	    "Bcc: hidden@example.test\n"
	    "Subject: Über\n"
	    "In-Reply-To: <x@example.test>\n"
	    "\n"
	    "Body ü\n", NULL, 0);
	h = buf_str(o->headers);
	assert_non_null(strstr(h, "From: \"Example, Alice\" "
	    "<alice@example.test>\r\n"));
	assert_null(strstr(h, "hidden"));
	assert_null(strstr(h, "Bcc"));
	assert_non_null(strstr(h, "In-Reply-To: <x@example.test>\r\n"));
	assert_non_null(strstr(h, "Subject: =?UTF-8?B?w5xiZXI=?=\r\n"));
	assert_int_equal(o->nrcpt, 4);
	assert_string_equal(o->rcpt[0], "bob@example.test");
	assert_string_equal(o->rcpt[1], "carol@example.test");
	assert_string_equal(o->rcpt[2], "dave@example.test");
	assert_string_equal(o->rcpt[3], "hidden@example.test");
	assert_non_null(strstr(buf_str(o->entity), "Body =C3=BC\r\n"));
	mime_out_free(o);

	/* CRLF input, no From: the default; Date and Message-ID kept. */
	o = compose("To: b@example.test\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000"
	    "\r\nMessage-ID: <keep@example.test>\r\nSubject: a\r\n  folded\r\n"
	    "\r\nx\r\n", "me@example.test", 0);
	h = buf_str(o->headers);
	assert_non_null(strstr(h, "From: Def Name <me@example.test>\r\n"));
	assert_non_null(strstr(h, "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"));
	assert_string_equal(o->msgid, "<keep@example.test>");
	assert_non_null(strstr(h, "Subject: a  folded\r\n"));
	mime_out_free(o);

	/* A MIME body of the user's is kept as the entity. */
	o = compose("From: a@example.test\nTo: b@example.test\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"xx\"\n\n"
	    "--xx\nContent-Type: text/plain\n\nhi\n--xx--\n", NULL, 0);
	assert_string_equal(buf_str(o->entity), "Content-Type: multipart/mixed; "
	    "boundary=\"xx\"\r\n\r\n--xx\r\nContent-Type: text/plain\r\n\r\n"
	    "hi\r\n--xx--\r\n");
	assert_int_equal(strstr(buf_str(o->headers), "MIME-Version") -
	    strstr(buf_str(o->headers), "MIME"), 0);
	mime_out_free(o);

	/* text/plain in 8bit is re-encoded. */
	o = compose("From: a@example.test\nTo: b@example.test\n"
	    "Content-Type: text/plain; charset=UTF-8\n"
	    "Content-Transfer-Encoding: 8bit\n\nGrüße aus Köln, Bob\n", NULL, 0);
	assert_non_null(strstr(buf_str(o->entity), "quoted-printable"));
	mime_out_free(o);

	/* Refusals. */
	compose("From: a@example.test\nFrom: b@example.test\nTo: c@example.test"
	    "\n\nx\n", NULL, SMERR_INVAL);
	compose("From: a@example.test, b@example.test\nTo: c@example.test"
	    "\n\nx\n", NULL, SMERR_INVAL);
	compose("To: c@example.test\n\nx\n", NULL, SMERR_INVAL);
	compose("not a header\n\nx\n", "a@example.test", SMERR_PARSE);
	compose(" continuation\n\nx\n", "a@example.test", SMERR_PARSE);
	compose("From: a@example.test\n\nx\n", NULL, SMERR_INVAL);
	compose("From: a@example.test\nTo: <b@example.test\n\nx\n", NULL,
	    SMERR_INVAL);
	compose("From: a@example.test\nTo: b@example.test\n"
	    "Content-Type: image/png\nContent-Transfer-Encoding: binary\n\n"
	    "\x89PNG\n", NULL, SMERR_INVAL);
	compose("From: a@example.test\nTo: b@example.test\n\n\xff\n", NULL,
	    SMERR_INVAL);
}

/* compose() refusing text with a line that holds every string of want. */
static void
compose_refused(const char *text, const char *const *want, size_t n)
{
	struct mime_out	*o = NULL;
	struct smerr	 e;
	size_t		 i;

	smerr_clear(&e);
	assert_int_equal(mime_compose(text, strlen(text), NULL, NULL, &o, &e),
	    SMERR_INVAL);
	assert_null(o);
	assert_null(strchr(e.msg, '\n'));
	for (i = 0; i < n; i++)
		assert_non_null(strstr(e.msg, want[i]));
}

/*
 * A domain outside ASCII is written, and given to SMTP, as its A-labels;
 * the display name stays UTF-8 in RFC 2047 words.
 */
static void
test_compose_idn(void **st)
{
	static const char *const local[] = { "j\xc3\xb6rg@b\xc3\xbc" "cher"
	    ".example", "SMTPUTF8" };
	static const char *const bad[] = { "a@\xe2\x98\x83.example",
	    "not a valid domain name: \xe2\x98\x83.example" };
	static const char *const empty_label[] = { "not a usable address: "
	    "a@\xc3\xa9..example" };
	struct mime_out	*o;
	const char	*h;

	(void)st;
	o = compose("From: J\xc3\xb6rg <joerg@M\xc3\xbcnchen.example>\n"
	    "To: B\xc3\xbc" "cher <info@b\xc3\xbc" "cher.example>\n"
	    "Cc: info@xn--bcher-kva.example, other@bu\xcc\x88" "cher.example\n"
	    "Bcc: hidden@\xe4\xbe\x8b.example\n"
	    "Reply-To: J\xc3\xb6rg <desk@M\xc3\xbcnchen.example>, "
	    "list@example.test\n"
	    "Subject: idn\n\nx\n", NULL, 0);
	h = buf_str(o->headers);
	assert_non_null(strstr(h, "From: =?UTF-8?B?SsO2cmc=?= "
	    "<joerg@xn--mnchen-3ya.example>\r\n"));
	assert_non_null(strstr(h, "To: =?UTF-8?B?QsO8Y2hlcg==?= "
	    "<info@xn--bcher-kva.example>\r\n"));
	assert_non_null(strstr(h, "Cc: info@xn--bcher-kva.example, "
	    "other@xn--bcher-kva.example\r\n"));
	/* Reply-To is an address list too (it names no recipient). */
	assert_non_null(strstr(h, "Reply-To: =?UTF-8?B?SsO2cmc=?= "
	    "<desk@xn--mnchen-3ya.example>,\r\n list@example.test\r\n"));
	assert_null(strstr(h, "\xc3"));
	assert_null(strstr(h, "hidden"));
	assert_string_equal(o->from, "joerg@xn--mnchen-3ya.example");
	/* The same address in To and Cc is one recipient. */
	assert_int_equal(o->nrcpt, 3);
	assert_int_equal(o->nbcc, 1);
	assert_string_equal(o->rcpt[0], "info@xn--bcher-kva.example");
	assert_string_equal(o->rcpt[1], "other@xn--bcher-kva.example");
	assert_string_equal(o->rcpt[2], "hidden@xn--fsq.example");
	/* A Message-ID made here is in From's domain, in A-labels too. */
	assert_non_null(strstr(o->msgid, "@xn--mnchen-3ya.example>"));
	mime_out_free(o);

	/* The default From (the account's address) is made A-labels too. */
	o = compose("To: a@example.test\n\nx\n", "me@b\xc3\xbc" "cher.example",
	    0);
	assert_string_equal(o->from, "me@xn--bcher-kva.example");
	mime_out_free(o);

	/* A local part outside ASCII needs SMTPUTF8, in every field. */
	compose_refused("From: a@example.test\nTo: j\xc3\xb6rg@b\xc3\xbc"
	    "cher.example\n\nx\n", local, 2);
	compose_refused("From: a@example.test\nTo: a@example.test\n"
	    "Bcc: j\xc3\xb6rg@b\xc3\xbc" "cher.example\n\nx\n", local, 2);
	compose_refused("From: j\xc3\xb6rg@b\xc3\xbc" "cher.example\n"
	    "To: a@example.test\n\nx\n", local, 2);
	compose_refused("From: a@example.test\nTo: a@example.test\nReply-To: "
	    "j\xc3\xb6rg@b\xc3\xbc" "cher.example\n\nx\n", local, 2);
	/* A domain that IDNA refuses is named. */
	compose_refused("From: a@example.test\nCc: a@\xe2\x98\x83.example\n\n"
	    "x\n", bad, 2);
	compose_refused("From: a@example.test\nTo: a@\xc3\xa9..example\n\n"
	    "x\n", empty_label, 1);
}

/* n bytes c at the end of b. */
static void
put_run(struct buf *b, char c, size_t n)
{
	while (n-- > 0)
		assert_int_equal(buf_putc(b, c), 0);
}

static void
test_compose_limits(void **st)
{
	struct mime_out	*o;
	struct buf	*b = buf_new(0);
	size_t		 i;

	(void)st;
	assert_int_equal(buf_puts(b, "From: a@example.test\nTo: "), 0);
	for (i = 0; i < MIME_BUILD_MAX_RCPT + 1; i++)
		assert_int_equal(buf_printf(b, "%su%zu@example.test",
		    i ? ", " : "", i), 0);
	assert_int_equal(buf_puts(b, "\n\nx\n"), 0);
	compose(buf_str(b), NULL, SMERR_LIMIT);
	buf_reset(b);
	assert_int_equal(buf_puts(b, "From: a@example.test\nTo: b@example.test"
	    "\nSubject: "), 0);
	put_run(b, 'a', 70000);
	assert_int_equal(buf_puts(b, "\n\nx\n"), 0);
	compose(buf_str(b), NULL, SMERR_LIMIT);
	/* A word longer than a line, as written: encoded, under 998. */
	buf_reset(b);
	assert_int_equal(buf_puts(b, "From: a@example.test\nTo: b@example.test"
	    "\nSubject: see https://example.test/"), 0);
	put_run(b, 'a', 1100);
	assert_int_equal(buf_puts(b, "\nX-Link: "), 0);
	put_run(b, 'b', 1100);
	assert_int_equal(buf_puts(b, "\n\nx\n"), 0);
	o = compose(buf_str(b), NULL, 0);
	assert_true(longest_line(buf_str(o->headers)) <= 998);
	assert_int_equal(strlen(o->subject), 25 + 1100);
	mime_out_free(o);
	buf_free(b);
}

/* Mutated user input: never a crash, and whatever is accepted is canonical. */
static void
test_compose_mutations(void **st)
{
	static const char	*seeds[] = {
		"From: \"A, B\" <a@example.test>\nTo: Bob <b@example.test>, "
		"G: c@example.test, d@example.test (D);\nSubject: Gr\xc3\xbc\xc3"
		"\x9f\n\tfolded\nX-A: =?utf-8?q?x?=\n\nbody \nFrom x\n.\n",
		"From: a@example.test\nTo: b@example.test\nContent-Type: "
		"multipart/mixed; boundary=x\n\n--x\n\nhi\n--x--\n",
		"To: b@example.test\r\nCc: c@example.test\r\nBcc: "
		"d@example.test\r\nMessage-ID: <m@example.test>\r\n\r\nx",
	};
	static const char	 pick[] = "\r\n:<>\"(),;@ =?\t\x80\xc3\xff\0";
	struct mime_out		*o;
	struct smerr		 e;
	uint8_t			 m[1024];
	uint64_t		 x = 0x9e3779b97f4a7c15ULL;
	size_t			 len, i, k, n, ok = 0;

	(void)st;
	for (i = 0; i < 20000; i++) {
		const char *seed = seeds[i % 3];

		len = strlen(seed);
		memcpy(m, seed, len);
		for (k = 0; k < 1 + i % 6; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			n = (size_t)(x >> 33) % (len + 1);
			switch ((x >> 8) % 4) {
			case 0:		/* overwrite */
				if (n < len)
					m[n] = (uint8_t)pick[(x >> 16) %
					    (sizeof(pick) - 1)];
				break;
			case 1:		/* insert */
				if (len + 1 < sizeof(m)) {
					memmove(m + n + 1, m + n, len - n);
					m[n] = (uint8_t)pick[(x >> 16) %
					    (sizeof(pick) - 1)];
					len++;
				}
				break;
			case 2:		/* truncate */
				len = n;
				break;
			default:	/* delete */
				if (n < len) {
					memmove(m + n, m + n + 1, len - n - 1);
					len--;
				}
			}
		}
		smerr_clear(&e);
		o = NULL;
		if (mime_compose(m, len, NULL, "me@example.test", &o, &e) != 0) {
			assert_null(o);
			assert_true(e.msg[0] != '\0');
			assert_null(strchr(e.msg, '\n'));
			continue;
		}
		ok++;
		assert_true(mime_is_canonical(buf_data(o->headers),
		    buf_len(o->headers)));
		assert_true(mime_is_canonical(buf_data(o->entity),
		    buf_len(o->entity)));
		assert_true(o->nrcpt > 0);
		assert_true(o->msgid[0] == '<');
		mime_out_free(o);
	}
	/* Many mutants are still messages: the check above saw them. */
	assert_true(ok > 1000);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_null_and_empty),
	    cmocka_unit_test(test_injection_refused),
	    cmocka_unit_test(test_headers),
	    cmocka_unit_test(test_long_subject_folds),
	    cmocka_unit_test(test_date_zone),
	    cmocka_unit_test(test_msgid_random),
	    cmocka_unit_test(test_text_encodings),
	    cmocka_unit_test(test_attachments),
	    cmocka_unit_test(test_signed_and_smime),
	    cmocka_unit_test(test_entity_twice),
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_compose),
	    cmocka_unit_test(test_compose_idn),
	    cmocka_unit_test(test_compose_limits),
	    cmocka_unit_test(test_compose_mutations));
}
