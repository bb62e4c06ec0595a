/*
 * sealmail send [--sign|--no-sign] [--encrypt|--no-encrypt]
 *     [--account NAME] [--rsa-pss] FILE|-
 * sealmail send --draft ID
 * sealmail outbox [--json] | outbox send [[--if-queued] ID] |
 *     outbox delete ID
 *
 * send queues the message in the encrypted outbox, then submits it; a
 * failure leaves it queued with the server's reason (exit 1). outbox
 * lists what is still queued, with the verdict a reader of the queued
 * message gets, and outbox send tries every queued message again (never
 * one in doubt unless it is named, and then not with --if-queued).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/text.h"
#include "base/vec.h"
#include "crypto/crypto.h"
#include "keys/keys.h"
#include "mime/build.h"
#include "mime/mime.h"
#include "net/dns.h"
#include "store/store.h"
#include "app/agent.h"
#include "app/app_int.h"
#include "app/reply.h"
#include "app/revoke.h"
#include "app/send.h"
#include "app/sync.h"

#define SEND_MAX_INPUT	(64UL * 1024 * 1024)

static void
send_warn(void *arg, const char *msg)
{
	char	*s;

	(void)arg;
	s = text_sanitize_str(msg, 0);
	fflush(stdout);
	fprintf(stderr, "sealmail: %s\n", s != NULL ? s : "warning");
	free(s);
}

int
cli_not_message(struct smerr *e, const char *path)
{
	return smerr_set(e, SMERR_PARSE, "%s: not a message (it does not "
	    "begin with header fields such as From, Date or Subject)",
	    strcmp(path, "-") == 0 ? "standard input" : path);
}

/*
 * Drops the "From " line an mbox puts before each message (RFC 4155),
 * as a message saved from one, or piped by another program, may begin.
 */
static void
mbox_line_skip(struct buf *b)
{
	const uint8_t	*p = buf_data(b), *nl;
	size_t		 len = buf_len(b);

	if (len < 5 || memcmp(p, "From ", 5) != 0)
		return;
	nl = memchr(p, '\n', len);
	buf_consume(b, nl != NULL ? (size_t)(nl - p) + 1 : len);
}

int
app_read_message(const char *path, size_t max, struct buf **bp,
    struct smerr *e)
{
	const char	*name = path;
	int		 fd, r;

	if (strcmp(path, "-") == 0)
		name = "standard input";
	if ((*bp = buf_new(max)) == NULL)
		return smerr_nomem(e);
	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		r = smerr_set(e, SMERR_IO, "%s: %s", name, strerror(errno));
		goto fail;
	}
	errno = 0;
	if ((r = buf_read_fd(*bp, fd)) == 0)
		mbox_line_skip(*bp);
	if (r == SMERR_LIMIT)
		r = smerr_set(e, r, "%s: larger than %zu bytes", name, max);
	else if (r != 0)
		r = smerr_set(e, r, "%s: %s", name, errno != 0 ?
		    strerror(errno) : "cannot be read");
	else if (buf_len(*bp) == 0)
		r = smerr_set(e, SMERR_PARSE, "%s: not a message (it is "
		    "empty)", name);
	else if (!mime_is_message(buf_data(*bp), buf_len(*bp)))
		r = cli_not_message(e, path);
	if (fd != STDIN_FILENO)
		close(fd);
	if (r == 0)
		return 0;
fail:
	buf_free(*bp);
	*bp = NULL;
	return r;
}

int
cli_read_message(struct cli *c, const char *path, struct buf **bp)
{
	return app_read_message(path, SEND_MAX_INPUT, bp, &c->err);
}

/*
 * The pieces every send and outbox command needs: the account, the
 * store and key store, and the resolver (when one answers), as
 * cli_account_open opens them and cli_account_close ends them.
 */
struct send_env {
	struct send_opts	 o;
	struct cli_account_env	 env;
};

static int
env_open(struct cli *c, const char *account, struct send_env *v)
{
	int	r;

	memset(v, 0, sizeof(*v));
	if ((r = cli_account_open(c, account, CLI_OPEN_KEYS | CLI_OPEN_DNS |
	    CLI_DNS_SOFT, &v->env)) != 0)
		return r;
	if (v->env.dns_err.code != 0)
		send_warn(NULL, smerr_msg(&v->env.dns_err));
	v->o.acct = v->env.acct;
	v->o.home = c->confdir;
	v->o.store = v->env.st;
	v->o.keys = v->env.k;
	v->o.dns = v->env.dns;
	v->o.dns_addr = c->cfg->dns.present && v->env.dns != NULL;
	v->o.sign = v->o.acct->sign;
	v->o.encrypt = v->o.acct->encrypt;
	v->o.warn = send_warn;
	return 0;
}

