/*
 * net/anchors.h: the system's trust anchors, for the layers that speak
 * OpenSSL (net/tls.c and crypto/). OpenSSL's X509_STORE_set_default_paths
 * parses every certificate of the system bundle at once, and OpenSSL 3.0
 * searches its decoders for each public key: tens of milliseconds for
 * every process, before a single chain is built. Here only the subject
 * names of the bundle are read; a lookup method, first in the store's
 * list, parses and adds all the bundle's certificates of a subject the
 * first time a chain asks for that subject. The hashed directory and the
 * default store URI follow, as OpenSSL adds them. A bundle holding
 * anything but plain certificates is read whole, the usual way.
 */
#ifndef SEALMAIL_NET_ANCHORS_H
#define SEALMAIL_NET_ANCHORS_H

#include <stdint.h>

#include <openssl/x509_vfy.h>

/* The bundle as indexed; it belongs to the store it was added to. */
struct net_anchors;

/*
 * Adds the system's anchors to st (the bundle of SSL_CERT_FILE or
 * OpenSSL's default, then the directory and store). *lazyp is the index,
 * or NULL when the bundle was read whole. 0, or -1 with nothing usable.
 */
int	 net_anchors_system(X509_STORE *st, struct net_anchors **lazyp);
/*
 * To call after certificates were added to st by other means: a subject
 * found in the store is not looked up again, so the bundle's certificates
 * of the same subjects are brought in now. lazy may be NULL.
 */
void	 net_anchors_collide(struct net_anchors *lazy, X509_STORE *st);
/*
 * The subject Name of the DER certificate at der, read without parsing
 * the rest of it, and its serial number in *serialp unless NULL; NULL
 * when the certificate is malformed there.
 */
X509_NAME *net_der_subject(const uint8_t *der, long len,
	    ASN1_INTEGER **serialp);
/*
 * Walks one DER element at *pp (before end): its tag, class and content,
 * and moves *pp past it. 0, or -1 when malformed or of indefinite length.
 */
int	 net_der_next(const uint8_t **pp, const uint8_t *end, int *tag,
	    int *cls, const uint8_t **cp, long *clen);
/*
 * Moves into the DER element at *pp (before *endp), which must be of tag
 * want: its content becomes [*pp, *endp). 0, or -1 as net_der_next or
 * when the tag is another.
 */
int	 net_der_enter(const uint8_t **pp, const uint8_t **endp, int want);

#endif
