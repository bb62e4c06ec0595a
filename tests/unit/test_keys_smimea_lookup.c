/*
 * keys/lookup: the order of sources, the SMIMEA cache in a real store
 * (SQLCipher, in a temporary directory) with fresh and stale entries,
 * what send is told when nothing is usable, and that a fresh cache entry
 * answers without DNS: the resolver here is a UDP socket that never
 * answers, so any query would cost its one-second deadline.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "net/dns.h"
#include "store/store.h"
#include "keys/keys.h"
#include "keys/smimea.h"
#include "tests/unit/dns_test.h"
#include "tests/unit/lib/unit.h"

struct fx {
	struct dns_fx	 x;		/* ta.ds, a silent resolver */
	struct store	*st;
	struct keys	*k;
	struct dns	*dns;		/* on it */
	struct unit_pki	 pki;
	uint8_t		*alice, *alice2, *bob, *carol;
	int		 alice_len, alice2_len, bob_len, carol_len;
};

/* A certificate for email, valid for a year, as DER. */
static uint8_t *
issue(struct fx *f, const char *cn, const char *email, int *lenp)
{
	return unit_pki_issue(&f->pki, cn, email, -3600, 86400L * 365, NULL,
	    lenp);
}

static int
setup(void **state)
{
	struct fx		*f = calloc(1, sizeof(*f));
	uint8_t			 key[STORE_KEY_LEN];

	assert_non_null(f);
	dns_fx_init(&f->x, "test_keys_lookup");
	assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
	assert_int_equal(store_open(f->x.dir, key, &f->st, NULL), 0);
	assert_int_equal(keys_open(f->st, &f->k, NULL), 0);

	unit_pki_init(&f->pki, "lookup test CA");
	f->alice = issue(f, "alice", "alice@example.test", &f->alice_len);
	f->alice2 = issue(f, "alice 2", "alice@example.test", &f->alice2_len);
	f->bob = issue(f, "bob", "bob@example.test", &f->bob_len);
	f->carol = issue(f, "carol", "carol@example.test", &f->carol_len);

	f->dns = silent_dns(f->x.resolver, f->x.ta);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	dns_free(f->dns);
	keys_close(f->k);
	store_close(f->st);
	OPENSSL_free(f->alice);
	OPENSSL_free(f->alice2);
	OPENSSL_free(f->bob);
	OPENSSL_free(f->carol);
	unit_pki_free(&f->pki);
	dns_fx_free(&f->x);
	free(f);
	return 0;
}

/* What keys_find_recipient gave: a certificate and where it came from. */
struct recip {
	uint8_t		*der;
	size_t		 len;
	const char	*src;
};

static int
recipient(struct fx *f, struct dns *dns, const char *address, struct recip *r,
    struct smerr *e)
{
	return keys_find_recipient(f->k, dns, address, &r->der, &r->len,
	    &r->src, e);
}

/*
 * keys_find_recipient, without DNS, gives address the certificate der
 * (len bytes), found in src.
 */
static void
recipient_is(struct fx *f, const char *address, const char *src,
    const uint8_t *der, int len)
{
	struct recip	r = { NULL, 0, NULL };

	assert_int_equal(recipient(f, NULL, address, &r, NULL), 0);
	assert_string_equal(r.src, src);
	assert_int_equal(r.len, len);
	assert_memory_equal(r.der, der, r.len);
	free(r.der);
}

/* Tests run in order and build on each other's store. */

static void
test_empty(void **state)
{
	struct fx		*f = *state;
	struct keys_lookup	*l = NULL;
	struct smerr		 e;
	struct recip		 r = { NULL, 0, NULL };

	assert_int_equal(keys_lookup(f->k, NULL, "alice@example.test", 0, &l,
	    NULL), 0);
	assert_int_equal(l->n, 0);
	assert_null(l->dns_status);
	keys_lookup_free(l);
	smerr_clear(&e);
	assert_int_equal(recipient(f, NULL, "alice@example.test", &r, &e),
	    SMERR_NOTFOUND);
	assert_null(r.der);
	assert_non_null(strstr(smerr_msg(&e), "no DNS lookup was made"));
	assert_int_equal(keys_lookup(f->k, NULL, "no-at-sign", 0, &l, NULL),
	    SMERR_INVAL);
}

