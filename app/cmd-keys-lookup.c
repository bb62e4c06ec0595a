/*
 * sealmail keys lookup [--json] ADDRESS: every certificate for an address,
 * from the key store and from SMIMEA in DNS, with where it came from, its
 * DNSSEC status and how it was validated; a usable one is checked for
 * revocation, and a revoked one is not usable. Also what the other commands
 * share for DNS: the resolver of the [dns] section and the reader's DANE
 * hook.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/text.h"
#include "crypto/crypto.h"
#include "net/dns.h"
#include "store/store.h"
#include "keys/keys.h"
#include "keys/smimea.h"
#include "app/app_int.h"
#include "app/revoke.h"
#include "app/sync.h"

int
cli_open_dns(struct cli *c, int configured_only, struct dns **dp)
{
	struct dns_config	dc;

	*dp = NULL;
	if (cli_config(c) != 0)
		return c->err.code != 0 ? c->err.code : SMERR_CONFIG;
	if (configured_only && !c->cfg->dns.present)
		return 0;
	memset(&dc, 0, sizeof(dc));
	if (c->cfg->dns.present) {
		dc.resolver = c->cfg->dns.resolver;
		dc.trust_anchor = c->cfg->dns.trust_anchor;
		dc.timeout = c->cfg->dns.timeout;
	}
	return dns_new(&dc, dp, &c->err);
}

/* Member key: v, or null when v is negative (no such field). */
static void
put_int_or_null(struct json_w *w, const char *key, int v)
{
	if (v < 0)
		json_knull(w, key);
	else
		json_kint(w, key, v);
}

static int
lookup_json(struct buf *out, const struct keys_lookup *l,
    const enum crypto_rev *rev)
{
	const struct keys_found	*f;
	struct json_w		 w;
	size_t			 i;

	json_begin(&w, out);
	json_obj(&w, NULL);
	json_ktext(&w, "address", l->address);
	json_kstr(&w, "dns", l->dns_status);
	json_ktext(&w, "dns_note", l->dns_note);
	json_arr(&w, "certificates");
	for (i = 0; i < l->n; i++) {
		f = &l->found[i];
		json_obj(&w, NULL);
		json_kstr(&w, "source", f->source);
		json_kstr(&w, "dnssec", f->dnssec);
		/* The fields of the record that vouches, or that carried it. */
		put_int_or_null(&w, "usage", f->dnssec != NULL ?
		    f->j.usage : -1);
		put_int_or_null(&w, "selector", f->dnssec != NULL ?
		    f->j.selector : -1);
		put_int_or_null(&w, "matching", f->dnssec != NULL ?
		    f->j.matching : -1);
		json_kstr(&w, "fingerprint", f->j.fingerprint);
		json_ktext_list(&w, "email", f->j.emails);
		json_ktime(&w, "not_after", f->j.not_after);
		json_kbool(&w, "usable", f->j.usable);
		json_kstr(&w, "trust", keys_trust_str(f->j.trust));
		json_kbool(&w, "pkix", f->j.pkix);
		json_kstr(&w, "chain", f->j.chain);
		json_kbool(&w, "dane", f->j.dane);
		json_kstr(&w, "revocation", crypto_rev_str(rev[i]));
		json_ktext(&w, "why", f->j.why);
		json_end(&w);
	}
	json_end(&w);
	json_end(&w);
	return json_done(&w);
}

static int
lookup_text(struct buf *out, const struct keys_lookup *l)
{
	const struct keys_found	*f;
	char			 na[32], *s;
	size_t			 i;
	int			 r = 0;

	s = text_sanitize_str(l->address, 0);
	r |= buf_printf(out, "%s: %zu certificate%s", s != NULL ? s : "",
	    l->n, l->n == 1 ? "" : "s");
	free(s);
	if (l->dns_note != NULL) {
		s = text_sanitize_str(l->dns_note, 0);
		r |= buf_printf(out, "\nDNS: %s", s != NULL ? s : "");
		free(s);
	} else if (l->dns_status != NULL)
		r |= buf_printf(out, "\nDNS: %s", l->dns_status);
	for (i = 0; i < l->n; i++) {
		f = &l->found[i];
		(void)text_iso_time(f->j.not_after, na, sizeof(na));
		r |= buf_printf(out, "\n%s %s", f->source, f->j.fingerprint);
		if (f->dnssec != NULL && f->j.usage >= 0)
			r |= buf_printf(out, " (SMIMEA %d %d %d, DNSSEC %s)",
			    f->j.usage, f->j.selector, f->j.matching,
			    f->dnssec);
		else if (f->dnssec != NULL)
			r |= buf_printf(out, " (DNSSEC %s)", f->dnssec);
		s = text_sanitize_str(f->j.emails, 0);
		r |= buf_printf(out, "\n  email %s; valid until %s; trust %s; "
		    "%s", s != NULL && *s != '\0' ? s : "(none)", na,
		    keys_trust_str(f->j.trust), f->j.usable ? "usable" :
		    "not usable");
		free(s);
		if (f->j.why != NULL) {
			s = text_sanitize_str(f->j.why, 0);
			r |= buf_printf(out, ": %s", s != NULL ? s : "");
			free(s);
		}
	}
	return r;
}

int
cli_revoke_ctx(struct cli *c, struct store *st, struct keys *k,
    struct dns *dns, struct crypto_ctx **ctxp, struct app_revoke **rvp)
{
	int	r;

