/*
 * The context and PKIX validation of a signer. One X509_STORE per context
 * holds the user's trust anchors (and, when asked, the system's); it is
 * made once and shared by every message judged with the context. A signer
 * is validated for S/MIME signing (RFC 8550: an extended key usage, when
 * present, must allow e-mail protection; a key usage, when present, must
 * allow signatures) at the context's time or now.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "base/err.h"
#include "crypto/crypto_int.h"

static void	lazy_collide(struct crypto_ctx *);

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
	    (ctx->store = X509_STORE_new()) == NULL ||
	    (ctx->extra = sk_X509_new_null()) == NULL) {
		crypto_ctx_free(ctx);
		return smerr_set(e, SMERR_NOMEM, "out of memory");
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
	sk_X509_pop_free(ctx->extra, X509_free);
	X509_STORE_free(ctx->store);
	crypto_cert_memo_clear(ctx);
	pthread_mutex_destroy(&ctx->memo_lock);
	free(ctx);
}

int
crypto_ctx_clone(const struct crypto_ctx *src, struct crypto_ctx **ctxp,
    struct smerr *e)
{
	struct crypto_ctx	*ctx;
	X509			*x;
	size_t			 i;
	int			 k;

	*ctxp = NULL;
	if ((ctx = ctx_alloc()) == NULL ||
	    (ctx->extra = sk_X509_new_null()) == NULL ||
	    (src->nids > 0 && (ctx->ids = calloc(src->nids,
	    sizeof(*ctx->ids))) == NULL))
		goto nomem;
	/* The anchors are read-only once set: the store is shared. */
	if (!X509_STORE_up_ref(src->store))
		goto nomem;
	ctx->store = src->store;
	for (k = 0; k < sk_X509_num(src->extra); k++) {
		x = sk_X509_value(src->extra, k);
		if (!sk_X509_push(ctx->extra, x))
			goto nomem;
		X509_up_ref(x);
	}
	/*
	 * Each context has keys of its own, so that a private-key operation
	 * on one thread takes no lock another thread holds (RSA blinding).
	 */
	for (i = 0; i < src->nids; i++) {
		if ((ctx->ids[i].key = EVP_PKEY_dup(src->ids[i].key)) == NULL)
			goto nomem;
		X509_up_ref(src->ids[i].cert);
		ctx->ids[i].cert = src->ids[i].cert;
		ctx->nids++;
	}
	ctx->when = src->when;
	ctx->lazy = src->lazy;		/* the store's */
	*ctxp = ctx;
	return 0;
nomem:
	ERR_clear_error();
	crypto_ctx_free(ctx);
	return smerr_set(e, SMERR_NOMEM, "out of memory");
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
		lazy_collide(ctx);	/* a subject the bundle has too */
	sk_X509_pop_free(sk, X509_free);
	return r;
}

/*
 * The system's trust store, read lazily. X509_STORE_set_default_paths
 * parses every certificate of the bundle at once, and OpenSSL 3.0 searches
 * its decoders for each public key: tens of milliseconds for every
 * process. Here only the subject names of the bundle are read; a lookup
 * method, first in the store's list, parses and adds all the bundle's
 * certificates of a subject the first time a chain asks for that subject.
 * A user's anchor with the same subject as bundle certificates brings
 * those in at once (a subject found in the store is not looked up again).
 * The hashed directory and the default store URI follow as OpenSSL adds
 * them. A bundle holding anything but plain certificates is read whole.
 */
struct lazy_cert {
	X509_NAME	*subject;
	uint8_t		*der;
	long		 len;
	X509		*x;		/* once parsed and added */
};

struct lazy_bundle {
	pthread_mutex_t	 lock;
	struct lazy_cert *certs;
	size_t		 n;
};

static X509_LOOKUP_METHOD	*lazy_method;
static pthread_once_t		 lazy_once = PTHREAD_ONCE_INIT;

