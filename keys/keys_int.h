/* keys/keys_int.h: shared by the files of keys/ only. */
#ifndef SEALMAIL_KEYS_INT_H
#define SEALMAIL_KEYS_INT_H

#include <time.h>

#include "keys/x509.h"

struct keys {
	struct store	*st;
};

/*
 * 1 when the comma-separated list holds address (case-insensitive; a
 * domain outside ASCII compared as its A-labels).
 */
int	 keys_emails_have(const char *list, const char *address);
/* SHA-256 of x's DER as lowercase hex into fp[65]. */
int	 keys_x509_fingerprint(X509 *x, char fp[65], struct smerr *e);
/* The same of the len bytes of DER at der. */
int	 keys_der_fingerprint(const uint8_t *der, size_t len, char fp[65],
	    struct smerr *e);
/* x's e-mail addresses (SAN rfc822Name, else subject emailAddress). */
int	 keys_x509_emails(X509 *x, char **emailsp, struct smerr *e);
/* Stores x as kind with an optional PKCS#8 private key. */
int	 keys_put_x509(struct keys *k, X509 *x, enum keys_kind kind,
	    const char *source, EVP_PKEY *pkey, int64_t *idp,
	    struct smerr *e);

/* Seals a PKCS#8 key for the certificate of fingerprint (keys/seal.c). */
int	 keys_seal(struct keys *k, const char *fingerprint,
	    const struct buf *plain, struct buf **outp, struct smerr *e);
/*
 * The PKCS#8 key in b (taken): b itself when it is not sealed, else a new
 * secret buffer with b unsealed.
 */
int	 keys_seal_open(struct keys *k, const char *fingerprint, struct buf *b,
	    struct buf **keyp, struct smerr *e);

#endif
