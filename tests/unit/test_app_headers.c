/*
 * app/headers.c: the header fields a client needs, read from a message,
 * and stores of format 3, 9 and 11 upgraded in place, their messages' fields
 * read again from their stored copies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "store/store.h"
#include "store/store_int.h"
#include "app/app_int.h"
#include "tests/unit/store_test.h"
#include "tests/unit/lib/unit.h"

static const char msg1[] =
    "From: Bob <bob@example.test>\r\n"
    "To: Alice <alice@example.test>, \"Carol, C.\" <carol@example.test>\r\n"
    "Cc: dave@example.test, Team: erin@example.test, frank@example.test;\r\n"
    "Reply-To: list@example.test\r\n"
    "Subject: Re: plans\r\n"
    "Message-ID: <m1@example.test>\r\n"
    "In-Reply-To: <m0@example.test> (the first)\r\n"
    "References: <r1@example.test>\r\n <m0@example.test>\r\n"
    "List-Post: <mailto:list@example.test?subject=x>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/signed; protocol=\"application/pkcs7-"
    "signature\"; boundary=s\r\n\r\n"
    "--s\r\n"
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    "--b\r\nContent-Type: application/pdf; name=a.pdf\r\n\r\nxx\r\n"
    "--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment"
    "\r\n\r\nnotes\r\n"
    "--b--\r\n"
    "--s\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\n"
    "Content-Disposition: attachment; filename=smime.p7s\r\n\r\nAAAA\r\n"
    "--s--\r\n";

static const char msg2[] =
    "From: carol@example.test\r\nTo: alice@example.test\r\n"
    "Subject: short\r\n\r\nno fields to speak of\r\n";

static void
test_read(void **unused)
{
	struct app_headers	h;
	struct smerr		e;

	(void)unused;
	smerr_clear(&e);
	assert_int_equal(app_headers_read((const uint8_t *)msg1,
	    strlen(msg1), NULL, &h, &e), 0);
	assert_string_equal(h.to, "alice@example.test,carol@example.test");
	assert_string_equal(h.cc, "dave@example.test,erin@example.test,"
	    "frank@example.test");
	assert_string_equal(h.reply_to, "list@example.test");
	assert_string_equal(h.message_id, "<m1@example.test>");
	assert_string_equal(h.in_reply_to, "<m0@example.test>");
	assert_string_equal(h.references, "<r1@example.test> "
	    "<m0@example.test>");
	assert_string_equal(h.list_post, "list@example.test");
	/* The PDF and the attached notes; never the signature. */
	assert_int_equal(h.attachments, 2);
	assert_string_equal(h.from_name, "Bob");
	/* A group's name is no one's: its members have none here. */
	assert_string_equal(h.to_names, "Alice, Carol, C.");
	app_headers_clear(&h);

	assert_int_equal(app_headers_read((const uint8_t *)msg2,
	    strlen(msg2), NULL, &h, &e), 0);
	assert_null(h.cc);
	assert_null(h.message_id);
	assert_null(h.list_post);
	assert_int_equal(h.attachments, 0);
	assert_null(h.from_name);
	assert_null(h.to_names);
	app_headers_clear(&h);

	/* Nothing, and what does not parse, give nothing. */
	assert_int_equal(app_headers_read(NULL, 0, NULL, &h, &e), 0);
	assert_null(h.to);
	assert_int_equal(app_headers_read((const uint8_t *)"\r\n", 2, NULL,
	    &h, &e), 0);
	assert_null(h.to);
	app_headers_clear(&h);
}

/*
 * With header protection the fields are the protected section's alone:
 * msg1's outer Reply-To and Cc are not kept; its attachments are still
 * counted. Its outer List-Post is, which a list adds on the way, outside
 * any sender's protected section.
 */
static void
test_read_protected(void **unused)
{
	struct app_headers	h;
	struct smerr		e;
	struct buf		*hp;

	(void)unused;
	smerr_clear(&e);
	assert_non_null(hp = buf_new(0));
	assert_int_equal(buf_puts(hp, "From: Bobby <bob@example.test>\r\n"
	    "To: alice@example.test\r\nMessage-ID: <p1@example.test>\r\n"
	    "\r\n"), 0);
	assert_int_equal(app_headers_read((const uint8_t *)msg1,
	    strlen(msg1), hp, &h, &e), 0);
	assert_string_equal(h.to, "alice@example.test");
	assert_null(h.cc);
	assert_null(h.reply_to);
	assert_string_equal(h.message_id, "<p1@example.test>");
	assert_null(h.in_reply_to);
	assert_string_equal(h.list_post, "list@example.test");
	assert_int_equal(h.attachments, 2);
	assert_string_equal(h.from_name, "Bobby");
	assert_null(h.to_names);	/* the outer To's names are not kept */
	app_headers_clear(&h);
	buf_free(hp);
}

