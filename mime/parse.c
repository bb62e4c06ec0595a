/*
 * The bounded MIME parser. The message is copied once with its line ends
 * made CRLF, into one block of its final size, wiped when freed (it may be
 * a decrypted message); mime_parse_in reads a message whose lines end in
 * CRLF already where it lies. A part is then a range of that copy: a
 * header block, an empty
 * line, a body. A multipart body is cut at its delimiter lines (RFC 2046
 * 5.1.1: the CRLF before a delimiter belongs to the delimiter), and each
 * piece is parsed as a part one level down. The limits of mime.h are
 * checked as the tree grows, so that a hostile message costs at most
 * MIME_MAX_PARTS parts and MIME_MAX_DEPTH frames of recursion.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "base/text.h"
#include "mime/mime.h"
#include "mime/mime_int.h"

static void
part_free(struct mime_part *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nchildren; i++)
		part_free(p->children[i]);
	free(p->children);
	mime_fields_free(p->fields, p->nfields);
	free(p->type);
	mime_fields_free(p->params, p->nparams);
	free(p);
}

void
mime_msg_free(struct mime_msg *m)
{
	if (m == NULL)
		return;
	part_free(m->root);
	if (!m->borrowed)
		secmem_free(m->data, m->len);
	free(m);
}

static int
field_add(struct mime_part *p, const char *name, const char *value,
    struct smerr *e)
{
	struct mime_field	*nf;
	char			*n = NULL, *v = NULL;

	if ((n = strdup(name)) == NULL || (v = strdup(value)) == NULL ||
	    (nf = reallocarray(p->fields, p->nfields + 1,
	    sizeof(*nf))) == NULL) {
		free(n);
		free(v);
		return smerr_nomem(e);
	}
	p->fields = nf;
	p->fields[p->nfields].name = n;
	p->fields[p->nfields].value = v;
	p->nfields++;
	return 0;
}

/*
 * Reads the header block of p through the header reader. A line that is
 * neither a field nor a continuation ends the header (it is body).
 */
static int
header_parse(struct mime_part *p, struct smerr *e)
{
	struct mime_hdr	*h;
	const char	*name, *value;
	size_t		 hdr_end, body;
	int		 r;

	if ((h = mime_hdr_new(p->start, (size_t)(p->end - p->start))) ==
	    NULL)
		return smerr_nomem(e);
	while ((r = mime_hdr_next(h, &name, &value, e)) > 0)
		if ((r = field_add(p, name, value, e)) != 0)
			break;
	if (r == 0) {
		(void)mime_hdr_stop(h, &hdr_end, &body, NULL);
		p->hdr_end = p->start + hdr_end;
		p->body = p->start + body;
	}
	mime_hdr_free(h);
	return r;
}

/*
 * Is there a delimiter line for boundary b at s (s is at a line start)?
 * Sets *closep for a close delimiter and *nextp past the line.
 */
static int
delim_at(const uint8_t *s, const uint8_t *end, const char *b, size_t blen,
    int *closep, const uint8_t **nextp)
{
	const uint8_t	*q;

	if ((size_t)(end - s) < blen + 2 || s[0] != '-' || s[1] != '-' ||
	    memcmp(s + 2, b, blen) != 0)
		return 0;
	q = s + 2 + blen;
	*closep = 0;
	if (end - q >= 2 && q[0] == '-' && q[1] == '-') {
		*closep = 1;
		q += 2;
	}
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (q < end && *q != '\r' && *q != '\n') {
		if (!*closep)
			return 0;	/* a longer boundary sharing a prefix */
		/* Text after a close delimiter on the same line: tolerated. */
	}
	*nextp = mime_line_next(q, end);
	return 1;
}

static int	part_parse(struct mime_msg *, const uint8_t *, const uint8_t *,
		    int, struct mime_part **, struct smerr *);

static int
child_add(struct mime_part *p, struct mime_part *c, struct smerr *e)
{
	struct mime_part	**nc;

	nc = reallocarray(p->children, p->nchildren + 1, sizeof(*nc));
	if (nc == NULL) {
		part_free(c);
		return smerr_nomem(e);
	}
	p->children = nc;
	p->children[p->nchildren++] = c;
	return 0;
}

