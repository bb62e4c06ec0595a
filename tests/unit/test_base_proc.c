#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/proc.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
