/*
 * One connection to a mail server, handed to libetpan as a mailstream
 * through our own mailstream_low driver. The socket is non-blocking; every
 * wait is a poll() on the socket and a cancel eventfd with the configured
 * timeout, so no read or write can hang past it. The driver never returns
 * 0 from read (libetpan loops forever on that inside a literal): end of
 * stream, timeout, cancel and errors are all -1, with the reason kept in
 * the connection for the caller's message.
 *
 * The framing guard (guard_scan) follows line ends and IMAP literal
 * announcements in the bytes as they arrive, before libetpan allocates
 * anything for them.
 */
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "net/net_int.h"

/*
 * OpenSSL writes to the socket with write(2), which raises SIGPIPE when the
 * peer has gone. The signal is blocked for this thread around each call
 * and a SIGPIPE it raised is taken back, so the process's disposition is
 * left alone and no other thread is affected.
 */
struct pipeguard {
	sigset_t	old;
	int		was_pending;
};

static void
pipeguard_on(struct pipeguard *g)
{
	sigset_t	set, pend;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &g->old);
	g->was_pending = sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE);
}

static void
pipeguard_off(struct pipeguard *g)
{
	sigset_t	set, pend;
	struct timespec	zero = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	if (!g->was_pending && sigpending(&pend) == 0 &&
	    sigismember(&pend, SIGPIPE))
		while (sigtimedwait(&set, NULL, &zero) == -1 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

static void	conn_err(struct net_conn *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
conn_err(struct net_conn *c, int code, const char *fmt, ...)
{
	char	msg[SMERR_MSGMAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	smerr_set(&c->err, code, "%s: %s", c->label, msg);
}

static int64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
net_conn_deadline(struct net_conn *c, int secs)
{
	c->deadline = secs > 0 ? mono_ms() + (int64_t)secs * 1000 : 0;
	c->deadline_secs = secs;
}

int
net_conn_wait(struct net_conn *c, short ev)
{
	struct pollfd	pfd[3];
	int64_t		left;
	int		r, ms;
	char		secs[32];

	if (c->fd < 0) {
		conn_err(c, SMERR_NET, "connection closed");
		return -1;
	}
	for (;;) {
		pfd[0].fd = c->fd;
		pfd[0].events = ev;
		pfd[0].revents = 0;
		pfd[1].fd = c->cancel_fd;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		pfd[2].fd = c->user_cancel_fd;	/* -1 is ignored by poll */
		pfd[2].events = POLLIN;
		pfd[2].revents = 0;
		ms = c->timeout_ms;
		if (c->deadline > 0) {
			if ((left = c->deadline - mono_ms()) <= 0) {
				conn_err(c, SMERR_TIMEOUT, "the server is too "
				    "slow (more than %d s to greet and "
				    "authenticate)", c->deadline_secs);
				return -1;
			}
			if (left < ms)
				ms = (int)left;
		}
		r = poll(pfd, 3, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			conn_err(c, SMERR_NET, "poll: %s", strerror(errno));
			return -1;
		}
		if (r == 0 && ms < c->timeout_ms)
			continue;	/* the deadline: said above */
		if (r == 0) {
			snprintf(secs, sizeof(secs), "%d",
			    c->timeout_ms / 1000);
			conn_err(c, SMERR_TIMEOUT,
			    "no answer from the server within %s s", secs);
			return -1;
		}
		if (pfd[1].revents != 0 || pfd[2].revents != 0) {
			conn_err(c, SMERR_CANCEL, "cancelled");
			return -1;
		}
		return 0;
	}
}

int
net_conn_ssl_wait(struct net_conn *c, int se)
{
	if (se == SSL_ERROR_WANT_READ)
		return net_conn_wait(c, POLLIN) != 0 ? -1 : 0;
	if (se == SSL_ERROR_WANT_WRITE)
		return net_conn_wait(c, POLLOUT) != 0 ? -1 : 0;
	return 1;
}

/*
 * Where the guard is in an IMAP response, to tell a literal from text as
 * libetpan does. In a status response (a tag or "*", then OK, NO, BAD,
 * BYE or PREAUTH) and in a "+" continuation, what follows is text to the
 * line's end, where "{N}" is text too; but first may come a response code
 * in brackets, which may hold strings and flags, and so literals (RFC 3501
 * 7.1; libetpan parses PERMANENTFLAGS' flags as strings). Everywhere else
 * a line that ends in "{N}" announces a literal. Spaces and tabs may
 * repeat between the parts, as libetpan allows.
 */
enum {
	RS_START,	/* a response's first byte */
	RS_PLUS,	/* after "+" */
	RS_TAG,		/* in the tag or "*" */
	RS_SP1,		/* spaces after the tag */
	RS_WORD,	/* the word after the tag */
	RS_SP2,		/* spaces after a status word or "+" */
	RS_CODE,	/* in "[...]": literals may come */
	RS_QUOTED,	/* a quoted string in there */
	RS_ESCAPED,	/* after a backslash in it */
	RS_TEXT,	/* text to the line's end: no literal */
	RS_DATA,	/* any other response */
};

/* 1 when c->word is a status word (RFC 3501 7.1, case ignored). */
static int
guard_status_word(const struct net_conn *c)
{
	static const char *const	 w[] = {
		"OK", "NO", "BAD", "BYE", "PREAUTH",
	};
	size_t				 i;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (c->word_len == strlen(w[i]) &&
		    strncasecmp(c->word, w[i], c->word_len) == 0)
			return 1;
	return 0;
}

/* Moves the response state over one byte that is not a line's end. */
static void
guard_frame(struct net_conn *c, unsigned char ch)
{
	int	sp = ch == ' ' || ch == '\t';

	switch (c->resp_state) {
	case RS_START:
		c->word_len = 0;
		c->resp_state = ch == '+' ? RS_PLUS : sp ? RS_SP1 : RS_TAG;
		break;
	case RS_PLUS:
		c->resp_state = sp ? RS_SP2 : RS_TEXT;
		break;
	case RS_TAG:
		if (sp)
			c->resp_state = RS_SP1;
		break;
	case RS_SP1:
	case RS_WORD:
		if (sp && c->resp_state == RS_WORD)
			c->resp_state = guard_status_word(c) ? RS_SP2 :
			    RS_DATA;
		else if (!sp) {
			c->resp_state = RS_WORD;
			if (c->word_len < sizeof(c->word))
				c->word[c->word_len] = (char)ch;
			c->word_len++;	/* too long: no status word */
		}
		break;
	case RS_SP2:
		if (!sp)
			c->resp_state = ch == '[' ? RS_CODE : RS_TEXT;
		break;
	case RS_CODE:
		if (ch == '"')
			c->resp_state = RS_QUOTED;
		else if (ch == ']')
			c->resp_state = RS_TEXT;
		break;
	case RS_QUOTED:
		if (ch == '\\')
			c->resp_state = RS_ESCAPED;
		else if (ch == '"')
			c->resp_state = RS_CODE;
		break;
	case RS_ESCAPED:
		c->resp_state = RS_QUOTED;
		break;
	}
}

/*
 * Follows the stream's framing: lines, and for IMAP the literals announced
 * by a line ending in "{N}" (RFC 3501 4.3) where a string may stand, whose
 * N bytes are skipped. A response goes on after its literal; it ends with
 * the first line that announces none. 1 when the line announced one (its
 * N may be 0), 0 when not, -1 past the limit.
 */
static int
guard_literal(struct net_conn *c)
{
	size_t		 n = c->tail_len, i, j;
	const char	*t = c->tail;
	uint64_t	 v = 0;
	char		 num[32];

	/* The line ended in LF; drop it and a CR before it. */
	if (n > 0 && t[n - 1] == '\n')
		n--;
	if (n > 0 && t[n - 1] == '\r')
		n--;
	if (n == 0 || t[n - 1] != '}')
		return 0;
	n--;
	if (n > 0 && t[n - 1] == '+')
		n--;
	for (i = n; i > 0 && t[i - 1] >= '0' && t[i - 1] <= '9'; i--)
		;
	if (i == n || i == 0 || t[i - 1] != '{')
		return 0;
	/* Text, where libetpan reads no literal. */
	if (c->resp_state == RS_PLUS || c->resp_state == RS_SP2 ||
	    c->resp_state == RS_TEXT)
		return 0;
	if (n - i > 19) {
		v = UINT64_MAX;
	} else {
		for (j = i; j < n; j++)
			v = v * 10 + (uint64_t)(t[j] - '0');
	}
	if (v > NET_MAX_LITERAL) {
		if (v == UINT64_MAX)
			snprintf(num, sizeof(num), "%s", "more than 2^64");
		else
			snprintf(num, sizeof(num), "%llu",
			    (unsigned long long)v);
		conn_err(c, SMERR_LIMIT, "the server announced a literal of "
		    "%s bytes (limit 100 MiB)", num);
		return -1;
	}
	c->literal_left = v;
	return 1;
}

static int
guard_scan(struct net_conn *c, const unsigned char *p, size_t n)
{
	size_t	i = 0, k;
	int	lit = 0;

	c->bytes_in += n;
	while (i < n) {
		if (c->literal_left > 0) {
			k = n - i;
			if (k > c->literal_left)
				k = (size_t)c->literal_left;
			c->literal_left -= k;
			i += k;
			continue;
		}
		/*
		 * Response text outside literals, per command: libetpan keeps
		 * all of it (and what it parses from it) until the command
		 * completes, so a server that never stops talking is cut off.
		 */
		if (c->reply_limit > 0 && ++c->since_write > c->reply_limit) {
			conn_err(c, SMERR_LIMIT, "the server's reply is longer "
			    "than %zu MiB", c->reply_limit >> 20);
			return -1;
		}
		if (c->tail_len == NET_TAIL) {
			memmove(c->tail, c->tail + 1, NET_TAIL - 1);
			c->tail_len--;
		}
		c->tail[c->tail_len++] = (char)p[i];
		if (p[i] == '\n') {
			if (c->lines_limit > 0 &&
			    ++c->lines_since_write > c->lines_limit) {
				conn_err(c, SMERR_LIMIT, "the server's reply "
				    "has more than %zu lines", c->lines_limit);
				return -1;
			}
			if (c->imap_literals && (lit = guard_literal(c)) < 0)
				return -1;
			if (lit == 0)
				c->resp_state = RS_START;
			c->line_len = 0;
			c->tail_len = 0;
		} else if (++c->line_len > NET_MAX_LINE) {
			conn_err(c, SMERR_LIMIT, "the server sent a line "
			    "longer than 1 MiB");
			return -1;
		} else if (c->imap_literals && p[i] != '\r')
			guard_frame(c, p[i]);
		i++;
	}
	return 0;
}

/*
 * One SSL_read into rb, or SSL_write from wb, of up to n bytes, with
 * SIGPIPE held off: the bytes moved, 0 to call again (it waited for what
 * TLS wanted), or -1 with c->err set.
 */
static int
conn_ssl_io(struct net_conn *c, void *rb, const void *wb, int n)
{
	struct pipeguard	 g;
	int			 r, se, w;

	ERR_clear_error();
	pipeguard_on(&g);
	r = rb != NULL ? SSL_read(c->ssl, rb, n) : SSL_write(c->ssl, wb, n);
	se = r > 0 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, r);
	pipeguard_off(&g);
	if (r > 0)
		return r;
	if ((w = net_conn_ssl_wait(c, se)) < 0)
		return -1;
	if (w == 0)
		return 0;
	if (rb != NULL)
		conn_err(c, SMERR_NET, "the server closed the connection%s",
		    se == SSL_ERROR_ZERO_RETURN ? "" : " (TLS error)");
	else
		conn_err(c, SMERR_NET, "the connection broke while writing");
	return -1;
}

static ssize_t
low_read(mailstream_low *s, void *b, size_t n)
{
	struct net_conn		*c = s->data;
	ssize_t			 r;

	if (n > INT_MAX)
		n = INT_MAX;
	if (n == 0 || c->err.code != 0)
		return -1;
	/*
	 * libetpan keeps a response's text, but not its literals, in one
	 * buffer until the response is complete: whatever the guard made
	 * of the framing, that buffer is what costs memory.
	 */
	if (c->imap_buf != NULL && *c->imap_buf != NULL &&
	    c->reply_limit > 0 && (*c->imap_buf)->len > c->reply_limit) {
		conn_err(c, SMERR_LIMIT, "the server's reply is longer than "
		    "%zu MiB", c->reply_limit >> 20);
		return -1;
	}
	for (;;) {
		if (c->fd < 0)
			return -1;
		if (c->ssl == NULL) {
			r = recv(c->fd, b, n, 0);
			if (r > 0)
				break;
			if (r == 0) {
				conn_err(c, SMERR_NET, "the server closed the "
				    "connection");
				return -1;
			}
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				conn_err(c, SMERR_NET, "read: %s",
				    strerror(errno));
				return -1;
			}
			if (net_conn_wait(c, POLLIN) != 0)
				return -1;
			continue;
		}
		if ((r = conn_ssl_io(c, b, NULL, (int)n)) < 0)
			return -1;
		if (r > 0)
			break;
	}
	if (guard_scan(c, b, (size_t)r) != 0)
		return -1;
	return r;
}

static ssize_t
low_write(mailstream_low *s, const void *b, size_t n)
{
	struct net_conn		*c = s->data;
	ssize_t			 r;

	if (n > INT_MAX)
		n = INT_MAX;
	if (n == 0)
		return 0;
	if (c->err.code != 0)
		return -1;
	c->since_write = 0;
	c->lines_since_write = 0;
	for (;;) {
		if (c->fd < 0)
			return -1;
		if (c->ssl == NULL) {
			r = send(c->fd, b, n, MSG_NOSIGNAL);
			if (r > 0)
				return r;
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 &&
			    (errno == EAGAIN || errno == EWOULDBLOCK)) {
				if (net_conn_wait(c, POLLOUT) != 0)
					return -1;
				continue;
			}
			conn_err(c, SMERR_NET, "write: %s", strerror(errno));
			return -1;
		}
		if ((r = conn_ssl_io(c, NULL, b, (int)n)) != 0)
			return r;
	}
}

static int
low_close(mailstream_low *s)
{
	struct net_conn		*c = s->data;
	struct pipeguard	 g;

	if (c->ssl != NULL && c->fd >= 0) {
		/* One non-blocking close_notify; never wait for the peer's. */
		pipeguard_on(&g);
		ERR_clear_error();
		(void)SSL_shutdown(c->ssl);
		pipeguard_off(&g);
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	return 0;
}

static int
low_get_fd(mailstream_low *s)
{
	struct net_conn	*c = s->data;

	return c->fd;
}

static void
low_free(mailstream_low *s)
{
	struct net_conn	*c = s->data;

	/* The connection outlives its stream; net_conn_free releases it. */
	if (c != NULL)
		c->stream = NULL;
	free(s);
}

static void
low_cancel(mailstream_low *s)
{
	net_conn_cancel(s->data);
}

static carray *
low_chain(mailstream_low *s)
{
	struct net_conn		*c = s->data;
	STACK_OF(X509)		*sk;
	carray			*a;
	MMAPString		*m;
	unsigned char		*der;
	int			 i, len;

	if (c->ssl == NULL || (sk = SSL_get_peer_cert_chain(c->ssl)) == NULL)
		return NULL;
	if ((a = carray_new(4)) == NULL)
		return NULL;
	for (i = 0; i < sk_X509_num(sk); i++) {
		der = NULL;
		if ((len = i2d_X509(sk_X509_value(sk, i), &der)) <= 0)
			goto fail;
		m = mmap_string_new_len((char *)der, (size_t)len);
		OPENSSL_free(der);
		if (m == NULL)
			goto fail;
		if (carray_add(a, m, NULL) != 0) {
			mmap_string_free(m);
			goto fail;
		}
	}
	return a;
fail:
	mailstream_certificate_chain_free(a);
	return NULL;
}

static mailstream_low_driver net_low_driver = {
	low_read,
	low_write,
	low_close,
	low_get_fd,
	low_free,
	low_cancel,
	NULL,		/* get_cancel: our own cancel eventfd */
	low_chain,
	NULL,
	NULL,
	NULL,
};

void
net_stream_wipe(mailstream *st)
{
	if (st != NULL && st->write_buffer != NULL)
		secmem_wipe(st->write_buffer, st->buffer_max_size);
}

int
net_b64_line(struct buf *out, const char *prefix, const void *p, size_t n)
{
	unsigned char	*enc;
	size_t		 cap = 4 * ((n + 2) / 3) + 1;
	int		 r, len;

	if (n > INT_MAX / 2)
		return SMERR_LIMIT;
	if ((enc = malloc(cap)) == NULL)
		return SMERR_NOMEM;
	len = EVP_EncodeBlock(enc, p, (int)n);
	buf_reset(out);
	if ((r = buf_puts(out, prefix)) == 0 &&
	    (r = buf_put(out, enc, (size_t)len)) == 0)
		r = buf_puts(out, "\r\n");
	secmem_free(enc, cap);
	return r;
}

int
net_plain_line(struct buf *out, const char *prefix, const char *user,
    const char *pass)
{
	struct buf	*cred;
	size_t		 ul = strlen(user), pl = strlen(pass);
	int		 r;

	if (ul > NET_MAX_CRED || pl > NET_MAX_CRED)
		return SMERR_LIMIT;
	if ((cred = buf_new_secret(2 * NET_MAX_CRED + 2)) == NULL)
		return SMERR_NOMEM;
	if ((r = buf_putc(cred, '\0')) == 0 &&
	    (r = buf_put(cred, user, ul)) == 0 &&
	    (r = buf_putc(cred, '\0')) == 0 &&
	    (r = buf_put(cred, pass, pl)) == 0)
		r = net_b64_line(out, prefix, buf_data(cred), buf_len(cred));
	buf_free(cred);
	return r;
}

void
net_conn_cancel(struct net_conn *c)
{
	uint64_t	one = 1;

	if (c != NULL && c->cancel_fd >= 0)
		(void)!write(c->cancel_fd, &one, sizeof(one));
}

int
net_conn_goodbye(struct net_conn *c)
{
	if (c->err.code != 0)
		return 0;
	if (c->timeout_ms > 5000)
		c->timeout_ms = 5000;
	return 1;
}

int
net_host_is_addr(const char *host)
{
	struct in6_addr	a6;
	struct in_addr	a4;

	return inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1;
}

/* A DNS name of letters, digits, hyphens and dots, or an address. */
static int
host_ok(const char *h)
{
	size_t	i, n = strlen(h);

	if (n == 0 || n > 253)
		return 0;
	if (net_host_is_addr(h))
		return 1;
	for (i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
		    (h[i] >= 'A' && h[i] <= 'Z') ||
		    (h[i] >= '0' && h[i] <= '9') || h[i] == '-' ||
		    (h[i] == '.' && i > 0 && h[i - 1] != '.')))
			return 0;
	return 1;
}

static int
connect_one(struct net_conn *c, const struct addrinfo *ai, char *why,
    size_t whylen)
{
	int		fd, r, soerr;
	socklen_t	sl = sizeof(soerr);
	struct pollfd	pfd[2];

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	r = connect(fd, ai->ai_addr, ai->ai_addrlen);
	if (r != 0 && errno != EINPROGRESS) {
		snprintf(why, whylen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	if (r != 0) {
		pfd[0].fd = fd;
		pfd[0].events = POLLOUT;
		pfd[1].fd = c->user_cancel_fd;
		pfd[1].events = POLLIN;
		do {
			pfd[0].revents = pfd[1].revents = 0;
			r = poll(pfd, 2, c->timeout_ms);
		} while (r < 0 && errno == EINTR);
		if (r > 0 && pfd[1].revents != 0) {
			snprintf(why, whylen, "cancelled");
			close(fd);
			return -1;
		}
		if (r == 0) {
			snprintf(why, whylen, "no answer within %d s",
			    c->timeout_ms / 1000);
			close(fd);
			return -1;
		}
		if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr,
		    &sl) != 0 || soerr != 0) {
			snprintf(why, whylen, "%s", strerror(r < 0 ? errno :
			    soerr));
			close(fd);
			return -1;
		}
	}
	c->fd = fd;
	return 0;
}

static int
conn_connect(struct net_conn *c, const struct net_server *srv,
    struct smerr *e)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 port[16], why[256] = "no address";
	const char	*name = srv->addr != NULL ? srv->addr : srv->host;
	int		 r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = AF_UNSPEC;
	hints.ai_flags = AI_ADDRCONFIG;
	if (srv->addr != NULL || net_host_is_addr(name))
		hints.ai_flags |= AI_NUMERICHOST;
	snprintf(port, sizeof(port), "%d", srv->port);
	r = getaddrinfo(name, port, &hints, &res);
	if (r != 0)
		return smerr_set(e, SMERR_DNS, "%s: cannot resolve %s: %s",
		    c->label, name, gai_strerror(r));
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (connect_one(c, ai, why, sizeof(why)) == 0 ||
		    strcmp(why, "cancelled") == 0)
			break;
	freeaddrinfo(res);
	if (c->fd < 0 && strcmp(why, "cancelled") == 0)
		return smerr_set(e, SMERR_CANCEL, "%s: cancelled", c->label);
	if (c->fd < 0)
		return smerr_set(e, SMERR_NET, "%s: cannot connect: %s",
		    c->label, why);
	return 0;
}

