/*
 * sealmail inspect [--json] [--time WHEN] FILE|-...: what a reader is told
 * about a message. The trust anchors and identities come from the key
 * store under --home (plus the system's trust store); the verdict is
 * crypto_judge()'s, printed as the contract's JSON object or as a few
 * lines of text. Several files give one verdict each (one JSON object per
 * line), judged with one context per CPU the process may use, so that
 * many messages cost one set-up.
 *
 * The time at which certificates are judged is now, or --time, or the
 * environment's SEALMAIL_VERIFY_TIME (YYYY-MM-DD[THH:MM:SS] UTC, or
 * @SECONDS), for mail whose certificates have since expired.
 *
 * With a [dns] section in the configuration, each signer is also looked
 * up in SMIMEA (DNSSEC): a secure match is trust "dane". Unless [security]
 * turns it off, each trusted signer's certificate is checked for
 * revocation (app/revoke.h), and the answers are kept in the store.
 *
 * A signer that is valid, trusted and the From address has its
 * certificate harvested into the key store for later encryption.
 *
 * The key agent, and with it a token's PIN, is started only when a message
 * needs a private key (one encrypted to an identity): plain and signed
 * mail is judged without it.
 */
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/proc.h"
#include "base/secmem.h"
#include "base/text.h"
#include "mime/mime.h"
#include "net/dns.h"
#include "store/store.h"
#include "keys/keys.h"
#include "crypto/crypto.h"
#include "app/agent.h"
#include "app/app_int.h"
#include "app/revoke.h"
#include "app/sync.h"

static int
human(struct buf *o, const struct crypto_verdict *v)
{
	size_t	i;
	int	r = 0;

	r |= buf_printf(o, "From:       %s\n", v->from != NULL ? v->from :
	    "(none)");
	r |= buf_printf(o, "Subject:    %s\n", v->subject);
	r |= buf_printf(o, "Signature:  %s", crypto_sig_str(v->signature));
	if (v->signer != NULL)
		r |= buf_printf(o, " by %s (trust: %s)", v->signer,
		    crypto_trust_str(v->trust));
	if (v->signature != CRYPTO_SIG_NONE)
		r |= buf_printf(o, "\nRevocation: %s",
		    crypto_rev_str(v->revocation));
	r |= buf_printf(o, "\nEncryption: %s", crypto_enc_str(v->encryption));
	if (v->cipher != NULL)
		r |= buf_printf(o, " (%s)", v->cipher);
	r |= buf_putc(o, '\n');
	for (i = 0; i < v->nfindings; i++)
		r |= buf_printf(o, "Note:       %s\n", v->findings[i]);
	r |= buf_printf(o, "\n%s", v->text);
	return r != 0 ? SMERR_NOMEM : 0;
}

/*
 * A batch of files (without DNS: the DANE hook shares the key store and
 * the resolver) is judged by a worker thread per core, each with a context
 * of its own, at most INSPECT_AHEAD files ahead of the output. A worker
 * reads, judges and formats a file; the calling thread alone harvests
 * signers and prints, in the order of the files. Nothing but the queue
 * below is shared, so the workers never wait for each other.
 */
#define INSPECT_AHEAD		64
#define INSPECT_BATCH		8	/* verdicts printed per wake-up */
#define INSPECT_MAX_THREADS	16
#define INSPECT_LANE_FILES	32	/* files that pay for one more agent */
#define INSPECT_TRIM		(64 * 1024 * 1024)	/* heap kept free */

struct inspect_slot {
	const char		*path;
	struct buf		*in;
	struct crypto_verdict	*v;
	struct buf		*out;
	struct smerr		 err;
	int			 r;
	int			 done;		/* judged, not yet printed */
	int			 want;		/* ...without the key agent */
};

