/*
 * sealmail: a terminal S/MIME mail user agent. main() sets up the process
 * (a closed standard descriptor held, not dumpable, no inherited
 * descriptor passed on, no SIGPIPE, the debug log; a file-size limit fails
 * a write instead of killing the process in the middle of it), then hands
 * a command to the command-line face or opens the terminal program.
 */
#include <signal.h>
#include <locale.h>

#include "base/log.h"
#include "base/proc.h"
#include "base/secmem.h"
#include "app/app.h"
#include "ui/ui.h"

int
main(int argc, char **argv)
{
	struct app_opts	o;
	int		r;

	proc_stdio_hold();
	secmem_no_coredump();
	secmem_fds_private();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	setlocale(LC_CTYPE, "");
	log_init();
	if ((r = app_cli_main(argc, argv, &o)) != APP_CLI_INTERACTIVE)
		return r;
	return ui_main(&o);
}
