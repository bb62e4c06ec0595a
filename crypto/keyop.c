/*
 * Private-key operations, on both sides of the key agent.
 *
 * Where the key is (the agent), crypto_privkey_run does one of a fixed few
 * operations with an OpenSSL key: sign a digest (RSA PKCS#1 v1.5 or PSS,
 * ECDSA), decrypt an RSA key-transport block (PKCS#1 v1.5 or OAEP), or
 * derive an ECDH secret from a peer's point. Nothing else, and only with
 * inputs of the sizes those operations take.
 *
 * Where the key is not (every other process), crypto_remote_key makes a
 * key from a certificate's public half whose private operations go to a
 * crypto_keyhook, so that OpenSSL keeps doing all of CMS. OpenSSL 3.0 has
 * two routes for that short of writing a provider, both deprecated but
 * present: an RSA key whose EVP_PKEY_METHOD comes from an ENGINE of ours
 * (the method sees the padding, digest, salt length and OAEP label, so the
 * agent is asked for exactly the operation CMS wants, never for a raw RSA
 * block), and an EC key with an EC_KEY_METHOD (ECDSA over a digest, and
 * ECDH's shared point; CMS's key derivation stays here). The deprecation
 * warnings are silenced in this file only.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "base/err.h"
#include "base/secmem.h"
#include "crypto/crypto_int.h"

#define KEYOP_MAXKEY	(16 * 1024)	/* PKCS#8 DER of an RSA-8192 key */

static const struct {
	int	 num;
	int	 nid;
	size_t	 len;
} keyop_mds[] = {
	{ CRYPTO_MD_SHA1,	NID_sha1,	20 },
	{ CRYPTO_MD_SHA224,	NID_sha224,	28 },
	{ CRYPTO_MD_SHA256,	NID_sha256,	32 },
	{ CRYPTO_MD_SHA384,	NID_sha384,	48 },
	{ CRYPTO_MD_SHA512,	NID_sha512,	64 },
};

size_t
crypto_md_size(int md)
{
	size_t	i;

	for (i = 0; i < sizeof(keyop_mds) / sizeof(keyop_mds[0]); i++)
		if (keyop_mds[i].num == md)
			return keyop_mds[i].len;
	return 0;
}

static const EVP_MD *
md_of(int md)
{
	size_t	i;

	for (i = 0; i < sizeof(keyop_mds) / sizeof(keyop_mds[0]); i++)
		if (keyop_mds[i].num == md)
			return EVP_get_digestbynid(keyop_mds[i].nid);
	return NULL;
}

static int
md_num(const EVP_MD *m)
{
	size_t	i;

	if (m == NULL)
		return CRYPTO_MD_NONE;
	for (i = 0; i < sizeof(keyop_mds) / sizeof(keyop_mds[0]); i++)
		if (keyop_mds[i].nid == EVP_MD_get_type(m))
			return keyop_mds[i].num;
	return -1;
}

/* The agent's side. */

struct crypto_privkey {
	EVP_PKEY		*pk;
	struct crypto_p11key	*tk;	/* or a key on a token */
};

int
crypto_privkey_gone(const struct crypto_privkey *k, const char **labelp)
{
	return k->tk != NULL && crypto_p11key_gone(k->tk, labelp);
}

int
crypto_privkey_token(struct crypto_token *t, const char *uri,
    struct crypto_privkey **kp, struct smerr *e)
{
	struct crypto_p11key	*tk;
	int			 r;

	*kp = NULL;
	if ((r = crypto_p11key_find(t, uri, &tk, e)) != 0)
		return r;
	if ((*kp = calloc(1, sizeof(**kp))) == NULL) {
		crypto_p11key_free(tk);
		return smerr_set(e, SMERR_NOMEM, "out of memory");
	}
	(*kp)->tk = tk;
	return 0;
}

int
crypto_privkey_new(const uint8_t *der, size_t len,
    struct crypto_privkey **kp, struct smerr *e)
{
	const unsigned char	*p = der;
	PKCS8_PRIV_KEY_INFO	*p8;
	EVP_PKEY		*pk = NULL;
	int			 id;

