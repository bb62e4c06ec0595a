/*
 * The sync engine. Per folder: push the flags changed here, fetch every
 * message above the highest UID stored (in one UID FETCH that streams),
 * judge and store each in its own transaction, then bring the flags and
 * expunges of the older messages up to date (CONDSTORE/QRESYNC deltas
 * where the server has them, else a comparison of UIDs), and only then
 * record the folder's new state. Because the next run starts from what
 * the store holds, not from what the last run meant to do, a run killed
 * anywhere is completed by the next one; the unique (folder, UID) index
 * keeps a message from being stored twice.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "base/proc.h"
#include "base/secmem.h"
#include "base/text.h"
#include "base/vec.h"
#include "store/store.h"
#include "keys/keys.h"
#include "net/net.h"
#include "net/imap.h"
#include "crypto/crypto.h"
#include "app/agent.h"
#include "app/app.h"
#include "app/app_int.h"
#include "app/revoke.h"
#include "app/send.h"
#include "app/sync.h"

#define SYNC_MAX_FLAGS	4096		/* one message's flag list */

/* One stored message of the folder being synced, by UID. */
struct local {
	uint32_t	 uid;
	int64_t		 id;
	char		*flags;
	int		 dirty;
	int		 seen;		/* the server still has it */
};

struct queue;

struct syncer {
	const struct sync_opts	*o;
	struct sync_stats	*stats;
	struct crypto_ctx	*ctx;
	struct cli_dane		 dane;		/* SMIMEA for signers */
	struct imap		*imap;
	const char		*folder;
	int64_t			 fid;
	struct local		*loc;
	size_t			 nloc, caploc;
	uint32_t		 maxuid;
	uint32_t		 from;		/* fetch_new: the lowest UID */
	struct vec_ids		 gaps;		/* on the server, not here */
	struct vec_ids		 queued;	/* moved here: not fetched */
	int			 told;		/* a NOOP heard of a change */
	size_t			 listed;	/* ...and here: flags_cb saw */
	size_t			 fresh;		/* new_msg_cb was given */
	size_t			 total, done;
	struct timespec		 start;
	struct smerr		*e;
	int			 err;		/* a callback failed */
	struct queue		*q;		/* new messages for the worker */
	int			 pool;		/* judges run beside the worker */
	struct imap_folder	*all;		/* every folder the server has */
	size_t			 nall;
	char			*hv_addr;	/* the last signer harvested */
	uint8_t			*hv_der;
	size_t			 hv_len;
};

static double
since(const struct timespec *a)
{
	struct timespec	b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) +
	    (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

static void
digest_hex(const void *p, size_t len, char out[65])
{
	unsigned char	md[32];
	unsigned int	n = 0;

	EVP_Digest(p, len, md, &n, EVP_sha256(), NULL);
	text_hex_encode(md, sizeof(md), out);
}

static int
flag_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Flags in one spelling: sorted, without \Recent (a session flag that
 * no client can set), single spaces. *outp is malloc'd.
 */
static int
flags_norm(const char *in, char **outp)
{
	char	*copy, *tok[256], *p, *save = NULL, *out;
	size_t	 n = 0, i, len;

	*outp = NULL;
	if (in == NULL)
		in = "";
	len = strlen(in);
	if (len > SYNC_MAX_FLAGS || (copy = strdup(in)) == NULL ||
	    (out = malloc(len + 1)) == NULL) {
		if (len <= SYNC_MAX_FLAGS)
			free(copy);
		return SMERR_NOMEM;
	}
	for (p = strtok_r(copy, " ", &save); p != NULL && n < 256;
	    p = strtok_r(NULL, " ", &save))
		if (strcasecmp(p, "\\Recent") != 0)
			tok[n++] = p;
	qsort(tok, n, sizeof(tok[0]), flag_cmp);
	out[0] = '\0';
	len = 0;
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(tok[i], tok[i - 1]) == 0)
			continue;
		len += (size_t)snprintf(out + len, strlen(in) + 1 - len, "%s%s",
		    len > 0 ? " " : "", tok[i]);
	}
	free(copy);
	*outp = out;
	return 0;
}

int
sync_crypto_ctx(struct keys *k, struct crypto_ctx **ctxp, struct smerr *e);

struct ctxfill {
	struct keys		*k;
	struct crypto_ctx	*ctx;
	struct smerr		*e;
	int			 deferred;	/* the agent starts when used */
	int			 r;
};

static int
ctx_cb(const struct keys_cert *kc, void *arg)
{
	struct ctxfill			*f = arg;
	const struct crypto_keyhook	*h;

	switch (kc->kind) {
	case KEYS_ANCHOR:
		f->r = crypto_ctx_add_anchor(f->ctx, kc->der, kc->der_len,
		    f->e);
		break;
	case KEYS_PEER:
		/* Not trusted; it may complete a chain. */
		(void)crypto_ctx_add_intermediate(f->ctx, kc->der, kc->der_len,
		    NULL);
		break;
	case KEYS_IDENTITY:
		/* The key stays in the agent; the context gets a handle. */
		if (f->deferred)
			h = agent_hook_deferred(f->k);
		else if ((f->r = agent_hook(f->k, &h, f->e)) != 0)
			break;
		f->r = crypto_ctx_add_remote_identity(f->ctx, kc->der,
		    kc->der_len, h, f->e);
		break;
	}
	return f->r != 0;
}

/*
 * The one engine context every reader uses (sync, inspect, keys import):
 * the key store's anchors plus the system's, its peers as intermediates,
 * its identities with handles on their keys in the key agent (started
 * here when there is any, or at the first key operation when deferred;
 * only when mask has KEYS_IDENTITY), and the verification time of
 * SEALMAIL_VERIFY_TIME when set.
 */
static int
ctx_make(struct keys *k, unsigned mask, int deferred,
    struct crypto_ctx **ctxp, struct smerr *e)
{
	struct ctxfill	 f;
	const char	*when;
	time_t		 t;
	int		 r;

	*ctxp = NULL;
	memset(&f, 0, sizeof(f));
	if ((r = crypto_ctx_new(&f.ctx, e)) != 0)
		return r;
	f.k = k;
	f.e = e;
	f.deferred = deferred;
	if ((r = crypto_ctx_use_system_anchors(f.ctx, e)) == 0 &&
	    (r = keys_foreach(k, mask, ctx_cb, &f, e)) == 0)
		r = f.r;
	if (r == 0 && (when = getenv("SEALMAIL_VERIFY_TIME")) != NULL &&
	    *when != '\0' && (r = text_parse_time(when, &t, e)) == 0)
		crypto_ctx_set_time(f.ctx, t);
	if (r != 0) {
		crypto_ctx_free(f.ctx);
		return r;
	}
	*ctxp = f.ctx;
	return 0;
}

int
sync_crypto_ctx(struct keys *k, struct crypto_ctx **ctxp, struct smerr *e)
{
	return ctx_make(k, KEYS_ANCHOR | KEYS_PEER | KEYS_IDENTITY, 0, ctxp,
	    e);
}

int
sync_deferred_ctx(struct keys *k, struct crypto_ctx **ctxp, struct smerr *e)
{
	return ctx_make(k, KEYS_ANCHOR | KEYS_PEER | KEYS_IDENTITY, 1, ctxp,
	    e);
}

int
sync_verify_ctx(struct keys *k, struct crypto_ctx **ctxp, struct smerr *e)
{
	return ctx_make(k, KEYS_ANCHOR | KEYS_PEER, 0, ctxp, e);
}

