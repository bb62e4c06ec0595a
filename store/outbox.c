/*
 * The outbox: messages queued for submission, kept encrypted like the
 * rest of the store, with their state and the last failure. Each entry
 * moves queued -> sending -> sent; a submission cut off after the message
 * data began leaves it in-doubt (it may have been delivered). A claim is
 * kept as "claimed" until the message data is about to go, then as
 * "sending": an entry whose process died is queued again in the first
 * case (nothing was handed over) and in-doubt in the second. A claim names
 * its process by number and by its boot and start time, so that another
 * process that has the number after a restart does not hold it. Every
 * change of state is checked and made in one BEGIN IMMEDIATE transaction,
 * so that two processes never claim one entry, and a Message-ID is queued
 * once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/vec.h"
#include "store/store.h"
#include "store/store_int.h"

static int	copies_files_gc(struct store *, int64_t, int64_t,
		    struct smerr *);

/* Claimed, the message data not yet begun; kept, never shown. */
#define OB_CLAIMED	"claimed"

/*
 * The state a reader is told: a live claimant's entry is sending; a dead
 * one's is queued before the message data began, else in-doubt.
 */
static const char *
state_seen(const char *state, int64_t pid, const char *start)
{
	if (state == NULL)
		return STORE_OB_QUEUED;
	if (strcmp(state, OB_CLAIMED) == 0)
		return store_claim_alive(pid, start) ? STORE_OB_SENDING :
		    STORE_OB_QUEUED;
	if (strcmp(state, STORE_OB_SENDING) == 0 &&
	    !store_claim_alive(pid, start))
		return STORE_OB_INDOUBT;
	return state;
}

int
store_outbox_check_new(struct store *st, const char *message_id,
    struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r, rc, sent;

	if (message_id == NULL)
		return 0;
	if ((r = store_prep_args(st, "SELECT count(*), max(sent) FROM outbox "
	    "WHERE message_id = ?;", STORE_ARGS(STORE_TEXT(message_id)), &s,
	    e)) != 0)
		return r;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_int(s, 0) > 0) {
		sent = sqlite3_column_int(s, 1);
		r = smerr_set(e, SMERR_EXISTS, sent ? "message %s was already "
		    "sent" : "message %s is already in the outbox (sealmail "
		    "outbox send tries it again)", message_id);
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_dberr(st, e, "reading the outbox");
	sqlite3_finalize(s);
	return r;
}

static int
outbox_insert(struct store *st, const struct store_outbox *o, int64_t *idp,
    struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_prep_args(st, "INSERT INTO outbox(account, "
	    "message_id, from_addr, recipients, subject, body, created, copy, "
	    "source) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?);",
	    STORE_ARGS(STORE_TEXT(o->account), STORE_TEXT(o->message_id),
	    STORE_TEXT(o->from), STORE_TEXT(o->recipients),
	    STORE_TEXT(o->subject), STORE_BLOB(o->body, o->body_len),
	    STORE_INT(o->created != 0 ? o->created : time(NULL)),
	    STORE_INT(o->copy), STORE_BLOB(o->source, o->source_len)), &s,
	    e)) != 0)
		return r;
	if (sqlite3_step(s) != SQLITE_DONE) {
		if ((sqlite3_extended_errcode(st->db) & 0xff) ==
		    SQLITE_CONSTRAINT)
			r = smerr_set(e, SMERR_EXISTS, "message %s is already "
			    "in the outbox", o->message_id);
		else
			r = store_dberr(st, e, "queueing a message");
	} else if (idp != NULL)
		*idp = sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(s);
	return r;
}

int
store_outbox_add(struct store *st, const struct store_outbox *o,
    int64_t *idp, struct smerr *e)
{
	int	 r;

	if (idp != NULL)
		*idp = 0;
	if (o == NULL || o->body == NULL || o->body_len == 0)
		return smerr_set(e, SMERR_INVAL, "store_outbox_add: no message");
	if ((r = store_begin(st, e)) != 0)
		return r;
	/* The first copy checks; the others join it in the caller's tx. */
	if ((o->copy != 0 || (r = store_outbox_check_new(st, o->message_id,
	    e)) == 0) && (r = outbox_insert(st, o, idp, e)) == 0)
		return store_commit(st, e);
	store_rollback(st);
	return r;
}

