/*
 * The index: one line per message of a folder (or of a search), newest
 * last as mutt shows them. Each mark has its own column: flags (N new,
 * F flagged), then the stored S/MIME verdict's signature (S verified,
 * ! bad, ? untrusted, M signer is not the sender, P partly signed,
 * X not checked) and encryption (E decrypted, U undecryptable, p partly
 * encrypted). The columns follow the width.
 */
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/err.h"
#include "base/text.h"
#include "base/vec.h"
#include "store/store.h"
#include "app/app.h"
#include "app/query.h"
#include "app/thread.h"
#include "ui/ui_int.h"

/*
 * What a row shows, and what o and O order by: read when the row is
 * first drawn, or for every row when an order needs them all. One
 * allocation, its strings packed after it (msgid, irt and refs empty
 * unless the index is threaded).
 */
struct ix_info {
	int64_t		 date;
	size_t		 size;
	const char	*from, *subject, *flags, *signature, *encryption;
	const char	*msgid, *irt, *refs;
	const char	*name;		/* the display name, or "" */
	char		*flagbuf;	/* the flags after N or F, or NULL */
	int		 depth;
	char		*tree;		/* its drawing in the thread, or NULL */
	size_t		 nreplies;	/* a root's: the places under it */
	int		 collapsed;	/* a root whose replies are hidden */
	char		 text[];
};

/* One row: in order as stored, an id alone until it is drawn. */
struct ix_msg {
	int64_t		 id;
	struct ix_info	*in;		/* NULL: not read yet */
};

/* o and O: the orders, as their keys name them ("" as stored). */
static const char ix_order_keys[] = "dfszt";

struct ix {
	char		*account;	/* NULL: the folder of every account */
	char		*folder;
	char		*query;		/* NULL: the whole folder */
	struct ix_msg	*msgs;
	size_t		 n, cap;
	size_t		*rows;		/* the messages shown: indexes */
	size_t		 nrows;
	size_t		 cur, top;	/* rows */
	int		 esc;		/* Esc was pressed: v and V follow */
	int		 sent;		/* a folder of what the user sent */
	char		*limit;		/* l: the query shown, NULL: all */
	int		 order;		/* 0 as stored, else 1 + its key */
	int		 reverse;
	int		 tail;		/* show the last rows at the next draw */
	size_t		 drawn;		/* rows at the last draw */
	int64_t		*tags;		/* t, T: the ids tagged, sorted */
	size_t		 ntags, tagcap;
	int		 prefix;	/* ; was pressed: d s C | on the tags */
};

static void
ix_info_free(struct ix_info *in)
{
	if (in == NULL)
		return;
	free(in->flagbuf);
	free(in->tree);
	free(in);
}

static void
ix_clear(struct ix *ix)
{
	size_t	i;

	for (i = 0; i < ix->n; i++)
		ix_info_free(ix->msgs[i].in);
	free(ix->msgs);
	free(ix->rows);
	ix->msgs = NULL;
	ix->rows = NULL;
	ix->n = ix->cap = ix->nrows = 0;
}

/* Whether the order shown is threads: o t. */
static int
ix_threaded(const struct ix *ix)
{
	return ix->order != 0 && ix_order_keys[ix->order - 1] == 't';
}

/* "To first@addr" (with a "+" when there are more) for the column. */
static char *
to_column(const char *to)
{
	char	*s;
	size_t	 n = strcspn(to, ",");

	if (asprintf(&s, "To %.*s%s", (int)n, to, to[n] == ',' ? " +" : "") ==
	    -1)
		return NULL;
	return s;
}

/* Folders of what the user wrote: the Sent folder, drafts, the outbox. */
static int
is_sent_folder(const char *f)
{
	return strcasecmp(f, "Sent") == 0 || strcasecmp(f, "Drafts") == 0 ||
	    strncasecmp(f, "Sent ", 5) == 0 || strcasecmp(f, "outbox") == 0;
}

/*
 * Subjects are the sender's: the box-drawing characters of the tree are
 * ours alone, so that no subject draws a place in a thread it is not in.
 */
static void
ix_unbox(char *s)
{
	unsigned char	*p = (unsigned char *)s;

	/* U+2500 to U+257F are E2 94 80 to E2 95 BF. */
	for (; *p != '\0'; p++)
		if (p[0] == 0xe2 && (p[1] == 0x94 || p[1] == 0x95) &&
		    p[2] >= 0x80 && p[2] <= 0xbf) {
			memmove(p + 1, p + 3, strlen((char *)p + 3) + 1);
			*p = '-';
		}
}

#define IX_NTEXT	9

/* A row's info from its summary; refs: with what threads need. */
static struct ix_info *
ix_info_new(const struct store_msg *m, int sent, int refs)
{
	struct ix_info	*in;
	const char	*src[IX_NTEXT], **dst[IX_NTEXT];
	char		*to = NULL, *p;
	size_t		 len[IX_NTEXT], total = 0, i;

	/* In what the user sent, the column names the recipients. */
	if (sent && m->to != NULL && (to = to_column(m->to)) == NULL)
		return NULL;
	src[0] = to != NULL ? to : m->from;
	src[1] = m->subject;
	src[2] = m->flags;
	src[3] = m->signature;
	src[4] = m->encryption;
	src[5] = refs ? m->message_id : NULL;
	src[6] = refs ? m->in_reply_to : NULL;
	src[7] = refs ? m->references : NULL;
	/*
	 * The name the store keeps: no message is read to draw a row. A
	 * name with an at sign, or one drawn like it (text_find_at), could
	 * show another address than the sender's: the address is shown
	 * instead.
	 */
	src[8] = to == NULL && m->from_name != NULL &&
	    text_find_at(m->from_name, NULL) == NULL ? m->from_name : NULL;
	for (i = 0; i < IX_NTEXT; i++) {
		len[i] = src[i] != NULL ? strlen(src[i]) : 0;
		total += len[i] + 1;
	}
	if ((in = calloc(1, sizeof(*in) + total)) == NULL) {
		free(to);
		return NULL;
	}
	dst[0] = &in->from;
	dst[1] = &in->subject;
	dst[2] = &in->flags;
	dst[3] = &in->signature;
	dst[4] = &in->encryption;
	dst[5] = &in->msgid;
	dst[6] = &in->irt;
	dst[7] = &in->refs;
	dst[8] = &in->name;
	for (i = 0, p = in->text; i < IX_NTEXT; p += len[i++] + 1) {
		if (len[i] > 0)
			memcpy(p, src[i], len[i]);
		p[len[i]] = '\0';
		if (i == 1)
			ix_unbox(p);
		*dst[i] = p;
	}
	free(to);
	in->date = m->date != 0 ? m->date : m->received;
	in->size = m->size;
	return in;
}

