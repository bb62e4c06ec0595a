/*
 * app_storeflags HOME PASSFILE ID FLAGS: sets message ID's local flags to
 * FLAGS (space-separated) as they are, unchecked, as a local change not
 * yet pushed: what a store made before the flag command checked keywords
 * may hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "store/store.h"
#include "app/app.h"
#include "tests/tools/lib/app_tool.h"

int
main(int argc, char **argv)
{
	struct app_session	*s = NULL;
	struct smerr		 e;
	char			*end;
	long long		 id;
	int			 rc = 1;

	if (argc != 5) {
		fprintf(stderr, "usage: app_storeflags HOME PASSFILE ID "
		    "FLAGS\n");
		return 2;
	}
	id = strtoll(argv[3], &end, 10);
	if (*argv[3] == '\0' || *end != '\0' || id <= 0) {
		fprintf(stderr, "app_storeflags: bad ID\n");
		return 2;
	}
	if (tool_session(argv[1], argv[2], NULL, &s, &e) != 0 ||
	    store_msg_set_local_flags(app_session_store(s), id, argv[4],
	    &e) != 0)
		goto out;
	rc = 0;
out:
	return tool_session_end("app_storeflags", s, rc, &e);
}