int
net_conn_open(const struct net_server *srv, int imap_literals,
    struct net_conn **cp, struct smerr *e)
{
	struct net_conn	*c;
	mailstream_low	*low;
	int		 r;

	*cp = NULL;
	if (srv == NULL || srv->host == NULL || !host_ok(srv->host) ||
	    srv->port <= 0 || srv->port > 65535)
		return smerr_set(e, SMERR_INVAL, "%s: not a server name",
		    srv != NULL && srv->host != NULL ? srv->host : "(none)");
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return smerr_nomem(e);
	c->fd = -1;
	c->user_cancel_fd = srv->cancel_fd > 0 ? srv->cancel_fd : -1;
	c->imap_literals = imap_literals;
	c->reply_limit = imap_literals ? NET_MAX_REPLY_IMAP :
	    NET_MAX_REPLY_SMTP;
	c->lines_limit = imap_literals ? NET_MAX_LINES_IMAP : 0;
	c->port = srv->port;
	c->timeout_ms = (srv->timeout > 0 ? srv->timeout :
	    NET_DEFAULT_TIMEOUT) * 1000;
	snprintf(c->host, sizeof(c->host), "%s", srv->host);
	if (strchr(srv->host, ':') != NULL)
		snprintf(c->label, sizeof(c->label), "[%s]:%d", srv->host,
		    srv->port);
	else
		snprintf(c->label, sizeof(c->label), "%s:%d", srv->host,
		    srv->port);
	if ((c->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		r = smerr_set(e, SMERR_IO, "eventfd: %s", strerror(errno));
		goto fail;
	}
	/*
	 * A bogus TLSA answer means someone is tampering with DNS for this
	 * server: no connection at all.
	 */
	if (srv->tlsa_status == NET_TLSA_BOGUS) {
		r = smerr_set(e, SMERR_DNSSEC, "%s: DNSSEC validation failed "
		    "for TLSA _%d._tcp.%s%s%s; refusing to connect", c->label,
		    srv->port, srv->host, srv->tlsa_why != NULL ? ": " : "",
		    srv->tlsa_why != NULL ? srv->tlsa_why : "");
		goto fail;
	}
	if ((r = net_tls_ctx(c, srv, e)) != 0)
		goto fail;
	/* Connect, TLS and greeting: twice the timeout in all. */
	net_conn_deadline(c, 2 * c->timeout_ms / 1000);
	if ((r = conn_connect(c, srv, e)) != 0)
		goto fail;
	if (srv->tls == NET_TLS_IMPLICIT &&
	    (r = net_tls_handshake(c, srv, e)) != 0)
		goto fail;
	if ((low = mailstream_low_new(c, &net_low_driver)) == NULL) {
		r = smerr_nomem(e);
		goto fail;
	}
	if ((c->stream = mailstream_new(low, 8192)) == NULL) {
		free(low);
		r = smerr_nomem(e);
		goto fail;
	}
	*cp = c;
	return 0;
fail:
	net_conn_free(c);
	return r;
}

int
net_conn_starttls(struct net_conn *c, const struct net_server *srv,
    struct smerr *e)
{
	if (c->ssl != NULL || c->stream == NULL)
		return smerr_set(e, SMERR_INVAL, "%s: STARTTLS twice",
		    c->label);
	/*
	 * RFC 3207 4.2 / RFC 2595 3.1: nothing may follow the go-ahead in
	 * cleartext. Bytes already read past it were injected by whoever
	 * sits on the path (CVE-2020-15953 and its kind).
	 */
	if (c->stream->read_buffer_len != 0)
		return smerr_set(e, SMERR_PROTO, "%s: the server sent data "
		    "after accepting STARTTLS (%zu bytes injected in "
		    "cleartext); refusing to continue", c->label,
		    c->stream->read_buffer_len);
	if (c->stream->write_buffer_len != 0)
		return smerr_set(e, SMERR_PROTO, "%s: unsent data before "
		    "STARTTLS", c->label);
	return net_tls_handshake(c, srv, e);
}

int
net_conn_secure(const struct net_conn *c)
{
	return c != NULL && c->ssl != NULL && c->auth != NET_AUTH_NONE &&
	    c->err.code == 0;
}

int
net_conn_need_secure(const struct net_conn *c, int login, struct smerr *e)
{
	if (net_conn_secure(c))
		return 0;
	if (login)
		return smerr_set(e, SMERR_TLS, "%s: refusing to send "
		    "credentials: the server is not authenticated over TLS",
		    c->label);
	return smerr_set(e, SMERR_TLS, "%s: the server is not authenticated",
	    c->label);
}

int
net_conn_login_ok(const struct net_conn *c, int busy, struct smerr *e)
{
	int	r;

	if ((r = net_conn_need_secure(c, 1, e)) != 0)
		return r;
	if (busy)
		return smerr_set(e, SMERR_INVAL, "%s: cannot log in now",
		    c->label);
	return 0;
}

int
net_conn_fail(struct net_conn *c, struct smerr *e, int code,
    const char *what)
{
	if (c != NULL && c->err.code != 0)
		return smerr_set(e, c->err.code, "%s", c->err.msg);
	return smerr_set(e, code, "%s: %s", c != NULL ? c->label : "server",
	    what);
}

void
net_conn_free(struct net_conn *c)
{
	if (c == NULL)
		return;
	if (c->stream != NULL)
		mailstream_close(c->stream);	/* low_free clears c->stream */
	c->stream = NULL;
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->ctx != NULL)
		SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	if (c->cancel_fd >= 0)
		close(c->cancel_fd);
	free(c);
}
