/*
 * store/store.h: the encrypted local store (SQLCipher): messages, verdicts,
 * folders and sync state, the outbox, certificates and identities. One
 * database file under the data home; nothing in it is ever in clear on
 * disk. This header knows no SQLite type.
 *
 * The signatures below are the contract other folders build on; the owner
 * of store/ may add to them.
 */
#ifndef SEALMAIL_STORE_H
#define SEALMAIL_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf;
struct smerr;
struct store;

#define STORE_KEY_LEN	32

/*
 * Opens (creating when absent) the store in datadir with the 256-bit key.
 * Refuses a library that is not SQLCipher, and reports a wrong key as
 * such. 0 or a negative SMERR_* code.
 */
int	 store_open(const char *datadir, const uint8_t key[STORE_KEY_LEN],
	    struct store **stp, struct smerr *e);
/* Closes; NULL is a no-op. */
void	 store_close(struct store *st);
/* 1 when datadir already holds a store. */
int	 store_exists(const char *datadir);

/*
 * For a long run of writes (a first sync): until store_ckpt_stop, the
 * write-ahead log is copied into the database by a thread of its own on
 * a second connection, each commit waking it, instead of by the writer
 * itself, which waits for it only when the log has grown long. What is
 * flushed, and in which order, stays as without it. A failure to start
 * leaves the writer checkpointing as before: 0 or SMERR_*, nothing to
 * undo. store_ckpt_stop waits for the last commit's checkpoint; store_close
 * stops it too.
 */
int	 store_ckpt_start(struct store *st, struct smerr *e);
void	 store_ckpt_stop(struct store *st);

/* Certificates and identities, for keys/. */
enum store_cert_kind {
	STORE_CERT_IDENTITY	= 1,	/* own certificate with private key */
	STORE_CERT_PEER		= 2,	/* someone else's certificate */
	STORE_CERT_ANCHOR	= 4,	/* a trust anchor */
};

struct store_cert {
	int64_t			 id;
	enum store_cert_kind	 kind;
	const char		*source;	/* imported, harvested, smimea */
	const char		*fingerprint;	/* SHA-256 of the DER, hex */
	const char		*emails;	/* addresses, comma-separated */
	const uint8_t		*der;
	size_t			 der_len;
	time_t			 added;
	time_t			 expires;	/* cache expiry (smimea), or 0 */
};

/*
 * Adds or updates (by kind and fingerprint) a certificate; key is the
 * PKCS#8 DER private key of an identity (NULL otherwise). An update adds
 * c->emails to the addresses the row had, and a put with source "smimea"
 * of a certificate known from elsewhere leaves its source and keeps it
 * from expiring. *idp gets the row id when idp is not NULL.
 */
int	 store_cert_put(struct store *st, const struct store_cert *c,
	    const struct buf *key, int64_t *idp, struct smerr *e);
/* Calls cb for every certificate of the kinds in mask; cb returns 0 to go on. */
int	 store_cert_foreach(struct store *st, unsigned mask,
	    int (*cb)(const struct store_cert *, void *), void *arg,
	    struct smerr *e);
/* The same in the opposite order: the last added of the last kind first. */
int	 store_cert_foreach_newest(struct store *st, unsigned mask,
	    int (*cb)(const struct store_cert *, void *), void *arg,
	    struct smerr *e);
/* The private key of identity id, into a new secret buffer (caller frees). */
int	 store_cert_key(struct store *st, int64_t id, struct buf **keyp,
	    struct smerr *e);
/* Replaces the private key kept with identity id (the key store's seal). */
int	 store_cert_set_key(struct store *st, int64_t id,
	    const struct buf *key, struct smerr *e);
/* Removes certificate id. */
int	 store_cert_delete(struct store *st, int64_t id, struct smerr *e);

/* The file names the store uses inside datadir. */
#define STORE_DB_NAME	"store.db"

/* Transactions: one per message during sync. They nest (savepoints). */
int	 store_begin(struct store *st, struct smerr *e);
int	 store_commit(struct store *st, struct smerr *e);
/* Rolls back the innermost open transaction; a no-op without one. */
void	 store_rollback(struct store *st);

