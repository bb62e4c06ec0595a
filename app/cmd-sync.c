/*
 * sealmail sync [--account NAME] [--folder NAME] [--json]: the account's
 * folders into the encrypted store (without --account, every account's).
 * On a terminal a progress bar shows counts and rate on stderr; --json
 * prints one summary object (an array of them for several accounts) and
 * nothing else. The account password comes from password-command or the
 * Secret Service; asked on a terminal, it is kept in the Secret Service
 * when the user says so.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/secmem.h"
#include "base/text.h"
#include "store/store.h"
#include "keys/keys.h"
#include "net/dns.h"
#include "app/app_int.h"
#include "app/revoke.h"
#include "app/send.h"
#include "app/sync.h"

/* Messages indexed per batch after the sync (each batch commits). */
#define SYNC_INDEX_BATCH	200
/*
 * How long a sync spends on the search index before it returns: at most
 * a second, and at most a quarter of the time the sync itself took, so
 * that the index never makes a sync much longer than its mail did.
 */
#define SYNC_INDEX_BUDGET_MS	1000
#define SYNC_INDEX_SHARE	4

struct bar {
	int		 tty;
	struct timespec	 last;
	int		 drawn;
};

static void
bar_cb(void *arg, const struct sync_progress *p)
{
	struct bar	*b = arg;
	struct timespec	 now;
	char		*name;
	int		 w = 30, fill;

	clock_gettime(CLOCK_MONOTONIC, &now);
	/* Ten frames a second at most, and the last one. */
	if (b->drawn && p->done < p->total && (now.tv_sec - b->last.tv_sec) *
	    1000 + (now.tv_nsec - b->last.tv_nsec) / 1000000 < 100)
		return;
	b->last = now;
	b->drawn = 1;
	fill = p->total > 0 ? (int)((double)w * (double)p->done /
	    (double)p->total) : w;
	if (fill > w)
		fill = w;
	name = text_sanitize_str(p->folder, 0);
	fprintf(stderr, "\r%-16.16s [%.*s%*s] %zu/%zu  %.0f msg/s ",
	    name != NULL ? name : "?", fill,
	    "##############################", w - fill, "", p->done, p->total,
	    p->seconds > 0 ? (double)p->done / p->seconds : 0.0);
	free(name);
}

/* A warning of the sync's, on a line of its own below the bar. */
static void
warn_cb(void *arg, const char *msg)
{
	struct bar	*b = arg;

	if (b->drawn) {
		fputc('\n', stderr);
		b->drawn = 0;
	}
	fprintf(stderr, "sealmail: warning: %s\n", msg);
}

/*
 * The account password: password-command or the Secret Service, else a
 * prompt on the terminal (kept in the Secret Service if the user agrees).
 */
int
cli_password(struct cli *c, const struct app_account *a, char **pwp,
    int *typed)
{
	struct send_opts	 so;
	struct smerr		 e2;
	struct buf		*pw = NULL;
	char			 name[512], prompt[600], ans[8];
	int			 r, fd;
	ssize_t			 n;

	*pwp = NULL;
	if (typed != NULL)
		*typed = 0;
	memset(&so, 0, sizeof(so));
	so.acct = a;
	so.home = c->confdir;
	smerr_clear(&e2);
	if ((r = send_password(&so, &a->imap, pwp, &e2)) == 0)
		return 0;
	if (a->password_command != NULL || !isatty(STDIN_FILENO))
		return smerr_set(&c->err, r, "%s", smerr_msg(&e2));
	if ((r = send_password_name(a, a->imap.host, name, sizeof(name),
	    &c->err)) != 0)
		return r;
	snprintf(prompt, sizeof(prompt), "Password for %s: ", name);
	if ((r = cli_ask_secret(prompt, 0, &pw, &c->err)) != 0)
		return r;
	if (typed != NULL)
		*typed = 1;
	if ((*pwp = buf_strdup(pw)) == NULL) {
		buf_free(pw);
		return smerr_nomem(&c->err);
	}
	buf_free(pw);
	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)) == -1)
		return 0;
	if (write(fd, "Keep it in the Secret Service? [y/N] ", 37) == 37 &&
	    (n = read(fd, ans, sizeof(ans))) > 0 &&
	    (ans[0] == 'y' || ans[0] == 'Y')) {
		smerr_clear(&e2);
		if (keys_password_set(name, *pwp, &e2) != 0)
			fprintf(stderr, "sealmail: not kept: %s\n",
			    smerr_msg(&e2));
	}
	close(fd);
	return 0;
}

