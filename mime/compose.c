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
#include "mime/mime.h"
#include "mime/build.h"
#include "mime/mime_int.h"

/*
 * Reading what a user wrote. The header section is unfolded field by
 * field; address fields are split at commas outside quotes, angle
 * brackets and comments, with groups flattened into their members.
 */

enum akind { A_FROM, A_TO, A_CC, A_BCC };

static char *
trim(char *s)
{
	char	*end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* Removes surrounding quotes and backslash escapes in place. */
static void
unquote(char *s)
{
	size_t	 n = strlen(s), i, j;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return;
	for (i = 1, j = 0; i < n - 1; i++) {
		if (s[i] == '\\' && i + 1 < n - 1)
			i++;
		s[j++] = s[i];
	}
	s[j] = '\0';
}

/* Drops (comments) outside quotes, in place. */
static void
drop_comments(char *s)
{
	size_t	 i, j;
	int	 depth = 0, inq = 0;

	for (i = j = 0; s[i] != '\0'; i++) {
		if (s[i] == '\\' && s[i + 1] != '\0' && (inq || depth)) {
			if (!depth) {
				s[j++] = s[i];
				s[j++] = s[i + 1];
			}
			i++;
			continue;
		}
		if (!depth && s[i] == '"')
			inq = !inq;
		if (!inq && s[i] == '(') {
			depth++;
			continue;
		}
		if (!inq && depth && s[i] == ')') {
			depth--;
			continue;
		}
		if (!depth)
			s[j++] = s[i];
	}
	s[j] = '\0';
}

static int
add_mailbox(struct mime_draft *d, enum akind kind, char *el, int *count,
    struct smerr *e)
{
	char	*lt, *gt, *name = NULL, *addr;
	int	 raw;

	drop_comments(el);
	el = trim(el);
	if (*el == '\0')
		return 0;
	if ((lt = strrchr(el, '<')) != NULL) {
		if ((gt = strchr(lt, '>')) == NULL || *trim(gt + 1) != '\0')
			return smerr_set(e, SMERR_INVAL,
			    "unbalanced <> in address %.80s", el);
		*gt = '\0';
		*lt = '\0';
		addr = trim(lt + 1);
		name = trim(el);
		unquote(name);
		if (*name == '\0')
			name = NULL;
	} else
		addr = el;
	raw = name != NULL && mime_is_ascii(name) && strstr(name, "=?") != NULL;
	(*count)++;
	switch (kind) {
	case A_FROM:
		if (*count > 1)
			return smerr_set(e, SMERR_INVAL,
			    "From names more than one mailbox");
		mime_addr_clear(&d->from);
		return mime_addr_set(&d->from, name, addr, raw, e);
	case A_TO:
		return mime_addr_push(d, &d->to, &d->nto, name, addr, raw, e);
	case A_CC:
		return mime_addr_push(d, &d->cc, &d->ncc, name, addr, raw, e);
	case A_BCC:
		return mime_draft_bcc(d, addr, e);
	}
	return 0;
}

static int
parse_addrs(struct mime_draft *d, enum akind kind, const char *v,
    struct smerr *e)
{
	char	*s, *start;
	size_t	 i;
	int	 inq = 0, ang = 0, depth = 0, count = 0, r = 0;
	char	 c;

	if ((s = strdup(v)) == NULL)
		return smerr_nomem(e);
	start = s;
	for (i = 0; s[i] != '\0' && r == 0; i++) {
		c = s[i];
		if (c == '\\' && s[i + 1] != '\0') {
			i++;
			continue;
		}
		if (c == '"' && depth == 0)
			inq = !inq;
		if (inq)
			continue;
		if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		if (depth > 0)
			continue;
		if (c == '<')
			ang = 1;
		else if (c == '>')
			ang = 0;
		else if (!ang && c == ':')
			start = s + i + 1;	/* a group's name */
		else if (!ang && (c == ',' || c == ';')) {
			s[i] = '\0';
			r = add_mailbox(d, kind, start, &count, e);
			start = s + i + 1;
		}
	}
	if (r == 0 && (inq || ang || depth))
		r = smerr_set(e, SMERR_INVAL, "unbalanced address list: %.80s",
		    v);
	if (r == 0)
		r = add_mailbox(d, kind, start, &count, e);
	if (r == 0 && kind == A_FROM && count != 1)
		r = smerr_set(e, SMERR_INVAL, "From names no mailbox");
	free(s);
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
compose_field(struct compose *c, char *name, char *value, struct smerr *e)
{
	struct mime_draft	*d = c->d;

	value = trim(value);
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
	if (strcasecmp(name, "subject") == 0) {
		if (c->nsubject++ > 0)
			return smerr_set(e, SMERR_INVAL, "two Subject fields");
		return mime_subject_set(d, value, mime_is_ascii(value), e);
	}
	if (strcasecmp(name, "date") == 0) {
		if (!mime_is_ascii(value) || !mime_value_ok(value) ||
		    strlen(value) > 80)
			return smerr_set(e, SMERR_INVAL, "not a date: %.80s",
			    value);
		free(d->date_raw);
		if ((d->date_raw = strdup(value)) == NULL)
			return smerr_nomem(e);
		return 0;
	}
	if (strcasecmp(name, "message-id") == 0)
		return mime_draft_msgid(d, value, e);
	if (strcasecmp(name, "mime-version") == 0)
		return 0;
	if (strncasecmp(name, "content-", 8) == 0) {
		if (!mime_is_ascii(value) || !mime_value_ok(value))
			return smerr_set(e, SMERR_INVAL, "%s: not ASCII", name);
		if (strcasecmp(name, "content-type") == 0) {
			free(c->ct);
			if ((c->ct = strdup(value)) == NULL)
				return smerr_nomem(e);
		}
		if (strcasecmp(name, "content-transfer-encoding") == 0) {
			free(c->cte);
			if ((c->cte = strdup(value)) == NULL)
				return smerr_nomem(e);
		}
		if (buf_printf(c->cfields, "%s: %s\r\n", name, value) != 0)
			return smerr_set(e, SMERR_LIMIT, "header too large");
		return 0;
	}
	return mime_field_push(d, name, value, mime_is_ascii(value), e);
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
	const char	*p = text, *end = p + len, *nl;
	struct buf	*field;
	char		*f, *colon;
	size_t		 ll, lineno = 0, nfields = 0;
	int		 r = 0, last;

	*bodyp = end;
	if ((field = buf_new(MIME_BUILD_MAX_FIELD)) == NULL)
		return smerr_nomem(e);
	/* One field is completed when the next line does not continue it. */
	for (;;) {
		last = p >= end;
		ll = 0;
		if (!last) {
			nl = memchr(p, '\n', (size_t)(end - p));
			ll = nl == NULL ? (size_t)(end - p) : (size_t)(nl - p);
			lineno++;
		}
		if (!last && ll > 0 && (p[0] == ' ' || p[0] == '\t')) {
			if (buf_len(field) == 0) {
				r = smerr_set(e, SMERR_PARSE, "line %zu: "
				    "continuation without a field", lineno);
				goto out;
			}
			if (buf_put(field, p, ll - (p[ll - 1] == '\r')) != 0) {
				r = smerr_set(e, SMERR_LIMIT, "line %zu: field "
				    "too long", lineno);
				goto out;
			}
			p += ll + (p + ll < end);
			continue;
		}
		if (buf_len(field) > 0) {
			if (++nfields > MIME_BUILD_MAX_FIELDS) {
				r = smerr_set(e, SMERR_LIMIT,
				    "too many header fields");
				goto out;
			}
			f = (char *)buf_data(field);
			colon = strchr(f, ':');
			*colon = '\0';
			if ((r = compose_field(c, trim(f), colon + 1, e)) != 0)
				goto out;
			buf_reset(field);
		}
		if (last)
			break;
		if (ll == 0 || (ll == 1 && p[0] == '\r')) {
			p += ll + (p + ll < end);
			*bodyp = p;
			break;
		}
		if (memchr(p, ':', ll) == NULL) {
			r = smerr_set(e, SMERR_PARSE, "line %zu: not a header "
			    "field", lineno);
			goto out;
		}
		if (buf_put(field, p, ll - (p[ll - 1] == '\r')) != 0) {
			r = smerr_set(e, SMERR_LIMIT,
			    "line %zu: field too long", lineno);
			goto out;
		}
		p += ll + (p + ll < end);
	}
out:
	buf_free(field);
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
