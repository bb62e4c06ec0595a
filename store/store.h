/*
 * store/store.h: the encrypted local store (SQLCipher): messages, verdicts,
 * folders and sync state, the outbox, certificates and identities. One
 * database file under the data home; nothing in it is ever in clear on
 * disk. This header knows no SQLite type.
 *
 * The signatures below are the contract other folders build on; the owner
 * of store/ may add to them.
 */
#ifndef SEALMAIL_STORE_H
#define SEALMAIL_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf;
struct smerr;
struct store;

#define STORE_KEY_LEN	32

/*
 * Opens (creating when absent) the store in datadir with the 256-bit key.
 * Refuses a library that is not SQLCipher, and reports a wrong key as
 * such. 0 or a negative SMERR_* code.
 */
int	 store_open(const char *datadir, const uint8_t key[STORE_KEY_LEN],
	    struct store **stp, struct smerr *e);
/* Closes; NULL is a no-op. */
void	 store_close(struct store *st);
/* 1 when datadir already holds a store. */
int	 store_exists(const char *datadir);

/* Certificates and identities, for keys/. */
enum store_cert_kind {
	STORE_CERT_IDENTITY	= 1,	/* own certificate with private key */
	STORE_CERT_PEER		= 2,	/* someone else's certificate */
	STORE_CERT_ANCHOR	= 4,	/* a trust anchor */
};

struct store_cert {
	int64_t			 id;
	enum store_cert_kind	 kind;
	const char		*source;	/* imported, harvested, smimea */
	const char		*fingerprint;	/* SHA-256 of the DER, hex */
	const char		*emails;	/* addresses, comma-separated */
	const uint8_t		*der;
	size_t			 der_len;
	time_t			 added;
	time_t			 expires;	/* cache expiry (smimea), or 0 */
};

/*
 * Adds or replaces (by kind and fingerprint) a certificate; key is the
 * PKCS#8 DER private key of an identity (NULL otherwise). *idp gets the
 * row id when idp is not NULL.
 */
int	 store_cert_put(struct store *st, const struct store_cert *c,
	    const struct buf *key, int64_t *idp, struct smerr *e);
/* Calls cb for every certificate of the kinds in mask; cb returns 0 to go on. */
int	 store_cert_foreach(struct store *st, unsigned mask,
	    int (*cb)(const struct store_cert *, void *), void *arg,
	    struct smerr *e);
/* The private key of identity id, into a new secret buffer (caller frees). */
int	 store_cert_key(struct store *st, int64_t id, struct buf **keyp,
	    struct smerr *e);
/* Removes certificate id. */
int	 store_cert_delete(struct store *st, int64_t id, struct smerr *e);

#endif
