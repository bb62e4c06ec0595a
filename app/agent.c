/*
 * The key agent: the process that holds the private keys, and the other
 * processes' way to it.
 *
 * It is started by re-executing this binary (/proc/self/exe AGENT_ARG)
 * rather than by a bare fork: a forked child would begin with a copy of
 * everything its parent had read (configuration, mail, server replies),
 * while an exec'd one begins empty and receives nothing but what comes
 * over its socket. The socketpair is made with SO_PASSCRED, so that every
 * request carries its sender's pid, and only the parent's are answered;
 * the descriptor is close-on-exec in the parent, so editors and password
 * commands never inherit it.
 *
 * Before reading anything the agent makes itself undumpable and not
 * ptrace-attachable by its peers (PR_SET_DUMPABLE 0), takes no new
 * privileges, dies with its parent (PR_SET_PDEATHSIG) and with nothing
 * typed at the terminal (a session of its own), closes every other
 * descriptor, and installs a seccomp filter that leaves it its loop's
 * system calls only: receiving and sending on its socket, memory
 * (never executable), random bytes, the clock, futexes and exit. Anything
 * else, opening a file first of all, fails with EACCES: an error that the
 * agent survives, rather than a kill that would look like a crash.
 *
 * One agent serves one process (all of its threads), so its state here is
 * process-wide, as the log sink is. A command whose threads run many key
 * operations at once (inspect's workers) may start more agents of the
 * same kind, holding the same keys (agent_widen): lanes, so that one RSA
 * operation need not wait for another thread's. A request takes an idle
 * lane under the mutex, and its exchange with that lane's agent is one
 * request and its reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/proc.h"
#include "base/secmem.h"
#include "crypto/crypto.h"
#include "keys/keys.h"
#include "app/agent.h"

#define AGENT_TIMEOUT_MS	30000	/* then a hung agent is lost */
/*
 * How long a caller with one agent polls for the reply before it sleeps:
 * a private-key operation takes a fraction of a millisecond, and waking a
 * sleeping process on another CPU cost about 60 us of each round trip on
 * the machine this was measured on (a fifth of an RSA-2048 signature).
 * Only with one agent and two CPUs or more, so that the agent is never
 * kept from its CPU by the caller that waits for it, and not while a run
 * that keeps the CPUs busy otherwise is on (agent_busy).
 */
#define AGENT_SPIN_NS		2000000

#define AGENT_MAX_LANES		16	/* agents of one process */

struct agent {
	int			 fd;
	pid_t			 pid;
	int			 lost;
	int			 busy;		/* a request is on its way */
	int			 warm;		/* it answered: it has started */
	struct keys		*keys;		/* whose identities it holds */
	struct crypto_keyhook	 hook;
};

/* The first lane is agent_one, whose hook the contexts hold. */
static struct agent	agent_one = { .fd = -1 };
static struct agent	agent_more[AGENT_MAX_LANES - 1];
static size_t		agent_nmore;
static pthread_mutex_t	agent_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	agent_idle = PTHREAD_COND_INITIALIZER;
static _Thread_local size_t agent_pref;	/* this thread's lane */
static _Thread_local pid_t agent_pref_pid;	/* its agent given its CPUs */
static _Thread_local int agent_want;	/* a key was wanted, none started */
static atomic_int	agent_nbusy;	/* runs inside agent_busy */

int
agent_lost(void)
{
	int	lost;

	pthread_mutex_lock(&agent_lock);
	lost = agent_one.lost;
	pthread_mutex_unlock(&agent_lock);
	return lost;
}

/*
 * The reply on fd if it comes within AGENT_SPIN_NS, polled for without
 * sleeping; -1 when it has not (or when this process should not spin).
 */
static ssize_t
spin_recv(int fd, uint8_t *rep)
{
	static int	spin = -1;
	struct timespec	t0, t;
	ssize_t		n;

	if (spin == -1)
		spin = proc_ncpu() >= 2;
	if (!spin || agent_nmore > 0 || atomic_load(&agent_nbusy) > 0 ||
	    clock_gettime(CLOCK_MONOTONIC, &t0) == -1)
		return -1;
	for (;;) {
		n = recv(fd, rep, AGENT_MAX_REP, MSG_TRUNC | MSG_DONTWAIT);
		if (n >= 0 || (errno != EAGAIN && errno != EINTR))
			return n;
		if (clock_gettime(CLOCK_MONOTONIC, &t) == -1 ||
		    (t.tv_sec - t0.tv_sec) * 1000000000L +
		    (t.tv_nsec - t0.tv_nsec) > AGENT_SPIN_NS)
			return -1;
	}
}

