/*
 * The sanitizer is a small state machine over code points:
 *
 *   GROUND  text; ESC goes to ESC, C1 CSI (U+009B) to CSI, C1 string
 *           introducers (DCS, SOS, OSC, PM, APC) to STRING
 *   ESC     '[' -> CSI; ']' 'P' 'X' '^' '_' -> STRING; 0x20-0x2f -> ESCINT;
 *           anything else ends the two-byte sequence
 *   ESCINT  intermediates until a final byte 0x30-0x7e
 *   CSI     parameters and intermediates until a final byte 0x40-0x7e
 *   STRING  until BEL, ST (ESC '\' or U+009C) or a newline
 *
 * Every byte of a sequence is dropped, including the terminator. A string
 * is one only when its terminator follows on its line: else its introducer
 * alone is dropped and what follows is shown, so that a stray byte (a
 * Latin-1 0x9f read as APC) hides nothing. A newline always returns to
 * GROUND, so no sequence swallows the rest of a message.
 */
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wctype.h>

#include "buf.h"
#include "err.h"
#include "text.h"

enum text_state { T_GROUND, T_ESC, T_ESCINT, T_CSI, T_STRING, T_STRESC };

size_t
text_utf8_decode(const unsigned char *p, size_t len, unsigned *cp)
{
	unsigned	c, min;
	size_t		n, i;

	if (len == 0)
		return 0;
	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2; c &= 0x1f; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3; c &= 0x0f; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4; c &= 0x07; min = 0x10000;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

int
text_iso_time(time_t t, char *out, size_t size)
{
	struct tm	tm;

	if (t != 0 && gmtime_r(&t, &tm) != NULL &&
	    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) != 0)
		return 0;
	if (size > 0)
		out[0] = '\0';
	return -1;
}

void
text_hex_encode(const void *p, size_t n, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*s = p;
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[s[i] >> 4];
		out[2 * i + 1] = hex[s[i] & 0xf];
	}
	out[2 * n] = '\0';
}

