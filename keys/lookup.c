/*
 * Finding certificates for an address: the key store's own (imported,
 * then harvested from verified mail), then SMIMEA in DNS.
 *
 * The SMIMEA cache lives in the key store as peer certificates with the
 * source "smimea" and an expiry of fetch time plus the answer's TTL. Only
 * certificates that a DNSSEC-secure DANE-EE record carries in full
 * (3 0 0) are cached, so a hit means exactly that record; a PKIX-EE
 * record is asked for again each time, because the store keeps no
 * record fields. Once an entry is stale, DNS is asked again and the
 * cache follows the answer: new certificates are added, ones no longer
 * published are dropped, and a secure denial empties it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/idn.h"
#include "base/log.h"
#include "net/dns.h"
#include "store/store.h"
#include "keys/keys.h"
#include "keys/keys_int.h"
#include "keys/smimea.h"

#define LOOKUP_MAX_CERTS	64	/* certificates kept for one address */
#define LOOKUP_SOURCE_SMIMEA	"smimea"

/* A certificate row of the store bound to the address. */
struct row {
	int64_t	 id;
	char	*source;
	char	 fp[65];
	uint8_t	*der;
	size_t	 der_len;
	time_t	 expires;
};

struct rows {
	const char	*address;
	struct row	*v;
	size_t		 n;
	int		 err;
};

static int
rows_cb(const struct store_cert *c, void *arg)
{
	struct rows	*rs = arg;
	struct row	*r;

	if (!keys_emails_have(c->emails, rs->address) ||
	    rs->n >= LOOKUP_MAX_CERTS)
		return 0;
	if ((r = reallocarray(rs->v, rs->n + 1, sizeof(*r))) == NULL) {
		rs->err = 1;
		return 1;
	}
	rs->v = r;
	r = &rs->v[rs->n];
	memset(r, 0, sizeof(*r));
	r->id = c->id;
	r->expires = c->expires;
	snprintf(r->fp, sizeof(r->fp), "%s", c->fingerprint);
	if ((r->source = strdup(c->source)) == NULL ||
	    (r->der = malloc(c->der_len)) == NULL) {
		free(r->source);
		rs->err = 1;
		return 1;
	}
	memcpy(r->der, c->der, c->der_len);
	r->der_len = c->der_len;
	rs->n++;
	return 0;
}

static void
rows_clear(struct rows *rs)
{
	size_t	i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].source);
		free(rs->v[i].der);
	}
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}

static int
rows_load(struct keys *k, const char *address, struct rows *rs,
    struct smerr *e)
{
	int	r;

	memset(rs, 0, sizeof(*rs));
	rs->address = address;
	r = store_cert_foreach(k->st, STORE_CERT_PEER | STORE_CERT_IDENTITY,
	    rows_cb, rs, e);
	if (r == 0 && rs->err)
		r = smerr_nomem(e);
	if (r != 0)
		rows_clear(rs);
	return r;
}

void
keys_lookup_free(struct keys_lookup *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->found[i].der);
		keys_judgement_clear(&l->found[i].j);
	}
	free(l->found);
	free(l->address);
	free(l->dns_note);
	free(l);
}

/* Appends a found certificate; the judgement moves into l. */
static int
found_add(struct keys_lookup *l, const char *source, const char *dnssec,
    const uint8_t *der, size_t len, struct keys_judgement *j,
    struct smerr *e)
{
	struct keys_found	*f;
	size_t			 i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->found[i].j.fingerprint, j->fingerprint) == 0) {
			keys_judgement_clear(j);
			return 0;	/* shown once, from its first source */
		}
	if (l->n >= LOOKUP_MAX_CERTS) {
		keys_judgement_clear(j);
		return 0;
	}
	if ((f = reallocarray(l->found, l->n + 1, sizeof(*f))) == NULL)
		goto nomem;
	l->found = f;
	f = &l->found[l->n];
	memset(f, 0, sizeof(*f));
	if ((f->der = malloc(len)) == NULL)
		goto nomem;
	memcpy(f->der, der, len);
	f->der_len = len;
	f->source = source;
	f->dnssec = dnssec;
	f->j = *j;
	memset(j, 0, sizeof(*j));
	l->n++;
	return 0;
