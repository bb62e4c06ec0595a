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

/*
 * The calling thread's affinity mask in *setp (CPU_FREE it), *sizep its
 * size; -1 when it cannot be read. The mask may be wider than a cpu_set_t:
 * it grows until it fits.
 */
static int
affinity_get(cpu_set_t **setp, size_t *sizep)
{
	cpu_set_t	*set;
	size_t		 size;
	int		 max;

	for (max = 1024; max <= 1024 * 64; max *= 2) {
		if ((set = CPU_ALLOC(max)) == NULL)
			return -1;
		size = CPU_ALLOC_SIZE(max);
		CPU_ZERO_S(size, set);
		if (sched_getaffinity(0, size, set) == 0) {
			*setp = set;
			*sizep = size;
			return 0;
		}
		CPU_FREE(set);
		if (errno != EINVAL)
			return -1;	/* no such call */
	}
	return -1;
}

long
proc_ncpu(void)
{
	cpu_set_t	*set;
	size_t		 size;
	long		 n = 0;

	if (affinity_get(&set, &size) == 0) {
		n = CPU_COUNT_S(size, set);
		CPU_FREE(set);
	}
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}

int
proc_pin_nth(size_t i)
{
	cpu_set_t	*set;
	size_t		 size, n, k;
	int		 cpu, r = -1;

	if (affinity_get(&set, &size) != 0)
		return -1;
	if ((n = (size_t)CPU_COUNT_S(size, set)) > 0) {
		k = i % n;
		for (cpu = 0; (size_t)cpu < size * 8; cpu++) {
			if (!CPU_ISSET_S(cpu, size, set) || k-- > 0)
				continue;
			CPU_ZERO_S(size, set);
			CPU_SET_S(cpu, size, set);
			r = sched_setaffinity(0, size, set);
			break;
		}
	}
	CPU_FREE(set);
	return r == 0 ? 0 : -1;
}

int
proc_share_cpus(long pid)
{
	cpu_set_t	*set;
	size_t		 size;
	int		 r;

	if (pid <= 0 || (pid_t)pid != pid || affinity_get(&set, &size) != 0)
		return -1;
	r = sched_setaffinity((pid_t)pid, size, set);
	CPU_FREE(set);
	return r == 0 ? 0 : -1;
}

void
proc_stdio_hold(void)
{
	int	fd, nul;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		/* The lowest free descriptor: fd itself. */
		nul = open("/dev/null", (fd == 0 ? O_WRONLY : O_RDONLY));
		if (nul != -1 && nul != fd) {
			(void)dup2(nul, fd);
			close(nul);
		}
	}
}

void
proc_child_signals(void)
{
	struct sigaction	sa;
	sigset_t		none;
	int			sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	/* The few the C library keeps for itself refuse, and stay. */
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

pid_t
proc_fork(void)
{
	sigset_t	all, old;
	pid_t		pid;
	int		saved;

	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &old) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		proc_child_signals();
		return 0;
	}
	saved = errno;
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return pid;
}
