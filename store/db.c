/*
 * The encrypted store: one SQLCipher database, store.db, in the data
 * directory. The key is 256 raw bits (no passphrase KDF inside SQLCipher:
 * keys/ derives or fetches them), given as x'..' so that SQLCipher uses
 * them as they are. Every open repeats the page size right after the key,
 * proves that the library really is SQLCipher (plain SQLite would take
 * the key pragma without a word and write clear text) and reads once,
 * since a wrong key shows only at the first read.
 */
#define SQLITE_HAS_CODEC 1

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "base/text.h"
#include "store/store.h"
#include "store/store_int.h"

#define STORE_SCHEMA_VERSION	"4"	/* made new, then brought up */
#define STORE_FORMAT		17	/* the newest */

/* The writer copies the log into the database every this many pages. */
#define STORE_WAL_PAGES		4096
#define STORE_WAL_PAGES_STR	"4096"

/*
 * Chosen at creation and repeated at every open: 4096-byte pages are
 * nearly twice as fast as SQLCipher 3's 1024 for mail-sized rows.
 */
static const char *store_pragmas =
    "PRAGMA cipher_page_size = 4096;";

/*
 * A page cache of up to 32 MB of decrypted pages (SQLite's default is
 * 2 MB): a limit over a folder just listed reads its rows again from
 * memory rather than decrypting every page once more. Only pages read
 * are held, so a small store stays small.
 *
 * secure_delete stays: the pages an expunge frees are overwritten, so
 * that the store key alone never gives back mail the user deleted. It
 * costs writes only where pages are freed (an expunge, a merge of the
 * search index): about 2% of what a first sync of 10,000 messages
 * writes. SQLCipher 3.4 has no cipher_memory_security to weigh: it wipes
 * and locks its own key and page buffers, allocated once per connection,
 * not per page.
 */
static const char *store_setup =
    "PRAGMA foreign_keys = ON;"
    "PRAGMA temp_store = MEMORY;"
    "PRAGMA secure_delete = ON;"
    "PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = NORMAL;"
    "PRAGMA wal_autocheckpoint = " STORE_WAL_PAGES_STR ";"
    "PRAGMA journal_size_limit = 16777216;"
    "PRAGMA cache_size = -32768;";

/* Local flag changes to push: found without reading a folder's rows. */
#define STORE_DIRTY_INDEX \
    "CREATE INDEX message_dirty ON message(folder) WHERE flags_dirty = 1;"

/*
 * The full-text index reads its documents through a view, so that a text
 * kept only inside its body (text_at) is indexed, and unindexed, as the
 * reader sees it. Its text is the expression of the format it is made in.
 */
#define STORE_DOC_VIEW(text) \
    "CREATE VIEW message_doc AS SELECT id AS rowid, subject, " \
    text " AS text FROM message_content;"
#define STORE_SEARCH_SCHEMA \
    STORE_DOC_VIEW(STORE_TEXT_OF_8("message_content")) \
    "CREATE VIRTUAL TABLE message_fts USING fts4(content=\"message_doc\"," \
    " subject, text, tokenize=unicode61);"

/*
 * Format 2 to 3: texts may live inside their body, and local flag changes
 * have an index. The search index is made again over the view, from
 * scratch, as the sync's trailing indexer does.
 */
static const char *store_upgrade_2 =
    "ALTER TABLE message_content ADD COLUMN text_at INTEGER;"
    STORE_DIRTY_INDEX
    "DROP TABLE message_fts;"
    STORE_SEARCH_SCHEMA
    "UPDATE message SET indexed = 0;"
    "UPDATE meta SET value = '3' WHERE name = 'schema';";

/*
 * Moves, copies and expunges made here and not yet done on the server,
 * in the order they were made: the next sync does them before it reads
 * a folder, so that it never fetches again what left it. dest NULL is an
 * expunge; message is the stored message the server's copy belongs to.
 */
#define STORE_QUEUE_SCHEMA \
    "CREATE TABLE move_queue(id INTEGER PRIMARY KEY," \
    " account TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity INTEGER" \
    " NOT NULL DEFAULT 0, uid INTEGER NOT NULL, dest TEXT, copy INTEGER" \
    " NOT NULL DEFAULT 0, message INTEGER);"

/* Messages whose header fields are still to be read (see format 4). */
#define STORE_HDR_INDEX \
    "CREATE INDEX message_hdr ON message(id) WHERE hdr = 0;"

/*
 * Format 3 to 4: the header fields a client needs (To, Cc, Reply-To,
 * In-Reply-To, References, List-Post, the number of attachments), and
 * the queue of moves. The fields of the messages already stored are read
 * again from their stored copies by the program (hdr = 0 until then);
 * nothing is fetched again.
 */