/* A verdict for a message the engine could not read at all. */
static int
error_verdict(struct buf *vj, const char *why)
{
	int	r = 0;

	r |= buf_puts(vj, "{\"from\":null,\"subject\":\"\",\"to\":[],"
	    "\"cc\":[],\"date\":null,\"header_protection\":\"none\","
	    "\"signature\":"
	    "\"error\",\"signer\":null,\"signers\":[],\"trust\":\"none\","
	    "\"revocation\":\"not-checked\","
	    "\"encryption\":\"none\",\"cipher\":null,\"text\":\"\","
	    "\"findings\":[");
	r |= json_str(vj, why);
	r |= buf_puts(vj, "]}");
	return r;
}

/*
 * Fills m from the engine's verdict on raw (or marks it unreadable).
 * *vp and vj hold what m points into.
 */
static int
judge(struct crypto_ctx *ctx, const uint8_t *raw, size_t len,
    struct store_msg *m, struct crypto_verdict **vp, struct buf *vj,
    struct smerr *e)
{
	struct crypto_verdict	*v = NULL;
	struct smerr		 e2;
	static char		 empty[1];
	char			*text;
	int			 r;

	*vp = NULL;
	smerr_clear(&e2);
	r = crypto_judge(ctx, raw, len, &v, &e2);
	/* Without the agent, "undecryptable" may be untrue: keep nothing. */
	if (agent_lost()) {
		crypto_verdict_free(v);
		return smerr_set(e, SMERR_IO, "%s", AGENT_LOST_MSG);
	}
	if (r != 0) {
		if (error_verdict(vj, smerr_msg(&e2)) != 0)
			return smerr_nomem(e);
		m->signature = "error";
		m->encryption = "none";
		m->trust = "none";
		m->subject = "";
		m->text = "";
		m->body = raw;
		m->body_len = len;
		m->verdict = buf_str(vj);
		m->state = STORE_MSG_OK;
		return 0;
	}
	/*
	 * The text is kept once, in its own column; the stored verdict has
	 * "text":"" in its place, and show puts it back.
	 */
	text = v->text;
	v->text = empty;
	r = app_verdict_json(v, vj);
	v->text = text;
	if (r != 0) {
		crypto_verdict_free(v);
		return smerr_nomem(e);
	}
	m->from = v->from;
	m->subject = v->subject;
	m->text = v->text;
	m->signer = v->signer;
	m->signature = crypto_sig_str(v->signature);
	m->encryption = crypto_enc_str(v->encryption);
	m->trust = crypto_trust_str(v->trust);
	m->verdict = buf_str(vj);
	m->signer_der = v->signer_der;
	m->signer_der_len = v->signer_der_len;
	if (v->encryption == CRYPTO_ENC_UNDECRYPTABLE) {
		/* Kept as received until a key for it is imported. */
		m->state = STORE_MSG_PENDING;
		m->raw = raw;
		m->raw_len = len;
	} else {
		m->state = STORE_MSG_OK;
		if (v->decrypted != NULL) {
			m->body = buf_data(v->decrypted);
			m->body_len = buf_len(v->decrypted);
		} else {
			m->body = raw;
			m->body_len = len;
		}
	}
	*vp = v;
	return 0;
}

/*
 * The signer's certificate, for later encryption to them. A failure
 * costs only the harvest, not the message: 0 or the harvest's error.
 */
static int
harvest(struct keys *k, const struct crypto_verdict *v,
    const uint8_t *raw, size_t len)
{
	int	replaced;

	return app_harvest(k, v, raw, len, &replaced, NULL);
}

/*
 * New messages are judged and stored while the fetch goes on reading the
 * next ones, so that every core does the work the network leaves time
 * for. The fetching thread only reads and queues; a pool of judging
 * threads, one per CPU the process may use, each with a clone of the
 * engine's context, decrypts and verifies the queued messages in any
 * order (a decryption waits on the key agent; the others go on
 * meanwhile); and a worker thread stores them strictly in the order they
 * came, so that what is stored is always every message up to some UID,
 * as an interrupted run must leave it. The worker judges a message no
 * judge has taken yet rather than wait for one. The one exception is
 * SMIMEA: its lookups read the key store, which only the worker may touch
 * while it writes, so with a resolver configured the worker judges
 * everything and no pool is started. The queue is bounded in messages
 * and bytes.
 */
#define SYNC_QUEUE_MAX		256
#define SYNC_CKPT_FROM		500	/* new messages: checkpoints aside */
#define SYNC_MAX_JUDGES		16
#define SYNC_QUEUE_BYTES	(64UL * 1024 * 1024)

struct job {
	struct job		*next;
	uint32_t		 uid;
	uint64_t		 modseq;
	int64_t			 internaldate;
	char			*flags;
	uint8_t			*body;
	size_t			 len;
	/* The judgement, once made: m points into body, v and vj. */
	int			 claimed;	/* a judge or the worker took it */
	int			 judged;
	int			 jr;		/* the judge's error, or 0 */
	struct smerr		 jerr;
	struct store_msg	 m;
	struct crypto_verdict	*v;
	struct buf		*vj;
	struct app_headers	 hd;
	char			 dg[65];
};

struct queue {
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	struct job	*head, *tail;
	struct job	*next;		/* the first job no one has taken */
	size_t		 n, bytes;
	int		 closed;	/* no more jobs will come */
	int		 failed;	/* the worker stopped on an error */
	struct smerr	 err;		/* the worker's error */
};

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	crypto_verdict_free(j->v);
	buf_free(j->vj);
	app_headers_clear(&j->hd);
	free(j->flags);
	free(j->body);
	free(j);
}

/* Runs the engine on one fetched message: its verdict, text and digest. */
static int
job_judge(struct crypto_ctx *ctx, struct job *j, struct smerr *e)
{
	struct store_msg	*m = &j->m;
	int			 r;

	memset(m, 0, sizeof(*m));
	if ((j->vj = buf_new(0)) == NULL)
		return smerr_nomem(e);
	digest_hex(j->body, j->len, j->dg);
	if ((r = judge(ctx, j->body, j->len, m, &j->v, j->vj, e)) != 0)
		return r;
	m->uid = j->uid;
	m->modseq = j->modseq;
	m->flags = j->flags;
	m->received = (time_t)j->internaldate;
	/* The date shown is the sender's Date field, as mail readers show. */
	m->date = j->v != NULL && j->v->date > 0 ? j->v->date :
	    (time_t)j->internaldate;
	/* The size of what is kept: RFC822.SIZE is not asked for. */
	m->size = j->len;
	m->digest = j->dg;
	if (m->body != NULL)
		r = app_headers_read(m->body, m->body_len, j->v != NULL ?
		    j->v->hp_header : NULL, &j->hd, e);
	else
		r = app_headers_read(m->raw, m->raw_len, NULL, &j->hd, e);
	if (r != 0)
		return r;
	app_headers_to_msg(&j->hd, m);
	return 0;
}

/* Forgets the last signer harvested (its batch was rolled back). */
static void
harvest_forget(struct syncer *s)
{
	free(s->hv_addr);
	free(s->hv_der);
	s->hv_addr = NULL;
	s->hv_der = NULL;
	s->hv_len = 0;
}

/*
 * Harvests a new message's signer, once per run of mail from one signer:
 * harvesting the same certificate for the same address again changes
 * nothing, and a batch from one sender would parse it every time.
 */
