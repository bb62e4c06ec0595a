/*
 * tests/unit/lib/unit.h: what the cmocka unit tests share: a private
 * directory and its removal, files written and read whole, a string and
 * a list of strings checked, a monotonic clock, a resolver that never
 * answers, X.509 certificates made on the spot and private keys as
 * PKCS#8.
 * Linked into every unit test (it uses only base/); a failure is a
 * cmocka assertion. Include it after cmocka.h.
 */
#ifndef SEALMAIL_TEST_UNIT_H
#define SEALMAIL_TEST_UNIT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

struct buf;

/*
 * UNIT_RUN(SETUP, TEARDOWN, TEST...): what main returns: the tests TEST
 * (cmocka_unit_test() entries) run in order as one group, SETUP before
 * them and TEARDOWN after (NULL: none).
 */
#define UNIT_RUN(setup, teardown, ...)					\
	unit_run((const struct CMUnitTest[]){ __VA_ARGS__ },		\
	    sizeof((const struct CMUnitTest[]){ __VA_ARGS__ }) /		\
	    sizeof(struct CMUnitTest), (setup), (teardown))

int		 unit_run(const struct CMUnitTest *, size_t,
		    CMFixtureFunction, CMFixtureFunction);

/* A new directory /tmp/NAME.XXXXXX; the caller frees the path. */
char		*unit_tmpdir(const char *name);

/* Removes dir and all below it. */
void		 unit_rmrf(const char *dir);

/* Writes text to path, replacing what was there. */
void		 unit_write_file(const char *path, const char *text);

/*
 * The whole of the file path, NUL-terminated (the caller frees it), its
 * length in *lenp (lenp may be NULL).
 */
char		*unit_read_file(const char *path, size_t *lenp);

/* The whole of the file path in a new buffer (buf_free it). */
struct buf	*unit_read_buf(const char *path);

/* The n strings of v, joined by spaces, are want; frees them and v. */
void		 unit_strv_is(char **v, size_t n, const char *want);

/* The string got is want (want NULL: got is NULL too); frees got. */
void		 unit_str_is(char *got, const char *want);

/* Milliseconds of CLOCK_MONOTONIC. */
double		 unit_now_ms(void);

/*
 * A child that does nothing until it is killed (SIGKILL, then waitpid),
 * or the test ends: it goes with its parent, should an assertion end the
 * test first. Its pid.
 */
pid_t		 unit_idle_child(void);

/*
 * A socket of type (SOCK_STREAM, SOCK_DGRAM) bound to a free port of
 * 127.0.0.1, the port in *portp; a stream socket listens.
 */
int		 unit_loopback(int type, int *portp);

/*
 * A UDP socket on the loopback that reads nothing and answers nothing,
 * for a resolver that never answers; its address ("127.0.0.1@PORT") goes
 * to res. The caller closes it.
 */
int		 unit_silent_udp(char *res, size_t len);

/*
 * A version 3 certificate of key, named CN=cn, valid from..to seconds
 * from now, issued by issuer (NULL: by itself); not signed yet.
 */
X509		*unit_cert(EVP_PKEY *key, X509 *issuer, const char *cn,
		    long serial, long from, long to);

/* Adds the extension nid, value in openssl's configuration syntax. */
void		 unit_cert_ext(X509 *x, X509 *issuer, int nid,
		    const char *value);

/* Adds the subjectAltName rfc822Name email. */
void		 unit_cert_email(X509 *x, X509 *issuer, const char *email);

/* x's DER (OPENSSL_free it) and its length in *lenp. */
uint8_t		*unit_der(X509 *x, int *lenp);

/* pk's private key as PKCS#8 DER, in a secret buffer (buf_free it). */
struct buf	*unit_p8(EVP_PKEY *pk);

/*
 * A small PKI: a CA (an EC P-256 key, CN=cn, valid for ten years) and one
 * RSA key for every certificate it issues.
 */
struct unit_pki {
	EVP_PKEY	*cakey;
	EVP_PKEY	*key;
	X509		*ca;
	uint8_t		*ca_der;
	int		 ca_len;
};

/* Makes the CA and the key into pki. */
void		 unit_pki_init(struct unit_pki *pki, const char *cn);

/*
 * The DER (OPENSSL_free it) of a certificate of pki's key issued by its
 * CA: CN=cn, the rfc822Name email, valid from..to seconds from now, key
 * usage for signing and key encipherment, the extended key usage eku
 * (NULL: none).
 */
uint8_t		*unit_pki_issue(struct unit_pki *pki, const char *cn,
		    const char *email, long from, long to, const char *eku,
		    int *lenp);

/* Frees what pki holds, not pki itself. */
void		 unit_pki_free(struct unit_pki *pki);

#endif