static void
add(struct store *st, int64_t folder, uint32_t uid, const char *body,
    int pending, int64_t *idp)
{
	struct store_msg	m;
	struct smerr		e;

	smerr_clear(&e);
	memset(&m, 0, sizeof(m));
	m.folder = folder;
	m.uid = uid;
	m.subject = "s";
	m.text = "t";
	m.size = strlen(body);
	if (pending) {
		m.state = STORE_MSG_PENDING;
		m.raw = (const uint8_t *)body;
		m.raw_len = strlen(body);
	} else {
		m.body = (const uint8_t *)body;
		m.body_len = strlen(body);
	}
	assert_int_equal(store_msg_add(st, &m, idp, &e), 0);
}

/* Back to format 3, as the previous version made it. */
static const char *to_format_3 = "BEGIN;" STORE_BACK_TO_3
    "UPDATE meta SET value = '3' WHERE name = 'schema';"
    "COMMIT;";

/*
 * A store in the new directory t holding msg1, msg2 and third (kept as
 * received), ids[0..2], turned back to an older format by the SQL back,
 * then opened again: upgraded, its messages' fields not yet read.
 */
static struct store *
old_store(char *t, const char *third, const char *back, int64_t *ids)
{
	static uint8_t		 key[STORE_KEY_LEN] = { 7, 7, 7 };
	struct store		*st;
	struct smerr		 e;
	int64_t			 inbox;

	smerr_clear(&e);
	assert_non_null(mkdtemp(t));
	assert_int_equal(store_open(t, key, &st, &e), 0);
	assert_int_equal(store_folder_open(st, "work", "INBOX", &inbox, &e), 0);
	add(st, inbox, 1, msg1, 0, &ids[0]);
	add(st, inbox, 2, msg2, 0, &ids[1]);
	add(st, inbox, 3, third, 1, &ids[2]);
	exec_ok(st, back);
	store_close(st);

	assert_int_equal(store_open(t, key, &st, &e), 0);
	assert_int_equal(one_int(st, "SELECT value FROM meta WHERE name = "
	    "'schema';"), 17);
	assert_int_equal(one_int(st, "SELECT count(*) FROM message WHERE "
	    "hdr = 0;"), 3);
	return st;
}

static void
test_upgrade_3(void **unused)
{
	struct store		*st;
	struct store_msg	*m;
	struct smerr		 e;
	int64_t			 ids[3], id1, id2, id3;
	char			 t[] = "/tmp/test_hdr.XXXXXX";

	(void)unused;
	smerr_clear(&e);
	st = old_store(t, msg1, to_format_3, ids);
	id1 = ids[0];
	id2 = ids[1];
	id3 = ids[2];
	assert_int_equal(one_int(st, "SELECT count(*) FROM message WHERE "
	    "to_addr IS NOT NULL;"), 0);
	assert_int_equal(app_headers_upgrade(st, &e), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM message WHERE "
	    "hdr = 0;"), 0);

	assert_int_equal(store_msg_load(st, id1, &m, &e), 0);
	assert_string_equal(m->account, "work");
	assert_string_equal(m->to, "alice@example.test,carol@example.test");
	assert_string_equal(m->cc, "dave@example.test,erin@example.test,"
	    "frank@example.test");
	assert_string_equal(m->reply_to, "list@example.test");
	assert_string_equal(m->message_id, "<m1@example.test>");
	assert_string_equal(m->in_reply_to, "<m0@example.test>");
	assert_string_equal(m->references, "<r1@example.test> "
	    "<m0@example.test>");
	assert_string_equal(m->list_post, "list@example.test");
	assert_int_equal(m->attachments, 2);
	assert_int_equal(m->size, strlen(msg1));
	/* The stored copy is untouched. */
	assert_int_equal(m->body_len, strlen(msg1));
	assert_memory_equal(m->body, msg1, strlen(msg1));
	store_msg_free(m);

	assert_int_equal(store_msg_load(st, id2, &m, &e), 0);
	assert_string_equal(m->to, "alice@example.test");
	assert_null(m->cc);
	store_msg_free(m);
	assert_int_equal(store_msg_load(st, id3, &m, &e), 0);
	assert_string_equal(m->message_id, "<m1@example.test>");
	store_msg_free(m);

	/* A second open has nothing left to do, and the store is sound. */
	assert_int_equal(app_headers_upgrade(st, &e), 0);
	assert_int_equal(store_check(st, &e), 0);
	store_close(st);
	unit_rmrf(t);
}

