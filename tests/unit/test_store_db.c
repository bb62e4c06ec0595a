/*
 * The encrypted store against the real SQLCipher library: keys, schema,
 * certificates, messages with their (folder, UID) uniqueness, the
 * UIDVALIDITY rebinding, the trailing full-text index, the outbox, rekey,
 * and no clear text in the files.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/proc.h"
#include "store/store.h"
#include "store/store_int.h"
#include "tests/unit/store_test.h"
#include "tests/unit/lib/unit.h"

static uint8_t key1[STORE_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static uint8_t key2[STORE_KEY_LEN] = { 9, 9, 9, 9 };

static char *
tmpdir(void)
{
	return unit_tmpdir("test_store");
}

static void
rmdir_all(char *d)
{
	unit_rmrf(d);
	free(d);
}

/* The store in d, opened with key1; e is cleared first. */
static struct store *
open_key1(const char *d, struct smerr *e)
{
	struct store	*st = NULL;

	smerr_clear(e);
	assert_int_equal(store_open(d, key1, &st, e), 0);
	return st;
}

/* The store in d, opened as open_key1 does, its folder work/INBOX in *inbox. */
static struct store *
open_inbox(const char *d, int64_t *inbox, struct smerr *e)
{
	struct store	*st = open_key1(d, e);

	assert_int_equal(store_folder_open(st, "work", "INBOX", inbox, e), 0);
	return st;
}

/* The end of a test: st passes store_check, is closed, and d removed. */
static void
close_checked(struct store *st, char *d)
{
	struct smerr	e;

	assert_int_equal(store_check(st, &e), 0);
	store_close(st);
	rmdir_all(d);
}

/* FTS4's own check of st's full-text index passes. */
static void
fts_intact(struct store *st)
{
	exec_ok(st, "INSERT INTO message_fts(message_fts) "
	    "VALUES('integrity-check');");
}

/* Counts occurrences of needle in every file of dir. */
static int
grep_dir(const char *dir, const char *needle)
{
	char	cmd[512];
	FILE	*fp;
	int	n = -1;

	snprintf(cmd, sizeof(cmd), "cat '%s'/* | grep -c -a -F '%s'", dir,
	    needle);
	fp = popen(cmd, "r");
	assert_non_null(fp);
	if (fscanf(fp, "%d", &n) != 1)
		n = -1;
	pclose(fp);
	return n;
}

static void
test_open_keys(void **unused)
{
	struct store	*st = NULL;
	struct smerr	 e;
	char		*d = tmpdir(), *v = NULL;

	(void)unused;
	smerr_clear(&e);
	assert_int_equal(store_exists(d), 0);
	assert_int_equal(store_open(d, key1, &st, &e), 0);
	assert_int_equal(store_meta_set(st, "x", "y", &e), 0);
	store_close(st);
	assert_int_equal(store_exists(d), 1);

	/* A wrong key is named as such at open. */
	smerr_clear(&e);
	assert_int_equal(store_open(d, key2, &st, &e), SMERR_STORE);
	assert_null(st);
	assert_non_null(strstr(smerr_msg(&e), "wrong key"));

	st = open_key1(d, &e);
	assert_int_equal(store_meta_get(st, "x", &v, &e), 0);
	assert_string_equal(v, "y");
	free(v);
	assert_int_equal(store_meta_get(st, "nope", &v, &e), SMERR_NOTFOUND);
	assert_int_equal(store_check(st, &e), 0);

	/* Rekey: the old key no longer opens it, the new one does. */
	assert_int_equal(store_rekey(st, key2, &e), 0);
	store_close(st);
	smerr_clear(&e);
	assert_int_equal(store_open(d, key1, &st, &e), SMERR_STORE);
	smerr_clear(&e);
	assert_int_equal(store_open(d, key2, &st, &e), 0);
	assert_int_equal(store_meta_get(st, "x", &v, &e), 0);
	free(v);
	store_close(st);
	store_close(NULL);
	rmdir_all(d);
}

struct certs {
	int	n;
	int64_t	last;
	char	fp[65];
};

static int
count_cb(const struct store_cert *c, void *arg)
{
	struct certs	*cs = arg;

	cs->n++;
	cs->last = c->id;
	snprintf(cs->fp, sizeof(cs->fp), "%s", c->fingerprint);
	assert_true(c->der_len > 0);
	return 0;
}

static char	src_seen[64];

static int
src_cb(const struct store_cert *c, void *arg)
{
	(void)arg;
	snprintf(src_seen, sizeof(src_seen), "%s %lld", c->source,
	    (long long)c->expires);
	return 0;
}

static void
test_certs(void **unused)
{
	struct store		*st;
	struct store_cert	 c;
	struct certs		 cs;
	struct smerr		 e;
	struct buf		*k, *got = NULL;
	int64_t			 id, id2;
	char			*d = tmpdir();
	static const uint8_t	 der[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };

	(void)unused;
	st = open_key1(d, &e);
	memset(&c, 0, sizeof(c));
	c.kind = STORE_CERT_IDENTITY;
	c.source = "imported";
	c.fingerprint = "aa";
	c.emails = "alice@example.test";
	c.der = der;
	c.der_len = sizeof(der);
	k = buf_new_secret(0);
	buf_puts(k, "PRIVATE-KEY-BYTES");
	assert_int_equal(store_cert_put(st, &c, k, &id, &e), 0);
	/* Same kind and fingerprint: the same row, key kept. */
	assert_int_equal(store_cert_put(st, &c, NULL, &id2, &e), 0);
	assert_int_equal(id, id2);
	assert_int_equal(store_cert_key(st, id, &got, &e), 0);
	assert_int_equal(buf_len(got), buf_len(k));
	assert_memory_equal(buf_data(got), buf_data(k), buf_len(k));
	assert_true(buf_is_secret(got));
	buf_free(got);

	c.kind = STORE_CERT_PEER;
	c.fingerprint = "bb";
	c.source = "smimea";
	c.expires = 12345;
	assert_int_equal(store_cert_put(st, &c, NULL, &id2, &e), 0);
	assert_int_equal(store_cert_key(st, id2, &got, &e), SMERR_NOTFOUND);

	memset(&cs, 0, sizeof(cs));
	assert_int_equal(store_cert_foreach(st, STORE_CERT_IDENTITY |
	    STORE_CERT_PEER | STORE_CERT_ANCHOR, count_cb, &cs, &e), 0);
	assert_int_equal(cs.n, 2);
	assert_string_equal(cs.fp, "bb");
	/* Newest first: the same rows the other way, the identity last. */
	memset(&cs, 0, sizeof(cs));
	assert_int_equal(store_cert_foreach_newest(st, STORE_CERT_IDENTITY |
	    STORE_CERT_PEER, count_cb, &cs, &e), 0);
	assert_int_equal(cs.n, 2);
	assert_string_equal(cs.fp, "aa");
	memset(&cs, 0, sizeof(cs));
	assert_int_equal(store_cert_foreach(st, STORE_CERT_PEER, count_cb, &cs,
	    &e), 0);
	assert_int_equal(cs.n, 1);
	assert_string_equal(cs.fp, "bb");
	id2 = cs.last;
	memset(&cs, 0, sizeof(cs));
	assert_int_equal(store_cert_find(st, STORE_CERT_IDENTITY, "AA",
	    count_cb, &cs, &e), 0);
	assert_int_equal(cs.last, id);
	smerr_clear(&e);
	assert_int_equal(store_cert_find(st, STORE_CERT_ANCHOR, "aa",
	    count_cb, &cs, &e), SMERR_NOTFOUND);

	/* An imported certificate found again in SMIMEA stays imported. */
	c.source = "imported";
	c.expires = 0;
	c.fingerprint = "cc";
	assert_int_equal(store_cert_put(st, &c, NULL, &id, &e), 0);
	c.source = "smimea";
	c.expires = 5;
	assert_int_equal(store_cert_put(st, &c, NULL, &id, &e), 0);
	src_seen[0] = '\0';
	assert_int_equal(store_cert_find(st, STORE_CERT_PEER, "cc", src_cb,
	    NULL, &e), 0);
	assert_string_equal(src_seen, "imported 0");
	/* A cached one is refreshed in place. */
	assert_int_equal(store_cert_find(st, STORE_CERT_PEER, "bb", src_cb,
	    NULL, &e), 0);
	assert_string_equal(src_seen, "smimea 12345");
	c.fingerprint = "bb";
	c.expires = 999;
	assert_int_equal(store_cert_put(st, &c, NULL, &id, &e), 0);
	assert_int_equal(store_cert_find(st, STORE_CERT_PEER, "bb", src_cb,
	    NULL, &e), 0);
	assert_string_equal(src_seen, "smimea 999");

	assert_int_equal(store_cert_delete(st, id2, &e), 0);
	assert_int_equal(store_cert_delete(st, id2, &e), SMERR_NOTFOUND);
	assert_int_equal(store_cert_event_add(st, "Bob@Example.test", "bb",
	    "cc", &e), 0);
	store_close(st);
	/* The private key is not in the files in clear. */
	assert_int_equal(grep_dir(d, "PRIVATE-KEY-BYTES"), 0);
	buf_free(k);
	rmdir_all(d);
}

struct ids {
	int64_t	v[16];
	int	n;
};

static int
ids_cb(const struct store_msg *m, void *arg)
{
	struct ids	*ids = arg;

	if (ids->n < 16)
		ids->v[ids->n++] = m->id;
	return 0;
}

static void
mkmsg(struct store_msg *m, int64_t folder, uint32_t uid, const char *text,
    const char *digest)
{
	memset(m, 0, sizeof(*m));
	m->folder = folder;
	m->uid = uid;
	m->flags = "\\Seen";
	m->from = "alice@example.test";
	m->subject = "Quarterly zebrafishmarker report";
	m->text = text;
	m->body = (const uint8_t *)text;
	m->body_len = strlen(text);
	m->digest = digest;
	m->signature = "valid";
	m->encryption = "decrypted";
	m->verdict = "{\"signature\":\"valid\"}";
	m->date = 1700000000 + uid;
}

static int
id_only_cb(int64_t id, void *arg)
{
	struct ids	*ids = arg;

	if (ids->n < 16)
		ids->v[ids->n++] = id;
	return 0;
}

static void
assert_same_ids(const struct ids *a, const struct ids *b)
{
	int	i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++)
		assert_int_equal(a->v[i], b->v[i]);
}

/*
 * The ids alone of a folder (what a long index reads first) come in the
 * order of its summaries, over the folders of that name of two accounts,
 * bound and local messages; a query's too; and summaries read by id
 * pass over an id gone.
 */
static void
test_ids_alone(void **unused)
{
	struct store		*st = NULL;
	struct store_msg	 m;
	struct smerr		 e;
	struct ids		 a, b;
	int64_t			 f1, f2, id[5];
	int64_t			 some[3];
	char			*d = tmpdir();

	(void)unused;
	smerr_clear(&e);
	assert_int_equal(store_open(d, key1, &st, &e), 0);
	assert_int_equal(store_folder_open(st, "b", "INBOX", &f2, &e), 0);
	assert_int_equal(store_folder_open(st, "a", "INBOX", &f1, &e), 0);
	mkmsg(&m, f1, 7, "seven", "e1");
	assert_int_equal(store_msg_add(st, &m, &id[0], &e), 0);
	mkmsg(&m, f1, 3, "three", "e2");
	assert_int_equal(store_msg_add(st, &m, &id[1], &e), 0);
	mkmsg(&m, f1, 0, "local", "e3");
	assert_int_equal(store_msg_add(st, &m, &id[2], &e), 0);
	mkmsg(&m, f2, 5, "five", "e4");
	assert_int_equal(store_msg_add(st, &m, &id[3], &e), 0);
	mkmsg(&m, f2, 1, "one", "e5");
	assert_int_equal(store_msg_add(st, &m, &id[4], &e), 0);

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(store_msg_foreach_name(st, "INBOX", ids_cb, &a, &e),
	    0);
	assert_int_equal(store_msg_ids_name(st, "INBOX", id_only_cb, &b, &e),
	    0);
	assert_same_ids(&a, &b);
	assert_int_equal(b.n, 5);
	/* Account a first (folder order), UID order, then the local one. */
	assert_int_equal(b.v[0], id[1]);
	assert_int_equal(b.v[1], id[0]);
	assert_int_equal(b.v[2], id[2]);
	assert_int_equal(b.v[3], id[4]);

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(store_msg_query(st, "b", "INBOX", NULL, ids_cb, &a,
	    &e), 0);
	assert_int_equal(store_msg_query_ids(st, "b", "INBOX", NULL,
	    id_only_cb, &b, &e), 0);
	assert_same_ids(&a, &b);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.v[0], id[4]);

	assert_int_equal(store_msg_delete(st, id[0], &e), 0);
	some[0] = id[3];
	some[1] = id[0];
	some[2] = id[1];
	memset(&a, 0, sizeof(a));
	assert_int_equal(store_msg_summaries(st, some, 3, ids_cb, &a, &e), 0);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.v[0], id[3]);
	assert_int_equal(a.v[1], id[1]);
	store_close(st);
	rmdir_all(d);
}

/* How many messages the store's search finds for q (in ids). */
static int
search_count(struct store *st, const char *q, struct ids *ids)
{
	struct smerr	e;

	smerr_clear(&e);
	memset(ids, 0, sizeof(*ids));
	assert_int_equal(store_search(st, q, ids_cb, ids, &e), 0);
	return ids->n;
}

static size_t
hits(struct store *st, const char *q)
{
	struct ids	ids;

	return (size_t)search_count(st, q, &ids);
}