/* PRAGMA integrity_check: 0 when the database says "ok". */
int	 store_check(struct store *st, struct smerr *e);
/* Re-encrypts the whole database under a new key. */
int	 store_rekey(struct store *st, const uint8_t key[STORE_KEY_LEN],
	    struct smerr *e);

/*
 * Small settings kept inside the encrypted database. store_meta_get
 * returns SMERR_NOTFOUND when name is absent; *valp is malloc'd.
 */
int	 store_meta_get(struct store *st, const char *name, char **valp,
	    struct smerr *e);
int	 store_meta_set(struct store *st, const char *name, const char *val,
	    struct smerr *e);

/* Certificates by fingerprint, for keys/: SMERR_NOTFOUND when absent. */
int	 store_cert_find(struct store *st, unsigned mask,
	    const char *fingerprint, int (*cb)(const struct store_cert *, void *),
	    void *arg, struct smerr *e);

/*
 * The S/MIME capabilities (8 bits, whose meaning crypto/ gives) a
 * certificate's owner announced, by the certificate's fingerprint;
 * store_cert_caps_get gives 0 when nothing is known.
 */
int	 store_cert_caps_put(struct store *st, const char *fingerprint,
	    unsigned caps, struct smerr *e);
int	 store_cert_caps_get(struct store *st, const char *fingerprint,
	    unsigned *capsp, struct smerr *e);

/*
 * A record that the certificate bound to address changed from one
 * fingerprint to another (harvested or imported), and the walk over them.
 */
struct store_cert_event {
	const char	*address;
	const char	*old_fp;
	const char	*new_fp;
	time_t		 at;
};
int	 store_cert_event_add(struct store *st, const char *address,
	    const char *old_fp, const char *new_fp, struct smerr *e);
int	 store_cert_event_foreach(struct store *st,
	    int (*cb)(const struct store_cert_event *, void *), void *arg,
	    struct smerr *e);

/*
 * Answers about a certificate's revocation (OCSP, CRL), by the SHA-256 of
 * its DER (lowercase hex), kept until the answer's nextUpdate.
 */
struct store_revoke {
	const char	*fingerprint;
	const char	*status;	/* "good" or "revoked" */
	const char	*source;	/* "OCSP" or "CRL" */
	time_t		 until;
	time_t		 checked;	/* when it was asked */
	time_t		 revoked_at;	/* revoked: when, or 0 */
	int		 reason;	/* revoked: CRLReason; -1 not said */
};
/* Keeps r, replacing an earlier answer about the same certificate. */
int	 store_revoke_put(struct store *st, const struct store_revoke *r,
	    struct smerr *e);
/*
 * Calls cb for every answer still valid at now (a non-zero return stops
 * the walk); answers past their time are deleted first.
 */
int	 store_revoke_foreach(struct store *st, time_t now,
	    int (*cb)(const struct store_revoke *, void *), void *arg,
	    struct smerr *e);

/*
 * Calls cb with the answer about the certificate fingerprint that is
 * still valid at now, if one is kept; nothing is deleted. 0 or SMERR_*.
 */
int	 store_revoke_find(struct store *st, const char *fingerprint,
	    time_t now, int (*cb)(const struct store_revoke *, void *),
	    void *arg, struct smerr *e);

/* Folders: the IMAP state of one mailbox of one account. */
struct store_folder {
	int64_t		 id;
	const char	*account;
	const char	*name;
	uint32_t	 uidvalidity;	/* 0: never synced */
	uint32_t	 uidnext;
	uint64_t	 highestmodseq;	/* 0: no CONDSTORE state */
};

/*
 * Removes folder id (the server no longer has it) once it holds no
 * message; one that holds some stays.
 */
int	 store_folder_forget(struct store *st, int64_t id, struct smerr *e);
/* The folder id of account/name, made when absent. */
int	 store_folder_open(struct store *st, const char *account,
	    const char *name, int64_t *idp, struct smerr *e);
