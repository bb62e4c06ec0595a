/*
 * Canonical line ends. A multipart/signed signature covers its first part
 * with CRLF line ends (RFC 8551 3.1.1); mail at rest often has bare LF.
 * Everything the parser sees is first made CRLF, so that the bytes a
 * signature is checked over are the bytes it was made over.
 */
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "mime/mime.h"

int
mime_canon_crlf(const void *data, size_t len, struct buf *out)
{
	const uint8_t	*s = data, *lf, *end = s + len;
	int		 r;

	if (!mime_has_bare_lf(data, len))
		return buf_put(out, data, len);
	while (s < end) {
		if ((lf = memchr(s, '\n', (size_t)(end - s))) == NULL)
			return buf_put(out, s, (size_t)(end - s));
		if (lf > s && lf[-1] == '\r') {
			if ((r = buf_put(out, s, (size_t)(lf - s) + 1)) != 0)
				return r;
		} else if ((r = buf_put(out, s, (size_t)(lf - s))) != 0 ||
		    (r = buf_put(out, "\r\n", 2)) != 0)
			return r;
		s = lf + 1;
	}
	return 0;
}

int
mime_has_bare_lf(const void *data, size_t len)
{
	const uint8_t	*s = data, *lf, *end = s + len;

	while (s < end && (lf = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		if (lf == data || lf[-1] != '\r')
			return 1;
		s = lf + 1;
	}
	return 0;
}