void
agent_busy(int begin)
{
	if (begin)
		atomic_fetch_add(&agent_nbusy, 1);
	else
		atomic_fetch_sub(&agent_nbusy, 1);
}

/*
 * One request and its reply on fd, polled for first when spin: 0, or -1
 * when the agent is lost.
 */
static int
exchange(int fd, const uint8_t *req, size_t len, uint8_t *rep,
    size_t *replen, int spin)
{
	struct pollfd	pfd;
	ssize_t		n;
	int		r;

	do
		n = send(fd, req, len, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)len)
		return -1;
	if (!spin || (n = spin_recv(fd, rep)) == -1) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		do
			r = poll(&pfd, 1, AGENT_TIMEOUT_MS);
		while (r == -1 && errno == EINTR);
		if (r != 1)
			return -1;
		do
			n = recv(fd, rep, AGENT_MAX_REP, MSG_TRUNC);
		while (n == -1 && errno == EINTR);
	}
	if (n < 3 || n > AGENT_MAX_REP ||
	    (size_t)n != 3 + ((size_t)rep[1] << 8 | rep[2]))
		return -1;
	*replen = (size_t)n;
	return 0;
}

/* One request and its reply; agent_lock held. */
static int
roundtrip(struct agent *a, const uint8_t *req, size_t len, uint8_t *rep,
    size_t *replen, struct smerr *e)
{
	/*
	 * An agent just started answers its first request once it has
	 * loaded its libraries, milliseconds later: no polling for that.
	 */
	if (a->lost || a->fd == -1 ||
	    exchange(a->fd, req, len, rep, replen, a->warm) != 0) {
		a->lost = 1;
		return smerr_set(e, SMERR_IO, "%s", AGENT_LOST_MSG);
	}
	a->warm = 1;
	return 0;
}

void
agent_prefer(size_t lane)
{
	struct agent	*l = NULL;

	agent_pref = lane;
	pthread_mutex_lock(&agent_lock);
	if (lane == 0)
		l = &agent_one;
	else if (lane <= agent_nmore)
		l = &agent_more[lane - 1];
	/*
	 * Where the thread may run, its agent may: one CPU's cache. Once for
	 * each agent, which may have started since the thread's last call.
	 */
	if (l != NULL && l->fd != -1 && l->pid > 0 &&
	    l->pid != agent_pref_pid) {
		(void)proc_share_cpus((long)l->pid);
		agent_pref_pid = l->pid;
	}
	pthread_mutex_unlock(&agent_lock);
}

/* An idle lane, this thread's first, or NULL; agent_lock held. */
static struct agent *
lane_idle(void)
{
	size_t	i;

	if (agent_pref > 0 && agent_pref <= agent_nmore &&
	    !agent_more[agent_pref - 1].busy)
		return &agent_more[agent_pref - 1];
	if (!agent_one.busy)
		return &agent_one;
	for (i = 0; i < agent_nmore; i++)
		if (!agent_more[i].busy)
			return &agent_more[i];
	return NULL;
}

/*
 * One request and its reply on the first idle lane, waiting for one; the
 * exchange itself runs without agent_lock, so that lanes work at once.
 * A lane lost is the agent lost.
 */
static int
lane_roundtrip(const uint8_t *req, size_t len, uint8_t *rep,
    size_t *replen, struct smerr *e)
{
	struct agent	*l = NULL;
	int		 fd = -1, r = -1;

	pthread_mutex_lock(&agent_lock);
	while (!agent_one.lost && (l = lane_idle()) == NULL)
		pthread_cond_wait(&agent_idle, &agent_lock);
	if (!agent_one.lost && l->fd != -1) {
		l->busy = 1;
		fd = l->fd;
	}
	pthread_mutex_unlock(&agent_lock);
	if (fd != -1)
		r = exchange(fd, req, len, rep, replen, 1);
	pthread_mutex_lock(&agent_lock);
	if (fd != -1)
		l->busy = 0;
	if (r != 0)
		agent_one.lost = 1;
	pthread_cond_broadcast(&agent_idle);
	pthread_mutex_unlock(&agent_lock);
	if (r != 0)
		return smerr_set(e, SMERR_IO, "%s", AGENT_LOST_MSG);
	return 0;
}

