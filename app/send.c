/*
 * The send pipeline: compose -> canonical build -> sign -> encrypt ->
 * outbox -> SMTP -> Sent. The outbox entry is written before the first
 * byte goes to the server, so that a message is never lost between the
 * two; its Message-ID keeps it from being submitted twice.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/idn.h"
#include "base/secmem.h"
#include "base/vec.h"
#include "crypto/crypto.h"
#include "crypto/protect.h"
#include "keys/keys.h"
#include "mime/mime.h"
#include "mime/build.h"
#include "mime/hp.h"
#include "net/imap.h"
#include "net/net.h"
#include "net/smtp.h"
#include "store/store.h"
#include "app/agent.h"
#include "app/app_int.h"
#include "app/send.h"

#define PASSWORD_MAX	4096

static void
warnf(const struct send_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
warnf(const struct send_opts *o, const char *fmt, ...)
{
	char	 s[SMERR_MSGMAX];
	va_list	 ap;

	if (o->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(s, sizeof(s), fmt, ap);
	va_end(ap);
	o->warn(o->warn_arg, s);
}

/* Runs the password command in home and keeps the first line it prints. */
static int
password_command(const struct send_opts *o, char **pwp, struct smerr *e)
{
	struct buf	*b = NULL;
	struct pollfd	 pfd;
	char		 chunk[512];
	pid_t		 pid;
	ssize_t		 n;
	size_t		 len;
	int		 fd, status, r = 0, ms;
	const uint8_t	*nl;

	if ((r = app_sh_start(o->acct->password_command, o->home, 0, &pid,
	    &fd, e)) != 0)
		return r;
	if ((b = buf_new_secret(PASSWORD_MAX)) == NULL) {
		r = smerr_nomem(e);
		goto reap;
	}
	ms = (o->acct->timeout > 0 ? o->acct->timeout : 30) * 1000;
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, ms) <= 0) {
			r = smerr_set(e, SMERR_TIMEOUT, "password-command gave "
			    "no answer in time");
			kill(pid, SIGKILL);
			break;
		}
		if ((n = read(fd, chunk, sizeof(chunk))) <= 0)
			break;
		if (buf_put(b, chunk, (size_t)n) != 0) {
			r = smerr_set(e, SMERR_LIMIT,
			    "password-command printed too much");
			kill(pid, SIGKILL);
			break;
		}
	}
	secmem_wipe(chunk, sizeof(chunk));
reap:
	close(fd);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		r = smerr_set(e, SMERR_AUTH, "password-command failed "
		    "(status %d)", WIFEXITED(status) ?
		    WEXITSTATUS(status) : -1);
	if (r == 0) {
		len = buf_len(b);
		if ((nl = memchr(buf_data(b), '\n', len)) != NULL)
			len = (size_t)(nl - buf_data(b));
		if (len > 0 && buf_data(b)[len - 1] == '\r')
			len--;
		buf_truncate(b, len);
		if (len == 0)
			r = smerr_set(e, SMERR_AUTH, "password-command printed "
			    "no password");
		else if ((*pwp = buf_take(b, NULL)) == NULL)
			r = smerr_nomem(e);
	}
	buf_free(b);
	return r;
}

int
send_password_name(const struct app_account *a, const char *host,
    char *name, size_t size, struct smerr *e)
{
	int	n;

	n = snprintf(name, size, "%s@%s", app_account_login(a), host);
	if (n < 0 || (size_t)n >= size)
		return smerr_set(e, SMERR_LIMIT, "login %s at %s: too long "
		    "for the name of a password", app_account_login(a), host);
	return 0;
}

int
send_password(const struct send_opts *o, const struct app_server *srv,
    char **pwp, struct smerr *e)
{
	const struct app_account	*a = o->acct;
	char				 name[512];
	struct smerr			 e2;
	int				 r;

	*pwp = NULL;
	if (a->password_command != NULL)
		return password_command(o, pwp, e);
	smerr_clear(&e2);
	if ((r = send_password_name(a, srv->host, name, sizeof(name),
	    &e2)) == 0)
		r = keys_password_get(name, pwp, &e2);
	if (r == SMERR_NOTFOUND && a->has_imap && srv != &a->imap) {
		/* One password for the account's servers is the usual case. */
		smerr_clear(&e2);
		if ((r = send_password_name(a, a->imap.host, name,
		    sizeof(name), &e2)) == 0)
			r = keys_password_get(name, pwp, &e2);
	}
	if (r != 0)
		return smerr_set(e, r, "%s; set password-command for account "
		    "%s", smerr_msg(&e2), a->name);
	return 0;
}

int
send_login_hint(const struct app_account *a, const struct app_server *srv,
    const char *home, int typed, int r, struct smerr *e)
{
	char	msg[SMERR_MSGMAX], name[512];

	if (r != SMERR_AUTH || e == NULL)
		return r;
	snprintf(msg, sizeof(msg), "%s", smerr_msg(e));
	if (send_password_name(a, srv->host, name, sizeof(name), NULL) != 0)
		return r;
	if (typed)
		return smerr_reset(e, r, "%s; check the password given for "
		    "login %s at %s and give it again", msg,
		    app_account_login(a), srv->host);
	if (a->password_command != NULL)
		return smerr_reset(e, r, "%s; the password came from the "
		    "password-command of account %s in %s/config: correct "
		    "it there", msg, a->name, home);
	return smerr_reset(e, r, "%s; the password came from the Secret "
	    "Service: replace it with secret-tool store --label=sealmail "
	    "xdg:schema org.sealmail.Password account %s, or set "
	    "password-command in %s/config", msg, name, home);
}

/* The identity to sign with for address: certificate (malloc'd) and id. */
struct ident_find {
	uint8_t		*der;
	size_t		 len;
	int64_t		 id;
};

static int
find_identity(const struct send_opts *o, const char *addr,
    struct ident_find *f, struct smerr *e)
{
	struct smerr	e2;
	int		r;

	/* None is no error here: e stays clear for what comes after. */
	memset(f, 0, sizeof(*f));
	smerr_clear(&e2);
	r = keys_identity_for(o->keys, addr, &f->der, &f->len, &f->id, &e2);
	if (r != 0 && r != SMERR_NOTFOUND)
		return smerr_set(e, r, "%s", smerr_msg(&e2));
	return r;
}

/* Certificates of the key store that may complete the signer's chain. */
#define CHAIN_POOL_MAX	256
#define CHAIN_MAX	8

struct pool {
	uint8_t		*der[CHAIN_POOL_MAX];
	size_t		 len[CHAIN_POOL_MAX];
	size_t		 n;
	int		 oom;
};

