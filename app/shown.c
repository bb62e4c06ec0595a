/*
 * What the terminal program shows of a stored verdict beyond its columns:
 * the cipher, the findings and which lines a signature covers, read back
 * from the verdict's JSON object as the engine wrote it; the sender's
 * display name, read from a stored message's header; and any header field
 * decoded for the whole header (h in the pager).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/text.h"
#include "base/vec.h"
#include "mime/mime.h"
#include "mime/hp.h"
#include "app/app.h"

#define APP_SHOWN_MAX	4096	/* findings or spans read from one verdict */
#define APP_NAME_HEADER_MAX	(64 * 1024)	/* of a header, for From */

void
app_shown_free(struct app_shown *sh)
{
	if (sh == NULL)
		return;
	free(sh->cipher);
	free(sh->revocation);
	vec_strv_free(sh->findings, sh->nfindings);
	free(sh->spans);
	free(sh);
}

/* A member that is a bool: 1 for true, 0 for anything else. */
static int
member_true(const char *obj, const char *key)
{
	const char	*v = json_member(obj, key);

	return v != NULL && strncmp(v, "true", 4) == 0;
}

/* How many elements array arr has, up to APP_SHOWN_MAX. */
static size_t
shown_count(const char *arr)
{
	const char	*p;
	size_t		 n = 0;

	for (p = json_first(arr); p != NULL && n < APP_SHOWN_MAX;
	    p = json_next(p))
		n++;
	return n;
}

static int
shown_findings(struct app_shown *sh, const char *arr)
{
	const char	*p;
	char		*s, *c;
	size_t		 n;

	if ((n = shown_count(arr)) == 0)
		return 0;
	if ((sh->findings = calloc(n, sizeof(*sh->findings))) == NULL)
		return SMERR_NOMEM;
	for (p = json_first(arr); p != NULL && sh->nfindings < n;
	    p = json_next(p)) {
		if ((s = json_string(p)) == NULL)
			continue;
		c = text_sanitize_str(s, 0);
		free(s);
		if (c == NULL)
			return SMERR_NOMEM;
		sh->findings[sh->nfindings++] = c;
	}
	return 0;
}

static int
shown_spans(struct app_shown *sh, const char *arr)
{
	const char	*p, *l;
	size_t		 n;
	long long	 line;
	char		*end;

	if ((n = shown_count(arr)) == 0)
		return 0;
	if ((sh->spans = calloc(n, sizeof(*sh->spans))) == NULL)
		return SMERR_NOMEM;
	for (p = json_first(arr); p != NULL && sh->nspans < n;
	    p = json_next(p)) {
		if ((l = json_member(p, "line")) == NULL)
			continue;
		line = strtoll(l, &end, 10);
		if (end == l || line < 1)
			continue;
		/* Runs follow one another; one out of order is dropped. */
		if (sh->nspans > 0 &&
		    (size_t)line <= sh->spans[sh->nspans - 1].line)
			continue;
		sh->spans[sh->nspans].line = (size_t)line;
		sh->spans[sh->nspans].flags =
		    (member_true(p, "signed") ? APP_SPAN_SIGNED : 0) |
		    (member_true(p, "envelope") ? APP_SPAN_ENVELOPE : 0) |
		    (member_true(p, "flowed") ? APP_SPAN_FLOWED : 0) |
		    (member_true(p, "delsp") ? APP_SPAN_DELSP : 0);
		sh->nspans++;
	}
	return 0;
}

int
app_shown_older(const char *verdict, char *out, size_t len)
{
	int	rev, hp;

	/* No verdict at all claims nothing. */
	if (verdict == NULL || verdict[0] != '{')
		return 0;
	rev = json_member(verdict, "revocation") == NULL;
	hp = json_member(verdict, "header_protection") == NULL;
	if (!rev && !hp)
		return 0;
	snprintf(out, len, "this verdict was kept by an earlier sealmail, "
	    "which did not check %s%s%s", rev ? "revocation" : "",
	    rev && hp ? " or " : "", hp ? "header protection" : "");
	return 1;
}

/* An older verdict's findings end with what it did not check. */
static int
shown_older(struct app_shown *sh, const char *verdict)
{
	char	older[256];

	if (!app_shown_older(verdict, older, sizeof(older)))
		return 0;
	return vec_strv_add(&sh->findings, &sh->nfindings, older,
	    strlen(older));
}

