/*
 * Revocation of a signer's certificate: OCSP (RFC 6960) at the responder
 * its Authority Information Access names, then the full CRL (RFC 5280)
 * at its CRL distribution point. The engine builds the request and judges
 * the answer; the bytes travel through the caller's hooks (struct
 * crypto_revoke), which also keep answers, so that nothing here touches
 * the network or the store.
 *
 * An answer counts only when it is about this certificate, signed by its
 * issuer (or, for OCSP, by a responder the issuer designated with the
 * OCSPSigning key purpose), fresh (its nextUpdate has not passed), and,
 * for OCSP, not an answer to another request (a nonce it echoes must be
 * ours). Anything else is "unknown": never "good".
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/text.h"
#include "crypto/crypto_int.h"

int
crypto_revoke_init(struct crypto_revoke *r)
{
	return pthread_mutex_init(&r->lock, NULL) == 0 ? 0 : SMERR_NOMEM;
}

void
crypto_revoke_clear(struct crypto_revoke *r)
{
	if (r != NULL)
		pthread_mutex_destroy(&r->lock);
}

void
crypto_ctx_set_revoke(struct crypto_ctx *ctx, struct crypto_revoke *r)
{
	ctx->revoke = r;
}

const char *
crypto_rev_str(enum crypto_rev s)
{
	switch (s) {
	case CRYPTO_REV_GOOD:
		return "good";
	case CRYPTO_REV_REVOKED:
		return "revoked";
	case CRYPTO_REV_UNKNOWN:
		return "unknown";
	default:
		return "not-checked";
	}
}

const char *
crypto_revreason_str(int reason)
{
	return reason > 0 && reason <= 10 ? OCSP_crl_reason_str(reason) :
	    NULL;
}

/*
 * Whether an answer made at thisupd, to be replaced at nextupd, may be
 * believed at now: *untilp gets nextupd (0 without one, which is fresh
 * for an hour only).
 */
static int
fresh(const ASN1_TIME *thisupd, const ASN1_TIME *nextupd, time_t now,
    time_t *untilp, const char **whyp)
{
	time_t	this, next;

	*untilp = 0;
	if (keys_asn1_time(thisupd, &this) != 0) {
		*whyp = "it has no readable thisUpdate";
		return 0;
	}
	if (this > now + CRYPTO_REVOKE_SKEW) {
		*whyp = "it was made in the future (thisUpdate)";
		return 0;
	}
	if (nextupd == NULL) {
		if (now - this > 3600) {
			*whyp = "it is stale (no nextUpdate, made over an "
			    "hour ago)";
			return 0;
		}
		return 1;
	}
	if (keys_asn1_time(nextupd, &next) != 0 || next < this) {
		*whyp = "its nextUpdate is not readable";
		return 0;
	}
	if (next + CRYPTO_REVOKE_SKEW < now) {
		*whyp = "it is stale (past its nextUpdate)";
		return 0;
	}
	*untilp = next;
	return 1;
}

