/*
 * The command-line face of CLI-CONTRACT.md: global options, the command
 * table and the one route errors take to the user ("sealmail: <message>"
 * as the last line on stderr, exit 1; usage errors exit 2).
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/text.h"
#include "app/agent.h"
#include "app/app_int.h"

/* The commands, in the order --help lists them (each beside its code). */
static const struct cli_cmd *const cli_cmds[] = {
	&cmd_config_entry,
	&cmd_keys_import_entry,
	&cmd_keys_pkcs11_entry,
	&cmd_keys_trust_entry,
	&cmd_keys_list_entry,
	&cmd_keys_lookup_entry,
	&cmd_keys_remove_entry,
	&cmd_sync_entry,
	&cmd_list_entry,
	&cmd_show_entry,
	&cmd_search_entry,
	&cmd_flag_entry,
	&cmd_store_entry,
	&cmd_inspect_entry,
	&cmd_send_entry,
	&cmd_send_draft_entry,
	&cmd_draft_entry,
	&cmd_reply_entry,
	&cmd_forward_entry,
	&cmd_export_entry,
	&cmd_move_entry,
	&cmd_copy_entry,
	&cmd_delete_entry,
	&cmd_outbox_entry,
	&cmd_setup_entry,
	&cmd_watch_entry,
	&cmd_check_entry,
};

/*
 * Prints text from column indent, words wrapped before column 80; the
 * first line starts at column at (the caller has printed that far).
 */
static void
cli_wrap(FILE *fp, size_t at, size_t indent, const char *text)
{
	const char	*p = text, *q;
	size_t		 n;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		n = (q = strchr(p, ' ')) != NULL ? (size_t)(q - p) : strlen(p);
		if (at > indent && at + 1 + n > 79) {
			fprintf(fp, "\n%*s", (int)indent, "");
			at = indent;
		} else if (at > indent) {
			fputc(' ', fp);
			at++;
		}
		for (; at < indent; at++)
			fputc(' ', fp);
		fwrite(p, 1, n, fp);
		at += n;
		p += n;
	}
	fputc('\n', fp);
}

/* One command's usage and what it does, as --help lists it. */
static void
cli_usage_one(FILE *fp, const struct cli_cmd *cmd)
{
	fputs("  sealmail", fp);
	cli_wrap(fp, 11, 6, cmd->usage);
	cli_wrap(fp, 0, 8, cmd->help);
}

static void
cli_usage_all(FILE *fp)
{
	size_t	i;

	fprintf(fp, "usage: sealmail [--home DIR] [--passphrase-file F] "
	    "[--pin-file F]\n"
	    "           [COMMAND [ARGS]]\n"
	    "       sealmail --version | --help\n\n"
	    "Without a command, sealmail opens the terminal program.\n\n"
	    "Commands:\n");
	for (i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]); i++)
		cli_usage_one(fp, cli_cmds[i]);
	fprintf(fp, "\nExit status: 0 done, 1 failed (the last line on stderr "
	    "says why),\n2 usage error. See sealmail(1) and sealmail.conf(5)."
	    "\n");
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

/* Reads a command's opts ("json account=") into a's table of names. */
static int
cli_opts_read(const char *opts, struct cli_args *a)
{
	const char	*p = opts;
	size_t		 len, used = 0;

	while (p != NULL && *p != '\0') {
		if (*p == ' ') {
			p++;
			continue;
		}
		len = strcspn(p, " =");
		if (a->nopts == CLI_OPTS_MAX || used + len >= sizeof(a->names))
			return -1;
		memcpy(a->names + used, p, len);
		a->names[used + len] = '\0';
		a->name[a->nopts] = a->names + used;
		used += len + 1;
		p += len;
		a->value[a->nopts] = *p == '=';
		if (*p == '=')
			p++;
		a->nopts++;
	}
	return 0;
}

/* The index of option name in a's table; -1 when it has none. */
static int
cli_opt_index(const struct cli_args *a, const char *name)
{
	size_t	i;

	for (i = 0; i < a->nopts; i++)
		if (strcmp(a->name[i], name) == 0)
			return (int)i;
	return -1;
}

/*
 * For CLI_WORDS: moves the options of argv (each with its value) ahead
 * of the other words, which *a gets (all after a "--"); the count of
 * argv[0] and the options. A word such as "-is:signed" is a word.
 */
static int
cli_words_last(int argc, char **argv, struct cli_args *a)
{
	char	**w;
	int	  i, j, n = 1, dashes = 0;

	if ((w = calloc((size_t)argc + 1, sizeof(*w))) == NULL)
		return -1;
	a->argc = 0;
	for (i = 1; i < argc; i++) {
		if (!dashes && strcmp(argv[i], "--") == 0) {
			dashes = 1;
			continue;
		}
		if (dashes || strncmp(argv[i], "--", 2) != 0) {
			w[a->argc++] = argv[i];
			continue;
		}
		argv[n++] = argv[i];
		j = cli_opt_index(a, argv[i] + 2);
		if (j != -1 && a->value[j] && i + 1 < argc)
			argv[n++] = argv[++i];
	}
	a->argv = argv + n;
	memcpy(a->argv, w, (size_t)a->argc * sizeof(*w));
	free(w);
	return n;
}

