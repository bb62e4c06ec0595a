/*
 * A certificate read from its DER, for keys/ and crypto/ alike: exactly
 * the bytes given, nothing before or after them; and its times. Kept apart from the key
 * store so that what reads certificates needs nothing else of keys/.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "keys/x509.h"

X509 *
keys_der_x509(const uint8_t *der, size_t len)
{
	const unsigned char	*p = der;
	X509			*x;

	if (der == NULL || len == 0 || len > KEYS_MAX_FILE)
		return NULL;
	x = d2i_X509(NULL, &p, (long)len);
	if (x != NULL && p != der + len) {
		X509_free(x);
		x = NULL;
	}
	ERR_clear_error();
	return x;
}

int
keys_asn1_time(const ASN1_TIME *a, time_t *tp)
{
	struct tm	tm;

	*tp = 0;
	memset(&tm, 0, sizeof(tm));
	if (a == NULL || ASN1_TIME_to_tm(a, &tm) != 1) {
		ERR_clear_error();
		return -1;
	}
	*tp = timegm(&tm);
	return 0;
}
