/*
 * libFuzzer target: the JSON reader of base/json.c (links base/ only),
 * over any bytes. Invariants: every position it returns lies inside the
 * text, a skip moves forward, and a decoded string is no longer than the
 * text it came from.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_value(const char *lo, const char *hi, const char *v)
{
	const char	*e, *el;
	char		*s;
	int		 n = 0;

	if (v == NULL)
		return;
	assert(v >= lo && v <= hi);
	if ((e = json_skip(v)) != NULL)
		assert(e > v && e <= hi);
	if ((s = json_string(v)) != NULL) {
		assert(strlen(s) <= (size_t)(hi - v));
		free(s);
	}
	for (el = json_first(v); el != NULL && n < 64; el = json_next(el)) {
		assert(el >= lo && el <= hi);
		n++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const keys[] = { "findings", "coverage", "cipher",
	    "line", "signed", "text" };
	char	*s;
	size_t	 i;

	if ((s = malloc(len + 1)) == NULL)
		return 0;
	memcpy(s, data, len);
	s[len] = '\0';
	check_value(s, s + len, s);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		check_value(s, s + len, json_member(s, keys[i]));
	free(s);
	return 0;
}
