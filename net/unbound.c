/*
 * libunbound on first use. A validating resolver is needed by the
 * commands that look up SMIMEA, TLSA or SRV records and by connections
 * that check DANE; linked at build time it, libevent, nettle, hogweed
 * and GMP were mapped and bound by every process, about a quarter of the
 * symbols the loader resolves for --version. The library stays loaded
 * once loaded (its worker threads may outlive a context's deletion).
 */
#include <pthread.h>

#include "base/dl.h"
#include "base/err.h"
#include "net/unbound_int.h"

#define UB_LIBRARY	"libunbound.so.8"
#define UB_FN(f)	{ "ub_" #f, (void **)&ub.f }

static struct net_ub	 ub;
static const struct dl_fn ub_fns[] = {
	UB_FN(ctx_create), UB_FN(ctx_delete), UB_FN(ctx_set_option),
	UB_FN(ctx_set_fwd), UB_FN(ctx_resolvconf), UB_FN(ctx_add_ta_file),
	UB_FN(ctx_async), UB_FN(resolve_async), UB_FN(cancel), UB_FN(fd),
	UB_FN(process), UB_FN(resolve_free), UB_FN(strerror),
};
static pthread_once_t	 ub_once = PTHREAD_ONCE_INIT;
/* Why libunbound cannot be used; empty once it is loaded. */
static char		 ub_why[192] = "not loaded";

static void
ub_load_once(void)
{
	if (dl_load(UB_LIBRARY, ub_fns, sizeof(ub_fns) / sizeof(ub_fns[0]),
	    ub_why, sizeof(ub_why)) == 0)
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