	*kp = NULL;
	if (len == 0 || len > KEYOP_MAXKEY)
		return smerr_set(e, SMERR_LIMIT, "a private key of %zu bytes",
		    len);
	if ((p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len)) != NULL) {
		if (p == der + len)
			pk = EVP_PKCS82PKEY(p8);
		PKCS8_PRIV_KEY_INFO_free(p8);
	}
	ERR_clear_error();
	if (pk == NULL)
		return smerr_set(e, SMERR_PARSE, "not a PKCS#8 private key");
	id = EVP_PKEY_get_base_id(pk);
	if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC) {
		EVP_PKEY_free(pk);
		return smerr_set(e, SMERR_CRYPTO, "a private key neither RSA "
		    "nor EC");
	}
	if ((*kp = calloc(1, sizeof(**kp))) == NULL) {
		EVP_PKEY_free(pk);
		return smerr_nomem(e);
	}
	(*kp)->pk = pk;
	return 0;
}

void
crypto_privkey_free(struct crypto_privkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pk);
	crypto_p11key_free(k->tk);
	free(k);
}

/* Padding, digests and salt of an RSA operation, checked and set. */
static int
rsa_params(EVP_PKEY_CTX *c, const struct crypto_keyop *op, int keysize)
{
	const EVP_MD	*md = md_of(op->md);
	const EVP_MD	*mgf1 = op->mgf1 != CRYPTO_MD_NONE ? md_of(op->mgf1) :
	    md;
	int		 salt;

	if (op->op == CRYPTO_KEYOP_SIGN) {
		if (md == NULL || op->inlen != crypto_md_size(op->md) ||
		    op->labellen != 0)
			return -1;
		if (EVP_PKEY_CTX_set_signature_md(c, md) <= 0)
			return -1;
		if (op->pad == CRYPTO_PAD_PKCS1)
			return EVP_PKEY_CTX_set_rsa_padding(c,
			    RSA_PKCS1_PADDING) > 0 ? 0 : -1;
		if (op->pad != CRYPTO_PAD_PSS || mgf1 == NULL)
			return -1;
		if (op->saltlen == CRYPTO_SALT_DIGEST)
			salt = RSA_PSS_SALTLEN_DIGEST;
		else if (op->saltlen == CRYPTO_SALT_MAX)
			salt = RSA_PSS_SALTLEN_MAX;
		else if (op->saltlen >= 0 && op->saltlen < keysize)
			salt = op->saltlen;
		else
			return -1;
		return EVP_PKEY_CTX_set_rsa_padding(c,
		    RSA_PKCS1_PSS_PADDING) > 0 &&
		    EVP_PKEY_CTX_set_rsa_mgf1_md(c, mgf1) > 0 &&
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(c, salt) > 0 ? 0 : -1;
	}
	/* CRYPTO_KEYOP_DECRYPT */
	if (op->inlen != (size_t)keysize)
		return -1;
	if (op->pad == CRYPTO_PAD_PKCS1)
		return op->md == CRYPTO_MD_NONE && op->labellen == 0 &&
		    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) > 0 ?
		    0 : -1;
	if (op->pad != CRYPTO_PAD_OAEP || md == NULL || mgf1 == NULL ||
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(c, md) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(c, mgf1) <= 0)
		return -1;
	if (op->labellen > 0) {
		unsigned char	*l;

		if ((l = OPENSSL_memdup(op->label, op->labellen)) == NULL)
			return -1;
		if (EVP_PKEY_CTX_set0_rsa_oaep_label(c, l,
		    (int)op->labellen) <= 0) {
			OPENSSL_free(l);
			return -1;
		}
	}
	return 0;
}

/* ECDH with the peer's point (uncompressed or compressed octets). */
static int
ec_derive(EVP_PKEY *pk, const struct crypto_keyop *op, uint8_t *out,
    size_t *outlen)
{
	EVP_PKEY_CTX	*pc = NULL, *dc = NULL;
	EVP_PKEY	*peer = NULL;
	OSSL_PARAM	 prm[3];
	char		 group[64];
	size_t		 gl, n = *outlen;
	int		 r = -1;

	if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &gl))
		goto out;
	prm[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    group, 0);
	prm[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    (void *)(uintptr_t)op->in, op->inlen);
	prm[2] = OSSL_PARAM_construct_end();
	if ((pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pc) <= 0 ||
	    EVP_PKEY_fromdata(pc, &peer, EVP_PKEY_PUBLIC_KEY, prm) <= 0)
		goto out;
	if ((dc = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL ||
	    EVP_PKEY_derive_init(dc) <= 0 ||
	    EVP_PKEY_derive_set_peer_ex(dc, peer, 1) <= 0 ||
	    EVP_PKEY_derive(dc, out, &n) <= 0)
		goto out;
	*outlen = n;
	r = 0;
out:
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_CTX_free(dc);
	EVP_PKEY_free(peer);
	return r;
}