static void
test_store_order(void **state)
{
	struct fx		*f = *state;
	struct keys_lookup	*l = NULL;
	struct smerr		 e;
	struct recip		 r = { NULL, 0, NULL };

	/* An imported certificate from a CA nobody trusts: not usable. */
	assert_int_equal(keys_cert_add(f->k, f->alice2, f->alice2_len,
	    KEYS_PEER, "harvested", NULL, 0, NULL, NULL), 0);
	assert_int_equal(keys_cert_add(f->k, f->alice, f->alice_len,
	    KEYS_PEER, "imported", NULL, 0, NULL, NULL), 0);
	smerr_clear(&e);
	assert_int_equal(recipient(f, NULL, "alice@example.test", &r, &e),
	    SMERR_NOTFOUND);
	assert_non_null(strstr(smerr_msg(&e), "chain does not validate"));

	/* Trusting the CA makes both usable; the imported one comes first. */
	assert_int_equal(keys_cert_add(f->k, f->pki.ca_der, f->pki.ca_len,
	    KEYS_ANCHOR, "imported", NULL, 0, NULL, NULL), 0);
	assert_int_equal(keys_lookup(f->k, NULL, "ALICE@example.test", 0, &l,
	    NULL), 0);
	assert_int_equal(l->n, 2);
	assert_string_equal(l->found[0].source, "store");
	assert_string_equal(l->found[1].source, "harvested");
	assert_null(l->found[0].dnssec);
	assert_int_equal(l->found[0].j.trust, KEYS_TRUST_PKIX);
	assert_int_equal(l->found[0].j.usable, 1);
	assert_string_equal(l->found[0].j.chain, "ok");
	keys_lookup_free(l);
	recipient_is(f, "alice@example.test", "store", f->alice, f->alice_len);
}

static void
test_cache_fresh_and_stale(void **state)
{
	struct fx		*f = *state;
	struct keys_lookup	*l = NULL;
	struct smerr		 e;
	struct recip		 r = { NULL, 0, NULL };
	double			 t0;

	/* bob: cached from SMIMEA for another five minutes. */
	assert_int_equal(keys_cert_add(f->k, f->bob, f->bob_len, KEYS_PEER,
	    "smimea", NULL, time(NULL) + 300, NULL, NULL), 0);
	/* carol: cached, but the TTL has passed. */
	assert_int_equal(keys_cert_add(f->k, f->carol, f->carol_len,
	    KEYS_PEER, "smimea", NULL, time(NULL) - 1, NULL, NULL), 0);

	/* Without DNS, the fresh entry stands for its DANE-EE record. */
	assert_int_equal(keys_lookup(f->k, NULL, "bob@example.test", 0, &l,
	    NULL), 0);
	assert_int_equal(l->n, 1);
	assert_string_equal(l->dns_status, "cached");
	assert_string_equal(l->found[0].source, "smimea");
	assert_string_equal(l->found[0].dnssec, "secure");
	assert_int_equal(l->found[0].j.usage, 3);
	assert_int_equal(l->found[0].j.trust, KEYS_TRUST_PKIX_DANE);
	keys_lookup_free(l);

	/* With a resolver, a fresh cache costs no query: no deadline hit. */
	t0 = unit_now_ms();
	assert_int_equal(keys_lookup(f->k, f->dns, "bob@example.test", 0, &l,
	    NULL), 0);
	assert_true(unit_now_ms() - t0 < 500);
	assert_string_equal(l->dns_status, "cached");
	keys_lookup_free(l);
	t0 = unit_now_ms();
	assert_int_equal(recipient(f, f->dns, "bob@example.test", &r, NULL),
	    0);
	assert_true(unit_now_ms() - t0 < 500);
	assert_string_equal(r.src, "smimea");
	free(r.der);

	/* A stale entry is not used; with a resolver, DNS is asked. */
	assert_int_equal(keys_lookup(f->k, NULL, "carol@example.test", 0, &l,
	    NULL), 0);
	assert_int_equal(l->n, 0);
	keys_lookup_free(l);
	smerr_clear(&e);
	t0 = unit_now_ms();
	assert_int_equal(keys_lookup(f->k, f->dns, "carol@example.test", 0,
	    &l, &e), SMERR_TIMEOUT);
	assert_true(unit_now_ms() - t0 >= 950);
	assert_non_null(strstr(smerr_msg(&e), "the SMIMEA record of "
	    "carol@example.test"));
	/* So is an explicit refresh of a fresh one. */
	assert_int_equal(keys_lookup(f->k, f->dns, "bob@example.test",
	    KEYS_LOOKUP_REFRESH, &l, NULL), SMERR_TIMEOUT);
}