/* The hook's call: one key operation in the agent. */
static int
agent_call(void *arg, const uint8_t fp[32], const struct crypto_keyop *op,
    uint8_t *out, size_t *outlen, struct smerr *e)
{
	struct agent	*a = arg;
	uint8_t		 req[AGENT_MAX_REQ], rep[AGENT_MAX_REP];
	size_t		 len, replen = 0, n;
	int		 r;

	if ((len = agent_encode_keyop(fp, op, req, sizeof(req))) == 0)
		return smerr_set(e, SMERR_LIMIT, "a key operation too large");
	if (a == &agent_one)
		r = lane_roundtrip(req, len, rep, &replen, e);
	else {
		/* A short-lived agent of its own (agent_token_probe). */
		pthread_mutex_lock(&agent_lock);
		r = roundtrip(a, req, len, rep, &replen, e);
		pthread_mutex_unlock(&agent_lock);
	}
	if (r != 0)
		return r;
	n = replen - 3;
	if (rep[0] == AGENT_ERR_GONE) {
		/* Of no more use: lost, so that nothing judged is kept. */
		pthread_mutex_lock(&agent_lock);
		a->lost = 1;
		pthread_mutex_unlock(&agent_lock);
		r = smerr_set(e, SMERR_IO, "%.*s", (int)n,
		    (const char *)rep + 3);
	} else if (rep[0] != AGENT_OK)
		r = smerr_set(e, SMERR_CRYPTO, "the key agent: %.*s", (int)n,
		    (const char *)rep + 3);
	else if (n > *outlen)
		r = smerr_set(e, SMERR_LIMIT, "the key agent's answer is too "
		    "long");
	else {
		memcpy(out, rep + 3, n);
		*outlen = n;
	}
	secmem_wipe(rep, sizeof(rep));
	return r;
}

/* Starts the agent process; agent_lock held. */
static int
spawn(struct agent *a, int tokens, struct smerr *e)
{
	static char	 arg0[] = "sealmail", arg1[] = AGENT_ARG,
			 arg2[] = AGENT_TOKENS_ARG;
	char *const	 argv[] = { arg0, arg1, tokens ? arg2 : NULL, NULL };
	pid_t		 parent = getpid(), pid;
	int		 sv[2], one = 1, nul;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return smerr_set(e, SMERR_IO, "the key agent: socketpair: %s",
		    strerror(errno));
	/* Set before anything is sent, so that every request has it. */
	if (setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one,
	    sizeof(one)) == -1 || (pid = proc_fork()) == -1) {
		close(sv[0]);
		close(sv[1]);
		return smerr_set(e, SMERR_IO, "the key agent cannot start: %s",
		    strerror(errno));
	}
	if (pid == 0) {
		/*
		 * Only async-signal-safe calls between fork and exec. The
		 * death signal follows the thread that forks: commands start
		 * the agent from their main thread, before any other. A
		 * session of its own: a ^C or ^\ typed at the terminal (to
		 * an editor the terminal program runs, say) is for the
		 * program in the foreground, and would otherwise end the
		 * agent (proc_fork gives it the default dispositions) of a
		 * job that ignores it. It ends with its parent all the same.
		 */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
		    getppid() != parent || setsid() == -1)
			_exit(1);
		if ((nul = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(nul, STDIN_FILENO) == -1 ||
		    dup2(nul, STDOUT_FILENO) == -1)
			_exit(1);
		if (sv[1] == AGENT_FD)
			(void)fcntl(AGENT_FD, F_SETFD, 0);
		else if (dup2(sv[1], AGENT_FD) == -1)
			_exit(1);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(sv[1]);
	a->fd = sv[0];
	a->pid = pid;
	a->lost = 0;
	a->warm = 0;
	a->hook.call = agent_call;
	a->hook.arg = a;
	return 0;
}

struct loadlist {
	int64_t		 id[AGENT_MAX_IDS];
	char		 fp[AGENT_MAX_IDS][65];
	char		*uri[AGENT_MAX_IDS];	/* its token, or NULL */
	size_t		 n;
	size_t		 ntokens;
	int		 full;		/* more identities than it holds */
};

static struct agent_tokens	agent_tok;

void
agent_set_tokens(const struct agent_tokens *t)
{
	pthread_mutex_lock(&agent_lock);
	agent_tok = *t;
	pthread_mutex_unlock(&agent_lock);
}

