/*
 * The small list screens: folders, the key store, the parts of a message,
 * the outbox, the postponed drafts and the help text. Each is a list of
 * lines with a cursor; Enter acts on the line.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "base/vec.h"
#include "store/store.h"
#include "keys/keys.h"
#include "app/app.h"
#include "app/mailcap.h"
#include "ui/ui_int.h"

struct ls_item {
	char		*text;
	char		*key;		/* folder name, part's file name, or NULL */
	char		*acct;		/* a folder's account, or NULL */
	enum ui_color	 color;
	int64_t		 id;		/* outbox entry or draft, or 0 */
};

struct ls {
	struct ls_item	*items;
	size_t		 n, cap;
	size_t		 cur, top;
	int		 kind;		/* LS_FOLDERS, LS_KEYS, ... */
	int64_t		 msg;		/* LS_PARTS, LS_SOURCE: whose */
	char		*acct;		/* LS_OUTBOX, LS_DRAFTS: whose */
	const struct app_config *cfg;
	char		*output;	/* LS_OUTPUT: a viewer's text */
	int		 width;		/* a text: the width it was wrapped at */
	struct keys	*keys;		/* LS_KEYS: the key store */
	struct store	*st;		/* LS_KEYS: revocations */
};

enum { LS_FOLDERS, LS_KEYS, LS_PARTS, LS_HELP, LS_OUTBOX, LS_DRAFTS,
    LS_SOURCE, LS_OUTPUT };

static struct ui_view	*ui_source_new(struct ui *, int64_t);

/* Lists that are only text to scroll, without a cursor. */
#define LS_TEXT(ls)	((ls)->kind == LS_HELP || (ls)->kind == LS_SOURCE || \
			    (ls)->kind == LS_OUTPUT)
/* What a copiousoutput viewer may show of one part. */
#define LS_OUTPUT_MAX	(16 * 1024 * 1024)

static int
ls_add(struct ls *ls, const char *text, const char *key, enum ui_color c)
{
	struct ls_item	*it;

	if (vec_reserve(&ls->items, &ls->cap, ls->n, sizeof(*ls->items)) != 0)
		return SMERR_NOMEM;
	it = &ls->items[ls->n];
	it->text = strdup(text);
	it->key = key != NULL ? strdup(key) : NULL;
	it->color = c;
	it->id = 0;
	it->acct = NULL;
	if (it->text == NULL || (key != NULL && it->key == NULL)) {
		free(it->text);
		free(it->key);
		return SMERR_NOMEM;
	}
	ls->n++;
	return 0;
}

static void
ls_clear(struct ls *ls)
{
	size_t	i;

	/* A line may be of a message or of what a viewer made of it. */
	for (i = 0; i < ls->n; i++) {
		secmem_strfree(ls->items[i].text);
		free(ls->items[i].key);
		free(ls->items[i].acct);
	}
	free(ls->items);
	ls->items = NULL;
	ls->n = ls->cap = 0;
}

struct folder_walk {
	struct ls	*ls;
	struct store	*st;
	const struct app_config *cfg;
	char		 acct[128];	/* whose folders are being listed */
	int		*seen;		/* per account: its heading is listed */
	int64_t		*nout, *ndraft;	/* per account: outbox, drafts */
};

/* Whether an entry of account (see app_queue_owner) is one list ls shows. */
static int
queue_shown(const struct ls *ls, const char *account, const void *draft,
    size_t len)
{
	const struct app_account	*a;

	if (ls->acct == NULL)
		return 1;
	a = app_queue_owner(ls->cfg, account, draft, len);
	return a != NULL && strcmp(a->name, ls->acct) == 0;
}

static int
count_outbox_cb(const struct store_outbox *o, void *arg)
{
	struct folder_walk		*w = arg;
	const struct app_account	*a;

	if (!o->sent && (a = app_queue_owner(w->cfg, o->account, NULL, 0)) !=
	    NULL)
		w->nout[a - w->cfg->accounts]++;
	return 0;
}

static int
count_draft_cb(const struct store_draft *d, void *arg)
{
	struct folder_walk		*w = arg;
	const struct app_account	*a;

	if ((a = app_queue_owner(w->cfg, d->account, d->body, d->body_len)) !=
	    NULL)
		w->ndraft[a - w->cfg->accounts]++;
	return 0;
}

/*
 * The outbox and drafts lines of the account named w->acct, apart from
 * the server's folders (which may have a "Drafts" of their own), under
 * a heading short enough for the narrowest screen.
 */
static int
queue_lines(struct folder_walk *w)
{
	const struct app_account	*a;
	struct ls			*ls = w->ls;
	char				 line[300];
	const char			*what[2] = { "outbox", "drafts" };
	const char			*why[2] = { "(messages not yet sent)",
					    "(postponed, kept here; R in the "
					    "index)" };
	int64_t				 n;
	int				 i;

	if ((a = app_config_account(w->cfg, w->acct)) == NULL)
		return 0;
	if (ls_add(ls, "  on this machine only:", NULL, UI_C_HEAD) != 0 ||
	    (ls->items[ls->n - 1].acct = strdup(a->name)) == NULL)
		return SMERR_NOMEM;
	for (i = 0; i < 2; i++) {
		n = (i == 0 ? w->nout : w->ndraft)[a - w->cfg->accounts];
		snprintf(line, sizeof(line), "    %-26s %6lld  %s", what[i],
		    (long long)n, why[i]);
		if (ls_add(ls, line, what[i], UI_C_WARN) != 0 ||
		    (ls->items[ls->n - 1].acct = strdup(a->name)) == NULL)
			return SMERR_NOMEM;
	}
	return 0;
}

/*
 * A new account's heading, after the outbox and drafts of the last; a
 * lone account not synced yet has none, so the cursor starts on INBOX.
 */
static int
folder_heading(struct folder_walk *w, const char *account)
{
	const struct app_account	*a;
	int				 r;

	if (w->acct[0] != '\0' && (r = queue_lines(w)) != 0)
		return r;
	snprintf(w->acct, sizeof(w->acct), "%s", account);
	if ((a = app_config_account(w->cfg, account)) != NULL)
		w->seen[a - w->cfg->accounts] = 1;
	if (w->ls->n == 0 && w->cfg->naccounts == 1 && a != NULL)
		return 0;
	if ((r = ls_add(w->ls, account, NULL, UI_C_HEAD)) != 0 ||
	    (w->ls->items[w->ls->n - 1].acct = strdup(account)) == NULL)
		return r != 0 ? r : SMERR_NOMEM;
	return 0;
}

