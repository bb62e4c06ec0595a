/*
 * First run: where an address's mail servers are, from DNS SRV records
 * (RFC 6186) validated with DNSSEC, implicit TLS preferred (RFC 8314), and
 * the account section setup adds to the configuration once both servers
 * were authenticated and took the login. An answer that DNSSEC could not
 * vouch for is believed only when its target lies inside the address's own
 * domain: an unsigned record must not send a password to someone else.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "net/dns.h"
#include "app/app_int.h"

#define SETUP_CONFIG_MAX	(1024 * 1024)

/* The two services of one protocol, implicit TLS first. */
struct setup_proto {
	const char	*key;		/* config key: "imap" or "smtp" */
	const char	*service[2];
	const char	*scheme[2];
	int		 port[2];	/* the scheme's default port */
	enum app_tls	 tls[2];
};

static const struct setup_proto setup_protos[2] = {
	{ "imap", { "_imaps._tcp", "_imap._tcp" }, { "imaps", "imap" },
	    { 993, 143 }, { APP_TLS_IMPLICIT, APP_TLS_STARTTLS } },
	{ "smtp", { "_submissions._tcp", "_submission._tcp" },
	    { "submissions", "submission" }, { 465, 587 },
	    { APP_TLS_IMPLICIT, APP_TLS_STARTTLS } },
};

void
app_setup_clear(struct app_setup *s)
{
	int	i;

	for (i = 0; i < 2; i++) {
		free(s->url[i]);
		free(s->server[i].host);
	}
	memset(s, 0, sizeof(*s));
}

/* 1 when host is domain or a name below it. */
static int
in_domain(const char *host, const char *domain)
{
	size_t	hl = strlen(host), dl = strlen(domain);

	if (dl > 0 && domain[dl - 1] == '.')
		dl--;
	if (hl == dl)
		return strncasecmp(host, domain, dl) == 0;
	return hl > dl && host[hl - dl - 1] == '.' &&
	    strncasecmp(host + hl - dl, domain, dl) == 0;
}

/*
 * The record a client should try first (RFC 2782): the lowest priority,
 * then the highest weight; "." means the service is not offered. 0 and
 * *best, or SMERR_NOTFOUND.
 */
static int
srv_best(const struct dns_answer *a, struct dns_srv *best, struct smerr *e)
{
	struct dns_srv	s;
	struct smerr	de;
	size_t		i;
	int		found = 0;

	for (i = 0; i < a->nrr; i++) {
		smerr_clear(&de);
		if (dns_srv_decode(&a->rr[i], &s, &de) != 0)
			return smerr_set(e, SMERR_DNS, "%s: %s", a->qname,
			    smerr_msg(&de));
		if (s.target[0] == '\0' || s.port == 0)
			continue;
		if (!found || s.priority < best->priority ||
		    (s.priority == best->priority && s.weight > best->weight))
			*best = s;
		found = 1;
	}
	return found ? 0 : SMERR_NOTFOUND;
}

/* One protocol's server: the first of its two services that has one. */
static int
setup_find(struct dns *d, const char *domain, int proto, struct app_setup *s,
    struct smerr *e)
{
	const struct setup_proto	*p = &setup_protos[proto];
	struct app_server		*as = &s->server[proto];
	struct dns_answer		*a = NULL;
	struct dns_srv			 best;
	struct smerr			 qe;
	char				 name[DNS_MAX_NAME + 32];
	int				 i, r;

	for (i = 0; i < 2; i++) {
		if (snprintf(name, sizeof(name), "%s.%s", p->service[i],
		    domain) >= (int)sizeof(name))
			return smerr_set(e, SMERR_INVAL, "domain too long: %s",
			    domain);
		smerr_clear(&qe);
		if ((r = dns_query(d, name, DNS_T_SRV, &a, &qe)) != 0)
			return smerr_set(e, r, "%s%s", smerr_msg(&qe),
			    r == SMERR_DNSSEC ? "" :
			    "; give --imap and --smtp");
		r = srv_best(a, &best, e);
		if (r == SMERR_NOTFOUND) {
			dns_answer_free(a);
			a = NULL;
			continue;
		}
		if (r == 0 && a->status != DNS_SECURE &&
		    !in_domain(best.target, domain))
			r = smerr_set(e, SMERR_DNSSEC, "%s: the SRV record is "
			    "not signed (DNSSEC: insecure) and points outside "
			    "%s, to %s; give --imap and --smtp", name, domain,
			    best.target);
		if (r == 0 && (as->host = strdup(best.target)) == NULL)
			r = smerr_nomem(e);
		if (r == 0 && asprintf(&s->url[proto], best.port ==
		    p->port[i] ? "%s://%s" : "%s://%s:%u", p->scheme[i],
		    best.target, best.port) == -1) {
			s->url[proto] = NULL;
			r = smerr_nomem(e);
		}
		if (r == 0) {
			as->port = best.port;
			as->tls = p->tls[i];
			if (a->status != DNS_SECURE || s->srv == APP_SRV_NONE)
				s->srv = a->status == DNS_SECURE ?
				    APP_SRV_SECURE : APP_SRV_INSECURE;
		}
		dns_answer_free(a);
		return r;
	}
	return smerr_set(e, SMERR_NOTFOUND, "no SRV record for %s's %s "
	    "server (%s.%s, %s.%s); give --imap and --smtp", domain,
	    proto == 0 ? "IMAP" : "submission", p->service[0], domain,
	    p->service[1], domain);
}

