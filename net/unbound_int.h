/*
 * net/unbound_int.h: libunbound, loaded (dlopen) the first time a
 * resolver context is made; internal to net/ (dns.c). Only the commands
 * that look something up in DNS map libunbound and what it brings
 * (libevent, nettle, hogweed, GMP); every other process is spared their
 * symbol binding at start.
 */
#ifndef SEALMAIL_NET_UNBOUND_INT_H
#define SEALMAIL_NET_UNBOUND_INT_H

#include <unbound.h>

struct smerr;

/* The functions of libunbound that net/dns.c calls. */
struct net_ub {
	struct ub_ctx	*(*ctx_create)(void);
	void		 (*ctx_delete)(struct ub_ctx *);
	int		 (*ctx_set_option)(struct ub_ctx *, const char *,
			    const char *);
	int		 (*ctx_set_fwd)(struct ub_ctx *, const char *);
	int		 (*ctx_resolvconf)(struct ub_ctx *, const char *);
	int		 (*ctx_add_ta_file)(struct ub_ctx *, const char *);
	int		 (*ctx_async)(struct ub_ctx *, int);
	int		 (*resolve_async)(struct ub_ctx *, const char *, int,
			    int, void *, ub_callback_type, int *);
	int		 (*cancel)(struct ub_ctx *, int);
	int		 (*fd)(struct ub_ctx *);
	int		 (*process)(struct ub_ctx *);
	void		 (*resolve_free)(struct ub_result *);
	const char	*(*strerror)(int);
};

/*
 * Sets *ubp to libunbound's functions, the library loaded on the first
 * call of the process (the table lives as long as the process): 0, or
 * SMERR_DNS saying why it cannot be (not installed, or lacking a
 * function).
 */
int	 net_ub_load(const struct net_ub **ubp, struct smerr *e);

#endif