static int
summary_json(struct cli *c, const struct app_account *a,
    const struct sync_stats *s)
{
	struct buf	*b;
	struct json_w	 w;
	int		 r;

	if ((b = buf_new(0)) == NULL)
		return smerr_nomem(&c->err);
	json_begin(&w, b);
	json_obj(&w, NULL);
	json_kstr(&w, "account", a->name);
	json_kint(&w, "folders", (long long)s->folders);
	json_kint(&w, "fetched", (long long)s->fetched);
	json_kint(&w, "rebound", (long long)s->rebound);
	json_kint(&w, "flags_in", (long long)s->flags_in);
	json_kint(&w, "flags_out", (long long)s->flags_out);
	json_kint(&w, "expunged", (long long)s->expunged);
	json_kint(&w, "pending", (long long)s->pending);
	json_kint(&w, "retried", (long long)s->retried);
	json_kint(&w, "indexed", (long long)s->indexed);
	json_kfixed(&w, "seconds", s->seconds, 3);
	json_end(&w);
	r = json_done(&w) != 0 ? smerr_nomem(&c->err) : cli_print(c, b);
	buf_free(b);
	return r;
}

/*
 * The search index trails the sync: the messages are usable already. A
 * little of it is done here when there was something new: one batch,
 * then another while one as long as the last still fits in the budget;
 * search (or the terminal program when idle) does the rest, so that the
 * sync is not bound by it.
 */
static int
trail_index(struct store *st, struct sync_stats *s, struct smerr *e)
{
	struct timespec	t0, t1;
	size_t		done, left;
	long		budget, spent = 0, last;
	int		r;

	if (s->fetched + s->retried == 0)
		return 0;
	budget = (long)(s->seconds * 1000.0) / SYNC_INDEX_SHARE;
	if (budget > SYNC_INDEX_BUDGET_MS)
		budget = SYNC_INDEX_BUDGET_MS;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if ((r = store_index(st, SYNC_INDEX_BATCH, &done, &left,
		    e)) != 0)
			return r;
		s->indexed += done;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		last = (t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000 - spent;
		spent += last;
	} while (left > 0 && done > 0 && spent + last <= budget);
	return 0;
}

/*
 * One account's sync, as the command prints it; the exit status. When
 * named (one of several synced in turn), its summary and its failure
 * start with the account's name, as those of the workers do.
 */
static int
sync_one(struct cli *c, const struct app_account *a, const char *folder,
    int json, int named)
{
	char				 why[sizeof(c->err.msg)];
	struct sync_opts		 o;
	struct sync_stats		 s;
	struct cli_account_env		 env;
	struct store			*st;
	struct keys			*k;
	struct dns			*dns;
	struct app_revoke		*rv = NULL;
	struct bar			 bar;
	char				*pw = NULL;
	int				 r = 1, typed = 0;

	if (cli_account_open(c, a->name, CLI_NEED_IMAP | CLI_OPEN_KEYS |
	    CLI_OPEN_DNS_CONF, &env) != 0)
		goto out;
	st = env.st;
	k = env.k;
	dns = env.dns;
	if (app_revoke_new(c->cfg, st, dns, &rv, &c->err) != 0 ||
	    cli_password(c, a, &pw, &typed) != 0)
		goto out;
	memset(&o, 0, sizeof(o));
	memset(&bar, 0, sizeof(bar));
	bar.tty = !json && isatty(STDERR_FILENO);
	o.acct = a;
	o.password = pw;
	o.store = st;
	o.keys = k;
	o.dns = dns;
	o.dns_addr = c->cfg->dns.present;
	o.folder = folder;
	o.revoke = rv;
	o.warn = warn_cb;
	o.arg = &bar;
	if (bar.tty)
		o.progress = bar_cb;
	r = send_login_hint(a, &a->imap, c->confdir, typed,
	    sync_run(&o, &s, &c->err), &c->err);
	if (bar.drawn)
		fputc('\n', stderr);
	if (r != 0) {
		r = 1;
		goto out;
	}
	if ((r = trail_index(st, &s, &c->err)) != 0)
		goto out;
	if (json)
		r = summary_json(c, a, &s) != 0;
	else {
		printf("%s%ssynced %zu folder(s) in %.1f s: %zu new, ",
		    named ? a->name : "", named ? ": " : "", s.folders,
		    s.seconds, s.fetched);
		if (s.rebound > 0)
			printf("%zu re-bound, ", s.rebound);
		printf("%zu flag change(s) in, %zu out, %zu expunged, %zu "
		    "waiting for a key, %zu decrypted now\n", s.flags_in,
		    s.flags_out, s.expunged, s.pending, s.retried);
		r = 0;
	}
out:
	secmem_strfree(pw);
	cli_revoke_close(rv);
	cli_account_close(&env);
	if (r != 0 && named) {
		snprintf(why, sizeof(why), "%s", smerr_msg(&c->err));
		smerr_reset(&c->err, c->err.code, "account %s: %s", a->name,
		    why);
	}
	return r == 0 ? 0 : cli_fail(c);
}

