/*
 * sealmail draft save FILE|- | draft list [--json] | draft show ID |
 * draft delete ID
 *
 * Drafts are kept only inside the encrypted store, as the user wrote
 * them; `send --draft ID` sends one. A send that cannot queue a message
 * keeps it as a draft (cli_keep_draft), so that nothing written is lost;
 * a draft that another process queued, sent or deleted meanwhile is never
 * made again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/idn.h"
#include "base/json.h"
#include "base/text.h"
#include "mime/mime.h"
#include "store/store.h"
#include "app/app_int.h"

char *
app_draft_field(const void *text, size_t len, const char *name)
{
	return mime_header_find(text, len, name);
}

const struct app_account *
app_draft_account(const struct app_config *cfg, const void *text,
    size_t len)
{
	const struct app_account	*a = NULL;
	const char			*why;
	char				*from, *addr = NULL;
	size_t				 i;

	if ((from = app_draft_field(text, len, "From")) == NULL)
		return NULL;
	if (mime_addr_spec(from, &addr, &why) == 0 && addr != NULL)
		for (i = 0; i < cfg->naccounts && a == NULL; i++)
			if (idn_addr_eq(cfg->accounts[i].address, addr))
				a = &cfg->accounts[i];
	free(addr);
	free(from);
	return a;
}

const struct app_account *
app_queue_owner(const struct app_config *cfg, const char *account,
    const void *draft, size_t len)
{
	const struct app_account	*a = NULL;

	if (account != NULL)
		a = app_config_account(cfg, account);
	if (a == NULL && draft != NULL)
		a = app_draft_account(cfg, draft, len);
	if (a == NULL)
		a = app_config_account(cfg, NULL);
	return a;
}

int
cli_keep_draft(struct cli *c, struct store *st, const char *account,
    const struct buf *text, int64_t *idp, const char *reason,
    const struct app_file *files, size_t nfiles)
{
	struct smerr	 e2;
	int64_t		 id = *idp;
	size_t		 i;
	int		 r;

	smerr_clear(&e2);
	/* The text and its files, all of it or nothing. */
	if ((r = store_begin(st, &e2)) == 0 &&
	    (r = store_draft_put(st, &id, account, buf_data(text),
	    buf_len(text), reason, &e2)) == 0)
		for (i = 0; i < nfiles && r == 0; i++)
			r = app_file_keep(st, id, &files[i], NULL, &e2);
	if (r == 0)
		r = store_commit(st, &e2);
	else
		store_rollback(st);
	/* A draft another process took meanwhile is theirs: not made again. */
	if (r == SMERR_NOTFOUND && id > 0) {
		fprintf(stderr, "sealmail: not kept as a draft: draft %lld is "
		    "gone (another process queued, sent or deleted it)\n",
		    (long long)id);
		return -1;
	}
	if (r != 0) {
		fprintf(stderr, "sealmail: could not keep it as a draft: %s\n",
		    smerr_msg(&e2));
		return -1;
	}
	*idp = id;
	(void)c;
	fflush(stdout);
	fprintf(stderr, "sealmail: kept as draft %lld (sealmail draft "
	    "list)\n", (long long)id);
	return 0;
}

/* Appends one address of a draft's To to a comma-separated list. */
static int
draft_to_one(void *arg, const struct mime_mbox *mb)
{
	struct buf	*l = arg;

	if (mb->addr == NULL || *mb->addr == '\0')
		return 0;
	return buf_printf(l, "%s%s", buf_len(l) > 0 ? "," : "", mb->addr);
}

/*
 * The To addresses of a draft as written, each as its address: a
 * comma-separated list in a new buffer, NULL on ENOMEM.
 */
static struct buf *
draft_to(const char *to)
{
	struct buf	*l;

	if ((l = buf_new(0)) == NULL)
		return NULL;
	/* An unbalanced list shows what was read of it. */
	(void)mime_addrs_read(to, draft_to_one, l, NULL);
	return l;
}

