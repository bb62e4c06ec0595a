/*
 * net_client: drives net/'s IMAP and SMTP clients for the integration
 * tests. Prints how the server was authenticated ("auth: PKIX") and what
 * it did; on failure the last line on stderr is "net_client: <message>"
 * and the exit status is 1.
 *
 *   net_client imap|smtp --host H --port P --tls starttls|implicit
 *       [--addr A] [--ca F] [--timeout S] [--user U --pass P]
 *       [--tlsa "U S M hex"]... [--tlsa-status secure|insecure|absent|bogus]
 *       [--dns RESOLVER --dns-ta FILE [--dns-addr]]
 *   imap: [--list] [--append FILE --folder F] [--select MBOX [--rw]]
 *         [--store "UID +|-|= FLAGS"] [--move "UID DEST"]
 *         [--fetch DIR [--first UID] [--changedsince MODSEQ]] [--idle MS]
 *   smtp: --from A --to B [--to C]... --msg FILE
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "net/dns.h"
#include "net/imap.h"
#include "net/net.h"
#include "net/smtp.h"
#include "tests/tools/lib/tool.h"

#define MAX_TLSA	8
#define MAX_RCPT	128

static struct {
	const char	*user, *pass, *select, *fetchdir, *append, *folder;
	const char	*from, *msg, *store, *move;
	uint64_t	 changedsince;
	uint32_t	 first;
	int		 rw;
	const char	*rcpt[MAX_RCPT];
	size_t		 nrcpt;
	int		 list, idle_ms, check;
} o;

static int
fail(const char *msg)
{
	fflush(stdout);
	fprintf(stderr, "net_client: %s\n", msg);
	return 1;
}

static void
gone(uint32_t first, uint32_t last, void *arg)
{
	(void)arg;
	printf("vanished %u:%u\n", first, last);
}

static int
save_msg(const struct imap_msg *m, void *arg)
{
	const char	*dir = arg;
	char		 path[4096];
	FILE		*fp;

	printf("uid %u len %zu flags (%s) date %lld modseq %llu\n",
	    m->uid, m->len, m->flags != NULL ? m->flags : "",
	    (long long)m->internaldate, (unsigned long long)m->modseq);
	if (dir == NULL || m->body == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/%u", dir, m->uid);
	if ((fp = fopen(path, "wb")) == NULL)
		return 1;
	if (fwrite(m->body, 1, m->len, fp) != m->len) {
		fclose(fp);
		return 1;
	}
	return fclose(fp) != 0;
}

static void
print_alert(struct imap *s)
{
	char	*a;

	if ((a = imap_alert_take(s)) != NULL) {
		printf("alert: %s\n", a);
		free(a);
	}
}

/* "auth: HOW", at once: how the server was authenticated. */
static void
print_auth(enum net_auth a)
{
	printf("auth: %s\n", net_auth_name(a));
	fflush(stdout);
}

