/*
 * net/dns.h: DNS lookups validated with DNSSEC in this process (libunbound;
 * an AD bit set by some other resolver is never trusted). Every query has
 * a deadline, so a dead resolver costs at most the configured timeout.
 *
 * A bogus answer (validation failed) never crosses this header: dns_query()
 * returns SMERR_DNSSEC with "DNSSEC validation failed for NAME: <reason>".
 * What does cross it is one of three states: secure records, a secure
 * denial (the name or the type provably does not exist), or an insecure
 * answer (records or denial from an unsigned zone: usable for connecting,
 * never for trust).
 *
 * A struct dns is used by one thread at a time. It keeps libunbound's
 * cache for its lifetime; a validation failure marks that zone's keys bad
 * for the rest of it, so tests use a fresh one per case.
 */
#ifndef SEALMAIL_NET_DNS_H
#define SEALMAIL_NET_DNS_H

#include <stddef.h>
#include <stdint.h>

struct smerr;
struct dns;

/* Record types used by sealmail (libunbound names none of the last two). */
#define DNS_T_A		1
#define DNS_T_AAAA	28
#define DNS_T_SRV	33
#define DNS_T_TLSA	52
#define DNS_T_SMIMEA	53

#define DNS_DEFAULT_TIMEOUT	5		/* seconds */
#define DNS_ROOT_ANCHOR		"/usr/share/dns/root.key"	/* dns-root-data */
#define DNS_MAX_NAME		253		/* presentation form, no final dot */

/* What a resolver context is made from (the config's [dns] section). */
struct dns_config {
	const char	*resolver;	/* "addr" or "addr@port"; NULL: the
					   system's (/etc/resolv.conf) */
	const char	*trust_anchor;	/* file of DS or DNSKEY lines; NULL:
					   DNS_ROOT_ANCHOR */
	int		 timeout;	/* seconds one query may take; <= 0:
					   DNS_DEFAULT_TIMEOUT */
};

enum dns_status {
	DNS_SECURE = 1,		/* validated records: may be used for trust */
	DNS_SECURE_DENIAL,	/* validated: no such name, or no such type */
	DNS_INSECURE,		/* unsigned zone (records or denial) */
};

/* One record's rdata in wire form (A: 4 octets, AAAA: 16, TLSA/SMIMEA:
 * usage, selector, matching type, then the data). */
struct dns_rr {
	const uint8_t	*data;
	size_t		 len;
};

struct dns_answer {
	enum dns_status	 status;
	int		 nxdomain;	/* the name does not exist */
	uint32_t	 ttl;		/* seconds the answer may be kept */
	size_t		 nrr;		/* 0 for a denial */
	struct dns_rr	*rr;
	char		*qname;		/* the name asked, as given */
};

/*
 * A validating resolver context from cfg (NULL: all defaults). Fails with
 * SMERR_DNS or SMERR_IO when the resolver or trust anchor cannot be set.
 */
int	 dns_new(const struct dns_config *cfg, struct dns **dp,
	    struct smerr *e);
/* NULL is a no-op; cancels nothing outstanding (queries are synchronous). */
void	 dns_free(struct dns *d);

/*
 * Asks for type records of name (with or without the final dot) and
 * waits at most the context's timeout. On success *ap is a new answer
 * (caller frees with dns_answer_free). Errors: SMERR_DNSSEC (bogus),
 * SMERR_TIMEOUT (no answer in time), SMERR_DNS (SERVFAIL, REFUSED, no
 * resolver), SMERR_INVAL (a malformed name).
 */
int	 dns_query(struct dns *d, const char *name, int type,
	    struct dns_answer **ap, struct smerr *e);
void	 dns_answer_free(struct dns_answer *a);

/* One SRV record (RFC 2782). */
struct dns_srv {
	uint16_t	 priority;
	uint16_t	 weight;
	uint16_t	 port;
	char		 target[DNS_MAX_NAME + 1];	/* lowercase, no final
							   dot; "" for "." */
};

/*
 * Decodes the rdata of an SRV record into s. The target must be a host
 * name (letters, digits, '-', '_'); "." (the service is not offered)
 * gives an empty target. SMERR_PARSE when the record is malformed.
 */
int	 dns_srv_decode(const struct dns_rr *rr, struct dns_srv *s,
	    struct smerr *e);

/* "secure", "secure-denial" or "insecure". */
const char *dns_status_str(enum dns_status s);

#endif
