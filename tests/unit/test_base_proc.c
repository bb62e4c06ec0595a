#include <sys/wait.h>

#include <sched.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/proc.h"
#include "tests/unit/lib/unit.h"

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
	if ((pid = fork()) == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(proc_alive((long)pid), 1);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
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

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_alive),
	    cmocka_unit_test(test_ncpu));
}