nomem:
	keys_judgement_clear(j);
	return smerr_nomem(e);
}

static const char *
row_source(const struct row *r)
{
	return strcmp(r->source, "harvested") == 0 ? "harvested" : "store";
}

/* What DNS gave: records (secure ones may vouch) and what they say. */
struct answer {
	struct dns_answer	*a;
	struct keys_smimea	*rrs;
	size_t			 nrr;
};

static void
answer_clear(struct answer *an)
{
	dns_answer_free(an->a);
	free(an->rrs);
	memset(an, 0, sizeof(*an));
}

/*
 * Asks DNS for address's SMIMEA RRset. A bogus answer, a timeout and a
 * resolver failure are errors, and the address is added to the message.
 */
static int
smimea_query(struct dns *dns, const char *address, struct answer *an,
    struct smerr *e)
{
	struct smerr	 le;
	char		*owner = NULL;
	size_t		 i;
	int		 r;

	memset(an, 0, sizeof(*an));
	smerr_clear(&le);
	if ((r = keys_smimea_owner(address, &owner, e)) != 0)
		return r;
	if ((r = dns_query(dns, owner, DNS_T_SMIMEA, &an->a, &le)) != 0) {
		smerr_set(e, r, "%s (the SMIMEA record of %s)", smerr_msg(&le),
		    address);
		goto out;
	}
	if (an->a->nrr > 0 && (an->rrs = calloc(an->a->nrr,
	    sizeof(*an->rrs))) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	for (i = 0; i < an->a->nrr; i++)
		if (keys_smimea_parse(an->a->rr[i].data, an->a->rr[i].len,
		    &an->rrs[an->nrr], NULL) == 0)
			an->nrr++;
out:
	free(owner);
	if (r != 0)
		answer_clear(an);
	return r;
}

/* Makes the store's SMIMEA cache for address follow the fresh answer. */
static int
cache_follow(struct keys *k, const struct rows *rs, struct keys_lookup *l,
    uint32_t ttl, struct smerr *e)
{
	size_t	i, n;
	int	r, keep;
	time_t	now = time(NULL);

	for (i = 0; i < rs->n; i++) {
		if (strcmp(rs->v[i].source, LOOKUP_SOURCE_SMIMEA) != 0)
			continue;
		keep = 0;
		for (n = 0; n < l->n; n++)
			if (strcmp(l->found[n].source, "smimea") == 0 &&
			    strcmp(l->found[n].j.fingerprint, rs->v[i].fp) == 0)
				keep = 1;
		if (!keep && (r = store_cert_delete(k->st, rs->v[i].id,
		    e)) != 0 && r != SMERR_NOTFOUND)
			return r;
	}
	if (ttl == 0)
		return 0;
	for (n = 0; n < l->n; n++) {
		const struct keys_found *f = &l->found[n];

		if (strcmp(f->source, "smimea") != 0 || !f->j.usable ||
		    f->j.usage != KEYS_SMIMEA_DANE_EE || f->j.selector != 0 ||
		    f->j.matching != 0)
			continue;
		if ((r = keys_cert_add(k, f->der, f->der_len, KEYS_PEER,
		    LOOKUP_SOURCE_SMIMEA, NULL, now + (time_t)ttl, NULL,
		    e)) != 0)
			return r;
	}
	return 0;
}

/* 1 when some row other than an SMIMEA cache entry has fingerprint fp. */
static int
row_other(const struct rows *rs, const char *fp)
{
	size_t	i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].fp, fp) == 0 &&
		    strcmp(rs->v[i].source, LOOKUP_SOURCE_SMIMEA) != 0)
			return 1;
	return 0;
}