/* A row whose info is read when it is first drawn. */
static int
ix_add_id(int64_t id, void *arg)
{
	struct ix	*ix = arg;

	if (vec_reserve(&ix->msgs, &ix->cap, ix->n, sizeof(*ix->msgs)) != 0)
		return SMERR_NOMEM;
	ix->msgs[ix->n].id = id;
	ix->msgs[ix->n++].in = NULL;
	return 0;
}

/* A row with its info, for an order that needs every row's. */
static int
ix_add(const struct store_msg *m, void *arg)
{
	struct ix	*ix = arg;

	if (ix_add_id(m->id, ix) != 0)
		return SMERR_NOMEM;
	if ((ix->msgs[ix->n - 1].in = ix_info_new(m, ix->sent,
	    ix_threaded(ix))) == NULL) {
		ix->n--;
		return SMERR_NOMEM;
	}
	return 0;
}

/* Its info's depth in a thread, and whether it is a collapsed root. */
static int
ix_depth(const struct ix_msg *m)
{
	return m->in != NULL ? m->in->depth : 0;
}

static int
ix_collapsed(const struct ix_msg *m)
{
	return m->in != NULL && m->in->collapsed;
}

/* A root with replies under it. */
static int
ix_is_thread(const struct ix_msg *m)
{
	return m->in != NULL && m->in->depth == 0 && m->in->nreplies > 0;
}

/*
 * The drawing of each message in its thread, made once per order (a
 * redraw only copies it out), and each root's count of replies.
 */
static int
ix_tree(struct ix *ix, const struct thread_pos *tp, struct smerr *e)
{
	char	**t;
	size_t	  i, root = 0;
	int	  r;

	if ((t = calloc(ix->n, sizeof(*t))) == NULL)
		return smerr_nomem(e);
	if ((r = thread_tree(tp, ix->n, t, e)) == 0)
		for (i = 0; i < ix->n; i++) {
			ix->msgs[i].in->tree = t[i];
			if (ix->msgs[i].in->depth == 0)
				root = i;
			else
				ix->msgs[root].in->nreplies++;
		}
	free(t);
	return r;
}

/* Which messages are shown: all, but the replies of collapsed threads. */
static int
ix_rows(struct ix *ix)
{
	size_t	i, *nr;
	int	hide = 0;

	if ((nr = reallocarray(ix->rows, ix->n > 0 ? ix->n : 1,
	    sizeof(*nr))) == NULL)
		return SMERR_NOMEM;
	ix->rows = nr;
	ix->nrows = 0;
	for (i = 0; i < ix->n; i++) {
		if (ix_depth(&ix->msgs[i]) == 0)
			hide = ix_collapsed(&ix->msgs[i]);
		else if (hide)
			continue;
		ix->rows[ix->nrows++] = i;
	}
	return 0;
}

/* The message on row i. */
static struct ix_msg *
ix_at(struct ix *ix, size_t i)
{
	return &ix->msgs[ix->rows[i]];
}

/*
 * Puts the messages in the order o or O chose (threads with depths):
 * every row's info is read for it.
 */
static int
ix_order(struct ix *ix, struct smerr *e)
{
	struct thread_msg	*tm = NULL;
	struct thread_pos	*tp = NULL;
	struct ix_msg		*nm = NULL;
	struct ix_info		*in;
	size_t			 i;
	int			 r = SMERR_NOMEM;

	if (ix->order == 0 || ix->n == 0)
		return 0;
	if ((tm = calloc(ix->n, sizeof(*tm))) == NULL ||
	    (tp = calloc(ix->n, sizeof(*tp))) == NULL ||
	    (nm = calloc(ix->cap, sizeof(*nm))) == NULL) {
		smerr_nomem(e);
		goto out;
	}
	for (i = 0; i < ix->n; i++) {
		in = ix->msgs[i].in;
		tm[i].id = ix->msgs[i].id;
		tm[i].message_id = in->msgid;
		tm[i].in_reply_to = in->irt;
		tm[i].references = in->refs;
		tm[i].date = (time_t)in->date;
		tm[i].from = in->from;
		tm[i].subject = in->subject;
		tm[i].size = in->size;
	}
	if ((r = ix_threaded(ix) ? thread_order(tm, ix->n, ix->reverse, tp,
	    e) : thread_sort(tm, ix->n, (enum thread_key)(ix->order - 1),
	    ix->reverse, tp, e)) != 0)
		goto out;
	for (i = 0; i < ix->n; i++) {
		nm[i] = ix->msgs[tp[i].index];
		nm[i].in->depth = tp[i].depth;
	}
	free(ix->msgs);
	ix->msgs = nm;
	nm = NULL;
	if (ix_threaded(ix))
		r = ix_tree(ix, tp, e);
out:
	free(tm);
	free(tp);
	free(nm);
	return r;
}

