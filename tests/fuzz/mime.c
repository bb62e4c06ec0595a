/*
 * libFuzzer target: the MIME parser alone (links mime/ and base/ only),
 * and the header and address list readers under it. Invariants: the
 * bounds of mime.h hold, every part's bytes lie inside the parsed copy,
 * children lie inside their parent; stripping a Legacy
 * Display Element (mime/hp.h) only ever shortens a part's text; every
 * part's text read as HTML (mime/html.h) stays within the bound given,
 * and read as format=flowed gives paragraphs over all of its lines.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/vec.h"
#include "mime/mime.h"
#include "mime/hp.h"
#include "mime/html.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* What a flowed reading of a text gave: lines and bytes so far. */
struct flow_seen {
	size_t	lines, bytes;
};

static int
flow_check(const struct mime_flowed *fl, void *arg)
{
	struct flow_seen	*fs = arg;

	/* Paragraphs follow one another, each of one line or more. */
	assert(fl->line == fs->lines && fl->nlines > 0);
	assert(fl->depth >= 0 && fl->text[fl->len] == '\0');
	fs->lines += fl->nlines;
	fs->bytes += fl->len + (size_t)fl->depth;
	return 0;
}

/*
 * Read as format=flowed, with DelSp or not, the text of len bytes at p
 * gives paragraphs over all its lines, never longer than it together.
 */
static void
flowed(const uint8_t *p, size_t len)
{
	struct flow_seen	 fs;
	size_t			 lines = 0, i;
	int			 delsp;

	for (i = 0; i < len; i++)
		if (p[i] == '\n' && i + 1 < len)
			lines++;
	if (len > 0)
		lines++;
	for (delsp = 0; delsp < 2; delsp++) {
		memset(&fs, 0, sizeof(fs));
		assert(mime_flowed_read((const char *)p, len, delsp,
		    flow_check, &fs) == 0);
		assert(fs.lines == lines && fs.bytes <= len);
	}
}

static void
walk(const struct mime_part *p, const uint8_t *lo, const uint8_t *hi,
    size_t *n)
{
	const uint8_t	*raw, *body;
	struct buf	*b, *h;
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
		flowed(buf_data(b), blen);
		if ((h = buf_new(65536)) != NULL) {
			(void)mime_html_text(buf_data(b), blen, h);
			assert(buf_len(h) <= 65536);
			buf_free(h);
		}
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

/*
 * The fields a client keeps: every address and msg-id taken out is free
 * of blanks and line breaks (a draft's header is made of them).
 */
static void
fields(const struct mime_part *root)
{
	static const char *const names[] = { "to", "cc", "reply-to" };
	struct buf	*b;
	char		*lp;
	size_t		 i;

	if ((b = buf_new(0)) == NULL)
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		(void)mime_addr_list(mime_part_header(root, names[i]), b);
	if (buf_len(b) > 0)
		assert(strpbrk(buf_str(b), " \t\r\n") == NULL);
	buf_reset(b);
	(void)mime_msgid_list(mime_part_header(root, "references"), b);
	if (buf_len(b) > 0)
		assert(strpbrk(buf_str(b), "\t\r\n") == NULL);
	buf_free(b);
	if (mime_list_post(mime_part_header(root, "list-post"), &lp) == 0 &&
	    lp != NULL) {
		assert(strpbrk(lp, " \t\r\n<>") == NULL);
		free(lp);
	}
}

/* Every piece of a mailbox the list reader gives lies inside its value. */
static int
mbox_check(void *arg, const struct mime_mbox *mb)
{
	const char	*v = arg, *end = v + strlen(v);

	if (mb->raw != NULL)
		assert(mb->raw >= v && mb->raw + mb->rawlen <= end);
	if (mb->group != NULL)
		assert(mb->group >= v && mb->group + mb->grouplen <= end);
	if (mb->addr != NULL)
		assert(strlen(mb->addr) <= (size_t)(end - v));
	return 0;
}

/*
 * The header reader on the input as it came: names are tokens, values
 * within the bound and on one line, the body inside the input.
 */
static void
readers(const uint8_t *data, size_t len)
{
	struct mime_hdr	*h;
	const char	*n, *v;
	size_t		 i, body = 0;

	if ((h = mime_hdr_new(data, len)) == NULL)
		return;
	while (mime_hdr_next(h, &n, &v, NULL) > 0) {
		assert(*n != '\0' && strlen(v) <= MIME_MAX_FIELD);
		for (i = 0; n[i] != '\0'; i++)
			assert(n[i] > ' ' && n[i] < 127 && n[i] != ':');
		assert(strpbrk(v, "\r\n") == NULL);
		(void)mime_addrs_read(v, mbox_check, (void *)v, NULL);
	}
	if (mime_hdr_stop(h, NULL, &body, NULL) != 0)
		assert(body <= len);
	mime_hdr_free(h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct mime_msg	*m;
	char		*from, **to;
	size_t		 n = 0, nto;

	readers(data, len);
	if (mime_parse(data, len, &m, NULL) != 0)
		return 0;
	assert(mime_msg_depth(m) <= MIME_MAX_DEPTH);
	assert(mime_msg_nparts(m) <= MIME_MAX_PARTS);
	walk(mime_msg_root(m), mime_part_raw(mime_msg_root(m), &len),
	    mime_part_raw(mime_msg_root(m), &len) + len, &n);
	assert(n == mime_msg_nparts(m));
	if (mime_from_addr(mime_msg_root(m), &from, NULL) == 0)
		free(from);
	if (mime_part_addrs(mime_msg_root(m), "to", &to, &nto) == 0)
		vec_strv_free(to, nto);
	fields(mime_msg_root(m));
	mime_msg_free(m);
	return 0;
}
