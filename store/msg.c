/*
 * Messages: the decrypted message, its verdict and its IMAP state, one
 * row each. A message is bound to (folder, UID) by a unique index, so a
 * sync that runs again after a crash cannot store a message twice. The
 * full-text index (FTS4 over subject and text, reading them through the
 * view message_doc) is filled apart from the sync by store_index, so that a
 * message is usable at once and searchable moments later.
 */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/secmem.h"
#include "base/vec.h"
#include "store/store.h"
#include "store/store_int.h"

#define SUM_COLS "m.id, m.folder, f.name, m.uid, m.modseq, m.flags, " \
	"m.flags_dirty, m.date, m.received, m.from_addr, m.subject, m.size, " \
	"m.digest, m.signature, m.encryption, m.trust, m.signer, m.state, " \
	"f.account, m.to_addr, m.cc, m.reply_to, m.message_id, " \
	"m.in_reply_to, m.refs, m.list_post, m.attachments, m.from_name"
/*
 * With the content: the body and raw columns only when ?2 has
 * STORE_LOAD_BODY, the text column only when it has STORE_LOAD_TEXT (a
 * CASE reads no blob it does not return), and where a text kept inside
 * the body lies (STORE_TEXT_OF), for msg_text_cut.
 */
#define SOME_COLS SUM_COLS ", CASE WHEN ?2 & 1 THEN c.body END, " \
	"CASE WHEN ?2 & 1 THEN c.raw END, c.verdict, " \
	"CASE WHEN ?2 & 2 THEN c.text END, c.signer_der, c.text_at, " \
	"c.text_len, length(c.body)"
#define COL_TEXT_AT	33
#define COL_TEXT_LEN	34
#define COL_BODY_LEN	35	/* from the record's header alone */

static int	msg_step(struct store *, sqlite3_stmt *, int64_t,
		    struct smerr *);

/*
 * Column i as text, NULL when it is NULL: sqlite3_column_text says both
 * in one call (each call takes the connection's mutex; a listing makes
 * millions of them).
 */