static int
load_cb(const struct keys_cert *kc, void *arg)
{
	struct loadlist	*l = arg;

	if (l->n >= AGENT_MAX_IDS) {
		l->full = 1;
		return 1;
	}
	l->id[l->n] = kc->id;
	(void)snprintf(l->fp[l->n], sizeof(l->fp[0]), "%s", kc->fingerprint);
	l->n++;
	return 0;
}

static void
loadlist_clear(struct loadlist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->uri[i]);
	memset(l, 0, sizeof(*l));
}

/* Every identity of k, and which of them are on tokens. */
static int
collect(struct keys *k, struct loadlist *l, struct smerr *e)
{
	size_t	i;
	int	r;

	memset(l, 0, sizeof(*l));
	if ((r = keys_foreach(k, KEYS_IDENTITY, load_cb, l, e)) != 0 &&
	    !l->full)
		return r;
	if (l->full)
		return smerr_reset(e, SMERR_LIMIT, "the key store holds more "
		    "than %d identities, more than the key agent holds; "
		    "remove the ones no longer used", AGENT_MAX_IDS);
	for (i = 0; i < l->n; i++) {
		if ((r = keys_identity_token(k, l->id[i], &l->uri[i], e)) != 0)
			return r;
		if (l->uri[i] != NULL)
			l->ntokens++;
	}
	return 0;
}

static uint8_t *
put_field(uint8_t *p, const void *v, size_t len)
{
	p[0] = (uint8_t)(len >> 8);
	p[1] = (uint8_t)len;
	memcpy(p + 2, v, len);
	return p + 2 + len;
}

/*
 * One token request (fp NULL: TOKEN_CERT) for uri, with the module and
 * PIN from agent_tok, and its reply; agent_lock held or a's own agent. A
 * PIN the token refused, or a stored one it was not offered, is
 * SMERR_PERM, any other refusal SMERR_IO: neither is SMERR_AUTH, a
 * server's refusal of the account's password. *againp is what
 * agent_tok.said answered (0 when it heard nothing).
 */
static int
token_try(struct agent *a, const uint8_t *fp, const char *uri,
    uint8_t *rep, size_t *replen, int *againp, struct smerr *e)
{
	uint8_t		 req[AGENT_MAX_REQ], *p = req;
	struct buf	*pin = NULL;
	char		*module = NULL;
	int		 r, stored = 0, heard = 0;

	*againp = 0;
	if (agent_tok.get == NULL)
		return smerr_set(e, SMERR_INVAL, "no PKCS#11 module is set up "
		    "for the key on a token");
	if ((r = agent_tok.get(agent_tok.arg, uri, &module, &pin, &stored,
	    e)) != 0)
		return r;
	if (strlen(module) > AGENT_MAX_PATH || module[0] != '/' ||
	    strlen(uri) > AGENT_MAX_PATH || buf_len(pin) > AGENT_MAX_PIN) {
		r = smerr_set(e, SMERR_LIMIT, "a PKCS#11 module path (it must "
		    "be absolute), URI or PIN too long for the key agent");
		goto out;
	}
	*p++ = fp != NULL ? AGENT_TOKEN_KEY : AGENT_TOKEN_CERT;
	if (fp != NULL) {
		memcpy(p, fp, 32);
		p += 32;
	}
	*p++ = stored != 0;
	p = put_field(p, module, strlen(module));
	p = put_field(p, uri, strlen(uri));
	p = put_field(p, buf_data(pin), buf_len(pin));
	if ((r = roundtrip(a, req, (size_t)(p - req), rep, replen, e)) == 0) {
		heard = rep[0] == AGENT_OK || rep[0] == AGENT_ERR_PIN ||
		    rep[0] == AGENT_ERR_UNTRIED;
		if (rep[0] != AGENT_OK)
			r = smerr_set(e, heard ? SMERR_PERM : SMERR_IO, "%.*s",
			    (int)(*replen - 3), (const char *)rep + 3);
	}
	secmem_wipe(req, (size_t)(p - req));
	if (heard && agent_tok.said != NULL)
		*againp = agent_tok.said(agent_tok.arg, uri, pin, stored,
		    rep[0], e);
out:
	buf_free(pin);
	free(module);
	return r;
}

/*
 * token_try, once more when the PIN it gave was a kept one that failed
 * and a PIN is to be typed instead.
 */
