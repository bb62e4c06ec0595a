/*
 * net/net_int.h: shared by the files of net/ only. A net_conn is one TCP
 * connection, later wrapped in OpenSSL, presented to libetpan as a
 * mailstream through our own mailstream_low driver. libetpan's own TLS
 * code is never called: it verifies nothing.
 */
#ifndef SEALMAIL_NET_NET_INT_H
#define SEALMAIL_NET_NET_INT_H

#include <libetpan/libetpan.h>
#include <openssl/ssl.h>

#include "base/err.h"
#include "net/net.h"

#define NET_LABEL_MAX	300	/* "host:port" */
#define NET_TAIL	32	/* last bytes of a line kept by the guard */
/*
 * Response text (literals not counted) one command may bring: libetpan
 * keeps it, and a parsed structure per untagged response, until the
 * command completes. A UID FETCH line costs about 150 bytes, and
 * imap_fetch sends 20,000 UIDs per command, well inside 8 MiB.
 */
#define NET_MAX_REPLY_IMAP	(8UL * 1024 * 1024)
/* Lines of one IMAP command's response: a FETCH with a body takes two. */
#define NET_MAX_LINES_IMAP	50000
#define NET_MAX_REPLY_SMTP	(4UL * 1024 * 1024)
#define NET_MAX_CRED		1024	/* a user name or a password */

struct buf;

struct net_conn {
	int		 fd;
	int		 cancel_fd;	/* eventfd: sticky, later I/O fails */
	int		 user_cancel_fd; /* the caller's, or -1 */
	SSL_CTX		*ctx;
	SSL		*ssl;		/* NULL while cleartext */
	int		 timeout_ms;	/* one wait */
	int64_t		 deadline;	/* CLOCK_MONOTONIC ms for the whole
					   phase (greeting, TLS, login), 0:
					   none */
	int		 deadline_secs;
	char		 label[NET_LABEL_MAX];	/* "host:port" for messages */
	char		 host[256];
	int		 port;
	enum net_auth	 auth;
	mailstream	*stream;	/* owns a mailstream_low over this */

	/*
	 * The framing guard sees every byte the server sends, in order,
	 * before libetpan does: a line longer than NET_MAX_LINE, or an IMAP
	 * literal announced larger than NET_MAX_LITERAL, fails the read
	 * instead of becoming an allocation.
	 */
	int		 imap_literals;
	int		 resp_state;	/* where in a response (guard_frame) */
	char		 word[8];	/* a status word, not terminated */
	size_t		 word_len;
	size_t		 line_len;
	uint64_t	 literal_left;
	char		 tail[NET_TAIL];
	size_t		 tail_len;
	uint64_t	 bytes_in;
	size_t		 reply_limit;	/* text bytes per command, 0: none */
	size_t		 since_write;	/* text bytes since we last wrote */
	size_t		 lines_limit;	/* lines per command, 0: none */
	size_t		 lines_since_write;
	/*
	 * Where libetpan keeps its buffer of the response text being parsed
	 * (the session's imap_stream_buffer, which libetpan may free and
	 * make anew between responses), or NULL: a read fails once that
	 * buffer holds more than reply_limit, whatever the guard made of the
	 * framing.
	 */
	MMAPString *const *imap_buf;

	struct smerr	 err;		/* why the transport failed, if so */
};

/*
 * Connects to srv (TCP, then the TLS handshake when srv->tls is
 * IMPLICIT). imap_literals turns on the IMAP literal guard. Messages name
 * "host:port". 0 or a negative SMERR_* code.
 */
int	 net_conn_open(const struct net_server *srv, int imap_literals,
	    struct net_conn **cp, struct smerr *e);
/* Closes the stream (no goodbye is sent) and frees c; NULL is a no-op. */
void	 net_conn_free(struct net_conn *c);
/* Makes every later read or write fail; safe from another thread. */
void	 net_conn_cancel(struct net_conn *c);
/*
 * 1 when c is still sound enough to say goodbye to the server (LOGOUT,
 * QUIT); the wait for it is then cut to 5 seconds: short, best effort.
 */
int	 net_conn_goodbye(struct net_conn *c);
/*
 * Wipes libetpan's outgoing buffer of st: it keeps what was sent (a
 * login's credentials) after the flush, until later commands overwrite
 * it. To call once a login is done, whatever its outcome.
 */
void	 net_stream_wipe(mailstream *st);
/*
 * prefix, then the base64 of the n bytes at p, then CRLF, into out, a
 * secret buffer (what goes in is a credential). 0 or an SMERR_* code.
 */
int	 net_b64_line(struct buf *out, const char *prefix, const void *p,
	    size_t n);
/*
 * prefix, then SASL PLAIN credentials in base64 (RFC 4616: no authzid,
 * NUL, user, NUL, pass), then CRLF, into the secret buffer out. user and
 * pass are at most NET_MAX_CRED bytes. 0 or an SMERR_* code.
 */
int	 net_plain_line(struct buf *out, const char *prefix,
	    const char *user, const char *pass);

/*
 * Upgrades a cleartext c to TLS in place after the server accepted
 * STARTTLS. Fails (SMERR_PROTO) when any byte is already buffered: that
 * byte came in cleartext after the go-ahead and is an injection.
 */
int	 net_conn_starttls(struct net_conn *c, const struct net_server *srv,
	    struct smerr *e);

/* The TLS handshake and server authentication (net/tls.c). */
int	 net_tls_handshake(struct net_conn *c, const struct net_server *srv,
	    struct smerr *e);
/* Prepares c->ctx for srv: trust store, ca-file, TLS 1.2 or newer. */
int	 net_tls_ctx(struct net_conn *c, const struct net_server *srv,
	    struct smerr *e);

/*
 * Waits until c's fd is ready for ev (POLLIN/POLLOUT) or the timeout
 * passes or c is cancelled; 0, or -1 with c->err set.
 */
int	 net_conn_wait(struct net_conn *c, short ev);
/*
 * After an SSL call on c that did not complete with error se: waits for
 * what it wants (net_conn_wait). 0 to call it again, -1 when the wait
 * failed, 1 when se is not a wish to wait (the call failed).
 */
int	 net_conn_ssl_wait(struct net_conn *c, int se);

/*
 * Sets a deadline secs seconds from now for everything until the next
 * call (0: none), so that a server dripping a byte per wait cannot hold
 * the opening phases forever.
 */
void	 net_conn_deadline(struct net_conn *c, int secs);

/* 1 when the server is authenticated over TLS: credentials may go. */
int	 net_conn_secure(const struct net_conn *c);
/*
 * 0 when net_conn_secure, else SMERR_TLS saying that the server is not
 * authenticated (with login: that the credentials are not sent).
 */
int	 net_conn_need_secure(const struct net_conn *c, int login,
	    struct smerr *e);
/*
 * 0 when credentials may go over c now: net_conn_need_secure for a login,
 * and the session not busy (dead, or logged in already), else SMERR_INVAL
 * saying that it cannot log in now.
 */
int	 net_conn_login_ok(const struct net_conn *c, int busy,
	    struct smerr *e);

/*
 * Copies c's transport error into e when there is one, else sets fallback
 * (a printf format taking no arguments after c's label).
 */
int	 net_conn_fail(struct net_conn *c, struct smerr *e, int code,
	    const char *what);

/* True when host is an IPv4 or IPv6 address literal. */
int	 net_host_is_addr(const char *host);

#endif