int
app_setup_discover(struct dns *d, const char *domain, int want_imap,
    int want_smtp, struct app_setup *s, struct smerr *e)
{
	int	r = 0;

	if (want_imap)
		r = setup_find(d, domain, 0, s, e);
	if (r == 0 && want_smtp)
		r = setup_find(d, domain, 1, s, e);
	return r;
}

int
app_setup_given(int proto, const char *url, struct app_setup *s,
    struct smerr *e)
{
	struct app_server	*as = &s->server[proto];
	int			 r;

	if ((r = app_server_parse(setup_protos[proto].key, url, as, e)) != 0)
		return r;
	if ((s->url[proto] = strdup(url)) == NULL)
		return smerr_nomem(e);
	return 0;
}

/* The [account] section for a, as the parser reads it back. */
static int
setup_section(const struct app_account *a, const struct app_setup *s,
    struct buf *b)
{
	int	r = 0;

	r |= buf_printf(b, "[account %s]\naddress = %s\n", a->name,
	    a->address);
	if (a->display_name != NULL)
		r |= buf_printf(b, "name = %s\n", a->display_name);
	if (a->user != NULL && strcmp(a->user, a->address) != 0)
		r |= buf_printf(b, "user = %s\n", a->user);
	r |= buf_printf(b, "imap = %s\nsmtp = %s\n", s->url[0], s->url[1]);
	if (a->password_command != NULL)
		r |= buf_printf(b, "password-command = %s\n",
		    a->password_command);
	return r != 0 ? SMERR_NOMEM : 0;
}

/* Reads the configuration as it is now; a missing file is empty. */
static int
setup_read(const char *path, struct buf *b, struct smerr *e)
{
	int	fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		return smerr_set(e, SMERR_CONFIG, "%s: %s", path,
		    strerror(errno));
	}
	if ((r = app_check_mode(fd, path, "a config file", 0, e)) == 0 &&
	    (r = buf_read_fd(b, fd)) != 0)
		r = smerr_set(e, SMERR_CONFIG, "%s: %s", path,
		    r == SMERR_LIMIT ? "file too large" : "read error");
	close(fd);
	return r;
}

/* Writes b to path through a new file beside it, renamed over it. */
static int
setup_replace(const char *path, const struct buf *b, struct smerr *e)
{
	char	*tmp = NULL;
	int	 fd = -1, r = 0;

	if (asprintf(&tmp, "%s.XXXXXX", path) == -1)
		return smerr_nomem(e);
	if ((fd = mkstemp(tmp)) == -1) {
		r = smerr_set(e, SMERR_IO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) == -1 ||
	    write(fd, buf_data(b), buf_len(b)) != (ssize_t)buf_len(b) ||
	    fsync(fd) == -1 || close(fd) == -1) {
		r = smerr_set(e, SMERR_IO, "%s: %s", tmp, strerror(errno));
		if (fd != -1)
			(void)close(fd);
		fd = -1;
		(void)unlink(tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		r = smerr_set(e, SMERR_IO, "%s: %s", path, strerror(errno));
		(void)unlink(tmp);
	}
out:
	free(tmp);
	return r;
}

int
app_setup_write(const char *path, const char *home,
    const struct app_account *a, const struct app_setup *s, struct smerr *e)
{
	struct app_config	*cfg = NULL;
	struct buf		*b;
	size_t			 len;
	int			 r;

	if ((b = buf_new(SETUP_CONFIG_MAX)) == NULL)
		return smerr_nomem(e);
	if ((r = setup_read(path, b, e)) != 0)
		goto out;
	if ((len = buf_len(b)) > 0 && ((buf_data(b)[len - 1] != '\n' &&
	    buf_putc(b, '\n') != 0) || buf_putc(b, '\n') != 0)) {
		r = smerr_nomem(e);
		goto out;
	}
	if (setup_section(a, s, b) != 0) {
		r = smerr_nomem(e);
		goto out;
	}
	/* What is written must read back, with the new account in it. */
	if ((r = app_config_parse(buf_str(b), buf_len(b), path, home, &cfg,
	    e)) != 0)
		goto out;
	if (app_config_account(cfg, a->name) == NULL) {
		r = smerr_set(e, SMERR_CONFIG, "%s: account %s would not read "
		    "back", path, a->name);
		goto out;
	}
	r = setup_replace(path, b, e);
out:
	app_config_free(cfg);
	buf_free(b);
	return r;
}
