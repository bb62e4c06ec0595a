/*
 * Writing messages. Nothing here goes through libetpan's writer: it cuts
 * lines of 998 octets or more, writes wrong time zones and draws
 * boundaries from an unseeded random(). Instead every byte is written
 * here, into bounded buffers, through a small writer that remembers the
 * first error (struct wr) so that a long run of appends is checked once.
 *
 * Header fields are folded at whitespace to stay near 78 columns and never
 * past 998. Values that are not plain ASCII, or that an unfolding reader
 * could mistake for encoded words, are written as RFC 2047 "B" words of
 * whole UTF-8 characters.
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
#include "base/secmem.h"
#include "base/text.h"
#include "mime/mime.h"
#include "mime/build.h"

#define FOLD_COL	78
#define LINE_MAX_OCTETS	998
#define TOKEN_MAX	900		/* longest unbreakable token */
#define QP_COL		76
#define EW_RAW		45		/* UTF-8 bytes per encoded word */
#define BUILD_MAX	(64UL * 1024 * 1024)
#define ADDR_MAX	254
#define FILENAME_MAX_LEN 255

struct addr {
	char	*name;
	char	*addr;
	int	 raw;		/* name already RFC 2047/5322 ASCII */
};

struct field {
	char	*name;
	char	*value;
	int	 raw;
};

struct attach {
	char	*filename;
	char	*ctype;
	uint8_t	*data;
	size_t	 len;
};

struct mime_draft {
	struct addr	 from;
	struct addr	*to;
	size_t		 nto;
	struct addr	*cc;
	size_t		 ncc;
	char		**bcc;
	size_t		 nbcc;
	char		*subject;
	int		 subject_raw;
	time_t		 date;
	int		 has_date;
	char		*date_raw;
	char		*msgid;
	struct field	*fields;
	size_t		 nfields;
	struct buf	*text;
	struct attach	*att;
	size_t		 natt;
	struct buf	*entity;
};

/* A writer that keeps the first error; later appends do nothing. */
struct wr {
	struct buf	*b;
	size_t		 col;
	int		 r;
};

static void
wr_put(struct wr *w, const void *p, size_t len)
{
	const uint8_t	*s = p;
	size_t		 i;

	if (w->r != 0)
		return;
	w->r = buf_put(w->b, p, len);
	for (i = 0; i < len; i++)
		w->col = s[i] == '\n' ? 0 : w->col + 1;
}

static void
wr_puts(struct wr *w, const char *s)
{
	wr_put(w, s, strlen(s));
}

/*
 * Appends one header token, preceded by a space (or by a fold when it
 * would pass FOLD_COL). sep 0 glues the token to what precedes it.
 */
/* 1 when nothing but a field name stands on the current line. */
static int
wr_at_name(const struct wr *w)
{
	size_t	 n = buf_len(w->b);

	return n > 0 && buf_data(w->b)[n - 1] == ':';
}

static void
wr_token(struct wr *w, const char *s, size_t len, int sep)
{
	if (sep) {
		if (w->col + 1 + len > FOLD_COL && w->col > 1 &&
		    !wr_at_name(w))
			wr_puts(w, "\r\n ");
		else
			wr_puts(w, " ");
	}
	wr_put(w, s, len);
}