static void
lazy_free(struct lazy_bundle *lb)
{
	size_t	i;

	if (lb == NULL)
		return;
	for (i = 0; i < lb->n; i++) {
		X509_NAME_free(lb->certs[i].subject);
		OPENSSL_free(lb->certs[i].der);
		X509_free(lb->certs[i].x);
	}
	free(lb->certs);
	pthread_mutex_destroy(&lb->lock);
	free(lb);
}

/*
 * Parses and adds every unparsed certificate of the bundle named name;
 * a reference to the first of them (parsed now or before), or NULL.
 */
static X509 *
lazy_load(struct lazy_bundle *lb, X509_STORE *st, const X509_NAME *name)
{
	struct lazy_cert	*lc;
	const uint8_t		*p;
	X509			*first = NULL;
	size_t			 i;

	pthread_mutex_lock(&lb->lock);
	for (i = 0; i < lb->n; i++) {
		lc = &lb->certs[i];
		if (X509_NAME_cmp(lc->subject, name) != 0)
			continue;
		if (lc->x == NULL) {
			p = lc->der;
			if ((lc->x = d2i_X509(NULL, &p, lc->len)) == NULL)
				continue;
			(void)X509_STORE_add_cert(st, lc->x);
		}
		if (first == NULL && X509_up_ref(lc->x))
			first = lc->x;
	}
	pthread_mutex_unlock(&lb->lock);
	ERR_clear_error();
	return first;
}

static int
lazy_by_subject(X509_LOOKUP *lu, X509_LOOKUP_TYPE type,
    const X509_NAME *name, X509_OBJECT *ret)
{
	struct lazy_bundle	*lb = X509_LOOKUP_get_method_data(lu);
	X509			*x;
	int			 ok;

	if (type != X509_LU_X509 || lb == NULL ||
	    (x = lazy_load(lb, X509_LOOKUP_get_store(lu), name)) == NULL)
		return 0;
	/* ret borrows the store's reference, as OpenSSL's lookups do. */
	ok = X509_OBJECT_set1_X509(ret, x);
	X509_free(x);
	if (ok)
		X509_free(x);
	return ok;
}

static void
lazy_lookup_free(X509_LOOKUP *lu)
{
	lazy_free(X509_LOOKUP_get_method_data(lu));
}

static void
lazy_method_init(void)
{
	X509_LOOKUP_METHOD	*m;

	if ((m = X509_LOOKUP_meth_new("sealmail system bundle")) == NULL)
		return;
	if (!X509_LOOKUP_meth_set_get_by_subject(m, lazy_by_subject) ||
	    !X509_LOOKUP_meth_set_free(m, lazy_lookup_free)) {
		X509_LOOKUP_meth_free(m);
		return;
	}
	lazy_method = m;
}

