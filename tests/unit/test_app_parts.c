/*
 * app/parts.c: the parts a reader can save, and the names they may be
 * saved under.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/err.h"
#include "app/app.h"
#include "tests/unit/lib/unit.h"

static void
name_is(const char *suggested, size_t idx, const char *want)
{
	char	*got = app_part_basename(suggested, idx);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_basename(void **state)
{
	(void)state;
	name_is("report.pdf", 1, "report.pdf");
	name_is("../../etc/passwd", 2, "passwd");
	name_is("C:\\Users\\eve\\evil.exe", 3, "evil.exe");
	name_is("..", 4, "part-4");
	name_is(".hidden", 5, "hidden");
	name_is("dir/", 6, "part-6");
	name_is(NULL, 7, "part-7");
	name_is("", 8, "part-8");
	/* Too long for a file system: cut to 200 bytes, the extension kept. */
	{
		char	long_name[1200], want[256];
		size_t	i;

		memset(long_name, 0, sizeof(long_name));
		memset(long_name, 'a', 1000);
		memcpy(long_name + 1000, ".pdf", 4);
		memset(want, 0, sizeof(want));
		memset(want, 'a', 196);
		memcpy(want + 196, ".pdf", 4);
		name_is(long_name, 9, want);
		/* Cut on a character's first byte. */
		memset(long_name, 0, sizeof(long_name));
		for (i = 0; i < 300; i++)
			memcpy(long_name + 2 * i, "\xc3\xa9", 2);
		memset(want, 0, sizeof(want));
		for (i = 0; i < 100; i++)
			memcpy(want + 2 * i, "\xc3\xa9", 2);
		name_is(long_name, 10, want);
	}
}

struct seen {
	size_t	n;
	char	types[4][40];
	char	names[4][40];
	size_t	sizes[4];
};

static int
seen_cb(const struct app_part *p, void *arg)
{
	struct seen	*s = arg;

	assert_int_equal(p->index, s->n + 1);
	if (s->n < 4) {
		snprintf(s->types[s->n], sizeof(s->types[0]), "%s", p->type);
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s",
		    p->name != NULL ? p->name : "-");
		s->sizes[s->n] = p->size;
	}
	s->n++;
	return 0;
}

/* Leaves in order, signatures left out; saving decodes, never overwrites. */
static void
test_parts_save(void **state)
{
	static const char msg[] =
	    "Content-Type: multipart/signed; protocol=\"application/"
	    "pkcs7-signature\"; micalg=sha-256; boundary=\"s\"\r\n\r\n"
	    "--s\r\n"
	    "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n"
	    "--m\r\n"
	    "Content-Type: text/plain\r\n\r\n"
	    "hello\r\n"
	    "--m\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Disposition: attachment; filename=\"a/b/data.bin\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    "AAECAw==\r\n"
	    "--m--\r\n"
	    "--s\r\n"
	    "Content-Type: application/pkcs7-signature; name=smime.p7s\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    "AAAA\r\n"
	    "--s--\r\n";
	struct seen	 s;
	struct smerr	 e;
	char		 dir[] = "/tmp/test_parts.XXXXXX", path[64], target[64];
	struct stat	 sb;
	unsigned char	 got[8];
	size_t		 n;
	FILE		*fp;

	(void)state;
	memset(&s, 0, sizeof(s));
	smerr_clear(&e);
	assert_int_equal(app_parts((const unsigned char *)msg, sizeof(msg) - 1,
	    seen_cb, &s, &e), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.types[0], "text/plain");
	assert_string_equal(s.types[1], "application/octet-stream");
	assert_string_equal(s.names[1], "data.bin");
	assert_int_equal(s.sizes[1], 4);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.bin", dir);
	assert_int_equal(app_part_save((const unsigned char *)msg,
	    sizeof(msg) - 1, 2, path, 0, &n, &e), 0);
	assert_int_equal(n, 4);
	assert_non_null(fp = fopen(path, "rb"));
	assert_int_equal(fread(got, 1, sizeof(got), fp), 4);
	fclose(fp);
	assert_memory_equal(got, "\x00\x01\x02\x03", 4);
	smerr_clear(&e);
	assert_int_equal(app_part_save((const unsigned char *)msg,
	    sizeof(msg) - 1, 2, path, 0, &n, &e), SMERR_IO);
	smerr_clear(&e);
	assert_int_equal(app_part_save((const unsigned char *)msg,
	    sizeof(msg) - 1, 3, path, 0, &n, &e), SMERR_NOTFOUND);
	/* Written over when asked: a link there is replaced, not followed. */
	snprintf(target, sizeof(target), "%s/target", dir);
	assert_non_null(fp = fopen(target, "w"));
	fputs("kept", fp);
	fclose(fp);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(app_part_save((const unsigned char *)msg,
	    sizeof(msg) - 1, 2, path, 1, &n, &e), 0);
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_non_null(fp = fopen(path, "rb"));
	assert_int_equal(fread(got, 1, sizeof(got), fp), 4);
	fclose(fp);
	assert_memory_equal(got, "\x00\x01\x02\x03", 4);
	assert_non_null(fp = fopen(target, "rb"));
	assert_int_equal(fread(got, 1, sizeof(got), fp), 4);
	fclose(fp);
	assert_memory_equal(got, "kept", 4);
	unlink(target);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_basename),
	    cmocka_unit_test(test_parts_save));
}
