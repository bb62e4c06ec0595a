/*
 * mime/build.c: the draft API of build.h. A draft keeps what its setters
 * were given; mime_draft_build writes the outer fields (through the field
 * writer, field.c) and the canonical MIME entity: text as 7bit,
 * quoted-printable or base64, attachments, multipart/mixed, the Legacy
 * Display Element, and the multipart/signed and application/pkcs7-mime
 * entities around what crypto/ makes. Boundaries and Message-IDs come
 * from the kernel's random source.
 */
#include <sys/random.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/idn.h"
#include "base/secmem.h"
#include "base/text.h"
#include "base/vec.h"
#include "mime/mime.h"
#include "mime/build.h"
#include "mime/mime_int.h"

#define LINE_MAX_OCTETS	998
#define QP_COL		76
#define FILENAME_MAX_LEN 255

static int
random_fill(void *p, size_t n, struct smerr *e)
{
	uint8_t	*d = p;
	ssize_t	 got;

	while (n > 0) {
		got = getrandom(d, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return smerr_set(e, SMERR_IO, "no random source: %s",
			    strerror(errno));
		}
		d += got;
		n -= (size_t)got;
	}
	return 0;
}

/* n random characters of [a-z2-7] into s (n+1 bytes). */
static int
random_word(char *s, size_t n, struct smerr *e)
{
	static const char	 abc[] = "abcdefghijklmnopqrstuvwxyz234567";
	uint8_t			 r[64];
	size_t			 i;
	int			 rv;

	if (n > sizeof(r))
		return smerr_set(e, SMERR_INVAL, "random word too long");
	if ((rv = random_fill(r, n, e)) != 0)
		return rv;
	for (i = 0; i < n; i++)
		s[i] = abc[r[i] & 31];
	s[n] = '\0';
	secmem_wipe(r, sizeof(r));
	return 0;
}

void
mime_addr_clear(struct draft_addr *a)
{
	free(a->name);
	free(a->addr);
	a->name = a->addr = NULL;
}

void
mime_out_free(struct mime_out *o)
{
	if (o == NULL)
		return;
	free(o->from);
	vec_strv_free(o->rcpt, o->nrcpt);
	free(o->msgid);
	free(o->subject);
	buf_free(o->headers);
	buf_free(o->entity);
	buf_free(o->entity_ld);
	free(o);
}

struct mime_draft *
mime_draft_new(void)
{
	return calloc(1, sizeof(struct mime_draft));
}

void
mime_draft_free(struct mime_draft *d)
{
	size_t	 i;

	if (d == NULL)
		return;
	mime_addr_clear(&d->from);
	for (i = 0; i < d->nto; i++)
		mime_addr_clear(&d->to[i]);
	free(d->to);
	for (i = 0; i < d->ncc; i++)
		mime_addr_clear(&d->cc[i]);
	free(d->cc);
	vec_strv_free(d->bcc, d->nbcc);
	for (i = 0; i < d->nreply_to; i++)
		mime_addr_clear(&d->reply_to[i]);
	free(d->reply_to);
	free(d->subject);
	free(d->date_raw);
	free(d->msgid);
	for (i = 0; i < d->nfields; i++) {
		free(d->fields[i].name);
		free(d->fields[i].value);
	}
	free(d->fields);
	buf_free(d->text);
	for (i = 0; i < d->natt; i++) {
		free(d->att[i].filename);
		free(d->att[i].ctype);
		free(d->att[i].data);
	}
	free(d->att);
	buf_free(d->entity);
	free(d);
}

/*
 * The addr-spec addr as a message and its SMTP envelope carry it, into *ap
 * (the caller frees): a domain outside ASCII made A-labels (IDNA2008), so
 * that neither needs SMTPUTF8. A local part outside ASCII is refused: only
 * SMTPUTF8 (RFC 6531) carries one, and sealmail does not send it.
 */
static int
addr_alabels(const char *addr, char **ap, struct smerr *e)
{
	const char	*at, *p;
	char		*a;
	int		 r;

	*ap = NULL;
	if (text_is_ascii(addr))
		a = strdup(addr);
	else {
		if ((at = strrchr(addr, '@')) == NULL)
			at = addr + strlen(addr);
		for (p = addr; p < at; p++)
			if ((unsigned char)*p >= 0x80)
				return smerr_set(e, SMERR_INVAL, "%.80s: a local "
				    "part outside ASCII needs SMTPUTF8, which "
				    "sealmail does not send", addr);
		if ((r = idn_addr_alabels(addr, &a, e)) != 0)
			return r;
	}
	if (a == NULL)
		return smerr_nomem(e);
	if (!mime_addr_ok(a)) {
		free(a);
		return smerr_set(e, SMERR_INVAL, "not a usable address: %.80s",
		    addr);
	}
	*ap = a;
	return 0;
}