/* The subject Name of a DER certificate, without parsing the rest. */
static X509_NAME *
der_subject(const uint8_t *der, long len)
{
	const uint8_t	*p = der, *end = der + len, *c, *t;
	long		 cl;
	int		 tag, cls, k;

	/* Certificate { tbsCertificate { [0] version OPTIONAL, serial, */
	/* signature, issuer, validity, subject ... } ... } */
	if (crypto_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_SEQUENCE)
		return NULL;
	p = c;
	end = c + cl;
	if (crypto_der_next(&p, end, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_SEQUENCE)
		return NULL;
	p = c;
	end = c + cl;
	t = p;
	if (crypto_der_next(&t, end, &tag, &cls, &c, &cl) != 0)
		return NULL;
	if (cls == V_ASN1_CONTEXT_SPECIFIC && tag == 0)
		p = t;
	for (k = 0; k < 4; k++)
		if (crypto_der_next(&p, end, &tag, &cls, &c, &cl) != 0)
			return NULL;
	t = p;
	if (crypto_der_next(&t, end, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_SEQUENCE)
		return NULL;
	return d2i_X509_NAME(NULL, &p, t - p);
}

/* The bundle's certificates, or NULL when it is not plain certificates. */
static struct lazy_bundle *
lazy_read(const char *path)
{
	struct lazy_bundle	*lb = NULL;
	struct lazy_cert	*nc;
	BIO			*bio;
	char			*name = NULL, *hdr = NULL;
	unsigned char		*data = NULL;
	long			 len;
	int			 ok = 0;

	if ((bio = BIO_new_file(path, "r")) == NULL)
		return NULL;
	if ((lb = calloc(1, sizeof(*lb))) == NULL ||
	    pthread_mutex_init(&lb->lock, NULL) != 0) {
		free(lb);
		lb = NULL;
		goto out;
	}
	for (;;) {
		if (!PEM_read_bio(bio, &name, &hdr, &data, &len)) {
			/* The end, or a block PEM_X509_INFO_read refuses. */
			ok = ERR_GET_REASON(ERR_peek_last_error()) ==
			    PEM_R_NO_START_LINE;
			break;
		}
		if ((strcmp(name, PEM_STRING_X509) != 0 &&
		    strcmp(name, PEM_STRING_X509_OLD) != 0) || *hdr != '\0' ||
		    (nc = reallocarray(lb->certs, lb->n + 1,
		    sizeof(*nc))) == NULL)
			break;
		lb->certs = nc;
		nc = &lb->certs[lb->n];
		memset(nc, 0, sizeof(*nc));
		if ((nc->subject = der_subject(data, len)) == NULL)
			break;
		nc->der = data;
		nc->len = len;
		data = NULL;
		lb->n++;
		OPENSSL_free(name);
		OPENSSL_free(hdr);
		name = hdr = NULL;
	}
out:
	OPENSSL_free(name);
	OPENSSL_free(hdr);
	OPENSSL_free(data);
	BIO_free(bio);
	ERR_clear_error();
	if (!ok) {
		lazy_free(lb);
		return NULL;
	}
	return lb;
}

/* Brings in the bundle's certificates named like any in the store. */
static void
lazy_collide(struct crypto_ctx *ctx)
{
	STACK_OF(X509_OBJECT)	*objs;
	STACK_OF(X509_NAME)	*names;
	X509_NAME		*nm;
	X509			*x;
	int			 i;

	if (ctx->lazy == NULL || (names = sk_X509_NAME_new_null()) == NULL)
		return;
	if (X509_STORE_lock(ctx->store)) {
		objs = X509_STORE_get0_objects(ctx->store);
		for (i = 0; i < sk_X509_OBJECT_num(objs); i++) {
			x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs,
			    i));
			if (x != NULL && (nm = X509_NAME_dup(
			    X509_get_subject_name(x))) != NULL &&
			    !sk_X509_NAME_push(names, nm))
				X509_NAME_free(nm);
		}
		X509_STORE_unlock(ctx->store);
	}
	for (i = 0; i < sk_X509_NAME_num(names); i++)
		X509_free(lazy_load(ctx->lazy, ctx->store,
		    sk_X509_NAME_value(names, i)));
	sk_X509_NAME_pop_free(names, X509_NAME_free);
}

int
crypto_ctx_use_system_anchors(struct crypto_ctx *ctx, struct smerr *e)
{
	struct lazy_bundle	*lb = NULL;
	X509_LOOKUP		*lu;
	const char		*path;

	if ((path = secure_getenv(X509_get_default_cert_file_env())) == NULL)
		path = X509_get_default_cert_file();
	if (pthread_once(&lazy_once, lazy_method_init) != 0 ||
	    lazy_method == NULL || ctx->lazy != NULL ||
	    (lb = lazy_read(path)) == NULL ||
	    (lu = X509_STORE_add_lookup(ctx->store, lazy_method)) == NULL) {
		/* Read the usual way. */
		lazy_free(lb);
		if (X509_STORE_set_default_paths(ctx->store) != 1)
			goto fail;
		ERR_clear_error();
		return 0;
	}
	X509_LOOKUP_set_method_data(lu, lb);
	ctx->lazy = lb;
	lazy_collide(ctx);
	/* What X509_STORE_set_default_paths adds after the file. */
	if ((lu = X509_STORE_add_lookup(ctx->store, X509_LOOKUP_hash_dir())) ==
	    NULL)
		goto fail;
	X509_LOOKUP_add_dir(lu, NULL, X509_FILETYPE_DEFAULT);
	if ((lu = X509_STORE_add_lookup(ctx->store, X509_LOOKUP_store())) ==
	    NULL)
		goto fail;
	X509_LOOKUP_add_store_ex(lu, NULL, NULL, NULL);
	ERR_clear_error();
	return 0;
fail:
	ERR_clear_error();
	return smerr_set(e, SMERR_CRYPTO,
	    "the system's trust store could not be loaded");
}