static void
harvest_new(struct syncer *s, const struct job *j)
{
	const struct crypto_verdict	*v = j->v;

	if (v == NULL || v->harvest_addr == NULL || v->signer_der == NULL)
		return;
	if (s->hv_addr != NULL && strcmp(s->hv_addr, v->harvest_addr) == 0 &&
	    s->hv_len == v->signer_der_len &&
	    memcmp(s->hv_der, v->signer_der, s->hv_len) == 0)
		return;
	if (harvest(s->o->keys, v, j->body, j->len) != 0)
		return;			/* the next message tries again */
	harvest_forget(s);
	s->hv_addr = strdup(v->harvest_addr);
	s->hv_der = malloc(v->signer_der_len);
	if (s->hv_addr == NULL || s->hv_der == NULL) {
		harvest_forget(s);
		return;
	}
	memcpy(s->hv_der, v->signer_der, v->signer_der_len);
	s->hv_len = v->signer_der_len;
}

/*
 * Stores one judged message with its verdict in the worker's open
 * transaction. *partp is set when the store failed part way through:
 * the transaction may then hold part of this message.
 */
static int
store_new(struct syncer *s, struct job *j, int *partp, struct smerr *e)
{
	struct store		*st = s->o->store;
	int			 r, rebound;

	if (j->jr != 0)
		return smerr_reset(e, j->jr, "%s", smerr_msg(&j->jerr));
	j->m.folder = s->fid;
	r = store_msg_add_bound(st, &j->m, NULL, &rebound, e);
	if (r == SMERR_EXISTS) {
		smerr_clear(e);
		r = 0;
	} else if (r == 0 && rebound)
		s->stats->rebound++;
	else if (r == 0) {
		harvest_new(s, j);
		s->stats->fetched++;
		if (j->m.state == STORE_MSG_PENDING)
			s->stats->pending++;
	}
	if (r != 0) {
		*partp = 1;
		return r;
	}
	s->done++;
	if (r == 0 && s->o->progress != NULL) {
		struct sync_progress	p;

		p.folder = s->folder;
		p.done = s->done;
		p.total = s->total > s->done ? s->total : s->done;
		p.seconds = since(&s->start);
		s->o->progress(s->o->arg, &p);
	}
	return r;
}

/*
 * The messages are stored together, SYNC_BATCH (or SYNC_BATCH_BYTES) at a
 * time or as soon as the queue runs dry, so that the database is not
 * rewritten for every message. Each is judged before its batch's
 * transaction begins: a judgement may wait on the network (a signer's
 * revocation check, an SMIMEA lookup) for up to its timeout, and no other
 * process on the store (a draft kept, a send queued) should wait that
 * long on its lock. A crash loses at most the last batch, which the next
 * sync fetches again; so does a store that fails part way through a
 * message (a full disk): the batch is rolled back rather than a part of
 * a message kept. What is stored is always whole, and always every
 * message up to some UID.
 */
#define SYNC_BATCH		200
#define SYNC_BATCH_BYTES	(16UL * 1024 * 1024)

/* Judged messages waiting for their batch, in order. */
struct batch {
	struct job	*head, *tail;
	size_t		 n, bytes;
};

static void
batch_clear(struct batch *b)
{
	struct job	*j;

	while ((j = b->head) != NULL) {
		b->head = j->next;
		job_free(j);
	}
	memset(b, 0, sizeof(*b));
}

/*
 * Stores the batch in one transaction and empties it. On a failure what
 * was stored whole before it is kept, unless the store failed part way
 * through a message: then the batch is rolled back.
 */
static int
batch_store(struct syncer *s, struct batch *b, struct smerr *e)
{
	struct store		*st = s->o->store;
	struct sync_stats	 at = *s->stats;
	struct smerr		 e2;
	struct job		*j;
	size_t			 done = s->done;
	int			 part = 0, r;

	if (b->head == NULL)
		return 0;
	if ((r = store_begin(st, e)) != 0)
		goto out;
	for (j = b->head; j != NULL && r == 0; j = j->next)
		r = store_new(s, j, &part, e);
	if (r == 0)
		r = store_commit(st, e);
	else if (part) {
		store_rollback(st);
		harvest_forget(s);
		*s->stats = at;
		s->done = done;
	} else {
		smerr_clear(&e2);
		(void)store_commit(st, &e2);
	}
out:
	batch_clear(b);
	return r;
}

static void *
worker_main(void *arg)
{
	struct syncer	*s = arg;
	struct queue	*q = s->q;
	struct batch	 b;
	struct job	*j;
	struct smerr	 e;
	int		 dry;

	memset(&b, 0, sizeof(b));
	smerr_clear(&e);
	for (;;) {
		pthread_mutex_lock(&q->mtx);
		/* The next message in order, once its judge is done with it. */
		while ((q->head == NULL && !q->closed) || (q->head != NULL &&
		    q->head->claimed && !q->head->judged)) {
			if (b.head != NULL && q->head == NULL) {
				/* Stored before waiting on the network. */
				pthread_mutex_unlock(&q->mtx);
				if (batch_store(s, &b, &e) != 0)
					goto fail;
				pthread_mutex_lock(&q->mtx);
				continue;
			}
			pthread_cond_wait(&q->cv, &q->mtx);
		}
		if ((j = q->head) == NULL) {
			pthread_mutex_unlock(&q->mtx);
			break;
		}
		if (!j->claimed) {
			/* No judge took it yet: the worker judges it. */
			j->claimed = 1;
			q->next = j->next;
		}
		q->head = j->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->n--;
		q->bytes -= j->len;
		dry = q->head == NULL;
		pthread_cond_broadcast(&q->cv);
		pthread_mutex_unlock(&q->mtx);

		j->next = NULL;
		if (!j->judged && j->jr == 0) {
			smerr_clear(&j->jerr);
			j->jr = job_judge(s->ctx, j, &j->jerr);
			j->judged = 1;
		}
		if (b.tail != NULL)
			b.tail->next = j;
		else
			b.head = j;
		b.tail = j;
		b.n++;
		b.bytes += j->len;
		if ((b.n >= SYNC_BATCH || b.bytes >= SYNC_BATCH_BYTES || dry) &&
		    batch_store(s, &b, &e) != 0)
			goto fail;
	}
	if (batch_store(s, &b, &e) != 0)
		goto fail;
	return NULL;
fail:
	batch_clear(&b);
	pthread_mutex_lock(&q->mtx);
	q->failed = 1;
	q->err = e;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mtx);
	return NULL;
}

