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
	time_t		 added;		/* when it came into the store */
	time_t		 expires;	/* cache expiry (smimea), or 0 */
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
/*
 * The PKCS#8 DER private key of identity id, in a new secret buffer. Only
 * for tests and tools: sealmail's processes leave keys to the key agent.
 */
int	 keys_identity_key(struct keys *k, int64_t id, struct buf **keyp,
	    struct smerr *e);

/*
 * Identity keys are sealed in the store (keys/seal.c): AES-256-GCM under a
 * key kept in the store, bound to the certificate's SHA-256 fingerprint.
 * keys_identity_sealed gives identity id's sealed key (a new buffer) and
 * the sealing key, for the key agent, which alone calls keys_unseal.
 */
#define KEYS_SEAL_KEYLEN	32
int	 keys_identity_sealed(struct keys *k, int64_t id,
	    const char *fingerprint, uint8_t key[KEYS_SEAL_KEYLEN],
	    struct buf **blobp, struct smerr *e);
int	 keys_unseal(const uint8_t key[KEYS_SEAL_KEYLEN], const uint8_t fp[32],
	    const uint8_t *blob, size_t len, struct buf **keyp,
	    struct smerr *e);
/*
 * Identities whose key stays on a PKCS#11 token: the store keeps the
 * token's RFC 7512 URI where a sealed key would be. keys_import_token
 * registers certificate der (checked by the caller against the token) as
 * such an identity; keys_identity_token gives identity id's URI
 * (malloc'd), or NULL when its key is sealed in the store.
 */
#define KEYS_TOKEN_PREFIX	"pkcs11:"
#define KEYS_TOKEN_PREFIXLEN	7
int	 keys_import_token(struct keys *k, const uint8_t *der, size_t len,
	    const char *uri, struct smerr *e);
int	 keys_identity_token(struct keys *k, int64_t id, char **urip,
	    struct smerr *e);
/* The one certificate in the PEM or DER file at path, as DER (malloc'd). */
int	 keys_cert_file_der(const char *path, uint8_t **derp, size_t *lenp,
	    struct smerr *e);
/* A fingerprint's 64 hex digits as 32 bytes; 0 or -1. */
int	 keys_fingerprint_raw(const char *hex, uint8_t fp[32]);
/*
 * Records the certificate of a verified signer for address (the caller
 * has checked that the chain is valid and that the signer is From).
 * *replaced is set when it replaces another certificate for address.
 */
int	 keys_harvest(struct keys *k, const uint8_t *der, size_t len,
	    const char *address, int *replaced, struct smerr *e);
/*
 * The S/MIME capabilities the owner of the certificate der announced in
 * signed mail: a set of 8 bits whose meaning crypto/ gives (PROTECT_CAP_*
 * of crypto/protect.h), kept beside the certificates by fingerprint.
 * keys_caps_remember keeps caps when they say anything (non-zero), and
 * replaces what was known; keys_caps_recall gives 0 when nothing is.
 */
int	 keys_caps_remember(struct keys *k, const uint8_t *der, size_t len,
	    unsigned caps, struct smerr *e);
int	 keys_caps_recall(struct keys *k, const uint8_t *der, size_t len,
	    unsigned *capsp, struct smerr *e);

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

/*
 * The key of the store in datadir, kept for this login session in the
 * kernel's session keyring (possessor only) so that the next process need
 * neither derive it again nor ask the Secret Service. keys_keyring_get
 * copies it to key and returns 0, or -1 when none is kept, timeout is 0
 * (keeping is off), or pass is given and is not the passphrase the key was
 * derived from (checked without scrypt); each use keeps it timeout seconds
 * longer. keys_keyring_put keeps key, derived from pass (NULL: from the
 * Secret Service), for timeout seconds (nothing when the kernel refuses);
 * keys_keyring_forget drops it, as when the store's keying changes. It is
 * found by the store's path and store.kdf (or, without one, as a store
 * keyed in the Secret Service).
 */
int	 keys_keyring_get(const char *datadir, long timeout,
	    const struct buf *pass, uint8_t key[32]);
void	 keys_keyring_put(const char *datadir, long timeout,
	    const struct buf *pass, const uint8_t key[32]);
void	 keys_keyring_forget(const char *datadir);

/* Key store additions. */

/*
 * Removes certificate id from the key store, with the private key of an
 * identity: a key sealed in the store is then gone for good.
 */
int	 keys_remove(struct keys *k, int64_t id, struct smerr *e);

/* A certificate's details for display; keys_certinfo_clear frees them. */
struct keys_certinfo {
	char	*subject;	/* RFC 2253 text */
	char	*issuer;
	char	*emails;	/* comma-separated, lowercase */
	time_t	 not_before;
	time_t	 not_after;
	int	 is_ca;		/* basicConstraints cA */
	char	 fingerprint[65];	/* SHA-256 of the DER, lowercase hex */
};
int	 keys_cert_info(const uint8_t *der, size_t len,
	    struct keys_certinfo *ci, struct smerr *e);
void	 keys_certinfo_clear(struct keys_certinfo *ci);

