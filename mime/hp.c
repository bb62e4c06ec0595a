/*
 * Header protection, the MIME half (RFC 9788). Reading: which form a
 * payload is in, which parts or lines only repeat header fields for
 * programs that know nothing of it (the Legacy Display Element), and the
 * addresses of a field. Writing: the payload with the message's header
 * fields in its own header, and the outer header that goes with it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/mailimf.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/text.h"
#include "mime/mime.h"
#include "mime/build.h"
#include "mime/hp.h"

#define HP_MAX_ADDRS	500		/* addresses kept of one field kind */
#define HP_OBSCURED	"[...]"		/* RFC 9788's obscured Subject */

static int
param_is(const struct mime_part *p, const char *name, const char *val)
{
	const char	*v = mime_part_param(p, name);

	return v != NULL && strcasecmp(v, val) == 0;
}

enum mime_hp_form
mime_hp_form(const struct mime_part *p)
{
	if (p == NULL)
		return MIME_HP_NONE;
	if (strcmp(mime_part_type(p), "message/rfc822") == 0 &&
	    (param_is(p, "forwarded", "no") ||
	    param_is(p, "protected-headers", "wrapped")))
		return MIME_HP_WRAPPED;
	if (param_is(p, "hp", "cipher"))
		return MIME_HP_CIPHER;
	if (param_is(p, "hp", "clear"))
		return MIME_HP_CLEAR;
	if (param_is(p, "protected-headers", "v1"))
		return MIME_HP_INJECTED;
	return MIME_HP_NONE;
}

int
mime_hp_legacy_part(const struct mime_part *p)
{
	const char	*t = mime_part_type(p);

	return (strcmp(t, "text/plain") == 0 ||
	    strcmp(t, "text/rfc822-headers") == 0) &&
	    param_is(p, "protected-headers", "v1");
}

/* Removes the bytes [from, to) of b. */
static int
buf_cut(struct buf *b, size_t from, size_t to)
{
	struct buf	*tail;
	int		 r;

	if ((tail = buf_new_secret(0)) == NULL)
		return SMERR_NOMEM;
	if ((r = buf_put(tail, buf_data(b) + to, buf_len(b) - to)) == 0) {
		buf_truncate(b, from);
		r = buf_put(b, buf_data(tail), buf_len(tail));
	}
	buf_free(tail);
	return r;
}

/* 1 when the line s[0..n) is "Name: value" (a field name, then a colon). */
static int
field_line(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n && s[i] != ':'; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return 0;
	return i > 0 && i < n;
}

/* The end of a text/plain Legacy Display Element at s, or 0 if none. */
static size_t
legacy_plain_end(const char *s, size_t len)
{
	size_t	i = 0, n, eol, lines = 0;

	while (i < len) {
		eol = i;
		while (eol < len && s[eol] != '\n')
			eol++;
		if (eol == len)
			return 0;
		n = eol - i;
		if (n > 0 && s[eol - 1] == '\r')
			n--;
		if (n == 0)
			return lines > 0 ? eol + 1 : 0;
		if (s[i] == ' ' || s[i] == '\t') {
			if (lines == 0)
				return 0;
		} else if (!field_line(s + i, n))
			return 0;
		lines++;
		i = eol + 1;
	}
	return 0;
}

/* The [start, end) of the legacy display <div> of HTML at s, or 0. */
static int
legacy_html_span(const char *s, size_t len, size_t *startp, size_t *endp)
{
	const char	*m, *open, *p, *end = s + len;
	int		 depth = 0;

	if ((m = memmem(s, len, "header-protection-legacy-display",
	    32)) == NULL)
		return 0;
	for (open = m; open > s && *open != '<'; open--)
		;
	if (*open != '<' || end - open < 4 || strncasecmp(open, "<div", 4))
		return 0;
	for (p = open; p < end; p++) {
		if (*p != '<')
			continue;
		if (end - p >= 4 && strncasecmp(p, "<div", 4) == 0)
			depth++;
		else if (end - p >= 6 && strncasecmp(p, "</div>", 6) == 0 &&
		    --depth == 0) {
			*startp = (size_t)(open - s);
			*endp = (size_t)(p + 6 - s);
			return 1;
		}
	}
	return 0;
}

int
mime_hp_legacy_strip(const struct mime_part *p, struct buf *text,
    size_t mark)
{
	const char	*s = (const char *)buf_data(text) + mark;
	size_t		 len = buf_len(text) - mark, a, b;

	if (!param_is(p, "hp-legacy-display", "1") || len == 0)
		return 0;
	if (strcmp(mime_part_type(p), "text/html") == 0) {
		if (!legacy_html_span(s, len, &a, &b))
			return 0;
		return buf_cut(text, mark + a, mark + b);
	}
	if ((b = legacy_plain_end(s, len)) == 0)
		return 0;
	return buf_cut(text, mark, mark + b);
}

/*
 * Calls fn for each field of a block of header lines, as written (with its
 * continuation lines and its line end), with its name's length.
 */
