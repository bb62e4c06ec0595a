/*
 * sealmail check [--account NAME] [--json]: connects to the account's IMAP
 * and SMTP servers exactly as sync and send would (TLSA through the
 * resolver, TLS, the server authenticated, then the login) and says how
 * each server proved itself: PKIX, DANE-EE, DANE-TA or PKIX+DANE. Exit 0
 * when both servers were authenticated and took the login, else 1 with
 * the first failure as the last line on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/secmem.h"
#include "net/dns.h"
#include "net/imap.h"
#include "net/net.h"
#include "net/smtp.h"
#include "app/app_int.h"
#include "app/send.h"

static const char *
tlsa_word(enum net_tlsa_status s)
{
	switch (s) {
	case NET_TLSA_SECURE:
		return "secure";
	case NET_TLSA_INSECURE:
		return "insecure";
	case NET_TLSA_ABSENT:
		return "none";
	case NET_TLSA_BOGUS:
		return "bogus";
	case NET_TLSA_FAILED:
		return "failed";
	default:
		return "not looked up";
	}
}

int
app_check_server(const struct app_account *a, const char *home,
    struct dns *dns, int dns_addr, int imap, const char *typed,
    struct check_result *res, struct smerr *e)
{
	const struct app_server	*as = imap ? &a->imap : &a->smtp;
	struct send_opts	 so;
	struct net_server	 srv;
	struct net_lookup	*lk = NULL;
	struct imap		*is = NULL;
	struct smtp		*ss = NULL;
	char			*pw = NULL;
	int			 r;

	res->proto = imap ? "imap" : "smtp";
	snprintf(res->label, sizeof(res->label), "%s:%d", as->host, as->port);
	res->tls = as->tls == APP_TLS_IMPLICIT ? "implicit" : "starttls";
	if ((r = app_server_lookup(a, as, dns, dns_addr && dns != NULL, &srv,
	    &lk, e)) != 0)
		goto out;
	res->tlsa = tlsa_word(srv.tlsa_status);
	res->tlsa_failed = srv.tlsa_status == NET_TLSA_FAILED;
	if (res->tlsa_failed && srv.tlsa_why != NULL)
		snprintf(res->tlsa_why, sizeof(res->tlsa_why), "%s",
		    srv.tlsa_why);
	r = imap ? imap_open(&srv, &is, e) : smtp_open(&srv, &ss, e);
	if (r != 0)
		goto out;
	res->done = 1;
	res->auth = imap ? imap_server_auth(is) : smtp_server_auth(ss);
	memset(&so, 0, sizeof(so));
	so.acct = a;
	so.home = home;
	if (typed != NULL && (pw = strdup(typed)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	if (pw == NULL && (r = send_password(&so, as, &pw, e)) != 0)
		goto out;
	r = imap ? imap_login(is, app_account_login(a), pw, e) :
	    smtp_login(ss, app_account_login(a), pw, e);
	r = send_login_hint(a, as, home, typed != NULL, r, e);
	if (r == 0)
		res->login = 1;
out:
	secmem_strfree(pw);
	if (r == 0) {
		imap_close(is);
		smtp_close(ss);
	} else {
		imap_abort(is);
		smtp_abort(ss);
	}
	net_lookup_free(lk);
	return r;
}

static int
put_text(struct buf *out, const struct check_result *r)
{
	const char	*tlsa;

	if (r->proto == NULL)
		return 0;
	if (buf_len(out) > 0 && buf_putc(out, '\n') != 0)
		return SMERR_NOMEM;
	if (r->tlsa_failed)
		tlsa = "lookup failed";
	else
		tlsa = r->tlsa != NULL ? r->tlsa : "not looked up";
	return buf_printf(out, "%s %s (%s): server %s, TLSA %s%s%s, login %s",
	    r->proto, r->label, r->tls, r->done ? net_auth_name(r->auth) :
	    "not authenticated", tlsa, *r->tlsa_why ? ": " : "", r->tlsa_why,
	    r->login ? "ok" : "not done");
}

static void
put_json(struct json_w *w, const struct check_result *r)
{
	if (r->proto == NULL)
		return;
	json_obj(w, r->proto);
	json_kstr(w, "server", r->label);
	json_kstr(w, "tls", r->tls);
	json_kstr(w, "tlsa", r->tlsa);
	if (*r->tlsa_why)
		json_kstr(w, "tlsa_error", r->tlsa_why);
	json_kstr(w, "auth", r->done ? net_auth_name(r->auth) : NULL);
	json_kbool(w, "login", r->login);
	json_end(w);
}

static int
cmd_check(struct cli *c, int argc, char **argv)
{
	const struct app_account	*a;
	struct cli_args			 args;
	const char			*account;
	struct check_result		 res[2];
	struct cli_account_env		 env;
	struct dns			*dns;
	struct buf			*out = NULL;
	struct json_w			 w;
	int				 json, r = 0, rc = 1;

	if (cli_args_parse(&cmd_check_entry, argc, argv, &args) != 0 ||
	    args.argc != 0)
		return cli_usage(c);
	account = cli_opt_get(&args, "account");
	json = cli_opt_has(&args, "json") > 0;
	/*
	 * With a [dns] section its resolver must work; without one, a
	 * missing system resolver or root anchor only means PKIX decides.
	 */
	if (cli_account_open(c, account, CLI_OPEN_DNS, &env) != 0)
		return cli_fail(c);
	a = env.acct;
	dns = env.dns;
	memset(res, 0, sizeof(res));
	if (a->has_imap)
		r = app_check_server(a, c->confdir, dns, c->cfg->dns.present,
		    1, NULL, &res[0], &c->err);
	if (r == 0 && a->has_smtp)
		r = app_check_server(a, c->confdir, dns, c->cfg->dns.present,
		    0, NULL, &res[1], &c->err);
	if ((out = buf_new(0)) == NULL) {
		smerr_nomem(&c->err);
		goto done;
	}
	if (json) {
		json_begin(&w, out);
		json_obj(&w, NULL);
		json_kstr(&w, "account", a->name);
		put_json(&w, &res[0]);
		put_json(&w, &res[1]);
		json_end(&w);
		if (json_done(&w) != 0) {
			smerr_nomem(&c->err);
			goto done;
		}
	} else if (put_text(out, &res[0]) != 0 || put_text(out, &res[1]) != 0) {
		smerr_nomem(&c->err);
		goto done;
	}
	if (buf_len(out) > 0 && cli_print(c, out) != 0)
		goto done;
	if (r == 0 && !a->has_imap && !a->has_smtp)
		r = smerr_set(&c->err, SMERR_CONFIG, "account %s names no "
		    "server: add imap = imaps://HOST and smtp = "
		    "submission://HOST to its section of %s", a->name,
		    c->cfg->path);
	rc = r == 0 ? 0 : 1;
done:
	buf_free(out);
	cli_account_close(&env);
	return rc == 0 ? 0 : cli_fail(c);
}

const struct cli_cmd cmd_check_entry = {
	"check", cmd_check, "check [--account NAME] [--json]",
	"connect to the account's servers, show how each was authenticated",
	"account= json", 0
};