static int
token_request(struct agent *a, const uint8_t *fp, const char *uri,
    uint8_t *rep, size_t *replen, struct smerr *e)
{
	struct smerr	e2;
	int		r, again, n = 0;

	do {
		smerr_clear(&e2);
		r = token_try(a, fp, uri, rep, replen, &again, &e2);
	} while (r != 0 && again && ++n < 2);
	return r == 0 ? 0 : smerr_set(e, r, "%s", smerr_msg(&e2));
}

/* Hands the agent every identity's key or token; agent_lock held. */
static int
load(struct agent *a, struct keys *k, struct loadlist *l, struct smerr *e)
{
	struct buf	*blob = NULL;
	uint8_t		 req[AGENT_MAX_REQ], rep[AGENT_MAX_REP], *p;
	size_t		 i, len, replen;
	int		 r = 0;

	for (i = 0; i < l->n && r == 0; i++) {
		if (l->uri[i] != NULL) {
			if (keys_fingerprint_raw(l->fp[i], req) != 0)
				r = smerr_set(e, SMERR_STORE, "a damaged "
				    "fingerprint");
			else
				r = token_request(a, req, l->uri[i], rep,
				    &replen, e);
			continue;
		}
		p = req;
		*p++ = AGENT_LOAD;
		if (keys_fingerprint_raw(l->fp[i], p) != 0) {
			r = smerr_set(e, SMERR_STORE, "a damaged fingerprint");
			break;
		}
		if ((r = keys_identity_sealed(k, l->id[i], l->fp[i], p + 32,
		    &blob, e)) != 0)
			break;
		len = buf_len(blob);
		if (len > AGENT_MAX_BLOB) {
			r = smerr_set(e, SMERR_LIMIT, "a private key too large "
			    "for the key agent");
			break;
		}
		p[64] = (uint8_t)(len >> 8);
		p[65] = (uint8_t)len;
		memcpy(p + 66, buf_data(blob), len);
		r = roundtrip(a, req, 1 + 66 + len, rep, &replen, e);
		if (r == 0 && rep[0] != AGENT_OK)
			r = smerr_set(e, SMERR_CRYPTO, "the key agent could "
			    "not take the key of %s: %.*s", l->fp[i],
			    (int)(replen - 3), (const char *)rep + 3);
		buf_free(blob);
		blob = NULL;
		secmem_wipe(req, 1 + 66);
	}
	buf_free(blob);
	secmem_wipe(req, sizeof(req));
	return r;
}

/*
 * Ends a's agent, if it has one. One that was lost may be hung (stopped,
 * or stuck in a token's module): it is killed, not waited for.
 */
static void
agent_stop(struct agent *a)
{
	if (a->fd != -1) {
		close(a->fd);
		if (a->lost && a->pid > 0)
			(void)kill(a->pid, SIGKILL);
		(void)waitpid(a->pid, NULL, 0);
	}
	a->fd = -1;
	a->lost = 0;
	a->busy = 0;
	a->keys = NULL;
}

/*
 * Ends every lane but agent_one; agent_lock held, no request on its way.
 * A lane lost is agent_one lost: then any of them may be the hung one.
 */
static void
lanes_stop(void)
{
	while (agent_nmore > 0) {
		agent_more[--agent_nmore].lost |= agent_one.lost;
		agent_stop(&agent_more[agent_nmore]);
	}
}

void
agent_restart(void)
{
	pthread_mutex_lock(&agent_lock);
	if (agent_one.lost) {
		lanes_stop();
		agent_stop(&agent_one);
	}
	pthread_mutex_unlock(&agent_lock);
}

size_t
agent_widen(size_t n)
{
	struct agent	*a = &agent_one, *l;
	struct loadlist	 ll;
	struct smerr	 e;

	memset(&ll, 0, sizeof(ll));
	smerr_clear(&e);
	if (n > AGENT_MAX_LANES)
		n = AGENT_MAX_LANES;
	pthread_mutex_lock(&agent_lock);
	/* Keys on a token stay in one agent: its module, its session. */
	if (a->fd == -1 || a->lost || a->keys == NULL ||
	    agent_nmore + 1 >= n || collect(a->keys, &ll, &e) != 0 ||
	    ll.ntokens > 0)
		goto out;
	while (agent_nmore + 1 < n) {
		l = &agent_more[agent_nmore];
		memset(l, 0, sizeof(*l));
		l->fd = -1;
		if (spawn(l, 0, &e) != 0 || load(l, a->keys, &ll, &e) != 0) {
			/* Fewer lanes only: the first one still answers. */
			agent_stop(l);
			break;
		}
		l->keys = a->keys;
		agent_nmore++;
	}
out:
	loadlist_clear(&ll);
	n = agent_nmore + 1;
	pthread_mutex_unlock(&agent_lock);
	return n;
}