static int
is_atext(int c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* A value fit for a header: UTF-8, no controls but TAB. */
static int
value_ok(const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
	return text_utf8_valid(s, strlen(s));
}

/* A dot-atom addr-spec, ASCII, exactly one '@'. */
static int
addr_ok(const char *a)
{
	const char	*at, *p;
	size_t		 n = strlen(a);

	if (n == 0 || n > ADDR_MAX || (at = strchr(a, '@')) == NULL ||
	    strchr(at + 1, '@') != NULL || at == a || at[1] == '\0')
		return 0;
	for (p = a; *p != '\0'; p++) {
		if (p == at)
			continue;
		if (*p == '.') {
			if (p == a || p[1] == '\0' || p[1] == '.' ||
			    p[1] == '@' || p[-1] == '@')
				return 0;
			continue;
		}
		if (!is_atext((unsigned char)*p))
			return 0;
	}
	return 1;
}

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

int
mime_base64_put(struct buf *out, const uint8_t *p, size_t len)
{
	static const char	 b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct wr		 w = { out, 0, 0 };
	char			 q[4];
	size_t			 i, col = 0;
	uint32_t		 v;

	for (i = 0; i < len; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		q[0] = b64[(v >> 18) & 63];
		q[1] = b64[(v >> 12) & 63];
		q[2] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		q[3] = i + 2 < len ? b64[v & 63] : '=';
		wr_put(&w, q, 4);
		col += 4;
		if (col >= 76) {
			wr_puts(&w, "\r\n");
			col = 0;
		}
	}
	if (col > 0)
		wr_puts(&w, "\r\n");
	return w.r;
}

/* Base64 without line breaks, for encoded words. */
static void
b64_word(struct wr *w, const uint8_t *p, size_t len)
{
	struct buf	*t;
	const uint8_t	*d;
	size_t		 i, n;

	if (w->r != 0)
		return;
	if ((t = buf_new(len * 2 + 16)) == NULL) {
		w->r = SMERR_NOMEM;
		return;
	}
	if ((w->r = mime_base64_put(t, p, len)) == 0) {
		d = buf_data(t);
		n = buf_len(t);
		for (i = 0; i < n; i++)
			if (d[i] != '\r' && d[i] != '\n')
				wr_put(w, d + i, 1);
	}
	buf_free(t);
}

/* Writes s as RFC 2047 B-encoded words, each holding whole characters. */
static void
put_encoded_words(struct wr *w, const char *s, int sep)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len = strlen(s), off = 0, n, k, width;
	unsigned		 cp;

	while (off < len) {
		n = 0;
		while (off + n < len) {
			k = text_utf8_decode(p + off + n, len - off - n, &cp);
			if (k == 0)
				k = 1;
			if (n + k > EW_RAW)
				break;
			n += k;
		}
		width = 12 + 4 * ((n + 2) / 3);
		if (sep) {
			if (w->col + 1 + width > FOLD_COL && w->col > 1 &&
			    !wr_at_name(w))
				wr_puts(w, "\r\n ");
			else
				wr_puts(w, " ");
		}
		wr_puts(w, "=?UTF-8?B?");
		b64_word(w, p + off, n);
		wr_puts(w, "?=");
		off += n;
		sep = 1;
	}
}

/*
 * Plain ASCII text that an unfolding reader gives back unchanged: single
 * spaces between words, no "=?", no word longer than TOKEN_MAX.
 */
static int
plain_words(const char *s)
{
	size_t	 run = 0;

	if (!is_ascii(s) || strstr(s, "=?") != NULL || s[0] == ' ')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s == '\t' || (*s == ' ' && (s[1] == ' ' || s[1] == '\0')))
			return 0;
		run = *s == ' ' ? 0 : run + 1;
		if (run > TOKEN_MAX)
			return 0;
	}
	return 1;
}

/* Writes words separated by single spaces, folding between them. */
static void
put_words(struct wr *w, const char *s, int sep)
{
	const char	*q;
	size_t		 n;

	while (*s != '\0') {
		q = strchr(s, ' ');
		n = q == NULL ? strlen(s) : (size_t)(q - s);
		wr_token(w, s, n, sep);
		sep = 1;
		s += n;
		if (*s == ' ')
			s++;
	}
}

/* An unstructured value (Subject and the like). */
static void
put_unstructured(struct wr *w, const char *v, int raw)
{
	if (*v == '\0')
		return;
	if (raw || plain_words(v))
		put_words(w, v, 1);
	else
		put_encoded_words(w, v, 1);
}

static int
phrase_atoms(const char *s)
{
	if (!plain_words(s))
		return 0;
	for (; *s != '\0'; s++)
		if (*s != ' ' && !is_atext((unsigned char)*s))
			return 0;
	return 1;
}

