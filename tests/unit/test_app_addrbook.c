/*
 * app/addrbook.c and app/draftedit.c: mutt's alias file and query
 * protocol read into entries a To or Cc field takes, what a prefix
 * matches, and a draft's fields set anew by the compose screen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "mime/mime.h"
#include "mime/build.h"
#include "store/store.h"
#include "app/app.h"
#include "tests/unit/lib/unit.h"

static void
test_alias_empty(void **state)
{
	struct app_addrs	b;
	struct smerr		e;

	(void)state;
	memset(&b, 0, sizeof(b));
	smerr_clear(&e);
	assert_int_equal(app_alias_parse("", 0, &b, &e), 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(app_alias_parse("\n\n# alias x y@z\n", 16, &b, &e),
	    0);
	assert_int_equal(b.n, 0);
	app_addrs_clear(&b);
	app_addrs_clear(NULL);
}

static void
test_alias_lines(void **state)
{
	static const char text[] =
	    "# friends\n"
	    "alias bob Bob Example <bob@example.test>\n"
	    "  alias\tcarol   carol@example.test  \r\n"
	    "alias -group work -group lab team a@example.test, b@example.test\n"
	    "alias noaddress Just A Name\n"
	    "alias lonely\n"
	    "unalias bob\n"
	    "aliasx no@example.test\n"
	    "alias evil Eve <eve@example.test>\x1b[2J\n"
	    "alias last d@example.test";
	struct app_addrs	b;
	struct smerr		e;

	(void)state;
	memset(&b, 0, sizeof(b));
	smerr_clear(&e);
	assert_int_equal(app_alias_parse(text, sizeof(text) - 1, &b, &e), 0);
	assert_int_equal(b.n, 4);
	assert_string_equal(b.v[0].nick, "bob");
	assert_string_equal(b.v[0].value, "Bob Example <bob@example.test>");
	assert_string_equal(b.v[0].source, "alias");
	assert_string_equal(b.v[1].nick, "carol");
	assert_string_equal(b.v[1].value, "carol@example.test");
	assert_string_equal(b.v[2].nick, "team");
	assert_string_equal(b.v[2].value, "a@example.test, b@example.test");
	assert_string_equal(b.v[3].nick, "last");
	assert_string_equal(b.v[3].value, "d@example.test");
	app_addrs_clear(&b);
	assert_int_equal(b.n, 0);
}

/* A book far past its first allocation keeps every entry, in order. */
static void
test_alias_many(void **state)
{
	struct app_addrs	 b;
	struct smerr		 e;
	struct buf		*text;
	char			 want[64];
	size_t			 i;

	(void)state;
	memset(&b, 0, sizeof(b));
	smerr_clear(&e);
	assert_non_null(text = buf_new(0));
	for (i = 0; i < 300; i++)
		assert_int_equal(buf_printf(text, "alias n%zu u%zu@example.test"
		    "\n", i, i), 0);
	assert_int_equal(app_alias_parse(buf_str(text), buf_len(text), &b,
	    &e), 0);
	assert_int_equal(b.n, 300);
	for (i = 0; i < 300; i++) {
		snprintf(want, sizeof(want), "n%zu", i);
		assert_string_equal(b.v[i].nick, want);
		snprintf(want, sizeof(want), "u%zu@example.test", i);
		assert_string_equal(b.v[i].value, want);
	}
	app_addrs_clear(&b);
	buf_free(text);
}