/* The one line that says what DNS answered for the address. */
static int
dns_note(struct keys_lookup *l, const struct answer *an, const char *address,
    struct smerr *e)
{
	int	r;

	if (an->a->status == DNS_SECURE_DENIAL)
		r = asprintf(&l->dns_note, "no SMIMEA record for %s "
		    "(DNSSEC-secure denial)", address);
	else if (an->a->status == DNS_INSECURE)
		r = asprintf(&l->dns_note, "the SMIMEA answer for %s "
		    "comes from an unsigned zone (DNSSEC insecure) "
		    "and is not used", address);
	else
		r = asprintf(&l->dns_note, "%zu DNSSEC-secure SMIMEA "
		    "record%s for %s", an->nrr, an->nrr == 1 ? "" : "s",
		    address);
	if (r == -1) {
		l->dns_note = NULL;
		return smerr_nomem(e);
	}
	return 0;
}

/* The key store's own: imported first, then harvested. */
static int
add_stored(struct keys *k, const struct rows *rs, const char *address,
    const struct keys_smimea *vouch, size_t nvouch, struct keys_lookup *l,
    struct keys_judgement *j, struct smerr *e)
{
	const struct row *w;
	size_t	i;
	int	pass, r;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < rs->n; i++) {
			w = &rs->v[i];
			if (strcmp(w->source, LOOKUP_SOURCE_SMIMEA) == 0 ||
			    (strcmp(row_source(w), "harvested") == 0) != pass)
				continue;
			if ((r = keys_smimea_judge(k, w->der, w->der_len,
			    address, KEYS_PURPOSE_ENCRYPT, vouch, nvouch, j,
			    e)) != 0 ||
			    (r = found_add(l, row_source(w), NULL, w->der,
			    w->der_len, j, e)) != 0)
				return r;
		}
	return 0;
}

/* From DNS: records that carry a whole end-entity certificate. */
static int
add_published(struct keys *k, const struct answer *an, const struct rows *rs,
    const char *address, struct keys_lookup *l, struct keys_judgement *j,
    struct smerr *e)
{
	const struct keys_smimea *rr;
	size_t	 i;
	int	 r, secure = an->a->status == DNS_SECURE;

	for (i = 0; i < an->nrr; i++) {
		rr = &an->rrs[i];
		if (rr->selector != 0 || rr->matching != 0 ||
		    (rr->usage != KEYS_SMIMEA_PKIX_EE &&
		    rr->usage != KEYS_SMIMEA_DANE_EE))
			continue;
		if (keys_smimea_judge(k, rr->data, rr->len, address,
		    KEYS_PURPOSE_ENCRYPT, secure ? an->rrs : NULL,
		    secure ? an->nrr : 0, j, NULL) != 0)
			continue;	/* not a certificate: nothing to show */
		if (row_other(rs, j->fingerprint)) {
			keys_judgement_clear(j);
			continue;	/* already shown from the store */
		}
		if (!secure) {
			j->usable = 0;
			j->trust = KEYS_TRUST_NONE;
			j->dane = 0;
			free(j->why);
			j->why = strdup("the SMIMEA record is in an unsigned "
			    "zone (DNSSEC insecure): not used for trust");
		}
		if (!j->dane) {
			/* Shown with the record that carried it. */
			j->usage = rr->usage;
			j->selector = rr->selector;
			j->matching = rr->matching;
		}
		if ((r = found_add(l, "smimea", secure ? "secure" : "insecure",
		    rr->data, rr->len, j, e)) != 0)
			return r;
	}
	return 0;
}

