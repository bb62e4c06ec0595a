/*
 * crypto_judge: judges messages with crypto_judge() and prints the
 * inspect --json object of each, one per line. For tests and for
 * measuring, without the key store:
 *
 *	crypto_judge [--system] [--anchor FILE]... [--cert FILE]...
 *	    [--identity CERT KEY]... [--time WHEN] [--repeat N] FILE|-...
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/text.h"
#include "crypto/crypto.h"
#include "app/app.h"
#include "tests/tools/lib/tool.h"

static int
usage(void)
{
	fprintf(stderr, "usage: crypto_judge [--system] [--anchor FILE]... "
	    "[--cert FILE]... [--identity CERT KEY]... [--time WHEN] "
	    "[--repeat N] [--quiet] FILE|-...\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct crypto_ctx	*ctx = NULL;
	struct crypto_verdict	*v;
	struct smerr		 e;
	struct buf		*a = NULL, *b = NULL, *out = NULL;
	time_t			 when;
	long			 repeat = 1, k;
	int			 i, r, rc = 0, quiet = 0;

	smerr_clear(&e);
	if (crypto_ctx_new(&ctx, &e) != 0)
		goto fail;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0';
	    i++) {
		if (strcmp(argv[i], "--system") == 0) {
			if (crypto_ctx_use_system_anchors(ctx, &e) != 0)
				goto fail;
		} else if (strcmp(argv[i], "--quiet") == 0)
			quiet = 1;
		else if ((strcmp(argv[i], "--anchor") == 0 ||
		    strcmp(argv[i], "--cert") == 0) && i + 1 < argc) {
			if (tool_load(argv[i + 1], 1, &a, &e) != 0)
				goto fail;
			r = argv[i][2] == 'a' ?
			    crypto_ctx_add_anchor(ctx, buf_data(a), buf_len(a),
			    &e) : crypto_ctx_add_intermediate(ctx, buf_data(a),
			    buf_len(a), &e);
			buf_free(a);
			a = NULL;
			if (r != 0)
				goto fail;
			i++;
		} else if (strcmp(argv[i], "--identity") == 0 &&
		    i + 2 < argc) {
			if (tool_load(argv[i + 1], 1, &a, &e) != 0 ||
			    tool_load(argv[i + 2], 1, &b, &e) != 0 ||
			    crypto_ctx_add_identity(ctx, buf_data(a),
			    buf_len(a), buf_data(b), buf_len(b), &e) != 0)
				goto fail;
			buf_free(a);
			buf_free(b);
			a = b = NULL;
			i += 2;
		} else if (strcmp(argv[i], "--time") == 0 && i + 1 < argc) {
			if (text_parse_time(argv[i + 1], &when, &e) != 0)
				goto fail;
			crypto_ctx_set_time(ctx, when);
			i++;
		} else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
			repeat = strtol(argv[i + 1], NULL, 10);
			if (repeat < 1)
				return usage();
			i++;
		} else
			return usage();
	}
	if (i == argc)
		return usage();
	for (; i < argc; i++) {
		if (tool_load(argv[i], 1, &a, &e) != 0)
			goto fail;
		for (k = 0; k < repeat; k++) {
			if (crypto_judge(ctx, buf_data(a), buf_len(a), &v,
			    &e) != 0) {
				fprintf(stderr, "crypto_judge: %s: %s\n",
				    argv[i], smerr_msg(&e));
				smerr_clear(&e);
				rc = 1;
				break;
			}
			if (!quiet && k == 0) {
				if ((out = buf_new(0)) == NULL ||
				    app_verdict_json(v, out) != 0) {
					crypto_verdict_free(v);
					smerr_nomem(&e);
					goto fail;
				}
				printf("%s\n", buf_str(out));
				buf_free(out);
				out = NULL;
			}
			crypto_verdict_free(v);
		}
		buf_free(a);
		a = NULL;
	}
	crypto_ctx_free(ctx);
	return rc;
fail:
	fprintf(stderr, "crypto_judge: %s\n", smerr_msg(&e));
	buf_free(a);
	buf_free(b);
	buf_free(out);
	crypto_ctx_free(ctx);
	return 1;
}
