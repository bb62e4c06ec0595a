/*
 * libFuzzer target: the query language (app/query.c) and the SQL its
 * plan becomes (store/query.c), with base/ beneath; no database. The
 * invariants: a query parses or names a place inside it (or just past
 * its end); a plan's SQL has balanced quotes, and parentheses outside
 * them (the user's text is bound, never written in), and binds at most
 * as many parameters as the store allows.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "store/store.h"
#include "store/store_int.h"
#include "app/query.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_sql(const char *sql)
{
	int	depth = 0, quoted = 0;

	for (; *sql != '\0'; sql++) {
		if (*sql == '\'')
			quoted = !quoted;
		else if (!quoted && *sql == '(')
			depth++;
		else if (!quoted && *sql == ')')
			assert(--depth >= 0);
	}
	assert(depth == 0 && !quoted);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct store_query	*q;
	struct store_qsql	 qs;
	struct smerr		 e;
	unsigned long		 at;
	char			*s, *p;

	if ((s = malloc(len + 1)) == NULL)
		return 0;
	memcpy(s, data, len);
	s[len] = '\0';
	smerr_clear(&e);
	if (app_query_parse(s, &q, &e) != 0) {
		assert(e.code == SMERR_USAGE || e.code == SMERR_NOMEM);
		if (e.code == SMERR_USAGE) {
			p = strstr(smerr_msg(&e), "at ");
			assert(p != NULL);
			at = strtoul(p + 3, NULL, 10);
			assert(at >= 1 && at <= strlen(s) + 1);
		}
		free(s);
		return 0;
	}
	memset(&qs, 0, sizeof(qs));
	if ((qs.sql = buf_new(0)) != NULL &&
	    store_query_sql(&qs, q, 0, &e) == 0 && buf_putc(qs.sql, '\0') == 0) {
		check_sql((const char *)buf_data(qs.sql));
		assert(qs.n <= STORE_QSQL_PARAMS);
	}
	store_qsql_clear(&qs);
	app_query_free(q);
	free(s);
	return 0;
}
