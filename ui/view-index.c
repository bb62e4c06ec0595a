/*
 * The index: one line per message of a folder (or of a search), newest
 * last as mutt shows them. Each mark has its own column: flags (N new,
 * F flagged), then the stored S/MIME verdict's signature (S verified,
 * ! bad, ? untrusted, M signer is not the sender, P partly signed,
 * X not checked) and encryption (E decrypted, U undecryptable, p partly
 * encrypted). The columns follow the width.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "store/store.h"
#include "app/app.h"
#include "ui/ui_int.h"

struct ix_msg {
	int64_t	 id;
	int64_t	 date;
	char	*from;
	char	*subject;
	char	*flags;
	char	*signature;
	char	*encryption;
	char	*name;		/* the sender's display name, or NULL */
	int	 named;		/* name was looked for */
};

struct ix {
	char		*folder;
	char		*query;		/* NULL: the whole folder */
	struct ix_msg	*msgs;
	size_t		 n, cap;
	size_t		 cur, top;
};

static char *
dupnull(const char *s)
{
	return strdup(s != NULL ? s : "");
}

static void
ix_clear(struct ix *ix)
{
	size_t	i;

	for (i = 0; i < ix->n; i++) {
		free(ix->msgs[i].from);
		free(ix->msgs[i].subject);
		free(ix->msgs[i].flags);
		free(ix->msgs[i].signature);
		free(ix->msgs[i].encryption);
		free(ix->msgs[i].name);
	}
	free(ix->msgs);
	ix->msgs = NULL;
	ix->n = ix->cap = 0;
}

static int
ix_add(const struct store_msg *m, void *arg)
{
	struct ix	*ix = arg;
	struct ix_msg	*x;
	size_t		 ncap;

	if (ix->n == ix->cap) {
		ncap = ix->cap == 0 ? 256 : ix->cap * 2;
		if ((x = reallocarray(ix->msgs, ncap, sizeof(*x))) == NULL)
			return SMERR_NOMEM;
		ix->msgs = x;
		ix->cap = ncap;
	}
	x = &ix->msgs[ix->n];
	x->id = m->id;
	x->date = m->date != 0 ? m->date : m->received;
	x->from = dupnull(m->from);
	x->subject = dupnull(m->subject);
	x->flags = dupnull(m->flags);
	x->signature = dupnull(m->signature);
	x->encryption = dupnull(m->encryption);
	x->name = NULL;
	x->named = 0;
	if (x->from == NULL || x->subject == NULL || x->flags == NULL ||
	    x->signature == NULL || x->encryption == NULL) {
		free(x->from); free(x->subject); free(x->flags);
		free(x->signature); free(x->encryption);
		return SMERR_NOMEM;
	}
	ix->n++;
	return 0;
}