/*
 * Imports the file at path: PKCS#12 (an identity, opened with pass), or
 * PEM/DER certificates as kind; a PEM file that also holds the matching
 * private key is an identity. A file holding a private key that is
 * readable or writable by group or others is refused.
 */
int	 keys_import_path(struct keys *k, const char *path, enum keys_kind kind,
	    const char *pass, struct smerr *e);

/*
 * Adds or refreshes one certificate with the given source ("smimea",
 * "harvested", ...), addresses and cache expiry (0: none).
 */
int	 keys_cert_add(struct keys *k, const uint8_t *der, size_t len,
	    enum keys_kind kind, const char *source, const char *emails,
	    time_t expires, int64_t *idp, struct smerr *e);
/*
 * Calls cb for every certificate of the kinds in mask bound to address
 * (case-insensitive), newest first.
 */
int	 keys_find_email(struct keys *k, const char *address, unsigned mask,
	    int (*cb)(const struct keys_cert *, void *), void *arg,
	    struct smerr *e);
/*
 * The fingerprint a certificate replaced for some address (the latest
 * such change), into a malloc'd string; SMERR_NOTFOUND when none.
 */
int	 keys_replaced(struct keys *k, const char *fingerprint, char **oldp,
	    char **addressp, struct smerr *e);

/* 1 when the store in datadir is keyed by a passphrase, not the Secret Service. */
int	 keys_store_uses_passphrase(const char *datadir);
/*
 * For changing how the store is keyed. keys_store_key_new derives a new
 * key from pass with a new salt (kept aside until keys_store_key_commit);
 * with pass NULL it makes 256 random bits and keeps them in the Secret
 * Service. After the store is re-keyed, keys_store_key_commit makes the
 * new way the one used from then on.
 */
int	 keys_store_key_new(const char *datadir, const struct buf *pass,
	    uint8_t key[32], struct smerr *e);
int	 keys_store_key_commit(const char *datadir, int passphrase,
	    struct smerr *e);
/*
 * The key a change of keying left aside (a re-key cut short before its
 * commit): from pass and the pending KDF file when there is one, else
 * from the Secret Service's pending slot. SMERR_NOTFOUND when none is pending;
 * *passphrasep says which way it is kept, for keys_store_key_commit.
 */
int	 keys_store_key_pending(const char *datadir, const struct buf *pass,
	    uint8_t key[32], int *passphrasep, struct smerr *e);

/*
 * Account passwords in the Secret Service, keyed by account (the caller's
 * name for it, e.g. "user@host"). keys_password_get gives a malloc'd
 * string (caller wipes) or SMERR_NOTFOUND; SMERR_SECRET when no Secret
 * Service answers or its collection is locked.
 */
int	 keys_password_get(const char *account, char **pwp, struct smerr *e);
int	 keys_password_set(const char *account, const char *pw,
	    struct smerr *e);

/* Milliseconds any one Secret Service exchange may take. */
#define KEYS_SECRET_TIMEOUT_MS	3000

/*
 * Certificates from DNS (keys/lookup.c; details in keys/smimea.h). dns is
 * a net/dns.h context, or NULL for the key store alone.
 */
struct dns;

/*
 * A certificate to encrypt to for address: the key store's own (imported,
 * then harvested; of several usable ones from the same source, the one
 * issued last), and only when none is usable, SMIMEA (DNSSEC-secure
 * only). *derp is malloc'd (caller frees); *sourcep is "store",
 * "harvested" or "smimea" (static). SMERR_NOTFOUND when no usable
 * certificate exists, with every reason in the message (no record,
 * insecure zone, chain refused, another address, expired); SMERR_DNSSEC,
 * SMERR_TIMEOUT or SMERR_DNS when DNS failed.
 */
int	 keys_find_recipient(struct keys *k, struct dns *dns,
	    const char *address, uint8_t **derp, size_t *lenp,
	    const char **sourcep, struct smerr *e);

/*
 * The identity to sign with for address: of its identities, one that is
 * usable now (valid, for e-mail, chaining to a trust anchor), else one
 * inside its validity, else any; among those the one issued last (the
 * latest notBefore), and on a tie the newest imported. *derp is malloc'd
 * (caller frees), *idp its id; SMERR_NOTFOUND when there is none.
 */
int	 keys_identity_for(struct keys *k, const char *address, uint8_t **derp,
	    size_t *lenp, int64_t *idp, struct smerr *e);

/* What SMIMEA says about a signer's certificate. */
enum keys_dane {
	KEYS_DANE_NONE = 0,	/* no secure record (a secure denial) */
	KEYS_DANE_MATCH,	/* a secure record vouches for it */
	KEYS_DANE_CONTRADICT,	/* secure records name another certificate */
	KEYS_DANE_ERROR,	/* bogus answer or no answer: e says which */
	KEYS_DANE_INSECURE,	/* the zone is not signed: nothing vouches */
};
/*
 * Checks the signer certificate der of address against its SMIMEA
 * records (a fresh cache entry of the same certificate answers without
 * DNS). Returns a keys_dane value: a match only for a certificate that
 * carries the address, is in its validity and is for signing e-mail.
 */
int	 keys_dane_check(struct keys *k, struct dns *dns,
	    const char *address, const uint8_t *der, size_t len,
	    struct smerr *e);

#endif
