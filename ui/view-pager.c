/*
 * The pager: the stored verdict first, as banners a reader cannot miss,
 * then the header fields and the text the verdict says a reader sees.
 * Nothing here judges a message; it only shows what the store holds.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/text.h"
#include "store/store.h"
#include "app/app.h"
#include "ui/ui_int.h"

struct pg_line {
	char		*s;
	enum ui_color	 color;
	int		 bold;
};

struct pg {
	int64_t		 id;
	struct pg_line	*lines;
	size_t		 n, cap;
	size_t		 nhead;		/* banner and header lines */
	size_t		 top;
	int		 width;		/* the width lines were wrapped for */
	char		*from, *subject, *message_id, *text;
	char		*to;
};

static int
pg_add(struct pg *pg, const char *s, size_t len, enum ui_color c, int bold)
{
	struct pg_line	*l;
	size_t		 ncap;

	if (pg->n == pg->cap) {
		ncap = pg->cap == 0 ? 128 : pg->cap * 2;
		if ((l = reallocarray(pg->lines, ncap, sizeof(*l))) == NULL)
			return -1;
		pg->lines = l;
		pg->cap = ncap;
	}
	l = &pg->lines[pg->n];
	if ((l->s = strndup(s, len)) == NULL)
		return -1;
	l->color = c;
	l->bold = bold;
	pg->n++;
	return 0;
}

/* Adds s wrapped at width display cells, breaking at spaces when it can. */
static void
pg_wrap(struct pg *pg, const char *s, size_t len, int width, enum ui_color c)
{
	mbstate_t	 mbs;
	wchar_t		 wc;
	size_t		 i = 0, start = 0, brk = 0, n;
	int		 w = 0, cw;

	if (width < 10)
		width = 10;
	memset(&mbs, 0, sizeof(mbs));
	while (i < len) {
		n = mbrtowc(&wc, s + i, len - i, &mbs);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			n = 1;
			wc = L'?';
			memset(&mbs, 0, sizeof(mbs));
		}
		if ((cw = wcwidth(wc)) < 0)
			cw = 1;
		if (w + cw > width) {
			if (brk <= start)
				brk = i;
			pg_add(pg, s + start, brk - start, c, 0);
			start = brk;
			while (start < len && s[start] == ' ')
				start++;
			i = start;
			w = 0;
			brk = start;
			memset(&mbs, 0, sizeof(mbs));
			continue;
		}
		if (wc == L' ')
			brk = i + 1;
		w += cw;
		i += n;
	}
	pg_add(pg, s + start, len - start, c, 0);
}

static void
pg_clear(struct pg *pg)
{
	size_t	i;

	for (i = 0; i < pg->n; i++)
		free(pg->lines[i].s);
	free(pg->lines);
	pg->lines = NULL;
	pg->n = pg->cap = 0;
}

/*
 * The findings of the stored verdict (the array of strings that
 * crypto_verdict_json writes; a quote inside a string is escaped there,
 * so the member's spelling cannot occur inside a value), one a line
 * under the banners: why the verdict is not better, and what else the
 * reader should know, such as a Reply-To naming someone else.
 */
static void
pg_findings(struct pg *pg, const char *verdict, int width)
{
	static const char	 key[] = "\"findings\":[";
	const char		*p;
	char			 line[512], c;
	size_t			 n;

	if (verdict == NULL || (p = strstr(verdict, key)) == NULL)
		return;
	for (p += sizeof(key) - 1; *p == '"'; p++) {
		n = (size_t)snprintf(line, sizeof(line), "Note: ");
		for (p++; *p != '\0' && *p != '"'; p++) {
			c = *p;
			if (c == '\\' && p[1] != '\0') {
				c = *++p;
				if (c == 'u') {
					/* \uXXXX: a control, shown as ? */
					p += strnlen(p + 1, 4);
					c = '?';
				} else if (c != '"' && c != '\\' && c != '/')
					c = ' ';	/* \n, \r, \t */
			}
			if (n < sizeof(line) - 1)
				line[n++] = c;
		}
		line[n] = '\0';
		pg_wrap(pg, line, n, width, UI_C_WARN);
		if (*p != '"' || p[1] != ',')
			break;
		p++;
	}
}

