/*
 * tests/unit/store_test.h: what the unit tests that look inside a store
 * share: running SQL on its connection, reading one number, and the SQL
 * that turns a store of the current format back into format 16 (no
 * start time kept with a claim), 15 (also no claims on queued moves),
 * 14 (also no index over Message-IDs), 13 (no time or reason of a
 * revocation), 12 (no server flags kept under a local change), 11 (no
 * recipients' names), 10 (also no drafts' choices), 9 (also no From
 * display names), 8 (also message content without text_len, the view
 * over the older text) or 3 (also its message table without the header
 * fields, no queue of moves), none in a
 * transaction of its own, for the upgrade tests.
 */
#ifndef SEALMAIL_TEST_STORE_TEST_H
#define SEALMAIL_TEST_STORE_TEST_H

/* Runs sql on the store's connection; FTS4's own check included. */
static void
exec_ok(struct store *st, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg != NULL ? msg : "?");
}

static int
one_int(struct store *st, const char *sql)
{
	sqlite3_stmt	*s;
	int		 v = -1;

	assert_int_equal(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL),
	    SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/*
 * The message table of format 9 as old_message, without its ")", and
 * its columns (the SQLite of SQLCipher 3 has no DROP COLUMN).
 */
#define STORE_TEST_MESSAGE_9 \
    STORE_TEST_MESSAGE_3 ", cc TEXT, reply_to TEXT," \
    " in_reply_to TEXT, refs TEXT, list_post TEXT," \
    " attachments INTEGER NOT NULL DEFAULT 0," \
    " hdr INTEGER NOT NULL DEFAULT 0"
#define STORE_TEST_COLUMNS_9 \
    "id, folder, uid, modseq, flags," \
    " flags_dirty, date, received, from_addr, to_addr, subject, size," \
    " message_id, digest, signature, encryption, trust, signer, state," \
    " indexed, cc, reply_to, in_reply_to, refs, list_post, attachments," \
    " hdr"

/*
 * Format 16: the outbox and the queue of moves without claim_start, no
 * trigger draft_last.
 */
#define STORE_BACK_TO_16 \
    "DROP TRIGGER draft_last;" \
    "ALTER TABLE outbox RENAME TO new_outbox;" \
    "CREATE TABLE outbox(" \
    " id INTEGER PRIMARY KEY, account TEXT, message_id TEXT," \
    " from_addr TEXT, recipients TEXT, subject TEXT, body BLOB NOT NULL," \
    " created INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0," \
    " error TEXT, sent INTEGER NOT NULL DEFAULT 0," \
    " appended INTEGER NOT NULL DEFAULT 0, sent_at INTEGER," \
    " state TEXT NOT NULL DEFAULT 'queued', claim_pid INTEGER," \
    " copy INTEGER NOT NULL DEFAULT 0, source BLOB);" \
    "INSERT INTO outbox SELECT id, account, message_id, from_addr," \
    " recipients, subject, body, created, attempts, error, sent, appended," \
    " sent_at, state, claim_pid, copy, source FROM new_outbox;" \
    "DROP TABLE new_outbox;" \
    "CREATE INDEX outbox_msgid ON outbox(message_id);" \
    "CREATE UNIQUE INDEX outbox_copy ON outbox(message_id, copy);" \
    "ALTER TABLE move_queue RENAME TO new_queue;" \
    "CREATE TABLE move_queue(id INTEGER PRIMARY KEY," \
    " account TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity INTEGER" \
    " NOT NULL DEFAULT 0, uid INTEGER NOT NULL, dest TEXT, copy INTEGER" \
    " NOT NULL DEFAULT 0, message INTEGER, claim_pid INTEGER);" \
    "INSERT INTO move_queue SELECT id, account, folder, uidvalidity, uid," \
    " dest, copy, message, claim_pid FROM new_queue;" \
    "DROP TABLE new_queue;"

/* Format 15: also the queue of moves without claim_pid. */
#define STORE_BACK_TO_15 STORE_BACK_TO_16 \
    "ALTER TABLE move_queue RENAME TO new_queue;" \
    "CREATE TABLE move_queue(id INTEGER PRIMARY KEY," \
    " account TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity INTEGER" \
    " NOT NULL DEFAULT 0, uid INTEGER NOT NULL, dest TEXT, copy INTEGER" \
    " NOT NULL DEFAULT 0, message INTEGER);" \
    "INSERT INTO move_queue SELECT id, account, folder, uidvalidity, uid," \
    " dest, copy, message FROM new_queue;" \
    "DROP TABLE new_queue;"

/* Format 14: also no index over the messages' Message-IDs. */
#define STORE_BACK_TO_14 STORE_BACK_TO_15 \
    "DROP INDEX message_msgid;"

/* Format 13: also the revocation table without revoked_at and reason. */
#define STORE_BACK_TO_13 STORE_BACK_TO_14 \
    "ALTER TABLE revocation RENAME TO new_revocation;" \
    "CREATE TABLE revocation(fingerprint TEXT PRIMARY KEY," \
    " status TEXT NOT NULL, source TEXT NOT NULL, until INTEGER NOT NULL," \
    " checked INTEGER NOT NULL);" \
    "INSERT INTO revocation SELECT fingerprint, status, source, until," \
    " checked FROM new_revocation;" \
    "DROP TABLE new_revocation;"

/* Format 12: the message table without flags_base. */
#define STORE_BACK_TO_12 STORE_BACK_TO_13 \
    STORE_TEST_MESSAGE_9 ", from_name TEXT, to_names TEXT);" \
    "INSERT INTO old_message SELECT " STORE_TEST_COLUMNS_9 ", from_name," \
    " to_names FROM message;" \
    STORE_TEST_OLD_MESSAGE \
    "CREATE INDEX message_hdr ON message(id) WHERE hdr = 0;"

/* Format 11: the message table without to_names. */
#define STORE_BACK_TO_11 STORE_BACK_TO_13 \
    STORE_TEST_MESSAGE_9 ", from_name TEXT);" \
    "INSERT INTO old_message SELECT " STORE_TEST_COLUMNS_9 ", from_name" \
    " FROM message;" \
    STORE_TEST_OLD_MESSAGE \
    "CREATE INDEX message_hdr ON message(id) WHERE hdr = 0;"

/* Format 10: also no sign and encrypt choice kept with drafts. */
#define STORE_BACK_TO_10 STORE_BACK_TO_11 \
    "DROP TRIGGER draft_choice_gone; DROP TABLE draft_choice;"

/* Format 9: the message table also without from_name. */
#define STORE_BACK_TO_9 STORE_BACK_TO_10 \
    STORE_TEST_MESSAGE_9 ");" \
    "INSERT INTO old_message SELECT " STORE_TEST_COLUMNS_9 " FROM message;" \
    STORE_TEST_OLD_MESSAGE \
    "CREATE INDEX message_hdr ON message(id) WHERE hdr = 0;"


#define STORE_BACK_TO_8 STORE_BACK_TO_9 \
    "DROP VIEW message_doc;" \
    "ALTER TABLE message_content RENAME TO new_content;" \
    "CREATE TABLE message_content(id INTEGER PRIMARY KEY, subject TEXT," \
    " text TEXT, body BLOB, raw BLOB, verdict TEXT, signer_der BLOB," \
    " text_at INTEGER);" \
    "INSERT INTO message_content SELECT id, subject, text, body, raw," \
    " verdict, signer_der, text_at FROM new_content;" \
    "DROP TABLE new_content;" \
    "CREATE VIEW message_doc AS SELECT id AS rowid, subject, " \
    STORE_TEXT_OF_8("message_content") " AS text FROM message_content;"

#define STORE_BACK_TO_3 STORE_BACK_TO_8 \
    "DROP INDEX message_hdr; DROP TABLE move_queue;" \
    "DROP TABLE revocation; DROP TABLE cert_caps;" \
    "DROP TABLE draft_file; DROP TABLE outbox_file;" \
    "DROP TABLE draft; DROP TABLE outbox;" \
    "CREATE TABLE outbox(" \
    " id INTEGER PRIMARY KEY, account TEXT, message_id TEXT," \
    " from_addr TEXT, recipients TEXT, subject TEXT, body BLOB NOT NULL," \
    " created INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0," \
    " error TEXT, sent INTEGER NOT NULL DEFAULT 0," \
    " appended INTEGER NOT NULL DEFAULT 0, sent_at INTEGER);" \
    "CREATE INDEX outbox_msgid ON outbox(message_id);" \
    STORE_TEST_MESSAGE_3 ");" \
    "INSERT INTO old_message SELECT id, folder, uid, modseq, flags," \
    " flags_dirty, date, received, from_addr, NULL, subject, size, NULL," \
    " digest, signature, encryption, trust, signer, state, indexed" \
    " FROM message;" \
    STORE_TEST_OLD_MESSAGE

/* The message table of format 3, as old_message, without its ")". */
#define STORE_TEST_MESSAGE_3 \
    "CREATE TABLE old_message(" \
    " id INTEGER PRIMARY KEY," \
    " folder INTEGER NOT NULL REFERENCES folder(id)," \
    " uid INTEGER, modseq INTEGER NOT NULL DEFAULT 0," \
    " flags TEXT NOT NULL DEFAULT '', flags_dirty INTEGER NOT NULL" \
    " DEFAULT 0, date INTEGER NOT NULL DEFAULT 0, received INTEGER NOT" \
    " NULL DEFAULT 0, from_addr TEXT, to_addr TEXT, subject TEXT, size" \
    " INTEGER NOT NULL DEFAULT 0, message_id TEXT, digest TEXT," \
    " signature TEXT, encryption TEXT, trust TEXT, signer TEXT," \
    " state INTEGER NOT NULL DEFAULT 0," \
    " indexed INTEGER NOT NULL DEFAULT 0"

/* old_message becomes message, with the indexes of formats 3 to 8. */
#define STORE_TEST_OLD_MESSAGE \
    "DROP TABLE message;" \
    "ALTER TABLE old_message RENAME TO message;" \
    "CREATE UNIQUE INDEX message_uid ON message(folder, uid)" \
    " WHERE uid IS NOT NULL;" \
    "CREATE INDEX message_digest ON message(folder, digest)" \
    " WHERE uid IS NULL;" \
    "CREATE INDEX message_unindexed ON message(id) WHERE indexed = 0;" \
    "CREATE INDEX message_pending ON message(id) WHERE state = 1;" \
    "CREATE INDEX message_dirty ON message(folder) WHERE flags_dirty = 1;"

#endif