static const char *store_upgrade_to_4 =
    "ALTER TABLE message ADD COLUMN cc TEXT;"
    "ALTER TABLE message ADD COLUMN reply_to TEXT;"
    "ALTER TABLE message ADD COLUMN in_reply_to TEXT;"
    "ALTER TABLE message ADD COLUMN refs TEXT;"
    "ALTER TABLE message ADD COLUMN list_post TEXT;"
    "ALTER TABLE message ADD COLUMN attachments INTEGER NOT NULL "
    "DEFAULT 0;"
    "ALTER TABLE message ADD COLUMN hdr INTEGER NOT NULL DEFAULT 0;"
    STORE_HDR_INDEX
    STORE_QUEUE_SCHEMA
    "UPDATE meta SET value = '4' WHERE name = 'schema';";

/*
 * Format 4 to 5: answers about certificates' revocation (OCSP, CRL), kept
 * until their nextUpdate (store/revoke.c). A store made new takes this
 * step too, right after the format 4 schema.
 */
static const char *store_upgrade_to_5 =
    "CREATE TABLE revocation("
    " fingerprint TEXT PRIMARY KEY, status TEXT NOT NULL,"
    " source TEXT NOT NULL, until INTEGER NOT NULL,"
    " checked INTEGER NOT NULL);"
    "UPDATE meta SET value = '5' WHERE name = 'schema';";

/*
 * Format 5 to 6: nothing the user writes is lost, and nothing is sent
 * twice. Drafts live in the store; an outbox entry has a state (queued,
 * sending with the claiming process, in-doubt, sent), the text as it was
 * written (so that it can be edited again), and a copy number: the copies
 * of one message (Bcc recipients of an encrypted one get their own) are
 * distinct entries by (Message-ID, copy), so that a second queueing of a
 * Message-ID can never slip in beside the first.
 */
static const char *store_upgrade_to_6 =
    "ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'queued';"
    "ALTER TABLE outbox ADD COLUMN claim_pid INTEGER;"
    "ALTER TABLE outbox ADD COLUMN copy INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE outbox ADD COLUMN source BLOB;"
    "UPDATE outbox SET state = 'sent' WHERE sent = 1;"
    "UPDATE outbox SET copy = id;"
    "CREATE UNIQUE INDEX outbox_copy ON outbox(message_id, copy);"
    "CREATE TABLE draft("
    " id INTEGER PRIMARY KEY, account TEXT, body BLOB NOT NULL,"
    " reason TEXT, created INTEGER NOT NULL, updated INTEGER NOT NULL);"
    "UPDATE meta SET value = '6' WHERE name = 'schema';";

/*
 * Format 6 to 7: a draft keeps the files attached to it (name, type and
 * bytes, in the order they were attached), so that a postponed message
 * or one that could not be queued loses nothing; a queued message keeps
 * them too until it is sent, so that it can become a draft again.
 */
static const char *store_upgrade_to_7 =
    "CREATE TABLE draft_file("
    " draft INTEGER NOT NULL, seq INTEGER NOT NULL, name TEXT NOT NULL,"
    " type TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY(draft, seq));"
    "CREATE TABLE outbox_file("
    " outbox INTEGER NOT NULL, seq INTEGER NOT NULL, name TEXT NOT NULL,"
    " type TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY(outbox, seq));"
    "UPDATE meta SET value = '7' WHERE name = 'schema';";

/*
 * Format 7 to 8: the S/MIME capabilities a certificate's owner announced
 * are kept beside the certificates, by its fingerprint (the SHA-256 of
 * its DER), not among the settings in meta where format 7 put them.
 */
static const char *store_upgrade_to_8 =
    "CREATE TABLE cert_caps("
    " fingerprint TEXT PRIMARY KEY, caps INTEGER NOT NULL);"
    "INSERT OR REPLACE INTO cert_caps"
    " SELECT lower(substr(name, 11)), CAST(value AS INTEGER) & 255"
    " FROM meta WHERE name LIKE 'smimecaps:%' AND length(name) = 74;"
    "DELETE FROM meta WHERE name LIKE 'smimecaps:%';"
    "UPDATE meta SET value = '8' WHERE name = 'schema';";

/*
 * Format 8 to 9: a text kept inside its body may end before the body
 * does (text_len bytes from text_at; NULL: to the end), so that the text
 * of a signed message, or of a decrypted one, is its text part's bytes
 * rather than a second copy of them. The rows stored before have no
 * text_len and read as before; the view the full-text index reads is
 * made again with the new expression (its documents are the same).
 */
static const char *store_upgrade_to_9 =
    "ALTER TABLE message_content ADD COLUMN text_len INTEGER;"
    "DROP VIEW message_doc;"
    STORE_DOC_VIEW(STORE_TEXT_OF("message_content"))
    "UPDATE meta SET value = '9' WHERE name = 'schema';";

