/*
 * The context and PKIX validation of a signer. One X509_STORE per context
 * holds the user's trust anchors (and, when asked, the system's); it is
 * made once and shared by every message judged with the context. A signer
 * is validated for S/MIME signing (RFC 8550: an extended key usage, when
 * present, must allow e-mail protection; a key usage, when present, must
 * allow signatures) at the context's time or now, at OpenSSL's security
 * level 2 over the whole chain.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "base/err.h"
#include "net/anchors.h"
#include "crypto/crypto_int.h"

static void	chains_clear(struct crypto_ctx *);
static void	peers_free(struct crypto_peers *);


static struct crypto_ctx *
ctx_alloc(void)
{
	struct crypto_ctx	*ctx;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return NULL;
	if (pthread_mutex_init(&ctx->memo_lock, NULL) != 0) {
		free(ctx);
		return NULL;
	}
	return ctx;
}

int
crypto_ctx_new(struct crypto_ctx **ctxp, struct smerr *e)
{
	struct crypto_ctx	*ctx;

	*ctxp = NULL;
	if ((ctx = ctx_alloc()) == NULL ||
	    (ctx->store = X509_STORE_new()) == NULL) {
		crypto_ctx_free(ctx);
		return smerr_nomem(e);
	}
	/* A user's anchor may be an intermediate: it ends the chain. */
	X509_STORE_set_flags(ctx->store, X509_V_FLAG_PARTIAL_CHAIN);
	*ctxp = ctx;
	return 0;
}

void
crypto_ctx_free(struct crypto_ctx *ctx)
{
	size_t	i;

	if (ctx == NULL)
		return;
	for (i = 0; i < ctx->nids; i++) {
		X509_free(ctx->ids[i].cert);
		EVP_PKEY_free(ctx->ids[i].key);
	}
	free(ctx->ids);
	peers_free(ctx->peers);
	X509_STORE_free(ctx->store);
	crypto_cert_memo_clear(ctx);
	chains_clear(ctx);
	pthread_mutex_destroy(&ctx->memo_lock);
	free(ctx);
}

int
crypto_ctx_clone(const struct crypto_ctx *src, struct crypto_ctx **ctxp,
    struct smerr *e)
{
	struct crypto_ctx	*ctx;
	size_t			 i;

	*ctxp = NULL;
	if ((ctx = ctx_alloc()) == NULL ||
	    (src->nids > 0 && (ctx->ids = calloc(src->nids,
	    sizeof(*ctx->ids))) == NULL))
		goto nomem;
	/* The anchors are read-only once set: the store is shared. */
	if (!X509_STORE_up_ref(src->store))
		goto nomem;
	ctx->store = src->store;
	/* So are the peers. */
	if ((ctx->peers = src->peers) != NULL) {
		pthread_mutex_lock(&ctx->peers->lock);
		ctx->peers->refs++;
		pthread_mutex_unlock(&ctx->peers->lock);
	}
	/*
	 * Each context has keys of its own, so that a private-key operation
	 * on one thread takes no lock another thread holds (RSA blinding).
	 */
	for (i = 0; i < src->nids; i++) {
		/* A remote key holds no secret state: it is shared. */
		if (src->ids[i].remote) {
			if (!EVP_PKEY_up_ref(src->ids[i].key))
				goto nomem;
			ctx->ids[i].key = src->ids[i].key;
			ctx->ids[i].remote = 1;
		} else if ((ctx->ids[i].key = EVP_PKEY_dup(src->ids[i].key)) ==
		    NULL)
			goto nomem;
		X509_up_ref(src->ids[i].cert);
		ctx->ids[i].cert = src->ids[i].cert;
		ctx->nids++;
	}
	ctx->when = src->when;
	ctx->lazy = src->lazy;		/* the store's */
	ctx->revoke = src->revoke;	/* the caller's, shared */
	crypto_cert_memo_copy(ctx, src);
	*ctxp = ctx;
	return 0;
nomem:
	ERR_clear_error();
	crypto_ctx_free(ctx);
	return smerr_nomem(e);
}

