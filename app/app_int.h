/* app/app_int.h: shared by the files of app/ only. */
#ifndef SEALMAIL_APP_INT_H
#define SEALMAIL_APP_INT_H

#include <sys/types.h>

#include <stdint.h>
#include <time.h>

#include "app/app.h"
#include "base/err.h"
#include "net/net.h"

struct buf;
struct dns;
struct net_lookup;
struct net_server;
struct store;

struct mime_msg;
struct mime_part;

/*
 * Starts "sh -c cmd" (in dir unless it is NULL) with its standard output
 * into a pipe whose read end is *fdp; with quiet its input and error
 * output are /dev/null. The caller reaps *pidp. 0 or SMERR_IO.
 */
int	 app_sh_start(const char *cmd, const char *dir, int quiet,
	    pid_t *pidp, int *fdp, struct smerr *e);
/*
 * 1 when p is an S/MIME envelope (or a part claiming to be one): in a
 * stored message, one that was not opened (app/reply.c).
 */
int	 app_part_is_envelope(const struct mime_part *p);
/*
 * Parses msg into *mp and finds its leaf index (from 1, as app_parts
 * numbers them), *partp. 0, or SMERR_* (SMERR_NOTFOUND when there is no
 * such part) with *mp NULL; the caller frees *mp, before msg (which *mp
 * may read where it lies).
 */
int	 app_part_find(const uint8_t *msg, size_t len, size_t index,
	    struct mime_msg **mp, const struct mime_part **partp,
	    struct smerr *e);

/* One command-line invocation. */
struct cli {
	const char		*cmd;
	const char		*home;
	const char		*passphrase_file;
	const char		*pin_file;	/* --pin-file or env */
	int			 argc;		/* the command and its */
	char			**argv;		/* arguments */
	char			*confdir;
	char			*datadir;
	struct app_config	*cfg;
	struct smerr		 err;
};

struct cli_cmd {
	const char	*name;
	int		(*fn)(struct cli *, int, char **);
	const char	*usage;
	const char	*help;
	/*
	 * The options the command reads with cli_args_parse, each a word:
	 * "json" for --json, "account=" for --account taking a value.
	 */
	const char	*opts;
	int		 flags;
#define CLI_WORDS	0x1	/* only "--" words are options: "-x" is not */
};

/*
 * A command line read by cli_args_parse: the options in the order given
 * (which, and the value), then the words that are not options.
 */
#define CLI_OPTS_MAX	16
#define CLI_ARGS_MAX	256
struct cli_args {
	char		 names[256];		/* the options' names */
	const char	*name[CLI_OPTS_MAX];
	int		 value[CLI_OPTS_MAX];	/* 1: takes a value */
	size_t		 nopts;
	size_t		 n;
	size_t		 opt[CLI_ARGS_MAX];	/* an index of name */
	const char	*arg[CLI_ARGS_MAX];
	int		 argc;
	char		**argv;
};

/*
 * Reads argv (argv[0] the command's name) by cmd's options into *a; the
 * words left point into argv, which it reorders. -1 on a usage error.
 */
int	 cli_args_parse(const struct cli_cmd *cmd, int argc, char **argv,
	    struct cli_args *a);
/* How many times option name was given. */
size_t	 cli_opt_has(const struct cli_args *a, const char *name);
/* The option's last value, NULL when it was not given. */
const char *cli_opt_get(const struct cli_args *a, const char *name);
/*
 * Of a pair such as --no-sign and --sign: 1 when yes came last, 0 when
 * no did, -1 when neither was given.
 */
int	 cli_opt_pick(const struct cli_args *a, const char *no,
	    const char *yes);
/* Each of the option's values in turn, from *ip = 0; NULL past the last. */
const char *cli_opt_next(const struct cli_args *a, const char *name,
	    size_t *ip);

/*
 * Reads a message of at most max bytes from path ("-": stdin, named
 * "standard input") into *bp, without an mbox's "From " line before it;
 * 0, or SMERR_* with *bp NULL and e naming
 * the file and the cause, also for input that is empty or does not begin
 * with header fields (cli_not_message).
 */
int	 app_read_message(const char *path, size_t max, struct buf **bp,
	    struct smerr *e);
/* app_read_message, as much as send takes, the error into c. */
int	 cli_read_message(struct cli *c, const char *path, struct buf **bp);
/* Sets e to "path: not a message" and returns SMERR_PARSE. */
int	 cli_not_message(struct smerr *e, const char *path);
/*
 * An ID from the command line; 0 when it is not a positive integer
 * written in decimal digits alone.
 */
int64_t	 cli_parse_id(const char *s);
/*
 * Keeps text as draft *idp (0: a new one, its id stored back) with the
 * reason it is still a draft, and says so on stderr. 0 or -1.
 */