/* The word that named the option getopt_long has just read (o). */
static const char *
cli_opt_token(char **argv, const struct option *o)
{
	const char	*tok = argv[optind - 1];

	if (o->has_arg == required_argument && optarg == tok && optind >= 2)
		tok = argv[optind - 2];
	return tok;
}

/*
 * Whether the option getopt_long has just read (o) was spelled out in
 * full: getopt_long takes a prefix ("--js" for --json), sealmail does not.
 */
static int
cli_opt_exact(char **argv, const struct option *o)
{
	const char	*tok = cli_opt_token(argv, o);
	size_t		 len = strlen(o->name);

	return strncmp(tok, "--", 2) == 0 &&
	    strncmp(tok + 2, o->name, len) == 0 &&
	    (tok[2 + len] == '\0' || tok[2 + len] == '=');
}

int
cli_args_parse(const struct cli_cmd *cmd, int argc, char **argv,
    struct cli_args *a)
{
	struct option	lo[CLI_OPTS_MAX + 1];
	size_t		i;
	int		ch, n = argc;

	memset(a, 0, sizeof(*a));
	memset(lo, 0, sizeof(lo));
	if (cli_opts_read(cmd->opts, a) != 0)
		return -1;
	for (i = 0; i < a->nopts; i++) {
		lo[i].name = a->name[i];
		lo[i].has_arg = a->value[i] ? required_argument : no_argument;
		lo[i].val = 256 + (int)i;	/* no letter: '?' stays apart */
	}
	if ((cmd->flags & CLI_WORDS) && (n = cli_words_last(argc, argv, a)) < 0)
		return -1;
	optind = 0;		/* glibc: start afresh, permuting */
	opterr = 0;
	while ((ch = getopt_long(n, argv, "", lo, NULL)) != -1) {
		if (ch < 256 || a->n == CLI_ARGS_MAX ||
		    !cli_opt_exact(argv, &lo[ch - 256]))
			return -1;
		a->opt[a->n] = (size_t)(ch - 256);
		a->arg[a->n++] = a->value[ch - 256] ? optarg : NULL;
	}
	if (!(cmd->flags & CLI_WORDS)) {
		a->argc = argc - optind;
		a->argv = argv + optind;
	} else if (optind != n)
		return -1;
	return 0;
}

/* Where option name was given first from index i on; a->n when not. */
static size_t
cli_opt_find(const struct cli_args *a, const char *name, size_t i)
{
	int	j = cli_opt_index(a, name);

	while (i < a->n && (int)a->opt[i] != j)
		i++;
	return i;
}

/* Where option name was given last, plus one; 0 when it was not. */
static size_t
cli_opt_last(const struct cli_args *a, const char *name)
{
	size_t	i, last = 0;

	for (i = cli_opt_find(a, name, 0); i < a->n;
	    i = cli_opt_find(a, name, i + 1))
		last = i + 1;
	return last;
}

size_t
cli_opt_has(const struct cli_args *a, const char *name)
{
	size_t	i, n = 0;

	for (i = cli_opt_find(a, name, 0); i < a->n;
	    i = cli_opt_find(a, name, i + 1))
		n++;
	return n;
}

const char *
cli_opt_get(const struct cli_args *a, const char *name)
{
	size_t	last = cli_opt_last(a, name);

	return last > 0 ? a->arg[last - 1] : NULL;
}

int
cli_opt_pick(const struct cli_args *a, const char *no, const char *yes)
{
	size_t	n = cli_opt_last(a, no), y = cli_opt_last(a, yes);

	if (n == y)
		return -1;
	return y > n;
}

const char *
cli_opt_next(const struct cli_args *a, const char *name, size_t *ip)
{
	if ((*ip = cli_opt_find(a, name, *ip)) == a->n)
		return NULL;
	return a->arg[(*ip)++];
}

/*
 * How the usage lines of command name (and --passphrase-file) know
 * option opt ("--json", or "--folder=X" for "--folder"): 0 not at all, 1
 * as a flag, 2 as an option that takes a value.
 */
