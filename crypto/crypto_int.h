/* crypto/crypto_int.h: shared by the files of crypto/ only. */
#ifndef SEALMAIL_CRYPTO_INT_H
#define SEALMAIL_CRYPTO_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"
#include "keys/x509.h"

struct buf;
struct smerr;
struct mime_part;

struct crypto_ident {
	X509		*cert;
	EVP_PKEY	*key;
	int		 remote;	/* key ops go to a crypto_keyhook */
};

/*
 * Certificates already parsed, by their exact DER: OpenSSL 3.0 searches
 * its decoders for every public key it parses, which costs more than the
 * rest of checking a signature, and mail from one sender carries the same
 * certificates each time. The memo holds those of a few hundred senders,
 * so that a batch of mail from many of them, interleaved, still finds
 * each one's certificate parsed.
 */
#define CRYPTO_MEMO_CERTS	256
#define CRYPTO_MEMO_MAXDER	(64 * 1024)

struct crypto_memo_cert {
	uint8_t			*der;
	size_t			 len;
	X509			*x;
};

/*
 * Chains validated before, for the same signer and the same certificates
 * from the message: a success is taken again, without verifying the same
 * signatures once more, while the check's time lies inside every
 * certificate's validity (the only input of the check that changes).
 */
#define CRYPTO_MEMO_CHAINS	256

struct crypto_memo_chain {
	uint8_t			 key[32];	/* signer + message certs */
	STACK_OF(X509)		*chain;		/* as validated; NULL: free */
};

/*
 * The key store's peer certificates, which may complete a chain or be a
 * signer a message leaves out. Parsing one costs about 0.1 ms (OpenSSL
 * 3.0 searches its decoders for its key), so only its subject and serial
 * number are read when it is added; it is parsed (through the memo) when
 * a chain reaches its subject or a signer names its serial number, which
 * is all OpenSSL compares before looking further. Read-only once set,
 * shared by a context's clones.
 */
struct crypto_peer {
	uint8_t			*der;		/* NULL: parsed already */
	size_t			 len;
	X509			*x;		/* when der is NULL */
	X509_NAME		*subject;
	ASN1_INTEGER		*serial;
};

struct crypto_peers {
	pthread_mutex_t		 lock;		/* guards refs */
	int			 refs;
	struct crypto_peer	*v;
	size_t			 n;
};

struct net_anchors;

struct crypto_ctx {
	X509_STORE		*store;		/* anchors; one per context */
	struct net_anchors	*lazy;		/* the system's, in store */
	struct crypto_peers	*peers;		/* may complete chains */
	struct crypto_ident	*ids;
	size_t			 nids;
	time_t			 when;		/* 0: now */
	enum crypto_dane	(*dane)(void *, const char *, const uint8_t *,
				    size_t);
	void			*dane_arg;
	struct crypto_revoke	*revoke;	/* the caller's, or NULL */
	pthread_mutex_t		 memo_lock;	/* guards memo, nmemo */
	struct crypto_memo_cert	 memo[CRYPTO_MEMO_CERTS];
	size_t			 nmemo;		/* parsed so far */
	struct crypto_memo_chain chains[CRYPTO_MEMO_CHAINS];	/* memo_lock */
	size_t			 nextchain;	/* the slot to reuse next */
};

/* cert.c */
/* Every e-mail address of c (SAN rfc822Name, else subject emailAddress). */
int	 crypto_cert_emails(X509 *c, char ***listp, size_t *np);
/*
 * 1 when c names addr (compared case-insensitively, a domain outside
 * ASCII as its A-labels: idn_addr_eq).
 */
int	 crypto_cert_has_email(X509 *c, const char *addr);
/* Reads one or more certificates, DER or PEM. */
int	 crypto_certs_read(const uint8_t *data, size_t len,
	    STACK_OF(X509) **skp, struct smerr *e);
/*
 * The certificate whose DER is exactly the len bytes at der, from the
 * context's memo or parsed (and kept); a reference for the caller, or
 * NULL when it is not one DER certificate.
 */
X509	*crypto_cert_memo(struct crypto_ctx *ctx, const uint8_t *der,
	    size_t len);