/*
 * Queues the text (a draft's when o->draft is set) and submits it. What
 * cannot be queued stays a draft, with the reason: nothing is lost.
 */
static int
send_text(struct cli *c, struct send_env *v, const char *account,
    const struct buf *in, const struct app_file *files, size_t nfiles)
{
	struct send_queued	 q;
	struct buf		*out = NULL;
	struct app_revoke	*rv = NULL;
	int64_t			 id = v->o.draft, doubt;
	int			 r = 0, unrec;

	/* The signer's and recipients' certificates: checked for revocation. */
	if (v->o.sign || v->o.encrypt != APP_ENCRYPT_NO)
		r = cli_revoke_ctx(c, v->env.st, v->env.k, v->env.dns,
		    &v->o.revoke, &rv);
	if (r == 0)
		r = send_queue(&v->o, buf_data(in), buf_len(in), &q, &c->err);
	crypto_ctx_free(v->o.revoke);
	v->o.revoke = NULL;
	cli_revoke_close(rv);
	if (r != 0) {
		/*
		 * A message already queued or sent is not a draft, nor one
		 * whose draft another process took meanwhile.
		 */
		if (r != SMERR_EXISTS)
			(void)cli_keep_draft(c, v->env.st, account, in, &id,
			    smerr_msg(&c->err), files, nfiles);
		return r;
	}
	if ((r = send_deliver_msgid(&v->o, q.msgid, &doubt, &unrec,
	    &c->err)) != 0) {
		/*
		 * Before the reason, which stays the last line; one that
		 * was delivered says so itself, and is not to be sent again.
		 */
		fflush(stdout);
		if (doubt != 0 && !unrec)
			fprintf(stderr, "sealmail: kept in the outbox in "
			    "doubt; outbox send passes over it (sealmail "
			    "outbox send %lld sends it again)\n",
			    (long long)doubt);
		else if (!unrec)
			fprintf(stderr, "sealmail: kept in the outbox "
			    "(sealmail outbox lists it; sealmail outbox send "
			    "tries again)\n");
		return r;
	}
	if ((out = buf_new(0)) == NULL ||
	    buf_printf(out, "sent %s to %zu recipient%s, %s, %s", q.msgid,
	    q.nrcpt, q.nrcpt == 1 ? "" : "s", q.is_signed ? "signed" :
	    "not signed", q.cipher != NULL ? q.cipher : "not encrypted") != 0)
		r = smerr_nomem(&c->err);
	else
		r = cli_print(c, out);
	buf_free(out);
	return r;
}

/* Both of send's usages take them all. */
static const char send_options[] = "sign no-sign encrypt no-encrypt "
    "account= passphrase-file= rsa-pss attach= draft=";

