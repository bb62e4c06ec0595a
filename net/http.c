/*
 * The HTTP client of net/http.h. A response is read into one bounded
 * buffer; its head (status line and fields) is parsed once it is whole,
 * and then tells when the body is: Content-Length bytes, the last chunk
 * of a chunked body, or the close. A URL comes from a certificate, so it
 * is hostile: only http:// with a host of name or address characters, a
 * port, and a path without spaces or control characters is used.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/text.h"
#include "net/dns.h"
#include "net/http.h"

struct http_url {
	char	host[256];
	char	port[8];
	char	path[NET_HTTP_MAX_URL];
	int	v6;		/* host is an IPv6 literal */
	char	addr[INET6_ADDRSTRLEN];	/* host's, by the resolver given */
};

struct http_head {
	size_t		len;		/* bytes up to the body */
	long long	clen;		/* Content-Length, or -1 */
	int		chunked;
};

static int
host_char(int c, int v6)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	    (v6 && c == ':');
}

static int
url_parse(const char *url, struct http_url *u)
{
	const char	*p, *h, *end;
	size_t		 n, i;
	long		 port = 80;
	char		*ep;

	memset(u, 0, sizeof(*u));
	if (strncasecmp(url, "http://", 7) != 0)
		return -1;
	h = url + 7;
	if ((u->v6 = *h == '[')) {
		if ((end = strchr(h, ']')) == NULL)
			return -1;
		h++;
	} else
		end = h + strcspn(h, ":/");
	if ((n = (size_t)(end - h)) == 0 || n >= sizeof(u->host))
		return -1;
	for (i = 0; i < n; i++)
		if (!host_char((unsigned char)h[i], u->v6))
			return -1;
	memcpy(u->host, h, n);
	p = end + (u->v6 ? 1 : 0);
	if (*p == ':') {
		port = strtol(p + 1, &ep, 10);
		if (ep == p + 1 || port < 1 || port > 65535)
			return -1;
		p = ep;
	}
	snprintf(u->port, sizeof(u->port), "%ld", port);
	if (*p == '\0')
		p = "/";
	if (*p != '/' || strlen(p) >= sizeof(u->path))
		return -1;
	for (i = 0; p[i] != '\0'; i++)
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f)
			return -1;
	memcpy(u->path, p, strlen(p) + 1);
	return 0;
}

/* Milliseconds left until deadline (CLOCK_MONOTONIC ms), at least 0. */
static int
left_ms(long long deadline)
{
	struct timespec	ts;
	long long	now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return now >= deadline ? 0 : (int)(deadline - now);
}

static int
wait_fd(int fd, short ev, long long deadline)
{
	struct pollfd	pfd;
	int		r;

	pfd.fd = fd;
	pfd.events = ev;
	do {
		pfd.revents = 0;
		r = poll(&pfd, 1, left_ms(deadline));
	} while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : (r == 0 ? SMERR_TIMEOUT : SMERR_NET);
}

/* The address of u's host name by d: A, then AAAA, into u->addr. */
static int
resolve_with(struct dns *d, struct http_url *u, char *why, size_t whylen)
{
	static const int	 types[] = { DNS_T_A, DNS_T_AAAA };
	struct dns_answer	*a;
	struct smerr		 qe;
	size_t			 i;
	int			 t, r, af;

	snprintf(why, whylen, "%s has no address", u->host);
	for (t = 0; t < 2; t++) {
		smerr_clear(&qe);
		if ((r = dns_query(d, u->host, types[t], &a, &qe)) != 0) {
			snprintf(why, whylen, "cannot resolve %s: %s", u->host,
			    smerr_msg(&qe));
			if (r == SMERR_DNSSEC)
				return r;
			continue;
		}
		af = types[t] == DNS_T_A ? AF_INET : AF_INET6;
		for (i = 0; i < a->nrr && u->addr[0] == '\0'; i++)
			if (a->rr[i].len == (af == AF_INET ? 4u : 16u) &&
			    inet_ntop(af, a->rr[i].data, u->addr,
			    sizeof(u->addr)) == NULL)
				u->addr[0] = '\0';
		dns_answer_free(a);
		if (u->addr[0] != '\0')
			return 0;
	}
	return SMERR_DNS;
}