static int
run_imap(const struct net_server *srv, struct smerr *e)
{
	struct imap		*s = NULL;
	struct imap_folder	*f = NULL;
	struct imap_mailbox	 mb;
	struct imap_fetch	 fe;
	struct buf		*b = NULL;
	size_t			 n = 0, i;
	uint32_t		 uv, uid;
	unsigned long		 u;
	char			 op, arg[256];
	int			 r, changed;

	if ((r = imap_open(srv, &s, e)) != 0)
		return r;
	print_auth(imap_server_auth(s));
	if (o.user != NULL && (r = imap_login(s, o.user, o.pass, e)) != 0)
		goto out;
	if (o.user != NULL)
		printf("logged in; condstore %d qresync %d\n",
		    imap_condstore(s), imap_qresync(s));
	print_alert(s);
	if (o.list) {
		if ((r = imap_list(s, 0, &f, &n, e)) != 0)
			goto out;
		for (i = 0; i < n; i++)
			printf("folder %s%s%s%s\n", f[i].name,
			    f[i].flags & IMAP_F_SENT ? " \\Sent" : "",
			    f[i].flags & IMAP_F_DRAFTS ? " \\Drafts" : "",
			    f[i].flags & IMAP_F_TRASH ? " \\Trash" : "");
	}
	if (o.append != NULL) {
		if ((r = tool_load(o.append, 0, &b, e)) != 0 ||
		    (r = imap_append(s, o.folder != NULL ? o.folder : "INBOX",
		    "\\Seen", 0, buf_data(b), buf_len(b), &uv, &uid, e)) != 0)
			goto out;
		printf("appended uidvalidity %u uid %u\n", uv, uid);
	}
	if (o.select != NULL) {
		if ((r = imap_select(s, o.select, !o.rw, &mb, e)) != 0)
			goto out;
		printf("selected %s uidvalidity %u uidnext %u exists %u "
		    "highestmodseq %llu\n", o.select, mb.uidvalidity,
		    mb.uidnext, mb.exists,
		    (unsigned long long)mb.highestmodseq);
		if (o.store != NULL) {
			if (sscanf(o.store, "%lu %c %255[^\n]", &u, &op,
			    arg) != 3) {
				r = smerr_set(e, SMERR_USAGE, "--store");
				goto out;
			}
			uid = (uint32_t)u;
			if ((r = imap_store(s, &uid, 1, op, arg, e)) != 0)
				goto out;
			printf("stored\n");
		}
		if (o.move != NULL) {
			if (sscanf(o.move, "%lu %255s", &u, arg) != 2) {
				r = smerr_set(e, SMERR_USAGE, "--move");
				goto out;
			}
			uid = (uint32_t)u;
			if ((r = imap_move(s, &uid, 1, arg, e)) != 0)
				goto out;
			printf("moved\n");
		}
		if (o.fetchdir != NULL && (mb.exists > 0 ||
		    o.changedsince > 0)) {
			memset(&fe, 0, sizeof(fe));
			fe.first = o.first > 0 ? o.first : 1;
			fe.last = 0;
			fe.changedsince = o.changedsince;
			fe.vanished = o.changedsince > 0;
			fe.gone = gone;
			fe.what = IMAP_FETCH_FLAGS | IMAP_FETCH_DATE |
			    IMAP_FETCH_BODY;
			fe.msg = save_msg;
			fe.arg = (void *)o.fetchdir;
			if ((r = imap_fetch(s, &fe, e)) != 0)
				goto out;
		}
		if (o.idle_ms > 0) {
			if ((r = imap_idle(s, o.idle_ms, -1, &changed, e)) != 0)
				goto out;
			printf("idle changed %d\n", changed);
		}
	}
	r = 0;
out:
	imap_folders_free(f, n);
	buf_free(b);
	if (r == 0)
		imap_close(s);
	else
		imap_abort(s);
	return r;
}

static int
run_smtp(const struct net_server *srv, struct smerr *e)
{
	struct smtp		*s = NULL;
	struct smtp_reply	 fin, rr[MAX_RCPT];
	struct buf		*b = NULL;
	size_t			 i;
	int			 r;

	if ((r = smtp_open(srv, &s, e)) != 0)
		return r;
	print_auth(smtp_server_auth(s));
	if (o.user != NULL && (r = smtp_login(s, o.user, o.pass, e)) != 0)
		goto out;
	if (o.msg != NULL) {
		if ((r = tool_load(o.msg, 0, &b, e)) != 0)
			goto out;
		/* --check: only ask whether every recipient is taken. */
		if (o.check) {
			if ((r = smtp_check(s, o.from != NULL ? o.from : "",
			    o.rcpt, o.nrcpt, buf_len(b), e)) != 0)
				goto out;
			printf("check: every recipient taken\n");
			goto out;
		}
		r = smtp_send(s, o.from != NULL ? o.from : "", o.rcpt,
		    o.nrcpt, buf_data(b), buf_len(b), rr, &fin, e);
		for (i = 0; i < o.nrcpt; i++)
			printf("rcpt %s: %d %s\n", o.rcpt[i], rr[i].code,
			    rr[i].text);
		printf("final: %d %s\n", fin.code, fin.text);
		if (r != 0)
			goto out;
	}
	r = 0;
out:
	buf_free(b);
	if (r == 0)
		smtp_close(s);
	else
		smtp_abort(s);
	return r;
}

/* --tlsa-status: what DNS is taken to have said of the TLSA records. */
static enum net_tlsa_status
tlsa_status(const char *s)
{
	if (strcmp(s, "secure") == 0)
		return NET_TLSA_SECURE;
	if (strcmp(s, "insecure") == 0)
		return NET_TLSA_INSECURE;
	if (strcmp(s, "bogus") == 0)
		return NET_TLSA_BOGUS;
	return NET_TLSA_ABSENT;
}

/* --dns: the server's TLSA records (and address) as sealmail looks them up. */
static int
lookup(struct net_server *srv, const char *res, const char *ta, int addr,
    struct dns **dnsp, struct net_lookup **lkp, struct smerr *e)
{
	struct dns_config	dc;
	int			r;

