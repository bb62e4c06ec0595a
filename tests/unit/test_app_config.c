#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/err.h"
#include "app/app.h"
#include "app/send.h"
#include "tests/unit/lib/unit.h"

static int
parse(const char *text, struct app_config **cfg, struct smerr *e)
{
	smerr_clear(e);
	return app_config_parse(text, strlen(text), "cfg", "/h", cfg, e);
}

static void
test_empty(void **st)
{
	struct app_config	*cfg;
	struct smerr		 e;

	(void)st;
	assert_int_equal(parse("", &cfg, &e), 0);
	assert_int_equal(cfg->naccounts, 0);
	assert_null(app_config_account(cfg, NULL));
	app_config_free(cfg);
	app_config_free(NULL);
}

static void
test_full(void **st)
{
	static const char text[] =
	    "# comment\n"
	    "[account work]\n"
	    "address  = alice@example.test          # the From address\n"
	    "name     = Alice Example\n"
	    "imap     = imap://mail.example.test\n"
	    "smtp     = submissions://mail.example.test:10465\n"
	    "password-command = pass show mail#work\n"
	    "timeout  = 12\n"
	    "ca-file  = lab-ca.pem\n"
	    "sign     = no\n"
	    "encrypt  = yes\n"
	    "header-protection = no\n"
	    "legacy-display = no\n"
	    "poll     = 60\n"
	    "new-mail-command = notify-send \"$1 new\"\n"
	    "\n"
	    "[account home]\n"
	    "address = bob@example.test\n"
	    "imap = imaps://[::1]:10993/\n"
	    "[dns]                    # a comment after a section header\n"
	    "resolver = 127.0.0.1@5353\n"
	    "trust-anchor = /abs/ta.ds\n"
	    "timeout = 3\n";
	struct app_config		*cfg;
	const struct app_account	*a;
	struct smerr			 e;

	(void)st;
	assert_int_equal(parse(text, &cfg, &e), 0);
	assert_int_equal(cfg->naccounts, 2);
	a = app_config_account(cfg, NULL);
	assert_string_equal(a->name, "work");
	assert_string_equal(a->user, "alice@example.test");
	assert_string_equal(a->display_name, "Alice Example");
	assert_string_equal(a->imap.host, "mail.example.test");
	assert_int_equal(a->imap.port, 143);
	assert_int_equal(a->imap.tls, APP_TLS_STARTTLS);
	assert_int_equal(a->smtp.port, 10465);
	assert_int_equal(a->smtp.tls, APP_TLS_IMPLICIT);
	assert_string_equal(a->password_command, "pass show mail#work");
	assert_int_equal(a->timeout, 12);
	assert_string_equal(a->ca_file, "/h/lab-ca.pem");
	assert_int_equal(a->sign, 0);
	assert_int_equal(a->encrypt, APP_ENCRYPT_YES);
	assert_int_equal(a->header_protection, 0);
	assert_int_equal(a->legacy_display, 0);
	assert_int_equal(a->poll, 60);
	assert_string_equal(a->new_mail_command, "notify-send \"$1 new\"");
	a = app_config_account(cfg, "home");
	assert_non_null(a);
	assert_int_equal(a->header_protection, 1);	/* the defaults */
	assert_int_equal(a->legacy_display, 1);
	assert_string_equal(a->imap.host, "::1");
	assert_int_equal(a->imap.port, 10993);
	assert_int_equal(a->timeout, APP_DEFAULT_TIMEOUT);
	assert_int_equal(a->poll, APP_DEFAULT_POLL);
	assert_null(a->new_mail_command);
	assert_true(cfg->dns.present);
	assert_string_equal(cfg->dns.resolver, "127.0.0.1@5353");
	assert_string_equal(cfg->dns.trust_anchor, "/abs/ta.ds");
	assert_int_equal(cfg->dns.timeout, 3);
	app_config_free(cfg);
}

static void
test_errors(void **st)
{
	struct app_config	*cfg;
	struct smerr		 e;

	(void)st;
	assert_int_equal(parse("[account a]\naddress = a@b\nbogus = 1\n",
	    &cfg, &e), SMERR_CONFIG);
	assert_null(cfg);
	assert_string_equal(smerr_msg(&e), "cfg:3: unknown key 'bogus'");

	assert_int_equal(parse("[account a]\naddress = a@b\n"
	    "smtp = smtp://mail.example.test\n", &cfg, &e), SMERR_CONFIG);
	assert_non_null(strstr(smerr_msg(&e), "cfg:3:"));
	assert_non_null(strstr(smerr_msg(&e), "plaintext"));

	assert_int_equal(parse("[account a]\naddress = a@b\n"
	    "imap = submission://x\n", &cfg, &e), SMERR_CONFIG);
	assert_non_null(strstr(smerr_msg(&e), "unknown URL scheme"));

	assert_int_equal(parse("[account a]\njust words\n", &cfg, &e),
	    SMERR_CONFIG);
	assert_string_equal(smerr_msg(&e), "cfg:2: expected 'key = value'");

	assert_int_equal(parse("address = a@b\n", &cfg, &e), SMERR_CONFIG);
	assert_int_equal(parse("[account a]\nname = x\n", &cfg, &e),
	    SMERR_CONFIG);
	assert_non_null(strstr(smerr_msg(&e), "has no address"));
	assert_int_equal(parse("[account a]\naddress = a@b\ntimeout = x\n",
	    &cfg, &e), SMERR_CONFIG);
	assert_int_equal(parse("[account a]\naddress = a@b\n"
	    "imap = imaps://h:99999\n", &cfg, &e), SMERR_CONFIG);
	assert_int_equal(parse("[account a]\naddress = a@b\n"
	    "imap = imaps://u:p@h\n", &cfg, &e), SMERR_CONFIG);
	assert_int_equal(parse("[weird]\n", &cfg, &e), SMERR_CONFIG);
	assert_int_equal(parse("[dns] resolver = x\n", &cfg, &e),
	    SMERR_CONFIG);
	assert_string_equal(smerr_msg(&e), "cfg:1: bad section header");
	assert_int_equal(parse("[account a]\naddress = a@b\n"
	    "legacy-display = maybe\n", &cfg, &e), SMERR_CONFIG);
	assert_string_equal(smerr_msg(&e),
	    "cfg:3: legacy-display: expected yes or no");
	assert_int_equal(parse("[account a]\naddress = a@b\npoll = 1\n",
	    &cfg, &e), SMERR_CONFIG);
	assert_non_null(strstr(smerr_msg(&e), "cfg:3:"));
	assert_int_equal(parse("[account a]\naddress = a@b\n[account a]\n",
	    &cfg, &e), SMERR_CONFIG);
	/* [dns] and [security] once each; one of each is fine. */
	assert_int_equal(parse("[dns]\n[security]\n[dns]\n", &cfg, &e),
	    SMERR_CONFIG);
	assert_null(cfg);
	assert_string_equal(smerr_msg(&e), "cfg:3: second [dns] section");
	assert_int_equal(parse("[security]\n[dns]\n\n[security]\n", &cfg,
	    &e), SMERR_CONFIG);
	assert_string_equal(smerr_msg(&e),
	    "cfg:4: second [security] section");
	assert_int_equal(parse("[security]\n[dns]\n", &cfg, &e), 0);
	assert_true(cfg->dns.present && cfg->security.present);
	app_config_free(cfg);
}

