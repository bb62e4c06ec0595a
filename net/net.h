/*
 * net/net.h: how sealmail reaches a mail server. Every connection is TLS
 * that sealmail itself drives with OpenSSL (implicit, or after a strict
 * STARTTLS), and the server is authenticated inside the handshake, before
 * any protocol byte is believed: by DANE when a DNSSEC-secure TLSA RRset
 * exists for _port._tcp.host, otherwise by PKIX (system trust store plus
 * the account's ca-file, and the host name). There is no way to turn this
 * off. The IMAP and SMTP clients (net/imap.h, net/smtp.h) sit on top.
 *
 * Nothing here is global: one session belongs to one thread at a time.
 */
#ifndef SEALMAIL_NET_NET_H
#define SEALMAIL_NET_NET_H

#include <stddef.h>
#include <stdint.h>

struct smerr;

#define NET_DEFAULT_TIMEOUT	30		/* seconds, each wait */
#define NET_MAX_LINE		(1024 * 1024)	/* one line from a server */
#define NET_MAX_LITERAL		(100UL * 1024 * 1024) /* one IMAP literal */
#define NET_MAX_TLSA		32		/* TLSA records considered */

enum net_tls {
	NET_TLS_STARTTLS,	/* imap:// (143), submission:// (587) */
	NET_TLS_IMPLICIT,	/* imaps:// (993), submissions:// (465) */
};

/* What DNSSEC said about the TLSA RRset of _port._tcp.host. */
enum net_tlsa_status {
	NET_TLSA_NONE,		/* not looked up, or no resolver */
	NET_TLSA_ABSENT,	/* secure denial, or no record */
	NET_TLSA_INSECURE,	/* an unsigned zone: not used */
	NET_TLSA_SECURE,	/* validated: DANE decides */
	NET_TLSA_BOGUS,		/* validation failed: a hard error */
	NET_TLSA_FAILED,	/* no answer (tlsa_why says why): PKIX */
};

/* How the server was authenticated (the user may ask). */
enum net_auth {
	NET_AUTH_NONE,		/* not (yet) authenticated */
	NET_AUTH_PKIX,		/* chain to a trust anchor and host name */
	NET_AUTH_DANE_EE,	/* TLSA 3 x x matched the server's key */
	NET_AUTH_DANE_TA,	/* TLSA 2 x x matched an issuer in the chain */
	NET_AUTH_PKIX_DANE,	/* TLSA 0/1 x x matched, and PKIX holds */
};

/* One TLSA record: RFC 6698 2.1 (data is the association data). */
struct net_tlsa {
	uint8_t		 usage;		/* 0 PKIX-TA .. 3 DANE-EE */
	uint8_t		 selector;	/* 0 full certificate, 1 SPKI */
	uint8_t		 mtype;		/* 0 exact, 1 SHA-256, 2 SHA-512 */
	const uint8_t	*data;
	size_t		 len;
};

/*
 * Where and how to connect. host is the name the server must prove (and
 * the TLSA owner name's base); it may be an address literal, which is
 * then checked against the certificate's IP addresses and gets no DANE.
 * The caller's memory must outlive the call that uses it.
 */
struct net_server {
	const char		*host;
	int			 port;
	enum net_tls		 tls;
	int			 timeout;	/* seconds; 0: the default */
	const char		*ca_file;	/* extra PEM anchors, or NULL */
	/*
	 * Numeric address to connect to instead of resolving host (for a
	 * resolver of the caller's choosing, and for tests); NULL: resolve.
	 */
	const char		*addr;
	/* The TLSA RRset for _port._tcp.host and its DNSSEC status. */
	enum net_tlsa_status	 tlsa_status;
	const struct net_tlsa	*tlsa;
	size_t			 ntlsa;
	const char		*tlsa_why;	/* BOGUS, FAILED: why, or NULL */
	/*
	 * A descriptor another thread makes readable (an eventfd or a
	 * pipe) to stop the session: every wait, from connect() on, fails
	 * with SMERR_CANCEL once it is. 0 or less: none (so that a zeroed
	 * struct has none). The caller keeps it open for the session's life.
	 */
	int			 cancel_fd;
};

struct dns;
struct net_lookup;

/*
 * Looks up the TLSA RRset of _port._tcp.host through d (net/dns.h) and
 * fills srv's tlsa fields; with resolve_addr (the account has a [dns]
 * section) the host's address comes from d too and goes into srv->addr.
 * A bogus TLSA answer is an error (SMERR_DNSSEC): no connection. No
 * answer (NET_TLSA_FAILED, the resolver's reason in tlsa_why), an
 * insecure one or a denial leave PKIX to decide. d NULL or an
 * address literal as host: nothing is looked up. *lp holds the memory
 * srv now points into; free it with net_lookup_free after connecting.
 */
int		 net_server_lookup(struct dns *d, int resolve_addr,
		    struct net_server *srv, struct net_lookup **lp,
		    struct smerr *e);
void		 net_lookup_free(struct net_lookup *l);

/* "PKIX", "DANE-EE", "DANE-TA", "PKIX+DANE" or "none". */
const char	*net_auth_name(enum net_auth a);

/*
 * Parses "U S M hex" (as zone files write TLSA data) into t; the data is
 * malloc'd into *datap (caller frees). 0 or SMERR_PARSE.
 */
int		 net_tlsa_parse(const char *text, struct net_tlsa *t,
		    uint8_t **datap, struct smerr *e);

#endif