static void
pg_layout(struct ui *ui, struct ui_view *v, int width)
{
	struct pg		*pg = v->data;
	struct store_msg	*m = NULL;
	struct smerr		 e;
	enum ui_color		 c;
	const char		*b, *p, *nl;
	char			 line[512], date[64];
	struct tm		 tm;
	time_t			 t;

	pg_clear(pg);
	pg->width = width;
	smerr_clear(&e);
	if (store_msg_load(app_session_store(ui_session(ui)), pg->id, &m,
	    &e) != 0) {
		pg_add(pg, smerr_msg(&e), strlen(smerr_msg(&e)), UI_C_BAD, 1);
		return;
	}
	b = ui_sig_banner(m->signature, &c);
	if (m->signer != NULL && m->signature != NULL &&
	    (strcmp(m->signature, "invalid") == 0 ||
	    strcmp(m->signature, "error") == 0))
		/* A signature that failed vouches for no one. */
		snprintf(line, sizeof(line), "%s — it claims to be from %s",
		    b, m->signer);
	else if (m->signer != NULL && m->signature != NULL &&
	    strcmp(m->signature, "none") != 0)
		snprintf(line, sizeof(line), "%s — signer %s, trust %s", b,
		    m->signer, m->trust != NULL ? m->trust : "none");
	else
		snprintf(line, sizeof(line), "%s", b);
	pg_wrap(pg, line, strlen(line), width, c);
	pg->lines[pg->n - 1].bold = 1;
	b = ui_enc_banner(m->encryption, &c);
	pg_wrap(pg, b, strlen(b), width, c);
	pg_findings(pg, m->verdict, width);
	if (m->state == STORE_MSG_PENDING)
		pg_add(pg, "(kept as received; it is decrypted again when a "
		    "matching key is imported)", 70, UI_C_WARN, 0);
	pg_add(pg, "", 0, UI_C_NORMAL, 0);
	snprintf(line, sizeof(line), "From:    %s", m->from != NULL ? m->from
	    : "(none)");
	pg_wrap(pg, line, strlen(line), width, UI_C_HEAD);
	if (m->to != NULL) {
		snprintf(line, sizeof(line), "To:      %s", m->to);
		pg_wrap(pg, line, strlen(line), width, UI_C_HEAD);
	}
	t = m->date != 0 ? m->date : m->received;
	if (t != 0 && localtime_r(&t, &tm) != NULL) {
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M %z", &tm);
		snprintf(line, sizeof(line), "Date:    %s", date);
		pg_wrap(pg, line, strlen(line), width, UI_C_HEAD);
	}
	snprintf(line, sizeof(line), "Subject: %s", m->subject != NULL ?
	    m->subject : "");
	pg_wrap(pg, line, strlen(line), width, UI_C_HEAD);
	pg_add(pg, "", 0, UI_C_NORMAL, 0);
	pg->nhead = pg->n;

	free(pg->from);
	free(pg->subject);
	free(pg->message_id);
	free(pg->text);
	free(pg->to);
	pg->from = m->from != NULL ? strdup(m->from) : NULL;
	pg->to = m->to != NULL ? strdup(m->to) : NULL;
	pg->subject = strdup(m->subject != NULL ? m->subject : "");
	pg->message_id = m->message_id != NULL ? strdup(m->message_id) : NULL;
	pg->text = strdup(m->text != NULL ? m->text : "");
	snprintf(v->title, sizeof(v->title), "%s", pg->subject != NULL ?
	    pg->subject : "");

	/* The text is sanitized again when drawn; lines split on LF. */
	for (p = m->text != NULL ? m->text : ""; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		pg_wrap(pg, p, (size_t)(nl - p), width, *p == '>' ?
		    UI_C_QUOTE : UI_C_NORMAL);
		if (*nl == '\0')
			break;
	}
	store_msg_free(m);
}

