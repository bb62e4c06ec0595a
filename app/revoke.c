/*
 * Revocation checking for the reader (sync, inspect, keys lookup): the
 * hooks through which the engine (crypto/revoke.c) reaches the network
 * (net/http.h) and the store. The answers kept in the store are read
 * once, when the hooks are made; new ones are held here and written back
 * by app_revoke_save from the thread that owns the store, since the
 * engine may judge on other threads. In one run a certificate is looked
 * up at most once (an unknown answer is remembered for the run), a CRL is
 * fetched once for all the certificates it covers, and a responder that
 * did not answer is not asked again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "keys/keys.h"
#include "net/http.h"
#include "store/store.h"
#include "crypto/crypto.h"
#include "app/app_int.h"
#include "app/revoke.h"

#define REVOKE_MAX_KEPT	4096	/* answers held in memory */
#define REVOKE_MAX_DOWN	16	/* responders that did not answer */
#define REVOKE_MAX_CRLS	8	/* CRLs held for the run */
#define REVOKE_CRL_BYTES (32UL * 1024 * 1024)	/* ...at most, together */

/* A CRL fetched in this run: it serves every certificate of its issuer. */
struct revoke_crl {
	char		*url;
	uint8_t		*data;
	size_t		 len;
};

struct revoke_entry {
	char		 fp[65];
	enum crypto_rev	 status;
	const char	*how;		/* "OCSP", "CRL", "none" */
	time_t		 until;
	struct crypto_revinfo ri;	/* revoked: when, why */
	int		 dirty;		/* not yet in the store */
};

struct app_revoke {
	struct crypto_revoke	 hooks;
	struct store		*st;
	struct dns		*dns;		/* or NULL: the system's */
	int			 timeout;
	struct revoke_entry	*ents;
	size_t			 nents;
	char			*down[REVOKE_MAX_DOWN];
	size_t			 ndown;
	struct revoke_crl	 crls[REVOKE_MAX_CRLS];
	size_t			 ncrls, crlbytes;
};

static const char *
how_static(const char *how)
{
	if (strcmp(how, "OCSP") == 0)
		return "OCSP";
	if (strcmp(how, "CRL") == 0)
		return "CRL";
	return "none";
}

static struct revoke_entry *
entry_find(struct app_revoke *rv, const char *fp)
{
	size_t	i;

	for (i = 0; i < rv->nents; i++)
		if (strcmp(rv->ents[i].fp, fp) == 0)
			return &rv->ents[i];
	return NULL;
}

static struct revoke_entry *
entry_add(struct app_revoke *rv, const char *fp)
{
	struct revoke_entry	*n;

	if ((n = entry_find(rv, fp)) != NULL)
		return n;
	if (rv->nents >= REVOKE_MAX_KEPT || strlen(fp) != 64 ||
	    (n = reallocarray(rv->ents, rv->nents + 1, sizeof(*n))) == NULL)
		return NULL;
	rv->ents = n;
	n = &rv->ents[rv->nents++];
	memset(n, 0, sizeof(*n));
	memcpy(n->fp, fp, 65);
	return n;
}

static int
recall(void *arg, const char *fp, enum crypto_rev *statusp,
    const char **howp, struct crypto_revinfo *rip)
{
	struct app_revoke	*rv = arg;
	struct revoke_entry	*n;

	if ((n = entry_find(rv, fp)) == NULL ||
	    (n->until != 0 && n->until < time(NULL)))
		return 0;
	*statusp = n->status;
	*howp = n->how;
	*rip = n->ri;
	return 1;
}

static void
remember(void *arg, const char *fp, enum crypto_rev status, const char *how,
    time_t until, const struct crypto_revinfo *ri)
{
	struct app_revoke	*rv = arg;
	struct revoke_entry	*n;

	if ((n = entry_add(rv, fp)) == NULL)
		return;
	n->status = status;
	n->how = how_static(how);
	n->until = until;
	n->ri = *ri;
	n->dirty = status == CRYPTO_REV_GOOD || status == CRYPTO_REV_REVOKED;
}

