/*
 * sealmail setup ADDRESS: the first run. Finds the address's servers in
 * DNS (SRV, DNSSEC-validated; app/setup.c) unless --imap and --smtp name
 * them, authenticates each server and logs in exactly as check does, and
 * only then keeps the password (the Secret Service, or the account's
 * password-command) and adds the [account] section to the configuration.
 * On a terminal it then offers to import an identity; without one it asks
 * nothing (the password then comes from --password-file or stdin).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/secmem.h"
#include "keys/keys.h"
#include "net/dns.h"
#include "app/app_int.h"
#include "app/send.h"

#define SETUP_PASS_MAX	4096

struct setup_opts {
	const char	*address;
	const char	*domain;
	const char	*account;
	const char	*name;
	const char	*user;
	const char	*password_command;
	const char	*password_file;
	const char	*url[2];	/* --imap, --smtp */
	int		 json;
};

/*
 * A value the configuration keeps as it is: one line, no control
 * character, no '#' (it would start a comment) unless hash_ok, and no
 * blank at either end.
 */
static int
setup_value_ok(struct cli *c, const char *what, const char *v, int hash_ok)
{
	const unsigned char	*p;
	size_t			 len = strlen(v);

	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || (*p == '#' && !hash_ok))
			break;
	if (len > 0 && *p == '\0' && v[0] != ' ' && v[len - 1] != ' ')
		return 0;
	smerr_set(&c->err, SMERR_USAGE, "%s: '%s' cannot be kept in the "
	    "configuration (empty, a control character%s, or a blank at an "
	    "end)", what, v, hash_ok ? "" : ", or '#'");
	return SMERR_USAGE;
}

/* local@domain, each part non-empty, one '@', nothing a header would mind. */
static int
setup_address_ok(struct cli *c, struct setup_opts *o)
{
	const char	*at = strchr(o->address, '@');

	if (setup_value_ok(c, "the address", o->address, 0) != 0)
		return SMERR_USAGE;
	if (at == NULL || at == o->address || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL || strpbrk(o->address, " <>,;\"") !=
	    NULL)
		return smerr_set(&c->err, SMERR_USAGE, "'%s' is not an e-mail "
		    "address (expected local@domain)", o->address);
	o->domain = at + 1;
	if (o->account == NULL)
		o->account = o->address;
	if (setup_value_ok(c, "--account", o->account, 0) != 0 ||
	    (o->name != NULL && setup_value_ok(c, "--name", o->name, 0) != 0) ||
	    (o->user != NULL && setup_value_ok(c, "--user", o->user, 0) != 0) ||
	    (o->password_command != NULL && setup_value_ok(c,
	    "--password-command", o->password_command, 1) != 0))
		return SMERR_USAGE;
	if (strpbrk(o->account, " \t/") != NULL)
		return smerr_set(&c->err, SMERR_USAGE, "--account: '%s' cannot "
		    "hold a blank or '/'", o->account);
	return 0;
}

/* One line of standard input (the password of a script), wiped buffer. */
static int
setup_read_stdin(struct buf **bp, struct smerr *e)
{
	struct buf	*b;
	char		 ch;
	ssize_t		 n;

	if ((b = buf_new_secret(SETUP_PASS_MAX)) == NULL)
		return smerr_nomem(e);
	while ((n = read(STDIN_FILENO, &ch, 1)) == 1 && ch != '\n')
		if (buf_putc(b, ch) != 0) {
			buf_free(b);
			return smerr_set(e, SMERR_LIMIT, "the password on "
			    "standard input is too long");
		}
	if (buf_len(b) > 0 && buf_data(b)[buf_len(b) - 1] == '\r')
		buf_truncate(b, buf_len(b) - 1);
	ch = 0;
	if (buf_len(b) == 0) {
		buf_free(b);
		return smerr_set(e, SMERR_INVAL, "no password: give it on "
		    "standard input or in --password-file, or give "
		    "--password-command");
	}
	*bp = b;
	return 0;
}