struct inspect_pool {
	pthread_mutex_t		 mu;
	pthread_cond_t		 judged;	/* a slot became done */
	pthread_cond_t		 room;		/* the output moved on */
	pthread_cond_t		 idle;		/* no worker judges */
	char			**paths;
	size_t			 npaths;
	size_t			 next;		/* the next file to claim */
	size_t			 shown;		/* files printed */
	size_t			 until;		/* the printer waits for this */
	size_t			 nbusy;		/* workers judging */
	int			 waiting;	/* ...on judged */
	int			 json;
	int			 hold;		/* no file to be claimed */
	int			 stop;
	struct inspect_slot	 slots[INSPECT_AHEAD];
};

struct inspect_worker {
	struct inspect_pool	*pool;
	struct crypto_ctx	*ctx;
	size_t			 lane;		/* its agent */
	int			 pin;		/* kept to CPU lane */
	pthread_t		 t;
};

/*
 * A signer harvested in this command: harvesting the same certificate for
 * the same address again changes nothing in the store, so it is done once.
 */
#define INSPECT_MAX_SEEN	4096

struct inspect_seen {
	char			*addr;
	uint8_t			*der;
	size_t			 len;
};

/* What the printing side remembers between verdicts. */
struct inspect_out {
	struct cli		*c;
	struct keys		*k;
	struct store		*st;
	struct cli_dane		*dane;		/* with DNS only */
	struct inspect_seen	*seen;
	size_t			 nseen;
};

static void
slot_clear(struct inspect_slot *sl)
{
	buf_free(sl->in);
	crypto_verdict_free(sl->v);
	buf_free(sl->out);
	memset(sl, 0, sizeof(*sl));
}

static int
inspect_format(const struct crypto_verdict *v, int json, struct buf **outp,
    struct smerr *e)
{
	struct buf	*out;

	*outp = NULL;
	if ((out = buf_new(0)) == NULL ||
	    (json ? app_verdict_json(v, out) : human(out, v)) != 0) {
		buf_free(out);
		return smerr_nomem(e);
	}
	*outp = out;
	return 0;
}

/*
 * Reads, judges and formats sl->path with ctx. A message that needed the
 * key agent on a thread that cannot start it is only marked sl->want.
 */
static void
inspect_one(struct crypto_ctx *ctx, struct inspect_slot *sl, int json)
{
	smerr_clear(&sl->err);
	if ((sl->r = app_read_message(sl->path, MIME_MAX_INPUT, &sl->in,
	    &sl->err)) == 0)
		sl->r = crypto_judge(ctx, buf_data(sl->in), buf_len(sl->in),
		    &sl->v, &sl->err);
	if (agent_wanted()) {
		sl->want = 1;
		sl->r = 0;
		return;
	}
	if (sl->r != 0)
		return;
	/* Without the agent, "undecryptable" may be untrue. */
	smerr_clear(&sl->err);
	if ((sl->r = agent_failed(&sl->err)) == 0)
		sl->r = agent_lost() ? smerr_set(&sl->err, SMERR_IO, "%s",
		    AGENT_LOST_MSG) : inspect_format(sl->v, json, &sl->out,
		    &sl->err);
}

static void *
inspect_thread(void *arg)
{
	struct inspect_worker	*w = arg;
	struct inspect_pool	*p = w->pool;
	struct inspect_slot	*sl;
	size_t			 i;

	/* One worker and its agent to each CPU, when there are as many. */
	if (w->pin)
		(void)proc_pin_nth(w->lane);
	for (;;) {
		/*
		 * Until the printer is done: files from one that needed the
		 * agent on are claimed again once it has started it.
		 */
		pthread_mutex_lock(&p->mu);
		while (!p->stop && (p->hold || p->next >= p->npaths ||
		    p->next >= p->shown + INSPECT_AHEAD))
			pthread_cond_wait(&p->room, &p->mu);
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		i = p->next++;
		p->nbusy++;
		pthread_mutex_unlock(&p->mu);
		/* Its agent, once started, where the worker runs. */
		agent_prefer(w->lane);
		/* Printed already: what is left of it is freed here. */
		sl = &p->slots[i % INSPECT_AHEAD];
		slot_clear(sl);
		sl->path = p->paths[i];
		inspect_one(w->ctx, sl, p->json);
		pthread_mutex_lock(&p->mu);
		sl->done = 1;
		if (--p->nbusy == 0 && p->hold)
			pthread_cond_signal(&p->idle);
		/* The printer wakes for a batch, not for every verdict. */
		if (p->waiting && p->slots[p->shown % INSPECT_AHEAD].done &&
		    p->slots[p->until % INSPECT_AHEAD].done)
			pthread_cond_signal(&p->judged);
		pthread_mutex_unlock(&p->mu);
	}
}

