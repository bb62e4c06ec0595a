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
		return smerr_set(e, SMERR_NOMEM, "out of memory");
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
