/*
 * libFuzzer target: the alias file and query-command readers of
 * app/addrbook.c, and the prefix match over what they give. The input's
 * first byte picks the reader and its last eight bytes are the prefix.
 * The invariants: every entry holds an '@', no control character and at
 * most 998 bytes, an alias has a name and a query answer none, and an
 * entry matches the start of its own text.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "app/app.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_text(const char *s)
{
	assert(strlen(s) <= 998);
	for (; *s != '\0'; s++)
		assert((unsigned char)*s >= 0x20 && *s != 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct app_addrs	 b;
	struct smerr		 e;
	char			 prefix[9], first[4];
	size_t			 i, plen;
	int			 alias;

	if (len < 1)
		return 0;
	alias = data[0] & 1;
	plen = len - 1 < 8 ? len - 1 : 8;
	memcpy(prefix, data + len - plen, plen);
	prefix[plen] = '\0';
	memset(&b, 0, sizeof(b));
	smerr_clear(&e);
	if (alias)
		(void)app_alias_parse((const char *)data + 1, len - 1, &b, &e);
	else
		(void)app_query_cmd_parse((const char *)data + 1, len - 1, &b,
		    &e);
	for (i = 0; i < b.n; i++) {
		assert(b.v[i].value != NULL && strchr(b.v[i].value, '@'));
		check_text(b.v[i].value);
		assert(alias ? b.v[i].nick != NULL : b.v[i].nick == NULL);
		if (b.v[i].nick != NULL)
			check_text(b.v[i].nick);
		(void)app_addr_match(&b.v[i], prefix);
		snprintf(first, sizeof(first), "%s", b.v[i].value);
		assert(app_addr_match(&b.v[i], first));
	}
	app_addrs_clear(&b);
	return 0;
}
