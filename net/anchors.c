/*
 * The system's trust anchors, read lazily (see net/anchors.h).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "net/anchors.h"

int
net_der_next(const uint8_t **pp, const uint8_t *end, int *tag, int *cls,
    const uint8_t **cp, long *clen)
{
	const uint8_t	*p = *pp;
	long		 len;
	int		 ret;

	if (p >= end)
		return -1;
	ret = ASN1_get_object(&p, &len, tag, cls, (long)(end - p));
	if (ret & 0x80 || ret & 0x01)	/* error, or indefinite length */
		return -1;
	if (len < 0 || len > end - p)
		return -1;
	*cp = p;
	*clen = len;
	*pp = p + len;
	return 0;
}

int
net_der_enter(const uint8_t **pp, const uint8_t **endp, int want)
{
	const uint8_t	*c;
	long		 cl;
	int		 tag, cls;

	if (net_der_next(pp, *endp, &tag, &cls, &c, &cl) != 0 || tag != want)
		return -1;
	*pp = c;
	*endp = c + cl;
	return 0;
}

struct lazy_cert {
	X509_NAME	*subject;
	uint8_t		*der;
	long		 len;
	X509		*x;		/* once parsed and added */
};

struct net_anchors {
	pthread_mutex_t	 lock;
	struct lazy_cert *certs;
	size_t		 n;
};

static X509_LOOKUP_METHOD	*lazy_method;
static pthread_once_t		 lazy_once = PTHREAD_ONCE_INIT;

static void
lazy_free(struct net_anchors *lb)
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
lazy_load(struct net_anchors *lb, X509_STORE *st, const X509_NAME *name)
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
	struct net_anchors	*lb = X509_LOOKUP_get_method_data(lu);
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

X509_NAME *
net_der_subject(const uint8_t *der, long len, ASN1_INTEGER **serialp)
{
	const uint8_t	*p = der, *end = der + len, *c, *t;
	ASN1_INTEGER	*sn = NULL;
	X509_NAME	*nm;
	long		 cl;
	int		 tag, cls, k;

	/* Certificate { tbsCertificate { [0] version OPTIONAL, serial, */
	/* signature, issuer, validity, subject ... } ... } */
	if (net_der_enter(&p, &end, V_ASN1_SEQUENCE) != 0 ||
	    net_der_enter(&p, &end, V_ASN1_SEQUENCE) != 0)
		return NULL;
	t = p;
	if (net_der_next(&t, end, &tag, &cls, &c, &cl) != 0)
		return NULL;
	if (cls == V_ASN1_CONTEXT_SPECIFIC && tag == 0)
		p = t;
	t = p;
	if (serialp != NULL &&
	    (sn = d2i_ASN1_INTEGER(NULL, &t, end - p)) == NULL)
		return NULL;
	for (k = 0; k < 4; k++)
		if (net_der_next(&p, end, &tag, &cls, &c, &cl) != 0)
			goto fail;
	t = p;
	if (net_der_next(&t, end, &tag, &cls, &c, &cl) != 0 ||
	    tag != V_ASN1_SEQUENCE ||
	    (nm = d2i_X509_NAME(NULL, &p, t - p)) == NULL)
		goto fail;
	if (serialp != NULL)
		*serialp = sn;
	return nm;
fail:
	ASN1_INTEGER_free(sn);
	return NULL;
}

/* The bundle's certificates, or NULL when it is not plain certificates. */
static struct net_anchors *
lazy_read(const char *path)
{
	struct net_anchors	*lb = NULL;
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
		if ((nc->subject = net_der_subject(data, len, NULL)) == NULL)
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

void
net_anchors_collide(struct net_anchors *lazy, X509_STORE *st)
{
	STACK_OF(X509_OBJECT)	*objs;
	STACK_OF(X509_NAME)	*names;
	X509_NAME		*nm;
	X509			*x;
	int			 i;

	if (lazy == NULL || (names = sk_X509_NAME_new_null()) == NULL)
		return;
	if (X509_STORE_lock(st)) {
		objs = X509_STORE_get0_objects(st);
		for (i = 0; i < sk_X509_OBJECT_num(objs); i++) {
			x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs,
			    i));
			if (x != NULL && (nm = X509_NAME_dup(
			    X509_get_subject_name(x))) != NULL &&
			    !sk_X509_NAME_push(names, nm))
				X509_NAME_free(nm);
		}
		X509_STORE_unlock(st);
	}
	for (i = 0; i < sk_X509_NAME_num(names); i++)
		X509_free(lazy_load(lazy, st,
		    sk_X509_NAME_value(names, i)));
	sk_X509_NAME_pop_free(names, X509_NAME_free);
}


int
net_anchors_system(X509_STORE *st, struct net_anchors **lazyp)
{
	struct net_anchors	*lb = NULL;
	X509_LOOKUP		*lu;
	const char		*path;

	if (lazyp != NULL)
		*lazyp = NULL;
	if ((path = secure_getenv(X509_get_default_cert_file_env())) == NULL)
		path = X509_get_default_cert_file();
	if (pthread_once(&lazy_once, lazy_method_init) != 0 ||
	    lazy_method == NULL || (lb = lazy_read(path)) == NULL ||
	    (lu = X509_STORE_add_lookup(st, lazy_method)) == NULL) {
		/* Read the usual way. */
		lazy_free(lb);
		if (X509_STORE_set_default_paths(st) != 1)
			goto fail;
		ERR_clear_error();
		return 0;
	}
	X509_LOOKUP_set_method_data(lu, lb);
	net_anchors_collide(lb, st);
	/* What X509_STORE_set_default_paths adds after the file. */
	if ((lu = X509_STORE_add_lookup(st, X509_LOOKUP_hash_dir())) == NULL)
		goto fail;
	X509_LOOKUP_add_dir(lu, NULL, X509_FILETYPE_DEFAULT);
	if ((lu = X509_STORE_add_lookup(st, X509_LOOKUP_store())) == NULL)
		goto fail;
	X509_LOOKUP_add_store_ex(lu, NULL, NULL, NULL);
	ERR_clear_error();
	if (lazyp != NULL)
		*lazyp = lb;
	return 0;
fail:
	ERR_clear_error();
	return -1;
}