/* Keeps x, whose DER is exactly the len bytes at der, in the memo. */
void	 crypto_cert_memo_keep(struct crypto_ctx *ctx, const uint8_t *der,
	    size_t len, X509 *x);
/* Keeps in dst's memo every certificate src's holds. */
void	 crypto_cert_memo_copy(struct crypto_ctx *dst,
	    const struct crypto_ctx *src);
void	 crypto_cert_memo_clear(struct crypto_ctx *ctx);
/* Reads a private key: PKCS#8 DER, other DER, or PEM. */
int	 crypto_key_read(const uint8_t *data, size_t len, EVP_PKEY **kp,
	    struct smerr *e);

/* keyop.c */
/*
 * A key with the public half of cert whose private-key operations go to
 * hook (which must outlive it), or NULL.
 */
EVP_PKEY *crypto_remote_key(X509 *cert, const struct crypto_keyhook *hook);

/*
 * A private key on a PKCS#11 token (crypto/pkcs11.c): found by URI on an
 * open token, and run there with the same checks as a key held here.
 */
struct crypto_p11key;
int	 crypto_p11key_find(struct crypto_token *t, const char *uri,
	    struct crypto_p11key **kp, struct smerr *e);
void	 crypto_p11key_free(struct crypto_p11key *k);
/* 1 when k's token, its session or k itself is no longer there. */
int	 crypto_p11key_gone(const struct crypto_p11key *k,
	    const char **labelp);
int	 crypto_p11key_run(struct crypto_p11key *k,
	    const struct crypto_keyop *op, uint8_t *out, size_t *outlen);

/* chain.c */
/*
 * Validates signer for S/MIME signing at the context's time with the
 * untrusted certificates given. 1 trusted; CRYPTO_CHAIN_NO_ISSUER when
 * no trusted issuer vouches for the chain but it is sound in every other
 * way (times, purpose, key and digest strength); 0 not trusted for any
 * other reason (*whyp says why in both cases), or a negative SMERR_*
 * code.
 */
#define CRYPTO_CHAIN_NO_ISSUER	2
int	 crypto_chain_check(struct crypto_ctx *ctx, X509 *signer,
	    STACK_OF(X509) *untrusted, const char **whyp);

/*
 * The peers that may issue cert or untrusted's certificates, and those
 * that may issue them in turn, in the order they were added: a new
 * stack of references, or NULL out of memory.
 */
STACK_OF(X509) *crypto_peers_issuers(struct crypto_ctx *ctx, X509 *cert,
	    STACK_OF(X509) *untrusted);
/* The peers that may be a signer of cms, in the order they were added. */
STACK_OF(X509) *crypto_peers_signers(struct crypto_ctx *ctx,
	    CMS_ContentInfo *cms);

/* revoke.c */
#include <openssl/ocsp.h>

#define CRYPTO_REVOKE_MAX_OCSP	(256 * 1024)		/* one response */
#define CRYPTO_REVOKE_MAX_CRL	(16 * 1024 * 1024)	/* one CRL */
#define CRYPTO_REVOKE_SKEW	300	/* seconds of clock difference */

/*
 * The status of cert (whose chain has been validated) by the context's
 * hooks: OCSP first, then the CRL, as the hooks' methods allow. why gets
 * a sentence for a finding (empty for good and not-checked); *rip, for a
 * revoked one, when and why, as far as the issuer said.
 */
enum crypto_rev crypto_revoke_check(struct crypto_ctx *ctx, X509 *cert,
	    STACK_OF(X509) *untrusted, char *why, size_t whylen,
	    struct crypto_revinfo *rip);
/*
 * Judges the len bytes of an OCSP response to req about id (cert issued
 * by issuer) at now: good or revoked only when it is successful, signed
 * by the issuer or a responder it designated (checked against store),
 * answers req's nonce when it echoes one, and is fresh. *untilp gets its
 * nextUpdate; *whyp says why it is unknown; *rip when and why a revoked
 * certificate was revoked.
 */
