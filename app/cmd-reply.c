/*
 * sealmail reply [--all|--list] [--json] ID, forward [--attach] [--json]
 * ID and export ID: drafts made from a stored message (app/reply.c), and
 * the stored message itself, on stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "store/store.h"
#include "app/app_int.h"
#include "app/reply.h"

static int
draft_json(struct buf *out, const struct app_draft *d)
{
	struct json_w	w;

	json_begin(&w, out);
	json_obj(&w, NULL);
	json_kstrn(&w, "draft", (const char *)buf_data(d->text),
	    buf_len(d->text));
	json_kbool(&w, "sign", d->sign);
	json_kbool(&w, "encrypt", d->encrypt);
	json_kstrv(&w, "omitted", d->omitted, d->nomitted);
	json_end(&w);
	return json_done(&w);
}

static int
write_all(struct cli *c, const void *p, size_t len)
{
	if (fwrite(p, 1, len, stdout) != len || fflush(stdout) == EOF)
		return cli_output_failed(c);
	return 0;
}

/*
 * A reply goes to the Reply-To or Sender the original names: each finding
 * of its verdict about a header field (one naming someone other than the
 * signer, a Date far from the signing time) is a warning line.
 */
static int
reply_warn(const struct store_msg *m, struct smerr *e)
{
	struct app_shown	*sh = NULL;
	size_t			 i;

	if (m->verdict == NULL)
		return 0;
	if (app_shown_read(m->verdict, &sh, e) != 0)
		return -1;
	for (i = 0; i < sh->nfindings; i++)
		if (strstr(sh->findings[i], " field ") != NULL)
			fprintf(stderr, "sealmail: warning: %s\n",
			    sh->findings[i]);
	app_shown_free(sh);
	return 0;
}

/* Loads message id, makes the draft of kind and prints it. */
static int
draft_run(struct cli *c, int64_t id, enum app_draft_kind kind, int json)
{
	struct store		*st = NULL;
	struct store_msg	*m = NULL;
	struct app_draft	*d = NULL;
	struct buf		*out = NULL;
	int			 r = 1;

	if (cli_config(c) != 0 || cli_open_store(c, &st) != 0 ||
	    store_msg_load(st, id, &m, &c->err) != 0 ||
	    app_draft_make(c->cfg, m, kind, 0, &d, &c->err) != 0)
		goto out;
	/* Printed, a draft without its signature would go unnoticed. */
	if (d->nosig != NULL) {
		smerr_set(&c->err, SMERR_IO, "%s", d->nosig);
		goto out;
	}
	if (kind != APP_DRAFT_FORWARD && kind != APP_DRAFT_FORWARD_ATTACH &&
	    reply_warn(m, &c->err) != 0)
		goto out;
	if (json) {
		out = buf_new_secret(0);
		r = cli_print_built(c, out, out == NULL ||
		    draft_json(out, d) != 0);
	} else
		r = write_all(c, buf_data(d->text), buf_len(d->text));
out:
	buf_free(out);
	app_draft_free(d);
	store_msg_free(m);
	store_close(st);
	return r == 0 ? 0 : cli_fail(c);
}

/* reply's and forward's: each checks which it may take. */
static const char reply_options[] = "json all list attach";

/* reply and forward: the command's name says which. */
static int
cmd_reply(struct cli *c, int argc, char **argv)
{
	struct cli_args			 args;
	enum app_draft_kind		 kind;
	int64_t				 id;
	size_t				 all, list, attach;
	int				 forward;

	forward = strcmp(c->cmd, "forward") == 0;
	kind = forward ? APP_DRAFT_FORWARD : APP_DRAFT_REPLY;
	if (cli_args_parse(&cmd_reply_entry, argc, argv, &args) != 0)
		return cli_usage(c);
	all = cli_opt_has(&args, "all");
	list = cli_opt_has(&args, "list");
	attach = cli_opt_has(&args, "attach");
	if (args.argc != 1 || (id = cli_parse_id(args.argv[0])) == 0 ||
	    (forward && (all || list)) || (!forward && attach) ||
	    (all && list))
		return cli_usage(c);
	if (all)
		kind = APP_DRAFT_REPLY_ALL;
	else if (list)
		kind = APP_DRAFT_REPLY_LIST;
	else if (attach)
		kind = APP_DRAFT_FORWARD_ATTACH;
	return draft_run(c, id, kind, cli_opt_has(&args, "json") > 0);
}

const struct cli_cmd cmd_reply_entry = {
	"reply", cmd_reply, "reply [--all|--list] [--json] ID",
	"a reply to a stored message, as a draft on stdout", reply_options, 0
};

const struct cli_cmd cmd_forward_entry = {
	"forward", cmd_reply, "forward [--attach] [--json] ID",
	"a forward of a stored message, as a draft on stdout", reply_options, 0
};

static int
cmd_export(struct cli *c, int argc, char **argv)
{
	struct store		*st = NULL;
	struct store_msg	*m = NULL;
	struct buf		*out = NULL;
	int64_t			 id;
	int			 r = 1;

	if (argc != 2 || (id = cli_parse_id(argv[1])) == 0)
		return cli_usage(c);
	if (cli_open_store(c, &st) != 0 ||
	    store_msg_load(st, id, &m, &c->err) != 0)
		goto out;
	/* As decrypted; one that waits for its key, as received. */
	if ((out = buf_new_secret(0)) == NULL ||
	    app_msg_export(m, out) != 0) {
		smerr_nomem(&c->err);
		goto out;
	}
	r = write_all(c, buf_data(out), buf_len(out));
out:
	buf_free(out);
	store_msg_free(m);
	store_close(st);
	return r == 0 ? 0 : cli_fail(c);
}

const struct cli_cmd cmd_export_entry = {
	"export", cmd_export, "export ID",
	"the stored (decrypted) message on stdout", NULL, 0
};
