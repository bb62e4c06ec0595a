/*
 * app/thread.c: a reply chain with a missing middle, two threads with
 * one subject kept apart, a loop of References, a chain 1,000 deep, the
 * order of threads and its reverse, and 100,000 messages timed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "base/err.h"
#include "base/vec.h"
#include "app/thread.h"
#include "tests/unit/lib/unit.h"

/* One message: id, Message-ID, In-Reply-To, References, date. */
#define M(i, mid, irt, refs, d) { .id = (i), .message_id = (mid), \
	.in_reply_to = (irt), .references = (refs), .date = (d) }

static void
run(const struct thread_msg *m, size_t n, int reverse, struct thread_pos *o)
{
	struct smerr	e;

	smerr_clear(&e);
	assert_int_equal(thread_order(m, n, reverse, o, &e), 0);
}

/*
 * Row i of the order o is message id, under parent (0: none), at depth;
 * a failure names the case.
 */
static void
at(const char *name, const struct thread_msg *m, const struct thread_pos *o,
    size_t i, int64_t id, int64_t parent, int depth)
{
	if (m[o[i].index].id != id)
		fail_msg("%s: row %zu: id %lld, not %lld", name, i,
		    (long long)m[o[i].index].id, (long long)id);
	if (o[i].parent != parent)
		fail_msg("%s: row %zu: parent %lld, not %lld", name, i,
		    (long long)o[i].parent, (long long)parent);
	if (o[i].depth != depth)
		fail_msg("%s: row %zu: depth %d, not %d", name, i,
		    o[i].depth, depth);
}

/*
 * Threads the n messages m of the case name into o and checks each row
 * against want: id, parent, depth.
 */
static void
threaded(const char *name, const struct thread_msg *m, size_t n,
    const int64_t (*want)[3], struct thread_pos *o)
{
	size_t	i;

	run(m, n, 0, o);
	for (i = 0; i < n; i++)
		at(name, m, o, i, want[i][0], want[i][1], (int)want[i][2]);
}

/* The ids of the n rows of the order o are want's, in that order. */
static void
ids_are(const struct thread_msg *m, const struct thread_pos *o,
    const int64_t *want, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		assert_int_equal(m[o[i].index].id, want[i]);
}

static void
test_empty(void **state)
{
	struct smerr	e;

	(void)state;
	smerr_clear(&e);
	assert_int_equal(thread_order(NULL, 0, 0, NULL, &e), 0);
}

/* a <- b <- c <- d, with c never received: d goes under b. */
static void
test_missing_middle(void **state)
{
	const struct thread_msg	m[] = {
		M(4, "<d@x>", "<c@x>", "<a@x> <b@x> <c@x>", 400),
		M(1, "<a@x>", NULL, NULL, 100),
		M(2, "<b@x>", "<a@x>", "<a@x>", 200),
	};
	const int64_t		want[][3] = { { 1, 0, 0 }, { 2, 1, 1 },
	    { 4, 2, 2 } };
	struct thread_pos	o[3];

	(void)state;
	threaded("missing middle", m, 3, want, o);
	assert_int_equal(o[0].thread, o[2].thread);
}

/*
 * Two threads about "lunch" (the threader sees no subject at all), and
 * a reply without References but with In-Reply-To. The second thread's
 * newest message is older than the first's: it comes first.
 */
static void
test_same_subject_apart(void **state)
{
	const struct thread_msg	m[] = {
		M(1, "<l1@x>", NULL, NULL, 100),
		M(2, "<l2@x>", NULL, NULL, 150),
		M(3, "<r1@x>", "<l1@x>", NULL, 500),
		M(4, "<r2@x>", "<l2@x>", "<l2@x>", 300),
	};
	const int64_t		want[] = { 2, 4, 1, 3 };
	const int64_t		rwant[] = { 1, 3, 2, 4 };
	struct thread_pos	o[4];

	(void)state;
	run(m, 4, 0, o);
	ids_are(m, o, want, 4);
	assert_int_equal(o[0].thread, 1);
	assert_int_equal(o[1].thread, 1);
	assert_int_equal(o[2].thread, 2);
	assert_int_equal(o[3].thread, 2);
	assert_int_equal(o[3].parent, 1);
	/* Reversed: threads swap, each keeps its tree order. */
	run(m, 4, 1, o);
	ids_are(m, o, rwant, 4);
	assert_int_equal(o[1].depth, 1);
}

