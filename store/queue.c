/*
 * Moves and copies between folders, and expunges, made here: the store
 * changes at once (a moved message keeps its row, verdict and plaintext;
 * a copy is a new row with the same), and what the server must do is
 * queued in the same transaction, to be done once, in order, when the
 * server can be reached.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "store/store.h"
#include "store/store_int.h"

/* Every column of message but id, folder, uid, modseq and indexed. */
#define MSG_COPY_COLS "flags, flags_dirty, date, received, from_addr, " \
	"to_addr, subject, size, message_id, digest, signature, encryption, " \
	"trust, signer, state, cc, reply_to, in_reply_to, refs, list_post, " \
	"attachments, hdr, from_name, to_names"

static int
queue_do(struct store *st, const char *sql, const struct store_arg *args,
    struct smerr *e)
{
	return store_do(st, sql, args, "moving a message", e);
}

/* queue_do with ?1 = a, ?2 = id: message id must be there. */
static int
queue_do_changed(struct store *st, const char *sql, int64_t a, int64_t id,
    struct smerr *e)
{
	return store_do_row(st, sql, STORE_ARGS(STORE_INT(a), STORE_INT(id)),
	    "moving a message", "message", id, e);
}

/* A copy of message id in folder, unbound; *newp its id. */
static int
msg_copy(struct store *st, int64_t id, int64_t folder, int64_t *newp,
    struct smerr *e)
{
	int	r;

	if ((r = queue_do_changed(st, "INSERT INTO message(id, folder, "
	    MSG_COPY_COLS ") SELECT " STORE_NEXT_ID("message") ", ?1, "
	    MSG_COPY_COLS
	    " FROM message WHERE id = ?2;", folder, id, e)) != 0)
		return r;
	*newp = sqlite3_last_insert_rowid(st->db);
	return queue_do(st, "INSERT INTO message_content(id, subject, text, "
	    "body, raw, verdict, signer_der, text_at, text_len) SELECT ?1, "
	    "subject, text, body, raw, verdict, signer_der, text_at, text_len "
	    "FROM "
	    "message_content WHERE id = ?2;",
	    STORE_ARGS(STORE_INT(*newp), STORE_INT(id)), e);
}

int
store_msg_move(struct store *st, int64_t id, int64_t folder, int copy,
    int64_t *newp, struct smerr *e)
{
	int	r;

	*newp = 0;
	if (copy)
		return msg_copy(st, id, folder, newp, e);
	/* Unbound in its new folder until the server's UID is known. */
	if ((r = queue_do_changed(st, "UPDATE message SET folder = ?1, "
	    "uid = NULL, modseq = 0 WHERE id = ?2;", folder, id, e)) != 0)
		return r;
	*newp = id;
	return 0;
}

int
store_msg_bind(struct store *st, int64_t id, uint32_t uid, struct smerr *e)
{
	return queue_do(st, "UPDATE message SET uid = ?1 WHERE id = ?2 AND "
	    "uid IS NULL;", STORE_ARGS(STORE_INT(uid), STORE_INT(id)), e);
}

int
store_queue_add(struct store *st, const struct store_queued *q,
    struct smerr *e)
{
	return queue_do(st, "INSERT INTO move_queue(account, folder, "
	    "uidvalidity, uid, dest, copy, message) VALUES(?, ?, ?, ?, ?, ?, "
	    "?);", STORE_ARGS(STORE_TEXT(q->account), STORE_TEXT(q->folder),
	    STORE_INT(q->uidvalidity), STORE_INT(q->uid), STORE_TEXT(q->dest),
	    STORE_INT(q->copy != 0), STORE_ID(q->message)), e);
}

static int
queued_each(sqlite3_stmt *s, const struct store_each *w)
{
	struct store_queued	q;

	memset(&q, 0, sizeof(q));
	q.id = sqlite3_column_int64(s, 0);
	q.account = store_col_text(s, 1);
	q.folder = store_col_text(s, 2);
	q.uidvalidity = (uint32_t)sqlite3_column_int64(s, 3);
	q.uid = (uint32_t)sqlite3_column_int64(s, 4);
	q.dest = sqlite3_column_type(s, 5) == SQLITE_NULL ? NULL :
	    store_col_text(s, 5);
	q.copy = sqlite3_column_int(s, 6);
	q.message = sqlite3_column_int64(s, 7);
	return w->cb.queued(&q, w->arg);
}

int
store_queue_foreach(struct store *st, const char *account,
    int (*cb)(const struct store_queued *, void *), void *arg,
    struct smerr *e)
{
	struct store_each	w = STORE_EACH(queued_each, queued, cb, arg);

	return store_walk_sql(st, "SELECT id, account, folder, "
	    "uidvalidity, uid, dest, copy, message FROM move_queue WHERE "
	    "account = ? ORDER BY id;", STORE_ARGS(STORE_TEXT(account)), &w,
	    "reading the queue of moves", e);
}

int
store_queue_done(struct store *st, int64_t id, struct smerr *e)
{
	return queue_do(st, "DELETE FROM move_queue WHERE id = ?;",
	    STORE_ARGS(STORE_INT(id)), e);
}

int
store_queue_claim(struct store *st, int64_t id, int *doubtp, struct smerr *e)
{
	int64_t	prev = 0;
	int	r;

	*doubtp = 0;
	if ((r = store_claim(st, "SELECT coalesce(claim_pid, 0), claim_start "
	    "FROM move_queue WHERE id = ?1;", "UPDATE move_queue SET claim_pid "
	    "= ?2, claim_start = ?3 WHERE id = ?1;", id, &prev, e)) == 0)
		*doubtp = prev != 0;
	return r;
}

int
store_queue_release(struct store *st, int64_t id, struct smerr *e)
{
	return queue_do(st, "UPDATE move_queue SET claim_pid = -1, "
	    "claim_start = NULL WHERE id = ? AND claim_pid = ?;", STORE_ARGS(STORE_INT(id),
	    STORE_INT(getpid())), e);
}
