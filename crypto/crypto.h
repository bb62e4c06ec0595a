/*
 * crypto/crypto.h: reading S/MIME. Decrypts envelopes with the user's
 * identities, verifies every signature over the exact bytes it covers,
 * validates each signer (PKIX against the trust anchors, DANE through a
 * hook), compares the signer with From, and produces the one verdict of
 * the command-line contract (CLI-CONTRACT.md, "Inspect a message").
 *
 * Nothing here exposes an OpenSSL type: certificates and keys come in as
 * DER, and a struct crypto_ctx (made once, used for any number of
 * messages) keeps the parsed trust anchors and keys.
 */
#ifndef SEALMAIL_CRYPTO_H
#define SEALMAIL_CRYPTO_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf;
struct smerr;
struct crypto_ctx;

enum crypto_sig {
	CRYPTO_SIG_NONE = 0,
	CRYPTO_SIG_VALID,
	CRYPTO_SIG_INVALID,
	CRYPTO_SIG_UNTRUSTED,
	CRYPTO_SIG_MISMATCH,
	CRYPTO_SIG_PARTIAL,
	CRYPTO_SIG_ERROR,
};

enum crypto_enc {
	CRYPTO_ENC_NONE = 0,
	CRYPTO_ENC_DECRYPTED,
	CRYPTO_ENC_UNDECRYPTABLE,
	CRYPTO_ENC_PARTIAL,
};

enum crypto_trust {
	CRYPTO_TRUST_NONE = 0,
	CRYPTO_TRUST_PKIX,
	CRYPTO_TRUST_DANE,
	CRYPTO_TRUST_PKIX_DANE,
};

/* Where the header fields shown come from (RFC 9788). */
enum crypto_hp {
	CRYPTO_HP_NONE = 0,		/* the outer header */
	CRYPTO_HP_SIGNED,		/* a protected section, signed */
	CRYPTO_HP_ENCRYPTED,		/* ...that came out of an envelope */
};

/* What a DANE (SMIMEA) lookup says about a signer's certificate. */
enum crypto_dane {
	CRYPTO_DANE_NONE = 0,		/* no DNS, or a secure denial: PKIX
					   decides, nothing to say */
	CRYPTO_DANE_MATCH,		/* secure, and it matches */
	CRYPTO_DANE_CONTRADICTION,	/* secure, and it does not match */
	CRYPTO_DANE_ERROR,		/* no answer from the resolver (none
					   in time, or it failed) */
	CRYPTO_DANE_INSECURE,		/* the zone is not signed */
	CRYPTO_DANE_BOGUS,		/* DNSSEC validation failed */
	CRYPTO_DANE_UNUSABLE,		/* an answer that could not be used
					   (malformed, too large) */
};

/* The signer certificate's status by OCSP or CRL (contract: revocation). */
enum crypto_rev {
	CRYPTO_REV_NOT_CHECKED = 0,	/* unsigned, off, nothing named */
	CRYPTO_REV_GOOD,
	CRYPTO_REV_REVOKED,
	CRYPTO_REV_UNKNOWN,		/* no usable answer */
};

/*
 * Facts found while judging a message, one bit each. The verdict is read
 * from them through the precedence tables below; nothing else decides.
 */
#define CRYPTO_S_SIGNED		0x0001	/* some signature counts */
#define CRYPTO_S_INVALID	0x0002	/* a signature does not verify */
#define CRYPTO_S_ERROR		0x0004	/* a signature could not be checked */
#define CRYPTO_S_UNTRUSTED	0x0008	/* chain, validity, usage, digest */
#define CRYPTO_S_MISMATCH	0x0010	/* a signer is not From */
#define CRYPTO_S_PARTIAL	0x0020	/* unsigned content shown beside */

#define CRYPTO_E_ENVELOPE	0x0100	/* an envelope at the root */
#define CRYPTO_E_DECRYPTED	0x0200	/* ...and every root one decrypted */
#define CRYPTO_E_FAILED		0x0400	/* an envelope could not be opened */
#define CRYPTO_E_PARTIAL	0x0800	/* an envelope beside other content */

