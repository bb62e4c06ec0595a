/*
 * libFuzzer target: the MIME parser alone (links mime/ and base/ only).
 * Invariants: the bounds of mime.h hold, every part's bytes lie inside
 * the parsed copy, children lie inside their parent; stripping a Legacy
 * Display Element (mime/hp.h) only ever shortens a part's text.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/err.h"
#include "mime/mime.h"
#include "mime/hp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
walk(const struct mime_part *p, const uint8_t *lo, const uint8_t *hi,
    size_t *n)
{
	const uint8_t	*raw, *body;
	struct buf	*b;
	size_t		 len, blen, i;

	raw = mime_part_raw(p, &len);
	body = mime_part_body(p, &blen);
	assert(raw >= lo && raw + len <= hi);
	assert(body >= raw && body + blen == raw + len);
	assert(mime_part_level(p) <= MIME_MAX_DEPTH);
	(*n)++;
	if ((b = buf_new(0)) != NULL) {
		(void)mime_part_text(p, b, NULL);
		blen = buf_len(b);
		if (mime_hp_legacy_strip(p, b, 0) == 0)
			assert(buf_len(b) <= blen);
		buf_free(b);
	}
	(void)mime_hp_form(p);
	(void)mime_hp_legacy_part(p);
	free(mime_part_filename(p));
	for (i = 0; i < mime_part_nchildren(p); i++)
		walk(mime_part_child(p, i), raw, raw + len, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct mime_msg	*m;
	char		*from, **to;
	size_t		 n = 0, nto, i;

	if (mime_parse(data, len, &m, NULL) != 0)
		return 0;
	assert(mime_msg_depth(m) <= MIME_MAX_DEPTH);
	assert(mime_msg_nparts(m) <= MIME_MAX_PARTS);
	walk(mime_msg_root(m), mime_part_raw(mime_msg_root(m), &len),
	    mime_part_raw(mime_msg_root(m), &len) + len, &n);
	assert(n == mime_msg_nparts(m));
	if (mime_from_addr(mime_msg_root(m), &from, NULL) == 0)
		free(from);
	if (mime_addr_list(mime_msg_root(m), "to", &to, &nto) == 0) {
		for (i = 0; i < nto; i++)
			free(to[i]);
		free(to);
	}
	mime_msg_free(m);
	return 0;
}