static int
cli_option_kind(const char *name, const char *opt)
{
	/* Taken after the command too: send's and outbox's own. */
	static const char	*global[] = { "--passphrase-file F" };
	const char		*p;
	size_t			 i, n = strcspn(opt, "=");

	for (i = 0; i < sizeof(global) / sizeof(global[0]); i++)
		if (strncmp(global[i], opt, n) == 0 &&
		    (global[i][n] == ' ' || global[i][n] == '\0'))
			return global[i][n] == ' ' ? 2 : 1;
	for (i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]); i++) {
		if (strcmp(cli_cmds[i]->name, name) != 0)
			continue;
		for (p = cli_cmds[i]->usage; (p = strstr(p, "--")) != NULL;
		    p += 2)
			if (strncmp(p, opt, n) == 0 &&
			    strchr(" |]", p[n]) != NULL)
				return p[n] == ' ' && p[n + 1] >= 'A' &&
				    p[n + 1] <= 'Z' ? 2 : 1;
	}
	return 0;
}

/*
 * The arguments of the command line that are not options (the command's
 * name first), an option's value aside; at most max, into args.
 */
static int
cli_positional(struct cli *c, const char **args, int max)
{
	int	i, n = 0, dashdash = 0;

	for (i = 0; i < c->argc && n < max; i++) {
		if (!dashdash && strcmp(c->argv[i], "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (i > 0 && !dashdash && strncmp(c->argv[i], "--", 2) == 0) {
			if (strchr(c->argv[i], '=') == NULL &&
			    cli_option_kind(c->cmd, c->argv[i]) == 2)
				i++;
			continue;
		}
		args[n++] = c->argv[i];
	}
	return n;
}

/* 1 when arg is one of the words of literal ("check|keyring"). */
static int
cli_literal_is(const char *literal, size_t len, const char *arg)
{
	const char	*p = literal, *end = literal + len, *q;

	for (; p < end; p = q + 1) {
		if ((q = memchr(p, '|', (size_t)(end - p))) == NULL)
			q = end;
		if (strlen(arg) == (size_t)(q - p) &&
		    strncmp(p, arg, (size_t)(q - p)) == 0)
			return 1;
	}
	return 0;
}

/*
 * Reads usage u against the n positional arguments: 0 when they fit as
 * far as they go (*missing then names the first required word past them,
 * or is empty), -1 when a literal word does not match (*bad is the
 * argument), -2 when u has alternatives this reading does not follow, -3
 * when an argument is left over where u takes no more (*bad is it), -4
 * when an argument standing for ID is not one (*bad is it).
 */
static int
cli_usage_fit(const char *u, const char **args, int n, char *missing,
    size_t len, const char **bad, int *literals)
{
	char		 w[128];
	const char	*p = u;
	size_t		 wl;
	int		 depth = 0, idx = 0, value = 0;

	*missing = '\0';
	*literals = 0;
	while (*p != '\0') {
		for (wl = 0; *p != '\0' && *p != ' '; p++) {
			if (*p == '[' || *p == ']') {
				depth += *p == '[' ? 1 : -1;
				continue;
			}
			if (depth == 0 && wl + 1 < sizeof(w))
				w[wl++] = *p;
		}
		while (*p == ' ')
			p++;
		w[wl] = '\0';
		/* Nothing, or "..." after "[--x V]": that option repeats. */
		if (wl == 0 || strcmp(w, "...") == 0)
			continue;
		if (strcmp(w, "|") == 0)
			return -2;
		if (w[0] == '-' && w[1] == '-') {
			value = 1;
			continue;
		}
		if (value && isupper((unsigned char)w[0])) {
			value = 0;
			continue;
		}
		value = 0;
		if (idx >= n) {
			if (wl > 3 && strcmp(w + wl - 3, "...") == 0)
				w[wl - 3] = '\0';
			snprintf(missing, len, "%s", w);
			return 0;
		}
		if (islower((unsigned char)w[0])) {
			if (!cli_literal_is(w, wl, args[idx])) {
				*bad = args[idx];
				return -1;
			}
			if (idx > 0)
				(*literals)++;
		} else if (strcmp(w, "ID") == 0 && cli_parse_id(args[idx]) == 0) {
			*bad = args[idx];
			return -4;
		}
		idx++;
	}
	/* "[QUERY]" or "FILE..." may take more than the words counted. */
	for (p = u; (p = strchr(p, '[')) != NULL; p++)
		if (isupper((unsigned char)p[1]))
			return 0;
	if (idx < n && strstr(u, "...") == NULL) {
		*bad = args[idx];
		return -3;
	}
	return 0;
}

/* Where option opt (n bytes, "--x") stands in usage u, or NULL. */
static const char *
cli_usage_opt_at(const char *u, const char *opt, size_t n)
{
	const char	*p;

	for (p = u; (p = strstr(p, "--")) != NULL; p += 2)
		if (strncmp(p, opt, n) == 0 && strchr(" |]", p[n]) != NULL)
			return p;
	return NULL;
}

/*
 * What the options of the command line break of usage u, in why (left
 * empty when nothing): an option given twice that u does not let repeat
 * ("[--x V]..."), two that u offers as alternatives in one bracket, or a
 * value not among those u lists ("--x a|b").
 */
static void
cli_usage_opts(const char *u, char **argv, int argc, char *why, size_t len)
{
	const char	*p, *q, *lo, *hi, *v, *alt;
	size_t		 n, m, al;
	int		 i, j;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		n = strcspn(argv[i], "=");
		if (strncmp(argv[i], "--", 2) != 0 ||
		    (p = cli_usage_opt_at(u, argv[i], n)) == NULL)
			continue;
		for (j = i + 1; j < argc && strcmp(argv[j], "--") != 0; j++) {
			m = strcspn(argv[j], "=");
			if (strncmp(argv[j], "--", 2) != 0 ||
			    (q = cli_usage_opt_at(u, argv[j], m)) == NULL)
				continue;
			if (q == p && strncmp(strchr(p, ']') != NULL ?
			    strchr(p, ']') : "", "]...", 4) != 0) {
				snprintf(why, len, "'%.*s' is given twice",
				    (int)n, argv[i]);
				return;
			}
			lo = p < q ? p : q;
			hi = p < q ? q : p;
			if (q != p && memchr(lo, '|', (size_t)(hi - lo)) !=
			    NULL && memchr(lo, ']', (size_t)(hi - lo)) ==
			    NULL && memchr(lo, '[', (size_t)(hi - lo)) == NULL) {
				snprintf(why, len, "'%.*s' and '%.*s' exclude "
				    "each other", (int)n, argv[i], (int)m,
				    argv[j]);
				return;
			}
		}
		/* "--x a|b|c": the value must be one of them. */
		if (p[n] != ' ')
			continue;
		alt = p + n + 1;
		al = strcspn(alt, " ]");
		if (!islower((unsigned char)*alt) ||
		    memchr(alt, '|', al) == NULL)
			continue;
		v = argv[i][n] == '=' ? argv[i] + n + 1 : i + 1 < argc ?
		    argv[i + 1] : NULL;
		if (v == NULL) {
			snprintf(why, len, "'%.*s' needs one of %.*s", (int)n,
			    argv[i], (int)al, alt);
			return;
		}
		if (cli_literal_is(alt, al, v))
			continue;
		snprintf(why, len, "'%.*s' takes %.*s, not '%s'", (int)n,
		    argv[i], (int)al, alt, v);
		return;
	}
}