static const char *
col_opt(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static void
msg_row(sqlite3_stmt *s, struct store_msg *m, int full)
{
	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(s, 0);
	m->folder = sqlite3_column_int64(s, 1);
	m->folder_name = col_opt(s, 2);
	m->uid = (uint32_t)sqlite3_column_int64(s, 3);
	m->modseq = (uint64_t)sqlite3_column_int64(s, 4);
	m->flags = store_col_text(s, 5);
	m->flags_dirty = sqlite3_column_int(s, 6);
	m->date = (time_t)sqlite3_column_int64(s, 7);
	m->received = (time_t)sqlite3_column_int64(s, 8);
	m->from = col_opt(s, 9);
	m->subject = col_opt(s, 10);
	m->size = (size_t)sqlite3_column_int64(s, 11);
	m->digest = col_opt(s, 12);
	m->signature = col_opt(s, 13);
	m->encryption = col_opt(s, 14);
	m->trust = col_opt(s, 15);
	m->signer = col_opt(s, 16);
	m->state = sqlite3_column_int(s, 17);
	m->account = col_opt(s, 18);
	m->to = col_opt(s, 19);
	m->cc = col_opt(s, 20);
	m->reply_to = col_opt(s, 21);
	m->message_id = col_opt(s, 22);
	m->in_reply_to = col_opt(s, 23);
	m->references = col_opt(s, 24);
	m->list_post = col_opt(s, 25);
	m->attachments = (size_t)sqlite3_column_int64(s, 26);
	m->from_name = col_opt(s, 27);
	if (!full)
		return;
	m->body = sqlite3_column_blob(s, 28);
	m->body_len = (size_t)sqlite3_column_bytes(s, 28);
	m->raw = sqlite3_column_blob(s, 29);
	m->raw_len = (size_t)sqlite3_column_bytes(s, 29);
	m->verdict = col_opt(s, 30);
	m->text = col_opt(s, 31);
	m->signer_der = sqlite3_column_blob(s, 32);
	m->signer_der_len = (size_t)sqlite3_column_bytes(s, 32);
}

/* Binds the header members of m to ?1 ... ?10 (store_msg_set_headers). */
static void
bind_headers(sqlite3_stmt *s, int at, const struct store_msg *m)
{
	store_bind_text(s, at, m->to);
	store_bind_text(s, at + 1, m->cc);
	store_bind_text(s, at + 2, m->reply_to);
	store_bind_text(s, at + 3, m->message_id);
	store_bind_text(s, at + 4, m->in_reply_to);
	store_bind_text(s, at + 5, m->references);
	store_bind_text(s, at + 6, m->list_post);
	sqlite3_bind_int64(s, at + 7, (sqlite3_int64)m->attachments);
	store_bind_text(s, at + 8, m->from_name);
	store_bind_text(s, at + 9, m->to_names);
}

/* Binds p without a copy: every caller steps before p goes away. */
static void
bind_blob(sqlite3_stmt *s, int i, const uint8_t *p, size_t len)
{
	if (p == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_blob(s, i, p, (int)len, SQLITE_STATIC);
}

/*
 * Whether text is the bytes of body from p on, CRLF there being LF in
 * text: the number of body bytes it takes, or 0 when it is not. The body
 * may go on after it.
 */
static size_t
text_at_p(const uint8_t *body, size_t len, const uint8_t *p, const char *text)
{
	const uint8_t	*end = body + len, *cr;
	const char	*t = text;
	size_t		 left = strlen(text), seg;

	while (left > 0) {
		cr = memchr(p, '\r', (size_t)(end - p));
		seg = (size_t)((cr != NULL ? cr : end) - p);
		if (seg > left)
			seg = left;
		if (memcmp(p, t, seg) != 0)
			return 0;
		p += seg;
		t += seg;
		left -= seg;
		if (left == 0)
			break;
		if (p == end)
			return 0;
		/* At a CR: CRLF is LF in text, a CR alone is itself. */
		if (end - p >= 2 && p[1] == '\n') {
			if (*t != '\n')
				return 0;
			p += 2;
		} else {
			if (*t != '\r')
				return 0;
			p++;
		}
		t++;
		left--;
	}
	return (size_t)(p - body);
}

/* Where a text may start: after the header, or a part's header. */
#define TEXT_STARTS	8

/*
 * Most mail has one text part, and the text a reader is shown is then
 * that part's bytes, with CRLF as LF: in a plain message the body after
 * its header, in a signed or decrypted one the signed part's body. Such
 * a text is not stored twice: *atp is where it starts in the body, *lenp
 * how many bytes of it (0: to the end), and STORE_TEXT_OF gives it back.
 * A text starts after an empty line; the first TEXT_STARTS are tried.
 * Only an exact match counts; 0 when there is none.
 */
static int
text_in_body(const uint8_t *body, size_t len, const char *text, size_t *atp,
    size_t *lenp)
{
	const uint8_t	*p = body, *end = body + len;
	size_t		 upto;
	int		 tries = 0;

	if (body == NULL || text == NULL || *text == '\0')
		return 0;
	while (tries < TEXT_STARTS) {
		if ((p = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return 0;
		p++;
		if (p < end && *p == '\n')
			p++;
		else if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
			p += 2;
		else
			continue;
		tries++;
		if ((upto = text_at_p(body, len, p, text)) == 0)
			continue;
		*atp = (size_t)(p - body);
		*lenp = upto == len ? 0 : upto - *atp;
		return 1;
	}
	return 0;
}

/* Binds the text (?t), its place in the body (?a) and its length (?l). */
static void
bind_text_at(sqlite3_stmt *s, int t, int a, int l, const struct store_msg *m)
{
	size_t	at, n;

	if (text_in_body(m->body, m->body_len, m->text, &at, &n)) {
		sqlite3_bind_null(s, t);
		sqlite3_bind_int64(s, a, (sqlite3_int64)at);
		if (n > 0)
			sqlite3_bind_int64(s, l, (sqlite3_int64)n);
		else
			sqlite3_bind_null(s, l);
	} else {
		store_bind_text(s, t, m->text);
		sqlite3_bind_null(s, a);
		sqlite3_bind_null(s, l);
	}
}

/*
 * Binds what a message's row says of it, as store_msg_add and
 * store_msg_update number it: ?6 date, ?8 from, ?10 subject, ?14 to ?17
 * signature, encryption, trust, signer, and ?18 state.
 */
static void
bind_summary(sqlite3_stmt *s, const struct store_msg *m)
{
	sqlite3_bind_int64(s, 6, m->date);
	store_bind_text(s, 8, m->from);
	store_bind_text(s, 10, m->subject);
	store_bind_text(s, 14, m->signature);
	store_bind_text(s, 15, m->encryption);
	store_bind_text(s, 16, m->trust);
	store_bind_text(s, 17, m->signer);
	sqlite3_bind_int(s, 18, m->state);
}

/*
 * Binds m's content row, but for its id (?1) and raw message (?5): ?2
 * subject, ?3 text, ?4 body, ?6 verdict, ?7 signer_der, ?8 text_at, ?9
 * text_len.
 */
static void
bind_content(sqlite3_stmt *s, const struct store_msg *m)
{
	store_bind_text(s, 2, m->subject);
	bind_text_at(s, 3, 8, 9, m);
	bind_blob(s, 4, m->body, m->body_len);
	store_bind_text(s, 6, m->verdict);
	bind_blob(s, 7, m->signer_der, m->signer_der_len);
}

int
store_msg_find(struct store *st, int64_t folder, uint32_t uid, int64_t *idp,
    struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r;

	*idp = 0;
	if ((r = store_stmt(st, "SELECT id FROM message WHERE folder = ? AND "
	    "uid = ?;", &s, e)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, folder);
	sqlite3_bind_int64(s, 2, uid);
	if ((r = store_step_row(st, s, "reading messages", "message with UID",
	    uid, e)) == 0)
		*idp = sqlite3_column_int64(s, 0);
	store_stmt_done(st, s);
	return r;
}

/* Binds an unbound message with the same digest to m's UID; *idp 0 if none. */
static int
msg_rebind(struct store *st, const struct store_msg *m, int64_t *idp,
    struct smerr *e)
{
	sqlite3_stmt	*s;
	int64_t		 id = 0;
	int		 r, rc, dirty = 0;

	*idp = 0;
	if ((r = store_stmt(st, "SELECT id, flags_dirty FROM message WHERE "
	    "folder = ? AND uid IS NULL AND digest = ? ORDER BY id LIMIT 1;",
	    &s, e)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, m->folder);
	store_bind_text(s, 2, m->digest);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		dirty = sqlite3_column_int(s, 1);
	} else if (rc != SQLITE_DONE)
		r = store_dberr(st, e, "reading messages");
	store_stmt_done(st, s);
	if (r != 0 || id == 0)
		return r;
	/* Local flag changes not yet pushed win over the server's. */
	if ((r = store_prep(st, dirty ?
	    "UPDATE message SET uid = ?1, modseq = ?2 WHERE id = ?4;" :
	    "UPDATE message SET uid = ?1, modseq = ?2, flags = ?3 "
	    "WHERE id = ?4;", &s, e)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, m->uid);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)m->modseq);
	if (!dirty)
		store_bind_text(s, 3, m->flags != NULL ? m->flags : "");
	sqlite3_bind_int64(s, 4, id);
	if (sqlite3_step(s) != SQLITE_DONE)
		r = store_dberr(st, e, "binding a message");
	else
		*idp = id;
	sqlite3_finalize(s);
	return r;
}

int
store_msg_add(struct store *st, const struct store_msg *m, int64_t *idp,
    struct smerr *e)
{
	return store_msg_add_bound(st, m, idp, NULL, e);
}

int
store_msg_add_bound(struct store *st, const struct store_msg *m,
    int64_t *idp, int *reboundp, struct smerr *e)
{
	sqlite3_stmt	*s;
	int64_t		 id = 0;
	int		 r;

	if (idp != NULL)
		*idp = 0;
	if (reboundp != NULL)
		*reboundp = 0;
	if (m == NULL || m->folder == 0)
		return smerr_set(e, SMERR_INVAL, "store_msg_add: no folder");
	if (m->uid != 0) {
		r = store_msg_find(st, m->folder, m->uid, &id, NULL);
		if (r == 0) {
			if (idp != NULL)
				*idp = id;
			return smerr_set(e, SMERR_EXISTS, "UID %u is already "
			    "stored", m->uid);
		}
		if (r != SMERR_NOTFOUND)
			return store_dberr(st, e, "reading messages");
		if (m->digest != NULL) {
			if ((r = msg_rebind(st, m, &id, e)) != 0)
				return r;
			if (id != 0) {
				if (idp != NULL)
					*idp = id;
				if (reboundp != NULL)
					*reboundp = 1;
				return 0;
			}
		}
	}
	if ((r = store_stmt(st, "INSERT INTO message(id, folder, uid, modseq, "
	    "flags, flags_dirty, date, received, from_addr, subject, size, "
	    "digest, signature, encryption, trust, signer, state, to_addr, cc, "
	    "reply_to, message_id, in_reply_to, refs, list_post, attachments, "
	    "from_name, to_names, hdr) VALUES(" STORE_NEXT_ID("message") ", "
	    "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	    "?10, ?11, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, "
	    "?24, ?25, ?26, ?27, ?28, 1);",
	    &s, e)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, m->folder);
	if (m->uid != 0)
		sqlite3_bind_int64(s, 2, m->uid);
	else
		sqlite3_bind_null(s, 2);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)m->modseq);
	store_bind_text(s, 4, m->flags != NULL ? m->flags : "");
	sqlite3_bind_int(s, 5, m->flags_dirty != 0);
	sqlite3_bind_int64(s, 7, m->received);
	sqlite3_bind_int64(s, 11, (sqlite3_int64)m->size);
	store_bind_text(s, 13, m->digest);
	bind_summary(s, m);
	bind_headers(s, 19, m);
	if (sqlite3_step(s) != SQLITE_DONE)
		r = store_dberr(st, e, "storing a message");
	else
		id = sqlite3_last_insert_rowid(st->db);
	store_stmt_done(st, s);
	if (r != 0)
		return r;
	if ((r = store_stmt(st, "INSERT INTO message_content(id, subject, "
	    "text, body, raw, verdict, signer_der, text_at, text_len) "
	    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9);", &s, e)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	bind_content(s, m);
	bind_blob(s, 5, m->raw, m->raw_len);
	if (sqlite3_step(s) != SQLITE_DONE)
		r = store_dberr(st, e, "storing a message");
	else if (idp != NULL)
		*idp = id;
	store_stmt_done(st, s);
	return r;
}

/*
 * A loaded message owns the statement its pointers point into, and the
 * text cut from its body (wiped when freed).
 */
struct msg_owned {
	struct store_msg	 m;
	sqlite3_stmt		*s;
	char			*text;
	size_t			 text_size;
};

/*
 * The text kept inside the body (text_len bytes from text_at, or to the
 * end) with CRLF as LF, as STORE_TEXT_OF gives it: cut from the body when
 * it was loaded, else read from the store alone, so that the text of a
 * large message is not read with the whole body around it.
 */
static int
msg_text_cut(struct store *st, struct msg_owned *o, struct smerr *e)
{
	sqlite3_blob	*bl = NULL;
	sqlite3_int64	 at, n, size;
	char		*t;
	size_t		 i, j;
	int		 r = 0;

	if (o->m.body != NULL)
		size = (sqlite3_int64)o->m.body_len;
	else if (sqlite3_blob_open(st->db, "main", "message_content", "body",
	    o->m.id, 0, &bl) != SQLITE_OK) {
		r = store_dberr(st, e, "reading a message's text");
		goto out;
	} else
		size = sqlite3_blob_bytes(bl);
	at = sqlite3_column_int64(o->s, COL_TEXT_AT);
	if (at < 0 || at > size)
		at = size;
	n = sqlite3_column_type(o->s, COL_TEXT_LEN) == SQLITE_NULL ?
	    size - at : sqlite3_column_int64(o->s, COL_TEXT_LEN);
	if (n < 0 || n > size - at)
		n = size - at;
	if ((t = malloc((size_t)n + 1)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	o->text = t;
	o->text_size = (size_t)n + 1;
	if (bl == NULL)
		memcpy(t, o->m.body + at, (size_t)n);
	else if (sqlite3_blob_read(bl, t, (int)n, (int)at) != SQLITE_OK) {
		r = store_dberr(st, e, "reading a message's text");
		goto out;
	}
	for (i = j = 0; i < (size_t)n; i++)
		if (t[i] != '\r' || i + 1 == (size_t)n || t[i + 1] != '\n')
			t[j++] = t[i];
	t[j] = '\0';
	o->m.text = t;
out:
	if (bl != NULL)
		sqlite3_blob_close(bl);
	return r;
}

int
store_msg_load(struct store *st, int64_t id, struct store_msg **mp,
    struct smerr *e)
{
	return store_msg_load_some(st, id, STORE_LOAD_BODY | STORE_LOAD_TEXT,
	    mp, e);
}

int
store_msg_load_some(struct store *st, int64_t id, int what,
    struct store_msg **mp, struct smerr *e)
{
	struct msg_owned	*o;
	int			 r;

	*mp = NULL;
	/* Counted in the debug log: how often a view reads a message. */
	log_debug("store: message %lld read%s%s", (long long)id,
	    what & STORE_LOAD_BODY ? ", its body" : "",
	    what & STORE_LOAD_TEXT ? ", its text" : "");
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return smerr_nomem(e);
	if ((r = store_prep(st, "SELECT " SOME_COLS " FROM message m JOIN "
	    "folder f ON f.id = m.folder LEFT JOIN message_content c ON "
	    "c.id = m.id WHERE m.id = ?1;", &o->s, e)) != 0) {
		free(o);
		return r;
	}
	sqlite3_bind_int64(o->s, 1, id);
	sqlite3_bind_int(o->s, 2, what);
	if ((r = store_step_row(st, o->s, "reading a message", "message", id,
	    e)) == 0) {
		msg_row(o->s, &o->m, 1);
		/* No body: no text in it (NULL, as STORE_TEXT_OF gives). */
		if (!(what & STORE_LOAD_TEXT) || sqlite3_column_type(o->s,
		    COL_TEXT_AT) == SQLITE_NULL || sqlite3_column_type(o->s,
		    COL_BODY_LEN) == SQLITE_NULL ||
		    (r = msg_text_cut(st, o, e)) == 0) {
			*mp = &o->m;
			return 0;
		}
	}
	store_msg_free(&o->m);
	return r;
}

void
store_msg_free(struct store_msg *m)
{
	struct msg_owned	*o = (struct msg_owned *)m;

	if (m == NULL)
		return;
	sqlite3_finalize(o->s);
	secmem_free(o->text, o->text_size);
	free(o);
}

/*
 * A walk over messages hands each one's summary to cb.msg, or, with
 * store_each_id, its id alone to cb.id (its query then selects m.id
 * alone). A callback that returns non-zero stops the walk, also over
 * several queries.
 */
static int
msg_each(sqlite3_stmt *s, const struct store_each *w)
{
	struct store_msg	m;

	msg_row(s, &m, 0);
	return w->cb.msg(&m, w->arg);
}

#define MSG_EACH(f, a)	STORE_EACH(msg_each, msg, f, a)
#define ID_EACH(f, a)	STORE_EACH(store_each_id, id, f, a)

/* The summary of every message, from the rows of one query's WHERE. */
#define MSG_SELECT "SELECT " SUM_COLS " FROM message m JOIN folder f ON " \
	"f.id = m.folder WHERE "
/* The same, their ids alone. */
#define ID_SELECT "SELECT m.id FROM message m JOIN folder f ON " \
	"f.id = m.folder WHERE "

/* Walks the messages sql selects, its ?1 (if any) text or else num. */
static int
msg_select(struct store *st, const char *sql, const char *text, int64_t num,
    struct store_each *me, struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_prep(st, sql, &s, e)) != 0)
		return r;
	if (sqlite3_bind_parameter_count(s) > 0) {
		if (text != NULL)
			store_bind_text(s, 1, text);
		else
			sqlite3_bind_int64(s, 1, num);
	}
	r = store_walk(st, s, me, "reading messages", e);
	sqlite3_finalize(s);
	return r;
}

int
store_msg_foreach(struct store *st, int64_t folder,
    int (*cb)(const struct store_msg *, void *), void *arg, struct smerr *e)
{
	struct store_each	me = MSG_EACH(cb, arg);

	return msg_select(st, MSG_SELECT "?1 = 0 OR m.folder = ?1 ORDER BY "
	    "m.folder, m.uid IS NULL, m.uid, m.id;", NULL, folder, &me, e);
}

/*
 * Folder by folder of that name (in the order of their accounts), the
 * messages with a UID in UID order (the query bound), then those without
 * one in the order they were made (local); each query takes the folder's
 * id as ?1. Each follows an index (message_uid, the primary key), so
 * that 100,000 rows are walked, not first sorted whole.
 */
static int
msg_walk_name(struct store *st, const char *folder, const char *bound,
    const char *local, struct store_each *me, struct smerr *e)
{
	sqlite3_stmt	*s;
	struct vec_ids	 ids = { NULL, 0, 0, 0 };
	size_t		 i;
	int		 r, rc;

	if (folder == NULL)
		return 0;
	if ((r = store_prep(st, "SELECT id FROM folder WHERE name = ?1 "
	    "ORDER BY account, id;", &s, e)) != 0)
		return r;
	store_bind_text(s, 1, folder);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW &&
	    vec_ids_add(&ids, sqlite3_column_int64(s, 0)) == 0)
		;
	if ((r = vec_ids_check(&ids, e)) == 0 && rc != SQLITE_DONE)
		r = store_dberr(st, e, "reading folders");
	sqlite3_finalize(s);
	for (i = 0; r == 0 && !me->stopped && i < ids.n; i++) {
		r = msg_select(st, bound, NULL, ids.v[i], me, e);
		if (r == 0 && !me->stopped)
			r = msg_select(st, local, NULL, ids.v[i], me, e);
	}
	free(ids.v);
	return r;
}

#define NAME_BOUND "m.folder = ?1 AND m.uid IS NOT NULL ORDER BY m.uid;"
#define NAME_LOCAL "m.folder = ?1 AND m.uid IS NULL ORDER BY m.id;"

int
store_msg_foreach_name(struct store *st, const char *folder,
    int (*cb)(const struct store_msg *, void *), void *arg, struct smerr *e)
{
	struct store_each	me = MSG_EACH(cb, arg);

	return msg_walk_name(st, folder, MSG_SELECT NAME_BOUND,
	    MSG_SELECT NAME_LOCAL, &me, e);
}

/* Its ids alone: no join, the index holds what is read. */
int
store_msg_ids_name(struct store *st, const char *folder,
    int (*cb)(int64_t, void *), void *arg, struct smerr *e)
{
	struct store_each	me = ID_EACH(cb, arg);

	return msg_walk_name(st, folder, "SELECT m.id FROM message m WHERE "
	    NAME_BOUND, "SELECT m.id FROM message m WHERE " NAME_LOCAL, &me,
	    e);
}

int
store_msg_summaries(struct store *st, const int64_t *ids, size_t n,
    int (*cb)(const struct store_msg *, void *), void *arg, struct smerr *e)
{
	static const char	 sql[] = MSG_SELECT "m.id = ?1;";
	struct store_each	 me = MSG_EACH(cb, arg);
	sqlite3_stmt		*s;
	size_t			 i;
	int			 r = 0;

	for (i = 0; r == 0 && !me.stopped && i < n; i++) {
		if ((r = store_stmt(st, sql, &s, e)) != 0)
			break;
		sqlite3_bind_int64(s, 1, ids[i]);
		r = store_walk(st, s, &me, "reading messages", e);
		store_stmt_done(st, s);
	}
	return r;
}

int
store_msg_foreach_msgid(struct store *st, const char *msgid,
    int (*cb)(const struct store_msg *, void *), void *arg, struct smerr *e)
{
	struct store_each	me = MSG_EACH(cb, arg);

	return msg_select(st, MSG_SELECT "m.message_id = ?1 ORDER BY m.id;",
	    msgid, 0, &me, e);
}

int
store_msg_foreach_pending(struct store *st,
    int (*cb)(const struct store_msg *, void *), void *arg, struct smerr *e)
{
	struct store_each	me = MSG_EACH(cb, arg);

	return msg_select(st, MSG_SELECT "m.state = 1 ORDER BY m.id;", NULL,
	    0, &me, e);
}

int
store_msg_foreach_headerless(struct store *st, int (*cb)(int64_t, void *),
    void *arg, struct smerr *e)
{
	struct store_each	me = ID_EACH(cb, arg);

	return store_walk_sql(st, "SELECT id FROM message WHERE hdr = 0 "
	    "ORDER BY id;", NULL, &me, "reading messages", e);
}

int
store_msg_foreach_unbound(struct store *st, int64_t folder,
    int (*cb)(int64_t, void *), void *arg, struct smerr *e)
{
	struct store_each	me = ID_EACH(cb, arg);

	return store_walk_sql(st, "SELECT id FROM message WHERE folder = ?1 "
	    "AND uid IS NULL AND id NOT IN (SELECT message FROM move_queue "
	    "WHERE message IS NOT NULL) ORDER BY id;",
	    STORE_ARGS(STORE_INT(folder)), &me, "reading messages", e);
}

int
store_msg_set_headers(struct store *st, int64_t id, const struct store_msg *m,
    struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_prep(st, "UPDATE message SET to_addr = ?1, cc = ?2, "
	    "reply_to = ?3, message_id = ?4, in_reply_to = ?5, refs = ?6, "
	    "list_post = ?7, attachments = ?8, from_name = ?9, to_names = ?10, "
	    "hdr = 1 WHERE id = ?11;", &s, e)) != 0)
		return r;
	bind_headers(s, 1, m);
	sqlite3_bind_int64(s, 11, id);
	return msg_step(st, s, id, e);
}

/* Drops message id's entry from the full-text index, if it has one. */
static int
msg_unindex(struct store *st, int64_t id, struct smerr *e)
{
	/* FTS4 reads the old words from the content row: do this first. */
	return store_do(st, "DELETE FROM message_fts WHERE docid = ?1 AND "
	    "EXISTS (SELECT 1 FROM message WHERE id = ?1 AND indexed = 1);",
	    STORE_ARGS(STORE_INT(id)), "updating the search index", e);
}

/* Runs an update and finalizes it: message id must have changed. */
static int
msg_step(struct store *st, sqlite3_stmt *s, int64_t id, struct smerr *e)
{
	return store_run_row(st, s, "updating a message", "message", id, e);
}

int
store_msg_update(struct store *st, int64_t id, const struct store_msg *m,
    struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_begin(st, e)) != 0)
		return r;
	if ((r = msg_unindex(st, id, e)) != 0)
		goto fail;
	if ((r = store_prep(st, "UPDATE message SET from_addr = ?8, "
	    "subject = ?10, signature = ?14, encryption = ?15, trust = ?16, "
	    "signer = ?17, state = ?18, indexed = 0, date = CASE WHEN ?6 != 0 "
	    "THEN ?6 ELSE date END WHERE id = ?1;", &s, e)) != 0)
		goto fail;
	sqlite3_bind_int64(s, 1, id);
	bind_summary(s, m);
	if ((r = msg_step(st, s, id, e)) != 0)
		goto fail;
	if ((r = store_prep(st, "UPDATE message_content SET subject = ?2, "
	    "text = ?3, body = ?4, raw = CASE WHEN ?5 = 0 THEN NULL ELSE raw "
	    "END, verdict = ?6, signer_der = ?7, text_at = ?8, text_len = ?9 "
	    "WHERE id = ?1;",
	    &s, e)) != 0)
		goto fail;
	sqlite3_bind_int64(s, 1, id);
	bind_content(s, m);
	sqlite3_bind_int(s, 5, m->state);
	if ((r = store_run(st, s, "updating a message", e)) != 0)
		goto fail;
	return store_commit(st, e);
fail:
	store_rollback(st);
	return r;
}