/* The numbers of folder id (account and name are left NULL). */
int	 store_folder_get(struct store *st, int64_t id, struct store_folder *f,
	    struct smerr *e);
int	 store_folder_set_state(struct store *st, int64_t id,
	    uint32_t uidvalidity, uint32_t uidnext, uint64_t highestmodseq,
	    struct smerr *e);
/*
 * What folder id holds, from its indexes alone: the messages bound to a
 * UID, the highest UID, and the messages with local flag changes not yet
 * pushed to the server.
 */
int	 store_folder_counts(struct store *st, int64_t id, size_t *boundp,
	    uint32_t *maxuidp, size_t *dirtyp, struct smerr *e);
/* Calls cb for every folder (account NULL: all accounts). */
int	 store_folder_foreach(struct store *st, const char *account,
	    int (*cb)(const struct store_folder *, void *), void *arg,
	    struct smerr *e);
/*
 * The server's UIDVALIDITY of folder id changed: every message of it
 * loses its UID but stays (local flags included), and is bound again by
 * the digest of its original when the server sends it anew. The folder
 * keeps its UIDVALIDITY, with no uidnext and no modseq, until the caller
 * records the new one: a sync cut short resets it again.
 */
int	 store_folder_reset(struct store *st, int64_t id, struct smerr *e);

/* Message states. */
#define STORE_MSG_OK		0	/* stored decrypted (or was clear) */
#define STORE_MSG_PENDING	1	/* undecryptable: stored as received */

/* One message. Every pointer may be NULL (absent). */
struct store_msg {
	int64_t		 id;
	int64_t		 folder;
	const char	*folder_name;	/* on reading */
	uint32_t	 uid;		/* 0: local only, or unbound */
	uint64_t	 modseq;
	const char	*flags;		/* IMAP flags, space-separated */
	int		 flags_dirty;	/* changed here, not yet pushed */
	time_t		 date;		/* Date: header, or 0 */
	time_t		 received;	/* INTERNALDATE, or 0 */
	const char	*from;		/* addr-spec */
	const char	*from_name;	/* its display name, sanitized */
	const char	*to_names;	/* To's and Cc's display names,
					   sanitized, ", "-separated */
	const char	*to;		/* addr-specs, comma-separated */
	const char	*cc;		/* addr-specs, comma-separated */
	const char	*reply_to;	/* addr-specs, comma-separated */
	const char	*subject;	/* decoded, sanitized */
	size_t		 size;		/* of the original as received */
	const char	*message_id;	/* "<...>" */
	const char	*in_reply_to;	/* "<...>" */
	const char	*references;	/* "<...>", space-separated */
	const char	*list_post;	/* List-Post's mailto: address */
	size_t		 attachments;	/* parts with a file name */
	const char	*account;	/* on reading */
	const char	*digest;	/* SHA-256 of the original, hex */
	const uint8_t	*body;		/* the decrypted RFC 5322 message */
	size_t		 body_len;
	const uint8_t	*raw;		/* the original, when PENDING */
	size_t		 raw_len;
	const char	*signature;	/* the verdict's members */
	const char	*encryption;
	const char	*trust;
	const char	*signer;
	const char	*verdict;	/* the whole verdict, a JSON object */
	const char	*text;		/* the text a reader is shown */
	const uint8_t	*signer_der;	/* signer's certificate */
	size_t		 signer_der_len;
	int		 state;		/* STORE_MSG_* */
};

/*
 * Adds a message; with uid set it is bound to (folder, uid), and a second
 * add of the same pair fails with SMERR_EXISTS and changes nothing. When
 * the folder holds an unbound message (after a UIDVALIDITY change) whose
 * digest equals m->digest, that one is bound to the UID instead, keeping
 * its local flags, and *idp is its id. Not yet searchable: see
 * store_index.
 */
int	 store_msg_add(struct store *st, const struct store_msg *m,
	    int64_t *idp, struct smerr *e);