/*
 * The password to log in with: from the password-command, the password
 * file, the terminal, or else the first line of standard input.
 */
static int
setup_password(struct cli *c, const struct setup_opts *o,
    const struct app_account *a, char **pwp)
{
	struct send_opts	 so;
	struct buf		*b = NULL;
	char			 prompt[600];
	int			 r;

	*pwp = NULL;
	if (a->password_command != NULL) {
		memset(&so, 0, sizeof(so));
		so.acct = a;
		so.home = c->confdir;
		return send_password(&so, &a->imap, pwp, &c->err);
	}
	if (o->password_file != NULL)
		r = cli_read_passfile(o->password_file, &b, &c->err);
	else if (isatty(STDIN_FILENO)) {
		snprintf(prompt, sizeof(prompt), "Password for %s at %s: ",
		    a->user, a->imap.host);
		r = cli_ask_secret(prompt, 0, &b, &c->err);
	} else
		r = setup_read_stdin(&b, &c->err);
	if (r == 0 && (*pwp = buf_strdup(b)) == NULL)
		r = smerr_nomem(&c->err);
	buf_free(b);
	return r;
}

/*
 * Without a password-command the password goes to the Secret Service:
 * make sure one answers before any server sees the password.
 */
static int
setup_secret_ready(struct cli *c, const struct app_account *a)
{
	struct smerr	 e2;
	char		 name[512], *pw = NULL;
	int		 r;

	if (a->password_command != NULL)
		return 0;
	smerr_clear(&e2);
	if ((r = send_password_name(a, a->imap.host, name, sizeof(name),
	    &c->err)) != 0)
		return r;
	r = keys_password_get(name, &pw, &e2);
	secmem_strfree(pw);
	if (r == 0 || r == SMERR_NOTFOUND)
		return 0;
	return smerr_set(&c->err, r, "%s; give --password-command to keep "
	    "the password elsewhere", smerr_msg(&e2));
}

/* Keeps pw in the Secret Service for each server's name. */
static int
setup_keep_password(struct cli *c, const struct app_account *a,
    const char *pw)
{
	char	name[512];
	int	i;

	if (a->password_command != NULL)
		return 0;
	for (i = 0; i < 2; i++) {
		if (i == 1 && strcmp(a->smtp.host, a->imap.host) == 0)
			break;
		if (send_password_name(a, i == 0 ? a->imap.host :
		    a->smtp.host, name, sizeof(name), &c->err) != 0 ||
		    keys_password_set(name, pw, &c->err) != 0)
			return c->err.code;
	}
	return 0;
}

static const char *
setup_auth_word(enum net_auth a)
{
	switch (a) {
	case NET_AUTH_PKIX:
		return "pkix";
	case NET_AUTH_DANE_EE:
	case NET_AUTH_DANE_TA:
		return "dane";
	case NET_AUTH_PKIX_DANE:
		return "pkix+dane";
	default:
		return NULL;
	}
}

static int
setup_report(struct cli *c, const struct setup_opts *o,
    const struct app_setup *s, const struct check_result *res)
{
	static const char	*srv[] = { NULL, "secure", "insecure" };
	const char		*found;
	struct buf		*b;
	struct json_w		 w;
	int			 r = 0, i;

	if ((b = buf_new(0)) == NULL)
		return smerr_nomem(&c->err);
	if (o->json) {
		json_begin(&w, b);
		json_obj(&w, NULL);
		json_kstr(&w, "address", o->address);
		json_kstr(&w, "imap", s->url[0]);
		json_kstr(&w, "smtp", s->url[1]);
		json_kstr(&w, "srv", srv[s->srv]);
		json_kstr(&w, "imap_auth", setup_auth_word(res[0].auth));
		json_kstr(&w, "smtp_auth", setup_auth_word(res[1].auth));
		json_end(&w);
		r = json_done(&w);
	} else {
		r |= buf_printf(b, "account %s added to %s/config\n",
		    o->account, c->confdir);
		for (i = 0; i < 2; i++)
			r |= buf_printf(b, "%s %s: server %s, login ok\n",
			    i == 0 ? "imap" : "smtp", s->url[i],
			    net_auth_name(res[i].auth));
		found = s->srv == APP_SRV_SECURE ? "DNSSEC-signed SRV "
		    "records" : "unsigned SRV records inside the address's "
		    "domain";
		if (s->srv == APP_SRV_NONE)
			r |= buf_printf(b, "servers from the command line");
		else if ((o->url[0] == NULL) != (o->url[1] == NULL))
			r |= buf_printf(b, "%s server from the command line, "
			    "%s server from %s", o->url[0] != NULL ? "imap" :
			    "smtp", o->url[0] != NULL ? "smtp" : "imap", found);
		else
			r |= buf_printf(b, "servers from %s", found);
	}
	if (r != 0)
		r = smerr_nomem(&c->err);
	else
		r = cli_print(c, b) != 0 ? SMERR_IO : 0;
	buf_free(b);
	return r;
}

