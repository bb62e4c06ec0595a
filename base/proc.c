/*
 * Process liveness. kill(pid, 0) alone calls a zombie alive, and a
 * process killed while its parent was dying may stay one for as long as
 * the machine runs, so its state in /proc decides.
 */
#include <sys/types.h>

#include <sched.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/proc.h"

int
proc_alive(long pid)
{
	char		 path[64], st[512], *p;
	ssize_t		 n;
	int		 fd;

	if (pid <= 0 || (pid_t)pid != pid)
		return 0;
	if (kill((pid_t)pid, 0) == -1 && errno != EPERM)
		return 0;
	if (snprintf(path, sizeof(path), "/proc/%ld/stat", pid) >=
	    (int)sizeof(path) || (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 1;		/* no /proc: kill(2) has to do */
	n = read(fd, st, sizeof(st) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	st[n] = '\0';
	/* "pid (comm) S ...": comm may hold anything, so the last ')'. */
	if ((p = strrchr(st, ')')) == NULL || p[1] != ' ')
		return 1;
	return p[2] != 'Z' && p[2] != 'X';
}

long
proc_ncpu(void)
{
	cpu_set_t	*set;
	size_t		 size;
	long		 n = 0;
	int		 max;

	/* The mask may be wider than a cpu_set_t: grow until it fits. */
	for (max = 1024; max <= 1024 * 64 && n == 0; max *= 2) {
		if ((set = CPU_ALLOC(max)) == NULL)
			break;
		size = CPU_ALLOC_SIZE(max);
		CPU_ZERO_S(size, set);
		if (sched_getaffinity(0, size, set) == 0)
			n = CPU_COUNT_S(size, set);
		else if (errno != EINVAL)
			max = 1024 * 64;	/* no such call: stop */
		CPU_FREE(set);
	}
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}
