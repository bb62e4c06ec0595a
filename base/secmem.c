#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	int		r = 0;

	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		r = -1;
	/*
	 * Not dumpable: no core file whatever the limit, and no ptrace or
	 * /proc/PID/mem from another process of the same user (gcore). The
	 * sanitizers' leak checker makes the process dumpable again for the
	 * moment it stops the world, so it keeps working.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		r = -1;
	return r;
}

void
secmem_lock(void *p, size_t len)
{
	/*
	 * Best effort: beyond RLIMIT_MEMLOCK the pages may be swapped. They
	 * stay locked after the block is freed, since a page may hold
	 * another locked block too; malloc hands them out again.
	 */
	if (p != NULL && len > 0)
		(void)mlock(p, len);
}

void
secmem_fds_private(void)
{
	int	fd, max, fl;

	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	/* An older kernel: one descriptor at a time. */
	if ((max = (int)sysconf(_SC_OPEN_MAX)) < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		if ((fl = fcntl(fd, F_GETFD)) != -1 && !(fl & FD_CLOEXEC))
			(void)fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}
