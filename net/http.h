/*
 * net/http.h: a small HTTP/1.1 client for what certificate authorities
 * publish in the clear: OCSP (RFC 6960 A.1, a POST) and CRLs (RFC 5280
 * 4.2.1.13, a GET). One request per connection (Connection: close) over
 * plain TCP, one deadline for the whole exchange, a response bounded by
 * the caller's buffer. No TLS, no redirects, no proxy, no cookies: what
 * comes back is signed, and the caller judges it.
 */
#ifndef SEALMAIL_NET_HTTP_H
#define SEALMAIL_NET_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct dns;
struct smerr;

#define NET_HTTP_MAX_HEAD	(16 * 1024)	/* status line and fields */
#define NET_HTTP_MAX_URL	2048

/*
 * Sends one request to url (http://host[:port][/path]): a POST of len
 * bytes of body as ctype, or a GET when body is NULL. A host name is
 * resolved through d (net/dns.h; A, then AAAA) when d is not NULL, else
 * by the system. The response's body (status 200 only) goes into out,
 * whose maximum bounds it. Everything from connect() to the last byte
 * waits at most timeout seconds. 0, or SMERR_INVAL (not such a URL),
 * SMERR_DNS, SMERR_DNSSEC, SMERR_NET, SMERR_TIMEOUT, SMERR_PROTO (not
 * HTTP, or another status), SMERR_LIMIT, SMERR_NOMEM.
 */
int	 net_http_fetch(struct dns *d, const char *url, const char *ctype,
	    const uint8_t *body, size_t len, int timeout, struct buf *out,
	    struct smerr *e);

/*
 * Reads one response from the len bytes at raw (eof: the server has
 * closed, nothing more comes) into its body in out: 0 complete, 1 more
 * bytes are needed, or SMERR_PARSE, SMERR_PROTO, SMERR_LIMIT. Content-
 * Length, chunked, and a body ending at the close are understood.
 */
int	 net_http_response(const uint8_t *raw, size_t len, int eof,
	    struct buf *out, struct smerr *e);

#endif