/* Whether v's signer was harvested for its address in this command. */
static int
seen_has(const struct inspect_out *o, const struct crypto_verdict *v)
{
	const struct inspect_seen	*sn;
	size_t				 i;

	for (i = 0; i < o->nseen; i++) {
		sn = &o->seen[i];
		if (sn->len == v->signer_der_len &&
		    memcmp(sn->der, v->signer_der, sn->len) == 0 &&
		    strcmp(sn->addr, v->harvest_addr) == 0)
			return 1;
	}
	return 0;
}

/* Remembers v's signer; without memory it is only harvested again. */
static void
seen_add(struct inspect_out *o, const struct crypto_verdict *v)
{
	struct inspect_seen	*ns, *sn;

	if (o->nseen >= INSPECT_MAX_SEEN)
		return;
	if ((ns = reallocarray(o->seen, o->nseen + 1, sizeof(*ns))) == NULL)
		return;
	o->seen = ns;
	sn = &ns[o->nseen];
	sn->addr = strdup(v->harvest_addr);
	sn->der = malloc(v->signer_der_len);
	if (sn->addr == NULL || sn->der == NULL) {
		free(sn->addr);
		free(sn->der);
		return;
	}
	memcpy(sn->der, v->signer_der, v->signer_der_len);
	sn->len = v->signer_der_len;
	o->nseen++;
}

static void
seen_free(struct inspect_out *o)
{
	size_t	i;

	for (i = 0; i < o->nseen; i++) {
		free(o->seen[i].addr);
		free(o->seen[i].der);
	}
	free(o->seen);
	o->seen = NULL;
	o->nseen = 0;
}

/*
 * Shows one verdict: a failed SMIMEA lookup is said aloud, the signer is
 * harvested (once for each signer and address), the verdict is printed.
 */
static int
inspect_emit(struct inspect_out *o, const struct crypto_verdict *v,
    const struct buf *in, struct buf *out)
{
	struct cli	*c = o->c;
	char		*m;
	int		 replaced;

	if (o->dane != NULL && o->dane->err.code != 0) {
		m = text_sanitize_str(smerr_msg(&o->dane->err), 0);
		fprintf(stderr, "sealmail: warning: %s\n",
		    m != NULL ? m : "SMIMEA lookup failed");
		free(m);
		smerr_clear(&o->dane->err);
	}
	if (v->harvest_addr != NULL && v->signer_der != NULL &&
	    !seen_has(o, v)) {
		replaced = 0;
		if (app_harvest(o->k, v, buf_data(in), buf_len(in),
		    &replaced, &c->err) != 0)
			return -1;
		if (replaced)
			fprintf(stderr, "sealmail: note: a new certificate "
			    "for %s replaces the one kept before\n",
			    v->harvest_addr);
		seen_add(o, v);
	}
	return cli_print(c, out) != 0 ? -1 : 0;
}

static int
inspect_serial(struct inspect_out *o, struct crypto_ctx *ctx, char **paths,
    size_t n, int json)
{
	struct inspect_slot	sl;
	size_t			i;
	int			r = 0;

	memset(&sl, 0, sizeof(sl));
	for (i = 0; i < n && r == 0; i++) {
		sl.path = paths[i];
		inspect_one(ctx, &sl, json);
		if (sl.r != 0)
			r = smerr_set(&o->c->err, sl.r, "%s",
			    smerr_msg(&sl.err));
		else
			r = inspect_emit(o, sl.v, sl.in, sl.out);
		slot_clear(&sl);
	}
	return r != 0 ? -1 : 0;
}

