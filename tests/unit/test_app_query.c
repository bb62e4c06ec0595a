/*
 * app/query.c: the plan each form of the query language makes, what
 * binds tighter than what, the place every malformed query names, and
 * the bounds (length, nesting, terms) that hostile input meets.
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
#include "app/query.h"
#include "tests/unit/lib/unit.h"

/* The plan in prefix form: (and a b), (or a b), (not a), kind:text. */
static void
show(struct buf *b, const struct store_query *q)
{
	static const char *const names[] = {
		"and", "or", "not", "text", "from", "to", "subject", "signer",
		"unread", "flagged", "signed", "verified", "encrypted",
		"attachment", "after", "before",
	};

	if (q->kind <= STORE_Q_NOT) {
		buf_printf(b, "(%s ", names[q->kind]);
		show(b, q->a);
		if (q->b != NULL) {
			buf_putc(b, ' ');
			show(b, q->b);
		}
		buf_putc(b, ')');
	} else if (q->kind == STORE_Q_AFTER || q->kind == STORE_Q_BEFORE)
		buf_printf(b, "%s:%lld", names[q->kind], (long long)q->when);
	else if (q->kind >= STORE_Q_UNREAD)
		buf_printf(b, "is:%s", names[q->kind]);
	else
		buf_printf(b, "%s:%s", names[q->kind], q->text);
}

static void
plan_is(const char *query, const char *want)
{
	struct store_query	*q;
	struct smerr		 e;
	struct buf		*b;

	smerr_clear(&e);
	if (app_query_parse(query, &q, &e) != 0)
		fail_msg("%s: %s", query, smerr_msg(&e));
	assert_non_null(b = buf_new(0));
	show(b, q);
	buf_putc(b, '\0');
	assert_string_equal((const char *)buf_data(b), want);
	buf_free(b);
	app_query_free(q);
}

static void
fails_at(const char *query, const char *want)
{
	struct store_query	*q = (struct store_query *)1;
	struct smerr		 e;

	smerr_clear(&e);
	assert_int_equal(app_query_parse(query, &q, &e), SMERR_USAGE);
	assert_null(q);
	if (strncmp(smerr_msg(&e), want, strlen(want)) != 0)
		fail_msg("%s: '%s', not '%s...'", query, smerr_msg(&e), want);
}

static void
test_terms(void **state)
{
	(void)state;
	plan_is("walrus", "text:walrus");
	plan_is("\"a phrase\"", "text:a phrase");
	plan_is("From:Bob", "from:Bob");
	plan_is("to:carol subject:\"re: x\"",
	    "(and to:carol subject:re: x)");
	plan_is("signer:bob@example.test", "signer:bob@example.test");
	plan_is("is:unread is:FLAGGED", "(and is:unread is:flagged)");
	plan_is("is:signed is:verified is:encrypted is:attachment",
	    "(and (and (and is:signed is:verified) is:encrypted) "
	    "is:attachment)");
	plan_is("after:1970-01-02 before:2000-03-01",
	    "(and after:86400 before:951868800)");
	plan_is("12:30", "text:12:30");
}

static void
test_operators(void **state)
{
	(void)state;
	plan_is("a b OR c", "(and text:a (or text:b text:c))");
	plan_is("a AND b", "(and text:a text:b)");
	plan_is("(a b) OR c", "(or (and text:a text:b) text:c)");
	plan_is("-a", "(not text:a)");
	plan_is("--a", "(not (not text:a))");
	plan_is("-(a OR b) c", "(and (not (or text:a text:b)) text:c)");
	plan_is("a OR b OR -c", "(or (or text:a text:b) (not text:c))");
	plan_is("  ( a )  ", "text:a");
	plan_is("or and", "(and text:or text:and)");
}

