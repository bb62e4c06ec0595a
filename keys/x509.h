/*
 * keys/x509.h: the key store's certificate reader, for the folders that
 * speak OpenSSL themselves (keys/, crypto/). keys/keys.h stays free of
 * OpenSSL's types.
 */
#ifndef SEALMAIL_KEYS_X509_H
#define SEALMAIL_KEYS_X509_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#define KEYS_MAX_FILE	(1024 * 1024)	/* a certificate or PKCS#12 file */

/*
 * The value of the ASN.1 type it whose DER is exactly the len bytes at der
 * (at most KEYS_MAX_FILE), or NULL; OpenSSL's error queue is left empty.
 */
ASN1_VALUE	*keys_der_item(const uint8_t *der, size_t len,
	    const ASN1_ITEM *it);
/* The certificate so read (keys_der_item). */
X509	*keys_der_x509(const uint8_t *der, size_t len);
/*
 * An ASN.1 time (UTCTime or GeneralizedTime) as seconds since the epoch
 * into *tp: 0, or -1 with *tp 0 when a is absent or unreadable; OpenSSL's
 * error queue is left empty.
 */
int	 keys_asn1_time(const ASN1_TIME *a, time_t *tp);

#endif
