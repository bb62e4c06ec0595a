/*
 * app/setup.c without a network: the account section it adds reads back,
 * everything already in the file (comments, [dns], other accounts, a file
 * without a final newline) is kept byte for byte, the new file is 0600,
 * and a section that would not read back leaves the file as it was. The
 * SRV discovery runs against the lab in tests/integration/setup_*.sh.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/err.h"
#include "app/app_int.h"
#include "tests/unit/lib/unit.h"

struct fixture {
	char	dir[64];
	char	path[96];
};

static int
setup(void **st)
{
	struct fixture	*f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_app_setup.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/config", f->dir);
	*st = f;
	return 0;
}

static int
teardown(void **st)
{
	struct fixture	*f = *st;

	unit_rmrf(f->dir);
	free(f);
	return 0;
}

static void
put(const char *path, const char *text, mode_t mode)
{
	unit_write_file(path, text);
	assert_int_equal(chmod(path, mode), 0);
}

/* An account as setup makes it, with the servers given as URLs. */
static void
account(struct app_account *a, struct app_setup *s, const char *name,
    const char *pwcmd)
{
	memset(a, 0, sizeof(*a));
	memset(s, 0, sizeof(*s));
	a->name = (char *)name;
	a->address = (char *)"alice@example.test";
	a->user = a->address;
	a->display_name = (char *)"Alice Example";
	a->password_command = (char *)pwcmd;
	assert_int_equal(app_setup_given(0, "imaps://mail.example.test:10993",
	    s, NULL), 0);
	assert_int_equal(app_setup_given(1, "submissions://mail.example.test",
	    s, NULL), 0);
}

static void
test_new_file(void **st)
{
	struct fixture		*f = *st;
	struct app_account	 a;
	struct app_setup	 s;
	struct app_config	*cfg;
	const struct app_account *got;
	struct stat		 sb;

	account(&a, &s, "alice@example.test", NULL);
	assert_int_equal(app_setup_write(f->path, f->dir, &a, &s, NULL), 0);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(app_config_load(f->path, f->dir, &cfg, NULL), 0);
	assert_int_equal(cfg->naccounts, 1);
	got = app_config_account(cfg, "alice@example.test");
	assert_non_null(got);
	assert_string_equal(got->address, "alice@example.test");
	assert_string_equal(got->display_name, "Alice Example");
	assert_string_equal(got->imap.host, "mail.example.test");
	assert_int_equal(got->imap.port, 10993);
	assert_int_equal(got->imap.tls, APP_TLS_IMPLICIT);
	assert_int_equal(got->smtp.port, 465);
	assert_null(got->password_command);
	app_config_free(cfg);
	app_setup_clear(&s);
	assert_null(s.url[0]);
}

static void
test_kept(void **st)
{
	static const char	 old[] = "# mine\n[dns]\n"
	    "resolver = 127.0.0.1@53\n\n[account first]\n"
	    "address = bob@example.test  # no newline";
	struct fixture		*f = *st;
	struct app_account	 a;
	struct app_setup	 s;
	struct app_config	*cfg;
	char			*text;

	put(f->path, old, 0600);
	account(&a, &s, "second", "pass show mail # all of it");
	assert_int_equal(app_setup_write(f->path, f->dir, &a, &s, NULL), 0);
	text = unit_read_file(f->path, NULL);
	assert_memory_equal(text, old, sizeof(old) - 1);
	assert_non_null(strstr(text, "\n\n[account second]\n"));
	free(text);
	assert_int_equal(app_config_load(f->path, f->dir, &cfg, NULL), 0);
	assert_int_equal(cfg->naccounts, 2);
	assert_string_equal(cfg->accounts[0].name, "first");
	assert_string_equal(app_config_account(cfg, "second")->password_command,
	    "pass show mail # all of it");
	assert_int_equal(cfg->dns.present, 1);
	app_config_free(cfg);
	app_setup_clear(&s);
}

/* A name the parser refuses, and a config others may write: no change. */
static void
test_refused(void **st)
{
	static const char	 old[] =
	    "[account first]\naddress = b@x.test\n";
	struct fixture		*f = *st;
	struct app_account	 a;
	struct app_setup	 s;
	struct smerr		 e;
	char			*text;

	put(f->path, old, 0600);
	account(&a, &s, "first", NULL);
	smerr_clear(&e);
	assert_int_equal(app_setup_write(f->path, f->dir, &a, &s, &e),
	    SMERR_CONFIG);
	assert_non_null(strstr(smerr_msg(&e), "defined twice"));
	text = unit_read_file(f->path, NULL);
	assert_string_equal(text, old);
	free(text);
	put(f->path, old, 0666);
	app_setup_clear(&s);
	account(&a, &s, "other", NULL);
	assert_int_equal(app_setup_write(f->path, f->dir, &a, &s, NULL),
	    SMERR_PERM);
	text = unit_read_file(f->path, NULL);
	assert_string_equal(text, old);
	free(text);
	app_setup_clear(&s);
}

static void
test_given(void **st)
{
	struct app_setup	 s;
	struct smerr		 e;

	(void)st;
	memset(&s, 0, sizeof(s));
	smerr_clear(&e);
	assert_int_equal(app_setup_given(0, "imap+plain://mail.example.test",
	    &s, &e), SMERR_CONFIG);
	assert_non_null(strstr(smerr_msg(&e), "plaintext"));
	assert_int_equal(app_setup_given(1, "imaps://mail.example.test", &s,
	    NULL), SMERR_CONFIG);
	app_setup_clear(&s);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_given),
	    cmocka_unit_test_setup_teardown(test_new_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kept, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused, setup, teardown));
}