/* Runs sql with args bound: message id must have been changed. */
static int
msg_do(struct store *st, const char *sql, const struct store_arg *args,
    int64_t id, struct smerr *e)
{
	return store_do_row(st, sql, args, "updating a message", "message", id,
	    e);
}

int
store_msg_set_flags(struct store *st, int64_t id, const char *flags,
    uint64_t modseq, struct smerr *e)
{
	return msg_do(st, "UPDATE message SET flags = ?2, modseq = ?3 "
	    "WHERE id = ?1;", STORE_ARGS(STORE_INT(id),
	    STORE_TEXT(flags != NULL ? flags : ""), STORE_INT(modseq)), id, e);
}

int
store_msg_set_local_flags(struct store *st, int64_t id, const char *flags,
    struct smerr *e)
{
	/* The flags the server had are kept from the first change on. */
	return msg_do(st, "UPDATE message SET flags_base = CASE flags_dirty "
	    "WHEN 0 THEN flags ELSE flags_base END, flags = ?2, "
	    "flags_dirty = 1 WHERE id = ?1;", STORE_ARGS(STORE_INT(id),
	    STORE_TEXT(flags != NULL ? flags : "")), id, e);
}

int
store_msg_flags_base(struct store *st, int64_t id, char **basep,
    struct smerr *e)
{
	sqlite3_stmt	*s;
	const char	*t;
	int		 r, rc;