enum crypto_rev
crypto_ocsp_judge(const uint8_t *resp, size_t len, OCSP_REQUEST *req,
    OCSP_CERTID *id, X509 *issuer, X509_STORE *store, time_t now,
    time_t *untilp, const char **whyp, struct crypto_revinfo *rip)
{
	const unsigned char	*p = resp;
	OCSP_RESPONSE		*r = NULL;
	OCSP_BASICRESP		*bs = NULL;
	STACK_OF(X509)		*certs = NULL;
	ASN1_GENERALIZEDTIME	*thisupd, *nextupd, *revtime;
	enum crypto_rev		 st = CRYPTO_REV_UNKNOWN;
	int			 status, reason;

	*untilp = 0;
	*whyp = "out of memory";
	rip->at = 0;
	rip->reason = -1;
	if (len == 0 || len > LONG_MAX ||
	    (r = d2i_OCSP_RESPONSE(NULL, &p, (long)len)) == NULL ||
	    p != resp + len) {
		*whyp = "the answer is not an OCSP response";
		goto out;
	}
	if (OCSP_response_status(r) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		*whyp = "the OCSP responder did not answer successfully";
		goto out;
	}
	if ((bs = OCSP_response_get1_basic(r)) == NULL) {
		*whyp = "the OCSP response is not a basic response";
		goto out;
	}
	/* Not echoing a nonce is allowed (RFC 8954); a wrong one is not. */
	if (req != NULL && OCSP_check_nonce(req, bs) == 0) {
		*whyp = "the OCSP response answers another request (nonce)";
		goto out;
	}
	if ((certs = sk_X509_new_null()) == NULL ||
	    !sk_X509_push(certs, issuer))
		goto out;
	/* Signed by the issuer, or by a responder it designated. */
	if (OCSP_basic_verify(bs, certs, store, 0) <= 0) {
		*whyp = "the OCSP response is not signed by the issuer or a "
		    "responder it designated";
		goto out;
	}
	if (!OCSP_resp_find_status(bs, id, &status, &reason, &revtime,
	    &thisupd, &nextupd)) {
		*whyp = "the OCSP response does not speak of the certificate";
		goto out;
	}
	if (!fresh(thisupd, nextupd, now, untilp, whyp))
		goto out;
	switch (status) {
	case V_OCSP_CERTSTATUS_GOOD:
		st = CRYPTO_REV_GOOD;
		*whyp = NULL;
		break;
	case V_OCSP_CERTSTATUS_REVOKED:
		st = CRYPTO_REV_REVOKED;
		*whyp = NULL;
		if (revtime == NULL || keys_asn1_time(revtime, &rip->at) != 0)
			rip->at = 0;
		rip->reason = reason >= 0 && reason <= 10 ? reason : -1;
		break;
	default:
		*untilp = 0;
		*whyp = "the OCSP responder does not know the certificate";
		break;
	}
out:
	ERR_clear_error();
	sk_X509_free(certs);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(r);
	return st;
}

static X509_CRL *
crl_read(const uint8_t *data, size_t len)
{
	const unsigned char	*p = data;
	X509_CRL		*crl;
	BIO			*bio;

	if (len == 0 || len > LONG_MAX)
		return NULL;
	if (len > 10 && memcmp(data, "-----BEGIN", 10) == 0) {
		if ((bio = BIO_new_mem_buf(data, (int)(len > INT_MAX ?
		    INT_MAX : len))) == NULL)
			return NULL;
		crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
		BIO_free(bio);
		return crl;
	}
	crl = d2i_X509_CRL(NULL, &p, (long)len);
	if (crl != NULL && p != data + len) {
		X509_CRL_free(crl);
		crl = NULL;
	}
	return crl;
}

/*
 * 1 when one of the full names of the CRL's issuing distribution point is
 * a name of a distribution point of cert (RFC 5280, 6.3.3 (b)(2)(i)): a
 * CRL of another partition of the issuer's does not list cert, and would
 * read as good.
 */
