/*
 * sealmail watch: new mail as it arrives, for the terminal program, which
 * runs it as a child and reads what it says. It keeps one IMAP
 * connection per account on its INBOX: IDLE (RFC 2177), issued again
 * every 28 minutes, before the 29 after which a server may drop it; where
 * the server has no IDLE, a NOOP every `poll` seconds. Once the
 * connection is up the first time, every folder of the account is
 * synced (so a server that is down or slow holds up no other account),
 * and again every `poll` seconds (mail filed into other folders, and what
 * other clients changed there); when the server reports a change the
 * INBOX is synced, and new-mail-command runs with the count. A lost connection is tried
 * again with a growing delay, said in one line; a refused login is not
 * tried again with the same password (a server counts failed logins, and
 * may lock the account or slow every login from the address): the
 * account is said to have failed, and a "sync" line reads its password
 * again and watches it anew.
 *
 * Each account's connection is watched by a thread of its own; only the
 * main thread touches the store. Lines on stdout, fields apart by tabs:
 *
 *	progress ACCOUNT FOLDER DONE TOTAL RATE
 *	synced ACCOUNT FETCHED
 *	new ACCOUNT FOLDER COUNT
 *	watching ACCOUNT idle|poll
 *	offline ACCOUNT SECONDS REASON
 *	failed ACCOUNT REASON
 *
 * A line "sync" on stdin syncs every account now, or, where it is
 * offline, tries its server again at once and syncs it when it answers;
 * the end of stdin ends the watch.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/proc.h"
#include "base/secmem.h"
#include "store/store.h"
#include "keys/keys.h"
#include "net/dns.h"
#include "net/imap.h"
#include "app/agent.h"
#include "app/app_int.h"
#include "app/revoke.h"
#include "app/send.h"
#include "app/sync.h"

/* Accounts watched at once. */
#define WATCH_MAX		8
/* IDLE is issued again after this long (RFC 2177: before 29 minutes). */
#define WATCH_IDLE_MS		(28 * 60 * 1000)
/* The longest wait before a lost connection is tried again. */
#define WATCH_BACKOFF_MAX	300
/* A connection that lasted this long starts the waits over (seconds). */
#define WATCH_STEADY		60
/* Messages indexed for search after a sync that brought new ones. */
#define WATCH_INDEX_BATCH	200

struct watch;

struct watcher {
	struct watch			*w;
	const struct app_account	*a;
	unsigned char			 idx;
	char				*password;
	struct dns			*dns;		/* the thread's own */
	pthread_t			 thread;
	int				 started;
	int				 dirty;		/* INBOX to sync */
	int				 wake[2];	/* try again now */
	atomic_int			 refused;	/* its login was */
	atomic_int			 online;	/* in a session */
	atomic_int			 full;		/* every folder */
	time_t				 full_at;	/* last synced whole */
};

struct watch {
	struct cli		*c;
	struct watcher		 t[WATCH_MAX];
	size_t			 n;
	int			 note[2];	/* threads -> main */
	int			 stop[2];	/* readable: stop */
	atomic_int		 stopping;
	pthread_mutex_t		 out;
	struct store		*st;
	struct keys		*k;
	struct dns		*dns;
	struct app_revoke	*rv;
	struct timespec		 shown;		/* the last progress line */
};

/*
 * One line on stdout: fmt separates the fields with \x1f, which become
 * tabs; control characters inside the fields become spaces (the reader
 * sanitizes what it shows as well).
 */
static void
watch_say(struct watch *w, const char *fmt, ...)
{
	va_list		 ap;
	char		 line[1024];
	unsigned char	*p;

	va_start(ap, fmt);
	if (vsnprintf(line, sizeof(line), fmt, ap) < 0)
		line[0] = '\0';
	va_end(ap);
	for (p = (unsigned char *)line; *p != '\0'; p++)
		if (*p == 0x1f)
			*p = '\t';
		else if (*p < 0x20 || *p == 0x7f)
			*p = ' ';
	pthread_mutex_lock(&w->out);
	if (printf("%s\n", line) < 0 || fflush(stdout) == EOF)
		w->stopping = 1;		/* nobody reads any more */
	pthread_mutex_unlock(&w->out);
}