/* "host:port" of an http:// URL, for remembering responders that failed. */
static char *
origin(const char *url)
{
	const char	*h = url;

	if (strncasecmp(h, "http://", 7) == 0)
		h += 7;
	return strndup(h, strcspn(h, "/"));
}

/* A CRL fetched before in this run into out: 1, or 0 (none kept). */
static int
crl_recall(struct app_revoke *rv, const char *url, struct buf *out)
{
	size_t	i;

	for (i = 0; i < rv->ncrls; i++)
		if (strcmp(rv->crls[i].url, url) == 0)
			return buf_put(out, rv->crls[i].data, rv->crls[i].len) ==
			    0;
	return 0;
}

static void
crl_keep(struct app_revoke *rv, const char *url, const struct buf *crl)
{
	struct revoke_crl	*c;

	if (rv->ncrls >= REVOKE_MAX_CRLS ||
	    buf_len(crl) > REVOKE_CRL_BYTES - rv->crlbytes)
		return;
	c = &rv->crls[rv->ncrls];
	if ((c->url = strdup(url)) == NULL ||
	    (c->data = malloc(buf_len(crl) + 1)) == NULL) {
		free(c->url);
		c->url = NULL;
		return;
	}
	memcpy(c->data, buf_data(crl), buf_len(crl));
	c->len = buf_len(crl);
	rv->crlbytes += c->len;
	rv->ncrls++;
}

static int
fetch(void *arg, const char *url, const char *ctype, const uint8_t *body,
    size_t len, struct buf *out, struct smerr *e)
{
	struct app_revoke	*rv = arg;
	char			*o;
	size_t			 i;
	int			 r;

	if (body == NULL && crl_recall(rv, url, out))
		return 0;
	if ((o = origin(url)) == NULL)
		return smerr_nomem(e);
	for (i = 0; i < rv->ndown; i++)
		if (strcmp(rv->down[i], o) == 0) {
			r = smerr_set(e, SMERR_NET, "%s: did not answer "
			    "earlier in this run", o);
			free(o);
			return r;
		}
	log_debug("revocation: %s %s", body != NULL ? "POST" : "GET", url);
	r = net_http_fetch(rv->dns, url, ctype, body, len, rv->timeout, out,
	    e);
	if (r == 0 && body == NULL)
		crl_keep(rv, url, out);
	if ((r == SMERR_NET || r == SMERR_TIMEOUT || r == SMERR_DNS) &&
	    rv->ndown < REVOKE_MAX_DOWN) {
		rv->down[rv->ndown++] = o;
		o = NULL;
	}
	free(o);
	return r;
}

static int
load_cb(const struct store_revoke *r, void *arg)
{
	struct app_revoke	*rv = arg;
	struct revoke_entry	*n;

	if ((n = entry_add(rv, r->fingerprint)) == NULL)
		return 1;
	n->status = strcmp(r->status, "revoked") == 0 ? CRYPTO_REV_REVOKED :
	    CRYPTO_REV_GOOD;
	n->how = how_static(r->source);
	n->until = r->until;
	n->ri.at = r->revoked_at;
	n->ri.reason = r->reason;
	return 0;
}

int
app_revoke_new(const struct app_config *cfg, struct store *st,
    struct dns *dns, struct app_revoke **rvp, struct smerr *e)
{
	struct app_revoke	*rv;
	int			 r;

	*rvp = NULL;
	if (cfg != NULL && cfg->security.revocation == APP_REVOCATION_OFF)
		return 0;
	if ((rv = calloc(1, sizeof(*rv))) == NULL)
		return smerr_nomem(e);
	if (crypto_revoke_init(&rv->hooks) != 0) {
		free(rv);
		return smerr_nomem(e);
	}
	rv->hooks.methods = CRYPTO_REVOKE_CRL;
	if (cfg == NULL || cfg->security.revocation == APP_REVOCATION_OCSP_CRL)
		rv->hooks.methods |= CRYPTO_REVOKE_OCSP;
	rv->hooks.recall = recall;
	rv->hooks.remember = remember;
	rv->hooks.fetch = fetch;
	rv->hooks.arg = rv;
	rv->timeout = cfg != NULL && cfg->security.timeout > 0 ?
	    cfg->security.timeout : APP_DEFAULT_REVOKE_TIMEOUT;
	rv->st = st;
	rv->dns = dns;
	if (st != NULL && (r = store_revoke_foreach(st, time(NULL), load_cb,
	    rv, e)) != 0) {
		app_revoke_free(rv);
		return r;
	}
	*rvp = rv;
	return 0;
}