struct draft_out {
	const struct app_config	*cfg;	/* NULL without one */
	const char	*only;	/* this account's drafts alone, or NULL */
	struct buf	*out;
	struct json_w	 w;	/* over out, with --json */
	int		 json;
	size_t		 n;
	int		 r;
};

static int
draft_line(struct draft_out *o, const struct store_draft *d, const char *to,
    const char *subject)
{
	char	*s = text_sanitize_str(subject, 0);
	char	*t = text_sanitize_str(to, 0);
	char	*why = d->reason != NULL ? text_sanitize_str(d->reason, 0) :
		    NULL;
	int	 r;

	r = buf_printf(o->out, "%s%lld  %s  %s%s%s%s", o->n ? "\n" : "",
	    (long long)d->id, t != NULL ? t : "", s != NULL ? s : "",
	    why != NULL ? "  [" : "", why != NULL ? why : "",
	    why != NULL ? "]" : "");
	if (r == 0 && d->nfiles > 0)
		r = buf_printf(o->out, "  (%zu file%s attached)", d->nfiles,
		    d->nfiles == 1 ? "" : "s");
	free(s);
	free(t);
	free(why);
	return r;
}

/*
 * One draft as list --json shows a message: its members, read from the
 * text as written (To as written, each as its address), plus reason;
 * attachments counts the files kept with it.
 */
static int
draft_json(struct draft_out *o, const struct store_draft *d, const char *to,
    const char *subject, const char *from)
{
	struct json_w			*w = &o->w;
	const struct app_account	*a;
	struct app_headers		 h;
	struct store_msg		 m;
	struct smerr		 e;
	struct buf		*l;

	if ((l = draft_to(to)) == NULL)
		return -1;
	if (app_headers_read(d->body, d->body_len, NULL, &h, &e) != 0) {
		buf_free(l);
		return -1;
	}
	memset(&m, 0, sizeof(m));
	app_headers_to_msg(&h, &m);
	m.account = d->account;
	/* Whose it is, as the terminal program lists it. */
	if (o->cfg != NULL && (a = app_queue_owner(o->cfg, d->account,
	    d->body, d->body_len)) != NULL)
		m.account = a->name;
	m.to = buf_str(l);
	m.size = d->body_len;
	m.attachments = d->nfiles;
	json_obj(w, NULL);
	cli_json_ids(w, d->id, "drafts", 0);
	json_ktime(w, "date", d->updated);
	json_ktext(w, "from", from);
	json_ktext(w, "subject", subject);
	json_arr(w, "flags");
	json_end(w);
	json_kstr(w, "signature", "none");
	json_kstr(w, "encryption", "none");
	cli_json_fields(w, &m);
	json_ktext(w, "reason", d->reason);
	json_end(w);
	app_headers_clear(&h);
	buf_free(l);
	return json_done(w) != 0 ? -1 : 0;
}

static int
draft_list_cb(const struct store_draft *d, void *arg)
{
	struct draft_out		*o = arg;
	const struct app_account	*a;
	char				*to, *subject, *from;

	if (o->only != NULL && ((a = app_queue_owner(o->cfg, d->account,
	    d->body, d->body_len)) == NULL || strcmp(a->name, o->only) != 0))
		return 0;

	to = app_draft_field(d->body, d->body_len, "To");
	subject = app_draft_field(d->body, d->body_len, "Subject");
	from = app_draft_field(d->body, d->body_len, "From");
	o->r = o->json ? draft_json(o, d, to != NULL ? to : "", subject !=
	    NULL ? subject : "", from) : draft_line(o, d, to != NULL ? to :
	    "", subject != NULL ? subject : "");
	o->n++;
	free(to);
	free(subject);
	free(from);
	return o->r;
}

