/*
 * tests/unit/lib/unit.c: the helpers of unit.h.
 */
#include <sys/prctl.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/x509v3.h>

#include "base/buf.h"
#include "base/vec.h"
#include "tests/unit/lib/unit.h"

int
unit_run(const struct CMUnitTest *tests, size_t n, CMFixtureFunction setup,
    CMFixtureFunction teardown)
{
	return _cmocka_run_group_tests("tests", tests, n, setup, teardown);
}

char *
unit_tmpdir(const char *name)
{
	char	*d;

	assert_true(asprintf(&d, "/tmp/%s.XXXXXX", name) > 0);
	assert_non_null(mkdtemp(d));
	return d;
}

void
unit_rmrf(const char *dir)
{
	char	cmd[512];

	assert_true((size_t)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir) <
	    sizeof(cmd));
	assert_int_equal(system(cmd), 0);
}

void
unit_write_file(const char *path, const char *text)
{
	FILE	*fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

char *
unit_read_file(const char *path, size_t *lenp)
{
	FILE	*fp;
	char	*s;
	long	 n;

	assert_non_null(fp = fopen(path, "rb"));
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	assert_true((n = ftell(fp)) >= 0);
	rewind(fp);
	assert_non_null(s = malloc((size_t)n + 1));
	assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
	s[n] = '\0';
	fclose(fp);
	if (lenp != NULL)
		*lenp = (size_t)n;
	return s;
}

struct buf *
unit_read_buf(const char *path)
{
	struct buf	*b = buf_new(0);
	int		 fd;

	assert_non_null(b);
	assert_true((fd = open(path, O_RDONLY)) >= 0);
	assert_int_equal(buf_read_fd(b, fd), 0);
	close(fd);
	return b;
}

void
unit_strv_is(char **v, size_t n, const char *want)
{
	struct buf	*b = buf_new(0);
	size_t		 i;

	assert_non_null(b);
	for (i = 0; i < n; i++)
		assert_int_equal(buf_printf(b, "%s%s", i > 0 ? " " : "",
		    v[i]), 0);
	assert_string_equal(buf_str(b), want);
	vec_strv_free(v, n);
	buf_free(b);
}

void
unit_str_is(char *got, const char *want)
{
	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
	free(got);
}

double
unit_now_ms(void)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

pid_t
unit_idle_child(void)
{
	pid_t	pid;

	if ((pid = fork()) == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	assert_true(pid > 0);
	return pid;
}

int
unit_loopback(int type, int *portp)
{
	struct sockaddr_in	sin;
	socklen_t		sl = sizeof(sin);
	int			fd;

	fd = socket(AF_INET, type, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*portp = ntohs(sin.sin_port);
	return fd;
}

int
unit_silent_udp(char *res, size_t len)
{
	int	fd, port;

	fd = unit_loopback(SOCK_DGRAM, &port);
	snprintf(res, len, "127.0.0.1@%d", port);
	return fd;
}

X509 *
unit_cert(EVP_PKEY *key, X509 *issuer, const char *cn, long serial,
    long from, long to)
{
	X509		*x = X509_new();
	X509_NAME	*n;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	X509_set_pubkey(x, key);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer)
	    : n);
	return x;
}

void
unit_cert_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	 v3;
	X509_EXTENSION	*ext;

	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	assert_non_null(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
}

void
unit_cert_email(X509 *x, X509 *issuer, const char *email)
{
	char	san[256];

	snprintf(san, sizeof(san), "email:%s", email);
	unit_cert_ext(x, issuer, NID_subject_alt_name, san);
}

uint8_t *
unit_der(X509 *x, int *lenp)
{
	uint8_t	*p = NULL;

	*lenp = i2d_X509(x, &p);
	assert_true(*lenp > 0);
	return p;
}

struct buf *
unit_p8(EVP_PKEY *pk)
{
	PKCS8_PRIV_KEY_INFO	*p8 = EVP_PKEY2PKCS8(pk);
	struct buf		*b = buf_new_secret(0);
	unsigned char		*d = NULL;
	int			 n;

	assert_non_null(p8);
	assert_non_null(b);
	assert_true((n = i2d_PKCS8_PRIV_KEY_INFO(p8, &d)) > 0);
	assert_int_equal(buf_put(b, d, (size_t)n), 0);
	OPENSSL_clear_free(d, (size_t)n);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return b;
}

/* The serial number of the next certificate unit_pki makes. */
static long	unit_serial = 1;

void
unit_pki_init(struct unit_pki *pki, const char *cn)
{
	memset(pki, 0, sizeof(*pki));
	pki->cakey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	pki->key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	assert_non_null(pki->cakey);
	assert_non_null(pki->key);
	pki->ca = unit_cert(pki->cakey, NULL, cn, unit_serial++, -3600,
	    86400L * 3650);
	unit_cert_ext(pki->ca, NULL, NID_basic_constraints,
	    "critical,CA:TRUE");
	unit_cert_ext(pki->ca, NULL, NID_key_usage,
	    "critical,keyCertSign,cRLSign");
	assert_true(X509_sign(pki->ca, pki->cakey, EVP_sha256()) > 0);
	pki->ca_der = unit_der(pki->ca, &pki->ca_len);
}

uint8_t *
unit_pki_issue(struct unit_pki *pki, const char *cn, const char *email,
    long from, long to, const char *eku, int *lenp)
{
	X509	*x;
	uint8_t	*p;

	x = unit_cert(pki->key, pki->ca, cn, unit_serial++, from, to);
	unit_cert_email(x, pki->ca, email);
	if (eku != NULL)
		unit_cert_ext(x, pki->ca, NID_ext_key_usage, eku);
	unit_cert_ext(x, pki->ca, NID_key_usage,
	    "critical,digitalSignature,keyEncipherment");
	assert_true(X509_sign(x, pki->cakey, EVP_sha256()) > 0);
	p = unit_der(x, lenp);
	X509_free(x);
	return p;
}

void
unit_pki_free(struct unit_pki *pki)
{
	OPENSSL_free(pki->ca_der);
	X509_free(pki->ca);
	EVP_PKEY_free(pki->cakey);
	EVP_PKEY_free(pki->key);
}
