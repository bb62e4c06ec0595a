/*
 * Folders and their IMAP state: UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ of
 * the last completed sync, per account and mailbox name.
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "store/store.h"
#include "store/store_int.h"

static int
folder_id(struct store *st, const char *account, const char *name,
    int64_t *idp, struct smerr *e)
{
	return store_int(st, "SELECT id FROM folder WHERE account = ? AND "
	    "name = ?;", STORE_ARGS(STORE_TEXT(account), STORE_TEXT(name)),
	    idp, "reading folders", e);
}

int
store_folder_open(struct store *st, const char *account, const char *name,
    int64_t *idp, struct smerr *e)
{
	int	r;

	*idp = 0;
	if (account == NULL || name == NULL)
		return smerr_set(e, SMERR_INVAL, "store_folder_open: no name");
	if ((r = folder_id(st, account, name, idp, e)) != 0 || *idp != 0)
		return r;
	/* Another process may add it meanwhile: then its row is the one. */
	if ((r = store_do(st, "INSERT OR IGNORE INTO folder(account, name) "
	    "VALUES(?, ?);", STORE_ARGS(STORE_TEXT(account),
	    STORE_TEXT(name)), "adding a folder", e)) != 0)
		return r;
	if ((r = folder_id(st, account, name, idp, e)) == 0 && *idp == 0)
		r = smerr_set(e, SMERR_NOTFOUND, "folder %s of %s was not "
		    "added", name, account);
	return r;
}

static void
folder_row(sqlite3_stmt *s, struct store_folder *f)
{
	f->id = sqlite3_column_int64(s, 0);
	f->account = store_col_text(s, 1);
	f->name = store_col_text(s, 2);
	f->uidvalidity = (uint32_t)sqlite3_column_int64(s, 3);
	f->uidnext = (uint32_t)sqlite3_column_int64(s, 4);
	f->highestmodseq = (uint64_t)sqlite3_column_int64(s, 5);
}

#define FOLDER_COLS "id, account, name, uidvalidity, uidnext, highestmodseq"

/* The statement of the last store_folder_get, kept for its strings. */
static int
folder_get_stmt(struct store *st, int64_t id, sqlite3_stmt **sp,
    struct smerr *e)
{
	return store_prep_args(st, "SELECT " FOLDER_COLS " FROM folder "
	    "WHERE id = ?;", STORE_ARGS(STORE_INT(id)), sp, e);
}

int
store_folder_get(struct store *st, int64_t id, struct store_folder *f,
    struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r;

	memset(f, 0, sizeof(*f));
	if ((r = folder_get_stmt(st, id, &s, e)) != 0)
		return r;
	if ((r = store_step_row(st, s, "reading folders", "folder", id,
	    e)) == 0) {
		folder_row(s, f);
		/* Numbers only: names are not kept past the statement. */
		f->account = f->name = NULL;
	}
	sqlite3_finalize(s);
	return r;
}

int
store_folder_counts(struct store *st, int64_t id, size_t *boundp,
    uint32_t *maxuidp, size_t *dirtyp, struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r = 0;

	*boundp = *dirtyp = 0;
	*maxuidp = 0;
	/* Both answered by partial indexes (message_uid, message_dirty). */
	if ((r = store_stmt(st, "SELECT (SELECT count(*) FROM message WHERE "
	    "folder = ?1 AND uid IS NOT NULL), (SELECT max(uid) FROM message "
	    "WHERE folder = ?1 AND uid IS NOT NULL), (SELECT count(*) FROM "
	    "message WHERE folder = ?1 AND flags_dirty = 1);", &s, e)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*boundp = (size_t)sqlite3_column_int64(s, 0);
		*maxuidp = (uint32_t)sqlite3_column_int64(s, 1);
		*dirtyp = (size_t)sqlite3_column_int64(s, 2);
	} else
		r = store_dberr(st, e, "reading messages");
	store_stmt_done(st, s);
	return r;
}

int
store_folder_set_state(struct store *st, int64_t id, uint32_t uidvalidity,
    uint32_t uidnext, uint64_t highestmodseq, struct smerr *e)
{
	return store_do(st, "UPDATE folder SET uidvalidity = ?, "
	    "uidnext = ?, highestmodseq = ? WHERE id = ?;",
	    STORE_ARGS(STORE_INT(uidvalidity), STORE_INT(uidnext),
	    STORE_INT(highestmodseq), STORE_INT(id)), "saving folder state",
	    e);
}

static int
folder_each(sqlite3_stmt *s, const struct store_each *w)
{
	struct store_folder	f;

	folder_row(s, &f);
	return w->cb.folder(&f, w->arg);
}

int
store_folder_foreach(struct store *st, const char *account,
    int (*cb)(const struct store_folder *, void *), void *arg,
    struct smerr *e)
{
	struct store_each	w = STORE_EACH(folder_each, folder, cb, arg);

	return store_walk_sql(st, "SELECT " FOLDER_COLS " FROM folder "
	    "WHERE ?1 IS NULL OR account = ?1 ORDER BY account, name;",
	    STORE_ARGS(STORE_TEXT(account)), &w, "reading folders", e);
}

int
store_folder_reset(struct store *st, int64_t id, struct smerr *e)
{
	int	r;

	if ((r = store_begin(st, e)) != 0)
		return r;
	if ((r = store_do(st, "UPDATE message SET uid = NULL, modseq = 0 "
	    "WHERE folder = ?;", STORE_ARGS(STORE_INT(id)),
	    "unbinding messages", e)) != 0 ||
	    (r = store_do(st, "UPDATE folder SET uidnext = 0, "
	    "highestmodseq = 0 WHERE id = ?;", STORE_ARGS(STORE_INT(id)),
	    "saving folder state", e)) != 0)
		goto fail;
	return store_commit(st, e);
fail:
	store_rollback(st);
	return r;
}

int
store_folder_forget(struct store *st, int64_t id, struct smerr *e)
{
	return store_do(st, "DELETE FROM folder WHERE id = ?1 AND NOT EXISTS "
	    "(SELECT 1 FROM message WHERE folder = ?1);",
	    STORE_ARGS(STORE_INT(id)), "removing a folder", e);
}