int
text_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
text_hex_decode(const char *s, void *out, size_t n)
{
	unsigned char	*o = out;
	size_t		 i;
	int		 hi, lo;

	if (s == NULL || strlen(s) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		hi = text_hex_digit((unsigned char)s[2 * i]);
		lo = text_hex_digit((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		o[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

const char *
text_find_at(const char *s, size_t *lenp)
{
	static const char *const ats[] = {
		"@", "\xef\xbc\xa0", "\xef\xb9\xab"
	};
	const char	*p, *first = NULL;
	size_t		 i, len = 0;

	for (i = 0; i < sizeof(ats) / sizeof(ats[0]); i++)
		if ((p = strstr(s, ats[i])) != NULL &&
		    (first == NULL || p < first)) {
			first = p;
			len = strlen(ats[i]);
		}
	if (lenp != NULL)
		*lenp = len;
	return first;
}

unsigned
text_utf8_next(const unsigned char **pp, size_t *lenp)
{
	unsigned	cp;
	size_t		n;

	if ((n = text_utf8_decode(*pp, *lenp, &cp)) == 0) {
		cp = 0xfffd;
		n = 1;
	}
	*pp += n;
	*lenp -= n;
	return cp;
}

#define P_	TEXT_C_PRINT
#define PJ	(TEXT_C_PRINT | TEXT_C_JSON)
#define L_	TEXT_C_LINE
static const unsigned char text_cls[256] = {
	0,  0,  0,  0,  0,  0,  0,  0,  0,  L_, L_, 0,  0,  0,  0,  0,
	0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	PJ, PJ, P_, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ,
	PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ,
	PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ,
	PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, P_, PJ, PJ, PJ,
	PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ,
	PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, PJ, 0,
	/* 0x80-0xff: none */
};
#undef P_
#undef PJ
#undef L_

size_t
text_span(const unsigned char *p, size_t len, unsigned cls)
{
	size_t	i = 0;

	/* Four at a time while all four are of the class. */
	while (len - i >= 4 && (text_cls[p[i]] & cls) &&
	    (text_cls[p[i + 1]] & cls) && (text_cls[p[i + 2]] & cls) &&
	    (text_cls[p[i + 3]] & cls))
		i += 4;
	while (i < len && (text_cls[p[i]] & cls))
		i++;
	return i;
}

int
text_put_run(struct buf *out, const unsigned char **pp, size_t *lenp,
    size_t n)
{
	int	r;

	if ((r = buf_put(out, *pp, n)) != 0)
		return r;
	*pp += n;
	*lenp -= n;
	return 0;
}

int
text_is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

int
text_utf8_valid(const void *p, size_t len)
{
	const unsigned char	*s = p;
	unsigned		 cp;
	size_t			 n;

	while (len > 0) {
		if ((n = text_utf8_decode(s, len, &cp)) == 0)
			return 0;
		s += n;
		len -= n;
	}
	return 1;
}

int
text_utf8_put(struct buf *out, unsigned cp)
{
	unsigned char	b[4];
	size_t		n;

	if (cp < 0x80) {
		b[0] = cp; n = 1;
	} else if (cp < 0x800) {
		b[0] = 0xc0 | (cp >> 6);
		b[1] = 0x80 | (cp & 0x3f); n = 2;
	} else if (cp < 0x10000) {
		b[0] = 0xe0 | (cp >> 12);
		b[1] = 0x80 | ((cp >> 6) & 0x3f);
		b[2] = 0x80 | (cp & 0x3f); n = 3;
	} else {
		b[0] = 0xf0 | (cp >> 18);
		b[1] = 0x80 | ((cp >> 12) & 0x3f);
		b[2] = 0x80 | ((cp >> 6) & 0x3f);
		b[3] = 0x80 | (cp & 0x3f); n = 4;
	}
	return buf_put(out, b, n);
}

int
text_has_8bit(const void *p, size_t len)
{
	const unsigned char	*q = p;
	size_t			 i;

	for (i = 0; i < len; i++)
		if (q[i] >= 0x80)
			return 1;
	return 0;
}

static locale_t		 text_fold_loc;
static pthread_once_t	 text_fold_once = PTHREAD_ONCE_INIT;

/* The locale whose case mapping is Unicode's; (locale_t)0 without one. */
static void
text_fold_init(void)
{
	text_fold_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

int
text_fold(struct buf *out, const void *p, size_t len)
{
	const unsigned char	*q = p;
	unsigned		 cp;
	size_t			 n;
	int			 r;

	(void)pthread_once(&text_fold_once, text_fold_init);
	while (len > 0) {
		if (*q < 0x80) {
			r = buf_putc(out, *q >= 'A' && *q <= 'Z' ?
			    *q - 'A' + 'a' : *q);
			n = 1;
		} else if ((n = text_utf8_decode(q, len, &cp)) == 0) {
			r = buf_putc(out, *q);
			n = 1;
		} else {
			if (text_fold_loc != (locale_t)0)
				cp = (unsigned)towlower_l((wint_t)cp,
				    text_fold_loc);
			r = text_utf8_put(out, cp);
		}
		if (r != 0)
			return r;
		q += n;
		len -= n;
	}
	return 0;
}

/* Bidirectional embeddings, overrides, isolates and marks. */
static int
text_is_bidi(unsigned cp)
{
	return (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

/*
 * Whether a string's terminator (BEL, ST as U+009C or ESC '\\') stands in
 * the len bytes at p before a newline. *clearp, past which no terminator
 * lies on this line, spares a second look over the same bytes.
 */
static int
text_string_ends(const unsigned char *p, size_t len,
    const unsigned char **clearp)
{
	size_t	i;

	if (p < *clearp)
		return 0;
	for (i = 0; i < len && p[i] != '\n'; i++) {
		if (p[i] == 0x07 || (i + 1 < len && ((p[i] == 0xc2 &&
		    p[i + 1] == 0x9c) || (p[i] == 0x1b && p[i + 1] == '\\'))))
			return 1;
	}
	*clearp = p + i;
	return 0;
}

int
text_sanitize(struct buf *out, const void *in, size_t len, unsigned flags)
{
	const unsigned char	*p = in, *clear = in;
	enum text_state		 st = T_GROUND;
	unsigned		 cp;
	size_t			 n;
	int			 r, ml = (flags & TEXT_MULTILINE) != 0;

	while (len > 0) {
		/*
		 * Fast path: a run of printable ASCII in text goes in whole,
		 * with its newlines and tabs when they are kept.
		 */
		if (st == T_GROUND && (n = text_span(p, len, TEXT_C_PRINT |
		    (ml ? TEXT_C_LINE : 0))) > 0) {
			if ((r = text_put_run(out, &p, &len, n)) != 0)
				return r;
			continue;
		}
		cp = text_utf8_next(&p, &len);

		if (cp == '\n' && st != T_GROUND)
			st = T_GROUND;
		switch (st) {
		case T_ESC:
			if (cp == '[')
				st = T_CSI;
			else if (cp == ']' || cp == 'P' || cp == 'X' ||
			    cp == '^' || cp == '_')
				st = text_string_ends(p, len, &clear) ?
				    T_STRING : T_GROUND;
			else if (cp >= 0x20 && cp <= 0x2f)
				st = T_ESCINT;
			else
				st = T_GROUND;
			continue;
		case T_ESCINT:
		case T_CSI:
			/*
			 * Intermediate bytes (0x20-0x2f), and in CSI parameter
			 * bytes (0x30-0x3f), go on; the final byte, or
			 * anything else, ends the sequence.
			 */
			if (cp < 0x20 || cp > (st == T_CSI ? 0x3fU : 0x2fU))
				st = T_GROUND;
			continue;
		case T_STRING:
			if (cp == 0x07 || cp == 0x9c)
				st = T_GROUND;
			else if (cp == 0x1b)
				st = T_STRESC;
			continue;
		case T_STRESC:
			st = cp == '\\' ? T_GROUND : T_STRING;
			continue;
		case T_GROUND:
			break;
		}

		if (cp == 0x1b) {
			st = T_ESC;
			continue;
		}
		if (cp == 0x9b) {
			st = T_CSI;
			continue;
		}
		if (cp == 0x90 || cp == 0x98 || cp == 0x9d || cp == 0x9e ||
		    cp == 0x9f) {
			if (text_string_ends(p, len, &clear))
				st = T_STRING;
			continue;
		}
		if (cp == '\r') {
			if (len > 0 && *p == '\n')
				continue;	/* CRLF: the LF follows */
			continue;		/* a lone CR could overwrite a line */
		}
		if (cp == '\n' || cp == '\t') {
			if ((r = buf_putc(out, ml ? (int)cp : ' ')) != 0)
				return r;
			continue;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
		    text_is_bidi(cp))
			continue;
		if ((r = text_utf8_put(out, cp)) != 0)
			return r;
	}
	return 0;
}

char *
text_sanitize_str(const char *s, unsigned flags)
{
	struct buf	*b;
	char		*r = NULL;

	if ((b = buf_new(0)) == NULL)
		return NULL;
	if (text_sanitize(b, s, strlen(s), flags) == 0)
		r = buf_take(b, NULL);
	buf_free(b);
	return r;
}

char *
text_trim(char *s)
{
	char	*end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		*--end = '\0';
	return s;
}

#define TEXT_TIME_MAX	253402300799LL	/* 9999-12-31T23:59:59Z */

int
text_parse_time(const char *s, time_t *tp, struct smerr *e)
{
	struct tm	 tm, asked;
	const char	*end;
	char		*ep;
	long long	 n;

	*tp = 0;
	if (s == NULL || *s == '\0')
		goto bad;
	if (*s == '@') {
		/* Digits alone, up to the last second of 9999. */
		if (s[1] < '0' || s[1] > '9')
			goto bad;
		errno = 0;
		n = strtoll(s + 1, &ep, 10);
		if (errno != 0 || *ep != '\0' || n <= 0 ||
		    n > TEXT_TIME_MAX)
			goto bad;
		*tp = (time_t)n;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%d", &tm)) == NULL)
		goto bad;
	if (*end == 'T' || *end == ' ') {
		if ((end = strptime(end + 1, "%H:%M:%S", &tm)) == NULL)
			goto bad;
		if (*end == 'Z')
			end++;
	}
	if (*end != '\0')
		goto bad;
	/* timegm moves a day that does not exist (30 February). */
	asked = tm;
	if ((*tp = timegm(&tm)) == (time_t)-1 || tm.tm_mday != asked.tm_mday ||
	    tm.tm_mon != asked.tm_mon)
		goto bad;
	return 0;
bad:
	return smerr_set(e, SMERR_INVAL,
	    "%s: not a time (YYYY-MM-DD[THH:MM:SS] UTC, or @SECONDS)",
	    s != NULL ? s : "");
}