int
agent_hook(struct keys *k, const struct crypto_keyhook **hp,
    struct smerr *e)
{
	struct agent	*a = &agent_one;
	struct loadlist	 l;
	int		 r = 0;

	memset(&l, 0, sizeof(l));
	*hp = NULL;
	pthread_mutex_lock(&agent_lock);
	if (a->lost)
		r = smerr_set(e, SMERR_IO, "%s", AGENT_LOST_MSG);
	else if (a->fd == -1 || a->keys != k) {
		/* Another key store: a new agent for it. */
		lanes_stop();
		agent_stop(a);
		if ((r = collect(k, &l, e)) == 0 &&
		    (r = spawn(a, l.ntokens > 0, e)) == 0 &&
		    (r = load(a, k, &l, e)) == 0)
			a->keys = k;
		if (r != 0)
			agent_stop(a);
		loadlist_clear(&l);
	}
	if (r == 0)
		*hp = &a->hook;
	pthread_mutex_unlock(&agent_lock);
	return r;
}

/*
 * The deferred hook: the key store whose agent it starts, and what became
 * of its one try (a PIN the token refused is not offered again).
 */
static struct keys	*defer_keys;
static struct smerr	 defer_err;
static int		 defer_failed;

int
agent_start(struct smerr *e)
{
	const struct crypto_keyhook	*h;
	struct keys			*k;
	struct smerr			 e2;
	int				 r = 0;

	smerr_clear(&e2);
	pthread_mutex_lock(&agent_lock);
	k = defer_keys;
	if (defer_failed)
		r = defer_err.code;
	pthread_mutex_unlock(&agent_lock);
	if (r == 0 && k == NULL)
		r = smerr_set(&e2, SMERR_INVAL, "no key store for the key "
		    "agent");
	else if (r == 0)
		r = agent_hook(k, &h, &e2);
	pthread_mutex_lock(&agent_lock);
	if (r != 0 && !defer_failed) {
		defer_err = e2;
		defer_err.code = r;
		defer_failed = 1;
	}
	if (r != 0)
		(void)smerr_set(e, r, "%s", smerr_msg(&defer_err));
	pthread_mutex_unlock(&agent_lock);
	return r;
}

int
agent_failed(struct smerr *e)
{
	int	r = 0;

	pthread_mutex_lock(&agent_lock);
	if (defer_failed)
		r = smerr_set(e, defer_err.code, "%s", smerr_msg(&defer_err));
	pthread_mutex_unlock(&agent_lock);
	return r;
}

int
agent_wanted(void)
{
	int	w = agent_want;

	agent_want = 0;
	return w;
}

/*
 * The deferred hook's call: the agent of defer_keys, started now when it
 * is not yet and this is the main thread (whose end alone ends it).
 */
static int
defer_call(void *arg, const uint8_t fp[32], const struct crypto_keyop *op,
    uint8_t *out, size_t *outlen, struct smerr *e)
{
	int	up, r;

	(void)arg;
	pthread_mutex_lock(&agent_lock);
	up = agent_one.fd != -1 && agent_one.keys == defer_keys;
	pthread_mutex_unlock(&agent_lock);
	if (!up && (pid_t)syscall(SYS_gettid) != getpid()) {
		agent_want = 1;
		return smerr_set(e, SMERR_IO, "the key agent is not started");
	}
	if (!up && (r = agent_start(e)) != 0)
		return r;
	return agent_call(&agent_one, fp, op, out, outlen, e);
}

static const struct crypto_keyhook defer_hook = { defer_call, NULL };

const struct crypto_keyhook *
agent_hook_deferred(struct keys *k)
{
	pthread_mutex_lock(&agent_lock);
	if (defer_keys != k) {
		defer_keys = k;
		smerr_clear(&defer_err);
		defer_failed = 0;
	}
	pthread_mutex_unlock(&agent_lock);
	return &defer_hook;
}

int
agent_token_probe(const char *uri, uint8_t **derp, size_t *lenp,
    struct smerr *e)
{
	struct agent		 pa = { .fd = -1 };
	struct keys_certinfo	 ci;
	uint8_t			 rep[AGENT_MAX_REP], fp[32];
	size_t			 replen = 0;
	int			 r, given = *derp != NULL;

