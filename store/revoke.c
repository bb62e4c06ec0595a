/*
 * Answers about certificates' revocation, one row per certificate: what
 * OCSP or a CRL said, and until when it may be believed (its nextUpdate).
 * Only answers are kept, never "unknown": a responder that did not
 * answer is asked again by the next run.
 */
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "store/store.h"
#include "store/store_int.h"

#define REVOKE_COLS	"fingerprint, status, source, until, checked, " \
			"revoked_at, reason"

int
store_revoke_put(struct store *st, const struct store_revoke *r,
    struct smerr *e)
{
	if (r->fingerprint == NULL || r->status == NULL || r->source == NULL)
		return smerr_set(e, SMERR_INVAL, "store_revoke_put: "
		    "incomplete");
	return store_do(st, "INSERT OR REPLACE INTO revocation(fingerprint, "
	    "status, source, until, checked, revoked_at, reason) "
	    "VALUES(?, ?, ?, ?, ?, ?, ?);",
	    STORE_ARGS(STORE_TEXT(r->fingerprint), STORE_TEXT(r->status),
	    STORE_TEXT(r->source), STORE_INT(r->until),
	    STORE_INT(r->checked), STORE_INT(r->revoked_at),
	    STORE_INT(r->reason)), "store", e);
}

static int
revoke_each(sqlite3_stmt *s, const struct store_each *w)
{
	struct store_revoke	r;

	memset(&r, 0, sizeof(r));
	r.fingerprint = store_col_text(s, 0);
	r.status = store_col_text(s, 1);
	r.source = store_col_text(s, 2);
	r.until = (time_t)sqlite3_column_int64(s, 3);
	r.checked = (time_t)sqlite3_column_int64(s, 4);
	r.revoked_at = (time_t)sqlite3_column_int64(s, 5);
	r.reason = sqlite3_column_int(s, 6);
	return w->cb.revoke(&r, w->arg);
}

int
store_revoke_foreach(struct store *st, time_t now,
    int (*cb)(const struct store_revoke *, void *), void *arg,
    struct smerr *e)
{
	struct store_each	w = STORE_EACH(revoke_each, revoke, cb, arg);

	if (store_do(st, "DELETE FROM revocation WHERE until < ?;",
	    STORE_ARGS(STORE_INT(now)), "store", e) != 0)
		return SMERR_STORE;
	return store_walk_sql(st, "SELECT " REVOKE_COLS " FROM revocation;",
	    NULL, &w, "store", e);
}

int
store_revoke_find(struct store *st, const char *fingerprint, time_t now,
    int (*cb)(const struct store_revoke *, void *), void *arg,
    struct smerr *e)
{
	struct store_each	w = STORE_EACH(revoke_each, revoke, cb, arg);

	return store_walk_sql(st, "SELECT " REVOKE_COLS " FROM revocation "
	    "WHERE fingerprint = ? AND until >= ?;",
	    STORE_ARGS(STORE_TEXT(fingerprint), STORE_INT(now)), &w, "store",
	    e);
}
