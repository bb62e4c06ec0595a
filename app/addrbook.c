/*
 * The addresses a writer completes from, and the signature a message
 * ends with. Addresses come from four places: an alias file in mutt's
 * format ("alias NICK Name <addr>"), a query command in mutt's protocol
 * (one status line, then "addr<TAB>name<TAB>other" lines), the addresses
 * of stored messages, and those of harvested and imported certificates.
 * Each entry is the text it puts in a To or Cc field; nothing read here
 * with a control character in it becomes an entry.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/proc.h"
#include "base/vec.h"
#include "store/store.h"
#include "app/app.h"
#include "app/app_int.h"

#define SIGNATURE_MAX	(64 * 1024)
#define ALIAS_FILE_MAX	(4 * 1024 * 1024)
#define QUERY_OUT_MAX	(1024 * 1024)
#define QUERY_TIMEOUT_MS 10000
#define ADDRS_MAX	100000		/* entries in one book */
#define ADDR_LEN_MAX	998		/* one entry's text, as a header line */

/* Reads account a's signature file into sig: 0, or why it cannot be used. */
static int
signature_read(const struct app_account *a, struct buf *sig, struct smerr *e)
{
	int	fd, r;

	if ((fd = open(a->signature, O_RDONLY | O_CLOEXEC)) == -1)
		return smerr_set(e, SMERR_IO, "signature %s: %s", a->signature,
		    strerror(errno));
	r = buf_read_fd(sig, fd);
	close(fd);
	if (r != 0)
		return smerr_set(e, r, "signature %s: %s", a->signature,
		    r == SMERR_LIMIT ? "larger than 64 KiB" : "cannot read");
	if (memchr(buf_data(sig), '\0', buf_len(sig)) != NULL)
		return smerr_set(e, SMERR_INVAL, "signature %s: not text",
		    a->signature);
	return 0;
}

int
app_signature_put(const struct app_account *a, struct buf *out,
    char **whyp, struct smerr *e)
{
	struct buf	*sig;
	struct smerr	 e2;
	int		 r;

	*whyp = NULL;
	if (a == NULL || a->signature == NULL)
		return 0;
	if ((sig = buf_new(SIGNATURE_MAX)) == NULL)
		return smerr_nomem(e);
	smerr_clear(&e2);
	if (signature_read(a, sig, &e2) != 0) {
		/* Writing goes on without it; the caller says why. */
		buf_free(sig);
		if ((*whyp = strdup(smerr_msg(&e2))) == NULL)
			return smerr_nomem(e);
		return 0;
	}
	/* "-- " alone on a line: readers know to leave what follows out. */
	r = buf_puts(out, "\n-- \n");
	if (r == 0)
		r = buf_put(out, buf_data(sig), buf_len(sig));
	if (r == 0 && buf_len(sig) > 0 &&
	    buf_data(sig)[buf_len(sig) - 1] != '\n')
		r = buf_putc(out, '\n');
	if (r != 0)
		r = smerr_set(e, SMERR_LIMIT, "the draft is too large");
	buf_free(sig);
	return r;
}

void
app_addrs_clear(struct app_addrs *b)
{
	size_t	i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		free(b->v[i].nick);
		free(b->v[i].value);
	}
	free(b->v);
	memset(b, 0, sizeof(*b));
}