/*
 * The string member key of the verdict, sanitized, into *out (left NULL
 * when there is none); 0, or SMERR_NOMEM.
 */
static int
shown_string(const char *verdict, const char *key, char **out)
{
	char	*c;

	if ((c = json_string(json_member(verdict, key))) == NULL)
		return 0;
	*out = text_sanitize_str(c, 0);
	free(c);
	return *out != NULL ? 0 : SMERR_NOMEM;
}

int
app_shown_read(const char *verdict, struct app_shown **shp, struct smerr *e)
{
	struct app_shown	*sh;
	int			 r;

	*shp = NULL;
	if ((sh = calloc(1, sizeof(*sh))) == NULL)
		return smerr_nomem(e);
	sh->has_coverage = json_member(verdict, "coverage") != NULL;
	if ((r = shown_string(verdict, "cipher", &sh->cipher)) != 0 ||
	    (r = shown_string(verdict, "revocation", &sh->revocation)) != 0 ||
	    (r = shown_findings(sh, json_member(verdict, "findings"))) != 0 ||
	    (r = shown_older(sh, verdict)) != 0 ||
	    (r = shown_spans(sh, json_member(verdict, "coverage"))) != 0) {
		app_shown_free(sh);
		return smerr_set(e, r, "out of memory");
	}
	*shp = sh;
	return 0;
}

/*
 * The index of the run line is in: the last one starting at or before
 * it (sh has runs, and line is not before the first).
 */