/*
 * Waits up to ms, until the watch stops or t is woken (S); 1 when it
 * stops.
 */
static int
watch_sleep(struct watcher *t, int ms)
{
	struct pollfd	pfd[2];
	char		b[16];

	pfd[0].fd = t->w->stop[0];
	pfd[1].fd = t->wake[0];
	pfd[0].events = pfd[1].events = POLLIN;
	pfd[0].revents = pfd[1].revents = 0;
	while (poll(pfd, 2, ms) == -1 && errno == EINTR)
		;
	if (pfd[1].revents != 0 && read(t->wake[0], b, sizeof(b)) == -1) {
		/* Woken all the same. */
	}
	return t->w->stopping || pfd[0].revents != 0;
}

/* Says the INBOX of t's account wants a sync. */
static void
watch_note(struct watcher *t)
{
	if (write(t->w->note[1], &t->idx, 1) == -1) {
		/* Full: a sync is asked for already. */
	}
}

/* Watches one connection until it breaks or the watch stops; 0 on stop. */
static int
watch_session(struct watcher *t, struct imap *im, struct smerr *e)
{
	int	idle = imap_has(im, "IDLE"), changed, r;

	watch_say(t->w, "watching\x1f%s\x1f%s", t->a->name, idle ? "idle" :
	    "poll");
	t->online = 1;
	/* What came while nobody watched. */
	watch_note(t);
	while (!t->w->stopping) {
		if (idle)
			r = imap_idle(im, WATCH_IDLE_MS, t->w->stop[0],
			    &changed, e);
		else if (watch_sleep(t, t->a->poll * 1000))
			break;
		else
			r = imap_noop(im, &changed, e);
		if (r != 0)
			return r;
		if (changed)
			watch_note(t);
	}
	return 0;
}

/*
 * The line that says t's account failed; a refused login says where the
 * password came from and how to correct it.
 */
static void
watch_failed(struct watcher *t, int r, struct smerr *e)
{
	(void)send_login_hint(t->a, &t->a->imap, t->w->c->confdir, 0, r, e);
	watch_say(t->w, "failed\x1f%s\x1f%s", t->a->name, smerr_msg(e));
}

static void *
watch_thread(void *arg)
{
	struct watcher		*t = arg;
	struct sync_opts	 o;
	struct imap		*im;
	struct net_lookup	*lk;
	struct imap_mailbox	 mb;
	struct smerr		 e;
	time_t			 up;
	int			 backoff = 0, first = 1, r;

	memset(&o, 0, sizeof(o));
	o.acct = t->a;
	o.password = t->password;
	o.dns = t->dns;
	o.dns_addr = t->w->c->cfg->dns.present;
	while (!t->w->stopping) {
		smerr_clear(&e);
		im = NULL;
		lk = NULL;
		if ((r = sync_connect(&o, &im, &lk, &e)) == 0 &&
		    (r = imap_select(im, "INBOX", 1, &mb, &e)) == 0) {
			up = time(NULL);
			/* The first time the server answers: every folder. */
			if (first)
				t->full = 1;
			first = 0;
			r = watch_session(t, im, &e);
			t->online = 0;
			/* A server that drops every session at once waits. */
			if (time(NULL) - up >= WATCH_STEADY)
				backoff = 0;
		}
		if (r == 0) {
			imap_close(im);
			net_lookup_free(lk);
			break;
		}
		imap_abort(im);
		net_lookup_free(lk);
		if (t->w->stopping)
			break;
		if (r == SMERR_AUTH) {
			watch_failed(t, r, &e);
			t->refused = 1;
			break;
		}
		backoff = backoff == 0 ? 1 : backoff * 2;
		if (backoff > WATCH_BACKOFF_MAX)
			backoff = WATCH_BACKOFF_MAX;
		watch_say(t->w, "offline\x1f%s\x1f%d\x1f%s", t->a->name, backoff,
		    smerr_msg(&e));
		if (watch_sleep(t, backoff * 1000))
			break;
	}
	return NULL;
}

