/*
 * net_dnsq: one validated lookup through net/dns, for the integration
 * tests and for timing.
 *
 *	net_dnsq [-r addr@port] [-a anchor-file] [-t seconds] [-n repeat]
 *	    NAME TYPE
 *
 * TYPE is a number or A, AAAA, TLSA, SMIMEA. Prints "status S", "ttl N",
 * "nxdomain 0|1" and one "rr HEX" line per record, then "ms N" (the time
 * of the lookups, after the context is made). On failure it prints
 * "error CODE: message" on stderr and exits 1; CODE is dnssec, timeout,
 * dns or other. With -n the same query is repeated in one context.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/err.h"
#include "net/dns.h"
#include "tests/tools/lib/tool.h"

static int
type_of(const char *s)
{
	char	*end;
	long	 v;

	if (strcasecmp(s, "A") == 0)
		return DNS_T_A;
	if (strcasecmp(s, "AAAA") == 0)
		return DNS_T_AAAA;
	if (strcasecmp(s, "TLSA") == 0)
		return DNS_T_TLSA;
	if (strcasecmp(s, "SMIMEA") == 0)
		return DNS_T_SMIMEA;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v <= 0 || v > 65535)
		return -1;
	return (int)v;
}

static const char *
code_name(int code)
{
	switch (code) {
	case SMERR_DNSSEC:
		return "dnssec";
	case SMERR_TIMEOUT:
		return "timeout";
	case SMERR_DNS:
		return "dns";
	}
	return "other";
}

int
main(int argc, char **argv)
{
	struct dns_config	 cfg;
	struct dns		*d = NULL;
	struct dns_answer	*a = NULL;
	struct smerr		 e;
	double			 t0, ms;
	size_t			 i, j;
	long			 repeat = 1, k;
	int			 ch, type, r;

	memset(&cfg, 0, sizeof(cfg));
	smerr_clear(&e);
	while ((ch = getopt(argc, argv, "a:n:r:t:")) != -1) {
		if (tool_dns_opt(ch, optarg, &cfg))
			continue;
		switch (ch) {
		case 'n':
			repeat = strtol(optarg, NULL, 10);
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2 || (type = type_of(argv[1])) < 0 || repeat < 1)
		goto usage;
	if ((r = dns_new(&cfg, &d, &e)) != 0)
		goto fail;
	t0 = tool_now_ms();
	for (k = 0; k < repeat; k++) {
		dns_answer_free(a);
		a = NULL;
		if ((r = dns_query(d, argv[0], type, &a, &e)) != 0)
			goto fail;
	}
	ms = (tool_now_ms() - t0) / (double)repeat;
	printf("status %s\nttl %u\nnxdomain %d\n", dns_status_str(a->status),
	    a->ttl, a->nxdomain);
	for (i = 0; i < a->nrr; i++) {
		printf("rr ");
		for (j = 0; j < a->rr[i].len; j++)
			printf("%02x", a->rr[i].data[j]);
		printf("\n");
	}
	printf("ms %.3f\n", ms);
	dns_answer_free(a);
	dns_free(d);
	return 0;
fail:
	fprintf(stderr, "error %s: %s\n", code_name(r), smerr_msg(&e));
	dns_answer_free(a);
	dns_free(d);
	return 1;
usage:
	fprintf(stderr, "usage: net_dnsq [-r addr@port] [-a anchor] "
	    "[-t seconds] [-n repeat] NAME TYPE\n");
	return 2;
}