/* Whether command name reads "-x" as a word (CLI_WORDS). */
static int
cli_cmd_words(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]); i++)
		if (strcmp(cli_cmds[i]->name, name) == 0 &&
		    (cli_cmds[i]->flags & CLI_WORDS))
			return 1;
	return 0;
}

/*
 * How the opts tables of command name know the n bytes at opt: 1 as an
 * option that takes no value, 0 as one that takes a value, -1 not at all
 * (a command that reads its options itself).
 */
static int
cli_opt_table_kind(const char *name, const char *opt, size_t n)
{
	const char	*p;
	char		 word[64];
	size_t		 i;

	if (snprintf(word, sizeof(word), "%.*s", (int)n, opt) >=
	    (int)sizeof(word))
		return -1;
	for (i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]); i++) {
		if (strcmp(cli_cmds[i]->name, name) != 0 ||
		    (p = cli_cmds[i]->opts) == NULL)
			continue;
		for (; (p = strstr(p, word)) != NULL; p += n)
			if ((p == cli_cmds[i]->opts || p[-1] == ' ') &&
			    strchr(" =", p[n]) != NULL)
				return p[n] != '=';
	}
	return -1;
}

/* The last line of a usage error over arg, which is no ID of what. */
static void
cli_bad_id_why(struct cli *c, const char *arg, const char *what,
    const char *lister)
{
	fprintf(stderr, "sealmail: %s: '%s' is not %s ID (a whole number "
	    "above 0, as %s prints)\n", c->cmd, arg, what, lister);
}

/*
 * Alternative k (from 0) of usage u of command name, into buf: "draft save
 * FILE|- | draft list" has two. -1 when u has no k-th.
 */
static int
cli_usage_alt(const char *u, const char *name, int k, char *buf, size_t len)
{
	const char	*p = u, *q;
	char		 sep[64];

	if (snprintf(sep, sizeof(sep), " | %s", name) >= (int)sizeof(sep))
		return -1;
	for (;;) {
		q = p;
		while ((q = strstr(q, sep)) != NULL &&
		    q[strlen(sep)] != ' ' && q[strlen(sep)] != '\0')
			q += strlen(sep);
		if (k-- == 0)
			break;
		if (q == NULL)
			return -1;
		p = q + 3;
	}
	snprintf(buf, len, "%.*s", (int)(q != NULL ? (size_t)(q - p) :
	    strlen(p)), p);
	return 0;
}

/*
 * The subcommands of command name, "a|b|c", into subs (empty when it has
 * none): the lowercase words after its name in its usage lines.
 */
