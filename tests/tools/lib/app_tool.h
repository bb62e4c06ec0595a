/*
 * tests/tools/lib/app_tool.h: for the app_* tools only (tool.c links
 * nothing above base/): a home's session, opened as the command line
 * opens it, and closed at the tool's end. Include after app/app.h.
 */
#ifndef SEALMAIL_TEST_APP_TOOL_H
#define SEALMAIL_TEST_APP_TOOL_H

#include <stdio.h>
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

/*
 * What the tool NAME's main returns: rc, with s closed (NULL: none) and,
 * when rc is not 0, "NAME: <e's message>" on standard error first.
 */
static int
tool_session_end(const char *name, struct app_session *s, int rc,
    const struct smerr *e)
{
	if (rc != 0)
		fprintf(stderr, "%s: %s\n", name, smerr_msg(e));
	app_session_close(s);
	return rc;
}

#endif
