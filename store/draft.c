/*
 * Drafts: what the user wrote and has not yet handed to the outbox, kept
 * only here, inside the encrypted store, as the text was written. A
 * draft records why it is still a draft (postponed, or the reason a send
 * could not queue it).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "store/store.h"
#include "store/store_int.h"

int
store_draft_put(struct store *st, int64_t *idp, const char *account,
    const void *body, size_t len, const char *reason, struct smerr *e)
{
	int	 r;

	if (body == NULL || len == 0 || len > STORE_DRAFT_MAX)
		return smerr_set(e, SMERR_INVAL, "a draft needs some text");
	/*
	 * An id given is updated in place, never made again: a draft gone
	 * meanwhile was queued, sent or deleted by another process, and
	 * coming back would send it twice.
	 */
	if (*idp > 0)
		return store_do_row(st, "UPDATE draft SET account = ?1, "
		    "body = ?2, reason = ?3, updated = ?4 WHERE id = ?5;",
		    STORE_ARGS(STORE_TEXT(account), STORE_BLOB(body, len),
		    STORE_TEXT(reason), STORE_INT(time(NULL)),
		    STORE_INT(*idp)), "keeping the draft", "draft", *idp, e);
	if ((r = store_do(st, "INSERT INTO draft(id, account, body, reason, "
	    "created, updated) VALUES(" STORE_NEXT_ID("draft") ", ?1, ?2, ?3, "
	    "?4, ?4);",
	    STORE_ARGS(STORE_TEXT(account), STORE_BLOB(body, len),
	    STORE_TEXT(reason), STORE_INT(time(NULL))),
	    "keeping the draft", e)) == 0)
		*idp = sqlite3_last_insert_rowid(st->db);
	return r;
}

int
store_draft_reason(struct store *st, int64_t id, const char *reason,
    struct smerr *e)
{
	return store_do(st, "UPDATE draft SET reason = ? WHERE id = ?;",
	    STORE_ARGS(STORE_TEXT(reason), STORE_INT(id)),
	    "updating the draft", e);
}

static int
draft_each(sqlite3_stmt *s, const struct store_each *w)
{
	struct store_draft	d;

	memset(&d, 0, sizeof(d));
	d.id = sqlite3_column_int64(s, 0);
	d.account = (const char *)sqlite3_column_text(s, 1);
	d.body = sqlite3_column_blob(s, 2);
	d.body_len = (size_t)sqlite3_column_bytes(s, 2);
	d.reason = (const char *)sqlite3_column_text(s, 3);
	d.created = (time_t)sqlite3_column_int64(s, 4);
	d.updated = (time_t)sqlite3_column_int64(s, 5);
	d.nfiles = (size_t)sqlite3_column_int64(s, 6);
	return w->cb.draft(&d, w->arg);
}

int
store_draft_foreach(struct store *st, int64_t id,
    int (*cb)(const struct store_draft *, void *), void *arg,
    struct smerr *e)
{
	struct store_each	w = STORE_EACH(draft_each, draft, cb, arg);
	int			r;

	r = store_walk_sql(st, "SELECT id, account, body, reason, "
	    "created, updated, (SELECT count(*) FROM draft_file WHERE draft = "
	    "draft.id) FROM draft WHERE ?1 = 0 OR id = ?1 ORDER BY id;",
	    STORE_ARGS(STORE_INT(id)), &w, "reading the drafts", e);
	if (r == 0 && id != 0 && w.n == 0)
		r = store_no_row(e, "draft", id);
	return r;
}

static int
draft_copy_cb(const struct store_draft *d, void *arg)
{
	struct buf	*b = arg;

	return buf_put(b, d->body, d->body_len) != 0 ? -1 : 1;
}

int
store_draft_get(struct store *st, int64_t id, struct buf **bodyp,
    struct smerr *e)
{
	int	 r;

	if ((*bodyp = buf_new_secret(STORE_DRAFT_MAX)) == NULL)
		return smerr_nomem(e);
	if ((r = store_draft_foreach(st, id, draft_copy_cb, *bodyp, e)) == 0 &&
	    buf_len(*bodyp) == 0)
		r = smerr_nomem(e);
	if (r != 0) {
		buf_free(*bodyp);
		*bodyp = NULL;
	}
	return r;
}

int
store_draft_choice_put(struct store *st, int64_t id, int sign, int encrypt,
    struct smerr *e)
{
	return store_do(st, "INSERT OR REPLACE INTO draft_choice(draft, sign, "
	    "encrypt) SELECT id, ?2, ?3 FROM draft WHERE id = ?1;",
	    STORE_ARGS(STORE_INT(id), STORE_INT(sign != 0),
	    STORE_INT(encrypt < 0 ? -1 : encrypt != 0)),
	    "keeping the draft's choice", e);
}

int
store_draft_choice_get(struct store *st, int64_t id, int *signp,
    int *encryptp, struct smerr *e)
{
	int64_t	v;
	int	r;

	/* One number, never 0 for a row: 0 is no row. */
	if ((r = store_int(st, "SELECT 1 + sign * 4 + encrypt + 1 FROM "
	    "draft_choice WHERE draft = ?;", STORE_ARGS(STORE_INT(id)), &v,
	    "reading the draft's choice", e)) != 0)
		return r;
	if (v == 0)
		return store_no_row(e, "choice kept for draft", id);
	v--;
	*signp = (int)(v / 4);
	*encryptp = (int)(v % 4) - 1;
	return 0;
}

