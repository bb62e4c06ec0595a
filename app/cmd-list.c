/*
 * sealmail list [--json] [--folder NAME], show [--json] ID and
 * search [--json] QUERY: what the store holds, with the verdict stored
 * when the message was synced. Nothing is judged again here; every string
 * bound for the terminal or JSON is sanitized.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/text.h"
#include "base/vec.h"
#include "crypto/crypto.h"
#include "net/imap.h"
#include "store/store.h"
#include "app/app_int.h"
#include "app/mailcap.h"
#include "app/query.h"
#include "app/thread.h"

enum list_order {
	LIST_AS_STORED,
	LIST_DATE,
	LIST_FROM,
	LIST_SUBJECT,
	LIST_SIZE,
	LIST_THREAD,
	LIST_STORED_REVERSED,
};

/* One message of a listing that is ordered before it is printed. */
struct row {
	char		*out;		/* see msg_render */
	size_t		 split;
	int64_t		 id;
	time_t		 date;
	size_t		 size;
	char		*from;
	char		*subject;
	char		*message_id;
	char		*in_reply_to;
	char		*references;
};

struct lister {
	struct cli	*c;
	struct buf	*out;
	struct json_w	 w;	/* over out, with --json */
	int		 json;
	int		 named;		/* --folder given */
	size_t		 n;
	int		 err;
	enum list_order	 order;
	int		 reverse;
	const char	*account;	/* --account, else the first; NULL: all */
	struct buf	*scratch;
	struct row	*rows;
	size_t		 nrows;
	size_t		 cap;
};

/* Text from a message, sanitized for display (NULL is nothing). */
static int
put_clean(struct buf *out, const char *s)
{
	return s != NULL ? text_sanitize(out, s, strlen(s), 0) : 0;
}

/*
 * Member key: a JSON array of the items of list, split at any character
 * of seps, each sanitized for display.
 */
static void
put_array(struct json_w *w, const char *key, const char *list,
    const char *seps)
{
	const char	*p = list;
	char		*one;
	size_t		 n;

	json_arr(w, key);
	while (p != NULL && *p != '\0') {
		if ((n = strcspn(p, seps)) > 0) {
			if ((one = strndup(p, n)) == NULL) {
				json_fail(w, SMERR_NOMEM);
				return;
			}
			json_ktext(w, NULL, one);
			free(one);
		}
		p += n;
		if (*p != '\0')
			p++;
	}
	json_end(w);
}
void
cli_json_fields(struct json_w *w, const struct store_msg *m)
{
	json_ktext(w, "account", m->account);
	put_array(w, "to", m->to, ",");
	put_array(w, "cc", m->cc, ",");
	json_ktext(w, "message_id", m->message_id);
	json_ktext(w, "in_reply_to", m->in_reply_to);
	put_array(w, "references", m->references, " ");
	json_kint(w, "size", (long long)m->size);
	json_kint(w, "attachments", (long long)m->attachments);
}

void
cli_json_ids(struct json_w *w, int64_t id, const char *folder, uint32_t uid)
{
	json_kint(w, "id", (long long)id);
	json_ktext(w, "folder", folder);
	if (uid != 0)
		json_kint(w, "uid", uid);
	else
		json_knull(w, "uid");
}

/* The members of a message as list --json shows it. */
static void
msg_json(struct json_w *w, const struct store_msg *m)
{
	cli_json_ids(w, m->id, m->folder_name, m->uid);
	json_ktime(w, "date", m->date);
	json_ktext(w, "from", m->from);
	json_ktext(w, "subject", m->subject != NULL ? m->subject : "");
	put_array(w, "flags", m->flags, " ");
	json_kstr(w, "signature", m->signature != NULL ? m->signature :
	    "none");
	json_kstr(w, "encryption", m->encryption != NULL ? m->encryption :
	    "none");
	cli_json_fields(w, m);
	json_kstr(w, "trust", m->trust != NULL ? m->trust : "none");
}