static void
cli_subcommands(const char *name, char *subs, size_t len)
{
	char		 alt[256], one[64];
	const char	*w, *p, *q;
	size_t		 i, l, wl;
	int		 k;

	*subs = '\0';
	for (i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]); i++) {
		if (strcmp(cli_cmds[i]->name, name) != 0)
			continue;
		for (k = 0; cli_usage_alt(cli_cmds[i]->usage, name, k, alt,
		    sizeof(alt)) == 0; k++) {
			w = alt + strlen(name);
			w += *w == ' ';
			if (!islower((unsigned char)*w))
				continue;
			wl = strcspn(w, " ");
			for (p = w; p < w + wl; p = q + 1) {
				if ((q = memchr(p, '|', (size_t)(w + wl - p)))
				    == NULL)
					q = w + wl;
				l = strlen(subs);
				snprintf(one, sizeof(one), "%.*s",
				    (int)(q - p), p);
				if (!cli_literal_is(subs, l, one))
					snprintf(subs + l, len - l, "%s%s",
					    l > 0 ? "|" : "", one);
			}
		}
	}
}

/* "a|b|c" as "a, b, c", into buf (len bytes); buf. */
static const char *
cli_commas(const char *words, char *buf, size_t len)
{
	size_t	l = 0;

	for (; *words != '\0' && l + 3 < len; words++) {
		if (*words == '|') {
			buf[l++] = ',';
			buf[l++] = ' ';
		} else
			buf[l++] = *words;
	}
	buf[l] = '\0';
	return buf;
}

/* How c's arguments read against its usage lines. */
struct usage_read {
	char	missing[128];	/* the first word missing, or empty */
	char	subs[256];	/* the subcommands, when all are missing */
	char	alt[256];	/* the usage alternative read last */
};

/*
 * Reads the n positional arguments args against every alternative of
 * every usage line of c's command until one fits (or has an argument too
 * many, or a bad ID), into *u: cli_usage_fit's verdict on the last.
 */
static int
cli_usage_read(struct cli *c, const char **args, int n,
    struct usage_read *u, const char **bad, int *lit)
{
	char	one[128];
	size_t	i, l, ml;
	int	k, pass, fit = -2;

	*u->subs = '\0';
	/*
	 * An alternative that fits first, else one that says what is wrong:
	 * one of the subcommand named before one without it.
	 */
	for (pass = 0; pass < 3 && *u->subs == '\0'; pass++)
	for (i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]); i++) {
		if (strcmp(cli_cmds[i]->name, c->cmd) != 0)
			continue;
		for (k = 0; cli_usage_alt(cli_cmds[i]->usage, c->cmd, k,
		    u->alt, sizeof(u->alt)) == 0; k++) {
			fit = cli_usage_fit(u->alt, args, n, u->missing,
			    sizeof(u->missing), bad, lit);
			if (fit == 0 && islower((unsigned char)*u->missing) &&
			    n == 1) {
				/* No subcommand: name every one, once. */
				l = strlen(u->subs);
				ml = strlen(cli_commas(u->missing, one,
				    sizeof(one)));
				if (l < ml || strcmp(u->subs + l - ml, one) != 0)
					snprintf(u->subs + l,
					    sizeof(u->subs) - l, "%s%s",
					    l > 0 ? ", " : "", one);
				continue;
			}
			if (fit == 0 || (pass > 0 && (fit == -3 ||
			    fit == -4) && (pass == 2 || n < 2 ||
			    *bad != args[1])))
				return fit;
		}
	}
	return fit;
}

/*
 * Whether option opt ("--x" or "--x=V") is in some usage line of command
 * name but not in its usage alternative alt.
 */
static int
cli_opt_elsewhere(const char *name, const char *alt, const char *opt)
{
	size_t	i, n = strcspn(opt, "=");

	if (strncmp(opt, "--", 2) != 0 || cli_usage_opt_at(alt, opt, n))
		return 0;
	for (i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]); i++)
		if (strcmp(cli_cmds[i]->name, name) == 0 &&
		    cli_usage_opt_at(cli_cmds[i]->usage, opt, n) != NULL)
			return 1;
	return 0;
}

/*
 * The last line of a usage error whose words fit (sub, when not NULL,
 * the subcommand they fit): the options, one another's or the
 * subcommand's.
 */