static int
multipart_split(struct mime_part *p, struct smerr *e)
{
	const char		*b;
	const uint8_t		*s, *end = p->end, *nx, *pstart = NULL, *pend;
	struct mime_part	*c;
	size_t			 blen;
	int			 close = 0, r;

	if ((b = mime_part_param(p, "boundary")) == NULL || *b == '\0')
		return smerr_set(e, SMERR_PARSE,
		    "%s part without a boundary", p->type);
	if ((blen = strlen(b)) > 70)
		return smerr_set(e, SMERR_PARSE,
		    "multipart boundary longer than 70 characters");
	s = p->body;
	while (s < end) {
		if (delim_at(s, end, b, blen, &close, &nx)) {
			if (pstart != NULL) {
				/* The CRLF before the delimiter is its own. */
				pend = s;
				if (pend > pstart && pend[-1] == '\n')
					pend--;
				if (pend > pstart && pend[-1] == '\r')
					pend--;
				if ((r = part_parse(p->msg, pstart, pend,
				    p->level + 1, &c, e)) != 0 ||
				    (r = child_add(p, c, e)) != 0)
					return r;
			}
			if (close)
				break;
			pstart = nx;
			s = nx;
			continue;
		}
		s = mime_line_next(s, end);
	}
	if (!close && pstart != NULL) {
		/*
		 * No close delimiter: the last part runs to the end. Kept
		 * (truncated mail is common) but marked, so that no verdict
		 * can call such a message valid.
		 */
		p->msg->unterminated = 1;
		pend = end;
		if ((r = part_parse(p->msg, pstart, pend, p->level + 1, &c,
		    e)) != 0 || (r = child_add(p, c, e)) != 0)
			return r;
	}
	if (p->nchildren == 0)
		return smerr_set(e, SMERR_PARSE, "%s part has no parts",
		    p->type);
	return 0;
}

static int
part_parse(struct mime_msg *m, const uint8_t *start, const uint8_t *end,
    int level, struct mime_part **pp, struct smerr *e)
{
	struct mime_part	*p;
	const char		*ct;
	int			 r;

	*pp = NULL;
	if (m->nparts >= MIME_MAX_PARTS)
		return smerr_set(e, SMERR_LIMIT,
		    "message has more than %d parts", MIME_MAX_PARTS);
	if (level > MIME_MAX_DEPTH)
		return smerr_set(e, SMERR_LIMIT,
		    "message parts nested deeper than %d levels",
		    MIME_MAX_DEPTH);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return smerr_nomem(e);
	m->nparts++;
	if (level > m->depth)
		m->depth = level;
	p->msg = m;
	p->start = start;
	p->end = end;
	p->level = level;
	if ((r = header_parse(p, e)) != 0)
		goto fail;
	if (mime_part_header_count(p, "content-type") > 1) {
		r = smerr_set(e, SMERR_PARSE,
		    "message part with two Content-Type fields");
		goto fail;
	}
	ct = mime_part_header(p, "content-type");
	if (ct == NULL || mime_ctype_parse(ct, &p->type, &p->params,
	    &p->nparams, NULL) != 0) {
		mime_fields_free(p->params, p->nparams);
		p->params = NULL;
		p->nparams = 0;
		free(p->type);
		if ((p->type = strdup("text/plain")) == NULL) {
			r = smerr_nomem(e);
			goto fail;
		}
	}
	if (strncmp(p->type, "multipart/", 10) == 0 &&
	    (r = multipart_split(p, e)) != 0)
		goto fail;
	*pp = p;
	return 0;
fail:
	part_free(p);
	return r;
}

/* The length of the len bytes at p with each bare LF made CRLF. */
static size_t
crlf_len(const uint8_t *p, size_t len)
{
	const uint8_t	*lf, *end = p + len;
	size_t		 n = len;

	for (; p < end && (lf = memchr(p, '\n', (size_t)(end - p))) != NULL;
	    p = lf + 1)
		if (lf == p || lf[-1] != '\r')
			n++;
	return n;
}