static int
connect_to(const struct http_url *u, long long deadline, int *fdp,
    char *why, size_t whylen)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	socklen_t	 sl;
	int		 fd = -1, r, soerr, code = SMERR_NET;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	if (u->addr[0] != '\0')
		hints.ai_flags |= AI_NUMERICHOST;
	if ((r = getaddrinfo(u->addr[0] != '\0' ? u->addr : u->host, u->port,
	    &hints, &res)) != 0) {
		snprintf(why, whylen, "cannot resolve %s: %s", u->host,
		    gai_strerror(r));
		return SMERR_DNS;
	}
	snprintf(why, whylen, "no address");
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype |
		    SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol)) == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			sl = sizeof(soerr);
			code = wait_fd(fd, POLLOUT, deadline);
			if (code == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR,
			    &soerr, &sl) == 0 && soerr == 0)
				break;
			errno = code == SMERR_TIMEOUT ? ETIMEDOUT : soerr;
			code = code == SMERR_TIMEOUT ? code : SMERR_NET;
		}
		snprintf(why, whylen, "cannot connect: %s", strerror(errno));
		close(fd);
		fd = -1;
		if (code == SMERR_TIMEOUT)
			break;
	}
	freeaddrinfo(res);
	*fdp = fd;
	return fd == -1 ? code : 0;
}

static int
send_all(int fd, const void *p, size_t n, long long deadline)
{
	const uint8_t	*b = p;
	ssize_t		 w;
	int		 r;

	while (n > 0) {
		if ((r = wait_fd(fd, POLLOUT, deadline)) != 0)
			return r;
		w = send(fd, b, n, MSG_NOSIGNAL);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w <= 0)
			return SMERR_NET;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Whether the field line [line, nl) is named name (its colon included):
 * nothing past the line is read, whatever the comparison would do.
 */
static int
field_named(const char *line, const char *nl, const char *name)
{
	size_t	n = strlen(name);

	return (size_t)(nl - line) >= n && strncasecmp(line, name, n) == 0;
}

/* Reads the status line and fields: 0, 1 (more needed) or SMERR_*. */
static int
head_parse(const uint8_t *raw, size_t len, struct http_head *h,
    struct smerr *e)
{
	const char	*s = (const char *)raw, *end, *line, *nl, *v, *d;
	long long	 n;
	int		 status;

	memset(h, 0, sizeof(*h));
	h->clen = -1;
	end = memmem(raw, len < NET_HTTP_MAX_HEAD ? len : NET_HTTP_MAX_HEAD,
	    "\r\n\r\n", 4);
	if (end == NULL)
		return len >= NET_HTTP_MAX_HEAD ? smerr_set(e, SMERR_LIMIT,
		    "the HTTP header is larger than %d bytes",
		    NET_HTTP_MAX_HEAD) : 1;
	h->len = (size_t)(end - s) + 4;
	if (h->len < 14 || memcmp(s, "HTTP/1.", 7) != 0 || s[8] != ' ' ||
	    s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' ||
	    s[11] < '0' || s[11] > '9')
		return smerr_set(e, SMERR_PROTO, "the answer is not HTTP");
	status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (status != 200)
		return smerr_set(e, SMERR_PROTO, "HTTP status %d", status);
	for (line = (const char *)memchr(s, '\n', h->len) + 1; line < end + 2;
	    line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end + 3 - line));
		v = memchr(line, ':', (size_t)(nl - line));
		if (v == NULL)
			continue;
		for (v++; *v == ' ' || *v == '\t'; v++)
			;
		if (field_named(line, nl, "content-length:")) {
			/* Digits only, inside the line: nothing to strtoll. */
			for (n = 0, d = v; d < nl && *d >= '0' && *d <= '9' &&
			    n < (1LL << 40); d++)
				n = n * 10 + (*d - '0');
			if (d == v || (*d != '\r' && *d != ' ' &&
			    *d != '\t') || (h->clen >= 0 && h->clen != n))
				return smerr_set(e, SMERR_PROTO, "a bad HTTP "
				    "Content-Length");
			h->clen = n;
		} else if (field_named(line, nl, "transfer-encoding:")) {
			if (!field_named(v, nl, "chunked\r"))
				return smerr_set(e, SMERR_PROTO, "an HTTP "
				    "transfer coding other than chunked");
			h->chunked = 1;
		}
	}
	if (h->chunked)
		h->clen = -1;
	return 0;
}