/*
 * Format 9 to 10: the display name of each message's From, so that the
 * index names a sender without reading the message. The messages already
 * stored have their header fields read again from their stored copies
 * when the store is next opened (hdr = 0, as format 4 did), nothing
 * fetched again.
 */
static const char *store_upgrade_to_10 =
    "ALTER TABLE message ADD COLUMN from_name TEXT;"
    "UPDATE message SET hdr = 0;"
    "UPDATE meta SET value = '10' WHERE name = 'schema';";

/*
 * Format 10 to 11: a draft keeps the compose screen's sign and encrypt
 * choice (encrypt 1, 0, or -1 for "ask"), so that a recalled reply to
 * encrypted mail is not sent in clear under an account that does not
 * encrypt. A table of its own: store_draft_put replaces the draft's row,
 * which would forget a column of it. The trigger lets a choice go with
 * its draft, however the draft goes (a deleted id may be used again).
 */
static const char *store_upgrade_to_11 =
    "CREATE TABLE draft_choice("
    " draft INTEGER PRIMARY KEY, sign INTEGER NOT NULL,"
    " encrypt INTEGER NOT NULL);"
    "CREATE TRIGGER draft_choice_gone AFTER DELETE ON draft BEGIN"
    " DELETE FROM draft_choice WHERE draft = old.id; END;"
    "UPDATE meta SET value = '11' WHERE name = 'schema';";

/*
 * Format 11 to 12: the display names of To and Cc, so that to: finds a
 * recipient by name as from: finds a sender. The messages already stored
 * have their header fields read again from their stored copies when the
 * store is next opened (hdr = 0, as format 10 did), nothing fetched.
 */
static const char *store_upgrade_to_12 =
    "ALTER TABLE message ADD COLUMN to_names TEXT;"
    "UPDATE message SET hdr = 0;"
    "UPDATE meta SET value = '12' WHERE name = 'schema';";

/*
 * Format 12 to 13: the flags the server had when the user first changed
 * a message's flags here, so that a sync pushes only what the user
 * changed and keeps what another client changed meanwhile. NULL (not
 * known) for the changes already waiting: those are pushed whole. And
 * the highest id a deleted message had (meta message_last), past which
 * new messages are numbered (STORE_NEXT_ID): an id the user saw is
 * never given to another message after another client expunged its own.
 */
static const char *store_upgrade_to_13 =
    "ALTER TABLE message ADD COLUMN flags_base TEXT;"
    STORE_LAST_TRIGGER("message")
    "UPDATE meta SET value = '13' WHERE name = 'schema';";

/*
 * Format 13 to 14: when a revoked certificate was revoked and why, as its
 * issuer said (0 and -1: not said), so that an answer recalled reads as
 * the first did.
 */
static const char *store_upgrade_to_14 =
    "ALTER TABLE revocation ADD COLUMN revoked_at INTEGER NOT NULL "
    "DEFAULT 0;"
    "ALTER TABLE revocation ADD COLUMN reason INTEGER NOT NULL "
    "DEFAULT -1;"
    "UPDATE meta SET value = '14' WHERE name = 'schema';";

/*
 * Format 14 to 15: an index over the messages' Message-IDs, for the
 * questions asked by Message-ID (is a reply's original kept encrypted?),
 * which read every message without it.
 */
static const char *store_upgrade_to_15 =
    "CREATE INDEX message_msgid ON message(message_id)"
    " WHERE message_id IS NOT NULL;"
    "UPDATE meta SET value = '15' WHERE name = 'schema';";

/*
 * Format 15 to 16: a queued move, copy or expunge is claimed by the
 * process that does it on the server (claim_pid, as an outbox entry is),
 * so that two processes pushing the queue at once never do one entry
 * twice. -1: a process cut off while doing it, which may have done it.
 */
static const char *store_upgrade_to_16 =
    "ALTER TABLE move_queue ADD COLUMN claim_pid INTEGER;"
    "UPDATE meta SET value = '16' WHERE name = 'schema';";

/*
 * Format 16 to 17: a claim (of an outbox entry, of a queued move) keeps,
 * beside the number of the process that made it, what tells that process
 * apart (proc_ident: the boot and its start time), so that a claim left
 * by a process that ended with the machine is not held by whichever
 * process has its number after the restart; a claim made before has
 * none and is judged by its number alone, as before. And the trigger
 * draft_last, which keeps the highest id a deleted draft had (as
 * message_last does for messages), past which new drafts are numbered.
 */
static const char *store_upgrade_to_17 =
    "ALTER TABLE outbox ADD COLUMN claim_start TEXT;"
    "ALTER TABLE move_queue ADD COLUMN claim_start TEXT;"
    STORE_LAST_TRIGGER("draft")
    "UPDATE meta SET value = '17' WHERE name = 'schema';";