/* A folder's bound messages, highest UID and messages with local flags. */
static void
check_counts(struct store *st, int64_t folder, size_t bound, uint32_t maxuid,
    size_t dirty)
{
	struct smerr	e;
	size_t		b, d;
	uint32_t	u;

	smerr_clear(&e);
	assert_int_equal(store_folder_counts(st, folder, &b, &u, &d, &e), 0);
	assert_int_equal(b, bound);
	assert_int_equal(u, maxuid);
	assert_int_equal(d, dirty);
}

/* Pending (undecryptable) messages, then updated when decrypted. */
static void
check_pending(struct store *st, int64_t inbox)
{
	struct store_msg	 m, *lm;
	struct smerr		 e;
	struct ids		 ids;
	int64_t			 id;
	size_t			 done, left;

	smerr_clear(&e);
	mkmsg(&m, inbox, 20, "", "d5");
	m.state = STORE_MSG_PENDING;
	m.encryption = "undecryptable";
	m.raw = (const uint8_t *)"RAW";
	m.raw_len = 3;
	assert_int_equal(store_msg_add(st, &m, &id, &e), 0);
	memset(&ids, 0, sizeof(ids));
	assert_int_equal(store_msg_foreach_pending(st, ids_cb, &ids, &e), 0);
	assert_int_equal(ids.n, 1);
	mkmsg(&m, inbox, 20, "now readable walrus", "d5");
	assert_int_equal(store_msg_update(st, id, &m, &e), 0);
	assert_int_equal(store_msg_load(st, id, &lm, &e), 0);
	assert_null(lm->raw);
	assert_int_equal(lm->state, STORE_MSG_OK);
	store_msg_free(lm);
	assert_int_equal(store_index(st, 0, &done, &left, &e), 0);
	assert_int_equal(search_count(st, "walrus", &ids), 1);
}

/*
 * Many indexing runs: once all is indexed, no level of the full-text index
 * holds two segments, every message is still found, and FTS4's own check
 * passes. Runs that leave messages unindexed merge nothing.
 */
static void
test_fts_segments(void **unused)
{
	struct store		*st;
	struct store_msg	 m;
	struct smerr		 e;
	struct ids		 ids;
	int64_t			 inbox, id;
	size_t			 done, left;
	char			*d = tmpdir(), text[64], digest[16];
	char			 word[16];
	int			 i, segs;

	(void)unused;
	smerr_clear(&e);
	assert_int_equal(store_open(d, key1, &st, &e), 0);
	assert_int_equal(store_folder_open(st, "work", "INBOX", &inbox, &e), 0);
	for (i = 0; i < 40; i++) {
		snprintf(text, sizeof(text), "common w%dx", i);
		snprintf(digest, sizeof(digest), "s%d", i);
		mkmsg(&m, inbox, (uint32_t)i + 1, text, digest);
		assert_int_equal(store_msg_add(st, &m, &id, &e), 0);
		assert_int_equal(store_index(st, 0, &done, &left, &e), 0);
		assert_int_equal(done, 1);
		assert_int_equal(left, 0);
		assert_int_equal(one_int(st, "SELECT max(n) FROM (SELECT "
		    "count(*) AS n FROM message_fts_segdir GROUP BY "
		    "level);"), 1);
	}
	/* 40 runs: a segment for each set bit of 40 at most. */
	assert_true(one_int(st, "SELECT count(*) FROM message_fts_segdir;") <=
	    6);
	/* Indexed in runs of 10, merged only when the last is done. */
	for (i = 40; i < 80; i++) {
		snprintf(text, sizeof(text), "common w%dx", i);
		snprintf(digest, sizeof(digest), "s%d", i);
		mkmsg(&m, inbox, (uint32_t)i + 1, text, digest);
		assert_int_equal(store_msg_add(st, &m, &id, &e), 0);
	}
	segs = one_int(st, "SELECT count(*) FROM message_fts_segdir;");
	assert_int_equal(store_index(st, 10, &done, &left, &e), 0);
	assert_int_equal(left, 30);
	assert_int_equal(one_int(st, "SELECT count(*) FROM "
	    "message_fts_segdir;"), segs + 1);
	while (left > 0)
		assert_int_equal(store_index(st, 10, &done, &left, &e), 0);
	assert_int_equal(one_int(st, "SELECT max(n) FROM (SELECT count(*) "
	    "AS n FROM message_fts_segdir GROUP BY level);"), 1);
	fts_intact(st);
	for (i = 0; i < 80; i++) {
		snprintf(word, sizeof(word), "w%dx", i);
		assert_int_equal(search_count(st, word, &ids), 1);
	}
	assert_int_equal(search_count(st, "common w79x", &ids), 1);
	store_close(st);
	rmdir_all(d);
}

/* UIDVALIDITY changes: messages stay, unbound, and bind again. */
static void
check_rebind(struct store *st, int64_t inbox, int64_t id1)
{
	struct store_msg	 m, *lm;
	struct smerr		 e;
	int64_t			 n;
	int			 rebound;

	assert_int_equal(store_folder_reset(st, inbox, &e), 0);
	assert_int_equal(store_msg_find(st, inbox, 1, &n, NULL),
	    SMERR_NOTFOUND);
	mkmsg(&m, inbox, 10, "the secret PLAINTEXTMARKER one", "d1");
	m.flags = "";
	assert_int_equal(store_msg_add_bound(st, &m, &n, &rebound, &e), 0);
	assert_int_equal(n, id1);
	assert_int_equal(rebound, 1);
	assert_int_equal(store_msg_load(st, id1, &lm, &e), 0);
	assert_int_equal(lm->uid, 10);
	/* The local, unpushed flags survive. */
	assert_string_equal(lm->flags, "\\Seen \\Flagged");
	store_msg_free(lm);
	assert_int_equal(store_msg_flags_pushed(st, id1, 5, &e), 0);
}

