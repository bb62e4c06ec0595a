/*
 * Process liveness. kill(pid, 0) alone calls a zombie alive, and a
 * process killed while its parent was dying may stay one for as long as
 * the machine runs, so its state in /proc decides. A number alone does
 * not name a process for long: after a restart of the machine, or once
 * the numbers wrap, another process has it, so a record kept across
 * them names its process by the boot and its start time as well.
 */
#include <sys/types.h>

#include <sched.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/proc.h"

/* Enough of /proc/PID/stat for its first 22 fields. */
#define PROC_STAT_LEN	1024

/*
 * Reads /proc/pid/stat into st (size bytes); *afterp: the text after the
 * command name's ")", " STATE ...". 0; -1 when the process is gone; 1
 * when the file says nothing (no /proc, a process this user may not
 * see, or a text not as expected).
 */
static int
stat_read(long pid, char *st, size_t size, char **afterp)
{
	char		 path[64], *p;
	ssize_t		 n;
	int		 fd;

	if (snprintf(path, sizeof(path), "/proc/%ld/stat", pid) >=
	    (int)sizeof(path) || (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 1;
	n = read(fd, st, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	st[n] = '\0';
	/* "pid (comm) S ...": comm may hold anything, so the last ')'. */
	if ((p = strrchr(st, ')')) == NULL || p[1] != ' ' || p[2] == '\0')
		return 1;
	*afterp = p + 1;
	return 0;
}

int
proc_alive(long pid)
{
	char	 st[PROC_STAT_LEN], *p;
	int	 r;

	if (pid <= 0 || (pid_t)pid != pid)
		return 0;
	if (kill((pid_t)pid, 0) == -1 && errno != EPERM)
		return 0;
	if ((r = stat_read(pid, st, sizeof(st), &p)) != 0)
		return r == 1;		/* nothing in /proc: kill(2) has to do */
	return p[1] != 'Z' && p[1] != 'X';
}

/*
 * The boot id into boot ("" where the kernel has none: the start time has
 * to do), read once: it does not change while the machine runs.
 */
static int
boot_id(char *boot, size_t len)
{
	static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
	static char		 id[64];
	static int		 known;
	ssize_t			 n;
	int			 fd, r = 0;

	pthread_mutex_lock(&lock);
	if (!known) {
		if ((fd = open("/proc/sys/kernel/random/boot_id",
		    O_RDONLY | O_CLOEXEC)) == -1 && errno != ENOENT)
			r = -1;
		else if (fd != -1) {
			if ((n = read(fd, id, sizeof(id) - 1)) > 0)
				id[n] = '\0';
			close(fd);
			id[strcspn(id, "\n")] = '\0';
		}
		known = r == 0;
	}
	pthread_mutex_unlock(&lock);
	if (r == 0)
		(void)snprintf(boot, len, "%s", id);
	return r;
}

int
proc_ident(long pid, char *buf, size_t len)
{
	char		 st[PROC_STAT_LEN], boot[64], *p, *end;
	unsigned long long start;
	int		 field, r;

	if (pid <= 0 || (pid_t)pid != pid) {
		errno = ESRCH;
		return -1;
	}
	errno = 0;
	if ((r = stat_read(pid, st, sizeof(st), &p)) != 0) {
		/* Gone, or a text not as expected; else open's errno. */
		if (r == -1 || errno == 0)
			errno = r == -1 ? ESRCH : EINVAL;
		return -1;
	}
	/* After ")": field 3 (the state) onwards; the start time is 22. */
	for (field = 3; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	errno = 0;
	if (p != NULL)
		start = strtoull(p + 1, &end, 10);
	if (p == NULL || errno != 0 || end == p + 1 ||
	    (*end != ' ' && *end != '\0')) {
		errno = EINVAL;
		return -1;
	}
	if (boot_id(boot, sizeof(boot)) != 0)
		return -1;
	if (snprintf(buf, len, "%s/%llu", boot, start) >= (int)len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
proc_is(long pid, const char *ident)
{
	char	 now[PROC_IDENT_LEN];

	if (!proc_alive(pid))
		return 0;
	if (ident == NULL || *ident == '\0')
		return 1;
	if (proc_ident(pid, now, sizeof(now)) == 0)
		return strcmp(now, ident) == 0;
	if (errno == ESRCH)
		return 0;
	/* Hidden (another user's) where /proc is: not the one. */
	if (errno == ENOENT || errno == EACCES || errno == EPERM)
		return access("/proc/self/stat", R_OK) != 0;
	/* Out of descriptors or memory: its number alone has to say. */
	return 1;
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
