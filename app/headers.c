/*
 * The header fields a client needs, read from a stored message: From's
 * display name (what the index shows), To, Cc, Reply-To as addr-specs,
 * the display names of To and Cc (what to: finds beside the addresses),
 * Message-ID, In-Reply-To, References, List-Post, and the number of
 * attachments (parts with a file name or a Content-Disposition of
 * attachment, never S/MIME's own signature or envelope parts). Sync
 * reads them from each new message; a store made before they were kept
 * gets them from its stored copies when it is opened, without fetching
 * anything again.
 */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/text.h"
#include "base/vec.h"
#include "mime/mime.h"
#include "store/store.h"
#include "app/app_int.h"

#define HDR_MAX		(256 * 1024)	/* one field's list */

void
app_headers_clear(struct app_headers *h)
{
	if (h == NULL)
		return;
	free(h->to);
	free(h->cc);
	free(h->reply_to);
	free(h->message_id);
	free(h->in_reply_to);
	free(h->references);
	free(h->list_post);
	free(h->from_name);
	free(h->to_names);
	memset(h, 0, sizeof(*h));
}

static int
is_smime_part(const struct mime_part *p)
{
	const char	*t = mime_part_type(p);

	return strcmp(t, "application/pkcs7-signature") == 0 ||
	    strcmp(t, "application/x-pkcs7-signature") == 0 ||
	    strcmp(t, "application/pkcs7-mime") == 0 ||
	    strcmp(t, "application/x-pkcs7-mime") == 0;
}

static size_t
count_attachments(const struct mime_part *p)
{
	size_t	 i, n = 0;
	char	*name;

	if (mime_part_is_multipart(p)) {
		for (i = 0; i < mime_part_nchildren(p); i++)
			n += count_attachments(mime_part_child(p, i));
		return n;
	}
	if (is_smime_part(p))
		return 0;
	if (mime_part_is_attachment(p))
		return 1;
	if ((name = mime_part_filename(p)) != NULL) {
		free(name);
		return 1;
	}
	return 0;
}

/* The list fn makes of field name of p, malloc'd, or NULL when empty. */
static int
field_list(const struct mime_part *p, const char *name,
    int (*fn)(const char *, struct buf *), int first, char **outp)
{
	struct buf	*b;
	const char	*v;
	char		*sp;
	int		 r = 0;

	*outp = NULL;
	if ((v = mime_part_header(p, name)) == NULL)
		return 0;
	if ((b = buf_new(HDR_MAX)) == NULL)
		return SMERR_NOMEM;
	if ((r = fn(v, b)) == 0 && buf_len(b) > 0) {
		if ((*outp = buf_strdup(b)) == NULL)
			r = SMERR_NOMEM;
		else if (first && (sp = strchr(*outp, ' ')) != NULL)
			*sp = '\0';
	}
	buf_free(b);
	return r == SMERR_LIMIT ? 0 : r;
}

/* The display names of f's To and Cc, sanitized, or NULL for none. */
static int
recipient_names(const struct mime_part *f, char **outp)
{
	static const char	*fields[] = { "to", "cc" };
	struct buf		*b;
	size_t			 i;
	int			 r = 0;

	*outp = NULL;
	if ((b = buf_new(HDR_MAX)) == NULL)
		return SMERR_NOMEM;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]) && r == 0; i++)
		r = mime_addr_names(mime_part_header(f, fields[i]), b);
	if (r == SMERR_LIMIT)
		r = 0;		/* names past the limit are left out */
	if (r == 0 && buf_len(b) > 0 &&
	    (*outp = text_sanitize_str(buf_str(b), 0)) == NULL)
		r = SMERR_NOMEM;
	buf_free(b);
	return r;
}

/*
 * With hp, the protected header section (RFC 9788) of a message with
 * header protection, the fields are read from it alone: those outside it
 * were not protected and may have been added or changed in transit. Only
 * List-Post, which a list adds in transit, is also read from outside.
 * The attachments are counted in msg all the same.
 */
int
app_headers_read(const uint8_t *msg, size_t len, const struct buf *hp,
    struct app_headers *h, struct smerr *e)
{
	struct mime_msg		*m = NULL, *hm = NULL;
	const struct mime_part	*root, *f;
	const uint8_t		*fp = msg;
	const char		*lp;
	size_t			 fl = len;
	int			 r = 0;

