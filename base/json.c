#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "text.h"

/*
 * Bytes that stand for themselves (printable ASCII but the quote and the
 * backslash, and well-formed UTF-8 above U+009F but the line and paragraph
 * separators) are copied a run at a time; everything else is escaped or
 * replaced one code point at a time.
 */
static size_t
json_plain(const unsigned char *p, size_t len)
{
	unsigned	cp;
	size_t		i = 0, n;

	while (i < len) {
		if ((n = text_span(p + i, len - i, TEXT_C_JSON)) > 0) {
			i += n;
			continue;
		}
		if (p[i] < 0x80 || (n = text_utf8_decode(p + i, len - i,
		    &cp)) == 0 || cp <= 0x9f || cp == 0x2028 || cp == 0x2029)
			break;
		i += n;
	}
	return i;
}

int
json_time(struct buf *out, time_t t)
{
	char	s[32];

	return json_str(out, text_iso_time(t, s, sizeof(s)) == 0 ? s : NULL);
}

int
json_strn(struct buf *out, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned		 cp;
	size_t			 n;
	int			 r;

	if ((r = buf_putc(out, '"')) != 0)
		return r;
	while (len > 0) {
		if ((n = json_plain(p, len)) > 0) {
			if ((r = text_put_run(out, &p, &len, n)) != 0)
				return r;
			continue;
		}
		cp = text_utf8_next(&p, &len);
		switch (cp) {
		case '"':  r = buf_puts(out, "\\\""); break;
		case '\\': r = buf_puts(out, "\\\\"); break;
		case '\n': r = buf_puts(out, "\\n"); break;
		case '\r': r = buf_puts(out, "\\r"); break;
		case '\t': r = buf_puts(out, "\\t"); break;
		default:
			if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
			    cp == 0x2028 || cp == 0x2029)
				r = buf_printf(out, "\\u%04x", cp);
			else
				r = text_utf8_put(out, cp);
		}
		if (r != 0)
			return r;
	}
	return buf_putc(out, '"');
}

int
json_str(struct buf *out, const char *s)
{
	if (s == NULL)
		return buf_puts(out, "null");
	return json_strn(out, s, strlen(s));
}

int
json_strv(struct buf *out, char *const *sv, size_t n)
{
	size_t	i;
	int	r = 0;

	r |= buf_putc(out, '[');
	for (i = 0; i < n; i++) {
		if (i > 0)
			r |= buf_putc(out, ',');
		r |= json_str(out, sv[i]);
	}
	return r | buf_putc(out, ']');
}

int
json_text(struct buf *out, const char *s)
{
	char	*t;
	int	 r;

	if (s == NULL)
		return json_str(out, NULL);
	if ((t = text_sanitize_str(s, 0)) == NULL)
		return SMERR_NOMEM;
	r = json_str(out, t);
	free(t);
	return r;
}

int
json_text_list(struct buf *out, const char *list)
{
	const char	*p = list, *q;
	char		*one;
	int		 r;

	if ((r = buf_putc(out, '[')) != 0)
		return r;
	while (p != NULL && *p != '\0') {
		q = strchr(p, ',');
		one = q != NULL ? strndup(p, (size_t)(q - p)) : strdup(p);
		if (one == NULL)
			return SMERR_NOMEM;
		if (p != list && (r = buf_putc(out, ',')) != 0) {
			free(one);
			return r;
		}
		r = json_text(out, one);
		free(one);
		if (r != 0)
			return r;
		p = q != NULL ? q + 1 : NULL;
	}
	return buf_putc(out, ']');
}

/*
 * The writer. json_fail keeps the first failure; json_w_key starts a
 * value: the comma before it when its object or array has a member
 * already, and its key; nonzero once the writer has failed, so that
 * nothing more is written.
 */
void
json_fail(struct json_w *w, int r)
{
	if (r != 0 && w->err == 0)
		w->err = r;
}