static int
cmd_send(struct cli *c, int argc, char **argv)
{
	const struct app_account	*a;
	struct cli_args			 args;
	struct send_env			 v;
	struct buf			*in = NULL;
	struct app_file			 files[MIME_BUILD_MAX_ATTACH];
	struct mime_attachment		 att[MIME_BUILD_MAX_ATTACH];
	const char			*account, *draft, *path;
	size_t				 natt = 0, ncli = 0, i = 0;
	int64_t				 draft_id = 0;
	int				 sign, enc, r = 1;

	memset(&v, 0, sizeof(v));
	if (cli_args_parse(&cmd_send_entry, argc, argv, &args) != 0) {
		r = cli_usage(c);
		goto out;
	}
	if (cli_opt_has(&args, "passphrase-file"))
		c->passphrase_file = cli_opt_get(&args, "passphrase-file");
	account = cli_opt_get(&args, "account");
	draft = cli_opt_get(&args, "draft");
	sign = cli_opt_pick(&args, "no-sign", "sign");
	if ((enc = cli_opt_pick(&args, "no-encrypt", "encrypt")) != -1)
		enc = enc ? APP_ENCRYPT_YES : APP_ENCRYPT_NO;
	for (; (path = cli_opt_next(&args, "attach", &i)) != NULL;
	    natt++) {
		if (natt == MIME_BUILD_MAX_ATTACH) {
			smerr_set(&c->err, SMERR_LIMIT, "more than %d "
			    "attachments", MIME_BUILD_MAX_ATTACH);
			goto out;
		}
		if (app_file_load(path, &files[natt], &c->err) != 0)
			goto out;
	}
	if (args.argc != (draft == NULL)) {
		r = cli_usage(c);
		goto out;
	}
	if (draft != NULL && (draft_id = cli_parse_id(draft)) == 0) {
		r = cli_usage_id(c, draft, "a draft", "draft list");
		goto out;
	}
	if (draft == NULL && cli_read_message(c, args.argv[0], &in) != 0)
		goto out;
	/* Without --account, the account the message is From. */
	if (account == NULL && in != NULL && cli_config(c) == 0 &&
	    (a = app_draft_account(c->cfg, buf_data(in), buf_len(in))) != NULL)
		account = a->name;
	if (env_open(c, account, &v) != 0)
		goto out;
	/* A draft's own files go with it, after those named here. */
	ncli = natt;
	v.o.draft = draft_id;
	if (draft != NULL && (store_draft_get(v.env.st, v.o.draft, &in,
	    &c->err) != 0 || app_draft_files(v.env.st, v.o.draft, files,
	    MIME_BUILD_MAX_ATTACH, &natt, &c->err) != 0))
		goto out;
	/* A draft without --account: the account it is From, too. */
	if (draft != NULL && account == NULL && (a = app_draft_account(c->cfg,
	    buf_data(in), buf_len(in))) != NULL) {
		v.o.acct = a;
		v.o.sign = a->sign;
		v.o.encrypt = a->encrypt;
		account = a->name;
	}
	for (i = 0; i < natt; i++)
		app_file_attachment(&files[i], &att[i]);
	v.o.att = att;
	v.o.natt = natt;
	if (sign != -1)
		v.o.sign = sign;
	if (enc != -1)
		v.o.encrypt = (enum app_encrypt)enc;
	/* A reply to encrypted mail is encrypted unless the user says not. */
	else if (v.o.encrypt == APP_ENCRYPT_AUTO &&
	    app_draft_answers_encrypted(v.env.st, buf_data(in), buf_len(in),
	    &v.o.answers_enc, &c->err) != 0)
		goto out;
	v.o.pss = cli_opt_has(&args, "rsa-pss") > 0;
	/* What cannot be queued keeps the files named here too. */
	r = send_text(c, &v, account, in, files, ncli);
out:
	cli_account_close(&v.env);
	buf_free(in);
	for (i = 0; i < natt; i++)
		app_file_clear(&files[i]);
	if (r == 2)
		return 2;
	return r == 0 ? 0 : cli_fail(c);
}

const struct cli_cmd cmd_send_entry = {
	"send", cmd_send, "send [--account NAME] [--sign|--no-sign] "
	    "[--encrypt|--no-encrypt] [--rsa-pss] [--attach FILE]... FILE|-",
	"sign, encrypt and submit a message", send_options, 0
};

const struct cli_cmd cmd_send_draft_entry = {
	"send", cmd_send, "send [--account NAME] [--sign|--no-sign] "
	    "[--encrypt|--no-encrypt] [--rsa-pss] [--attach FILE]... --draft ID",
	"send a postponed draft", send_options, 0
};

/* Everything outbox needs per entry, copied out of the store's callback. */
struct ob_list {
	struct ob_item {
		int64_t		 id;
		int		 sent;
		int		 appended;
		time_t		 created;
		int		 attempts;
		char		*account;
		char		*from;
		char		*subject;
		char		*error;
		char		*state;
		struct buf	*body;
	}		*v;
	size_t		 n, cap;
	int		 oom;
};