	memset(&ci, 0, sizeof(ci));
	pthread_mutex_lock(&agent_lock);
	if ((r = spawn(&pa, 1, e)) != 0)
		goto out;
	if (!given) {
		if ((r = token_request(&pa, NULL, uri, rep, &replen, e)) != 0)
			goto out;
		if ((*derp = malloc(replen - 3)) == NULL) {
			r = smerr_set(e, SMERR_NOMEM, "out of memory");
			goto out;
		}
		memcpy(*derp, rep + 3, replen - 3);
		*lenp = replen - 3;
	}
	if ((r = keys_cert_info(*derp, *lenp, &ci, e)) != 0 ||
	    (r = keys_fingerprint_raw(ci.fingerprint, fp) == 0 ? 0 :
	    smerr_set(e, SMERR_PARSE, "a certificate without a "
	    "fingerprint")) != 0 ||
	    (r = token_request(&pa, fp, uri, rep, &replen, e)) != 0)
		goto out;
	/* The key must be the certificate's: one signature proves it. */
	pthread_mutex_unlock(&agent_lock);
	r = crypto_keyhook_check(*derp, *lenp, &pa.hook, e);
	pthread_mutex_lock(&agent_lock);
out:
	agent_stop(&pa);
	pthread_mutex_unlock(&agent_lock);
	keys_certinfo_clear(&ci);
	if (r != 0 && !given) {
		free(*derp);
		*derp = NULL;
	}
	return r;
}

/* The agent process. */

#define SC_ALLOW(nr)							\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/*
 * mmap and mprotect are allowed only without PROT_EXEC (their third
 * argument; the low word is enough, the flag is bit 2).
 */
#define SC_NOEXEC(nr)							\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 4),		\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,				\
	    offsetof(struct seccomp_data, args[2])),			\
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/* Every filter begins so: x86-64 calls only, then the call's number. */
#define SC_HEAD								\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,				\
	    offsetof(struct seccomp_data, arch)),			\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),	\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),		\
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,				\
	    offsetof(struct seccomp_data, nr))

static int
sc_install(struct sock_filter *f, size_t n)
{
	struct sock_fprog	prog = {
		.len = (unsigned short)n,
		.filter = f,
	};

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

static int
sandbox(void)
{
	struct sock_filter	f[] = {
		SC_HEAD,
		SC_ALLOW(__NR_recvmsg),
		SC_ALLOW(__NR_sendmsg),
		SC_ALLOW(__NR_sendto),
		SC_ALLOW(__NR_recvfrom),
		SC_ALLOW(__NR_write),		/* stderr, sanitizer reports */
		SC_ALLOW(__NR_brk),
		SC_ALLOW(__NR_munmap),
		SC_ALLOW(__NR_mremap),
		SC_ALLOW(__NR_madvise),
		SC_ALLOW(__NR_futex),
		SC_ALLOW(__NR_getrandom),
		SC_ALLOW(__NR_clock_gettime),
		SC_ALLOW(__NR_gettimeofday),
		SC_ALLOW(__NR_getpid),
		SC_ALLOW(__NR_gettid),
		SC_ALLOW(__NR_rt_sigreturn),
		SC_ALLOW(__NR_rt_sigprocmask),
		SC_ALLOW(__NR_sched_yield),
		SC_ALLOW(__NR_sigaltstack),	/* sanitizers, on the way out */
		SC_ALLOW(__NR_exit),
		SC_ALLOW(__NR_exit_group),
		SC_NOEXEC(__NR_mmap),
		SC_NOEXEC(__NR_mprotect),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
	};

	return sc_install(f, sizeof(f) / sizeof(f[0]));
}

#define SC_DENY(nr)							\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES)

/*
 * An agent with a PKCS#11 module cannot be held to its loop's calls: the
 * module reads its token's files or talks to a card daemon, in ways each
 * module chooses. Once the keys are loaded it keeps those, and loses
 * what would let an attacker in it reach further: starting programs,
 * new processes other than threads, reading or tracing other processes,
 * and executable memory (so no code beyond what is loaded by then).
 */
static int
sandbox_token(void)
{
	struct sock_filter	f[] = {
		SC_HEAD,
		SC_DENY(__NR_execve),
		SC_DENY(__NR_execveat),
		SC_DENY(__NR_fork),
		SC_DENY(__NR_vfork),
		SC_DENY(__NR_ptrace),
		SC_DENY(__NR_process_vm_readv),
		SC_DENY(__NR_process_vm_writev),
		SC_DENY(__NR_pkey_mprotect),
		SC_NOEXEC(__NR_mmap),
		SC_NOEXEC(__NR_mprotect),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};

	return sc_install(f, sizeof(f) / sizeof(f[0]));
}

/*
 * Everything OpenSSL reads from files or sets up on first use is done
 * before the sandbox closes: its configuration, the random generator, and
 * the algorithms the agent's requests need.
 */
static int
warm_up(void)
{
	static const char *const	 algs[] = { "RSA", "EC" };
	EVP_PKEY_CTX			*c;
	EVP_CIPHER			*ci;
	uint8_t				 b[16];
	size_t				 i;

	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1 ||
	    RAND_priv_bytes(b, sizeof(b)) != 1 || RAND_bytes(b, 1) != 1)
		return -1;
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if ((c = EVP_PKEY_CTX_new_from_name(NULL, algs[i],
		    NULL)) == NULL)
			return -1;
		EVP_PKEY_CTX_free(c);
	}
	if ((ci = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)) == NULL)
		return -1;
	EVP_CIPHER_free(ci);
	return 0;
}