/* store_msg_add, and *reboundp 1 when it bound a kept message again. */
int	 store_msg_add_bound(struct store *st, const struct store_msg *m,
	    int64_t *idp, int *reboundp, struct smerr *e);
/* Loads message id whole (body and all); store_msg_free frees it. */
int	 store_msg_load(struct store *st, int64_t id, struct store_msg **mp,
	    struct smerr *e);
/*
 * Loads message id with its body and raw (STORE_LOAD_BODY), its text
 * (STORE_LOAD_TEXT), both, or neither (NULL in their place); the rest
 * always. A large message read for its text alone is not held twice.
 */
#define STORE_LOAD_BODY	1
#define STORE_LOAD_TEXT	2
int	 store_msg_load_some(struct store *st, int64_t id, int what,
	    struct store_msg **mp, struct smerr *e);
void	 store_msg_free(struct store_msg *m);
/* The id of (folder, uid), or SMERR_NOTFOUND. */
int	 store_msg_find(struct store *st, int64_t folder, uint32_t uid,
	    int64_t *idp, struct smerr *e);
/*
 * Calls cb with the summary (no body, raw or verdict) of every message of
 * folder (folder 0: every folder), oldest UID first, then local ones.
 */
int	 store_msg_foreach(struct store *st, int64_t folder,
	    int (*cb)(const struct store_msg *, void *), void *arg,
	    struct smerr *e);
/* The same over the messages of the named local folder, for list. */
int	 store_msg_foreach_name(struct store *st, const char *folder,
	    int (*cb)(const struct store_msg *, void *), void *arg,
	    struct smerr *e);
/*
 * The ids alone of the same messages in the same order, read from an
 * index: what a long folder's first screen needs before any summary.
 */
int	 store_msg_ids_name(struct store *st, const char *folder,
	    int (*cb)(int64_t, void *), void *arg, struct smerr *e);
/*
 * Calls cb with the summary of each message of ids (n of them) in their
 * order; an id no message has any more is passed over.
 */
int	 store_msg_summaries(struct store *st, const int64_t *ids, size_t n,
	    int (*cb)(const struct store_msg *, void *), void *arg,
	    struct smerr *e);
/*
 * Calls cb with the summary of every message whose Message-ID is msgid
 * ("<...>"), in every folder of every account, oldest first.
 */
int	 store_msg_foreach_msgid(struct store *st, const char *msgid,
	    int (*cb)(const struct store_msg *, void *), void *arg,
	    struct smerr *e);
/* Calls cb with the summary of every message still PENDING. */
int	 store_msg_foreach_pending(struct store *st,
	    int (*cb)(const struct store_msg *, void *), void *arg,
	    struct smerr *e);
/*
 * Replaces the stored verdict, text and body of message id (a PENDING
 * message that could now be decrypted), dropping its raw copy when the
 * new state is STORE_MSG_OK.
 */
int	 store_msg_update(struct store *st, int64_t id,
	    const struct store_msg *m, struct smerr *e);
/*
 * Messages stored before their header fields were kept (an upgraded
 * store): cb gets each one's id; store_msg_set_headers fills them in.
 */
int	 store_msg_foreach_headerless(struct store *st,
	    int (*cb)(int64_t, void *), void *arg, struct smerr *e);
/*
 * The messages of folder that have no UID and no move on its way to the
 * server: after a renumbered folder was fetched whole, those that did
 * not bind again. cb gets each one's id.
 */
int	 store_msg_foreach_unbound(struct store *st, int64_t folder,
	    int (*cb)(int64_t, void *), void *arg, struct smerr *e);
/* Sets the header members of m (to ... attachments) for message id. */
int	 store_msg_set_headers(struct store *st, int64_t id,
	    const struct store_msg *m, struct smerr *e);
/* Flags from the server (not dirty). */
int	 store_msg_set_flags(struct store *st, int64_t id, const char *flags,
	    uint64_t modseq, struct smerr *e);
/* The user changed the flags here: marked dirty until pushed. */
int	 store_msg_set_local_flags(struct store *st, int64_t id,
	    const char *flags, struct smerr *e);