static void
cli_usage_rest(struct cli *c, struct usage_read *u, const char *sub)
{
	char	why[128] = "";
	size_t	i;
	int	j;

	for (i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]) &&
	    *why == '\0'; i++)
		if (strcmp(cli_cmds[i]->name, c->cmd) == 0)
			cli_usage_opts(cli_cmds[i]->usage, c->argv, c->argc,
			    why, sizeof(why));
	for (j = 1; sub != NULL && *why == '\0' && j < c->argc &&
	    strcmp(c->argv[j], "--") != 0; j++)
		if (cli_opt_elsewhere(c->cmd, u->alt, c->argv[j]))
			snprintf(why, sizeof(why), "%s takes no '%.*s'", sub,
			    (int)strcspn(c->argv[j], "="), c->argv[j]);
	if (*why != '\0')
		fprintf(stderr, "sealmail: %s: %s\n", c->cmd, why);
	else
		fprintf(stderr, "sealmail: %s: an argument is missing, "
		    "or one too many (see the usage above)\n", c->cmd);
}

/*
 * The last line of a usage error: the first option the command does not
 * know, an option left without its value, the subcommand it does not
 * have, the argument that is missing, a message ID that is not a number,
 * else a word that the arguments do not fit the usage above.
 */
static void
cli_usage_why(struct cli *c)
{
	struct usage_read	 u;
	const char		*last, *args[16], *bad = NULL, *w, *eq;
	char			 all[256];
	int			 n, fit, lit = 0, kind;

	if (c->argc < 1 || c->argv == NULL)
		return;
	for (n = 1; n < c->argc; n++) {
		w = c->argv[n];
		if (strcmp(w, "--") == 0)
			break;
		/*
		 * No command has one-letter options: "-x" is one that none
		 * knows, but for a query's word; "-" is stdin, "-1" a bad ID.
		 */
		if (w[0] == '-' && w[1] != '-' && w[1] != '\0' &&
		    !isdigit((unsigned char)w[1]) && !cli_cmd_words(c->cmd))
			break;
		if (strncmp(w, "--", 2) != 0)
			continue;
		if ((kind = cli_option_kind(c->cmd, w)) == 2 &&
		    strchr(w, '=') == NULL)
			n++;	/* its value, whatever it looks like */
		if (kind == 1 && (eq = strchr(w, '=')) != NULL &&
		    cli_opt_table_kind(c->cmd, w + 2, (size_t)(eq - w - 2))
		    != 0) {
			fprintf(stderr, "sealmail: %s: option '%.*s' takes no "
			    "value\n", c->cmd, (int)(eq - w), w);
			return;
		}
		if (kind != 0)
			continue;
		break;
	}
	if (n < c->argc && strcmp(c->argv[n], "--") != 0) {
		fprintf(stderr, "sealmail: %s: unknown option '%s'\n",
		    c->cmd, c->argv[n]);
		return;
	}
	last = c->argv[c->argc - 1];
	if (c->argc > 1 && last[0] == '-' && strchr(last, '=') == NULL &&
	    cli_option_kind(c->cmd, last) == 2) {
		fprintf(stderr, "sealmail: %s: option '%s' needs a value\n",
		    c->cmd, last);
		return;
	}
	n = cli_positional(c, args, 16);
	fit = cli_usage_read(c, args, n, &u, &bad, &lit);
	cli_subcommands(c->cmd, all, sizeof(all));
	if (*u.subs != '\0')
		fprintf(stderr, "sealmail: %s: a subcommand is missing (%s)\n",
		    c->cmd, u.subs);
	else if (n > 1 && *all != '\0' && fit != 0 &&
	    !cli_literal_is(all, strlen(all), args[1]))
		fprintf(stderr, "sealmail: %s: no subcommand '%s' (%s has "
		    "%s)\n", c->cmd, args[1], c->cmd,
		    cli_commas(all, u.subs, sizeof(u.subs)));
	else if (fit == 0 && *u.missing != '\0')
		fprintf(stderr, "sealmail: %s%s%s: %s is missing\n", c->cmd,
		    lit > 0 ? " " : "", lit > 0 ? args[1] : "", u.missing);
	else if (fit == -3)
		fprintf(stderr, "sealmail: %s: '%s' is one argument too many\n",
		    c->cmd, bad);
	else if (fit == -4)
		cli_bad_id_why(c, bad, "a message", "list");
	else
		cli_usage_rest(c, &u, fit == 0 && lit > 0 ? args[1] : NULL);
}

/* The usage lines of c's command. */
static void
cli_usage_lines(struct cli *c)
{
	size_t	i;

	for (i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]); i++)
		if (c->cmd != NULL && strcmp(cli_cmds[i]->name, c->cmd) == 0)
			fprintf(stderr, "usage: sealmail [--home DIR] %s\n",
			    cli_cmds[i]->usage);
}

int
cli_usage(struct cli *c)
{
	cli_usage_lines(c);
	if (c->cmd != NULL)
		cli_usage_why(c);
	return 2;
}

int
cli_usage_id(struct cli *c, const char *arg, const char *what,
    const char *lister)
{
	cli_usage_lines(c);
	cli_bad_id_why(c, arg, what, lister);
	return 2;
}