/*
 * One message as printed: its JSON object without the closing brace, or
 * its line with *splitp where the subject starts (threads indent there).
 */
static int
msg_render(struct buf *b, const struct store_msg *m, int json, size_t *splitp)
{
	struct json_w	w;
	char		date[32];
	int		r = 0;

	if (json) {
		json_begin(&w, b);
		json_obj(&w, NULL);
		msg_json(&w, m);
		return json_done(&w);
	}
	(void)text_iso_time(m->date, date, sizeof(date));
	r |= buf_printf(b, "%6lld  %s  ", (long long)m->id,
	    *date != '\0' ? date : "-");
	r |= put_clean(b, m->from != NULL ? m->from : "-");
	r |= buf_puts(b, "  ");
	*splitp = buf_len(b);
	r |= put_clean(b, m->subject != NULL ? m->subject : "");
	r |= buf_printf(b, "  [%s, %s]\n", m->signature != NULL ?
	    m->signature : "none", m->encryption != NULL ?
	    m->encryption : "none");
	return r;
}

/* Listings go out in pieces, so memory stays flat on big folders. */
static int
list_flush_some(struct lister *l)
{
	if (buf_len(l->out) <= 64 * 1024)
		return 0;
	if (fwrite(buf_data(l->out), 1, buf_len(l->out), stdout) !=
	    buf_len(l->out)) {
		l->err = cli_output_failed(l->c);
		return 1;
	}
	buf_reset(l->out);
	return 0;
}

/* Counts the row just put, which failed unless r is 0, and flushes. */
static int
row_done(struct lister *l, int r)
{
	l->n++;
	if (r != 0) {
		l->err = SMERR_NOMEM;
		return 1;
	}
	return list_flush_some(l);
}

static char *
dup_opt(const char *s, int *failp)
{
	char	*d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*failp = 1;
	return d;
}

static void
rows_free(struct lister *l)
{
	size_t	i;

	for (i = 0; i < l->nrows; i++) {
		free(l->rows[i].out);
		free(l->rows[i].from);
		free(l->rows[i].subject);
		free(l->rows[i].message_id);
		free(l->rows[i].in_reply_to);
		free(l->rows[i].references);
	}
	free(l->rows);
	l->rows = NULL;
	l->nrows = l->cap = 0;
}

/* Keeps m, rendered, with what ordering needs. */
static int
row_add(struct lister *l, const struct store_msg *m)
{
	struct row	*w;
	int		 fail = 0;

	if (vec_reserve(&l->rows, &l->cap, l->nrows, sizeof(*l->rows)) != 0)
		goto nomem;
	buf_reset(l->scratch);
	w = &l->rows[l->nrows];
	memset(w, 0, sizeof(*w));
	if (msg_render(l->scratch, m, l->json, &w->split) != 0 ||
	    (w->out = strndup((const char *)buf_data(l->scratch),
	    buf_len(l->scratch))) == NULL)
		goto nomem;
	l->nrows++;
	w->id = m->id;
	w->date = m->date;
	w->size = m->size;
	w->from = dup_opt(m->from, &fail);
	w->subject = dup_opt(m->subject, &fail);
	w->message_id = dup_opt(m->message_id, &fail);
	w->in_reply_to = dup_opt(m->in_reply_to, &fail);
	w->references = dup_opt(m->references, &fail);
	if (!fail)
		return 0;
nomem:
	l->err = SMERR_NOMEM;
	return 1;
}

/* Prints row w, with its place in a thread when pos is not NULL. */
static int
row_print(struct lister *l, const struct row *w, const struct thread_pos *pos)
{
	int	r = 0, d;

	if (l->json) {
		/* The members rendered, after the object's opening brace. */
		json_obj(&l->w, NULL);
		json_raw(&l->w, w->out + 1, strlen(w->out + 1));
		if (pos != NULL) {
			json_kint(&l->w, "thread", (long long)pos->thread);
			json_kint(&l->w, "depth", pos->depth);
			if (pos->parent != 0)
				json_kint(&l->w, "parent",
				    (long long)pos->parent);
			else
				json_knull(&l->w, "parent");
		}
		json_end(&l->w);
		r = json_done(&l->w);
	} else {
		r |= buf_put(l->out, w->out, w->split);
		/* A thread's tree, as far as a line can show it. */
		for (d = 0; pos != NULL && d < pos->depth && d < 16; d++)
			r |= buf_puts(l->out, d + 1 == pos->depth ? "> " :
			    "  ");
		r |= buf_puts(l->out, w->out + w->split);
	}
	return row_done(l, r);
}

