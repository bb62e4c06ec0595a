/*
 * The write-ahead log copied into the database beside the writer. A
 * first sync writes a whole mailbox through one connection, and SQLite
 * would stop that writer every few megabytes to copy the log into the
 * database and flush both (a checkpoint): the store's one writer, the
 * slowest stage of the sync, would wait on the disk. Here a thread with
 * a connection of its own runs a passive checkpoint after commits
 * while the writer goes on, once 8 MB of log has come since the last
 * one (each has its two flushes). The log starts over from its beginning only
 * when all of it is in the database as a write transaction begins, so
 * once it has grown past STORE_CKPT_WAIT pages the writer waits, after a
 * commit, for the checkpoint of that commit: the log stays bounded.
 * Every checkpoint flushes the log, then the database, as the writer's
 * own would (synchronous = NORMAL).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/err.h"
#include "base/log.h"
#include "store/store.h"
#include "store/store_int.h"

#define STORE_CKPT_EVERY 2048		/* pages: 8 MB of log */
#define STORE_CKPT_WAIT	8192		/* pages: 32 MB of log */

struct store_ckpt {
	sqlite3		*db;
	pthread_t	 t;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	uint64_t	 asked;		/* commits seen */
	uint64_t	 done;		/* commits a checkpoint has covered */
	int		 pages;		/* in the log after the last commit */
	int		 mark;		/* ...when the last checkpoint began */
	int		 waiting;	/* the writer waits for one */
	int		 stop;
};

/* Whether a checkpoint is due: enough new log, or someone waits. */
static int
ckpt_due(const struct store_ckpt *ck)
{
	if (ck->done == ck->asked)
		return 0;
	return ck->stop || ck->waiting || ck->pages < ck->mark ||
	    ck->pages - ck->mark >= STORE_CKPT_EVERY;
}

static void *
ckpt_main(void *arg)
{
	struct store_ckpt	*ck = arg;
	uint64_t		 want;
	int			 rc;

	pthread_mutex_lock(&ck->mu);
	for (;;) {
		while (!ckpt_due(ck) && !ck->stop)
			pthread_cond_wait(&ck->cv, &ck->mu);
		if (!ckpt_due(ck))
			break;
		want = ck->asked;
		ck->mark = ck->pages;
		pthread_mutex_unlock(&ck->mu);
		rc = sqlite3_wal_checkpoint_v2(ck->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_debug("store: checkpoint: %s",
			    sqlite3_errmsg(ck->db));
		pthread_mutex_lock(&ck->mu);
		ck->done = want;
		pthread_cond_broadcast(&ck->cv);
	}
	pthread_mutex_unlock(&ck->mu);
	return NULL;
}

/* The writer's hook after each commit (in place of autocheckpoint). */
static int
ckpt_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store_ckpt	*ck = arg;
	uint64_t		 mine;

	(void)db;
	(void)name;
	pthread_mutex_lock(&ck->mu);
	mine = ++ck->asked;
	ck->pages = pages;
	if (pages >= STORE_CKPT_WAIT) {
		ck->waiting = 1;
		pthread_cond_broadcast(&ck->cv);
		while (ck->done < mine)
			pthread_cond_wait(&ck->cv, &ck->mu);
		ck->waiting = 0;
	} else if (ckpt_due(ck))
		pthread_cond_broadcast(&ck->cv);
	pthread_mutex_unlock(&ck->mu);
	return SQLITE_OK;
}

int
store_ckpt_start(struct store *st, struct smerr *e)
{
	struct store_ckpt	*ck;
	int			 r;

	if (st->ck != NULL)
		return 0;
	if (!sqlite3_threadsafe())
		return smerr_set(e, SMERR_STORE, "SQLite without threads");
	if ((ck = calloc(1, sizeof(*ck))) == NULL)
		return smerr_nomem(e);
	if ((r = store_connect(st, &ck->db, e)) != 0) {
		free(ck);
		return r;
	}
	pthread_mutex_init(&ck->mu, NULL);
	pthread_cond_init(&ck->cv, NULL);
	if (pthread_create(&ck->t, NULL, ckpt_main, ck) != 0) {
		pthread_cond_destroy(&ck->cv);
		pthread_mutex_destroy(&ck->mu);
		sqlite3_close_v2(ck->db);
		free(ck);
		return smerr_set(e, SMERR_NOMEM, "cannot start a thread");
	}
	sqlite3_wal_hook(st->db, ckpt_hook, ck);
	st->ck = ck;
	return 0;
}

void
store_ckpt_stop(struct store *st)
{
	struct store_ckpt	*ck;

	if (st == NULL || (ck = st->ck) == NULL)
		return;
	store_wal_default(st);
	pthread_mutex_lock(&ck->mu);
	ck->stop = 1;
	pthread_cond_broadcast(&ck->cv);
	pthread_mutex_unlock(&ck->mu);
	pthread_join(ck->t, NULL);
	pthread_cond_destroy(&ck->cv);
	pthread_mutex_destroy(&ck->mu);
	sqlite3_close_v2(ck->db);
	free(ck);
	st->ck = NULL;
}
