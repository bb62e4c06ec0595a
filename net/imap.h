/*
 * net/imap.h: an IMAP client over net/'s authenticated TLS. A session is
 * driven by one thread at a time (app/sync's worker); another thread
 * stops it through the server's cancel_fd (net/net.h). Every failure
 * comes back as one line in struct smerr naming "host:port" and the
 * reason. After an error other than SMERR_REFUSED (the server said NO to
 * one command) the session is dead: close it and open a new one.
 *
 * Mailbox names are passed and returned as IMAP spells them (modified
 * UTF-7); flags as IMAP spells them ("\Seen", keywords as they are).
 */
#ifndef SEALMAIL_NET_IMAP_H
#define SEALMAIL_NET_IMAP_H

#include <stddef.h>
#include <stdint.h>

#include "net/net.h"

struct smerr;
struct imap;

/*
 * Connects to srv, makes TLS (implicit, or STARTTLS done strictly: no
 * STARTTLS capability, a refusal, PREAUTH, or bytes injected after the
 * go-ahead all abort), authenticates the server, and asks for the
 * capabilities again over TLS. Nothing learned before TLS is kept.
 * 0 or a negative SMERR_* code; *ip is the session (imap_close frees).
 */
int		 imap_open(const struct net_server *srv, struct imap **ip,
		    struct smerr *e);

/*
 * Logs in (AUTHENTICATE PLAIN where offered, else LOGIN), only when TLS is
 * up and the server authenticated (after a PREAUTH greeting over implicit
 * TLS nothing is sent); then enables CONDSTORE and QRESYNC where offered
 * and sends ID. Strings with CR, LF or NUL are refused
 * before anything is sent. SMERR_AUTH when the server refuses the login.
 */
int		 imap_login(struct imap *s, const char *user, const char *pass,
		    struct smerr *e);

/* Says goodbye (LOGOUT, bounded by the timeout) and frees; NULL is fine. */
void		 imap_close(struct imap *s);
/* Frees without a word to the server (after an error). */
void		 imap_abort(struct imap *s);

/* How the server was authenticated. */
enum net_auth	 imap_server_auth(const struct imap *s);
/* 1 when the server announced capability cap (after TLS). */
int		 imap_has(const struct imap *s, const char *cap);
/*
 * Takes the latest [ALERT] text (RFC 3501 7.1) the server sent since the
 * last call, which the user must be shown (sanitized: it is the server's
 * text); NULL when there is none. Caller frees. Nothing said before the
 * server was authenticated is ever kept.
 */
char		*imap_alert_take(struct imap *s);
/* 1 when QRESYNC (2: and CONDSTORE) is enabled on the session. */
int		 imap_qresync(const struct imap *s);
int		 imap_condstore(const struct imap *s);

/*
 * Mailbox names between IMAP's modified UTF-7 (RFC 3501 5.1.3) and UTF-8,
 * for showing them ("Entw&APw-rfe" is "Entwürfe"). *outp is malloc'd;
 * SMERR_PARSE for a name that is not valid in the source form.
 */
int		 imap_name_to_utf8(const char *imap, char **outp,
		    struct smerr *e);
int		 imap_name_from_utf8(const char *utf8, char **outp,
		    struct smerr *e);

#define IMAP_F_NOSELECT		0x0001
#define IMAP_F_NOINFERIORS	0x0002
#define IMAP_F_SENT		0x0010
#define IMAP_F_DRAFTS		0x0020
#define IMAP_F_TRASH		0x0040
#define IMAP_F_JUNK		0x0080
#define IMAP_F_ARCHIVE		0x0100
#define IMAP_F_ALL		0x0200
#define IMAP_F_FLAGGED		0x0400

struct imap_folder {
	char		*name;		/* as IMAP spells it */
	char		 delim;		/* hierarchy delimiter, 0 if none */
	unsigned	 flags;		/* IMAP_F_* (SPECIAL-USE, RFC 6154) */
};

/*
 * LIST "" "*" (subscribed: LSUB "" "*"), with the SPECIAL-USE attributes
 * the server gives. *fp is an array of *np folders; imap_folders_free.
 */
int		 imap_list(struct imap *s, int subscribed,
		    struct imap_folder **fp, size_t *np, struct smerr *e);
void		 imap_folders_free(struct imap_folder *f, size_t n);

struct imap_mailbox {
	uint32_t	uidvalidity;
	uint32_t	uidnext;
	uint32_t	exists;
	uint64_t	highestmodseq;	/* 0: no CONDSTORE for this mailbox */
	int		readonly;
};

/* SELECT (or EXAMINE when readonly) name. SMERR_REFUSED on NO. */
int		 imap_select(struct imap *s, const char *name, int readonly,
		    struct imap_mailbox *mb, struct smerr *e);