/* Orders the rows kept (--sort, --thread, --reverse) and prints them. */
static int
rows_print(struct lister *l)
{
	struct thread_msg	*tm = NULL;
	struct thread_pos	*tp = NULL;
	size_t			 i;
	int			 r = 0;

	if (l->order == LIST_STORED_REVERSED) {
		for (i = l->nrows; i > 0 && r == 0; i--)
			r = row_print(l, &l->rows[i - 1], NULL);
		return r;
	}
	if (l->nrows > 0 && ((tm = calloc(l->nrows, sizeof(*tm))) == NULL ||
	    (tp = calloc(l->nrows, sizeof(*tp))) == NULL)) {
		l->err = SMERR_NOMEM;
		r = 1;
		goto out;
	}
	for (i = 0; i < l->nrows; i++) {
		tm[i].id = l->rows[i].id;
		tm[i].message_id = l->rows[i].message_id;
		tm[i].in_reply_to = l->rows[i].in_reply_to;
		tm[i].references = l->rows[i].references;
		tm[i].date = l->rows[i].date;
		tm[i].from = l->rows[i].from;
		tm[i].subject = l->rows[i].subject;
		tm[i].size = l->rows[i].size;
	}
	if ((l->order == LIST_THREAD ? thread_order(tm, l->nrows, l->reverse,
	    tp, &l->c->err) : thread_sort(tm, l->nrows, (enum thread_key)
	    (l->order - LIST_DATE), l->reverse, tp, &l->c->err)) != 0) {
		l->err = SMERR_NOMEM;
		r = 1;
		goto out;
	}
	for (i = 0; i < l->nrows && r == 0; i++)
		r = row_print(l, &l->rows[tp[i].index], l->order ==
		    LIST_THREAD ? &tp[i] : NULL);
out:
	free(tm);
	free(tp);
	return r;
}

static int
list_cb(const struct store_msg *m, void *arg)
{
	struct lister	*l = arg;
	size_t		 split;
	int		 r = 0;

	if (l->order != LIST_AS_STORED)
		return row_add(l, m);
	if (l->json) {
		json_obj(&l->w, NULL);
		msg_json(&l->w, m);
		json_end(&l->w);
		r = json_done(&l->w);
	} else
		r = msg_render(l->out, m, 0, &split);
	return row_done(l, r);
}

static int
list_finish(struct lister *l)
{
	if (l->err == SMERR_IO)
		return SMERR_IO;	/* said by list_flush_some */
	if (l->err)
		return smerr_nomem(&l->c->err);
	if (l->json) {
		json_end(&l->w);
		if (json_done(&l->w) != 0 || buf_putc(l->out, '\n') != 0)
			return smerr_nomem(&l->c->err);
	}
	if ((buf_len(l->out) > 0 &&
	    fwrite(buf_data(l->out), 1, buf_len(l->out), stdout) !=
	    buf_len(l->out)) || fflush(stdout) != 0)
		return cli_output_failed(l->c);
	return 0;
}

struct folder_find {
	const char	*name;
	int		 found;
};

static int
folder_find_cb(const struct store_folder *f, void *arg)
{
	struct folder_find	*ff = arg;

	if (strcmp(f->name, ff->name) == 0)
		ff->found = 1;
	return ff->found;
}