struct watch_bar {
	struct watch		*w;
	const char		*account;
};

static void
watch_progress(void *arg, const struct sync_progress *p)
{
	struct watch_bar	*b = arg;
	struct timespec		 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	/* Four lines a second at most, and the last one. */
	if (p->done < p->total && (now.tv_sec - b->w->shown.tv_sec) * 1000 +
	    (now.tv_nsec - b->w->shown.tv_nsec) / 1000000 < 250)
		return;
	b->w->shown = now;
	watch_say(b->w, "progress\x1f%s\x1f%s\x1f%zu\x1f%zu\x1f%.0f",
	    b->account, p->folder, p->done, p->total, p->seconds > 0 ?
	    (double)p->done / p->seconds : 0.0);
}

/*
 * new-mail-command with the count as $1, in the background. The child of
 * a threaded process only forks and execs: its environment is made before.
 */
static void
watch_command(struct watch *w, const struct app_account *a,
    const char *folder, size_t count)
{
	extern char	**environ;
	const char	 *argv[6];
	char		**env, *acct = NULL, *fold = NULL, n[32];
	size_t		  i, ne;
	pid_t		  pid;
	int		  fd;

	if (a->new_mail_command == NULL)
		return;
	snprintf(n, sizeof(n), "%zu", count);
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = a->new_mail_command;
	argv[3] = "sh";
	argv[4] = n;
	argv[5] = NULL;
	for (ne = 0; environ[ne] != NULL; ne++)
		;
	if ((env = calloc(ne + 3, sizeof(*env))) == NULL ||
	    asprintf(&acct, "SEALMAIL_ACCOUNT=%s", a->name) == -1 ||
	    asprintf(&fold, "SEALMAIL_FOLDER=%s", folder) == -1)
		goto out;
	env[0] = acct;
	env[1] = fold;
	for (i = 0; i < ne; i++)
		env[i + 2] = environ[i];
	/* Twice, so that init reaps it and no child is left to wait for. */
	if ((pid = fork()) == 0) {
		if (fork() != 0)
			_exit(0);
		proc_child_signals();
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
		}
		if (w->c->confdir == NULL || chdir(w->c->confdir) == 0)
			execve("/bin/sh", (char *const *)(uintptr_t)argv, env);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
out:
	free(acct);
	free(fold);
	free(env);
}

/* Syncs t's account (folder NULL: every folder) and says what came. */
static void
watch_sync(struct watch *w, struct watcher *t, const char *folder)
{
	struct sync_opts	 o;
	struct sync_stats	 s;
	struct watch_bar	 bar;
	struct smerr		 e;
	size_t			 done, left;
	int			 r;

	if (t->password == NULL)
		return;			/* said when it was refused */
	memset(&o, 0, sizeof(o));
	o.acct = t->a;
	o.password = t->password;
	o.store = w->st;
	o.keys = w->k;
	o.dns = w->dns;
	o.dns_addr = w->c->cfg->dns.present;
	o.folder = folder;
	o.revoke = w->rv;
	bar.w = w;
	bar.account = t->a->name;
	o.progress = watch_progress;
	o.arg = &bar;
	/*
	 * A key agent lost (killed, or gone) in an earlier sync is replaced;
	 * one lost in this sync is replaced at once and the sync run again,
	 * so that the mail it left unstored is fetched and opened now.
	 */
	agent_restart();
	smerr_clear(&e);
	if ((r = sync_run(&o, &s, &e)) != 0 && agent_lost()) {
		agent_restart();
		smerr_clear(&e);
		r = sync_run(&o, &s, &e);
	}
	if (r != 0) {
		watch_failed(t, r, &e);
		return;
	}
	if (s.fetched + s.retried > 0)
		(void)store_index(w->st, WATCH_INDEX_BATCH, &done, &left, &e);
	watch_say(w, "synced\x1f%s\x1f%zu", t->a->name, s.fetched);
	if (folder != NULL && s.fetched > 0) {
		watch_say(w, "new\x1f%s\x1f%s\x1f%zu", t->a->name, folder,
		    s.fetched);
		watch_command(w, t->a, folder, s.fetched);
	}
}