static void
test_messages(void **unused)
{
	struct store		*st;
	struct store_msg	 m, *lm;
	struct store_folder	 f;
	struct smerr		 e;
	struct ids		 ids;
	int64_t			 inbox, other, id1, id2, id3, n;
	size_t			 done, left;
	char			*d = tmpdir();

	(void)unused;
	st = open_inbox(d, &inbox, &e);
	assert_int_equal(store_folder_open(st, "work", "INBOX", &id1, &e), 0);
	assert_int_equal(inbox, id1);
	assert_int_equal(store_folder_open(st, "work", "Archive", &other, &e),
	    0);
	assert_int_equal(store_folder_set_state(st, inbox, 77, 4, 9, &e), 0);
	assert_int_equal(store_folder_get(st, inbox, &f, &e), 0);
	assert_int_equal(f.uidvalidity, 77);
	assert_int_equal(f.uidnext, 4);
	assert_int_equal(f.highestmodseq, 9);

	assert_int_equal(store_begin(st, &e), 0);
	mkmsg(&m, inbox, 1, "the secret PLAINTEXTMARKER one", "d1");
	assert_int_equal(store_msg_add(st, &m, &id1, &e), 0);
	assert_int_equal(store_commit(st, &e), 0);
	/* The same UID again: refused, nothing changes. */
	smerr_clear(&e);
	assert_int_equal(store_msg_add(st, &m, &id2, &e), SMERR_EXISTS);
	assert_int_equal(id2, id1);
	mkmsg(&m, inbox, 2, "second message about penguins", "d2");
	assert_int_equal(store_msg_add(st, &m, &id2, &e), 0);
	mkmsg(&m, other, 1, "archived penguins", "d3");
	assert_int_equal(store_msg_add(st, &m, &id3, &e), 0);

	/* A rolled-back transaction leaves nothing. */
	assert_int_equal(store_begin(st, &e), 0);
	mkmsg(&m, inbox, 3, "never", "d4");
	assert_int_equal(store_msg_add(st, &m, NULL, &e), 0);
	store_rollback(st);
	assert_int_equal(store_msg_count(st, inbox, &n, &e), 0);
	assert_int_equal(n, 2);

	/* Unread: without \Seen, a keyword that contains it does not count. */
	assert_int_equal(store_msg_unread(st, inbox, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_msg_set_flags(st, id2, "\\Flagged $NotSeen",
	    0, &e), 0);
	assert_int_equal(store_msg_unread(st, inbox, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_msg_unread(st, other, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_msg_set_flags(st, id2, "\\Seen", 0, &e), 0);

	/* Not searchable before indexing; searchable after. */
	assert_int_equal(search_count(st, "penguins", &ids), 0);
	assert_int_equal(store_index(st, 1, &done, &left, &e), 0);
	assert_int_equal(done, 1);
	assert_int_equal(left, 2);
	assert_int_equal(store_index(st, 0, &done, &left, &e), 0);
	assert_int_equal(done, 2);
	assert_int_equal(left, 0);
	assert_int_equal(search_count(st, "PENGUINS", &ids), 2);
	assert_int_equal(search_count(st, "archived penguins", &ids), 1);
	assert_int_equal(ids.v[0], id3);
	/* FTS syntax in a query is taken as words. */
	assert_int_equal(search_count(st, "penguins\" OR NEAR(", &ids), 0);
	assert_int_equal(search_count(st, "zebrafishmarker", &ids), 3);

	/* Listing by folder name, in UID order. */
	memset(&ids, 0, sizeof(ids));
	assert_int_equal(store_msg_foreach_name(st, "INBOX", ids_cb, &ids, &e),
	    0);
	assert_int_equal(ids.n, 2);
	assert_int_equal(ids.v[0], id1);

	/* Flags. */
	assert_int_equal(store_msg_set_local_flags(st, id1, "\\Seen \\Flagged",
	    &e), 0);
	check_counts(st, inbox, 2, 2, 1);
	check_counts(st, other, 1, 1, 0);
	assert_int_equal(store_msg_load(st, id1, &lm, &e), 0);
	assert_string_equal(lm->flags, "\\Seen \\Flagged");
	assert_int_equal(lm->flags_dirty, 1);
	assert_string_equal(lm->folder_name, "INBOX");
	assert_string_equal(lm->verdict, "{\"signature\":\"valid\"}");
	assert_int_equal(lm->body_len, strlen("the secret PLAINTEXTMARKER one"));
	store_msg_free(lm);

	check_rebind(st, inbox, id1);

	/* Expunge removes the row and its index entry. */
	assert_int_equal(store_msg_delete(st, id2, &e), 0);
	assert_int_equal(search_count(st, "penguins", &ids), 1);
	assert_int_equal(store_msg_count(st, 0, &n, &e), 0);
	assert_int_equal(n, 2);

	check_pending(st, inbox);

	assert_int_equal(store_check(st, &e), 0);
	store_close(st);
	assert_int_equal(grep_dir(d, "PLAINTEXTMARKER"), 0);
	assert_int_equal(grep_dir(d, "zebrafishmarker"), 0);
	assert_int_equal(grep_dir(d, "penguins"), 0);
	rmdir_all(d);
}

/* An outbox entry of msgid to bob. */
static void
mkoutbox(struct store_outbox *o, const char *msgid)
{
	memset(o, 0, sizeof(*o));
	o->message_id = msgid;
	o->recipients = "bob@example.test";
	o->body = (const uint8_t *)"Subject: x\r\n\r\nhello\r\n";
	o->body_len = strlen((const char *)o->body);
}

static int
outbox_cb(const struct store_outbox *o, void *arg)
{
	int	*n = arg;

	(*n)++;
	if (o->attempts > 0 && !o->sent)
		assert_string_equal(o->error, "550 no such user");
	return 0;
}

/* The message ID of the one entry it is handed. */
static int
outbox_id_cb(const struct store_outbox *o, void *arg)
{
	char	**msgid = arg;

	assert_null(*msgid);
	assert_non_null(o->message_id);
	*msgid = strdup(o->message_id);
	return 0;
}

static void
test_outbox(void **unused)
{
	struct store		*st;
	struct store_outbox	 o, o2;
	struct smerr		 e;
	char			*got;
	int64_t			 id, id2;
	int			 n;
	char			*d = tmpdir();

	(void)unused;
	st = open_key1(d, &e);
	mkoutbox(&o, "<1@example.test>");
	assert_int_equal(store_outbox_add(st, &o, &id, &e), 0);
	assert_int_equal(store_outbox_fail(st, id, "550 no such user", &e), 0);
	n = 0;
	assert_int_equal(store_outbox_foreach(st, outbox_cb, &n, &e), 0);
	assert_int_equal(n, 1);
	/* One entry by its id, among others. */
	mkoutbox(&o2, "<2@example.test>");
	assert_int_equal(store_outbox_add(st, &o2, &id2, &e), 0);
	got = NULL;
	assert_int_equal(store_outbox_get(st, id2, outbox_id_cb, &got, &e), 0);
	assert_non_null(got);
	assert_string_equal(got, "<2@example.test>");
	free(got);
	got = NULL;
	assert_int_equal(store_outbox_get(st, id2 + 100, outbox_id_cb, &got,
	    &e), 0);
	assert_null(got);
	assert_int_equal(store_outbox_delete(st, id2, &e), 0);
	assert_int_equal(store_outbox_sent(st, id, 0, &e), 0);
	smerr_clear(&e);
	assert_int_equal(store_outbox_add(st, &o, NULL, &e), SMERR_EXISTS);
	n = 0;
	assert_int_equal(store_outbox_foreach(st, outbox_cb, &n, &e), 0);
	assert_int_equal(n, 1);		/* sent, not yet appended */
	assert_int_equal(store_outbox_sent(st, id, 1, &e), 0);
	n = 0;
	assert_int_equal(store_outbox_foreach(st, outbox_cb, &n, &e), 0);
	assert_int_equal(n, 0);
	got = NULL;		/* sent and appended: done with */
	assert_int_equal(store_outbox_get(st, id, outbox_id_cb, &got, &e), 0);
	assert_null(got);
	store_close(st);
	rmdir_all(d);
}

/*
 * Message id's text is want, loaded whole, with its body or without; and
 * loaded without its text, it has none, with or without its body.
 */
static void
load_text(struct store *st, int64_t id, const char *want)
{
	struct store_msg	*lm;
	struct smerr		 e;
	int			 what;

	smerr_clear(&e);
	assert_int_equal(store_msg_load(st, id, &lm, &e), 0);
	assert_non_null(lm->text);
	assert_string_equal(lm->text, want);
	assert_non_null(lm->body);
	store_msg_free(lm);
	for (what = 0; what < 4; what++) {
		assert_int_equal(store_msg_load_some(st, id, what, &lm, &e),
		    0);
		if (what & STORE_LOAD_TEXT)
			assert_string_equal(lm->text, want);
		else
			assert_null(lm->text);
		if (what & STORE_LOAD_BODY)
			assert_non_null(lm->body);
		else
			assert_null(lm->body);
		assert_int_equal(lm->id, id);
		store_msg_free(lm);
	}
}

/* Stores body with text as message uid: its id, text_at and text_len. */
static int64_t
add_text(struct store *st, int64_t folder, uint32_t uid, const char *body,
    const char *text, int64_t *at, int64_t *len)
{
	struct store_msg	 m;
	struct smerr		 e;
	int64_t			 id;
	char			 q[128];

	smerr_clear(&e);
	mkmsg(&m, folder, uid, text, "d");
	m.body = (const uint8_t *)body;
	m.body_len = strlen(body);
	assert_int_equal(store_msg_add(st, &m, &id, &e), 0);
	load_text(st, id, text);
	snprintf(q, sizeof(q), "SELECT coalesce(text_at, -1) FROM "
	    "message_content WHERE id = %lld;", (long long)id);
	*at = one_int(st, q);
	snprintf(q, sizeof(q), "SELECT coalesce(text_len, -1) FROM "
	    "message_content WHERE id = %lld;", (long long)id);
	*len = one_int(st, q);
	return id;
}

/*
 * A text that is its body after the header (CRLF as LF), or the first
 * bytes of it, is kept once, inside the body; any other is kept as it is. Readers, search, expunge
 * and a re-decrypted update see the same text either way.
 */
static void
test_text_in_body(void **unused)
{
	static const char	body1[] = "Subject: a\r\nFrom: b@example.test\r\n"
	    "\r\nfirst line\r\nsecond okapiword line\r\n";
	static const char	text1[] = "first line\nsecond okapiword line\n";
	static const char	body2[] = "Subject: b\n\nplain LF quaggaword\n";
	static const char	text2[] = "plain LF quaggaword\n";
	static const char	body3[] = "Subject: c\r\n\r\nraw =E9 tapirword\r\n";
	static const char	text3[] = "raw \xc3\xa9 tapirword\n";
	struct store		*st;
	struct store_msg	 m, *lm;
	struct smerr		 e;
	int64_t			 inbox, id2, id3, id5, at, len;
	size_t			 done, left;
	char			*d = tmpdir(), q[128];

	(void)unused;
	st = open_inbox(d, &inbox, &e);
	add_text(st, inbox, 1, body1, text1, &at, &len);
	assert_int_equal(at, (int64_t)(strstr(body1, "first") - body1));
	id2 = add_text(st, inbox, 2, body2, text2, &at, &len);
	assert_int_equal(at, (int64_t)(strstr(body2, "plain") - body2));
	/* Decoded text differs from the body: kept apart. */
	id3 = add_text(st, inbox, 3, body3, text3, &at, &len);
	assert_int_equal(at, -1);
	/* A text one byte short of the body: its first bytes. */
	add_text(st, inbox, 4, body1, "first line\nsecond okapiword line",
	    &at, &len);
	assert_int_equal(len, 33);
	/* A CR alone stays, read with or without the body. */
	id5 = add_text(st, inbox, 5,
	    "Subject: d\r\n\r\nlone\rcr\r\nend\r\r\n", "lone\rcr\nend\r\n",
	    &at, &len);
	assert_true(at > 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM message_content "
	    "WHERE text IS NULL AND text_at IS NOT NULL;"), 4);

	assert_int_equal(store_index(st, 0, &done, &left, &e), 0);
	assert_int_equal(done, 5);
	assert_int_equal(hits(st, "okapiword"), 2);
	assert_int_equal(hits(st, "quaggaword"), 1);
	assert_int_equal(hits(st, "tapirword"), 1);
	fts_intact(st);

	/* Expunged: its words leave the index with it. */
	assert_int_equal(store_msg_delete(st, id2, &e), 0);
	assert_int_equal(hits(st, "quaggaword"), 0);
	/* Updated (decrypted later): the new text replaces the old words. */
	mkmsg(&m, inbox, 3, "Subject: c\r\n\r\nnow zebuword\r\n", "t3");
	m.text = "now zebuword\n";
	assert_int_equal(store_msg_update(st, id3, &m, &e), 0);
	load_text(st, id3, "now zebuword\n");
	assert_int_equal(store_index(st, 0, &done, &left, &e), 0);
	assert_int_equal(hits(st, "tapirword"), 0);
	assert_int_equal(hits(st, "zebuword"), 1);
	fts_intact(st);
	assert_int_equal(store_check(st, &e), 0);
	/* A body gone from under its text: no text, as SQL gives it. */
	snprintf(q, sizeof(q), "UPDATE message_content SET body = NULL "
	    "WHERE id = %lld;", (long long)id5);
	exec_ok(st, q);
	assert_int_equal(store_msg_load_some(st, id5, STORE_LOAD_TEXT, &lm,
	    &e), 0);
	assert_null(lm->text);
	store_msg_free(lm);
	store_close(st);
	assert_int_equal(grep_dir(d, "okapiword"), 0);
	rmdir_all(d);
}

/*
 * The text of a signed message (or of a decrypted one, whose body is the
 * signed entity) is its text part's body: kept there once, as a slice of
 * the body, read back and searched as it was given. A text that is not
 * those bytes, or only after too many empty lines, is kept as it is.
 */
/*
 * Renumbered: every message unbound, the folder's UIDVALIDITY kept until
 * the caller records the new one; what did not bind again is listed.
 */
static void
test_unbound(void **unused)
{
	struct store		*st;
	struct store_msg	 m;
	struct store_folder	 f;
	struct smerr		 e;
	struct ids		 ids;
	int64_t			 inbox, id1, id2, n;
	char			*d = tmpdir();

	(void)unused;
	memset(&ids, 0, sizeof(ids));
	st = open_inbox(d, &inbox, &e);
	assert_int_equal(store_folder_set_state(st, inbox, 77, 3, 9, &e), 0);
	mkmsg(&m, inbox, 1, "the first", "d1");
	assert_int_equal(store_msg_add(st, &m, &id1, &e), 0);
	mkmsg(&m, inbox, 2, "the second", "d2");
	assert_int_equal(store_msg_add(st, &m, &id2, &e), 0);
	assert_int_equal(store_folder_reset(st, inbox, &e), 0);
	assert_int_equal(store_folder_get(st, inbox, &f, &e), 0);
	assert_int_equal(f.uidvalidity, 77);
	assert_int_equal(f.uidnext, 0);
	assert_int_equal(f.highestmodseq, 0);
	mkmsg(&m, inbox, 10, "the first", "d1");
	assert_int_equal(store_msg_add(st, &m, &n, &e), 0);
	assert_int_equal(n, id1);
	assert_int_equal(store_msg_foreach_unbound(st, inbox, id_only_cb, &ids,
	    &e), 0);
	assert_int_equal(ids.n, 1);
	assert_int_equal(ids.v[0], id2);
	store_close(st);
	rmdir_all(d);
}

static void
test_text_in_part(void **unused)
{
	static const char	signd[] = "From: a@example.test\r\n"
	    "Content-Type: multipart/signed; boundary=\"b\"\r\n\r\n"
	    "This is an S/MIME signed message\r\n\r\n--b\r\n"
	    "Content-Type: text/plain\r\n\r\nsigned dikdikword\r\n"
	    "second\rline\r\n\r\n--b\r\nContent-Type: application/"
	    "pkcs7-signature\r\n\r\nMIIB\r\n--b--\r\n";
	static const char	text[] = "signed dikdikword\nsecond\rline\n";
	static const char	many[] = "A: b\r\n\r\n1\r\n\r\n2\r\n\r\n"
	    "3\r\n\r\n4\r\n\r\n5\r\n\r\n6\r\n\r\n7\r\n\r\n8\r\n\r\n"
	    "late elandword\r\n";
	struct store		*st;
	struct smerr		 e;
	struct store_queued	 q;
	struct ids		 ids;
	int64_t			 inbox, arch, id, copy, at, len;
	size_t			 done, left;
	char			*d = tmpdir();

	(void)unused;
	memset(&ids, 0, sizeof(ids));
	st = open_inbox(d, &inbox, &e);
	id = add_text(st, inbox, 1, signd, text, &at, &len);
	assert_int_equal(at, (int64_t)(strstr(signd, "signed dik") - signd));
	assert_int_equal(len, 32);
	/* A copy keeps where its text is. */
	assert_int_equal(store_folder_open(st, "work", "Archive", &arch, &e),
	    0);
	assert_int_equal(store_msg_move(st, id, arch, 1, &copy, &e), 0);
	load_text(st, copy, text);
	/* Unbound there, and not dropped as such once its copy is queued. */
	assert_int_equal(store_msg_foreach_unbound(st, arch, id_only_cb, &ids,
	    &e), 0);
	assert_int_equal(ids.n, 1);
	memset(&q, 0, sizeof(q));
	q.account = "work";
	q.folder = "INBOX";
	q.uid = 1;
	q.dest = "Archive";
	q.copy = 1;
	q.message = copy;
	assert_int_equal(store_queue_add(st, &q, &e), 0);
	memset(&ids, 0, sizeof(ids));
	assert_int_equal(store_msg_foreach_unbound(st, arch, id_only_cb, &ids,
	    &e), 0);
	assert_int_equal(ids.n, 0);
	/* Not the part's bytes (a CR where the text has none): kept. */
	add_text(st, inbox, 2, signd, "signed dikdikword\nsecond\nline\n",
	    &at, &len);
	assert_int_equal(at, -1);
	/* Longer than the part: its bytes run on into the boundary. */
	add_text(st, inbox, 3, signd, "This is an S/MIME signed message\n\n"
	    "--b\nContent-Type: text/plain\n\nsigned", &at, &len);
	assert_int_equal(at, 70);
	/* After the eighth empty line: not looked for. */
	add_text(st, inbox, 4, many, "late elandword\n", &at, &len);
	assert_int_equal(at, -1);
	add_text(st, inbox, 5, many, "8\n\nlate elandword\n", &at, &len);
	assert_int_equal(len, -1);
	add_text(st, inbox, 6, many, "", &at, &len);
	assert_int_equal(at, -1);
	assert_int_equal(store_index(st, 0, &done, &left, &e), 0);
	assert_int_equal(hits(st, "dikdikword"), 3);
	assert_int_equal(hits(st, "elandword"), 2);
	fts_intact(st);
	store_close(st);
	assert_int_equal(grep_dir(d, "dikdikword"), 0);
	rmdir_all(d);
}

/* The id of a process that has ended. */
static pid_t
dead_pid(void)
{
	pid_t	pid;

	if ((pid = fork()) == 0)
		_exit(0);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

static int
state_cb(const struct store_outbox *o, void *arg)
{
	char	*state = arg;

	snprintf(state, 32, "%s", o->state);
	return 1;
}

static const char *
ob_state(struct store *st)
{
	static char	 state[32];
	struct smerr	 e;

	state[0] = '\0';
	smerr_clear(&e);
	assert_int_equal(store_outbox_foreach(st, state_cb, state, &e), 0);
	return state;
}

/* Two copies of msgid (o, the second) queued together, into ids. */
static void
mkpair(struct store *st, struct store_outbox *o, const char *msgid,
    int64_t ids[2])
{
	struct smerr	e;

	smerr_clear(&e);
	mkoutbox(o, msgid);
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(store_outbox_add(st, o, &ids[0], &e), 0);
	o->copy = 1;
	assert_int_equal(store_outbox_add(st, o, &ids[1], &e), 0);
	assert_int_equal(store_commit(st, &e), 0);
}

/* Sets entry id's state and claim, start NULL or an SQL literal. */
static void
set_claim(struct store *st, int64_t id, const char *state, long pid,
    const char *start)
{
	char	sql[256];

	snprintf(sql, sizeof(sql), "UPDATE outbox SET state = '%s', "
	    "claim_pid = %ld, claim_start = %s WHERE id = %lld;", state, pid,
	    start != NULL ? start : "NULL", (long long)id);
	exec_ok(st, sql);
}

/*
 * A claim is held by the process that made it, not by another that has
 * its number later (after a restart of the machine): a live process
 * whose start is not the claim's does not keep the entry sending, nor
 * its copy to Sent, and it may be sent again by force or deleted. A
 * claim that keeps no start (made by an older sealmail) is judged by its
 * number alone.
 */
static void
test_outbox_claim_reused(void **unused)
{
	struct store		*st;
	struct store_outbox	 o;
	struct smerr		 e;
	int64_t			 id;
	char			*d = tmpdir(), ident[PROC_IDENT_LEN];
	char			 mine[PROC_IDENT_LEN], lit[PROC_IDENT_LEN + 64];
	pid_t			 pid;

	(void)unused;
	st = open_key1(d, &e);
	mkoutbox(&o, "<reused@example.test>");
	assert_int_equal(store_outbox_add(st, &o, &id, &e), 0);
	pid = unit_idle_child();
	assert_int_equal(proc_ident((long)pid, ident, sizeof(ident)), 0);
	assert_int_equal(proc_ident((long)getpid(), mine, sizeof(mine)), 0);

	/* Claimed by the live process, as it is now: sending. */
	snprintf(lit, sizeof(lit), "'%s'", ident);
	set_claim(st, id, "sending", (long)pid, lit);
	assert_string_equal(ob_state(st), STORE_OB_SENDING);
	assert_int_equal(store_outbox_claim(st, id, 1, &e), SMERR_EXISTS);
	smerr_clear(&e);
	assert_int_equal(store_outbox_delete(st, id, &e), SMERR_EXISTS);
	smerr_clear(&e);
	/* No start kept: its number alone says. */
	set_claim(st, id, "sending", (long)pid, NULL);
	assert_string_equal(ob_state(st), STORE_OB_SENDING);

	/* Its number, another start: an earlier process's, in doubt. */
	set_claim(st, id, "sending", (long)pid, "'x/1'");
	assert_string_equal(ob_state(st), STORE_OB_INDOUBT);
	assert_int_equal(store_outbox_claim(st, id, 0, &e), SMERR_EXISTS);
	assert_non_null(strstr(smerr_msg(&e), "in doubt"));
	smerr_clear(&e);
	assert_int_equal(store_outbox_claim(st, id, 1, &e), 0);
	assert_string_equal(ob_state(st), STORE_OB_SENDING);
	snprintf(lit, sizeof(lit), "SELECT claim_start = '%s' FROM outbox;",
	    mine);
	assert_int_equal(one_int(st, lit), 1);
	assert_int_equal(store_outbox_data(st, id, &e), 0);
	assert_int_equal(store_outbox_release(st, id, 0, "4xx", &e), 0);
	/* Before the message data: queued. This process's number too. */
	set_claim(st, id, "claimed", (long)pid, "'x/1'");
	assert_string_equal(ob_state(st), STORE_OB_QUEUED);
	set_claim(st, id, "claimed", (long)getpid(), "'x/1'");
	assert_string_equal(ob_state(st), STORE_OB_QUEUED);
	assert_int_equal(store_outbox_claim(st, id, 0, &e), 0);

	/* Sent: the copy to Sent is free to make. */
	assert_int_equal(store_outbox_sent(st, id, 0, &e), 0);
	snprintf(lit, sizeof(lit), "'%s'", ident);
	set_claim(st, id, "sent", (long)pid, lit);
	assert_int_equal(store_outbox_claim_append(st, id, &e), SMERR_EXISTS);
	smerr_clear(&e);
	set_claim(st, id, "sent", (long)pid, "'x/1'");
	assert_int_equal(store_outbox_claim_append(st, id, &e), 0);
	assert_int_equal(store_outbox_sent(st, id, 1, &e), 0);

	/* A queued entry claimed so is deleted as well. */
	o.message_id = "<reused2@example.test>";
	assert_int_equal(store_outbox_add(st, &o, &id, &e), 0);
	set_claim(st, id, "sending", (long)pid, "'x/1'");
	assert_int_equal(store_outbox_delete(st, id, &e), 0);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	store_close(st);
	rmdir_all(d);
}

/*
 * The copies of one message are claimed together or not at all: one in
 * doubt keeps the other queued, unless forced.
 */
static void
test_outbox_claim_all(void **unused)
{
	struct store		*st;
	struct store_outbox	 o;
	struct smerr		 e;
	int64_t			 ids[2];
	char			*d = tmpdir();

	(void)unused;
	st = open_key1(d, &e);
	mkpair(st, &o, "<all@example.test>", ids);
	assert_int_equal(store_outbox_claim(st, ids[1], 0, &e), 0);
	assert_int_equal(store_outbox_release(st, ids[1], 1, "cut off", &e),
	    0);
	assert_int_equal(store_outbox_claim_all(st, ids, 2, 0, &e),
	    SMERR_EXISTS);
	assert_non_null(strstr(smerr_msg(&e), "in doubt"));
	smerr_clear(&e);
	/* The first was not left claimed. */
	assert_int_equal(store_outbox_claim(st, ids[0], 0, &e), 0);
	assert_int_equal(store_outbox_release(st, ids[0], 0, "4xx", &e), 0);
	assert_int_equal(store_outbox_claim_all(st, ids, 2, 1, &e), 0);
	assert_int_equal(store_outbox_claim(st, ids[0], 1, &e), SMERR_EXISTS);
	smerr_clear(&e);
	assert_int_equal(store_outbox_claim(st, ids[1], 1, &e), SMERR_EXISTS);
	store_close(st);
	rmdir_all(d);
}

/* Whether this process's note (store_outbox_accepted) of id is in d. */
static int
note_there(const char *d, int64_t id)
{
	struct stat	sb;
	char		path[512];

	snprintf(path, sizeof(path), "%s/" STORE_DB_NAME "-accepted-%lld-%ld",
	    d, (long long)id, (long)getpid());
	return stat(path, &sb) == 0;
}

/*
 * The server took an entry the database could not record: the note kept
 * beside it makes the next reader record it as sent (the first copy still
 * to be copied to Sent, another not), so that no claim sends it again; a
 * note of an entry claimed again since only goes.
 */
static void
test_outbox_accepted(void **unused)
{
	struct store		*st;
	struct store_outbox	 o;
	struct smerr		 e;
	int64_t			 ids[2], id3;
	char			*d = tmpdir(), sql[128];

	(void)unused;
	st = open_key1(d, &e);
	mkpair(st, &o, "<taken@example.test>", ids);
	assert_int_equal(store_outbox_claim_all(st, ids, 2, 0, &e), 0);
	assert_int_equal(store_outbox_data(st, ids[0], &e), 0);
	assert_int_equal(store_outbox_data(st, ids[1], &e), 0);
	assert_int_equal(store_outbox_accepted(st, ids[0], &e), 0);
	assert_int_equal(store_outbox_accepted(st, ids[1], &e), 0);
	assert_true(note_there(d, ids[0]) && note_there(d, ids[1]));
	/* Read: recorded, the first copy waiting for Sent, the notes gone. */
	assert_string_equal(ob_state(st), "sent");
	assert_false(note_there(d, ids[0]) || note_there(d, ids[1]));
	assert_int_equal(store_outbox_claim_append(st, ids[0], &e), 0);
	assert_int_equal(store_outbox_claim_append(st, ids[1], &e),
	    SMERR_NOTFOUND);
	smerr_clear(&e);
	assert_int_equal(store_outbox_claim(st, ids[0], 1, &e), SMERR_EXISTS);
	assert_non_null(strstr(smerr_msg(&e), "already sent"));
	smerr_clear(&e);
	assert_int_equal(store_outbox_sent(st, ids[0], 1, &e), 0);
	assert_string_equal(ob_state(st), "");

	/* Noted, then claimed by another process: the note only goes. */
	o.copy = 0;
	o.message_id = "<again@example.test>";
	assert_int_equal(store_outbox_add(st, &o, &id3, &e), 0);
	assert_int_equal(store_outbox_claim(st, id3, 0, &e), 0);
	assert_int_equal(store_outbox_accepted(st, id3, &e), 0);
	snprintf(sql, sizeof(sql), "UPDATE outbox SET claim_pid = %ld WHERE "
	    "id = %lld;", (long)getpid() + 1, (long long)id3);
	exec_ok(st, sql);
	assert_int_equal(store_outbox_settle(st, &e), 0);
	assert_false(note_there(d, id3));
	assert_string_not_equal(ob_state(st), "sent");
	/* A claim reads the notes first too. */
	exec_ok(st, "UPDATE outbox SET claim_pid = NULL, state = 'queued';");
	assert_int_equal(store_outbox_claim(st, id3, 0, &e), 0);
	assert_int_equal(store_outbox_accepted(st, id3, &e), 0);
	assert_int_equal(store_outbox_claim(st, id3, 1, &e), SMERR_EXISTS);
	assert_non_null(strstr(smerr_msg(&e), "already sent"));
	store_close(st);
	rmdir_all(d);
}

/*
 * An entry is claimed once; a claim cut off after the data began, or by
 * a process that died, is in doubt and claimed again only by force; the
 * copies of one message are distinct entries, and a second queueing of a
 * Message-ID is refused.
 */
static void
test_outbox_claim(void **unused)
{
	struct store		*st;
	struct store_outbox	 o;
	struct smerr		 e;
	int64_t			 id, id2;
	char			*d = tmpdir(), sql[128];
	pid_t			 pid;

	(void)unused;
	st = open_key1(d, &e);
	mkoutbox(&o, "<2@example.test>");
	o.source = (const uint8_t *)"Subject: x\n\nhello\n";
	o.source_len = strlen((const char *)o.source);
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(store_outbox_add(st, &o, &id, &e), 0);
	o.copy = 1;				/* a Bcc recipient's copy */
	assert_int_equal(store_outbox_add(st, &o, &id2, &e), 0);
	assert_int_equal(store_commit(st, &e), 0);
	o.copy = 0;
	assert_int_equal(store_outbox_add(st, &o, NULL, &e), SMERR_EXISTS);
	assert_non_null(strstr(smerr_msg(&e), "already in the outbox"));
	smerr_clear(&e);
	assert_int_equal(store_outbox_check_new(st, o.message_id, &e),
	    SMERR_EXISTS);
	smerr_clear(&e);
	assert_string_equal(ob_state(st), STORE_OB_QUEUED);

	assert_int_equal(store_outbox_claim(st, id, 0, &e), 0);
	assert_string_equal(ob_state(st), STORE_OB_SENDING);
	assert_int_equal(store_outbox_claim(st, id, 0, &e), SMERR_EXISTS);
	assert_int_equal(store_outbox_claim(st, id, 1, &e), SMERR_EXISTS);
	assert_int_equal(store_outbox_delete(st, id, &e), SMERR_EXISTS);
	smerr_clear(&e);
	assert_int_equal(store_outbox_release(st, id, 1, "cut off", &e), 0);
	assert_string_equal(ob_state(st), STORE_OB_INDOUBT);
	assert_int_equal(store_outbox_claim(st, id, 0, &e), SMERR_EXISTS);
	assert_non_null(strstr(smerr_msg(&e), "in doubt"));
	smerr_clear(&e);
	assert_int_equal(store_outbox_claim(st, id, 1, &e), 0);
	assert_int_equal(store_outbox_release(st, id, 0, "4xx", &e), 0);
	assert_string_equal(ob_state(st), STORE_OB_QUEUED);

	/* The data about to go: in doubt should this process die now. */
	assert_int_equal(store_outbox_claim(st, id, 0, &e), 0);
	assert_int_equal(store_outbox_data(st, id, &e), 0);
	assert_string_equal(ob_state(st), STORE_OB_SENDING);
	assert_int_equal(store_outbox_data(st, id, &e), SMERR_NOTFOUND);
	smerr_clear(&e);
	assert_int_equal(store_outbox_release(st, id, 0, "4xx", &e), 0);

	/* A claim whose process died before the message data: queued. */
	pid = dead_pid();
	snprintf(sql, sizeof(sql), "UPDATE outbox SET state = 'claimed', "
	    "claim_pid = %ld WHERE id = %lld;", (long)pid, (long long)id);
	exec_ok(st, sql);
	assert_string_equal(ob_state(st), STORE_OB_QUEUED);
	assert_int_equal(store_outbox_claim(st, id, 0, &e), 0);
	assert_int_equal(store_outbox_release(st, id, 0, "killed", &e), 0);

	/* After the message data began it reads as in doubt. */
	snprintf(sql, sizeof(sql), "UPDATE outbox SET state = 'sending', "
	    "claim_pid = %ld WHERE id = %lld;", (long)pid, (long long)id);
	exec_ok(st, sql);
	assert_string_equal(ob_state(st), STORE_OB_INDOUBT);
	assert_int_equal(store_outbox_claim(st, id, 0, &e), SMERR_EXISTS);
	smerr_clear(&e);
	assert_int_equal(store_outbox_delete(st, id, &e), 0);
	assert_int_equal(store_outbox_claim(st, id, 1, &e), SMERR_NOTFOUND);
	smerr_clear(&e);
	assert_int_equal(store_outbox_claim(st, id2, 0, &e), 0);
	/* Sent; its copy to Sent is this process's until it is made. */
	assert_int_equal(store_outbox_sent(st, id2, 0, &e), 0);
	assert_int_equal(store_outbox_claim_append(st, id2, &e), 0);
	snprintf(sql, sizeof(sql), "UPDATE outbox SET claim_pid = %ld, "
	    "claim_start = NULL WHERE id = %lld;", (long)getppid(),
	    (long long)id2);
	exec_ok(st, sql);
	assert_int_equal(store_outbox_claim_append(st, id2, &e), SMERR_EXISTS);
	smerr_clear(&e);
	snprintf(sql, sizeof(sql), "UPDATE outbox SET claim_pid = %ld WHERE "
	    "id = %lld;", (long)pid, (long long)id2);
	exec_ok(st, sql);
	assert_int_equal(store_outbox_claim_append(st, id2, &e), 0);
	assert_int_equal(store_outbox_sent(st, id2, 1, &e), 0);
	assert_int_equal(store_outbox_claim_append(st, id2, &e),
	    SMERR_NOTFOUND);
	smerr_clear(&e);
	assert_int_equal(store_outbox_claim(st, id2, 1, &e), SMERR_EXISTS);
	smerr_clear(&e);
	o.copy = 0;
	assert_int_equal(store_outbox_add(st, &o, NULL, &e), SMERR_EXISTS);
	assert_non_null(strstr(smerr_msg(&e), "already sent"));
	store_close(st);
	rmdir_all(d);
}

static int
draft_count_cb(const struct store_draft *dr, void *arg)
{
	(void)dr;
	(*(int *)arg)++;
	return 0;
}

/*
 * Messages found by Message-ID: every one that has it, in any folder of
 * any account, oldest first; none for one no message has.
 */
static void
test_by_msgid(void **unused)
{
	struct store		*st;
	struct store_msg	 m;
	struct smerr		 e;
	struct ids		 ids;
	int64_t			 inbox, sent, id1, id2, id3;
	char			*d = tmpdir();

	(void)unused;
	st = open_inbox(d, &inbox, &e);
	assert_int_equal(store_folder_open(st, "home", "Sent", &sent, &e), 0);
	mkmsg(&m, inbox, 1, "the first", "m1");
	m.message_id = "<one@example.test>";
	assert_int_equal(store_msg_add(st, &m, &id1, &e), 0);
	mkmsg(&m, inbox, 2, "another", "m2");
	m.message_id = "<two@example.test>";
	assert_int_equal(store_msg_add(st, &m, &id2, &e), 0);
	mkmsg(&m, sent, 7, "the first, a copy", "m3");
	m.message_id = "<one@example.test>";
	assert_int_equal(store_msg_add(st, &m, &id3, &e), 0);
	memset(&ids, 0, sizeof(ids));
	assert_int_equal(store_msg_foreach_msgid(st, "<one@example.test>",
	    ids_cb, &ids, &e), 0);
	assert_int_equal(ids.n, 2);
	assert_int_equal(ids.v[0], id1);
	assert_int_equal(ids.v[1], id3);
	memset(&ids, 0, sizeof(ids));
	assert_int_equal(store_msg_foreach_msgid(st, "<two@example.test>",
	    ids_cb, &ids, &e), 0);
	assert_int_equal(ids.n, 1);
	assert_int_equal(ids.v[0], id2);
	memset(&ids, 0, sizeof(ids));
	assert_int_equal(store_msg_foreach_msgid(st, "<none@example.test>",
	    ids_cb, &ids, &e), 0);
	assert_int_equal(ids.n, 0);
	store_close(st);
	rmdir_all(d);
}

static void
test_drafts(void **unused)
{
	struct store	*st;
	struct smerr	 e;
	struct buf	*b = NULL;
	int64_t		 id = 0, id2 = 0, again;
	int		 n = 0;
	char		*d = tmpdir();

	(void)unused;
	st = open_key1(d, &e);
	assert_int_equal(store_draft_put(st, &id, NULL, "", 0, NULL, &e),
	    SMERR_INVAL);
	smerr_clear(&e);
	assert_int_equal(store_draft_put(st, &id, NULL, "To: a\n\none\n", 11,
	    "postponed", &e), 0);
	assert_true(id > 0);
	assert_int_equal(store_draft_put(st, &id2, "work", "two", 3, NULL,
	    &e), 0);
	assert_true(id2 != id);
	/* Kept under its id when written again. */
	assert_int_equal(store_draft_put(st, &id, NULL, "To: a\n\nthree\n",
	    13, "no certificate", &e), 0);
	assert_int_equal(store_draft_get(st, id, &b, &e), 0);
	assert_int_equal(buf_len(b), 13);
	assert_memory_equal(buf_data(b), "To: a\n\nthree\n", 13);
	buf_free(b);
	assert_int_equal(store_draft_foreach(st, 0, draft_count_cb, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_draft_delete(st, id, &e), 0);
	assert_int_equal(store_draft_delete(st, id, &e), SMERR_NOTFOUND);
	smerr_clear(&e);
	assert_int_equal(store_draft_get(st, id, &b, &e), SMERR_NOTFOUND);
	assert_null(b);
	smerr_clear(&e);
	/*
	 * Gone (queued or sent by another process): writing it again under
	 * its id is refused, and it does not come back.
	 */
	again = id;
	assert_int_equal(store_draft_put(st, &again, NULL, "To: a\n\nfour\n",
	    12, "no draft", &e), SMERR_NOTFOUND);
	assert_int_equal(again, id);
	smerr_clear(&e);
	assert_int_equal(store_draft_get(st, id, &b, &e), SMERR_NOTFOUND);
	assert_null(b);
	n = 0;
	assert_int_equal(store_draft_foreach(st, 0, draft_count_cb, &n, &e), 0);
	assert_int_equal(n, 1);
	/* Nor is an id given to a new draft, though it was the highest. */
	assert_true(id2 > id);
	assert_int_equal(store_draft_delete(st, id2, &e), 0);
	again = 0;
	assert_int_equal(store_draft_put(st, &again, NULL, "five", 4, NULL,
	    &e), 0);
	assert_true(again > id2);
	store_close(st);
	rmdir_all(d);
}

/*
 * A draft's sign and encrypt choice: none for a draft saved without one,
 * each of the six read back as kept, outliving the draft's text written
 * again, and gone with the draft; a new draft has none, and none is
 * kept for a draft that does not exist.
 */
static void
test_draft_choice(void **unused)
{
	struct store	*st;
	struct smerr	 e;
	int64_t		 id = 0, other = 0;
	int		 sign, enc, s, x;
	char		*d = tmpdir();

	(void)unused;
	st = open_key1(d, &e);
	assert_int_equal(store_draft_put(st, &id, NULL, "To: a\n\none\n", 11,
	    NULL, &e), 0);
	assert_int_equal(store_draft_choice_get(st, id, &sign, &enc, &e),
	    SMERR_NOTFOUND);
	smerr_clear(&e);
	for (s = 0; s <= 1; s++)
		for (x = -1; x <= 1; x++) {
			assert_int_equal(store_draft_choice_put(st, id, s, x,
			    &e), 0);
			assert_int_equal(store_draft_choice_get(st, id, &sign,
			    &enc, &e), 0);
			assert_int_equal(sign, s);
			assert_int_equal(enc, x);
		}
	assert_int_equal(store_draft_choice_put(st, id, 0, -1, &e), 0);
	assert_int_equal(store_draft_put(st, &id, NULL, "To: a\n\ntwo\n", 11,
	    NULL, &e), 0);
	assert_int_equal(store_draft_choice_get(st, id, &sign, &enc, &e), 0);
	assert_int_equal(sign, 0);
	assert_int_equal(enc, -1);
	assert_int_equal(store_draft_delete(st, id, &e), 0);
	assert_int_equal(store_draft_choice_get(st, id, &sign, &enc, &e),
	    SMERR_NOTFOUND);
	smerr_clear(&e);
	assert_int_equal(store_draft_put(st, &other, NULL, "x", 1, NULL, &e),
	    0);
	assert_true(other > id);		/* the id is not used again */
	assert_int_equal(store_draft_choice_get(st, other, &sign, &enc, &e),
	    SMERR_NOTFOUND);
	smerr_clear(&e);
	assert_int_equal(store_draft_choice_put(st, other + 1, 1, 1, &e), 0);
	assert_int_equal(store_draft_choice_get(st, other + 1, &sign, &enc,
	    &e), SMERR_NOTFOUND);
	store_close(st);
	rmdir_all(d);
}

struct files_seen {
	int	n;
	char	names[64];
	size_t	bytes;
};

static int
draft_files_cb(const struct store_draft_file *f, void *arg)
{
	struct files_seen	*fs = arg;
	size_t			 n = strlen(fs->names);

	fs->n++;
	snprintf(fs->names + n, sizeof(fs->names) - n, "%s:%s ", f->name,
	    f->type);
	fs->bytes += f->len;
	return 0;
}

static int
draft_nfiles_cb(const struct store_draft *dr, void *arg)
{
	*(size_t *)arg = dr->nfiles;
	return 0;
}

/*
 * Files kept with a draft: in the order attached, with name, type and
 * bytes (binary, and an empty one), counted in the draft's listing,
 * detached one at a time, gone with the draft, and never in clear; those
 * of a queued message move to a draft.
 */
static void
test_draft_files(void **unused)
{
	static const uint8_t	 bin[] = { 0, 0xff, 'D', 'F', 'X', 0, 7 };
	struct store_draft_file	 f;
	struct files_seen	 fs;
	struct store		*st;
	struct smerr		 e;
	int64_t			 id = 0, other = 0, s1, s2;
	size_t			 nf = 99;
	char			*d = tmpdir();
	char			 secret[] = "draftfilesecretword";

	(void)unused;
	st = open_key1(d, &e);
	assert_int_equal(store_draft_put(st, &id, NULL, "To: a\n\nx\n", 10,
	    "postponed", &e), 0);
	assert_int_equal(store_draft_put(st, &other, NULL, "y", 1, NULL, &e),
	    0);
	memset(&f, 0, sizeof(f));
	f.name = "a.bin";
	f.type = "application/octet-stream";
	f.data = bin;
	f.len = sizeof(bin);
	assert_int_equal(store_draft_file_add(st, id, &f, &e), 0);
	s1 = f.seq;
	f.name = "empty.txt";
	f.type = "text/plain";
	f.data = NULL;
	f.len = 0;
	assert_int_equal(store_draft_file_add(st, id, &f, &e), 0);
	s2 = f.seq;
	assert_true(s2 > s1);
	f.name = "s.txt";
	f.data = (const uint8_t *)secret;
	f.len = strlen(secret);
	assert_int_equal(store_draft_file_add(st, other, &f, &e), 0);
	f.name = NULL;
	assert_int_equal(store_draft_file_add(st, id, &f, &e), SMERR_INVAL);
	smerr_clear(&e);

	memset(&fs, 0, sizeof(fs));
	assert_int_equal(store_draft_file_foreach(st, id, draft_files_cb,
	    &fs, &e), 0);
	assert_int_equal(fs.n, 2);
	assert_string_equal(fs.names,
	    "a.bin:application/octet-stream empty.txt:text/plain ");
	assert_int_equal(fs.bytes, sizeof(bin));
	assert_int_equal(store_draft_foreach(st, id, draft_nfiles_cb, &nf,
	    &e), 0);
	assert_int_equal(nf, 2);
	/* Written again, the draft keeps its files. */
	assert_int_equal(store_draft_put(st, &id, NULL, "To: b\n\nx\n", 10,
	    "postponed", &e), 0);
	assert_int_equal(store_draft_foreach(st, id, draft_nfiles_cb, &nf,
	    &e), 0);
	assert_int_equal(nf, 2);
	assert_int_equal(store_draft_file_delete(st, id, s1, &e), 0);
	memset(&fs, 0, sizeof(fs));
	assert_int_equal(store_draft_file_foreach(st, id, draft_files_cb,
	    &fs, &e), 0);
	assert_string_equal(fs.names, "empty.txt:text/plain ");
	/* Gone with its draft; the other draft's file stays. */
	assert_int_equal(store_draft_delete(st, id, &e), 0);
	memset(&fs, 0, sizeof(fs));
	assert_int_equal(store_draft_file_foreach(st, id, draft_files_cb,
	    &fs, &e), 0);
	assert_int_equal(fs.n, 0);
	memset(&fs, 0, sizeof(fs));
	assert_int_equal(store_draft_file_foreach(st, other, draft_files_cb,
	    &fs, &e), 0);
	assert_int_equal(fs.n, 1);
	/* A queued message's files become a draft's again, once. */
	f.name = "q.bin";
	f.type = "application/octet-stream";
	f.data = bin;
	f.len = sizeof(bin);
	assert_int_equal(store_outbox_file_add(st, 77, &f, &e), 0);
	assert_int_equal(store_outbox_files_to_draft(st, 77, other, &e), 0);
	assert_int_equal(store_outbox_files_to_draft(st, 77, other, &e), 0);
	memset(&fs, 0, sizeof(fs));
	assert_int_equal(store_draft_file_foreach(st, other, draft_files_cb,
	    &fs, &e), 0);
	assert_string_equal(fs.names,
	    "s.txt:text/plain q.bin:application/octet-stream ");
	assert_int_equal(store_outbox_file_add(st, 78, &f, &e), 0);
	assert_int_equal(store_outbox_files_drop(st, 78, &e), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox_file;"), 0);
	store_close(st);
	assert_int_equal(grep_dir(d, secret), 0);
	rmdir_all(d);
}

/*
 * Queues the copies of one message <msgid>: one for the To, one per
 * Bcc recipient, the text as written kept with each and a file with the
 * first, as send queues them; the ids go to ids[0..2].
 */
static void
mkcopies(struct store *st, const char *msgid, int64_t ids[3])
{
	static const char	*rcpt[3] = { "bob@example.test",
				    "carol@example.test", "dave@example.test" };
	static const char	 text[] = "To: bob@example.test\n"
				    "Bcc: carol@example.test, dave@example.test\n"
				    "Subject: three copies\n\nwords\n";
	struct store_draft_file	 f;
	struct store_outbox	 o;
	struct smerr		 e;
	int			 i;

	smerr_clear(&e);
	assert_int_equal(store_begin(st, &e), 0);
	for (i = 0; i < 3; i++) {
		mkoutbox(&o, msgid);
		o.account = "lab";
		o.recipients = rcpt[i];
		o.copy = i;
		o.source = (const uint8_t *)text;
		o.source_len = sizeof(text) - 1;
		assert_int_equal(store_outbox_add(st, &o, &ids[i], &e), 0);
	}
	memset(&f, 0, sizeof(f));
	f.name = "plan.pdf";
	f.type = "application/pdf";
	f.data = (const uint8_t *)"%PDF";
	f.len = 4;
	assert_int_equal(store_outbox_file_add(st, ids[0], &f, &e), 0);
	assert_int_equal(store_commit(st, &e), 0);
}

static int
copies_cb(const struct store_outbox *o, void *arg)
{
	char	*seen = arg;
	size_t	 n = strlen(seen);

	snprintf(seen + n, 128 - n, "%s%s ", o->recipients,
	    o->sent ? "(sent)" : "");
	return 0;
}

/* The draft taken back: its text as written and its files. */
static void
taken_back(struct store *st, int64_t draft, const char *files)
{
	struct files_seen	 fs;
	struct buf		*b;
	struct smerr		 e;

	smerr_clear(&e);
	assert_int_equal(store_draft_get(st, draft, &b, &e), 0);
	assert_non_null(strstr(buf_str(b), "Bcc: carol@example.test, "
	    "dave@example.test\n"));
	assert_non_null(strstr(buf_str(b), "\n\nwords\n"));
	buf_free(b);
	memset(&fs, 0, sizeof(fs));
	assert_int_equal(store_draft_file_foreach(st, draft, draft_files_cb,
	    &fs, &e), 0);
	assert_string_equal(fs.names, files);
}

/*
 * A message queued as copies is taken back whole from any copy: one
 * draft with its text and the files of every copy, every copy not sent
 * out of the outbox in the same transaction. A copy being sent, or (unless
 * asked) one sent or in doubt, keeps everything as it was.
 */
static void
test_outbox_copies(void **unused)
{
	struct store		*st;
	struct smerr		 e;
	char			 seen[128] = "";
	int64_t			 ids[3], draft, other[3];
	char			*d = tmpdir();

	(void)unused;
	st = open_key1(d, &e);
	smerr_clear(&e);
	assert_int_equal(store_outbox_copies(st, 1, copies_cb, seen, &e),
	    SMERR_NOTFOUND);
	mkcopies(st, "<g1@example.test>", ids);
	mkcopies(st, "<g2@example.test>", other);
	assert_int_equal(store_outbox_copies(st, ids[2], copies_cb, seen, &e),
	    0);
	assert_string_equal(seen, "bob@example.test carol@example.test "
	    "dave@example.test ");
	/* From a Bcc copy: the whole message, the file of the first copy. */
	assert_int_equal(store_outbox_take_back(st, ids[1], 0, "taken back",
	    &draft, &e), 0);
	assert_true(draft > 0);
	taken_back(st, draft, "plan.pdf:application/pdf ");
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox WHERE "
	    "message_id = '<g1@example.test>';"), 0);
	/* The other message is untouched. */
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox;"), 3);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox_file;"), 1);
	assert_int_equal(store_draft_delete(st, draft, &e), 0);

	/* A copy being sent: nothing changes. */
	assert_int_equal(store_outbox_claim(st, other[2], 0, &e), 0);
	assert_int_equal(store_outbox_take_back(st, other[0], 1, "x", &draft,
	    &e), SMERR_EXISTS);
	assert_int_equal(draft, 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox;"), 3);
	assert_int_equal(one_int(st, "SELECT count(*) FROM draft;"), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox_file;"), 1);
	/* In doubt: only when asked. */
	assert_int_equal(store_outbox_release(st, other[2], 1, "cut off", &e),
	    0);
	assert_int_equal(store_outbox_take_back(st, other[0], 0, "x", &draft,
	    &e), SMERR_EXISTS);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox;"), 3);
	/* The first copy sent: its file stays while the others wait. */
	assert_int_equal(store_outbox_sent(st, other[0], 0, &e), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox_file;"), 1);
	assert_int_equal(store_outbox_take_back(st, other[0], 1, "x", &draft,
	    &e), SMERR_NOTFOUND);
	assert_int_equal(store_outbox_take_back(st, other[1], 0, "x", &draft,
	    &e), SMERR_EXISTS);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox;"), 3);
	assert_int_equal(one_int(st, "SELECT count(*) FROM draft;"), 0);
	/* Asked: the rest, in doubt or not, with the file; the sent stays. */
	assert_int_equal(store_outbox_take_back(st, other[1], 1,
	    "already sent to bob@example.test", &draft, &e), 0);
	taken_back(st, draft, "plan.pdf:application/pdf ");
	seen[0] = '\0';
	assert_int_equal(store_outbox_copies(st, other[0], copies_cb, seen,
	    &e), 0);
	assert_string_equal(seen, "bob@example.test(sent) ");
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox_file;"), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM draft WHERE "
	    "reason = 'already sent to bob@example.test';"), 1);

	store_close(st);
	rmdir_all(d);
}

/*
 * The files of a message queued as copies stay until no copy waits to be
 * sent: a copy sent keeps them, a copy deleted hands them to the next.
 * store_outbox_delete_copies removes every copy not sent, and the files,
 * unless a copy is being sent.
 */
static void
test_outbox_copies_files(void **unused)
{
	struct store		*st;
	struct store_outbox	 o;
	struct smerr		 e;
	int64_t			 ids[3], draft;
	int			 nd;
	char			*d = tmpdir();

	(void)unused;
	st = open_key1(d, &e);
	smerr_clear(&e);
	/* Sent, then the last copy deleted: no file is left behind. */
	mkcopies(st, "<g3@example.test>", ids);
	assert_int_equal(store_outbox_sent(st, ids[0], 1, &e), 0);
	assert_int_equal(store_outbox_delete(st, ids[1], &e), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox_file;"), 1);
	assert_int_equal(store_outbox_sent(st, ids[2], 1, &e), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox_file;"), 0);
	mkcopies(st, "<g4@example.test>", ids);
	assert_int_equal(store_outbox_sent(st, ids[0], 1, &e), 0);
	assert_int_equal(store_outbox_sent(st, ids[1], 1, &e), 0);
	assert_int_equal(store_outbox_delete(st, ids[2], &e), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox_file;"), 0);

	/* The copy holding the files deleted: the next copy takes them. */
	mkcopies(st, "<g5@example.test>", ids);
	assert_int_equal(store_outbox_delete(st, ids[0], &e), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox_file;"), 1);
	assert_int_equal(store_outbox_take_back(st, ids[2], 0, "x", &draft,
	    &e), 0);
	taken_back(st, draft, "plan.pdf:application/pdf ");
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox_file;"), 0);
	mkcopies(st, "<g6@example.test>", ids);
	assert_int_equal(store_outbox_delete(st, ids[0], &e), 0);
	assert_int_equal(store_outbox_delete(st, ids[1], &e), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox_file;"), 1);
	assert_int_equal(store_outbox_delete(st, ids[2], &e), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox_file;"), 0);

	/* d: every copy not sent goes, with the files, unless one is sending. */
	nd = one_int(st, "SELECT count(*) FROM draft;");
	mkcopies(st, "<g7@example.test>", ids);
	assert_int_equal(store_outbox_claim(st, ids[1], 0, &e), 0);
	assert_int_equal(store_outbox_delete_copies(st, ids[0], &e),
	    SMERR_EXISTS);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox WHERE "
	    "message_id = '<g7@example.test>';"), 3);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox_file;"), 1);
	assert_int_equal(store_outbox_release(st, ids[1], 0, "421", &e), 0);
	assert_int_equal(store_outbox_sent(st, ids[0], 0, &e), 0);
	assert_int_equal(store_outbox_delete_copies(st, ids[0], &e),
	    SMERR_NOTFOUND);
	assert_int_equal(store_outbox_delete_copies(st, ids[2], &e), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox WHERE "
	    "message_id = '<g7@example.test>' AND sent = 0;"), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox WHERE "
	    "message_id = '<g7@example.test>';"), 1);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox_file;"), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM draft;"), nd);

	/* Queued before its text was kept: it stays. */
	mkoutbox(&o, "<old@example.test>");
	assert_int_equal(store_outbox_add(st, &o, &ids[0], &e), 0);
	assert_int_equal(store_outbox_take_back(st, ids[0], 0, "x", &draft,
	    &e), SMERR_INVAL);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox WHERE "
	    "message_id = '<old@example.test>';"), 1);
	assert_int_equal(store_outbox_take_back(st, ids[0] + 100, 0, "x",
	    &draft, &e), SMERR_NOTFOUND);
	store_close(st);
	rmdir_all(d);
}