/*
 * The flags the server had when the user first changed them here, not
 * yet pushed (malloc'd); *basep NULL when that is not known.
 */
int	 store_msg_flags_base(struct store *st, int64_t id, char **basep,
	    struct smerr *e);
/* The server has the local flags now. */
int	 store_msg_flags_pushed(struct store *st, int64_t id, uint64_t modseq,
	    struct smerr *e);
/* Removes message id and its index entries (expunged on the server). */
int	 store_msg_delete(struct store *st, int64_t id, struct smerr *e);
/*
 * The same, only while message id is still in folder under uid (0:
 * unbound): a list of a folder read before may be older than a move made
 * since. *gonep is 1 when it was removed, 0 when it is elsewhere now.
 */
int	 store_msg_delete_at(struct store *st, int64_t id, int64_t folder,
	    uint32_t uid, int *gonep, struct smerr *e);
/* The number of messages of folder (0: all). */
int	 store_msg_count(struct store *st, int64_t folder, int64_t *np,
	    struct smerr *e);
/* How many of them have no \Seen flag. */
int	 store_msg_unread(struct store *st, int64_t folder, int64_t *np,
	    struct smerr *e);

/*
 * Moves message id to folder (copy 0: the same row, unbound, its id
 * kept) or copies it there (a new row, unbound, with the same verdict,
 * text and body). *newp is the id in folder.
 */
int	 store_msg_move(struct store *st, int64_t id, int64_t folder,
	    int copy, int64_t *newp, struct smerr *e);
/* Binds unbound message id to uid (the server's copy of it). */
int	 store_msg_bind(struct store *st, int64_t id, uint32_t uid,
	    struct smerr *e);

/*
 * What the server must still be told, in order: message uid of folder
 * (as of uidvalidity) moved or copied to dest, or expunged (dest NULL).
 * message is the stored copy in dest, to be bound to the new UID.
 */
struct store_queued {
	int64_t		 id;
	const char	*account;
	const char	*folder;
	uint32_t	 uidvalidity;
	uint32_t	 uid;
	const char	*dest;
	int		 copy;
	int64_t		 message;
};
int	 store_queue_add(struct store *st, const struct store_queued *q,
	    struct smerr *e);
/* Calls cb for each entry of account, oldest first; cb returns 0 to go on. */
int	 store_queue_foreach(struct store *st, const char *account,
	    int (*cb)(const struct store_queued *, void *), void *arg,
	    struct smerr *e);
int	 store_queue_done(struct store *st, int64_t id, struct smerr *e);
/*
 * Claims entry id for this process before it is done on the server, in a
 * transaction of its own: SMERR_NOTFOUND when it is no longer queued
 * (another process did it since it was read), SMERR_EXISTS when another
 * process that still runs is doing it. *doubtp is 1 when a process that
 * claimed it before was cut off or died: it may have been done.
 */
int	 store_queue_claim(struct store *st, int64_t id, int *doubtp,
	    struct smerr *e);
/* This process was cut off doing entry id: anyone's, maybe done. */
int	 store_queue_release(struct store *st, int64_t id, struct smerr *e);

/*
 * Full-text index over the decrypted text, inside the encrypted database.
 * It may trail the sync: store_index adds at most max messages not yet
 * indexed (0: all) and sets *donep; *leftp gets how many are still
 * waiting.
 */
int	 store_index(struct store *st, size_t max, size_t *donep,
	    size_t *leftp, struct smerr *e);
/*
 * Indexes every message not yet indexed, in runs of STORE_INDEX_RUN: what
 * a search calls first, so that it never misses a message a sync stored
 * but left for later to index.
 */
#define STORE_INDEX_RUN	5000
int	 store_index_rest(struct store *st, struct smerr *e);
/*
 * Calls cb with the summary of every message whose subject or text
 * matches query (FTS4 query syntax over words; plain words are ANDed),
 * newest first.
 */
int	 store_search(struct store *st, const char *query,
	    int (*cb)(const struct store_msg *, void *), void *arg,
	    struct smerr *e);