/*
 * Reads what came on stdin and from the threads; 1 when stdin ended.
 * *allp is set by a "sync" line.
 */
static int
watch_read(struct watch *w, int *allp)
{
	struct pollfd	 pfd[2];
	unsigned char	 b[64];
	ssize_t		 n, i;

	pfd[0].fd = STDIN_FILENO;
	pfd[0].events = POLLIN;
	pfd[1].fd = w->note[0];
	pfd[1].events = POLLIN;
	pfd[0].revents = pfd[1].revents = 0;
	if (poll(pfd, 2, 1000) == -1 && errno != EINTR)
		return 1;
	if (pfd[0].revents != 0) {
		if ((n = read(STDIN_FILENO, b, sizeof(b))) <= 0)
			return n == 0 || errno != EINTR;
		*allp |= memchr(b, 's', (size_t)n) != NULL;
	}
	if (pfd[1].revents != 0 && (n = read(w->note[0], b, sizeof(b))) > 0)
		for (i = 0; i < n; i++)
			if (b[i] < w->n)
				w->t[b[i]].dirty = 1;
	return w->stopping;
}

/*
 * t's password, read again (it may have been corrected since it was
 * refused), and a thread watching its INBOX; -1, said, when there is no
 * password: a "sync" line tries again.
 */
static int
watch_login(struct watch *w, struct watcher *t)
{
	if (t->started)
		pthread_join(t->thread, NULL);
	t->started = t->refused = 0;
	if (t->password != NULL)
		secmem_strfree(t->password);
	t->password = NULL;
	smerr_clear(&w->c->err);
	if (cli_password(w->c, t->a, &t->password, NULL) != 0) {
		watch_say(w, "failed\x1f%s\x1f%s", t->a->name,
		    smerr_msg(&w->c->err));
		t->refused = 1;
		return -1;
	}
	t->started = pthread_create(&t->thread, NULL, watch_thread, t) == 0;
	return 0;
}

/*
 * S for t's account: synced whole now, or once its server answers again,
 * its thread woken to try at once; after a refused login, with the
 * password read anew.
 */
static void
watch_again(struct watch *w, struct watcher *t)
{
	t->full = 1;
	if (t->refused)
		(void)watch_login(w, t);
	else if (!t->online && write(t->wake[1], "x", 1) == -1) {
		/* Full: it is woken already. */
	}
}

/* The monotonic clock in seconds. */
static time_t
watch_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/*
 * Each account is synced whole once its server first answers, again on
 * S and every `poll` seconds (IDLE watches the INBOX only: mail filed
 * into another folder, and what another client changed there, come in
 * so), and its INBOX when the server reports a change: an account whose
 * server is down or slow never holds up another's.
 */
static void
watch_loop(struct watch *w)
{
	struct watcher	*t;
	size_t		 i;
	int		 all = 0, periodic;

	for (;;) {
		for (i = 0; i < w->n && !w->stopping; i++) {
			t = &w->t[i];
			if (all)
				watch_again(w, t);
			periodic = t->online && t->full_at != 0 &&
			    watch_now() - t->full_at >= t->a->poll;
			/* The INBOX first then: what came there is said. */
			if (periodic || (t->dirty && !(t->full && t->online)))
				watch_sync(w, t, "INBOX");
			t->dirty = 0;
			if ((t->full || periodic) && t->online) {
				t->full = 0;
				watch_sync(w, t, NULL);
				t->full_at = watch_now();
			}
		}
		all = 0;
		if (watch_read(w, &all))
			break;
	}
}

