/*
 * keys/smimea: owner names (RFC 8162's own vector, IDNA A-labels from
 * RFC 3492's samples, NFC), rdata, selector and matching types, and the
 * four usages judged against certificates made here with OpenSSL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "keys/keys.h"
#include "keys/smimea.h"
#include "tests/unit/lib/unit.h"

/* --- owner names ---------------------------------------------------- */

static void
owner_is(const char *address, const char *want)
{
	struct smerr	 e;
	char		*o = NULL;

	smerr_clear(&e);
	assert_int_equal(keys_smimea_owner(address, &o, &e), 0);
	assert_string_equal(o, want);
	free(o);
}

static void
test_owner_vectors(void **st)
{
	(void)st;
	/* RFC 8162 section 3 (and RFC 7929's hugh). */
	owner_is("hugh@example.com", "c93f1e400f26708f98cb19d936620da35eec8f"
	    "72e57f9eec01c1afd6._smimecert.example.com");
	owner_is("alice@example.test", "2bd806c97f0e00af1a1fc3328fa763a92697"
	    "23c8db8fac4f93af71db._smimecert.example.test");
	/* The local part as written; the domain in lower case. */
	owner_is("hugh@EXAMPLE.com.", "c93f1e400f26708f98cb19d936620da35eec8f"
	    "72e57f9eec01c1afd6._smimecert.example.com");
	/* The last '@' separates: a quoted local part keeps its own. */
	owner_is("\"a@b\"@example.com", "72ced3e67b2cd3c254e4ea13f5a9475af08b"
	    "698353ef8cefde20d3e2._smimecert.example.com");
}

