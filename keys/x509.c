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

ASN1_VALUE *
keys_der_item(const uint8_t *der, size_t len, const ASN1_ITEM *it)
{
	const unsigned char	*p = der;
	ASN1_VALUE		*v;

	if (der == NULL || len == 0 || len > KEYS_MAX_FILE)
		return NULL;
	v = ASN1_item_d2i(NULL, &p, (long)len, it);
	if (v != NULL && p != der + len) {
		ASN1_item_free(v, it);
		v = NULL;
	}
	ERR_clear_error();
	return v;
}

X509 *
keys_der_x509(const uint8_t *der, size_t len)
{
	return (X509 *)keys_der_item(der, len, ASN1_ITEM_rptr(X509));
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