/*
 * A note that the server took an entry the database could not record as
 * sent (full, or busy past its wait): an empty file beside the database,
 * "store.db-accepted-ID-PID", whose name is all it says, so that making
 * it needs no room for data. PID is the process that claimed the entry.
 */
#define OB_NOTE		"-accepted-"

/* The note for entry id of process pid, into path (size bytes). */
static int
note_path(const struct store *st, int64_t id, int64_t pid, char *path,
    size_t size)
{
	int	n;

	n = snprintf(path, size, "%s" OB_NOTE "%" PRId64 "-%" PRId64,
	    st->path, id, pid);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
store_outbox_accepted(struct store *st, int64_t id, struct smerr *e)
{
	char	path[4096];
	int	fd;

	if (note_path(st, id, getpid(), path, sizeof(path)) != 0)
		return smerr_set(e, SMERR_LIMIT, "%s: the name is too long",
		    st->path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return smerr_set(e, SMERR_IO, "%s: %s", path, strerror(errno));
	close(fd);
	return 0;
}

void
store_outbox_accepted_done(struct store *st, int64_t id)
{
	char	path[4096];

	if (note_path(st, id, getpid(), path, sizeof(path)) == 0)
		(void)unlink(path);
}

/*
 * Records entry id as sent as the note of process pid says, unless it
 * was sent or claimed again since; 0 when the note has served.
 */
static int
note_settle(struct store *st, int64_t id, int64_t pid, struct smerr *e)
{
	int	r;

	if ((r = store_begin(st, e)) != 0)
		return r;
	/* Only the first copy is kept in Sent: the next sync makes it. */
	if ((r = store_do(st, "UPDATE outbox SET sent = 1, appended = "
	    "(copy <> 0), state = 'sent', claim_pid = NULL, claim_start = NULL, "
	    "error = NULL, "
	    "sent_at = coalesce(sent_at, ?3) WHERE id = ?1 AND sent = 0 AND "
	    "claim_pid = ?2;", STORE_ARGS(STORE_INT(id), STORE_INT(pid),
	    STORE_INT(time(NULL))), "recording a message sent", e)) == 0 &&
	    sqlite3_changes(st->db) > 0)
		r = copies_files_gc(st, id, 0, e);
	if (r != 0) {
		store_rollback(st);
		return r;
	}
	return store_commit(st, e);
}

/*
 * Calls fn(st, id, pid, arg) for each note beside st until one returns
 * non-zero, which is returned.
 */
static int
note_walk(struct store *st, int (*fn)(struct store *, int64_t, int64_t,
    void *), void *arg)
{
	DIR		*d;
	struct dirent	*de;
	char		 dir[4096], prefix[512];
	const char	*base;
	long long	 id, pid;
	size_t		 plen;
	int		 r = 0, n;

	if ((base = strrchr(st->path, '/')) == NULL) {
		snprintf(dir, sizeof(dir), ".");
		base = st->path;
	} else {
		snprintf(dir, sizeof(dir), "%.*s", (int)(base - st->path) + 1,
		    st->path);
		base++;
	}
	snprintf(prefix, sizeof(prefix), "%s" OB_NOTE, base);
	plen = strlen(prefix);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, plen) != 0 ||
		    sscanf(de->d_name + plen, "%lld-%lld%n", &id, &pid,
		    &n) != 2 || de->d_name[plen + (size_t)n] != '\0')
			continue;
		r = fn(st, id, pid, arg);
	}
	closedir(d);
	return r;
}

/* note_walk: records what the note says, then removes it. */
static int
settle_cb(struct store *st, int64_t id, int64_t pid, void *arg)
{
	char	path[4096];
	int	r;

	if ((r = note_settle(st, id, pid, arg)) == 0 &&
	    note_path(st, id, pid, path, sizeof(path)) == 0)
		(void)unlink(path);
	return r;
}

int
store_outbox_settle(struct store *st, struct smerr *e)
{
	return note_walk(st, settle_cb, e);
}

/* note_walk: 1 for a note of the entry arg points to. */
static int
noted_cb(struct store *st, int64_t id, int64_t pid, void *arg)
{
	(void)st;
	(void)pid;
	return id == *(const int64_t *)arg;
}

int
store_outbox_delivered(struct store *st, int64_t id)
{
	return note_walk(st, noted_cb, &id);
}

/*
 * store_outbox_settle for a reader, which reads what there is; not inside
 * the caller's transaction, which a failure here must not undo.
 */