/* An empty listing of a folder the store does not know is an error. */
static int
folder_check(struct cli *c, struct store *st, const char *name)
{
	struct folder_find	ff = { name, 0 };

	if (store_folder_foreach(st, NULL, folder_find_cb, &ff,
	    &c->err) != 0)
		return c->err.code;
	if (ff.found)
		return 0;
	return smerr_set(&c->err, SMERR_NOTFOUND, "no folder '%s' in the "
	    "store (sync fetches the server's folders; folder names are "
	    "the server's, e.g. INBOX)", name);
}

/* --sort's names, in the order of enum list_order from LIST_DATE. */
static const char *const sort_names[] = { "date", "from", "subject", "size" };

/* list's, and search's but for --folder, which search refuses. */
static const char list_options[] = "json folder= thread sort= reverse "
    "account=";

/* The words of a query joined by spaces into *qp (NULL when none). */
static int
query_join(int argc, char **argv, char **qp)
{
	size_t	len = 0, n;
	int	i;
	char	*q;

	*qp = NULL;
	if (argc == 0)
		return 0;
	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if ((q = malloc(len)) == NULL)
		return -1;
	for (i = 0, len = 0; i < argc; i++) {
		n = strlen(argv[i]);
		memcpy(q + len, argv[i], n);
		len += n;
		q[len++] = i + 1 < argc ? ' ' : '\0';
	}
	*qp = q;
	return 0;
}

/*
 * list's and search's options (cmd's) and query (*queryp, malloc'd, NULL
 * when there is none). -1 on a usage error.
 */
static int
parse_list_opts(const struct cli_cmd *cmd, int argc, char **argv,
    struct lister *l, const char **folderp, char **queryp)
{
	struct cli_args	 args;
	const char	*sort;
	size_t		 i;

	*queryp = NULL;
	if (cli_args_parse(cmd, argc, argv, &args) != 0 ||
	    cli_opt_has(&args, "thread") + cli_opt_has(&args, "sort") > 1)
		return -1;
	l->json = cli_opt_has(&args, "json") > 0;
	l->reverse = cli_opt_has(&args, "reverse") > 0;
	l->account = cli_opt_get(&args, "account");
	/* search takes no --folder. */
	if (folderp == NULL && cli_opt_has(&args, "folder"))
		return -1;
	if (folderp != NULL)
		*folderp = cli_opt_get(&args, "folder");
	if (cli_opt_has(&args, "thread"))
		l->order = LIST_THREAD;
	if ((sort = cli_opt_get(&args, "sort")) != NULL) {
		for (i = 0; i < 4; i++)
			if (strcmp(sort, sort_names[i]) == 0)
				break;
		if (i == 4)
			return -1;
		l->order = LIST_DATE + (int)i;
	}
	/* --reverse alone reverses the order the list has anyway. */
	if (l->reverse && l->order == LIST_AS_STORED)
		l->order = LIST_STORED_REVERSED;
	return query_join(args.argc, args.argv, queryp);
}

/*
 * Without --account: the first account's mail, if the configuration (which
 * must be loaded) has one.
 */
static void
list_first_account(struct cli *c, struct lister *l)
{
	if (l->account == NULL && c->cfg->naccounts > 0)
		l->account = c->cfg->accounts[0].name;
}

/*
 * Opens the store and prints the messages of folder (NULL: every folder)
 * that query selects (NULL: all), indexing first whatever the last sync
 * left unindexed when there is a query.
 */
