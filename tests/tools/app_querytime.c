/*
 * app_querytime HOME PASSFILE FOLDER QUERY ROUNDS (PASSFILE "" for the
 * Secret Service; FOLDER "" for every folder): times a query of the
 * language of list and search against a store, from parsing to the last
 * message handed over, ROUNDS times after opening the store once, and
 * prints the count and the min/median/max in milliseconds. For the
 * benchmark of a limit over a large folder, apart from the fixed cost of
 * opening the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "store/store.h"
#include "app/app.h"
#include "tests/tools/lib/app_tool.h"
#include "tests/tools/lib/tool.h"
#include "app/query.h"

static int
count(const struct store_msg *m, void *arg)
{
	(void)m;
	(*(size_t *)arg)++;
	return 0;
}

int
main(int argc, char **argv)
{
	struct app_session	*s = NULL;
	struct store_query	*q = NULL;
	struct smerr		 e;
	double			*ms, t0;
	size_t			 n = 0;
	long			 i, rounds;
	int			 rc = 1;

	if (argc != 6 || (rounds = strtol(argv[5], NULL, 10)) <= 0 ||
	    rounds > 1000 || (ms = calloc((size_t)rounds, sizeof(*ms))) ==
	    NULL) {
		fprintf(stderr, "usage: app_querytime HOME PASSFILE FOLDER "
		    "QUERY ROUNDS\n");
		return 2;
	}
	if (tool_session(argv[1], argv[2], NULL, &s, &e) != 0)
		goto out;
	for (i = 0; i < rounds; i++) {
		n = 0;
		t0 = tool_now_ms();
		if (app_query_parse(argv[4], &q, &e) != 0 ||
		    store_msg_query(app_session_store(s), NULL,
		    argv[3][0] != '\0' ? argv[3] : NULL, q, count, &n, &e) != 0)
			goto out;
		ms[i] = tool_now_ms() - t0;
		app_query_free(q);
		q = NULL;
	}
	printf("%zu matched; ", n);
	tool_print_ms(ms, (size_t)rounds);
	rc = 0;
out:
	app_query_free(q);
	free(ms);
	return tool_session_end("app_querytime", s, rc, &e);
}