/* A display name: atoms, a quoted string, or encoded words. */
static void
put_phrase(struct wr *w, const struct addr *a)
{
	struct buf	*q;
	struct wr	 qw;
	const char	*s;

	if (a->raw || phrase_atoms(a->name)) {
		put_words(w, a->name, w->col > 0);
		return;
	}
	if (!is_ascii(a->name) || strstr(a->name, "=?") != NULL ||
	    strlen(a->name) > TOKEN_MAX) {
		put_encoded_words(w, a->name, w->col > 0);
		return;
	}
	if ((q = buf_new(2 * strlen(a->name) + 3)) == NULL) {
		w->r = SMERR_NOMEM;
		return;
	}
	qw.b = q;
	qw.col = 0;
	qw.r = 0;
	wr_puts(&qw, "\"");
	for (s = a->name; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			wr_puts(&qw, "\\");
		wr_put(&qw, s, 1);
	}
	wr_puts(&qw, "\"");
	if (qw.r != 0)
		w->r = qw.r;
	else
		wr_token(w, buf_str(q), buf_len(q), w->col > 0);
	buf_free(q);
}

static void
put_addr_field(struct wr *w, const char *fname, const struct addr *a,
    size_t n)
{
	size_t	 i;
	char	 t[ADDR_MAX + 4];
	int	 len;

	if (n == 0)
		return;
	wr_puts(w, fname);
	wr_puts(w, ":");
	for (i = 0; i < n; i++) {
		if (a[i].name != NULL && a[i].name[0] != '\0') {
			put_phrase(w, &a[i]);
			len = snprintf(t, sizeof(t), "<%s>%s", a[i].addr,
			    i + 1 < n ? "," : "");
		} else
			len = snprintf(t, sizeof(t), "%s%s", a[i].addr,
			    i + 1 < n ? "," : "");
		if (len < 0 || (size_t)len >= sizeof(t)) {
			w->r = SMERR_LIMIT;
			return;
		}
		wr_token(w, t, (size_t)len, 1);
	}
	wr_puts(w, "\r\n");
}