/* One line of a precedence table: the first whose bits are all set wins. */
struct crypto_rule {
	unsigned	 bits;
	int		 value;		/* enum crypto_sig or crypto_enc */
	const char	*name;
};

/*
 * The contract's orders, written once: signature (invalid, error,
 * untrusted, mismatch, partial, valid, none) and encryption (partial,
 * undecryptable, decrypted, none). Each ends with a line of bits 0.
 */
extern const struct crypto_rule	crypto_sig_rules[];
extern const struct crypto_rule	crypto_enc_rules[];

enum crypto_sig	 crypto_sig_decide(unsigned facts);
enum crypto_enc	 crypto_enc_decide(unsigned facts);
const char	*crypto_sig_str(enum crypto_sig);
const char	*crypto_enc_str(enum crypto_enc);
const char	*crypto_trust_str(enum crypto_trust);
const char	*crypto_hp_str(enum crypto_hp);

/*
 * A run of lines of the text shown and what vouches for it: a signature
 * covers it, and it came out of a decrypted envelope; and whether its
 * part was written in format=flowed (RFC 3676). Runs follow one
 * another from line 1; each starts where a part of the message starts.
 */
#define CRYPTO_SPAN_SIGNED	0x01
#define CRYPTO_SPAN_ENVELOPE	0x02
#define CRYPTO_SPAN_FLOWED	0x04	/* text/plain; format=flowed */
#define CRYPTO_SPAN_DELSP	0x08	/* and DelSp=yes */

struct crypto_span {
	size_t		 line;		/* first line of the run, from 1 */
	unsigned	 flags;		/* CRYPTO_SPAN_* */
};

/* The verdict on one message; every string is UTF-8 and sanitized. */
struct crypto_verdict {
	char		*from;		/* addr-spec as written, or NULL */
	char		**to;		/* addr-specs of To, in order */
	size_t		 nto;
	char		**cc;		/* addr-specs of Cc, in order */
	size_t		 ncc;
	time_t		 date;		/* the Date field (UTC), 0: none */
	char		*subject;	/* decoded, sanitized; never NULL */
	/*
	 * With header protection, from, date, subject, to and cc are the
	 * protected section's.
	 */
	enum crypto_hp	 header_protection;
	int		 header_signed;	/* a signature at the root covers the
					   protected section */
	enum crypto_sig	 signature;
	char		*signer;	/* innermost signer's address (as in its
					   certificate, the one equal to From
					   if any), or NULL */
	char		**signers;	/* every signer, outermost first */
	size_t		 nsigners;
	enum crypto_trust trust;	/* of the innermost signer */
	enum crypto_rev	 revocation;	/* of the innermost signer */
	enum crypto_enc	 encryption;
	char		*cipher;	/* outermost envelope's, or NULL */
	char		*text;		/* body text shown; never NULL */
	unsigned	 facts;		/* CRYPTO_S_* | CRYPTO_E_* */

	/*
	 * The innermost signer's certificate (DER) and whether it may be
	 * harvested: its chain is valid (PKIX or DANE) and its address is
	 * From (harvest_addr, lowercase).
	 */
	uint8_t		*signer_der;
	size_t		 signer_der_len;
	char		*harvest_addr;

	/*
	 * When an envelope at the root was decrypted: the outer header fields
	 * (but Content-*) followed by the decrypted entity, for storing the
	 * message decrypted. A secret buffer, or NULL.
	 */
	struct buf	*decrypted;

	/*
	 * With header protection: the protected section's header fields
	 * (but Content-* and MIME-Version), a "Name: value" CRLF line each,
	 * then an empty line; the other fields a reader keeps (Reply-To,
	 * Message-ID, References) are read from it, never from the outer
	 * header. NULL without header protection.
	 */
	struct buf	*hp_header;

	char		**findings;	/* human-readable, sanitized */
	size_t		 nfindings;

	struct crypto_span *spans;	/* where text's lines came from */
	size_t		 nspans;
};

