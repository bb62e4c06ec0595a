/*
 * Before connecting: the TLSA RRset of _port._tcp.host through the
 * validating resolver (net/dns.h), and, when the account names a resolver,
 * the server's address through it too. A secure TLSA answer makes DANE
 * decide; a bogus one stops the connection here; anything else (insecure,
 * a denial, a resolver that does not answer) leaves PKIX to decide.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "net/dns.h"
#include "net/net_int.h"

struct net_lookup {
	struct dns_answer	*tlsa_ans;
	struct net_tlsa		 tlsa[NET_MAX_TLSA];
	char			 addr[INET6_ADDRSTRLEN];
	char			 why[SMERR_MSGMAX];	/* a failed lookup's */
};

void
net_lookup_free(struct net_lookup *l)
{
	if (l == NULL)
		return;
	dns_answer_free(l->tlsa_ans);
	free(l);
}

static int
lookup_addr(struct dns *d, struct net_server *srv, struct net_lookup *l,
    struct smerr *e)
{
	struct dns_answer	*a = NULL;
	struct smerr		 qe;
	size_t			 i;
	int			 r, t, af;
	static const int	 types[] = { DNS_T_A, DNS_T_AAAA };

	for (t = 0; t < 2; t++) {
		smerr_clear(&qe);
		r = dns_query(d, srv->host, types[t], &a, &qe);
		if (r == SMERR_DNSSEC)
			return smerr_set(e, r, "%s:%d: %s", srv->host,
			    srv->port, smerr_msg(&qe));
		if (r != 0) {
			if (t == 1)
				return smerr_set(e, r, "%s:%d: cannot resolve "
				    "the server's address: %s", srv->host,
				    srv->port, smerr_msg(&qe));
			continue;
		}
		af = types[t] == DNS_T_A ? AF_INET : AF_INET6;
		for (i = 0; i < a->nrr; i++) {
			if (a->rr[i].len != (af == AF_INET ? 4u : 16u))
				continue;
			if (inet_ntop(af, a->rr[i].data, l->addr,
			    sizeof(l->addr)) != NULL) {
				dns_answer_free(a);
				srv->addr = l->addr;
				return 0;
			}
		}
		dns_answer_free(a);
		a = NULL;
	}
	return smerr_set(e, SMERR_DNS, "%s:%d: the server's name has no "
	    "address", srv->host, srv->port);
}

int
net_server_lookup(struct dns *d, int resolve_addr, struct net_server *srv,
    struct net_lookup **lp, struct smerr *e)
{
	struct net_lookup	*l;
	struct dns_answer	*a = NULL;
	struct smerr		 qe;
	char			 name[300];
	size_t			 i, n = 0;
	int			 r;

	*lp = NULL;
	srv->tlsa_status = NET_TLSA_NONE;
	srv->tlsa = NULL;
	srv->ntlsa = 0;
	srv->tlsa_why = NULL;
	if (d == NULL || srv->host == NULL || net_host_is_addr(srv->host))
		return 0;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return smerr_nomem(e);
	if (resolve_addr && srv->addr == NULL &&
	    (r = lookup_addr(d, srv, l, e)) != 0)
		goto fail;
	if ((size_t)snprintf(name, sizeof(name), "_%d._tcp.%s", srv->port,
	    srv->host) >= sizeof(name)) {
		r = smerr_set(e, SMERR_INVAL, "%s: name too long", srv->host);
		goto fail;
	}
	smerr_clear(&qe);
	r = dns_query(d, name, DNS_T_TLSA, &a, &qe);
	if (r == SMERR_DNSSEC) {
		/* Someone is tampering with the server's DNS: stop. */
		r = smerr_set(e, r, "%s:%d: %s; refusing to connect",
		    srv->host, srv->port, smerr_msg(&qe));
		goto fail;
	}
	if (r != 0) {
		/* No answer is not an attack we can tell apart: PKIX. */
		snprintf(l->why, sizeof(l->why), "%s", smerr_msg(&qe));
		srv->tlsa_status = NET_TLSA_FAILED;
		srv->tlsa_why = l->why;
		*lp = l;
		return 0;
	}
	l->tlsa_ans = a;
	if (a->status == DNS_SECURE && a->nrr > 0) {
		for (i = 0; i < a->nrr && n < NET_MAX_TLSA; i++) {
			if (a->rr[i].len < 4)
				continue;
			l->tlsa[n].usage = a->rr[i].data[0];
			l->tlsa[n].selector = a->rr[i].data[1];
			l->tlsa[n].mtype = a->rr[i].data[2];
			l->tlsa[n].data = a->rr[i].data + 3;
			l->tlsa[n].len = a->rr[i].len - 3;
			n++;
		}
		srv->tlsa_status = NET_TLSA_SECURE;
		srv->tlsa = l->tlsa;
		srv->ntlsa = n;
	} else if (a->status == DNS_INSECURE)
		srv->tlsa_status = NET_TLSA_INSECURE;
	else
		srv->tlsa_status = NET_TLSA_ABSENT;
	*lp = l;
	return 0;
fail:
	net_lookup_free(l);
	return r;
}