int
crypto_ctx_add_anchor(struct crypto_ctx *ctx, const uint8_t *data,
    size_t len, struct smerr *e)
{
	STACK_OF(X509)	*sk;
	int		 i, r;

	if ((r = crypto_certs_read(data, len, &sk, e)) != 0)
		return r;
	for (i = 0; i < sk_X509_num(sk); i++)
		if (!X509_STORE_add_cert(ctx->store, sk_X509_value(sk, i))) {
			/* Already there is fine; anything else is not. */
			if (ERR_GET_REASON(ERR_peek_last_error()) !=
			    X509_R_CERT_ALREADY_IN_HASH_TABLE) {
				ERR_clear_error();
				r = smerr_set(e, SMERR_CRYPTO,
				    "a trust anchor could not be added");
				break;
			}
			ERR_clear_error();
		}
	if (r == 0)
		/* A subject the bundle has too. */
		net_anchors_collide(ctx->lazy, ctx->store);
	sk_X509_pop_free(sk, X509_free);
	return r;
}

/* The system's anchors, read lazily (net/anchors.h). */
int
crypto_ctx_use_system_anchors(struct crypto_ctx *ctx, struct smerr *e)
{
	if (ctx->lazy != NULL)
		return 0;
	if (net_anchors_system(ctx->store, &ctx->lazy) != 0)
		return smerr_set(e, SMERR_CRYPTO,
		    "the system's trust store could not be loaded");
	return 0;
}

static void
peers_free(struct crypto_peers *ps)
{
	struct crypto_peer	*pe;
	size_t			 i;
	int			 refs;

	if (ps == NULL)
		return;
	pthread_mutex_lock(&ps->lock);
	refs = --ps->refs;
	pthread_mutex_unlock(&ps->lock);
	if (refs > 0)
		return;
	for (i = 0; i < ps->n; i++) {
		pe = &ps->v[i];
		free(pe->der);
		X509_free(pe->x);
		X509_NAME_free(pe->subject);
		ASN1_INTEGER_free(pe->serial);
	}
	free(ps->v);
	pthread_mutex_destroy(&ps->lock);
	free(ps);
}

/* A new slot at the end of the context's peers, zeroed; NULL no memory. */
static struct crypto_peer *
peer_slot(struct crypto_ctx *ctx)
{
	struct crypto_peers	*ps = ctx->peers;
	struct crypto_peer	*nv;

	if (ps == NULL) {
		if ((ps = calloc(1, sizeof(*ps))) == NULL)
			return NULL;
		if (pthread_mutex_init(&ps->lock, NULL) != 0) {
			free(ps);
			return NULL;
		}
		ps->refs = 1;
		ctx->peers = ps;
	}
	if ((nv = reallocarray(ps->v, ps->n + 1, sizeof(*nv))) == NULL)
		return NULL;
	ps->v = nv;
	memset(&nv[ps->n], 0, sizeof(*nv));
	return &nv[ps->n];
}

/* Adds the one DER certificate of data, unparsed; -1 when it is not one. */
static int
peer_add_der(struct crypto_ctx *ctx, const uint8_t *data, size_t len)
{
	struct crypto_peer	*pe;
	const uint8_t		*p = data, *c;
	long			 cl;
	int			 tag, cls;

	if (len > CRYPTO_MEMO_MAXDER ||
	    net_der_next(&p, data + len, &tag, &cls, &c, &cl) != 0 ||
	    p != data + len || tag != V_ASN1_SEQUENCE ||
	    cls != V_ASN1_UNIVERSAL || (pe = peer_slot(ctx)) == NULL)
		return -1;
	if ((pe->subject = net_der_subject(data, (long)len,
	    &pe->serial)) == NULL || (pe->der = malloc(len)) == NULL) {
		X509_NAME_free(pe->subject);
		ASN1_INTEGER_free(pe->serial);
		ERR_clear_error();
		return -1;
	}
	memcpy(pe->der, data, len);
	pe->len = len;
	ctx->peers->n++;
	return 0;
}