/* 1 when s (len bytes) has no control character and no NUL. */
static int
addr_clean(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Adds an entry; nick may be NULL. Unclean or over-long ones are skipped. */
static int
addrs_add(struct app_addrs *b, const char *nick, size_t nicklen,
    const char *value, size_t len, const char *source)
{
	struct app_addr	*v;

	if (len == 0 || len > ADDR_LEN_MAX || !addr_clean(value, len) ||
	    memchr(value, '@', len) == NULL ||
	    (nick != NULL && !addr_clean(nick, nicklen)))
		return 0;
	if (b->n >= ADDRS_MAX)
		return SMERR_LIMIT;
	if (vec_reserve(&b->v, &b->cap, b->n, sizeof(*b->v)) != 0)
		return SMERR_NOMEM;
	v = &b->v[b->n];
	memset(v, 0, sizeof(*v));
	if ((v->value = strndup(value, len)) == NULL ||
	    (nick != NULL && (v->nick = strndup(nick, nicklen)) == NULL)) {
		free(v->value);
		return SMERR_NOMEM;
	}
	v->source = source;
	b->n++;
	return 0;
}

/* The next word of [*pp, end): its start and length; *pp moves past it. */
static size_t
next_word(const char **pp, const char *end, const char **wp)
{
	const char	*p = *pp;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	*wp = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	*pp = p;
	return (size_t)(p - *wp);
}

/* One line of an alias file: "alias [-group G]... NICK ADDRESS, ...". */
static int
alias_line(struct app_addrs *b, const char *p, const char *end)
{
	const char	*w, *nick;
	size_t		 n, nicklen;

	while (end > p && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		end--;
	if ((n = next_word(&p, end, &w)) != 5 || strncmp(w, "alias", 5) != 0)
		return 0;
	for (;;) {
		if ((nicklen = next_word(&p, end, &nick)) == 0)
			return 0;
		if (nicklen != 6 || strncmp(nick, "-group", 6) != 0)
			break;
		if (next_word(&p, end, &w) == 0)
			return 0;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return addrs_add(b, nick, nicklen, p, (size_t)(end - p), "alias");
}

int
app_alias_parse(const char *text, size_t len, struct app_addrs *b,
    struct smerr *e)
{
	const char	*p = text, *end = text + len, *nl;
	int		 r;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((r = alias_line(b, p, nl)) != 0)
			return smerr_set(e, r, r == SMERR_LIMIT ? "too many "
			    "addresses" : "out of memory");
		p = nl + 1;
	}
	return 0;
}

/*
 * Opens the alias file path with flags (a new file is 0600), its status
 * in *sb. A symbolic link is followed, for reading and for adding alike:
 * dotfiles are often links into a folder of them. Whoever can write the
 * file decides where mail goes, and to whose key it is encrypted, so it
 * must be a regular file of the user's (or root's) that group and others
 * may not write. It is opened without waiting, so that a FIFO in its place
 * is refused rather than waited on.
 */
static int
alias_open(const char *path, int flags, int *fdp, struct stat *sb,
    struct smerr *e)
{
	int	fd, fl, r = 0;

	*fdp = -1;
	if ((fd = open(path, flags | O_CLOEXEC | O_NONBLOCK, 0600)) == -1)
		return smerr_set(e, SMERR_IO, "alias %s: %s", path,
		    strerror(errno));
	if (fstat(fd, sb) != 0 || (fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
		r = smerr_set(e, SMERR_IO, "alias %s: %s", path,
		    strerror(errno));
	else if (!S_ISREG(sb->st_mode))
		r = smerr_set(e, SMERR_IO, "alias %s: not a regular file",
		    path);
	else if (sb->st_uid != getuid() && sb->st_uid != 0)
		r = smerr_set(e, SMERR_PERM, "alias %s: owned by another user "
		    "(uid %lu)", path, (unsigned long)sb->st_uid);
	else
		r = app_check_mode(fd, path, "an alias file", 0, e);
	if (r != 0) {
		close(fd);
		return r;
	}
	*fdp = fd;
	return 0;
}

int
app_alias_load(const char *path, struct app_addrs *b, struct smerr *e)
{
	struct buf	*t;
	struct stat	 sb;
	int		 fd, r;

	if ((t = buf_new(ALIAS_FILE_MAX)) == NULL)
		return smerr_nomem(e);
	if ((r = alias_open(path, O_RDONLY, &fd, &sb, e)) != 0)
		goto out;
	r = buf_read_fd(t, fd);
	close(fd);
	if (r != 0)
		r = smerr_set(e, r, "alias %s: %s", path, r == SMERR_LIMIT ?
		    "too large" : "cannot read");
	else
		r = app_alias_parse((const char *)buf_data(t), buf_len(t), b,
		    e);
out:
	buf_free(t);
	return r;
}

/* Whether s is 1 to max bytes, each a letter, a digit or one of more. */
static int
alias_word_ok(const char *s, size_t max, const char *more)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr(more, s[i]) == NULL)
			return 0;
	return 1;
}

/*
 * The line "alias NICK Name <addr>" in b: the name without a byte that
 * could end the line or change what it says, here or to mutt, which
 * reads the file as commands (controls, quotes, brackets, commas, a
 * comment, `command` and $variable), nothing of it when nothing is left.
 */
static int
alias_line_make(struct buf *b, const char *nick, const char *name,
    const char *addr)
{
	const unsigned char	*p;
	int			 sp = 0, any = 0;

	if (buf_puts(b, "alias ") != 0 || buf_puts(b, nick) != 0)
		return -1;
	for (p = (const unsigned char *)(name != NULL ? name : ""); *p; p++) {
		if (*p < 0x20 || *p == 0x7f || strchr("<>\"\\,;()#`$'", *p))
			continue;
		if (*p == ' ') {
			sp = any;
			continue;
		}
		if ((!any || sp) && buf_puts(b, " ") != 0)
			return -1;
		if (buf_put(b, p, 1) != 0)
			return -1;
		any = 1;
		sp = 0;
	}
	if (buf_puts(b, any ? " <" : " ") != 0 || buf_puts(b, addr) != 0 ||
	    buf_puts(b, any ? ">\n" : "\n") != 0)
		return -1;
	return 0;
}

int
app_alias_add(const char *path, const char *nick, const char *name,
    const char *addr, struct smerr *e)
{
	struct app_addrs	 b = { NULL, 0, 0 };
	struct buf		*line = NULL;
	struct stat		 sb;
	char			 last = '\n';
	size_t			 i;
	int			 fd = -1, r = 0;

	if (!alias_word_ok(nick, 64, "._+-"))
		return smerr_set(e, SMERR_INVAL, "an alias name is letters, "
		    "digits and . _ + - only");
	if (!alias_word_ok(addr, 254, "._+-=@") ||
	    strchr(addr, '@') == NULL)
		return smerr_set(e, SMERR_INVAL, "not an address an alias "
		    "can hold: %s", addr);
	if (stat(path, &sb) == 0 && (r = app_alias_load(path, &b, e)) != 0)
		goto out;
	for (i = 0; i < b.n; i++)
		if (b.v[i].nick != NULL && strcasecmp(b.v[i].nick, nick) == 0) {
			r = smerr_set(e, SMERR_EXISTS, "alias %s is already in "
			    "%s", nick, path);
			goto out;
		}
	if ((line = buf_new(0)) == NULL || alias_line_make(line, nick, name,
	    addr) != 0) {
		r = smerr_nomem(e);
		goto out;
	}
	if ((r = alias_open(path, O_RDWR | O_APPEND | O_CREAT, &fd, &sb,
	    e)) != 0)
		goto out;
	if ((sb.st_size > 0 && pread(fd, &last, 1, sb.st_size - 1) != 1) ||
	    (last != '\n' && write(fd, "\n", 1) != 1) ||
	    write(fd, buf_data(line), buf_len(line)) !=
	    (ssize_t)buf_len(line)) {
		r = smerr_set(e, SMERR_IO, "alias %s: %s", path,
		    strerror(errno));
		goto out;
	}
out:
	if (fd != -1 && close(fd) != 0 && r == 0)
		r = smerr_set(e, SMERR_IO, "alias %s: %s", path,
		    strerror(errno));
	buf_free(line);
	app_addrs_clear(&b);
	return r;
}

/* "name <addr>", the name quoted when it holds a special character. */
static int
query_entry(struct app_addrs *b, const char *addr, size_t alen,
    const char *name, size_t nlen)
{
	struct buf	*v;
	size_t		 i;
	int		 quote = 0, r;

	if (alen == 0 || memchr(addr, ' ', alen) != NULL ||
	    memchr(addr, '<', alen) != NULL || memchr(addr, '>', alen) != NULL)
		return 0;
	if ((v = buf_new(ADDR_LEN_MAX + 1)) == NULL)
		return SMERR_NOMEM;
	for (i = 0; i < nlen; i++)
		if (strchr("()<>[]:;@\\,.\"", name[i]) != NULL)
			quote = 1;
	if (nlen > 0 && quote) {
		r = buf_putc(v, '"');
		for (i = 0; r == 0 && i < nlen; i++)
			r = (name[i] == '"' || name[i] == '\\' ?
			    buf_putc(v, '\\') : 0) | buf_putc(v, name[i]);
		r |= buf_puts(v, "\" ");
	} else if (nlen > 0)
		r = buf_put(v, name, nlen) | buf_putc(v, ' ');
	else
		r = 0;
	if (nlen > 0)
		r |= buf_putc(v, '<') | buf_put(v, addr, alen) |
		    buf_putc(v, '>');
	else
		r |= buf_put(v, addr, alen);
	r = r != 0 ? 0 : addrs_add(b, NULL, 0, (const char *)buf_data(v),
	    buf_len(v), "query");
	buf_free(v);
	return r;
}

int
app_query_cmd_parse(const char *text, size_t len, struct app_addrs *b,
    struct smerr *e)
{
	const char	*p = text, *end = text + len, *nl, *tab, *name;
	size_t		 nlen;
	int		 r;

	/* The first line is the command's word on the search. */
	if ((nl = memchr(p, '\n', len)) == NULL)
		return 0;
	for (p = nl + 1; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((tab = memchr(p, '\t', (size_t)(nl - p))) == NULL)
			tab = nl;
		name = tab < nl ? tab + 1 : nl;
		nlen = (size_t)(nl - name);
		if (memchr(name, '\t', nlen) != NULL)
			nlen = (size_t)((const char *)memchr(name, '\t', nlen) -
			    name);
		while (nlen > 0 && (name[nlen - 1] == '\r' ||
		    name[nlen - 1] == ' '))
			nlen--;
		if (tab == nl)
			while (tab > p && tab[-1] == '\r')
				tab--;
		if ((r = query_entry(b, p, (size_t)(tab - p), name, nlen)) != 0)
			return smerr_set(e, r, r == SMERR_LIMIT ? "too many "
			    "addresses" : "out of memory");
	}
	return 0;
}

/*
 * Only these reach the shell: what was typed is put in the command as
 * it is, quoted by the user's own quotes around %s.
 */
static int
query_safe(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("@._+-", *s) == NULL)
			return 0;
	return 1;
}

/* Reads all of fd into out within the deadline. */
static int
query_read(int fd, struct buf *out, struct smerr *e)
{
	struct pollfd	 pfd;
	struct timespec	 t0, t;
	char		 tmp[4096];
	ssize_t		 n;
	long		 left;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = QUERY_TIMEOUT_MS - ((t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return smerr_set(e, SMERR_TIMEOUT, "query-command "
			    "took longer than %d seconds",
			    QUERY_TIMEOUT_MS / 1000);
		pfd.fd = fd;
		pfd.events = POLLIN;
		if ((n = poll(&pfd, 1, (int)left)) == -1 && errno != EINTR)
			return smerr_set(e, SMERR_IO, "poll: %s",
			    strerror(errno));
		if (n <= 0)
			continue;	/* the clock says whether it is late */
		if ((n = read(fd, tmp, sizeof(tmp))) == 0)
			return 0;
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return smerr_set(e, SMERR_IO, "query-command: %s",
			    strerror(errno));
		if (n > 0 && buf_put(out, tmp, (size_t)n) != 0)
			return smerr_set(e, SMERR_LIMIT, "query-command "
			    "said more than 1 MiB");
	}
}

/* The command with each %s replaced by what was typed. */
static int
query_command(const char *cmd, const char *prefix, struct buf *out)
{
	const char	*p, *s;
	int		 r = 0;

	for (p = cmd; (s = strstr(p, "%s")) != NULL; p = s + 2)
		r |= buf_put(out, p, (size_t)(s - p)) | buf_puts(out, prefix);
	if (p == cmd)
		r |= buf_puts(out, cmd) | buf_putc(out, ' ') |
		    buf_puts(out, prefix);
	else
		r |= buf_puts(out, p);
	return r;
}

int
app_query_cmd_run(const char *cmd, const char *prefix, struct app_addrs *b,
    struct smerr *e)
{
	struct buf	*c = NULL, *out = NULL;
	pid_t		 pid;
	int		 p[2] = { -1, -1 }, null, r, status;

	if (!query_safe(prefix))
		return 0;
	if ((c = buf_new(0)) == NULL || (out = buf_new(QUERY_OUT_MAX)) ==
	    NULL || query_command(cmd, prefix, c) != 0) {
		r = smerr_nomem(e);
		goto out;
	}
	if (pipe2(p, O_CLOEXEC) == -1 || (pid = proc_fork()) == -1) {
		r = smerr_set(e, SMERR_IO, "query-command: %s",
		    strerror(errno));
		goto out;
	}
	if (pid == 0) {
		(void)setpgid(0, 0);	/* all it starts ends with it */
		if ((null = open("/dev/null", O_RDWR)) != -1) {
			dup2(null, 0);
			dup2(null, 2);
		}
		dup2(p[1], 1);
		execl("/bin/sh", "sh", "-c", buf_str(c), (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	p[1] = -1;
	r = query_read(p[0], out, e);
	if (r != 0) {
		(void)setpgid(pid, pid);	/* so that the group exists */
		kill(-pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (r == 0)
		r = app_query_cmd_parse((const char *)buf_data(out),
		    buf_len(out), b, e);
out:
	if (p[0] != -1)
		close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	buf_free(c);
	buf_free(out);
	return r;
}

static int
addr_cmp(const void *a, const void *b)
{
	const struct app_addr	*x = a, *y = b;

	return strcasecmp(x->value, y->value);
}

/* Each address from entry first on once; a certificate's stands first. */
static void
addrs_uniq(struct app_addrs *b, size_t first)
{
	size_t	i, n;

	if (b->n <= first)
		return;			/* nothing added: b->v may be NULL */
	qsort(b->v + first, b->n - first, sizeof(b->v[0]), addr_cmp);
	for (i = n = first; i < b->n; i++) {
		if (n > first && strcasecmp(b->v[n - 1].value,
		    b->v[i].value) == 0) {
			if (strcmp(b->v[i].source, "certificate") == 0)
				b->v[n - 1].source = b->v[i].source;
			free(b->v[i].value);
			continue;
		}
		b->v[n++] = b->v[i];
	}
	b->n = n;
}

/* Adds each addr-spec of a comma-separated list. */
static int
addrs_add_list(struct app_addrs *b, const char *list, const char *source)
{
	const char	*p = list, *c;
	int		 r;

	while (p != NULL && *p != '\0') {
		while (*p == ' ')
			p++;
		if ((c = strchr(p, ',')) == NULL)
			c = p + strlen(p);
		if ((r = addrs_add(b, NULL, 0, p, (size_t)(c - p),
		    source)) != 0)
			return r;
		p = *c == ',' ? c + 1 : c;
	}
	return 0;
}

/* The entries the store adds, from seen_first on. */
struct seen {
	struct app_addrs	*b;
	size_t			 first;
};

static int
seen_msg_cb(const struct store_msg *m, void *arg)
{
	struct seen		*sn = arg;
	struct app_addrs	*b = sn->b;

	/* Many messages, few correspondents: keep each once as it goes. */
	if (b->n >= ADDRS_MAX / 2) {
		addrs_uniq(b, sn->first);
		if (b->n >= ADDRS_MAX / 2)
			return 1;	/* enough to complete from */
	}
	if (addrs_add_list(b, m->from, "seen") != 0 ||
	    addrs_add_list(b, m->to, "seen") != 0 ||
	    addrs_add_list(b, m->cc, "seen") != 0)
		return 1;
	return 0;
}

static int
seen_cert_cb(const struct store_cert *c, void *arg)
{
	struct seen	*sn = arg;

	return addrs_add_list(sn->b, c->emails, "certificate") != 0;
}

int
app_addrs_seen(struct store *st, struct app_addrs *b, struct smerr *e)
{
	struct seen	sn;
	int		r;

	sn.b = b;
	sn.first = b->n;
	if ((r = store_cert_foreach(st, STORE_CERT_PEER, seen_cert_cb, &sn,
	    e)) != 0 || (r = store_msg_foreach(st, 0, seen_msg_cb, &sn,
	    e)) != 0)
		return r;
	addrs_uniq(b, sn.first);
	return 0;
}

/* 1 when s starts with prefix, ignoring case. */
static int
starts(const char *s, const char *prefix, size_t plen)
{
	return s != NULL && strncasecmp(s, prefix, plen) == 0;
}

int
app_addr_match(const struct app_addr *a, const char *prefix)
{
	size_t		 plen = strlen(prefix);
	const char	*p;

	if (plen == 0 || starts(a->nick, prefix, plen) ||
	    starts(a->value, prefix, plen))
		return 1;
	/* Any word of the text: a first or last name, the address. */
	for (p = a->value; *p != '\0'; p++)
		if (strchr(" <\"(,", *p) != NULL && starts(p + 1, prefix, plen))
			return 1;
	return 0;
}