	*ctxp = NULL;
	*rvp = NULL;
	if ((r = app_revoke_new(c->cfg, st, dns, rvp, &c->err)) != 0 ||
	    *rvp == NULL)
		return r;
	if ((r = sync_verify_ctx(k, ctxp, &c->err)) != 0) {
		app_revoke_free(*rvp);
		*rvp = NULL;
		return r;
	}
	app_revoke_attach(*rvp, *ctxp);
	return 0;
}

/*
 * A certificate that would be used is checked for revocation, as a
 * signer's would be: a revoked one is not usable. *revp gets each one's
 * status, in the order of l->found.
 */
static int
lookup_revoke(struct cli *c, struct store *st, struct keys *k,
    struct dns *dns, struct keys_lookup *l, enum crypto_rev **revp)
{
	struct crypto_ctx	*ctx = NULL;
	struct app_revoke	*rv = NULL;
	struct keys_found	*f;
	enum crypto_rev		*rev;
	char			*why;
	size_t			 i;
	int			 r = 0;

	if ((*revp = rev = calloc(l->n + 1, sizeof(*rev))) == NULL)
		return smerr_nomem(&c->err);
	if (l->n == 0 || (r = cli_revoke_ctx(c, st, k, dns, &ctx,
	    &rv)) != 0 || rv == NULL)
		goto out;
	for (i = 0; i < l->n && r == 0; i++) {
		f = &l->found[i];
		if (!f->j.usable)
			continue;
		if ((r = crypto_revoke_der(ctx, f->der, f->der_len, &rev[i],
		    &why, &c->err)) != 0)
			break;
		if (rev[i] == CRYPTO_REV_REVOKED) {
			f->j.usable = 0;
			free(f->j.why);
			f->j.why = why;
			why = NULL;
		}
		free(why);
	}
out:
	crypto_ctx_free(ctx);
	cli_revoke_close(rv);
	return r;
}

int
cmd_keys_lookup(struct cli *c, int argc, char **argv)
{
	struct store		*st = NULL;
	struct keys		*k = NULL;
	struct dns		*dns = NULL;
	struct keys_lookup	*l = NULL;
	enum crypto_rev		*rev = NULL;
	struct buf		*out = NULL;
	const char		*address = NULL;
	int			 i, json = 0, refresh = 0, r = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--refresh") == 0)
			refresh = 1;
		else if (argv[i][0] == '-' || address != NULL)
			return cli_usage(c);
		else
			address = argv[i];
	}
	if (address == NULL)
		return cli_usage(c);
	if (cli_open_dns(c, 0, &dns) != 0 || cli_open_keys(c, &st, &k) != 0)
		goto out;
	if (keys_lookup(k, dns, address, refresh ? KEYS_LOOKUP_REFRESH : 0,
	    &l, &c->err) != 0 || lookup_revoke(c, st, k, dns, l, &rev) != 0)
		goto out;
	out = buf_new(0);
	r = cli_print_built(c, out, out == NULL || (json ?
	    lookup_json(out, l, rev) : lookup_text(out, l)) != 0);
out:
	buf_free(out);
	free(rev);
	keys_lookup_free(l);
	keys_close(k);
	store_close(st);
	dns_free(dns);
	return r == 0 ? 0 : cli_fail(c);
}

const struct cli_cmd cmd_keys_lookup_entry = {
	"keys", cmd_keys, "keys lookup [--json] [--refresh] ADDRESS",
	"certificates for an address: key store, then SMIMEA", NULL, 0
};

static enum crypto_dane
cli_dane_hook(void *arg, const char *address, const uint8_t *der, size_t len)
{
	struct cli_dane	*d = arg;

	struct smerr	 e;

	if (d == NULL || d->dns == NULL)
		return CRYPTO_DANE_NONE;
	if (d->down)
		return CRYPTO_DANE_ERROR;
	smerr_clear(&e);
	switch (keys_dane_check(d->k, d->dns, address, der, len, &e)) {
	case KEYS_DANE_MATCH:
		return CRYPTO_DANE_MATCH;
	case KEYS_DANE_CONTRADICT:
		return CRYPTO_DANE_CONTRADICTION;
	case KEYS_DANE_INSECURE:
		return CRYPTO_DANE_INSECURE;
	case KEYS_DANE_ERROR:
		/*
		 * Only a resolver that did not answer in time is not asked
		 * again; one that answered (SERVFAIL, REFUSED for a domain
		 * it has no zone for) is asked for the next domain.
		 */
		if (e.code == SMERR_TIMEOUT)
			d->down = 1;
		smerr_set(&d->err, e.code, "%s", smerr_msg(&e));
		if (e.code == SMERR_DNSSEC)
			return CRYPTO_DANE_BOGUS;
		return e.code == SMERR_TIMEOUT || e.code == SMERR_DNS ?
		    CRYPTO_DANE_ERROR : CRYPTO_DANE_UNUSABLE;
	}
	return CRYPTO_DANE_NONE;
}

void
cli_dane_attach(struct cli_dane *d, struct crypto_ctx *ctx, struct keys *k,
    struct dns *dns)
{
	memset(d, 0, sizeof(*d));
	if (dns == NULL)
		return;
	d->k = k;
	d->dns = dns;
	crypto_ctx_set_dane(ctx, cli_dane_hook, d);
}
