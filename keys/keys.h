/*
 * keys/keys.h: the key store (own identities, peers' certificates, trust
 * anchors), secrets (the Secret Service, with a passphrase fallback), and
 * certificate lookup (store, harvested, SMIMEA). Certificates cross this
 * header as DER bytes; no OpenSSL type appears here.
 *
 * The signatures below are the contract other folders build on; the owner
 * of keys/ may add to them.
 */
#ifndef SEALMAIL_KEYS_H
#define SEALMAIL_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf;
struct smerr;
struct store;
struct keys;

enum keys_kind {
	KEYS_IDENTITY	= 1,
	KEYS_PEER	= 2,
	KEYS_ANCHOR	= 4,
};

/* One certificate as the key store holds it (read-only, valid in a callback). */
struct keys_cert {
	int64_t		 id;
	enum keys_kind	 kind;
	const char	*source;	/* imported, harvested, smimea, system */
	const char	*fingerprint;	/* SHA-256 of the DER, lowercase hex */
	const char	*emails;	/* comma-separated addresses */
	const uint8_t	*der;
	size_t		 der_len;
};

/* Opens the key store kept in st (st must outlive it). */
int	 keys_open(struct store *st, struct keys **kp, struct smerr *e);
void	 keys_close(struct keys *k);

/* Imports an identity from PKCS#12 bytes opened with pass. */
int	 keys_import_p12(struct keys *k, const struct buf *p12,
	    const char *pass, struct smerr *e);
/* Imports PEM or DER certificates as KEYS_PEER or KEYS_ANCHOR. */
int	 keys_import_cert(struct keys *k, const struct buf *data,
	    enum keys_kind kind, struct smerr *e);
/* Calls cb for every certificate of the kinds in mask. */
int	 keys_foreach(struct keys *k, unsigned mask,
	    int (*cb)(const struct keys_cert *, void *), void *arg,
	    struct smerr *e);
/* The PKCS#8 DER private key of identity id, in a new secret buffer. */
int	 keys_identity_key(struct keys *k, int64_t id, struct buf **keyp,
	    struct smerr *e);
/*
 * Records the certificate of a verified signer for address (the caller
 * has checked that the chain is valid and that the signer is From).
 * *replaced is set when it replaces another certificate for address.
 */
int	 keys_harvest(struct keys *k, const uint8_t *der, size_t len,
	    const char *address, int *replaced, struct smerr *e);

/*
 * The 256-bit key of the store in datadir. With pass NULL it comes from
 * the Secret Service (made on first use). When no Secret Service answers
 * it returns SMERR_SECRET with a one-line message saying so; the caller
 * (app/, which may prompt) then gets a passphrase from the terminal or a
 * file and calls again with pass set, and the key is derived from it.
 * keys/ itself never prompts.
 */
int	 keys_store_key(const char *datadir, const struct buf *pass,
	    uint8_t key[32], struct smerr *e);

#endif
