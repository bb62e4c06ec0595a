/*
 * tests/tools/lib/app_tool.h: for the app_* tools only (tool.c links
 * nothing above base/): a home's session, opened as the command line
 * opens it. Include after app/app.h.
 */
#ifndef SEALMAIL_TEST_APP_TOOL_H
#define SEALMAIL_TEST_APP_TOOL_H

#include <string.h>

/*
 * The session of home, its store keyed by the passphrase in passfile ("":
 * the Secret Service's) and a token's PIN in pinfile (NULL: none).
 */
static int
tool_session(const char *home, const char *passfile, const char *pinfile,
    struct app_session **sp, struct smerr *e)
{
	struct app_opts	o;

	memset(&o, 0, sizeof(o));
	o.home = home;
	o.passphrase_file = passfile[0] != '\0' ? passfile : NULL;
	o.pin_file = pinfile;
	smerr_clear(e);
	return app_session_open(&o, sp, e);
}

#endif