/* Adds x (taken) as a peer already parsed. */
static int
peer_add_x509(struct crypto_ctx *ctx, X509 *x, struct smerr *e)
{
	struct crypto_peer	*pe;

	if ((pe = peer_slot(ctx)) == NULL ||
	    (pe->subject = X509_NAME_dup(X509_get_subject_name(x))) == NULL ||
	    (pe->serial = ASN1_INTEGER_dup(X509_get0_serialNumber(x))) ==
	    NULL) {
		if (pe != NULL)
			X509_NAME_free(pe->subject);
		X509_free(x);
		ERR_clear_error();
		return smerr_nomem(e);
	}
	pe->x = x;
	ctx->peers->n++;
	return 0;
}

int
crypto_ctx_add_intermediate(struct crypto_ctx *ctx, const uint8_t *data,
    size_t len, struct smerr *e)
{
	STACK_OF(X509)	*sk;
	X509		*x;
	int		 r;

	/* What the key store holds: one DER certificate, read when asked. */
	if (peer_add_der(ctx, data, len) == 0)
		return 0;
	if ((r = crypto_certs_read(data, len, &sk, e)) != 0)
		return r;
	while (r == 0 && (x = sk_X509_pop(sk)) != NULL)
		r = peer_add_x509(ctx, x, e);
	sk_X509_pop_free(sk, X509_free);
	return r;
}

/* Peer i parsed: a reference, or NULL when it does not parse. */
static X509 *
peer_x509(struct crypto_ctx *ctx, size_t i)
{
	struct crypto_peer	*pe = &ctx->peers->v[i];

	if (pe->der == NULL)
		return X509_up_ref(pe->x) ? pe->x : NULL;
	return crypto_cert_memo(ctx, pe->der, pe->len);
}

/* The certificates of xs not NULL (references, taken), in order. */
static STACK_OF(X509) *
peers_stack(X509 **xs, size_t n)
{
	STACK_OF(X509)	*sk;
	size_t		 i;
	int		 ok;

	ok = (sk = sk_X509_new_null()) != NULL;
	for (i = 0; i < n; i++) {
		if (xs[i] == NULL || (ok && sk_X509_push(sk, xs[i])))
			continue;
		ok = 0;
		X509_free(xs[i]);
	}
	if (!ok) {
		sk_X509_pop_free(sk, X509_free);
		return NULL;
	}
	return sk;
}

static int
name_among(const X509_NAME *nm, const X509_NAME **names, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (X509_NAME_cmp(nm, names[i]) == 0)
			return 1;
	return 0;
}

/*
 * OpenSSL takes an untrusted issuer only when its subject is the issuer
 * Name of the certificate it extends, and none above a trusted one: so
 * a peer reached by subjects from cert and untrusted is one it may use,
 * and no other.
 */
STACK_OF(X509) *
crypto_peers_issuers(struct crypto_ctx *ctx, X509 *cert,
    STACK_OF(X509) *untrusted)
{
	struct crypto_peers	*ps = ctx->peers;
	const X509_NAME		**names = NULL;
	STACK_OF(X509)		*sk = NULL;
	X509			**xs = NULL;
	size_t			 n = ps != NULL ? ps->n : 0, nn = 0, i;
	int			 j, nu = sk_X509_num(untrusted), grew;

	if (n == 0)
		return sk_X509_new_null();
	if ((names = calloc(n + 1 + (size_t)(nu > 0 ? nu : 0),
	    sizeof(*names))) == NULL || (xs = calloc(n, sizeof(*xs))) == NULL)
		goto out;
	names[nn++] = X509_get_issuer_name(cert);
	for (j = 0; j < nu; j++)
		names[nn++] = X509_get_issuer_name(sk_X509_value(untrusted, j));
	do {
		grew = 0;
		for (i = 0; i < n; i++) {
			if (xs[i] != NULL ||
			    !name_among(ps->v[i].subject, names, nn) ||
			    (xs[i] = peer_x509(ctx, i)) == NULL)
				continue;
			names[nn++] = X509_get_issuer_name(xs[i]);
			grew = 1;
		}
	} while (grew);
	sk = peers_stack(xs, n);
out:
	free(names);
	free(xs);
	return sk;
}