/* Accounts synced at once when every account is synced. */
#define SYNC_WORKERS	4

/* One account's sync in a child process, its output kept. */
struct sync_worker {
	pid_t		 pid;
	int		 fd[2];		/* its stdout and stderr, or -1 */
	struct buf	*out[2];
	int		 status;
};

static int
worker_start(struct cli *c, struct sync_worker *w, const struct app_account *a,
    const char *folder, int json)
{
	int	p[2][2] = { { -1, -1 }, { -1, -1 } }, i, fd;

	w->status = 1;
	w->fd[0] = w->fd[1] = -1;
	if ((w->out[0] = buf_new(0)) == NULL ||
	    (w->out[1] = buf_new(0)) == NULL ||
	    pipe2(p[0], O_CLOEXEC) == -1 || pipe2(p[1], O_CLOEXEC) == -1)
		goto fail;
	fflush(stdout);
	fflush(stderr);
	if ((w->pid = fork()) == -1)
		goto fail;
	if (w->pid == 0) {
		/* Nobody to ask for a password: it must be at hand. */
		if ((fd = open("/dev/null", O_RDONLY)) != -1)
			dup2(fd, STDIN_FILENO);
		dup2(p[0][1], STDOUT_FILENO);
		dup2(p[1][1], STDERR_FILENO);
		i = sync_one(c, a, folder, json, 0);
		fflush(stdout);
		fflush(stderr);
		_exit(i);
	}
	for (i = 0; i < 2; i++) {
		close(p[i][1]);
		w->fd[i] = p[i][0];
	}
	return 0;
fail:
	for (i = 0; i < 4; i++)
		if (p[i / 2][i % 2] != -1)
			close(p[i / 2][i % 2]);
	w->pid = 0;
	return smerr_set(&c->err, SMERR_IO, "cannot start the sync of %s: %s",
	    a->name, strerror(errno));
}

/* Reads what the running workers write until one of them ends. */
static void
workers_wait(struct sync_worker *w, size_t n)
{
	struct pollfd	 pfd[2 * SYNC_WORKERS];
	size_t		 wi[2 * SYNC_WORKERS], i, j, np;
	char		 tmp[4096];
	ssize_t		 got;
	int		 st, *fd;

	for (;;) {
		for (i = 0; i < n; i++) {
			if (w[i].pid <= 0 || w[i].fd[0] != -1 ||
			    w[i].fd[1] != -1)
				continue;
			while (waitpid(w[i].pid, &st, 0) == -1 && errno == EINTR)
				;
			w[i].status = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
			w[i].pid = 0;
			return;
		}
		for (i = np = 0; i < n; i++)
			for (j = 0; j < 2; j++)
				if (w[i].pid > 0 && w[i].fd[j] != -1 &&
				    np < 2 * SYNC_WORKERS) {
					pfd[np].fd = w[i].fd[j];
					pfd[np].events = POLLIN;
					wi[np++] = i * 2 + j;
				}
		if (np == 0 || (poll(pfd, np, -1) == -1 && errno != EINTR))
			return;
		for (i = 0; i < np; i++) {
			if (pfd[i].revents == 0)
				continue;
			fd = &w[wi[i] / 2].fd[wi[i] % 2];
			got = read(*fd, tmp, sizeof(tmp));
			if (got > 0)
				(void)buf_put(w[wi[i] / 2].out[wi[i] % 2], tmp,
				    (size_t)got);
			else if (got == 0 || (errno != EAGAIN &&
			    errno != EINTR)) {
				close(*fd);
				*fd = -1;
			}
		}
	}
}

/*
 * What the workers said, in the order of the accounts: their summaries
 * (one JSON array with --json), their warnings; the first failure is
 * the error, said once.
 */
