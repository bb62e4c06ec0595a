/*
 * libunbound on first use. A validating resolver is needed by the
 * commands that look up SMIMEA, TLSA or SRV records and by connections
 * that check DANE; linked at build time it, libevent, nettle, hogweed
 * and GMP were mapped and bound by every process, about a quarter of the
 * symbols the loader resolves for --version. The library stays loaded
 * once loaded (its worker threads may outlive a context's deletion).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "base/err.h"
#include "net/unbound_int.h"

#define UB_LIBRARY	"libunbound.so.8"

static struct net_ub	 ub;
static pthread_once_t	 ub_once = PTHREAD_ONCE_INIT;
/* Why libunbound cannot be used; empty once it is loaded. */
static char		 ub_why[192] = "not loaded";

#define UB_SYM(f)	((ub.f = dlsym(h, "ub_" #f)) == NULL)

static void
ub_load_once(void)
{
	const char	*why;
	void		*h;

	if ((h = dlopen(UB_LIBRARY, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		(void)snprintf(ub_why, sizeof(ub_why), "%s",
		    why != NULL ? why : UB_LIBRARY " cannot be loaded");
		return;
	}
	if (UB_SYM(ctx_create) || UB_SYM(ctx_delete) ||
	    UB_SYM(ctx_set_option) || UB_SYM(ctx_set_fwd) ||
	    UB_SYM(ctx_resolvconf) || UB_SYM(ctx_add_ta_file) ||
	    UB_SYM(ctx_async) || UB_SYM(resolve_async) || UB_SYM(cancel) ||
	    UB_SYM(fd) || UB_SYM(process) || UB_SYM(resolve_free) ||
	    UB_SYM(strerror)) {
		(void)snprintf(ub_why, sizeof(ub_why), "%s lacks a function "
		    "sealmail calls", UB_LIBRARY);
		dlclose(h);
		return;
	}
	ub_why[0] = '\0';
}

int
net_ub_load(const struct net_ub **ubp, struct smerr *e)
{
	*ubp = NULL;
	pthread_once(&ub_once, ub_load_once);
	if (ub_why[0] != '\0')
		return smerr_set(e, SMERR_DNS, "DNS resolver: libunbound is "
		    "needed for DNS lookups: %s", ub_why);
	*ubp = &ub;
	return 0;
}