/* The order of UIDs kept as IDs (gaps, queued). */
static int
uid_cmp(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

struct queued_read {
	struct syncer	*s;
	uint32_t	 uidvalidity;	/* the folder's on the server */
};

/*
 * A move, copy or expunge of this folder still queued, as of the
 * folder's numbering (an entry of another is refused when pushed).
 */
static int
queued_cb(const struct store_queued *q, void *arg)
{
	struct queued_read	*w = arg;

	if (strcmp(q->folder, w->s->folder) != 0 || (q->uidvalidity != 0 &&
	    q->uidvalidity != w->uidvalidity))
		return 0;
	return vec_ids_add(&w->s->queued, q->uid);
}

/*
 * The UIDs of the folder that the queue of moves holds, read after the
 * stored messages were: a message moved (or deleted) here before that
 * read is missing from them on purpose, and stays queued until the
 * server has done its move, whoever holds the claim on it (another
 * process telling the server, or none yet). Neither the fetch of what is
 * new nor that of the gaps brings it back while the server still has it
 * in the folder. (A claim whose process died is anyone's: the next push
 * of the queue takes it over, and the move is done then.)
 */
static int
queued_read(struct syncer *s, uint32_t uidvalidity, struct smerr *e)
{
	struct queued_read	w;
	int			r;

	w.s = s;
	w.uidvalidity = uidvalidity;
	if ((r = store_queue_foreach(s->o->store, s->o->acct->name, queued_cb,
	    &w, e)) != 0 || (r = vec_ids_check(&s->queued, e)) != 0)
		return r;
	if (s->queued.n > 1)
		qsort(s->queued.v, s->queued.n, sizeof(s->queued.v[0]),
		    uid_cmp);
	return 0;
}

/* Whether UID uid of the folder is queued to leave it (queued_read). */
static int
queued(const struct syncer *s, uint32_t uid)
{
	int64_t	key = uid;

	return s->queued.n > 0 && bsearch(&key, s->queued.v, s->queued.n,
	    sizeof(s->queued.v[0]), uid_cmp) != NULL;
}

static int
new_msg_cb(const struct imap_msg *im, void *arg)
{
	struct syncer	*s = arg;
	struct queue	*q = s->q;
	struct job	*j;
	int		 failed;

	if (im->uid < s->from || im->body == NULL)
		return 0;
	if (queued(s, im->uid)) {
		/* Counted: the server holds it, for expunge_unlisted. */
		s->fresh++;
		log_debug("sync %s: UID %u was moved here: not fetched",
		    s->folder, im->uid);
		return 0;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->body = malloc(im->len > 0 ? im->len : 1)) == NULL ||
	    flags_norm(im->has_flags ? im->flags : "", &j->flags) != 0) {
		job_free(j);
		s->err = smerr_nomem(s->e);
		return 1;
	}
	memcpy(j->body, im->body, im->len);
	s->fresh++;
	j->len = im->len;
	j->uid = im->uid;
	j->modseq = im->modseq;
	j->internaldate = im->internaldate;
	pthread_mutex_lock(&q->mtx);
	while (!q->failed && q->n > 0 && (q->n >= SYNC_QUEUE_MAX ||
	    q->bytes + j->len > SYNC_QUEUE_BYTES))
		pthread_cond_wait(&q->cv, &q->mtx);
	if (!(failed = q->failed)) {
		if (q->tail != NULL)
			q->tail->next = j;
		else
			q->head = j;
		q->tail = j;
		if (q->next == NULL)
			q->next = j;
		q->n++;
		q->bytes += j->len;
		pthread_cond_broadcast(&q->cv);
	}
	pthread_mutex_unlock(&q->mtx);
	if (failed) {
		job_free(j);
		return 1;		/* the worker's error is reported */
	}
	return 0;
}

struct judge {
	struct queue		*q;
	struct crypto_ctx	*ctx;
	pthread_t		 t;
};

/* A judging thread: takes the first job no one has taken, judges it. */
static void *
judge_main(void *arg)
{
	struct judge	*jd = arg;
	struct queue	*q = jd->q;
	struct job	*j;

	pthread_mutex_lock(&q->mtx);
	for (;;) {
		while (q->next == NULL && !q->closed && !q->failed)
			pthread_cond_wait(&q->cv, &q->mtx);
		if ((j = q->next) == NULL || q->failed)
			break;
		q->next = j->next;
		j->claimed = 1;
		pthread_mutex_unlock(&q->mtx);
		smerr_clear(&j->jerr);
		j->jr = job_judge(jd->ctx, j, &j->jerr);
		pthread_mutex_lock(&q->mtx);
		j->judged = 1;
		pthread_cond_broadcast(&q->cv);
	}
	pthread_mutex_unlock(&q->mtx);
	return NULL;
}

/*
 * Starts up to one judge per CPU the process may use, each with a clone
 * of s->ctx; *np is how many run (0 is fine: the worker judges then).
 */
static void
judges_start(struct syncer *s, struct judge *jd, size_t *np)
{
	size_t	n, want;

	*np = 0;
	if (!s->pool)
		return;
	want = (size_t)proc_ncpu();
	if (want > SYNC_MAX_JUDGES)
		want = SYNC_MAX_JUDGES;
	for (n = 0; n < want; n++) {
		jd[n].q = s->q;
		if (crypto_ctx_clone(s->ctx, &jd[n].ctx, NULL) != 0)
			break;
		if (pthread_create(&jd[n].t, NULL, judge_main, &jd[n]) != 0) {
			crypto_ctx_free(jd[n].ctx);
			break;
		}
	}
	*np = n;
}

static void
judges_stop(struct judge *jd, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		pthread_join(jd[i].t, NULL);
		crypto_ctx_free(jd[i].ctx);
	}
}

/*
 * The engine's context, made when first needed: a sync with nothing new
 * and nothing waiting for a key does not load the trust anchors.
 */
static int
syncer_ctx(struct syncer *s, struct smerr *e)
{
	int	r;

	if (s->ctx != NULL)
		return 0;
	if ((r = sync_crypto_ctx(s->o->keys, &s->ctx, e)) != 0)
		return r;
	app_revoke_attach(s->o->revoke, s->ctx);
	/* SMIMEA vouches for signers only where a [dns] section is set. */
	cli_dane_attach(&s->dane, s->ctx, s->o->keys, s->o->dns);
	return 0;
}

static int
any_cb(const struct store_msg *m, void *arg)
{
	(void)m;
	*(int *)arg = 1;
	return 1;
}

/*
 * Fetches the messages of UIDs first to last (0: the last there is)
 * through the worker; a UID below first (a "*" answered with a lower
 * one) is passed over.
 */
static int
fetch_new(struct syncer *s, uint32_t first, uint32_t last, struct smerr *e)
{
	struct imap_fetch	 fx;
	struct queue		 q;
	struct job		*j;
	struct judge		 jd[SYNC_MAX_JUDGES];
	struct smerr		 e2;
	pthread_t		 t;
	size_t			 njd = 0;
	int			 r;

	if ((r = syncer_ctx(s, e)) != 0)
		return r;
	memset(&q, 0, sizeof(q));
	pthread_mutex_init(&q.mtx, NULL);
	pthread_cond_init(&q.cv, NULL);
	s->q = &q;
	s->pool = s->o->dns == NULL;	/* no SMIMEA: no store reads */
	smerr_clear(&e2);
	if (s->total >= SYNC_CKPT_FROM &&
	    store_ckpt_start(s->o->store, &e2) != 0)
		log_debug("sync: checkpoints stay with the writer: %s",
		    smerr_msg(&e2));
	if (pthread_create(&t, NULL, worker_main, s) != 0) {
		store_ckpt_stop(s->o->store);
		r = smerr_set(e, SMERR_NOMEM, "cannot start a thread");
		goto out;
	}
	judges_start(s, jd, &njd);
	agent_busy(1);
	memset(&fx, 0, sizeof(fx));
	fx.first = s->from = first;
	fx.last = last;
	fx.what = IMAP_FETCH_FLAGS | IMAP_FETCH_DATE | IMAP_FETCH_BODY;
	fx.msg = new_msg_cb;
	fx.arg = s;
	r = imap_fetch(s->imap, &fx, e);
	/* What arrived whole is stored even when the fetch broke off. */
	pthread_mutex_lock(&q.mtx);
	q.closed = 1;
	pthread_cond_broadcast(&q.cv);
	pthread_mutex_unlock(&q.mtx);
	pthread_join(t, NULL);
	judges_stop(jd, njd);
	agent_busy(0);
	store_ckpt_stop(s->o->store);
	if (q.failed)
		r = smerr_reset(e, q.err.code != 0 ? q.err.code : SMERR_STORE,
		    "%s", smerr_msg(&q.err));
	else if (s->err != 0)
		r = s->err;
out:
	while ((j = q.head) != NULL) {
		q.head = j->next;
		job_free(j);
	}
	pthread_cond_destroy(&q.cv);
	pthread_mutex_destroy(&q.mtx);
	s->q = NULL;
	return r;
}

