/*
 * crypto/protect.h: signing and encrypting outgoing mail with CMS.
 * Certificates cross this header as DER; private keys as PKCS#8 DER in a
 * secret struct buf. No OpenSSL type appears here.
 *
 * Signatures are detached SHA-256 SignedData (RSA PKCS#1 v1.5, RSA-PSS on
 * request, ECDSA) carrying the signer's chain, a signing time and an
 * SMIMECapabilities attribute that advertises AES-256-GCM, AES-128-GCM
 * and AES-256-CBC, in that order. Encryption goes to every recipient and
 * to the sender: AES-256-GCM AuthEnvelopedData (RFC 5083/5084) when every
 * recipient is known to read it, AES-256-CBC EnvelopedData otherwise; RSA
 * recipients get key transport, EC recipients ECDH key agreement.
 */
#ifndef SEALMAIL_CRYPTO_PROTECT_H
#define SEALMAIL_CRYPTO_PROTECT_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct crypto_keyhook;
struct smerr;

/* Content ciphers named in an SMIMECapabilities attribute. */
#define PROTECT_CAP_AES256_GCM	0x01
#define PROTECT_CAP_AES128_GCM	0x02
#define PROTECT_CAP_AES256_CBC	0x04
#define PROTECT_CAP_AES128_CBC	0x08
#define PROTECT_CAP_AES192_CBC	0x10
#define PROTECT_CAP_KNOWN	0x80	/* capabilities were seen at all */

/* Who signs. */
struct protect_signer {
	const uint8_t		 *cert;		/* DER */
	size_t			  cert_len;
	const struct buf	 *key;		/* PKCS#8 DER, secret; or */
	const struct crypto_keyhook *hook;	/* where the key is used */
	const uint8_t *const	 *chain;	/* intermediates (DER) or NULL */
	const size_t		 *chain_len;
	size_t			  nchain;
	int			  pss;		/* RSA-PSS, not PKCS#1 v1.5 */
};

/* One recipient: certificate and what its owner is known to read. */
struct protect_rcpt {
	const uint8_t	*cert;		/* DER */
	size_t		 cert_len;
	unsigned	 caps;		/* PROTECT_CAP_*; 0: unknown */
};

/*
 * Signs content (already canonical; signed as binary) and puts a detached
 * SignedData in DER into *sigp (new). 0 or SMERR_*.
 */
int	 protect_sign(const struct protect_signer *s,
	    const struct buf *content, struct buf **sigp, struct smerr *e);

/*
 * Encrypts content to the n recipients. *derp gets the DER
 * ContentInfo (new); *aead is set to 1 for AuthEnvelopedData
 * (AES-256-GCM), 0 for EnvelopedData (AES-256-CBC). force_cbc chooses CBC
 * whatever the capabilities say.
 */
int	 protect_encrypt(const struct protect_rcpt *r, size_t n,
	    const struct buf *content, int force_cbc, struct buf **derp,
	    int *aead, struct smerr *e);

/* 1 when every recipient is known to read AES-256-GCM. */
int	 protect_rcpts_allow_gcm(const struct protect_rcpt *r, size_t n);

/*
 * The issuers of cert (DER) found among the n certificates of a pool,
 * from the one that signed cert upwards, stopping before a self-signed
 * root (which a reader must have already) and after max: idx gets their
 * positions in the pool, *np their number. Unreadable pool entries are
 * skipped. For the chain a signature carries.
 */
int	 protect_chain_pick(const uint8_t *cert, size_t len,
	    const uint8_t *const *pool, const size_t *pool_len, size_t n,
	    size_t *idx, size_t max, size_t *np, struct smerr *e);

/* What to do with a message entity. */
struct protect_opts {
	const struct protect_signer	*signer;	/* NULL: no signing */
	const struct protect_rcpt	*rcpt;		/* recipients... */
	size_t				 nrcpt;		/* 0: no encrypting */
	const uint8_t			*self;		/* the sender's own */
	size_t				 self_len;	/* (NULL: signer's) */
	int				 force_cbc;
};

/*
 * Protects a canonical MIME entity: multipart/signed around it when
 * signing, then application/pkcs7-mime around that when encrypting
 * (sign-then-encrypt). *outp is the new entity; put the outer header
 * fields in front of it (mime_join). *cipher, when not NULL, is set to
 * "aes-256-gcm", "aes-256-cbc" or NULL (not encrypted); static strings.
 */
int	 protect_entity(const struct protect_opts *o,
	    const struct buf *entity, struct buf **outp, const char **cipher,
	    struct smerr *e);

/*
 * The SMIMECapabilities of a signature, so that the key store can
 * remember what a correspondent reads. From a DER SignedData (ContentInfo;
 * detached or not): the capabilities of the SignerInfo whose certificate
 * is signer (DER), or of the first SignerInfo when signer is NULL. *caps
 * gets PROTECT_CAP_* bits, PROTECT_CAP_KNOWN included when the attribute
 * is there; 0 when it is absent (not an error).
 */
int	 protect_caps_from_signed(const uint8_t *der, size_t len,
	    const uint8_t *signer, size_t signer_len, unsigned *caps,
	    struct smerr *e);
/* The same from the attribute value's DER (SEQUENCE OF SMIMECapability). */
int	 protect_caps_parse(const uint8_t *der, size_t len, unsigned *caps,
	    struct smerr *e);
/*
 * The capabilities signer (DER) announced in a whole message: its
 * multipart/signed signature parts and signed-data entities are searched
 * for a SignerInfo of signer. Envelopes are not opened: give the
 * decrypted message. *caps is 0 and SMERR_NOTFOUND returned when signer
 * signed nothing in it.
 */
int	 protect_caps_from_message(const void *msg, size_t len,
	    const uint8_t *signer, size_t signer_len, unsigned *caps,
	    struct smerr *e);

/*
 * What a correspondent reads is remembered beside their certificate by
 * keys/ (keys_caps_remember, keys_caps_recall), so that sending can
 * choose AES-256-GCM.
 */

#endif