/*
 * The outbox: messages waiting to be submitted. An entry's state is
 * queued, sending (a live process claimed it), in-doubt (its submission
 * was cut off after the message data began, or its claimant died after
 * store_outbox_data) or sent. A claimant that died before it is queued.
 */
#define STORE_OB_QUEUED		"queued"
#define STORE_OB_SENDING	"sending"
#define STORE_OB_INDOUBT	"in-doubt"

/*
 * A search plan, made by the query language's parser (app/query.c) and
 * run here in SQL and FTS4. text is a word or phrase (STORE_Q_TEXT: whole
 * words of the subject or the decrypted text) or a substring (the header
 * fields, case-insensitive); when is a time for AFTER (on or after) and
 * BEFORE; a and b are the operands (NOT has a only).
 */
enum store_q {
	STORE_Q_AND,
	STORE_Q_OR,
	STORE_Q_NOT,
	STORE_Q_TEXT,
	STORE_Q_FROM,
	STORE_Q_TO,		/* To or Cc */
	STORE_Q_SUBJECT,
	STORE_Q_SIGNER,
	STORE_Q_UNREAD,
	STORE_Q_FLAGGED,
	STORE_Q_SIGNED,		/* any signature */
	STORE_Q_VERIFIED,	/* signature valid */
	STORE_Q_ENCRYPTED,	/* decrypted */
	STORE_Q_ATTACHMENT,
	STORE_Q_AFTER,
	STORE_Q_BEFORE,
};

struct store_query {
	enum store_q		 kind;
	char			*text;
	time_t			 when;
	struct store_query	*a;
	struct store_query	*b;
};

/*
 * Calls cb with the summary of every message of account's folder (by
 * name; account NULL: every account, folder NULL: every folder) that q
 * selects (NULL: all): in a folder's order, or newest first over every
 * folder. Words are found through the full-text index, so store_index
 * first. SMERR_LIMIT for a plan nested deeper than 512.
 */
int	 store_msg_query(struct store *st, const char *account,
	    const char *folder, const struct store_query *q,
	    int (*cb)(const struct store_msg *, void *), void *arg,
	    struct smerr *e);
/* The same, the ids alone of what it selects, in the same order. */
int	 store_msg_query_ids(struct store *st, const char *account,
	    const char *folder, const struct store_query *q,
	    int (*cb)(int64_t, void *), void *arg, struct smerr *e);

/* The outbox: messages waiting to be submitted. */
struct store_outbox {
	int64_t		 id;
	const char	*account;
	const char	*message_id;
	const char	*from;
	const char	*recipients;	/* comma-separated addr-specs */
	const char	*subject;
	const uint8_t	*body;		/* the message as it will be sent */
	size_t		 body_len;
	time_t		 created;
	int		 attempts;
	const char	*error;		/* the last failure, or NULL */
	int		 sent;		/* submitted */
	int		 appended;	/* copied to the server's Sent */
	const char	*state;		/* STORE_OB_*, or "sent" */
	int64_t		 claim_pid;	/* the process sending it, or 0 */
	const char	*claim_start;	/* its proc_ident, or NULL */
	int		 copy;		/* 0, 1, ...: the copies of a message */
	const uint8_t	*source;	/* the text as written, or NULL */
	size_t		 source_len;
};

/*
 * Queues a message. Copy 0 is refused (SMERR_EXISTS) when its Message-ID
 * is in the outbox already (queued, sending, in doubt or sent), checked
 * and inserted in one transaction; further copies of the same message
 * (o->copy 1, 2, ...) belong in the caller's transaction with copy 0.
 */
int	 store_outbox_add(struct store *st, const struct store_outbox *o,
	    int64_t *idp, struct smerr *e);
/* SMERR_EXISTS, saying why, when message_id is in the outbox; else 0. */
int	 store_outbox_check_new(struct store *st, const char *message_id,
	    struct smerr *e);