static void
test_owner_case_differs(void **st)
{
	char	*a = NULL, *b = NULL;

	(void)st;
	assert_int_equal(keys_smimea_owner("Alice@example.test", &a, NULL), 0);
	assert_int_equal(keys_smimea_owner("alice@example.test", &b, NULL), 0);
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

static void
test_owner_idna(void **st)
{
	(void)st;
	/* RFC 3492 7.1 sample (B), Chinese (simplified), and common ones. */
	owner_is("hugh@\xe4\xbb\x96\xe4\xbb\xac\xe4\xb8\xba\xe4\xbb\x80\xe4\xb9"
	    "\x88\xe4\xb8\x8d\xe8\xaf\xb4\xe4\xb8\xad\xe6\x96\x87.example",
	    "c93f1e400f26708f98cb19d936620da35eec8f72e57f9eec01c1afd6"
	    "._smimecert.xn--ihqwcrb4cv8a8dqg056pqjye.example");
	owner_is("hugh@b\xc3\xbc" "cher.example", "c93f1e400f26708f98cb19d93662"
	    "0da35eec8f72e57f9eec01c1afd6._smimecert.xn--bcher-kva.example");
	owner_is("hugh@M\xc3\xbcnchen.DE", "c93f1e400f26708f98cb19d936620da35e"
	    "ec8f72e57f9eec01c1afd6._smimecert.xn--mnchen-3ya.de");
	/* Capitals outside ASCII are lowered too (Ü, Greek, Cyrillic). */
	owner_is("hugh@M\xc3\x9cNCHEN.de", "c93f1e400f26708f98cb19d936620da35e"
	    "ec8f72e57f9eec01c1afd6._smimecert.xn--mnchen-3ya.de");
	owner_is("hugh@\xce\x95\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1.gr",
	    "c93f1e400f26708f98cb19d936620da35eec8f72e57f9eec01c1afd6"
	    "._smimecert.xn--hxakic4aa.gr");
	owner_is("hugh@\xd0\x9f\xd0\xa0\xd0\x98\xd0\x9c\xd0\x95\xd0\xa0.example",
	    "c93f1e400f26708f98cb19d936620da35eec8f72e57f9eec01c1afd6"
	    "._smimecert.xn--e1afmkfd.example");
}

static void
test_owner_nfc(void **st)
{
	char	*a = NULL, *b = NULL;

	(void)st;
	/* "café" composed (U+00E9) and decomposed (e, U+0301). */
	assert_int_equal(keys_smimea_owner("hugh@caf\xc3\xa9.example", &a,
	    NULL), 0);
	assert_int_equal(keys_smimea_owner("hugh@cafe\xcc\x81.example", &b,
	    NULL), 0);
	assert_string_equal(a, "c93f1e400f26708f98cb19d936620da35eec8f72e57f9"
	    "eec01c1afd6._smimecert.xn--caf-dma.example");
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void
test_owner_bad_idna(void **st)
{
	static const char *bad[] = {
		"a@\xe2\x98\x83.example",	/* U+2603, disallowed */
		"a@x\xe2\x80\x8dy.example",	/* a joiner out of context */
		"a@\xc3\xa9 b.example",	/* a space beside a U-label */
		"a@\xc3\xa9..example",
		"a@xn--zz.\xc3\xa9",		/* bad Punycode in an A-label */
	};
	struct smerr	 e;
	char		*o = NULL;
	size_t		 i;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		smerr_clear(&e);
		assert_int_equal(keys_smimea_owner(bad[i], &o, &e),
		    SMERR_INVAL);
		assert_null(o);
		assert_non_null(strstr(e.msg, "not a valid domain name: "));
		assert_non_null(strstr(e.msg, bad[i] + 2));
	}
}

static void
test_owner_bad(void **st)
{
	static const char *bad[] = {
		"", "nobody", "@example.com", "a@", "a@b..c", "a@.b", "a@b c",
		"a@-b.c", "a@b-.c", "a@\xff.c", "a@\x1b[31m.c", "a@b_c.d",
		"a@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		".c",
	};
	struct smerr	 e;
	char		*o = NULL;
	size_t		 i;

	(void)st;
	assert_int_equal(keys_smimea_owner(NULL, &o, NULL), SMERR_INVAL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		smerr_clear(&e);
		assert_int_equal(keys_smimea_owner(bad[i], &o, &e), SMERR_INVAL);
		assert_null(o);
	}
}

/* --- a small PKI ------------------------------------------------------ */

struct pki {
	struct unit_pki	 pki;
	uint8_t		*alice_der, *old_der, *bob_der, *noeku_der;
	int		 alice_len, old_len, bob_len, noeku_len;
};

static int
setup(void **st)
{
	struct pki	*p = calloc(1, sizeof(*p));

	assert_non_null(p);
	unit_pki_init(&p->pki, "test CA");
	p->alice_der = unit_pki_issue(&p->pki, "alice", "alice@example.test",
	    -3600, 86400L * 365, "emailProtection", &p->alice_len);
	p->old_der = unit_pki_issue(&p->pki, "alice", "alice@example.test",
	    -86400L * 10, -86400L, "emailProtection", &p->old_len);
	p->bob_der = unit_pki_issue(&p->pki, "bob", "bob@example.test",
	    -3600, 86400L * 365, "emailProtection", &p->bob_len);
	p->noeku_der = unit_pki_issue(&p->pki, "alice", "alice@example.test",
	    -3600, 86400L * 365, "serverAuth", &p->noeku_len);
	*st = p;
	return 0;
}

static int
teardown(void **st)
{
	struct pki	*p = *st;

	OPENSSL_free(p->alice_der);
	OPENSSL_free(p->old_der);
	OPENSSL_free(p->bob_der);
	OPENSSL_free(p->noeku_der);
	unit_pki_free(&p->pki);
	free(p);
	return 0;
}

static struct keys_smimea
rec(int u, int s, int m, const uint8_t *data, size_t len)
{
	struct keys_smimea	r;

	r.usage = u;
	r.selector = s;
	r.matching = m;
	r.data = data;
	r.len = len;
	return r;
}

/* --- rdata and matching ---------------------------------------------- */

static void
test_parse(void **st)
{
	static const uint8_t	 rd[] = { 3, 1, 1, 0xab, 0xcd };
	struct keys_smimea	 r;

	(void)st;
	assert_int_equal(keys_smimea_parse(rd, 2, &r, NULL), SMERR_PARSE);
	assert_int_equal(keys_smimea_parse(NULL, 0, &r, NULL), SMERR_PARSE);
	assert_int_equal(keys_smimea_parse(rd, sizeof(rd), &r, NULL), 0);
	assert_int_equal(r.usage, 3);
	assert_int_equal(r.selector, 1);
	assert_int_equal(r.matching, 1);
	assert_int_equal(r.len, 2);
	assert_ptr_equal(r.data, rd + 3);
	assert_int_equal(keys_smimea_parse(rd, 3, &r, NULL), 0);
	assert_int_equal(r.len, 0);
}

static void
test_match(void **st)
{
	struct pki		*p = *st;
	struct keys_smimea	 r;
	const unsigned char	*q = p->alice_der;
	unsigned char		*spki = NULL, md[64];
	unsigned int		 mdlen;
	X509			*x;
	int			 spki_len;

	x = d2i_X509(NULL, &q, p->alice_len);
	assert_non_null(x);
	spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
	assert_true(spki_len > 0);

	r = rec(3, 0, 0, p->alice_der, p->alice_len);
	assert_int_equal(keys_smimea_match(&r, p->alice_der, p->alice_len,
	    NULL), 1);
	assert_int_equal(keys_smimea_match(&r, p->bob_der, p->bob_len, NULL),
	    0);
	r = rec(3, 1, 0, spki, spki_len);
	assert_int_equal(keys_smimea_match(&r, p->alice_der, p->alice_len,
	    NULL), 1);
	EVP_Digest(spki, spki_len, md, &mdlen, EVP_sha256(), NULL);
	r = rec(3, 1, 1, md, mdlen);
	assert_int_equal(keys_smimea_match(&r, p->alice_der, p->alice_len,
	    NULL), 1);
	/* bob has the same key: SPKI records match him too, by design. */
	assert_int_equal(keys_smimea_match(&r, p->bob_der, p->bob_len, NULL),
	    1);
	EVP_Digest(p->alice_der, p->alice_len, md, &mdlen, EVP_sha512(), NULL);
	r = rec(3, 0, 2, md, mdlen);
	assert_int_equal(keys_smimea_match(&r, p->alice_der, p->alice_len,
	    NULL), 1);
	assert_int_equal(keys_smimea_match(&r, p->bob_der, p->bob_len, NULL),
	    0);
	r.len = 32;		/* a SHA-512 cut short is no match */
	assert_int_equal(keys_smimea_match(&r, p->alice_der, p->alice_len,
	    NULL), 0);
	r = rec(3, 2, 0, p->alice_der, p->alice_len);	/* unknown selector */
	assert_int_equal(keys_smimea_match(&r, p->alice_der, p->alice_len,
	    NULL), 0);
	r = rec(3, 0, 3, p->alice_der, p->alice_len);	/* unknown matching */
	assert_int_equal(keys_smimea_match(&r, p->alice_der, p->alice_len,
	    NULL), 0);
	assert_int_equal(keys_smimea_match(&r, (const uint8_t *)"junk", 4,
	    NULL), SMERR_PARSE);
	/* Trailing bytes after the certificate: not a certificate. */
	{
		uint8_t	*longer = malloc(p->alice_len + 1);

		memcpy(longer, p->alice_der, p->alice_len);
		longer[p->alice_len] = 0;
		r = rec(3, 0, 0, p->alice_der, p->alice_len);
		assert_int_equal(keys_smimea_match(&r, longer,
		    p->alice_len + 1, NULL), SMERR_PARSE);
		free(longer);
	}
	OPENSSL_free(spki);
	X509_free(x);
}

/* --- usages ------------------------------------------------------------ */

/*
 * What a judgement must say: each field set with IS() is checked, the
 * others are not; why, when set, is a part of j.why (no_why: j.why is
 * NULL); emails, when set, is j.emails.
 */
#define IS(v)	((v) + 1)
struct want {
	int		 pkix, dane, usable, trust, usage, contradicted;
	int		 address_ok, no_why;
	const char	*why;
	const char	*emails;
};

static void
want_field(int got, int want)
{
	if (want != 0)
		assert_int_equal(got, want - 1);
}

/*
 * Judges der (its length len) at addr for encryption against the n
 * records rrs, and checks the judgement against w.
 */
static void
judged(const uint8_t *der, int len, const char *addr,
    const struct keys_smimea *rrs, size_t n, const struct want *w)
{
	struct keys_judgement	j;

	assert_int_equal(keys_smimea_judge(NULL, der, len, addr,
	    KEYS_PURPOSE_ENCRYPT, rrs, n, &j, NULL), 0);
	want_field(j.pkix, w->pkix);
	want_field(j.dane, w->dane);
	want_field(j.usable, w->usable);
	want_field((int)j.trust, w->trust);
	want_field(j.usage, w->usage);
	want_field(j.contradicted, w->contradicted);
	want_field(j.address_ok, w->address_ok);
	if (w->no_why)
		assert_null(j.why);
	if (w->why != NULL) {
		assert_non_null(j.why);
		assert_non_null(strstr(j.why, w->why));
	}
	if (w->emails != NULL)
		assert_string_equal(j.emails, w->emails);
	keys_judgement_clear(&j);
}

/* Judges alice's certificate at her address. */
#define ALICE(p, rrs, n, ...)						\
	judged((p)->alice_der, (p)->alice_len, "alice@example.test",	\
	    (rrs), (n), &(const struct want){ __VA_ARGS__ })

static void
test_dane_ee(void **st)
{
	struct pki		*p = *st;
	struct keys_smimea	 r = rec(3, 0, 0, p->alice_der, p->alice_len);

	/* The CA is in no trust store: DNSSEC alone vouches. */
	ALICE(p, &r, 1, .pkix = IS(0), .dane = IS(1), .usable = IS(1),
	    .trust = IS(KEYS_TRUST_DANE), .usage = IS(3),
	    .contradicted = IS(0), .emails = "alice@example.test",
	    .no_why = 1);

	/* Addresses compare without regard to case. */
	judged(p->alice_der, p->alice_len, "Alice@Example.TEST", &r, 1,
	    &(const struct want){ .usable = IS(1) });

	/* No record, no anchor: nothing vouches. */
	ALICE(p, NULL, 0, .usable = IS(0), .trust = IS(KEYS_TRUST_NONE),
	    .why = "chain does not validate");
}

static void
test_address_and_validity(void **st)
{
	struct pki		*p = *st;
	struct keys_smimea	 r;

	/* A record carrying bob's certificate at alice's name. */
	r = rec(3, 0, 0, p->bob_der, p->bob_len);
	judged(p->bob_der, p->bob_len, "alice@example.test", &r, 1,
	    &(const struct want){ .address_ok = IS(0), .usable = IS(0),
	    .trust = IS(KEYS_TRUST_NONE),
	    .why = "not for alice@example.test" });

	/* Expired, though a record names it. */
	r = rec(3, 0, 0, p->old_der, p->old_len);
	judged(p->old_der, p->old_len, "alice@example.test", &r, 1,
	    &(const struct want){ .dane = IS(1), .usable = IS(0),
	    .why = "expired" });

	/* Restricted to server authentication: not for e-mail. */
	r = rec(3, 0, 0, p->noeku_der, p->noeku_len);
	judged(p->noeku_der, p->noeku_len, "alice@example.test", &r, 1,
	    &(const struct want){ .usable = IS(0),
	    .why = "encrypting e-mail" });
}

static void
test_pkix_ee_untrusted(void **st)
{
	struct pki		*p = *st;
	struct keys_smimea	 r = rec(1, 0, 0, p->alice_der, p->alice_len);

	/* It matches; PKIX fails. */
	ALICE(p, &r, 1, .pkix = IS(0), .dane = IS(0), .usable = IS(0),
	    .contradicted = IS(0), .why = "PKIX-EE record matches");

	/* PKIX-TA naming an untrusted CA does not help either. */
	r = rec(0, 0, 0, p->pki.ca_der, p->pki.ca_len);
	ALICE(p, &r, 1, .dane = IS(0), .usable = IS(0));
}

static void
test_dane_ta(void **st)
{
	struct pki		*p = *st;
	struct keys_smimea	 r = rec(2, 0, 0, p->pki.ca_der, p->pki.ca_len);
	unsigned char		 md[64];
	unsigned int		 mdlen;

	/* The record carries the anchor: the chain is built to it. */
	ALICE(p, &r, 1, .dane = IS(1), .usage = IS(2), .usable = IS(1),
	    .trust = IS(KEYS_TRUST_DANE));

	/* A digest of an anchor nobody holds names nothing: contradicted. */
	EVP_Digest(p->pki.ca_der, p->pki.ca_len, md, &mdlen, EVP_sha256(),
	    NULL);
	r = rec(2, 0, 1, md, mdlen);
	ALICE(p, &r, 1, .dane = IS(0), .contradicted = IS(1),
	    .usable = IS(0));

	/* DANE-TA naming the end entity itself is no anchor for it... */
	r = rec(2, 0, 0, p->alice_der, p->alice_len);
	ALICE(p, &r, 1, .dane = IS(0), .usable = IS(0));
	/* ...nor is another end entity. */
	r = rec(2, 0, 0, p->bob_der, p->bob_len);
	ALICE(p, &r, 1, .dane = IS(0));
}

static void
test_contradiction(void **st)
{
	struct pki		*p = *st;
	struct keys_smimea	 rr[3];
	struct keys_judgement	 j;

	/* Records for another certificate only: contradicted. */
	rr[0] = rec(3, 0, 0, p->bob_der, p->bob_len);
	ALICE(p, rr, 1, .contradicted = IS(1), .usable = IS(0),
	    .why = "name another certificate");

	/* Unusable records (unknown usage, selector) are ignored. */
	rr[0] = rec(4, 0, 0, p->bob_der, p->bob_len);
	rr[1] = rec(3, 7, 0, p->bob_der, p->bob_len);
	ALICE(p, rr, 2, .contradicted = IS(0));

	/* One record of several is enough. */
	rr[2] = rec(3, 0, 0, p->alice_der, p->alice_len);
	ALICE(p, rr, 3, .dane = IS(1), .usable = IS(1));

	assert_int_equal(keys_smimea_judge(NULL, (const uint8_t *)"x", 1,
	    "a@b.c", KEYS_PURPOSE_ENCRYPT, NULL, 0, &j, NULL), SMERR_PARSE);
	keys_judgement_clear(NULL);
	keys_lookup_free(NULL);
	assert_string_equal(keys_trust_str(KEYS_TRUST_PKIX_DANE), "pkix+dane");
	assert_string_equal(keys_trust_str(KEYS_TRUST_NONE), "none");
}

int
main(void)
{
	return UNIT_RUN(setup, teardown,
	    cmocka_unit_test(test_owner_vectors),
	    cmocka_unit_test(test_owner_case_differs),
	    cmocka_unit_test(test_owner_idna),
	    cmocka_unit_test(test_owner_nfc),
	    cmocka_unit_test(test_owner_bad_idna),
	    cmocka_unit_test(test_owner_bad),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_match),
	    cmocka_unit_test(test_dane_ee),
	    cmocka_unit_test(test_address_and_validity),
	    cmocka_unit_test(test_pkix_ee_untrusted),
	    cmocka_unit_test(test_dane_ta),
	    cmocka_unit_test(test_contradiction));
}