	*basep = NULL;
	if ((r = store_stmt(st, "SELECT flags_base FROM message WHERE "
	    "id = ? AND flags_dirty = 1;", &s, e)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((t = col_opt(s, 0)) != NULL &&
		    (*basep = strdup(t)) == NULL)
			r = smerr_nomem(e);
	} else if (rc != SQLITE_DONE)
		r = store_dberr(st, e, "reading messages");
	store_stmt_done(st, s);
	return r;
}

int
store_msg_flags_pushed(struct store *st, int64_t id, uint64_t modseq,
    struct smerr *e)
{
	return msg_do(st, "UPDATE message SET flags_dirty = 0, "
	    "modseq = max(modseq, ?2) WHERE id = ?1;",
	    STORE_ARGS(STORE_INT(id), STORE_INT(modseq)), id, e);
}

/*
 * Removes message id and its index entries; with guard, only when the
 * message is where guard (id ?1, folder ?2, UID ?3) says it is, and *gonep
 * tells whether it was.
 */
static int
msg_delete(struct store *st, int64_t id, const char *guard, int64_t folder,
    uint32_t uid, int *gonep, struct smerr *e)
{
	int64_t	n = 1;
	int	r;

	if ((r = store_begin(st, e)) != 0)
		return r;
	if (guard != NULL && (r = store_int(st, guard, STORE_ARGS(STORE_INT(id),
	    STORE_INT(folder), STORE_ID(uid)), &n, "reading messages",
	    e)) != 0)
		goto out;
	if (n == 0)
		goto out;
	if ((r = msg_unindex(st, id, e)) != 0 ||
	    (r = msg_do(st, "DELETE FROM message_content WHERE id = ?1;",
	    STORE_ARGS(STORE_INT(id)), id, e)) != 0 ||
	    (r = msg_do(st, "DELETE FROM message WHERE id = ?1;",
	    STORE_ARGS(STORE_INT(id)), id, e)) != 0)
		goto out;
	if (gonep != NULL)
		*gonep = 1;
out:
	if (r != 0) {
		store_rollback(st);
		return r;
	}
	return store_commit(st, e);
}

int
store_msg_delete(struct store *st, int64_t id, struct smerr *e)
{
	return msg_delete(st, id, NULL, 0, 0, NULL, e);
}

int
store_msg_delete_at(struct store *st, int64_t id, int64_t folder,
    uint32_t uid, int *gonep, struct smerr *e)
{
	*gonep = 0;
	return msg_delete(st, id, "SELECT count(*) FROM message WHERE "
	    "id = ?1 AND folder = ?2 AND uid IS ?3;", folder, uid, gonep, e);
}

/* The one number sql (folder bound as ?1) counts. */
static int
msg_count_sql(struct store *st, const char *sql, int64_t folder,
    int64_t *np, struct smerr *e)
{
	return store_int(st, sql, STORE_ARGS(STORE_INT(folder)), np,
	    "counting messages", e);
}

int
store_msg_count(struct store *st, int64_t folder, int64_t *np,
    struct smerr *e)
{
	return msg_count_sql(st, "SELECT count(*) FROM message WHERE ?1 = 0 "
	    "OR folder = ?1;", folder, np, e);
}

int
store_msg_unread(struct store *st, int64_t folder, int64_t *np,
    struct smerr *e)
{
	return msg_count_sql(st, "SELECT count(*) FROM message WHERE "
	    "(?1 = 0 OR folder = ?1) AND instr(' ' || flags || ' ', "
	    "' \\Seen ') = 0;", folder, np, e);
}

/*
 * Each indexing run leaves a segment of the full-text index, and FTS4
 * merges a level only when it holds 16: 10,000 messages indexed by 200
 * leave some 40 segments, and a rare word is looked up in each (200 pages
 * read and decrypted, where one segment needs a dozen). Once everything
 * is indexed, the levels that hold two or more are merged, each into one
 * on the next level, until none is left with two: as in a binary counter
 * a run's new segment is merged with ever larger ones ever more rarely.
 * FTS_MERGE_BLOCKS bounds the blocks one merge step writes; the steps go
 * on while they change something.
 */
#define FTS_MERGE_BLOCKS	"4096"
#define FTS_MERGE_STEPS		256

static int
fts_merge(struct store *st, struct smerr *e)
{
	int	before, i, r;

	if ((r = store_begin(st, e)) != 0)
		return r;
	for (i = 0; i < FTS_MERGE_STEPS; i++) {
		before = sqlite3_total_changes(st->db);
		if ((r = store_exec(st, "INSERT INTO message_fts(message_fts) "
		    "VALUES('merge=" FTS_MERGE_BLOCKS ",2');", e)) != 0) {
			store_rollback(st);
			return r;
		}
		if (sqlite3_total_changes(st->db) - before < 2)
			break;
	}
	return store_commit(st, e);
}

/* Runs sql with its ?1 bound to v: 0, or the error. */
static int
index_step(struct store *st, const char *sql, int64_t v, struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_prep(st, sql, &s, e)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, v);
	if (sqlite3_step(s) != SQLITE_DONE)
		r = store_dberr(st, e, "indexing");
	sqlite3_finalize(s);
	return r;
}

