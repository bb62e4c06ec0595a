/*
 * app/sync.h: IMAP -> S/MIME engine -> encrypted store. Each new message
 * is fetched, decrypted with the user's keys, verified and judged, and
 * stored decrypted with its verdict in one transaction; flags go both
 * ways; expunges and UIDVALIDITY changes are followed. Interrupted
 * anywhere, a later run completes the work with nothing lost or doubled.
 */
#ifndef SEALMAIL_APP_SYNC_H
#define SEALMAIL_APP_SYNC_H

#include <stddef.h>
#include <stdint.h>

struct smerr;
struct store;
struct keys;
struct dns;
struct crypto_ctx;
struct app_account;
struct app_revoke;

struct sync_progress {
	const char	*folder;
	size_t		 done;		/* new messages stored so far */
	size_t		 total;		/* new messages the server has */
	double		 seconds;	/* since this folder started */
};

struct sync_stats {
	size_t	 folders;
	size_t	 fetched;	/* new messages stored */
	size_t	 rebound;	/* kept ones bound to a new UID (UIDVALIDITY) */
	size_t	 flags_in;	/* flag changes taken from the server */
	size_t	 flags_out;	/* local flag changes pushed */
	size_t	 expunged;	/* removed because the server expunged them */
	size_t	 pending;	/* stored undecrypted, waiting for a key */
	size_t	 retried;	/* earlier undecryptable ones now decrypted */
	size_t	 indexed;	/* added to the search index */
	double	 seconds;
};

struct sync_opts {
	const struct app_account *acct;
	const char		*password;
	struct store		*store;
	struct keys		*keys;
	struct dns		*dns;		/* NULL: no TLSA, no SMIMEA */
	int			 dns_addr;	/* server address from dns too */
	const char		*folder;	/* NULL: every subscribed one */
	struct app_revoke	*revoke;	/* NULL: no revocation check */
	void			(*progress)(void *, const struct sync_progress *);
	/* A warning (one line, safe to print) that does not stop the sync. */
	void			(*warn)(void *, const char *);
	void			*arg;
};

/* Syncs the account's folders. 0 or SMERR_*; stats filled either way. */
int	 sync_run(const struct sync_opts *o, struct sync_stats *st,
	    struct smerr *e);

/*
 * Connects to the account's IMAP server and logs in: the session every
 * command that talks to the server uses. *lp (net_lookup_free) holds
 * the server's lookup.
 */
struct imap;
struct net_lookup;
int	 sync_connect(const struct sync_opts *o, struct imap **ip,
	    struct net_lookup **lp, struct smerr *e);

/*
 * Tells the server the moves, copies and expunges made here (queued in
 * the store), oldest first, each once; *donep (may be NULL) counts them.
 * A server that refuses one (a folder that cannot be made) drops it with
 * the error kept in e; a broken connection stops with the rest queued.
 */
int	 app_move_push(struct store *st, struct imap *im, const char *account,
	    size_t *donep, struct smerr *e);

/*
 * A context of the S/MIME engine with the key store's anchors, identities
 * (with their private keys) and peers' certificates (as intermediates).
 */
int	 sync_crypto_ctx(struct keys *k, struct crypto_ctx **ctxp,
	    struct smerr *e);
/*
 * The same, but the key agent is started (and a token asked its PIN) only
 * when a message first needs a private key: agent_hook_deferred.
 */
int	 sync_deferred_ctx(struct keys *k, struct crypto_ctx **ctxp,
	    struct smerr *e);
/*
 * The same without the identities' keys, for checking others'
 * certificates (a lookup, recipients' revocation): no key agent is
 * started, so no token is asked for its PIN.
 */
int	 sync_verify_ctx(struct keys *k, struct crypto_ctx **ctxp,
	    struct smerr *e);

/* *anyp: 1 when some message stored waits for a key. */
int	 sync_pending_any(struct store *st, int *anyp, struct smerr *e);

/*
 * Judges again every message stored undecryptable (after a key import);
 * *donep counts those now decrypted.
 */
int	 sync_retry_pending(struct store *st, struct keys *k,
	    struct crypto_ctx *ctx, size_t *donep, struct smerr *e);

#endif