static int
fields_each(const struct buf *h, int (*fn)(const char *, size_t, size_t,
    void *), void *arg)
{
	const char	*s = (const char *)buf_data(h), *name, *value;
	struct mime_hdr	*rd;
	size_t		 from = 0;
	int		 r;

	if ((rd = mime_hdr_new(s, buf_len(h))) == NULL)
		return SMERR_NOMEM;
	while ((r = mime_hdr_next(rd, &name, &value, NULL)) > 0) {
		if ((r = fn(s + from, mime_hdr_offset(rd) - from, strlen(name),
		    arg)) != 0)
			break;
		from = mime_hdr_offset(rd);
	}
	mime_hdr_free(rd);
	return r;
}

struct hp_write {
	struct buf	*payload;	/* the protected fields */
	struct buf	*outer;		/* the outer fields, or NULL */
	int		 cipher;
};

static int
is_name(const char *f, size_t namelen, const char *name)
{
	return namelen == strlen(name) && strncasecmp(f, name, namelen) == 0;
}

/*
 * One field of mo->headers: into the payload, and the outer header. Sealed,
 * the outer header follows RFC 9788's baseline policy (hcp_baseline): the
 * Subject is obscured, Keywords and Comments (free text of the writer's)
 * are left out, and every other field goes out as it is.
 */
static int
field_copy(const char *f, size_t len, size_t namelen, void *arg)
{
	struct hp_write	*w = arg;
	int		 r = 0;

	if (is_name(f, namelen, "MIME-Version"))
		return w->outer != NULL ? buf_put(w->outer, f, len) : 0;
	r = buf_put(w->payload, f, len);
	if (r != 0 || !w->cipher)
		return r;
	if (is_name(f, namelen, "Keywords") || is_name(f, namelen, "Comments"))
		return 0;
	if (is_name(f, namelen, "Subject")) {
		if ((r = buf_puts(w->outer, "Subject: " HP_OBSCURED
		    "\r\n")) == 0)
			r = buf_puts(w->payload, "HP-Outer: Subject: "
			    HP_OBSCURED "\r\n");
		return r;
	}
	if ((r = buf_put(w->outer, f, len)) == 0 &&
	    (r = buf_puts(w->payload, "HP-Outer: ")) == 0)
		r = buf_put(w->payload, f, len);
	return r;
}

/*
 * The entity's header with hp="..." added to its Content-Type (one is
 * written when it has none), then its body.
 */
static int
entity_mark(struct buf *out, const struct buf *ent, const char *hp)
{
	const char	*s = (const char *)buf_data(ent), *name, *value;
	struct mime_hdr	*h;
	size_t		 from = 0, end, hdr_end;
	int		 r, done = 0;

	if ((h = mime_hdr_new(s, buf_len(ent))) == NULL)
		return SMERR_NOMEM;
	while ((r = mime_hdr_next(h, &name, &value, NULL)) > 0) {
		/* The field as written, but its last line end. */
		for (end = mime_hdr_offset(h); end > from &&
		    (s[end - 1] == '\n' || s[end - 1] == '\r'); end--)
			;
		r = buf_put(out, s + from, end - from);
		if (r == 0 && !done && strcasecmp(name, "Content-Type") == 0) {
			r = buf_printf(out, ";\r\n hp=\"%s\"", hp);
			done = 1;
		}
		if (r == 0)
			r = buf_puts(out, "\r\n");
		if (r != 0)
			break;
		from = mime_hdr_offset(h);
	}
	if (r == 0 && mime_hdr_stop(h, &hdr_end, NULL, NULL) != MIME_HDR_BLANK)
		r = SMERR_INVAL;
	mime_hdr_free(h);
	if (r == 0 && !done)
		r = buf_printf(out, "Content-Type: text/plain; "
		    "charset=us-ascii;\r\n hp=\"%s\"\r\n", hp);
	if (r == 0)
		r = buf_put(out, s + hdr_end, buf_len(ent) - hdr_end);
	return r;
}

int
mime_hp_protect(const struct mime_out *mo, int cipher, int legacy,
    struct buf **payloadp, struct buf **headersp, struct smerr *e)
{
	struct hp_write		 w;
	const struct buf	*ent = mo->entity;
	int			 r;

	*payloadp = NULL;
	*headersp = NULL;
	memset(&w, 0, sizeof(w));
	w.cipher = cipher;
	if ((w.payload = buf_new_secret(0)) == NULL ||
	    (cipher && (w.outer = buf_new(0)) == NULL)) {
		r = SMERR_NOMEM;
		goto out;
	}
	if (cipher && legacy && mo->entity_ld != NULL)
		ent = mo->entity_ld;
	if ((r = fields_each(mo->headers, field_copy, &w)) != 0 ||
	    (r = entity_mark(w.payload, ent, cipher ? "cipher" :
	    "clear")) != 0)
		goto out;
	if (!mime_is_canonical(buf_data(w.payload), buf_len(w.payload))) {
		r = SMERR_INVAL;
		goto out;
	}
	*payloadp = w.payload;
	*headersp = w.outer;
	return 0;
out:
	buf_free(w.payload);
	buf_free(w.outer);
	return smerr_set(e, r, "header protection: %s", r == SMERR_INVAL ?
	    "the message entity is not canonical MIME" : smerr_str(r));
}