int
mime_addr_set(struct draft_addr *a, const char *name, const char *addr,
    int raw, struct smerr *e)
{
	int	r;

	if (name != NULL && (!mime_value_ok(name) ||
	    strlen(name) > 2 * MIME_TOKEN_MAX))
		return smerr_set(e, SMERR_INVAL,
		    "display name with control characters or too long");
	if ((r = addr_alabels(addr, &a->addr, e)) != 0)
		return r;
	if (name != NULL && (a->name = strdup(name)) == NULL) {
		mime_addr_clear(a);
		return smerr_nomem(e);
	}
	a->raw = raw;
	return 0;
}

static int
rcpt_count(const struct mime_draft *d)
{
	return (int)(d->nto + d->ncc + d->nbcc);
}

int
mime_addr_push(struct mime_draft *d, struct draft_addr **v, size_t *n,
    const char *name, const char *addr, int raw, struct smerr *e)
{
	struct draft_addr	*nv;
	int			 r;

	if (rcpt_count(d) >= MIME_BUILD_MAX_RCPT)
		return smerr_set(e, SMERR_LIMIT, "more than %d recipients",
		    MIME_BUILD_MAX_RCPT);
	if ((nv = reallocarray(*v, *n + 1, sizeof(**v))) == NULL)
		return smerr_nomem(e);
	*v = nv;
	memset(&nv[*n], 0, sizeof(nv[*n]));
	if ((r = mime_addr_set(&nv[*n], name, addr, raw, e)) != 0)
		return r;
	(*n)++;
	return 0;
}

int
mime_draft_from(struct mime_draft *d, const char *name, const char *addr,
    struct smerr *e)
{
	mime_addr_clear(&d->from);
	return mime_addr_set(&d->from, name, addr, 0, e);
}

int
mime_draft_to(struct mime_draft *d, const char *name, const char *addr,
    struct smerr *e)
{
	return mime_addr_push(d, &d->to, &d->nto, name, addr, 0, e);
}

int
mime_draft_cc(struct mime_draft *d, const char *name, const char *addr,
    struct smerr *e)
{
	return mime_addr_push(d, &d->cc, &d->ncc, name, addr, 0, e);
}

int
mime_draft_bcc(struct mime_draft *d, const char *addr, struct smerr *e)
{
	char	*a;
	int	 r;

	if ((r = addr_alabels(addr, &a, e)) != 0)
		return r;
	if (rcpt_count(d) >= MIME_BUILD_MAX_RCPT)
		r = smerr_set(e, SMERR_LIMIT, "more than %d recipients",
		    MIME_BUILD_MAX_RCPT);
	else if (vec_strv_add(&d->bcc, &d->nbcc, a, strlen(a)) != 0)
		r = smerr_nomem(e);
	free(a);
	return r;
}

int
mime_str_set(char **sp, const char *s, struct smerr *e)
{
	char	*c;

	if ((c = strdup(s)) == NULL)
		return smerr_nomem(e);
	free(*sp);
	*sp = c;
	return 0;
}

int
mime_subject_set(struct mime_draft *d, const char *s, int raw, struct smerr *e)
{
	int	r;

	if (!mime_value_ok(s) || strlen(s) > MIME_BUILD_MAX_FIELD)
		return smerr_set(e, SMERR_INVAL,
		    "subject with control characters or too long");
	if ((r = mime_str_set(&d->subject, s, e)) != 0)
		return r;
	d->subject_raw = raw;
	return 0;
}

int
mime_draft_subject(struct mime_draft *d, const char *subject,
    struct smerr *e)
{
	return mime_subject_set(d, subject, 0, e);
}

void
mime_draft_date(struct mime_draft *d, time_t t)
{
	d->date = t;
	d->has_date = 1;
}

