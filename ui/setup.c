/*
 * The terminal program's first run: when the configuration names no
 * account, before the screen is set up, it offers the dialogue of
 * sealmail setup. That is the same command, run in the foreground on the
 * terminal, so that both ways of setting up an account are one.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/proc.h"
#include "app/app.h"
#include "ui/ui_int.h"

/* Runs this program's setup for address on the terminal; its exit status. */
static int
first_run_setup(struct app_session *s, const char *address)
{
	const char	*argv[16];
	struct sigaction sa, oint, oquit;
	pid_t		 pid;
	int		 n = 0, keep[2], status = -1;

	argv[n++] = "sealmail";
	n += app_session_child_args(s, argv + n, keep);
	argv[n++] = "setup";
	argv[n++] = "--";
	argv[n++] = address;
	argv[n] = NULL;
	/* ^C stops the dialogue, not the program waiting for it. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, &oint);
	sigaction(SIGQUIT, &sa, &oquit);
	if ((pid = proc_fork()) == 0) {
		app_session_child_keep(keep);
		execv("/proc/self/exe", (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	if (pid == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int
ui_first_run(struct app_session *s)
{
	struct smerr	 e;
	char		 line[512];
	size_t		 n;
	int		 ch, added = 0;

	printf("No account is configured yet. To set one up now, type your "
	    "e-mail\naddress (Enter to skip): ");
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 0;
	line[strcspn(line, "\r\n")] = '\0';
	for (n = strlen(line); n > 0 && line[n - 1] == ' '; n--)
		line[n - 1] = '\0';
	if (line[0] == '\0')
		return 0;
	if (first_run_setup(s, line) == 0) {
		smerr_clear(&e);
		if (app_session_reload(s, &e) != 0)
			printf("sealmail: %s\n", smerr_msg(&e));
		else
			added = 1;
	}
	printf("Press Enter to open sealmail. ");
	fflush(stdout);
	while ((ch = getchar()) != EOF && ch != '\n')
		;
	return added;
}