static int
idp_names_cert(const ISSUING_DIST_POINT *idp, X509 *cert)
{
	STACK_OF(DIST_POINT)	*dps;
	DIST_POINT		*dp;
	GENERAL_NAMES		*ours, *theirs;
	int			 i, k, l, found = 0;

	if (idp->distpoint->type != 0)
		return 0;	/* a name relative to the issuer's: not read */
	theirs = idp->distpoint->name.fullname;
	dps = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
	for (i = 0; i < sk_DIST_POINT_num(dps) && !found; i++) {
		dp = sk_DIST_POINT_value(dps, i);
		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue;
		ours = dp->distpoint->name.fullname;
		for (k = 0; k < sk_GENERAL_NAME_num(ours) && !found; k++)
			for (l = 0; l < sk_GENERAL_NAME_num(theirs) &&
			    !found; l++)
				found = GENERAL_NAME_cmp(
				    sk_GENERAL_NAME_value(ours, k),
				    sk_GENERAL_NAME_value(theirs, l)) == 0;
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	ERR_clear_error();
	return found;
}

/*
 * 1 when crl is one complete CRL for every reason that covers cert: not a
 * delta, not indirect, not of another partition, and no critical
 * extension that is not understood.
 */
static int
crl_whole(X509_CRL *crl, X509 *cert, const char **whyp)
{
	ISSUING_DIST_POINT	*idp;
	X509_EXTENSION		*x;
	int			 i, crit, nid, ok = 1;

	for (i = 0; i < X509_CRL_get_ext_count(crl); i++) {
		x = X509_CRL_get_ext(crl, i);
		nid = OBJ_obj2nid(X509_EXTENSION_get_object(x));
		if (nid == NID_delta_crl) {
			*whyp = "the CRL is a delta CRL";
			return 0;
		}
		if (X509_EXTENSION_get_critical(x) &&
		    nid != NID_issuing_distribution_point) {
			*whyp = "the CRL has a critical extension that is "
			    "not understood";
			return 0;
		}
	}
	idp = X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &crit,
	    NULL);
	if (idp == NULL && crit != -1) {
		*whyp = "the CRL's issuing distribution point is malformed";
		return 0;
	}
	if (idp != NULL && (idp->onlysomereasons != NULL ||
	    idp->indirectCRL || idp->onlyCA || idp->onlyattr)) {
		*whyp = "the CRL covers only some certificates or reasons";
		ok = 0;
	} else if (idp != NULL && idp->distpoint != NULL &&
	    !idp_names_cert(idp, cert)) {
		*whyp = "the CRL is of a distribution point the certificate "
		    "does not name";
		ok = 0;
	}
	ISSUING_DIST_POINT_free(idp);
	return ok;
}

/* When and why the CRL entry rev says its certificate was revoked. */
static void
crl_entry_info(X509_REVOKED *rev, struct crypto_revinfo *rip)
{
	ASN1_ENUMERATED	*e;

	if (keys_asn1_time(X509_REVOKED_get0_revocationDate(rev),
	    &rip->at) != 0)
		rip->at = 0;
	if ((e = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL,
	    NULL)) != NULL) {
		rip->reason = (int)ASN1_ENUMERATED_get(e);
		if (rip->reason < 0 || rip->reason > 10)
			rip->reason = -1;
		ASN1_ENUMERATED_free(e);
	}
}

enum crypto_rev
crypto_crl_judge(const uint8_t *data, size_t len, X509 *cert, X509 *issuer,
    time_t now, time_t *untilp, const char **whyp,
    struct crypto_revinfo *rip)
{
	X509_CRL	*crl;
	X509_REVOKED	*rev = NULL;
	EVP_PKEY	*pk;
	enum crypto_rev	 st = CRYPTO_REV_UNKNOWN;

	*untilp = 0;
	rip->at = 0;
	rip->reason = -1;
	if ((crl = crl_read(data, len)) == NULL) {
		*whyp = "the answer is not a CRL";
		goto out;
	}
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
	    X509_get_subject_name(issuer)) != 0) {
		*whyp = "the CRL is not the issuer's";
		goto out;
	}
	if ((X509_get_extension_flags(issuer) & EXFLAG_KUSAGE) &&
	    !(X509_get_key_usage(issuer) & KU_CRL_SIGN)) {
		*whyp = "the issuer may not sign CRLs";
		goto out;
	}
	if ((pk = X509_get0_pubkey(issuer)) == NULL ||
	    X509_CRL_verify(crl, pk) != 1) {
		*whyp = "the CRL is not signed by the issuer";
		goto out;
	}
	if (!crl_whole(crl, cert, whyp))
		goto out;
	/* A CRL without nextUpdate cannot be known to be current. */
	if (X509_CRL_get0_nextUpdate(crl) == NULL) {
		*whyp = "the CRL has no nextUpdate";
		goto out;
	}
	if (!fresh(X509_CRL_get0_lastUpdate(crl),
	    X509_CRL_get0_nextUpdate(crl), now, untilp, whyp))
		goto out;
	*whyp = NULL;
	st = X509_CRL_get0_by_cert(crl, &rev, cert) == 1 ?
	    CRYPTO_REV_REVOKED : CRYPTO_REV_GOOD;
	if (st == CRYPTO_REV_REVOKED && rev != NULL)
		crl_entry_info(rev, rip);
out:
	ERR_clear_error();
	X509_CRL_free(crl);
	return st;
}

