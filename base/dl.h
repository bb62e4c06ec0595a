/*
 * base/dl.h: a shared library loaded on first use (dlopen), for the
 * libraries only some commands need, so that the others do not pay for
 * binding their symbols at start. The library stays loaded.
 */
#ifndef SEALMAIL_BASE_DL_H
#define SEALMAIL_BASE_DL_H

#include <stddef.h>

/* One function to find: its name, and where its address goes. */
struct dl_fn {
	const char	*name;
	void		**slot;		/* (void **)&table.fn */
};

/*
 * Loads lib (RTLD_NOW, RTLD_LOCAL) and sets the slot of each of the n
 * functions of fns: 0, or -1 with why (whylen bytes) saying why not (the
 * loader's reason, or the first function the library lacks); the library
 * is then unloaded and the slots are not to be used.
 */
int	dl_load(const char *lib, const struct dl_fn *fns, size_t n,
	    char *why, size_t whylen);

#endif
