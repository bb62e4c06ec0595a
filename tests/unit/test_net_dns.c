/*
 * net/dns: arguments, trust anchor files, names, the deadline against a
 * resolver that never answers (and a server's TLSA lookup that fails so),
 * and the special-use "test." rule. The
 * answers of a real signed zone are in tests/integration/dns_*.sh.
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

#include "base/err.h"
#include "net/dns.h"
#include "net/net.h"
#include "tests/unit/dns_test.h"
#include "tests/unit/lib/unit.h"

/* A DS line of the same shape for the root. */
#define ROOT_DS	". IN DS 20326 8 2 " \
	"e06d44b80b8f1d39a95c0b0d7c65d08458e880409bbc683457104237c7f8ec8d\n"

struct fixture {
	struct dns_fx	x;		/* ta.ds, a silent resolver */
	char		root_ta[160];
	char		empty_ta[160];
};

static int
setup(void **st)
{
	struct fixture		*f;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	dns_fx_init(&f->x, "test_net_dns");
	snprintf(f->root_ta, sizeof(f->root_ta), "%s/root.ds", f->x.dir);
	snprintf(f->empty_ta, sizeof(f->empty_ta), "%s/empty.ds", f->x.dir);
	unit_write_file(f->root_ta, ROOT_DS);
	unit_write_file(f->empty_ta, "; nothing but a comment\n\n");
	*st = f;
	return 0;
}

static int
teardown(void **st)
{
	struct fixture	*f = *st;

	dns_fx_free(&f->x);
	free(f);
	return 0;
}

static void
test_null_and_names(void **st)
{
	(void)st;
	dns_free(NULL);
	dns_answer_free(NULL);
	assert_string_equal(dns_status_str(DNS_SECURE), "secure");
	assert_string_equal(dns_status_str(DNS_SECURE_DENIAL),
	    "secure-denial");
	assert_string_equal(dns_status_str(DNS_INSECURE), "insecure");
}

static void
test_anchor_files(void **st)
{
	struct fixture		*f = *st;
	struct dns_config	 c;
	struct dns		*d = NULL;
	struct smerr		 e;
	char			 missing[128];

	memset(&c, 0, sizeof(c));
	c.resolver = f->x.resolver;
	snprintf(missing, sizeof(missing), "%s/none.ds", f->x.dir);
	c.trust_anchor = missing;
	smerr_clear(&e);
	assert_int_equal(dns_new(&c, &d, &e), SMERR_IO);
	assert_null(d);
	assert_non_null(strstr(smerr_msg(&e), missing));

	c.trust_anchor = f->empty_ta;
	smerr_clear(&e);
	assert_int_equal(dns_new(&c, &d, &e), SMERR_CONFIG);
	assert_non_null(strstr(smerr_msg(&e), "no anchor"));

	c.trust_anchor = f->x.ta;
	c.resolver = "resolver.example@53";
	smerr_clear(&e);
	assert_int_equal(dns_new(&c, &d, &e), SMERR_DNS);
	assert_non_null(strstr(smerr_msg(&e), "not an address"));

	c.resolver = f->x.resolver;
	smerr_clear(&e);
	assert_int_equal(dns_new(&c, &d, &e), 0);
	dns_free(d);
}

static void
test_bad_names(void **st)
{
	static const char *bad[] = {
		"", ".", "a..b", "a b.test", "a\n.test", "-\xc3\xa9.test",
		"x.\x1b[31m.test",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		".test",
	};
	struct fixture		*f = *st;
	struct dns		*d = NULL;
	struct dns_answer	*a = NULL;
	struct smerr		 e;
	char			 longname[300];
	size_t			 i;

	d = silent_dns(f->x.resolver, f->x.ta);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		smerr_clear(&e);
		assert_int_equal(dns_query(d, bad[i], DNS_T_A, &a, &e),
		    SMERR_INVAL);
		assert_null(a);
	}
	/* 254 octets: one past the limit. */
	memset(longname, 'a', sizeof(longname));
	for (i = 50; i < 254; i += 51)
		longname[i] = '.';
	longname[254] = '\0';
	assert_int_equal(dns_query(d, longname, DNS_T_A, &a, NULL),
	    SMERR_INVAL);
	assert_int_equal(dns_query(d, "ok.test", 0, &a, NULL), SMERR_INVAL);
	assert_int_equal(dns_query(d, "ok.test", 70000, &a, NULL),
	    SMERR_INVAL);
	dns_free(d);
}

/* A resolver that never answers costs the deadline, not 17 s. */
static void
test_deadline(void **st)
{
	struct fixture		*f = *st;
	struct dns		*d = NULL;
	struct dns_answer	*a = NULL;
	struct smerr		 e;
	double			 t0, ms;

	d = silent_dns(f->x.resolver, f->x.ta);
	smerr_clear(&e);
	t0 = unit_now_ms();
	assert_int_equal(dns_query(d, "2bd806c97f0e00af1a1fc3328fa763a9269723"
	    "c8db8fac4f93af71db._smimecert.example.test", DNS_T_SMIMEA, &a,
	    &e), SMERR_TIMEOUT);
	ms = unit_now_ms() - t0;
	assert_null(a);
	assert_true(ms >= 950 && ms < 1500);
	assert_non_null(strstr(smerr_msg(&e), "within 1 s"));
	/* The context stays usable after a cancelled query. */
	t0 = unit_now_ms();
	assert_int_equal(dns_query(d, "mail.example.test", DNS_T_A, &a, NULL),
	    SMERR_TIMEOUT);
	assert_true(unit_now_ms() - t0 < 1500);
	dns_free(d);
}

