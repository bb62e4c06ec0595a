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

static int
strv_add(char ***vp, size_t *np, const char *s)
{
	char	**nv, *c;

	if (*np >= HP_MAX_ADDRS)
		return 0;
	if ((c = strdup(s)) == NULL)
		return SMERR_NOMEM;
	if ((nv = reallocarray(*vp, *np + 1, sizeof(*nv))) == NULL) {
		free(c);
		return SMERR_NOMEM;
	}
	*vp = nv;
	nv[(*np)++] = c;
	return 0;
}

/* Keeps mailbox mb's addr-spec when it can be shown as it is. */
static int
mailbox_add(const struct mailimf_mailbox *mb, char ***vp, size_t *np)
{
	const char	*a;
	char		*c;
	int		 r = 0;

	if (mb == NULL || (a = mb->mb_addr_spec) == NULL ||
	    strchr(a, '@') == NULL || !text_utf8_valid(a, strlen(a)))
		return 0;
	if ((c = text_sanitize_str(a, 0)) == NULL)
		return SMERR_NOMEM;
	if (strcmp(c, a) == 0)
		r = strv_add(vp, np, a);
	free(c);
	return r;
}

static int
field_addrs(const char *value, char ***vp, size_t *np)
{
	struct mailimf_address_list	*al = NULL;
	struct mailimf_address		*ad;
	struct mailimf_group		*g;
	clistiter			*it, *gt;
	size_t				 idx = 0;
	int				 r = 0;

	if (mailimf_address_list_parse(value, strlen(value), &idx, &al) !=
	    MAILIMF_NO_ERROR || al == NULL)
		return 0;
	for (it = clist_begin(al->ad_list); it != NULL && r == 0;
	    it = clist_next(it)) {
		ad = clist_content(it);
		if (ad->ad_type == MAILIMF_ADDRESS_MAILBOX) {
			r = mailbox_add(ad->ad_data.ad_mailbox, vp, np);
			continue;
		}
		if ((g = ad->ad_data.ad_group) == NULL ||
		    g->grp_mb_list == NULL)
			continue;
		for (gt = clist_begin(g->grp_mb_list->mb_list);
		    gt != NULL && r == 0; gt = clist_next(gt))
			r = mailbox_add(clist_content(gt), vp, np);
	}
	mailimf_address_list_free(al);
	return r;
}

int
mime_addr_list(const struct mime_part *p, const char *name, char ***listp,
    size_t *np)
{
	const char	*fname, *val;
	size_t		 i;
	int		 r = 0;

	*listp = NULL;
	*np = 0;
	for (i = 0; r == 0 && (fname = mime_part_field(p, i, &val)) != NULL;
	    i++)
		if (strcasecmp(fname, name) == 0)
			r = field_addrs(val, listp, np);
	if (r != 0) {
		for (i = 0; i < *np; i++)
			free((*listp)[i]);
		free(*listp);
		*listp = NULL;
		*np = 0;
	}
	return r;
}

/*
 * Calls fn for each field of a block of CRLF header lines (a field with
 * its continuation lines), with its name's length.
 */
static int
fields_each(const struct buf *h, int (*fn)(const char *, size_t, size_t,
    void *), void *arg)
{
	const char	*s = (const char *)buf_data(h), *end = s + buf_len(h);
	const char	*f, *colon, *eol;
	int		 r;

	while (s < end) {
		f = s;
		do {
			if ((eol = memmem(s, (size_t)(end - s), "\r\n", 2)) ==
			    NULL)
				eol = end - 2;
			s = eol + 2;
		} while (s < end && (*s == ' ' || *s == '\t'));
		if ((colon = memchr(f, ':', (size_t)(s - f))) == NULL)
			continue;
		if ((r = fn(f, (size_t)(s - f), (size_t)(colon - f), arg)) != 0)
			return r;
	}
	return 0;
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

/* One field of mo->headers: into the payload, and the outer header. */
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
	const char	*s = (const char *)buf_data(ent), *end, *eoh, *f;
	const char	*eol;
	size_t		 len = buf_len(ent);
	int		 r = 0, done = 0;

	if (len >= 2 && memcmp(s, "\r\n", 2) == 0)
		eoh = s;		/* no header at all */
	else if ((eoh = memmem(s, len, "\r\n\r\n", 4)) != NULL)
		eoh += 2;
	else
		return SMERR_INVAL;
	end = eoh;
	while (r == 0 && s < end) {
		f = s;
		do {
			eol = memmem(s, (size_t)(end - s), "\r\n", 2);
			s = eol + 2;
		} while (s < end && (*s == ' ' || *s == '\t'));
		r = buf_put(out, f, (size_t)(s - f) - 2);
		if (r == 0 && !done && (size_t)(s - f) > 13 &&
		    strncasecmp(f, "Content-Type:", 13) == 0) {
			r = buf_printf(out, ";\r\n hp=\"%s\"", hp);
			done = 1;
		}
		if (r == 0)
			r = buf_puts(out, "\r\n");
	}
	if (r == 0 && !done)
		r = buf_printf(out, "Content-Type: text/plain; "
		    "charset=us-ascii;\r\n hp=\"%s\"\r\n", hp);
	if (r == 0)
		r = buf_put(out, eoh, (size_t)((const char *)buf_data(ent) +
		    len - eoh));
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