static int
draft_list(struct cli *c, struct store *st, const char *account, int json)
{
	struct draft_out	 o;
	int			 r;

	memset(&o, 0, sizeof(o));
	o.json = json;
	/* A home without a configuration has drafts all the same. */
	if ((r = cli_config(c)) == 0)
		o.cfg = c->cfg;
	else if (account != NULL)
		return r;
	smerr_clear(&c->err);
	if (account != NULL && app_config_account(o.cfg, account) == NULL)
		return cli_no_account(c, account);
	o.only = account;
	if ((o.out = buf_new(0)) == NULL)
		return smerr_nomem(&c->err);
	json_begin(&o.w, o.out);
	if (json)
		json_arr(&o.w, NULL);
	if ((r = store_draft_foreach(st, 0, draft_list_cb, &o,
	    &c->err)) != 0)
		goto out;
	if (json) {
		json_end(&o.w);
		o.r = json_done(&o.w) != 0 ? -1 : o.r;
	}
	if (o.r == 0 && !json && o.n == 0 &&
	    buf_puts(o.out, "there are no drafts") != 0)
		o.r = -1;
	if (o.r != 0)
		r = smerr_nomem(&c->err);
	else
		r = cli_print(c, o.out);
out:
	buf_free(o.out);
	return r;
}

/* A draft ID from the command line; 0 when it is not one. */
int64_t
cli_parse_id(const char *s)
{
	char		*end;
	long long	 v;

	/* Digits only, as list prints it: no sign, no space before it. */
	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0)
		return 0;
	return (int64_t)v;
}

static int
draft_do(struct cli *c, struct store *st, const char *verb, const char *arg,
    const char *account, int json)
{
	struct buf	*b = NULL;
	int64_t		 id = 0;
	int		 r;

	if (strcmp(verb, "list") == 0)
		return draft_list(c, st, account, json);
	if (strcmp(verb, "save") == 0) {
		if ((r = cli_read_message(c, arg, &b)) == 0 &&
		    (r = store_draft_put(st, &id, NULL, buf_data(b), buf_len(b),
		    "postponed", &c->err)) == 0) {
			buf_reset(b);
			if ((r = buf_printf(b, "%lld", (long long)id)) == 0)
				r = cli_print(c, b);
		}
	} else if (strcmp(verb, "show") == 0) {
		/* cmd_draft made sure that arg is an ID. */
		if ((r = store_draft_get(st, cli_parse_id(arg), &b,
		    &c->err)) == 0)
			r = cli_print(c, b);
	} else
		r = store_draft_delete(st, cli_parse_id(arg), &c->err);
	buf_free(b);
	return r;
}

int
cmd_draft(struct cli *c, int argc, char **argv)
{
	struct cli_args			 args;
	struct store			*st = NULL;
	const char			*verb, *account;
	int				 json, r;

	if (cli_args_parse(&cmd_draft_entry, argc, argv, &args) != 0 ||
	    args.argc < 1)
		return cli_usage(c);
	if (cli_opt_has(&args, "passphrase-file"))
		c->passphrase_file = cli_opt_get(&args, "passphrase-file");
	json = cli_opt_has(&args, "json") > 0;
	account = cli_opt_get(&args, "account");
	verb = args.argv[0];
	if (strcmp(verb, "list") == 0 ? args.argc != 1 :
	    (strcmp(verb, "save") != 0 && strcmp(verb, "show") != 0 &&
	    strcmp(verb, "delete") != 0) || args.argc != 2 || json ||
	    account != NULL)
		return cli_usage(c);
	if (strcmp(verb, "show") == 0 || strcmp(verb, "delete") == 0) {
		if (cli_parse_id(args.argv[1]) == 0)
			return cli_usage_id(c, args.argv[1], "a draft",
			    "draft list");
	}
	if ((r = cli_open_store(c, &st)) == 0)
		r = draft_do(c, st, verb, args.argc > 1 ? args.argv[1] : NULL,
		    account, json);
	store_close(st);
	return r == 0 ? 0 : cli_fail(c);
}

const struct cli_cmd cmd_draft_entry = {
	"draft", cmd_draft, "draft save FILE|- | draft list [--json] "
	    "[--account NAME] | draft show ID | draft delete ID",
	"drafts, kept in the encrypted store",
	"json account= passphrase-file=", 0
};
