/*
 * RFC 3676 format=flowed read back into paragraphs. A line ending in a
 * space is a soft break: the next line of the same quote depth goes on
 * the same paragraph. A line of another depth, a line without the
 * trailing space and the signature separator end one.
 */
#include <stddef.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "mime/mime.h"

/* Hands the paragraph held in b to fn and empties b. */
static int
flowed_flush(struct buf *b, struct mime_flowed *fl,
    int (*fn)(const struct mime_flowed *, void *), void *arg)
{
	int	r;

	if (fl->nlines == 0)
		return 0;
	fl->text = buf_len(b) > 0 ? buf_str(b) : "";
	fl->len = buf_len(b);
	r = fn(fl, arg);
	buf_truncate(b, 0);
	fl->line += fl->nlines;
	fl->nlines = 0;
	return r;
}

/*
 * One line of len bytes (no line end) into the paragraph under way:
 * its quote marks counted and cut, its stuffed space removed.
 */
static int
flowed_line(struct buf *b, struct mime_flowed *fl, const char *s, size_t len,
    int delsp, int (*fn)(const struct mime_flowed *, void *), void *arg)
{
	size_t	depth = 0;
	int	soft, r;

	while (depth < len && s[depth] == '>')
		depth++;
	s += depth;
	len -= depth;
	if (len > 0 && s[0] == ' ') {
		s++;
		len--;
	}
	if (fl->nlines > 0 && (size_t)fl->depth != depth &&
	    (r = flowed_flush(b, fl, fn, arg)) != 0)
		return r;
	/* The signature separator stands alone, its space kept. */
	if (len == 3 && memcmp(s, "-- ", 3) == 0) {
		if ((r = flowed_flush(b, fl, fn, arg)) != 0)
			return r;
		soft = 0;
	} else
		soft = len > 0 && s[len - 1] == ' ';
	if (soft && delsp)
		len--;
	fl->depth = (int)depth;
	fl->nlines++;
	if ((r = buf_put(b, s, len)) != 0)
		return r;
	return soft ? 0 : flowed_flush(b, fl, fn, arg);
}

int
mime_flowed_read(const char *p, size_t len, int delsp,
    int (*fn)(const struct mime_flowed *, void *), void *arg)
{
	struct mime_flowed	 fl;
	struct buf		*b;
	const char		*nl, *end = p + len;
	size_t			 n;
	int			 r = 0;

	/* Message text: the copy is wiped. */
	if ((b = buf_new_secret(0)) == NULL)
		return SMERR_NOMEM;
	memset(&fl, 0, sizeof(fl));
	while (p < end && r == 0) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		r = flowed_line(b, &fl, p, n, delsp, fn, arg);
		p = nl < end ? nl + 1 : end;
	}
	if (r == 0)
		r = flowed_flush(b, &fl, fn, arg);
	buf_free(b);
	return r;
}
