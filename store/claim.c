/*
 * Claims on rows that a process works through with the server (outbox
 * entries, queued moves): the process's id in the row's claim_pid and
 * what tells it apart from a later process of that number (proc_ident:
 * the boot and its start time) in claim_start, set in a BEGIN IMMEDIATE
 * transaction that first reads who holds it, so that two processes never
 * hold one row. A claim whose process died, or ended with the machine, is
 * anyone's to take; one made with no claim_start is judged by its number
 * alone.
 */
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/proc.h"
#include "store/store.h"
#include "store/store_int.h"

int
store_claim_alive(int64_t pid, const char *start)
{
	char		 buf[PROC_IDENT_LEN];
	const char	*self;

	if (pid <= 0 || pid > INT32_MAX)
		return 0;
	/* This process: its own claim, unless one of a boot before. */
	if ((pid_t)pid == getpid())
		return start == NULL || (self = store_claim_self(buf)) ==
		    NULL || strcmp(self, start) == 0;
	return proc_is((long)pid, start);
}

const char *
store_claim_self(char buf[PROC_IDENT_LEN])
{
	/* Read once for each process and thread: it does not change. */
	static _Thread_local pid_t	pid;
	static _Thread_local char	self[PROC_IDENT_LEN];

	if (pid != getpid()) {
		if (proc_ident((long)getpid(), self, sizeof(self)) != 0)
			return NULL;
		pid = getpid();
	}
	memcpy(buf, self, PROC_IDENT_LEN);
	return buf;
}

/*
 * Inside the caller's transaction: whether another process that still
 * runs holds row id, and its number, as holder reads them.
 */
static int
claim_holder(struct store *st, const char *holder, int64_t id, int64_t *pidp,
    int *heldp, struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r;

	*pidp = 0;
	*heldp = 0;
	if ((r = store_prep_args(st, holder, STORE_ARGS(STORE_INT(id)), &s,
	    e)) != 0)
		return r;
	if ((r = store_step_row(st, s, "reading a claim", "entry", id,
	    e)) == 0) {
		*pidp = sqlite3_column_int64(s, 0);
		*heldp = *pidp != getpid() && store_claim_alive(*pidp,
		    (const char *)sqlite3_column_text(s, 1));
	}
	sqlite3_finalize(s);
	return r;
}

int
store_claim(struct store *st, const char *holder, const char *take,
    int64_t id, int64_t *prevp, struct smerr *e)
{
	char	 buf[PROC_IDENT_LEN];
	int64_t	 pid = 0;
	int	 r, held;

	if (prevp != NULL)
		*prevp = 0;
	if ((r = store_begin(st, e)) != 0)
		return r;
	if ((r = claim_holder(st, holder, id, &pid, &held, e)) == 0 && held)
		r = smerr_set(e, SMERR_EXISTS, "entry %lld is held by another "
		    "sealmail process (%lld)", (long long)id, (long long)pid);
	if (r == 0 && (r = store_do(st, take, STORE_ARGS(STORE_INT(id),
	    STORE_INT(getpid()), STORE_TEXT(store_claim_self(buf))),
	    "claiming an entry", e)) == 0) {
		if (prevp != NULL)
			*prevp = pid;
		return store_commit(st, e);
	}
	store_rollback(st);
	return r;
}