static void
put_date(struct wr *w, time_t t)
{
	static const char	*days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char	*months[] = { "Jan", "Feb", "Mar", "Apr",
		"May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm		 tm;
	char			 s[64];
	long			 off;
	int			 n;

	if (localtime_r(&t, &tm) == NULL) {
		w->r = SMERR_INVAL;
		return;
	}
	off = tm.tm_gmtoff / 60;
	n = snprintf(s, sizeof(s), "Date: %s, %d %s %04d %02d:%02d:%02d "
	    "%c%02ld%02ld\r\n", days[tm.tm_wday % 7], tm.tm_mday,
	    months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
	if (n < 0 || (size_t)n >= sizeof(s)) {
		w->r = SMERR_LIMIT;
		return;
	}
	wr_puts(w, s);
}

static void
addr_clear(struct addr *a)
{
	free(a->name);
	free(a->addr);
	a->name = a->addr = NULL;
}

void
mime_out_free(struct mime_out *o)
{
	size_t	 i;

	if (o == NULL)
		return;
	free(o->from);
	for (i = 0; i < o->nrcpt; i++)
		free(o->rcpt[i]);
	free(o->rcpt);
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
	addr_clear(&d->from);
	for (i = 0; i < d->nto; i++)
		addr_clear(&d->to[i]);
	free(d->to);
	for (i = 0; i < d->ncc; i++)
		addr_clear(&d->cc[i]);
	free(d->cc);
	for (i = 0; i < d->nbcc; i++)
		free(d->bcc[i]);
	free(d->bcc);
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

static int
addr_set(struct addr *a, const char *name, const char *addr, int raw,
    struct smerr *e)
{
	if (!addr_ok(addr))
		return smerr_set(e, SMERR_INVAL, "not a usable address: %.80s",
		    addr);
	if (name != NULL && (!value_ok(name) || strlen(name) > 2 * TOKEN_MAX))
		return smerr_set(e, SMERR_INVAL,
		    "display name with control characters or too long");
	if ((a->addr = strdup(addr)) == NULL ||
	    (name != NULL && (a->name = strdup(name)) == NULL)) {
		addr_clear(a);
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

static int
addr_push(struct mime_draft *d, struct addr **v, size_t *n,
    const char *name, const char *addr, int raw, struct smerr *e)
{
	struct addr	*nv;
	int		 r;

	if (rcpt_count(d) >= MIME_BUILD_MAX_RCPT)
		return smerr_set(e, SMERR_LIMIT, "more than %d recipients",
		    MIME_BUILD_MAX_RCPT);
	if ((nv = reallocarray(*v, *n + 1, sizeof(**v))) == NULL)
		return smerr_nomem(e);
	*v = nv;
	memset(&nv[*n], 0, sizeof(nv[*n]));
	if ((r = addr_set(&nv[*n], name, addr, raw, e)) != 0)
		return r;
	(*n)++;
	return 0;
}

int
mime_draft_from(struct mime_draft *d, const char *name, const char *addr,
    struct smerr *e)
{
	addr_clear(&d->from);
	return addr_set(&d->from, name, addr, 0, e);
}

int
mime_draft_to(struct mime_draft *d, const char *name, const char *addr,
    struct smerr *e)
{
	return addr_push(d, &d->to, &d->nto, name, addr, 0, e);
}

int
mime_draft_cc(struct mime_draft *d, const char *name, const char *addr,
    struct smerr *e)
{
	return addr_push(d, &d->cc, &d->ncc, name, addr, 0, e);
}

int
mime_draft_bcc(struct mime_draft *d, const char *addr, struct smerr *e)
{
	char	**nv;

	if (!addr_ok(addr))
		return smerr_set(e, SMERR_INVAL, "not a usable address: %.80s",
		    addr);
	if (rcpt_count(d) >= MIME_BUILD_MAX_RCPT)
		return smerr_set(e, SMERR_LIMIT, "more than %d recipients",
		    MIME_BUILD_MAX_RCPT);
	if ((nv = reallocarray(d->bcc, d->nbcc + 1, sizeof(*nv))) == NULL)
		return smerr_nomem(e);
	d->bcc = nv;
	if ((nv[d->nbcc] = strdup(addr)) == NULL)
		return smerr_nomem(e);
	d->nbcc++;
	return 0;
}

static int
subject_set(struct mime_draft *d, const char *s, int raw, struct smerr *e)
{
	if (!value_ok(s) || strlen(s) > MIME_BUILD_MAX_FIELD)
		return smerr_set(e, SMERR_INVAL,
		    "subject with control characters or too long");
	free(d->subject);
	if ((d->subject = strdup(s)) == NULL)
		return smerr_nomem(e);
	d->subject_raw = raw;
	return 0;
}

int
mime_draft_subject(struct mime_draft *d, const char *subject,
    struct smerr *e)
{
	return subject_set(d, subject, 0, e);
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
		if (*m != '@' && *m != '.' && !is_atext((unsigned char)*m) &&
		    *m != '[' && *m != ']')
			return 0;
	return 1;
}

int
mime_draft_msgid(struct mime_draft *d, const char *msgid, struct smerr *e)
{
	if (!msgid_ok(msgid))
		return smerr_set(e, SMERR_INVAL, "not a Message-ID: %.80s",
		    msgid);
	free(d->msgid);
	if ((d->msgid = strdup(msgid)) == NULL)
		return smerr_nomem(e);
	return 0;
}

static int
fname_ok(const char *n)
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

static int
field_push(struct mime_draft *d, const char *name, const char *value,
    int raw, struct smerr *e)
{
	struct field	*nv;

	if (!fname_ok(name))
		return smerr_set(e, SMERR_INVAL,
		    "not a header field name: %.80s", name);
	if (!value_ok(value) || strlen(value) > MIME_BUILD_MAX_FIELD)
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
	return field_push(d, name, value, 0, e);
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
	if ((d->text = buf_new(BUILD_MAX)) == NULL)
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
	struct attach	*nv, *a;

	if (ctype == NULL)
		ctype = "application/octet-stream";
	if (!ctype_ok(ctype))
		return smerr_set(e, SMERR_INVAL, "not a content type: %.80s",
		    ctype);
	if (filename != NULL && (!value_ok(filename) ||
	    strlen(filename) > FILENAME_MAX_LEN))
		return smerr_set(e, SMERR_INVAL,
		    "file name with control characters or too long");
	if (d->natt >= MIME_BUILD_MAX_ATTACH)
		return smerr_set(e, SMERR_LIMIT, "too many attachments");
	if (len > BUILD_MAX / 2)
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
		wr_put(w, p + start, (i > start && p[i - 1] == '\r') ?
		    i - 1 - start : i - start);
		wr_puts(w, "\r\n");
		start = i + 1;
	}
	if (start < len) {
		wr_put(w, p + start, len - start);
		wr_puts(w, "\r\n");
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
	if ((d->entity = buf_new(BUILD_MAX)) == NULL)
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
			wr_puts(w, "\r\n");
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
			wr_puts(w, "=\r\n");
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
			wr_put(w, t, 3);
		} else
			wr_put(w, &c, 1);
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

	if ((c = buf_new(BUILD_MAX)) == NULL) {
		w->r = SMERR_NOMEM;
		return;
	}
	cw.b = c;
	cw.col = 0;
	cw.r = 0;
	if (ld != NULL) {
		wr_puts(&cw, "Subject: ");
		wr_puts(&cw, ld);
		wr_puts(&cw, "\r\n\r\n");
	}
	if (text != NULL)
		put_crlf_lines(&cw, buf_data(text), buf_len(text));
	if (cw.r != 0) {
		w->r = cw.r;
		buf_free(c);
		return;
	}
	enc = text_encoding(buf_data(c), buf_len(c));
	wr_puts(w, "Content-Type: text/plain; charset=utf-8");
	if (ld != NULL)
		wr_puts(w, "; hp-legacy-display=\"1\"");
	wr_puts(w, "\r\nContent-Transfer-Encoding: ");
	wr_puts(w, enc);
	wr_puts(w, "\r\n\r\n");
	if (strcmp(enc, "7bit") == 0)
		wr_put(w, buf_data(c), buf_len(c));
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
	wr_puts(w, ";\r\n\t");
	wr_puts(w, param);
	if (plain) {
		wr_puts(w, "=\"");
		wr_puts(w, fn);
		wr_puts(w, "\"");
		return;
	}
	wr_puts(w, "*=utf-8''");
	for (p = (const unsigned char *)fn; *p != '\0'; p++) {
		if (isalnum(*p) || strchr("!#$&+-.^_`|~", *p) != NULL)
			wr_put(w, p, 1);
		else {
			t[0] = '%';
			t[1] = hex[*p >> 4];
			t[2] = hex[*p & 15];
			wr_put(w, t, 3);
		}
	}
}

static void
put_attachment(struct wr *w, const struct attach *a)
{
	wr_puts(w, "Content-Type: ");
	wr_puts(w, a->ctype);
	if (a->filename != NULL)
		put_filename_param(w, "name", a->filename);
	wr_puts(w, "\r\nContent-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment");
	if (a->filename != NULL)
		put_filename_param(w, "filename", a->filename);
	wr_puts(w, "\r\n\r\n");
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
		if ((ent = buf_new(BUILD_MAX)) == NULL || buf_put(ent,
		    buf_data(d->entity), buf_len(d->entity)) != 0) {
			buf_free(ent);
			return smerr_nomem(e);
		}
		*ep = ent;
		return 0;
	}
	if ((ent = buf_new(BUILD_MAX)) == NULL)
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

		if ((parts[i] = buf_new(BUILD_MAX)) == NULL) {
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
	wr_puts(&w, "Content-Type: multipart/mixed; boundary=\"");
	wr_puts(&w, bd);
	wr_puts(&w, "\"\r\n\r\n");
	for (i = 0; i < np; i++) {
		wr_puts(&w, "--");
		wr_puts(&w, bd);
		wr_puts(&w, "\r\n");
		wr_put(&w, buf_data(parts[i]), buf_len(parts[i]));
		wr_puts(&w, "\r\n");
	}
	wr_puts(&w, "--");
	wr_puts(&w, bd);
	wr_puts(&w, "--\r\n");
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
	if (r == 0 && value_ok(buf_str(s)))
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
	    (o->headers = buf_new(BUILD_MAX)) == NULL) {
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
	put_addr_field(&w, "From", &d->from, 1);
	put_addr_field(&w, "To", d->to, d->nto);
	put_addr_field(&w, "Cc", d->cc, d->ncc);
	wr_puts(&w, "Subject:");
	put_unstructured(&w, d->subject != NULL ? d->subject : "",
	    d->subject_raw);
	wr_puts(&w, "\r\n");
	if (d->date_raw != NULL) {
		wr_puts(&w, "Date: ");
		wr_puts(&w, d->date_raw);
		wr_puts(&w, "\r\n");
	} else
		put_date(&w, d->has_date ? d->date : time(NULL));
	wr_puts(&w, "Message-ID: ");
	wr_puts(&w, o->msgid);
	wr_puts(&w, "\r\n");
	for (i = 0; i < d->nfields; i++) {
		wr_puts(&w, d->fields[i].name);
		wr_puts(&w, ":");
		put_unstructured(&w, d->fields[i].value, d->fields[i].raw);
		wr_puts(&w, "\r\n");
	}
	wr_puts(&w, "MIME-Version: 1.0\r\n");
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
	if ((o = buf_new(BUILD_MAX)) == NULL)
		return smerr_nomem(e);
	w.b = o;
	w.col = 0;
	w.r = 0;
	wr_puts(&w, "Content-Type: multipart/signed;\r\n"
	    "\tprotocol=\"application/pkcs7-signature\";\r\n"
	    "\tmicalg=sha-256;\r\n\tboundary=\"");
	wr_puts(&w, bd);
	wr_puts(&w, "\"\r\n\r\n"
	    "This is a cryptographically signed message in MIME format.\r\n"
	    "\r\n--");
	wr_puts(&w, bd);
	wr_puts(&w, "\r\n");
	wr_put(&w, buf_data(entity), buf_len(entity));
	wr_puts(&w, "\r\n--");
	wr_puts(&w, bd);
	wr_puts(&w, "\r\nContent-Type: application/pkcs7-signature; "
	    "name=smime.p7s\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=smime.p7s\r\n"
	    "Content-Description: S/MIME Cryptographic Signature\r\n\r\n");
	if (w.r == 0)
		w.r = mime_base64_put(o, sig, siglen);
	wr_puts(&w, "\r\n--");
	wr_puts(&w, bd);
	wr_puts(&w, "--\r\n");
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
	if ((o = buf_new(BUILD_MAX)) == NULL)
		return smerr_nomem(e);
	w.b = o;
	w.col = 0;
	w.r = 0;
	wr_puts(&w, "Content-Type: application/pkcs7-mime;\r\n\tsmime-type=");
	wr_puts(&w, smime_type);
	wr_puts(&w, "; name=smime.p7m\r\n"
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
	if ((o = buf_new(BUILD_MAX)) == NULL)
		return smerr_nomem(e);
	if (buf_put(o, buf_data(headers), buf_len(headers)) != 0 ||
	    buf_put(o, buf_data(entity), buf_len(entity)) != 0) {
		buf_free(o);
		return smerr_set(e, SMERR_LIMIT, "the message is too large");
	}
	*outp = o;
	return 0;
}

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
	raw = name != NULL && is_ascii(name) && strstr(name, "=?") != NULL;
	(*count)++;
	switch (kind) {
	case A_FROM:
		if (*count > 1)
			return smerr_set(e, SMERR_INVAL,
			    "From names more than one mailbox");
		addr_clear(&d->from);
		return addr_set(&d->from, name, addr, raw, e);
	case A_TO:
		return addr_push(d, &d->to, &d->nto, name, addr, raw, e);
	case A_CC:
		return addr_push(d, &d->cc, &d->ncc, name, addr, raw, e);
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
	if (!fname_ok(name))
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
		return subject_set(d, value, is_ascii(value), e);
	}
	if (strcasecmp(name, "date") == 0) {
		if (!is_ascii(value) || !value_ok(value) || strlen(value) > 80)
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
		if (!is_ascii(value) || !value_ok(value))
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
	return field_push(d, name, value, is_ascii(value), e);
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
	if ((ent = buf_new(BUILD_MAX)) == NULL)
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