static void
outbox_settle_quietly(struct store *st)
{
	struct smerr	e;

	if (st->intx > 0)
		return;
	smerr_clear(&e);
	(void)store_outbox_settle(st, &e);
}

#define OUTBOX_COLUMNS "id, account, message_id, from_addr, recipients, " \
	"subject, body, created, attempts, error, sent, appended, state, " \
	"claim_pid, copy, source, claim_start"
/*
 * The copies of entry ?1's message: the entries of its Message-ID and
 * account, sent or not (entry ?1 alone when it has no Message-ID).
 */
#define OUTBOX_COPIES "(id = ?1 OR (message_id = (SELECT message_id " \
	"FROM outbox WHERE id = ?1) AND account IS (SELECT account FROM " \
	"outbox WHERE id = ?1)))"

static void
outbox_row(sqlite3_stmt *s, struct store_outbox *o)
{
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(s, 0);
	o->account = (const char *)sqlite3_column_text(s, 1);
	o->message_id = (const char *)sqlite3_column_text(s, 2);
	o->from = (const char *)sqlite3_column_text(s, 3);
	o->recipients = (const char *)sqlite3_column_text(s, 4);
	o->subject = (const char *)sqlite3_column_text(s, 5);
	o->body = sqlite3_column_blob(s, 6);
	o->body_len = (size_t)sqlite3_column_bytes(s, 6);
	o->created = (time_t)sqlite3_column_int64(s, 7);
	o->attempts = sqlite3_column_int(s, 8);
	o->error = (const char *)sqlite3_column_text(s, 9);
	o->sent = sqlite3_column_int(s, 10);
	o->appended = sqlite3_column_int(s, 11);
	o->claim_pid = sqlite3_column_int64(s, 13);
	o->claim_start = (const char *)sqlite3_column_text(s, 16);
	o->state = state_seen((const char *)sqlite3_column_text(s, 12),
	    o->claim_pid, o->claim_start);
	o->copy = sqlite3_column_int(s, 14);
	o->source = sqlite3_column_blob(s, 15);
	o->source_len = (size_t)sqlite3_column_bytes(s, 15);
}

static int
outbox_each(sqlite3_stmt *s, const struct store_each *w)
{
	struct store_outbox	o;

	outbox_row(s, &o);
	return w->cb.outbox(&o, w->arg);
}

int
store_outbox_foreach(struct store *st,
    int (*cb)(const struct store_outbox *, void *), void *arg,
    struct smerr *e)
{
	struct store_each	w = STORE_EACH(outbox_each, outbox, cb, arg);

	outbox_settle_quietly(st);
	return store_walk_sql(st, "SELECT " OUTBOX_COLUMNS " FROM outbox "
	    "WHERE NOT (sent = 1 AND appended = 1) ORDER BY id;", NULL, &w,
	    "reading the outbox", e);
}

int
store_outbox_get(struct store *st, int64_t id,
    int (*cb)(const struct store_outbox *, void *), void *arg,
    struct smerr *e)
{
	struct store_each	w = STORE_EACH(outbox_each, outbox, cb, arg);

	return store_walk_sql(st, "SELECT " OUTBOX_COLUMNS " FROM outbox "
	    "WHERE id = ? AND NOT (sent = 1 AND appended = 1);",
	    STORE_ARGS(STORE_INT(id)), &w, "reading the outbox", e);
}

int
store_outbox_copies(struct store *st, int64_t id,
    int (*cb)(const struct store_outbox *, void *), void *arg,
    struct smerr *e)
{
	struct store_each	w = STORE_EACH(outbox_each, outbox, cb, arg);
	int			r;

	r = store_walk_sql(st, "SELECT " OUTBOX_COLUMNS " FROM outbox WHERE "
	    OUTBOX_COPIES " ORDER BY copy, id;", STORE_ARGS(STORE_INT(id)),
	    &w, "reading the outbox", e);
	if (r == 0 && w.n == 0)
		r = store_no_row(e, "outbox entry", id);
	return r;
}

/*
 * The files of entry id's message go once no copy of it but skip waits to
 * be sent: until then they are kept, on whichever copy holds them, for
 * the message to become a draft again.
 */
static int
copies_files_gc(struct store *st, int64_t id, int64_t skip, struct smerr *e)
{
	return store_do(st, "DELETE FROM outbox_file WHERE outbox IN (SELECT "
	    "id FROM outbox WHERE " OUTBOX_COPIES ") AND NOT EXISTS (SELECT 1 "
	    "FROM outbox WHERE " OUTBOX_COPIES " AND sent = 0 AND id <> ?2);",
	    STORE_ARGS(STORE_INT(id), STORE_INT(skip)), "the attached files",
	    e);
}

