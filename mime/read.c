/*
 * mime/read.c: the two readers every other part of sealmail goes through
 * for what a header section says. One reads the fields of a header
 * section, unfolded, with the bounds of mime.h; the message parser, the
 * composer and the readers of drafts all use it. The other cuts an
 * address list into its mailboxes as written, honouring quoted strings,
 * comments, angle brackets and groups.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/text.h"
#include "mime/mime.h"
#include "mime/mime_int.h"

struct mime_hdr {
	const uint8_t	*start;
	const uint8_t	*p;		/* the next line */
	const uint8_t	*end;
	char		*f;		/* name, NUL, value, NUL */
	size_t		 fcap;
	size_t		 line;		/* lines read */
	size_t		 nfields;
	size_t		 hdr_end;	/* offsets, once stopped */
	size_t		 body;
	int		 stop;
};

struct mime_hdr *
mime_hdr_new(const void *p, size_t len)
{
	struct mime_hdr	*h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->start = h->p = p;
	h->end = h->start + (p != NULL ? len : 0);
	return h;
}

void
mime_hdr_free(struct mime_hdr *h)
{
	if (h == NULL)
		return;
	free(h->f);
	free(h);
}

const uint8_t *
mime_line_next(const uint8_t *p, const uint8_t *end)
{
	const uint8_t	*lf;

	lf = memchr(p, '\n', (size_t)(end - p));
	return lf != NULL ? lf + 1 : end;
}

static int
hdr_stop(struct mime_hdr *h, int why, const uint8_t *hdr_end,
    const uint8_t *body)
{
	h->stop = why;
	h->hdr_end = (size_t)(hdr_end - h->start);
	h->body = (size_t)(body - h->start);
	h->p = h->end;
	return 0;
}

/*
 * The length of the name of the field that opens the line [s, nx), its
 * colon at *colonp; 0 when the line is not a field. Blanks between the
 * name and the colon are obsolete syntax (RFC 5322 4.5) and dropped; any
 * other character outside 33..126 makes it no field.
 */
static size_t
name_len(const uint8_t *s, const uint8_t *nx, const uint8_t **colonp)
{
	const uint8_t	*colon;
	size_t		 k, n;

	if ((colon = memchr(s, ':', (size_t)(nx - s))) == NULL || colon == s)
		return 0;
	for (k = 0; s + k < colon && s[k] > ' ' && s[k] < 127; k++)
		;
	n = k;
	while (s + k < colon && (s[k] == ' ' || s[k] == '\t'))
		k++;
	if (s + k < colon || n == 0)
		return 0;
	*colonp = colon;
	return n;
}

/*
 * Copies name and value into h->f, the value unfolded: every CR and LF
 * removed (RFC 5322 2.2.3), the blanks that open and close it dropped.
 */
static int
hdr_unfold(struct mime_hdr *h, const uint8_t *name, size_t nlen,
    const uint8_t *v, const uint8_t *vend, struct smerr *e)
{
	size_t	 need = nlen + (size_t)(vend - v) + 2, j;
	char	*nf;

	if (need > h->fcap) {
		if ((nf = realloc(h->f, need)) == NULL)
			return smerr_nomem(e);
		h->f = nf;
		h->fcap = need;
	}
	memcpy(h->f, name, nlen);
	h->f[nlen] = '\0';
	while (v < vend && (*v == ' ' || *v == '\t'))
		v++;
	for (j = nlen + 1; v < vend; v++)
		if (*v != '\r' && *v != '\n')
			h->f[j++] = (char)*v;
	while (j > nlen + 1 && (h->f[j - 1] == ' ' || h->f[j - 1] == '\t'))
		j--;
	h->f[j] = '\0';
	return 0;
}

int
mime_hdr_next(struct mime_hdr *h, const char **namep, const char **valuep,
    struct smerr *e)
{
	const uint8_t	*s = h->p, *end = h->end, *nx, *colon = NULL, *vend;
	size_t		 nlen;
	int		 r;