static int
msgid_ok(const char *m)
{
	size_t	 n = strlen(m);
	const char *at;

	if (n < 5 || n > 250 || m[0] != '<' || m[n - 1] != '>' ||
	    (at = strchr(m, '@')) == NULL || at == m + 1 || at[1] == '>')
		return 0;
	for (m++; m[1] != '\0'; m++)
		if (*m != '@' && *m != '.' &&
		    !mime_is_atext((unsigned char)*m) && *m != '[' &&
		    *m != ']')
			return 0;
	return 1;
}

int
mime_draft_msgid(struct mime_draft *d, const char *msgid, struct smerr *e)
{
	if (!msgid_ok(msgid))
		return smerr_set(e, SMERR_INVAL, "not a Message-ID: %.80s",
		    msgid);
	return mime_str_set(&d->msgid, msgid, e);
}

int
mime_fname_ok(const char *n)
{
	if (*n == '\0' || strlen(n) > 76)
		return 0;
	for (; *n != '\0'; n++)
		if (*n <= 32 || *n >= 127 || *n == ':')
			return 0;
	return 1;
}

static int
field_reserved(const char *n)
{
	static const char	*res[] = { "from", "to", "cc", "bcc",
		"subject", "date", "message-id", "mime-version", NULL };
	size_t			 i;

	if (strncasecmp(n, "content-", 8) == 0)
		return 1;
	for (i = 0; res[i] != NULL; i++)
		if (strcasecmp(n, res[i]) == 0)
			return 1;
	return 0;
}

int
mime_field_push(struct mime_draft *d, const char *name, const char *value,
    int raw, struct smerr *e)
{
	struct draft_field	*nv;

	if (!mime_fname_ok(name))
		return smerr_set(e, SMERR_INVAL,
		    "not a header field name: %.80s", name);
	if (!mime_value_ok(value) || strlen(value) > MIME_BUILD_MAX_FIELD)
		return smerr_set(e, SMERR_INVAL,
		    "%s: control characters or too long", name);
	if (d->nfields >= MIME_BUILD_MAX_FIELDS)
		return smerr_set(e, SMERR_LIMIT, "too many header fields");
	if ((nv = reallocarray(d->fields, d->nfields + 1, sizeof(*nv))) ==
	    NULL)
		return smerr_nomem(e);
	d->fields = nv;
	nv[d->nfields].raw = raw;
	if ((nv[d->nfields].name = strdup(name)) == NULL ||
	    (nv[d->nfields].value = strdup(value)) == NULL) {
		free(nv[d->nfields].name);
		return smerr_nomem(e);
	}
	d->nfields++;
	return 0;
}

int
mime_draft_field(struct mime_draft *d, const char *name, const char *value,
    struct smerr *e)
{
	if (field_reserved(name))
		return smerr_set(e, SMERR_INVAL, "%.80s: set by its own call",
		    name);
	return mime_field_push(d, name, value, 0, e);
}

int
mime_draft_text(struct mime_draft *d, const void *text, size_t len,
    struct smerr *e)
{
	if (!text_utf8_valid(text, len))
		return smerr_set(e, SMERR_INVAL, "the text is not UTF-8");
	if (memchr(text, '\0', len) != NULL)
		return smerr_set(e, SMERR_INVAL, "the text holds a NUL byte");
	buf_free(d->text);
	if ((d->text = buf_new(MIME_BUILD_MAX_MSG)) == NULL)
		return smerr_nomem(e);
	if (buf_put(d->text, text, len) != 0)
		return smerr_set(e, SMERR_LIMIT, "the text is too long");
	return 0;
}

static int
ctype_ok(const char *c)
{
	const char	*slash = strchr(c, '/');

	if (slash == NULL || slash == c || slash[1] == '\0' ||
	    strlen(c) > 127 || strchr(slash + 1, '/') != NULL)
		return 0;
	for (; *c != '\0'; c++)
		if (*c != '/' && !isalnum((unsigned char)*c) &&
		    strchr("!#$&-^_.+", *c) == NULL)
			return 0;
	return 1;
}