static const char *store_schema =
    "CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE cert("
    " id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, source TEXT NOT NULL,"
    " fingerprint TEXT NOT NULL, emails TEXT NOT NULL DEFAULT '',"
    " der BLOB NOT NULL, added INTEGER NOT NULL, expires INTEGER NOT NULL"
    " DEFAULT 0, privkey BLOB, UNIQUE(kind, fingerprint));"
    "CREATE TABLE cert_event("
    " id INTEGER PRIMARY KEY, address TEXT NOT NULL, old_fp TEXT,"
    " new_fp TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE TABLE folder("
    " id INTEGER PRIMARY KEY, account TEXT NOT NULL, name TEXT NOT NULL,"
    " uidvalidity INTEGER NOT NULL DEFAULT 0,"
    " uidnext INTEGER NOT NULL DEFAULT 0,"
    " highestmodseq INTEGER NOT NULL DEFAULT 0, UNIQUE(account, name));"
    "CREATE TABLE message("
    " id INTEGER PRIMARY KEY,"
    " folder INTEGER NOT NULL REFERENCES folder(id),"
    " uid INTEGER, modseq INTEGER NOT NULL DEFAULT 0,"
    " flags TEXT NOT NULL DEFAULT '', flags_dirty INTEGER NOT NULL DEFAULT 0,"
    " date INTEGER NOT NULL DEFAULT 0, received INTEGER NOT NULL DEFAULT 0,"
    " from_addr TEXT, to_addr TEXT, subject TEXT, size INTEGER NOT NULL"
    " DEFAULT 0, message_id TEXT, digest TEXT,"
    " signature TEXT, encryption TEXT, trust TEXT, signer TEXT,"
    " state INTEGER NOT NULL DEFAULT 0,"
    " indexed INTEGER NOT NULL DEFAULT 0, cc TEXT, reply_to TEXT,"
    " in_reply_to TEXT, refs TEXT, list_post TEXT,"
    " attachments INTEGER NOT NULL DEFAULT 0,"
    " hdr INTEGER NOT NULL DEFAULT 0);"
    /*
     * The large columns live apart, so that listing a folder reads no
     * message bodies; this is also the full-text index's content table.
     */
    "CREATE TABLE message_content("
    " id INTEGER PRIMARY KEY, subject TEXT, text TEXT, body BLOB, raw BLOB,"
    " verdict TEXT, signer_der BLOB, text_at INTEGER);"
    "CREATE UNIQUE INDEX message_uid ON message(folder, uid)"
    " WHERE uid IS NOT NULL;"
    "CREATE INDEX message_digest ON message(folder, digest)"
    " WHERE uid IS NULL;"
    "CREATE INDEX message_unindexed ON message(id) WHERE indexed = 0;"
    "CREATE INDEX message_pending ON message(id) WHERE state = 1;"
    STORE_DIRTY_INDEX
    STORE_HDR_INDEX
    STORE_SEARCH_SCHEMA
    STORE_QUEUE_SCHEMA
    "CREATE TABLE outbox("
    " id INTEGER PRIMARY KEY, account TEXT, message_id TEXT,"
    " from_addr TEXT, recipients TEXT, subject TEXT, body BLOB NOT NULL,"
    " created INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    " error TEXT, sent INTEGER NOT NULL DEFAULT 0,"
    " appended INTEGER NOT NULL DEFAULT 0, sent_at INTEGER);"
    "CREATE INDEX outbox_msgid ON outbox(message_id);"
    "INSERT INTO meta VALUES('schema', '" STORE_SCHEMA_VERSION "');"
    "INSERT INTO meta VALUES('page_size', '4096');";

int
store_dberr(struct store *st, struct smerr *e, const char *what)
{
	int	rc = sqlite3_extended_errcode(st->db);

	if ((rc & 0xff) == SQLITE_FULL)
		return smerr_set(e, SMERR_STORE, "%s: the disk is full", what);
	if (sqlite3_system_errno(st->db) == EFBIG)
		return smerr_set(e, SMERR_STORE, "%s: the store file would "
		    "grow past the file size limit (ulimit -f)", what);
	return smerr_set(e, SMERR_STORE, "%s: %s", what,
	    sqlite3_errmsg(st->db));
}

int
store_end(struct store *st, sqlite3_stmt *s, int rc, const char *what,
    struct smerr *e)
{
	int	r = 0;

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = store_dberr(st, e, what);
	sqlite3_finalize(s);
	return r;
}

int
store_run(struct store *st, sqlite3_stmt *s, const char *what,
    struct smerr *e)
{
	return store_end(st, s, sqlite3_step(s) == SQLITE_DONE ? SQLITE_DONE :
	    SQLITE_ERROR, what, e);
}