enum crypto_rev crypto_ocsp_judge(const uint8_t *resp, size_t len,
	    OCSP_REQUEST *req, OCSP_CERTID *id, X509 *issuer,
	    X509_STORE *store, time_t now, time_t *untilp,
	    const char **whyp, struct crypto_revinfo *rip);
/*
 * Judges a CRL (DER or PEM) about cert at now: good or revoked only when
 * it is a full CRL for every reason, issued and signed by issuer, and
 * its nextUpdate has not passed.
 */
enum crypto_rev crypto_crl_judge(const uint8_t *crl, size_t len, X509 *cert,
	    X509 *issuer, time_t now, time_t *untilp, const char **whyp,
	    struct crypto_revinfo *rip);

/* cms.c */
struct crypto_signer {
	int		 math;		/* 1 holds, 0 does not, -1 unchecked */
	int		 weak;		/* MD5 or SHA-1 digest */
	X509		*cert;		/* ref held, or NULL */
	time_t		 signing_time;	/* signingTime attribute, or 0 */
	const char	*why;
	char		 alg[64];	/* an algorithm not checked, or "" */
};

struct crypto_signed {
	int			 malformed;	/* not a usable SignedData */
	const char		*why;
	struct crypto_signer	*signers;
	size_t			 nsigners;
	STACK_OF(X509)		*certs;		/* carried in the message */
	struct buf		*content;	/* opaque: the eContent */
};

/* The content type of a DER ContentInfo (NID_pkcs7_signed, ...) or 0. */
int	 crypto_cms_type(const uint8_t *der, size_t len);
/*
 * Verifies every SignerInfo of a SignedData: detached over dcont (dlen
 * bytes) when dcont is not NULL, else over its own eContent (kept in
 * s->content). 0 with s filled (malformed input is s->malformed, not an
 * error), or a negative SMERR_* code.
 */
int	 crypto_cms_verify(struct crypto_ctx *ctx, const uint8_t *der,
	    size_t len, const uint8_t *dcont, size_t dlen,
	    struct crypto_signed *s, struct smerr *e);
void	 crypto_signed_clear(struct crypto_signed *s);
/*
 * Opens an EnvelopedData or AuthEnvelopedData with the identities. 1 and
 * plaintext in the secret buffer out, 0 when it could not be opened (*whyp
 * says why; out is empty), 2 when the plaintext would pass out's ceiling
 * (out is empty), or a negative SMERR_* code. *cipherp gets the content
 * cipher's name (malloc'd) whenever it can be read: its usual name, or its
 * dotted OID.
 */
int	 crypto_cms_decrypt(struct crypto_ctx *ctx, const uint8_t *der,
	    size_t len, struct buf *out, char **cipherp, const char **whyp,
	    struct smerr *e);
/* The content cipher's name of an envelope (*namep NULL if unknown). */
int	 crypto_cms_cipher(const uint8_t *der, size_t len, char **namep);
/*
 * Inflates a CompressedData (zlib) into out: 1, 0 when malformed (*whyp
 * says why), 2 when it would pass out's ceiling (*whyp says so; out is
 * empty), or a negative SMERR_* code.
 */
int	 crypto_cms_uncompress(const uint8_t *der, size_t len, struct buf *out,
	    const char **whyp, struct smerr *e);

/* hp.c */
/*
 * Reads the header fields shown (From, Date, Subject, To, Cc) of p into v,
 * replacing what v had; *datep gets the date too. v->from is NULL when
 * there is not exactly one readable From mailbox, and *whyp says why.
 * 0 or SMERR_NOMEM.
 */
int	 crypto_hdr_read(struct crypto_verdict *v, const struct mime_part *p,
	    time_t *datep, const char **whyp, struct smerr *e);
/*
 * Compares the outer header fields with the protected section inner
 * (signed when a signature covers it): note(arg, text) is called once for
 * each that differs or was added outside, unless the section records that
 * outer value (HP-Outer, or the drafts' HP-Obscured) or, encrypted, it is
 * an obscured Subject. 0, or what note returned.
 */
int	 crypto_hp_compare(const struct mime_part *outer,
	    const struct mime_part *inner, int encrypted, int sig,
	    int (*note)(void *, const char *), void *arg);

#endif
