/*
 * mime/field.c: the field writer. Nothing of a message sealmail writes
 * goes through libetpan's writer: it cuts lines of 998 octets or more,
 * writes wrong time zones and draws boundaries from an unseeded random().
 * Instead every byte is written here and in build.c, into bounded
 * buffers, through a small writer that remembers the first error (struct
 * wr) so that a long run of appends is checked once.
 *
 * Header fields are folded at whitespace to stay near 78 columns and never
 * past 998. Values that are not plain ASCII, or that an unfolding reader
 * could mistake for encoded words, are written as RFC 2047 "B" words of
 * whole UTF-8 characters.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/text.h"
#include "mime/mime.h"
#include "mime/build.h"
#include "mime/mime_int.h"

#define FOLD_COL	78
#define EW_RAW		45		/* UTF-8 bytes per encoded word */
#define ADDR_MAX	254

void
mime_wr_put(struct wr *w, const void *p, size_t len)
{
	const uint8_t	*s = p;
	size_t		 i;

	if (w->r != 0)
		return;
	w->r = buf_put(w->b, p, len);
	for (i = 0; i < len; i++)
		w->col = s[i] == '\n' ? 0 : w->col + 1;
}

void
mime_wr_puts(struct wr *w, const char *s)
{
	mime_wr_put(w, s, strlen(s));
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

/* Before a word width columns wide: a space, or a fold past FOLD_COL. */
static void
wr_sep(struct wr *w, size_t width)
{
	if (w->col + 1 + width > FOLD_COL && w->col > 1 && !wr_at_name(w))
		mime_wr_puts(w, "\r\n ");
	else
		mime_wr_puts(w, " ");
}

static void
wr_token(struct wr *w, const char *s, size_t len, int sep)
{
	if (sep)
		wr_sep(w, len);
	mime_wr_put(w, s, len);
}

int
mime_is_atext(int c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* A value fit for a header: UTF-8, no controls but TAB. */
int
mime_value_ok(const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return 0;
	return text_utf8_valid(s, strlen(s));
}

/* A dot-atom addr-spec, ASCII, exactly one '@'. */
int
mime_addr_ok(const char *a)
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
		if (!mime_is_atext((unsigned char)*p))
			return 0;
	}
	return 1;
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
		mime_wr_put(&w, q, 4);
		col += 4;
		if (col >= 76) {
			mime_wr_puts(&w, "\r\n");
			col = 0;
		}
	}
	if (col > 0)
		mime_wr_puts(&w, "\r\n");
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
				mime_wr_put(w, d + i, 1);
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
		if (sep)
			wr_sep(w, width);
		mime_wr_puts(w, "=?UTF-8?B?");
		b64_word(w, p + off, n);
		mime_wr_puts(w, "?=");
		off += n;
		sep = 1;
	}
}

/*
 * Plain ASCII text that an unfolding reader gives back unchanged: single
 * spaces between words, no "=?", no word longer than MIME_TOKEN_MAX.
 */
static int
plain_words(const char *s)
{
	size_t	 run = 0;

	if (!text_is_ascii(s) || strstr(s, "=?") != NULL || s[0] == ' ')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s == '\t' || (*s == ' ' && (s[1] == ' ' || s[1] == '\0')))
			return 0;
		run = *s == ' ' ? 0 : run + 1;
		if (run > MIME_TOKEN_MAX)
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

/* 1 when s has a word (between blanks) longer than MIME_TOKEN_MAX. */
static int
long_word(const char *s)
{
	size_t	 run = 0;

	for (; *s != '\0'; s++) {
		run = *s == ' ' || *s == '\t' ? 0 : run + 1;
		if (run > MIME_TOKEN_MAX)
			return 1;
	}
	return 0;
}

/*
 * An unstructured value (Subject and the like). Raw text goes as it is
 * written, but a word too long for any line (a long link) is encoded,
 * unless the text may hold encoded words already.
 */
void
mime_put_unstructured(struct wr *w, const char *v, int raw)
{
	if (*v == '\0')
		return;
	if (plain_words(v) || (raw && (strstr(v, "=?") != NULL ||
	    !long_word(v))))
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
		if (*s != ' ' && !mime_is_atext((unsigned char)*s))
			return 0;
	return 1;
}

/* A display name: atoms, a quoted string, or encoded words. */
static void
put_phrase(struct wr *w, const struct draft_addr *a)
{
	struct buf	*q;
	struct wr	 qw;
	const char	*s;

	if (a->raw || phrase_atoms(a->name)) {
		put_words(w, a->name, w->col > 0);
		return;
	}
	if (!text_is_ascii(a->name) || strstr(a->name, "=?") != NULL ||
	    strlen(a->name) > MIME_TOKEN_MAX) {
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
	mime_wr_puts(&qw, "\"");
	for (s = a->name; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			mime_wr_puts(&qw, "\\");
		mime_wr_put(&qw, s, 1);
	}
	mime_wr_puts(&qw, "\"");
	if (qw.r != 0)
		w->r = qw.r;
	else
		wr_token(w, buf_str(q), buf_len(q), w->col > 0);
	buf_free(q);
}

void
mime_put_addr_field(struct wr *w, const char *fname,
    const struct draft_addr *a, size_t n)
{
	size_t	 i;
	char	 t[ADDR_MAX + 4];
	int	 len;

	if (n == 0)
		return;
	mime_wr_puts(w, fname);
	mime_wr_puts(w, ":");
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
	mime_wr_puts(w, "\r\n");
}

void
mime_put_date(struct wr *w, time_t t)
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
	mime_wr_puts(w, s);
}

