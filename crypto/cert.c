/*
 * Certificates: reading them (DER or PEM), and the e-mail addresses they
 * name. An address comes from subjectAltName rfc822Name; only a
 * certificate with none there is read for the legacy emailAddress
 * attribute of its subject. A name with an embedded NUL, or that is not
 * plain printable ASCII, is ignored: it could compare equal to something
 * it is not.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "base/err.h"
#include "base/idn.h"
#include "base/vec.h"
#include "crypto/crypto_int.h"

/*
 * Adds the address in as to the list unless it is malformed, there
 * already, or one too many: 0, or SMERR_NOMEM.
 */
static int
strv_add(char ***vp, size_t *np, const ASN1_STRING *as)
{
	const unsigned char	*s = ASN1_STRING_get0_data(as);
	int			 i, len = ASN1_STRING_length(as);

	if (len <= 0 || len > 320)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] >= 127)
			return 0;		/* NUL, blanks, 8-bit */
	if (memchr(s, '@', (size_t)len) == NULL || *np >= 64)
		return 0;
	for (i = 0; (size_t)i < *np; i++)
		if (strncasecmp((*vp)[i], (const char *)s, (size_t)len) == 0 &&
		    (*vp)[i][len] == '\0')
			return 0;
	return vec_strv_add(vp, np, (const char *)s, (size_t)len);
}

int
crypto_cert_emails(X509 *c, char ***listp, size_t *np)
{
	GENERAL_NAMES	*gens;
	GENERAL_NAME	*g;
	X509_NAME	*subj;
	X509_NAME_ENTRY	*ne;
	ASN1_STRING	*as;
	char		**v = NULL;
	size_t		  n = 0;
	int		  i, idx, r = 0;

	*listp = NULL;
	*np = 0;
	gens = X509_get_ext_d2i(c, NID_subject_alt_name, NULL, NULL);
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_EMAIL)
			continue;
		if ((r = strv_add(&v, &n, g->d.rfc822Name)) != 0)
			goto out;
	}
	if (n == 0 && (subj = X509_get_subject_name(c)) != NULL) {
		idx = -1;
		while ((idx = X509_NAME_get_index_by_NID(subj,
		    NID_pkcs9_emailAddress, idx)) >= 0) {
			ne = X509_NAME_get_entry(subj, idx);
			as = X509_NAME_ENTRY_get_data(ne);
			if (ASN1_STRING_type(as) != V_ASN1_IA5STRING &&
			    ASN1_STRING_type(as) != V_ASN1_PRINTABLESTRING &&
			    ASN1_STRING_type(as) != V_ASN1_UTF8STRING)
				continue;
			if ((r = strv_add(&v, &n, as)) != 0)
				goto out;
		}
	}
	*listp = v;
	*np = n;
	v = NULL;
out:
	GENERAL_NAMES_free(gens);
	vec_strv_free(v, n);
	return r;
}

