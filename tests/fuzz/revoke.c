/*
 * libFuzzer target: what a CA's server sends back, as the revocation
 * check reads it. The first byte picks the way: bit 0 a CRL (else an OCSP
 * response), bit 1 inside an HTTP response (net/http.h) rather than bare.
 * The answer is judged about tests/data/revoke/leaf.pem, issued by
 * ca.pem, at 2026-12-01 00:30 UTC (mkseeds.sh made the seeds for then).
 * Invariants: the HTTP reader returns 0, 1 or an error, and a body no
 * larger than its input; a judgement is good, revoked or unknown, an
 * unknown one says why, and a known one is not stale.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>

#include "base/buf.h"
#include "base/err.h"
#include "net/http.h"
#include "crypto/crypto_int.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_NOW	((time_t)1796085000)	/* 2026-12-01 00:30 UTC */

static X509		*ca, *leaf;
static X509_STORE	*store;
static OCSP_REQUEST	*req;
static OCSP_CERTID	*id;

static X509 *
read_cert(const char *path)
{
	FILE	*f;
	X509	*x;

	if ((f = fopen(path, "r")) == NULL)
		abort();
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		abort();
	return x;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	OCSP_CERTID	*id2;

	(void)argc;
	(void)argv;
	ca = read_cert("tests/data/revoke/ca.pem");
	leaf = read_cert("tests/data/revoke/leaf.pem");
	if ((store = X509_STORE_new()) == NULL ||
	    !X509_STORE_add_cert(store, ca) ||
	    (req = OCSP_REQUEST_new()) == NULL ||
	    (id = OCSP_cert_to_id(EVP_sha1(), leaf, ca)) == NULL ||
	    (id2 = OCSP_CERTID_dup(id)) == NULL ||
	    OCSP_request_add0_id(req, id2) == NULL ||
	    !OCSP_request_add1_nonce(req, NULL, -1))
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct buf	*body = NULL;
	const uint8_t	*p;
	const char	*why = NULL;
	enum crypto_rev	 st;
	time_t		 until;
	struct crypto_revinfo ri;
	size_t		 n;
	int		 mode, r, eof;

	if (len < 1)
		return 0;
	mode = data[0];
	p = data + 1;
	n = len - 1;
	if (mode & 2) {
		if ((body = buf_new(CRYPTO_REVOKE_MAX_OCSP)) == NULL)
			return 0;
		for (eof = 0, r = 1; eof < 2 && r != 0; eof++) {
			r = net_http_response(p, n, eof, body, NULL);
			assert(r == 0 || r == 1 || r < 0);
			assert(!(eof && r == 1));
		}
		if (r != 0) {
			buf_free(body);
			return 0;
		}
		assert(buf_len(body) <= n);
		p = buf_data(body);
		n = buf_len(body);
	}
	if (mode & 1)
		st = crypto_crl_judge(p, n, leaf, ca, FUZZ_NOW, &until, &why,
		    &ri);
	else
		st = crypto_ocsp_judge(p, n, req, id, ca, store, FUZZ_NOW,
		    &until, &why, &ri);
	assert(st == CRYPTO_REV_GOOD || st == CRYPTO_REV_REVOKED ||
	    st == CRYPTO_REV_UNKNOWN);
	assert(ri.reason >= -1 && ri.reason <= 10);
	if (st != CRYPTO_REV_REVOKED)
		assert(ri.at == 0 && ri.reason == -1);
	if (st == CRYPTO_REV_UNKNOWN)
		assert(why != NULL);
	else
		assert(until == 0 || until + CRYPTO_REVOKE_SKEW >= FUZZ_NOW);
	buf_free(body);
	ERR_clear_error();
	return 0;
}