	*namep = *valuep = NULL;
	if (h->stop != 0)
		return 0;
	if (s >= end)
		return hdr_stop(h, MIME_HDR_END, s, s);
	if (*s == '\n')
		return hdr_stop(h, MIME_HDR_BLANK, s, s + 1);
	if (*s == '\r' && s + 1 < end && s[1] == '\n')
		return hdr_stop(h, MIME_HDR_BLANK, s, s + 2);
	h->line++;
	nx = mime_line_next(s, end);
	if (*s == ' ' || *s == '\t')
		return hdr_stop(h, MIME_HDR_ORPHAN, s, s);
	if ((nlen = name_len(s, nx, &colon)) == 0) {
		if ((size_t)(nx - s) > MIME_MAX_FIELD)
			return smerr_set(e, SMERR_LIMIT,
			    "header line longer than %d bytes",
			    MIME_MAX_FIELD);
		return hdr_stop(h, MIME_HDR_NOTFIELD, s, s);
	}
	/* The continuation lines: each opens with a blank. */
	for (vend = nx; ; vend = mime_line_next(vend, end), h->line++) {
		if ((size_t)(vend - colon - 1) > MIME_MAX_FIELD)
			return smerr_set(e, SMERR_LIMIT,
			    "header field longer than %d bytes",
			    MIME_MAX_FIELD);
		if (vend >= end || (*vend != ' ' && *vend != '\t'))
			break;
	}
	if (h->nfields >= MIME_MAX_FIELDS)
		return smerr_set(e, SMERR_LIMIT,
		    "message part has more than %d header fields",
		    MIME_MAX_FIELDS);
	if (memchr(colon + 1, '\0', (size_t)(vend - colon - 1)) != NULL)
		return smerr_set(e, SMERR_PARSE,
		    "header field %.*s holds a NUL byte",
		    (int)(nlen < 80 ? nlen : 80), s);
	if ((r = hdr_unfold(h, s, nlen, colon + 1, vend, e)) != 0)
		return r;
	h->p = vend;
	h->nfields++;
	*namep = h->f;
	*valuep = h->f + nlen + 1;
	return 1;
}

int
mime_hdr_stop(const struct mime_hdr *h, size_t *hdr_endp, size_t *bodyp,
    size_t *linep)
{
	if (hdr_endp != NULL)
		*hdr_endp = h->hdr_end;
	if (bodyp != NULL)
		*bodyp = h->body;
	if (linep != NULL)
		*linep = h->line;
	return h->stop;
}

size_t
mime_hdr_offset(const struct mime_hdr *h)
{
	return (size_t)(h->p - h->start);
}

char *
mime_header_find(const void *p, size_t len, const char *name)
{
	struct mime_hdr	*h;
	const char	*n, *v;
	char		*res = NULL;

	if ((h = mime_hdr_new(p, len)) == NULL)
		return NULL;
	while (mime_hdr_next(h, &n, &v, NULL) > 0)
		if (strcasecmp(n, name) == 0) {
			res = strdup(v);
			break;
		}
	mime_hdr_free(h);
	return res;
}

/* The address list reader. */

/* Removes surrounding quotes and backslash escapes in place. */
static void
unquote(char *s)
{
	size_t	 n = strlen(s), i, j;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return;
	for (i = 1, j = 0; i < n - 1; i++) {
		if (s[i] == '\\' && i + 1 < n - 1)
			i++;
		s[j++] = s[i];
	}
	s[j] = '\0';
}

int
mime_uncomment(char *s, struct buf *com)
{
	char	*o = s;
	int	 depth = 0, quoted = 0, r = 0;

	for (; *s != '\0' && r == 0; s++) {
		if (*s == '\\' && (quoted || depth > 0) && s[1] != '\0') {
			if (depth > 0)
				r = com != NULL ? buf_putc(com, s[1]) : 0;
			else {
				*o++ = s[0];
				*o++ = s[1];
			}
			s++;
		} else if (depth == 0 && *s == '"') {
			quoted = !quoted;
			*o++ = *s;
		} else if (!quoted && *s == '(') {
			if (depth++ == 0)
				*o++ = ' ';
			else if (com != NULL)
				r = buf_putc(com, *s);
		} else if (depth > 0 && *s == ')') {
			if (--depth == 0)
				r = com != NULL ? buf_putc(com, ' ') : 0;
			else if (com != NULL)
				r = buf_putc(com, *s);
		} else if (depth > 0)
			r = com != NULL ? buf_putc(com, *s) : 0;
		else
			*o++ = *s;
	}
	*o = '\0';
	if (r != 0)
		return r;
	return depth == 0 && !quoted ? 0 : SMERR_PARSE;
}