/* Threads of three messages and their rows: id, parent, depth. */
static void
test_three(void **state)
{
	static const struct {
		const char		*name;
		struct thread_msg	 m[3];
		int64_t			 want[3][3];
	} cases[] = {
		/*
		 * b came from a client that writes no In-Reply-To or
		 * References; c's References put it under a. A root named
		 * in References stays a root.
		 */
		{ "borrowed parent", {
			M(3, "<c@x>", "<b@x>", "<a@x> <b@x>", 300),
			M(2, "<b@x>", NULL, NULL, 200),
			M(1, "<a@x>", NULL, NULL, 100),
		}, { { 1, 0, 0 }, { 2, 1, 1 }, { 3, 2, 2 } } },
		/*
		 * x says it answers y, y says it answers x: broken at the
		 * older, x. s answers itself.
		 */
		{ "loop", {
			M(7, "<y@x>", "<x@x>", "<z@x> <x@x>", 200),
			M(6, "<x@x>", "<y@x>", "<y@x>", 100),
			M(8, "<s@x>", "<s@x>", "<s@x>", 50),
		}, { { 8, 0, 0 }, { 6, 0, 0 }, { 7, 6, 1 } } },
	};
	struct thread_pos	o[3];
	size_t			k;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
		threaded(cases[k].name, cases[k].m, 3, cases[k].want, o);
}

/* Siblings in date order; a duplicate Message-ID is kept, not lost. */
static void
test_siblings(void **state)
{
	const struct thread_msg	m[] = {
		M(1, "<r@x>", NULL, NULL, 10),
		M(2, "<k2@x>", "<r@x>", NULL, 30),
		M(3, "<k1@x>", "<r@x>", NULL, 20),
		M(4, "<k1@x>", NULL, NULL, 40),
		M(5, "<g@x>", "<k1@x>", NULL, 25),
	};
	struct thread_pos	o[5];
	const int64_t		want[] = { 1, 3, 5, 2, 4 };

	(void)state;
	run(m, 5, 0, o);
	ids_are(m, o, want, 5);
	assert_int_equal(o[2].depth, 2);
	assert_int_equal(o[4].depth, 0);
	assert_int_not_equal(o[4].thread, o[0].thread);
}

/*
 * The tree drawn for the siblings above, and for two threads one after
 * the other: a branch goes on ("│") only while its place has siblings
 * still to come.
 */
static void
test_tree(void **state)
{
	const struct thread_pos	o[] = {
		{ 0, 1, 0, 0 }, { 1, 1, 1, 1 }, { 2, 1, 2, 2 }, { 3, 1, 2, 2 },
		{ 4, 1, 1, 1 }, { 5, 1, 2, 5 }, { 6, 2, 0, 0 }, { 7, 2, 1, 7 },
	};
	const char	*want[] = { NULL, "├─>", "│ ├─>", "│ └─>", "└─>",
	    "  └─>", NULL, "└─>" };
	char		*t[8];
	struct smerr	 e;
	size_t		 i;

	(void)state;
	smerr_clear(&e);
	assert_int_equal(thread_tree(o, 8, t, &e), 0);
	for (i = 0; i < 8; i++) {
		if (want[i] == NULL)
			assert_null(t[i]);
		else
			assert_string_equal(t[i], want[i]);
		free(t[i]);
	}
	assert_int_equal(thread_tree(NULL, 0, NULL, &e), 0);
}

static struct thread_msg *
chain(size_t n, char ***idsp)
{
	struct thread_msg	*m;
	char			**ids;
	size_t			 i;

	assert_non_null(m = calloc(n, sizeof(*m)));
	assert_non_null(ids = calloc(n, sizeof(*ids)));
	for (i = 0; i < n; i++) {
		assert_non_null(ids[i] = malloc(32));
		snprintf(ids[i], 32, "<c%zu@x>", i);
		m[i].id = (int64_t)i + 1;
		m[i].message_id = ids[i];
		m[i].in_reply_to = i > 0 ? ids[i - 1] : NULL;
		m[i].date = (time_t)(1000 + i);
	}
	*idsp = ids;
	return m;
}

static void
chain_free(struct thread_msg *m, char **ids, size_t n)
{
	vec_strv_free(ids, n);
	free(m);
}