static void
test_security(void **st)
{
	struct app_config	*cfg;
	struct smerr		 e;

	(void)st;
	/* Without a [security] section: OCSP then CRL, 5 seconds. */
	assert_int_equal(parse("", &cfg, &e), 0);
	assert_int_equal(cfg->security.present, 0);
	assert_int_equal(cfg->security.revocation, APP_REVOCATION_OCSP_CRL);
	assert_int_equal(cfg->security.timeout, APP_DEFAULT_REVOKE_TIMEOUT);
	app_config_free(cfg);
	assert_int_equal(parse("[security]\nrevocation = crl\ntimeout = 2\n",
	    &cfg, &e), 0);
	assert_int_equal(cfg->security.revocation, APP_REVOCATION_CRL);
	assert_int_equal(cfg->security.timeout, 2);
	app_config_free(cfg);
	assert_int_equal(parse("[security]\nrevocation = off\n", &cfg, &e), 0);
	assert_int_equal(cfg->security.revocation, APP_REVOCATION_OFF);
	app_config_free(cfg);
	assert_int_equal(parse("[security]\nrevocation = ocsp\n", &cfg, &e),
	    SMERR_CONFIG);
	assert_string_equal(smerr_msg(&e), "cfg:2: revocation: expected "
	    "ocsp+crl, crl or off");
	assert_int_equal(parse("[security]\ntimeout = 0\n", &cfg, &e),
	    SMERR_CONFIG);
	assert_int_equal(parse("[security]\n[security]\n", &cfg, &e),
	    SMERR_CONFIG);
	assert_int_equal(parse("[security]\nresolver = x\n", &cfg, &e),
	    SMERR_CONFIG);
}

static void
test_writing(void **st)
{
	static const char text[] =
	    "[account a]\n"
	    "address = a@example.test\n"
	    "signature = ~/.signature\n"
	    "alias = aliases\n"
	    "query-command = abook --mutt-query '%s'\n";
	struct app_config		*cfg;
	const struct app_account	*a;
	struct smerr			 e;

	(void)st;
	setenv("HOME", "/home/alice", 1);
	assert_int_equal(parse(text, &cfg, &e), 0);
	assert_non_null(a = app_config_account(cfg, NULL));
	assert_string_equal(a->signature, "/home/alice/.signature");
	assert_string_equal(a->alias_file, "/h/aliases");
	assert_string_equal(a->query_command, "abook --mutt-query '%s'");
	app_config_free(cfg);
	/* ~user is not expanded: it says so rather than guess. */
	assert_int_not_equal(parse("[account a]\naddress = a@example.test\n"
	    "signature = ~bob/sig\n", &cfg, &e), 0);
	assert_non_null(strstr(smerr_msg(&e), "only ~/"));
}

/*
 * The name a password is kept under in the Secret Service: the login (the
 * address unless user names another) at the host; one that does not fit
 * is an error, never a shorter name.
 */
static void
test_password_name(void **st)
{
	struct app_config	*cfg;
	struct smerr		 e;
	char			 name[64];

	(void)st;
	assert_int_equal(parse("[account a]\naddress = a@example.test\n"
	    "[account b]\naddress = b@example.test\nuser = bee\n", &cfg,
	    &e), 0);
	assert_int_equal(send_password_name(app_config_account(cfg, "a"),
	    "mail.example.test", name, sizeof(name), &e), 0);
	assert_string_equal(name, "a@example.test@mail.example.test");
	assert_int_equal(send_password_name(app_config_account(cfg, "b"),
	    "smtp.example.test", name, sizeof(name), &e), 0);
	assert_string_equal(name, "bee@smtp.example.test");
	assert_int_equal(send_password_name(app_config_account(cfg, "a"),
	    "mail.example.test", name, 32, &e), SMERR_LIMIT);
	assert_non_null(strstr(smerr_msg(&e), "too long"));
	app_config_free(cfg);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_writing),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_security),
	    cmocka_unit_test(test_password_name));
}
