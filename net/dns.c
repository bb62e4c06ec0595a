/*
 * Validating lookups over libunbound. The context validates DNSSEC itself
 * from a trust anchor file; it forwards to the configured resolver (or to
 * the system's, from resolv.conf). Queries run on libunbound's worker
 * thread; this side waits on ub_fd() with poll() until the deadline and
 * cancels the query when it passes, because a dead resolver otherwise
 * costs about 17 s of retries per query.
 *
 * Only a secure answer is ever called secure; a bogus one still carries
 * the forged data in libunbound's result, and is turned into an error
 * here so that no caller can read it.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "net/dns.h"
#include "net/unbound_int.h"

#define DNS_MAX_RR		512		/* records kept from one answer */
#define DNS_MAX_TA_FILE		(64 * 1024)	/* a trust anchor file */
#define DNS_MAX_TIMEOUT		600		/* seconds */

struct dns {
	const struct net_ub	*ub;		/* libunbound, loaded */
	struct ub_ctx		*ctx;
	int		 timeout_ms;
};

/* What the callback hands back to dns_query(). */
struct dns_pending {
	int			 done;
	int			 err;
	struct ub_result	*res;
};

const char *
dns_status_str(enum dns_status s)
{
	switch (s) {
	case DNS_SECURE:
		return "secure";
	case DNS_SECURE_DENIAL:
		return "secure-denial";
	case DNS_INSECURE:
		return "insecure";
	}
	return "unknown";
}

/* 1 when name (with or without the final dot) is "test" or ends in ".test". */
static int
name_under_test(const char *name, size_t len)
{
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 4)
		return strncasecmp(name, "test", 4) == 0;
	return len > 5 && strncasecmp(name + len - 5, ".test", 5) == 0;
}

/*
 * Reads the trust anchor file (bounded) and reports whether every anchor
 * in it is for a name under the special-use "test." domain (RFC 6761).
 * Comment lines (';', '#') and blank lines are skipped.
 */
static int
anchor_file_scan(const char *path, int *under_test, struct smerr *e)
{
	struct buf	*b = NULL;
	const char	*p, *end, *eol;
	size_t		 n, anchors = 0, tests = 0;
	int		 fd, r;

	*under_test = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return smerr_set(e, SMERR_IO, "DNSSEC trust anchor %s: %s",
		    path, strerror(errno));
	if ((b = buf_new(DNS_MAX_TA_FILE)) == NULL) {
		close(fd);
		return smerr_nomem(e);
	}
	r = buf_read_fd(b, fd);
	close(fd);
	if (r == SMERR_LIMIT) {
		r = smerr_set(e, r, "DNSSEC trust anchor %s: larger than %d "
		    "bytes", path, DNS_MAX_TA_FILE);
		goto out;
	} else if (r != 0) {
		r = smerr_set(e, r, "DNSSEC trust anchor %s: cannot read it",
		    path);
		goto out;
	}
	p = (const char *)buf_data(b);
	end = p + buf_len(b);
	for (; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			eol = end;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		if (p == eol || *p == ';' || *p == '#' || *p == '\r')
			continue;
		for (n = 0; p + n < eol && !isspace((unsigned char)p[n]); n++)
			;
		anchors++;
		if (name_under_test(p, n))
			tests++;
	}
	if (anchors == 0) {
		r = smerr_set(e, SMERR_CONFIG, "DNSSEC trust anchor %s: no "
		    "anchor in it", path);
		goto out;
	}
	*under_test = tests == anchors;
	r = 0;
out:
	buf_free(b);
	return r;
}

static int
ub_fail(const struct dns *d, struct smerr *e, const char *what, int err)
{
	return smerr_set(e, SMERR_DNS, "DNS resolver: %s: %s", what,
	    d->ub->strerror(err));
}