/* Calls cb for every outbox entry not both sent and appended. */
int	 store_outbox_foreach(struct store *st,
	    int (*cb)(const struct store_outbox *, void *), void *arg,
	    struct smerr *e);
/* Calls cb for entry id, if it is one store_outbox_foreach would give. */
int	 store_outbox_get(struct store *st, int64_t id,
	    int (*cb)(const struct store_outbox *, void *), void *arg,
	    struct smerr *e);
/*
 * Claims entry id for this process (state sending), checked and set in
 * one transaction. SMERR_EXISTS, saying why, when it was sent, another
 * process is sending it, or it is in doubt and force is 0.
 */
int	 store_outbox_claim(struct store *st, int64_t id, int force,
	    struct smerr *e);
/*
 * Claims the n entries at ids (the copies of one message) together, in
 * one transaction: all of them, or none with why not as
 * store_outbox_claim says it.
 */
int	 store_outbox_claim_all(struct store *st, const int64_t *ids,
	    size_t n, int force, struct smerr *e);
/*
 * The claimant of entry id is about to hand over the message data: from
 * now on its death leaves the entry in-doubt, not queued.
 */
int	 store_outbox_data(struct store *st, int64_t id, struct smerr *e);
/*
 * An attempt failed with reason error (attempts grows by one): back to
 * queued, or in-doubt when the message data had begun.
 */
int	 store_outbox_release(struct store *st, int64_t id, int in_doubt,
	    const char *error, struct smerr *e);
/* store_outbox_release of a failure before any message data. */
int	 store_outbox_fail(struct store *st, int64_t id, const char *error,
	    struct smerr *e);
/*
 * Submitted; appended says whether the copy to Sent is done too. Until it
 * is, this process keeps the entry's copy to Sent claimed.
 */
int	 store_outbox_sent(struct store *st, int64_t id, int appended,
	    struct smerr *e);
/*
 * The server took entry id, claimed by this process, and the database
 * cannot record it (store_outbox_sent failed: full, busy): a note beside
 * it, which needs no room for data, keeps that until it can. The outbox's
 * listing (store_outbox_foreach) and every claim first record the entries
 * so noted as sent, unless they were sent or
 * claimed again since (store_outbox_settle): an entry that was sent is
 * never claimed again. store_outbox_accepted_done removes this process's
 * note of id once store_outbox_sent has worked.
 */
int	 store_outbox_accepted(struct store *st, int64_t id, struct smerr *e);
void	 store_outbox_accepted_done(struct store *st, int64_t id);
int	 store_outbox_settle(struct store *st, struct smerr *e);
/*
 * 1 when a note says the server took entry id and the store has not yet
 * recorded it (it could not write since), else 0.
 */
int	 store_outbox_delivered(struct store *st, int64_t id);
/*
 * Claims the copy to Sent of entry id, sent and not yet copied, for this
 * process, checked and set in one transaction: SMERR_EXISTS when another
 * live process holds it, SMERR_NOTFOUND when there is nothing to copy.
 */
int	 store_outbox_claim_append(struct store *st, int64_t id,
	    struct smerr *e);
/*
 * Calls cb for every copy of entry id's message (the entries queued with
 * its Message-ID for its account), sent or not, in the order they were
 * queued; SMERR_NOTFOUND when there is no entry id.
 */
int	 store_outbox_copies(struct store *st, int64_t id,
	    int (*cb)(const struct store_outbox *, void *), void *arg,
	    struct smerr *e);
/*
 * Takes the message of entry id back, whichever copy id is, in one
 * transaction: its text as written becomes a new draft (*draftp, with
 * reason) with the files of every copy, and every copy not sent leaves
 * the outbox; a sent copy stays as it is. SMERR_EXISTS, saying why, when
 * a copy is being sent, or when partial is 0 and a copy was sent or is in
 * doubt; SMERR_NOTFOUND when entry id is gone or sent; SMERR_INVAL when
 * it was queued before its text was kept. On failure nothing changes.
 */
int	 store_outbox_take_back(struct store *st, int64_t id, int partial,
	    const char *reason, int64_t *draftp, struct smerr *e);
