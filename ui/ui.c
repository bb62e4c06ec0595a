/*
 * The interactive program. Until the screens land it opens nothing and
 * says so, so that a user is never shown an empty window.
 */
#include <stdio.h>

#include "app/app.h"
#include "ui/ui.h"

int
ui_main(const struct app_opts *o)
{
	(void)o;
	fprintf(stderr, "sealmail: the terminal program is not built yet; "
	    "see 'sealmail --help' for the commands\n");
	return 1;
}