/*
 * The messages a run indexes go to FTS4 in one statement: FTS4 writes
 * what it holds as a new segment at the start of every statement that
 * changes it, so one INSERT per message made a segment of each (and
 * 10,000 messages cost 10,000 segments and their merges).
 */
int
store_index(struct store *st, size_t max, size_t *donep, size_t *leftp,
    struct smerr *e)
{
	int64_t	hi = 0, left = 0;
	size_t	done = 0;
	int	r;

	if (donep != NULL)
		*donep = 0;
	if (leftp != NULL)
		*leftp = 0;
	/*
	 * The run: the lowest max ids not yet indexed, up to hi. Read before
	 * the transaction, so that a store with nothing to index (what every
	 * search finds) takes no write lock; the statements below index only
	 * what is still unindexed at or below hi.
	 */
	if ((r = msg_count_sql(st, "SELECT max(id) FROM (SELECT id FROM "
	    "message WHERE indexed = 0 ORDER BY id LIMIT ?1);",
	    max == 0 ? -1 : (int64_t)max, &hi, e)) != 0)
		return r;
	if (hi == 0)
		return 0;
	if ((r = store_begin(st, e)) != 0)
		return r;
	if ((r = index_step(st, "INSERT INTO message_fts(docid, subject, "
	    "text) SELECT m.id, c.subject, " STORE_TEXT_OF("c") " FROM message "
	    "m JOIN message_content c ON c.id = m.id WHERE m.indexed = 0 AND "
	    "m.id <= ?1 ORDER BY m.id;", hi, e)) != 0 ||
	    (r = index_step(st, "UPDATE message SET indexed = 1 WHERE indexed "
	    "= 0 AND id <= ?1;", hi, e)) != 0)
		goto fail;
	done = (size_t)sqlite3_changes(st->db);
	if ((r = store_commit(st, e)) != 0)
		return r;
	if ((done > 0 || leftp != NULL) &&
	    (r = store_int(st, "SELECT count(*) FROM message WHERE "
	    "indexed = 0;", NULL, &left, "counting messages", e)) != 0)
		return r;
	if (done > 0 && left == 0 && (r = fts_merge(st, e)) != 0)
		return r;
	if (leftp != NULL)
		*leftp = (size_t)left;
	if (donep != NULL)
		*donep = done;
	return 0;
fail:
	store_rollback(st);
	return r;
}

