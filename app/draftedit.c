/*
 * Changing a draft as the compose screen does: one header field set anew
 * (To, Cc, Bcc) or taken out (mutt's Attach), and the addresses a draft
 * is going to, read as send reads them.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/err.h"
#include "mime/mime.h"
#include "app/app.h"

/*
 * The nth field called name (0 the first) set to value, or removed when
 * value is NULL, with its continuation lines; a value with no such field
 * to replace is added at the end of the header section.
 */
static int
field_rewrite(struct buf *text, const char *name, size_t nth,
    const char *value, struct smerr *e)
{
	const char	*start = (const char *)buf_data(text), *n, *v;
	struct mime_hdr	*h;
	struct buf	*out;
	size_t		 len = buf_len(text), from = 0, seen = 0;
	int		 r = 0, done = 0, stop;

	if (value != NULL && strpbrk(value, "\r\n") != NULL)
		return smerr_set(e, SMERR_INVAL, "%s: one line only", name);
	if ((out = buf_new_secret(buf_max(text))) == NULL ||
	    (h = mime_hdr_new(start, len)) == NULL) {
		buf_free(out);
		return smerr_nomem(e);
	}
	/* Each field as it was but the one called name, with its folds. */
	while (mime_hdr_next(h, &n, &v, NULL) > 0) {
		if (!done && strcasecmp(n, name) == 0 && seen++ == nth) {
			if (value != NULL)
				r |= buf_printf(out, "%s: %s\n", name, value);
			done = 1;
		} else {
			r |= buf_put(out, start + from,
			    mime_hdr_offset(h) - from);
			if (start[mime_hdr_offset(h) - 1] != '\n')
				r |= buf_putc(out, '\n');
		}
		from = mime_hdr_offset(h);
	}
	stop = mime_hdr_stop(h, NULL, NULL, NULL);
	mime_hdr_free(h);
	if (!done && value != NULL)
		r |= buf_printf(out, "%s: %s\n", name, value);
	if (stop == MIME_HDR_END)
		r |= buf_putc(out, '\n');
	r |= buf_put(out, start + from, len - from);
	if (r == 0) {
		buf_reset(text);
		r = buf_put(text, buf_data(out), buf_len(out));
	}
	buf_free(out);
	return r != 0 ? smerr_set(e, SMERR_LIMIT, "the draft is too large") :
	    0;
}

int
app_draft_set_field(struct buf *text, const char *name, const char *value,
    struct smerr *e)
{
	return field_rewrite(text, name, 0, value, e);
}

int
app_draft_drop_field(struct buf *text, const char *name, size_t nth,
    struct smerr *e)
{
	return field_rewrite(text, name, nth, NULL, e);
}

char *
app_draft_field_nth(const void *text, size_t len, const char *name,
    size_t nth)
{
	struct mime_hdr	*h;
	const char	*n, *v;
	char		*out = NULL;
	size_t		 seen = 0;

	if ((h = mime_hdr_new(text, len)) == NULL)
		return NULL;
	while (out == NULL && mime_hdr_next(h, &n, &v, NULL) > 0)
		if (strcasecmp(n, name) == 0 && seen++ == nth)
			out = strdup(v);
	mime_hdr_free(h);
	return out;
}

int
app_draft_rcpts(const void *text, size_t len, struct buf *out)
{
	static const char *const fields[] = { "To", "Cc", "Bcc" };
	char	*v;
	size_t	 i;
	int	 r = 0;

	/* mime_addr_list puts the commas between. */
	for (i = 0; r == 0 && i < 3; i++) {
		if ((v = app_draft_field(text, len, fields[i])) == NULL)
			continue;
		r = mime_addr_list(v, out);
		free(v);
	}
	return r;
}

/* The alias called word (len bytes), as mutt finds it: any case. */
static const struct app_addr *
alias_find(const struct app_addrs *book, const char *word, size_t len)
{
	size_t	i;

	for (i = 0; i < book->n; i++)
		if (book->v[i].nick != NULL &&
		    strlen(book->v[i].nick) == len &&
		    strncasecmp(book->v[i].nick, word, len) == 0)
			return &book->v[i];
	return NULL;
}

struct expand {
	const struct app_addrs	*book;
	struct buf		*out;
	int			 changed;
};

/*
 * Appends one element of the list, or the alias it names when it is one
 * word without '@', separated by ", "; a group's name and ';' are kept.
 */
static int
expand_one(void *arg, const struct mime_mbox *mb)
{
	struct expand		*x = arg;
	const struct app_addr	*a = NULL;
	int			 r = 0;

	if (buf_len(x->out) > 0 && (mb->raw != NULL || mb->gfirst))
		r |= buf_puts(x->out, ", ");
	if (mb->gfirst)
		r |= buf_printf(x->out, "%.*s: ", (int)mb->grouplen,
		    mb->group);
	if (mb->raw != NULL && memchr(mb->raw, '@', mb->rawlen) == NULL &&
	    strcspn(mb->raw, " \t<\"(") >= mb->rawlen)
		a = alias_find(x->book, mb->raw, mb->rawlen);
	if (a != NULL)
		r |= buf_puts(x->out, a->value);
	else if (mb->raw != NULL)
		r |= buf_put(x->out, mb->raw, mb->rawlen);
	if (mb->glast && mb->group != NULL)
		r |= buf_putc(x->out, ';');
	x->changed |= a != NULL;
	return r != 0 ? SMERR_NOMEM : 0;
}

int
app_addrs_expand(const char *value, const struct app_addrs *book,
    char **outp)
{
	struct expand	 x;
	int		 r;

	*outp = NULL;
	x.book = book;
	x.changed = 0;
	if ((x.out = buf_new(0)) == NULL)
		return SMERR_NOMEM;
	/* A list that does not read is left as it is. */
	r = mime_addrs_read(value, expand_one, &x, NULL);
	if (r == 0 && x.changed &&
	    (*outp = buf_take(x.out, NULL)) == NULL)
		r = SMERR_NOMEM;
	buf_free(x.out);
	return r == SMERR_NOMEM ? r : 0;
}

int
app_draft_expand_aliases(struct buf *text, const struct app_addrs *book,
    struct smerr *e)
{
	static const char *const fields[] = { "To", "Cc", "Bcc" };
	char	*v, *x;
	size_t	 i;
	int	 r = 0;

	for (i = 0; r == 0 && i < 3; i++) {
		if ((v = app_draft_field(buf_data(text), buf_len(text),
		    fields[i])) == NULL)
			continue;
		if ((r = app_addrs_expand(v, book, &x)) != 0)
			r = smerr_set(e, r, "out of memory");
		else if (x != NULL)
			r = app_draft_set_field(text, fields[i], x, e);
		free(v);
		free(x);
	}
	return r;
}

int
app_draft_check_private(const void *text, size_t len, struct smerr *e)
{
	char	*v;
	int	 r = 0;

	if ((v = app_draft_field(text, len, "Attach")) != NULL)
		r = smerr_set(e, SMERR_INVAL, "Attach: %.200s names a file to "
		    "attach, not a header field to send: attach the file "
		    "instead, and take the field out", v);
	else if ((v = app_draft_field(text, len, "Fcc")) != NULL)
		r = smerr_set(e, SMERR_INVAL, "Fcc: %.200s names a folder of "
		    "yours, not a header field to send (the copy goes to "
		    "Sent): take the field out", v);
	free(v);
	return r;
}