/*
 * The messages of a folder or of a query: as stored, their ids alone
 * (each row's info is read when it is drawn); in another order, every
 * row's info at once, which the order needs.
 */
static int
ix_select(struct store *st, struct ix *ix, const char *account,
    const char *folder, const struct store_query *q, struct smerr *e)
{
	if (ix->order == 0)
		return store_msg_query_ids(st, account, folder, q, ix_add_id,
		    ix, e);
	return store_msg_query(st, account, folder, q, ix_add, ix, e);
}

/* The messages the view shows: a search, a limited folder, or a folder. */
static int
ix_load(struct store *st, struct ix *ix, struct smerr *e)
{
	struct store_query	*q = NULL;
	char			*both = NULL;
	int			 r;

	if (ix->query == NULL && ix->limit == NULL && ix->account == NULL)
		return ix->order == 0 ? store_msg_ids_name(st, ix->folder,
		    ix_add_id, ix, e) : store_msg_foreach_name(st, ix->folder,
		    ix_add, ix, e);
	if (ix->query == NULL && ix->limit == NULL)
		return ix_select(st, ix, ix->account, ix->folder, NULL, e);
	/* A limit on a search narrows what the search found. */
	if (ix->query != NULL && ix->limit != NULL &&
	    asprintf(&both, "(%s) (%s)", ix->query, ix->limit) == -1)
		return smerr_nomem(e);
	/* Words are found through the index: it is brought up to date. */
	if ((r = store_index_rest(st, e)) == 0 &&
	    (r = app_query_parse(both != NULL ? both : ix->query != NULL ?
	    ix->query : ix->limit, &q, e)) == 0)
		r = ix_select(st, ix, ix->query != NULL ? NULL : ix->account,
		    ix->query != NULL ? NULL : ix->folder, q, e);
	app_query_free(q);
	free(both);
	return r;
}