int
cli_output_failed(struct cli *c)
{
	int	saved = errno;

	if (saved == EPIPE)
		return smerr_set(&c->err, SMERR_IO, "output closed");
	if (saved == 0)
		return smerr_set(&c->err, SMERR_IO, "writing output failed");
	return smerr_set(&c->err, SMERR_IO, "writing output: %s",
	    strerror(saved));
}

/*
 * Whatever a command printed without looking, checked as it ends: r,
 * or 1 after saying so when standard output did not take it all (a
 * reader that went away, a descriptor that is not open for writing).
 */
static int
cli_output_done(struct cli *c, int r)
{
	struct pollfd	pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };

	errno = 0;
	if (fflush(stdout) != EOF && !ferror(stdout))
		return r;
	if (r != 0)
		return r;		/* the command said why already */
	/* An earlier write failed: a pipe without a reader tells so. */
	if (errno == 0 && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR))
		errno = EPIPE;
	cli_output_failed(c);
	return cli_fail(c);
}

int
cli_print(struct cli *c, struct buf *b)
{
	if (fwrite(buf_data(b), 1, buf_len(b), stdout) != buf_len(b) ||
	    fputc('\n', stdout) == EOF || fflush(stdout) == EOF) {
		cli_output_failed(c);
		return 1;
	}
	return 0;
}

int
cli_print_built(struct cli *c, struct buf *b, int failed)
{
	if (b == NULL || failed)
		return smerr_nomem(&c->err);
	return cli_print(c, b);
}

static int
mkdir_private(const char *dir, struct smerr *e)
{
	char	*p, *s;

	if ((s = strdup(dir)) == NULL)
		return smerr_nomem(e);
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

int
app_check_mode(int fd, const char *path, const char *what, int secret,
    struct smerr *e)
{
	struct stat	sb;

	if ((fd != -1 ? fstat(fd, &sb) : stat(path, &sb)) == -1)
		return smerr_set(e, SMERR_IO, "%s: %s", path, strerror(errno));
	/*
	 * A pipe, or a file without a name (the memfd the terminal program
	 * hands its jobs), is no one else's to open.
	 */
	if (!S_ISDIR(sb.st_mode) && !(S_ISREG(sb.st_mode) && sb.st_nlink > 0))
		return 0;
	if ((sb.st_mode & (secret ? 0044 : 0022)) == 0)
		return 0;
	return smerr_set(e, SMERR_PERM, "%s: %s that group or others may %s "
	    "(mode %04o): chmod %s it", path, what, secret ? "read" : "write",
	    (unsigned)(sb.st_mode & 07777), secret ? "600" : "go-w");
}

int
app_file_buf(int fd, const char *path, const char *what, int secret,
    size_t max, struct buf **bp, struct smerr *e)
{
	struct stat	sb;
	int		r;

	*bp = NULL;
	/* Not the mode of a directory: no chmod would make it one. */
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode))
		r = smerr_set(e, SMERR_IO, "%s: a directory, not %s", path,
		    what);
	else if ((r = app_check_mode(fd, path, what, secret, e)) == 0 &&
	    (*bp = secret ? buf_new_secret(max) : buf_new(max)) == NULL)
		r = smerr_nomem(e);
	if (r != 0)
		close(fd);
	return r;
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
		r = smerr_nomem(e);
		goto fail;
	}
	if ((r = mkdir_private(*confdir, e)) != 0 ||
	    (r = mkdir_private(*datadir, e)) != 0 ||
	    (r = app_check_mode(-1, *confdir, "a home", 0, e)) != 0 ||
	    (r = app_check_mode(-1, *datadir, "a home", 0, e)) != 0)
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
		return smerr_nomem(&c->err);
	r = app_config_load(path, c->confdir, &c->cfg, &c->err);
	free(path);
	return r;
}

/*
 * --pin-file FILE (or --pin-file=FILE) after the command, which every
 * command takes: taken out of argv (up to a "--") into *filep. The new
 * argument count, or -1 when FILE is missing or empty.
 */
static int
pin_file_after(int argc, char **argv, int cmd, const char **filep)
{
	int	i, j, n;

	for (i = cmd + 1; i < argc && strcmp(argv[i], "--") != 0; ) {
		if (strncmp(argv[i], "--pin-file=", 11) == 0) {
			*filep = argv[i] + 11;
			n = 1;
		} else if (strcmp(argv[i], "--pin-file") == 0) {
			if (i + 1 >= argc)
				return -1;
			*filep = argv[i + 1];
			n = 2;
		} else {
			i++;
			continue;
		}
		if (**filep == '\0')
			return -1;
		for (j = i; j + n <= argc; j++)
			argv[j] = argv[j + n];
		argc -= n;
	}
	return argc;
}

/* Whether --help stands among a command's words, before any "--". */
static int
cli_help_asked(int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0)
			return 1;
	return 0;
}