/* Decodes a chunked body: 0, 1 (more needed) or SMERR_*. */
static int
chunks_take(const uint8_t *b, size_t n, struct buf *out, struct smerr *e)
{
	const uint8_t	*nl;
	size_t		 pos = 0, size;
	int		 c, digits;

	for (;;) {
		for (size = 0, digits = 0; pos < n &&
		    (c = text_hex_digit(b[pos])) >= 0; pos++, digits++) {
			if (size > (buf_max(out) >> 4))
				return smerr_set(e, SMERR_LIMIT, "an HTTP "
				    "chunk larger than %zu bytes",
				    buf_max(out));
			size = size * 16 + (size_t)c;
		}
		if ((nl = memchr(b + pos, '\n', n - pos)) == NULL)
			return 1;
		if (digits == 0 || nl == b + pos || nl[-1] != '\r')
			return smerr_set(e, SMERR_PROTO, "a bad HTTP chunk");
		pos = (size_t)(nl - b) + 1;
		if (size == 0)
			break;
		if (n - pos < size + 2)
			return 1;
		if (b[pos + size] != '\r' || b[pos + size + 1] != '\n')
			return smerr_set(e, SMERR_PROTO, "a bad HTTP chunk");
		if (buf_put(out, b + pos, size) != 0)
			return smerr_set(e, SMERR_LIMIT, "an HTTP body larger "
			    "than %zu bytes", buf_max(out));
		pos += size + 2;
	}
	/* Trailer fields, if any, then an empty line. */
	for (;;) {
		if ((nl = memchr(b + pos, '\n', n - pos)) == NULL)
			return 1;
		if (nl == b + pos + 1 && b[pos] == '\r')
			return 0;
		pos = (size_t)(nl - b) + 1;
	}
}

static int
body_take(const uint8_t *b, size_t n, const struct http_head *h, int eof,
    struct buf *out, struct smerr *e)
{
	int	r;

	buf_reset(out);
	if (h->chunked) {
		if ((r = chunks_take(b, n, out, e)) == 1 && eof)
			r = smerr_set(e, SMERR_PARSE, "the HTTP body is cut "
			    "short");
		return r;
	}
	if (h->clen >= 0) {
		if ((unsigned long long)h->clen > buf_max(out))
			return smerr_set(e, SMERR_LIMIT, "an HTTP body larger "
			    "than %zu bytes", buf_max(out));
		if (n < (size_t)h->clen)
			return eof ? smerr_set(e, SMERR_PARSE, "the HTTP body "
			    "is cut short") : 1;
		n = (size_t)h->clen;
	} else if (!eof)
		return 1;
	if (buf_put(out, b, n) != 0)
		return smerr_set(e, SMERR_LIMIT, "an HTTP body larger than "
		    "%zu bytes", buf_max(out));
	return 0;
}

int
net_http_response(const uint8_t *raw, size_t len, int eof, struct buf *out,
    struct smerr *e)
{
	struct http_head	h;
	int			r;

	if ((r = head_parse(raw, len, &h, e)) != 0)
		return r == 1 && eof ? smerr_set(e, SMERR_PARSE, "the HTTP "
		    "answer is cut short") : r;
	return body_take(raw + h.len, len - h.len, &h, eof, out, e);
}

/* Whether what has come so far may be a whole response, cheaply. */
static int
maybe_whole(const struct buf *raw)
{
	const uint8_t		*b = buf_data(raw);
	size_t			 n = buf_len(raw);
	struct http_head	 h;
	struct smerr		 e;

	smerr_clear(&e);
	if (head_parse(b, n, &h, &e) != 0)
		return e.code != 0;	/* an error shows at once */
	if (h.clen >= 0)
		return n - h.len >= (unsigned long long)h.clen;
	return h.chunked && n >= 5 && memcmp(b + n - 4, "\r\n\r\n", 4) == 0;
}

