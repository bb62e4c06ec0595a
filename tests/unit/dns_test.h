/*
 * tests/unit/dns_test.h: what the unit tests that need a resolver share:
 * a DS line of the lab's shape for a trust anchor file, a private
 * directory holding one beside a resolver that never answers
 * (unit_silent_udp), and a context on that resolver. Include after
 * net/dns.h and cmocka.h.
 */
#ifndef SEALMAIL_TEST_DNS_TEST_H
#define SEALMAIL_TEST_DNS_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/lib/unit.h"

/* A DS line of the lab's shape; its digest matters to no unit test. */
#define TEST_DS	"example.test. IN DS 28256 13 2 " \
	"216a4ef486a9ea0d494f2470a470443f7a477877665b4c5ae231bce10894ec9a\n"

/*
 * A private directory dir with the trust anchor file ta (TEST_DS), and a
 * resolver that never answers: the socket silent, its address resolver.
 */
struct silent_res {
	char	dir[64];
	char	ta[96];
	char	resolver[32];
	int	silent;
};

/* Makes r: the directory /tmp/NAME.XXXXXX, its ta.ds, the socket. */
static void
silent_res_init(struct silent_res *r, const char *name)
{
	snprintf(r->dir, sizeof(r->dir), "/tmp/%s.XXXXXX", name);
	assert_non_null(mkdtemp(r->dir));
	snprintf(r->ta, sizeof(r->ta), "%s/ta.ds", r->dir);
	unit_write_file(r->ta, "; the lab's anchor\n" TEST_DS);
	r->silent = unit_silent_udp(r->resolver, sizeof(r->resolver));
}

/* Closes r's socket and removes its directory. */
static void
silent_res_clear(struct silent_res *r)
{
	close(r->silent);
	unit_rmrf(r->dir);
}

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