int
dns_new(const struct dns_config *cfg, struct dns **dp, struct smerr *e)
{
	struct dns	*d;
	const char	*ta;
	int		 r, err, under_test, timeout;

	*dp = NULL;
	ta = cfg != NULL && cfg->trust_anchor != NULL ? cfg->trust_anchor :
	    DNS_ROOT_ANCHOR;
	timeout = cfg != NULL && cfg->timeout > 0 ? cfg->timeout :
	    DNS_DEFAULT_TIMEOUT;
	if (timeout > DNS_MAX_TIMEOUT)
		timeout = DNS_MAX_TIMEOUT;
	if ((r = anchor_file_scan(ta, &under_test, e)) != 0)
		return r;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return smerr_nomem(e);
	d->timeout_ms = timeout * 1000;
	if ((r = net_ub_load(&d->ub, e)) != 0)
		goto fail;
	if ((d->ctx = d->ub->ctx_create()) == NULL) {
		r = smerr_set(e, SMERR_DNS, "DNS resolver: cannot create a "
		    "libunbound context");
		goto fail;
	}
	/* libunbound writes its own errors to stderr unless told not to. */
	if ((err = d->ub->ctx_set_option(d->ctx, "logfile:",
	    "/dev/null")) != 0 ||
	    (err = d->ub->ctx_set_option(d->ctx, "use-syslog:", "no")) != 0 ||
	    (err = d->ub->ctx_set_option(d->ctx, "verbosity:", "0")) != 0) {
		r = ub_fail(d, e, "logging", err);
		goto fail;
	}
	/* A local resolver (the lab's, a stub on 127.0.0.53) is a resolver. */
	if ((err = d->ub->ctx_set_option(d->ctx, "do-not-query-localhost:",
	    "no")) != 0) {
		r = ub_fail(d, e, "do-not-query-localhost", err);
		goto fail;
	}
	/*
	 * unbound answers the special-use "test." domain itself with a
	 * static NXDOMAIN, which hides a test zone. Only a context whose
	 * every trust anchor lies under "test." (a test lab) lets it through
	 * to the resolver; a context anchored at the root keeps the default.
	 */
	if (under_test && (err = d->ub->ctx_set_option(d->ctx,
	    "local-zone:", "test. transparent")) != 0) {
		r = ub_fail(d, e, "local-zone", err);
		goto fail;
	}
	if (cfg != NULL && cfg->resolver != NULL)
		err = d->ub->ctx_set_fwd(d->ctx, cfg->resolver);
	else
		err = d->ub->ctx_resolvconf(d->ctx, NULL);
	if (err != 0) {
		r = smerr_set(e, SMERR_DNS, "DNS resolver %s: %s",
		    cfg != NULL && cfg->resolver != NULL ? cfg->resolver :
		    "from /etc/resolv.conf", err == UB_SYNTAX ?
		    "not an address (addr or addr@port)" :
		    d->ub->strerror(err));
		goto fail;
	}
	if ((err = d->ub->ctx_add_ta_file(d->ctx, ta)) != 0) {
		r = smerr_set(e, SMERR_DNS, "DNSSEC trust anchor %s: %s", ta,
		    d->ub->strerror(err));
		goto fail;
	}
	if ((err = d->ub->ctx_async(d->ctx, 1)) != 0) {
		r = ub_fail(d, e, "threads", err);
		goto fail;
	}
	*dp = d;
	return 0;
fail:
	dns_free(d);
	return r;
}

void
dns_free(struct dns *d)
{
	if (d == NULL)
		return;
	if (d->ctx != NULL)
		d->ub->ctx_delete(d->ctx);
	free(d);
}

void
dns_answer_free(struct dns_answer *a)
{
	size_t	i;

	if (a == NULL)
		return;
	for (i = 0; i < a->nrr; i++)
		free((void *)a->rr[i].data);
	free(a->rr);
	free(a->qname);
	free(a);
}

/* Letters, digits, '-' and '_' in labels of 1-63 octets; at most 253. */
static int
name_valid(const char *name)
{
	size_t	len, label = 0, i;

	len = strlen(name);
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > DNS_MAX_NAME)
		return 0;
	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' &&
		    name[i] != '_')
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1;
}