/*
 * Sends req and reads the response into raw until it is whole (then its
 * body is in out) or the server closes. 0 or SMERR_* (e set by the
 * reader's errors only).
 */
static int
exchange(int fd, const struct buf *req, struct buf *raw, struct buf *out,
    long long deadline, struct smerr *e)
{
	uint8_t	b[16384];
	ssize_t	n;
	int	r;

	if ((r = send_all(fd, buf_data(req), buf_len(req), deadline)) != 0)
		return r;
	for (;;) {
		if ((r = wait_fd(fd, POLLIN, deadline)) != 0)
			return r;
		n = recv(fd, b, sizeof(b), 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return SMERR_NET;
		if (n == 0)
			return net_http_response(buf_data(raw), buf_len(raw), 1,
			    out, e);
		if (buf_put(raw, b, (size_t)n) != 0)
			return SMERR_LIMIT;
		/* A chunk's data may look like the end: then read on. */
		if (maybe_whole(raw) && (r = net_http_response(buf_data(raw),
		    buf_len(raw), 0, out, e)) != 1)
			return r;
	}
}

int
net_http_fetch(struct dns *d, const char *url, const char *ctype,
    const uint8_t *body, size_t len, int timeout, struct buf *out,
    struct smerr *e)
{
	struct in_addr	 a4;
	struct http_url	 u;
	struct buf	*req = NULL, *raw = NULL;
	struct timespec	 ts;
	long long	 deadline;
	char		 why[512];
	int		 fd = -1, r;

	if (url_parse(url, &u) != 0)
		return smerr_set(e, SMERR_INVAL, "not a plain http:// URL");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	    (long long)(timeout > 0 ? timeout : 5) * 1000;
	if (d != NULL && !u.v6 && inet_pton(AF_INET, u.host, &a4) != 1 &&
	    (r = resolve_with(d, &u, why, sizeof(why))) != 0)
		return smerr_set(e, r, "%s:%s: %s", u.host, u.port, why);
	if ((r = connect_to(&u, deadline, &fd, why, sizeof(why))) != 0) {
		if (r == SMERR_TIMEOUT)
			return smerr_set(e, r, "%s:%s: no answer within %d s",
			    u.host, u.port, timeout);
		return smerr_set(e, r, "%s:%s: %s", u.host, u.port, why);
	}
	if ((req = buf_new(NET_HTTP_MAX_URL + 1024 + len)) == NULL ||
	    (raw = buf_new(buf_max(out) + buf_max(out) / 4 +
	    NET_HTTP_MAX_HEAD)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	r = buf_printf(req, "%s %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\n",
	    body != NULL ? "POST" : "GET", u.path, u.v6 ? "[" : "", u.host,
	    u.v6 ? "]" : "", strcmp(u.port, "80") != 0 ? ":" : "",
	    strcmp(u.port, "80") != 0 ? u.port : "");
	if (r == 0 && body != NULL)
		r = buf_printf(req, "Content-Type: %s\r\nContent-Length: "
		    "%zu\r\n", ctype, len);
	if (r == 0)
		r = buf_puts(req, "Connection: close\r\n\r\n");
	if (r == 0 && body != NULL)
		r = buf_put(req, body, len);
	if (r != 0) {
		r = smerr_nomem(e);
		goto out;
	}
	r = exchange(fd, req, raw, out, deadline, e);
	if (r == SMERR_TIMEOUT)
		r = smerr_set(e, r, "%s:%s: no answer within %d s", u.host,
		    u.port, timeout);
	else if (r == SMERR_LIMIT)
		r = smerr_set(e, r, "%s:%s: an answer larger than %zu bytes",
		    u.host, u.port, buf_max(out));
	else if (r < 0)
		r = smerr_set(e, r, "%s:%s: the connection failed", u.host,
		    u.port);
out:
	buf_free(req);
	buf_free(raw);
	if (fd != -1)
		close(fd);
	return r;
}