/*
 * A store of format 2 (text always in its own column, the index over
 * message_content) opens as format 9 (by way of 3 to 8) with every
 * message and its text, and its index is made again.
 */
static void
test_upgrade_2(void **unused)
{
	struct store		*st;
	struct store_msg	 m;
	struct smerr		 e;
	int64_t			 inbox, id1, id2;
	size_t			 done, left;
	char			*d = tmpdir();

	(void)unused;
	st = open_inbox(d, &inbox, &e);
	mkmsg(&m, inbox, 1, "an older dingoword", "u1");
	assert_int_equal(store_msg_add(st, &m, &id1, &e), 0);
	mkmsg(&m, inbox, 2, "another older numbatword", "u2");
	assert_int_equal(store_msg_add(st, &m, &id2, &e), 0);
	/* Back to format 2, as the previous version made it. */
	exec_ok(st, "BEGIN;" STORE_BACK_TO_3
	    "DROP TABLE message_fts; DROP VIEW message_doc;"
	    "DROP INDEX message_dirty;"
	    "CREATE TABLE old_content(id INTEGER PRIMARY KEY, subject TEXT,"
	    " text TEXT, body BLOB, raw BLOB, verdict TEXT, signer_der BLOB);"
	    "INSERT INTO old_content SELECT id, subject, text, body, raw,"
	    " verdict, signer_der FROM message_content;"
	    "DROP TABLE message_content;"
	    "ALTER TABLE old_content RENAME TO message_content;"
	    "CREATE VIRTUAL TABLE message_fts USING fts4("
	    "content=\"message_content\", subject, text, tokenize=unicode61);"
	    "INSERT INTO message_fts(docid, subject, text) SELECT id, subject,"
	    " text FROM message_content;"
	    "UPDATE message SET indexed = 1;"
	    "UPDATE meta SET value = '2' WHERE name = 'schema';"
	    "COMMIT;");
	store_close(st);

	assert_int_equal(store_open(d, key1, &st, &e), 0);
	assert_int_equal(one_int(st, "SELECT value FROM meta WHERE name = "
	    "'schema';"), 17);
	load_text(st, id1, "an older dingoword");
	assert_int_equal(hits(st, "dingoword"), 0);	/* indexed again... */
	assert_int_equal(store_index(st, 0, &done, &left, &e), 0);
	assert_int_equal(done, 2);
	assert_int_equal(hits(st, "dingoword"), 1);	/* ...and found */
	assert_int_equal(store_msg_delete(st, id2, &e), 0);
	assert_int_equal(hits(st, "numbatword"), 0);
	fts_intact(st);
	close_checked(st, d);
}

