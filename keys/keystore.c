/*
 * The key store: own identities, peers' certificates and trust anchors,
 * all kept in the encrypted store. A certificate bound to an address by
 * harvesting (a verified signer who is the From of the message) that
 * differs from the one known before for that address is recorded as a
 * change, so that the user can be shown it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/idn.h"
#include "store/store.h"
#include "keys/keys.h"
#include "keys/keys_int.h"

int
keys_open(struct store *st, struct keys **kp, struct smerr *e)
{
	struct keys	*k;

	*kp = NULL;
	if (st == NULL)
		return smerr_set(e, SMERR_INVAL, "keys_open: no store");
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return smerr_nomem(e);
	k->st = st;
	*kp = k;
	return 0;
}

void
keys_close(struct keys *k)
{
	free(k);
}

struct walk {
	int		(*cb)(const struct keys_cert *, void *);
	void		*arg;
	const char	*address;	/* only certificates bound to it */
};

static int
list_has(const char *list, const char *address)
{
	const char	*p = list, *q;
	size_t		 n = strlen(address);

	while (p != NULL && *p != '\0') {
		q = strchr(p, ',');
		if ((size_t)(q != NULL ? q - p : (ptrdiff_t)strlen(p)) == n &&
		    strncasecmp(p, address, n) == 0)
			return 1;
		p = q != NULL ? q + 1 : NULL;
	}
	return 0;
}

/*
 * The list holds what certificates name, in ASCII (an rfc822Name's domain
 * is in A-labels, RFC 8398), so an address whose domain is not ASCII is
 * looked for as its A-labels too.
 */
int
keys_emails_have(const char *list, const char *address)
{
	char	*a = NULL;
	int	 found;

	if (list_has(list, address))
		return 1;
	found = idn_addr_alabels(address, &a, NULL) == 0 &&
	    strcmp(a, address) != 0 && list_has(list, a);
	free(a);
	return found;
}

static int
walk_cb(const struct store_cert *sc, void *arg)
{
	struct walk		*w = arg;
	struct keys_cert	 kc;

	if (w->address != NULL && !keys_emails_have(sc->emails, w->address))
		return 0;
	/* An SMIMEA answer cached past its time is no longer an answer. */
	if (sc->expires != 0 && sc->expires < time(NULL))
		return 0;
	memset(&kc, 0, sizeof(kc));
	kc.id = sc->id;
	kc.kind = (enum keys_kind)sc->kind;
	kc.source = sc->source;
	kc.fingerprint = sc->fingerprint;
	kc.emails = sc->emails;
	kc.der = sc->der;
	kc.der_len = sc->der_len;
	kc.added = sc->added;
	kc.expires = sc->expires;
	return w->cb(&kc, w->arg);
}

int
keys_foreach(struct keys *k, unsigned mask,
    int (*cb)(const struct keys_cert *, void *), void *arg, struct smerr *e)
{
	struct walk	w = { cb, arg, NULL };

	return store_cert_foreach(k->st, mask, walk_cb, &w, e);
}

int
keys_find_email(struct keys *k, const char *address, unsigned mask,
    int (*cb)(const struct keys_cert *, void *), void *arg, struct smerr *e)
{
	struct walk	w = { cb, arg, address };

	if (address == NULL || *address == '\0')
		return smerr_set(e, SMERR_INVAL, "no address");
	return store_cert_foreach_newest(k->st, mask, walk_cb, &w, e);
}

struct fpfind {
	int64_t	 id;
	char	 hex[65];
};

static int
fpfind_cb(const struct keys_cert *kc, void *arg)
{
	struct fpfind	*f = arg;

	if (kc->id != f->id)
		return 0;
	(void)snprintf(f->hex, sizeof(f->hex), "%s", kc->fingerprint);
	return 1;
}

int
keys_identity_key(struct keys *k, int64_t id, struct buf **keyp,
    struct smerr *e)
{
	struct fpfind	 f;
	struct buf	*b = NULL;
	int		 r;

	*keyp = NULL;
	memset(&f, 0, sizeof(f));
	f.id = id;
	if ((r = keys_foreach(k, KEYS_IDENTITY, fpfind_cb, &f, e)) != 0 ||
	    (r = store_cert_key(k->st, id, &b, e)) != 0)
		return r;
	return keys_seal_open(k, f.hex, b, keyp, e);
}

int
keys_remove(struct keys *k, int64_t id, struct smerr *e)
{
	return store_cert_delete(k->st, id, e);
}

int
keys_cert_add(struct keys *k, const uint8_t *der, size_t len,
    enum keys_kind kind, const char *source, const char *emails,
    time_t expires, int64_t *idp, struct smerr *e)
{
	struct store_cert	 sc;
	X509			*x;
	char			 fp[65], *own = NULL, *lower = NULL;
	size_t			 i;
	int			 r;

	if ((x = keys_der_x509(der, len)) == NULL)
		return smerr_set(e, SMERR_PARSE, "not a DER certificate");
	if ((r = keys_x509_fingerprint(x, fp, e)) != 0 ||
	    (r = keys_x509_emails(x, &own, e)) != 0)
		goto out;
	if (emails != NULL) {
		if ((lower = strdup(emails)) == NULL) {
			r = smerr_nomem(e);
			goto out;
		}
		for (i = 0; lower[i] != '\0'; i++)
			lower[i] = (char)tolower((unsigned char)lower[i]);
	}
	memset(&sc, 0, sizeof(sc));
	sc.kind = (enum store_cert_kind)kind;
	sc.source = source != NULL ? source : "imported";
	sc.fingerprint = fp;
	sc.emails = lower != NULL ? lower : own;
	sc.der = der;
	sc.der_len = len;
	sc.added = time(NULL);
	sc.expires = expires;
	r = store_cert_put(k->st, &sc, NULL, idp, e);
out:
	X509_free(x);
	free(own);
	free(lower);
	return r;
}