static void
test_query_output(void **state)
{
	static const char text[] =
	    "Searching database ... 4 entries ... 3 matching:\n"
	    "dora@example.test\tDora Query\tlab\n"
	    "ed@example.test\tEd \"Q\", Jr.\n"
	    "fay@example.test\n"
	    "not an address\tNobody\n"
	    "g h@example.test\tSpace\n"
	    "\tEmpty\n"
	    "bad@example.test\tBell\a\n"
	    "crlf@example.test\tCR LF\t\r\n";
	struct app_addrs	b;
	struct smerr		e;

	(void)state;
	memset(&b, 0, sizeof(b));
	smerr_clear(&e);
	/* Only a status line, or nothing: no entries. */
	assert_int_equal(app_query_cmd_parse("", 0, &b, &e), 0);
	assert_int_equal(app_query_cmd_parse("no match\n", 9, &b, &e), 0);
	assert_int_equal(app_query_cmd_parse("a@b\tx\n", 6, &b, &e), 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(app_query_cmd_parse(text, sizeof(text) - 1, &b, &e),
	    0);
	assert_int_equal(b.n, 4);
	assert_string_equal(b.v[0].value, "Dora Query <dora@example.test>");
	assert_string_equal(b.v[0].source, "query");
	assert_null(b.v[0].nick);
	assert_string_equal(b.v[1].value,
	    "\"Ed \\\"Q\\\", Jr.\" <ed@example.test>");
	assert_string_equal(b.v[2].value, "fay@example.test");
	assert_string_equal(b.v[3].value, "CR LF <crlf@example.test>");
	app_addrs_clear(&b);
}

static void
test_match(void **state)
{
	char		nick[] = "bobby";
	char		value[] = "Bob Example <bob@example.test>";
	struct app_addr	a = { nick, value, "alias" };

	(void)state;
	assert_true(app_addr_match(&a, "bob"));
	assert_true(app_addr_match(&a, "BOBB"));
	assert_true(app_addr_match(&a, "exa"));
	assert_true(app_addr_match(&a, "bob@ex"));
	assert_false(app_addr_match(&a, "xample"));
	assert_false(app_addr_match(&a, "carol"));
	a.nick = NULL;
	assert_false(app_addr_match(&a, "bobby"));
}

static void
test_query_run(void **state)
{
	struct app_addrs	b;
	struct smerr		e;
	char			cmd[64], probe[96];

	(void)state;
	memset(&b, 0, sizeof(b));
	smerr_clear(&e);
	assert_int_equal(app_query_cmd_run("printf 'hi\\n%s@example.test\\t"
	    "Found\\n'", "zed", &b, &e), 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.v[0].value, "Found <zed@example.test>");
	/* What the shell would read as more than a word is never run. */
	assert_int_equal(app_query_cmd_run("printf 'x\\n%s\\tX\\n'",
	    "a';touch /tmp/q'", &b, &e), 0);
	assert_int_equal(b.n, 1);
	/*
	 * A command that never ends is given up on, and says so; what it
	 * started ends with it. The sleep has a duration of this process's
	 * own, so that no other run's sleep is taken for it.
	 */
	snprintf(cmd, sizeof(cmd), "echo start; sleep 61.%d | cat # %%s",
	    (int)getpid());
	snprintf(probe, sizeof(probe), "sleep 0.5; pgrep -f '^sleep 61\\.%d$' "
	    ">/dev/null", (int)getpid());
	assert_int_equal(app_query_cmd_run(cmd, "x", &b, &e), SMERR_TIMEOUT);
	assert_int_not_equal(system(probe), 0);
	assert_non_null(strstr(smerr_msg(&e), "longer than"));
	assert_int_equal(b.n, 1);
	app_addrs_clear(&b);
}

static void
test_set_field(void **state)
{
	struct buf	*t;
	struct smerr	 e;
	const char	*in = "From: a@example.test\nTo: old@example.test,\n"
			    " more@example.test\nSubject: s\n\nbody\nTo: x\n";

	(void)state;
	smerr_clear(&e);
	assert_non_null(t = buf_new(0));
	assert_int_equal(buf_puts(t, in), 0);
	assert_int_equal(app_draft_set_field(t, "To", "new@example.test", &e),
	    0);
	assert_int_equal(app_draft_set_field(t, "Cc", "c@example.test", &e),
	    0);
	assert_string_equal(buf_str(t), "From: a@example.test\n"
	    "To: new@example.test\nSubject: s\nCc: c@example.test\n\nbody\n"
	    "To: x\n");
	assert_int_not_equal(app_draft_set_field(t, "To", "a\nBcc: b", &e), 0);
	smerr_clear(&e);
	buf_reset(t);
	assert_int_equal(app_draft_set_field(t, "To", "z@example.test", &e),
	    0);
	assert_string_equal(buf_str(t), "To: z@example.test\n\n");
	/* A last field with no line end keeps its own line. */
	buf_reset(t);
	assert_int_equal(buf_puts(t, "From: a@example.test"), 0);
	assert_int_equal(app_draft_set_field(t, "To", "z@example.test", &e),
	    0);
	assert_string_equal(buf_str(t), "From: a@example.test\n"
	    "To: z@example.test\n\n");
	buf_reset(t);
	assert_int_equal(buf_puts(t, "To: Bob <b@example.test>, c@example.test"
	    "\nCc: \nBcc: d@example.test\n\nhi\n"), 0);
	{
		struct buf *r = buf_new(0);

		assert_int_equal(app_draft_rcpts(buf_data(t), buf_len(t), r),
		    0);
		assert_string_equal(buf_str(r),
		    "b@example.test,c@example.test,d@example.test");
		buf_free(r);
	}
	buf_free(t);
}

static void
test_expand(void **state)
{
	static const char aliases[] =
	    "alias bob Bob Example <bob@example.test>\n"
	    "alias team a@example.test, \"B, b\" <b@example.test>\n";
	struct app_addrs	 b;
	struct smerr		 e;
	struct buf		*t;
	char			*x;

	(void)state;
	memset(&b, 0, sizeof(b));
	smerr_clear(&e);
	assert_int_equal(app_alias_parse(aliases, sizeof(aliases) - 1, &b,
	    &e), 0);
	assert_int_equal(app_addrs_expand("", &b, &x), 0);
	assert_null(x);
	assert_int_equal(app_addrs_expand("carol@example.test, bobby", &b,
	    &x), 0);
	assert_null(x);
	assert_int_equal(app_addrs_expand("BOB", &b, &x), 0);
	assert_string_equal(x, "Bob Example <bob@example.test>");
	free(x);
	assert_int_equal(app_addrs_expand("\"Doe, bob\" <d@example.test>,"
	    "  team ,bob", &b, &x), 0);
	assert_string_equal(x, "\"Doe, bob\" <d@example.test>, "
	    "a@example.test, \"B, b\" <b@example.test>, "
	    "Bob Example <bob@example.test>");
	free(x);
	assert_non_null(t = buf_new(0));
	assert_int_equal(buf_puts(t, "From: me@example.test\nTo: bob\n"
	    "Cc: x@example.test\nBcc: team\n\nbob\n"), 0);
	assert_int_equal(app_draft_expand_aliases(t, &b, &e), 0);
	assert_string_equal(buf_str(t), "From: me@example.test\n"
	    "To: Bob Example <bob@example.test>\nCc: x@example.test\n"
	    "Bcc: a@example.test, \"B, b\" <b@example.test>\n\nbob\n");
	buf_free(t);
	app_addrs_clear(&b);
}

/* The addresses of stored mail and certificates, each once. */
static void
test_seen(void **state)
{
	static uint8_t		 key[STORE_KEY_LEN] = { 9, 9, 9 };
	static const uint8_t	 der[] = { 0x30, 0x00 };
	struct store		*st;
	struct store_msg	 m;
	struct store_cert	 c;
	struct app_addrs	 b;
	struct smerr		 e;
	int64_t			 inbox, id;
	char			 t[] = "/tmp/test_addrbook.XXXXXX";
	size_t			 i;

	(void)state;
	smerr_clear(&e);
	memset(&b, 0, sizeof(b));
	assert_non_null(mkdtemp(t));
	assert_int_equal(store_open(t, key, &st, &e), 0);
	assert_int_equal(store_folder_open(st, "a", "INBOX", &inbox, &e), 0);
	/* A store with no address yet: none, and no sort of nothing. */
	assert_int_equal(app_addrs_seen(st, &b, &e), 0);
	assert_int_equal(b.n, 0);
	memset(&m, 0, sizeof(m));
	m.folder = inbox;
	m.uid = 1;
	m.from = "bob@example.test";
	m.to = "alice@example.test,Carol@example.test";
	m.cc = "dave@example.test";
	m.body = (const uint8_t *)"x";
	m.body_len = 1;
	assert_int_equal(store_msg_add(st, &m, &id, &e), 0);
	m.uid = 2;
	m.from = "BOB@example.test";
	m.to = "alice@example.test";
	m.cc = NULL;
	assert_int_equal(store_msg_add(st, &m, &id, &e), 0);
	memset(&c, 0, sizeof(c));
	c.kind = STORE_CERT_PEER;
	c.source = "harvested";
	c.fingerprint = "00";
	c.emails = "carol@example.test,erin@example.test";
	c.der = der;
	c.der_len = sizeof(der);
	assert_int_equal(store_cert_put(st, &c, NULL, NULL, &e), 0);
	assert_int_equal(app_addrs_seen(st, &b, &e), 0);
	assert_int_equal(b.n, 5);
	for (i = 0; i < b.n; i++) {
		if (strcasecmp(b.v[i].value, "carol@example.test") == 0 ||
		    strcmp(b.v[i].value, "erin@example.test") == 0)
			assert_string_equal(b.v[i].source, "certificate");
		else
			assert_string_equal(b.v[i].source, "seen");
	}
	app_addrs_clear(&b);
	store_close(st);
	unit_rmrf(t);
}

/*
 * A draft with folded fields, as an editor may leave it: what the compose
 * screen shows and asks about (app_draft_field, app_draft_rcpts) is what
 * mime_compose sends.
 */
static void
test_draft_folded(void **state)
{
	static const char aliases[] = "alias bob Bob <bob@example.test>\n";
	static const char draft[] = "From: Me <me@example.test>\r\n"
	    "To: \"Doe, Jane\" <jane@example.test>,\r\n\tbob\r\n"
	    "Subject: a long\r\n  subject\r\n"
	    "Cc : c@example.test (Carol,\r\n x)\r\n\r\n"
	    "To: body@example.test\r\n";
	static const char *const fields[][2] = {
		{ "To", "\"Doe, Jane\" <jane@example.test>,\tbob" },
		{ "subject", "a long  subject" },
		{ "Cc", "c@example.test (Carol, x)" },
	};
	struct app_addrs	 b;
	struct mime_out		*o = NULL;
	struct smerr		 e;
	struct buf		*t, *r;
	size_t			 i;
	char			*v;

	(void)state;
	memset(&b, 0, sizeof(b));
	smerr_clear(&e);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		v = app_draft_field(draft, strlen(draft), fields[i][0]);
		assert_string_equal(v, fields[i][1]);
		free(v);
	}
	assert_null(app_draft_field(draft, strlen(draft), "Bcc"));

	/* The recipients the compose screen looks up. */
	assert_non_null(r = buf_new(0));
	assert_int_equal(app_draft_rcpts(draft, strlen(draft), r), 0);
	assert_string_equal(buf_str(r), "jane@example.test,c@example.test");

	/* The alias on the folded line is expanded, the fold replaced. */
	assert_int_equal(app_alias_parse(aliases, sizeof(aliases) - 1, &b,
	    &e), 0);
	assert_non_null(t = buf_new(0));
	assert_int_equal(buf_puts(t, draft), 0);
	assert_int_equal(app_draft_expand_aliases(t, &b, &e), 0);
	v = app_draft_field(buf_data(t), buf_len(t), "to");
	assert_string_equal(v, "\"Doe, Jane\" <jane@example.test>, "
	    "Bob <bob@example.test>");
	free(v);
	assert_non_null(strstr(buf_str(t), "Subject: a long\r\n  subject\r\n"
	    "Cc : c@example.test (Carol,\r\n x)\r\n\r\nTo: body@"));
	buf_reset(r);
	assert_int_equal(app_draft_rcpts(buf_data(t), buf_len(t), r), 0);
	assert_string_equal(buf_str(r),
	    "jane@example.test,bob@example.test,c@example.test");

	/* Sending reads it the same way. */
	assert_int_equal(mime_compose(buf_data(t), buf_len(t), NULL, NULL,
	    &o, &e), 0);
	assert_string_equal(o->subject, "a long  subject");
	assert_int_equal(o->nrcpt, 3);
	assert_string_equal(o->rcpt[0], "jane@example.test");
	assert_string_equal(o->rcpt[1], "bob@example.test");
	assert_string_equal(o->rcpt[2], "c@example.test");
	assert_non_null(strstr(buf_str(o->headers),
	    "To: \"Doe, Jane\" <jane@example.test>, Bob <bob@example.test>"));

	/* A field set anew takes the place of the obsolete "Cc :" form. */
	assert_int_equal(app_draft_set_field(t, "Cc", "d@example.test", &e),
	    0);
	assert_non_null(strstr(buf_str(t), "  subject\r\nCc: d@example.test\n"
	    "\r\nTo: body@"));
	mime_out_free(o);
	buf_free(t);
	buf_free(r);
	app_addrs_clear(&b);
}