static int
revoke_cb(const struct store_revoke *r, void *arg)
{
	char	*seen = arg;

	/* Only the one answer still valid, as it was kept. */
	assert_string_equal(r->fingerprint, "ab");
	assert_string_equal(r->status, "revoked");
	assert_string_equal(r->source, "CRL");
	assert_int_equal(r->until, 2000000000);
	*seen += 1;
	return 0;
}

static int
revoke_at_cb(const struct store_revoke *r, void *arg)
{
	char	*seen = arg;

	assert_string_equal(r->fingerprint, "ef");
	assert_int_equal(r->revoked_at, 1400000000);
	assert_int_equal(r->reason, 1);
	*seen += 1;
	return 0;
}

static void
test_revoke(void **unused)
{
	struct store		*st;
	struct store_revoke	 r;
	struct smerr		 e;
	char			*d = tmpdir(), seen = 0;

	(void)unused;
	st = open_key1(d, &e);
	memset(&r, 0, sizeof(r));
	r.fingerprint = "ab";
	r.status = "good";
	r.source = "OCSP";
	r.until = 2000000000;
	assert_int_equal(store_revoke_put(st, &r, &e), 0);
	r.status = "revoked";		/* a later answer replaces it */
	r.source = "CRL";
	assert_int_equal(store_revoke_put(st, &r, &e), 0);
	r.fingerprint = "cd";		/* past its nextUpdate */
	r.until = 1000000000;
	assert_int_equal(store_revoke_put(st, &r, &e), 0);
	r.fingerprint = NULL;
	assert_int_equal(store_revoke_put(st, &r, &e), SMERR_INVAL);
	/* One certificate's answer, read without deleting anything. */
	assert_int_equal(store_revoke_find(st, "ab", 1500000000, revoke_cb,
	    &seen, &e), 0);
	assert_int_equal(seen, 1);
	assert_int_equal(store_revoke_find(st, "cd", 1500000000, revoke_cb,
	    &seen, &e), 0);
	assert_int_equal(store_revoke_find(st, "ef", 1500000000, revoke_cb,
	    &seen, &e), 0);
	assert_int_equal(seen, 1);
	assert_int_equal(one_int(st, "SELECT count(*) FROM revocation;"), 2);
	seen = 0;
	assert_int_equal(store_revoke_foreach(st, 1500000000, revoke_cb,
	    &seen, &e), 0);
	assert_int_equal(seen, 1);
	/* When and why it was revoked are kept with it. */
	r.fingerprint = "ef";
	r.until = 2000000000;
	r.revoked_at = 1400000000;
	r.reason = 1;
	assert_int_equal(store_revoke_put(st, &r, &e), 0);
	assert_int_equal(store_revoke_find(st, "ef", 1500000000, revoke_at_cb,
	    &seen, &e), 0);
	assert_int_equal(seen, 2);
	exec_ok(st, "DELETE FROM revocation WHERE fingerprint = 'ef';");
	/* The stale one is gone from the store, not only skipped. */
	assert_int_equal(one_int(st, "SELECT count(*) FROM revocation;"), 1);
	store_close(st);
	rmdir_all(d);
}