/* One message as a FETCH response delivered it. */
struct imap_msg {
	uint32_t	 seq;
	uint32_t	 uid;
	uint64_t	 modseq;	/* 0 unless CONDSTORE */
	int64_t		 internaldate;	/* seconds since the epoch, UTC */
	int		 has_flags;
	const char	*flags;		/* space-separated, "" for none */
	const uint8_t	*body;		/* BODY.PEEK[] bytes, or NULL */
	size_t		 len;
};

#define IMAP_FETCH_FLAGS	0x01	/* FLAGS */
#define IMAP_FETCH_DATE		0x02	/* INTERNALDATE */
#define IMAP_FETCH_BODY		0x04	/* BODY.PEEK[] */

/*
 * Called for each message as it arrives, from inside imap_fetch. The
 * pointers are valid only during the call. Returning non-zero stops the
 * fetch; the session is then dead (imap_fetch returns SMERR_CANCEL).
 */
typedef int	 imap_msg_fn(const struct imap_msg *m, void *arg);
/* Called for each UID range the server reports VANISHED (QRESYNC). */
typedef void	 imap_vanished_fn(uint32_t first, uint32_t last, void *arg);

struct imap_fetch {
	uint32_t		 first;		/* UIDs; last 0 means "*" */
	uint32_t		 last;
	unsigned		 what;		/* IMAP_FETCH_* */
	uint64_t		 changedsince;	/* CONDSTORE: 0 for all */
	int			 vanished;	/* QRESYNC: report expunges */
	imap_msg_fn		*msg;
	imap_vanished_fn	*gone;
	void			*arg;
};

/*
 * One UID FETCH over a whole range: the server streams every message
 * without a round trip per message, and each is handed to f->msg as its
 * literal completes (memory holds one message at a time).
 */
int		 imap_fetch(struct imap *s, const struct imap_fetch *f,
		    struct smerr *e);

/*
 * Whether the n bytes at p are one flag imap_store can send: a system
 * flag ("\Seen") or a keyword, an IMAP atom of at most 256 bytes
 * (printable ASCII without space and ( ) { % * " ] \).
 */
int		 imap_flag_ok(const char *p, size_t n);

/* UID STORE: op '+' adds, '-' removes, '=' replaces; flags space-separated. */
int		 imap_store(struct imap *s, const uint32_t *uids, size_t n,
		    int op, const char *flags, struct smerr *e);

/*
 * APPEND msg to folder with flags (space-separated or NULL) and an
 * internal date (0: the server's now). With UIDPLUS, *uidvalidity and
 * *uid get the new message's (else 0). Either pointer may be NULL.
 */
int		 imap_append(struct imap *s, const char *folder,
		    const char *flags, int64_t date, const void *msg,
		    size_t len, uint32_t *uidvalidity, uint32_t *uid,
		    struct smerr *e);

/*
 * UID SEARCH HEADER field value over the selected mailbox (value matches
 * as a substring, RFC 3501 6.4.4): *uidp gets the highest UID that
 * matches, 0 when none does.
 */
int		 imap_search_header(struct imap *s, const char *field,
		    const char *value, uint32_t *uidp, struct smerr *e);

/* UID MOVE where offered, else UID COPY, flag \Deleted, UID EXPUNGE/EXPUNGE. */
int		 imap_move(struct imap *s, const uint32_t *uids, size_t n,
		    const char *dest, struct smerr *e);

/*
 * One message of the selected mailbox to dest: copied (copy set), or
 * moved (UID MOVE where offered, else UID COPY, \Deleted, UID EXPUNGE).
 * With UIDPLUS *uvp and *newp get dest's UIDVALIDITY and the new UID
 * (else 0). SMERR_REFUSED when the server says NO (a missing dest);
 * SMERR_NOTFOUND when, with UIDPLUS, it answers OK but copied nothing
 * (no COPYUID): the folder no longer holds uid.
 */
int		 imap_transfer(struct imap *s, uint32_t uid, const char *dest,
		    int copy, uint32_t *uvp, uint32_t *newp, struct smerr *e);
/* Removes one message of the selected mailbox: \Deleted, UID EXPUNGE. */
int		 imap_expunge_uid(struct imap *s, uint32_t uid,
		    struct smerr *e);
/* CREATE name. SMERR_REFUSED on NO (it exists, or may not be made). */
int		 imap_create(struct imap *s, const char *name, struct smerr *e);
/* SUBSCRIBE name. SMERR_REFUSED on NO. */
int		 imap_subscribe(struct imap *s, const char *name,
		    struct smerr *e);

/* NOOP; *changed (may be NULL) is set when the mailbox changed. */
int		 imap_noop(struct imap *s, int *changed, struct smerr *e);

/*
 * IDLE in the selected mailbox until the server reports a change, wake_fd
 * (-1: none) becomes readable, or timeout_ms passes; then DONE. *changed
 * is 1 when the server sent anything meanwhile (EXISTS, EXPUNGE, FETCH,
 * VANISHED): resync the mailbox (CONDSTORE/QRESYNC) to learn what.
 */
int		 imap_idle(struct imap *s, int timeout_ms, int wake_fd,
		    int *changed, struct smerr *e);

#endif