int
crypto_privkey_run(struct crypto_privkey *k, const struct crypto_keyop *op,
    uint8_t *out, size_t *outlen, struct smerr *e)
{
	EVP_PKEY_CTX	*c = NULL;
	size_t		 n = *outlen;
	int		 rsa, r = SMERR_CRYPTO, ok = 0;

	if (op->inlen == 0 || op->inlen > CRYPTO_KEYOP_MAXIN ||
	    op->labellen > CRYPTO_KEYOP_MAXLABEL)
		return smerr_set(e, SMERR_LIMIT, "a key operation's input "
		    "is out of bounds");
	if (k->tk != NULL) {
		ok = crypto_p11key_run(k->tk, op, out, &n) == 0;
		goto done;
	}
	rsa = EVP_PKEY_get_base_id(k->pk) == EVP_PKEY_RSA;
	switch (op->op) {
	case CRYPTO_KEYOP_SIGN:
		if ((c = EVP_PKEY_CTX_new_from_pkey(NULL, k->pk, NULL)) ==
		    NULL || EVP_PKEY_sign_init(c) <= 0)
			break;
		if (rsa)
			ok = rsa_params(c, op, EVP_PKEY_get_size(k->pk)) == 0;
		else
			/* A digest of one of the lengths that are in use. */
			ok = op->pad == CRYPTO_PAD_NONE &&
			    op->labellen == 0 && op->inlen >= 20 &&
			    op->inlen <= 64;
		ok = ok && EVP_PKEY_sign(c, out, &n, op->in, op->inlen) > 0;
		break;
	case CRYPTO_KEYOP_DECRYPT:
		if (!rsa ||
		    (c = EVP_PKEY_CTX_new_from_pkey(NULL, k->pk, NULL)) ==
		    NULL || EVP_PKEY_decrypt_init(c) <= 0)
			break;
		ok = rsa_params(c, op, EVP_PKEY_get_size(k->pk)) == 0 &&
		    EVP_PKEY_decrypt(c, out, &n, op->in, op->inlen) > 0;
		break;
	case CRYPTO_KEYOP_DERIVE:
		ok = !rsa && op->pad == CRYPTO_PAD_NONE &&
		    op->labellen == 0 && ec_derive(k->pk, op, out, &n) == 0;
		break;
	}
	EVP_PKEY_CTX_free(c);
done:
	ERR_clear_error();
	if (ok) {
		*outlen = n;
		r = 0;
	} else {
		secmem_wipe(out, *outlen);
		r = smerr_set(e, SMERR_CRYPTO, "the key operation failed or "
		    "is not one this key does");
	}
	return r;
}

/* The other side: keys whose private half is reached through a hook. */

struct remote {
	uint8_t				 fp[32];
	const struct crypto_keyhook	*hook;
};

static ENGINE		*remote_engine;
static EVP_PKEY_METHOD	*remote_rsa_pmeth;
static EC_KEY_METHOD	*remote_ec_meth;
static int		 remote_rsa_idx = -1, remote_ec_idx = -1;
static pthread_once_t	 remote_once = PTHREAD_ONCE_INIT;

static void
remote_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	free(ptr);
}

static int
remote_call(const struct remote *rm, const struct crypto_keyop *op,
    uint8_t *out, size_t *outlen)
{
	if (rm == NULL || rm->hook == NULL)
		return -1;
	return rm->hook->call(rm->hook->arg, rm->fp, op, out, outlen, NULL) ==
	    0 ? 0 : -1;
}

static const struct remote *
rsa_remote(EVP_PKEY_CTX *c)
{
	EVP_PKEY	*pk = EVP_PKEY_CTX_get0_pkey(c);
	const RSA	*rsa = pk != NULL ? EVP_PKEY_get0_RSA(pk) : NULL;

	return rsa != NULL ? RSA_get_ex_data(rsa, remote_rsa_idx) : NULL;
}