/*
 * Format 13 kept no time or reason with an answer about revocation: one
 * kept then reads, after the step to 14, as one that said neither.
 */
static void
test_upgrade_13(void **unused)
{
	struct store	*st;
	struct smerr	 e;
	char		*d = tmpdir();

	(void)unused;
	st = open_key1(d, &e);
	exec_ok(st, "BEGIN;" STORE_BACK_TO_13
	    "INSERT INTO revocation VALUES('ab', 'revoked', 'OCSP', 2, 1);"
	    "UPDATE meta SET value = '13' WHERE name = 'schema'; COMMIT;");
	store_close(st);
	assert_int_equal(store_open(d, key1, &st, &e), 0);
	assert_int_equal(one_int(st, "SELECT value FROM meta WHERE name = "
	    "'schema';"), 17);
	assert_int_equal(one_int(st, "SELECT revoked_at FROM revocation;"), 0);
	assert_int_equal(one_int(st, "SELECT reason FROM revocation;"), -1);
	store_close(st);
	rmdir_all(d);
}

/*
 * Format 14 had no index over the messages' Message-IDs: after the step to
 * 15, a question by Message-ID reads through the index, and finds what it
 * found before.
 */
static void
test_upgrade_14(void **unused)
{
	struct store		*st;
	struct store_msg	 m;
	struct smerr		 e;
	struct ids		 ids;
	sqlite3_stmt		*s;
	int64_t			 inbox, id;
	int			 used = 0;
	char			*d = tmpdir();

	(void)unused;
	st = open_inbox(d, &inbox, &e);
	mkmsg(&m, inbox, 1, "kept", "m1");
	m.message_id = "<kept@example.test>";
	assert_int_equal(store_msg_add(st, &m, &id, &e), 0);
	exec_ok(st, "BEGIN;" STORE_BACK_TO_14
	    "UPDATE meta SET value = '14' WHERE name = 'schema'; COMMIT;");
	store_close(st);

	assert_int_equal(store_open(d, key1, &st, &e), 0);
	assert_int_equal(one_int(st, "SELECT value FROM meta WHERE name = "
	    "'schema';"), 17);
	assert_int_equal(sqlite3_prepare_v2(st->db, "EXPLAIN QUERY PLAN "
	    "SELECT id FROM message WHERE message_id = 'x';", -1, &s, NULL),
	    SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW)
		used |= strstr((const char *)sqlite3_column_text(s, 3),
		    "message_msgid") != NULL;
	sqlite3_finalize(s);
	assert_true(used);
	memset(&ids, 0, sizeof(ids));
	assert_int_equal(store_msg_foreach_msgid(st, "<kept@example.test>",
	    ids_cb, &ids, &e), 0);
	assert_int_equal(ids.n, 1);
	assert_int_equal(ids.v[0], id);
	store_close(st);
	rmdir_all(d);
}