/*
 * Parses the len bytes at data into *mp: copied with CRLF line ends, or
 * (borrow) read where they lie when their lines end in CRLF already.
 */
static int
msg_parse(const void *data, size_t len, int borrow, struct mime_msg **mp,
    struct smerr *e)
{
	struct mime_msg	*m = NULL;
	struct buf	*b = NULL;
	int		 r;

	*mp = NULL;
	if (data == NULL && len > 0)
		return smerr_set(e, SMERR_INVAL, "no message");
	if (len > MIME_MAX_INPUT)
		return smerr_set(e, SMERR_LIMIT,
		    "message larger than %lu bytes", MIME_MAX_INPUT);
	if (len == 0)
		return smerr_set(e, SMERR_PARSE, "empty message");
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return smerr_nomem(e);
	if (borrow && !mime_has_bare_lf(data, len)) {
		m->data = (uint8_t *)(uintptr_t)data;
		m->len = len;
		m->borrowed = 1;
	} else {
		if ((b = buf_new_secret(2 * MIME_MAX_INPUT + 1)) == NULL ||
		    buf_reserve(b, crlf_len(data, len)) != 0) {
			r = smerr_nomem(e);
			goto out;
		}
		if ((r = mime_canon_crlf(data, len, b)) != 0) {
			smerr_set(e, r, "reading the message: %s",
			    smerr_str(r));
			goto out;
		}
		if ((m->data = (uint8_t *)buf_take(b, &m->len)) == NULL) {
			r = smerr_nomem(e);
			goto out;
		}
	}
	if ((r = part_parse(m, m->data, m->data + m->len, 0, &m->root,
	    e)) != 0)
		goto out;
	*mp = m;
	m = NULL;
out:
	buf_free(b);
	mime_msg_free(m);
	return r;
}

int
mime_parse(const void *data, size_t len, struct mime_msg **mp,
    struct smerr *e)
{
	return msg_parse(data, len, 0, mp, e);
}

int
mime_parse_in(const void *data, size_t len, struct mime_msg **mp,
    struct smerr *e)
{
	return msg_parse(data, len, 1, mp, e);
}

const struct mime_part *
mime_msg_root(const struct mime_msg *m)
{
	return m->root;
}

int
mime_msg_depth(const struct mime_msg *m)
{
	return m->depth;
}

int
mime_msg_unterminated(const struct mime_msg *m)
{
	return m->unterminated;
}

size_t
mime_msg_nparts(const struct mime_msg *m)
{
	return m->nparts;
}

const char *
mime_part_type(const struct mime_part *p)
{
	return p->type;
}

const char *
mime_part_param(const struct mime_part *p, const char *name)
{
	return mime_fields_get(p->params, p->nparams, name);
}

int
mime_part_is_multipart(const struct mime_part *p)
{
	return strncmp(p->type, "multipart/", 10) == 0;
}

size_t
mime_part_nchildren(const struct mime_part *p)
{
	return p->nchildren;
}

const struct mime_part *
mime_part_child(const struct mime_part *p, size_t i)
{
	return i < p->nchildren ? p->children[i] : NULL;
}

int
mime_part_level(const struct mime_part *p)
{
	return p->level;
}

int
mime_part_is_attachment(const struct mime_part *p)
{
	const char	*d;
	size_t		 n;

	if ((d = mime_part_header(p, "content-disposition")) == NULL)
		return 0;
	while (*d == ' ' || *d == '\t')
		d++;
	n = strlen("attachment");
	return strncasecmp(d, "attachment", n) == 0 &&
	    (d[n] == '\0' || d[n] == ';' || d[n] == ' ' || d[n] == '\t');
}

const uint8_t *
mime_part_raw(const struct mime_part *p, size_t *lenp)
{
	*lenp = (size_t)(p->end - p->start);
	return p->start;
}