int
mime_draft_attach(struct mime_draft *d, const char *filename,
    const char *ctype, const void *data, size_t len, struct smerr *e)
{
	struct draft_attach	*nv, *a;

	if (ctype == NULL)
		ctype = "application/octet-stream";
	if (!ctype_ok(ctype))
		return smerr_set(e, SMERR_INVAL, "not a content type: %.80s",
		    ctype);
	if (filename != NULL && (!mime_value_ok(filename) ||
	    strlen(filename) > FILENAME_MAX_LEN))
		return smerr_set(e, SMERR_INVAL,
		    "file name with control characters or too long");
	if (d->natt >= MIME_BUILD_MAX_ATTACH)
		return smerr_set(e, SMERR_LIMIT, "too many attachments");
	if (len > MIME_BUILD_MAX_MSG / 2)
		return smerr_set(e, SMERR_LIMIT, "attachment too large");
	if ((nv = reallocarray(d->att, d->natt + 1, sizeof(*nv))) == NULL)
		return smerr_nomem(e);
	d->att = nv;
	a = &nv[d->natt];
	memset(a, 0, sizeof(*a));
	if ((a->ctype = strdup(ctype)) == NULL ||
	    (filename != NULL && (a->filename = strdup(filename)) == NULL) ||
	    (a->data = malloc(len + 1)) == NULL) {
		free(a->ctype);
		free(a->filename);
		return smerr_nomem(e);
	}
	if (len > 0)
		memcpy(a->data, data, len);
	a->len = len;
	d->natt++;
	return 0;
}

/* Appends p with every line end made CRLF; a last line gets one too. */
static void
put_crlf_lines(struct wr *w, const uint8_t *p, size_t len)
{
	size_t	 i, start = 0;

	for (i = 0; i < len; i++) {
		if (p[i] != '\n')
			continue;
		mime_wr_put(w, p + start, (i > start && p[i - 1] == '\r') ?
		    i - 1 - start : i - start);
		mime_wr_puts(w, "\r\n");
		start = i + 1;
	}
	if (start < len) {
		mime_wr_put(w, p + start, len - start);
		mime_wr_puts(w, "\r\n");
	}
}

int
mime_is_canonical(const void *v, size_t len)
{
	const uint8_t	*p = v;
	size_t		 i, col = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == '\r') {
			if (i + 1 >= len || p[i + 1] != '\n')
				return 0;
			i++;
			col = 0;
			continue;
		}
		if (p[i] == '\n' || p[i] == '\0' || p[i] >= 0x80 ||
		    ++col > LINE_MAX_OCTETS)
			return 0;
	}
	return len == 0 || (len >= 2 && p[len - 1] == '\n');
}

int
mime_draft_entity(struct mime_draft *d, const void *entity, size_t len,
    struct smerr *e)
{
	struct wr	 w;

	buf_free(d->entity);
	if ((d->entity = buf_new(MIME_BUILD_MAX_MSG)) == NULL)
		return smerr_nomem(e);
	w.b = d->entity;
	w.col = 0;
	w.r = 0;
	put_crlf_lines(&w, entity, len);
	if (w.r != 0)
		return smerr_set(e, w.r, "the entity is too large");
	if (!mime_is_canonical(buf_data(d->entity), buf_len(d->entity)))
		return smerr_set(e, SMERR_INVAL, "the MIME entity is not 7-bit "
		    "with lines of at most 998 octets; encode it first");
	return 0;
}

/* Quoted-printable of CRLF-canonical lines at p. */
static void
put_qp(struct wr *w, const uint8_t *p, size_t len)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 i, col = 0;
	char			 t[4];
	int			 enc, n;
	uint8_t			 c;

	for (i = 0; i < len; i++) {
		c = p[i];
		if (c == '\r' && i + 1 < len && p[i + 1] == '\n') {
			mime_wr_puts(w, "\r\n");
			i++;
			col = 0;
			continue;
		}
		enc = c < 32 || c >= 127 || c == '=';
		if ((c == ' ' || c == '\t') && (i + 1 == len ||
		    (p[i + 1] == '\r' && i + 2 < len && p[i + 2] == '\n')))
			enc = 1;
		if (col == 0 && (c == '.' || (c == 'F' && len - i >= 5 &&
		    memcmp(p + i, "From ", 5) == 0)))
			enc = 1;
		n = enc ? 3 : 1;
		if (col + n > QP_COL - 1) {
			mime_wr_puts(w, "=\r\n");
			col = 0;
			if (c == '.' || (c == 'F' && len - i >= 5 &&
			    memcmp(p + i, "From ", 5) == 0)) {
				enc = 1;
				n = 3;
			}
		}
		if (enc) {
			t[0] = '=';
			t[1] = hex[c >> 4];
			t[2] = hex[c & 15];
			mime_wr_put(w, t, 3);
		} else
			mime_wr_put(w, &c, 1);
		col += (size_t)n;
	}
}