/*
 * A worker's file i needed the key agent, which only this thread (the
 * main one) may start: the workers are held while it starts, with lanes
 * agents, and every file from i on is judged again. 0 or an SMERR_*.
 */
static int
pool_agent_start(struct inspect_pool *p, size_t i, size_t lanes,
    struct smerr *e)
{
	size_t	j;
	int	r;

	pthread_mutex_lock(&p->mu);
	p->hold = 1;
	while (p->nbusy > 0)
		pthread_cond_wait(&p->idle, &p->mu);
	pthread_mutex_unlock(&p->mu);
	if ((r = agent_start(e)) == 0)
		(void)agent_widen(lanes);
	pthread_mutex_lock(&p->mu);
	for (j = i; j < p->next; j++)
		slot_clear(&p->slots[j % INSPECT_AHEAD]);
	p->next = i;
	p->hold = 0;
	pthread_cond_broadcast(&p->room);
	pthread_mutex_unlock(&p->mu);
	return r;
}

/* Workers 1.. judge with clones of ctx, worker 0 with ctx itself. */
static int
inspect_pooled(struct inspect_out *o, struct crypto_ctx *ctx, char **paths,
    size_t n, int json, size_t nthreads)
{
	struct inspect_pool	*p;
	struct inspect_worker	 w[INSPECT_MAX_THREADS];
	struct inspect_slot	*sl;
	size_t			 i, nw = 0, lanes;
	int			 r = 0;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		smerr_nomem(&o->c->err);
		return -1;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->judged, NULL);
	pthread_cond_init(&p->room, NULL);
	pthread_cond_init(&p->idle, NULL);
	p->paths = paths;
	p->npaths = n;
	p->json = json;
	/*
	 * An agent for each worker once one is needed, so that their
	 * private-key operations do not wait for each other, when the batch
	 * is worth starting them.
	 */
	lanes = n / INSPECT_LANE_FILES + 1 < nthreads ?
	    n / INSPECT_LANE_FILES + 1 : nthreads;
	for (nw = 0; nw < nthreads; nw++) {
		w[nw].pool = p;
		w[nw].ctx = ctx;
		w[nw].lane = nw;
		w[nw].pin = lanes >= nthreads;
		if (nw > 0 && crypto_ctx_clone(ctx, &w[nw].ctx, NULL) != 0)
			break;
		if (pthread_create(&w[nw].t, NULL, inspect_thread,
		    &w[nw]) != 0) {
			if (nw > 0)
				crypto_ctx_free(w[nw].ctx);
			break;
		}
	}
	if (nw == 0) {
		/* No thread at all: judged here. */
		r = inspect_serial(o, ctx, paths, n, json);
		goto out;
	}
	i = 0;
	while (i < n && r == 0) {
		sl = &p->slots[i % INSPECT_AHEAD];
		pthread_mutex_lock(&p->mu);
		if (!sl->done) {
			/* Nothing to print: wait until a batch is judged. */
			p->until = n - i < INSPECT_BATCH ? n - 1 :
			    i + INSPECT_BATCH - 1;
			p->waiting = 1;
			while (!sl->done ||
			    !p->slots[p->until % INSPECT_AHEAD].done)
				pthread_cond_wait(&p->judged, &p->mu);
			p->waiting = 0;
		}
		pthread_mutex_unlock(&p->mu);
		if (sl->want) {
			r = pool_agent_start(p, i, lanes, &o->c->err);
			continue;
		}
		if (sl->r != 0)
			r = smerr_set(&o->c->err, sl->r, "%s",
			    smerr_msg(&sl->err));
		else
			r = inspect_emit(o, sl->v, sl->in, sl->out);
		pthread_mutex_lock(&p->mu);
		sl->done = 0;
		p->shown = ++i;
		pthread_cond_broadcast(&p->room);
		pthread_mutex_unlock(&p->mu);
	}
	/* The workers wait for more until told there is none. */
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->room);
	pthread_mutex_unlock(&p->mu);
