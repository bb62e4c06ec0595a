#include <sys/resource.h>
#include <sys/wait.h>

#include <sched.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/proc.h"
#include "tests/unit/lib/unit.h"

static void
on_term(int sig)
{
	(void)sig;
}

/*
 * A child of proc_fork has no handler of its parent's and no signal
 * held; the parent gets its own mask back.
 */
static void
test_fork(void **unused)
{
	struct sigaction	sa, cur;
	sigset_t		mask;
	pid_t			pid;
	int			status;

	(void)unused;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGTERM, &sa, NULL), 0);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	assert_int_equal(sigprocmask(SIG_SETMASK, &mask, NULL), 0);
	if ((pid = proc_fork()) == 0) {
		if (sigaction(SIGTERM, NULL, &cur) != 0 ||
		    cur.sa_handler != SIG_DFL)
			_exit(1);
		if (sigprocmask(SIG_SETMASK, NULL, &mask) != 0 ||
		    sigismember(&mask, SIGUSR1) || sigismember(&mask, SIGTERM))
			_exit(2);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &mask), 0);
	assert_true(sigismember(&mask, SIGUSR1));
	assert_false(sigismember(&mask, SIGTERM));
	sigemptyset(&mask);
	(void)sigprocmask(SIG_SETMASK, &mask, NULL);
	sa.sa_handler = SIG_DFL;
	(void)sigaction(SIGTERM, &sa, NULL);
}

static void
test_alive(void **unused)
{
	pid_t	pid;

	(void)unused;
	assert_int_equal(proc_alive(0), 0);
	assert_int_equal(proc_alive(-1), 0);
	assert_int_equal(proc_alive((long)getpid()), 1);
	/* Ended but not reaped: a zombie is not alive. */
	if ((pid = fork()) == 0)
		_exit(0);
	assert_true(pid > 0);
	usleep(200 * 1000);
	assert_int_equal(proc_alive((long)pid), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(proc_alive((long)pid), 0);
	/* Running. */
	pid = unit_idle_child();
	assert_int_equal(proc_alive((long)pid), 1);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

/*
 * A process is named by its number and its ident: another process's
 * ident, or one of an earlier boot, is not that process, and an ended
 * process is no one; without an ident its number alone says.
 */
static void
test_ident(void **unused)
{
	char	 mine[PROC_IDENT_LEN], again[PROC_IDENT_LEN];
	char	 child[PROC_IDENT_LEN], other[PROC_IDENT_LEN + 8];
	pid_t	 pid, other_pid;
	int	 status;

	(void)unused;
	assert_int_equal(proc_ident((long)getpid(), mine, sizeof(mine)), 0);
	assert_int_equal(proc_ident((long)getpid(), again, sizeof(again)),
	    0);
	assert_string_equal(mine, again);
	assert_non_null(strchr(mine, '/'));
	assert_int_equal(proc_ident(0, again, sizeof(again)), -1);
	assert_int_equal(proc_ident((long)getpid(), again, 4), -1);
	assert_int_equal(proc_is((long)getpid(), mine), 1);
	assert_int_equal(proc_is((long)getpid(), NULL), 1);
	/* Another boot, the same start time: not this process. */
	snprintf(other, sizeof(other), "x%s", mine);
	assert_int_equal(proc_is((long)getpid(), other), 0);
	pid = unit_idle_child();
	assert_int_equal(proc_ident((long)pid, child, sizeof(child)), 0);
	assert_int_equal(proc_is((long)pid, child), 1);
	assert_int_equal(proc_is((long)pid, ""), 1);
	assert_int_equal(proc_is((long)pid, "x/1"), 0);
	/* Where /proc cannot be read (no descriptor left): its number. */
	if ((other_pid = fork()) == 0) {
		struct rlimit	rl = { 3, 3 };

		if (setrlimit(RLIMIT_NOFILE, &rl) != 0 ||
		    proc_ident((long)pid, again, sizeof(again)) != -1)
			_exit(1);
		_exit(proc_is((long)pid, "x/1") == 1 ? 0 : 2);
	}
	assert_true(other_pid > 0);
	assert_int_equal(waitpid(other_pid, &status, 0), other_pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(proc_is((long)pid, child), 0);
	assert_int_equal(proc_ident((long)pid, child, sizeof(child)), -1);
}

/* The CPUs the process may use, as taskset(1) leaves them. */
static void
test_ncpu(void **unused)
{
	cpu_set_t	all, one;
	int		c;

	(void)unused;
	assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
	assert_int_equal(proc_ncpu(), CPU_COUNT(&all));
	for (c = 0; c < CPU_SETSIZE && !CPU_ISSET(c, &all); c++)
		;
	CPU_ZERO(&one);
	CPU_SET(c, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	assert_int_equal(proc_ncpu(), 1);
	assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
	assert_int_equal(proc_ncpu(), CPU_COUNT(&all));
}

/*
 * A worker kept to the nth CPU of those allowed (counting round), and a
 * child process given the same mask.
 */
static void
test_pin(void **unused)
{
	cpu_set_t	all, got;
	pid_t		pid;
	int		c, n, i, want;

	(void)unused;
	assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
	n = CPU_COUNT(&all);
	for (i = 0; i < n + 1; i++) {
		/* The nth allowed CPU, i mod n. */
		for (c = 0, want = i % n; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &all) && want-- == 0)
				break;
		assert_int_equal(proc_pin_nth((size_t)i), 0);
		assert_int_equal(sched_getaffinity(0, sizeof(got), &got), 0);
		assert_int_equal(CPU_COUNT(&got), 1);
		assert_true(CPU_ISSET(c, &got));
		assert_int_equal(proc_ncpu(), 1);
		/* From one CPU, the nth is that one again. */
		assert_int_equal(proc_pin_nth(5), 0);
		assert_int_equal(sched_getaffinity(0, sizeof(got), &got), 0);
		assert_true(CPU_COUNT(&got) == 1 && CPU_ISSET(c, &got));
		assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
	}
	pid = unit_idle_child();
	assert_true(pid > 0);
	assert_int_equal(proc_pin_nth(0), 0);
	assert_int_equal(proc_share_cpus((long)pid), 0);
	assert_int_equal(sched_getaffinity(pid, sizeof(got), &got), 0);
	assert_int_equal(CPU_COUNT(&got), 1);
	assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
	assert_int_equal(proc_share_cpus((long)pid), 0);
	assert_int_equal(sched_getaffinity(pid, sizeof(got), &got), 0);
	assert_true(CPU_EQUAL(&got, &all));
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(proc_share_cpus(0), -1);
	assert_int_equal(proc_share_cpus(-1), -1);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_alive),
	    cmocka_unit_test(test_ident),
	    cmocka_unit_test(test_fork),
	    cmocka_unit_test(test_ncpu),
	    cmocka_unit_test(test_pin));
}
