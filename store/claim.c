/*
 * Claims on rows that a process works through with the server (outbox
 * entries, queued moves): the process's id in the row's claim_pid, set
 * in a BEGIN IMMEDIATE transaction that first reads who holds it, so
 * that two processes never hold one row. A claim whose process died is
 * anyone's to take.
 */
#include <unistd.h>

#include "base/err.h"
#include "base/proc.h"
#include "store/store.h"
#include "store/store_int.h"

int
store_claim_alive(int64_t pid)
{
	if (pid <= 0 || pid > INT32_MAX)
		return 0;
	return (pid_t)pid == getpid() || proc_alive((long)pid);
}

/* Inside the caller's transaction: who holds row id, as holder reads. */
static int
claim_holder(struct store *st, const char *holder, int64_t id, int64_t *pidp,
    struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r, rc;

	*pidp = 0;
	if ((r = store_prep_args(st, holder, STORE_ARGS(STORE_INT(id)), &s,
	    e)) != 0)
		return r;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*pidp = sqlite3_column_int64(s, 0);
	else if (rc == SQLITE_DONE)
		r = smerr_set(e, SMERR_NOTFOUND, "no entry %lld",
		    (long long)id);
	else
		r = store_dberr(st, e, "reading a claim");
	sqlite3_finalize(s);
	return r;
}

int
store_claim(struct store *st, const char *holder, const char *take,
    int64_t id, int64_t *prevp, struct smerr *e)
{
	int64_t	 pid = 0;
	int	 r;

	if (prevp != NULL)
		*prevp = 0;
	if ((r = store_begin(st, e)) != 0)
		return r;
	if ((r = claim_holder(st, holder, id, &pid, e)) == 0 &&
	    pid != getpid() && store_claim_alive(pid))
		r = smerr_set(e, SMERR_EXISTS, "entry %lld is held by another "
		    "sealmail process (%lld)", (long long)id, (long long)pid);
	if (r == 0 && (r = store_do(st, take, STORE_ARGS(STORE_INT(id),
	    STORE_INT(getpid())), "claiming an entry", e)) == 0) {
		if (prevp != NULL)
			*prevp = pid;
		return store_commit(st, e);
	}
	store_rollback(st);
	return r;
}
