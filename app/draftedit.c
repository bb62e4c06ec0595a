/*
 * Changing a draft as the compose screen does: one header field set anew
 * (To, Cc), and the addresses a draft is going to, read as send reads
 * them.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/err.h"
#include "mime/mime.h"
#include "app/app.h"

/* The end of the line at p (after its LF), or end. */
static const char *
line_end(const char *p, const char *end)
{
	const char	*nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? nl + 1 : end;
}

static int
is_blank_line(const char *p, const char *end)
{
	return p < end && (*p == '\n' || (*p == '\r' && p + 1 < end &&
	    p[1] == '\n'));
}

int
app_draft_set_field(struct buf *text, const char *name, const char *value,
    struct smerr *e)
{
	const char	*start = (const char *)buf_data(text);
	const char	*end = start + buf_len(text), *p = start, *q;
	struct buf	*out;
	size_t		 n = strlen(name);
	int		 r = 0, done = 0;

	if (strpbrk(value, "\r\n") != NULL)
		return smerr_set(e, SMERR_INVAL, "%s: one line only", name);
	if ((out = buf_new_secret(buf_max(text))) == NULL)
		return smerr_nomem(e);
	/* The header section: up to the first empty line. */
	while (p < end && !is_blank_line(p, end)) {
		q = line_end(p, end);
		if (!done && (size_t)(q - p) > n &&
		    strncasecmp(p, name, n) == 0 && p[n] == ':') {
			/* The field and its continuation lines go. */
			while (q < end && (*q == ' ' || *q == '\t'))
				q = line_end(q, end);
			r |= buf_printf(out, "%s: %s\n", name, value);
			done = 1;
		} else
			r |= buf_put(out, p, (size_t)(q - p));
		p = q;
	}
	if (!done)
		r |= buf_printf(out, "%s: %s\n", name, value);
	if (p == end)
		r |= buf_putc(out, '\n');
	r |= buf_put(out, p, (size_t)(end - p));
	if (r == 0) {
		buf_reset(text);
		r = buf_put(text, buf_data(out), buf_len(out));
	}
	buf_free(out);
	return r != 0 ? smerr_set(e, SMERR_LIMIT, "the draft is too large") :
	    0;
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

/* The end of the address at p: the next comma outside quotes and <>. */
static const char *
addr_end(const char *p)
{
	int	quoted = 0, angle = 0;

	for (; *p != '\0'; p++) {
		if (quoted && *p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '<')
			angle = 1;
		else if (!quoted && *p == '>')
			angle = 0;
		else if (!quoted && !angle && *p == ',')
			break;
	}
	return p;
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

int
app_addrs_expand(const char *value, const struct app_addrs *book,
    char **outp)
{
	const struct app_addr	*a;
	const char		*p = value, *q, *end;
	struct buf		*out;
	int			 r = 0, changed = 0;

	*outp = NULL;
	if ((out = buf_new(0)) == NULL)
		return SMERR_NOMEM;
	while (*p != '\0' && r == 0) {
		while (*p == ' ' || *p == '\t')
			p++;
		q = addr_end(p);
		for (end = q; end > p && (end[-1] == ' ' || end[-1] == '\t');)
			end--;
		a = NULL;
		if (end > p && memchr(p, '@', (size_t)(end - p)) == NULL &&
		    strcspn(p, " \t<\"") >= (size_t)(end - p))
			a = alias_find(book, p, (size_t)(end - p));
		if (end > p && buf_len(out) > 0)
			r = buf_puts(out, ", ");
		if (r == 0 && a != NULL)
			r = buf_puts(out, a->value);
		else if (r == 0)
			r = buf_put(out, p, (size_t)(end - p));
		changed |= a != NULL;
		p = *q == ',' ? q + 1 : q;
	}
	if (r == 0 && changed)
		*outp = buf_take(out, NULL);
	buf_free(out);
	return r != 0 ? SMERR_NOMEM : 0;
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
