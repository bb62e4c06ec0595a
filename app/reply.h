/*
 * app/reply.h: replies and forwards of a stored message (app/reply.c),
 * as drafts that send accepts as they are, for the command line and the
 * terminal program alike; and the moves of stored messages between
 * folders, here and on the server (app/move.c).
 */
#ifndef SEALMAIL_APP_REPLY_H
#define SEALMAIL_APP_REPLY_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct smerr;
struct store_msg;
struct app_config;

enum app_draft_kind {
	APP_DRAFT_REPLY,		/* to Reply-To, else From */
	APP_DRAFT_REPLY_ALL,		/* ... and Cc to every other */
	APP_DRAFT_REPLY_LIST,		/* to the List-Post address */
	APP_DRAFT_FORWARD,		/* the shown text inline */
	APP_DRAFT_FORWARD_ATTACH,	/* the stored message attached */
};

struct app_draft {
	struct buf	*text;		/* RFC 5322 as a user writes it */
	int		 sign;		/* the original was signed, or the
					   account signs */
	int		 encrypt;	/* the original was encrypted */
	char		**omitted;	/* what was left out, in words */
	size_t		 nomitted;
	char		*nosig;		/* why the account's
					   signature file is not in
					   it, or NULL */
};

/*
 * The draft of kind for m, a message loaded whole (store_msg_load). A
 * list reply to a message without List-Post is SMERR_NOTFOUND. With
 * names, a reply to the From address has the sender's display name in
 * To ("Name <addr>") and its attribution says "On DATE, Name wrote:".
 */
int	 app_draft_make(const struct app_config *cfg,
	    const struct store_msg *m, enum app_draft_kind kind, int names,
	    struct app_draft **dp, struct smerr *e);
void	 app_draft_free(struct app_draft *d);
/*
 * Whether the text of a draft answers encrypted mail: *encp is 1 when its
 * In-Reply-To names a message of the store (any account's) that was
 * encrypted, which a reply is by default (CLI-CONTRACT.md). 0 or SMERR_*.
 */
struct store;
int	 app_draft_answers_encrypted(struct store *st, const void *text,
	    size_t len, int *encp, struct smerr *e);

/*
 * Moves (copy 0) or copies message id to folder dest in the store, and
 * queues the same for the server; dest NULL deletes: to trash, or, for a
 * message in trash already, for good (*newp 0). *newp is its id in dest.
 */
struct imap;
struct app_account;
int	 app_move_local(struct store *st, int64_t id, const char *dest,
	    int copy, const char *trash, int64_t *newp, struct smerr *e);
/*
 * Moves message id, in trash, back to the folder it was deleted from
 * (*folderp, malloc'd): in the store, and queued for the server.
 * SMERR_NOTFOUND when that folder is not known.
 */
int	 app_undelete(struct store *st, int64_t id, const char *trash,
	    int64_t *newp, char **folderp, struct smerr *e);
/*
 * The account's Trash: trash = in its section, else the folder the
 * server marks \Trash (asked over im when not NULL, and remembered),
 * else "Trash". *namep is malloc'd.
 */
int	 app_trash_folder(struct store *st, const struct app_account *a,
	    struct imap *im, char **namep, struct smerr *e);

/*
 * s without its leading Re:, RE:, Aw: (with fwd, Fwd: and Fw: too), as
 * replies and the order by subject see it; "" for NULL.
 */
const char	*subject_base(const char *s, int fwd);

#endif