static int
pool_cb(const struct keys_cert *kc, void *arg)
{
	struct pool	*p = arg;

	if (p->n >= CHAIN_POOL_MAX)
		return 1;
	if ((p->der[p->n] = malloc(kc->der_len)) == NULL) {
		p->oom = 1;
		return 1;
	}
	memcpy(p->der[p->n], kc->der, kc->der_len);
	p->len[p->n++] = kc->der_len;
	return 0;
}

static void
pool_clear(struct pool *p)
{
	size_t	 i;

	for (i = 0; i < p->n; i++)
		free(p->der[i]);
	p->n = 0;
}

/*
 * The intermediates between the signer and a root, from the key store's
 * peers and anchors, so that a reader who knows only the root can build
 * the chain. Picked into chain/chain_len (CHAIN_MAX each).
 */
static int
signer_chain(const struct send_opts *o, const struct ident_find *me,
    struct pool *p, const uint8_t **chain, size_t *chain_len, size_t *np,
    struct smerr *e)
{
	size_t	 idx[CHAIN_MAX], i;
	int	 r;

	*np = 0;
	if ((r = keys_foreach(o->keys, KEYS_PEER | KEYS_ANCHOR, pool_cb, p,
	    e)) != 0)
		return r;
	if (p->oom)
		return smerr_nomem(e);
	if ((r = protect_chain_pick(me->der, me->len,
	    (const uint8_t *const *)p->der, p->len, p->n, idx, CHAIN_MAX, np,
	    e)) != 0)
		return r;
	for (i = 0; i < *np; i++) {
		chain[i] = p->der[idx[i]];
		chain_len[i] = p->len[idx[i]];
	}
	return 0;
}

/*
 * A certificate about to be used is checked as a signer's would be: a
 * recipient's (sign 0) or the user's own, which signs (sign 1). A revoked
 * one refuses the message: its key may be in other hands, a signature
 * made with it is one every reader is told not to trust, and sending in
 * the clear instead is no answer. An unknown status is a warning.
 */
static int
cert_revoked(const struct send_opts *o, int sign, const char *addr,
    const uint8_t *der, size_t len, struct smerr *e)
{
	enum crypto_rev	 st;
	char		*why = NULL;
	int		 r;

	if (o->revoke == NULL)
		return 0;
	if ((r = crypto_revoke_der(o->revoke, der, len, &st, &why, e)) != 0)
		return r;
	if (st == CRYPTO_REV_REVOKED)
		r = smerr_set(e, SMERR_CRYPTO, "cannot %s %s: %s%s", sign ?
		    "sign as" : "encrypt to", addr, why != NULL ? why :
		    "the certificate is revoked", sign ? "; import a new "
		    "identity or send unsigned" : "");
	else if (st == CRYPTO_REV_UNKNOWN && why != NULL)
		warnf(o, "%s %s: %s", sign ? "signing as" : "encrypting to",
		    addr, why);
	free(why);
	return r;
}

/* Recipient certificates; *okp is 0 when some recipient has none. */
static int
find_recipients(const struct send_opts *o, const struct mime_out *mo,
    struct protect_rcpt *rc, int *okp, struct smerr *e)
{
	struct smerr	 e2;
	struct buf	*bare = NULL;
	const char	*src;
	uint8_t		*der;
	size_t		 i, len;
	int		 r, must;

	*okp = 1;
	/* An answer to encrypted mail: encrypted, or every gap named. */
	must = o->answers_enc && o->encrypt == APP_ENCRYPT_AUTO;
	if (must && (bare = buf_new(0)) == NULL)
		return smerr_nomem(e);
	for (i = 0; i < mo->nrcpt; i++) {
		smerr_clear(&e2);
		r = keys_find_recipient(o->keys, o->dns, mo->rcpt[i], &der,
		    &len, &src, &e2);
		if (r == SMERR_DNSSEC) {
			/* A forged answer must not decide anything. */
			r = smerr_set(e, r, "%s", smerr_msg(&e2));
			goto out;
		}
		if (r != 0 && must) {
			*okp = 0;
			if ((r = buf_printf(bare, "%s%s", buf_len(bare) > 0 ?
			    ", " : "", mo->rcpt[i])) != 0) {
				r = smerr_nomem(e);
				goto out;
			}
			continue;
		}
		if (r != 0) {
			*okp = 0;
			if (o->encrypt == APP_ENCRYPT_YES) {
				r = smerr_set(e, SMERR_NOTFOUND, "cannot "
				    "encrypt to %s: %s", mo->rcpt[i],
				    smerr_msg(&e2));
				goto out;
			}
			/* The lookup's own line names the address. */
			if (r == SMERR_NOTFOUND)
				warnf(o, "sending unencrypted: %s",
				    smerr_msg(&e2));
			else
				warnf(o, "sending unencrypted: no usable "
				    "certificate for %s (%s)", mo->rcpt[i],
				    smerr_msg(&e2));
			r = 0;
			goto out;
		}
		rc[i].cert = der;
		rc[i].cert_len = len;
		if ((r = cert_revoked(o, 0, mo->rcpt[i], der, len, e)) != 0)
			goto out;
		/* The user is told where a certificate not of their own came from. */
		if (src != NULL && strcmp(src, "smimea") == 0)
			warnf(o, "encrypting to %s with the certificate "
			    "published in DNS (SMIMEA, DNSSEC-secure)",
			    mo->rcpt[i]);
		else if (src != NULL && strcmp(src, "harvested") == 0)
			warnf(o, "encrypting to %s with the certificate from "
			    "mail they signed", mo->rcpt[i]);
		/* Unknown capabilities (or a failure to read them) mean CBC. */
		smerr_clear(&e2);
		if (keys_caps_recall(o->keys, der, len, &rc[i].caps,
		    &e2) != 0)
			rc[i].caps = 0;
	}
	/* Never in the clear unless the user says so. */
	r = !*okp ? smerr_set(e, SMERR_NOTFOUND, "not sent: it answers "
	    "encrypted mail, so it goes encrypted, and there is no usable "
	    "certificate for %s; sealmail send --no-encrypt sends it in "
	    "clear", buf_str(bare)) : 0;
out:
	buf_free(bare);
	return r;
}

/* What every copy of one message shares as it is queued. */
struct queue_ctx {
	const struct send_opts	*o;
	const struct mime_out	*mo;
	const void		*text;		/* as the user wrote it */
	size_t			 len;
	int			 copies;	/* queued so far */
};