static int
workers_report(struct cli *c, struct sync_worker *w, const size_t *acct,
    size_t n, int json)
{
	const struct app_account	*a;
	const char			*d, *last;
	size_t				 i, len;
	int				 failed = 0, first = 1;

	if (json)
		fputc('[', stdout);
	for (i = 0; i < n; i++) {
		a = &c->cfg->accounts[acct[i]];
		d = (const char *)buf_data(w[i].out[0]);
		len = buf_len(w[i].out[0]);
		while (len > 0 && d[len - 1] == '\n')
			len--;
		if (len > 0 && json)
			printf("%s%.*s", first ? "" : ",", (int)len, d);
		else if (len > 0)
			printf("%s: %.*s\n", a->name, (int)len, d);
		first &= len == 0;
		/* A failure's reason is its last line on stderr. */
		d = (const char *)buf_data(w[i].out[1]);
		len = buf_len(w[i].out[1]);
		while (len > 0 && d[len - 1] == '\n')
			len--;
		last = d;
		if (w[i].status != 0 && len > 0)
			for (last = d + len; last > d && last[-1] != '\n';)
				last--;
		fwrite(d, 1, (size_t)(last - d), stderr);
		if (w[i].status == 0 || failed++ > 0)
			continue;
		if ((size_t)(d + len - last) > 10 &&
		    strncmp(last, "sealmail: ", 10) == 0)
			last += 10;
		if (d + len > last)
			smerr_set(&c->err, SMERR_NET, "account %s: %.*s",
			    a->name, (int)(d + len - last), last);
		else
			smerr_set(&c->err, SMERR_NET, "account %s: the sync "
			    "failed", a->name);
	}
	if (json)
		fputs("]\n", stdout);
	fflush(stdout);
	return failed ? cli_fail(c) : 0;
}

/*
 * sync without --account: every account with an IMAP server, each in a
 * process of its own, SYNC_WORKERS at a time. On a terminal, where a
 * password may have to be asked and a progress bar is drawn, one after
 * the other instead.
 */
static int
sync_every(struct cli *c, const char *folder, int json)
{
	struct sync_worker	*w = NULL;
	size_t			*acct = NULL, n = 0, next, running, i;
	int			 r = 0;

	if ((acct = calloc(c->cfg->naccounts, sizeof(*acct))) == NULL ||
	    (w = calloc(c->cfg->naccounts, sizeof(*w))) == NULL) {
		free(acct);
		smerr_set(&c->err, SMERR_NOMEM, "out of memory");
		return cli_fail(c);
	}
	for (i = 0; i < c->cfg->naccounts; i++)
		if (c->cfg->accounts[i].has_imap)
			acct[n++] = i;
	if (n == 0) {
		smerr_set(&c->err, SMERR_CONFIG, "no account has an imap "
		    "server");
		r = cli_fail(c);
	} else if (!json && (isatty(STDIN_FILENO) || isatty(STDERR_FILENO))) {
		/* Each failure is said with its own reason. */
		for (i = 0; i < n; i++) {
			smerr_clear(&c->err);
			r |= sync_one(c, &c->cfg->accounts[acct[i]], folder,
			    json, 1);
		}
	} else {
		for (next = running = 0; next < n || running > 0;) {
			if (next < n && running < SYNC_WORKERS) {
				if (worker_start(c, &w[next],
				    &c->cfg->accounts[acct[next]], folder,
				    json) == 0)
					running++;
				next++;
				continue;
			}
			workers_wait(w, next);
			running--;
		}
		r = workers_report(c, w, acct, n, json);
	}
	for (i = 0; i < n; i++) {
		buf_free(w[i].out[0]);
		buf_free(w[i].out[1]);
	}
	free(w);
	free(acct);
	return r;
}

static int
cmd_sync(struct cli *c, int argc, char **argv)
{
	const struct app_account	*a;
	struct cli_args			 args;
	const char			*acct, *folder;
	int				 json;

	if (cli_args_parse(&cmd_sync_entry, argc, argv, &args) != 0 ||
	    args.argc != 0)
		return cli_usage(c);
	acct = cli_opt_get(&args, "account");
	folder = cli_opt_get(&args, "folder");
	json = cli_opt_has(&args, "json") > 0;
	if (cli_config(c) != 0)
		return cli_fail(c);
	if ((a = app_config_account(c->cfg, acct)) == NULL) {
		cli_no_account(c, acct);
		return cli_fail(c);
	}
	if (acct == NULL && c->cfg->naccounts > 1)
		return sync_every(c, folder, json);
	return sync_one(c, a, folder, json, 0);
}

const struct cli_cmd cmd_sync_entry = {
	"sync", cmd_sync, "sync [--account NAME] [--folder NAME] [--json]",
	"fetch, decrypt and judge mail into the encrypted store",
	"account= folder= json", 0
};