/*
 * Format 16 kept no start with an outbox claim: after the step to 17 a
 * claim made before is judged by its number alone, as it was, and a new
 * claim keeps its start.
 */
static void
test_upgrade_16(void **unused)
{
	struct store		*st;
	struct store_outbox	 o;
	struct smerr		 e;
	int64_t			 id, id2;
	char			*d = tmpdir(), sql[128];

	(void)unused;
	st = open_key1(d, &e);
	mkoutbox(&o, "<old-claim@example.test>");
	assert_int_equal(store_outbox_add(st, &o, &id, &e), 0);
	o.message_id = "<old-queued@example.test>";
	assert_int_equal(store_outbox_add(st, &o, &id2, &e), 0);
	exec_ok(st, "BEGIN;" STORE_BACK_TO_16
	    "UPDATE meta SET value = '16' WHERE name = 'schema'; COMMIT;");
	snprintf(sql, sizeof(sql), "UPDATE outbox SET state = 'sending', "
	    "claim_pid = %ld WHERE id = %lld;", (long)getppid(),
	    (long long)id);
	exec_ok(st, sql);
	store_close(st);

	assert_int_equal(store_open(d, key1, &st, &e), 0);
	assert_int_equal(one_int(st, "SELECT value FROM meta WHERE name = "
	    "'schema';"), 17);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox WHERE "
	    "claim_start IS NULL;"), 2);
	assert_string_equal(ob_state(st), STORE_OB_SENDING);
	assert_int_equal(store_outbox_claim(st, id, 1, &e), SMERR_EXISTS);
	smerr_clear(&e);
	assert_int_equal(store_outbox_claim(st, id2, 0, &e), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM outbox WHERE "
	    "claim_start IS NOT NULL;"), 1);
	store_close(st);
	rmdir_all(d);
}

/*
 * A store whose meta table does not say its format, or says one this
 * version does not know, is not opened, and is left as it was.
 */
static void
test_format_unsaid(void **unused)
{
	static const struct {
		const char	*sql;	/* what is done to the format row */
		const char	*says;
	} cases[] = {
		{ "DELETE FROM meta WHERE name = 'schema';",
		    "unknown store format" },
		{ "UPDATE meta SET value = '99' WHERE name = 'schema';",
		    "unknown store format" },
		/* A NULL format reads as 0: the tables are made again. */
		{ "UPDATE meta SET value = NULL WHERE name = 'schema';",
		    "already exists" },
	};
	struct store	*st;
	struct smerr	 e;
	size_t		 i;
	char		*d;

	(void)unused;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		d = tmpdir();
		st = open_key1(d, &e);
		exec_ok(st, cases[i].sql);
		store_close(st);
		smerr_clear(&e);
		assert_int_equal(store_open(d, key1, &st, &e), SMERR_STORE);
		assert_null(st);
		assert_non_null(strstr(smerr_msg(&e), cases[i].says));
		rmdir_all(d);
	}
}

/* A store_open on its own thread, and what it found. */
struct opener {
	const char	*dir;
	long		 tid;		/* set once it runs */
	int		 r;
	struct smerr	 e;
};

static void *
opener_run(void *arg)
{
	struct opener	*op = arg;
	struct store	*st = NULL;

	__atomic_store_n(&op->tid, (long)syscall(SYS_gettid),
	    __ATOMIC_SEQ_CST);
	smerr_clear(&op->e);
	op->r = store_open(op->dir, key1, &st, &op->e);
	store_close(st);
	return NULL;
}

/*
 * 1 when thread tid of this process sleeps (as SQLite's busy handler
 * does, waiting for the write lock); 0 when it runs or cannot be told.
 */
static int
thread_sleeps(long tid)
{
	char	path[64], wchan[64] = "";
	FILE	*fp;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/wchan", tid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(wchan, sizeof(wchan), fp) == NULL)
		wchan[0] = '\0';
	fclose(fp);
	return strstr(wchan, "sleep") != NULL;
}

/*
 * Two processes that open a store of an older format at once both open
 * it: the second, which read the format before the first brought it up,
 * does not take a step again ("index already exists"). A write lock held
 * here keeps both waiting for their first step after they read the
 * format, until both are there.
 */
static void
test_upgrade_together(void **unused)
{
	struct store	*st;
	struct smerr	 e;
	struct opener	 op[2];
	pthread_t	 th[2];
	size_t		 i;
	int		 waits;
	char		*d = tmpdir();

	(void)unused;
	st = open_key1(d, &e);
	exec_ok(st, "BEGIN;" STORE_BACK_TO_14
	    "UPDATE meta SET value = '14' WHERE name = 'schema'; COMMIT;");
	exec_ok(st, "BEGIN IMMEDIATE;");
	memset(op, 0, sizeof(op));
	for (i = 0; i < 2; i++) {
		op[i].dir = d;
		assert_int_equal(pthread_create(&th[i], NULL, opener_run,
		    &op[i]), 0);
	}
	/* Until both wait for the lock (10 s at most: then on anyway). */
	for (i = 0, waits = 0; i < 2 && waits < 1000; waits++) {
		if (__atomic_load_n(&op[i].tid, __ATOMIC_SEQ_CST) != 0 &&
		    thread_sleeps(op[i].tid))
			i++;
		else
			usleep(10 * 1000);
	}
	exec_ok(st, "COMMIT;");
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		if (op[i].r != 0)
			fail_msg("open %zu: %s", i, smerr_msg(&op[i].e));
	}
	assert_int_equal(one_int(st, "SELECT value FROM meta WHERE name = "
	    "'schema';"), 17);
	close_checked(st, d);
}

/*
 * Format 7 kept the capabilities a signer announced among the settings
 * in meta; format 8 keeps them beside the certificates, by fingerprint,
 * and the settings no longer hold them.
 */