/*
 * A SignerInfo names its signer by issuer and serial number or by key
 * identifier: a peer with the serial number, and every peer for a key
 * identifier, is one CMS_set1_signers_certs may take.
 */
STACK_OF(X509) *
crypto_peers_signers(struct crypto_ctx *ctx, CMS_ContentInfo *cms)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	struct crypto_peers	*ps = ctx->peers;
	ASN1_OCTET_STRING	*keyid;
	X509_NAME		*issuer;
	ASN1_INTEGER		*sno;
	STACK_OF(X509)		*sk;
	X509			**xs;
	size_t			 n = ps != NULL ? ps->n : 0, i;
	int			 k, want;

	if (n == 0)
		return sk_X509_new_null();
	if ((xs = calloc(n, sizeof(*xs))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		want = 0;
		for (k = 0; !want && k < sk_CMS_SignerInfo_num(sis); k++) {
			keyid = NULL;
			sno = NULL;
			if (CMS_SignerInfo_get0_signer_id(sk_CMS_SignerInfo_value(
			    sis, k), &keyid, &issuer, &sno) != 1)
				continue;
			want = keyid != NULL || (sno != NULL &&
			    ASN1_INTEGER_cmp(sno, ps->v[i].serial) == 0);
		}
		if (want)
			xs[i] = peer_x509(ctx, i);
	}
	ERR_clear_error();
	sk = peers_stack(xs, n);
	free(xs);
	return sk;
}

/* Adds cert with key k (both taken) to the context's identities. */
static int
ident_add(struct crypto_ctx *ctx, X509 *x, EVP_PKEY *k, int remote,
    struct smerr *e)
{
	struct crypto_ident	*ni;

	if ((ni = reallocarray(ctx->ids, ctx->nids + 1, sizeof(*ni))) ==
	    NULL) {
		X509_free(x);
		EVP_PKEY_free(k);
		return smerr_nomem(e);
	}
	ctx->ids = ni;
	ni[ctx->nids].cert = x;
	ni[ctx->nids].key = k;
	ni[ctx->nids].remote = remote;
	ctx->nids++;
	return 0;
}

int
crypto_ctx_add_remote_identity(struct crypto_ctx *ctx, const uint8_t *cert,
    size_t certlen, const struct crypto_keyhook *hook, struct smerr *e)
{
	STACK_OF(X509)	*sk = NULL;
	EVP_PKEY	*k;
	X509		*x;
	int		 r;

	if ((r = crypto_certs_read(cert, certlen, &sk, e)) != 0)
		return r;
	x = sk_X509_value(sk, 0);
	if ((k = crypto_remote_key(x, hook)) == NULL)
		r = smerr_set(e, SMERR_CRYPTO, "an identity's key is neither "
		    "RSA nor EC");
	else {
		X509_up_ref(x);
		r = ident_add(ctx, x, k, 1, e);
	}
	sk_X509_pop_free(sk, X509_free);
	return r;
}

int
crypto_ctx_add_identity(struct crypto_ctx *ctx, const uint8_t *cert,
    size_t certlen, const uint8_t *key, size_t keylen, struct smerr *e)
{
	STACK_OF(X509)		*sk = NULL;
	EVP_PKEY		*k = NULL;
	X509			*x;
	int			 r;

	if ((r = crypto_certs_read(cert, certlen, &sk, e)) != 0 ||
	    (r = crypto_key_read(key, keylen, &k, e)) != 0)
		goto out;
	x = sk_X509_value(sk, 0);
	if (X509_check_private_key(x, k) != 1) {
		ERR_clear_error();
		r = smerr_set(e, SMERR_CRYPTO,
		    "the private key does not belong to the certificate");
		goto out;
	}
	X509_up_ref(x);
	r = ident_add(ctx, x, k, 0, e);
	k = NULL;
out:
	EVP_PKEY_free(k);
	sk_X509_pop_free(sk, X509_free);
	return r;
}