/* Chooses 7bit, quoted-printable or base64 for canonical text. */
static const char *
text_encoding(const uint8_t *p, size_t len)
{
	size_t	 i, col = 0, high = 0;
	int	 plain = 1;

	for (i = 0; i < len; i++) {
		if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n') {
			if (i > 0 && (p[i - 1] == ' ' || p[i - 1] == '\t'))
				plain = 0;
			col = 0;
			i++;
			continue;
		}
		if (p[i] >= 0x80)
			high++;
		if (p[i] >= 0x80 || p[i] < 0x20 || p[i] == 0x7f ||
		    ++col > QP_COL)
			plain = 0;
		if (col == 1 && (p[i] == '.' || (p[i] == 'F' &&
		    len - i >= 5 && memcmp(p + i, "From ", 5) == 0)))
			plain = 0;
	}
	if (plain)
		return "7bit";
	return high * 3 > len ? "base64" : "quoted-printable";
}

/*
 * The text part; with ld (a decoded Subject) it starts with a Legacy
 * Display Element (RFC 9788 4.5.3) and says so in hp-legacy-display.
 */
static void
put_text_entity(struct wr *w, const struct buf *text, const char *ld)
{
	struct buf	*c;
	struct wr	 cw;
	const char	*enc;

	if ((c = buf_new(MIME_BUILD_MAX_MSG)) == NULL) {
		w->r = SMERR_NOMEM;
		return;
	}
	cw.b = c;
	cw.col = 0;
	cw.r = 0;
	if (ld != NULL) {
		mime_wr_puts(&cw, "Subject: ");
		mime_wr_puts(&cw, ld);
		mime_wr_puts(&cw, "\r\n\r\n");
	}
	if (text != NULL)
		put_crlf_lines(&cw, buf_data(text), buf_len(text));
	if (cw.r != 0) {
		w->r = cw.r;
		buf_free(c);
		return;
	}
	enc = text_encoding(buf_data(c), buf_len(c));
	mime_wr_puts(w, "Content-Type: text/plain; charset=utf-8");
	if (ld != NULL)
		mime_wr_puts(w, "; hp-legacy-display=\"1\"");
	mime_wr_puts(w, "\r\nContent-Transfer-Encoding: ");
	mime_wr_puts(w, enc);
	mime_wr_puts(w, "\r\n\r\n");
	if (strcmp(enc, "7bit") == 0)
		mime_wr_put(w, buf_data(c), buf_len(c));
	else if (strcmp(enc, "base64") == 0) {
		if (w->r == 0)
			w->r = mime_base64_put(w->b, buf_data(c), buf_len(c));
	} else
		put_qp(w, buf_data(c), buf_len(c));
	buf_free(c);
}

/* filename="..." or, when not plain ASCII, RFC 2231 filename*=utf-8''... */
static void
put_filename_param(struct wr *w, const char *param, const char *fn)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			 t[3];
	int			 plain = 1;

	for (p = (const unsigned char *)fn; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			plain = 0;
	mime_wr_puts(w, ";\r\n\t");
	mime_wr_puts(w, param);
	if (plain) {
		mime_wr_puts(w, "=\"");
		mime_wr_puts(w, fn);
		mime_wr_puts(w, "\"");
		return;
	}
	mime_wr_puts(w, "*=utf-8''");
	for (p = (const unsigned char *)fn; *p != '\0'; p++) {
		if (isalnum(*p) || strchr("!#$&+-.^_`|~", *p) != NULL)
			mime_wr_put(w, p, 1);
		else {
			t[0] = '%';
			t[1] = hex[*p >> 4];
			t[2] = hex[*p & 15];
			mime_wr_put(w, t, 3);
		}
	}
}

static void
put_attachment(struct wr *w, const struct draft_attach *a)
{
	mime_wr_puts(w, "Content-Type: ");
	mime_wr_puts(w, a->ctype);
	if (a->filename != NULL)
		put_filename_param(w, "name", a->filename);
	mime_wr_puts(w, "\r\nContent-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment");
	if (a->filename != NULL)
		put_filename_param(w, "filename", a->filename);
	mime_wr_puts(w, "\r\n\r\n");
	if (w->r == 0)
		w->r = mime_base64_put(w->b, a->data, a->len);
}

/* A boundary that occurs in none of the n blocks. */
static int
new_boundary(char *bd, size_t bdlen, const struct buf **parts, size_t n,
    struct smerr *e)
{
	size_t	 i, tries;
	int	 r, clash;