/* A new context: no anchors, no identities, the current time. */
int	 crypto_ctx_new(struct crypto_ctx **ctxp, struct smerr *e);
void	 crypto_ctx_free(struct crypto_ctx *ctx);
/*
 * A context that judges as src does, for another thread: it shares src's
 * trust anchors (add none to either afterwards) and has copies of its
 * identities, intermediates and time. The DANE hook is not copied; the
 * revocation hooks are shared.
 */
int	 crypto_ctx_clone(const struct crypto_ctx *src,
	    struct crypto_ctx **ctxp, struct smerr *e);
/* Adds a trust anchor (DER or PEM, one or more certificates). */
int	 crypto_ctx_add_anchor(struct crypto_ctx *ctx, const uint8_t *data,
	    size_t len, struct smerr *e);
/* Also trusts the system's default trust store (OpenSSL's paths). */
int	 crypto_ctx_use_system_anchors(struct crypto_ctx *ctx,
	    struct smerr *e);
/*
 * Adds an identity: its certificate (DER or PEM) and its private key
 * (PKCS#8 DER, or PEM, unencrypted; the caller wipes its copy).
 */
int	 crypto_ctx_add_identity(struct crypto_ctx *ctx, const uint8_t *cert,
	    size_t certlen, const uint8_t *key, size_t keylen,
	    struct smerr *e);
/*
 * Private-key operations done elsewhere: in the key agent (app/agent.c),
 * the only process that holds private keys. A key operation is one of a
 * fixed few, described without OpenSSL types so that it can cross a
 * socket; crypto_privkey_run does it where the key is.
 */
#define CRYPTO_KEYOP_SIGN	1	/* a digest: RSA PKCS#1 v1.5 or PSS, ECDSA */
#define CRYPTO_KEYOP_DECRYPT	2	/* RSA key transport: PKCS#1 v1.5, OAEP */
#define CRYPTO_KEYOP_DERIVE	3	/* ECDH: in is the peer's point */

#define CRYPTO_PAD_NONE		0	/* EC keys */
#define CRYPTO_PAD_PKCS1	1
#define CRYPTO_PAD_PSS		2
#define CRYPTO_PAD_OAEP		3

/* Digests, by number on the wire. */
#define CRYPTO_MD_NONE		0
#define CRYPTO_MD_SHA1		1
#define CRYPTO_MD_SHA224	2
#define CRYPTO_MD_SHA256	3
#define CRYPTO_MD_SHA384	4
#define CRYPTO_MD_SHA512	5

#define CRYPTO_SALT_DIGEST	(-1)	/* PSS salt as long as the digest */
#define CRYPTO_SALT_MAX		(-2)	/* as long as the key allows */

#define CRYPTO_KEYOP_MAXIN	1024	/* an RSA-8192 block */
#define CRYPTO_KEYOP_MAXLABEL	256
#define CRYPTO_KEYOP_MAXOUT	1024

struct crypto_keyop {
	int		 op;		/* CRYPTO_KEYOP_* */
	int		 pad;		/* CRYPTO_PAD_* */
	int		 md;		/* digest signed, or OAEP's hash */
	int		 mgf1;		/* MGF1's hash (PSS, OAEP) */
	int		 saltlen;	/* PSS: >= 0 or CRYPTO_SALT_* */
	const uint8_t	*label;		/* OAEP label, or NULL */
	size_t		 labellen;
	const uint8_t	*in;
	size_t		 inlen;
};

/*
 * How a context reaches a key it does not hold: call does op with the
 * key of the certificate whose SHA-256 fingerprint is fp, writes at most
 * *outlen bytes to out and sets *outlen. 0 or a negative SMERR_* code.
 * It may be called from several threads at once.
 */
struct crypto_keyhook {
	int	(*call)(void *arg, const uint8_t fp[32],
		    const struct crypto_keyop *op, uint8_t *out,
		    size_t *outlen, struct smerr *e);
	void	*arg;
};

/*
 * Adds an identity whose private key is reached through hook (which must
 * outlive the context): decryption with it goes to the hook.
 */
