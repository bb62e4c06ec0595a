#include <sys/resource.h>

#include <stdlib.h>
#include <string.h>

#include "secmem.h"

void
secmem_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		explicit_bzero(p, len);
}

void
secmem_strfree(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void
secmem_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}

int
secmem_equal(const void *a, const void *b, size_t len)
{
	const volatile unsigned char	*x = a, *y = b;
	unsigned char			 d = 0;
	size_t				 i;

	for (i = 0; i < len; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

int
secmem_no_coredump(void)
{
	struct rlimit	rl = { 0, 0 };

	/*
	 * RLIMIT_CORE only: PR_SET_DUMPABLE would also stop the leak
	 * checker of the sanitizer builds from inspecting the process.
	 */
	return setrlimit(RLIMIT_CORE, &rl) == -1 ? -1 : 0;
}