static int
ob_cb(const struct store_outbox *ob, void *arg)
{
	struct ob_list	*l = arg;
	struct ob_item	*it;

	if (vec_reserve(&l->v, &l->cap, l->n, sizeof(*l->v)) != 0) {
		l->oom = 1;
		return 1;
	}
	it = &l->v[l->n++];
	it->id = ob->id;
	it->sent = ob->sent;
	it->appended = ob->appended;
	it->created = ob->created;
	it->attempts = ob->attempts;
	it->account = strdup(ob->account != NULL ? ob->account : "");
	it->from = strdup(ob->from != NULL ? ob->from : "");
	it->subject = strdup(ob->subject != NULL ? ob->subject : "");
	it->error = ob->error != NULL ? strdup(ob->error) : NULL;
	it->state = strdup(ob->state);
	if ((it->body = buf_new(0)) == NULL || it->from == NULL ||
	    it->state == NULL ||
	    it->account == NULL ||
	    it->subject == NULL || (ob->error != NULL && it->error == NULL) ||
	    buf_put(it->body, ob->body, ob->body_len) != 0)
		l->oom = 1;
	return l->oom;
}

static void
ob_free(struct ob_list *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].account);
		free(l->v[i].from);
		free(l->v[i].subject);
		free(l->v[i].error);
		free(l->v[i].state);
		buf_free(l->v[i].body);
	}
	free(l->v);
}

/*
 * One entry as outbox --json shows it, judged for its protection, with
 * list --json's header members read from it as sync reads a message's
 * (from the decrypted entity when it opens for the sender).
 */
static int
ob_json(struct json_w *w, struct crypto_ctx *ctx, const struct ob_item *it)
{
	struct crypto_verdict	*vd = NULL;
	struct app_headers	 h;
	struct store_msg	 m;
	struct smerr		 e;
	const struct buf	*msg = it->body;
	const char		*sig = "error", *enc = "none";
	int			 r;

	smerr_clear(&e);
	if (crypto_judge(ctx, buf_data(it->body), buf_len(it->body), &vd,
	    &e) == 0) {
		sig = crypto_sig_str(vd->signature);
		enc = crypto_enc_str(vd->encryption);
		if (vd->decrypted != NULL)
			msg = vd->decrypted;
	}
	if ((r = app_headers_read(buf_data(msg), buf_len(msg), vd != NULL ?
	    vd->hp_header : NULL, &h, &e)) != 0)
		goto out;
	memset(&m, 0, sizeof(m));
	app_headers_to_msg(&h, &m);
	m.account = it->account;
	m.size = buf_len(it->body);
	json_obj(w, NULL);
	cli_json_ids(w, it->id, "outbox", 0);
	json_ktime(w, "date", it->created);
	json_ktext(w, "from", it->from);
	json_ktext(w, "subject", it->subject);
	json_arr(w, "flags");
	json_end(w);
	json_kstr(w, "signature", sig);
	json_kstr(w, "encryption", enc);
	cli_json_fields(w, &m);
	json_kstr(w, "state", it->state);
	json_kint(w, "attempts", it->attempts);
	json_ktext(w, "error", it->error);
	json_end(w);
	app_headers_clear(&h);
out:
	crypto_verdict_free(vd);
	return r;
}

static int
outbox_list(struct cli *c, struct send_env *v, const char *account,
    int json)
{
	const struct app_account	*a;
	struct ob_list		 l;
	struct crypto_ctx	*ctx = NULL;
	struct buf		*out = NULL;
	struct json_w		 w;
	size_t			 i, shown = 0;
	int			 r = SMERR_NOMEM;

	memset(&l, 0, sizeof(l));
	if (store_outbox_foreach(v->env.st, ob_cb, &l, &c->err) != 0)
		goto out;
	if (l.oom || (out = buf_new(0)) == NULL) {
		smerr_nomem(&c->err);
		goto out;
	}
	json_begin(&w, out);
	if (json)
		json_arr(&w, NULL);
	for (i = 0; i < l.n; i++) {
		if (l.v[i].sent)
			continue;
		/* With --account, that account's alone. */
		if (account != NULL && ((a = app_queue_owner(c->cfg,
		    l.v[i].account, NULL, 0)) == NULL ||
		    strcmp(a->name, account) != 0))
			continue;
		if (!json) {
			char	*s = text_sanitize_str(l.v[i].subject, 0);
			char	*er = l.v[i].error != NULL ?
			    text_sanitize_str(l.v[i].error, 0) : NULL;

			r = buf_printf(out, "%s%lld  %s  %s  %s%s%s", shown ?
			    "\n" : "", (long long)l.v[i].id, l.v[i].state,
			    s != NULL ? s : "",
			    er != NULL ? "  [" : "", er != NULL ? er : "",
			    er != NULL ? "]" : "");
			free(s);
			free(er);
			if (r != 0)
				goto oom;
			shown++;
			continue;
		}
		/*
		 * The engine, and so the key agent, only for a message to
		 * judge: an empty outbox asks no token for its PIN.
		 */
		if (ctx == NULL && (r = sync_crypto_ctx(v->env.k, &ctx,
		    &c->err)) != 0)
			goto out;
		if (ob_json(&w, ctx, &l.v[i]) != 0 || json_done(&w) != 0)
			goto oom;
		shown++;
	}
	if (json) {
		json_end(&w);
		if (json_done(&w) != 0)
			goto oom;
	}
	if (!json && shown == 0 && buf_puts(out, "the outbox is empty") != 0)
		goto oom;
	r = cli_print(c, out);
	goto out;
oom:
	smerr_nomem(&c->err);
	r = SMERR_NOMEM;
out:
	crypto_ctx_free(ctx);
	buf_free(out);
	ob_free(&l);
	return r;
}