int	 crypto_ctx_add_remote_identity(struct crypto_ctx *ctx,
	    const uint8_t *cert, size_t certlen,
	    const struct crypto_keyhook *hook, struct smerr *e);

/* A private key where it is used (the key agent). */
struct crypto_privkey;
/* Reads a PKCS#8 DER private key. */
int	 crypto_privkey_new(const uint8_t *der, size_t len,
	    struct crypto_privkey **kp, struct smerr *e);
void	 crypto_privkey_free(struct crypto_privkey *k);
/*
 * Does op with k: only the combinations listed above, with a digest of
 * the length its algorithm gives, a block of the key's size. 0 and
 * *outlen set, or a negative SMERR_* code.
 */
int	 crypto_privkey_run(struct crypto_privkey *k,
	    const struct crypto_keyop *op, uint8_t *out, size_t *outlen,
	    struct smerr *e);
/* The digest length of a CRYPTO_MD_* number, or 0 when unknown. */
size_t	 crypto_md_size(int md);

/*
 * PKCS#11 tokens (crypto/pkcs11.c), for the key agent alone: the only
 * process that loads a token's module. A token and an object on it are
 * named by an RFC 7512 URI (pkcs11:token=...;object=...).
 * crypto_p11_uri_check says whether uri is one sealmail can use (an
 * attribute longer than a token's field is SMERR_LIMIT, any other fault
 * SMERR_PARSE); crypto_p11_uri_token writes to out (max bytes) the same
 * text for every URI that chooses its token by the same attributes,
 * whatever object it names.
 * crypto_token_open loads module (once per process), finds the token uri
 * names and logs in with pin: SMERR_NOTFOUND when the module or the token
 * is missing, SMERR_AUTH when the PIN is refused (SMERR_PERM when the
 * token is locked: no PIN helps; SMERR_IO when the login fails for
 * another reason), each with one line that names it. A
 * stored pin (kept in a file or the Secret Service, not typed now) is not
 * tried when the token says its next wrong PIN locks it: SMERR_UNTRIED,
 * which nothing else returns.
 * crypto_token_cert gives the certificate uri names (malloc'd DER);
 * crypto_privkey_token a key whose operations run on the token t (which
 * must outlive it).
 */
struct crypto_token;
int	 crypto_p11_uri_check(const char *uri, struct smerr *e);
int	 crypto_p11_uri_token(const char *uri, char *out, size_t max,
	    struct smerr *e);
int	 crypto_token_open(const char *module, const char *uri,
	    const uint8_t *pin, size_t pinlen, int stored,
	    struct crypto_token **tp, struct smerr *e);
void	 crypto_token_close(struct crypto_token *t);
/*
 * After an operation with k failed: 1 when k is a key on a token that is
 * no longer usable as it was opened (taken out, its session or login
 * lost, the key no longer on it), with *labelp the token's label; 0 for
 * any other key.
 */
int	 crypto_privkey_gone(const struct crypto_privkey *k,
	    const char **labelp);
int	 crypto_token_cert(struct crypto_token *t, const char *uri,
	    uint8_t **derp, size_t *lenp, struct smerr *e);
int	 crypto_privkey_token(struct crypto_token *t, const char *uri,
	    struct crypto_privkey **kp, struct smerr *e);
/*
 * 0 when the key reached through hook is the one of certificate cert
 * (DER): a signature made through it verifies with the certificate.
 */
int	 crypto_keyhook_check(const uint8_t *cert, size_t len,
	    const struct crypto_keyhook *hook, struct smerr *e);

/* Adds a certificate that may complete chains (not trusted). */
int	 crypto_ctx_add_intermediate(struct crypto_ctx *ctx,
	    const uint8_t *data, size_t len, struct smerr *e);
/* Validates chains at t instead of the current time (0: now). */
void	 crypto_ctx_set_time(struct crypto_ctx *ctx, time_t t);
/*
 * Sets the DANE hook, called once per signer with the From address (or
 * the signer's own when From is missing) and the signer's DER.
 */