static int
list_run(struct cli *c, struct lister *l, const char *folder,
    const char *query)
{
	struct store		*st = NULL;
	struct store_query	*q = NULL;
	int			 r = 1;

	l->c = c;
	if (query != NULL && app_query_parse(query, &q, &c->err) != 0) {
		if (c->err.code != SMERR_USAGE)
			return cli_fail(c);
		cli_fail(c);
		return 2;
	}
	if ((l->out = buf_new(0)) == NULL ||
	    (l->scratch = buf_new(0)) == NULL) {
		smerr_nomem(&c->err);
		goto out;
	}
	if (cli_config(c) != 0)
		goto out;
	list_first_account(c, l);
	if (l->account != NULL &&
	    app_config_account(c->cfg, l->account) == NULL) {
		cli_no_account(c, l->account);
		goto out;
	}
	if (cli_open_store(c, &st) != 0)
		goto out;
	if (q != NULL && store_index_rest(st, &c->err) != 0)
		goto out;
	json_begin(&l->w, l->out);
	if (l->json)
		json_arr(&l->w, NULL);
	if (store_msg_query(st, l->account, folder, q, list_cb, l,
	    &c->err) != 0 ||
	    (l->order != LIST_AS_STORED && l->err == 0 && rows_print(l)) ||
	    (l->named && l->n == 0 && folder != NULL &&
	    folder_check(c, st, folder) != 0) ||
	    list_finish(l) != 0)
		goto out;
	r = 0;
out:
	app_query_free(q);
	rows_free(l);
	buf_free(l->out);
	buf_free(l->scratch);
	store_close(st);
	return r == 0 ? 0 : cli_fail(c);
}

/*
 * The options list passes on to the outbox's or the drafts' own command,
 * after the n words of argv: --json, --account NAME. The new count.
 */
static int
list_queue_argv(const struct lister *l, char **argv, int n)
{
	if (l->json)
		argv[n++] = (char *)"--json";
	if (l->account != NULL) {
		argv[n++] = (char *)"--account";
		argv[n++] = (char *)l->account;
	}
	argv[n] = NULL;
	return n;
}

static int
cmd_list(struct cli *c, int argc, char **argv)
{
	struct lister	 l;
	const char	*folder = NULL;
	char		*query;
	int		 r;

	crypto_init_local();
	memset(&l, 0, sizeof(l));
	if (parse_list_opts(&cmd_list_entry, argc, argv, &l, &folder,
	    &query) != 0)
		return cli_usage(c);
	/* INBOX is there before the first sync too. */
	if (folder == NULL)
		folder = "INBOX";
	l.named = strcasecmp(folder, "INBOX") != 0;
	/*
	 * The outbox and the drafts are the first account's too; a home
	 * without a configuration still has its drafts, listed all.
	 */
	if (strcmp(folder, "outbox") == 0 || strcmp(folder, "drafts") == 0) {
		if (cli_config(c) == 0)
			list_first_account(c, &l);
		smerr_clear(&c->err);
	}
	/* The local folder "outbox" is the outbox, listed by its command. */
	if (strcmp(folder, "outbox") == 0 && query == NULL &&
	    l.order == LIST_AS_STORED) {
		char	*ov[5] = { (char *)"outbox", NULL, NULL, NULL, NULL };

		return cmd_outbox(c, list_queue_argv(&l, ov, 1), ov);
	}
	/* And "drafts" the drafts. */
	if (strcmp(folder, "drafts") == 0) {
		char	*dv[6] = { (char *)"draft", (char *)"list", NULL,
			    NULL, NULL, NULL };

		free(query);
		return cmd_draft(c, list_queue_argv(&l, dv, 2), dv);
	}
	r = list_run(c, &l, folder, query);
	free(query);
	return r;
}

const struct cli_cmd cmd_list_entry = {
	"list", cmd_list, "list [--json] [--account NAME] [--folder NAME] "
	    "[--thread | --sort date|from|subject|size] [--reverse] [QUERY]",
	"the messages of a folder (default INBOX)", list_options, CLI_WORDS
};

static int
cmd_search(struct cli *c, int argc, char **argv)
{
	struct lister	 l;
	char		*query;
	int		 r;

	crypto_init_local();
	memset(&l, 0, sizeof(l));
	if (parse_list_opts(&cmd_search_entry, argc, argv, &l, NULL,
	    &query) != 0)
		return cli_usage(c);
	if (query == NULL) {
		fprintf(stderr, "sealmail: search: a query is missing\n");
		return 2;
	}
	r = list_run(c, &l, NULL, query);
	free(query);
	return r;
}