/*
 * On a terminal: offers to import the user's identity (a PKCS#12 file,
 * "~/" for the home directory) through keys import. 1 when it was.
 */
static int
setup_identity(struct cli *c)
{
	char		 line[1024], path[2048], keys[] = "keys";
	char		 import[] = "import", *argv[4];
	const char	*home = getenv("HOME");
	size_t		 n;

	printf("To sign and decrypt mail, import your identity: the file "
	    "name of your\nPKCS#12 (.p12) file, or Enter to skip: ");
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL ||
	    (n = strcspn(line, "\r\n")) == 0)
		return 0;
	line[n] = '\0';
	if (strncmp(line, "~/", 2) == 0 && home != NULL)
		n = (size_t)snprintf(path, sizeof(path), "%s%s", home,
		    line + 1);
	else
		n = (size_t)snprintf(path, sizeof(path), "%s", line);
	if (n >= sizeof(path))
		return 0;
	argv[0] = keys;
	argv[1] = import;
	argv[2] = path;
	argv[3] = NULL;
	if (cmd_keys(c, 3, argv) != 0) {
		fprintf(stderr, "sealmail: the identity was not imported; "
		    "later: sealmail keys import FILE.p12\n");
		smerr_clear(&c->err);
		return 0;
	}
	printf("identity imported from %s\n", path);
	return 1;
}

/* What to do next (not with --json, whose output is the object alone). */
static void
setup_next(struct cli *c, const struct setup_opts *o)
{
	char	sync[300];
	int	have_id = 0;

	if (o->json)
		return;
	if (isatty(STDIN_FILENO))
		have_id = setup_identity(c);
	/* Another account came first: it stays the default. */
	snprintf(sync, sizeof(sync), "sealmail sync%s%s",
	    c->cfg->naccounts > 0 ? " --account " : "",
	    c->cfg->naccounts > 0 ? o->account : "");
	/* A home given here must be given to the next commands too. */
	if (c->home != NULL)
		printf("Next (each with --home %s, as here):\n", c->home);
	else
		printf("Next:\n");
	printf("  %-32s fetch, decrypt and judge your mail\n"
	    "  %-32s the terminal program\n", sync, "sealmail");
	if (!have_id)
		printf("  %-32s your identity, to sign and decrypt\n",
		    "sealmail keys import FILE.p12");
}

/* The servers: given on the command line, else from SRV records. */
static int
setup_servers(struct cli *c, const struct setup_opts *o, struct dns **dnsp,
    struct app_setup *s)
{
	struct smerr	saved;
	int		i, r = 0;

	for (i = 0; i < 2 && r == 0; i++)
		if (o->url[i] != NULL)
			r = app_setup_given(i, o->url[i], s, &c->err);
	if (r != 0)
		return r;
	/* As check does: without a [dns] section, DNS only helps. */
	saved = c->err;
	if (cli_open_dns(c, 0, dnsp) != 0) {
		if (c->cfg->dns.present || o->url[0] == NULL ||
		    o->url[1] == NULL)
			return c->err.code;
		c->err = saved;
		*dnsp = NULL;
	}
	if (o->url[0] != NULL && o->url[1] != NULL)
		return 0;
	return app_setup_discover(*dnsp, o->domain, o->url[0] == NULL,
	    o->url[1] == NULL, s, &c->err);
}