static void
test_deep_chain(void **state)
{
	struct thread_msg	*m;
	struct thread_pos	*o;
	struct smerr		 e;
	char			**ids, **t;
	size_t			 i, n = 1000;

	(void)state;
	m = chain(n, &ids);
	assert_non_null(o = calloc(n, sizeof(*o)));
	run(m, n, 0, o);
	for (i = 0; i < n; i++) {
		assert_int_equal(o[i].index, i);
		assert_int_equal(o[i].depth, (int)i);
		assert_int_equal(o[i].thread, 1);
	}
	/* Drawn to THREAD_TREE_LEVELS ancestors, the rest cut to "…". */
	assert_non_null(t = calloc(n, sizeof(*t)));
	smerr_clear(&e);
	assert_int_equal(thread_tree(o, n, t, &e), 0);
	assert_null(t[0]);
	assert_string_equal(t[2], "  └─>");
	assert_int_equal(strncmp(t[n - 1], "…", strlen("…")), 0);
	assert_int_equal(strlen(t[n - 1]), strlen("…") +
	    2 * (THREAD_TREE_LEVELS - 1) + strlen("└─>"));
	vec_strv_free(t, n);
	free(o);
	chain_free(m, ids, n);
}

/*
 * 100,000 messages in threads of ten, each reply naming the whole
 * chain before it in References, as mail does: the figure is printed.
 */
static void
test_speed(void **state)
{
	struct thread_msg	*m;
	struct thread_pos	*o;
	struct timespec		 a, b;
	char			**ids, *refs;
	size_t			 i, n = 100000, len;
	double			 ms;

	(void)state;
	m = chain(n, &ids);
	assert_non_null(refs = malloc(n * 16 * 10));
	for (i = 0; i < n; i++) {
		char	*p = refs + i * 160;
		size_t	 k;

		p[0] = '\0';
		if (i % 10 == 0) {
			m[i].in_reply_to = NULL;
			continue;
		}
		for (k = i - i % 10, len = 0; k < i; k++)
			len += (size_t)snprintf(p + len, 160 - len, "%s%s",
			    len > 0 ? " " : "", ids[k]);
		m[i].references = p;
	}
	assert_non_null(o = calloc(n, sizeof(*o)));
	clock_gettime(CLOCK_MONOTONIC, &a);
	run(m, n, 0, o);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	print_message("threading %zu messages: %.1f ms\n", n, ms);
	assert_int_equal(o[n - 1].thread, n / 10);
	assert_int_equal(o[n - 1].depth, 9);
	free(o);
	free(refs);
	chain_free(m, ids, n);
}

/* The flat orders: each key, then date, then id; and reversed. */
static void
test_sort(void **state)
{
	const struct thread_msg	m[] = {
		{ .id = 1, .date = 30, .from = "bob@x", .subject = "Re: b",
		    .size = 500 },
		{ .id = 2, .date = 10, .from = "Carol@x", .subject = "a",
		    .size = 100 },
		{ .id = 3, .date = 20, .from = "bob@x", .subject = "RE: Aw: a",
		    .size = 100 },
		{ .id = 4, .date = 20, .from = "alice@x", .subject = NULL,
		    .size = 900 },
	};
	static const struct {
		enum thread_key	 key;
		int		 reverse;
		int64_t		 want[4];
	} cases[] = {
		{ THREAD_BY_DATE, 0, { 2, 3, 4, 1 } },
		{ THREAD_BY_DATE, 1, { 1, 4, 3, 2 } },
		{ THREAD_BY_FROM, 0, { 4, 3, 1, 2 } },
		{ THREAD_BY_SUBJECT, 0, { 4, 2, 3, 1 } },
		{ THREAD_BY_SIZE, 0, { 2, 3, 1, 4 } },
		{ THREAD_BY_SIZE, 1, { 4, 1, 3, 2 } },
	};
	struct thread_pos	o[4];
	struct smerr		e;
	size_t			i, k;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		smerr_clear(&e);
		assert_int_equal(thread_sort(m, 4, cases[k].key,
		    cases[k].reverse, o, &e), 0);
		for (i = 0; i < 4; i++) {
			assert_int_equal(m[o[i].index].id, cases[k].want[i]);
			assert_int_equal(o[i].depth, 0);
		}
	}
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_missing_middle),
	    cmocka_unit_test(test_same_subject_apart),
	    cmocka_unit_test(test_three),
	    cmocka_unit_test(test_siblings),
	    cmocka_unit_test(test_tree),
	    cmocka_unit_test(test_deep_chain),
	    cmocka_unit_test(test_speed),
	    cmocka_unit_test(test_sort));
}