const struct cli_cmd cmd_search_entry = {
	"search", cmd_search, "search [--json] [--account NAME] [--thread | "
	    "--sort date|from|subject|size] [--reverse] QUERY",
	"search every folder: words, from: to: subject: signer: is: "
	    "after: before:, OR, -, ( )", list_options,
	CLI_WORDS
};

/*
 * The members an older verdict lacks, as what they mean: the header shown
 * was the outer one, revocation was not checked; To, Cc and Date as the
 * store keeps them.
 */
static void
put_older(struct json_w *w, const struct store_msg *m)
{
	const char	*v = m->verdict;

	if (json_member(v, "to") == NULL)
		put_array(w, "to", m->to, ",");
	if (json_member(v, "cc") == NULL)
		put_array(w, "cc", m->cc, ",");
	if (json_member(v, "date") == NULL)
		json_ktime(w, "date", m->date);
	if (json_member(v, "header_protection") == NULL)
		json_kstr(w, "header_protection", "none");
	if (json_member(v, "revocation") == NULL)
		json_kstr(w, "revocation", "not-checked");
}

/*
 * The stored verdict's members, with the text put back in place of its
 * empty "text" member (the text is stored once, apart). A verdict kept by
 * an earlier sealmail gains the members it lacks and, first among its
 * findings, one that says what it did not check. In the verdict every
 * quote inside a string is escaped, so a member's spelling cannot occur
 * inside a value.
 */
static void
put_verdict(struct json_w *w, const struct store_msg *m)
{
	static const char	 mark[] = ",\"text\":\"\"";
	static const char	 fmark[] = "\"findings\":[";
	const char		*v = m->verdict, *end, *p, *q;
	char			 older[256];
	int			 old;

	if (v == NULL || v[0] != '{' || v[1] == '}')
		return;
	v++;
	end = v + strlen(v);
	if (end > v && end[-1] == '}')
		end--;
	if ((old = app_shown_older(m->verdict, older, sizeof(older))) != 0)
		put_older(w, m);
	if ((p = strstr(v, mark)) != NULL) {
		json_raw(w, v, (size_t)(p - v));
		json_kstr(w, "text", m->text != NULL ? m->text : "");
		v = p + sizeof(mark) - 1;
		v += *v == ',';
	}
	if (old && (p = strstr(v, fmark)) != NULL &&
	    (q = json_skip(p + sizeof(fmark) - 2)) != NULL && q <= end) {
		/* The members before it, without the comma that ends them. */
		json_raw(w, v, (size_t)(p - v) - (p > v));
		json_arr(w, "findings");
		json_kstr(w, NULL, older);
		p += sizeof(fmark) - 1;
		json_raw(w, p, (size_t)(q - 1 - p));
		json_end(w);
		v = q + (*q == ',');
	}
	json_raw(w, v, (size_t)(end - v));
}

/* An HTML message's text as the user's copiousoutput entry shows it. */
static int
show_html(struct cli *c, const struct store_msg *m, char **htmlp)
{
	struct mailcap	*mc = NULL;
	int		 r;

	*htmlp = NULL;
	if (m->body == NULL || m->text == NULL)
		return 0;
	if ((r = mailcap_load(&mc, &c->err)) == 0)
		r = app_html_mailcap(mc, m->body, m->body_len, m->text, htmlp,
		    &c->err);
	mailcap_free(mc);
	return r;
}

/* A "Warning: " line for each finding of m's verdict, made safe. */
static int
show_findings(struct cli *c, const struct store_msg *m, struct buf *out)
{
	struct app_shown	*sh = NULL;
	size_t			 i;
	int			 r = 0;

	if (app_shown_read(m->verdict, &sh, &c->err) != 0)
		return -1;
	for (i = 0; sh != NULL && i < sh->nfindings; i++) {
		r |= buf_puts(out, "Warning: ");
		r |= put_clean(out, sh->findings[i]);
		r |= buf_puts(out, "\n");
	}
	app_shown_free(sh);
	if (r != 0)
		smerr_nomem(&c->err);
	return r != 0 ? -1 : 0;
}