static int
rsa_remote_sign(EVP_PKEY_CTX *c, unsigned char *sig, size_t *siglen,
    const unsigned char *tbs, size_t tbslen)
{
	struct crypto_keyop	 op = { .op = CRYPTO_KEYOP_SIGN, .in = tbs,
	    .inlen = tbslen };
	const EVP_MD		*md = NULL, *mgf1 = NULL;
	int			 pad = 0, salt = 0;

	if (EVP_PKEY_CTX_get_rsa_padding(c, &pad) <= 0 ||
	    EVP_PKEY_CTX_get_signature_md(c, &md) <= 0 ||
	    (op.md = md_num(md)) <= 0)
		return -1;
	if (pad == RSA_PKCS1_PADDING)
		op.pad = CRYPTO_PAD_PKCS1;
	else if (pad == RSA_PKCS1_PSS_PADDING) {
		op.pad = CRYPTO_PAD_PSS;
		if (EVP_PKEY_CTX_get_rsa_mgf1_md(c, &mgf1) <= 0 ||
		    EVP_PKEY_CTX_get_rsa_pss_saltlen(c, &salt) <= 0)
			return -1;
		if ((op.mgf1 = md_num(mgf1)) < 0)
			return -1;
		if (salt == RSA_PSS_SALTLEN_DIGEST)
			op.saltlen = CRYPTO_SALT_DIGEST;
		else if (salt < 0)
			op.saltlen = CRYPTO_SALT_MAX;
		else
			op.saltlen = salt;
	} else
		return -1;
	return remote_call(rsa_remote(c), &op, sig, siglen) == 0 ? 1 : -1;
}

static int
rsa_remote_decrypt(EVP_PKEY_CTX *c, unsigned char *out, size_t *outlen,
    const unsigned char *in, size_t inlen)
{
	struct crypto_keyop	 op = { .op = CRYPTO_KEYOP_DECRYPT, .in = in,
	    .inlen = inlen };
	const EVP_MD		*md = NULL, *mgf1 = NULL;
	unsigned char		*label = NULL;
	int			 pad = 0, ll;

	if (EVP_PKEY_CTX_get_rsa_padding(c, &pad) <= 0)
		return -1;
	if (pad == RSA_PKCS1_PADDING)
		op.pad = CRYPTO_PAD_PKCS1;
	else if (pad == RSA_PKCS1_OAEP_PADDING) {
		op.pad = CRYPTO_PAD_OAEP;
		if (EVP_PKEY_CTX_get_rsa_oaep_md(c, &md) <= 0 ||
		    EVP_PKEY_CTX_get_rsa_mgf1_md(c, &mgf1) <= 0 ||
		    (op.md = md_num(md)) <= 0 || (op.mgf1 = md_num(mgf1)) < 0)
			return -1;
		if ((ll = EVP_PKEY_CTX_get0_rsa_oaep_label(c, &label)) > 0) {
			op.label = label;
			op.labellen = (size_t)ll;
		}
	} else
		return -1;
	return remote_call(rsa_remote(c), &op, out, outlen) == 0 ? 1 : -1;
}

static int
engine_pkey_meths(ENGINE *eng, EVP_PKEY_METHOD **pmeth, const int **nids,
    int nid)
{
	static const int	list[] = { EVP_PKEY_RSA };

	(void)eng;
	if (pmeth == NULL) {
		*nids = list;
		return 1;
	}
	*pmeth = nid == EVP_PKEY_RSA ? remote_rsa_pmeth : NULL;
	return *pmeth != NULL;
}

static int
ec_remote_sign(int type, const unsigned char *dgst, int dlen,
    unsigned char *sig, unsigned int *siglen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *ec)
{
	struct crypto_keyop	op = { .op = CRYPTO_KEYOP_SIGN, .in = dgst,
	    .inlen = (size_t)dlen };
	size_t			n;

	(void)type;
	(void)kinv;
	(void)r;
	if (dlen <= 0 || (n = (size_t)ECDSA_size(ec)) == 0)
		return 0;
	if (remote_call(EC_KEY_get_ex_data(ec, remote_ec_idx), &op, sig,
	    &n) != 0 || n > UINT_MAX)
		return 0;
	*siglen = (unsigned int)n;
	return 1;
}

static ECDSA_SIG *
ec_remote_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *ec)
{
	unsigned char		 sig[CRYPTO_KEYOP_MAXOUT];
	const unsigned char	*p = sig;
	unsigned int		 n = 0;

	if ((size_t)ECDSA_size(ec) > sizeof(sig) ||
	    ec_remote_sign(0, dgst, dlen, sig, &n, kinv, r, ec) != 1)
		return NULL;
	return d2i_ECDSA_SIG(NULL, &p, (long)n);
}