static void
test_malformed(void **state)
{
	(void)state;
	fails_at("", "query: at 1: a term is missing");
	fails_at("   ", "query: at 4: a term is missing");
	fails_at("(a", "query: at 1: a '(' is not closed");
	fails_at("a)", "query: at 2: a ')' without");
	fails_at(")", "query: at 1: a ')' without");
	fails_at("()", "query: at 1: empty parentheses");
	fails_at("a OR", "query: at 5: a term is missing after 'OR'");
	fails_at("OR a", "query: at 1: a term is missing before 'OR'");
	fails_at("a AND", "query: at 6: a term is missing after 'AND'");
	fails_at("a OR AND b", "query: at 6: a term is missing after 'OR'");
	fails_at("a -", "query: at 3: a term is missing after '-'");
	fails_at("\"open", "query: at 1: a quote is not closed");
	fails_at("\"\"", "query: at 1: an empty phrase");
	fails_at("from:", "query: at 1: a value is missing after 'from:'");
	fails_at("is:seen", "query: at 4: unknown is: value 'seen'");
	fails_at("colour:red", "query: at 1: unknown field 'colour:'");
	fails_at("before:2026-02-30", "query: at 8: not a day");
	fails_at("after:26-01-01", "query: at 7: not a day");
	fails_at("after:2026-1-011", "query: at 7: not a day");
}

static void
test_bounds(void **state)
{
	struct store_query	*q;
	struct smerr		 e;
	char			*s;
	size_t			 i;

	(void)state;
	assert_non_null(s = malloc(8192));
	/* Nesting: a little is fine, too much is an error, not a crash. */
	for (i = 0; i < 20; i++)
		s[i] = '(';
	s[i] = 'a';
	memset(s + i + 1, ')', 20);
	s[2 * i + 1] = '\0';
	smerr_clear(&e);
	assert_int_equal(app_query_parse(s, &q, &e), 0);
	app_query_free(q);
	memset(s, '(', 4000);
	s[4000] = '\0';
	fails_at(s, "query: at 34: nested too deep");
	memset(s, '-', 4000);
	s[3999] = 'a';
	fails_at(s, "query: at 34: nested too deep");
	/* Terms. */
	for (i = 0; i < 200; i++)
		memcpy(s + i * 2, "a ", 2);
	s[400] = '\0';
	fails_at(s, "query: at 257: too many terms");
	/* Length. */
	memset(s, 'a', 5000);
	s[5000] = '\0';
	fails_at(s, "query: at 4097: the query is too long");
	free(s);
}

static int
count_cb(const struct store_msg *m, void *arg)
{
	(void)m;
	(*(int *)arg)++;
	return 0;
}

/* What query finds in st's INBOX, or -1 when the store refused it. */
static int
hits(struct store *st, const char *query)
{
	struct store_query	*q;
	struct smerr		 e;
	int			 n = 0;

	smerr_clear(&e);
	if (app_query_parse(query, &q, &e) != 0)
		fail_msg("%s: %s", query, smerr_msg(&e));
	if (store_msg_query(st, "a", "INBOX", q, count_cb, &n, &e) != 0)
		n = -1;
	app_query_free(q);
	return n;
}

/* A query and how many of the test's messages it finds. */
struct hit_case {
	const char	*query;
	int		 n;
};

/* Each of the n cases finds as many messages in st as it says. */
static void
hits_are(struct store *st, const struct hit_case *cases, size_t n)
{
	size_t	i;
	int	got;

	for (i = 0; i < n; i++) {
		got = hits(st, cases[i].query);
		if (got != cases[i].n)
			print_error("%s\n", cases[i].query);
		assert_int_equal(got, cases[i].n);
	}
}

/* A message from, of subject, holding text, with flags, in folder. */
static void
add_msg(struct store *st, int64_t folder, uint32_t uid, const char *from,
    const char *subject, const char *text, const char *flags)
{
	struct store_msg	m = { .folder = folder, .uid = uid, .from = from,
	    .subject = subject, .text = text, .flags = flags };
	struct smerr		e;

	smerr_clear(&e);
	assert_int_equal(store_msg_add(st, &m, NULL, &e), 0);
}

/*
 * A new store in dir (a mkdtemp template, made here), its folder INBOX of
 * account "a" in *folder.
 */
static struct store *
inbox_store(char *dir, int64_t *folder)
{
	static const uint8_t	 key[STORE_KEY_LEN] = { 7 };
	struct store		*st;
	struct smerr		 e;

	assert_non_null(mkdtemp(dir));
	smerr_clear(&e);
	assert_int_equal(store_open(dir, key, &st, &e), 0);
	assert_int_equal(store_folder_open(st, "a", "INBOX", folder, &e), 0);
	return st;
}