/* Queues one copy: headers + entity, for the n addresses at rcpt. */
static int
queue_copy(struct queue_ctx *qc, const struct buf *entity, char *const *rcpt,
    size_t n, int64_t *idp, struct smerr *e)
{
	const struct send_opts	*o = qc->o;
	const struct mime_out	*mo = qc->mo;
	struct store_outbox	 ob;
	struct buf		*msg = NULL, *list = NULL;
	size_t			 i;
	int			 r;

	if ((r = mime_join(mo->headers, entity, &msg, e)) != 0)
		goto out;
	if ((list = buf_new(0)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (buf_printf(list, "%s%s", i ? "," : "", rcpt[i]) != 0) {
			r = smerr_nomem(e);
			goto out;
		}
	memset(&ob, 0, sizeof(ob));
	ob.account = o->acct->name;
	ob.message_id = mo->msgid;
	ob.from = mo->from;
	ob.recipients = buf_str(list);
	ob.subject = mo->subject;
	ob.body = buf_data(msg);
	ob.body_len = buf_len(msg);
	ob.created = time(NULL);
	ob.copy = qc->copies;
	ob.source = qc->text;
	ob.source_len = qc->len;
	if ((r = store_outbox_add(o->store, &ob, idp, e)) == 0)
		qc->copies++;
out:
	buf_free(msg);
	buf_free(list);
	return r;
}

/*
 * Encrypts inner to the n recipients at rc (and to the sender) and queues
 * it for the n addresses at rcpt.
 */
static int
queue_sealed(struct queue_ctx *qc, const struct buf *inner,
    const struct protect_rcpt *rc, char *const *rcpt, size_t n,
    const struct ident_find *me, const char **cipher, int64_t *idp,
    struct smerr *e)
{
	struct protect_opts	 po;
	struct buf		*ent = NULL;
	int			 r;

	memset(&po, 0, sizeof(po));
	po.rcpt = rc;
	po.nrcpt = n;
	po.self = me->der;
	po.self_len = me->len;
	if ((r = protect_entity(&po, inner, &ent, cipher, e)) == 0)
		r = queue_copy(qc, ent, rcpt, n, idp, e);
	buf_free(ent);
	return r;
}

/*
 * What is sealed or sent, into *outp (new; NULL: mo->entity as it is):
 * the entity with its header fields inside (RFC 9788) unless the account
 * does without, signed when po has a signer. A sealed message's outer
 * Subject becomes "[...]": mo's outer fields are replaced.
 */
static int
payload_make(const struct send_opts *o, struct mime_out *mo,
    const struct protect_opts *po, int encrypt, struct buf **outp,
    struct smerr *e)
{
	struct buf	*payload = NULL, *outer = NULL;
	int		 r;

	*outp = NULL;
	if (o->acct->header_protection && (po->signer != NULL || encrypt)) {
		if ((r = mime_hp_protect(mo, encrypt, o->acct->legacy_display,
		    &payload, &outer, e)) != 0)
			return r;
		if (outer != NULL) {
			buf_free(mo->headers);
			mo->headers = outer;
		}
	}
	if (po->signer == NULL) {
		*outp = payload;
		return 0;
	}
	r = protect_entity(po, payload != NULL ? payload : mo->entity, outp,
	    NULL, e);
	buf_free(payload);
	return r;
}

static int
outbox_keep_file(struct store *st, int64_t id,
    const struct mime_attachment *a, struct smerr *e)
{
	struct store_draft_file	 f;

	memset(&f, 0, sizeof(f));
	f.name = a->filename;
	f.type = a->ctype != NULL ? a->ctype : "application/octet-stream";
	f.data = a->data;
	f.len = a->len;
	return store_outbox_file_add(st, id, &f, e);
}

/*
 * Queues every copy of the message in one transaction, with the check
 * that its Message-ID is new, and removes the draft it came from: the
 * text is always either a draft or queued, never both or neither (a
 * draft another process took meanwhile is SMERR_EXISTS, as a Message-ID
 * already queued: nothing is queued, and nothing is kept). With
 * rc (encrypting), each Bcc recipient gets a copy of their own, so that
 * no RecipientInfo shows the others who got the message; unencrypted,
 * Bcc is in no header field and one copy serves everyone.
 */
static int
queue_all(struct queue_ctx *qc, const struct buf *use,
    const struct protect_rcpt *rc, const struct ident_find *me,
    struct send_queued *q, struct smerr *e)
{
	const struct mime_out	*mo = qc->mo;
	struct store		*st = qc->o->store;
	int64_t			 id;
	size_t			 i, nmain;
	int			 r;

	if ((r = store_begin(st, e)) != 0)
		return r;
	if (rc == NULL)
		r = queue_copy(qc, use, mo->rcpt, mo->nrcpt, &q->id, e);
	else {
		nmain = mo->nrcpt - mo->nbcc;
		if (nmain > 0)
			r = queue_sealed(qc, use, rc, mo->rcpt, nmain, me,
			    &q->cipher, &q->id, e);
		for (i = nmain; r == 0 && i < mo->nrcpt; i++) {
			r = queue_sealed(qc, use, rc + i, mo->rcpt + i, 1, me,
			    nmain > 0 ? NULL : &q->cipher, &id, e);
			if (q->id == 0)
				q->id = id;
		}
	}
	if (r == 0 && qc->o->draft > 0 &&
	    (r = store_draft_delete(st, qc->o->draft, e)) == SMERR_NOTFOUND) {
		/* Taken since it was read: not this process's to keep. */
		smerr_clear(e);
		r = smerr_set(e, SMERR_EXISTS, "draft %lld is gone: another "
		    "process queued, sent or deleted it meanwhile",
		    (long long)qc->o->draft);
	}
	/* The files, for the message to become a draft again. */
	for (i = 0; r == 0 && i < qc->o->natt; i++)
		r = outbox_keep_file(st, q->id, &qc->o->att[i], e);
	if (r != 0) {
		store_rollback(st);
		return r;
	}
	return store_commit(st, e);
}

int
send_queue(const struct send_opts *o, const void *text, size_t len,
    struct send_queued *q, struct smerr *e)
{
	struct mime_out		*mo = NULL;
	struct protect_rcpt	*rc = NULL;
	struct protect_signer	 signer;
	struct protect_opts	 po;
	struct ident_find	 me;
	struct pool		 pool;
	const uint8_t		*chain[CHAIN_MAX];
	size_t			 chain_len[CHAIN_MAX];
	const struct crypto_keyhook *hook;
	struct buf		*inner = NULL;
	const struct buf	*use;
	struct queue_ctx	 qc;
	size_t			 i;
	int			 r, all_certs = 0, have_me, encrypt = 0;

	memset(q, 0, sizeof(*q));
	memset(&me, 0, sizeof(me));
	memset(&pool, 0, sizeof(pool));
	memset(&po, 0, sizeof(po));
	memset(&signer, 0, sizeof(signer));
	if ((r = app_draft_check_private(text, len, e)) != 0 ||
	    (r = mime_compose_attach(text, len, o->acct->display_name,
	    o->acct->address, o->att, o->natt, &mo, e)) != 0)
		goto out;
	if (!idn_addr_eq(mo->from, o->acct->address)) {
		r = smerr_set(e, SMERR_INVAL, "From %s is not the address of "
		    "account %s (%s)", mo->from, o->acct->name,
		    o->acct->address);
		goto out;
	}
	/* Early, before any work; queue_all checks again, atomically. */
	if ((r = store_outbox_check_new(o->store, mo->msgid, e)) != 0)
		goto out;
	r = find_identity(o, mo->from, &me, e);
	if (r < 0 && r != SMERR_NOTFOUND)
		goto out;
	have_me = r == 0;
	r = 0;
	if (o->sign) {
		if (!have_me) {
			r = smerr_set(e, SMERR_NOTFOUND, "no identity for %s: "
			    "keys import FILE.p12, or turn signing off",
			    mo->from);
			goto out;
		}
		if ((r = cert_revoked(o, 1, mo->from, me.der,
		    me.len, e)) != 0)
			goto out;
		/* The key agent signs; this process never holds the key. */
		if ((r = agent_hook(o->keys, &hook, e)) != 0)
			goto out;
		if ((r = signer_chain(o, &me, &pool, chain, chain_len,
		    &signer.nchain, e)) != 0)
			goto out;
		signer.cert = me.der;
		signer.cert_len = me.len;
		signer.hook = hook;
		signer.pss = o->pss;
		signer.chain = chain;
		signer.chain_len = chain_len;
		po.signer = &signer;
	}
	if (o->encrypt != APP_ENCRYPT_NO) {
		if ((rc = calloc(mo->nrcpt, sizeof(*rc))) == NULL) {
			r = smerr_nomem(e);
			goto out;
		}
		if ((r = find_recipients(o, mo, rc, &all_certs, e)) != 0)
			goto out;
		encrypt = all_certs;
		if (encrypt && !have_me)
			warnf(o, "no identity for %s: the copy in Sent will "
			    "not open for you", mo->from);
	}
	/* Signed once; every encrypted copy carries the same signature. */
	if ((r = payload_make(o, mo, &po, encrypt, &inner, e)) != 0) {
		if (po.signer != NULL && agent_lost())
			r = smerr_reset(e, SMERR_IO, "%s", AGENT_LOST_MSG);
		goto out;
	}
	use = inner != NULL ? inner : mo->entity;
	memset(&qc, 0, sizeof(qc));
	qc.o = o;
	qc.mo = mo;
	qc.text = text;
	qc.len = len;
	if ((r = queue_all(&qc, use, encrypt ? rc : NULL, &me, q, e)) != 0)
		goto out;
	snprintf(q->msgid, sizeof(q->msgid), "%s", mo->msgid);
	q->is_signed = po.signer != NULL;
	q->nrcpt = mo->nrcpt;
out:
	if (rc != NULL && mo != NULL)
		for (i = 0; i < mo->nrcpt; i++)
			free((void *)rc[i].cert);
	free(rc);
	free(me.der);
	pool_clear(&pool);
	buf_free(inner);
	mime_out_free(mo);
	return r;
}

/* A private copy of one outbox entry. */
struct entry {
	int64_t		 id;
	int		 found;
	int		 sent;
	int		 appended;
	int		 copy;
	char		*msgid;
	char		*from;
	char		*rcpts;
	struct buf	*body;
	struct buf	*source;	/* the text as written, or NULL */
};

static int
entry_cb(const struct store_outbox *ob, void *arg)
{
	struct entry	*en = arg;

	en->found = 1;
	en->sent = ob->sent;
	en->appended = ob->appended;
	en->copy = ob->copy;
	if ((en->msgid = strdup(ob->message_id != NULL ? ob->message_id :
	    "")) == NULL ||
	    (en->from = strdup(ob->from != NULL ? ob->from : "")) == NULL ||
	    (en->rcpts = strdup(ob->recipients != NULL ? ob->recipients :
	    "")) == NULL || (en->body = buf_new(0)) == NULL ||
	    buf_put(en->body, ob->body, ob->body_len) != 0)
		en->found = -1;
	else if (ob->source != NULL && ((en->source = buf_new_secret(0)) ==
	    NULL || buf_put(en->source, ob->source, ob->source_len) != 0))
		en->found = -1;
	return 1;
}

static void
entry_clear(struct entry *en)
{
	free(en->msgid);
	free(en->from);
	free(en->rcpts);
	buf_free(en->body);
	buf_free(en->source);
}

/*
 * The password for server as of o's account, then where the server is.
 * The caller frees *pwp and *lkp, failed or not.
 */
static int
send_server(const struct send_opts *o, const struct app_server *as,
    char **pwp, struct net_server *srv, struct net_lookup **lkp,
    struct smerr *e)
{
	int	r;

	if ((r = send_password(o, as, pwp, e)) != 0)
		return r;
	return app_server_lookup(o->acct, as, o->dns, o->dns_addr, srv, lkp,
	    e);
}

/* Entry id of store is about to be handed over to the server. */
struct data_mark {
	struct store	*store;
	int64_t		 id;
};

static int
data_mark(void *arg, struct smerr *e)
{
	struct data_mark	*dm = arg;

	return store_outbox_data(dm->store, dm->id, e);
}

/* An SMTP session of o's account, logged in, and where its server is. */
struct session {
	struct smtp		*s;
	struct net_lookup	*lk;
};

/* QUIT, or with failed nothing more said to the server; then free. */
static void
session_close(struct session *ss, int failed)
{
	if (failed)
		smtp_abort(ss->s);
	else
		smtp_close(ss->s);
	net_lookup_free(ss->lk);
	memset(ss, 0, sizeof(*ss));
}

/*
 * Opens ss and logs in, the store told through dm when the message data
 * of an entry is about to go. On failure ss holds no session.
 */
static int
session_open(const struct send_opts *o, struct session *ss,
    struct data_mark *dm, struct smerr *e)
{
	struct net_server	 srv;
	char			*pw = NULL;
	int			 r;

	memset(ss, 0, sizeof(*ss));
	if (!o->acct->has_smtp)
		return smerr_set(e, SMERR_CONFIG, "account %s has no smtp "
		    "server: add smtp = submission://HOST to its section of "
		    "the configuration", o->acct->name);
	if ((r = send_server(o, &o->acct->smtp, &pw, &srv, &ss->lk,
	    e)) == 0 && (r = smtp_open(&srv, &ss->s, e)) == 0) {
		smtp_set_data_hook(ss->s, data_mark, dm);
		r = send_login_hint(o->acct, &o->acct->smtp, o->home, 0,
		    smtp_login(ss->s, app_account_login(o->acct), pw, e), e);
	}
	secmem_strfree(pw);
	if (r != 0)
		session_close(ss, 1);
	return r;
}

/* en's recipients into rcpt (at most max), splitting en->rcpts in place. */
static size_t
entry_rcpts(struct entry *en, const char **rcpt, size_t max)
{
	char	*p, *save = NULL;
	size_t	 n = 0;

	for (p = strtok_r(en->rcpts, ",", &save); p != NULL && n < max;
	    p = strtok_r(NULL, ",", &save))
		rcpt[n++] = p;
	return n;
}

/*
 * Submits one entry. *in_doubt is set when the submission failed after
 * the server took the message data without answering it: the message
 * may have been delivered. The store hears when the data is about to go,
 * so that a process killed before it leaves the entry queued.
 */
static int
submit(const struct send_opts *o, struct entry *en, int *in_doubt,
    struct smerr *e)
{
	struct session		 ss;
	struct smtp_reply	 fin;
	struct data_mark	 dm = { o->store, en->id };
	const char		*rcpt[MIME_BUILD_MAX_RCPT];
	size_t			 n;
	int			 r;

	if ((n = entry_rcpts(en, rcpt, MIME_BUILD_MAX_RCPT)) == 0)
		return smerr_set(e, SMERR_INVAL,
		    "the message has no recipient");
	memset(&fin, 0, sizeof(fin));
	if ((r = session_open(o, &ss, &dm, e)) == 0 &&
	    (r = smtp_send(ss.s, en->from, rcpt, n, buf_data(en->body),
	    buf_len(en->body), NULL, &fin, e)) != 0)
		*in_doubt = smtp_data_began(ss.s) && fin.code == 0;
	session_close(&ss, r != 0);
	return r;
}

/* The Sent folder: SPECIAL-USE \Sent, else one named Sent. */
static int
sent_folder(struct imap *s, char **namep, struct smerr *e)
{
	struct imap_folder	*f = NULL;
	size_t			 n = 0, i;
	const char		*pick = NULL;
	int			 r;

	*namep = NULL;
	if ((r = imap_list(s, 0, &f, &n, e)) != 0)
		return r;
	for (i = 0; i < n && pick == NULL; i++)
		if (f[i].flags & IMAP_F_SENT)
			pick = f[i].name;
	for (i = 0; i < n && pick == NULL; i++)
		if (strcasecmp(f[i].name, "Sent") == 0 ||
		    strcasecmp(f[i].name, "INBOX.Sent") == 0)
			pick = f[i].name;
	if ((*namep = strdup(pick != NULL ? pick : "Sent")) == NULL)
		r = smerr_nomem(e);
	imap_folders_free(f, n);
	return r;
}

/*
 * The user's copy for Sent: the message as sent, with a Bcc field first
 * when the user wrote one, so that it says who got the message unseen (no
 * copy that leaves names them). *outp is NULL when there is none to add.
 */
static int
sent_copy(const struct entry *en, struct buf **outp, struct smerr *e)
{
	struct buf	*list = NULL, *o = NULL;
	const char	*p, *q;
	char		*v = NULL;
	int		 r = 0;

	*outp = NULL;
	if (en->source == NULL || (v = mime_header_find(buf_data(en->source),
	    buf_len(en->source), "Bcc")) == NULL)
		return 0;
	if ((list = buf_new(0)) == NULL || mime_addr_list(v, list) != 0) {
		r = smerr_nomem(e);
		goto out;
	}
	if (buf_len(list) == 0)
		goto out;
	if ((o = buf_new(0)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	/* An address a line: the list may be long, an address never is. */
	r |= buf_puts(o, "Bcc: ");
	for (p = buf_str(list); (q = strchr(p, ',')) != NULL; p = q + 1) {
		r |= buf_put(o, p, (size_t)(q - p));
		r |= buf_puts(o, ",\r\n ");
	}
	r |= buf_puts(o, p);
	r |= buf_puts(o, "\r\n");
	r |= buf_put(o, buf_data(en->body), buf_len(en->body));
	if (r != 0) {
		r = smerr_set(e, SMERR_LIMIT, "the copy for Sent is too large");
		goto out;
	}
	*outp = o;
	o = NULL;
out:
	buf_free(o);
	buf_free(list);
	free(v);
	return r;
}

/*
 * Whether folder already holds en's copy: an APPEND cut off before its
 * answer may have stored it. A folder or search the server refuses is
 * taken for no copy, so that the copy is made rather than lost.
 */
static int
sent_has(struct imap *s, const char *folder, const struct entry *en,
    int *hasp, struct smerr *e)
{
	struct imap_mailbox	mb;
	uint32_t		uid = 0;
	int			r;

	*hasp = 0;
	if (*en->msgid == '\0')
		return 0;
	if ((r = imap_select(s, folder, 1, &mb, e)) == 0)
		r = imap_search_header(s, "Message-ID", en->msgid, &uid, e);
	if (r == SMERR_REFUSED) {
		smerr_clear(e);
		return 0;
	}
	*hasp = uid != 0;
	return r;
}

/*
 * Appends en's copy for Sent to the Sent folder over s, as seen. Once a
 * copy was tried before (retry), one found there by its Message-ID is
 * not made again.
 */
static int
append_on(struct imap *s, const struct entry *en, int retry,
    struct smerr *e)
{
	struct buf		*copy = NULL;
	const struct buf	*msg;
	char			*folder = NULL;
	int			 r, has = 0;

	if ((r = sent_copy(en, &copy, e)) != 0)
		return r;
	msg = copy != NULL ? copy : en->body;
	if ((r = sent_folder(s, &folder, e)) == 0 && retry)
		r = sent_has(s, folder, en, &has, e);
	if (r == 0 && !has)
		r = imap_append(s, folder, "\\Seen", 0, buf_data(msg),
		    buf_len(msg), NULL, NULL, e);
	free(folder);
	buf_free(copy);
	return r;
}

/*
 * Appends en's copy for Sent over a session of its own; with claim, once
 * the store has given this process the copy to make.
 */
static int
append_sent(const struct send_opts *o, struct entry *en, int claim,
    struct smerr *e)
{
	struct net_server	 srv;
	struct net_lookup	*lk = NULL;
	struct imap		*s = NULL;
	char			*pw = NULL;
	int			 r;

	if (!o->acct->has_imap)
		return smerr_set(e, SMERR_CONFIG, "account %s has no imap "
		    "server", o->acct->name);
	if ((claim && (r = store_outbox_claim_append(o->store, en->id,
	    e)) != 0) ||
	    (r = send_server(o, &o->acct->imap, &pw, &srv, &lk, e)) != 0 ||
	    (r = imap_open(&srv, &s, e)) != 0 ||
	    (r = send_login_hint(o->acct, &o->acct->imap, o->home, 0,
	    imap_login(s, app_account_login(o->acct), pw, e), e)) != 0 ||
	    (r = append_on(s, en, en->sent, e)) != 0) {
		imap_abort(s);
		s = NULL;
	}
	imap_close(s);
	net_lookup_free(lk);
	secmem_strfree(pw);
	return r;
}

/* How many times the store is asked to record a message sent. */
#define RECORD_TRIES	3

/*
 * Records entry id as sent once the server took it (appended: there is
 * no copy to Sent to make), asked again when the store fails, as one
 * busy past its wait may not the next time. When it cannot, a note
 * beside the store keeps the fact until it can (store_outbox_accepted),
 * *unrecp is set, and e says that the message was delivered: never that
 * it was not sent, which would have the user send it again.
 */
static int
record_sent(const struct send_opts *o, int64_t id, int appended,
    int *unrecp, struct smerr *e)
{
	struct smerr	e2, e3;
	int		i, r = 0;

	for (i = 0; i < RECORD_TRIES; i++) {
		smerr_clear(&e2);
		if ((r = store_outbox_sent(o->store, id, appended, &e2)) == 0)
			return 0;
	}
	*unrecp = 1;
	smerr_clear(&e3);
	if (store_outbox_accepted(o->store, id, &e3) == 0)
		return smerr_reset(e, r, "message %lld was delivered (the "
		    "server took it), but the store could not record it: %s; "
		    "the outbox records it as sent once the store can, and "
		    "does not send it again", (long long)id, smerr_msg(&e2));
	return smerr_reset(e, r, "message %lld was delivered (the server "
	    "took it), but the store could not record it: %s; the outbox "
	    "shows it in doubt: do not send it again", (long long)id,
	    smerr_msg(&e2));
}

/*
 * The server took en, but the store could not record it (r, why in e):
 * its copy to Sent is made all the same when it is the one kept there
 * (first), and the record tried once more. 0 when that worked after all,
 * else r with e as it was.
 */
static int
unrecorded_end(const struct send_opts *o, struct entry *en, int first, int r,
    struct smerr *e)
{
	struct smerr	e2;
	int		appended = !first || en->appended;

	smerr_clear(&e2);
	if (!appended && append_sent(o, en, 0, &e2) != 0)
		warnf(o, "sent, but not copied to Sent: %s", smerr_msg(&e2));
	else
		appended = 1;
	smerr_clear(&e2);
	if (store_outbox_sent(o->store, en->id, appended, &e2) != 0)
		return r;
	store_outbox_accepted_done(o->store, en->id);
	smerr_clear(e);
	return 0;
}

/*
 * Claims entry id, submits it and records how that went. A failure after
 * the message data began leaves it in doubt: it may have arrived, and is
 * not tried again unless the user names it. *unrecp is set when the
 * server took it and the store could not record that (record_sent).
 */
static int
deliver_claimed(const struct send_opts *o, struct entry *en, int *firstp,
    int *doubtp, int *unrecp, struct smerr *e)
{
	struct smerr	 e2;
	int		 r, in_doubt = 0;

	if ((r = store_outbox_claim(o->store, en->id, o->force, e)) != 0)
		return r;
	/*
	 * Copies of one message (Bcc recipients get their own) share a
	 * Message-ID; only the first is kept in Sent.
	 */
	*firstp = en->copy == 0;
	if ((r = submit(o, en, &in_doubt, e)) != 0) {
		smerr_clear(&e2);
		(void)store_outbox_release(o->store, en->id, in_doubt,
		    smerr_msg(e), &e2);
		/* Not "not sent": the server may have taken it. */
		if (in_doubt) {
			*doubtp = 1;
			smerr_reset(&e2, r, "%s", smerr_msg(e));
			smerr_reset(e, r, "%s; the message data went out, so "
			    "it may have been delivered", smerr_msg(&e2));
		}
		return r;
	}
	return record_sent(o, en->id, !*firstp, unrecp, e);
}

/* A private copy of outbox entry id into en (cleared by the caller). */
static int
entry_load(const struct send_opts *o, int64_t id, struct entry *en,
    struct smerr *e)
{
	int	r;

	en->id = id;
	if ((r = store_outbox_get(o->store, id, entry_cb, en, e)) != 0)
		return r;
	if (en->found == 0)
		return smerr_set(e, SMERR_NOTFOUND, "no outbox entry %lld",
		    (long long)id);
	if (en->found < 0)
		return smerr_nomem(e);
	return 0;
}

/* The copy to Sent of en, sent: a failure is a warning, not an error. */
static int
copy_to_sent(const struct send_opts *o, struct entry *en, struct smerr *e)
{
	struct smerr	e2;

	if (en->appended)
		return 0;
	smerr_clear(&e2);
	if (append_sent(o, en, 1, &e2) != 0) {
		warnf(o, "sent, but not copied to Sent: %s", smerr_msg(&e2));
		return 0;
	}
	return store_outbox_sent(o->store, en->id, 1, e);
}

/*
 * send_deliver; *doubtp is set when it left the entry in doubt, and
 * *unrecp too when the server took it but the store could not record it.
 */
static int
deliver_one(const struct send_opts *o, int64_t id, int *doubtp,
    int *unrecp, struct smerr *e)
{
	struct entry	 en;
	int		 r, first = 1, unrec = 0;

	memset(&en, 0, sizeof(en));
	if ((r = entry_load(o, id, &en, e)) != 0)
		goto out;
	if (!en.sent) {
		r = deliver_claimed(o, &en, &first, doubtp, &unrec, e);
		if (unrec && (r = unrecorded_end(o, &en, first, r, e)) != 0)
			*doubtp = *unrecp = 1;
		if (r != 0 || unrec || !first)
			goto out;
	}
	r = copy_to_sent(o, &en, e);
out:
	entry_clear(&en);
	return r;
}

/* The entries of an account sent and not yet copied to Sent. */
struct uncopied {
	const char	*account;
	struct vec_ids	 ids;
};

static int
uncopied_cb(const struct store_outbox *ob, void *arg)
{
	struct uncopied	*u = arg;

	if (!ob->sent || ob->appended || ob->account == NULL ||
	    strcmp(ob->account, u->account) != 0)
		return 0;
	return vec_ids_add(&u->ids, ob->id);
}

/* Copies entry id to Sent over im, unless another process does. */
static int
copy_one(struct store *st, struct imap *im, int64_t id, size_t *donep,
    struct smerr *e)
{
	struct entry	 en;
	int		 r;

	memset(&en, 0, sizeof(en));
	en.id = id;
	r = store_outbox_claim_append(st, id, e);
	if (r == SMERR_EXISTS || r == SMERR_NOTFOUND) {
		smerr_clear(e);
		return 0;
	}
	if (r == 0 && (r = store_outbox_get(st, id, entry_cb, &en, e)) == 0 &&
	    en.found < 0)
		r = smerr_nomem(e);
	if (r == 0 && en.found > 0 && (r = append_on(im, &en, 1, e)) == 0 &&
	    (r = store_outbox_sent(st, id, 1, e)) == 0 && donep != NULL)
		(*donep)++;
	entry_clear(&en);
	return r;
}

int
send_copy_sent(struct store *st, struct imap *im, const char *account,
    size_t *donep, struct smerr *e)
{
	struct uncopied	 u;
	size_t		 i;
	int		 r;

	memset(&u, 0, sizeof(u));
	u.account = account;
	if ((r = store_outbox_foreach(st, uncopied_cb, &u, e)) == 0 &&
	    (r = vec_ids_check(&u.ids, e)) == 0)
		for (i = 0; i < u.ids.n && r == 0; i++)
			r = copy_one(st, im, u.ids.v[i], donep, e);
	free(u.ids.v);
	return r;
}

struct id_list {
	const char	*msgid;
	struct vec_ids	 ids;
};

static int
ids_cb(const struct store_outbox *ob, void *arg)
{
	struct id_list	*l = arg;

	if (ob->sent || ob->message_id == NULL ||
	    strcmp(ob->message_id, l->msgid) != 0)
		return 0;
	return vec_ids_add(&l->ids, ob->id);
}

/* One copy of a message sent with others: its recipients, how it went. */
struct copy_out {
	size_t		 start;		/* its recipients in group.all */
	size_t		 n;
	int		 sent;
	int		 doubt;
	int		 unrec;		/* sent, the store's record late or
					   missing: its copy to Sent done */
	struct smerr	 why;		/* when not sent */
};

/* The copies of one message, sent over one session. */
struct group {
	struct entry	*en;
	struct copy_out	*out;
	size_t		 n;
	const char	*all[MIME_BUILD_MAX_RCPT];	/* every copy's */
	size_t		 nall;
	size_t		 maxlen;
};

/* Every copy's recipients into g->all, and the largest copy's size. */
static int
group_rcpts(struct group *g, struct smerr *e)
{
	struct copy_out	*c;
	size_t		 i;

	for (i = 0; i < g->n; i++) {
		c = &g->out[i];
		c->start = g->nall;
		c->n = entry_rcpts(&g->en[i], g->all + g->nall,
		    MIME_BUILD_MAX_RCPT - g->nall);
		if (c->n == 0)
			return smerr_set(e, SMERR_INVAL, "message %lld has no "
			    "recipient, or the message has too many",
			    (long long)g->en[i].id);
		g->nall += c->n;
		if (buf_len(g->en[i].body) > g->maxlen)
			g->maxlen = buf_len(g->en[i].body);
	}
	return 0;
}

/*
 * Sends the copies of g over one session once the server has taken every
 * recipient of every copy (smtp_check): if it refuses one, no copy goes.
 * A failure before the first copy is the return value; after that, each
 * copy's outcome is in g->out, and a copy that breaks the session leaves
 * the ones after it unsent with its reason.
 */
static int
group_submit(const struct send_opts *o, struct group *g, struct smerr *e)
{
	struct session		 ss;
	struct smtp_reply	 fin;
	struct data_mark	 dm = { o->store, 0 };
	struct copy_out		*c;
	const struct smerr	*broke = NULL;
	size_t			 i;
	int			 r;

	if ((r = group_rcpts(g, e)) != 0)
		return r;
	if ((r = session_open(o, &ss, &dm, e)) != 0)
		return r;
	if ((r = smtp_check(ss.s, g->en[0].from, g->all, g->nall, g->maxlen,
	    e)) != 0) {
		session_close(&ss, !smtp_alive(ss.s));
		return r;
	}
	for (i = 0; i < g->n; i++) {
		c = &g->out[i];
		if (broke != NULL) {
			c->why = *broke;
			continue;
		}
		dm.id = g->en[i].id;
		smerr_clear(&c->why);
		memset(&fin, 0, sizeof(fin));
		if (smtp_send(ss.s, g->en[i].from, g->all + c->start, c->n,
		    buf_data(g->en[i].body), buf_len(g->en[i].body), NULL,
		    &fin, &c->why) == 0) {
			c->sent = 1;
			continue;
		}
		c->doubt = smtp_data_began(ss.s) && fin.code == 0;
		if (!smtp_alive(ss.s))
			broke = &c->why;
	}
	session_close(&ss, broke != NULL);
	return 0;
}

/* How copy c went: 1 sent, 2 perhaps (in doubt), 0 not sent. */
static int
copy_went(const struct copy_out *c)
{
	return c->sent ? 1 : c->doubt ? 2 : 0;
}

/* ", " and the recipients of the copies that went so (copy_went) into b. */
static int
group_names(const struct group *g, int went, const char *head,
    struct buf *b)
{
	size_t	i, j;
	int	r = 0, any = 0;

	for (i = 0; i < g->n; i++) {
		if (copy_went(&g->out[i]) != went)
			continue;
		for (j = 0; j < g->out[i].n; j++)
			r |= buf_printf(b, "%s%s", any++ ? ", " : head,
			    g->all[g->out[i].start + j]);
	}
	return r;
}

/*
 * Records copy i as sent; one the store could not record has its copy to
 * Sent made and is asked again (unrecorded_end). 0, or why it is not
 * recorded into e, with *doubtp (may be NULL) and *unrecp set.
 */
static int
group_sent(const struct send_opts *o, struct group *g, size_t i,
    int64_t *doubtp, int *unrecp, struct smerr *e)
{
	struct entry	*en = &g->en[i];
	int		 r;

	if ((r = record_sent(o, en->id, en->copy != 0, &g->out[i].unrec,
	    e)) == 0 || (r = unrecorded_end(o, en, en->copy == 0, r, e)) == 0)
		return 0;
	if (doubtp != NULL && *doubtp == 0)
		*doubtp = en->id;
	if (unrecp != NULL)
		*unrecp = 1;
	return r;
}

/*
 * Records each copy's outcome: sent, or back in the outbox (in doubt
 * when its data went out unanswered) with its reason, which, when other
 * copies went, names who got the message and who did not. The first
 * failure is the answer, the others are warnings; a copy sent that the
 * store could not record comes first, as it says the message went.
 */
static int
group_record(const struct send_opts *o, struct group *g, int64_t *doubtp,
    int *unrecp, struct smerr *e)
{
	struct buf	*note = NULL;
	struct smerr	 why, e2, store_err;
	size_t		 i, nsent = 0;
	int		 r = 0, first_err = 0;

	for (i = 0; i < g->n; i++)
		nsent += g->out[i].sent;
	/*
	 * Who did not get it first: a reason is one line of a bounded length,
	 * and what is cut is then of those who did. Without memory for the
	 * names, each copy is recorded all the same.
	 */
	if (nsent > 0 && nsent < g->n && ((note = buf_new(0)) == NULL ||
	    group_names(g, 0, "; not to ", note) != 0 ||
	    group_names(g, 2, "; perhaps to ", note) != 0 ||
	    group_names(g, 1, "; the message went to ", note) != 0)) {
		buf_free(note);
		note = NULL;
	}
	for (i = 0; i < g->n; i++) {
		if (g->out[i].sent) {
			/* A copy not recorded stops none of the others. */
			smerr_clear(&e2);
			if (group_sent(o, g, i, doubtp, unrecp, &e2) == 0)
				continue;
			if (r == 0) {
				r = e2.code;
				store_err = e2;
			} else
				warnf(o, "%s", smerr_msg(&e2));
			continue;
		}
		smerr_reset(&why, g->out[i].why.code, "%s%s%s",
		    smerr_msg(&g->out[i].why), g->out[i].doubt ? "; the "
		    "message data went out, so it may have been delivered" : "",
		    note != NULL ? buf_str(note) : "");
		smerr_clear(&e2);
		(void)store_outbox_release(o->store, g->en[i].id,
		    g->out[i].doubt, smerr_msg(&why), &e2);
		if (g->out[i].doubt && doubtp != NULL && *doubtp == 0)
			*doubtp = g->en[i].id;
		if (first_err == 0) {
			first_err = why.code != 0 ? why.code : SMERR_NET;
			*e = why;
		} else
			warnf(o, "%s", smerr_msg(&why));
	}
	buf_free(note);
	if (r != 0 && first_err != 0)
		warnf(o, "%s", smerr_msg(e));
	if (r != 0)
		*e = store_err;
	return r != 0 ? r : first_err;
}

/*
 * Delivers the n entries at ids, the copies of one message, all or none
 * as far as SMTP allows: claimed together, every recipient asked for
 * before the first copy goes, and nothing sent when one is refused.
 */
static int
deliver_group(const struct send_opts *o, const int64_t *ids, size_t n,
    int64_t *doubtp, int *unrecp, struct smerr *e)
{
	struct group	 g;
	struct smerr	 e2;
	size_t		 i;
	int		 r = 0;

	memset(&g, 0, sizeof(g));
	g.n = n;
	if ((g.en = calloc(n, sizeof(*g.en))) == NULL ||
	    (g.out = calloc(n, sizeof(*g.out))) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	for (i = 0; i < n && r == 0; i++)
		r = entry_load(o, ids[i], &g.en[i], e);
	if (r != 0 ||
	    (r = store_outbox_claim_all(o->store, ids, n, o->force, e)) != 0)
		goto out;
	if ((r = group_submit(o, &g, e)) != 0) {
		/* No copy went: each keeps the one reason. */
		for (i = 0; i < n; i++) {
			smerr_clear(&e2);
			(void)store_outbox_fail(o->store, ids[i], smerr_msg(e),
			    &e2);
		}
		goto out;
	}
	r = group_record(o, &g, doubtp, unrecp, e);
	for (i = 0; i < n; i++)
		if (g.out[i].sent && !g.out[i].unrec && g.en[i].copy == 0) {
			smerr_clear(&e2);
			if (copy_to_sent(o, &g.en[i], &e2) != 0 && r == 0) {
				r = e2.code;
				*e = e2;
			}
		}
out:
	for (i = 0; g.en != NULL && i < n; i++)
		entry_clear(&g.en[i]);
	free(g.en);
	free(g.out);
	return r;
}

static int
queued_cb(const struct store_outbox *ob, void *arg)
{
	if (ob->sent || strcmp(ob->state, STORE_OB_QUEUED) != 0)
		return 0;
	return vec_ids_add(arg, ob->id);
}

int
send_deliver(const struct send_opts *o, int64_t id, struct vec_ids *with,
    int *unrecp, struct smerr *e)
{
	struct vec_ids	l;
	size_t		i;
	int		r, doubt = 0;

	*unrecp = 0;
	memset(&l, 0, sizeof(l));
	if ((r = store_outbox_copies(o->store, id, queued_cb, &l, e)) != 0 ||
	    (r = vec_ids_check(&l, e)) != 0)
		goto out;
	for (i = 0; i < l.n && l.v[i] != id; i++)
		;
	/*
	 * Queued with other copies: they go together, each claimed only
	 * while still queued (force is for the one named, and it is queued).
	 */
	if (l.n > 1 && i < l.n) {
		struct send_opts	go = *o;

		go.force = 0;
		r = deliver_group(&go, l.v, l.n, NULL, unrecp, e);
		for (i = 0; with != NULL && i < l.n; i++)
			if (l.v[i] != id)
				(void)vec_ids_add(with, l.v[i]);
		if (with != NULL && r == 0)
			r = vec_ids_check(with, e);
		goto out;
	}
	r = deliver_one(o, id, &doubt, unrecp, e);
out:
	free(l.v);
	return r;
}

int
send_deliver_msgid(const struct send_opts *o, const char *msgid,
    int64_t *doubtp, int *unrecp, struct smerr *e)
{
	struct id_list	 l;
	struct smerr	 e2;
	size_t		 i;
	int		 r, first_err = 0, doubt;

	if (doubtp != NULL)
		*doubtp = 0;
	*unrecp = 0;
	memset(&l, 0, sizeof(l));
	l.msgid = msgid;
	if ((r = store_outbox_foreach(o->store, ids_cb, &l, e)) != 0 ||
	    (r = vec_ids_check(&l.ids, e)) != 0)
		goto out;
	/* Copies of one message (Bcc): all of them go, or none. */
	if (l.ids.n > 1) {
		r = deliver_group(o, l.ids.v, l.ids.n, doubtp, unrecp, e);
		goto out;
	}
	for (i = 0; i < l.ids.n; i++) {
		smerr_clear(&e2);
		doubt = 0;
		r = deliver_one(o, l.ids.v[i], &doubt, unrecp, &e2);
		if (doubt && doubtp != NULL && *doubtp == 0)
			*doubtp = l.ids.v[i];
		if (r == 0)
			continue;
		/* The others still go; the first failure is the answer. */
		if (first_err == 0) {
			first_err = r;
			smerr_set(e, r, "%s", smerr_msg(&e2));
		} else
			warnf(o, "%s", smerr_msg(&e2));
	}
	r = first_err;
out:
	free(l.ids.v);
	return r;
}