/* The state of one walk over an address list. */
struct alist {
	const char	*value;
	char		*copy;		/* value, cut in place */
	int		(*fn)(void *, const struct mime_mbox *);
	void		*arg;
	struct mime_mbox mb;		/* the group's part of it */
	int		 members;	/* mailboxes of the open group */
	struct smerr	*e;
};

/* The span [from, to) of the value, its blanks trimmed. */
static void
raw_span(const char *v, size_t from, size_t to, const char **rawp,
    size_t *lenp)
{
	while (from < to && (v[from] == ' ' || v[from] == '\t'))
		from++;
	while (to > from && (v[to - 1] == ' ' || v[to - 1] == '\t'))
		to--;
	*rawp = v + from;
	*lenp = to - from;
}

/*
 * One element of the list, copy[from, to): a mailbox, "name <addr>" or
 * a bare address, comments dropped. Empty elements are skipped, but an
 * empty group is handed on as one element with no address.
 */
static int
alist_element(struct alist *al, size_t from, size_t to, int glast)
{
	struct mime_mbox	 mb = al->mb;
	char			*el, *lt, *gt, *name;

	al->copy[to] = '\0';
	el = al->copy + from;
	(void)mime_uncomment(el, NULL);	/* the walk saw them balanced */
	el = text_trim(el);
	raw_span(al->value, from, to, &mb.raw, &mb.rawlen);
	mb.glast = glast;
	if (*el == '\0') {
		if (!(glast && al->members == 0 && mb.group != NULL))
			return 0;
		mb.raw = NULL;
		mb.rawlen = 0;
		mb.gfirst = 1;
		return al->fn(al->arg, &mb);
	}
	if ((lt = strrchr(el, '<')) != NULL) {
		if ((gt = strchr(lt, '>')) == NULL ||
		    *text_trim(gt + 1) != '\0')
			return smerr_set(al->e, SMERR_INVAL,
			    "unbalanced <> in address %.80s", el);
		*gt = '\0';
		*lt = '\0';
		mb.addr = text_trim(lt + 1);
		name = text_trim(el);
		unquote(name);
		mb.name = *name != '\0' ? name : NULL;
	} else
		mb.addr = el;
	mb.gfirst = mb.group != NULL && al->members++ == 0;
	return al->fn(al->arg, &mb);
}

/* A group's name opens at ':' (copy[from, colon)); members follow. */
static void
alist_group(struct alist *al, size_t from, size_t colon)
{
	raw_span(al->value, from, colon, &al->mb.group, &al->mb.grouplen);
	al->members = 0;
}

int
mime_addrs_read(const char *value, int (*fn)(void *,
    const struct mime_mbox *), void *arg, struct smerr *e)
{
	struct alist	 al;
	size_t		 i, start = 0;
	int		 inq = 0, ang = 0, depth = 0, r = 0;
	char		 c;

	memset(&al, 0, sizeof(al));
	al.value = value;
	al.fn = fn;
	al.arg = arg;
	al.e = e;
	if ((al.copy = strdup(value)) == NULL)
		return smerr_nomem(e);
	for (i = 0; value[i] != '\0' && r == 0; i++) {
		c = value[i];
		if (c == '\\' && value[i + 1] != '\0') {
			i++;
			continue;
		}
		if (c == '"' && depth == 0)
			inq = !inq;
		if (inq)
			continue;
		if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		if (depth > 0)
			continue;
		if (c == '<')
			ang = 1;
		else if (c == '>')
			ang = 0;
		else if (!ang && c == ':' && al.mb.group == NULL) {
			alist_group(&al, start, i);
			start = i + 1;
		} else if (!ang && (c == ',' || c == ';')) {
			r = alist_element(&al, start, i, c == ';' &&
			    al.mb.group != NULL);
			if (c == ';')
				al.mb.group = NULL;
			start = i + 1;
		}
	}
	if (r == 0 && (inq || ang || depth))
		r = smerr_set(e, SMERR_INVAL, "unbalanced address list: %.80s",
		    value);
	if (r == 0)
		r = alist_element(&al, start, i, al.mb.group != NULL);
	free(al.copy);
	return r;
}