/*
 * A server's TLSA lookup that gets no answer leaves PKIX to decide, and
 * says why: the status is "failed", with the resolver's reason.
 */
static void
test_tlsa_failed(void **st)
{
	struct fixture		*f = *st;
	struct dns		*d;
	struct net_server	 srv;
	struct net_lookup	*lk = NULL;
	struct smerr		 e;

	d = silent_dns(f->x.resolver, f->x.ta);
	memset(&srv, 0, sizeof(srv));
	srv.host = "mail.example.test";
	srv.port = 993;
	smerr_clear(&e);
	assert_int_equal(net_server_lookup(d, 0, &srv, &lk, &e), 0);
	assert_int_equal(srv.tlsa_status, NET_TLSA_FAILED);
	assert_int_equal(srv.ntlsa, 0);
	assert_non_null(srv.tlsa_why);
	assert_non_null(strstr(srv.tlsa_why,
	    "DNS lookup of _993._tcp.mail.example.test"));
	assert_non_null(strstr(srv.tlsa_why, "within 1 s"));
	net_lookup_free(lk);
	dns_free(d);
}

/*
 * unbound answers "test." itself (a static NXDOMAIN zone). With an
 * anchor at the root that stays so: no query leaves, the answer is an
 * insecure denial at once. With an anchor under "test." the query goes
 * to the resolver (here one that never answers: a timeout).
 */
static void
test_special_use_test(void **st)
{
	struct fixture		*f = *st;
	struct dns		*d = NULL;
	struct dns_answer	*a = NULL;
	double			 t0;

	d = silent_dns(f->x.resolver, f->root_ta);
	t0 = unit_now_ms();
	assert_int_equal(dns_query(d, "mail.example.test.", DNS_T_A, &a,
	    NULL), 0);
	assert_true(unit_now_ms() - t0 < 500);
	assert_int_equal(a->status, DNS_INSECURE);
	assert_int_equal(a->nxdomain, 1);
	assert_int_equal(a->nrr, 0);
	assert_string_equal(a->qname, "mail.example.test.");
	dns_answer_free(a);
	dns_free(d);

	d = silent_dns(f->x.resolver, f->x.ta);
	assert_int_equal(dns_query(d, "mail.example.test", DNS_T_A, &a, NULL),
	    SMERR_TIMEOUT);
	dns_free(d);
}

/* SRV rdata: a good record, "." as target, and every way to be malformed. */
static void
test_srv_decode(void **st)
{
	static const uint8_t	 good[] = { 0, 10, 0, 5, 0x03, 0xe1,
	    4, 'M', 'a', 'i', 'L', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	    4, 't', 'e', 's', 't', 0 };
	static const uint8_t	 root[] = { 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t	 bad_char[] = { 0, 0, 0, 0, 0, 1, 3, 'a',
	    '.', 'b', 0 };
	static const uint8_t	 ctl_char[] = { 0, 0, 0, 0, 0, 1, 2, 'a',
	    0x1b, 0 };
	static const uint8_t	 overrun[] = { 0, 0, 0, 0, 0, 1, 9, 'a',
	    'b', 0 };
	static const uint8_t	 no_end[] = { 0, 0, 0, 0, 0, 1, 1, 'a' };
	static const uint8_t	 trailing[] = { 0, 0, 0, 0, 0, 1, 1, 'a', 0,
	    'x' };
	static const uint8_t	 pointer[] = { 0, 0, 0, 0, 0, 1, 0xc0, 0x0c };
	static const uint8_t	 shortrr[] = { 0, 0, 0, 0, 0, 1 };
	const struct {
		const uint8_t	*p;
		size_t		 len;
	} bad[] = {
		{ bad_char, sizeof(bad_char) }, { ctl_char, sizeof(ctl_char) },
		{ overrun, sizeof(overrun) }, { no_end, sizeof(no_end) },
		{ trailing, sizeof(trailing) }, { pointer, sizeof(pointer) },
		{ shortrr, sizeof(shortrr) },
	};
	struct dns_rr		 rr;
	struct dns_srv		 s;
	size_t			 i;

	(void)st;
	rr.data = good;
	rr.len = sizeof(good);
	assert_int_equal(dns_srv_decode(&rr, &s, NULL), 0);
	assert_int_equal(s.priority, 10);
	assert_int_equal(s.weight, 5);
	assert_int_equal(s.port, 993);
	assert_string_equal(s.target, "mail.example.test");
	rr.data = root;
	rr.len = sizeof(root);
	assert_int_equal(dns_srv_decode(&rr, &s, NULL), 0);
	assert_string_equal(s.target, "");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rr.data = bad[i].p;
		rr.len = bad[i].len;
		assert_int_equal(dns_srv_decode(&rr, &s, NULL), SMERR_PARSE);
	}
}

int
main(void)
{
	return UNIT_RUN(setup, teardown,
	    cmocka_unit_test(test_null_and_names),
	    cmocka_unit_test(test_anchor_files),
	    cmocka_unit_test(test_bad_names),
	    cmocka_unit_test(test_deadline),
	    cmocka_unit_test(test_tlsa_failed),
	    cmocka_unit_test(test_special_use_test),
	    cmocka_unit_test(test_srv_decode));
}