int
keys_lookup(struct keys *k, struct dns *dns, const char *address,
    unsigned flags, struct keys_lookup **lp, struct smerr *e)
{
	struct keys_lookup	*l = NULL;
	struct keys_judgement	 j;
	struct keys_smimea	*crr = NULL;
	struct answer		 an;
	struct rows		 rs;
	const struct keys_smimea *vouch = NULL;
	size_t			 i, ncached = 0, nvouch = 0, nstale = 0;
	time_t			 now = time(NULL);
	int			 r, use_cache;
	const char		*at;
	char			*alabels = NULL;

	*lp = NULL;
	memset(&an, 0, sizeof(an));
	memset(&rs, 0, sizeof(rs));
	memset(&j, 0, sizeof(j));
	if (address == NULL || (at = strrchr(address, '@')) == NULL ||
	    at == address || at[1] == '\0' || strlen(address) > 320)
		return smerr_set(e, SMERR_INVAL, "not an e-mail address: "
		    "%.80s", address != NULL ? address : "(none)");
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->address = strdup(address)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	/* Certificates and the cache name a domain in A-labels (RFC 8398). */
	if ((r = idn_addr_alabels(l->address, &alabels, e)) != 0)
		goto out;
	address = alabels;
	if ((r = rows_load(k, address, &rs, e)) != 0)
		goto out;

	/* The SMIMEA cache: fresh entries stand for their DANE-EE record. */
	for (i = 0; i < rs.n; i++)
		if (strcmp(rs.v[i].source, LOOKUP_SOURCE_SMIMEA) == 0) {
			ncached++;
			if (rs.v[i].expires <= now)
				nstale++;
		}
	/*
	 * Without DNS, fresh entries still count; with it, the cache is
	 * used only while every entry for the address is fresh.
	 */
	if (dns == NULL || (flags & KEYS_LOOKUP_NODNS))
		use_cache = ncached > 0;
	else
		use_cache = ncached > 0 && nstale == 0 &&
		    !(flags & KEYS_LOOKUP_REFRESH);
	if (use_cache && (crr = calloc(ncached, sizeof(*crr))) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	for (i = 0; use_cache && i < rs.n; i++)
		if (strcmp(rs.v[i].source, LOOKUP_SOURCE_SMIMEA) == 0 &&
		    rs.v[i].expires > now) {
			crr[nvouch].usage = KEYS_SMIMEA_DANE_EE;
			crr[nvouch].data = rs.v[i].der;
			crr[nvouch].len = rs.v[i].der_len;
			nvouch++;
		}
	if (use_cache && nvouch > 0) {
		vouch = crr;
		l->dns_status = "cached";
	} else if (dns != NULL && !(flags & KEYS_LOOKUP_NODNS)) {
		if ((r = smimea_query(dns, address, &an, e)) != 0)
			goto out;
		l->dns_status = dns_status_str(an.a->status);
		if (an.a->status == DNS_SECURE) {
			vouch = an.rrs;
			nvouch = an.nrr;
		}
		if ((r = dns_note(l, &an, address, e)) != 0)
			goto out;
	}
	if ((r = add_stored(k, &rs, address, vouch, nvouch, l, &j, e)) != 0)
		goto out;

	/* From the cache. */
	for (i = 0; vouch != NULL && vouch == crr && i < nvouch; i++) {
		if ((r = keys_smimea_judge(k, crr[i].data, crr[i].len, address,
		    KEYS_PURPOSE_ENCRYPT, crr, nvouch, &j, e)) != 0)
			goto out;
		if ((r = found_add(l, "smimea", "secure", crr[i].data,
		    crr[i].len, &j, e)) != 0)
			goto out;
	}

	if (an.a != NULL) {
		if ((r = add_published(k, &an, &rs, address, l, &j, e)) != 0)
			goto out;
		if ((r = cache_follow(k, &rs, l, an.a->status ==
		    DNS_INSECURE ? 0 : an.a->ttl, e)) != 0)
			goto out;
	}
	*lp = l;
	l = NULL;
	r = 0;
out:
	keys_judgement_clear(&j);
	answer_clear(&an);
	free(crr);
	rows_clear(&rs);
	keys_lookup_free(l);
	free(alabels);
	return r;
}

/*
 * Of the usable certificates from the source of l->found[first] (itself
 * usable), the one issued last: a correspondent's renewed certificate
 * over the one it replaces, whichever was imported first.
 */
static size_t
issued_last(const struct keys_lookup *l, size_t first)
{
	size_t	i, best = first;

	for (i = first + 1; i < l->n; i++)
		if (l->found[i].j.usable &&
		    strcmp(l->found[i].source, l->found[first].source) == 0 &&
		    l->found[i].j.not_before > l->found[best].j.not_before)
			best = i;
	return best;
}

int
keys_find_recipient(struct keys *k, struct dns *dns, const char *address,
    uint8_t **derp, size_t *lenp, const char **sourcep, struct smerr *e)
{
	struct keys_lookup	*l = NULL;
	struct buf		*why = NULL;
	size_t			 i;
	int			 r, round;

	*derp = NULL;
	*lenp = 0;
	if (sourcep != NULL)
		*sourcep = NULL;
	if ((why = buf_new(4096)) == NULL)
		return smerr_nomem(e);
	/* The key store first; DNS only when it holds nothing usable. */
	for (round = 0; round < 2; round++) {
		if (round == 1 && dns == NULL)
			break;
		keys_lookup_free(l);
		l = NULL;
		if ((r = keys_lookup(k, round == 0 ? NULL : dns, address,
		    round == 0 ? KEYS_LOOKUP_NODNS : 0, &l, e)) != 0)
			goto out;
		for (i = 0; i < l->n; i++) {
			if (!l->found[i].j.usable)
				continue;
			i = issued_last(l, i);
			if ((*derp = malloc(l->found[i].der_len)) == NULL) {
				r = smerr_nomem(e);
				goto out;
			}
			memcpy(*derp, l->found[i].der, l->found[i].der_len);
			*lenp = l->found[i].der_len;
			if (sourcep != NULL)
				*sourcep = strcmp(l->found[i].source, "store") ==
				    0 ? "store" : strcmp(l->found[i].source,
				    "harvested") == 0 ? "harvested" : "smimea";
			r = 0;
			goto out;
		}
	}
	/* Nothing usable: say why, certificate by certificate. */
	for (i = 0; l != NULL && i < l->n; i++)
		buf_printf(why, "%s%s certificate %.16s: %s",
		    buf_len(why) > 0 ? "; " : "", l->found[i].source,
		    l->found[i].j.fingerprint, l->found[i].j.why != NULL ?
		    l->found[i].j.why : "not usable");
	if (l != NULL && l->dns_note != NULL &&
	    strcmp(l->dns_status != NULL ? l->dns_status : "", "secure") != 0)
		buf_printf(why, "%s%s", buf_len(why) > 0 ? "; " : "",
		    l->dns_note);
	if (dns == NULL)
		buf_printf(why, "%sno DNS lookup was made",
		    buf_len(why) > 0 ? "; " : "");
	r = smerr_set(e, SMERR_NOTFOUND, "no usable certificate for %s: %s",
	    address, buf_len(why) > 0 ? buf_str(why) : "none found");
out:
	keys_lookup_free(l);
	buf_free(why);
	return r;
}

int
keys_dane_check(struct keys *k, struct dns *dns, const char *address,
    const uint8_t *der, size_t len, struct smerr *e)
{
	struct keys_judgement	 j;
	struct answer		 an;
	struct rows		 rs;
	time_t			 now = time(NULL);
	size_t			 i;
	int			 r;

	memset(&j, 0, sizeof(j));
	memset(&an, 0, sizeof(an));
	memset(&rs, 0, sizeof(rs));
	if (dns == NULL || address == NULL)
		return KEYS_DANE_NONE;
	/* A fresh cache entry of this very certificate costs no lookup. */
	if (k != NULL && rows_load(k, address, &rs, NULL) == 0) {
		if (keys_smimea_judge(NULL, der, len, address,
		    KEYS_PURPOSE_SIGN, NULL, 0, &j, e) != 0) {
			r = KEYS_DANE_ERROR;
			goto out;
		}
		for (i = 0; i < rs.n; i++)
			if (strcmp(rs.v[i].source, LOOKUP_SOURCE_SMIMEA) == 0 &&
			    rs.v[i].expires > now &&
			    strcmp(rs.v[i].fp, j.fingerprint) == 0) {
				r = KEYS_DANE_MATCH;
				goto out;
			}
		keys_judgement_clear(&j);
	}
	if (smimea_query(dns, address, &an, e) != 0) {
		r = KEYS_DANE_ERROR;
		goto out;
	}
	if (an.a->status == DNS_INSECURE) {
		r = KEYS_DANE_INSECURE;
		goto out;
	}
	if (an.a->status != DNS_SECURE || an.nrr == 0) {
		r = KEYS_DANE_NONE;
		goto out;
	}
	if (keys_smimea_judge(k, der, len, address, KEYS_PURPOSE_SIGN,
	    an.rrs, an.nrr, &j, e) != 0) {
		r = KEYS_DANE_ERROR;
		goto out;
	}
	if (j.dane && j.address_ok)
		r = KEYS_DANE_MATCH;
	else if (j.contradicted)
		r = KEYS_DANE_CONTRADICT;
	else
		r = KEYS_DANE_NONE;
	log_debug("dane: %s %s", address, r == KEYS_DANE_MATCH ? "match" :
	    r == KEYS_DANE_CONTRADICT ? "contradiction" : "none");
out:
	keys_judgement_clear(&j);
	answer_clear(&an);
	rows_clear(&rs);
	return r;
}

/* The identity keys_identity_for picks so far, and how good it is. */
struct idpick {
	struct keys	*k;
	const char	*address;
	uint8_t		*der;
	size_t		 len;
	int64_t		 id;
	int		 rank;		/* 2 usable, 1 in its validity, 0 */
	time_t		 not_before;
	int		 oom;
};

static int
idpick_cb(const struct keys_cert *kc, void *arg)
{
	struct idpick		*p = arg;
	struct keys_judgement	 j;
	time_t			 now = time(NULL);
	int			 rank;

	if (keys_smimea_judge(p->k, kc->der, kc->der_len, p->address,
	    KEYS_PURPOSE_SIGN, NULL, 0, &j, NULL) != 0)
		return 0;
	rank = j.usable ? 2 : j.not_before <= now && now < j.not_after;
	/* Newest first: a later one replaces it only when it is better. */
	if (p->der == NULL || rank > p->rank || (rank == p->rank &&
	    j.not_before > p->not_before)) {
		free(p->der);
		if ((p->der = malloc(kc->der_len)) == NULL) {
			p->oom = 1;
			keys_judgement_clear(&j);
			return 1;
		}
		memcpy(p->der, kc->der, kc->der_len);
		p->len = kc->der_len;
		p->id = kc->id;
		p->rank = rank;
		p->not_before = j.not_before;
	}
	keys_judgement_clear(&j);
	return 0;
}

int
keys_identity_for(struct keys *k, const char *address, uint8_t **derp,
    size_t *lenp, int64_t *idp, struct smerr *e)
{
	struct idpick	p;
	int		r;

	*derp = NULL;
	*lenp = 0;
	memset(&p, 0, sizeof(p));
	p.k = k;
	p.address = address;
	if ((r = keys_find_email(k, address, KEYS_IDENTITY, idpick_cb, &p,
	    e)) != 0 || p.oom) {
		free(p.der);
		return r != 0 ? r : smerr_nomem(e);
	}
	if (p.der == NULL)
		return smerr_set(e, SMERR_NOTFOUND, "no identity for %s",
		    address);
	*derp = p.der;
	*lenp = p.len;
	*idp = p.id;
	return 0;
}
