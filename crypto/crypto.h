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
	CRYPTO_DANE_NONE = 0,		/* no secure answer: PKIX decides */
	CRYPTO_DANE_MATCH,		/* secure, and it matches */
	CRYPTO_DANE_CONTRADICTION,	/* secure, and it does not match */
	CRYPTO_DANE_ERROR,		/* the lookup failed */
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
 * covers it, and it came out of a decrypted envelope. Runs follow one
 * another from line 1; each starts where a part of the message starts.
 */
#define CRYPTO_SPAN_SIGNED	0x01
#define CRYPTO_SPAN_ENVELOPE	0x02

struct crypto_span {
	size_t		 line;		/* first line of the run, from 1 */
	unsigned	 flags;		/* CRYPTO_SPAN_* */
};

/* The verdict on one message; every string is UTF-8 and sanitized. */
struct crypto_verdict {
	char		*from;		/* addr-spec as written, or NULL */
	time_t		 date;		/* the Date field (UTC), 0: none */
	char		*subject;	/* decoded, sanitized; never NULL */
	char		**to;		/* To addr-specs, sanitized */
	size_t		 nto;
	char		**cc;		/* Cc addr-specs, sanitized */
	size_t		 ncc;
	/*
	 * With header protection, from, date, subject, to and cc are the
	 * protected section's.
	 */
	enum crypto_hp	 header_protection;
	enum crypto_sig	 signature;
	char		*signer;	/* innermost signer's address (as in its
					   certificate, the one equal to From
					   if any), or NULL */
	char		**signers;	/* every signer, outermost first */
	size_t		 nsigners;
	enum crypto_trust trust;	/* of the innermost signer */
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
 * identities, intermediates and time. The DANE hook is not copied.
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
 * Judges the len bytes of one RFC 5322 message. 0 and *vp set (whatever
 * the verdict), or a negative SMERR_* code when the message cannot be read
 * at all (malformed MIME, a limit passed).
 */
int	 crypto_judge(struct crypto_ctx *ctx, const void *msg, size_t len,
	    struct crypto_verdict **vp, struct smerr *e);
void	 crypto_verdict_free(struct crypto_verdict *v);

/*
 * Appends the contract's inspect --json object for v to out, with
 * "findings" (an array of strings) and "coverage" (the spans, as objects
 * {"line":N,"signed":BOOL,"envelope":BOOL}) added. 0 or a negative
 * SMERR_* code.
 */
int	 crypto_verdict_json(const struct crypto_verdict *v, struct buf *out);

/*
 * Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[Z]", "@SECONDS" or
 * "YYYY-MM-DD HH:MM:SS" (UTC) into *tp. 0 or SMERR_INVAL.
 */
int	 crypto_parse_time(const char *s, time_t *tp, struct smerr *e);

#endif