void	 crypto_ctx_set_dane(struct crypto_ctx *ctx,
	    enum crypto_dane (*fn)(void *, const char *, const uint8_t *,
	    size_t), void *arg);

/*
 * Revocation checking (crypto/revoke.c). The engine builds OCSP requests
 * and judges OCSP responses and CRLs itself, but never touches the
 * network or the store: it reaches them through these hooks, which the
 * caller owns and keeps alive as long as any context that uses them.
 * Clones of a context share them; lock (set up by crypto_revoke_init)
 * makes one certificate's check, from recall to remember, one step, so
 * that no certificate is looked up twice at once.
 */
#define CRYPTO_REVOKE_OCSP	0x01
#define CRYPTO_REVOKE_CRL	0x02

/* When and why a certificate was revoked, as its issuer said. */
struct crypto_revinfo {
	time_t	at;		/* revocationTime; 0: not said */
	int	reason;		/* CRLReason (RFC 5280); -1 */
};

struct crypto_revoke {
	unsigned	 methods;	/* CRYPTO_REVOKE_*; 0: off */
	/*
	 * An answer kept for the certificate whose SHA-256 (lowercase hex)
	 * is fp: 1 with *statusp, *howp ("OCSP", "CRL", a static string)
	 * and *rip, or 0.
	 */
	int		(*recall)(void *arg, const char *fp,
			    enum crypto_rev *statusp, const char **howp,
			    struct crypto_revinfo *rip);
	/* Keeps an answer until the time until (0: for this run only). */
	void		(*remember)(void *arg, const char *fp,
			    enum crypto_rev status, const char *how,
			    time_t until, const struct crypto_revinfo *ri);
	/*
	 * GETs url (body NULL) or POSTs len bytes of body as ctype; the
	 * response's body goes into out (whose maximum bounds it). 0, or a
	 * negative SMERR_* code with e set.
	 */
	int		(*fetch)(void *arg, const char *url, const char *ctype,
			    const uint8_t *body, size_t len, struct buf *out,
			    struct smerr *e);
	void		*arg;
	pthread_mutex_t	 lock;
};

/* Initialises r's lock; methods and hooks are the caller's to set. */
int	 crypto_revoke_init(struct crypto_revoke *r);
void	 crypto_revoke_clear(struct crypto_revoke *r);
/* Checks signers through r (NULL: not checked). */
void	 crypto_ctx_set_revoke(struct crypto_ctx *ctx, struct crypto_revoke *r);
/* "good", "revoked", "unknown" or "not-checked". */
const char *crypto_rev_str(enum crypto_rev s);
/* A CRLReason's name ("keyCompromise"), or NULL: none or unspecified. */
const char *crypto_revreason_str(int reason);
/*
 * The status of a certificate (DER) as judging its signature would find
 * it, its issuer taken from the context's anchors and intermediates.
 * *whyp (malloc'd, or NULL) says what was found. 0 or SMERR_*.
 */
int	 crypto_revoke_der(struct crypto_ctx *ctx, const uint8_t *der,
	    size_t len, enum crypto_rev *statusp, char **whyp,
	    struct smerr *e);

/*
 * Judges the len bytes of one RFC 5322 message. 0 and *vp set (whatever
 * the verdict), or a negative SMERR_* code when the message cannot be read
 * at all (malformed MIME, a limit passed).
 */
int	 crypto_judge(struct crypto_ctx *ctx, const void *msg, size_t len,
	    struct crypto_verdict **vp, struct smerr *e);
void	 crypto_verdict_free(struct crypto_verdict *v);

/*
 * For a command that only reads the local store (list, search, keys
 * list): OpenSSL set up without reading its configuration file, which
 * holds the system's TLS policy and nothing such a command uses, without
 * its exit handler, which only frees OpenSSL's own tables as the process
 * ends, and without its error strings (such a command shows none of
 * OpenSSL's errors; one would read "error:<code>:lib(N)::reason(M)").
 * Called before anything else of OpenSSL runs; later it changes nothing.
 */
void	 crypto_init_local(void);

#endif
