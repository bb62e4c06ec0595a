/*
 * Whether the terminal can hold the screen at all, asked before anything
 * is opened: curses would print its own complaint and exit from inside
 * initscr on a terminal type it does not know, and would draw a useless
 * scroll of lines on one that cannot move its cursor (TERM=dumb, an
 * editor's shell buffer).
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <term.h>

#include "ui/ui_int.h"

int
ui_term_check(char *why, size_t len)
{
	const char	*name = getenv("TERM");
	char		*cup;
	int		 err = 0, r = 0;

	if (name == NULL || *name == '\0') {
		snprintf(why, len, "TERM is not set: the terminal program "
		    "needs to know the terminal it draws on");
		return -1;
	}
	if (setupterm(NULL, 1, &err) != OK) {
		snprintf(why, len, "the terminal type \"%s\" (TERM) is %s", name,
		    err == 1 ? "a hard-copy one" : "not known here");
		return -1;
	}
	cup = tigetstr("cup");
	if (cup == NULL || cup == (char *)-1 || tigetflag("hc") > 0) {
		snprintf(why, len, "the terminal type \"%s\" (TERM) cannot "
		    "move its cursor, which the terminal program needs", name);
		r = -1;
	}
	del_curterm(cur_term);
	cur_term = NULL;
	return r;
}
