/* Shared libraries loaded on first use: see base/dl.h. */
#include <dlfcn.h>
#include <stdio.h>

#include "base/dl.h"

int
dl_load(const char *lib, const struct dl_fn *fns, size_t n, char *why,
    size_t whylen)
{
	const char	*r;
	void		*h;
	size_t		 i;

	if ((h = dlopen(lib, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		r = dlerror();
		(void)snprintf(why, whylen, "%s", r != NULL ? r :
		    "cannot be loaded");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((*fns[i].slot = dlsym(h, fns[i].name)) == NULL) {
			(void)snprintf(why, whylen, "%s lacks %s, which "
			    "sealmail calls", lib, fns[i].name);
			dlclose(h);
			return -1;
		}
	}
	return 0;
}