struct app_file;
int	 cli_keep_draft(struct cli *c, struct store *st, const char *account,
	    const struct buf *text, int64_t *idp, const char *reason,
	    const struct app_file *files, size_t nfiles);

/* Loads HOME/config once; 0 or SMERR_*, with c->err set. */
int	 cli_config(struct cli *c);
/* Prints "sealmail: <message of c->err>" on stderr; returns 1. */
int	 cli_fail(struct cli *c);
/* Prints a usage line for c->cmd on stderr; returns 2. */
int	 cli_usage(struct cli *c);
/*
 * The usage lines of c->cmd, then that arg is not what's ID ("a draft"),
 * the number lister prints ("draft list"); returns 2.
 */
int	 cli_usage_id(struct cli *c, const char *arg, const char *what,
	    const char *lister);
/*
 * 0, or SMERR_PERM naming path (what it is, e.g. "a home") when group or
 * others may write it, or with secret set (a passphrase or PIN file) read
 * it, as ssh refuses; fd is the open file, or -1 to look path up.
 */
int	 app_check_mode(int fd, const char *path, const char *what,
	    int secret, struct smerr *e);
/*
 * Checks the open file fd at path as app_check_mode does (a directory is
 * not what, whatever its mode), then makes *bp to read it into: at most
 * max bytes, wiped when secret. 0, or SMERR_* with fd closed.
 */
int	 app_file_buf(int fd, const char *path, const char *what,
	    int secret, size_t max, struct buf **bp, struct smerr *e);
/*
 * The net_server that reaches server as of account a, with its TLSA records
 * (and, with dns_addr, its address) looked up through dns (NULL: none);
 * *lp keeps the memory they point into (net_lookup_free).
 */
int	 app_server_lookup(const struct app_account *a,
	    const struct app_server *as, struct dns *dns, int dns_addr,
	    struct net_server *srv, struct net_lookup **lp, struct smerr *e);
/* Writes b to stdout followed by a newline; 0 or 1 (write error). */
int	 cli_print(struct cli *c, struct buf *b);
/*
 * The same for a b just built: when it is NULL or failed says an append
 * to it failed, records that memory ran out instead. 0 or nonzero.
 */
int	 cli_print_built(struct cli *c, struct buf *b, int failed);
/*
 * A message's first members as list --json and its kin (draft list,
 * outbox) write them: id, folder and UID, null for uid 0 (only here).
 */
struct json_w;
struct store_msg;
void	 cli_json_ids(struct json_w *w, int64_t id, const char *folder,
	    uint32_t uid);
/*
 * The header members list --json adds for a client (account, to, cc,
 * message_id, in_reply_to, references, size, attachments); outbox --json
 * writes them too.
 */
void	 cli_json_fields(struct json_w *w, const struct store_msg *m);
/*
 * Records that writing to stdout failed, as errno says: a reader that
 * went away (EPIPE: `| head`) is "output closed". Returns SMERR_IO.
 */
int	 cli_output_failed(struct cli *c);

/*
 * The store and key store for a command (app/open.c). cli_open_store gets
 * the store key from the Secret Service, or from a passphrase (the
 * passphrase file, else the terminal) after a one-line notice on stderr;
 * it creates the store on first use. cli_open_keys opens the store too
 * unless *stp is already open; close with keys_close, then store_close.
 * 0 or SMERR_* with c->err set.
 */
struct store;
struct keys;
int	 cli_open_store(struct cli *c, struct store **stp);
int	 cli_open_store_with(struct cli *c, const char *passfile,
	    struct store **stp);
int	 cli_open_keys(struct cli *c, struct store **stp, struct keys **kp);
/* A passphrase file's contents without its trailing newline. */
int	 cli_read_passfile(const char *path, struct buf **passp,
	    struct smerr *e);
/* The same for a secret of another kind (what: "PIN"). */
int	 cli_read_secret_file(const char *path, const char *what,
	    struct buf **passp, struct smerr *e);
/*
 * Keys on tokens for this command (app/pin.c): the agent gets the module
 * from [pkcs11] (else p11-kit's proxy) and the PIN from c->pin_file, the
 * Secret Service (account: the identity's URI) or the terminal, asked
 * once. With retype, a kept PIN the token refused (or was not offered)
 * is said on stderr and the PIN asked on the terminal instead, once,
 * when there is one; without, the caller does that itself (the terminal
 * program). cli_tokens_end forgets the PIN.
 */
void	 cli_tokens_begin(struct cli *c, int retype);
void	 cli_tokens_end(void);
/* The PIN for the token of uri, from the sources above. */
int	 cli_token_pin(struct cli *c, const char *uri, struct buf **pinp,
	    struct smerr *e);