static void
test_dane_check(void **state)
{
	struct fx	*f = *state;
	struct smerr	 e;
	double		 t0;

	assert_int_equal(keys_dane_check(f->k, NULL, "bob@example.test",
	    f->bob, f->bob_len, NULL), KEYS_DANE_NONE);
	/* The cached certificate itself: a match, without DNS. */
	t0 = unit_now_ms();
	assert_int_equal(keys_dane_check(f->k, f->dns, "bob@example.test",
	    f->bob, f->bob_len, NULL), KEYS_DANE_MATCH);
	assert_true(unit_now_ms() - t0 < 500);
	/* Another certificate for bob: DNS is asked, and does not answer. */
	smerr_clear(&e);
	assert_int_equal(keys_dane_check(f->k, f->dns, "bob@example.test",
	    f->alice, f->alice_len, &e), KEYS_DANE_ERROR);
	assert_int_equal(e.code, SMERR_TIMEOUT);
}

/*
 * A certificate names a domain in A-labels (RFC 8398); an address written
 * with the U-labels finds it, in the store and in the SMIMEA cache.
 */
static void
test_idn(void **state)
{
	struct fx		*f = *state;
	struct keys_lookup	*l = NULL;
	struct smerr		 e;
	uint8_t			*u, *d;
	int			 ulen, dlen;

	u = issue(f, "user", "user@xn--bcher-kva.example", &ulen);
	d = issue(f, "dora", "dora@xn--bcher-kva.example", &dlen);
	assert_int_equal(keys_cert_add(f->k, u, ulen, KEYS_PEER, "imported",
	    NULL, 0, NULL, NULL), 0);
	assert_int_equal(keys_cert_add(f->k, d, dlen, KEYS_PEER, "smimea",
	    NULL, time(NULL) + 300, NULL, NULL), 0);
	assert_int_equal(keys_lookup(f->k, NULL, "user@b\xc3\xbc" "cher.example",
	    0, &l, NULL), 0);
	assert_int_equal(l->n, 1);
	assert_string_equal(l->found[0].source, "store");
	assert_int_equal(l->found[0].j.usable, 1);
	keys_lookup_free(l);
	/* Capitals and a decomposed ü are the same domain. */
	recipient_is(f, "user@BU\xcc\x88" "CHER.example", "store", u, ulen);
	assert_int_equal(keys_lookup(f->k, NULL, "dora@b\xc3\xbc" "cher.example",
	    0, &l, NULL), 0);
	assert_int_equal(l->n, 1);
	assert_string_equal(l->found[0].source, "smimea");
	assert_string_equal(l->dns_status, "cached");
	keys_lookup_free(l);
	/* Another domain that looks alike is not the same. */
	assert_int_equal(keys_lookup(f->k, NULL, "user@bucher.example", 0, &l,
	    NULL), 0);
	assert_int_equal(l->n, 0);
	keys_lookup_free(l);
	/* A domain IDNA refuses is an error naming it. */
	smerr_clear(&e);
	assert_int_equal(keys_lookup(f->k, NULL, "user@\xe2\x98\x83.example",
	    0, &l, &e), SMERR_INVAL);
	assert_null(l);
	assert_non_null(strstr(smerr_msg(&e), "not a valid domain name: "
	    "\xe2\x98\x83.example"));
	OPENSSL_free(u);
	OPENSSL_free(d);
}

int
main(void)
{
	return UNIT_RUN(setup, teardown,
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_store_order),
	    cmocka_unit_test(test_cache_fresh_and_stale),
	    cmocka_unit_test(test_dane_check),
	    cmocka_unit_test(test_idn));
}
