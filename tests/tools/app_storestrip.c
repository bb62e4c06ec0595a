/*
 * app_storestrip HOME PASSFILE FOLDER: takes away the stored copy (body,
 * raw message and text) of every message of the local folder FOLDER,
 * keeping its row as it was: what is left to show of a message is what
 * the store keeps beside it. Prints how many it stripped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/vec.h"
#include "store/store.h"
#include "app/app.h"
#include "tests/tools/lib/app_tool.h"

static int
add_id(const struct store_msg *m, void *arg)
{
	return vec_ids_add(arg, m->id);
}

/* Message id again, as it is but for its stored copy. */
static int
strip(struct store *st, int64_t id, struct smerr *e)
{
	struct store_msg	*m = NULL, c;
	int			 r;

	if ((r = store_msg_load(st, id, &m, e)) != 0)
		return r;
	c = *m;
	c.body = c.raw = NULL;
	c.body_len = c.raw_len = 0;
	c.text = NULL;
	c.state = STORE_MSG_OK;
	r = store_msg_update(st, id, &c, e);
	store_msg_free(m);
	return r;
}

int
main(int argc, char **argv)
{
	struct app_session	*s = NULL;
	struct vec_ids		 l;
	struct smerr		 e;
	size_t			 i;
	int			 rc = 1;

	memset(&l, 0, sizeof(l));
	if (argc != 4) {
		fprintf(stderr, "usage: app_storestrip HOME PASSFILE FOLDER\n");
		return 2;
	}
	if (tool_session(argv[1], argv[2], NULL, &s, &e) != 0 ||
	    store_msg_foreach_name(app_session_store(s), argv[3], add_id, &l,
	    &e) != 0 || vec_ids_check(&l, &e) != 0)
		goto out;
	for (i = 0; i < l.n; i++)
		if (strip(app_session_store(s), l.v[i], &e) != 0)
			goto out;
	printf("%zu\n", l.n);
	rc = 0;
out:
	free(l.v);
	return tool_session_end("app_storestrip", s, rc, &e);
}