void
crypto_ctx_set_time(struct crypto_ctx *ctx, time_t t)
{
	ctx->when = t;
}

void
crypto_ctx_set_dane(struct crypto_ctx *ctx,
    enum crypto_dane (*fn)(void *, const char *, const uint8_t *, size_t),
    void *arg)
{
	ctx->dane = fn;
	ctx->dane_arg = arg;
}

static void
chains_clear(struct crypto_ctx *ctx)
{
	size_t	i;

	pthread_mutex_lock(&ctx->memo_lock);
	for (i = 0; i < CRYPTO_MEMO_CHAINS; i++) {
		sk_X509_pop_free(ctx->chains[i].chain, X509_free);
		ctx->chains[i].chain = NULL;
	}
	pthread_mutex_unlock(&ctx->memo_lock);
}

/* The memo's key: SHA-256 over the signer's and the message certs' DER. */
static int
chain_key(X509 *signer, STACK_OF(X509) *untrusted, uint8_t key[32])
{
	EVP_MD_CTX	*md;
	uint8_t		 d[EVP_MAX_MD_SIZE];
	unsigned int	 n;
	int		 i, ok;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
	    X509_digest(signer, EVP_sha256(), d, &n) &&
	    EVP_DigestUpdate(md, d, n);
	for (i = 0; ok && untrusted != NULL && i < sk_X509_num(untrusted); i++)
		ok = X509_digest(sk_X509_value(untrusted, i), EVP_sha256(), d,
		    &n) && EVP_DigestUpdate(md, d, n);
	ok = ok && EVP_DigestFinal_ex(md, key, &n) && n == 32;
	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

/* Whether every certificate of chain is valid at t, as OpenSSL checks. */
static int
chain_valid_at(STACK_OF(X509) *chain, time_t t)
{
	X509	*x;
	int	 i;

	for (i = 0; i < sk_X509_num(chain); i++) {
		x = sk_X509_value(chain, i);
		if (X509_cmp_time(X509_get0_notBefore(x), &t) >= 0 ||
		    X509_cmp_time(X509_get0_notAfter(x), &t) <= 0)
			return 0;
	}
	return 1;
}

static int
chain_recall(struct crypto_ctx *ctx, const uint8_t key[32], time_t t)
{
	size_t	i;
	int	hit = 0;

	pthread_mutex_lock(&ctx->memo_lock);
	for (i = 0; i < CRYPTO_MEMO_CHAINS && !hit; i++)
		hit = ctx->chains[i].chain != NULL &&
		    memcmp(ctx->chains[i].key, key, 32) == 0 &&
		    chain_valid_at(ctx->chains[i].chain, t);
	pthread_mutex_unlock(&ctx->memo_lock);
	return hit;
}

static void
chain_remember(struct crypto_ctx *ctx, const uint8_t key[32],
    STACK_OF(X509) *chain)
{
	struct crypto_memo_chain	*m;

	if (chain == NULL)
		return;
	pthread_mutex_lock(&ctx->memo_lock);
	m = &ctx->chains[ctx->nextchain];
	ctx->nextchain = (ctx->nextchain + 1) % CRYPTO_MEMO_CHAINS;
	sk_X509_pop_free(m->chain, X509_free);
	memcpy(m->key, key, 32);
	m->chain = chain;
	pthread_mutex_unlock(&ctx->memo_lock);
}

/*
 * 1 for an error that says only that no trusted issuer vouches for the
 * chain: what DANE may stand in for.
 */
static int
issuer_missing(int err)
{
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		return 1;
	default:
		return 0;
	}
}

/*
 * OpenSSL's verify callback: a missing trusted issuer is noted (in the
 * int the store context's app data points to) and the checks go on, so
 * that every other fault of the chain is still found; any other error
 * ends them.
 */
static int
chain_cb(int ok, X509_STORE_CTX *sctx)
{
	int	*missing = X509_STORE_CTX_get_app_data(sctx);
	int	 err = X509_STORE_CTX_get_error(sctx);

	if (ok)
		return 1;
	if (!issuer_missing(err))
		return 0;
	if (*missing == 0)
		*missing = err;
	return 1;
}