/* The folders grouped by account, each with its count and unread count. */
static int
folder_cb(const struct store_folder *f, void *arg)
{
	struct folder_walk	*w = arg;
	struct smerr		 e;
	int64_t			 n = 0, unread = 0;
	char			 line[300], un[40], *shown;
	int			 r, pad;

	if (strcmp(w->acct, f->account) != 0 &&
	    (r = folder_heading(w, f->account)) != 0)
		return r;
	smerr_clear(&e);
	(void)store_msg_count(w->st, f->id, &n, &e);
	(void)store_msg_unread(w->st, f->id, &unread, &e);
	un[0] = '\0';
	if (unread > 0)
		snprintf(un, sizeof(un), "  %lld unread", (long long)unread);
	/* The name as the reader reads it; the key is the IMAP name. */
	if ((shown = app_folder_shown(f->name)) == NULL)
		return SMERR_NOMEM;
	pad = 28 - ui_width(shown);
	snprintf(line, sizeof(line), "  %s%*s %6lld%s", shown,
	    pad > 0 ? pad : 0, "", (long long)n, un);
	free(shown);
	if ((r = ls_add(w->ls, line, f->name, unread > 0 ? UI_C_GOOD :
	    UI_C_NORMAL)) != 0)
		return r;
	if ((w->ls->items[w->ls->n - 1].acct = strdup(f->account)) == NULL)
		return SMERR_NOMEM;
	return 0;
}

/*
 * The folders of each account under its heading, then its outbox and
 * drafts; an account not synced yet shows its INBOX.
 */