/* Reading a message marks it seen here; sync pushes the flag. */
static void
pg_mark_seen(struct ui *ui, int64_t id)
{
	struct store		*st = app_session_store(ui_session(ui));
	struct store_msg	*m = NULL;
	struct smerr		 e;
	char			*nf;

	smerr_clear(&e);
	if (store_msg_load(st, id, &m, &e) != 0)
		return;
	if (m->flags == NULL || strstr(m->flags, "\\Seen") == NULL) {
		if (asprintf(&nf, "%s%s\\Seen", m->flags != NULL ? m->flags :
		    "", m->flags != NULL && m->flags[0] != '\0' ? " " : "")
		    != -1) {
			(void)store_msg_set_local_flags(st, id, nf, &e);
			free(nf);
		}
	}
	store_msg_free(m);
}

static void
pg_draw(struct ui *ui, struct ui_view *v, int top, int rows, int cols)
{
	struct pg	*pg = v->data;
	size_t		 i;
	int		 y;

	if (pg->width != cols)
		pg_layout(ui, v, cols);
	if (pg->top + (size_t)rows > pg->n)
		pg->top = pg->n > (size_t)rows ? pg->n - (size_t)rows : 0;
	for (i = pg->top, y = top; i < pg->n && y < top + rows; i++, y++) {
		attrset(COLOR_PAIR(pg->lines[i].color) |
		    (pg->lines[i].bold ? A_BOLD : 0));
		ui_put(y, 0, cols, pg->lines[i].s, strlen(pg->lines[i].s));
	}
	attrset(A_NORMAL);
}

static void
pg_reply(struct ui *ui, struct pg *pg)
{
	struct buf	*q;
	const char	*p, *nl;
	char		*subj = NULL;

	if ((q = buf_new(0)) == NULL)
		return;
	buf_printf(q, "%s wrote:\n", pg->from != NULL ? pg->from : "someone");
	for (p = pg->text; p != NULL && *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		buf_printf(q, ">%s%.*s\n", *p == '>' ? "" : " ",
		    (int)(nl - p), p);
		if (*nl == '\0')
			break;
	}
	if (strncasecmp(pg->subject, "re:", 3) == 0)
		subj = strdup(pg->subject);
	else if (asprintf(&subj, "Re: %s", pg->subject) == -1)
		subj = NULL;
	ui_compose(ui, pg->from, subj, buf_str(q), pg->message_id);
	free(subj);
	buf_free(q);
}

static int
pg_key(struct ui *ui, struct ui_view *v, wint_t k, int fn)
{
	struct pg	*pg = v->data;
	size_t		 page = (size_t)ui_rows(ui);

	if ((k = ui_nav_key(k, fn)) == 0)
		return 1;
	switch (k) {
	case 'j':
	case '\r':
		pg->top++;
		return 0;
	case 'k':
		if (pg->top > 0)
			pg->top--;
		return 0;
	case ' ':
		pg->top += page;
		return 0;
	case '-':
	case 'b':
		pg->top = pg->top > page ? pg->top - page : 0;
		return 0;
	case 'g':
		pg->top = 0;
		return 0;
	case 'G':
		pg->top = pg->n;
		return 0;
	case 'r':
		pg_reply(ui, pg);
		return 0;
	case 'v':
		ui_push(ui, ui_parts_new(ui, pg->id));
		return 0;
	case 'i':
		return -1;
	}
	return 1;
}

static void
pg_reload(struct ui *ui, struct ui_view *v)
{
	struct pg	*pg = v->data;

	(void)ui;
	pg->width = 0;		/* laid out again on the next draw */
}

static void
pg_free(struct ui_view *v)
{
	struct pg	*pg = v->data;

	pg_clear(pg);
	free(pg->from);
	free(pg->to);
	free(pg->subject);
	free(pg->message_id);
	free(pg->text);
	free(pg);
	free(v);
}

static const struct ui_view_ops pg_ops = {
	"pager",
	" q/i:back  Space/-:page  j/k:line  r:reply  m:mail  ?:help",
	pg_draw, pg_key, pg_reload, pg_free,
};

struct ui_view *
ui_pager_new(struct ui *ui, int64_t id)
{
	struct ui_view	*v;
	struct pg	*pg;

	if ((v = calloc(1, sizeof(*v))) == NULL ||
	    (pg = calloc(1, sizeof(*pg))) == NULL) {
		free(v);
		return NULL;
	}
	pg->id = id;
	v->ops = &pg_ops;
	v->data = pg;
	pg_mark_seen(ui, id);
	return v;
}