int
dns_srv_decode(const struct dns_rr *rr, struct dns_srv *s, struct smerr *e)
{
	const uint8_t	*p = rr->data;
	size_t		 off = 6, out = 0, n, i;
	int		 c;

	memset(s, 0, sizeof(*s));
	if (rr->len < 7)
		return smerr_set(e, SMERR_PARSE, "SRV record too short");
	s->priority = (uint16_t)(p[0] << 8 | p[1]);
	s->weight = (uint16_t)(p[2] << 8 | p[3]);
	s->port = (uint16_t)(p[4] << 8 | p[5]);
	/* The target is an uncompressed name (RFC 2782): labels, then 0. */
	while ((n = p[off++]) != 0) {
		if (n > 63 || off + n >= rr->len || out + n + 1 > DNS_MAX_NAME)
			return smerr_set(e, SMERR_PARSE, "SRV record with a "
			    "malformed target");
		if (out > 0)
			s->target[out++] = '.';
		for (i = 0; i < n; i++) {
			c = p[off + i];
			if (c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			if ((c < 'a' || c > 'z') && (c < '0' || c > '9') &&
			    c != '-' && c != '_')
				return smerr_set(e, SMERR_PARSE, "SRV target "
				    "is not a host name");
			s->target[out++] = (char)c;
		}
		off += n;
	}
	s->target[out] = '\0';
	if (off != rr->len)
		return smerr_set(e, SMERR_PARSE, "SRV record with bytes after "
		    "its target");
	return 0;
}

static void
dns_done(void *arg, int err, struct ub_result *res)
{
	struct dns_pending	*q = arg;

	q->done = 1;
	q->err = err;
	q->res = res;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000L +
	    (now.tv_nsec - t0->tv_nsec) / 1000000L;
}

static const char *
rcode_str(int rcode)
{
	switch (rcode) {
	case 1:
		return "FORMERR";
	case 2:
		return "SERVFAIL";
	case 4:
		return "NOTIMP";
	case 5:
		return "REFUSED";
	}
	return "an error";
}

/* Copies libunbound's result into a new answer of the given status. */
static int
answer_make(const char *name, const struct ub_result *res,
    enum dns_status st, struct dns_answer **ap, struct smerr *e)
{
	struct dns_answer	*a;
	uint8_t			*p;
	size_t			 n = 0, i;

	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->qname = strdup(name)) == NULL)
		goto nomem;
	a->status = st;
	a->nxdomain = res->nxdomain != 0;
	a->ttl = res->ttl > 0 ? (uint32_t)res->ttl : 0;
	if (st != DNS_SECURE_DENIAL && res->havedata)
		while (res->data[n] != NULL)
			n++;
	if (n > DNS_MAX_RR) {
		dns_answer_free(a);
		return smerr_set(e, SMERR_LIMIT, "DNS answer for %s: more "
		    "than %d records", name, DNS_MAX_RR);
	}
	if (n > 0 && (a->rr = calloc(n, sizeof(*a->rr))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		if ((p = malloc(res->len[i] > 0 ? res->len[i] : 1)) == NULL)
			goto nomem;
		memcpy(p, res->data[i], res->len[i]);
		a->rr[i].data = p;
		a->rr[i].len = res->len[i];
		a->nrr++;
	}
	*ap = a;
	return 0;
nomem:
	dns_answer_free(a);
	return smerr_nomem(e);
}

int
dns_query(struct dns *d, const char *name, int type, struct dns_answer **ap,
    struct smerr *e)
{
	struct dns_pending	 q;
	struct ub_result	*res;
	struct pollfd		 pfd;
	struct timespec		 t0;
	long			 left;
	int			 id, err, r, n;

	*ap = NULL;
	if (!name_valid(name))
		return smerr_set(e, SMERR_INVAL, "not a DNS name: %.80s%s",
		    name, strlen(name) > 80 ? "..." : "");
	if (type <= 0 || type > 65535)
		return smerr_set(e, SMERR_INVAL, "DNS type %d", type);
	memset(&q, 0, sizeof(q));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((err = d->ub->resolve_async(d->ctx, name, type, 1, &q, dns_done,
	    &id)) != 0)
		return smerr_set(e, SMERR_DNS, "DNS lookup of %s: %s", name,
		    d->ub->strerror(err));
	while (!q.done) {
		if ((left = d->timeout_ms - ms_since(&t0)) <= 0) {
			d->ub->cancel(d->ctx, id);
			return smerr_set(e, SMERR_TIMEOUT, "DNS lookup of %s: "
			    "no answer from the resolver within %d s", name,
			    d->timeout_ms / 1000);
		}
		pfd.fd = d->ub->fd(d->ctx);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if ((n = poll(&pfd, 1, (int)left)) == -1) {
			if (errno == EINTR)
				continue;
			d->ub->cancel(d->ctx, id);
			return smerr_set(e, SMERR_DNS, "DNS lookup of %s: "
			    "poll: %s", name, strerror(errno));
		}
		if (n > 0 && (err = d->ub->process(d->ctx)) != 0) {
			d->ub->cancel(d->ctx, id);
			return smerr_set(e, SMERR_DNS, "DNS lookup of %s: %s",
			    name, d->ub->strerror(err));
		}
	}
	log_debug("dns: %s type %d in %ld ms", name, type, ms_since(&t0));
	if (q.err != 0)
		return smerr_set(e, SMERR_DNS, "DNS lookup of %s: %s", name,
		    d->ub->strerror(q.err));
	res = q.res;
	if (res == NULL)
		return smerr_set(e, SMERR_DNS, "DNS lookup of %s: no result",
		    name);
	if (res->bogus)
		r = smerr_set(e, SMERR_DNSSEC, "DNSSEC validation failed for "
		    "%s: %s", name, res->why_bogus != NULL ? res->why_bogus :
		    "no reason given");
	else if (res->rcode != 0 && res->rcode != 3)
		r = smerr_set(e, SMERR_DNS, "DNS lookup of %s: the resolver "
		    "answered %s", name, rcode_str(res->rcode));
	else if (res->secure)
		r = answer_make(name, res, res->havedata ? DNS_SECURE :
		    DNS_SECURE_DENIAL, ap, e);
	else
		r = answer_make(name, res, DNS_INSECURE, ap, e);
	d->ub->resolve_free(res);
	return r;
}