static int
json_w_key(struct json_w *w, const char *key)
{
	uint32_t	bit;

	if (w->err != 0)
		return w->err;
	if (w->depth > 0) {
		bit = (uint32_t)1 << (w->depth - 1);
		if (w->more & bit)
			json_fail(w, buf_putc(w->out, ','));
		w->more |= bit;
	}
	if (key != NULL) {
		json_fail(w, json_str(w->out, key));
		json_fail(w, buf_putc(w->out, ':'));
	}
	return w->err;
}

static void
json_w_open(struct json_w *w, const char *key, int array)
{
	uint32_t	bit;

	if (json_w_key(w, key) != 0)
		return;
	if (w->depth == JSON_W_DEPTH) {
		json_fail(w, SMERR_LIMIT);
		return;
	}
	json_fail(w, buf_putc(w->out, array ? '[' : '{'));
	bit = (uint32_t)1 << w->depth++;
	w->more &= ~bit;
	if (array)
		w->arr |= bit;
	else
		w->arr &= ~bit;
}

void
json_begin(struct json_w *w, struct buf *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
}

void
json_obj(struct json_w *w, const char *key)
{
	json_w_open(w, key, 0);
}

void
json_arr(struct json_w *w, const char *key)
{
	json_w_open(w, key, 1);
}

void
json_end(struct json_w *w)
{
	if (w->err != 0)
		return;
	if (w->depth == 0) {
		json_fail(w, SMERR_INVAL);
		return;
	}
	w->depth--;
	json_fail(w, buf_putc(w->out, (w->arr >> w->depth) & 1 ? ']' : '}'));
}

void
json_kstr(struct json_w *w, const char *key, const char *s)
{
	if (json_w_key(w, key) == 0)
		json_fail(w, json_str(w->out, s));
}

void
json_kstrn(struct json_w *w, const char *key, const char *s, size_t len)
{
	if (json_w_key(w, key) == 0)
		json_fail(w, json_strn(w->out, s, len));
}

void
json_ktext(struct json_w *w, const char *key, const char *s)
{
	if (json_w_key(w, key) == 0)
		json_fail(w, json_text(w->out, s));
}

void
json_ktext_list(struct json_w *w, const char *key, const char *list)
{
	if (json_w_key(w, key) == 0)
		json_fail(w, json_text_list(w->out, list));
}

void
json_kstrv(struct json_w *w, const char *key, char *const *sv, size_t n)
{
	if (json_w_key(w, key) == 0)
		json_fail(w, json_strv(w->out, sv, n));
}

void
json_ktime(struct json_w *w, const char *key, time_t t)
{
	if (json_w_key(w, key) == 0)
		json_fail(w, json_time(w->out, t));
}

void
json_kint(struct json_w *w, const char *key, long long v)
{
	if (json_w_key(w, key) == 0)
		json_fail(w, buf_printf(w->out, "%lld", v));
}

void
json_kfixed(struct json_w *w, const char *key, double v, int prec)
{
	if (json_w_key(w, key) == 0)
		json_fail(w, buf_printf(w->out, "%.*f", prec, v));
}

void
json_kbool(struct json_w *w, const char *key, int v)
{
	if (json_w_key(w, key) == 0)
		json_fail(w, buf_puts(w->out, v ? "true" : "false"));
}

void
json_knull(struct json_w *w, const char *key)
{
	if (json_w_key(w, key) == 0)
		json_fail(w, buf_puts(w->out, "null"));
}

void
json_raw(struct json_w *w, const char *s, size_t len)
{
	if (len > 0 && json_w_key(w, NULL) == 0)
		json_fail(w, buf_put(w->out, s, len));
}

int
json_done(const struct json_w *w)
{
	return w->err;
}

/*
 * Reading. A small recursive walk, bounded in depth, over a JSON text
 * (what this program wrote and stored, never trusted to be well-formed):
 * it finds values, skips them and decodes strings; it builds no tree.
 */
#define JSON_MAX_DEPTH	32

static const char *
json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *
json_skip_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if (*p == '\0')
			return NULL;
		if (*p == '\\' && *++p == '\0')
			return NULL;
		p++;
	}
	return p + 1;
}

