/*
 * The key store over a real encrypted store, with certificates made by
 * OpenSSL for the test: PKCS#12 and PEM imports, the permission check on
 * key files, harvesting and recorded replacements, and the store key's
 * passphrase fallback (scrypt) with no Secret Service reachable.
 */
#include <sys/stat.h>

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

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/text.h"
#include "store/store.h"
#include "keys/keys.h"
#include "keys/keys_int.h"
#include "tests/unit/lib/unit.h"

static char	dir[64];
static uint8_t	skey[STORE_KEY_LEN] = { 7, 7, 7 };

static void
sh(const char *fmt, ...)
{
	char	cmd[2048];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

static int
setup(void **unused)
{
	(void)unused;
	snprintf(dir, sizeof(dir), "/tmp/test_keys.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	/* A CA, alice (with a PKCS#12), and two certificates for bob. */
	sh("cd %s && exec >/dev/null 2>&1 && "
	    "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key "
	    "-out ca.pem -days 30 -subj '/CN=Test CA' && "
	    "for u in alice bob bob2; do "
	    "openssl req -newkey rsa:2048 -nodes -keyout $u.key -out $u.csr "
	    "-subj \"/CN=$u\" && "
	    "printf 'subjectAltName=email:%%s@Example.test\\n' "
	    "$(echo $u | tr -d 2) > $u.ext && "
	    "openssl x509 -req -in $u.csr -CA ca.pem -CAkey ca.key "
	    "-CAcreateserial -days 30 -extfile $u.ext -out $u.pem && "
	    "openssl x509 -in $u.pem -outform DER -out $u.der || exit 1; "
	    "done && openssl x509 -in ca.pem -outform DER -out ca.der && "
	    "openssl pkcs12 -export -in alice.pem -inkey alice.key "
	    "-certfile ca.pem -out alice.p12 -passout pass:secret && "
	    "cat alice.pem alice.key > alice-both.pem && chmod 644 alice.p12 "
	    "alice-both.pem", dir);
	return 0;
}

static int
teardown(void **unused)
{
	(void)unused;
	sh("rm -rf %s", dir);
	return 0;
}

/* A new directory NAME under dir for a store; its path in sd. */
static void
store_dir(const char *name, char *sd, size_t len)
{
	snprintf(sd, len, "%s/%s", dir, name);
	assert_int_equal(mkdir(sd, 0700), 0);
}

/* A new store and its key store in dir/NAME. */
static void
open_new(const char *name, struct store **st, struct keys **k,
    struct smerr *e)
{
	char	sd[300];

	store_dir(name, sd, sizeof(sd));
	smerr_clear(e);
	assert_int_equal(store_open(sd, skey, st, e), 0);
	assert_int_equal(keys_open(*st, k, e), 0);
}

/* The whole of the file name in dir. */
static struct buf *
slurp(const char *name)
{
	char	p[256];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return unit_read_buf(p);
}

struct seen {
	int	n[8];
	int64_t	ident;
	char	fp[65];
	char	emails[256];
};

static int
seen_cb(const struct keys_cert *kc, void *arg)
{
	struct seen	*s = arg;

	s->n[kc->kind]++;
	if (kc->kind == KEYS_IDENTITY)
		s->ident = kc->id;
	if (s->fp[0] == '\0') {
		snprintf(s->fp, sizeof(s->fp), "%s", kc->fingerprint);
		snprintf(s->emails, sizeof(s->emails), "%s", kc->emails);
	}
	return 0;
}

static int	first_cb(const struct keys_cert *, void *);

/*
 * The store keeps the key sealed, never as PKCS#8; the sealed key opens
 * only with its fingerprint; a key kept in the clear (as before sealing
 * existed) is sealed in place the first time it is asked for.
 */
static void
check_sealed(struct store *st, struct keys *k, int64_t id,
    const struct buf *plain)
{
	struct buf	*raw = NULL, *blob = NULL, *open = NULL;
	uint8_t		 sk[KEYS_SEAL_KEYLEN], fp[32];
	char		 hex[65];

	assert_int_equal(store_cert_key(st, id, &raw, NULL), 0);
	assert_memory_equal(buf_data(raw), "SMK1", 4);
	assert_null(memmem(buf_data(raw), buf_len(raw), buf_data(plain),
	    buf_len(plain)));
	assert_int_equal(keys_foreach(k, KEYS_IDENTITY, first_cb, hex, NULL),
	    0);
	assert_int_equal(keys_fingerprint_raw(hex, fp), 0);
	assert_int_equal(keys_identity_sealed(k, id, hex, sk, &blob, NULL), 0);
	assert_int_equal(buf_len(blob), buf_len(raw));
	assert_int_equal(keys_unseal(sk, fp, buf_data(blob), buf_len(blob),
	    &open, NULL), 0);
	assert_int_equal(buf_len(open), buf_len(plain));
	assert_memory_equal(buf_data(open), buf_data(plain), buf_len(plain));
	buf_free(open);
	fp[0] ^= 1;
	assert_int_equal(keys_unseal(sk, fp, buf_data(blob), buf_len(blob),
	    &open, NULL), SMERR_CRYPTO);
	assert_int_equal(keys_unseal(sk, fp, buf_data(plain), buf_len(plain),
	    &open, NULL), SMERR_PARSE);
	buf_free(blob);
	buf_free(raw);
	/* Kept in the clear by an older sealmail. */
	assert_int_equal(store_cert_set_key(st, id, plain, NULL), 0);
	assert_int_equal(keys_identity_sealed(k, id, hex, sk, &blob, NULL), 0);
	assert_memory_equal(buf_data(blob), "SMK1", 4);
	assert_int_equal(store_cert_key(st, id, &raw, NULL), 0);
	assert_int_equal(buf_len(raw), buf_len(blob));
	assert_memory_equal(buf_data(raw), buf_data(blob), buf_len(blob));
	buf_free(blob);
	buf_free(raw);
}

static void
test_import(void **unused)
{
	struct store		*st;
	struct keys		*k;
	struct smerr		 e;
	struct seen		 s;
	struct buf		*key = NULL, *der;
	struct keys_certinfo	 ci;
	char			 p[256];
	const unsigned char	*kp;
	PKCS8_PRIV_KEY_INFO	*p8;

	(void)unused;
	open_new("store1", &st, &k, &e);

	/* A key file open to others is refused. */
	snprintf(p, sizeof(p), "%s/alice.p12", dir);
	assert_int_equal(keys_import_path(k, p, KEYS_PEER, "secret", &e),
	    SMERR_PERM);
	assert_non_null(strstr(smerr_msg(&e), "accessible by others"));
	smerr_clear(&e);
	snprintf(p, sizeof(p), "%s/alice-both.pem", dir);
	assert_int_equal(keys_import_path(k, p, KEYS_PEER, NULL, &e),
	    SMERR_PERM);
	sh("chmod 600 %s/alice.p12", dir);
	smerr_clear(&e);
	snprintf(p, sizeof(p), "%s/alice.p12", dir);
	assert_int_not_equal(keys_import_path(k, p, KEYS_PEER, "wrong", &e),
	    0);
	assert_non_null(strstr(smerr_msg(&e), "wrong passphrase"));
	smerr_clear(&e);
	assert_int_equal(keys_import_path(k, p, KEYS_PEER, "secret", &e), 0);
	/* Importing again changes nothing. */
	assert_int_equal(keys_import_path(k, p, KEYS_PEER, "secret", &e), 0);
	snprintf(p, sizeof(p), "%s/ca.pem", dir);
	assert_int_equal(keys_import_path(k, p, KEYS_ANCHOR, NULL, &e), 0);
	snprintf(p, sizeof(p), "%s/bob.der", dir);
	assert_int_equal(keys_import_path(k, p, KEYS_PEER, NULL, &e), 0);

	memset(&s, 0, sizeof(s));
	assert_int_equal(keys_foreach(k, KEYS_IDENTITY | KEYS_PEER |
	    KEYS_ANCHOR, seen_cb, &s, &e), 0);
	assert_int_equal(s.n[KEYS_IDENTITY], 1);
	assert_int_equal(s.n[KEYS_ANCHOR], 1);
	assert_int_equal(s.n[KEYS_PEER], 1);	/* bob; the root is not kept */
	assert_string_equal(s.emails, "alice@example.test");

	/* The identity's key comes back as PKCS#8 DER. */
	assert_int_equal(keys_identity_key(k, s.ident, &key, &e), 0);
	kp = buf_data(key);
	p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &kp, (long)buf_len(key));
	assert_non_null(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	check_sealed(st, k, s.ident, key);
	buf_free(key);

	der = slurp("bob.der");
	assert_int_equal(keys_cert_info(buf_data(der), buf_len(der), &ci, &e),
	    0);
	assert_string_equal(ci.subject, "CN=bob");
	assert_string_equal(ci.issuer, "CN=Test CA");
	assert_string_equal(ci.emails, "bob@example.test");
	assert_true(ci.not_after > time(NULL));
	assert_true(ci.not_before <= time(NULL));
	keys_certinfo_clear(&ci);
	buf_free(der);
	assert_int_equal(keys_cert_info((const uint8_t *)"x", 1, &ci, &e),
	    SMERR_PARSE);

	keys_close(k);
	store_close(st);
}

/* What keys_cert_info reads is what the full certificate reader gives. */
static void
check_info_as_x509(const char *name)
{
	struct keys_certinfo	 ci;
	struct smerr		 e;
	struct buf		*der;
	const unsigned char	*p;
	unsigned char		 md[32];
	unsigned int		 n = 0;
	char			 fp[65], *emails = NULL;
	X509			*x;
	time_t			 t;

	der = slurp(name);
	p = buf_data(der);
	x = d2i_X509(NULL, &p, (long)buf_len(der));
	assert_non_null(x);
	assert_int_equal(keys_cert_info(buf_data(der), buf_len(der), &ci, &e),
	    0);
	assert_int_equal(X509_digest(x, EVP_sha256(), md, &n), 1);
	text_hex_encode(md, n, fp);
	assert_string_equal(ci.fingerprint, fp);
	assert_int_equal(keys_x509_emails(x, &emails, &e), 0);
	assert_string_equal(ci.emails, emails);
	assert_int_equal(keys_asn1_time(X509_get0_notBefore(x), &t), 0);
	assert_int_equal(ci.not_before, t);
	assert_int_equal(keys_asn1_time(X509_get0_notAfter(x), &t), 0);
	assert_int_equal(ci.not_after, t);
	assert_true(ci.not_after > ci.not_before);
	free(emails);
	keys_certinfo_clear(&ci);
	X509_free(x);
	buf_free(der);
}

static void
test_cert_info(void **unused)
{
	struct keys_certinfo	 ci;
	struct smerr		 e;
	struct buf		*der, *more;
	uint8_t			*p;
	size_t			 i;
	int			 r;

	(void)unused;
	/* Only the subject names an address; a key of another kind. */
	sh("cd %s && exec >/dev/null 2>&1 && openssl req -x509 -newkey ec "
	    "-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout carol.key "
	    "-out carol.pem -days 30 "
	    "-subj '/CN=carol/emailAddress=Carol@Example.test' && "
	    "openssl x509 -in carol.pem -outform DER -out carol.der", dir);
	check_info_as_x509("bob.der");
	check_info_as_x509("ca.der");
	check_info_as_x509("carol.der");
	der = slurp("carol.der");
	assert_int_equal(keys_cert_info(buf_data(der), buf_len(der), &ci, &e),
	    0);
	assert_string_equal(ci.emails, "carol@example.test");
	assert_string_equal(ci.subject,
	    "emailAddress=Carol@Example.test,CN=carol");
	assert_string_equal(ci.subject, ci.issuer);
	keys_certinfo_clear(&ci);
	/* Every cut of it is not a certificate, nor it and a byte more. */
	for (i = 0; i < buf_len(der); i++)
		assert_int_equal(keys_cert_info(buf_data(der), i, &ci, &e),
		    SMERR_PARSE);
	/* Each byte changed in turn: read or refused, never more. */
	p = malloc(buf_len(der));
	assert_non_null(p);
	memcpy(p, buf_data(der), buf_len(der));
	for (i = 0; i < buf_len(der); i++) {
		p[i] ^= 0xa5;
		r = keys_cert_info(p, buf_len(der), &ci, &e);
		assert_true(r == 0 || r == SMERR_PARSE);
		if (r == 0)
			assert_non_null(ci.subject);
		keys_certinfo_clear(&ci);
		p[i] ^= 0xa5;
	}
	free(p);
	more = buf_new(0);
	assert_int_equal(buf_put(more, buf_data(der), buf_len(der)), 0);
	assert_int_equal(buf_putc(more, 0), 0);
	assert_int_equal(keys_cert_info(buf_data(more), buf_len(more), &ci,
	    &e), SMERR_PARSE);
	buf_free(more);
	buf_free(der);
}

static int
first_cb(const struct keys_cert *kc, void *arg)
{
	snprintf(arg, 65, "%s", kc->fingerprint);
	return 1;
}

static void
test_harvest(void **unused)
{
	struct store	*st;
	struct keys	*k;
	struct smerr	 e;
	struct buf	*b1, *b2, *b3;
	struct keys_certinfo c1, c2;
	char		 first[65], *old = NULL, *addr = NULL;
	int		 rep;

	(void)unused;
	open_new("store2", &st, &k, &e);
	b1 = slurp("bob.der");
	b2 = slurp("bob2.der");
	assert_int_equal(keys_cert_info(buf_data(b1), buf_len(b1), &c1, &e), 0);
	assert_int_equal(keys_cert_info(buf_data(b2), buf_len(b2), &c2, &e), 0);

	assert_int_equal(keys_harvest(k, buf_data(b1), buf_len(b1),
	    "Bob@Example.test", &rep, &e), 0);
	assert_int_equal(rep, 0);
	assert_int_equal(keys_harvest(k, buf_data(b1), buf_len(b1),
	    "bob@example.test", &rep, &e), 0);
	assert_int_equal(rep, 0);
	assert_int_equal(keys_replaced(k, c1.fingerprint, &old, NULL, &e),
	    SMERR_NOTFOUND);
	smerr_clear(&e);
	/* A different certificate for the same address: recorded. */
	assert_int_equal(keys_harvest(k, buf_data(b2), buf_len(b2),
	    "bob@example.test", &rep, &e), 0);
	assert_int_equal(rep, 1);
	assert_int_equal(keys_replaced(k, c2.fingerprint, &old, &addr, &e), 0);
	assert_string_equal(old, c1.fingerprint);
	assert_string_equal(addr, "bob@example.test");
	free(old);
	free(addr);
	/* The newest comes first for the address. */
	assert_int_equal(keys_find_email(k, "BOB@example.test", KEYS_PEER,
	    first_cb, first, &e), 0);
	assert_string_equal(first, c2.fingerprint);
	/* Garbage is refused. */
	assert_int_not_equal(keys_harvest(k, (const uint8_t *)"xx", 2,
	    "bob@example.test", &rep, &e), 0);
	assert_int_not_equal(keys_harvest(k, buf_data(b1), buf_len(b1),
	    "a,b@example.test", &rep, &e), 0);

	/* An SMIMEA answer past its expiry is not offered... */
	b3 = slurp("alice.der");
	assert_int_equal(keys_cert_add(k, buf_data(b3), buf_len(b3),
	    KEYS_PEER, "smimea", "carol@example.test", time(NULL) - 1, NULL,
	    &e), 0);
	buf_free(b3);
	first[0] = '\0';
	assert_int_equal(keys_find_email(k, "carol@example.test", KEYS_PEER,
	    first_cb, first, &e), 0);
	assert_string_equal(first, "");
	/* ...but the same answer for a harvested one does not demote it. */
	assert_int_equal(keys_cert_add(k, buf_data(b2), buf_len(b2),
	    KEYS_PEER, "smimea", "bob@example.test", time(NULL) - 1, NULL,
	    &e), 0);
	first[0] = '\0';
	assert_int_equal(keys_find_email(k, "bob@example.test", KEYS_PEER,
	    first_cb, first, &e), 0);
	assert_string_equal(first, c2.fingerprint);

	keys_certinfo_clear(&c1);
	keys_certinfo_clear(&c2);
	buf_free(b1);
	buf_free(b2);
	keys_close(k);
	store_close(st);
}

static void
test_store_key_passphrase(void **unused)
{
	struct smerr	 e;
	struct buf	*p1, *p2;
	uint8_t		 k1[32], k2[32], k3[32];
	char		 sd[300], kdf[400];
	struct stat	 sb;
	struct timespec	 a, b;
	struct store	*st;

	(void)unused;
	unsetenv("DBUS_SESSION_BUS_ADDRESS");
	unsetenv("XDG_RUNTIME_DIR");
	store_dir("store3", sd, sizeof(sd));
	p1 = buf_view("correct horse", 13);
	p2 = buf_view("correct horsf", 13);

	/* No bus: said at once, without trying to start one. */
	smerr_clear(&e);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(keys_store_key(sd, NULL, k1, &e), SMERR_SECRET);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(b.tv_sec - a.tv_sec < 2);
	assert_non_null(strstr(smerr_msg(&e), "no Secret Service"));

	smerr_clear(&e);
	assert_int_equal(keys_store_key(sd, p1, k1, &e), 0);
	snprintf(kdf, sizeof(kdf), "%s/store.kdf", sd);
	assert_int_equal(stat(kdf, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(keys_store_uses_passphrase(sd), 1);
	assert_int_equal(store_open(sd, k1, &st, &e), 0);
	store_close(st);
	assert_int_equal(keys_store_key(sd, p1, k2, &e), 0);
	assert_memory_equal(k1, k2, 32);
	assert_int_equal(keys_store_key(sd, p2, k3, &e), 0);
	assert_memory_not_equal(k1, k3, 32);
	assert_int_equal(store_open(sd, k3, &st, &e), SMERR_STORE);
	smerr_clear(&e);
	assert_int_equal(keys_store_key(sd, NULL, k3, &e), SMERR_SECRET);
	assert_non_null(strstr(smerr_msg(&e), "passphrase"));

	/* A new passphrase, committed after the rekey. */
	smerr_clear(&e);
	assert_int_equal(store_open(sd, k1, &st, &e), 0);
	assert_int_equal(keys_store_key_new(sd, p2, k3, &e), 0);
	assert_int_equal(store_rekey(st, k3, &e), 0);
	assert_int_equal(keys_store_key_commit(sd, 1, &e), 0);
	store_close(st);
	assert_int_equal(keys_store_key(sd, p2, k2, &e), 0);
	assert_memory_equal(k2, k3, 32);
	assert_int_equal(store_open(sd, k2, &st, &e), 0);
	store_close(st);

	/* A tampered parameter file is refused, not half-read. */
	sh("printf 'sealmail-kdf 1 scrypt 3 8 1 00\\n' > %s", kdf);
	smerr_clear(&e);
	assert_int_equal(keys_store_key(sd, p1, k1, &e), SMERR_PARSE);
	buf_free(p1);
	buf_free(p2);
}

int
main(void)
{
	return UNIT_RUN(setup, teardown,
	    cmocka_unit_test(test_import),
	    cmocka_unit_test(test_harvest),
	    cmocka_unit_test(test_cert_info),
	    cmocka_unit_test(test_store_key_passphrase));
}