static size_t
shown_run(const struct app_shown *sh, size_t line)
{
	size_t	lo = 0, hi = sh->nspans, mid;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (sh->spans[mid].line <= line)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

unsigned
app_shown_line(const struct app_shown *sh, size_t line)
{
	if (sh == NULL || sh->nspans == 0 || line < sh->spans[0].line)
		return 0;
	return sh->spans[shown_run(sh, line)].flags;
}

struct shown_flow {
	int	(*fn)(const struct app_para *, void *);
	void	*arg;
	size_t	 line;		/* the run's first line */
};

static int
shown_flow_cb(const struct mime_flowed *fl, void *arg)
{
	struct shown_flow	*sf = arg;
	struct app_para		 pa;

	pa.text = fl->text;
	pa.len = fl->len;
	pa.line = sf->line + fl->line;
	pa.flowed = 1;
	pa.depth = fl->depth;
	return sf->fn(&pa, sf->arg);
}

/*
 * The lines of a flowed run, from line (at p) to the end of the run or
 * of the text, read as paragraphs; *pp and *linep move past them.
 */
static int
shown_flowed(const char **pp, size_t *linep, const struct app_shown *sh,
    int (*fn)(const struct app_para *, void *), void *arg)
{
	struct shown_flow	 sf = { fn, arg, *linep };
	const char		*p = *pp, *e = *pp;
	size_t			 k = shown_run(sh, *linep), last;
	unsigned		 f = sh->spans[k].flags;

	last = k + 1 < sh->nspans ? sh->spans[k + 1].line : (size_t)-1;
	while (*e != '\0' && *linep < last) {
		e += strcspn(e, "\n");
		if (*e == '\n')
			e++;
		(*linep)++;
	}
	*pp = e;
	return mime_flowed_read(p, (size_t)(e - p), (f & APP_SPAN_DELSP) != 0,
	    shown_flow_cb, &sf);
}

struct shown_put {
	struct buf	*b;
	const char	*prefix;
};

/* A piece of text as a line: the prefix, a paragraph's quote marks. */
static int
shown_put_cb(const struct app_para *pa, void *arg)
{
	struct shown_put	*sp = arg;
	struct buf		*b = sp->b;
	int			 r, i;

	r = buf_puts(b, sp->prefix);
	for (i = 0; pa->flowed && i < pa->depth; i++)
		r |= buf_putc(b, '>');
	if (pa->flowed && pa->depth > 0 && pa->len > 0)
		r |= buf_putc(b, ' ');
	r |= buf_put(b, pa->text, pa->len);
	r |= buf_putc(b, '\n');
	return r;
}

int
app_shown_paras(const char *text, const struct app_shown *sh,
    int (*fn)(const struct app_para *, void *), void *arg)
{
	struct app_para	 pa;
	const char	*p = text != NULL ? text : "";
	size_t		 line = 1, n;
	int		 r = 0;

	memset(&pa, 0, sizeof(pa));
	do {
		if (app_shown_line(sh, line) & APP_SPAN_FLOWED) {
			r = shown_flowed(&p, &line, sh, fn, arg);
			continue;
		}
		n = strcspn(p, "\n");
		pa.text = p;
		pa.len = n;
		pa.line = line++;
		r = fn(&pa, arg);
		p += n;
		if (*p == '\n')
			p++;
	} while (r == 0 && *p != '\0');
	return r;
}

int
app_text_put(struct buf *b, const char *text, const char *verdict,
    const char *prefix)
{
	struct shown_put	 sp = { b, prefix };
	struct app_shown	*sh = NULL;
	struct smerr		 e;
	int			 r;

	smerr_clear(&e);
	/* A verdict that cannot be read leaves the lines as they are. */
	(void)app_shown_read(verdict, &sh, &e);
	r = app_shown_paras(text, sh, shown_put_cb, &sp);
	app_shown_free(sh);
	return r;
}

char *
app_from_name(const unsigned char *msg, size_t len)
{
	struct buf	*b = NULL;
	char		*from = NULL, *name = NULL;

	if (msg == NULL || len == 0)
		return NULL;
	if (len > APP_NAME_HEADER_MAX)
		len = APP_NAME_HEADER_MAX;
	if ((from = mime_header_find(msg, len, "From")) == NULL ||
	    *from == '\0' || (b = buf_new(0)) == NULL ||
	    mime_addr_name(from, b) != 0 || buf_len(b) == 0)
		goto out;
	name = text_sanitize_str(buf_str(b), 0);
out:
	free(from);
	buf_free(b);
	return name;
}

static char *
field_value_shown(const char *name, const char *value)
{
	struct buf	*out;
	char		*res = NULL;

	if ((out = buf_new(0)) == NULL)
		return NULL;
	if (buf_printf(out, "%s: ", name) == 0 &&
	    (strstr(value, "=?") != NULL ? mime_header_decode(value, out,
	    NULL) : buf_puts(out, value)) == 0)
		res = text_sanitize_str(buf_str(out), 0);
	buf_free(out);
	return res;
}

char *
app_field_shown(const char *field, size_t len)
{
	struct mime_hdr	*h;
	struct smerr	 e;
	const char	*name, *value;
	char		*res = NULL, *raw;

	if ((h = mime_hdr_new(field, len)) == NULL)
		return NULL;
	if (mime_hdr_next(h, &name, &value, &e) == 1)
		res = field_value_shown(name, value);
	else if ((raw = strndup(field, len)) != NULL) {
		/* No field: the line as it came, made safe. */
		res = text_sanitize_str(raw, 0);
		free(raw);
	}
	mime_hdr_free(h);
	return res;
}

void
app_fields_shown(const void *msg, size_t len,
    void (*cb)(const char *, void *), void *arg)
{
	struct mime_hdr	*h;
	struct smerr	 e;
	const char	*name, *value;
	char		*f;

	if ((h = mime_hdr_new(msg, len)) == NULL)
		return;
	while (mime_hdr_next(h, &name, &value, &e) == 1)
		if ((f = field_value_shown(name, value)) != NULL) {
			cb(f, arg);
			free(f);
		}
	mime_hdr_free(h);
}

int
app_protected_fields_shown(const void *msg, size_t len,
    void (*cb)(const char *, void *), void *arg)
{
	struct mime_msg		*m;
	const struct mime_part	*root, *p;
	enum mime_hp_form	 form;
	const char		*name, *value;
	char			*f;
	size_t			 i;
	int			 found = 0;

	if (msg == NULL || len == 0 || mime_parse(msg, len, &m, NULL) != 0)
		return 0;
	/* In a stored message an envelope is already open: signatures only. */
	for (p = root = mime_msg_root(m); p != NULL &&
	    strcmp(mime_part_type(p), "multipart/signed") == 0;
	    p = mime_part_child(p, 0))
		;
	form = p != NULL && p != root ? mime_hp_form(p) : MIME_HP_NONE;
	if (form != MIME_HP_NONE && form != MIME_HP_WRAPPED) {
		found = 1;
		for (i = 0; (name = mime_part_field(p, i, &value)) != NULL;
		    i++)
			if ((f = field_value_shown(name, value)) != NULL) {
				cb(f, arg);
				free(f);
			}
	}
	mime_msg_free(m);
	return found;
}