static int
id_cmp(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The ids of the collapsed threads' roots (sorted; NULL: none). */
static int64_t *
ix_folded(const struct ix *ix, size_t *np)
{
	int64_t	*ids = NULL;
	size_t	 i;

	*np = 0;
	for (i = 0; i < ix->n; i++) {
		if (!ix_collapsed(&ix->msgs[i]))
			continue;
		if (ids == NULL && (ids = calloc(ix->n, sizeof(*ids))) == NULL)
			return NULL;
		ids[(*np)++] = ix->msgs[i].id;
	}
	if (ids != NULL)
		qsort(ids, *np, sizeof(*ids), id_cmp);
	return ids;
}

/* Collapses again, after a reload, the threads that were. */
static void
ix_refold(struct ix *ix, const int64_t *ids, size_t n)
{
	size_t	i;

	for (i = 0; i < ix->n && n > 0; i++)
		if (ix_is_thread(&ix->msgs[i]) && bsearch(&ix->msgs[i].id,
		    ids, n, sizeof(*ids), id_cmp) != NULL)
			ix->msgs[i].in->collapsed = 1;
}

static void
ix_refresh(struct ui *ui, struct ui_view *v)
{
	struct ix	*ix = v->data;
	struct store	*st = app_session_store(ui_session(ui));
	struct smerr	 e;
	int64_t		 keep = ix->nrows > 0 ? ix_at(ix, ix->cur)->id : 0;
	int64_t		*folded;
	char		*shown;
	size_t		 i, nfolded, was = ix->cur;
	int		 r;

	folded = ix_folded(ix, &nfolded);
	/*
	 * Showing the end, what comes after it is shown as it comes (until
	 * the next draw: two reloads may come before it).
	 */
	ix->tail |= ix->nrows > 0 && ix->top + ix->drawn >= ix->nrows;
	ix_clear(ix);
	smerr_clear(&e);
	if ((r = ix_load(st, ix, &e)) == 0)
		r = ix_order(ix, &e);
	if (r != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	ix_refold(ix, folded, nfolded);
	free(folded);
	if (ix_rows(ix) != 0)
		ui_status(ui, 1, "out of memory");
	/*
	 * The same message; gone (deleted, moved), the one now in its row,
	 * the next, as mutt's $resolve goes on; at first, the last.
	 */
	ix->cur = ix->nrows == 0 ? 0 : keep != 0 && was < ix->nrows ? was :
	    ix->nrows - 1;
	for (i = 0; i < ix->nrows; i++)
		if (ix_at(ix, i)->id == keep)
			ix->cur = i;
	if (ix->query != NULL)
		snprintf(v->title, sizeof(v->title), "search \"%s\" (%zu)%s%s",
		    ix->query, ix->n, ix->limit != NULL ? " limit: " : "",
		    ix->limit != NULL ? ix->limit : "");
	else {
		shown = app_folder_shown(ix->folder);
		snprintf(v->title, sizeof(v->title), "%s%s%s (%zu)%s%s",
		    ix->account != NULL ? ix->account : "",
		    ix->account != NULL ? ": " : "",
		    shown != NULL ? shown : ix->folder,
		    ix->n, ix->limit != NULL ? " limit: " : "",
		    ix->limit != NULL ? ix->limit : "");
		free(shown);
	}
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

/* Reading the info of some rows: the rows and how far it got. */
struct ix_fill {
	struct ix	*ix;
	const size_t	*at;		/* indexes into msgs */
	size_t		 n, next;
	int		 nomem;
};

static int
ix_fill_one(const struct store_msg *m, void *arg)
{
	struct ix_fill	*f = arg;
	struct ix_msg	*x;

	/* A message gone since the ids were read has no summary. */
	while (f->next < f->n && f->ix->msgs[f->at[f->next]].id != m->id)
		f->next++;
	if (f->next == f->n)
		return 1;
	x = &f->ix->msgs[f->at[f->next++]];
	if ((x->in = ix_info_new(m, f->ix->sent, 0)) == NULL) {
		f->nomem = 1;
		return 1;
	}
	return 0;
}

/* Reads the info of rows from to to (not included) not yet read. */
static void
ix_fill(struct ui *ui, struct ix *ix, size_t from, size_t to)
{
	struct ix_fill	 f;
	struct smerr	 e;
	int64_t		*ids;
	size_t		*at, i;

	if (to > ix->nrows)
		to = ix->nrows;
	if (from >= to)
		return;
	if ((ids = calloc(to - from, sizeof(*ids))) == NULL ||
	    (at = calloc(to - from, sizeof(*at))) == NULL) {
		free(ids);
		ui_status(ui, 1, "out of memory");
		return;
	}
	memset(&f, 0, sizeof(f));
	for (i = from; i < to; i++)
		if (ix_at(ix, i)->in == NULL) {
			ids[f.n] = ix_at(ix, i)->id;
			at[f.n++] = ix->rows[i];
		}
	f.ix = ix;
	f.at = at;
	smerr_clear(&e);
	if (f.n > 0 && store_msg_summaries(app_session_store(ui_session(ui)),
	    ids, f.n, ix_fill_one, &f, &e) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	else if (f.nomem)
		ui_status(ui, 1, "out of memory");
	free(ids);
	free(at);
}

/*
 * The columns for a width: the number (as wide as the last message's
 * needs, at least four digits), the flags (N new, F flagged or * tagged),
 * the signature and encryption marks, the date, the sender (a third of
 * what is left, 12 to 30 cells), then the subject.
 */
struct ix_cols {
	int	num, date, from;
};

static void
ix_cols(int cols, size_t nrows, struct ix_cols *c)
{
	int	rest;

	/* At every width: a digit jumps to the number, the pager names it. */
	for (c->num = 5; nrows >= 10000; nrows /= 10)
		c->num++;
	c->date = cols >= 40 ? 11 : 7;
	rest = cols - c->num - 7 - c->date;
	c->from = rest / 3;
	if (c->from > 30)
		c->from = 30;
	if (c->from < 12)
		c->from = rest > 24 ? 12 : rest / 2;
}

/*
 * One cell of a column: s in width - 1 cells, then a space, so that a
 * value as wide as its column, or wider, never runs into the next one.
 */
static int
ix_cell(int y, int x, int cols, int width, const char *s)
{
	if (x >= cols || width <= 1)
		return x + (width > 0 ? width : 0);
	ui_put(y, x, width - 1 < cols - x ? width - 1 : cols - x, s,
	    strlen(s));
	return x + width;
}

/* The attributes of a line's text: selected, or bold while unread. */
static void
ix_attr(const struct ix_info *m, int sel)
{
	attrset(sel ? COLOR_PAIR(UI_C_SEL) : A_NORMAL);
	if (!has_flag(m->flags, "\\Seen") && !sel)
		attron(A_BOLD);
}

static void
ix_line(int y, int cols, const struct ix_info *m, size_t i, int sel,
    int tagged, const struct ix_cols *c)
{
	enum ui_color	 sc, ec;
	char		 buf[64], sm[2] = "", em[2] = "";
	int		 x = 0;

	ix_attr(m, sel);
	if (c->num > 0) {
		snprintf(buf, sizeof(buf), "%*zu ", c->num - 1, i + 1);
		x = ix_cell(y, x, cols, c->num, buf);
	}
	/* Tagged takes the place of flagged while it lasts, as in mutt. */
	snprintf(buf, sizeof(buf), "%c%c ", has_flag(m->flags, "\\Seen") ?
	    ' ' : 'N', tagged ? '*' : has_flag(m->flags, "\\Flagged") ?
	    'F' : ' ');
	x = ix_cell(y, x, cols, 3, buf);
	sm[0] = ui_sig_mark(m->signature, &sc);
	em[0] = ui_enc_mark(m->encryption, &ec);
	if (!sel)
		attron(COLOR_PAIR(sc) | A_BOLD);
	x = ix_cell(y, x, cols, 2, sm);
	if (!sel)
		attrset(COLOR_PAIR(ec) | A_BOLD);
	x = ix_cell(y, x, cols, 2, em);
	ix_attr(m, sel);
	ui_date(buf, sizeof(buf), m->date);
	x = ix_cell(y, x, cols, c->date, buf);
	x = ix_cell(y, x, cols, c->from, m->name[0] != '\0' ? m->name :
	    m->from);
	/* Its place in the thread, drawn in a colour of its own. */
	if (m->tree != NULL && x < cols) {
		if (!sel)
			attrset(COLOR_PAIR(UI_C_DIM));
		x += ui_put(y, x, cols - x, m->tree, strlen(m->tree));
		ix_attr(m, sel);
	}
	/* A collapsed thread: how many replies it hides. */
	if (m->collapsed && m->nreplies > 0 && x < cols) {
		snprintf(buf, sizeof(buf), "(+%zu) ", m->nreplies);
		x += ui_put(y, x, cols - x, buf, strlen(buf));
	}
	if (x < cols)
		x += ui_put(y, x, cols - x, m->subject, strlen(m->subject));
	if (sel)
		ui_clear_to(y, x < cols ? x : cols, cols);
	attrset(A_NORMAL);
}

/* Whether message id is tagged (t, T). */
static int
ix_tagged(const struct ix *ix, int64_t id)
{
	return ix->ntags > 0 && bsearch(&id, ix->tags, ix->ntags,
	    sizeof(*ix->tags), id_cmp) != NULL;
}

/* Tags (on) or untags message id, the ids kept sorted. */
static int
ix_tag(struct ix *ix, int64_t id, int on)
{
	size_t	i;

	for (i = 0; i < ix->ntags && ix->tags[i] < id; i++)
		;
	if (i < ix->ntags && ix->tags[i] == id) {
		if (!on)
			memmove(&ix->tags[i], &ix->tags[i + 1],
			    (--ix->ntags - i) * sizeof(*ix->tags));
		return 0;
	}
	if (!on)
		return 0;
	if (vec_reserve(&ix->tags, &ix->tagcap, ix->ntags,
	    sizeof(*ix->tags)) != 0)
		return SMERR_NOMEM;
	memmove(&ix->tags[i + 1], &ix->tags[i], (ix->ntags - i) *
	    sizeof(*ix->tags));
	ix->tags[i] = id;
	ix->ntags++;
	return 0;
}

static void
ix_draw(struct ui *ui, struct ui_view *v, int top, int rows, int cols)
{
	struct ix	*ix = v->data;
	struct ix_cols	 c;
	size_t		 i;
	int		 y;

	if (ix->nrows == 0) {
		const char *empty = ix->query != NULL ? "No message matches." :
		    "No messages here yet. S syncs the account; m writes a "
		    "message.";

		attrset(COLOR_PAIR(UI_C_DIM));
		ui_put(top + 1, 2, cols - 2, empty, strlen(empty));
		attrset(A_NORMAL);
		return;
	}
	if (ix->tail && ix->nrows > (size_t)rows)
		ix->top = ix->nrows - (size_t)rows;
	ix->tail = 0;
	ix->drawn = (size_t)rows;
	/* Fewer rows than before (a limit): the screen stays full. */
	if (ix->top + (size_t)rows > ix->nrows)
		ix->top = ix->nrows > (size_t)rows ? ix->nrows - (size_t)rows :
		    0;
	if (ix->cur < ix->top)
		ix->top = ix->cur;
	if (ix->cur >= ix->top + (size_t)rows)
		ix->top = ix->cur - (size_t)rows + 1;
	ix_cols(cols, ix->n, &c);
	ix_fill(ui, ix, ix->top, ix->top + (size_t)rows);
	for (i = ix->top, y = top; i < ix->nrows && y < top + rows; i++,
	    y++) {
		if (ix_at(ix, i)->in == NULL)
			continue;
		ix_line(y, cols, ix_at(ix, i)->in, ix->rows[i], i == ix->cur,
		    ix_tagged(ix, ix_at(ix, i)->id), &c);
	}
}

static void
ix_toggle_flag(struct ui *ui, struct ix *ix, const char *flag)
{
	struct ix_info	*m;
	struct smerr	 e;
	char		*nf;

	ix_fill(ui, ix, ix->cur, ix->cur + 1);
	if ((m = ix_at(ix, ix->cur)->in) == NULL ||
	    (nf = ui_flags_toggle(m->flags, flag)) == NULL)
		return;
	smerr_clear(&e);
	if (store_msg_set_local_flags(app_session_store(ui_session(ui)),
	    ix_at(ix, ix->cur)->id, nf, &e) != 0) {
		ui_status(ui, 1, "%s", smerr_msg(&e));
		free(nf);
		return;
	}
	free(m->flagbuf);
	m->flags = m->flagbuf = nf;
}

/*
 * l: shows only what a query selects; empty, "all", "~A" or "." (mutt's
 * words for it): everything.
 */
static void
ix_limit(struct ui *ui, struct ui_view *v)
{
	struct ix		*ix = v->data;
	struct store_query	*q;
	struct smerr		 e;
	char			*s;

	if ((s = ui_prompt(ui, "Limit to (empty or all: everything): ")) ==
	    NULL)
		return;
	if (strcmp(s, "all") == 0 || strcmp(s, "~A") == 0 ||
	    strcmp(s, ".") == 0)
		s[0] = '\0';
	smerr_clear(&e);
	if (s[0] != '\0' && app_query_parse(s, &q, &e) != 0) {
		ui_status(ui, 1, "%s", smerr_msg(&e));
		free(s);
		return;
	}
	if (s[0] != '\0')
		app_query_free(q);
	free(ix->limit);
	ix->limit = s[0] != '\0' ? s : NULL;
	if (ix->limit == NULL)
		free(s);
	ix_refresh(ui, v);
}

/* o and O: date, from, subject, size, threads, or as stored (u). */
static void
ix_sort_key(struct ui *ui, struct ui_view *v, int reverse)
{
	struct ix	*ix = v->data;
	const char	*p;
	char		*s;

	if ((s = ui_prompt(ui, reverse ? "Reverse sort by (d)ate (f)rom "
	    "(s)ubject si(z)e (t)hreads (u)nsorted: " : "Sort by (d)ate "
	    "(f)rom (s)ubject si(z)e (t)hreads (u)nsorted: ")) == NULL)
		return;
	if (s[0] == 'u' && s[1] == '\0')
		ix->order = 0;
	else if (s[0] != '\0' && s[1] == '\0' &&
	    (p = strchr(ix_order_keys, s[0])) != NULL)
		ix->order = 1 + (int)(p - ix_order_keys);
	else {
		ui_status(ui, 1, "no such order: %s", s);
		free(s);
		return;
	}
	free(s);
	ix->reverse = reverse;
	ix_refresh(ui, v);
}

/*
 * Esc v (z): collapses the current thread to its root, or expands it;
 * Esc V (Z): collapses every thread, or expands them all when none is
 * open. The cursor goes to the current thread's root.
 */
static void
ix_fold(struct ui *ui, struct ix *ix, int all)
{
	size_t	i, root;
	int	fold = 0;

	if (!ix_threaded(ix)) {
		ui_status(ui, 1, "the index is not threaded: o t threads it");
		return;
	}
	if (ix->nrows == 0)
		return;
	for (root = ix->rows[ix->cur]; root > 0 &&
	    ix_depth(&ix->msgs[root]) > 0; root--)
		;
	if (!all)
		ix->msgs[root].in->collapsed = !ix->msgs[root].in->collapsed &&
		    ix_is_thread(&ix->msgs[root]);
	else {
		for (i = 0; i < ix->n; i++)
			if (ix_is_thread(&ix->msgs[i]) &&
			    !ix->msgs[i].in->collapsed)
				fold = 1;
		for (i = 0; i < ix->n; i++)
			if (ix->msgs[i].in != NULL)
				ix->msgs[i].in->collapsed = fold &&
				    ix_is_thread(&ix->msgs[i]);
	}
	if (ix_rows(ix) != 0) {
		ui_status(ui, 1, "out of memory");
		return;
	}
	for (i = 0; i < ix->nrows; i++)
		if (ix->rows[i] == root)
			ix->cur = i;
}

/*
 * The messages of this index's folder (or of every folder, for a search)
 * that query selects, in hit as ids, sorted; the status says why not.
 */
static int
ix_hits(struct ui *ui, struct ix *ix, const char *query, struct ix *hit)
{
	struct store		*st = app_session_store(ui_session(ui));
	struct store_query	*q = NULL;
	struct smerr		 e;
	int			 r = 0;

	memset(hit, 0, sizeof(*hit));
	smerr_clear(&e);
	if (store_index_rest(st, &e) != 0 ||
	    app_query_parse(query, &q, &e) != 0 ||
	    store_msg_query_ids(st, ix->query != NULL ? NULL : ix->account,
	    ix->query != NULL ? NULL : ix->folder, q, ix_add_id, hit,
	    &e) != 0) {
		ui_status(ui, 1, "%s", smerr_msg(&e));
		ix_clear(hit);
		r = -1;
	} else if (hit->n > 0)
		qsort(hit->msgs, hit->n, sizeof(*hit->msgs), id_cmp);
	app_query_free(q);
	return r;
}

/* Whether the message on row i is among hit's (ix_hits). */
static int
ix_hit(struct ix *ix, size_t i, const struct ix *hit)
{
	return hit->n > 0 && bsearch(&ix_at(ix, i)->id, hit->msgs, hit->n,
	    sizeof(*hit->msgs), id_cmp) != NULL;
}

/*
 * The row after row from (around to the top, as mutt's searches go) of a
 * message query selects, in *rowp: 0, or 1 when none does, -1 on an
 * error (the status line says it).
 */
static int
ix_find(struct ui *ui, struct ix *ix, const char *query, size_t from,
    size_t *rowp)
{
	struct ix	 hit;
	size_t		 i, row;
	int		 r = 1;

	if (ix_hits(ui, ix, query, &hit) != 0)
		return -1;
	for (i = 1; i <= ix->nrows; i++) {
		row = (from + i) % ix->nrows;
		if (!ix_hit(ix, row, &hit))
			continue;
		*rowp = row;
		r = 0;
		if (row <= from)
			ui_status(ui, 0, "search wrapped to the top");
		break;
	}
	ix_clear(&hit);
	return r;
}

/*
 * n: the next message the last search selects (ix_find); -1 when none
 * does, the status line saying why.
 */
static int
ix_search_next(struct ui *ui, struct ix *ix, size_t from, size_t *rowp)
{
	const char	*query = ui_search_last(ui);
	int		 r;

	if (query == NULL) {
		ui_status(ui, 0, "no search yet: / searches, then n finds "
		    "the next");
		return -1;
	}
	if ((r = ix_find(ui, ix, query, from, rowp)) == 1)
		ui_status(ui, 0, "not found: %s", query);
	return r == 0 ? 0 : -1;
}

/*
 * Tab: the next message not read yet (ix_find), as mutt's
 * next-new-then-unread; -1 when there is none, the status line saying so.
 */
static int
ix_unread_next(struct ui *ui, struct ix *ix, size_t from, size_t *rowp)
{
	int	r;

	if ((r = ix_find(ui, ix, "is:unread", from, rowp)) == 1)
		ui_status(ui, 0, "no unread message here");
	return r == 0 ? 0 : -1;
}

/*
 * The messages shown that a query asked for with question selects, into
 * ids: 0, or -1 when none was asked for or there was an error (said).
 */
static int
ix_pattern(struct ui *ui, struct ix *ix, const char *question,
    struct vec_ids *ids)
{
	struct ix	 hit;
	char		*query;
	size_t		 i;
	int		 r = 0;

	memset(ids, 0, sizeof(*ids));
	if ((query = ui_prompt(ui, question)) == NULL || query[0] == '\0' ||
	    ix_hits(ui, ix, query, &hit) != 0) {
		free(query);
		return -1;
	}
	for (i = 0; i < ix->nrows; i++)
		if (ix_hit(ix, i, &hit))
			(void)vec_ids_add(ids, ix_at(ix, i)->id);
	if (ids->oom) {
		ui_status(ui, 1, "out of memory");
		free(ids->v);
		memset(ids, 0, sizeof(*ids));
		r = -1;
	}
	ix_clear(&hit);
	free(query);
	return r;
}

/* T: tags every message shown that a query selects. */
static void
ix_tag_pattern(struct ui *ui, struct ix *ix)
{
	struct vec_ids	 ids;
	size_t		 i, n = 0;

	if (ix_pattern(ui, ix, "Tag messages matching: ", &ids) != 0)
		return;
	for (i = 0; i < ids.n; i++)
		if (!ix_tagged(ix, ids.v[i])) {
			if (ix_tag(ix, ids.v[i], 1) != 0)
				break;
			n++;
		}
	ui_status(ui, 0, "%zu message%s tagged; %zu in all", n, n == 1 ? "" :
	    "s", ix->ntags);
	free(ids.v);
}

static void	ix_tags_prune(struct ix *);

/*
 * D: deletes every message shown that a query selects, as mutt's
 * delete-pattern; asked first, as it may be many.
 */
static void
ix_delete_pattern(struct ui *ui, struct ix *ix)
{
	struct vec_ids	 ids;
	char		 q[80];

	if (ix_pattern(ui, ix, "Delete messages matching: ", &ids) != 0)
		return;
	if (ids.n == 0)
		ui_status(ui, 0, "no message shown matches");
	else {
		snprintf(q, sizeof(q), "Delete %zu message%s? (y/N)", ids.n,
		    ids.n == 1 ? "" : "s");
		if (ui_confirm(ui, q) && ui_msg_key_tagged(ui, ix->account,
		    ids.v, ids.n, 'd') == 0)
			ix_tags_prune(ix);
	}
	free(ids.v);
}

/* Keeps the tags of the messages still in the index alone. */
static void
ix_tags_prune(struct ix *ix)
{
	int64_t	*kept;
	size_t	 i, n = 0;

	if (ix->ntags == 0 || (kept = calloc(ix->ntags,
	    sizeof(*kept))) == NULL)
		return;
	for (i = 0; i < ix->n && n < ix->ntags; i++)
		if (ix_tagged(ix, ix->msgs[i].id))
			kept[n++] = ix->msgs[i].id;
	if (n > 0)
		qsort(kept, n, sizeof(*kept), id_cmp);
	free(ix->tags);
	ix->tags = kept;
	ix->ntags = n;
	ix->tagcap = ix->ntags;
}

/*
 * The key after ;: d s C | act on every tagged message. The tags of
 * messages moved away go with them.
 */
static void
ix_on_tagged(struct ui *ui, struct ix *ix, wint_t k)
{
	if (ix->ntags == 0) {
		ui_status(ui, 0, "no message is tagged: t tags one");
		return;
	}
	if (ui_msg_key_tagged(ui, ix->account, ix->tags, ix->ntags, k) != 0) {
		ui_status(ui, 0, "; takes d, s, C or | after it");
		return;
	}
	if (k == 'd' || k == 's')
		ix_tags_prune(ix);
}

/*
 * A digit: the prompt "Jump to message: " opens with it, and the number
 * the index shows for a message (ix_line) selects it.
 */
static void
ix_jump(struct ui *ui, struct ix *ix, wint_t digit)
{
	char		 first[2] = { (char)digit, '\0' }, *a, *end;
	unsigned long long num;
	size_t		 i;

	if ((a = ui_prompt_complete(ui, "Jump to message: ", first, NULL,
	    NULL)) == NULL || a[0] == '\0')
		goto out;
	errno = 0;
	num = strtoull(a, &end, 10);
	if (errno != 0 || *end != '\0' || num == 0 || a[0] == '-' ||
	    num > ix->n) {
		ui_status(ui, 1, "no message %s here: they are numbered 1 to "
		    "%zu", a, ix->n);
		goto out;
	}
	/* Rows go up with the number: a hidden one is under the last. */
	for (i = 0; i < ix->nrows && ix->rows[i] <= num - 1; i++)
		ix->cur = i;
	if (ix->rows[ix->cur] != num - 1)
		ui_status(ui, 0, "message %llu is in this collapsed thread: "
		    "Esc v opens it", num);
out:
	free(a);
}

static int
ix_key(struct ui *ui, struct ui_view *v, wint_t k, int fn)
{
	struct ix	*ix = v->data;
	size_t		 page = (size_t)ui_rows(ui);
	char		*q;

	if ((k = ui_nav_key(k, fn)) == 0)
		return 1;
	/* Esc v and Esc V, as mutt reads them: Esc then the key. */
	if (ix->esc) {
		ix->esc = 0;
		if (k == 'v' || k == 'V') {
			ix_fold(ui, ix, k == 'V');
			return 0;
		}
	}
	if (ix->prefix) {
		ix->prefix = 0;
		ix_on_tagged(ui, ix, k);
		return 0;
	}
	if (ui_cursor_key(k, &ix->cur, ix->nrows, page))
		return 0;
	switch (k) {
	case 27:
		ix->esc = 1;
		return 0;
	case 't':
		if (ix->nrows > 0 && ix_tag(ix, ix_at(ix, ix->cur)->id,
		    !ix_tagged(ix, ix_at(ix, ix->cur)->id)) == 0 &&
		    ix->cur + 1 < ix->nrows)
			ix->cur++;
		return 0;
	case 'T':
		ix_tag_pattern(ui, ix);
		return 0;
	case 'D':
		ix_delete_pattern(ui, ix);
		return 0;
	case ';':
		ix->prefix = 1;
		ui_status(ui, 0, "; d s C |: on the %zu tagged message%s",
		    ix->ntags, ix->ntags == 1 ? "" : "s");
		return 0;
	case 'z':
	case 'Z':
		ix_fold(ui, ix, k == 'Z');
		return 0;
	case '\r':
	case '\n':
		if (ix->nrows > 0)
			ui_push(ui, ui_pager_new(ui, ix_at(ix, ix->cur)->id));
		return 0;
	case 'N':
		if (ix->nrows > 0)
			ix_toggle_flag(ui, ix, "\\Seen");
		return 0;
	case 'F':
		if (ix->nrows > 0)
			ix_toggle_flag(ui, ix, "\\Flagged");
		return 0;
	case '/':
		if ((q = ui_prompt(ui, "Search: ")) != NULL && q[0] != '\0') {
			ui_search_set(ui, q);
			ui_push(ui, ui_index_new(ui, NULL, ix->folder, q));
		}
		free(q);
		return 0;
	case 'n':
		if (ix->nrows > 0)
			(void)ix_search_next(ui, ix, ix->cur, &ix->cur);
		return 0;
	case '\t':
		(void)ix_unread_next(ui, ix, ix->cur, &ix->cur);
		return 0;
	case '@':
		ix_refresh(ui, v);
		return 0;
	case 'l':
		ix_limit(ui, v);
		return 0;
	case 'o':
	case 'O':
		ix_sort_key(ui, v, k == 'O');
		return 0;
	}
	if (k >= '1' && k <= '9') {
		ix_jump(ui, ix, k);
		return 0;
	}
	if (ix->nrows == 0)
		return 1;
	return ui_msg_key(ui, ix_at(ix, ix->cur)->id, k) == 1;
}

int64_t
ui_index_step(struct ui_view *v, int64_t id, int dir)
{
	struct ix	*ix;
	size_t		 i;

	if (v == NULL || v->ops->key != ix_key)
		return 0;
	ix = v->data;
	for (i = 0; i < ix->nrows; i++) {
		if (ix_at(ix, i)->id != id)
			continue;
		if ((dir > 0 && i + 1 >= ix->nrows) || (dir < 0 && i == 0))
			return 0;
		ix->cur = dir > 0 ? i + 1 : i - 1;
		return ix_at(ix, ix->cur)->id;
	}
	return 0;
}

int64_t
ui_index_after(struct ui_view *v, int64_t id)
{
	size_t	cur;
	int64_t	next;

	if (v == NULL || v->ops->key != ix_key)
		return 0;
	cur = ((struct ix *)v->data)->cur;
	next = ui_index_step(v, id, 1);
	((struct ix *)v->data)->cur = cur;
	return next;
}

/*
 * The message next finds after id in index view v (n, Tab), which then
 * selects it; 0 when there is none or v is no index.
 */
static int64_t
ix_next_by(struct ui *ui, struct ui_view *v, int64_t id,
    int (*next)(struct ui *, struct ix *, size_t, size_t *))
{
	struct ix	*ix;
	size_t		 i, row;

	if (v == NULL || v->ops->key != ix_key)
		return 0;
	ix = v->data;
	for (i = 0; i < ix->nrows; i++)
		if (ix_at(ix, i)->id == id)
			break;
	if (i == ix->nrows || next(ui, ix, i, &row) != 0)
		return 0;
	ix->cur = row;
	return ix_at(ix, row)->id;
}

int64_t
ui_index_search(struct ui *ui, struct ui_view *v, int64_t id)
{
	return ix_next_by(ui, v, id, ix_search_next);
}

int64_t
ui_index_unread(struct ui *ui, struct ui_view *v, int64_t id)
{
	return ix_next_by(ui, v, id, ix_unread_next);
}

int
ui_index_tag(struct ui_view *v, int64_t id)
{
	struct ix	*ix;
	int		 on;

	if (v == NULL || v->ops->key != ix_key)
		return -1;
	ix = v->data;
	on = !ix_tagged(ix, id);
	return ix_tag(ix, id, on) == 0 ? on : -1;
}

int
ui_index_pos(struct ui_view *v, int64_t id, size_t *posp, size_t *np)
{
	struct ix	*ix;
	size_t		 i;

	if (v == NULL || v->ops->key != ix_key)
		return -1;
	ix = v->data;
	for (i = 0; i < ix->nrows; i++)
		if (ix_at(ix, i)->id == id) {
			*posp = ix->rows[i] + 1;
			*np = ix->n;
			return 0;
		}
	return -1;
}

const char *
ui_index_view_account(const struct ui_view *v)
{
	if (v == NULL || v->ops->key != ix_key)
		return NULL;
	return ((const struct ix *)v->data)->account;
}

static void
ix_free(struct ui_view *v)
{
	struct ix	*ix = v->data;

	ix_clear(ix);
	free(ix->tags);
	free(ix->account);
	free(ix->folder);
	free(ix->query);
	free(ix->limit);
}

static const struct ui_view_ops ix_ops = {
	"index",
	/* The most useful first: as many as the width takes are shown. */
	" q:back  Enter:read  m:mail  r/g/L:reply  d:del  s:move  /:search  "
	    "n:find next  c:folders  f:fwd  S:sync  t/T:tag  ;:on tagged  "
	    "1-9:jump  l:limit  ?:help",
	ix_draw, ix_key, ix_refresh, ix_free,
};

struct ui_view *
ui_index_new(struct ui *ui, const char *account, const char *folder,
    const char *query)
{
	struct ui_view	*v;
	struct ix	*ix;

	if ((v = ui_view_new(&ix_ops, sizeof(*ix))) == NULL)
		return NULL;
	ix = v->data;
	ix->folder = strdup(folder);
	ix->query = query != NULL ? strdup(query) : NULL;
	/* With one account the folder's name says it all. */
	if (account != NULL &&
	    app_session_config(ui_session(ui))->naccounts > 1 &&
	    (ix->account = strdup(account)) == NULL) {
		ui_view_free(v);
		return NULL;
	}
	ix->sent = query == NULL && folder != NULL && is_sent_folder(folder);
	if (ix->folder == NULL || (query != NULL && ix->query == NULL)) {
		ui_view_free(v);
		return NULL;
	}
	ix_refresh(ui, v);
	return v;
}