static int
local_cb(const struct store_msg *m, void *arg)
{
	struct syncer	*s = arg;
	struct local	*nl;

	if (m->uid == 0)
		return 0;
	if (vec_reserve(&s->loc, &s->caploc, s->nloc, sizeof(*s->loc)) != 0) {
		s->err = SMERR_NOMEM;
		return 1;
	}
	nl = &s->loc[s->nloc];
	memset(nl, 0, sizeof(*nl));
	nl->uid = m->uid;
	nl->id = m->id;
	nl->dirty = m->flags_dirty;
	if ((nl->flags = strdup(m->flags)) == NULL) {
		s->err = SMERR_NOMEM;
		return 1;
	}
	s->nloc++;
	if (m->uid > s->maxuid)
		s->maxuid = m->uid;
	return 0;
}

static void
local_free(struct syncer *s)
{
	size_t	i;

	for (i = 0; i < s->nloc; i++)
		free(s->loc[i].flags);
	free(s->loc);
	s->loc = NULL;
	s->nloc = s->caploc = 0;
	s->maxuid = 0;
	free(s->gaps.v);
	memset(&s->gaps, 0, sizeof(s->gaps));
	free(s->queued.v);
	memset(&s->queued, 0, sizeof(s->queued));
	s->told = 0;
}