int
store_index_rest(struct store *st, struct smerr *e)
{
	size_t	done, left;
	int	r;

	do {
		if ((r = store_index(st, STORE_INDEX_RUN, &done, &left,
		    e)) != 0)
			return r;
	} while (left > 0 && done > 0);
	return 0;
}

/*
 * Every word of the query becomes a quoted FTS term, so that nothing a
 * user types is read as FTS syntax; the terms are ANDed.
 */
static char *
fts_query(const char *q)
{
	const char	*p;
	char		*out, *o;
	int		 inword = 0;

	if ((out = malloc(strlen(q) * 3 + 3)) == NULL)
		return NULL;
	o = out;
	for (p = q; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			if (inword)
				*o++ = '"';
			inword = 0;
			continue;
		}
		if (*p == '"')
			continue;
		if (!inword) {
			if (o != out)
				*o++ = ' ';
			*o++ = '"';
			inword = 1;
		}
		*o++ = *p;
	}
	if (inword)
		*o++ = '"';
	*o = '\0';
	return out;
}

int
store_search(struct store *st, const char *query,
    int (*cb)(const struct store_msg *, void *), void *arg, struct smerr *e)
{
	struct store_each	 me = MSG_EACH(cb, arg);
	char		*q;
	int		 r;

	if (query == NULL || (q = fts_query(query)) == NULL)
		return smerr_nomem(e);
	if (*q == '\0') {
		free(q);
		return smerr_set(e, SMERR_INVAL, "empty search");
	}
	r = msg_select(st, MSG_SELECT "m.id IN (SELECT docid FROM "
	    "message_fts WHERE message_fts MATCH ?) ORDER BY m.date DESC, "
	    "m.id DESC;", q, 0, &me, e);
	free(q);
	return r;
}