int
store_walk(struct store *st, sqlite3_stmt *s, struct store_each *w,
    const char *what, struct smerr *e)
{
	int	rc = SQLITE_DONE;

	while (!w->stopped && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		w->n++;
		w->stopped = w->row(s, w) != 0;
	}
	if (!w->stopped && rc != SQLITE_DONE)
		return store_dberr(st, e, what);
	return 0;
}

int
store_walk_sql(struct store *st, const char *sql,
    const struct store_arg *args, struct store_each *w, const char *what,
    struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_prep_args(st, sql, args, &s, e)) != 0)
		return r;
	r = store_walk(st, s, w, what, e);
	sqlite3_finalize(s);
	return r;
}

int
store_int(struct store *st, const char *sql, const struct store_arg *args,
    int64_t *vp, const char *what, struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r, rc;

	*vp = 0;
	if ((r = store_prep_args(st, sql, args, &s, e)) != 0)
		return r;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*vp = sqlite3_column_int64(s, 0);
	return store_end(st, s, rc, what, e);
}

int
store_each_id(sqlite3_stmt *s, const struct store_each *w)
{
	return w->cb.id(sqlite3_column_int64(s, 0), w->arg);
}

int
store_prep(struct store *st, const char *sql, sqlite3_stmt **sp,
    struct smerr *e)
{
	*sp = NULL;
	if (sqlite3_prepare_v2(st->db, sql, -1, sp, NULL) != SQLITE_OK)
		return store_dberr(st, e, "store");
	return 0;
}

int
store_prep_args(struct store *st, const char *sql,
    const struct store_arg *args, sqlite3_stmt **sp, struct smerr *e)
{
	const struct store_arg	*a;
	int			 i, rc = SQLITE_OK;

	if (store_prep(st, sql, sp, e) != 0)
		return SMERR_STORE;
	for (a = args, i = 1; a != NULL && a->type != STORE_ARG_END &&
	    rc == SQLITE_OK; a++, i++) {
		if (a->type == STORE_ARG_INT ||
		    (a->type == STORE_ARG_ID && a->i > 0))
			rc = sqlite3_bind_int64(*sp, i, a->i);
		else if (a->type == STORE_ARG_TEXT)
			rc = store_bind_text(*sp, i, a->t);
		else if (a->type == STORE_ARG_BLOB && a->b != NULL)
			rc = a->len > INT_MAX ? SQLITE_TOOBIG :
			    sqlite3_bind_blob(*sp, i, a->b, (int)a->len,
			    SQLITE_TRANSIENT);
		else
			rc = sqlite3_bind_null(*sp, i);
	}
	if (rc != SQLITE_OK) {
		sqlite3_finalize(*sp);
		*sp = NULL;
		return smerr_set(e, SMERR_STORE, "store: %s",
		    sqlite3_errstr(rc));
	}
	return 0;
}

int
store_do(struct store *st, const char *sql, const struct store_arg *args,
    const char *what, struct smerr *e)
{
	sqlite3_stmt	*s;

	if (store_prep_args(st, sql, args, &s, e) != 0)
		return SMERR_STORE;
	return store_run(st, s, what, e);
}

int
store_no_row(struct smerr *e, const char *noun, int64_t id)
{
	return smerr_set(e, SMERR_NOTFOUND, "no %s %lld", noun, (long long)id);
}

int
store_run_row(struct store *st, sqlite3_stmt *s, const char *what,
    const char *noun, int64_t id, struct smerr *e)
{
	if (store_run(st, s, what, e) != 0)
		return SMERR_STORE;
	if (sqlite3_changes(st->db) == 0)
		return store_no_row(e, noun, id);
	return 0;
}

int
store_step_row(struct store *st, sqlite3_stmt *s, const char *what,
    const char *noun, int64_t id, struct smerr *e)
{
	int	rc;

	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return store_no_row(e, noun, id);
	return store_dberr(st, e, what);
}

int
store_do_row(struct store *st, const char *sql, const struct store_arg *args,
    const char *what, const char *noun, int64_t id, struct smerr *e)
{
	sqlite3_stmt	*s;

	if (store_prep_args(st, sql, args, &s, e) != 0)
		return SMERR_STORE;
	return store_run_row(st, s, what, noun, id, e);
}

int
store_stmt(struct store *st, const char *sql, sqlite3_stmt **sp,
    struct smerr *e)
{
	size_t	i;

	for (i = 0; i < STORE_STMT_CACHE && st->stmt_sql[i] != NULL; i++)
		if (st->stmt_sql[i] == sql) {
			*sp = st->stmt[i];
			return 0;
		}
	if (store_prep(st, sql, sp, e) != 0)
		return SMERR_STORE;
	if (i < STORE_STMT_CACHE) {
		st->stmt_sql[i] = sql;
		st->stmt[i] = *sp;
	}
	return 0;
}