static void
test_upgrade_7(void **unused)
{
	struct store	*st;
	struct smerr	 e;
	unsigned	 caps;
	char		*d = tmpdir();
	const char	*fp = "00112233445566778899aabbccddeeff"
			    "00112233445566778899AABBCCDDEEFF";

	(void)unused;
	smerr_clear(&e);
	assert_int_equal(store_open(d, key1, &st, &e), 0);
	exec_ok(st, "BEGIN;" STORE_BACK_TO_8 "DROP TABLE cert_caps;"
	    "INSERT INTO meta VALUES('smimecaps:00112233445566778899aabbcc"
	    "ddeeff00112233445566778899AABBCCDDEEFF', '133');"
	    "INSERT INTO meta VALUES('smimecaps:short', '1');"
	    "UPDATE meta SET value = '7' WHERE name = 'schema'; COMMIT;");
	store_close(st);

	assert_int_equal(store_open(d, key1, &st, &e), 0);
	assert_int_equal(one_int(st, "SELECT value FROM meta WHERE name = "
	    "'schema';"), 17);
	assert_int_equal(store_cert_caps_get(st, fp, &caps, &e), 0);
	assert_int_equal(caps, 133);
	assert_int_equal(one_int(st, "SELECT count(*) FROM meta WHERE name "
	    "LIKE 'smimecaps:%';"), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM cert_caps;"), 1);
	/* Replaced, not added to; an unknown certificate has none. */
	assert_int_equal(store_cert_caps_put(st, fp, 5, &e), 0);
	assert_int_equal(store_cert_caps_get(st, fp, &caps, &e), 0);
	assert_int_equal(caps, 5);
	assert_int_equal(store_cert_caps_get(st, "ab", &caps, &e), 0);
	assert_int_equal(caps, 0);
	store_close(st);
	rmdir_all(d);
}

/* A new store in d with two messages in INBOX (ids *id1p and *id2p). */
static struct store *
two_messages(const char *d, int64_t *inboxp, int64_t *id1p, int64_t *id2p)
{
	struct store	*st;
	struct smerr	 e;
	int64_t		 at, len;

	st = open_key1(d, &e);
	assert_int_equal(store_folder_open(st, "work", "INBOX", inboxp, &e),
	    0);
	*id1p = add_text(st, *inboxp, 1, "one", "one", &at, &len);
	*id2p = add_text(st, *inboxp, 2, "two", "two", &at, &len);
	return st;
}

/* base_is(st, id, want): the server's flags kept under id's change. */
static void
base_is(struct store *st, int64_t id, const char *want)
{
	struct smerr	 e;
	char		*base;

	assert_int_equal(store_msg_flags_base(st, id, &base, &e), 0);
	unit_str_is(base, want);
}

/*
 * The flags the server had are kept from the first change here on, to
 * the push: what the sync pushes is the difference.
 */
static void
test_flags_base(void **unused)
{
	struct store	*st;
	struct smerr	 e;
	int64_t		 inbox, id1, id2;
	char		*d = tmpdir();

	(void)unused;
	st = two_messages(d, &inbox, &id1, &id2);
	base_is(st, id1, NULL);		/* nothing changed here */
	assert_int_equal(store_msg_set_local_flags(st, id1, "", &e), 0);
	base_is(st, id1, "\\Seen");
	assert_int_equal(store_msg_set_local_flags(st, id1, "\\Flagged",
	    &e), 0);
	base_is(st, id1, "\\Seen");	/* the first change's */
	/* The server's flags come in meanwhile: the base stays. */
	assert_int_equal(store_msg_set_flags(st, id1, "$Phone", 3, &e), 0);
	base_is(st, id1, "\\Seen");
	assert_int_equal(store_msg_flags_pushed(st, id1, 4, &e), 0);
	base_is(st, id1, NULL);
	assert_int_equal(store_msg_set_local_flags(st, id1, "", &e), 0);
	base_is(st, id1, "$Phone");	/* a new change, a new base */
	base_is(st, id2, NULL);
	store_close(st);
	rmdir_all(d);
}

/* A deleted message's id is not given to the next one, nor to a copy. */
static void
test_ids_kept(void **unused)
{
	struct store	*st;
	struct smerr	 e;
	int64_t		 inbox, id1, id2, id3, id4, at, len;
	char		*d = tmpdir();

	(void)unused;
	st = two_messages(d, &inbox, &id1, &id2);
	assert_int_equal(store_msg_delete(st, id2, &e), 0);
	id3 = add_text(st, inbox, 3, "three", "three", &at, &len);
	assert_true(id3 > id2);
	assert_int_equal(store_msg_delete(st, id3, &e), 0);
	assert_int_equal(store_msg_delete(st, id1, &e), 0);
	store_close(st);
	/* Kept in the store, for every later process. */
	assert_int_equal(store_open(d, key1, &st, &e), 0);
	id4 = add_text(st, inbox, 4, "four", "four", &at, &len);
	assert_true(id4 > id3);
	assert_int_equal(store_msg_move(st, id4, inbox, 1, &id1, &e), 0);
	assert_true(id1 > id4);
	close_checked(st, d);
}

/* store_msg_delete_at(st, id, folder, uid): whether it removed id. */
static int
deleted_at(struct store *st, int64_t id, int64_t folder, uint32_t uid)
{
	struct smerr	e;
	int		gone = -1;

	smerr_clear(&e);
	assert_int_equal(store_msg_delete_at(st, id, folder, uid, &gone, &e),
	    0);
	return gone;
}

/*
 * A sync's list of a folder, read before a move made here (the row kept,
 * its folder changed), expunges the message only where the list saw it:
 * the message moved to Trash stays.
 */
static void
test_delete_at(void **unused)
{
	struct store	*st;
	struct smerr	 e;
	int64_t		 inbox, trash, id1, id2, moved, n;
	char		*d = tmpdir();

	(void)unused;
	st = two_messages(d, &inbox, &id1, &id2);
	assert_int_equal(store_folder_open(st, "work", "Trash", &trash, &e), 0);
	assert_int_equal(store_msg_move(st, id1, trash, 0, &moved, &e), 0);
	assert_int_equal(moved, id1);
	assert_int_equal(deleted_at(st, id1, inbox, 1), 0);
	/* Bound in Trash since, under the same number: not in INBOX. */
	assert_int_equal(store_msg_bind(st, id1, 1, &e), 0);
	assert_int_equal(deleted_at(st, id1, inbox, 1), 0);
	assert_int_equal(store_msg_count(st, trash, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(deleted_at(st, id2, inbox, 3), 0);
	assert_int_equal(deleted_at(st, id2, inbox, 2), 1);
	assert_int_equal(store_msg_count(st, inbox, &n, &e), 0);
	assert_int_equal(n, 0);
	/* Unbound (0) is unbound only. */
	assert_int_equal(deleted_at(st, id1, trash, 0), 0);
	assert_int_equal(deleted_at(st, id1, trash, 1), 1);
	assert_int_equal(store_msg_count(st, 0, &n, &e), 0);
	assert_int_equal(n, 0);
	fts_intact(st);
	store_close(st);
	rmdir_all(d);
}

/* A queued move with uid 1 of INBOX to Trash; its id. */
static int64_t
queue_one(struct store *st, int64_t message)
{
	struct store_queued	 q;
	struct smerr		 e;

	memset(&q, 0, sizeof(q));
	q.account = "work";
	q.folder = "INBOX";
	q.uid = 1;
	q.dest = "Trash";
	q.message = message;
	smerr_clear(&e);
	assert_int_equal(store_queue_add(st, &q, &e), 0);
	return sqlite3_last_insert_rowid(st->db);
}

/*
 * A queued move is done by one process: another that still runs and holds
 * it keeps it; one that died or was cut off leaves it to the next, which
 * is told that it may have been done; done, it is nobody's.
 */
static void
test_queue_claim(void **unused)
{
	struct store	*st;
	struct smerr	 e;
	int64_t		 q;
	int		 doubt;
	char		 sql[128], *d = tmpdir();

	(void)unused;
	st = open_key1(d, &e);
	q = queue_one(st, 0);
	assert_int_equal(store_queue_claim(st, q, &doubt, &e), 0);
	assert_int_equal(doubt, 0);
	snprintf(sql, sizeof(sql), "UPDATE move_queue SET claim_pid = %ld, "
	    "claim_start = NULL WHERE id = %lld;", (long)getppid(), (long long)q);
	exec_ok(st, sql);
	doubt = -1;
	assert_int_equal(store_queue_claim(st, q, &doubt, &e), SMERR_EXISTS);
	assert_int_equal(doubt, 0);
	smerr_clear(&e);
	assert_int_equal(one_int(st, "SELECT claim_pid FROM move_queue;"),
	    (int)getppid());
	/* Its claimant died. */
	snprintf(sql, sizeof(sql), "UPDATE move_queue SET claim_pid = %ld, "
	    "claim_start = NULL WHERE id = %lld;", (long)dead_pid(), (long long)q);
	exec_ok(st, sql);
	assert_int_equal(store_queue_claim(st, q, &doubt, &e), 0);
	assert_int_equal(doubt, 1);
	assert_int_equal(one_int(st, "SELECT claim_pid FROM move_queue;"),
	    (int)getpid());
	/* This process was cut off: released, perhaps done. */
	assert_int_equal(store_queue_release(st, q, &e), 0);
	assert_int_equal(one_int(st, "SELECT claim_pid FROM move_queue;"), -1);
	assert_int_equal(store_queue_claim(st, q, &doubt, &e), 0);
	assert_int_equal(doubt, 1);
	assert_int_equal(store_queue_done(st, q, &e), 0);
	assert_int_equal(store_queue_claim(st, q, &doubt, &e),
	    SMERR_NOTFOUND);
	store_close(st);
	rmdir_all(d);
}

/*
 * Format 15 queued moves with no claim: after the step to 16, the entry
 * queued before is kept, claimed by nobody, and is claimed as any other.
 */
static void
test_upgrade_15(void **unused)
{
	struct store	*st;
	struct smerr	 e;
	int64_t		 q;
	int		 doubt = -1;
	char		*d = tmpdir();

	(void)unused;
	st = open_key1(d, &e);
	q = queue_one(st, 7);
	exec_ok(st, "BEGIN;" STORE_BACK_TO_15
	    "UPDATE meta SET value = '15' WHERE name = 'schema'; COMMIT;");
	store_close(st);
	assert_int_equal(store_open(d, key1, &st, &e), 0);
	assert_int_equal(one_int(st, "SELECT value FROM meta WHERE name = "
	    "'schema';"), 17);
	assert_int_equal(one_int(st, "SELECT count(*) FROM move_queue WHERE "
	    "claim_pid IS NULL AND message = 7 AND dest = 'Trash';"), 1);
	assert_int_equal(store_queue_claim(st, q, &doubt, &e), 0);
	assert_int_equal(doubt, 0);
	store_close(st);
	rmdir_all(d);
}

/*
 * A format 12 store with a flag change waiting: brought to format 13, the
 * server's flags under it are not known (the change is pushed whole); the
 * next change of another message keeps them.
 */
static void
test_upgrade_12(void **unused)
{
	struct store		*st;
	struct smerr		 e;
	int64_t			 inbox, id1, id2;
	char			*d = tmpdir();

	(void)unused;
	st = two_messages(d, &inbox, &id1, &id2);
	assert_int_equal(store_msg_set_local_flags(st, id1, "\\Flagged", &e),
	    0);
	exec_ok(st, "BEGIN;" STORE_BACK_TO_12
	    "UPDATE meta SET value = '12' WHERE name = 'schema'; COMMIT;");
	store_close(st);

	assert_int_equal(store_open(d, key1, &st, &e), 0);
	assert_int_equal(one_int(st, "SELECT value FROM meta WHERE name = "
	    "'schema';"), 17);
	base_is(st, id1, NULL);
	assert_int_equal(store_msg_set_local_flags(st, id2, "", &e), 0);
	base_is(st, id2, "\\Seen");
	close_checked(st, d);
}

/*
 * A format 8 store (STORE_BACK_TO_8), with a text kept inside its body
 * and one kept apart: brought to format 9, both read and are
 * found as before, and a new message's text may be a slice of its body.
 */
static void
test_upgrade_8(void **unused)
{
	static const char	body[] = "Subject: a\r\n\r\nold gnuword\r\n";
	struct store		*st;
	struct smerr		 e;
	int64_t			 inbox, id1, id2, at, len;
	size_t			 done, left;
	char			*d = tmpdir();

	(void)unused;
	st = open_inbox(d, &inbox, &e);
	id1 = add_text(st, inbox, 1, body, "old gnuword\n", &at, &len);
	assert_int_equal(len, -1);
	id2 = add_text(st, inbox, 2, "apart ibexword\n", "apart ibexword\n",
	    &at, &len);
	assert_int_equal(at, -1);
	exec_ok(st, "BEGIN;" STORE_BACK_TO_8
	    "UPDATE meta SET value = '8' WHERE name = 'schema'; COMMIT;");
	assert_int_equal(one_int(st, "SELECT count(*) FROM message_content "
	    "WHERE text_at IS NOT NULL;"), 1);
	store_close(st);

	assert_int_equal(store_open(d, key1, &st, &e), 0);
	assert_int_equal(one_int(st, "SELECT value FROM meta WHERE name = "
	    "'schema';"), 17);
	assert_int_equal(one_int(st, "SELECT count(*) FROM message_content "
	    "WHERE text_len IS NULL;"), 2);
	load_text(st, id1, "old gnuword\n");
	load_text(st, id2, "apart ibexword\n");
	add_text(st, inbox, 3, body, "old", &at, &len);
	assert_int_equal(len, 3);
	assert_int_equal(store_index(st, 0, &done, &left, &e), 0);
	assert_int_equal(hits(st, "gnuword"), 1);
	assert_int_equal(hits(st, "ibexword"), 1);
	assert_int_equal(hits(st, "old"), 2);
	fts_intact(st);
	close_checked(st, d);
}

static long
file_size(const char *dir, const char *name)
{
	struct stat	sb;
	char		path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &sb) == 0 ? (long)sb.st_size : 0;
}

/* 62.5 MB in 100 transactions through the checkpointing thread. */
static void
ckpt_fill(struct store *st, const char *d, long *maxwal)
{
	int	i, j;
	long	w;

	*maxwal = 0;
	for (i = 0; i < 100; i++) {
		exec_ok(st, "BEGIN IMMEDIATE;");
		for (j = 0; j < 20; j++)
			exec_ok(st, "INSERT INTO big(b) VALUES("
			    "randomblob(32768));");
		exec_ok(st, "COMMIT;");
		if ((w = file_size(d, "store.db-wal")) > *maxwal)
			*maxwal = w;
	}
}

/*
 * The log is copied into the database beside the writer, bounded (32 MB
 * and a transaction, where the writer alone would have let it grow to
 * the whole 62.5 MB); everything is in the database file once it stops,
 * whole; and a second connection follows a change of key.
 */
static void
test_ckpt(void **unused)
{
	struct store	*st = NULL;
	struct smerr	 e;
	char		*d = tmpdir();
	long		 maxwal;

	(void)unused;
	smerr_clear(&e);
	assert_int_equal(store_open(d, key1, &st, &e), 0);
	exec_ok(st, "CREATE TABLE big(b BLOB);");
	assert_int_equal(store_ckpt_start(st, &e), 0);
	assert_non_null(st->ck);
	assert_int_equal(store_ckpt_start(st, &e), 0);	/* once is enough */
	ckpt_fill(st, d, &maxwal);
	store_ckpt_stop(st);
	assert_null(st->ck);
	assert_true(maxwal > 0);
	assert_true(maxwal < 40L * 1024 * 1024);
	assert_true(file_size(d, "store.db") > 62L * 1024 * 1024);
	assert_int_equal(one_int(st, "SELECT count(*) FROM big;"), 2000);
	assert_int_equal(store_check(st, &e), 0);

	/* After a rekey the second connection opens with the new key. */
	assert_int_equal(store_rekey(st, key2, &e), 0);
	assert_int_equal(store_ckpt_start(st, &e), 0);
	exec_ok(st, "INSERT INTO big(b) VALUES(randomblob(100));");
	store_close(st);	/* stops it too */
	st = NULL;
	assert_int_equal(store_open(d, key2, &st, &e), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM big;"), 2001);
	close_checked(st, d);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_open_keys),
	    cmocka_unit_test(test_certs),
	    cmocka_unit_test(test_messages),
	    cmocka_unit_test(test_fts_segments),
	    cmocka_unit_test(test_ids_alone),
	    cmocka_unit_test(test_outbox),
	    cmocka_unit_test(test_outbox_claim),
	    cmocka_unit_test(test_outbox_accepted),
	    cmocka_unit_test(test_outbox_claim_all),
	    cmocka_unit_test(test_outbox_claim_reused),
	    cmocka_unit_test(test_drafts),
	    cmocka_unit_test(test_by_msgid),
	    cmocka_unit_test(test_draft_files),
	    cmocka_unit_test(test_outbox_copies),
	    cmocka_unit_test(test_outbox_copies_files),
	    cmocka_unit_test(test_text_in_body),
	    cmocka_unit_test(test_unbound),
	    cmocka_unit_test(test_text_in_part),
	    cmocka_unit_test(test_draft_choice),
	    cmocka_unit_test(test_upgrade_2),
	    cmocka_unit_test(test_upgrade_7),
	    cmocka_unit_test(test_upgrade_8),
	    cmocka_unit_test(test_upgrade_12),
	    cmocka_unit_test(test_flags_base),
	    cmocka_unit_test(test_ids_kept),
	    cmocka_unit_test(test_revoke),
	    cmocka_unit_test(test_upgrade_13),
	    cmocka_unit_test(test_upgrade_14),
	    cmocka_unit_test(test_upgrade_15),
	    cmocka_unit_test(test_delete_at),
	    cmocka_unit_test(test_queue_claim),
	    cmocka_unit_test(test_upgrade_together),
	    cmocka_unit_test(test_upgrade_16),
	    cmocka_unit_test(test_format_unsaid),
	    cmocka_unit_test(test_ckpt));
}
