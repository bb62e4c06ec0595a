/*
 * tests/unit/dns_test.h: what the unit tests that need a resolver share:
 * a DS line of the lab's shape for a trust anchor file, a private
 * directory with such a file and a resolver that never answers
 * (unit_silent_udp), and a context on it. Include after net/dns.h and
 * cmocka.h.
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

/*
 * A private directory, the trust anchor file ta.ds in it (a comment line,
 * then TEST_DS) and a UDP socket that never answers, at resolver.
 */
struct dns_fx {
	char	*dir;
	char	 ta[128];
	char	 resolver[32];	/* "127.0.0.1@PORT" */
	int	 silent;
};

/* x made afresh, its directory /tmp/NAME.XXXXXX. */
static void
dns_fx_init(struct dns_fx *x, const char *name)
{
	x->dir = unit_tmpdir(name);
	snprintf(x->ta, sizeof(x->ta), "%s/ta.ds", x->dir);
	unit_write_file(x->ta, "; the lab's anchor\n" TEST_DS);
	x->silent = unit_silent_udp(x->resolver, sizeof(x->resolver));
}

/* The socket of x closed, its directory removed. */
static void
dns_fx_free(struct dns_fx *x)
{
	close(x->silent);
	unit_rmrf(x->dir);
	free(x->dir);
}

#endif