/* sealmail CMD --help: every form of CMD, as --help lists them. */
static void
cli_help_cmd(const char *name)
{
	size_t	i;

	printf("usage:\n");
	for (i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]); i++)
		if (strcmp(cli_cmds[i]->name, name) == 0)
			cli_usage_one(stdout, cli_cmds[i]);
	printf("\nSee sealmail(1).\n");
}

int
app_cli_main(int argc, char **argv, struct app_opts *o)
{
	static const struct option longopts[] = {
		{ "home",		required_argument, NULL, 'H' },
		{ "passphrase-file",	required_argument, NULL, 'P' },
		{ "pin-file",		required_argument, NULL, 'I' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli	 c;
	const char	*bad;
	size_t		 i;
	int		 ch, r, cmdarg, li = 0;

	memset(o, 0, sizeof(*o));
	memset(&c, 0, sizeof(c));
	/* The key agent: nothing else of the program runs in it. */
	if (argc >= 2 && strcmp(argv[1], AGENT_ARG) == 0)
		return agent_main(argc == 3 &&
		    strcmp(argv[2], AGENT_TOKENS_ARG) == 0);
	o->home = getenv("SEALMAIL_HOME");
	o->passphrase_file = getenv("SEALMAIL_PASSPHRASE_FILE");
	o->pin_file = getenv("SEALMAIL_PIN_FILE");
	if (o->pin_file != NULL && *o->pin_file == '\0')
		o->pin_file = NULL;
	if (o->passphrase_file != NULL && *o->passphrase_file == '\0')
		o->passphrase_file = NULL;
	if (o->home != NULL && *o->home == '\0')
		o->home = NULL;
	opterr = 0;
	optind = 1;
	/* '+': stop at the command; its own options follow it. */
	while ((ch = getopt_long(argc, argv, "+:h", longopts, &li)) != -1) {
		if (ch == ':') {
			cli_usage_all(stderr);
			fprintf(stderr, "sealmail: option '%s' needs a value\n",
			    argv[optind - 1]);
			return 2;
		}
		/* --home '': no directory has no name. */
		if ((ch == 'H' || ch == 'P' || ch == 'I') && *optarg == '\0') {
			cli_usage_all(stderr);
			fprintf(stderr, "sealmail: option '--%s' needs a "
			    "value, not ''\n", longopts[li].name);
			return 2;
		}
		bad = argv[optind - 1];
		/* A long option (not -h) given by a prefix is unknown. */
		if (ch != '?' && strcmp(bad, "-h") != 0 &&
		    !cli_opt_exact(argv, &longopts[li])) {
			bad = cli_opt_token(argv, &longopts[li]);
			ch = '?';
		}
		switch (ch) {
		case 'H':
			o->home = optarg;
			break;
		case 'P':
			o->passphrase_file = optarg;
			break;
		case 'I':
			o->pin_file = optarg;
			break;
		case 'V':
			printf("sealmail %s\n", SEALMAIL_VERSION);
			return cli_output_done(&c, 0);
		case 'h':
			cli_usage_all(stdout);
			return cli_output_done(&c, 0);
		default:
			cli_usage_all(stderr);
			fprintf(stderr, "sealmail: unknown option '%s' "
			    "(sealmail --help lists the options)\n", bad);
			return 2;
		}
	}
	if (optind >= argc)
		return APP_CLI_INTERACTIVE;

	c.cmd = argv[optind];
	for (i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]); i++)
		if (strcmp(cli_cmds[i]->name, c.cmd) == 0)
			break;
	if (i == sizeof(cli_cmds) / sizeof(cli_cmds[0])) {
		cli_usage_all(stderr);
		fprintf(stderr, "sealmail: unknown command '%s' "
		    "(sealmail --help lists the commands)\n", c.cmd);
		return 2;
	}
	if (cli_help_asked(argc - optind, argv + optind)) {
		cli_help_cmd(c.cmd);
		return cli_output_done(&c, 0);
	}
	c.home = o->home;
	c.passphrase_file = o->passphrase_file;
	c.pin_file = o->pin_file;
	if ((argc = pin_file_after(argc, argv, optind, &c.pin_file)) < 0) {
		fprintf(stderr, "sealmail: option '--pin-file' needs a "
		    "file\n");
		return 2;
	}
	c.argc = argc - optind;
	c.argv = argv + optind;
	if (app_dirs(c.home, &c.confdir, &c.datadir, &c.err) != 0)
		return cli_fail(&c);
	cmdarg = optind;
	optind = 1;		/* each command parses its own options */
	cli_tokens_begin(&c, 1);
	r = cli_cmds[i]->fn(&c, argc - cmdarg, argv + cmdarg);
	r = cli_output_done(&c, r);
	cli_tokens_end();
	app_config_free(c.cfg);
	free(c.confdir);
	free(c.datadir);
	return r;
}