/*
 * A token refused the PIN: it is forgotten with where it came from (the
 * PIN file, the Secret Service), and until cli_tokens_end the PIN is only
 * asked on the terminal.
 */
void	 cli_token_pin_refused(struct cli *c);
/* Asks on the terminal without echo (twice: confirm). */
int	 cli_ask_secret(const char *prompt, int twice, struct buf **passp,
	    struct smerr *e);

/*
 * Keeps the certificate and the SMIMECapabilities of a verified signer who
 * is the sender (v->harvest_addr set by the engine); raw is the message as
 * judged. *replaced is set when another certificate for the address was
 * kept before.
 */
struct crypto_verdict;
int	 app_harvest(struct keys *k, const struct crypto_verdict *v,
	    const uint8_t *raw, size_t len, int *replaced, struct smerr *e);

/*
 * The header fields a client needs, read from a message (app/headers.c):
 * addresses as comma-separated addr-specs, msg-ids as "<...>".
 */
struct store_msg;
struct app_headers {
	char	*to;
	char	*cc;
	char	*reply_to;
	char	*message_id;
	char	*in_reply_to;
	char	*references;	/* space-separated */
	char	*list_post;
	size_t	 attachments;
	char	*from_name;	/* From's display name, sanitized */
	char	*to_names;	/* To's and Cc's display names */
};
/* hp: the protected header section, read instead of msg's (or NULL). */
int	 app_headers_read(const uint8_t *msg, size_t len,
	    const struct buf *hp, struct app_headers *h, struct smerr *e);
void	 app_headers_clear(struct app_headers *h);
/* Points m's header members at h's strings. */
void	 app_headers_to_msg(const struct app_headers *h, struct store_msg *m);
/* Reads msg's fields and stores them as those of message id. */
int	 app_headers_store(struct store *st, int64_t id, const uint8_t *msg,
	    size_t len, const struct buf *hp, struct smerr *e);
/* Reads the fields of every message stored without them (format 3). */
int	 app_headers_upgrade(struct store *st, struct smerr *e);

/*
 * The commands (app/cmd-*.c): each file's entries, one per usage line,
 * beside its code; app/cli.c lists them in --help's order.
 */
extern const struct cli_cmd cmd_config_entry;
extern const struct cli_cmd cmd_keys_import_entry, cmd_keys_pkcs11_entry;
extern const struct cli_cmd cmd_keys_trust_entry;
extern const struct cli_cmd cmd_keys_list_entry, cmd_keys_lookup_entry;
extern const struct cli_cmd cmd_keys_remove_entry;
extern const struct cli_cmd cmd_sync_entry;
extern const struct cli_cmd cmd_list_entry, cmd_show_entry;
extern const struct cli_cmd cmd_search_entry, cmd_flag_entry;
extern const struct cli_cmd cmd_store_entry;
extern const struct cli_cmd cmd_inspect_entry;
extern const struct cli_cmd cmd_send_entry, cmd_send_draft_entry;
extern const struct cli_cmd cmd_outbox_entry;
extern const struct cli_cmd cmd_draft_entry;
extern const struct cli_cmd cmd_reply_entry, cmd_forward_entry;
extern const struct cli_cmd cmd_export_entry;
extern const struct cli_cmd cmd_move_entry, cmd_copy_entry, cmd_delete_entry;
extern const struct cli_cmd cmd_setup_entry, cmd_watch_entry;
extern const struct cli_cmd cmd_check_entry;
/* Called by other commands too (keys lookup, list --outbox, setup). */
int	 cmd_keys(struct cli *, int, char **);
int	 cmd_keys_lookup(struct cli *, int, char **);
int	 cmd_keys_remove(struct cli *, int, char **);
int	 cmd_outbox(struct cli *, int, char **);
int	 cmd_draft(struct cli *, int, char **);
struct crypto_ctx;

/*
 * How check saw one server (app/cmd-check.c): connected (TLSA through
 * dns, TLS, the server authenticated), then logged in.
 */
struct check_result {
	const char		*proto;
	char			 label[300];
	const char		*tls;
	const char		*tlsa;		/* the contract's word */
	int			 tlsa_failed;	/* the lookup failed */
	char			 tlsa_why[256];	/* a failed lookup's reason */
	enum net_auth		 auth;
	int			 login;		/* 1 ok, 0 not tried */
	int			 done;		/* connected */
};
/*
 * Connects to a's IMAP (imap set) or SMTP server exactly as sync and send
 * do (dns may be NULL; with dns_addr the server's address comes from dns
 * too), then logs in with typed, or when it is NULL with the account's
 * password (password-command in home, or the Secret Service). No
 * password leaves before the server is authenticated. 0 or SMERR_*.
 */
