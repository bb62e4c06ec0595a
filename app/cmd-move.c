/*
 * sealmail move ID FOLDER, copy ID FOLDER and delete ID: the store
 * changes at once, the server in the same command when it can be
 * reached; when it cannot, a warning line, exit 0, and the next sync
 * does it (app/move.c). The message's ID in its new folder is printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "base/text.h"
#include "net/dns.h"
#include "net/imap.h"
#include "net/net.h"
#include "store/store.h"
#include "app/app_int.h"
#include "app/reply.h"
#include "app/sync.h"

enum move_op { OP_MOVE, OP_COPY, OP_DELETE };

/* The server, when it answers; else *warn says why not. */
struct online {
	struct dns		*dns;
	struct net_lookup	*lk;
	struct imap		*im;
	char			*pw;
	char			 warn[512];
};

static void
online_warn(struct online *on, struct cli *c)
{
	snprintf(on->warn, sizeof(on->warn), "%s", smerr_msg(&c->err));
	smerr_clear(&c->err);
}

static void
online_open(struct cli *c, const struct app_account *a, struct store *st,
    struct online *on)
{
	struct sync_opts	o;

	memset(on, 0, sizeof(*on));
	if (!a->has_imap) {
		snprintf(on->warn, sizeof(on->warn), "account %s has no imap "
		    "server", a->name);
		return;
	}
	if (cli_open_dns(c, 1, &on->dns) != 0 ||
	    cli_password(c, a, &on->pw, NULL) != 0) {
		online_warn(on, c);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.acct = a;
	o.password = on->pw;
	o.store = st;
	o.dns = on->dns;
	o.dns_addr = c->cfg->dns.present;
	if (sync_connect(&o, &on->im, &on->lk, &c->err) != 0)
		online_warn(on, c);
}

static void
online_close(struct online *on)
{
	imap_close(on->im);
	net_lookup_free(on->lk);
	dns_free(on->dns);
	if (on->pw != NULL)
		secmem_strfree(on->pw);
}

/* The account of message id. */
static const struct app_account *
msg_account(struct cli *c, struct store *st, int64_t id)
{
	const struct app_account	*a = NULL;
	struct store_msg		*m = NULL;

	if (store_msg_load(st, id, &m, &c->err) != 0)
		return NULL;
	if (m->account == NULL ||
	    (a = app_config_account(c->cfg, m->account)) == NULL)
		smerr_set(&c->err, SMERR_CONFIG, "message %lld belongs to no "
		    "configured account", (long long)id);
	store_msg_free(m);
	return a;
}

static int
move_run(struct cli *c, int64_t id, const char *dest, enum move_op op)
{
	const struct app_account	*a;
	struct store			*st = NULL;
	struct online			 on;
	char				*trash = NULL, *w;
	int64_t				 newid = 0;
	int				 r = 1, pr;

	memset(&on, 0, sizeof(on));
	if (cli_config(c) != 0 || cli_open_store(c, &st) != 0 ||
	    (a = msg_account(c, st, id)) == NULL)
		goto out;
	online_open(c, a, st, &on);
	if (op == OP_DELETE &&
	    app_trash_folder(st, a, on.im, &trash, &c->err) != 0)
		goto out;
	if (app_move_local(st, id, dest, op == OP_COPY, trash, &newid,
	    &c->err) != 0)
		goto out;
	if (on.im != NULL) {
		pr = app_move_push(st, on.im, a->name, NULL, &c->err);
		if (pr == SMERR_REFUSED)
			goto out;
		if (pr != 0)
			online_warn(&on, c);
	}
	if (on.im == NULL || on.warn[0] != '\0') {
		w = text_sanitize_str(on.warn, 0);
		fprintf(stderr, "sealmail: warning: the server was not reached "
		    "(%s); the next sync does it\n", w != NULL ? w : "?");
		free(w);
	}
	if (newid != 0)
		printf("%lld\n", (long long)newid);
	r = fflush(stdout) == 0 ? 0 : cli_output_failed(c);
out:
	online_close(&on);
	free(trash);
	store_close(st);
	return r == 0 ? 0 : cli_fail(c);
}

/* move, copy and delete: the command's name says which. */
static int
cmd_move(struct cli *c, int argc, char **argv)
{
	enum move_op	op = OP_MOVE;
	int64_t		id;

	if (strcmp(c->cmd, "copy") == 0)
		op = OP_COPY;
	else if (strcmp(c->cmd, "delete") == 0)
		op = OP_DELETE;
	if (argc != (op == OP_DELETE ? 2 : 3) ||
	    (id = cli_parse_id(argv[1])) == 0 ||
	    (op != OP_DELETE && *argv[2] == '\0'))
		return cli_usage(c);
	return move_run(c, id, op == OP_DELETE ? NULL : argv[2], op);
}

const struct cli_cmd cmd_move_entry = {
	"move", cmd_move, "move ID FOLDER",
	"move a message to another folder, here and on the server", NULL, 0
};

const struct cli_cmd cmd_copy_entry = {
	"copy", cmd_move, "copy ID FOLDER",
	"copy a message to another folder, here and on the server", NULL, 0
};

const struct cli_cmd cmd_delete_entry = {
	"delete", cmd_move, "delete ID",
	"move a message to Trash (from Trash: remove it for good)", NULL, 0
};
