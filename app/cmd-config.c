/* sealmail config check: parse the configuration and show what it says. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/text.h"
#include "app/app_int.h"

static const char *
tls_name(enum app_tls t)
{
	return t == APP_TLS_IMPLICIT ? "implicit TLS" : "STARTTLS";
}

static const char *
revocation_name(enum app_revocation r)
{
	switch (r) {
	case APP_REVOCATION_CRL:
		return "crl";
	case APP_REVOCATION_OFF:
		return "off";
	default:
		return "ocsp+crl";
	}
}

static int
cmd_config_check(struct cli *c, int argc, char **argv)
{
	const struct app_account	*a;
	size_t				 i;

	if (argc != 2 || strcmp(argv[1], "check") != 0)
		return cli_usage(c);
	if (cli_config(c) != 0)
		return cli_fail(c);
	/* An absent file reads as no accounts; here that is the answer. */
	if (access(c->cfg->path, F_OK) == -1 && errno == ENOENT) {
		smerr_set(&c->err, SMERR_CONFIG, "%s: no such file: make it "
		    "with sealmail %s%s%ssetup ADDRESS, or write one with an "
		    "[account NAME] section (see sealmail.conf(5))",
		    c->cfg->path, c->home != NULL ? "--home " : "",
		    c->home != NULL ? c->home : "", c->home != NULL ? " " : "");
		return cli_fail(c);
	}
	printf("%s: %zu account(s)\n", c->cfg->path, c->cfg->naccounts);
	for (i = 0; i < c->cfg->naccounts; i++) {
		a = &c->cfg->accounts[i];
		printf("account %s <%s>%s\n", a->name, a->address,
		    i == 0 ? " (default)" : "");
		if (a->has_imap)
			printf("  imap %s port %d, %s\n", a->imap.host,
			    a->imap.port, tls_name(a->imap.tls));
		if (a->has_smtp)
			printf("  smtp %s port %d, %s\n", a->smtp.host,
			    a->smtp.port, tls_name(a->smtp.tls));
	}
	if (c->cfg->dns.present)
		printf("dns resolver %s, timeout %d s\n",
		    c->cfg->dns.resolver != NULL ? c->cfg->dns.resolver :
		    "(system)", c->cfg->dns.timeout);
	/* On unless turned off: what a lookup tells the issuer matters. */
	printf("revocation %s, timeout %d s\n",
	    revocation_name(c->cfg->security.revocation),
	    c->cfg->security.timeout);
	return 0;
}

const struct cli_cmd cmd_config_entry = {
	"config", cmd_config_check, "config check",
	"check the configuration file and print the accounts", NULL, 0
};