int
crypto_ctx_add_intermediate(struct crypto_ctx *ctx, const uint8_t *data,
    size_t len, struct smerr *e)
{
	STACK_OF(X509)	*sk;
	X509		*x;
	int		 r;

	if ((r = crypto_certs_read(data, len, &sk, e)) != 0)
		return r;
	while ((x = sk_X509_pop(sk)) != NULL)
		if (!sk_X509_push(ctx->extra, x)) {
			X509_free(x);
			r = smerr_set(e, SMERR_NOMEM, "out of memory");
			break;
		}
	sk_X509_pop_free(sk, X509_free);
	return r;
}

int
crypto_ctx_add_identity(struct crypto_ctx *ctx, const uint8_t *cert,
    size_t certlen, const uint8_t *key, size_t keylen, struct smerr *e)
{
	struct crypto_ident	*ni;
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
	if ((ni = reallocarray(ctx->ids, ctx->nids + 1, sizeof(*ni))) ==
	    NULL) {
		r = smerr_set(e, SMERR_NOMEM, "out of memory");
		goto out;
	}
	ctx->ids = ni;
	X509_up_ref(x);
	ni[ctx->nids].cert = x;
	ni[ctx->nids].key = k;
	ctx->nids++;
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

int
crypto_chain_check(struct crypto_ctx *ctx, X509 *signer,
    STACK_OF(X509) *untrusted, const char **whyp)
{
	X509_STORE_CTX		*sctx = NULL;
	X509_VERIFY_PARAM	*vp;
	STACK_OF(X509)		*all = NULL;
	int			 i, r, err;

	*whyp = NULL;
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
	for (i = 0; i < sk_X509_num(ctx->extra); i++)
		if (!sk_X509_push(all, sk_X509_value(ctx->extra, i))) {
			r = SMERR_NOMEM;
			goto out;
		}
	if (X509_STORE_CTX_init(sctx, ctx->store, signer, all) != 1) {
		r = SMERR_CRYPTO;
		goto out;
	}
	X509_STORE_CTX_set_purpose(sctx, X509_PURPOSE_SMIME_SIGN);
	vp = X509_STORE_CTX_get0_param(sctx);
	if (ctx->when != 0)
		X509_VERIFY_PARAM_set_time(vp, ctx->when);
	if (X509_verify_cert(sctx) == 1)
		r = 1;
	else {
		err = X509_STORE_CTX_get_error(sctx);
		switch (err) {
		case X509_V_ERR_CERT_HAS_EXPIRED:
			*whyp = "the signer's certificate has expired";
			break;
		case X509_V_ERR_CERT_NOT_YET_VALID:
			*whyp = "the signer's certificate is not yet valid";
			break;
		case X509_V_ERR_INVALID_PURPOSE:
			*whyp = "the signer's certificate is not for "
			    "e-mail protection";
			break;
		case X509_V_ERR_CERT_REVOKED:
			*whyp = "the signer's certificate is revoked";
			break;
		default:
			*whyp = X509_verify_cert_error_string(err);
			break;
		}
		r = 0;
	}
out:
	ERR_clear_error();
	sk_X509_free(all);
	X509_STORE_CTX_free(sctx);
	return r;
}
