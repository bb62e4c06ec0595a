/*
 * keys/smimea.h: certificates in DNS (SMIMEA, RFC 8162) and what they
 * mean for trust (the certificate usages of RFC 6698 and RFC 7671 applied
 * to S/MIME). Certificates cross this header as DER; no OpenSSL type and
 * no libunbound type appears here.
 *
 * Usages: PKIX-TA (0) and PKIX-EE (1) constrain a certificate that must
 * also pass PKIX validation against the trust anchors; DANE-TA (2) names
 * the trust anchor of the chain itself; DANE-EE (3) names the end-entity
 * certificate, which DNSSEC alone then vouches for. Whatever the usage,
 * the certificate must still carry the address it is used for.
 */
#ifndef SEALMAIL_KEYS_SMIMEA_H
#define SEALMAIL_KEYS_SMIMEA_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct smerr;
struct keys;
struct dns;

enum keys_smimea_usage {
	KEYS_SMIMEA_PKIX_TA	= 0,
	KEYS_SMIMEA_PKIX_EE	= 1,
	KEYS_SMIMEA_DANE_TA	= 2,
	KEYS_SMIMEA_DANE_EE	= 3,
};

/* One SMIMEA record; data points into the rdata it was parsed from. */
struct keys_smimea {
	int		 usage;
	int		 selector;	/* 0 full certificate, 1 SPKI */
	int		 matching;	/* 0 exact, 1 SHA-256, 2 SHA-512 */
	const uint8_t	*data;
	size_t		 len;
};

/*
 * The owner name of address's SMIMEA records (RFC 8162 section 3): hex of
 * the first 28 octets of SHA-256 of the local part exactly as written,
 * "._smimecert.", and the domain as an IDNA A-label (letters lowered:
 * ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic; no other UTS 46
 * mapping or normalisation, so a domain should be NFC already). *ownerp
 * is malloc'd, without the final dot.
 */
int	 keys_smimea_owner(const char *address, char **ownerp,
	    struct smerr *e);

/* Parses one record's rdata; SMERR_PARSE when shorter than 3 octets. */
int	 keys_smimea_parse(const uint8_t *rdata, size_t len,
	    struct keys_smimea *rr, struct smerr *e);

/*
 * 1 when rr's selector and matching type applied to the certificate der
 * give rr's data, 0 when not (also for an unknown selector or matching
 * type, which RFC 6698 says to ignore), or a negative SMERR_* code.
 */
int	 keys_smimea_match(const struct keys_smimea *rr, const uint8_t *der,
	    size_t len, struct smerr *e);

enum keys_trust {
	KEYS_TRUST_NONE = 0,
	KEYS_TRUST_PKIX,
	KEYS_TRUST_DANE,
	KEYS_TRUST_PKIX_DANE,
};
/* "none", "pkix", "dane", "pkix+dane". */
const char *keys_trust_str(enum keys_trust t);

enum keys_purpose {
	KEYS_PURPOSE_ENCRYPT,	/* a recipient's certificate */
	KEYS_PURPOSE_SIGN,	/* a signer's certificate */
};

/* What keys_smimea_judge() found out about one certificate. */
struct keys_judgement {
	int		 pkix;		/* chains to a trust anchor */
	const char	*chain;		/* PKIX result in words ("ok", or
					   why not; static) */
	int		 dane;		/* a secure record vouches for it */
	int		 contradicted;	/* secure records exist, none fits */
	int		 address_ok;	/* it carries the address */
	int		 usable;	/* would be used (encrypt to, trust) */
	enum keys_trust	 trust;
	int		 usage;		/* of the record that vouches, or -1 */
	int		 selector;
	int		 matching;
	time_t		 not_before;
	time_t		 not_after;
	char		 fingerprint[65];
	char		*emails;	/* comma-separated, lowercase */
	char		*why;		/* why not usable, or NULL */
};
void	 keys_judgement_clear(struct keys_judgement *j);

/*
 * Judges the certificate der for address and purpose: PKIX against the
 * key store's anchors and the system's, and against the records rrs
 * (nrr may be 0), which the caller has from a DNSSEC-secure answer only.
 * 0 with *j filled (caller clears it), or a negative SMERR_* code when
 * der is not a certificate.
 */
int	 keys_smimea_judge(struct keys *k, const uint8_t *der, size_t len,
	    const char *address, enum keys_purpose purpose,
	    const struct keys_smimea *rrs, size_t nrr,
	    struct keys_judgement *j, struct smerr *e);

/* One certificate that keys_lookup() found. */
struct keys_found {
	const char		*source;	/* "store", "harvested", "smimea" */
	const char		*dnssec;	/* "secure", "insecure", or NULL */
	uint8_t			*der;
	size_t			 der_len;
	struct keys_judgement	 j;
};

struct keys_lookup {
	char			*address;
	size_t			 n;
	struct keys_found	*found;
	const char		*dns_status;	/* "secure", "secure-denial",
						   "insecure", "cached" or
						   NULL (not asked) */
	char			*dns_note;	/* what DNS said, in words */
};

#define KEYS_LOOKUP_NODNS	0x01	/* the key store only */
#define KEYS_LOOKUP_REFRESH	0x02	/* ask DNS even when the cache is fresh */

/*
 * Every certificate for address: the key store's own (imported, then
 * harvested), then SMIMEA through dns (NULL: none), from the store's cache
 * while its TTL lasts and from DNS when stale (the cache then follows
 * DNS, also when the record is gone). Certificates from the store are
 * also checked against secure SMIMEA records (trust "dane" when one
 * vouches). Errors: SMERR_DNSSEC (bogus answer: nothing from it is
 * used), SMERR_TIMEOUT, SMERR_DNS, SMERR_INVAL (not an address).
 */
int	 keys_lookup(struct keys *k, struct dns *dns, const char *address,
	    unsigned flags, struct keys_lookup **lp, struct smerr *e);
void	 keys_lookup_free(struct keys_lookup *l);

#endif
