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

#define DRAFT_MAX	(64UL * 1024 * 1024)

int
store_draft_put(struct store *st, int64_t *idp, const char *account,
    const void *body, size_t len, const char *reason, struct smerr *e)
{
	sqlite3_stmt	*s;
	time_t		 now = time(NULL);
	int		 r;

	if (body == NULL || len == 0 || len > DRAFT_MAX)
		return smerr_set(e, SMERR_INVAL, "a draft needs some text");
	/* An id given is updated in place, or made again when it is gone. */
	if ((r = store_prep(st, "INSERT OR REPLACE INTO draft(id, account, "
	    "body, reason, created, updated) VALUES(?1, ?2, ?3, ?4, "
	    "coalesce((SELECT created FROM draft WHERE id = ?1), ?5), ?5);",
	    &s, e)) != 0)
		return r;
	if (*idp > 0)
		sqlite3_bind_int64(s, 1, *idp);
	store_bind_text(s, 2, account);
	sqlite3_bind_blob(s, 3, body, (int)len, SQLITE_TRANSIENT);
	store_bind_text(s, 4, reason);
	sqlite3_bind_int64(s, 5, now);
	if (sqlite3_step(s) != SQLITE_DONE)
		r = store_dberr(st, e, "keeping the draft");
	else if (*idp <= 0)
		*idp = sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(s);
	return r;
}

int
store_draft_reason(struct store *st, int64_t id, const char *reason,
    struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_prep(st, "UPDATE draft SET reason = ? WHERE id = ?;",
	    &s, e)) != 0)
		return r;
	store_bind_text(s, 1, reason);
	sqlite3_bind_int64(s, 2, id);
	return store_run(st, s, "updating the draft", e);
}

int
store_draft_foreach(struct store *st, int64_t id,
    int (*cb)(const struct store_draft *, void *), void *arg,
    struct smerr *e)
{
	struct store_draft	 d;
	sqlite3_stmt		*s;
	int			 r, rc, n = 0;

	if ((r = store_prep(st, "SELECT id, account, body, reason, created, "
	    "updated, (SELECT count(*) FROM draft_file WHERE draft = "
	    "draft.id) FROM draft WHERE ?1 = 0 OR id = ?1 ORDER BY id;", &s,
	    e)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&d, 0, sizeof(d));
		d.id = sqlite3_column_int64(s, 0);
		d.account = (const char *)sqlite3_column_text(s, 1);
		d.body = sqlite3_column_blob(s, 2);
		d.body_len = (size_t)sqlite3_column_bytes(s, 2);
		d.reason = (const char *)sqlite3_column_text(s, 3);
		d.created = (time_t)sqlite3_column_int64(s, 4);
		d.updated = (time_t)sqlite3_column_int64(s, 5);
		d.nfiles = (size_t)sqlite3_column_int64(s, 6);
		n++;
		if (cb(&d, arg) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_dberr(st, e, "reading the drafts");
	else if (id != 0 && n == 0)
		r = smerr_set(e, SMERR_NOTFOUND, "no draft %lld",
		    (long long)id);
	sqlite3_finalize(s);
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

	if ((*bodyp = buf_new_secret(DRAFT_MAX)) == NULL)
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
store_draft_delete(struct store *st, int64_t id, struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_prep(st, "DELETE FROM draft WHERE id = ?;", &s,
	    e)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_DONE)
		r = store_dberr(st, e, "removing the draft");
	else if (sqlite3_changes(st->db) == 0)
		r = smerr_set(e, SMERR_NOTFOUND, "no draft %lld",
		    (long long)id);
	sqlite3_finalize(s);
	if (r == 0)
		r = store_draft_file_delete(st, id, 0, e);
	return r;
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
	sqlite3_stmt	*s;
	int		 r;

	if (f->name == NULL || f->type == NULL || f->len > DRAFT_MAX ||
	    (f->data == NULL && f->len > 0))
		return smerr_set(e, SMERR_INVAL, "not a file to attach");
	if ((r = store_prep(st, file_sql[outbox][0], &s, e)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, f->name);
	store_bind_text(s, 3, f->type);
	/* A zero-length blob, not NULL, for an empty file. */
	sqlite3_bind_blob(s, 4, f->len > 0 ? (const void *)f->data : "",
	    (int)f->len, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_DONE)
		r = store_dberr(st, e, "keeping the attached file");
	else
		f->seq = sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(s);
	if (r == 0 && (r = store_prep(st, file_sql[outbox][1], &s, e)) == 0) {
		sqlite3_bind_int64(s, 1, f->seq);
		if (sqlite3_step(s) == SQLITE_ROW)
			f->seq = sqlite3_column_int64(s, 0);
		else
			r = store_dberr(st, e, "keeping the attached file");
		sqlite3_finalize(s);
	}
	return r;
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
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_prep(st, sql, &s, e)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	if (sqlite3_step(s) != SQLITE_DONE)
		r = store_dberr(st, e, "the attached files");
	sqlite3_finalize(s);
	return r;
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
	return file_exec(st, "DELETE FROM outbox_file WHERE outbox = ?1 AND "
	    "?2 = ?2;", id, 0, e);
}

int
store_draft_file_foreach(struct store *st, int64_t id,
    int (*cb)(const struct store_draft_file *, void *), void *arg,
    struct smerr *e)
{
	struct store_draft_file	 f;
	sqlite3_stmt		*s;
	int			 r, rc;

	if ((r = store_prep(st, "SELECT seq, name, type, data FROM "
	    "draft_file WHERE draft = ? ORDER BY seq;", &s, e)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		f.seq = sqlite3_column_int64(s, 0);
		f.name = store_col_text(s, 1);
		f.type = store_col_text(s, 2);
		f.data = sqlite3_column_blob(s, 3);
		f.len = (size_t)sqlite3_column_bytes(s, 3);
		if (cb(&f, arg) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_dberr(st, e, "reading the draft's files");
	sqlite3_finalize(s);
	return r;
}

int
store_draft_file_delete(struct store *st, int64_t id, int64_t seq,
    struct smerr *e)
{
	/* seq 0: every file of the draft. */
	return file_exec(st, "DELETE FROM draft_file WHERE draft = ?1 AND "
	    "(?2 = 0 OR seq = ?2);", id, seq, e);
}