const uint8_t *
mime_part_body(const struct mime_part *p, size_t *lenp)
{
	*lenp = (size_t)(p->end - p->body);
	return p->body;
}

const uint8_t *
mime_part_header_raw(const struct mime_part *p, size_t *lenp)
{
	*lenp = (size_t)(p->hdr_end - p->start);
	return p->start;
}

size_t
mime_part_nfields(const struct mime_part *p)
{
	return p->nfields;
}

const char *
mime_part_field(const struct mime_part *p, size_t i, const char **valuep)
{
	if (i >= p->nfields)
		return NULL;
	if (valuep != NULL)
		*valuep = p->fields[i].value;
	return p->fields[i].name;
}

const char *
mime_part_header(const struct mime_part *p, const char *name)
{
	return mime_fields_get(p->fields, p->nfields, name);
}

size_t
mime_part_header_count(const struct mime_part *p, const char *name)
{
	size_t	i, n = 0;

	for (i = 0; i < p->nfields; i++)
		if (mime_strcaseeq(p->fields[i].name, name))
			n++;
	return n;
}

static const signed char b64tab[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
	['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
	['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
	['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
	['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
	['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
	['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
	['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

/* The value of a base64 digit, or -1 (the table holds value + 1). */
static int
b64val(int c)
{
	return b64tab[c & 0xff] - 1;
}

/*
 * Decodes whole groups of four digits from s (len bytes) into o (room
 * bytes) until a byte that is not a digit, the end of s or of o: *np gets
 * the bytes written, the return value is the digits consumed.
 */
static size_t
b64_run(const uint8_t *s, size_t len, uint8_t *o, size_t room, size_t *np)
{
	size_t	i = 0, n = 0;
	int	a, b, c, d;

	while (len - i >= 4 && room - n >= 3) {
		/* The table holds value + 1: a non-digit makes one negative. */
		a = b64tab[s[i]] - 1;
		b = b64tab[s[i + 1]] - 1;
		c = b64tab[s[i + 2]] - 1;
		d = b64tab[s[i + 3]] - 1;
		if ((a | b | c | d) < 0)
			break;
		o[n] = (uint8_t)(a << 2 | b >> 4);
		o[n + 1] = (uint8_t)(b << 4 | c >> 2);
		o[n + 2] = (uint8_t)(c << 6 | d);
		n += 3;
		i += 4;
	}
	*np = n;
	return i;
}

/* Appends the no bytes decoded so far at o to out. */
static int
b64_flush(struct buf *out, const uint8_t *o, size_t *no, struct smerr *e)
{
	int	r;

	if (*no > 0 && (r = buf_put(out, o, *no)) != 0)
		return smerr_set(e, r, "decoding base64: %s", smerr_str(r));
	*no = 0;
	return 0;
}

/* Adds the three bytes of the 24 bits v to o, flushing it when full. */
static int
b64_put3(struct buf *out, uint8_t *o, size_t size, size_t *no, unsigned v,
    struct smerr *e)
{
	int	r;

	if (*no + 3 > size && (r = b64_flush(out, o, no, e)) != 0)
		return r;
	o[(*no)++] = (uint8_t)(v >> 16);
	o[(*no)++] = (uint8_t)(v >> 8);
	o[(*no)++] = (uint8_t)v;
	return 0;
}

static int
decode_base64(const uint8_t *s, size_t len, struct buf *out, struct smerr *e)
{
	uint8_t		 o[4096];
	unsigned	 acc = 0;
	size_t		 i = 0, no = 0, k;
	int		 n = 0, v, pad = 0, r;

	/* The decoded size, at once: a part is decoded whole. */
	(void)buf_reserve(out, len / 4 * 3);
	while (i < len) {
		/* Four digits at a time while a line goes on. */
		if (n == 0 && pad == 0) {
			i += b64_run(s + i, len - i, o + no, sizeof(o) - no,
			    &k);
			no += k;
			if (sizeof(o) - no < 3) {
				if ((r = b64_flush(out, o, &no, e)) != 0)
					return r;
				continue;
			}
			if (i >= len)
				break;
		}
		if ((v = b64val(s[i])) < 0) {
			if (s[i] == '\r' || s[i] == '\n' || s[i] == ' ' ||
			    s[i] == '\t') {
				i++;
				continue;
			}
			if (s[i] == '=') {
				pad++;
				i++;
				continue;
			}
			return smerr_set(e, SMERR_PARSE,
			    "malformed base64 in a message part");
		} else if (pad > 0)
			return smerr_set(e, SMERR_PARSE,
			    "malformed base64 in a message part");
		else
			acc = (acc << 6) | (unsigned)v;
		i++;
		if (++n == 4) {
			if ((r = b64_put3(out, o, sizeof(o), &no, acc, e)) != 0)
				return r;
			n = 0;
			acc = 0;
		}
	}
	if (n == 1)
		return smerr_set(e, SMERR_PARSE,
		    "truncated base64 in a message part");
	if (n == 2 || n == 3) {
		if (no > sizeof(o) - 2 && (r = b64_flush(out, o, &no, e)) != 0)
			return r;
		acc <<= 6 * (4 - n);
		o[no++] = (uint8_t)(acc >> 16);
		if (n == 3)
			o[no++] = (uint8_t)(acc >> 8);
	}
	return b64_flush(out, o, &no, e);
}

static int
decode_qp(const uint8_t *s, size_t len, struct buf *out, struct smerr *e)
{
	size_t	i = 0, ls, le, k;
	int	r = 0, hi, lo;

	while (i < len && r == 0) {
		/* One line at a time; blanks before its end are dropped. */
		ls = i;
		while (i < len && s[i] != '\n')
			i++;
		le = i;
		if (le > ls && s[le - 1] == '\r')
			le--;
		while (le > ls && (s[le - 1] == ' ' || s[le - 1] == '\t'))
			le--;
		for (k = ls; k < le && r == 0; k++) {
			if (s[k] != '=') {
				r = buf_putc(out, s[k]);
				continue;
			}
			if (k + 1 == le)	/* soft line break */
				goto soft;
			if (k + 2 < le && (hi = text_hex_digit(s[k + 1])) >= 0 &&
			    (lo = text_hex_digit(s[k + 2])) >= 0) {
				r = buf_putc(out, hi * 16 + lo);
				k += 2;
			} else
				r = buf_putc(out, '=');
		}
		if (r == 0 && i < len)
			r = buf_put(out, "\r\n", 2);
soft:
		if (i < len)
			i++;
	}
	if (r != 0)
		return smerr_set(e, r, "decoding quoted-printable: %s",
		    smerr_str(r));
	return 0;
}

int
mime_part_decode(const struct mime_part *p, struct buf *out,
    struct smerr *e)
{
	const char	*cte;
	const uint8_t	*body;
	size_t		 len, n;
	char		 tok[32];
	int		 r;

	body = mime_part_body(p, &len);
	cte = mime_part_header(p, "content-transfer-encoding");
	if (cte == NULL)
		cte = "7bit";
	while (*cte == ' ' || *cte == '\t')
		cte++;
	for (n = 0; n < sizeof(tok) - 1 && cte[n] != '\0' && cte[n] != ' ' &&
	    cte[n] != '\t' && cte[n] != ';' && cte[n] != '('; n++)
		tok[n] = (char)tolower((unsigned char)cte[n]);
	tok[n] = '\0';
	if (strcmp(tok, "base64") == 0)
		return decode_base64(body, len, out, e);
	if (strcmp(tok, "quoted-printable") == 0)
		return decode_qp(body, len, out, e);
	if (strcmp(tok, "7bit") == 0 || strcmp(tok, "8bit") == 0 ||
	    strcmp(tok, "binary") == 0 || tok[0] == '\0') {
		if ((r = buf_put(out, body, len)) != 0)
			return smerr_set(e, r, "message part: %s",
			    smerr_str(r));
		return 0;
	}
	return smerr_set(e, SMERR_PARSE,
	    "unknown Content-Transfer-Encoding in a message part");
}