out:
	for (i = 0; i < nw; i++) {
		pthread_join(w[i].t, NULL);
		if (i > 0)
			crypto_ctx_free(w[i].ctx);
	}
	for (i = 0; i < INSPECT_AHEAD; i++)
		slot_clear(&p->slots[i]);
	pthread_cond_destroy(&p->idle);
	pthread_cond_destroy(&p->room);
	pthread_cond_destroy(&p->judged);
	pthread_mutex_destroy(&p->mu);
	free(p);
	return r != 0 ? -1 : 0;
}

/*
 * Keeps the revocation answers had in this command (a failure is only a
 * warning: they are asked again next time) and frees rv.
 */
void
cli_revoke_close(struct app_revoke *rv)
{
	struct smerr	 e;
	char		*m;

	smerr_clear(&e);
	if (app_revoke_save(rv, &e) != 0) {
		m = text_sanitize_str(smerr_msg(&e), 0);
		fprintf(stderr, "sealmail: warning: revocation answers not "
		    "kept: %s\n", m != NULL ? m : "store error");
		free(m);
	}
	app_revoke_free(rv);
}

static int
cmd_inspect(struct cli *c, int argc, char **argv)
{
	struct store		*st = NULL;
	struct keys		*k = NULL;
	struct crypto_ctx	*ctx = NULL;
	struct dns		*dns = NULL;
	struct app_revoke	*rv = NULL;
	struct cli_dane		 dane;
	struct inspect_out	 o;
	struct cli_args		 args;
	const char		*when;
	time_t			 t = 0;
	size_t			 n;
	long			 ncpu;
	int			 json, rc = 1;

	memset(&o, 0, sizeof(o));
	if (cli_args_parse(&cmd_inspect_entry, argc, argv, &args) != 0 ||
	    args.argc < 1)
		return cli_usage(c);
	json = cli_opt_has(&args, "json") > 0;
	when = cli_opt_get(&args, "time");
	if (cli_config(c) != 0 || cli_open_keys(c, &st, &k) != 0 ||
	    sync_deferred_ctx(k, &ctx, &c->err) != 0)
		goto fail;
	if (when != NULL) {
		if (text_parse_time(when, &t, &c->err) != 0)
			goto fail;
		crypto_ctx_set_time(ctx, t);
	}
	/* SMIMEA only where a [dns] section says which resolver to ask. */
	if (cli_open_dns(c, 1, &dns) != 0 ||
	    app_revoke_new(c->cfg, st, dns, &rv, &c->err) != 0)
		goto fail;
	app_revoke_attach(rv, ctx);
	o.c = c;
	o.k = k;
	o.st = st;
	cli_dane_attach(&dane, ctx, k, dns);
	if (dns != NULL)
		o.dane = &dane;
	smerr_clear(&c->err);
	n = (size_t)args.argc;
	/*
	 * What one message freed is kept for the next (every block that held
	 * a secret is wiped before it is freed), rather than handed back to
	 * the system and faulted in again.
	 */
	if (n > 1)
		(void)mallopt(M_TRIM_THRESHOLD, INSPECT_TRIM);
	ncpu = proc_ncpu();	/* the CPUs it may use, not all online */
	if (ncpu > INSPECT_MAX_THREADS)
		ncpu = INSPECT_MAX_THREADS;
	if ((size_t)ncpu > n)
		ncpu = (long)n;
	/* Two files or more, no DNS: every core judges. */
	if (dns == NULL && ncpu >= 2) {
		if (inspect_pooled(&o, ctx, args.argv, n, json,
		    (size_t)ncpu) != 0)
			goto fail;
	} else if (inspect_serial(&o, ctx, args.argv, n, json) != 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	rc = cli_fail(c);
out:
	cli_revoke_close(rv);
	seen_free(&o);
	crypto_ctx_free(ctx);
	dns_free(dns);
	keys_close(k);
	store_close(st);
	return rc;
}

const struct cli_cmd cmd_inspect_entry = {
	"inspect", cmd_inspect, "inspect [--json] [--time WHEN] FILE|-...",
	"verify, decrypt and judge a message", "json time=", 0
};