static const char *
json_skip_depth(const char *p, int depth)
{
	char	close;

	p = json_ws(p);
	if (*p == '"')
		return json_skip_string(p);
	if (*p != '{' && *p != '[') {
		/* A number, true, false or null: a run of their characters. */
		const char *s = p;

		while (*p != '\0' && strchr("+-.0123456789eEtruefalsn", *p))
			p++;
		return p > s ? p : NULL;
	}
	if (depth >= JSON_MAX_DEPTH)
		return NULL;
	close = *p == '{' ? '}' : ']';
	p = json_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			if ((p = json_skip_string(json_ws(p))) == NULL)
				return NULL;
			if (*(p = json_ws(p)) != ':')
				return NULL;
			p++;
		}
		if ((p = json_skip_depth(p, depth + 1)) == NULL)
			return NULL;
		p = json_ws(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

const char *
json_skip(const char *p)
{
	return p != NULL ? json_skip_depth(p, 0) : NULL;
}

const char *
json_member(const char *obj, const char *key)
{
	const char	*p, *k, *e;
	size_t		 klen = strlen(key);

	if (obj == NULL || *(p = json_ws(obj)) != '{')
		return NULL;
	p = json_ws(p + 1);
	while (*p == '"') {
		k = p + 1;
		if ((e = json_skip_string(p)) == NULL)
			return NULL;
		/* Our keys need no escapes: compare the raw bytes. */
		if (*(p = json_ws(e)) != ':')
			return NULL;
		p = json_ws(p + 1);
		if ((size_t)(e - k) == klen + 1 && strncmp(k, key, klen) == 0)
			return p;
		if ((p = json_skip(p)) == NULL)
			return NULL;
		p = json_ws(p);
		if (*p != ',')
			return NULL;
		p = json_ws(p + 1);
	}
	return NULL;
}

const char *
json_first(const char *arr)
{
	const char	*p;

	if (arr == NULL || *(p = json_ws(arr)) != '[')
		return NULL;
	p = json_ws(p + 1);
	return *p == ']' || *p == '\0' ? NULL : p;
}

const char *
json_next(const char *elem)
{
	const char	*p;

	if ((p = json_skip(elem)) == NULL || *(p = json_ws(p)) != ',')
		return NULL;
	return json_ws(p + 1);
}

static int
json_hex4(const char *p, unsigned *v)
{
	int	i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		*v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			*v |= (unsigned)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			*v |= (unsigned)(p[i] - 'a' + 10);
		else if (p[i] >= 'A' && p[i] <= 'F')
			*v |= (unsigned)(p[i] - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/* One escape after the backslash at p; *pp moves past it. */
static int
json_unescape(const char **pp, struct buf *b)
{
	static const char	 from[] = "\"\\/bfnrt";
	static const char	 to[] = "\"\\/\b\f\n\r\t";
	const char		*p = *pp, *c;
	unsigned		 cp, lo;

	if (*p != '\0' && (c = strchr(from, *p)) != NULL) {
		*pp = p + 1;
		return buf_putc(b, to[c - from]);
	}
	if (*p != 'u' || json_hex4(p + 1, &cp) != 0)
		return SMERR_INVAL;
	p += 5;
	if (cp >= 0xd800 && cp <= 0xdbff && p[0] == '\\' && p[1] == 'u' &&
	    json_hex4(p + 2, &lo) == 0 && lo >= 0xdc00 && lo <= 0xdfff) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		p += 6;
	} else if (cp >= 0xd800 && cp <= 0xdfff)
		cp = 0xfffd;
	*pp = p;
	return text_utf8_put(b, cp);
}

char *
json_string(const char *p)
{
	struct buf	*b;
	char		*s = NULL;
	int		 r = 0;

	if (p == NULL || *(p = json_ws(p)) != '"' || (b = buf_new(0)) == NULL)
		return NULL;
	for (p++; r == 0 && *p != '"'; ) {
		if (*p == '\0')
			r = SMERR_INVAL;
		else if (*p == '\\') {
			p++;
			r = json_unescape(&p, b);
		} else
			r = buf_putc(b, *p++);
	}
	if (r == 0)
		s = buf_take(b, NULL);
	buf_free(b);
	return s;
}