/* Why signer's chain failed with err, in the reader's words. */
static const char *
chain_why(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return "the signer's certificate has expired";
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return "the signer's certificate is not yet valid";
	case X509_V_ERR_INVALID_PURPOSE:
		return "the signer's certificate is not for e-mail protection";
	case X509_V_ERR_CERT_REVOKED:
		return "the signer's certificate is revoked";
	case X509_V_ERR_EE_KEY_TOO_SMALL:
		return "the signer's key is too weak (RSA under 2048 bits, EC "
		    "under 224)";
	case X509_V_ERR_CA_KEY_TOO_SMALL:
		return "a CA's key in the chain is too weak (RSA under 2048 "
		    "bits, EC under 224)";
	case X509_V_ERR_CA_MD_TOO_WEAK:
		return "a certificate in the chain is signed with a weak "
		    "digest (MD5 or SHA-1)";
	default:
		return X509_verify_cert_error_string(err);
	}
}

int
crypto_chain_check(struct crypto_ctx *ctx, X509 *signer,
    STACK_OF(X509) *untrusted, const char **whyp)
{
	X509_STORE_CTX		*sctx = NULL;
	X509_VERIFY_PARAM	*vp;
	STACK_OF(X509)		*all = NULL, *peers = NULL;
	uint8_t			 key[32];
	time_t			 t = ctx->when != 0 ? ctx->when : time(NULL);
	int			 i, r, ok, keyed, missing = 0;

	*whyp = NULL;
	keyed = chain_key(signer, untrusted, key) == 0;
	if (keyed && chain_recall(ctx, key, t))
		return 1;
	if ((sctx = X509_STORE_CTX_new()) == NULL ||
	    (all = sk_X509_new_null()) == NULL) {
		r = SMERR_NOMEM;
		goto out;
	}
	for (i = 0; untrusted != NULL && i < sk_X509_num(untrusted); i++)
		if (!sk_X509_push(all, sk_X509_value(untrusted, i))) {
			r = SMERR_NOMEM;
			goto out;
		}
	if ((peers = crypto_peers_issuers(ctx, signer, untrusted)) == NULL) {
		r = SMERR_NOMEM;
		goto out;
	}
	for (i = 0; i < sk_X509_num(peers); i++)
		if (!sk_X509_push(all, sk_X509_value(peers, i))) {
			r = SMERR_NOMEM;
			goto out;
		}
	if (X509_STORE_CTX_init(sctx, ctx->store, signer, all) != 1) {
		r = SMERR_CRYPTO;
		goto out;
	}
	X509_STORE_CTX_set_purpose(sctx, X509_PURPOSE_SMIME_SIGN);
	vp = X509_STORE_CTX_get0_param(sctx);
	X509_VERIFY_PARAM_set_time(vp, t);
	/*
	 * Security level 2 over the whole chain: RSA and DSA keys of 2048
	 * bits or more, EC keys of 224, and no certificate below the anchor
	 * signed with MD5 or SHA-1.
	 */
	X509_VERIFY_PARAM_set_auth_level(vp, 2);
	X509_STORE_CTX_set_app_data(sctx, &missing);
	X509_STORE_CTX_set_verify_cb(sctx, chain_cb);
	ok = X509_verify_cert(sctx) == 1;
	if (ok && missing == 0) {
		r = 1;
		if (keyed)
			chain_remember(ctx, key, X509_STORE_CTX_get1_chain(sctx));
	} else if (ok) {
		/* Sound in every other way: only the issuer is not trusted. */
		*whyp = chain_why(missing);
		r = CRYPTO_CHAIN_NO_ISSUER;
	} else {
		*whyp = chain_why(X509_STORE_CTX_get_error(sctx));
		r = 0;
	}
out:
	ERR_clear_error();
	sk_X509_free(all);
	sk_X509_pop_free(peers, X509_free);
	X509_STORE_CTX_free(sctx);
	return r;
}