/* The index of the first stored message (in UID order) from uid on. */
static size_t
local_from(const struct syncer *s, uint32_t uid)
{
	size_t	lo = 0, hi = s->nloc, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->loc[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct local *
local_find(struct syncer *s, uint32_t uid)
{
	size_t	i = local_from(s, uid);

	return i < s->nloc && s->loc[i].uid == uid ? &s->loc[i] : NULL;
}

static int
flags_cb(const struct imap_msg *im, void *arg)
{
	struct syncer	*s = arg;
	struct local	*l;
	char		*nf = NULL;
	int		 r;

	if ((l = local_find(s, im->uid)) == NULL) {
		/*
		 * Below the highest UID stored, yet never stored: a fetch
		 * answered out of UID order and cut off before it.
		 */
		if (im->uid == 0 || im->uid >= s->maxuid)
			return 0;
		if (vec_ids_add(&s->gaps, im->uid) != 0) {
			s->err = smerr_nomem(s->e);
			return 1;
		}
		s->listed++;
		return 0;
	}
	if (!l->seen)
		s->listed++;
	l->seen = 1;
	if (!im->has_flags || l->dirty)
		return 0;
	if (flags_norm(im->flags, &nf) != 0) {
		s->err = smerr_nomem(s->e);
		return 1;
	}
	if (strcmp(nf, l->flags) != 0) {
		if ((r = store_msg_set_flags(s->o->store, l->id, nf,
		    im->modseq, s->e)) != 0) {
			free(nf);
			s->err = r;
			return 1;
		}
		s->stats->flags_in++;
	}
	free(nf);
	return 0;
}

/*
 * Removes stored message i of the list, expunged on the server, while it
 * is still where the list says: a move made here since it was read (to
 * Trash, keeping its row) takes it out of this sync's hands.
 */
static int
local_drop(struct syncer *s, size_t i, int *gonep, struct smerr *e)
{
	return store_msg_delete_at(s->o->store, s->loc[i].id, s->fid,
	    s->loc[i].uid, gonep, e);
}

static void
vanished_cb(uint32_t first, uint32_t last, void *arg)
{
	struct syncer	*s = arg;
	size_t		 i;
	int		 gone;

	/* A range at a time, however many the server sends: no scan each. */
	for (i = local_from(s, first); i < s->nloc && s->loc[i].uid <= last;
	    i++)
		if (s->loc[i].id != 0) {
			if (local_drop(s, i, &gone, NULL) == 0 && gone)
				s->stats->expunged++;
			s->loc[i].id = 0;
		}
}

/* Whether the space-separated list has the flag of n bytes at w. */
static int
flags_have(const char *list, const char *w, size_t n)
{
	const char	*p = list, *q;

	while (*p != '\0') {
		if ((q = strchr(p, ' ')) == NULL)
			q = p + strlen(p);
		if ((size_t)(q - p) == n && strncasecmp(p, w, n) == 0)
			return 1;
		p = *q == ' ' ? q + 1 : q;
	}
	return 0;
}

/* The flags of a that b lacks, space-separated, into out (a's size). */
static void
flags_minus(const char *a, const char *b, char *out)
{
	const char	*p = a, *q;
	size_t		 n, len = 0;

	while (*p != '\0') {
		if ((q = strchr(p, ' ')) == NULL)
			q = p + strlen(p);
		n = (size_t)(q - p);
		if (n > 0 && !flags_have(b, p, n)) {
			if (len > 0)
				out[len++] = ' ';
			memcpy(out + len, p, n);
			len += n;
		}
		p = *q == ' ' ? q + 1 : q;
	}
	out[len] = '\0';
}

/* Warns that message l holds the keyword of n bytes at w, not sent. */
static void
flag_warn(struct syncer *s, const struct local *l, const char *w, size_t n)
{
	char	 line[256], *kw, *name = NULL;

	if (s->o->warn == NULL)
		return;
	if ((kw = strndup(w, n)) != NULL)
		name = text_sanitize_str(kw, 0);
	snprintf(line, sizeof(line), "message %lld: keyword \"%.60s%s\" is "
	    "not one IMAP can carry; not sent to the server", (long long)l->id,
	    name != NULL ? name : "?", name != NULL && strlen(name) > 60 ?
	    "..." : "");
	free(name);
	free(kw);
	s->o->warn(s->o->arg, line);
}

/*
 * Takes out of the space-separated list, in place, each flag IMAP cannot
 * carry (imap_flag_ok): the flag command refuses them, but a store made
 * before it did may hold some. With warn, each is named in a warning.
 */
static void
flags_sendable(struct syncer *s, const struct local *l, char *list, int warn)
{
	char	*p = list, *next, *out = list;
	size_t	 n;

	while (*p != '\0') {
		n = strcspn(p, " ");
		next = p[n] == ' ' ? p + n + 1 : p + n;
		if (n > 0 && imap_flag_ok(p, n)) {
			if (out > list)
				*out++ = ' ';
			memmove(out, p, n);
			out += n;
		} else if (n > 0 && warn)
			flag_warn(s, l, p, n);
		p = next;
	}
	*out = '\0';
}

/*
 * Pushes one message's local flag change: what the user added and what
 * they removed since the server's flags were last seen, so that a flag
 * another client changed meanwhile stays as that client left it. When
 * those flags are not known, the local list replaces the server's.
 */
static int
push_one(struct syncer *s, const struct local *l)
{
	char	*base = NULL, *add = NULL, *del = NULL;
	int	 r;

	if ((r = store_msg_flags_base(s->o->store, l->id, &base, s->e)) != 0)
		return r;
	if ((add = strdup(l->flags)) == NULL ||
	    (del = strdup(base != NULL ? base : "")) == NULL) {
		r = smerr_nomem(s->e);
		goto out;
	}
	if (base == NULL) {
		flags_sendable(s, l, add, 1);
		r = imap_store(s->imap, &l->uid, 1, '=', add, s->e);
		goto out;
	}
	flags_minus(l->flags, base, add);
	flags_minus(base, l->flags, del);
	flags_sendable(s, l, add, 1);
	flags_sendable(s, l, del, 0);
	if (*add != '\0')
		r = imap_store(s->imap, &l->uid, 1, '+', add, s->e);
	if (r == 0 && *del != '\0')
		r = imap_store(s->imap, &l->uid, 1, '-', del, s->e);
	log_debug("sync %s: UID %u flags +(%s) -(%s)", s->folder, l->uid,
	    add, del);
out:
	free(base);
	free(add);
	free(del);
	return r;
}

/* Pushes the flags changed here to the server. */
static int
push_flags(struct syncer *s)
{
	size_t	i;
	int	r;

	for (i = 0; i < s->nloc; i++) {
		if (!s->loc[i].dirty)
			continue;
		if ((r = push_one(s, &s->loc[i])) != 0 ||
		    (r = store_msg_flags_pushed(s->o->store, s->loc[i].id, 0,
		    s->e)) != 0)
			return r;
		s->loc[i].dirty = 0;
		s->stats->flags_out++;
	}
	return 0;
}

/*
 * Whether nothing changed on either side since the last complete run of
 * folder f: the server's HIGHESTMODSEQ (CONDSTORE, with QRESYNC for
 * expunges) and UIDNEXT are what the store recorded, it holds as many
 * messages as the server, and no local flag change waits. Then the
 * folder's messages are not even read. *rp is set on a store error.
 */
static int
unchanged(struct syncer *s, const struct store_folder *f,
    const struct imap_mailbox *mb, int *rp)
{
	size_t		bound, dirty;
	uint32_t	maxuid;

	*rp = 0;
	if (f->uidvalidity != mb->uidvalidity || f->highestmodseq == 0 ||
	    mb->highestmodseq != f->highestmodseq || mb->uidnext == 0 ||
	    mb->uidnext != f->uidnext || !imap_condstore(s->imap) ||
	    !imap_qresync(s->imap))
		return 0;
	if ((*rp = store_folder_counts(s->o->store, s->fid, &bound, &maxuid,
	    &dirty, s->e)) != 0)
		return 0;
	if (dirty != 0 || bound != mb->exists || maxuid >= mb->uidnext)
		return 0;
	log_debug("sync %s: nothing changed on either side", s->folder);
	return 1;
}

/*
 * After the flags of every stored UID: whatever the server no longer
 * lists was expunged. An answer that lists fewer messages than the
 * server said it holds (exists at SELECT, fresh of them new) is not
 * believed: nothing is expunged on its word, and the next sync asks
 * again.
 */
static int
expunge_unlisted(struct syncer *s, uint32_t exists, size_t fresh)
{
	char	line[256], *name;
	size_t	i;
	int	r, gone;

	if (s->listed + fresh < exists) {
		log_debug("sync %s: %zu listed, %zu new, %u there", s->folder,
		    s->listed, fresh, exists);
		/* Not when the server said since that something left. */
		if (s->o->warn == NULL || s->told)
			return 0;
		name = text_sanitize_str(s->folder, 0);
		snprintf(line, sizeof(line), "%.80s: the server listed %zu of "
		    "the %u messages it holds; nothing expunged on its word",
		    name != NULL ? name : "?", s->listed + fresh, exists);
		free(name);
		s->o->warn(s->o->arg, line);
		return 0;
	}
	for (i = 0; i < s->nloc; i++) {
		if (s->loc[i].seen || s->loc[i].id == 0)
			continue;
		if ((r = local_drop(s, i, &gone, s->e)) != 0)
			return r;
		if (gone)
			s->stats->expunged++;
	}
	return 0;
}

/* The gaps that are no moves made here (queued). */
static void
gaps_unqueued(struct syncer *s)
{
	size_t	i, n = 0;

	for (i = 0; i < s->gaps.n; i++)
		if (!queued(s, (uint32_t)s->gaps.v[i]))
			s->gaps.v[n++] = s->gaps.v[i];
	s->gaps.n = n;
}

/*
 * The messages the flags showed on the server below the highest UID
 * stored but missing here, which no fetch of what is new would bring:
 * each run of UIDs is fetched again, SYNC_GAP_RUNS runs a sync at most
 * (a server that never gives some message its body is asked for it at
 * every sync, not for all that lies between).
 */
#define SYNC_GAP_RUNS	32

static int
fetch_gaps(struct syncer *s, struct smerr *e)
{
	size_t	i, j, runs = 0;
	int	r;

	if (s->gaps.n == 0)
		return 0;
	gaps_unqueued(s);
	if (s->gaps.n == 0)
		return 0;
	/*
	 * A move made by another process that was no longer queued when
	 * queued_read read the queue was done on the server before: a NOOP
	 * has the server tell this session of it, which it may not have
	 * yet, so that the fetch below finds nothing there rather than a
	 * copy the user took away.
	 */
	if ((r = imap_noop(s->imap, NULL, e)) != 0)
		return r;
	qsort(s->gaps.v, s->gaps.n, sizeof(s->gaps.v[0]), uid_cmp);
	log_debug("sync %s: %zu message(s) missing from UID %lld on",
	    s->folder, s->gaps.n, (long long)s->gaps.v[0]);
	for (i = 0; i < s->gaps.n && runs < SYNC_GAP_RUNS; i = j, runs++) {
		for (j = i + 1; j < s->gaps.n &&
		    s->gaps.v[j] <= s->gaps.v[j - 1] + 1; j++)
			;
		s->total = j - i;
		s->done = 0;
		if ((r = fetch_new(s, (uint32_t)s->gaps.v[i],
		    (uint32_t)s->gaps.v[j - 1], e)) != 0)
			return r;
	}
	return 0;
}

/*
 * Deletes as expunged the messages of folder fid that l holds, which a
 * foreach that returned r filled: IDs alone for messages without a UID,
 * or (uids) each ID followed by its UID. Each goes only while it is still
 * there under that UID: a move made here since the list was read (to
 * Trash, keeping its row) takes it out of this sync's hands. Frees l's
 * IDs.
 */
static int
drop_ids(struct syncer *s, int64_t fid, struct vec_ids *l, int uids, int r)
{
	size_t	i;
	int	gone;

	if (r != 0 || (r = vec_ids_check(l, s->e)) != 0)
		goto out;
	for (i = 0; i + (uids ? 1 : 0) < l->n; i += uids ? 2 : 1) {
		if ((r = store_msg_delete_at(s->o->store, l->v[i], fid,
		    uids ? (uint32_t)l->v[i + 1] : 0, &gone, s->e)) != 0)
			goto out;
		s->stats->expunged += gone;
	}
out:
	free(l->v);
	return r;
}

/*
 * After a renumbered folder was fetched whole, what did not bind again
 * by its digest is no longer on the server, or is there changed and was
 * stored anew: dropped, so that nothing is shown twice or kept that the
 * server expunged. A message moved here and not yet on the server stays.
 */
static int
drop_unbound(struct syncer *s)
{
	struct vec_ids	l;

	memset(&l, 0, sizeof(l));
	return drop_ids(s, s->fid, &l, 0, store_msg_foreach_unbound(
	    s->o->store, s->fid, vec_ids_cb, &l, s->e));
}

/*
 * Without UIDVALIDITY (RFC 3501 2.3.1.1 makes it a must) a UID says
 * nothing that lasts: another set of UIDs next time would be taken for
 * this one's.
 */
static int
no_uidvalidity(const char *folder, struct smerr *e)
{
	char	*name;
	int	 r;

	name = text_sanitize_str(folder, 0);
	r = smerr_set(e, SMERR_PROTO, "%.80s: the server gave no UIDVALIDITY "
	    "for the folder; not synced", name != NULL ? name : "?");
	free(name);
	return r;
}

/*
 * New messages: everything above the highest UID stored (none is above
 * 4294967295). A UIDNEXT that is not above it, or more messages there
 * than here, says nothing of what is new: ask. What the store held or
 * knew of above that UID (f's UIDNEXT, of the last whole run, is past
 * it) was taken away here or expunged: a move of it that another process
 * did before queued_read read the queue may be one this session has
 * not heard of yet, and a NOOP has the server tell it (as fetch_gaps
 * does), so that the fetch finds nothing there rather than a message
 * the user took away.
 */
static int
fetch_above(struct syncer *s, const struct store_folder *f,
    const struct imap_mailbox *mb, struct smerr *e)
{
	int	r;

	s->total = mb->exists > s->nloc ? mb->exists - s->nloc : 0;
	if (s->maxuid == UINT32_MAX || (mb->uidnext == s->maxuid + 1 &&
	    mb->exists <= s->nloc))
		return 0;
	if (f->uidnext > s->maxuid + 1 &&
	    (r = imap_noop(s->imap, &s->told, e)) != 0)
		return r;
	return fetch_new(s, s->maxuid + 1, 0, e);
}

static int
sync_folder(struct syncer *s, const char *name)
{
	struct imap_mailbox	 mb;
	struct store_folder	 f;
	struct imap_fetch	 fx;
	struct smerr		*e = s->e;
	size_t			 bound, fresh = 0;
	int			 r, full, reset;

	s->folder = name;
	s->listed = s->fresh = 0;
	s->done = s->total = 0;
	clock_gettime(CLOCK_MONOTONIC, &s->start);
	/* A folder the server does not have is not made in the store. */
	if ((r = imap_select(s->imap, name, 0, &mb, e)) != 0 ||
	    (r = store_folder_open(s->o->store, s->o->acct->name, name,
	    &s->fid, e)) != 0 ||
	    (r = store_folder_get(s->o->store, s->fid, &f, e)) != 0)
		return r;
	if (mb.uidvalidity == 0)
		return no_uidvalidity(name, e);
	log_debug("sync %s: UIDVALIDITY %u (stored %u), UIDNEXT %u, "
	    "HIGHESTMODSEQ %llu (stored %llu)", name, mb.uidvalidity,
	    f.uidvalidity, mb.uidnext, (unsigned long long)mb.highestmodseq,
	    (unsigned long long)f.highestmodseq);
	reset = f.uidvalidity != 0 && f.uidvalidity != mb.uidvalidity;
	if (reset) {
		/* The server renumbered: unbind, keep, bind again by digest. */
		if ((r = store_folder_reset(s->o->store, s->fid, e)) != 0)
			return r;
		f.uidnext = 0;
		f.highestmodseq = 0;
	}
	if (unchanged(s, &f, &mb, &r) || r != 0) {
		if (r == 0)
			s->stats->folders++;
		return r;
	}
	if ((r = store_msg_foreach(s->o->store, s->fid, local_cb, s, e)) != 0)
		goto out;
	if (s->err != 0) {
		r = smerr_set(e, s->err, "out of memory");
		goto out;
	}
	if ((r = queued_read(s, mb.uidvalidity, e)) != 0 ||
	    (r = push_flags(s)) != 0 || (r = fetch_above(s, &f, &mb, e)) != 0)
		goto out;
	fresh = s->fresh;
	if (reset && (r = drop_unbound(s)) != 0)
		goto out;

	/* Flags and expunges of the messages stored before. */
	bound = s->nloc;
	if (s->maxuid > 0) {
		full = !(imap_condstore(s->imap) && f.highestmodseq != 0 &&
		    mb.highestmodseq != 0 && imap_qresync(s->imap));
		if (!full && mb.highestmodseq == f.highestmodseq &&
		    mb.exists == bound + s->done) {
			log_debug("sync %s: HIGHESTMODSEQ unchanged, nothing "
			    "to ask", name);
			goto done;
		}
		log_debug("sync %s: flags of UIDs 1:%u %s", name, s->maxuid,
		    full ? "in full (UID comparison)" : "CHANGEDSINCE with "
		    "VANISHED (QRESYNC)");
		memset(&fx, 0, sizeof(fx));
		fx.first = 1;
		fx.last = s->maxuid;
		fx.what = IMAP_FETCH_FLAGS;
		fx.msg = flags_cb;
		fx.gone = vanished_cb;
		fx.arg = s;
		if (!full) {
			fx.changedsince = f.highestmodseq;
			fx.vanished = 1;
		}
		r = imap_fetch(s->imap, &fx, e);
		if (s->err != 0)
			r = s->err;
		if (r != 0)
			goto out;
		if (full && (r = expunge_unlisted(s, mb.exists, fresh)) != 0)
			goto out;
		if ((r = fetch_gaps(s, e)) != 0)
			goto out;
	}
done:
	/* Recorded last: a run cut short starts again from the store. */
	if (f.uidvalidity != mb.uidvalidity || f.uidnext != mb.uidnext ||
	    f.highestmodseq != mb.highestmodseq)
		r = store_folder_set_state(s->o->store, s->fid, mb.uidvalidity,
		    mb.uidnext, mb.highestmodseq, e);
	s->stats->folders++;
out:
	local_free(s);
	return r;
}

int
sync_connect(const struct sync_opts *o, struct imap **ip,
    struct net_lookup **lp, struct smerr *e)
{
	struct net_server	srv;
	int			r;

	*ip = NULL;
	if ((r = app_server_lookup(o->acct, &o->acct->imap, o->dns,
	    o->dns_addr, &srv, lp, e)) != 0 ||
	    (r = imap_open(&srv, ip, e)) != 0)
		return r;
	if ((r = imap_login(*ip, app_account_login(o->acct), o->password,
	    e)) != 0) {
		imap_abort(*ip);
		*ip = NULL;
	}
	return r;
}

/* Whether the server lists a folder of that name. */
static int
listed(const struct syncer *s, const char *name)
{
	size_t	i;

	for (i = 0; i < s->nall; i++)
		if (strcmp(s->all[i].name, name) == 0)
			return 1;
	return 0;
}

/*
 * The folders to sync: the one asked for, or every subscribed one that
 * the server has (every folder it has kept in s->all).
 */
static int
folder_names(struct syncer *s, char ***namesp, size_t *np)
{
	struct imap_folder	*f = NULL;
	char			**v;
	size_t			 n = 0, i, k = 0;
	int			 r, inbox = 0;

	*namesp = NULL;
	*np = 0;
	if (s->o->folder != NULL)
		return vec_strv_add(namesp, np, s->o->folder,
		    strlen(s->o->folder)) != 0 ? smerr_nomem(s->e) : 0;
	if ((r = imap_list(s->imap, 0, &s->all, &s->nall, s->e)) != 0 ||
	    (r = imap_list(s->imap, 1, &f, &n, s->e)) != 0)
		return r;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL) {
		imap_folders_free(f, n);
		return smerr_nomem(s->e);
	}
	for (i = 0; i < n; i++) {
		/*
		 * A subscription outlives its folder (deleted or renamed
		 * by another client): one the server has not is skipped.
		 */
		if ((f[i].flags & IMAP_F_NOSELECT) ||
		    (strcasecmp(f[i].name, "INBOX") != 0 &&
		    !listed(s, f[i].name))) {
			log_debug("sync: subscribed to %s, which the server "
			    "does not have", f[i].name);
			continue;
		}
		if (strcasecmp(f[i].name, "INBOX") == 0)
			inbox = 1;
		v[k++] = f[i].name;
		f[i].name = NULL;
	}
	imap_folders_free(f, n);
	/* INBOX always, subscribed or not. */
	if (!inbox && (v[k++] = strdup("INBOX")) == NULL)
		r = smerr_nomem(s->e);
	*namesp = v;
	*np = k;
	return r;
}

/* The folders of the account that the server does not list. */
struct gone {
	const struct syncer	*s;
	struct vec_ids		 ids;
};

static int
gone_cb(const struct store_folder *sf, void *arg)
{
	struct gone	*g = arg;

	if (strcasecmp(sf->name, "INBOX") == 0 || listed(g->s, sf->name))
		return 0;
	return vec_ids_add(&g->ids, sf->id);
}

/* Each message with a UID: its ID, then its UID. */
static int
bound_cb(const struct store_msg *m, void *arg)
{
	if (m->uid == 0)
		return 0;
	if (vec_ids_add(arg, m->id) != 0)
		return 1;
	return vec_ids_add(arg, m->uid);
}

/* The messages the store holds in folder fid as bound to a UID there. */
static int
drop_bound(struct syncer *s, int64_t fid)
{
	struct vec_ids	l;

	memset(&l, 0, sizeof(l));
	return drop_ids(s, fid, &l, 1, store_msg_foreach(s->o->store, fid,
	    bound_cb, &l, s->e));
}

/*
 * After every folder was synced: a folder the store holds that the
 * server no longer has at all (deleted or renamed by another client)
 * goes, with the messages it held there, so that none is shown that is
 * not on the server, nor twice after a rename. A message moved into it
 * here and not yet on the server stays, and its folder with it.
 */
static int
drop_gone(struct syncer *s)
{
	struct gone	g;
	size_t		i;
	int		r;

	memset(&g, 0, sizeof(g));
	g.s = s;
	if ((r = store_folder_foreach(s->o->store, s->o->acct->name, gone_cb,
	    &g, s->e)) != 0 || (r = vec_ids_check(&g.ids, s->e)) != 0)
		goto out;
	for (i = 0; i < g.ids.n; i++) {
		log_debug("sync: folder %lld is no longer on the server",
		    (long long)g.ids.v[i]);
		if ((r = store_begin(s->o->store, s->e)) != 0)
			goto out;
		if ((r = drop_bound(s, g.ids.v[i])) != 0 ||
		    (r = store_folder_forget(s->o->store, g.ids.v[i],
		    s->e)) != 0) {
			store_rollback(s->o->store);
			goto out;
		}
		if ((r = store_commit(s->o->store, s->e)) != 0)
			goto out;
	}
out:
	free(g.ids.v);
	return r;
}

int
sync_run(const struct sync_opts *o, struct sync_stats *stats,
    struct smerr *e)
{
	struct syncer		 s;
	struct net_lookup	*lk = NULL;
	struct timespec		 t0;
	char			**names = NULL;
	size_t			 n = 0, i;
	int			 any, r;

	memset(stats, 0, sizeof(*stats));
	memset(&s, 0, sizeof(s));
	any = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s.o = o;
	s.stats = stats;
	s.e = e;
	if (o->acct == NULL || !o->acct->has_imap)
		return smerr_set(e, SMERR_CONFIG, "the account has no imap "
		    "server");
	/* Keys imported since the last run may open what waited for them. */
	if ((r = sync_pending_any(o->store, &any, e)) != 0)
		goto out;
	if (any && ((r = syncer_ctx(&s, e)) != 0 ||
	    (r = sync_retry_pending(o->store, o->keys, s.ctx, &stats->retried,
	    e)) != 0))
		goto out;
	if ((r = sync_connect(o, &s.imap, &lk, e)) != 0)
		goto out;
	/* Before any folder is read: what left a folder is not fetched. */
	if ((r = app_move_push(o->store, s.imap, o->acct->name, NULL, e)) ==
	    SMERR_REFUSED) {
		log_debug("sync: a queued move was refused: %s",
		    smerr_msg(e));
		smerr_clear(e);
		r = 0;
	}
	/* Sent mail its sender could not copy to Sent, before Sent is read. */
	if (r == 0 && (r = send_copy_sent(o->store, s.imap, o->acct->name,
	    NULL, e)) == SMERR_REFUSED) {
		log_debug("sync: a copy to Sent was refused: %s",
		    smerr_msg(e));
		smerr_clear(e);
		r = 0;
	}
	if (r != 0 || (r = folder_names(&s, &names, &n)) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if ((r = sync_folder(&s, names[i])) != 0)
			break;
	if (r == 0 && o->folder == NULL)
		r = drop_gone(&s);
out:
	if (s.imap != NULL) {
		if (r != 0 && r != SMERR_REFUSED)
			imap_abort(s.imap);
		else
			imap_close(s.imap);
	}
	vec_strv_free(names, n);
	imap_folders_free(s.all, s.nall);
	net_lookup_free(lk);
	crypto_ctx_free(s.ctx);
	free(s.hv_addr);
	free(s.hv_der);
	stats->seconds = since(&t0);
	return r;
}

int
sync_pending_any(struct store *st, int *anyp, struct smerr *e)
{
	*anyp = 0;
	return store_msg_foreach_pending(st, any_cb, anyp, e);
}

static int
pend_cb(const struct store_msg *m, void *arg)
{
	return vec_ids_add(arg, m->id);
}

int
sync_retry_pending(struct store *st, struct keys *k, struct crypto_ctx *ctx,
    size_t *donep, struct smerr *e)
{
	struct vec_ids		 p;
	struct store_msg	*old = NULL, m;
	struct crypto_verdict	*v = NULL;
	struct buf		*vj = NULL, *raw = NULL;
	time_t			 date;
	size_t			 i;
	int			 r;

	*donep = 0;
	memset(&p, 0, sizeof(p));
	if ((r = store_msg_foreach_pending(st, pend_cb, &p, e)) != 0 ||
	    (r = vec_ids_check(&p, e)) != 0)
		goto out;
	for (i = 0; i < p.n; i++) {
		if ((r = store_msg_load(st, p.v[i], &old, e)) != 0)
			goto out;
		/*
		 * A copy, and the message let go: a read left open would be
		 * refused the write below once a sync had stored meanwhile.
		 */
		if (old->raw != NULL && ((raw = buf_new(0)) == NULL ||
		    buf_put(raw, old->raw, old->raw_len) != 0)) {
			r = smerr_nomem(e);
			goto out;
		}
		date = old->date;
		store_msg_free(old);
		old = NULL;
		if (raw == NULL || (vj = buf_new(0)) == NULL) {
			buf_free(raw);
			raw = NULL;
			continue;
		}
		memset(&m, 0, sizeof(m));
		if ((r = judge(ctx, buf_data(raw), buf_len(raw), &m, &v, vj,
		    e)) != 0)
			goto out;
		if (m.state == STORE_MSG_OK) {
			m.date = date;
			if ((r = store_begin(st, e)) != 0)
				goto out;
			/* The header fields, from the plaintext at last. */
			if ((r = store_msg_update(st, p.v[i], &m, e)) != 0 ||
			    (r = app_headers_store(st, p.v[i], m.body,
			    m.body_len, v != NULL ? v->hp_header : NULL,
			    e)) != 0) {
				store_rollback(st);
				goto out;
			}
			(void)harvest(k, v, buf_data(raw), buf_len(raw));
			if ((r = store_commit(st, e)) != 0)
				goto out;
			(*donep)++;
		}
		crypto_verdict_free(v);
		v = NULL;
		buf_free(vj);
		vj = NULL;
		buf_free(raw);
		raw = NULL;
	}
out:
	crypto_verdict_free(v);
	buf_free(vj);
	buf_free(raw);
	store_msg_free(old);
	free(p.v);
	return r;
}