/*
 * The alias file as a symbolic link into a folder of dotfiles: read and
 * added to through the link alike; refused, for both, once group or
 * others may write the file it names, when another user owns it, or when
 * it is not a regular file.
 */
static void
test_alias_file_modes(void **state)
{
	struct app_addrs	 b;
	struct smerr		 e;
	struct stat		 sb;
	char			*dir, *real, *link, *fresh, *text;
	static const mode_t	 loose[] = { 0620, 0602, 0666 };
	size_t			 i;

	(void)state;
	memset(&b, 0, sizeof(b));
	smerr_clear(&e);
	dir = unit_tmpdir("test_addrbook_modes");
	assert_true(asprintf(&real, "%s/aliases", dir) > 0);
	assert_true(asprintf(&link, "%s/muttrc-aliases", dir) > 0);
	assert_true(asprintf(&fresh, "%s/new-aliases", dir) > 0);
	unit_write_file(real, "alias bob Bob <bob@example.test>\n");
	assert_int_equal(chmod(real, 0600), 0);
	assert_int_equal(symlink("aliases", link), 0);

	/* Through the link: read, and added to, the link left a link. */
	assert_int_equal(app_alias_load(link, &b, &e), 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.v[0].nick, "bob");
	app_addrs_clear(&b);
	assert_int_equal(app_alias_add(link, "carol", "Carol",
	    "carol@example.test", &e), 0);
	assert_int_equal(lstat(link, &sb), 0);
	assert_true(S_ISLNK(sb.st_mode));
	text = unit_read_file(real, NULL);
	assert_string_equal(text, "alias bob Bob <bob@example.test>\n"
	    "alias carol Carol <carol@example.test>\n");
	free(text);
	/* Others may read it: that changes nothing. */
	assert_int_equal(chmod(real, 0644), 0);
	assert_int_equal(app_alias_load(link, &b, &e), 0);
	assert_int_equal(b.n, 2);
	app_addrs_clear(&b);

	/* Group or others may write it: neither read nor added to. */
	for (i = 0; i < sizeof(loose) / sizeof(loose[0]); i++) {
		assert_int_equal(chmod(real, loose[i]), 0);
		smerr_clear(&e);
		assert_int_equal(app_alias_load(link, &b, &e), SMERR_PERM);
		assert_non_null(strstr(smerr_msg(&e), "group or others may "
		    "write"));
		assert_non_null(strstr(smerr_msg(&e), "chmod go-w"));
		assert_int_equal(b.n, 0);
		smerr_clear(&e);
		assert_int_equal(app_alias_load(real, &b, &e), SMERR_PERM);
		smerr_clear(&e);
		assert_int_equal(app_alias_add(link, "dave", NULL,
		    "dave@example.test", &e), SMERR_PERM);
		smerr_clear(&e);
		assert_int_equal(app_alias_add(real, "dave", NULL,
		    "dave@example.test", &e), SMERR_PERM);
	}
	text = unit_read_file(real, NULL);
	assert_null(strstr(text, "dave"));
	free(text);

	/* Another user's file, even one only its owner may write. */
	assert_int_equal(chmod(real, 0644), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(real, 4242, 4242), 0);
		smerr_clear(&e);
		assert_int_equal(app_alias_load(link, &b, &e), SMERR_PERM);
		assert_non_null(strstr(smerr_msg(&e), "another user"));
		assert_int_equal(chown(real, 0, 0), 0);
	}
	/* A FIFO in its place is refused, not waited on. */
	assert_int_equal(unlink(real), 0);
	assert_int_equal(mkfifo(real, 0600), 0);
	smerr_clear(&e);
	assert_int_equal(app_alias_load(link, &b, &e), SMERR_IO);
	assert_non_null(strstr(smerr_msg(&e), "not a regular file"));
	smerr_clear(&e);
	assert_int_equal(app_alias_add(link, "dave", NULL,
	    "dave@example.test", &e), SMERR_IO);

	/* A new file is its owner's alone. */
	smerr_clear(&e);
	assert_int_equal(app_alias_add(fresh, "erin", NULL,
	    "erin@example.test", &e), 0);
	assert_int_equal(stat(fresh, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(app_alias_load(fresh, &b, &e), 0);
	assert_int_equal(b.n, 1);
	app_addrs_clear(&b);

	unit_rmrf(dir);
	free(dir);
	free(real);
	free(link);
	free(fresh);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_alias_empty),
	    cmocka_unit_test(test_alias_lines),
	    cmocka_unit_test(test_alias_many),
	    cmocka_unit_test(test_alias_file_modes),
	    cmocka_unit_test(test_query_output),
	    cmocka_unit_test(test_match),
	    cmocka_unit_test(test_query_run),
	    cmocka_unit_test(test_set_field),
	    cmocka_unit_test(test_expand),
	    cmocka_unit_test(test_draft_folded),
	    cmocka_unit_test(test_seen));
}
