/*
 * mime/compose.c: a message as a user writes it (header fields, a blank
 * line, the body) made into a draft (build.c) and built.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/text.h"
#include "mime/mime.h"
#include "mime/build.h"
#include "mime/mime_int.h"

/*
 * Reading what a user wrote. The header section is read by the header
 * reader, one unfolded field at a time; address fields by the address
 * list reader, with groups flattened into their members.
 */

enum akind { A_FROM, A_TO, A_CC, A_BCC, A_REPLY_TO };

struct addrs {
	struct mime_draft	*d;
	enum akind		 kind;
	int			 count;
	struct smerr		*e;
};

static int
add_mailbox(void *arg, const struct mime_mbox *mb)
{
	struct addrs		*a = arg;
	struct mime_draft	*d = a->d;
	int			 raw;

	if (mb->addr == NULL)
		return 0;		/* a group with no member */
	raw = mb->name != NULL && text_is_ascii(mb->name) &&
	    strstr(mb->name, "=?") != NULL;
	a->count++;
	switch (a->kind) {
	case A_FROM:
		if (a->count > 1)
			return smerr_set(a->e, SMERR_INVAL,
			    "From names more than one mailbox");
		mime_addr_clear(&d->from);
		return mime_addr_set(&d->from, mb->name, mb->addr, raw, a->e);
	case A_TO:
		return mime_addr_push(d, &d->to, &d->nto, mb->name, mb->addr,
		    raw, a->e);
	case A_CC:
		return mime_addr_push(d, &d->cc, &d->ncc, mb->name, mb->addr,
		    raw, a->e);
	case A_BCC:
		return mime_draft_bcc(d, mb->addr, a->e);
	case A_REPLY_TO:
		return mime_addr_push(d, &d->reply_to, &d->nreply_to, mb->name,
		    mb->addr, raw, a->e);
	}
	return 0;
}

static int
parse_addrs(struct mime_draft *d, enum akind kind, const char *v,
    struct smerr *e)
{
	struct addrs	 a = { d, kind, 0, e };
	int		 r;

	r = mime_addrs_read(v, add_mailbox, &a, e);
	if (r == 0 && kind == A_FROM && a.count != 1)
		r = smerr_set(e, SMERR_INVAL, "From names no mailbox");
	return r;
}

/* The parameter param of a Content-Type value, lowercased, into out. */
static void
ct_param(const char *v, const char *param, char *out, size_t outlen)
{
	const char	*p = v;
	size_t		 n = strlen(param), i = 0;

	out[0] = '\0';
	while ((p = strchr(p, ';')) != NULL) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, param, n) != 0 || p[n] != '=')
			continue;
		p += n + 1;
		if (*p == '"')
			p++;
		while (*p != '\0' && *p != '"' && *p != ';' && *p != ' ' &&
		    i + 1 < outlen)
			out[i++] = (char)tolower((unsigned char)*p++);
		out[i] = '\0';
		return;
	}
}

/* 1 when a user's Content-Type/-Transfer-Encoding still mean plain text. */
static int
plain_text_type(const char *ct, const char *cte)
{
	char	 cs[32];
	size_t	 n;

	if (cte != NULL) {
		n = strcspn(cte, " \t;(");
		if (!((n == 4 && strncasecmp(cte, "7bit", 4) == 0) ||
		    (n == 4 && strncasecmp(cte, "8bit", 4) == 0)))
			return 0;
	}
	if (ct == NULL)
		return 1;
	n = strcspn(ct, " \t;(");
	if (n != 10 || strncasecmp(ct, "text/plain", 10) != 0)
		return 0;
	ct_param(ct, "charset", cs, sizeof(cs));
	return cs[0] == '\0' || strcmp(cs, "utf-8") == 0 ||
	    strcmp(cs, "us-ascii") == 0;
}

struct compose {
	struct mime_draft	*d;
	struct buf		*cfields;	/* Content-* as written */
	char			*ct;
	char			*cte;
	int			 nfrom;
	int			 nsubject;
};

static int
compose_field(struct compose *c, const char *name, const char *value,
    struct smerr *e)
{
	struct mime_draft	*d = c->d;
	int			 r;

	if (!mime_fname_ok(name))
		return smerr_set(e, SMERR_INVAL, "not a header field name: "
		    "%.80s", name);
	if (strcasecmp(name, "from") == 0) {
		if (c->nfrom++ > 0)
			return smerr_set(e, SMERR_INVAL, "two From fields");
		return parse_addrs(d, A_FROM, value, e);
	}
	if (strcasecmp(name, "to") == 0)
		return parse_addrs(d, A_TO, value, e);
	if (strcasecmp(name, "cc") == 0)
		return parse_addrs(d, A_CC, value, e);
	if (strcasecmp(name, "bcc") == 0)
		return parse_addrs(d, A_BCC, value, e);
	if (strcasecmp(name, "reply-to") == 0)
		return parse_addrs(d, A_REPLY_TO, value, e);
	if (strcasecmp(name, "subject") == 0) {
		if (c->nsubject++ > 0)
			return smerr_set(e, SMERR_INVAL, "two Subject fields");
		return mime_subject_set(d, value, text_is_ascii(value), e);
	}
	if (strcasecmp(name, "date") == 0) {
		if (!text_is_ascii(value) || !mime_value_ok(value) ||
		    strlen(value) > 80)
			return smerr_set(e, SMERR_INVAL, "not a date: %.80s",
			    value);
		return mime_str_set(&d->date_raw, value, e);
	}
	if (strcasecmp(name, "message-id") == 0)
		return mime_draft_msgid(d, value, e);
	if (strcasecmp(name, "mime-version") == 0)
		return 0;
	if (strncasecmp(name, "content-", 8) == 0) {
		if (!text_is_ascii(value) || !mime_value_ok(value))
			return smerr_set(e, SMERR_INVAL, "%s: not ASCII", name);
		if (strcasecmp(name, "content-type") == 0 &&
		    (r = mime_str_set(&c->ct, value, e)) != 0)
			return r;
		if (strcasecmp(name, "content-transfer-encoding") == 0 &&
		    (r = mime_str_set(&c->cte, value, e)) != 0)
			return r;
		if (buf_printf(c->cfields, "%s: %s\r\n", name, value) != 0)
			return smerr_set(e, SMERR_LIMIT, "header too large");
		return 0;
	}
	return mime_field_push(d, name, value, text_is_ascii(value), e);
}