/*
 * Whether outbox send (without an ID) passes over an entry: one in doubt
 * or being sent is said so and left; one only waiting for its copy to
 * Sent is tried again. One in doubt that a note says the server took is
 * said to be delivered, never to be sent again.
 */
static int
outbox_skip(struct store *st, const struct ob_item *it, const char *account)
{
	char	 msg[SMERR_MSGMAX];

	if (account != NULL && strcmp(it->account, account) != 0)
		return 1;
	if (strcmp(it->state, STORE_OB_INDOUBT) == 0 &&
	    store_outbox_delivered(st, it->id))
		snprintf(msg, sizeof(msg), "message %lld was delivered (the "
		    "server took it), but the store could not record it yet; "
		    "the outbox records it as sent once the store can, and "
		    "does not send it again", (long long)it->id);
	else if (strcmp(it->state, STORE_OB_INDOUBT) == 0)
		snprintf(msg, sizeof(msg), "message %lld is in doubt (its "
		    "submission was cut off after the message data began): "
		    "not sent again; sealmail outbox send %lld sends it",
		    (long long)it->id, (long long)it->id);
	else if (strcmp(it->state, STORE_OB_SENDING) == 0)
		snprintf(msg, sizeof(msg), "message %lld is being sent by "
		    "another sealmail process", (long long)it->id);
	else
		return 0;
	send_warn(NULL, msg);
	return 1;
}

static int
ids_has(const struct vec_ids *l, int64_t id)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (l->v[i] == id)
			return 1;
	return 0;
}

static int
indoubt_cb(const struct store_outbox *o, void *arg)
{
	*(int *)arg = strcmp(o->state, STORE_OB_INDOUBT) == 0;
	return 0;
}

/*
 * outbox send ID --if-queued was refused (e): when the store has ID in
 * doubt, another process's submission of it was cut off since the user
 * saw it queued, and e says so.
 */
static void
outbox_not_queued(struct store *st, int64_t id, struct smerr *e)
{
	struct smerr	e2;
	int		doubt = 0;

	smerr_clear(&e2);
	if (store_outbox_get(st, id, indoubt_cb, &doubt, &e2) == 0 && doubt)
		smerr_reset(e, SMERR_EXISTS, "message %lld is no longer "
		    "queued: a submission of it was cut off after the message "
		    "data began, so it may have been delivered; not sent "
		    "again", (long long)id);
}

/*
 * Sends every queued message, or the one named (only), even in doubt
 * unless if_queued. One the server took that the store could not record
 * is sent, but its reason is the answer (exit 1).
 */