int
store_draft_delete(struct store *st, int64_t id, struct smerr *e)
{
	int	r;

	/* Its id is never given to another draft (trigger draft_last). */
	if ((r = store_do_row(st, "DELETE FROM draft WHERE id = ?;",
	    STORE_ARGS(STORE_INT(id)), "removing the draft", "draft", id,
	    e)) != 0)
		return r;
	return store_draft_file_delete(st, id, 0, e);
}

/*
 * The files of a draft, and those of a queued message (kept so that the
 * outbox screen can make it a draft again with its files): the same
 * columns in two tables.
 */
static const char *file_sql[2][2] = {
	{ "INSERT INTO draft_file(draft, seq, name, type, data) VALUES(?1, "
	  "coalesce((SELECT max(seq) FROM draft_file WHERE draft = ?1), 0) "
	  "+ 1, ?2, ?3, ?4);",
	  "SELECT seq FROM draft_file WHERE rowid = ?;" },
	{ "INSERT INTO outbox_file(outbox, seq, name, type, data) VALUES(?1, "
	  "coalesce((SELECT max(seq) FROM outbox_file WHERE outbox = ?1), 0) "
	  "+ 1, ?2, ?3, ?4);",
	  "SELECT seq FROM outbox_file WHERE rowid = ?;" },
};

static int
file_add(struct store *st, int outbox, int64_t id,
    struct store_draft_file *f, struct smerr *e)
{
	int	r;

	if (f->name == NULL || f->type == NULL || f->len > STORE_DRAFT_MAX ||
	    (f->data == NULL && f->len > 0))
		return smerr_set(e, SMERR_INVAL, "not a file to attach");
	/* A zero-length blob, not NULL, for an empty file. */
	if ((r = store_do(st, file_sql[outbox][0], STORE_ARGS(STORE_INT(id),
	    STORE_TEXT(f->name), STORE_TEXT(f->type),
	    STORE_BLOB(f->len > 0 ? (const void *)f->data : "", f->len)),
	    "keeping the attached file", e)) != 0)
		return r;
	return store_int(st, file_sql[outbox][1],
	    STORE_ARGS(STORE_INT(sqlite3_last_insert_rowid(st->db))), &f->seq,
	    "keeping the attached file", e);
}

int
store_draft_file_add(struct store *st, int64_t id,
    struct store_draft_file *f, struct smerr *e)
{
	return file_add(st, 0, id, f, e);
}

int
store_outbox_file_add(struct store *st, int64_t id,
    struct store_draft_file *f, struct smerr *e)
{
	return file_add(st, 1, id, f, e);
}

/* Runs sql with ?1 = a and ?2 = b. */
static int
file_exec(struct store *st, const char *sql, int64_t a, int64_t b,
    struct smerr *e)
{
	return store_do(st, sql, STORE_ARGS(STORE_INT(a), STORE_INT(b)),
	    "the attached files", e);
}

int
store_outbox_files_to_draft(struct store *st, int64_t id, int64_t draft,
    struct smerr *e)
{
	int	r;

	/* After any files the draft has. */
	if ((r = file_exec(st, "INSERT INTO draft_file(draft, seq, name, "
	    "type, data) SELECT ?2, seq + (SELECT coalesce(max(seq), 0) FROM "
	    "draft_file WHERE draft = ?2), name, type, data FROM outbox_file "
	    "WHERE outbox = ?1 ORDER BY seq;", id, draft, e)) != 0)
		return r;
	return store_outbox_files_drop(st, id, e);
}

int
store_outbox_files_drop(struct store *st, int64_t id, struct smerr *e)
{
	return store_do(st, "DELETE FROM outbox_file WHERE outbox = ?;",
	    STORE_ARGS(STORE_INT(id)), "the attached files", e);
}

static int
file_each(sqlite3_stmt *s, const struct store_each *w)
{
	struct store_draft_file	f;

	f.seq = sqlite3_column_int64(s, 0);
	f.name = store_col_text(s, 1);
	f.type = store_col_text(s, 2);
	f.data = sqlite3_column_blob(s, 3);
	f.len = (size_t)sqlite3_column_bytes(s, 3);
	return w->cb.file(&f, w->arg);
}

int
store_draft_file_foreach(struct store *st, int64_t id,
    int (*cb)(const struct store_draft_file *, void *), void *arg,
    struct smerr *e)
{
	struct store_each	w = STORE_EACH(file_each, file, cb, arg);

	return store_walk_sql(st, "SELECT seq, name, type, data FROM "
	    "draft_file WHERE draft = ? ORDER BY seq;",
	    STORE_ARGS(STORE_INT(id)), &w, "reading the draft's files", e);
}

int
store_draft_file_delete(struct store *st, int64_t id, int64_t seq,
    struct smerr *e)
{
	/* seq 0: every file of the draft. */
	return file_exec(st, "DELETE FROM draft_file WHERE draft = ?1 AND "
	    "(?2 = 0 OR seq = ?2);", id, seq, e);
}