/*
 * Entry id is about to go: the files it holds move to the first other
 * copy of its message that waits to be sent (after any that copy has),
 * and when there is none, the files of every copy go.
 */
static int
copies_files_leave(struct store *st, int64_t id, struct smerr *e)
{
	int	r;

	if ((r = store_do(st, "WITH next(id) AS (SELECT id FROM outbox WHERE "
	    OUTBOX_COPIES " AND sent = 0 AND id <> ?1 ORDER BY copy, id "
	    "LIMIT 1) UPDATE outbox_file SET outbox = (SELECT id FROM next), "
	    "seq = seq + (SELECT coalesce(max(seq), 0) FROM outbox_file WHERE "
	    "outbox = (SELECT id FROM next)) WHERE outbox = ?1 AND EXISTS "
	    "(SELECT 1 FROM next);", STORE_ARGS(STORE_INT(id)),
	    "the attached files", e)) != 0)
		return r;
	return copies_files_gc(st, id, id, e);
}

/* The state of entry id inside the caller's transaction. */
static int
outbox_state(struct store *st, int64_t id, int *sentp, const char **statep,
    struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_prep_args(st, "SELECT sent, state, claim_pid, "
	    "claim_start FROM outbox WHERE id = ?;", STORE_ARGS(STORE_INT(id)),
	    &s, e)) != 0)
		return r;
	if ((r = store_step_row(st, s, "reading the outbox", "outbox entry",
	    id, e)) == 0) {
		*sentp = sqlite3_column_int(s, 0);
		/* A constant: the row's text dies with the statement. */
		*statep = state_seen((const char *)sqlite3_column_text(s, 1),
		    sqlite3_column_int64(s, 2),
		    (const char *)sqlite3_column_text(s, 3));
		*statep = strcmp(*statep, STORE_OB_SENDING) == 0 ?
		    STORE_OB_SENDING : strcmp(*statep, STORE_OB_INDOUBT) == 0 ?
		    STORE_OB_INDOUBT : STORE_OB_QUEUED;
	}
	sqlite3_finalize(s);
	return r;
}

/* Runs sql with args bound: entry id must have been changed. */
static int
outbox_update(struct store *st, const char *sql, const struct store_arg *args,
    int64_t id, struct smerr *e)
{
	return store_do_row(st, sql, args, "updating the outbox",
	    "outbox entry", id, e);
}

/* Checks that entry id may be claimed: 0, or why not. */
static int
claim_check(struct store *st, int64_t id, int force, struct smerr *e)
{
	const char	*state;
	int		 r, sent;

	if ((r = outbox_state(st, id, &sent, &state, e)) != 0)
		return r;
	if (sent)
		return smerr_set(e, SMERR_EXISTS, "message %lld was already "
		    "sent", (long long)id);
	if (strcmp(state, STORE_OB_SENDING) == 0)
		return smerr_set(e, SMERR_EXISTS, "message %lld is being sent "
		    "by another sealmail process", (long long)id);
	if (strcmp(state, STORE_OB_INDOUBT) == 0 && !force)
		return smerr_set(e, SMERR_EXISTS, "message %lld is in doubt: "
		    "its submission was cut off after the message data began, "
		    "so it may have been delivered (sealmail outbox send %lld "
		    "sends it again)", (long long)id, (long long)id);
	return 0;
}

int
store_outbox_claim(struct store *st, int64_t id, int force,
    struct smerr *e)
{
	return store_outbox_claim_all(st, &id, 1, force, e);
}

int
store_outbox_claim_all(struct store *st, const int64_t *ids, size_t n,
    int force, struct smerr *e)
{
	char		 buf[PROC_IDENT_LEN];
	const char	*self = store_claim_self(buf);
	size_t		 i;
	int		 r = 0;

	/* A message the server took is sent, whatever its note says. */
	outbox_settle_quietly(st);
	if ((r = store_begin(st, e)) != 0)
		return r;
	for (i = 0; i < n && r == 0; i++)
		if ((r = claim_check(st, ids[i], force, e)) == 0)
			r = outbox_update(st, "UPDATE outbox SET state = '"
			    OB_CLAIMED "', claim_pid = ?2, claim_start = ?3 "
			    "WHERE id = ?1;", STORE_ARGS(STORE_INT(ids[i]),
			    STORE_INT(getpid()), STORE_TEXT(self)), ids[i], e);
	if (r == 0)
		return store_commit(st, e);
	store_rollback(st);
	return r;
}