/* The sender's pid from a message's SCM_CREDENTIALS, or -1. */
static pid_t
sender(struct msghdr *m)
{
	struct cmsghdr	*c;
	struct ucred	 uc;

	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len == CMSG_LEN(sizeof(uc))) {
			memcpy(&uc, CMSG_DATA(c), sizeof(uc));
			return uc.pid;
		}
	return -1;
}

static void
serve(int fd, pid_t parent, struct agent_keys *ak, int filter_later)
{
	uint8_t		 req[AGENT_MAX_REQ + 1], rep[AGENT_MAX_REP];
	union {
		struct cmsghdr	hdr;
		uint8_t		buf[CMSG_SPACE(sizeof(struct ucred))];
	}		 cm;
	struct iovec	 iov;
	struct msghdr	 m;
	ssize_t		 n;
	size_t		 replen;

	for (;;) {
		memset(&m, 0, sizeof(m));
		iov.iov_base = req;
		iov.iov_len = sizeof(req);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = cm.buf;
		m.msg_controllen = sizeof(cm.buf);
		n = recvmsg(fd, &m, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;		/* the parent is gone */
		if (filter_later && sender(&m) == parent &&
		    !AGENT_IS_LOAD(req[0])) {
			/* The keys are loaded: the filter comes now. */
			if (sandbox_token() != 0)
				return;
			filter_later = 0;
		}
		if (sender(&m) != parent) {
			replen = 3 + strlen("refused: not the parent");
			memcpy(rep + 3, "refused: not the parent", replen - 3);
			rep[0] = AGENT_ERR;
			rep[1] = 0;
			rep[2] = (uint8_t)(replen - 3);
		} else if ((m.msg_flags & MSG_TRUNC) ||
		    (size_t)n > AGENT_MAX_REQ)
			agent_serve(ak, req, AGENT_MAX_REQ + 1, rep, &replen);
		else
			agent_serve(ak, req, (size_t)n, rep, &replen);
		secmem_wipe(req, (size_t)n < sizeof(req) ? (size_t)n :
		    sizeof(req));
		(void)send(fd, rep, replen, MSG_NOSIGNAL);
		secmem_wipe(rep, sizeof(rep));
	}
}

int
agent_main(int tokens)
{
	struct agent_keys	 ak;
	pid_t			 parent = getppid();
	int			 type = 0;
	socklen_t		 tl = sizeof(type);

	if (prctl(PR_SET_DUMPABLE, 0) == -1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent ||
	    parent == 1)
		return 1;
	(void)secmem_no_coredump();
	if (getsockopt(AGENT_FD, SOL_SOCKET, SO_TYPE, &type, &tl) == -1 ||
	    type != SOCK_SEQPACKET ||
	    fcntl(AGENT_FD, F_SETFD, FD_CLOEXEC) == -1)
		return 1;
	(void)close_range(AGENT_FD + 1, ~0U, 0);
	if (warm_up() != 0 || (!tokens && sandbox() != 0))
		return 1;
	memset(&ak, 0, sizeof(ak));
	serve(AGENT_FD, parent, &ak, tokens);
	agent_keys_clear(&ak);
	/*
	 * No exit handlers: they would run outside the loop's system calls
	 * (a sanitizer's leak check, for one, starts a tracer thread).
	 */
	_exit(0);
}