/*
 * The stored text of m as the pager lays it out: a part written in
 * format=flowed as its paragraphs, a line each; any other as it is.
 */
static int
show_text(struct buf *out, const struct store_msg *m)
{
	struct buf	*t;
	size_t		 n = strlen(m->text);
	int		 r;

	/* Message text: the copy is wiped. */
	if ((t = buf_new_secret(0)) == NULL)
		return SMERR_NOMEM;
	r = app_text_put(t, m->text, m->verdict, "");
	/* Each piece ends its line; the text's last line perhaps did not. */
	if (r == 0 && buf_len(t) > 0 && (n == 0 || m->text[n - 1] != '\n'))
		buf_truncate(t, buf_len(t) - 1);
	if (r == 0)
		r = text_sanitize(out, buf_data(t), buf_len(t),
		    TEXT_MULTILINE);
	buf_free(t);
	return r;
}

static int
cmd_show(struct cli *c, int argc, char **argv)
{
	struct store		*st = NULL;
	struct store_msg	*m = NULL;
	struct buf		*out = NULL;
	char			*html = NULL;
	struct json_w		 w;
	struct cli_args		 args;
	int64_t			 id;
	int			 json, r = 1;

	if (cli_args_parse(&cmd_show_entry, argc, argv, &args) != 0 ||
	    args.argc != 1 || (id = cli_parse_id(args.argv[0])) == 0)
		return cli_usage(c);
	json = cli_opt_has(&args, "json") > 0;
	if ((out = buf_new(0)) == NULL) {
		smerr_nomem(&c->err);
		goto out;
	}
	if (cli_open_store(c, &st) != 0 ||
	    store_msg_load(st, id, &m, &c->err) != 0)
		goto out;
	r = 0;
	if (json) {
		/* The stored inspect object, with id and folder before it. */
		json_begin(&w, out);
		json_obj(&w, NULL);
		cli_json_ids(&w, m->id, m->folder_name, m->uid);
		put_array(&w, "flags", m->flags, " ");
		put_verdict(&w, m);
		json_end(&w);
		r = json_done(&w);
	} else {
		r |= buf_puts(out, "From: ");
		r |= put_clean(out, m->from != NULL ? m->from : "");
		r |= buf_puts(out, "\nSubject: ");
		r |= put_clean(out, m->subject != NULL ? m->subject : "");
		r |= buf_printf(out, "\nSignature: %s", m->signature != NULL ?
		    m->signature : "none");
		if (m->signer != NULL) {
			r |= buf_puts(out, " by ");
			r |= put_clean(out, m->signer);
		}
		r |= buf_printf(out, " (trust %s)\nEncryption: %s\n",
		    m->trust != NULL ? m->trust : "none",
		    m->encryption != NULL ? m->encryption : "none");
		/* What the pager warns of, said here too. */
		if (show_findings(c, m, out) != 0) {
			r = 1;
			goto out;
		}
		r |= buf_puts(out, "\n");
		if (show_html(c, m, &html) != 0) {
			r = 1;
			goto out;
		}
		if (html != NULL)
			r |= text_sanitize(out, html, strlen(html),
			    TEXT_MULTILINE);
		else if (m->text != NULL)
			r |= show_text(out, m);
	}
	r = cli_print_built(c, out, r);
out:
	free(html);
	store_msg_free(m);
	buf_free(out);
	store_close(st);
	return r == 0 ? 0 : cli_fail(c);
}

const struct cli_cmd cmd_show_entry = {
	"show", cmd_show, "show [--json] ID",
	"a stored message and its verdict", "json", 0
};

/*
 * IMAP's system flags by their names, with or without the backslash;
 * NULL for a name that only looks like one ("\\Foo"), name itself for a
 * keyword.
 */