/* The newest peer certificate bound to an address, other than fp. */
struct prev {
	const char	*address;
	const char	*fp;
	char		*old;		/* fingerprint of the newest other */
	char		*same_emails;	/* emails of fp's own row, if any */
	int		 same_source_harvested;
	int		 err;
};

static int
prev_cb(const struct store_cert *sc, void *arg)
{
	struct prev	*p = arg;

	if (strcmp(sc->fingerprint, p->fp) == 0) {
		free(p->same_emails);
		if ((p->same_emails = strdup(sc->emails)) == NULL)
			p->err = 1;
		p->same_source_harvested = strcmp(sc->source, "harvested") == 0;
		return 0;
	}
	if (!keys_emails_have(sc->emails, p->address))
		return 0;
	free(p->old);			/* rows come oldest first */
	if ((p->old = strdup(sc->fingerprint)) == NULL)
		p->err = 1;
	return 0;
}

int
keys_harvest(struct keys *k, const uint8_t *der, size_t len,
    const char *address, int *replaced, struct smerr *e)
{
	struct prev	 p;
	X509		*x;
	char		 fp[65], *emails = NULL;
	int		 r, rep = 0;

	if (replaced != NULL)
		*replaced = 0;
	memset(&p, 0, sizeof(p));
	if (address == NULL || *address == '\0' || strchr(address, ',') ||
	    strchr(address, '@') == NULL)
		return smerr_set(e, SMERR_INVAL, "harvest: bad address");
	if ((x = keys_der_x509(der, len)) == NULL)
		return smerr_set(e, SMERR_PARSE, "harvest: not a certificate");
	if ((r = keys_x509_fingerprint(x, fp, e)) != 0)
		goto out;
	p.address = address;
	p.fp = fp;
	if ((r = store_begin(k->st, e)) != 0)
		goto out;
	if ((r = store_cert_foreach(k->st, STORE_CERT_PEER, prev_cb, &p,
	    e)) != 0)
		goto fail;
	if (p.err) {
		r = smerr_nomem(e);
		goto fail;
	}
	if (p.same_emails != NULL && keys_emails_have(p.same_emails, address)) {
		/* Already known and bound: nothing changes. */
		r = store_commit(k->st, e);
		goto out;
	}
	/* The store adds the address to those the row already has. */
	if ((emails = strdup(address)) == NULL) {
		r = smerr_nomem(e);
		goto fail;
	}
	if ((r = keys_cert_add(k, der, len, KEYS_PEER, p.same_emails != NULL &&
	    !p.same_source_harvested ? "imported" : "harvested", emails, 0,
	    NULL, e)) != 0)
		goto fail;
	if (p.old != NULL) {
		if ((r = store_cert_event_add(k->st, address, p.old, fp,
		    e)) != 0)
			goto fail;
		rep = 1;
	}
	if ((r = store_commit(k->st, e)) != 0)
		goto out;
	if (replaced != NULL)
		*replaced = rep;
	goto out;
fail:
	store_rollback(k->st);
out:
	X509_free(x);
	free(p.old);
	free(p.same_emails);
	free(emails);
	return r;
}

struct repl {
	const char	*fp;
	char		*old;
	char		*address;
	int		 err;
};

static int
repl_cb(const struct store_cert_event *ev, void *arg)
{
	struct repl	*rp = arg;

	if (strcmp(ev->new_fp, rp->fp) != 0 || ev->old_fp == NULL)
		return 0;
	free(rp->old);
	free(rp->address);
	rp->old = strdup(ev->old_fp);
	rp->address = strdup(ev->address);
	if (rp->old == NULL || rp->address == NULL)
		rp->err = 1;
	return 0;
}

int
keys_replaced(struct keys *k, const char *fingerprint, char **oldp,
    char **addressp, struct smerr *e)
{
	struct repl	rp = { fingerprint, NULL, NULL, 0 };
	int		r;

	*oldp = NULL;
	if (addressp != NULL)
		*addressp = NULL;
	if ((r = store_cert_event_foreach(k->st, repl_cb, &rp, e)) == 0) {
		if (rp.err)
			r = smerr_nomem(e);
		else if (rp.old == NULL)
			r = smerr_set(e, SMERR_NOTFOUND, "no change");
	}
	if (r != 0) {
		free(rp.old);
		free(rp.address);
		return r;
	}
	*oldp = rp.old;
	if (addressp != NULL)
		*addressp = rp.address;
	else
		free(rp.address);
	return 0;
}

int
keys_caps_remember(struct keys *k, const uint8_t *der, size_t len,
    unsigned caps, struct smerr *e)
{
	char	fp[65];
	int	r;

	if (caps == 0)
		return 0;		/* nothing learned */
	if ((r = keys_der_fingerprint(der, len, fp, e)) != 0)
		return r;
	return store_cert_caps_put(k->st, fp, caps, e);
}

int
keys_caps_recall(struct keys *k, const uint8_t *der, size_t len,
    unsigned *capsp, struct smerr *e)
{
	char	fp[65];
	int	r;

	*capsp = 0;
	if ((r = keys_der_fingerprint(der, len, fp, e)) != 0)
		return r;
	return store_cert_caps_get(k->st, fp, capsp, e);
}