/*
 * Removes every copy of entry id's message that was not sent, and its
 * files, in one transaction: SMERR_EXISTS when a copy is being sent,
 * SMERR_NOTFOUND when entry id is gone or sent.
 */
int	 store_outbox_delete_copies(struct store *st, int64_t id,
	    struct smerr *e);
/* Removes an entry not sent and not being sent. */
int	 store_outbox_delete(struct store *st, int64_t id, struct smerr *e);

/* Drafts: text the user wrote that is not (yet) in the outbox. */
struct store_draft {
	int64_t		 id;
	const char	*account;	/* NULL: the default */
	const uint8_t	*body;		/* RFC 5322 as the user wrote it */
	size_t		 body_len;
	const char	*reason;	/* why it is a draft, or NULL */
	time_t		 created;
	time_t		 updated;
	size_t		 nfiles;	/* files attached to it */
};

/* The most text a draft or one of its files holds. */
#define STORE_DRAFT_MAX	(64UL * 1024 * 1024)

/*
 * Keeps a draft: a new one when *idp is 0 (*idp gets its id), else
 * draft *idp is updated; SMERR_NOTFOUND when it is gone (another process
 * queued, sent or deleted it), which is never made again.
 */
int	 store_draft_put(struct store *st, int64_t *idp, const char *account,
	    const void *body, size_t len, const char *reason,
	    struct smerr *e);
/* Records why draft id is still a draft. */
int	 store_draft_reason(struct store *st, int64_t id, const char *reason,
	    struct smerr *e);
/* Calls cb for draft id (SMERR_NOTFOUND when none), or all with id 0. */
int	 store_draft_foreach(struct store *st, int64_t id,
	    int (*cb)(const struct store_draft *, void *), void *arg,
	    struct smerr *e);
/* The text of draft id, in a new secret buffer (caller frees). */
int	 store_draft_get(struct store *st, int64_t id, struct buf **bodyp,
	    struct smerr *e);
/* Removes draft id and the files attached to it. */
int	 store_draft_delete(struct store *st, int64_t id, struct smerr *e);
/*
 * The sign and encrypt choice made for draft id where it was written
 * (encrypt: 1, 0, or -1 for "encrypt, or ask first"); kept until the
 * draft goes. _put does nothing when there is no such draft; _get is
 * SMERR_NOTFOUND when no choice was kept (a draft saved otherwise).
 */
int	 store_draft_choice_put(struct store *st, int64_t id, int sign,
	    int encrypt, struct smerr *e);
int	 store_draft_choice_get(struct store *st, int64_t id, int *signp,
	    int *encryptp, struct smerr *e);

/* A file attached to a draft, in the order of seq. */
struct store_draft_file {
	int64_t		 seq;
	const char	*name;
	const char	*type;
	const uint8_t	*data;
	size_t		 len;
};
/* Attaches f to draft id (f->seq is ignored; the new one is stored back). */
int	 store_draft_file_add(struct store *st, int64_t id,
	    struct store_draft_file *f, struct smerr *e);
/* Calls cb for each file of draft id, in the order they were attached. */
int	 store_draft_file_foreach(struct store *st, int64_t id,
	    int (*cb)(const struct store_draft_file *, void *), void *arg,
	    struct smerr *e);
/* Detaches file seq of draft id (0: every one). */
int	 store_draft_file_delete(struct store *st, int64_t id, int64_t seq,
	    struct smerr *e);
/*
 * The files of outbox entry id (the first copy of a message), kept until
 * every copy is sent, or it is deleted, so that the message can become a
 * draft again with them: store_outbox_files_to_draft moves them to draft.
 */
int	 store_outbox_file_add(struct store *st, int64_t id,
	    struct store_draft_file *f, struct smerr *e);
int	 store_outbox_files_to_draft(struct store *st, int64_t id,
	    int64_t draft, struct smerr *e);
int	 store_outbox_files_drop(struct store *st, int64_t id,
	    struct smerr *e);

#endif