static int
is_http(const char *u, size_t len)
{
	return len > 7 && strlen(u) == len && strncasecmp(u, "http://", 7) ==
	    0;
}

/*
 * The first http:// OCSP responder of cert's AIA (malloc'd), or NULL;
 * *otherp set when it names another (https://), which is not asked.
 */
static char *
ocsp_url(X509 *cert, int *otherp)
{
	STACK_OF(OPENSSL_STRING)	*sk;
	const char			*u;
	char				*r = NULL;
	int				 i;

	if ((sk = X509_get1_ocsp(cert)) == NULL)
		return NULL;
	for (i = 0; i < sk_OPENSSL_STRING_num(sk) && r == NULL; i++) {
		u = sk_OPENSSL_STRING_value(sk, i);
		if (is_http(u, strlen(u)))
			r = strdup(u);
		else
			*otherp = 1;
	}
	X509_email_free(sk);
	return r;
}

/*
 * The first http:// URI of a distribution point of cert that serves a
 * full CRL for every reason from the issuer itself (malloc'd), or NULL;
 * *otherp set when it has a distribution point of another kind.
 */
static char *
crl_url(X509 *cert, int *otherp)
{
	STACK_OF(DIST_POINT)	*dps;
	DIST_POINT		*dp;
	GENERAL_NAMES		*names;
	ASN1_IA5STRING		*uri;
	GENERAL_NAME		*g;
	const unsigned char	*d;
	char			*r = NULL;
	int			 i, k, n;

	dps = X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
	if (sk_DIST_POINT_num(dps) > 0)
		*otherp = 1;	/* unless an http:// one is found */
	for (i = 0; i < sk_DIST_POINT_num(dps) && r == NULL; i++) {
		dp = sk_DIST_POINT_value(dps, i);
		if (dp->distpoint == NULL || dp->distpoint->type != 0 ||
		    dp->reasons != NULL || dp->CRLissuer != NULL)
			continue;
		names = dp->distpoint->name.fullname;
		for (k = 0; k < sk_GENERAL_NAME_num(names) && r == NULL; k++) {
			g = sk_GENERAL_NAME_value(names, k);
			if (g->type != GEN_URI)
				continue;
			uri = g->d.uniformResourceIdentifier;
			d = ASN1_STRING_get0_data(uri);
			n = ASN1_STRING_length(uri);
			if (n > 7 && n < 2048 && memchr(d, '\0', (size_t)n) ==
			    NULL && strncasecmp((const char *)d, "http://",
			    7) == 0)
				r = strndup((const char *)d, (size_t)n);
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	ERR_clear_error();
	return r;
}

/*
 * The certificate that issued cert: from the message, the context, the
 * anchors. A reference, or NULL.
 */
static X509 *
issuer_find(struct crypto_ctx *ctx, X509 *cert, STACK_OF(X509) *untrusted)
{
	STACK_OF(X509)	*sks[2] = { untrusted, NULL };
	X509_STORE_CTX	*sc;
	X509		*c, *found = NULL;
	int		 i, k;

	sks[1] = crypto_peers_issuers(ctx, cert, NULL);
	for (k = 0; k < 2 && found == NULL; k++)
		for (i = 0; i < sk_X509_num(sks[k]) && found == NULL; i++) {
			c = sk_X509_value(sks[k], i);
			if (c != cert && X509_check_issued(c, cert) ==
			    X509_V_OK && X509_verify(cert,
			    X509_get0_pubkey(c)) == 1 && X509_up_ref(c))
				found = c;
		}
	sk_X509_pop_free(sks[1], X509_free);
	if (found == NULL && (sc = X509_STORE_CTX_new()) != NULL) {
		if (X509_STORE_CTX_init(sc, ctx->store, cert, NULL) == 1 &&
		    X509_STORE_CTX_get1_issuer(&found, sc, cert) != 1)
			found = NULL;
		X509_STORE_CTX_free(sc);
	}
	ERR_clear_error();
	return found;
}

/* Asks the OCSP responder at url about cert. */
static enum crypto_rev
ask_ocsp(struct crypto_ctx *ctx, const char *url, X509 *cert, X509 *issuer,
    time_t *untilp, char *why, size_t whylen, struct crypto_revinfo *rip)
{
	struct crypto_revoke	*rv = ctx->revoke;
	OCSP_REQUEST		*req = NULL;
	OCSP_CERTID		*id = NULL, *id2 = NULL;
	unsigned char		*der = NULL;
	struct buf		*resp = NULL;
	struct smerr		 e;
	const char		*w = "out of memory";
	enum crypto_rev		 st = CRYPTO_REV_UNKNOWN;
	int			 len;

	smerr_clear(&e);
	/* The CertID hash is SHA-1, as every responder knows (RFC 5019). */
	if ((req = OCSP_REQUEST_new()) == NULL ||
	    (id = OCSP_cert_to_id(EVP_sha1(), cert, issuer)) == NULL ||
	    (id2 = OCSP_CERTID_dup(id)) == NULL)
		goto out;
	if (OCSP_request_add0_id(req, id2) == NULL) {
		OCSP_CERTID_free(id2);
		goto out;
	}
	if (!OCSP_request_add1_nonce(req, NULL, -1) ||
	    (len = i2d_OCSP_REQUEST(req, &der)) <= 0 ||
	    (resp = buf_new(CRYPTO_REVOKE_MAX_OCSP)) == NULL)
		goto out;
	if (rv->fetch(rv->arg, url, "application/ocsp-request", der,
	    (size_t)len, resp, &e) != 0) {
		w = smerr_msg(&e);
		goto out;
	}
	st = crypto_ocsp_judge(buf_data(resp), buf_len(resp), req, id,
	    issuer, ctx->store, time(NULL), untilp, &w, rip);
out:
	if (st == CRYPTO_REV_UNKNOWN)
		snprintf(why, whylen, "OCSP: %s", w);
	ERR_clear_error();
	OPENSSL_free(der);
	buf_free(resp);
	OCSP_CERTID_free(id);
	OCSP_REQUEST_free(req);
	return st;
}

/* Fetches the CRL at url and looks for cert in it. */
static enum crypto_rev
ask_crl(struct crypto_ctx *ctx, const char *url, X509 *cert, X509 *issuer,
    time_t *untilp, char *why, size_t whylen, struct crypto_revinfo *rip)
{
	struct crypto_revoke	*rv = ctx->revoke;
	struct buf		*crl;
	struct smerr		 e;
	const char		*w = "out of memory";
	enum crypto_rev		 st = CRYPTO_REV_UNKNOWN;

	smerr_clear(&e);
	if ((crl = buf_new(CRYPTO_REVOKE_MAX_CRL)) != NULL) {
		if (rv->fetch(rv->arg, url, NULL, NULL, 0, crl, &e) != 0)
			w = smerr_msg(&e);
		else
			st = crypto_crl_judge(buf_data(crl), buf_len(crl),
			    cert, issuer, time(NULL), untilp, &w, rip);
	}
	if (st == CRYPTO_REV_UNKNOWN)
		snprintf(why, whylen, "CRL: %s", w);
	buf_free(crl);
	return st;
}

/* Asks OCSP, then the CRL; *howp names the one that answered. */
static enum crypto_rev
ask(struct crypto_ctx *ctx, X509 *cert, X509 *issuer, const char *ocsp,
    const char *crl, const char **howp, time_t *untilp, char *why,
    size_t whylen, struct crypto_revinfo *rip)
{
	enum crypto_rev	st = CRYPTO_REV_UNKNOWN;
	size_t		n;

	*howp = ocsp != NULL ? "OCSP" : "CRL";
	if (ocsp != NULL)
		st = ask_ocsp(ctx, ocsp, cert, issuer, untilp, why, whylen,
		    rip);
	if (st != CRYPTO_REV_UNKNOWN || crl == NULL)
		return st;
	n = strlen(why);
	if (n > 0 && n + 2 < whylen) {
		why[n++] = ';';
		why[n++] = ' ';
	}
	st = ask_crl(ctx, crl, cert, issuer, untilp, why + n, whylen - n,
	    rip);
	if (st != CRYPTO_REV_UNKNOWN) {
		*howp = "CRL";
		why[0] = '\0';
	}
	return st;
}

static int
cert_fp(X509 *cert, char fp[65])
{
	uint8_t		md[EVP_MAX_MD_SIZE];
	unsigned int	n;

	if (!X509_digest(cert, EVP_sha256(), md, &n) || n != 32)
		return -1;
	text_hex_encode(md, n, fp);
	return 0;
}

enum crypto_rev
crypto_revoke_check(struct crypto_ctx *ctx, X509 *cert,
    STACK_OF(X509) *untrusted, char *why, size_t whylen,
    struct crypto_revinfo *rip)
{
	struct crypto_revoke	*rv = ctx->revoke;
	char			*ocsp = NULL, *crl = NULL, fp[65];
	char			 reason[512] = "";
	const char		*how = "none";
	enum crypto_rev		 st = CRYPTO_REV_NOT_CHECKED;
	X509			*issuer = NULL;
	time_t			 until = 0, end;
	int			 other = 0;

	why[0] = '\0';
	rip->at = 0;
	rip->reason = -1;
	if (rv == NULL || rv->methods == 0 || rv->fetch == NULL)
		return st;
	if (rv->methods & CRYPTO_REVOKE_OCSP)
		ocsp = ocsp_url(cert, &other);
	if (rv->methods & CRYPTO_REVOKE_CRL)
		crl = crl_url(cert, &other);
	/* A source that is not asked: a status that could not be had. */
	if (ocsp == NULL && crl == NULL && other) {
		st = CRYPTO_REV_UNKNOWN;
		snprintf(why, whylen, "the certificate's revocation status is "
		    "unknown: it names no http:// OCSP responder or CRL, the "
		    "only kind sealmail asks");
		goto out;
	}
	if ((ocsp == NULL && crl == NULL) || cert_fp(cert, fp) != 0)
		goto out;
	pthread_mutex_lock(&rv->lock);
	if (rv->recall != NULL && rv->recall(rv->arg, fp, &st, &how, rip)) {
		if (st == CRYPTO_REV_UNKNOWN)
			snprintf(reason, sizeof(reason), "%s: no answer "
			    "earlier in this run", how);
	} else if ((issuer = issuer_find(ctx, cert, untrusted)) == NULL) {
		st = CRYPTO_REV_UNKNOWN;
		snprintf(reason, sizeof(reason), "its issuer's certificate "
		    "is not at hand");
	} else {
		st = ask(ctx, cert, issuer, ocsp, crl, &how, &until, reason,
		    sizeof(reason), rip);
		/* A revocation is for good: kept while the certificate is. */
		if (st == CRYPTO_REV_REVOKED &&
		    keys_asn1_time(X509_get0_notAfter(cert), &end) == 0 &&
		    end > until)
			until = end;
		if (rv->remember != NULL)
			rv->remember(rv->arg, fp, st, how,
			    st == CRYPTO_REV_UNKNOWN ? 0 : until, rip);
	}
	pthread_mutex_unlock(&rv->lock);
	if (st == CRYPTO_REV_REVOKED)
		snprintf(why, whylen, "the certificate is revoked (%s)", how);
	else if (st == CRYPTO_REV_UNKNOWN)
		snprintf(why, whylen, "the certificate's revocation status is "
		    "unknown: %s", reason);
out:
	X509_free(issuer);
	free(ocsp);
	free(crl);
	return st;
}

int
crypto_revoke_der(struct crypto_ctx *ctx, const uint8_t *der, size_t len,
    enum crypto_rev *statusp, char **whyp, struct smerr *e)
{
	STACK_OF(X509)	*sk;
	struct crypto_revinfo ri;
	char		 why[640];
	int		 r;

	*statusp = CRYPTO_REV_NOT_CHECKED;
	*whyp = NULL;
	if ((r = crypto_certs_read(der, len, &sk, e)) != 0)
		return r;
	*statusp = crypto_revoke_check(ctx, sk_X509_value(sk, 0), sk, why,
	    sizeof(why), &ri);
	sk_X509_pop_free(sk, X509_free);
	if (why[0] != '\0' && (*whyp = strdup(why)) == NULL)
		return smerr_nomem(e);
	return 0;
}
