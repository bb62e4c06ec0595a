/* app/app_int.h: shared by the files of app/ only. */
#ifndef SEALMAIL_APP_INT_H
#define SEALMAIL_APP_INT_H

#include "app/app.h"
#include "base/err.h"

struct buf;

/* One command-line invocation. */
struct cli {
	const char		*cmd;
	const char		*home;
	const char		*passphrase_file;
	char			*confdir;
	char			*datadir;
	struct app_config	*cfg;
	struct smerr		 err;
};

struct cli_cmd {
	const char	*name;
	int		(*fn)(struct cli *, int, char **);
	const char	*usage;
	const char	*help;
};

/* Loads HOME/config once; 0 or SMERR_*, with c->err set. */
int	 cli_config(struct cli *c);
/* Prints "sealmail: <message of c->err>" on stderr; returns 1. */
int	 cli_fail(struct cli *c);
/* Prints a usage line for c->cmd on stderr; returns 2. */
int	 cli_usage(struct cli *c);
/* Writes b to stdout followed by a newline; 0 or 1 (write error). */
int	 cli_print(struct cli *c, struct buf *b);

/* Command entry points (app/cmd-*.c). */
int	 cmd_config_check(struct cli *, int, char **);

#endif
