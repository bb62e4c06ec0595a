/* app/app_int.h: shared by the files of app/ only. */
#ifndef SEALMAIL_APP_INT_H
#define SEALMAIL_APP_INT_H

#include <stdint.h>
#include <time.h>

#include "app/app.h"
#include "base/err.h"

struct buf;
struct store;

/* One command-line invocation. */
struct cli {
	const char		*cmd;
	const char		*home;
	const char		*passphrase_file;
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
};

/* Reads a message from path ("-": stdin) into *bp; 0 or SMERR_*. */
int	 cli_read_message(struct cli *c, const char *path, struct buf **bp);
/* Appends t as a JSON ISO 8601 UTC string. */
int	 cli_json_date(struct buf *out, time_t t);
/* An ID from the command line; 0 when it is not a positive integer. */
int64_t	 cli_parse_id(const char *s);
/*
 * Keeps text as draft *idp (0: a new one, its id stored back) with the
 * reason it is still a draft, and says so on stderr. 0 or -1.
 */
int	 cli_keep_draft(struct cli *c, struct store *st, const char *account,
	    const struct buf *text, int64_t *idp, const char *reason);

/* Loads HOME/config once; 0 or SMERR_*, with c->err set. */
int	 cli_config(struct cli *c);
/* Prints "sealmail: <message of c->err>" on stderr; returns 1. */
int	 cli_fail(struct cli *c);
/* Prints a usage line for c->cmd on stderr; returns 2. */
int	 cli_usage(struct cli *c);
/*
 * 0, or SMERR_PERM naming path (what it is, e.g. "a home") when group or
 * others may write it, or with secret set (a passphrase or PIN file) read
 * it, as ssh refuses; fd is the open file, or -1 to look path up.
 */
int	 app_check_mode(int fd, const char *path, const char *what,
	    int secret, struct smerr *e);
/* Writes b to stdout followed by a newline; 0 or 1 (write error). */
int	 cli_print(struct cli *c, struct buf *b);

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
int	 app_harvest(struct keys *k, struct store *st,
	    const struct crypto_verdict *v, const uint8_t *raw, size_t len,
	    int *replaced, struct smerr *e);

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
};
int	 app_headers_read(const uint8_t *msg, size_t len,
	    struct app_headers *h, struct smerr *e);
void	 app_headers_clear(struct app_headers *h);
/* Points m's header members at h's strings. */
void	 app_headers_to_msg(const struct app_headers *h, struct store_msg *m);
/* Reads the fields of every message stored without them (format 3). */
int	 app_headers_upgrade(struct store *st, struct smerr *e);

/* Command entry points (app/cmd-*.c). */
int	 cmd_config_check(struct cli *, int, char **);
int	 cmd_keys(struct cli *, int, char **);
int	 cmd_keys_lookup(struct cli *, int, char **);
int	 cmd_sync(struct cli *, int, char **);
int	 cmd_list(struct cli *, int, char **);
int	 cmd_show(struct cli *, int, char **);
int	 cmd_search(struct cli *, int, char **);
int	 cmd_flag(struct cli *, int, char **);
int	 cmd_store(struct cli *, int, char **);
int	 cmd_inspect(struct cli *, int, char **);
struct crypto_ctx;
int	 cmd_send(struct cli *, int, char **), cmd_outbox(struct cli *, int, char **);
int	 cmd_draft(struct cli *, int, char **);
int	 cmd_check(struct cli *, int, char **);
int	 cmd_watch(struct cli *, int, char **);
int	 cmd_reply(struct cli *, int, char **);
int	 cmd_forward(struct cli *, int, char **);
int	 cmd_export(struct cli *, int, char **);
int	 cmd_move(struct cli *, int, char **);
int	 cmd_copy(struct cli *, int, char **);
int	 cmd_delete(struct cli *, int, char **);
/*
 * The account password: password-command or the Secret Service, else a
 * prompt on the terminal (app/cmd-sync.c). *pwp is malloc'd; wipe it.
 * *typed (when not NULL) says whether it was typed at the prompt.
 */
int	 cli_password(struct cli *c, const struct app_account *a, char **pwp,
	    int *typed);
/* The message ID an argument names; 0 when it names none. */
int64_t	 cli_msg_id(const char *s);
/*
 * The validating resolver of the [dns] section (app/cmd-keys-lookup.c);
 * without one the system's resolver and the root anchor, or with
 * configured_only nothing (*dp NULL). 0 or SMERR_* with c->err set.
 */
struct dns;
int	 cli_open_dns(struct cli *c, int configured_only, struct dns **dp);
/*
 * SMIMEA for the reader (app/cmd-keys-lookup.c): the hook to give to
 * crypto_ctx_set_dane with a struct cli_dane as its argument. k may be
 * NULL; with dns NULL every answer is CRYPTO_DANE_NONE. The first failed
 * lookup's message stays in err until the caller clears it. Once the
 * resolver has not answered, later signers get CRYPTO_DANE_ERROR at once,
 * so that a sync does not wait a timeout per message.
 */
#include "crypto/crypto.h"
struct cli_dane {
	struct keys	*k;
	struct dns	*dns;
	struct smerr	 err;
	int		 down;	/* the resolver did not answer: stop asking */
};
enum crypto_dane cli_dane_hook(void *arg, const char *address,
	    const uint8_t *der, size_t len);

#endif