static int
ec_remote_ckey(unsigned char **psec, size_t *pseclen, const EC_POINT *pub,
    const EC_KEY *ec)
{
	unsigned char		 pt[CRYPTO_KEYOP_MAXIN], sec[CRYPTO_KEYOP_MAXOUT];
	struct crypto_keyop	 op = { .op = CRYPTO_KEYOP_DERIVE, .in = pt };
	size_t			 n = sizeof(sec);

	if ((op.inlen = EC_POINT_point2oct(EC_KEY_get0_group(ec), pub,
	    POINT_CONVERSION_UNCOMPRESSED, pt, sizeof(pt), NULL)) == 0)
		return 0;
	if (remote_call(EC_KEY_get_ex_data(ec, remote_ec_idx), &op, sec,
	    &n) != 0)
		return 0;
	if ((*psec = OPENSSL_malloc(n)) == NULL) {
		secmem_wipe(sec, sizeof(sec));
		return 0;
	}
	memcpy(*psec, sec, n);
	*pseclen = n;
	secmem_wipe(sec, sizeof(sec));
	return 1;
}

static void
remote_init(void)
{
	const EVP_PKEY_METHOD	*def;
	EVP_PKEY_METHOD		*m;
	ENGINE			*eng;
	int			(*sinit)(EVP_PKEY_CTX *);
	int			(*dinit)(EVP_PKEY_CTX *);
	int			(*sfn)(EVP_PKEY_CTX *, unsigned char *,
				    size_t *, const unsigned char *, size_t);
	int			(*dfn)(EVP_PKEY_CTX *, unsigned char *,
				    size_t *, const unsigned char *, size_t);

	remote_rsa_idx = RSA_get_ex_new_index(0, NULL, NULL, NULL,
	    remote_free);
	remote_ec_idx = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL,
	    remote_free);
	if ((def = EVP_PKEY_meth_find(EVP_PKEY_RSA)) == NULL ||
	    (m = EVP_PKEY_meth_new(EVP_PKEY_RSA,
	    EVP_PKEY_FLAG_AUTOARGLEN)) == NULL)
		return;
	EVP_PKEY_meth_copy(m, def);
	EVP_PKEY_meth_get_sign(def, &sinit, &sfn);
	EVP_PKEY_meth_get_decrypt(def, &dinit, &dfn);
	EVP_PKEY_meth_set_sign(m, sinit, rsa_remote_sign);
	EVP_PKEY_meth_set_decrypt(m, dinit, rsa_remote_decrypt);
	if ((eng = ENGINE_new()) == NULL ||
	    !ENGINE_set_id(eng, "sealmail-agent") ||
	    !ENGINE_set_name(eng, "sealmail key agent") ||
	    !ENGINE_set_pkey_meths(eng, engine_pkey_meths)) {
		ENGINE_free(eng);
		EVP_PKEY_meth_free(m);
		return;
	}
	remote_rsa_pmeth = m;
	remote_engine = eng;
	if ((remote_ec_meth = EC_KEY_METHOD_new(EC_KEY_OpenSSL())) != NULL) {
		EC_KEY_METHOD_set_sign(remote_ec_meth, ec_remote_sign, NULL,
		    ec_remote_sign_sig);
		EC_KEY_METHOD_set_compute_key(remote_ec_meth, ec_remote_ckey);
	}
}

static EVP_PKEY *
remote_rsa(const EVP_PKEY *pub, struct remote *rm)
{
	const RSA	*crsa;
	const BIGNUM	*n, *ex;
	RSA		*rsa = NULL;
	BIGNUM		*n2 = NULL, *e2 = NULL;
	EVP_PKEY	*pk = NULL;

	if (remote_engine == NULL ||
	    (crsa = EVP_PKEY_get0_RSA((EVP_PKEY *)(uintptr_t)pub)) == NULL)
		return NULL;
	RSA_get0_key(crsa, &n, &ex, NULL);
	if ((rsa = RSA_new()) == NULL || (n2 = BN_dup(n)) == NULL ||
	    (e2 = BN_dup(ex)) == NULL || !RSA_set0_key(rsa, n2, e2, NULL))
		goto fail;
	n2 = e2 = NULL;
	if (!RSA_set_ex_data(rsa, remote_rsa_idx, rm))
		goto fail;
	rm = NULL;			/* the RSA owns it now */
	if ((pk = EVP_PKEY_new()) == NULL || !EVP_PKEY_assign_RSA(pk, rsa))
		goto fail;
	rsa = NULL;
	if (!EVP_PKEY_set1_engine(pk, remote_engine))
		goto fail;
	return pk;
fail:
	BN_free(n2);
	BN_free(e2);
	RSA_free(rsa);
	EVP_PKEY_free(pk);
	free(rm);
	return NULL;
}