	memset(&dc, 0, sizeof(dc));
	dc.resolver = res;
	dc.trust_anchor = ta;
	if ((r = dns_new(&dc, dnsp, e)) != 0 ||
	    (r = net_server_lookup(*dnsp, addr, srv, lkp, e)) != 0)
		return r;
	printf("tlsa: %s (%zu)\n", srv->tlsa_status == NET_TLSA_SECURE ?
	    "secure" : srv->tlsa_status == NET_TLSA_INSECURE ? "insecure" :
	    srv->tlsa_status == NET_TLSA_ABSENT ? "absent" : "none",
	    srv->ntlsa);
	if (srv->addr != NULL)
		printf("address: %s\n", srv->addr);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "host", 1, NULL, 'h' }, { "port", 1, NULL, 'p' },
		{ "tls", 1, NULL, 't' }, { "addr", 1, NULL, 'a' },
		{ "ca", 1, NULL, 'c' }, { "timeout", 1, NULL, 'T' },
		{ "user", 1, NULL, 'u' }, { "pass", 1, NULL, 'P' },
		{ "tlsa", 1, NULL, 'L' }, { "tlsa-status", 1, NULL, 'S' },
		{ "dns", 1, NULL, 'D' }, { "dns-ta", 1, NULL, 'A' },
		{ "dns-addr", 0, NULL, 'R' },
		{ "list", 0, NULL, 'l' }, { "select", 1, NULL, 's' },
		{ "fetch", 1, NULL, 'f' }, { "append", 1, NULL, 'x' },
		{ "folder", 1, NULL, 'F' }, { "idle", 1, NULL, 'I' },
		{ "from", 1, NULL, 'm' }, { "to", 1, NULL, 'r' },
		{ "msg", 1, NULL, 'M' }, { "rw", 0, NULL, 'W' },
		{ "check", 0, NULL, 'K' },
		{ "store", 1, NULL, 'o' }, { "move", 1, NULL, 'v' },
		{ "changedsince", 1, NULL, 'C' }, { "first", 1, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	struct net_server	 srv;
	struct net_tlsa		 tlsa[MAX_TLSA];
	uint8_t			*tdata[MAX_TLSA];
	struct dns		*dns = NULL;
	struct net_lookup	*lk = NULL;
	struct smerr		 e;
	const char		*proto, *dns_res = NULL, *dns_ta = NULL;
	size_t			 nt = 0, i;
	int			 ch, r, dns_addr = 0;

	memset(&srv, 0, sizeof(srv));
	memset(&o, 0, sizeof(o));
	smerr_clear(&e);
	if (argc < 2)
		return fail("usage: net_client imap|smtp options");
	proto = argv[1];
	optind = 2;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'h': srv.host = optarg; break;
		case 'p': srv.port = (int)strtol(optarg, NULL, 10); break;
		case 't':
			srv.tls = strcmp(optarg, "implicit") == 0 ?
			    NET_TLS_IMPLICIT : NET_TLS_STARTTLS;
			break;
		case 'a': srv.addr = optarg; break;
		case 'c': srv.ca_file = optarg; break;
		case 'T': srv.timeout = (int)strtol(optarg, NULL, 10); break;
		case 'u': o.user = optarg; break;
		case 'P': o.pass = optarg; break;
		case 'L':
			if (nt == MAX_TLSA ||
			    net_tlsa_parse(optarg, &tlsa[nt], &tdata[nt],
			    &e) != 0)
				return fail(smerr_msg(&e));
			nt++;
			srv.tlsa_status = NET_TLSA_SECURE;
			break;
		case 'S': srv.tlsa_status = tlsa_status(optarg); break;
		case 'D': dns_res = optarg; break;
		case 'A': dns_ta = optarg; break;
		case 'R': dns_addr = 1; break;
		case 'l': o.list = 1; break;
		case 's': o.select = optarg; break;
		case 'f': o.fetchdir = optarg; break;
		case 'x': o.append = optarg; break;
		case 'F': o.folder = optarg; break;
		case 'I': o.idle_ms = (int)strtol(optarg, NULL, 10); break;
		case 'm': o.from = optarg; break;
		case 'r':
			if (o.nrcpt == MAX_RCPT)
				return fail("too many recipients");
			o.rcpt[o.nrcpt++] = optarg;
			break;
		case 'M': o.msg = optarg; break;
		case 'K': o.check = 1; break;
		case 'W': o.rw = 1; break;
		case 'o': o.store = optarg; break;
		case 'v': o.move = optarg; break;
		case 'C':
			o.changedsince = strtoull(optarg, NULL, 10);
			break;
		case 'N':
			o.first = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		default:
			return fail("bad option");
		}
	}
	srv.tlsa = tlsa;
	srv.ntlsa = nt;
	if (dns_res != NULL && (r = lookup(&srv, dns_res, dns_ta, dns_addr,
	    &dns, &lk, &e)) != 0)
		goto out;
	if (strcmp(proto, "imap") == 0)
		r = run_imap(&srv, &e);
	else if (strcmp(proto, "smtp") == 0)
		r = run_smtp(&srv, &e);
	else
		r = smerr_set(&e, SMERR_USAGE, "imap or smtp");
out:
	net_lookup_free(lk);
	dns_free(dns);
	for (i = 0; i < nt; i++)
		free(tdata[i]);
	if (r != 0)
		return fail(smerr_msg(&e));
	return 0;
}