static int
outbox_send(struct cli *c, struct send_env *v, const char *account,
    int64_t only, int if_queued)
{
	struct ob_list	 l;
	struct vec_ids	 with;		/* sent along with another copy */
	struct smerr	 e2, last, kept;
	size_t		 i, ok = 0, failed = 0, found = 0, unkept = 0;
	int		 r = 0, unrec;

	memset(&l, 0, sizeof(l));
	memset(&with, 0, sizeof(with));
	if (store_outbox_foreach(v->env.st, ob_cb, &l, &c->err) != 0) {
		ob_free(&l);
		return 1;
	}
	/* A message named is sent even when in doubt: the user decided. */
	v->o.force = only != 0 && !if_queued;
	for (i = 0; i < l.n; i++) {
		if (only != 0 ? l.v[i].id != only : outbox_skip(v->env.st,
		    &l.v[i], account) || ids_has(&with, l.v[i].id))
			continue;
		found++;
		smerr_clear(&e2);
		/* Each message goes out through the account that queued it. */
		if ((v->o.acct = app_config_account(c->cfg,
		    l.v[i].account)) == NULL)
			smerr_set(&e2, SMERR_CONFIG, "message %lld: account %s "
			    "is no longer configured", (long long)l.v[i].id,
			    l.v[i].account);
		else if ((r = send_deliver(&v->o, l.v[i].id, &with, &unrec,
		    &e2)) == 0 ||
		    (r == SMERR_EXISTS && only == 0)) {
			/* Taken by another process meanwhile: theirs now. */
			if (r != 0)
				send_warn(NULL, smerr_msg(&e2));
			ok++;
			continue;
		} else if (unrec) {
			/* Sent, not recorded: never "could not be sent". */
			if (unkept++ > 0)
				send_warn(NULL, smerr_msg(&kept));
			kept = e2;
			ok++;
			continue;
		} else if (r == SMERR_EXISTS && if_queued)
			outbox_not_queued(v->env.st, l.v[i].id, &e2);
		/* Every reason is shown; the last one may end the output. */
		if (failed++ > 0)
			send_warn(NULL, smerr_msg(&last));
		last = e2;
	}
	ob_free(&l);
	free(with.v);
	r = 0;
	if (ok > 0)
		printf("sent %zu message%s\n", ok, ok == 1 ? "" : "s");
	if (only != 0 && found == 0) {
		smerr_set(&c->err, SMERR_NOTFOUND, "no message %lld in the "
		    "outbox", (long long)only);
		return 1;
	}
	/* The last line says what is wrong: a store that did not record. */
	if (unkept > 0 && failed > 0)
		send_warn(NULL, smerr_msg(&kept));
	else if (unkept > 0)
		c->err = kept;
	if (failed == 1)
		c->err = last;
	else if (failed > 1) {
		send_warn(NULL, smerr_msg(&last));
		smerr_reset(&c->err, SMERR_NET, "%zu of %zu queued messages "
		    "could not be sent", failed, failed + ok);
	}
	if (failed > 0 || unkept > 0)
		r = 1;
	return r;
}

int
cmd_outbox(struct cli *c, int argc, char **argv)
{
	struct cli_args			 args;
	struct send_env			 v;
	const char			*account, *verb = NULL;
	int64_t				 id = 0;
	int				 json, if_queued, r = 1;

	if (cli_args_parse(&cmd_outbox_entry, argc, argv, &args) != 0)
		return cli_usage(c);
	if (cli_opt_has(&args, "passphrase-file"))
		c->passphrase_file = cli_opt_get(&args, "passphrase-file");
	account = cli_opt_get(&args, "account");
	json = cli_opt_has(&args, "json") > 0;
	if_queued = cli_opt_has(&args, "if-queued") > 0;
	if (args.argc > 0) {
		verb = args.argv[0];
		if (json || args.argc > 2 || (if_queued && (args.argc != 2 ||
		    strcmp(verb, "send") != 0)) ||
		    (strcmp(verb, "send") != 0 && strcmp(verb, "delete") != 0) ||
		    (strcmp(verb, "delete") == 0 && args.argc != 2))
			return cli_usage(c);
		if (args.argc == 2 && (id = cli_parse_id(args.argv[1])) == 0)
			return cli_usage_id(c, args.argv[1], "an outbox",
			    "outbox");
	}
	if (env_open(c, account, &v) != 0)
		r = 1;
	else if (verb == NULL)
		r = outbox_list(c, &v, account, json);
	else if (strcmp(verb, "send") == 0)
		r = outbox_send(c, &v, account, id, if_queued);
	else
		r = store_outbox_delete(v.env.st, id, &c->err) != 0;
	cli_account_close(&v.env);
	return r == 0 ? 0 : cli_fail(c);
}

const struct cli_cmd cmd_outbox_entry = {
	"outbox", cmd_outbox, "outbox [--json] [--account NAME] | outbox "
	    "send [--account NAME] [--if-queued ID | ID] | outbox delete ID",
	"queued messages; send them again",
	"json account= passphrase-file= if-queued", 0
};