static EVP_PKEY *
remote_ec(const EVP_PKEY *pub, struct remote *rm)
{
	const EC_KEY	*cec;
	EC_KEY		*ec = NULL;
	EVP_PKEY	*pk = NULL;

	if (remote_ec_meth == NULL ||
	    (cec = EVP_PKEY_get0_EC_KEY((EVP_PKEY *)(uintptr_t)pub)) == NULL)
		return NULL;
	if ((ec = EC_KEY_new()) == NULL ||
	    !EC_KEY_set_method(ec, remote_ec_meth) ||
	    !EC_KEY_set_group(ec, EC_KEY_get0_group(cec)) ||
	    !EC_KEY_set_public_key(ec, EC_KEY_get0_public_key(cec)))
		goto fail;
	if (!EC_KEY_set_ex_data(ec, remote_ec_idx, rm))
		goto fail;
	rm = NULL;
	if ((pk = EVP_PKEY_new()) == NULL || !EVP_PKEY_assign_EC_KEY(pk, ec))
		goto fail;
	return pk;
fail:
	EC_KEY_free(ec);		/* and rm with it, once attached */
	EVP_PKEY_free(pk);
	free(rm);
	return NULL;
}

EVP_PKEY *
crypto_remote_key(X509 *cert, const struct crypto_keyhook *hook)
{
	struct remote	*rm;
	EVP_PKEY	*pub, *pk = NULL;
	unsigned int	 n = 0;

	if (pthread_once(&remote_once, remote_init) != 0 ||
	    (pub = X509_get0_pubkey(cert)) == NULL ||
	    (rm = calloc(1, sizeof(*rm))) == NULL)
		return NULL;
	rm->hook = hook;
	if (!X509_digest(cert, EVP_sha256(), rm->fp, &n) || n != 32) {
		free(rm);
		return NULL;
	}
	switch (EVP_PKEY_get_base_id(pub)) {
	case EVP_PKEY_RSA:
		pk = remote_rsa(pub, rm);
		break;
	case EVP_PKEY_EC:
		pk = remote_ec(pub, rm);
		break;
	default:
		free(rm);
		break;
	}
	ERR_clear_error();
	return pk;
}

int
crypto_keyhook_check(const uint8_t *cert, size_t len,
    const struct crypto_keyhook *hook, struct smerr *e)
{
	const unsigned char	*p = cert;
	X509			*x = NULL;
	EVP_PKEY		*pk = NULL;
	EVP_PKEY_CTX		*c = NULL;
	uint8_t			 dg[32], sig[CRYPTO_KEYOP_MAXOUT];
	size_t			 n = sizeof(sig);
	int			 ok = 0;

	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL ||
	    (pk = crypto_remote_key(x, hook)) == NULL)
		goto out;
	if (RAND_bytes(dg, sizeof(dg)) != 1 ||
	    (c = EVP_PKEY_CTX_new(pk, NULL)) == NULL ||
	    EVP_PKEY_sign_init(c) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) <= 0 ||
	    EVP_PKEY_sign(c, sig, &n, dg, sizeof(dg)) <= 0)
		goto out;
	EVP_PKEY_CTX_free(c);
	/* Checked with the certificate's own public key. */
	ok = (c = EVP_PKEY_CTX_new(X509_get0_pubkey(x), NULL)) != NULL &&
	    EVP_PKEY_verify_init(c) > 0 &&
	    EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) > 0 &&
	    EVP_PKEY_verify(c, sig, n, dg, sizeof(dg)) == 1;
out:
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(pk);
	X509_free(x);
	ERR_clear_error();
	return ok ? 0 : smerr_set(e, SMERR_CRYPTO, "the key on the token does "
	    "not sign for that certificate: it is not the certificate's key");
}