	memset(h, 0, sizeof(*h));
	if (msg == NULL || len == 0)
		return 0;
	if (mime_parse(msg, len, &m, NULL) != 0)
		return 0;		/* nothing readable: nothing to keep */
	root = f = mime_msg_root(m);
	if (hp != NULL) {
		fp = buf_data(hp);
		fl = buf_len(hp);
		if (mime_parse(fp, fl, &hm, NULL) != 0)
			goto out;
		f = mime_msg_root(hm);
	}
	if ((r = field_list(f, "to", mime_addr_list, 0, &h->to)) != 0 ||
	    (r = field_list(f, "cc", mime_addr_list, 0, &h->cc)) != 0 ||
	    (r = field_list(f, "reply-to", mime_addr_list, 0,
	    &h->reply_to)) != 0 ||
	    (r = field_list(f, "message-id", mime_msgid_list, 1,
	    &h->message_id)) != 0 ||
	    (r = field_list(f, "in-reply-to", mime_msgid_list, 1,
	    &h->in_reply_to)) != 0 ||
	    (r = field_list(f, "references", mime_msgid_list, 0,
	    &h->references)) != 0 ||
	    (r = recipient_names(f, &h->to_names)) != 0)
		goto out;
	/*
	 * A list adds List-Post on the way, outside what its sender
	 * protected: read from the outer header when the section has none.
	 */
	if ((lp = mime_part_header(f, "list-post")) == NULL)
		lp = mime_part_header(root, "list-post");
	if (lp != NULL && (r = mime_list_post(lp, &h->list_post)) != 0)
		goto out;
	h->attachments = count_attachments(root);
	if ((h->from_name = app_from_name(fp, fl)) != NULL &&
	    h->from_name[0] == '\0') {
		free(h->from_name);
		h->from_name = NULL;
	}
out:
	mime_msg_free(hm);
	mime_msg_free(m);
	if (r != 0) {
		app_headers_clear(h);
		return smerr_nomem(e);
	}
	return 0;
}

void
app_headers_to_msg(const struct app_headers *h, struct store_msg *m)
{
	m->to = h->to;
	m->cc = h->cc;
	m->reply_to = h->reply_to;
	m->message_id = h->message_id;
	m->in_reply_to = h->in_reply_to;
	m->references = h->references;
	m->list_post = h->list_post;
	m->attachments = h->attachments;
	m->from_name = h->from_name;
	m->to_names = h->to_names;
}

int
app_headers_store(struct store *st, int64_t id, const uint8_t *msg,
    size_t len, const struct buf *hp, struct smerr *e)
{
	struct app_headers	h;
	struct store_msg	hm;
	int			r;

	if ((r = app_headers_read(msg, len, hp, &h, e)) != 0)
		return r;
	memset(&hm, 0, sizeof(hm));
	app_headers_to_msg(&h, &hm);
	r = store_msg_set_headers(st, id, &hm, e);
	app_headers_clear(&h);
	return r;
}

int
app_headers_upgrade(struct store *st, struct smerr *e)
{
	struct vec_ids		 l;
	struct store_msg	*m = NULL;
	size_t			 i;
	int			 r;

	memset(&l, 0, sizeof(l));
	if ((r = store_msg_foreach_headerless(st, vec_ids_cb, &l, e)) != 0 ||
	    (r = vec_ids_check(&l, e)) != 0)
		goto out;
	if (l.n > 0 && (r = store_begin(st, e)) != 0)
		goto out;
	for (i = 0; i < l.n; i++) {
		if ((r = store_msg_load(st, l.v[i], &m, e)) != 0)
			break;
		if (m->body != NULL)
			r = app_headers_store(st, l.v[i], m->body, m->body_len,
			    NULL, e);
		else
			r = app_headers_store(st, l.v[i], m->raw, m->raw_len,
			    NULL, e);
		store_msg_free(m);
		m = NULL;
		if (r != 0)
			break;
	}
	if (l.n > 0) {
		if (r != 0)
			store_rollback(st);
		else
			r = store_commit(st, e);
	}
out:
	free(l.v);
	return r;
}