static void
folders_load(struct ui *ui, struct ls *ls)
{
	struct folder_walk	w;
	struct smerr		e;
	size_t			i, n;

	memset(&w, 0, sizeof(w));
	w.ls = ls;
	w.st = app_session_store(ui_session(ui));
	w.cfg = app_session_config(ui_session(ui));
	n = w.cfg->naccounts;
	w.seen = calloc(n + 1, sizeof(*w.seen));
	w.nout = calloc(n + 1, sizeof(*w.nout));
	w.ndraft = calloc(n + 1, sizeof(*w.ndraft));
	smerr_clear(&e);
	if (w.seen == NULL || w.nout == NULL || w.ndraft == NULL)
		ui_status(ui, 1, "out of memory");
	else if (store_outbox_foreach(w.st, count_outbox_cb, &w, &e) != 0 ||
	    store_draft_foreach(w.st, 0, count_draft_cb, &w, &e) != 0 ||
	    store_folder_foreach(w.st, NULL, folder_cb, &w, &e) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	else {
		if (w.acct[0] != '\0')
			(void)queue_lines(&w);
		for (i = 0; i < n; i++) {
			if (w.seen[i])
				continue;
			w.acct[0] = '\0';
			if (folder_heading(&w, w.cfg->accounts[i].name) != 0)
				break;
			if (ls_add(ls, "  INBOX", "INBOX", UI_C_NORMAL) == 0)
				ls->items[ls->n - 1].acct =
				    strdup(w.cfg->accounts[i].name);
			(void)queue_lines(&w);
		}
	}
	if (ls->n == 0)
		ls_add(ls, "INBOX", "INBOX", UI_C_NORMAL);
	free(w.seen);
	free(w.nout);
	free(w.ndraft);
}

static int
outbox_cb(const struct store_outbox *o, void *arg)
{
	struct ls	*ls = arg;
	char		 line[700];
	enum ui_color	 c;

	if (o->sent || !queue_shown(ls, o->account, NULL, 0))
		return 0;
	snprintf(line, sizeof(line), "%4lld  %-8s  %-24.24s  %s%s%s%s",
	    (long long)o->id, o->state, o->recipients != NULL ?
	    o->recipients : "", o->subject != NULL ? o->subject : "",
	    o->error != NULL ? "  [" : "", o->error != NULL ? o->error : "",
	    o->error != NULL ? "]" : "");
	c = strcmp(o->state, STORE_OB_INDOUBT) == 0 ? UI_C_BAD :
	    o->error != NULL ? UI_C_WARN : UI_C_NORMAL;
	if (ls_add(ls, line, o->state, c) != 0)
		return SMERR_NOMEM;
	ls->items[ls->n - 1].id = o->id;
	return 0;
}

static int
draft_cb(const struct store_draft *d, void *arg)
{
	struct ls	*ls = arg;
	char		 line[700], date[32], files[32] = "";
	char		*to, *subj;
	int		 r;

	if (!queue_shown(ls, d->account, d->body, d->body_len))
		return 0;
	to = app_draft_field(d->body, d->body_len, "To");
	subj = app_draft_field(d->body, d->body_len, "Subject");
	ui_date(date, sizeof(date), d->updated);
	if (d->nfiles > 0)
		snprintf(files, sizeof(files), "%zu file%s", d->nfiles,
		    d->nfiles == 1 ? "" : "s");
	snprintf(line, sizeof(line), "%4lld  %-10s  %-8s  %-24.24s  %s%s%s%s",
	    (long long)d->id, date, files, to != NULL ? to : "",
	    subj != NULL ? subj :
	    "", d->reason != NULL ? "  [" : "", d->reason != NULL ? d->reason :
	    "", d->reason != NULL ? "]" : "");
	free(to);
	free(subj);
	if ((r = ls_add(ls, line, NULL, UI_C_NORMAL)) == 0)
		ls->items[ls->n - 1].id = d->id;
	return r;
}

/* The text of outbox entry id as written, when it was kept. */
struct source_find {
	struct buf	*text;
	int		 found;
};

static int
source_cb(const struct store_outbox *o, void *arg)
{
	struct source_find	*f = arg;

	f->found = 1;
	if (o->source != NULL && (f->text = buf_new_secret(0)) != NULL &&
	    buf_put(f->text, o->source, o->source_len) != 0) {
		buf_free(f->text);
		f->text = NULL;
	}
	return 1;
}

static struct buf *
outbox_source(struct ui *ui, int64_t id)
{
	struct source_find	f;
	struct smerr		e;

	memset(&f, 0, sizeof(f));
	smerr_clear(&e);
	if (store_outbox_get(app_session_store(ui_session(ui)), id, source_cb,
	    &f, &e) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	else if (f.found && f.text == NULL)
		ui_status(ui, 1, "message %lld was queued before its text was "
		    "kept: y retries it, nothing else", (long long)id);
	else if (!f.found)
		ui_status(ui, 1, "message %lld is no longer in the outbox",
		    (long long)id);
	return f.text;
}

struct text_row {
	struct ls	*ls;
	const char	*gutter;
};

static void
text_row_cb(const char *s, size_t len, void *arg)
{
	struct text_row	*t = arg;
	char		*line;

	if (asprintf(&line, "%s%.*s", t->gutter, (int)len, s) == -1)
		return;
	ls_add(t->ls, line, NULL, UI_C_NORMAL);
	free(line);
}

/*
 * The rows of the len bytes of text at p, its lines wrapped (ui_wrap) at
 * cols, so that none is cut; each row after gutter: a viewer's text stands
 * behind one, as the pager's text does, so that none of it starts at the
 * left edge where the pager's verdict strip stands.
 */
static void
text_lines(struct ls *ls, const char *p, size_t len, const char *gutter,
    int cols)
{
	struct text_row	 t = { ls, gutter };
	const char	*nl, *end = p + len;
	size_t		 n;

	ls->width = cols;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		ui_wrap(p, n, cols - ui_width(gutter), 0, text_row_cb, &t);
	}
}

/* One line per line of a queued message's text. */
static void
source_load(struct ui *ui, struct ls *ls, int cols)
{
	struct buf	*t;

	if ((t = outbox_source(ui, ls->msg)) == NULL)
		return;
	text_lines(ls, buf_str(t), buf_len(t), "", cols);
	buf_free(t);
}

/* 1 when identity c is the one that signs mail from its first address. */
static int
key_signs(struct keys *k, const struct keys_cert *c)
{
	char	 addr[321];
	uint8_t	*der = NULL;
	size_t	 len;
	int64_t	 id = -1;

	if (k == NULL || c->kind != KEYS_IDENTITY || c->emails == NULL)
		return 0;
	snprintf(addr, sizeof(addr), "%.*s", (int)strcspn(c->emails, ","),
	    c->emails);
	if (keys_identity_for(k, addr, &der, &len, &id, NULL) != 0)
		return 0;
	free(der);
	return id == c->id;
}

static int
key_cb(const struct keys_cert *c, void *arg)
{
	struct ls		*ls = arg;
	struct keys_certinfo	 ci;
	struct smerr		 e;
	struct tm		 tm;
	struct app_revoke_kept	 rk;
	char			 line[600], until[32] = "?";
	const char		*kind, *who;
	size_t			 cut;
	enum ui_color		 col = UI_C_NORMAL;
	int			 revoked;

	memset(&ci, 0, sizeof(ci));
	smerr_clear(&e);
	if (keys_cert_info(c->der, c->der_len, &ci, &e) == 0 &&
	    gmtime_r(&ci.not_after, &tm) != NULL)
		strftime(until, sizeof(until), "%Y-%m-%d", &tm);
	kind = c->kind == KEYS_IDENTITY ? "identity" : c->kind == KEYS_PEER ?
	    "peer" : "anchor";
	if (ci.not_after != 0 && ci.not_after < time(NULL))
		col = UI_C_WARN;
	if (c->kind == KEYS_IDENTITY)
		col = col == UI_C_WARN ? col : UI_C_GOOD;
	/* What OCSP or a CRL last said, while it holds (keys list too). */
	revoked = c->kind != KEYS_ANCHOR && app_revoke_kept(ls->st,
	    c->fingerprint, &rk) && rk.revoked;
	if (revoked)
		col = UI_C_BAD;
	who = c->emails != NULL && c->emails[0] != '\0' ? c->emails :
	    (ci.subject != NULL ? ci.subject : "?");
	/*
	 * A long name is cut (on a character's first byte), so that the
	 * columns never run together.
	 */
	cut = strlen(who) > 32 ? 31 : 32;
	while (cut > 0 && cut < strlen(who) && (who[cut] & 0xc0) == 0x80)
		cut--;
	snprintf(line, sizeof(line), "%-8s %-*.*s%s %.16s…  until %s  %s%s%s",
	    kind, strlen(who) > 32 ? 31 : 32, (int)cut, who,
	    strlen(who) > 32 ? "…" : "", c->fingerprint, until,
	    c->source != NULL ? c->source : "",
	    key_signs(ls->keys, c) ? "  signs" : "",
	    revoked ? "  REVOKED" : "");
	keys_certinfo_clear(&ci);
	/* An identity keeps its fingerprint: its certificate is not a peer. */
	return ls_add(ls, line, c->kind == KEYS_IDENTITY ? c->fingerprint :
	    NULL, col);
}

/* Peers and anchors, but not the user's own certificate a second time. */
static int
key_other_cb(const struct keys_cert *c, void *arg)
{
	struct ls	*ls = arg;
	size_t		 i;

	for (i = 0; i < ls->n; i++)
		if (ls->items[i].key != NULL &&
		    strcmp(ls->items[i].key, c->fingerprint) == 0)
			return 0;
	return key_cb(c, arg);
}

static void
keys_load(struct ui *ui, struct ls *ls)
{
	struct smerr	e;

	smerr_clear(&e);
	ls->keys = app_session_keys(ui_session(ui));
	ls->st = app_session_store(ui_session(ui));
	if (keys_foreach(app_session_keys(ui_session(ui)), KEYS_IDENTITY,
	    key_cb, ls, &e) != 0 ||
	    keys_foreach(app_session_keys(ui_session(ui)), KEYS_PEER |
	    KEYS_ANCHOR, key_other_cb, ls, &e) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	if (ls->n == 0)
		ls_add(ls, "The key store is empty. Import your identity with "
		    "'sealmail keys import FILE.p12'.", NULL, UI_C_DIM);
}

static int
part_cb(const struct app_part *p, void *arg)
{
	struct ls	*ls = arg;
	char		 line[400], *name;
	int		 r;

	snprintf(line, sizeof(line), "%3zu  %-28.28s %9zu %-5s  %s%s",
	    p->index, p->type, p->size, p->size == 1 ? "byte" : "bytes",
	    p->name != NULL ? p->name : "", p->attachment ? "  (attachment)" :
	    "");
	/* The key is the name to save it under; the index is its place. */
	if ((name = p->name != NULL ? strdup(p->name) :
	    app_part_basename(NULL, p->index)) == NULL)
		return SMERR_NOMEM;
	r = ls_add(ls, line, name, p->attachment ? UI_C_HEAD : UI_C_NORMAL);
	free(name);
	return r;
}

/*
 * Loads the message of a part list: its bytes as decrypted, or as
 * received when they could not be (not its text: a large message is
 * not held twice); NULL with e set on failure.
 */
static const uint8_t *
parts_msg(struct ui *ui, const struct ls *ls, struct store_msg **mp,
    size_t *lenp, struct smerr *e)
{
	if (store_msg_load_some(app_session_store(ui_session(ui)), ls->msg,
	    STORE_LOAD_BODY, mp, e) != 0)
		return NULL;
	*lenp = (*mp)->body != NULL ? (*mp)->body_len : (*mp)->raw_len;
	return (*mp)->body != NULL ? (*mp)->body : (*mp)->raw;
}

static void
parts_load(struct ui *ui, struct ls *ls)
{
	struct store_msg	*m = NULL;
	struct smerr		 e;
	const uint8_t		*msg;
	size_t			 len;

	smerr_clear(&e);
	if ((msg = parts_msg(ui, ls, &m, &len, &e)) == NULL ||
	    app_parts(msg, len, part_cb, ls, &e) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	store_msg_free(m);
	if (ls->n == 0)
		ls_add(ls, "No part of this message can be saved.", NULL,
		    UI_C_DIM);
}

/* Saves the part under the cursor to a file the reader names. */
static void
parts_save(struct ui *ui, struct ls *ls)
{
	struct store_msg	*m = NULL;
	struct smerr		 e;
	const char		*dflt = ls->items[ls->cur].key;
	const uint8_t		*msg;
	char			 q[300], *ans, *path;
	size_t			 idx = ls->cur + 1, len, n;
	int			 over;

	if (dflt == NULL)
		return;			/* the line saying there is none */
	snprintf(q, sizeof(q), "Save part %zu as (Enter: %s): ", idx, dflt);
	if ((ans = ui_prompt_complete(ui, q, NULL, ui_complete_file,
	    NULL)) == NULL) {
		ui_status(ui, 0, "not saved");
		return;
	}
	path = ui_save_target(ui, ans, dflt, &over);
	free(ans);
	if (path == NULL)
		return;
	smerr_clear(&e);
	if ((msg = parts_msg(ui, ls, &m, &len, &e)) == NULL ||
	    app_part_save(msg, len, idx, path, over, &n, &e) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	else
		ui_status(ui, 0, "saved %zu byte%s to %s", n, n == 1 ? "" :
		    "s", path);
	free(path);
	store_msg_free(m);
}

/* |: the part under the cursor, decoded, to a command (mutt's pipe-entry). */
static void
parts_pipe(struct ui *ui, struct ls *ls)
{
	struct store_msg	*m = NULL;
	struct buf		*b = NULL;
	struct smerr		 e;
	const uint8_t		*msg;
	char			 q[64], *cmd;
	size_t			 idx = ls->cur + 1, len;
	int			 r;

	if (ls->items[ls->cur].key == NULL)
		return;			/* the line saying there is none */
	snprintf(q, sizeof(q), "Pipe part %zu to command: ", idx);
	if ((cmd = ui_prompt(ui, q)) == NULL || cmd[0] == '\0') {
		ui_status(ui, 0, "not piped");
		free(cmd);
		return;
	}
	smerr_clear(&e);
	if ((msg = parts_msg(ui, ls, &m, &len, &e)) == NULL ||
	    app_part_decoded(msg, len, idx, &b, &e) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	else {
		/* The message goes before the command runs; the part stays. */
		store_msg_free(m);
		m = NULL;
		r = ui_run_sh(ui, cmd, buf_data(b), buf_len(b), 1);
		ui_status(ui, r != 0, "the command exited with %d", r);
	}
	buf_free(b);
	store_msg_free(m);
	free(cmd);
}

static struct ui_view	*output_new(struct ui *, size_t, const char *,
			    char *);

/*
 * Shows the part under the cursor through its mailcap entry: the text of
 * a copiousoutput entry in a view of its own, any other viewer on the
 * terminal (the screen comes back when it ends). Its copy of the part is
 * removed either way.
 */
static void
parts_view(struct ui *ui, struct ls *ls)
{
	struct store_msg	*m = NULL;
	struct mailcap		*mc = NULL;
	struct app_viewer	 vw;
	struct buf		*out = NULL;
	struct smerr		 e;
	const uint8_t		*msg;
	size_t			 idx = ls->cur + 1, len;
	int			 r;

	memset(&vw, 0, sizeof(vw));
	if (ls->items[ls->cur].key == NULL)
		return;			/* the line saying there is none */
	smerr_clear(&e);
	if (mailcap_load(&mc, &e) != 0 ||
	    (msg = parts_msg(ui, ls, &m, &len, &e)) == NULL ||
	    app_viewer_open(mc, msg, len, idx, &vw, &e) != 0) {
		ui_status(ui, 1, "%s", smerr_msg(&e));
		goto out;
	}
	if (vw.copious) {
		if ((out = buf_new_secret(LS_OUTPUT_MAX)) == NULL)
			ui_status(ui, 1, "out of memory");
		else if (app_viewer_output(&vw, out, &e) != 0)
			ui_status(ui, 1, "%s", smerr_msg(&e));
		else
			ui_push(ui, output_new(ui, idx, vw.type,
			    buf_take(out, NULL)));
		goto out;
	}
	r = ui_run_sh(ui, vw.cmd, NULL, 0, 0);
	ui_status(ui, r != 0, r == 0 ? "part %zu shown by its viewer" :
	    "the viewer of part %zu exited with %d", idx, r);
out:
	app_viewer_close(&vw);
	buf_free(out);
	mailcap_free(mc);
	store_msg_free(m);
}

static const char *const help_lines[] = {
	"Index",
	"  j k, arrows     move            Enter   read the message",
	"  Space -         page down/up    = G *   first/last (Home End)",
	"  / l             search every folder; limit this one (same queries)",
	"  n               the next message the last search selects (in the",
	"                  pager too)",
	"  Tab             the next unread message (in the pager too)",
	"  1-9             jump to a message by its number (type it, Enter)",
	"  t T             tag the message (t again untags); tag every one a",
	"                  query selects (the queries of /)",
	"  ;               then d s C or |: on every tagged message",
	"  D               delete every message a query selects (it asks)",
	"  o O             sort (O: reversed)",
	"  Esc v  or z     threaded (o t): collapse or expand this thread",
	"  Esc V  or Z     collapse every thread, or expand them all",
	"  c               choose a folder (outbox: messages not yet sent);",
	"                  q comes back to the folder before",
	"  R               recall a postponed draft",
	"  @               reload the index from the store (what a sync has",
	"                  stored since), on the same message",
	"Index and pager",
	"  r g L           reply; to all; to the list   f  forward",
	"  N F             toggle unread, flagged",
	"  d u             delete to Trash (in Trash: for good, it asks);",
	"                  undelete (in Trash)",
	"  s C             move, copy to a folder (Tab completes its name)",
	"  | w   v         pipe, write the message; its parts",
	"  a               the sender into the alias file",
	"Pager",
	"  Space - b j k   page, line (Space at the end: the next message);",
	"                  Enter, Backspace: a line on, back",
	"  J K             next, previous message",
	"  t               tag the message in the index, then show the next",
	"  / n             search the message's text; the next line found",
	"                  (n without a / here: the next message the index's",
	"                  search selects)",
	"  h               the whole header (encoded words decoded)   v  parts",
	"                  (Enter saves, m opens one through its mailcap",
	"                  entry, | pipes one, decoded, to a command)",
	"  V               the signer's certificate: issuers, validity,",
	"                  revocation, fingerprint, where it came from, what it",
	"                  replaced",
	"  q x i           back to the index",
	"Everywhere",
	"  m               write a message in $EDITOR (signed; encrypted when",
	"                  every recipient has a certificate, or as configured)",
	"  S or $          sync every account now, in the background",
	"  K               the key store   ?       this help",
	"  q x             back; on the first screen, quit (it asks)",
	"  Q  ^C           quit at once; quit (it asks; in a prompt: cancel)",
	"  Up Down         in a prompt: the answers given to its kind before",
	"                  (Esc cancels, ^U clears, Tab completes)",
	"  Space - = G *   in every list (folders, parts, keys, outbox,",
	"                  drafts) as in the index; in the help and other",
	"                  texts: page, top, end (j k: a line)",
	"Compose screen (after the editor)",
	"  y send  e edit  s sign  x encrypt  P postpone (a draft)",
	"  q               postpone? y keeps it as a draft, n discards it",
	"  ?               these keys, on the compose screen itself",
	"  t c b           set To, Cc, Bcc (Tab completes: aliases,",
	"                  query-command, addresses seen, certificates)",
	"  a D             attach a file (Tab completes), detach   j k select",
	"  each recipient shows where its certificate comes from: key store,",
	"  harvested from signed mail, SMIMEA (DNSSEC), or that there is none",
	"Outbox (c, then outbox)",
	"  Enter open  e edit  d delete  y retry (an in-doubt one asks first)",
	"  e and d act on the whole message, every copy of it (one per Bcc)",
	"",
	"The columns of the index: flags, signature, encryption",
	"  N  new (not read yet)           F  flagged",
	"  *  tagged (t, T), shown in the place of F",
	"  S  signed and verified: the signer is the sender, and trusted",
	"  !  BAD signature                ?  signature not trusted",
	"  M  signer is not the sender     P  only part of it is signed",
	"  X  signature not checked",
	"  E  encrypted and decrypted      U  encrypted, not decrypted",
	"  p  only part of it was encrypted",
	"",
	"The pager's verdict strip sits above the rule and never scrolls; no",
	"message can draw there. Scrolled, the status line repeats it.",
	"The margin of each line of text:",
	"  S  a signature covers the line  -  no signature covers it",
	"  ! ? M X  a signature covers it, but it failed (as in the index)",
	"  E  it came out of an envelope   -  it travelled in clear",
	"     (the second mark only for encrypted mail)",
	"  ?  which lines are covered was not recorded for this message",
	NULL,
};

/*
 * Where a help line goes on when it is wrapped: under the description,
 * after the column of keys; else two cells further in than it starts.
 */
static size_t
help_indent(const char *s)
{
	size_t	lead = strspn(s, " ");

	if (lead == 2 && strlen(s) > 18 && s[16] == ' ' && s[17] == ' ' &&
	    s[18] != ' ')
		return 18;
	return lead + 2;
}

/* The help, each line wrapped at cols (ASCII: one byte, one cell). */
static void
help_load(struct ls *ls, int cols)
{
	const char	*s;
	char		 line[256];
	size_t		 i, pre, ind, room, len, brk;
	size_t		 w = cols > 30 ? (size_t)cols : 30;
	enum ui_color	 c;

	ls->width = cols;
	for (i = 0; help_lines[i] != NULL; i++) {
		s = help_lines[i];
		c = s[0] == ' ' || s[0] == '\0' ? UI_C_NORMAL : UI_C_HEAD;
		ind = help_indent(s);
		pre = 0;
		for (;;) {
			len = strlen(s);
			room = w - pre;
			if (len <= room)
				break;
			/* At the last space that fits, or cut when none. */
			for (brk = room; brk > 0 && s[brk] != ' '; brk--)
				;
			if (brk <= strspn(s, " "))
				brk = room;
			snprintf(line, sizeof(line), "%*s%.*s", (int)pre, "",
			    (int)brk, s);
			ls_add(ls, line, NULL, c);
			s += brk + strspn(s + brk, " ");
			pre = ind;
		}
		snprintf(line, sizeof(line), "%*s%s", (int)pre, "", s);
		ls_add(ls, line, NULL, c);
	}
}

/*
 * Titles the outbox or the drafts ("outbox", or with several accounts
 * "bob: outbox") after reading them (r: how that went), and says so when
 * there was nothing to read.
 */
static void
queue_loaded(struct ui *ui, struct ui_view *v, struct ls *ls,
    const char *what, int r, const char *empty)
{
	if (ls->acct != NULL && ls->cfg->naccounts > 1)
		snprintf(v->title, sizeof(v->title), "%s: %s", ls->acct, what);
	else
		snprintf(v->title, sizeof(v->title), "%s", what);
	if (r != 0)
		ui_status(ui, 1, "cannot read the %s", what);
	if (ls->n == 0)
		ls_add(ls, empty, NULL, UI_C_DIM);
}

static void
ls_load(struct ui *ui, struct ui_view *v)
{
	struct ls	*ls = v->data;

	ls_clear(ls);
	ls->cfg = app_session_config(ui_session(ui));
	switch (ls->kind) {
	case LS_FOLDERS:
		snprintf(v->title, sizeof(v->title), "folders");
		folders_load(ui, ls);
		break;
	case LS_KEYS:
		snprintf(v->title, sizeof(v->title), "key store");
		keys_load(ui, ls);
		break;
	case LS_PARTS:
		snprintf(v->title, sizeof(v->title), "parts of message %lld",
		    (long long)ls->msg);
		parts_load(ui, ls);
		break;
	case LS_OUTBOX:
		queue_loaded(ui, v, ls, "outbox", store_outbox_foreach(
		    app_session_store(ui_session(ui)), outbox_cb, ls, NULL),
		    "The outbox is empty.");
		break;
	case LS_DRAFTS:
		queue_loaded(ui, v, ls, "drafts", store_draft_foreach(
		    app_session_store(ui_session(ui)), 0, draft_cb, ls, NULL),
		    "There are no drafts.");
		break;
	case LS_SOURCE:
		snprintf(v->title, sizeof(v->title), "outbox message %lld",
		    (long long)ls->msg);
		source_load(ui, ls, COLS);
		break;
	case LS_OUTPUT:
		if (ls->output != NULL)
			text_lines(ls, ls->output, strlen(ls->output),
			    "│ ", COLS);
		break;
	default:
		snprintf(v->title, sizeof(v->title), "help");
		help_load(ls, COLS);
	}
	if (ls->cur >= ls->n)
		ls->cur = ls->n > 0 ? ls->n - 1 : 0;
}

static void
ls_draw(struct ui *ui, struct ui_view *v, int top, int rows, int cols)
{
	struct ls	*ls = v->data;
	size_t		 i;
	int		 y, x, sel;

	/* A text is wrapped again for a new width. */
	if (LS_TEXT(ls) && ls->width != cols) {
		ls_clear(ls);
		if (ls->kind == LS_HELP)
			help_load(ls, cols);
		else if (ls->kind == LS_SOURCE)
			source_load(ui, ls, cols);
		else if (ls->output != NULL)
			text_lines(ls, ls->output, strlen(ls->output), "│ ",
			    cols);
		if (ls->cur >= ls->n)
			ls->cur = ls->top = ls->n > 0 ? ls->n - 1 : 0;
	}
	/* A text never shows rows past its end (after a resize too). */
	if (LS_TEXT(ls) && ls->top + (size_t)rows > ls->n)
		ls->cur = ls->top = ls->n > (size_t)rows ?
		    ls->n - (size_t)rows : 0;
	if (ls->cur < ls->top)
		ls->top = ls->cur;
	if (ls->cur >= ls->top + (size_t)rows)
		ls->top = ls->cur - (size_t)rows + 1;
	for (i = ls->top, y = top; i < ls->n && y < top + rows; i++, y++) {
		sel = !LS_TEXT(ls) && i == ls->cur;
		attrset(sel ? COLOR_PAIR(UI_C_SEL) :
		    COLOR_PAIR(ls->items[i].color));
		x = ui_put(y, 0, cols, ls->items[i].text,
		    strlen(ls->items[i].text));
		if (sel)
			ui_clear_to(y, x, cols);
	}
	attrset(A_NORMAL);
}

/*
 * What e learns from the copies of a message: the recipients of those
 * sent, or in doubt, one after the other; and the sign and encrypt
 * choice they were queued with, for the draft to keep.
 */
struct ob_copies {
	const struct app_config	*cfg;
	struct buf		*who;
	int			 sealed;	/* a copy went as an envelope */
	int			 sign;		/* what it is to be signed */
};

static int
copies_cb(const struct store_outbox *o, void *arg)
{
	struct ob_copies		*c = arg;
	const struct app_account	*a;
	int				 sealed, signd;
	int				 doubt = strcmp(o->state,
					    STORE_OB_INDOUBT) == 0;

	/* An envelope hides its signature: the account's own choice. */
	app_queued_protection(o->body, o->body_len, &sealed, &signd);
	if (sealed && !c->sealed) {
		a = app_config_account(c->cfg, o->account);
		c->sign = a != NULL ? a->sign : 1;
	}
	c->sealed |= sealed;
	c->sign |= signd;
	if (!o->sent && !doubt)
		return 0;
	return buf_printf(c->who, "%s%s%s", buf_len(c->who) > 0 ? ", " : "",
	    o->recipients != NULL ? o->recipients : "?", doubt ?
	    " (in doubt)" : "") != 0;
}

/*
 * Edits a queued message: its text and the files of every copy become
 * one draft again, in the same transaction that takes every copy not
 * sent out of the outbox, and the compose screen opens on it. When a
 * copy was sent (or may have been), it says to whom and asks first; the
 * draft keeps every recipient and says who already has it. A message
 * queued encrypted comes back to be encrypted, whatever the account's
 * default; any other, to the account's choice.
 */
static void
outbox_edit(struct ui *ui, int64_t id)
{
	struct store	*st = app_session_store(ui_session(ui));
	struct ob_copies c;
	struct smerr	 e;
	char		 q[400], reason[400];
	int64_t		 draft = 0;
	int		 partial;

	smerr_clear(&e);
	memset(&c, 0, sizeof(c));
	c.cfg = app_session_config(ui_session(ui));
	if ((c.who = buf_new(0)) == NULL)
		return;
	if (store_outbox_copies(st, id, copies_cb, &c, &e) != 0) {
		ui_status(ui, 1, "%s", smerr_msg(&e));
		goto out;
	}
	if ((partial = buf_len(c.who) > 0)) {
		snprintf(q, sizeof(q), "This message was already sent to "
		    "%.250s. Take back the rest as a draft? (y/N)",
		    buf_str(c.who));
		if (!ui_confirm(ui, q))
			goto out;
	}
	snprintf(reason, sizeof(reason), "taken back from the outbox%s%.300s",
	    partial ? "; already sent to " : "", partial ? buf_str(c.who) :
	    "");
	if (store_outbox_take_back(st, id, partial, reason, &draft, &e) != 0 ||
	    (c.sealed && store_draft_choice_put(st, draft, c.sign, 1, &e) !=
	    0)) {
		ui_status(ui, 1, "%s", smerr_msg(&e));
		if (draft == 0)
			goto out;
	} else if (partial)
		ui_status(ui, 1, "already sent to %.250s: the draft keeps every "
		    "recipient", buf_str(c.who));
	ui_compose_draft(ui, draft);
out:
	buf_free(c.who);
}

/* An outbox entry's state as the store has it now: STORE_OB_*, or "sent". */
static int
state_cb(const struct store_outbox *o, void *arg)
{
	const char	**statep = arg;

	*statep = o->sent ? "sent" : strcmp(o->state, STORE_OB_INDOUBT) == 0 ?
	    STORE_OB_INDOUBT : strcmp(o->state, STORE_OB_SENDING) == 0 ?
	    STORE_OB_SENDING : STORE_OB_QUEUED;
	return 1;
}

/*
 * y: sends the entry again, asked first when it is in doubt as the store
 * has it now, not as the list was drawn: another process may have been
 * cut off sending it since. One the user was not asked about goes only
 * while still queued (--if-queued), so that a cut made between this
 * look and the send is refused, not sent over.
 */
static void
outbox_retry(struct ui *ui, const struct ls_item *it)
{
	const char	*args[5], *state = NULL;
	char		 id[32];
	struct smerr	 e;
	int		 n = 0;

	smerr_clear(&e);
	if (store_outbox_get(app_session_store(ui_session(ui)), it->id,
	    state_cb, &state, &e) != 0) {
		ui_status(ui, 1, "%s", smerr_msg(&e));
		return;
	}
	if (state == NULL || strcmp(state, "sent") == 0 ||
	    strcmp(state, STORE_OB_SENDING) == 0) {
		ui_status(ui, 1, "message %lld %s", (long long)it->id,
		    state == NULL ? "is no longer in the outbox" :
		    strcmp(state, "sent") == 0 ? "was sent" : "is being sent "
		    "by another sealmail process");
		ui_refresh_all(ui);
		return;
	}
	if (strcmp(state, STORE_OB_INDOUBT) == 0 && !ui_confirm(ui,
	    "Its last submission was cut off after the server took the "
	    "message: it may have been delivered. Send it again? (y/N)"))
		return;
	snprintf(id, sizeof(id), "%lld", (long long)it->id);
	args[n++] = "outbox";
	args[n++] = "send";
	if (strcmp(state, STORE_OB_INDOUBT) != 0)
		args[n++] = "--if-queued";
	args[n++] = id;
	args[n] = NULL;
	if (ui_job(ui, "sending", args, NULL, NULL, NULL) == 0)
		ui_status(ui, 0, "sending message %s…", id);
}

static int
unsent_cb(const struct store_outbox *o, void *arg)
{
	size_t	*n = arg;

	if (!o->sent)
		(*n)++;
	return 0;
}

/* d: 1 once the user says yes. A message's copies go together. */
static int
queue_delete_ask(struct ui *ui, struct ls *ls, int64_t id)
{
	char	 q[200];
	size_t	 n = 0;

	if (ls->kind != LS_OUTBOX)
		return ui_confirm(ui, "Delete this draft? (y/N)");
	(void)store_outbox_copies(app_session_store(ui_session(ui)), id,
	    unsent_cb, &n, NULL);
	if (n > 1)
		snprintf(q, sizeof(q), "Delete this message from the outbox, "
		    "all %zu copies of it (one per Bcc recipient)? (y/N)", n);
	else
		snprintf(q, sizeof(q), "Delete this message from the outbox? "
		    "(y/N)");
	return ui_confirm(ui, q);
}

/* The keys of the outbox and the drafts: 0 handled, 1 not. */
static int
queue_key(struct ui *ui, struct ls *ls, wint_t k)
{
	struct smerr	 e;
	struct ls_item	*it;
	int64_t		 id;
	int		 r;

	if (ls->n == 0 || (it = &ls->items[ls->cur])->id == 0)
		return k == '\r' || k == '\n' || k == 'e' || k == 'd' ||
		    k == 'y' ? 0 : 1;
	id = it->id;
	smerr_clear(&e);
	if (k == 'd') {
		if (!queue_delete_ask(ui, ls, id))
			return 0;
		r = ls->kind == LS_OUTBOX ? store_outbox_delete_copies(
		    app_session_store(ui_session(ui)), id, &e) :
		    store_draft_delete(app_session_store(ui_session(ui)), id,
		    &e);
		if (r != 0)
			ui_status(ui, 1, "%s", smerr_msg(&e));
		else
			ui_status(ui, 0, "deleted");
		ui_refresh_all(ui);
		return 0;
	}
	if (ls->kind == LS_DRAFTS && (k == '\r' || k == '\n' || k == 'e')) {
		ui_pop(ui);		/* frees ls */
		ui_compose_draft(ui, id);
		ui_refresh_all(ui);
		return 0;
	}
	if (ls->kind != LS_OUTBOX)
		return 1;
	if (k == '\r' || k == '\n')
		ui_push(ui, ui_source_new(ui, id));
	else if (k == 'e') {
		outbox_edit(ui, id);
		ui_refresh_all(ui);
	} else if (k == 'y')
		outbox_retry(ui, it);
	else
		return 1;
	return 0;
}

static int
ls_key(struct ui *ui, struct ui_view *v, wint_t k, int fn)
{
	struct ls	*ls = v->data;
	size_t		 rows = ui_rows(ui) > 0 ? (size_t)ui_rows(ui) : 1;
	char		*folder, *acct;

	if ((k = ui_nav_key(k, fn)) == 0)
		return 1;
	/* A text scrolls, and stops with its last line at the bottom. */
	if (LS_TEXT(ls)) {
		if (!ui_scroll_key(k, &ls->top, ls->n, rows))
			return 1;
		ls->cur = ls->top;
		return 0;
	}
	/* A list moves, pages and jumps as the index does. */
	if (ui_cursor_key(k, &ls->cur, ls->n, rows))
		return 0;
	if (ls->kind == LS_OUTBOX || ls->kind == LS_DRAFTS)
		return queue_key(ui, ls, k);
	switch (k) {
	case 'm':
	case '|':
		if (ls->kind != LS_PARTS)
			return 1;
		if (ls->n > 0 && k == 'm')
			parts_view(ui, ls);
		else if (ls->n > 0)
			parts_pipe(ui, ls);
		return 0;
	case '\r':
	case '\n':
	case 's':
		if (ls->kind == LS_PARTS && ls->n > 0) {
			parts_save(ui, ls);
			return 0;
		}
		if (k == 's')
			return 1;
		if (ls->kind != LS_FOLDERS || ls->n == 0 ||
		    ls->items[ls->cur].key == NULL)
			return 0;
		folder = strdup(ls->items[ls->cur].key);
		acct = ls->items[ls->cur].acct != NULL ?
		    strdup(ls->items[ls->cur].acct) : NULL;
		if (folder == NULL) {
			free(acct);
			return 0;
		}
		/* The folder goes on the stack: q comes back. */
		ui_pop(ui);
		/* The outbox and the drafts are screens of their own. */
		if (strcmp(folder, "outbox") == 0)
			ui_push(ui, ui_outbox_new(ui, acct));
		else if (strcmp(folder, "drafts") == 0)
			ui_push(ui, ui_drafts_new(ui, acct));
		else
			ui_push(ui, ui_index_new(ui, acct, folder, NULL));
		free(folder);
		free(acct);
		return 0;
	}
	return 1;
}

/*
 * The account a list screen is about: the outbox's or the drafts', or in
 * the folder list that of the line under the cursor; else NULL.
 */
const char *
ui_list_view_account(const struct ui_view *v)
{
	const struct ls	*ls;

	if (v == NULL || v->ops->key != ls_key)
		return NULL;
	ls = v->data;
	if (ls->kind == LS_OUTBOX || ls->kind == LS_DRAFTS)
		return ls->acct;
	if (ls->kind == LS_FOLDERS && ls->cur < ls->n)
		return ls->items[ls->cur].acct;
	return NULL;
}

static void
ls_free(struct ui_view *v)
{
	struct ls	*ls = v->data;

	ls_clear(ls);
	secmem_strfree(ls->output);
	free(ls->acct);
}

/*
 * Every list shares the callbacks; the kind picks the name and the keys,
 * which end with ? as every screen's do (but the help's own).
 */
#define LS_OPS(name, keys)	\
	{ name, keys, ls_draw, ls_key, ls_load, ls_free }
#define LS_HELP_KEY	"  ?:help"
static const struct ui_view_ops ls_ops[] = {
	[LS_FOLDERS] = LS_OPS("folders", " q:back  Enter:open  j/k:move  "
	    "S:sync" LS_HELP_KEY),
	[LS_KEYS] = LS_OPS("keys", " q:back  j/k:move  (import with: "
	    "sealmail keys import FILE)" LS_HELP_KEY),
	[LS_PARTS] = LS_OPS("parts", " q:back  Enter or s:save to a file  "
	    "m:view (mailcap)  |:pipe  j/k:move" LS_HELP_KEY),
	[LS_OUTBOX] = LS_OPS("outbox", " q:back  Enter:open  e:edit  "
	    "d:delete  y:retry  j/k:move" LS_HELP_KEY),
	[LS_DRAFTS] = LS_OPS("drafts", " q:back  Enter:open in the compose "
	    "screen  d:delete  j/k:move" LS_HELP_KEY),
	[LS_SOURCE] = LS_OPS("outbox message", " q:back  j/k:scroll  "
	    "Space/-:page  (e in the outbox edits it)" LS_HELP_KEY),
	[LS_OUTPUT] = LS_OPS("viewer output", " q:back  j/k:scroll  "
	    "Space/-:page" LS_HELP_KEY),
	[LS_HELP] = LS_OPS("help", " q:back  j/k:scroll  Space/-:page"),
};

static struct ui_view *
ls_new(struct ui *ui, int kind, int64_t msg)
{
	struct ui_view	*v;
	struct ls	*ls;

	if ((v = ui_view_new(&ls_ops[kind], sizeof(*ls))) == NULL)
		return NULL;
	ls = v->data;
	ls->kind = kind;
	ls->msg = msg;
	ls_load(ui, v);
	return v;
}

struct ui_view *
ui_folders_new(struct ui *ui)
{
	return ls_new(ui, LS_FOLDERS, 0);
}

struct ui_view *
ui_keys_new(struct ui *ui)
{
	return ls_new(ui, LS_KEYS, 0);
}

struct ui_view *
ui_parts_new(struct ui *ui, int64_t msg)
{
	return ls_new(ui, LS_PARTS, msg);
}

/* The outbox or the drafts of account acct, or of all when NULL. */
static struct ui_view *
queue_new(struct ui *ui, int kind, const char *acct)
{
	struct ui_view	*v;
	struct ls	*ls;

	if ((v = ls_new(ui, kind, 0)) == NULL || acct == NULL)
		return v;
	ls = v->data;
	if ((ls->acct = strdup(acct)) == NULL) {
		ui_view_free(v);
		return NULL;
	}
	ls_load(ui, v);
	return v;
}

struct ui_view *
ui_outbox_new(struct ui *ui, const char *acct)
{
	return queue_new(ui, LS_OUTBOX, acct);
}

struct ui_view *
ui_drafts_new(struct ui *ui, const char *acct)
{
	return queue_new(ui, LS_DRAFTS, acct);
}

static struct ui_view *
ui_source_new(struct ui *ui, int64_t id)
{
	return ls_new(ui, LS_SOURCE, id);
}

struct ui_view *
ui_help_new(struct ui *ui)
{
	return ls_new(ui, LS_HELP, 0);
}

/* The text a copiousoutput viewer gave for part idx (takes text). */
static struct ui_view *
output_new(struct ui *ui, size_t idx, const char *type, char *text)
{
	struct ui_view	*v;

	if (text == NULL || (v = ls_new(ui, LS_OUTPUT, 0)) == NULL) {
		secmem_strfree(text);
		return NULL;
	}
	((struct ls *)v->data)->output = text;
	snprintf(v->title, sizeof(v->title), "part %zu (%s) as its viewer "
	    "shows it", idx, type);
	ls_load(ui, v);
	return v;
}