static const char *
flag_name(const char *name)
{
	static const char	*sys[] = { "\\Seen", "\\Flagged", "\\Answered",
				    "\\Deleted", "\\Draft" };
	size_t			 i;

	for (i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
		if (strcasecmp(name + (*name == '\\'), sys[i] + 1) == 0)
			return sys[i];
	return *name == '\\' ? NULL : name;
}

/* Applies "+FLAG", "-FLAG" or "FLAG" (add) to a space-separated list. */
static int
flag_apply(struct buf *out, const char *cur, const char *op)
{
	const char	*p = cur, *q, *name = op;
	size_t		 n, nl;
	int		 add = 1, have = 0, r = 0;

	if (*op == '+' || *op == '-') {
		add = *op == '+';
		name = op + 1;
	}
	if ((name = flag_name(name)) == NULL)
		return SMERR_INVAL;
	/*
	 * Added, as the next sync can send it; one a store made before this
	 * check holds can still be taken away.
	 */
	if (!imap_flag_ok(name, nl = strlen(name)) && add)
		return SMERR_INVAL;
	while (p != NULL && *p != '\0') {
		if (*p == ' ') {
			p++;
			continue;
		}
		q = strchr(p, ' ');
		n = q != NULL ? (size_t)(q - p) : strlen(p);
		if (n == nl && strncasecmp(p, name, n) == 0) {
			have = 1;
			if (!add) {
				p = q;
				continue;
			}
		}
		if (buf_len(out) > 0)
			r |= buf_putc(out, ' ');
		r |= buf_put(out, p, n);
		p = q;
	}
	if (add && !have) {
		if (buf_len(out) > 0)
			r |= buf_putc(out, ' ');
		r |= buf_puts(out, name);
	}
	return r;
}

static int
cmd_flag(struct cli *c, int argc, char **argv)
{
	struct store		*st = NULL;
	struct store_msg	*m = NULL;
	struct buf		*a = NULL, *b = NULL, *t;
	int64_t			 id;
	int			 i, r = 1, tx = 0;

	if (argc < 3 || (id = cli_parse_id(argv[1])) == 0)
		return cli_usage(c);
	if ((a = buf_new(8192)) == NULL || (b = buf_new(8192)) == NULL) {
		smerr_nomem(&c->err);
		goto out;
	}
	/*
	 * Read and written under one write lock, waited for: a sync storing
	 * meanwhile is neither overwritten nor a "database is locked".
	 */
	if (cli_open_store(c, &st) != 0 || store_begin(st, &c->err) != 0)
		goto out;
	tx = 1;
	if (store_msg_load(st, id, &m, &c->err) != 0)
		goto out;
	/* Nothing is put for no flags: an empty put leaves no NUL. */
	if (*m->flags != '\0' && buf_puts(a, m->flags) != 0) {
		smerr_set(&c->err, SMERR_LIMIT, "too many flags");
		goto out;
	}
	for (i = 2; i < argc; i++) {
		buf_reset(b);
		if (flag_apply(b, buf_len(a) > 0 ? buf_str(a) : "",
		    argv[i]) != 0) {
			smerr_set(&c->err, SMERR_USAGE, "bad flag '%s': "
			    "Seen, Flagged, Answered, Deleted, Draft or a "
			    "keyword (printable ASCII, up to 256 bytes, no \\, "
			    "space or ()\"*%%{])", argv[i]);
			goto out;
		}
		t = a;
		a = b;
		b = t;
	}
	/* Pushed to the server by the next sync. */
	r = store_msg_set_local_flags(st, id, buf_len(a) > 0 ?
	    buf_str(a) : "", &c->err);
out:
	store_msg_free(m);
	if (tx && r == 0)
		r = store_commit(st, &c->err);
	else if (tx)
		store_rollback(st);
	buf_free(a);
	buf_free(b);
	store_close(st);
	return r == 0 ? 0 : cli_fail(c);
}

const struct cli_cmd cmd_flag_entry = {
	"flag", cmd_flag, "flag ID [+|-]FLAG...",
	"change a message's flags (pushed by the next sync); Seen, "
	    "Flagged, Answered, Deleted and Draft, with or without \\, are "
	    "IMAP's system flags, other words keywords", NULL, 0
};