static void
ix_refresh(struct ui *ui, struct ui_view *v)
{
	struct ix	*ix = v->data;
	struct store	*st = app_session_store(ui_session(ui));
	struct smerr	 e;
	int64_t		 keep = ix->n > 0 ? ix->msgs[ix->cur].id : 0;
	size_t		 i;
	int		 r;

	ix_clear(ix);
	smerr_clear(&e);
	if (ix->query != NULL)
		r = store_search(st, ix->query, ix_add, ix, &e);
	else
		r = store_msg_foreach_name(st, ix->folder, ix_add, ix, &e);
	if (r != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	ix->cur = ix->n > 0 ? ix->n - 1 : 0;
	for (i = 0; i < ix->n; i++)
		if (ix->msgs[i].id == keep)
			ix->cur = i;
	if (ix->query != NULL)
		snprintf(v->title, sizeof(v->title), "search \"%s\" (%zu)",
		    ix->query, ix->n);
	else
		snprintf(v->title, sizeof(v->title), "%s (%zu)", ix->folder,
		    ix->n);
}

static int
has_flag(const char *flags, const char *f)
{
	size_t		 n = strlen(f);
	const char	*p = flags;

	while ((p = strstr(p, f)) != NULL) {
		if ((p == flags || p[-1] == ' ') && (p[n] == '\0' ||
		    p[n] == ' '))
			return 1;
		p += n;
	}
	return 0;
}

/*
 * The sender's display name, looked for once, when its line is first
 * drawn: the listing itself reads no message.
 */
static void
ix_name(struct ui *ui, struct ix_msg *m)
{
	struct store_msg	*sm = NULL;
	struct smerr		 e;

	if (m->named)
		return;
	m->named = 1;
	smerr_clear(&e);
	if (store_msg_load(app_session_store(ui_session(ui)), m->id, &sm,
	    &e) != 0)
		return;
	m->name = sm->body != NULL ? app_from_name(sm->body, sm->body_len) :
	    app_from_name(sm->raw, sm->raw_len);
	if (m->name != NULL && m->name[0] == '\0') {
		free(m->name);
		m->name = NULL;
	}
	store_msg_free(sm);
}

/*
 * The columns for a width: the number (when there is room), the flags
 * (N new, F flagged), the signature and encryption marks, the date, the
 * sender (a third of what is left, 12 to 30 cells), then the subject.
 */
struct ix_cols {
	int	num, date, from;
};

static void
ix_cols(int cols, struct ix_cols *c)
{
	int	rest;

	c->num = cols >= 70 ? 5 : 0;
	c->date = cols >= 40 ? 11 : 6;
	rest = cols - c->num - 7 - c->date;
	c->from = rest / 3;
	if (c->from > 30)
		c->from = 30;
	if (c->from < 12)
		c->from = rest > 24 ? 12 : rest / 2;
}

/* One cell of a column: s in width cells, then a space. */
static int
ix_cell(int y, int x, int cols, int width, const char *s)
{
	if (x >= cols || width <= 0)
		return x;
	ui_put(y, x, width < cols - x ? width : cols - x, s, strlen(s));
	return x + width;
}

static void
ix_line(int y, int cols, const struct ix_msg *m, size_t i, int sel,
    const struct ix_cols *c)
{
	enum ui_color	 sc, ec;
	char		 buf[64], sm[2] = "", em[2] = "";
	int		 x = 0;

	attrset(sel ? COLOR_PAIR(UI_C_SEL) : A_NORMAL);
	if (!has_flag(m->flags, "\\Seen") && !sel)
		attron(A_BOLD);
	if (c->num > 0) {
		snprintf(buf, sizeof(buf), "%4zu ", i + 1);
		x = ix_cell(y, x, cols, c->num, buf);
	}
	snprintf(buf, sizeof(buf), "%c%c ", has_flag(m->flags, "\\Seen") ?
	    ' ' : 'N', has_flag(m->flags, "\\Flagged") ? 'F' : ' ');
	x = ix_cell(y, x, cols, 3, buf);
	sm[0] = ui_sig_mark(m->signature, &sc);
	em[0] = ui_enc_mark(m->encryption, &ec);
	if (!sel)
		attron(COLOR_PAIR(sc) | A_BOLD);
	x = ix_cell(y, x, cols, 2, sm);
	if (!sel)
		attrset(COLOR_PAIR(ec) | A_BOLD);
	x = ix_cell(y, x, cols, 2, em);
	attrset(sel ? COLOR_PAIR(UI_C_SEL) : A_NORMAL);
	if (!has_flag(m->flags, "\\Seen") && !sel)
		attron(A_BOLD);
	ui_date(buf, sizeof(buf), m->date);
	x = ix_cell(y, x, cols, c->date, buf);
	x = ix_cell(y, x, cols, c->from, m->name != NULL ? m->name : m->from);
	if (x < cols)
		x += ui_put(y, x, cols - x, m->subject, strlen(m->subject));
	if (sel)
		ui_clear_to(y, x < cols ? x : cols, cols);
	attrset(A_NORMAL);
}

static void
ix_draw(struct ui *ui, struct ui_view *v, int top, int rows, int cols)
{
	struct ix	*ix = v->data;
	struct ix_cols	 c;
	size_t		 i;
	int		 y;

	if (ix->n == 0) {
		const char *empty = ix->query != NULL ? "No message matches." :
		    "No messages here yet. S syncs the account; m writes a "
		    "message.";

		attrset(COLOR_PAIR(UI_C_DIM));
		ui_put(top + 1, 2, cols - 2, empty, strlen(empty));
		attrset(A_NORMAL);
		return;
	}
	if (ix->cur < ix->top)
		ix->top = ix->cur;
	if (ix->cur >= ix->top + (size_t)rows)
		ix->top = ix->cur - (size_t)rows + 1;
	ix_cols(cols, &c);
	for (i = ix->top, y = top; i < ix->n && y < top + rows; i++, y++) {
		ix_name(ui, &ix->msgs[i]);
		ix_line(y, cols, &ix->msgs[i], i, i == ix->cur, &c);
	}
}

static void
ix_toggle_flag(struct ui *ui, struct ix *ix, const char *flag)
{
	struct ix_msg	*m = &ix->msgs[ix->cur];
	struct smerr	 e;
	char		*nf, *p;
	size_t		 n = strlen(flag);

	if (has_flag(m->flags, flag)) {
		if ((nf = strdup(m->flags)) == NULL)
			return;
		p = nf;
		while ((p = strstr(p, flag)) != NULL) {
			if ((p == nf || p[-1] == ' ') && (p[n] == '\0' ||
			    p[n] == ' ')) {
				memmove(p, p + n + (p[n] == ' '),
				    strlen(p + n + (p[n] == ' ')) + 1);
				break;
			}
			p += n;
		}
		n = strlen(nf);
		while (n > 0 && nf[n - 1] == ' ')
			nf[--n] = '\0';
	} else if (asprintf(&nf, "%s%s%s", m->flags, m->flags[0] != '\0' ?
	    " " : "", flag) == -1)
		return;
	smerr_clear(&e);
	if (store_msg_set_local_flags(app_session_store(ui_session(ui)),
	    m->id, nf, &e) != 0) {
		ui_status(ui, 1, "%s", smerr_msg(&e));
		free(nf);
		return;
	}
	free(m->flags);
	m->flags = nf;
}

static int
ix_key(struct ui *ui, struct ui_view *v, wint_t k, int fn)
{
	struct ix	*ix = v->data;
	size_t		 page = (size_t)ui_rows(ui);
	char		*q;

	if ((k = ui_nav_key(k, fn)) == 0)
		return 1;
	switch (k) {
	case 'j':
		if (ix->cur + 1 < ix->n)
			ix->cur++;
		return 0;
	case 'k':
		if (ix->cur > 0)
			ix->cur--;
		return 0;
	case ' ':
		ix->cur = ix->cur + page < ix->n ? ix->cur + page :
		    (ix->n > 0 ? ix->n - 1 : 0);
		return 0;
	case '-':
		ix->cur = ix->cur > page ? ix->cur - page : 0;
		return 0;
	case 'g':
		ix->cur = 0;
		return 0;
	case 'G':
		ix->cur = ix->n > 0 ? ix->n - 1 : 0;
		return 0;
	case '\r':
	case '\n':
		if (ix->n > 0)
			ui_push(ui, ui_pager_new(ui, ix->msgs[ix->cur].id));
		return 0;
	case 'N':
		if (ix->n > 0)
			ix_toggle_flag(ui, ix, "\\Seen");
		return 0;
	case 'F':
		if (ix->n > 0)
			ix_toggle_flag(ui, ix, "\\Flagged");
		return 0;
	case '/':
		if ((q = ui_prompt(ui, "Search: ")) != NULL && q[0] != '\0')
			ui_push(ui, ui_index_new(ui, ix->folder, q));
		free(q);
		return 0;
	case '@':
		ix_refresh(ui, v);
		return 0;
	}
	return 1;
}

static void
ix_free(struct ui_view *v)
{
	struct ix	*ix = v->data;

	ix_clear(ix);
	free(ix->folder);
	free(ix->query);
	free(ix);
	free(v);
}

static const struct ui_view_ops ix_ops = {
	"index",
	" q:back  Enter:read  m:mail  S:sync  /:search  c:folders  "
	    "N:unread  F:flag  K:keys  ?:help",
	ix_draw, ix_key, ix_refresh, ix_free,
};

struct ui_view *
ui_index_new(struct ui *ui, const char *folder, const char *query)
{
	struct ui_view	*v;
	struct ix	*ix;

	if ((v = calloc(1, sizeof(*v))) == NULL ||
	    (ix = calloc(1, sizeof(*ix))) == NULL) {
		free(v);
		return NULL;
	}
	v->ops = &ix_ops;
	v->data = ix;
	ix->folder = strdup(folder);
	ix->query = query != NULL ? strdup(query) : NULL;
	if (ix->folder == NULL || (query != NULL && ix->query == NULL)) {
		ix_free(v);
		return NULL;
	}
	ix_refresh(ui, v);
	return v;
}