int
store_outbox_data(struct store *st, int64_t id, struct smerr *e)
{
	return outbox_update(st, "UPDATE outbox SET state = 'sending' WHERE "
	    "id = ?1 AND claim_pid = ?2 AND state = '" OB_CLAIMED "';",
	    STORE_ARGS(STORE_INT(id), STORE_INT(getpid())), id, e);
}

int
store_outbox_release(struct store *st, int64_t id, int in_doubt,
    const char *error, struct smerr *e)
{
	return outbox_update(st, "UPDATE outbox SET attempts = attempts + 1, "
	    "error = ?2, claim_pid = NULL, claim_start = NULL, state = CASE "
	    "WHEN ?3 THEN "
	    "'in-doubt' ELSE 'queued' END WHERE id = ?1 AND sent = 0;",
	    STORE_ARGS(STORE_INT(id), STORE_TEXT(error),
	    STORE_INT(in_doubt != 0)), id, e);
}

int
store_outbox_fail(struct store *st, int64_t id, const char *error,
    struct smerr *e)
{
	return store_outbox_release(st, id, 0, error, e);
}

int
store_outbox_sent(struct store *st, int64_t id, int appended,
    struct smerr *e)
{
	char	 buf[PROC_IDENT_LEN];
	int	 r;

	if ((r = outbox_update(st, "UPDATE outbox SET sent = 1, appended = ?2, "
	    "state = 'sent', claim_pid = CASE WHEN ?2 THEN NULL ELSE ?4 END, "
	    "claim_start = CASE WHEN ?2 THEN NULL ELSE ?5 END, error = NULL, "
	    "sent_at = coalesce(sent_at, ?3) WHERE id = ?1;",
	    STORE_ARGS(STORE_INT(id), STORE_INT(appended != 0),
	    STORE_INT(time(NULL)), STORE_INT(getpid()),
	    STORE_TEXT(store_claim_self(buf))), id, e)) != 0)
		return r;
	/* Every copy sent: the files are not to be edited again. */
	return copies_files_gc(st, id, 0, e);
}

int
store_outbox_claim_append(struct store *st, int64_t id, struct smerr *e)
{
	struct smerr	e2;
	int		r;

	smerr_clear(&e2);
	r = store_claim(st, "SELECT coalesce(claim_pid, 0), claim_start FROM "
	    "outbox WHERE id = ?1 AND sent = 1 AND appended = 0;", "UPDATE "
	    "outbox SET claim_pid = ?2, claim_start = ?3 WHERE id = ?1;", id,
	    NULL, &e2);
	if (r == SMERR_NOTFOUND)
		return smerr_set(e, r, "message %lld is not waiting for its "
		    "copy to Sent", (long long)id);
	if (r == SMERR_EXISTS)
		return smerr_set(e, r, "message %lld is being copied to Sent "
		    "by another sealmail process", (long long)id);
	if (r != 0)
		smerr_set(e, r, "%s", smerr_msg(&e2));
	return r;
}

int
store_outbox_delete(struct store *st, int64_t id, struct smerr *e)
{
	const char	*state;
	int		 r, sent;

	if ((r = store_begin(st, e)) != 0)
		return r;
	if ((r = outbox_state(st, id, &sent, &state, e)) == 0) {
		if (sent)
			r = smerr_set(e, SMERR_NOTFOUND, "message %lld was "
			    "sent; it is no longer in the outbox",
			    (long long)id);
		else if (strcmp(state, STORE_OB_SENDING) == 0)
			r = smerr_set(e, SMERR_EXISTS, "message %lld is being "
			    "sent right now", (long long)id);
		else if ((r = copies_files_leave(st, id, e)) == 0)
			r = outbox_update(st, "DELETE FROM outbox WHERE "
			    "id = ?;", STORE_ARGS(STORE_INT(id)), id, e);
	}
	if (r == 0)
		r = store_outbox_files_drop(st, id, e);
	if (r == 0)
		return store_commit(st, e);
	store_rollback(st);
	return r;
}

