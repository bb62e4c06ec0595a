/*
 * tests/unit/dns_test.h: what the unit tests that need a resolver share:
 * a DS line of the lab's shape for a trust anchor file, and a context on
 * a resolver that never answers (unit_silent_udp). Include after
 * net/dns.h and cmocka.h.
 */
#ifndef SEALMAIL_TEST_DNS_TEST_H
#define SEALMAIL_TEST_DNS_TEST_H

#include <string.h>

/* A DS line of the lab's shape; its digest matters to no unit test. */
#define TEST_DS	"example.test. IN DS 28256 13 2 " \
	"216a4ef486a9ea0d494f2470a470443f7a477877665b4c5ae231bce10894ec9a\n"

/* A context on the resolver res ("127.0.0.1@PORT"), anchored at ta: 1 s. */
static struct dns *
silent_dns(const char *res, const char *ta)
{
	struct dns_config	 c;
	struct dns		*d = NULL;

	memset(&c, 0, sizeof(c));
	c.resolver = res;
	c.trust_anchor = ta;
	c.timeout = 1;
	assert_int_equal(dns_new(&c, &d, NULL), 0);
	return d;
}

#endif