void
store_stmt_done(struct store *st, sqlite3_stmt *s)
{
	size_t	i;

	for (i = 0; i < STORE_STMT_CACHE && st->stmt_sql[i] != NULL; i++)
		if (st->stmt[i] == s) {
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return;
		}
	sqlite3_finalize(s);	/* the cache was full */
}

int
store_exec(struct store *st, const char *sql, struct smerr *e)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_dberr(st, e, "store");
	return 0;
}

int
store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

const char *
store_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char	*t = sqlite3_column_text(s, i);

	return t != NULL ? (const char *)t : "";
}

static char *
store_path(const char *datadir)
{
	char	*p;

	if (asprintf(&p, "%s/%s", datadir, STORE_DB_NAME) == -1)
		return NULL;
	return p;
}

int
store_exists(const char *datadir)
{
	struct stat	 sb;
	char		*p;
	int		 r;

	if ((p = store_path(datadir)) == NULL)
		return 0;
	r = stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0;
	free(p);
	return r;
}

/* Gives the raw key to SQLCipher as x'<64 hex digits>'. */
static int
store_key(sqlite3 *db, const uint8_t key[STORE_KEY_LEN], int rekey)
{
	char	k[3 + 2 * STORE_KEY_LEN + 1];
	int	rc;

	k[0] = 'x';
	k[1] = '\'';
	text_hex_encode(key, STORE_KEY_LEN, k + 2);
	k[2 + 2 * STORE_KEY_LEN] = '\'';
	k[3 + 2 * STORE_KEY_LEN] = '\0';
	if (rekey)
		rc = sqlite3_rekey(db, k, (int)strlen(k));
	else
		rc = sqlite3_key(db, k, (int)strlen(k));
	secmem_wipe(k, sizeof(k));
	return rc;
}

/*
 * The key stays with the store as long as SQLCipher keeps its own copy,
 * for a second connection of the same process (store_ckpt); locked in
 * memory and wiped on close, as the rest of the key material.
 */
static int
keep_key(struct store *st, const uint8_t key[STORE_KEY_LEN],
    struct smerr *e)
{
	if ((st->key = malloc(STORE_KEY_LEN)) == NULL)
		return smerr_nomem(e);
	secmem_lock(st->key, STORE_KEY_LEN);
	memcpy(st->key, key, STORE_KEY_LEN);
	return 0;
}

/*
 * The format of st: 0 for a file without tables yet, -1 for one that
 * does not say.
 */