/*
 * Text that means something to SQL, LIKE or FTS4 is only ever text: it
 * finds what holds it, and the store is the same afterwards.
 */
static void
test_hostile_text(void **state)
{
	static const struct hit_case	cases[] = {
		{ "walrus", 1 },
		{ "NEAR", 1 },
		{ "\"walrus NEAR\"", 1 },
		{ "walrus*", 1 },
		{ "walr*", 0 },
		{ "*", 0 },
		{ "^the", 1 },
		{ "from:\"o'brien\"", 1 },
		{ "from:%", 0 },
		{ "subject:%", 1 },
		{ "subject:_", 1 },
		{ "subject:e_n", 1 },
		{ "subject:e%n", 0 },	/* no wildcard */
		{ "subject:o_e", 0 },
		{ "subject:DONE_NOW", 1 },
		{ "from:\"O'BRIEN@\"", 1 },
		{ "subject:\"'); DROP TABLE message; --\"", 0 },
		{ "is:unread", 1 },
		{ "-is:unread", 1 },
		{ "is:signed OR is:verified OR is:encrypted OR is:attachment "
		    "OR signer:x OR to:x", 0 },
		{ "-(is:signed OR to:x)", 2 },
		{ "from:\xc3\x84\xc3\x96", 0 },
	};
	struct store		*st;
	struct smerr		 e;
	char			 dir[] = "/tmp/test_query.XXXXXX";
	int64_t			 folder;
	size_t			 done, left;

	(void)state;
	st = inbox_store(dir, &folder);
	add_msg(st, folder, 1, "o'brien@example.test", "100% done_now",
	    "the walrus NEAR the *star* OR not", "\\Seen");
	add_msg(st, folder, 2, "bob@example.test", "plain", "nothing to see",
	    "");
	assert_int_equal(store_index(st, 0, &done, &left, &e), 0);
	hits_are(st, cases, sizeof(cases) / sizeof(cases[0]));
	store_close(st);
	unit_rmrf(dir);
}

/*
 * from: and subject: in any case beyond ASCII too, as the words do; from:
 * in the display name as in the address.
 */
static void
test_any_script(void **state)
{
	static const struct hit_case	cases[] = {
		{ "from:J\xc3\x9cRGEN", 1 },		/* JÜRGEN */
		{ "from:\"j\xc3\xbcrgen m\xc3\xbcller\"", 1 },
		{ "from:juergen@", 1 },
		{ "from:bob", 1 },
		{ "from:\xc3\x84\xc3\x96", 0 },	/* ÄÖ */
		{ "subject:K\xc3\x96LN", 1 },		/* KÖLN */
		{ "subject:gr\xc3\xbc", 1 },		/* grü */
		{ "subject:\xce\xb1\xce\xb8\xce\xb7\xce\xbd\xce\xb1", 1 },
		{ "subject:%\xc3\xbc", 0 },	/* %ü: no wildcard */
		{ "from:\xc3\xbc OR subject:PLAIN", 2 },
	};
	struct store_msg	 m = { .uid = 1, .from = "juergen@example.test",
	    .from_name = "J\xc3\xbcrgen M\xc3\xbcller", .subject = "Gr\xc3"
	    "\xbc\xc3\x9f" "e aus K\xc3\xb6ln, \xce\x91\xce\x98\xce\x97"
	    "\xce\x9d\xce\x91", .text = "hallo", .flags = "" };
	struct store		*st;
	struct smerr		 e;
	char			 dir[] = "/tmp/test_query.XXXXXX";

	(void)state;
	st = inbox_store(dir, &m.folder);
	smerr_clear(&e);
	assert_int_equal(store_msg_add(st, &m, NULL, &e), 0);
	add_msg(st, m.folder, 2, "bob@example.test", "plain", "nothing", "");
	hits_are(st, cases, sizeof(cases) / sizeof(cases[0]));
	store_close(st);
	unit_rmrf(dir);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_terms),
	    cmocka_unit_test(test_operators),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_hostile_text),
	    cmocka_unit_test(test_any_script));
}