/* What taking a message back learns of its copies. */
struct take_back {
	int64_t		 id;		/* the entry chosen */
	struct vec_ids	 ids;		/* every copy */
	int		 gone;		/* the entry chosen was sent */
	int		 text;		/* its text as written is kept */
	int		 sending, sent, doubt;
};

static int
take_back_cb(const struct store_outbox *o, void *arg)
{
	struct take_back	*tb = arg;

	if (vec_ids_add(&tb->ids, o->id) != 0)
		return 1;
	if (o->id == tb->id) {
		tb->gone = o->sent;
		tb->text = o->source != NULL;
	}
	if (o->sent)
		tb->sent++;
	else if (strcmp(o->state, STORE_OB_SENDING) == 0)
		tb->sending++;
	else if (strcmp(o->state, STORE_OB_INDOUBT) == 0)
		tb->doubt++;
	return 0;
}

/*
 * Whether the message of tb->id may be taken back (as a draft when
 * draft, which needs its text): 0, or why not.
 */
static int
take_back_check(const struct take_back *tb, int partial, int draft,
    struct smerr *e)
{
	long long	id = (long long)tb->id;

	if (tb->gone)
		return smerr_set(e, SMERR_NOTFOUND, "message %lld was sent; "
		    "it is no longer in the outbox", id);
	if (draft && !tb->text)
		return smerr_set(e, SMERR_INVAL, "message %lld was queued "
		    "before its text was kept: it can be sent or deleted, not "
		    "taken back", id);
	if (tb->sending)
		return smerr_set(e, SMERR_EXISTS, "a copy of message %lld is "
		    "being sent right now", id);
	if ((tb->sent || tb->doubt) && !partial)
		return smerr_set(e, SMERR_EXISTS, "a copy of message %lld was "
		    "already sent%s", id, tb->doubt ? ", or may have been" :
		    "");
	return 0;
}

/*
 * Takes every copy not sent of entry id's message out of the outbox, in
 * one transaction: with draftp, into a new draft (*draftp) of its text
 * and the files of every copy; without, its files go.
 */
static int
copies_take(struct store *st, int64_t id, int partial, const char *reason,
    int64_t *draftp, struct smerr *e)
{
	struct take_back	 tb;
	size_t			 i;
	int			 r;

	memset(&tb, 0, sizeof(tb));
	tb.id = id;
	if ((r = store_begin(st, e)) != 0)
		return r;
	if ((r = store_outbox_copies(st, id, take_back_cb, &tb, e)) != 0 ||
	    (r = vec_ids_check(&tb.ids, e)) != 0 ||
	    (r = take_back_check(&tb, partial, draftp != NULL, e)) != 0)
		goto out;
	/* The text as written, as it was kept with the entry chosen. */
	if (draftp != NULL) {
		if ((r = store_do(st, "INSERT INTO draft(id, account, body, "
		    "reason, created, updated) SELECT " STORE_NEXT_ID("draft")
		    ", account, source, ?2, ?3, ?3 FROM outbox WHERE id = ?1;", STORE_ARGS(STORE_INT(id),
		    STORE_TEXT(reason), STORE_INT(time(NULL))),
		    "keeping the draft", e)) != 0)
			goto out;
		*draftp = sqlite3_last_insert_rowid(st->db);
	}
	/* The files of every copy; the copies not sent leave the outbox. */
	for (i = 0; r == 0 && i < tb.ids.n; i++)
		if ((r = draftp != NULL ? store_outbox_files_to_draft(st,
		    tb.ids.v[i], *draftp, e) : store_outbox_files_drop(st,
		    tb.ids.v[i], e)) == 0)
			r = store_do(st, "DELETE FROM outbox WHERE id = ? AND "
			    "sent = 0;", STORE_ARGS(STORE_INT(tb.ids.v[i])),
			    "taking the message back", e);
out:
	free(tb.ids.v);
	if (r != 0)
		store_rollback(st);
	else
		r = store_commit(st, e);	/* rolls back when it fails */
	if (r != 0 && draftp != NULL)
		*draftp = 0;
	return r;
}

int
store_outbox_take_back(struct store *st, int64_t id, int partial,
    const char *reason, int64_t *draftp, struct smerr *e)
{
	*draftp = 0;
	return copies_take(st, id, partial, reason, draftp, e);
}

int
store_outbox_delete_copies(struct store *st, int64_t id, struct smerr *e)
{
	return copies_take(st, id, 1, NULL, NULL, e);
}