struct dns;
int	 app_check_server(const struct app_account *a, const char *home,
	    struct dns *dns, int dns_addr, int imap, const char *typed,
	    struct check_result *res, struct smerr *e);

/*
 * First run (app/setup.c). server[0] and url[0] are the IMAP server,
 * [1] the submission server; srv says whether SRV records named them.
 */
enum app_srv { APP_SRV_NONE, APP_SRV_SECURE, APP_SRV_INSECURE };
struct app_setup {
	struct app_server	 server[2];
	char			*url[2];	/* as written to the config */
	enum app_srv		 srv;		/* INSECURE if either was */
};
void	 app_setup_clear(struct app_setup *s);
/*
 * The servers of domain from its SRV records (RFC 6186: _imaps._tcp,
 * then _imap._tcp; _submissions._tcp, then _submission._tcp), for the
 * protocols wanted. domain is ASCII: one outside ASCII comes as its
 * A-labels (base/idn.h), the names the records are asked under. A bogus
 * answer is SMERR_DNSSEC; a target from an answer DNSSEC did not vouch
 * for is used only inside domain (otherwise SMERR_DNSSEC); no record is
 * SMERR_NOTFOUND. Each message asks for --imap and --smtp where they
 * would help.
 */
int	 app_setup_discover(struct dns *d, const char *domain, int want_imap,
	    int want_smtp, struct app_setup *s, struct smerr *e);
/* Takes the server of proto (0 IMAP, 1 SMTP) from a URL the user gave. */
int	 app_setup_given(int proto, const char *url, struct app_setup *s,
	    struct smerr *e);
/*
 * Adds a's [account] section, with s's URLs, to the configuration at path
 * (created 0600 when missing; the rest kept as it is), through a new file
 * renamed over the old one, after reading the result back. The caller has
 * checked that no account of that name exists.
 */
int	 app_setup_write(const char *path, const char *home,
	    const struct app_account *a, const struct app_setup *s,
	    struct smerr *e);
/*
 * The account password: password-command or the Secret Service, else a
 * prompt on the terminal (app/cmd-sync.c). *pwp is malloc'd; wipe it.
 * *typed (when not NULL) says whether it was typed at the prompt.
 */
int	 cli_password(struct cli *c, const struct app_account *a, char **pwp,
	    int *typed);
/*
 * The validating resolver of the [dns] section (app/cmd-keys-lookup.c);
 * without one the system's resolver and the root anchor, or with
 * configured_only nothing (*dp NULL). 0 or SMERR_* with c->err set.
 */
struct dns;
int	 cli_open_dns(struct cli *c, int configured_only, struct dns **dp);

/*
 * What a command that works for an account opens (app/open.c): the
 * configuration, the account (name, or the first one when NULL), then as
 * flags ask the store and key store and a resolver. A resolver that does
 * not start fails the command when [dns] names it, unless CLI_DNS_SOFT;
 * otherwise env->dns stays NULL and env->dns_err says why. 0 or SMERR_*
 * with c->err set (and nothing left open); cli_account_close ends it.
 */
#define CLI_OPEN_KEYS		0x01	/* the store and the key store */
#define CLI_OPEN_DNS		0x02	/* [dns]'s resolver, else the system's */
#define CLI_OPEN_DNS_CONF	0x04	/* [dns]'s resolver only */
#define CLI_DNS_SOFT		0x08	/* a resolver that fails is not fatal */
#define CLI_NEED_IMAP		0x10	/* the account must name an IMAP server */
struct cli_account_env {
	const struct app_account	*acct;
	struct store			*st;
	struct keys			*k;
	struct dns			*dns;
	struct smerr			 dns_err;
};
int	 cli_account_open(struct cli *c, const char *account, int flags,
	    struct cli_account_env *env);
/*
 * Sets c->err for an account that is not in the configuration (account
 * NULL: none at all, with where it was looked for and how to add one).
 */
int	 cli_no_account(struct cli *c, const char *account);
void	 cli_account_close(struct cli_account_env *env);
/*
 * SMIMEA for the reader (app/cmd-keys-lookup.c): cli_dane_attach clears
 * d and, with dns (a [dns] section is set), has ctx ask SMIMEA through it
 * for its signers; d must outlive ctx's judging. k may be NULL. The first
 * failed lookup's message stays in err until the caller clears it. Once
 * a query has timed out, later signers get CRYPTO_DANE_ERROR at once, so
 * that a sync does not wait a timeout per message.
 */
#include "crypto/crypto.h"
struct cli_dane {
	struct keys	*k;
	struct dns	*dns;
	struct smerr	 err;
	int		 down;	/* no answer in time: stop asking */
};
void	 cli_dane_attach(struct cli_dane *d, struct crypto_ctx *ctx,
	    struct keys *k, struct dns *dns);

#endif
