/*
 * app_threadtime COUNT ROUNDS: times threading COUNT messages as the index
 * does when `o` asks for threads: thread_order, then thread_tree for the
 * drawing. The messages come in threads of ten, each reply naming the
 * whole chain before it in References as mail does, every thread a day
 * apart. Prints the min/median/max in milliseconds over ROUNDS, for make
 * bench.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "app/thread.h"
#include "tests/tools/lib/tool.h"

#define CHAIN	10
#define IDLEN	32

/* COUNT messages in threads of CHAIN; ids and refs are the storage. */
static struct thread_msg *
messages(size_t n, char **idsp, char **refsp)
{
	struct thread_msg	*m;
	char			*ids, *refs;
	size_t			 i, k, len;

	m = calloc(n, sizeof(*m));
	ids = calloc(n, IDLEN);
	refs = calloc(n, CHAIN * IDLEN);
	if (m == NULL || ids == NULL || refs == NULL) {
		free(m);
		free(ids);
		free(refs);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		char	*p = refs + i * CHAIN * IDLEN;

		snprintf(ids + i * IDLEN, IDLEN, "<%zu@bench.test>", i);
		m[i].id = (int64_t)i + 1;
		m[i].message_id = ids + i * IDLEN;
		m[i].date = (time_t)(1700000000 + (i / CHAIN) * 86400 +
		    i % CHAIN);
		if (i % CHAIN == 0)
			continue;
		for (k = i - i % CHAIN, len = 0; k < i; k++)
			len += (size_t)snprintf(p + len, CHAIN * IDLEN - len,
			    "%s%s", len > 0 ? " " : "", ids + k * IDLEN);
		m[i].references = p;
		m[i].in_reply_to = ids + (i - 1) * IDLEN;
	}
	*idsp = ids;
	*refsp = refs;
	return m;
}

int
main(int argc, char **argv)
{
	struct thread_msg	*m;
	struct thread_pos	*o;
	struct smerr		 e;
	char			*ids = NULL, *refs = NULL, **t;
	double			*ms, t0;
	long			 n, rounds, i;
	size_t			 k;

	if (argc != 3 || (n = strtol(argv[1], NULL, 10)) <= 0 ||
	    n > 10000000 || (rounds = strtol(argv[2], NULL, 10)) <= 0 ||
	    rounds > 1000) {
		fprintf(stderr, "usage: app_threadtime COUNT ROUNDS\n");
		return 2;
	}
	ms = calloc((size_t)rounds, sizeof(*ms));
	o = calloc((size_t)n, sizeof(*o));
	t = calloc((size_t)n, sizeof(*t));
	if (ms == NULL || o == NULL || t == NULL ||
	    (m = messages((size_t)n, &ids, &refs)) == NULL) {
		fprintf(stderr, "app_threadtime: out of memory\n");
		return 1;
	}
	smerr_clear(&e);
	for (i = 0; i < rounds; i++) {
		t0 = tool_now_ms();
		if (thread_order(m, (size_t)n, 0, o, &e) != 0 ||
		    thread_tree(o, (size_t)n, t, &e) != 0) {
			fprintf(stderr, "app_threadtime: %s\n", smerr_msg(&e));
			return 1;
		}
		ms[i] = tool_now_ms() - t0;
		for (k = 0; k < (size_t)n; k++) {
			free(t[k]);
			t[k] = NULL;
		}
	}
	printf("%ld messages, %ld threads; ", n, (long)o[n - 1].thread);
	tool_print_ms(ms, (size_t)rounds);
	free(ms);
	free(o);
	free(t);
	free(m);
	free(ids);
	free(refs);
	return 0;
}