int
crypto_cert_has_email(X509 *c, const char *addr)
{
	char	**v;
	size_t	  n, i;
	int	  found = 0;

	if (addr == NULL || crypto_cert_emails(c, &v, &n) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (idn_addr_eq(v[i], addr))
			found = 1;
	vec_strv_free(v, n);
	return found;
}

static int
looks_pem(const uint8_t *p, size_t len)
{
	static const char	tag[] = "-----BEGIN";

	return len >= sizeof(tag) - 1 &&
	    memmem(p, len, tag, sizeof(tag) - 1) != NULL;
}

int
crypto_certs_read(const uint8_t *data, size_t len, STACK_OF(X509) **skp,
    struct smerr *e)
{
	STACK_OF(X509)	*sk;
	X509		*x;
	BIO		*bio = NULL;
	const uint8_t	*p = data;
	int		 r = 0;

	*skp = NULL;
	if (len > INT32_MAX)
		return smerr_set(e, SMERR_LIMIT, "certificate too large");
	if ((sk = sk_X509_new_null()) == NULL)
		return smerr_nomem(e);
	if (looks_pem(data, len) &&
	    (bio = BIO_new_mem_buf(data, (int)len)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	/* PEM blocks, or DER certificates one after the other. */
	while ((x = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) :
	    p < data + len ? d2i_X509(NULL, &p, (long)(data + len - p)) :
	    NULL) != NULL)
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			r = smerr_nomem(e);
			goto out;
		}
	ERR_clear_error();
	if (sk_X509_num(sk) == 0) {
		r = smerr_set(e, SMERR_PARSE, "no certificate could be read");
		goto out;
	}
	*skp = sk;
	sk = NULL;
out:
	BIO_free(bio);
	sk_X509_pop_free(sk, X509_free);
	return r;
}

X509 *
crypto_cert_memo(struct crypto_ctx *ctx, const uint8_t *der, size_t len)
{
	struct crypto_memo_cert	*m;
	X509			*x = NULL;
	size_t			 i;

	if (len == 0 || len > CRYPTO_MEMO_MAXDER)
		return NULL;
	pthread_mutex_lock(&ctx->memo_lock);
	for (i = 0; i < ctx->nmemo && i < CRYPTO_MEMO_CERTS; i++) {
		m = &ctx->memo[i];
		if (m->len == len && memcmp(m->der, der, len) == 0) {
			x = m->x;
			X509_up_ref(x);
			break;
		}
	}
	pthread_mutex_unlock(&ctx->memo_lock);
	if (x != NULL)
		return x;
	if ((x = keys_der_x509(der, len)) == NULL)
		return NULL;
	crypto_cert_memo_keep(ctx, der, len, x);
	return x;
}

void
crypto_cert_memo_keep(struct crypto_ctx *ctx, const uint8_t *der,
    size_t len, X509 *x)
{
	struct crypto_memo_cert	*m;
	uint8_t			*copy;

	if (len == 0 || len > CRYPTO_MEMO_MAXDER ||
	    (copy = malloc(len)) == NULL)
		return;			/* parsed, only not kept */
	memcpy(copy, der, len);
	pthread_mutex_lock(&ctx->memo_lock);
	/* When full, the oldest entry makes room. */
	m = &ctx->memo[ctx->nmemo++ % CRYPTO_MEMO_CERTS];
	free(m->der);
	X509_free(m->x);
	m->der = copy;
	m->len = len;
	m->x = x;
	X509_up_ref(x);
	pthread_mutex_unlock(&ctx->memo_lock);
}

void
crypto_cert_memo_copy(struct crypto_ctx *dst, const struct crypto_ctx *src)
{
	/* The lock guards the memo, not the rest of src: it may be taken. */
	pthread_mutex_t	*lock = (pthread_mutex_t *)&src->memo_lock;
	size_t		 i;

	pthread_mutex_lock(lock);
	for (i = 0; i < src->nmemo && i < CRYPTO_MEMO_CERTS; i++)
		crypto_cert_memo_keep(dst, src->memo[i].der, src->memo[i].len,
		    src->memo[i].x);
	pthread_mutex_unlock(lock);
}

void
crypto_cert_memo_clear(struct crypto_ctx *ctx)
{
	size_t	i;

	for (i = 0; i < CRYPTO_MEMO_CERTS; i++) {
		free(ctx->memo[i].der);
		X509_free(ctx->memo[i].x);
		memset(&ctx->memo[i], 0, sizeof(ctx->memo[i]));
	}
	ctx->nmemo = 0;
}

int
crypto_key_read(const uint8_t *data, size_t len, EVP_PKEY **kp,
    struct smerr *e)
{
	PKCS8_PRIV_KEY_INFO	*p8;
	EVP_PKEY		*k = NULL;
	BIO			*bio;
	const uint8_t		*p = data;

	*kp = NULL;
	if (len > INT32_MAX)
		return smerr_set(e, SMERR_LIMIT, "private key too large");
	if (looks_pem(data, len)) {
		if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL)
			return smerr_nomem(e);
		k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	} else if ((p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len)) !=
	    NULL) {
		k = EVP_PKCS82PKEY(p8);
		PKCS8_PRIV_KEY_INFO_free(p8);
	} else {
		p = data;
		k = d2i_AutoPrivateKey(NULL, &p, (long)len);
	}
	ERR_clear_error();
	if (k == NULL)
		return smerr_set(e, SMERR_PARSE,
		    "the private key could not be read");
	*kp = k;
	return 0;
}

void
crypto_init_local(void)
{
	(void)OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG |
	    OPENSSL_INIT_NO_ATEXIT | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL);
}