static int
store_format(struct store *st, int64_t *np, struct smerr *e)
{
	int	r;

	if ((r = store_int(st, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'meta';", NULL, np, "store", e)) != 0 ||
	    *np == 0)
		return r;
	/* No row for the format: -1. */
	return store_int(st, "SELECT ifnull((SELECT ifnull(CAST(value AS "
	    "INTEGER), 0) FROM meta WHERE name = 'schema'), -1);", NULL, np,
	    "store", e);
}

/* The SQL of the step from format n (0: the store made new), or NULL. */
static const char *
step_sql(const char *const *step, int64_t n)
{
	if (n == 0)
		return store_schema;
	return n >= 2 && n < STORE_FORMAT ? step[n] : NULL;
}

/*
 * Takes the step from format n to the next (from 0: the store made new,
 * in format 4) in one transaction that ends by writing its number. The
 * format is read again inside it: another process opening the store may
 * have taken this step, or made the store, since n was read, and it is
 * then not taken twice. *np: the format now.
 */
static int
store_step(struct store *st, const char *const *step, int64_t *np,
    struct smerr *e)
{
	const char	*sql = NULL;
	int64_t		 n;
	int		 r;

	if ((r = store_begin(st, e)) != 0)
		return r;
	if ((r = store_format(st, &n, e)) == 0 &&
	    (sql = step_sql(step, n)) != NULL)
		r = store_exec(st, sql, e);
	if (r != 0) {
		store_rollback(st);
		return r;
	}
	if ((r = store_commit(st, e)) != 0)
		return r;
	*np = sql == NULL ? n : n == 0 ? 4 : n + 1;
	return 0;
}

/*
 * Makes the newest format in a new file, or brings an older one up a step
 * at a time, each step one transaction. A store in the newest format is
 * only read: no write lock is taken to open it.
 */
static int
store_migrate(struct store *st, struct smerr *e)
{
	/* step[n]: from format n to n + 1. */
	const char	*step[STORE_FORMAT] = {
		[2] = store_upgrade_2, [3] = store_upgrade_to_4,
		[4] = store_upgrade_to_5, [5] = store_upgrade_to_6,
		[6] = store_upgrade_to_7, [7] = store_upgrade_to_8,
		[8] = store_upgrade_to_9, [9] = store_upgrade_to_10,
		[10] = store_upgrade_to_11, [11] = store_upgrade_to_12,
		[12] = store_upgrade_to_13, [13] = store_upgrade_to_14,
		[14] = store_upgrade_to_15, [15] = store_upgrade_to_16,
		[16] = store_upgrade_to_17,
	};
	int64_t		 n;
	int		 r;

	if ((r = store_format(st, &n, e)) != 0)
		return r;
	while (step_sql(step, n) != NULL)
		if ((r = store_step(st, step, &n, e)) != 0)
			return r;
	if (n != STORE_FORMAT)
		return smerr_set(e, SMERR_STORE, "%s: unknown store format",
		    st->path);
	return 0;
}

/* SQL's sm_fold(x): x in lower case, in any script (text_fold). */
static void
sql_fold(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char	*p;
	struct buf		*b;
	int			 n;

	(void)argc;
	if ((p = sqlite3_value_text(argv[0])) == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	n = sqlite3_value_bytes(argv[0]);
	if ((b = buf_new((size_t)n * 2 + 1)) == NULL ||
	    text_fold(b, p, (size_t)n) != 0)
		sqlite3_result_error_nomem(ctx);
	else
		sqlite3_result_text(ctx, (const char *)buf_data(b),
		    (int)buf_len(b), SQLITE_TRANSIENT);
	buf_free(b);
}

int
store_open(const char *datadir, const uint8_t key[STORE_KEY_LEN],
    struct store **stp, struct smerr *e)
{
	struct store	*st = NULL;
	sqlite3_stmt	*s = NULL;
	int		 r, rc, creating, fd, persist = 1;

	*stp = NULL;
	if (datadir == NULL || key == NULL)
		return smerr_set(e, SMERR_INVAL, "store_open: no directory or key");
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->path = store_path(datadir)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	creating = !store_exists(datadir);
	/* Made private before SQLite opens it; its -wal and -shm follow. */
	if (creating && (fd = open(st->path, O_WRONLY | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600)) != -1)
		close(fd);
	rc = sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		r = smerr_set(e, SMERR_STORE, "%s: %s", st->path,
		    st->db != NULL ? sqlite3_errmsg(st->db) :
		    "cannot open the database");
		goto out;
	}
	if (creating)
		(void)chmod(st->path, 0600);
	sqlite3_busy_timeout(st->db, 10000);

	/* Plain SQLite has no cipher_version and would store clear text. */
	if ((r = store_prep(st, "PRAGMA cipher_version;", &s, e)) != 0)
		goto out;
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	s = NULL;
	if (rc != SQLITE_ROW) {
		r = smerr_set(e, SMERR_STORE, "the SQLite library in use is "
		    "not SQLCipher: refusing to keep mail unencrypted");
		goto out;
	}
	if (store_key(st->db, key, 0) != SQLITE_OK) {
		r = store_dberr(st, e, "keying the store");
		goto out;
	}
	if ((r = store_exec(st, store_pragmas, e)) != 0 ||
	    (r = keep_key(st, key, e)) != 0)
		goto out;
	/* The first read is where a wrong key shows. */
	rc = sqlite3_exec(st->db, "SELECT count(*) FROM sqlite_master;",
	    NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		if (rc == SQLITE_NOTADB)
			r = smerr_set(e, SMERR_STORE, "%s: wrong key or "
			    "passphrase, or not a sealmail store", st->path);
		else
			r = store_dberr(st, e, st->path);
		goto out;
	}
	if ((r = store_exec(st, store_setup, e)) != 0)
		goto out;
	if (sqlite3_create_function_v2(st->db, "sm_fold", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, sql_fold, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		r = store_dberr(st, e, "registering sm_fold");
		goto out;
	}
	/*
	 * The -wal and -shm files stay between processes: made and removed
	 * by every process, they cost more file system journal work than
	 * the command's reads. The last to close empties the WAL
	 * (journal_size_limit), so no old page stays in it.
	 */
	(void)sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL,
	    &persist);
	if ((r = store_migrate(st, e)) != 0)
		goto out;
	*stp = st;
	st = NULL;
	r = 0;
out:
	store_close(st);
	return r;
}

void
store_close(struct store *st)
{
	size_t	i;

	if (st == NULL)
		return;
	store_ckpt_stop(st);
	for (i = 0; i < STORE_STMT_CACHE; i++)
		sqlite3_finalize(st->stmt[i]);
	if (st->db != NULL)
		sqlite3_close_v2(st->db);
	secmem_free(st->key, STORE_KEY_LEN);
	free(st->path);
	free(st);
}

void
store_wal_default(struct store *st)
{
	sqlite3_wal_autocheckpoint(st->db, STORE_WAL_PAGES);
}

int
store_connect(struct store *st, sqlite3 **dbp, struct smerr *e)
{
	sqlite3	*db = NULL;
	int	 rc;

	*dbp = NULL;
	rc = sqlite3_open_v2(st->path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK && (rc = store_key(db, st->key, 0)) == SQLITE_OK)
		rc = sqlite3_exec(db, store_pragmas, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA synchronous = NORMAL;"
		    "SELECT count(*) FROM sqlite_master;", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		smerr_set(e, SMERR_STORE, "%s: a second connection: %s",
		    st->path, db != NULL ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close_v2(db);
		return SMERR_STORE;
	}
	sqlite3_busy_timeout(db, 10000);
	*dbp = db;
	return 0;
}

/*
 * Transactions nest: the outermost is BEGIN IMMEDIATE (the write lock is
 * taken at once, so that a second writer waits instead of failing at
 * commit), inner ones are savepoints.
 */
static int
tx_step(struct store *st, const char *sql)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (store_stmt(st, sql, &s, NULL) != 0)
		return SQLITE_ERROR;
	rc = sqlite3_step(s);
	store_stmt_done(st, s);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/*
 * Inner transactions are savepoints of one name: RELEASE and ROLLBACK TO
 * act on the innermost of that name, which is the one store_begin opened
 * last.
 */
int
store_begin(struct store *st, struct smerr *e)
{
	if (tx_step(st, st->intx == 0 ? "BEGIN IMMEDIATE;" : "SAVEPOINT sp;")
	    != SQLITE_OK)
		return store_dberr(st, e, "store: begin");
	st->intx++;
	return 0;
}

int
store_commit(struct store *st, struct smerr *e)
{
	int	r = 0;

	if (st->intx == 0)
		return 0;
	if (tx_step(st, st->intx == 1 ? "COMMIT;" : "RELEASE sp;") !=
	    SQLITE_OK) {
		r = store_dberr(st, e, "store: commit");
		store_rollback(st);
		return r;
	}
	st->intx--;
	return 0;
}

void
store_rollback(struct store *st)
{
	if (st == NULL || st->intx == 0)
		return;
	if (st->intx == 1) {
		if (sqlite3_get_autocommit(st->db) == 0)
			sqlite3_exec(st->db, "ROLLBACK;", NULL, NULL, NULL);
	} else
		sqlite3_exec(st->db, "ROLLBACK TO sp; RELEASE sp;", NULL, NULL,
		    NULL);
	st->intx--;
}

int
store_check(struct store *st, struct smerr *e)
{
	sqlite3_stmt	*s;
	const char	*v;
	int		 r, rc;

	if ((r = store_prep(st, "PRAGMA integrity_check;", &s, e)) != 0)
		return r;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW)
		r = store_dberr(st, e, "integrity check");
	else if (strcmp((v = store_col_text(s, 0)), "ok") != 0)
		r = smerr_set(e, SMERR_STORE, "integrity check: %s", v);
	sqlite3_finalize(s);
	return r;
}

int
store_rekey(struct store *st, const uint8_t key[STORE_KEY_LEN],
    struct smerr *e)
{
	int	r, persist = 0;

	/*
	 * SQLCipher 3 cannot rekey a database in WAL mode; leaving it, the
	 * -wal and -shm files go too.
	 */
	(void)sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL,
	    &persist);
	if ((r = store_exec(st, "PRAGMA journal_mode = DELETE;", e)) != 0)
		return r;
	if (store_key(st->db, key, 1) != SQLITE_OK)
		r = store_dberr(st, e, "changing the store's key");
	else
		memcpy(st->key, key, STORE_KEY_LEN);
	if (store_exec(st, "PRAGMA journal_mode = WAL;", e) != 0 && r == 0)
		r = SMERR_STORE;
	persist = 1;
	(void)sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL,
	    &persist);
	return r;
}

int
store_meta_get(struct store *st, const char *name, char **valp,
    struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r, rc;

	*valp = NULL;
	if ((r = store_prep_args(st, "SELECT value FROM meta WHERE name = ?;",
	    STORE_ARGS(STORE_TEXT(name)), &s, e)) != 0)
		return r;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if ((*valp = strdup(store_col_text(s, 0))) == NULL)
			r = smerr_nomem(e);
	} else if (rc == SQLITE_DONE)
		r = smerr_set(e, SMERR_NOTFOUND, "no setting %s", name);
	else
		r = store_dberr(st, e, "store");
	sqlite3_finalize(s);
	return r;
}

int
store_meta_set(struct store *st, const char *name, const char *val,
    struct smerr *e)
{
	return store_do(st, "INSERT OR REPLACE INTO meta VALUES(?, ?);",
	    STORE_ARGS(STORE_TEXT(name), STORE_TEXT(val)), "store", e);
}
