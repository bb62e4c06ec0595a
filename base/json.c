#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "text.h"

/*
 * Bytes that stand for themselves (printable ASCII but the quote and the
 * backslash, and well-formed UTF-8 above U+009F but the line and paragraph
 * separators) are copied a run at a time; everything else is escaped or
 * replaced one code point at a time.
 */
static size_t
json_plain(const unsigned char *p, size_t len)
{
	unsigned	cp;
	size_t		i = 0, n;

	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			if (p[i] == '"' || p[i] == '\\')
				break;
			i++;
			continue;
		}
		if (p[i] < 0x80 || (n = text_utf8_decode(p + i, len - i,
		    &cp)) == 0 || cp <= 0x9f || cp == 0x2028 || cp == 0x2029)
			break;
		i += n;
	}
	return i;
}

int
json_strn(struct buf *out, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned		 cp;
	size_t			 n;
	int			 r;

	if ((r = buf_putc(out, '"')) != 0)
		return r;
	while (len > 0) {
		if ((n = json_plain(p, len)) > 0) {
			if ((r = buf_put(out, p, n)) != 0)
				return r;
			p += n;
			len -= n;
			continue;
		}
		if ((n = text_utf8_decode(p, len, &cp)) == 0) {
			cp = 0xfffd;
			n = 1;
		}
		p += n;
		len -= n;
		switch (cp) {
		case '"':  r = buf_puts(out, "\\\""); break;
		case '\\': r = buf_puts(out, "\\\\"); break;
		case '\n': r = buf_puts(out, "\\n"); break;
		case '\r': r = buf_puts(out, "\\r"); break;
		case '\t': r = buf_puts(out, "\\t"); break;
		default:
			if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
			    cp == 0x2028 || cp == 0x2029)
				r = buf_printf(out, "\\u%04x", cp);
			else
				r = text_utf8_put(out, cp);
		}
		if (r != 0)
			return r;
	}
	return buf_putc(out, '"');
}

int
json_str(struct buf *out, const char *s)
{
	if (s == NULL)
		return buf_puts(out, "null");
	return json_strn(out, s, strlen(s));
}

int
json_key(struct buf *out, const char *key, int first)
{
	int	r;

	if (!first && (r = buf_putc(out, ',')) != 0)
		return r;
	if ((r = json_str(out, key)) != 0)
		return r;
	return buf_putc(out, ':');
}

int
json_text(struct buf *out, const char *s)
{
	char	*t;
	int	 r;

	if (s == NULL)
		return json_str(out, NULL);
	if ((t = text_sanitize_str(s, 0)) == NULL)
		return SMERR_NOMEM;
	r = json_str(out, t);
	free(t);
	return r;
}

int
json_text_list(struct buf *out, const char *list)
{
	const char	*p = list, *q;
	char		*one;
	int		 r;

	if ((r = buf_putc(out, '[')) != 0)
		return r;
	while (p != NULL && *p != '\0') {
		q = strchr(p, ',');
		one = q != NULL ? strndup(p, (size_t)(q - p)) : strdup(p);
		if (one == NULL)
			return SMERR_NOMEM;
		if (p != list && (r = buf_putc(out, ',')) != 0) {
			free(one);
			return r;
		}
		r = json_text(out, one);
		free(one);
		if (r != 0)
			return r;
		p = q != NULL ? q + 1 : NULL;
	}
	return buf_putc(out, ']');
}