int
mime_compose(const void *text, size_t len, const char *def_name,
    const char *def_addr, struct mime_out **op, struct smerr *e)
{
	return mime_compose_attach(text, len, def_name, def_addr, NULL, 0, op,
	    e);
}

/*
 * Reads the header of the text the user wrote, one unfolded field at a time,
 * into c; *bodyp is where the body starts (the end when there is none).
 */
static int
compose_header(struct compose *c, const char *text, size_t len,
    const char **bodyp, struct smerr *e)
{
	struct mime_hdr	*h;
	const char	*name, *value;
	size_t		 nfields = 0, body, line;
	int		 r;

	*bodyp = text + len;
	if ((h = mime_hdr_new(text, len)) == NULL)
		return smerr_nomem(e);
	while ((r = mime_hdr_next(h, &name, &value, e)) > 0) {
		if (++nfields > MIME_BUILD_MAX_FIELDS) {
			r = smerr_set(e, SMERR_LIMIT, "too many header fields");
			break;
		}
		if ((r = compose_field(c, name, value, e)) != 0)
			break;
	}
	if (r == 0) {
		switch (mime_hdr_stop(h, NULL, &body, &line)) {
		case MIME_HDR_ORPHAN:
			r = smerr_set(e, SMERR_PARSE, "line %zu: "
			    "continuation without a field", line);
			break;
		case MIME_HDR_NOTFIELD:
			r = smerr_set(e, SMERR_PARSE, "line %zu: not a header "
			    "field", line);
			break;
		default:
			*bodyp = text + body;
		}
	}
	mime_hdr_free(h);
	return r;
}

/*
 * The body: plain text becomes the draft's text; a MIME body of the user's
 * own is kept whole, with the Content-* fields that describe it.
 */
static int
compose_body(struct compose *c, const char *body, size_t len,
    struct smerr *e)
{
	struct buf	*ent;
	int		 r;

	if (plain_text_type(c->ct, c->cte))
		return mime_draft_text(c->d, body, len, e);
	if ((ent = buf_new(MIME_BUILD_MAX_MSG)) == NULL)
		return smerr_nomem(e);
	if (buf_put(ent, buf_data(c->cfields), buf_len(c->cfields)) != 0 ||
	    buf_puts(ent, "\r\n") != 0 || buf_put(ent, body, len) != 0)
		r = smerr_set(e, SMERR_LIMIT, "the message is too large");
	else
		r = mime_draft_entity(c->d, buf_data(ent), buf_len(ent), e);
	buf_free(ent);
	return r;
}

int
mime_compose_attach(const void *text, size_t len, const char *def_name,
    const char *def_addr, const struct mime_attachment *att, size_t natt,
    struct mime_out **op, struct smerr *e)
{
	struct compose	 c;
	const char	*body, *end = (const char *)text + len;
	size_t		 i;
	int		 r = 0;

	*op = NULL;
	memset(&c, 0, sizeof(c));
	if ((c.d = mime_draft_new()) == NULL ||
	    (c.cfields = buf_new(MIME_BUILD_MAX_FIELD)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	if (memchr(text, '\0', len) != NULL) {
		r = smerr_set(e, SMERR_INVAL, "the message holds a NUL byte");
		goto out;
	}
	if ((r = compose_header(&c, text, len, &body, e)) != 0)
		goto out;
	if (c.d->from.addr == NULL) {
		if (def_addr == NULL) {
			r = smerr_set(e, SMERR_INVAL,
			    "the message has no From");
			goto out;
		}
		if ((r = mime_draft_from(c.d, def_name, def_addr, e)) != 0)
			goto out;
	}
	if (natt > 0 && !plain_text_type(c.ct, c.cte)) {
		r = smerr_set(e, SMERR_INVAL, "a message with a MIME body of "
		    "its own takes no attachments");
		goto out;
	}
	for (i = 0; i < natt && r == 0; i++)
		r = mime_draft_attach(c.d, att[i].filename, att[i].ctype,
		    att[i].data, att[i].len, e);
	if (r == 0)
		r = compose_body(&c, body, (size_t)(end - body), e);
	if (r == 0)
		r = mime_draft_build(c.d, op, e);
out:
	mime_draft_free(c.d);
	buf_free(c.cfields);
	free(c.ct);
	free(c.cte);
	return r;
}
