/*
 * ui/ui.h: the terminal program. The only folder that includes curses.h.
 */
#ifndef SEALMAIL_UI_H
#define SEALMAIL_UI_H

struct app_opts;

/* Runs the interactive program until the user quits; the exit status. */
int	ui_main(const struct app_opts *o);

#endif