/* A query of the language over folder and account, its rows to me. */
static int
msg_query(struct store *st, const char *select, const char *account,
    const char *folder, const struct store_query *q, struct store_each *me,
    struct smerr *e)
{
	struct store_qsql	 qs;
	sqlite3_stmt		*s = NULL;
	size_t			 i;
	int			 r;

	memset(&qs, 0, sizeof(qs));
	if ((qs.sql = buf_new(0)) == NULL)
		return smerr_nomem(e);
	if ((r = buf_puts(qs.sql, select)) != 0 ||
	    (r = buf_puts(qs.sql, "(?1 IS NULL OR f.name = ?1) "
	    "AND (?2 IS NULL OR f.account = ?2) AND ")) != 0 ||
	    (r = q != NULL ? store_query_sql(&qs, q, 0, e) :
	    buf_puts(qs.sql, "1")) != 0 ||
	    (r = buf_puts(qs.sql, folder != NULL ? " ORDER BY f.account, "
	    "m.uid IS NULL, m.uid, m.id;" : " ORDER BY m.date DESC, "
	    "m.id DESC;")) != 0) {
		r = smerr_set(e, r, "out of memory");
		goto out;
	}
	if ((r = store_prep(st, buf_str(qs.sql), &s, e)) != 0)
		goto out;
	store_bind_text(s, 1, folder);
	store_bind_text(s, 2, account);
	for (i = 0; i < qs.n; i++)
		store_bind_text(s, (int)i + 3, qs.params[i]);
	r = store_walk(st, s, me, "reading messages", e);
out:
	sqlite3_finalize(s);
	store_qsql_clear(&qs);
	return r;
}

int
store_msg_query(struct store *st, const char *account, const char *folder,
    const struct store_query *q,
    int (*cb)(const struct store_msg *, void *), void *arg, struct smerr *e)
{
	struct store_each	me = MSG_EACH(cb, arg);

	return msg_query(st, MSG_SELECT, account, folder, q, &me, e);
}

int
store_msg_query_ids(struct store *st, const char *account,
    const char *folder, const struct store_query *q,
    int (*cb)(int64_t, void *), void *arg, struct smerr *e)
{
	struct store_each	me = ID_EACH(cb, arg);

	return msg_query(st, ID_SELECT, account, folder, q, &me, e);
}