/* The accounts to watch, each with its resolver, password and thread. */
static int
watch_accounts(struct watch *w)
{
	const struct app_config	*cfg = w->c->cfg;
	struct watcher		*t;
	size_t			 i;

	for (i = 0; i < cfg->naccounts && w->n < WATCH_MAX; i++) {
		if (!cfg->accounts[i].has_imap)
			continue;
		t = &w->t[w->n];
		t->w = w;
		t->a = &cfg->accounts[i];
		t->idx = (unsigned char)w->n;
		smerr_clear(&w->c->err);
		if (pipe2(t->wake, O_CLOEXEC | O_NONBLOCK) == -1)
			return smerr_set(&w->c->err, SMERR_IO, "pipe: %s",
			    strerror(errno));
		if (cli_open_dns(w->c, 1, &t->dns) != 0) {
			watch_say(w, "failed\x1f%s\x1f%s", t->a->name,
			    smerr_msg(&w->c->err));
			close(t->wake[0]);
			close(t->wake[1]);
			continue;
		}
		w->n++;
		(void)watch_login(w, t);
	}
	smerr_clear(&w->c->err);
	return w->n > 0 ? 0 : smerr_set(&w->c->err, SMERR_CONFIG,
	    "no account to watch");
}

static int
cmd_watch(struct cli *c, int argc, char **argv)
{
	struct watch	 w;
	size_t		 i;
	int		 r = 1;

	(void)argv;
	if (argc != 1)
		return cli_usage(c);
	memset(&w, 0, sizeof(w));
	w.c = c;
	w.note[0] = w.note[1] = w.stop[0] = w.stop[1] = -1;
	pthread_mutex_init(&w.out, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (cli_config(c) != 0 || cli_open_keys(c, &w.st, &w.k) != 0 ||
	    cli_open_dns(c, 1, &w.dns) != 0 ||
	    app_revoke_new(c->cfg, w.st, w.dns, &w.rv, &c->err) != 0)
		goto out;
	if (pipe2(w.note, O_CLOEXEC | O_NONBLOCK) == -1 ||
	    pipe2(w.stop, O_CLOEXEC) == -1) {
		smerr_set(&c->err, SMERR_IO, "pipe: %s", strerror(errno));
		goto out;
	}
	if (watch_accounts(&w) != 0)
		goto out;
	watch_loop(&w);
	r = 0;
out:
	w.stopping = 1;
	if (w.stop[1] != -1 && write(w.stop[1], "x", 1) == -1) {
		/* The threads also see the flag at their next wake. */
	}
	for (i = 0; i < w.n; i++)
		if (w.t[i].started)
			pthread_join(w.t[i].thread, NULL);
	for (i = 0; i < WATCH_MAX; i++) {
		if (w.t[i].password != NULL)
			secmem_strfree(w.t[i].password);
		dns_free(w.t[i].dns);
		if (i < w.n) {
			close(w.t[i].wake[0]);
			close(w.t[i].wake[1]);
		}
	}
	for (i = 0; i < 2; i++) {
		if (w.note[i] != -1)
			close(w.note[i]);
		if (w.stop[i] != -1)
			close(w.stop[i]);
	}
	cli_revoke_close(w.rv);
	dns_free(w.dns);
	keys_close(w.k);
	store_close(w.st);
	pthread_mutex_destroy(&w.out);
	return r == 0 ? 0 : cli_fail(c);
}

const struct cli_cmd cmd_watch_entry = {
	"watch", cmd_watch, "watch",
	"sync, then wait for new mail (IMAP IDLE) and sync it; what the "
	    "terminal program runs in the background", NULL, 0
};