	if (bdlen < 36)
		return smerr_set(e, SMERR_INVAL, "boundary buffer too small");
	for (tries = 0; tries < 8; tries++) {
		memcpy(bd, "=_sm", 4);
		if ((r = random_word(bd + 4, 30, e)) != 0)
			return r;
		clash = 0;
		for (i = 0; i < n && !clash; i++)
			clash = memmem(buf_data(parts[i]), buf_len(parts[i]),
			    bd, strlen(bd)) != NULL;
		if (!clash)
			return 0;
	}
	return smerr_set(e, SMERR_INVAL,
	    "no boundary found outside the content");
}

static int
build_entity(struct mime_draft *d, const char *ld, struct buf **ep,
    struct smerr *e)
{
	struct buf		*ent = NULL, **parts = NULL;
	const struct buf	**views = NULL;
	struct wr		 w;
	char			 bd[40];
	size_t			 i, np = d->natt + 1;
	int			 r = 0;

	*ep = NULL;
	if (d->entity != NULL) {
		/* A copy: the draft may be built again. */
		if ((ent = buf_new(MIME_BUILD_MAX_MSG)) == NULL || buf_put(ent,
		    buf_data(d->entity), buf_len(d->entity)) != 0) {
			buf_free(ent);
			return smerr_nomem(e);
		}
		*ep = ent;
		return 0;
	}
	if ((ent = buf_new(MIME_BUILD_MAX_MSG)) == NULL)
		return smerr_nomem(e);
	w.b = ent;
	w.col = 0;
	w.r = 0;
	if (d->natt == 0) {
		put_text_entity(&w, d->text, ld);
		if ((r = w.r) != 0)
			goto out;
		*ep = ent;
		return 0;
	}
	if ((parts = calloc(np, sizeof(*parts))) == NULL ||
	    (views = calloc(np, sizeof(*views))) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	for (i = 0; i < np; i++) {
		struct wr	 pw;

		if ((parts[i] = buf_new(MIME_BUILD_MAX_MSG)) == NULL) {
			r = smerr_nomem(e);
			goto out;
		}
		pw.b = parts[i];
		pw.col = 0;
		pw.r = 0;
		if (i == 0)
			put_text_entity(&pw, d->text, ld);
		else
			put_attachment(&pw, &d->att[i - 1]);
		if ((r = pw.r) != 0)
			goto out;
		views[i] = parts[i];
	}
	if ((r = new_boundary(bd, sizeof(bd), views, np, e)) != 0)
		goto out;
	mime_wr_puts(&w, "Content-Type: multipart/mixed; boundary=\"");
	mime_wr_puts(&w, bd);
	mime_wr_puts(&w, "\"\r\n\r\n");
	for (i = 0; i < np; i++) {
		mime_wr_puts(&w, "--");
		mime_wr_puts(&w, bd);
		mime_wr_puts(&w, "\r\n");
		mime_wr_put(&w, buf_data(parts[i]), buf_len(parts[i]));
		mime_wr_puts(&w, "\r\n");
	}
	mime_wr_puts(&w, "--");
	mime_wr_puts(&w, bd);
	mime_wr_puts(&w, "--\r\n");
	if ((r = w.r) != 0)
		goto out;
	*ep = ent;
	ent = NULL;
out:
	if (r != 0)
		smerr_set(e, r, "the message is too large");
	if (parts != NULL)
		for (i = 0; i < np; i++)
			buf_free(parts[i]);
	free(parts);
	free(views);
	buf_free(ent);
	return r;
}

/*
 * The entity again with a Legacy Display Element naming the Subject, for
 * a reader whose program shows only the outer "[...]" of an encrypted
 * message. A Subject of control characters once decoded goes without.
 */
static int
build_entity_ld(struct mime_draft *d, struct buf **ep, struct smerr *e)
{
	struct buf	*s;
	const char	*subj = d->subject != NULL ? d->subject : "";
	int		 r;

	*ep = NULL;
	if ((s = buf_new(MIME_BUILD_MAX_FIELD * 4)) == NULL)
		return smerr_nomem(e);
	if (d->subject_raw)
		r = mime_header_decode(subj, s, e);
	else
		r = buf_puts(s, subj) == 0 ? 0 : smerr_nomem(e);
	if (r == 0 && mime_value_ok(buf_str(s)))
		r = build_entity(d, buf_str(s), ep, e);
	buf_free(s);
	return r;
}

static int
rcpt_add(struct mime_out *o, const char *a, struct smerr *e)
{
	size_t	 i;

	for (i = 0; i < o->nrcpt; i++)
		if (strcasecmp(o->rcpt[i], a) == 0)
			return 0;
	if ((o->rcpt[o->nrcpt] = strdup(a)) == NULL)
		return smerr_nomem(e);
	o->nrcpt++;
	return 0;
}

int
mime_draft_build(struct mime_draft *d, struct mime_out **op, struct smerr *e)
{
	struct mime_out	*o;
	struct wr	 w;
	char		 rnd[32], *dom;
	size_t		 i, n;
	int		 r;

	*op = NULL;
	if (d->from.addr == NULL)
		return smerr_set(e, SMERR_INVAL, "the message has no From");
	if (rcpt_count(d) == 0)
		return smerr_set(e, SMERR_INVAL,
		    "the message has no recipient");
	if ((o = calloc(1, sizeof(*o))) == NULL ||
	    (o->rcpt = calloc((size_t)rcpt_count(d), sizeof(char *))) == NULL ||
	    (o->from = strdup(d->from.addr)) == NULL ||
	    (o->headers = buf_new(MIME_BUILD_MAX_MSG)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	for (i = 0; i < d->nto; i++)
		if ((r = rcpt_add(o, d->to[i].addr, e)) != 0)
			goto out;
	for (i = 0; i < d->ncc; i++)
		if ((r = rcpt_add(o, d->cc[i].addr, e)) != 0)
			goto out;
	n = o->nrcpt;
	for (i = 0; i < d->nbcc; i++)
		if ((r = rcpt_add(o, d->bcc[i], e)) != 0)
			goto out;
	o->nbcc = o->nrcpt - n;
	if (d->msgid != NULL)
		o->msgid = strdup(d->msgid);
	else {
		if ((r = random_word(rnd, 26, e)) != 0)
			goto out;
		dom = strchr(d->from.addr, '@') + 1;
		n = strlen(rnd) + strlen(dom) + 4;
		if ((o->msgid = malloc(n)) != NULL)
			snprintf(o->msgid, n, "<%s@%s>", rnd, dom);
	}
	o->subject = strdup(d->subject != NULL ? d->subject : "");
	if (o->msgid == NULL || o->subject == NULL) {
		r = smerr_nomem(e);
		goto out;
	}

	w.b = o->headers;
	w.col = 0;
	w.r = 0;
	mime_put_addr_field(&w, "From", &d->from, 1);
	mime_put_addr_field(&w, "To", d->to, d->nto);
	mime_put_addr_field(&w, "Cc", d->cc, d->ncc);
	mime_wr_puts(&w, "Subject:");
	mime_put_unstructured(&w, d->subject != NULL ? d->subject : "",
	    d->subject_raw);
	mime_wr_puts(&w, "\r\n");
	if (d->date_raw != NULL) {
		mime_wr_puts(&w, "Date: ");
		mime_wr_puts(&w, d->date_raw);
		mime_wr_puts(&w, "\r\n");
	} else
		mime_put_date(&w, d->has_date ? d->date : time(NULL));
	mime_wr_puts(&w, "Message-ID: ");
	mime_wr_puts(&w, o->msgid);
	mime_wr_puts(&w, "\r\n");
	mime_put_addr_field(&w, "Reply-To", d->reply_to, d->nreply_to);
	for (i = 0; i < d->nfields; i++) {
		mime_wr_puts(&w, d->fields[i].name);
		mime_wr_puts(&w, ":");
		mime_put_unstructured(&w, d->fields[i].value, d->fields[i].raw);
		mime_wr_puts(&w, "\r\n");
	}
	mime_wr_puts(&w, "MIME-Version: 1.0\r\n");
	if ((r = w.r) != 0) {
		smerr_set(e, r, "header fields too large");
		goto out;
	}
	if ((r = build_entity(d, NULL, &o->entity, e)) != 0 ||
	    (d->entity == NULL && (r = build_entity_ld(d, &o->entity_ld,
	    e)) != 0))
		goto out;
	if (!mime_is_canonical(buf_data(o->headers), buf_len(o->headers)) ||
	    !mime_is_canonical(buf_data(o->entity), buf_len(o->entity)) ||
	    (o->entity_ld != NULL && !mime_is_canonical(
	    buf_data(o->entity_ld), buf_len(o->entity_ld)))) {
		r = smerr_set(e, SMERR_INVAL, "a header line would pass 998 "
		    "octets");
		goto out;
	}
	*op = o;
	o = NULL;
out:
	mime_out_free(o);
	return r;
}

int
mime_signed_entity(const struct buf *entity, const uint8_t *sig,
    size_t siglen, struct buf **outp, struct smerr *e)
{
	const struct buf	*parts[1];
	struct buf		*o;
	struct wr		 w;
	char			 bd[40];
	int			 r;

	*outp = NULL;
	if (!mime_is_canonical(buf_data(entity), buf_len(entity)))
		return smerr_set(e, SMERR_INVAL, "the entity to sign is not "
		    "canonical");
	parts[0] = entity;
	if ((r = new_boundary(bd, sizeof(bd), parts, 1, e)) != 0)
		return r;
	if ((o = buf_new(MIME_BUILD_MAX_MSG)) == NULL)
		return smerr_nomem(e);
	w.b = o;
	w.col = 0;
	w.r = 0;
	mime_wr_puts(&w, "Content-Type: multipart/signed;\r\n"
	    "\tprotocol=\"application/pkcs7-signature\";\r\n"
	    "\tmicalg=sha-256;\r\n\tboundary=\"");
	mime_wr_puts(&w, bd);
	mime_wr_puts(&w, "\"\r\n\r\n"
	    "This is a cryptographically signed message in MIME format.\r\n"
	    "\r\n--");
	mime_wr_puts(&w, bd);
	mime_wr_puts(&w, "\r\n");
	mime_wr_put(&w, buf_data(entity), buf_len(entity));
	mime_wr_puts(&w, "\r\n--");
	mime_wr_puts(&w, bd);
	mime_wr_puts(&w, "\r\nContent-Type: application/pkcs7-signature; "
	    "name=smime.p7s\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=smime.p7s\r\n"
	    "Content-Description: S/MIME Cryptographic Signature\r\n\r\n");
	if (w.r == 0)
		w.r = mime_base64_put(o, sig, siglen);
	mime_wr_puts(&w, "\r\n--");
	mime_wr_puts(&w, bd);
	mime_wr_puts(&w, "--\r\n");
	if ((r = w.r) != 0) {
		buf_free(o);
		return smerr_set(e, r, "the signed message is too large");
	}
	*outp = o;
	return 0;
}

int
mime_smime_entity(const uint8_t *der, size_t len, const char *smime_type,
    struct buf **outp, struct smerr *e)
{
	struct buf	*o;
	struct wr	 w;

	*outp = NULL;
	if (strcmp(smime_type, "enveloped-data") != 0 &&
	    strcmp(smime_type, "authEnveloped-data") != 0 &&
	    strcmp(smime_type, "signed-data") != 0 &&
	    strcmp(smime_type, "compressed-data") != 0)
		return smerr_set(e, SMERR_INVAL, "unknown smime-type %.40s",
		    smime_type);
	if ((o = buf_new(MIME_BUILD_MAX_MSG)) == NULL)
		return smerr_nomem(e);
	w.b = o;
	w.col = 0;
	w.r = 0;
	mime_wr_puts(&w,
	    "Content-Type: application/pkcs7-mime;\r\n\tsmime-type=");
	mime_wr_puts(&w, smime_type);
	mime_wr_puts(&w, "; name=smime.p7m\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=smime.p7m\r\n"
	    "Content-Description: S/MIME Cryptographic Message\r\n\r\n");
	if (w.r == 0)
		w.r = mime_base64_put(o, der, len);
	if (w.r != 0) {
		buf_free(o);
		return smerr_set(e, SMERR_LIMIT, "the S/MIME entity is too "
		    "large");
	}
	*outp = o;
	return 0;
}

int
mime_join(const struct buf *headers, const struct buf *entity,
    struct buf **outp, struct smerr *e)
{
	struct buf	*o;

	*outp = NULL;
	if ((o = buf_new(MIME_BUILD_MAX_MSG)) == NULL)
		return smerr_nomem(e);
	if (buf_put(o, buf_data(headers), buf_len(headers)) != 0 ||
	    buf_put(o, buf_data(entity), buf_len(entity)) != 0) {
		buf_free(o);
		return smerr_set(e, SMERR_LIMIT, "the message is too large");
	}
	*outp = o;
	return 0;
}