/* Proves both servers with the password, then keeps it and the account. */
static int
setup_prove(struct cli *c, const struct setup_opts *o, struct dns *dns,
    const struct app_setup *s, struct check_result *res)
{
	struct app_account	 a;
	char			*path = NULL, *pw = NULL;
	int			 r, i;

	memset(&a, 0, sizeof(a));
	a.name = (char *)o->account;
	a.address = (char *)o->address;
	a.display_name = (char *)o->name;
	a.user = (char *)(o->user != NULL ? o->user : o->address);
	a.imap = s->server[0];
	a.smtp = s->server[1];
	a.has_imap = a.has_smtp = 1;
	a.password_command = (char *)o->password_command;
	a.timeout = APP_DEFAULT_TIMEOUT;
	if ((r = setup_secret_ready(c, &a)) != 0 ||
	    (r = setup_password(c, o, &a, &pw)) != 0)
		goto out;
	for (i = 0; i < 2 && r == 0; i++)
		r = app_check_server(&a, c->confdir, dns, c->cfg->dns.present,
		    i == 0, pw, &res[i], &c->err);
	if (r != 0)
		goto out;
	if (asprintf(&path, "%s/config", c->confdir) == -1) {
		path = NULL;
		r = smerr_nomem(&c->err);
		goto out;
	}
	if ((r = setup_keep_password(c, &a, pw)) == 0)
		r = app_setup_write(path, c->confdir, &a, s, &c->err);
out:
	free(path);
	secmem_strfree(pw);
	return r;
}

static int
cmd_setup(struct cli *c, int argc, char **argv)
{
	struct cli_args			 args;
	struct setup_opts		 o;
	struct app_setup		 s;
	struct check_result		 res[2];
	struct dns			*dns = NULL;
	int				 r;

	memset(&o, 0, sizeof(o));
	memset(&s, 0, sizeof(s));
	memset(res, 0, sizeof(res));
	if (cli_args_parse(&cmd_setup_entry, argc, argv, &args) != 0 ||
	    args.argc != 1)
		return cli_usage(c);
	o.account = cli_opt_get(&args, "account");
	o.name = cli_opt_get(&args, "name");
	o.user = cli_opt_get(&args, "user");
	o.password_command = cli_opt_get(&args, "password-command");
	o.password_file = cli_opt_get(&args, "password-file");
	o.url[0] = cli_opt_get(&args, "imap");
	o.url[1] = cli_opt_get(&args, "smtp");
	o.json = cli_opt_has(&args, "json") > 0;
	o.address = args.argv[0];
	if (setup_address_ok(c, &o) != 0 || cli_config(c) != 0)
		return cli_fail(c);
	if (app_config_account(c->cfg, o.account) != NULL) {
		smerr_set(&c->err, SMERR_EXISTS, "account %s is already in "
		    "%s/config: setup never replaces one; name another with "
		    "--account", o.account, c->confdir);
		return cli_fail(c);
	}
	r = setup_servers(c, &o, &dns, &s);
	if (r == 0)
		r = setup_prove(c, &o, dns, &s, res);
	if (r == 0)
		r = setup_report(c, &o, &s, res);
	dns_free(dns);
	if (r == 0)
		setup_next(c, &o);
	app_setup_clear(&s);
	return r == 0 ? 0 : cli_fail(c);
}

const struct cli_cmd cmd_setup_entry = {
	"setup", cmd_setup, "setup ADDRESS [--account NAME] [--name NAME] "
	    "[--user LOGIN] [--password-command CMD] [--password-file F] "
	    "[--imap URL --smtp URL] [--json]",
	"first run: find the servers (DNSSEC-signed SRV records), prove "
	    "them, log in, then add the account",
	"account= name= user= password-command= password-file= imap= smtp= "
	    "json", 0
};