/* The summaries' display names, as the index reads them. */
static int
name_cb(const struct store_msg *m, void *arg)
{
	struct buf	*names = arg;

	assert_int_equal(buf_puts(names, m->from_name != NULL ?
	    m->from_name : "-"), 0);
	assert_int_equal(buf_puts(names, ","), 0);
	return 0;
}

/* Format 9 kept no display name: the step to 10 has them read again. */
static void
test_upgrade_9(void **unused)
{
	static const char	 evil[] = "From: =?utf-8?q?Ev=1B[2Jil?= "
	    "<e@example.test>\r\nSubject: s\r\n\r\nbody\r\n";
	struct store		*st;
	struct smerr		 e;
	int64_t			 ids[3];
	struct buf		*names;
	char			 t[] = "/tmp/test_hdr.XXXXXX";

	(void)unused;
	smerr_clear(&e);
	st = old_store(t, evil, "BEGIN;" STORE_BACK_TO_9 "UPDATE meta SET "
	    "value = '9' WHERE name = 'schema'; COMMIT;", ids);
	assert_non_null(names = buf_new(0));
	assert_int_equal(store_msg_summaries(st, ids, 3, name_cb, names, &e),
	    0);
	assert_string_equal(buf_str(names), "-,-,-,");
	buf_reset(names);
	assert_int_equal(app_headers_upgrade(st, &e), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM message WHERE "
	    "hdr = 0;"), 0);
	/* No name for a bare address; a hostile one sanitized. */
	assert_int_equal(store_msg_summaries(st, ids, 3, name_cb, names, &e),
	    0);
	assert_string_equal(buf_str(names), "Bob,-,Evil,");
	buf_free(names);
	assert_int_equal(store_check(st, &e), 0);
	store_close(st);
	unit_rmrf(t);
}

/* Format 11 kept no recipients' names: the step to 12 reads them. */
static void
test_upgrade_11(void **unused)
{
	static const char	 third[] = "From: e@example.test\r\nTo: "
	    "=?utf-8?q?J=C3=BCrgen_=1B[2JM?= <j@example.test>\r\nCc: "
	    "\"Eve\" <eve@example.test>\r\nSubject: s\r\n\r\nbody\r\n";
	struct store		*st;
	struct smerr		 e;
	int64_t			 ids[3];
	char			 t[] = "/tmp/test_hdr.XXXXXX";

	(void)unused;
	smerr_clear(&e);
	st = old_store(t, third, "BEGIN;" STORE_BACK_TO_11 "UPDATE meta SET "
	    "value = '11' WHERE name = 'schema'; COMMIT;", ids);
	assert_int_equal(one_int(st, "SELECT count(*) FROM message WHERE "
	    "to_names IS NOT NULL;"), 0);
	assert_int_equal(app_headers_upgrade(st, &e), 0);
	assert_int_equal(one_int(st, "SELECT count(*) FROM message WHERE "
	    "hdr = 0;"), 0);
	/* Decoded, sanitized, To's then Cc's; none for bare addresses. */
	assert_int_equal(one_int(st, "SELECT count(*) FROM message WHERE "
	    "to_names = 'Alice, Carol, C.';"), 1);
	assert_int_equal(one_int(st, "SELECT count(*) FROM message WHERE "
	    "to_names = 'J\xc3\xbcrgen M, Eve';"), 1);
	assert_int_equal(one_int(st, "SELECT count(*) FROM message WHERE "
	    "to_names IS NULL;"), 1);
	assert_int_equal(store_check(st, &e), 0);
	store_close(st);
	unit_rmrf(t);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_read),
	    cmocka_unit_test(test_read_protected),
	    cmocka_unit_test(test_upgrade_3),
	    cmocka_unit_test(test_upgrade_9),
	    cmocka_unit_test(test_upgrade_11));
}
