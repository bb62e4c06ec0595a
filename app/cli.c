/*
 * The command-line face of CLI-CONTRACT.md: global options, the command
 * table and the one route errors take to the user ("sealmail: <message>"
 * as the last line on stderr, exit 1; usage errors exit 2).
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/text.h"
#include "app/app_int.h"

static const struct cli_cmd cli_cmds[] = {
	{ "config", cmd_config_check, "config check",
	    "check the configuration file and print the accounts" },
	{ "keys", cmd_keys, "keys import FILE.p12|FILE.pem [--passphrase-file F]",
	    "import your identity, or a peer's certificate" },
	{ "keys", cmd_keys, "keys trust CA.pem", "add a trust anchor" },
	{ "keys", cmd_keys, "keys list [--json]",
	    "list identities, certificates and trust anchors" },
	{ "keys", cmd_keys, "keys lookup [--json] ADDRESS",
	    "certificates for an address: key store, then SMIMEA" },
	{ "sync", cmd_sync, "sync [--account NAME] [--folder NAME] [--json]",
	    "fetch, decrypt and judge mail into the encrypted store" },
	{ "list", cmd_list, "list [--json] [--account NAME] [--folder NAME] "
	    "[--thread | --sort date|from|subject|size] [--reverse] [QUERY]",
	    "the messages of a folder (default INBOX)" },
	{ "show", cmd_show, "show [--json] ID", "a stored message and its verdict" },
	{ "search", cmd_search, "search [--json] [--account NAME] QUERY",
	    "search every folder: words, from: to: subject: signer: is: "
	    "after: before:, OR, -, ( )" },
	{ "flag", cmd_flag, "flag ID [+|-]FLAG...",
	    "change a message's flags (pushed by the next sync)" },
	{ "store", cmd_store, "store check|keyring|passphrase "
	    "[--new-passphrase-file F]",
	    "check the store, or change how its key is kept" },
	{ "inspect", cmd_inspect, "inspect [--json] [--time WHEN] FILE|-...",
	    "verify, decrypt and judge a message" },
	{ "send", cmd_send, "send [--sign|--no-sign] [--encrypt|--no-encrypt] [--rsa-pss] "
	    "[--attach FILE]... FILE|-", "sign, encrypt and submit a message" },
	{ "reply", cmd_reply, "reply [--all|--list] [--json] ID",
	    "a reply to a stored message, as a draft on stdout" },
	{ "forward", cmd_forward, "forward [--attach] [--json] ID",
	    "a forward of a stored message, as a draft on stdout" },
	{ "export", cmd_export, "export ID",
	    "the stored (decrypted) message on stdout" },
	{ "move", cmd_move, "move ID FOLDER",
	    "move a message to another folder, here and on the server" },
	{ "copy", cmd_copy, "copy ID FOLDER",
	    "copy a message to another folder, here and on the server" },
	{ "delete", cmd_delete, "delete ID",
	    "move a message to Trash (from Trash: remove it for good)" },
	{ "outbox", cmd_outbox, "outbox [--json] | outbox send", "queued messages; send them again" },
	{ "check", cmd_check, "check [--account NAME] [--json]", "connect to the account's servers, show how each was authenticated" },
};

static void
cli_usage_all(FILE *fp)
{
	size_t	i;

	fprintf(fp, "usage: sealmail [--home DIR] [--passphrase-file F] "
	    "[COMMAND [ARGS]]\n"
	    "       sealmail --version | --help\n\n"
	    "Without a command, sealmail opens the terminal program.\n\n"
	    "Commands:\n");
	for (i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]); i++)
		fprintf(fp, "  sealmail %-50s %s\n", cli_cmds[i].usage,
		    cli_cmds[i].help);
	fprintf(fp, "\nExit status: 0 done, 1 failed (the last line on stderr "
	    "says why), 2 usage error.\n"
	    "See README.md and the command-line contract for details.\n");
}

int
cli_fail(struct cli *c)
{
	char	*msg;

	msg = text_sanitize_str(smerr_msg(&c->err), 0);
	fflush(stdout);
	fprintf(stderr, "sealmail: %s\n", msg != NULL ? msg : "error");
	free(msg);
	return 1;
}

int
cli_usage(struct cli *c)
{
	size_t	i;

	for (i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]); i++)
		if (c->cmd != NULL && strcmp(cli_cmds[i].name, c->cmd) == 0)
			fprintf(stderr, "usage: sealmail [--home DIR] %s\n",
			    cli_cmds[i].usage);
	return 2;
}

int
cli_print(struct cli *c, struct buf *b)
{
	if (fwrite(buf_data(b), 1, buf_len(b), stdout) != buf_len(b) ||
	    fputc('\n', stdout) == EOF || fflush(stdout) == EOF) {
		smerr_set(&c->err, SMERR_IO, "writing output: %s",
		    strerror(errno));
		return 1;
	}
	return 0;
}

static int
mkdir_private(const char *dir, struct smerr *e)
{
	char	*p, *s;

	if ((s = strdup(dir)) == NULL)
		return smerr_set(e, SMERR_NOMEM, "out of memory");
	for (p = s + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(s, 0700) == -1 && errno != EEXIST) {
			free(s);
			return smerr_set(e, SMERR_IO, "%s: %s", dir,
			    strerror(errno));
		}
		*p = '/';
	}
	free(s);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return smerr_set(e, SMERR_IO, "%s: %s", dir, strerror(errno));
	return 0;
}

static char *
xdg_dir(const char *var, const char *fallback)
{
	const char	*base = getenv(var), *home;
	char		*s;

	if (base != NULL && base[0] == '/') {
		if (asprintf(&s, "%s/sealmail", base) == -1)
			return NULL;
		return s;
	}
	if ((home = getenv("HOME")) == NULL || *home == '\0')
		home = "/";
	if (asprintf(&s, "%s/%s/sealmail", home, fallback) == -1)
		return NULL;
	return s;
}

int
app_dirs(const char *home, char **confdir, char **datadir, struct smerr *e)
{
	int	r;

	*confdir = *datadir = NULL;
	if (home != NULL) {
		*confdir = strdup(home);
		*datadir = strdup(home);
	} else {
		*confdir = xdg_dir("XDG_CONFIG_HOME", ".config");
		*datadir = xdg_dir("XDG_DATA_HOME", ".local/share");
	}
	if (*confdir == NULL || *datadir == NULL) {
		r = smerr_set(e, SMERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((r = mkdir_private(*confdir, e)) != 0 ||
	    (r = mkdir_private(*datadir, e)) != 0)
		goto fail;
	return 0;
fail:
	free(*confdir);
	free(*datadir);
	*confdir = *datadir = NULL;
	return r;
}

int
cli_config(struct cli *c)
{
	char	*path;
	int	 r;

	if (c->cfg != NULL)
		return 0;
	if (asprintf(&path, "%s/config", c->confdir) == -1)
		return smerr_set(&c->err, SMERR_NOMEM, "out of memory");
	r = app_config_load(path, c->confdir, &c->cfg, &c->err);
	free(path);
	return r;
}

int
app_cli_main(int argc, char **argv, struct app_opts *o)
{
	static const struct option longopts[] = {
		{ "home",		required_argument, NULL, 'H' },
		{ "passphrase-file",	required_argument, NULL, 'P' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli	 c;
	size_t		 i;
	int		 ch, r, cmdarg;

	memset(o, 0, sizeof(*o));
	o->home = getenv("SEALMAIL_HOME");
	o->passphrase_file = getenv("SEALMAIL_PASSPHRASE_FILE");
	if (o->home != NULL && *o->home == '\0')
		o->home = NULL;
	opterr = 0;
	optind = 1;
	/* '+': stop at the command; its own options follow it. */
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			o->home = optarg;
			break;
		case 'P':
			o->passphrase_file = optarg;
			break;
		case 'V':
			printf("sealmail %s\n", SEALMAIL_VERSION);
			return 0;
		case 'h':
			cli_usage_all(stdout);
			return 0;
		default:
			fprintf(stderr, "sealmail: unknown option '%s'\n",
			    argv[optind - 1]);
			cli_usage_all(stderr);
			return 2;
		}
	}
	if (optind >= argc)
		return APP_CLI_INTERACTIVE;

	memset(&c, 0, sizeof(c));
	c.cmd = argv[optind];
	for (i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]); i++)
		if (strcmp(cli_cmds[i].name, c.cmd) == 0)
			break;
	if (i == sizeof(cli_cmds) / sizeof(cli_cmds[0])) {
		fprintf(stderr, "sealmail: unknown command '%s'\n", c.cmd);
		cli_usage_all(stderr);
		return 2;
	}
	c.home = o->home;
	c.passphrase_file = o->passphrase_file;
	if (app_dirs(c.home, &c.confdir, &c.datadir, &c.err) != 0)
		return cli_fail(&c);
	cmdarg = optind;
	optind = 1;		/* each command parses its own options */
	r = cli_cmds[i].fn(&c, argc - cmdarg, argv + cmdarg);
	app_config_free(c.cfg);
	free(c.confdir);
	free(c.datadir);
	return r;
}
