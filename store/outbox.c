/*
 * The outbox: messages queued for submission, kept encrypted like the
 * rest of the store, with the last failure. A Message-ID once submitted
 * is never submitted again.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "store/store.h"
#include "store/store_int.h"

int
store_outbox_was_sent(struct store *st, const char *message_id,
    struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r, rc;

	if (message_id == NULL)
		return 0;
	if ((r = store_prep(st, "SELECT 1 FROM outbox WHERE message_id = ? "
	    "AND sent = 1 LIMIT 1;", &s, e)) != 0)
		return r;
	store_bind_text(s, 1, message_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		r = 1;
	else if (rc != SQLITE_DONE)
		r = store_dberr(st, e, "reading the outbox");
	sqlite3_finalize(s);
	return r;
}

int
store_outbox_add(struct store *st, const struct store_outbox *o,
    int64_t *idp, struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r;

	if (idp != NULL)
		*idp = 0;
	if (o == NULL || o->body == NULL || o->body_len == 0)
		return smerr_set(e, SMERR_INVAL, "store_outbox_add: no message");
	if ((r = store_outbox_was_sent(st, o->message_id, e)) < 0)
		return r;
	if (r == 1)
		return smerr_set(e, SMERR_EXISTS, "message %s was already "
		    "sent", o->message_id);
	if ((r = store_prep(st, "INSERT INTO outbox(account, message_id, "
	    "from_addr, recipients, subject, body, created) VALUES(?, ?, ?, ?, "
	    "?, ?, ?);", &s, e)) != 0)
		return r;
	store_bind_text(s, 1, o->account);
	store_bind_text(s, 2, o->message_id);
	store_bind_text(s, 3, o->from);
	store_bind_text(s, 4, o->recipients);
	store_bind_text(s, 5, o->subject);
	sqlite3_bind_blob(s, 6, o->body, (int)o->body_len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 7, o->created != 0 ? o->created : time(NULL));
	if (sqlite3_step(s) != SQLITE_DONE)
		r = store_dberr(st, e, "queueing a message");
	else if (idp != NULL)
		*idp = sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(s);
	return r;
}

int
store_outbox_foreach(struct store *st,
    int (*cb)(const struct store_outbox *, void *), void *arg,
    struct smerr *e)
{
	struct store_outbox	 o;
	sqlite3_stmt		*s;
	int			 r, rc;

	if ((r = store_prep(st, "SELECT id, account, message_id, from_addr, "
	    "recipients, subject, body, created, attempts, error, sent, "
	    "appended FROM outbox WHERE NOT (sent = 1 AND appended = 1) "
	    "ORDER BY id;", &s, e)) != 0)
		return r;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&o, 0, sizeof(o));
		o.id = sqlite3_column_int64(s, 0);
		o.account = (const char *)sqlite3_column_text(s, 1);
		o.message_id = (const char *)sqlite3_column_text(s, 2);
		o.from = (const char *)sqlite3_column_text(s, 3);
		o.recipients = (const char *)sqlite3_column_text(s, 4);
		o.subject = (const char *)sqlite3_column_text(s, 5);
		o.body = sqlite3_column_blob(s, 6);
		o.body_len = (size_t)sqlite3_column_bytes(s, 6);
		o.created = (time_t)sqlite3_column_int64(s, 7);
		o.attempts = sqlite3_column_int(s, 8);
		o.error = (const char *)sqlite3_column_text(s, 9);
		o.sent = sqlite3_column_int(s, 10);
		o.appended = sqlite3_column_int(s, 11);
		if (cb(&o, arg) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_dberr(st, e, "reading the outbox");
	sqlite3_finalize(s);
	return r;
}

static int
outbox_update(struct store *st, const char *sql, int64_t id, const char *t,
    int n, struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_prep(st, sql, &s, e)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	store_bind_text(s, 2, t);
	sqlite3_bind_int(s, 3, n);
	sqlite3_bind_int64(s, 4, time(NULL));
	if (sqlite3_step(s) != SQLITE_DONE)
		r = store_dberr(st, e, "updating the outbox");
	else if (sqlite3_changes(st->db) == 0)
		r = smerr_set(e, SMERR_NOTFOUND, "no outbox entry %lld",
		    (long long)id);
	sqlite3_finalize(s);
	return r;
}

int
store_outbox_fail(struct store *st, int64_t id, const char *error,
    struct smerr *e)
{
	return outbox_update(st, "UPDATE outbox SET attempts = attempts + 1, "
	    "error = ?2 WHERE id = ?1 AND ?3 = ?3 AND ?4 = ?4;", id, error, 0,
	    e);
}

int
store_outbox_sent(struct store *st, int64_t id, int appended,
    struct smerr *e)
{
	return outbox_update(st, "UPDATE outbox SET sent = 1, appended = ?3, "
	    "error = ?2, sent_at = coalesce(sent_at, ?4) WHERE id = ?1;", id,
	    NULL, appended != 0, e);
}