void
app_revoke_attach(struct app_revoke *rv, struct crypto_ctx *ctx)
{
	crypto_ctx_set_revoke(ctx, rv != NULL ? &rv->hooks : NULL);
}

int
app_revoke_save(struct app_revoke *rv, struct smerr *e)
{
	struct store_revoke	 sr;
	struct revoke_entry	*n;
	size_t			 i;
	int			 r = 0;

	if (rv == NULL || rv->st == NULL)
		return 0;
	pthread_mutex_lock(&rv->hooks.lock);
	for (i = 0; i < rv->nents && r == 0; i++) {
		n = &rv->ents[i];
		if (!n->dirty)
			continue;
		memset(&sr, 0, sizeof(sr));
		sr.fingerprint = n->fp;
		sr.status = crypto_rev_str(n->status);
		sr.source = n->how;
		sr.until = n->until;
		sr.checked = time(NULL);
		sr.revoked_at = n->ri.at;
		sr.reason = n->ri.reason;
		if ((r = store_revoke_put(rv->st, &sr, e)) == 0)
			n->dirty = 0;
	}
	pthread_mutex_unlock(&rv->hooks.lock);
	return r;
}

void
app_revoke_free(struct app_revoke *rv)
{
	size_t	i;

	if (rv == NULL)
		return;
	for (i = 0; i < rv->ndown; i++)
		free(rv->down[i]);
	for (i = 0; i < rv->ncrls; i++) {
		free(rv->crls[i].url);
		free(rv->crls[i].data);
	}
	free(rv->ents);
	crypto_revoke_clear(&rv->hooks);
	free(rv);
}

static int
kept_cb(const struct store_revoke *r, void *arg)
{
	struct app_revoke_kept	*k = arg;

	if (r->status == NULL)
		return 1;
	k->revoked = strcmp(r->status, "revoked") == 0;
	k->status = k->revoked ? "revoked" : "good";
	k->how = how_static(r->source != NULL ? r->source : "");
	k->checked = r->checked;
	if (k->revoked) {
		k->at = r->revoked_at;
		k->reason = crypto_revreason_str(r->reason);
	}
	return 1;
}

int
app_revoke_kept(struct store *st, const char *fp, struct app_revoke_kept *k)
{
	struct smerr	e;

	memset(k, 0, sizeof(*k));
	smerr_clear(&e);
	if (st == NULL || fp == NULL ||
	    store_revoke_find(st, fp, time(NULL), kept_cb, k, &e) != 0)
		return 0;
	return k->status != NULL;
}

int
app_revoked_since(struct store *st, const uint8_t *der, size_t dlen,
    const char *kept, char *out, size_t len)
{
	struct keys_certinfo	 ci;
	struct app_revoke_kept	 k;
	struct smerr		 e;
	struct tm		 tm;
	char			 when[32] = "?";
	int			 r;

	if (st == NULL || der == NULL || dlen == 0 ||
	    (kept != NULL && strcmp(kept, "revoked") == 0))
		return 0;
	smerr_clear(&e);
	if (keys_cert_info(der, dlen, &ci, &e) != 0)
		return 0;
	r = app_revoke_kept(st, ci.fingerprint, &k) && k.revoked;
	keys_certinfo_clear(&ci);
	if (!r)
		return 0;
	if (gmtime_r(&k.checked, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	snprintf(out, len, "Since this message was read, its signer's "
	    "certificate has been found REVOKED (%s, %s): its signature "
	    "vouches for nothing now; the verdict shown is the one found "
	    "then", k.how, when);
	return 1;
}
