/*
 * TLS with OpenSSL, and how the server proves who it is. One path for
 * implicit TLS and for STARTTLS: TLS 1.2 or newer, SSL_VERIFY_PEER so the
 * handshake itself fails on a bad certificate, and then exactly one of
 *
 *   DANE (RFC 7671), when the caller brings a DNSSEC-secure TLSA RRset
 *   with at least one usable record: DANE-EE and DANE-TA by the records
 *   alone (DANE-EE without name checks, RFC 7671 5.1), PKIX-TA and PKIX-EE
 *   together with PKIX validation and the host name;
 *
 *   PKIX otherwise: the system trust store (read lazily, net/anchors.h)
 *   plus the account's ca-file, and the host name (no partial wildcards)
 *   or the address literal.
 *
 * Nothing of the protocol is read before the handshake has finished and
 * the verification result is X509_V_OK.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "base/err.h"
#include "base/text.h"
#include "net/anchors.h"
#include "net/net_int.h"

const char *
net_auth_name(enum net_auth a)
{
	switch (a) {
	case NET_AUTH_PKIX:
		return "PKIX";
	case NET_AUTH_DANE_EE:
		return "DANE-EE";
	case NET_AUTH_DANE_TA:
		return "DANE-TA";
	case NET_AUTH_PKIX_DANE:
		return "PKIX+DANE";
	default:
		return "none";
	}
}

int
net_tlsa_parse(const char *text, struct net_tlsa *t, uint8_t **datap,
    struct smerr *e)
{
	unsigned long	 v[3];
	const char	*p = text;
	char		*end;
	uint8_t		*d = NULL;
	size_t		 n = 0, cap;
	int		 i, hi, lo;

	*datap = NULL;
	memset(t, 0, sizeof(*t));
	for (i = 0; i < 3; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			goto bad;
		errno = 0;
		v[i] = strtoul(p, &end, 10);
		if (errno != 0 || v[i] > 255 || end == p)
			goto bad;
		p = end;
	}
	cap = strlen(p) / 2 + 1;
	if ((d = malloc(cap)) == NULL)
		return smerr_nomem(e);
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if ((hi = text_hex_digit(p[0])) < 0 || (lo = text_hex_digit(p[1])) < 0)
			goto bad;
		d[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	if (n == 0)
		goto bad;
	t->usage = (uint8_t)v[0];
	t->selector = (uint8_t)v[1];
	t->mtype = (uint8_t)v[2];
	t->data = d;
	t->len = n;
	*datap = d;
	return 0;
bad:
	free(d);
	return smerr_set(e, SMERR_PARSE, "not a TLSA record: \"%.60s\"", text);
}

int
net_tls_ctx(struct net_conn *c, const struct net_server *srv,
    struct smerr *e)
{
	SSL_CTX			*ctx;
	struct net_anchors	*lazy;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return smerr_set(e, SMERR_TLS, "%s: cannot set up TLS",
		    c->label);
	c->ctx = ctx;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    net_anchors_system(SSL_CTX_get_cert_store(ctx), &lazy) != 0)
		return smerr_set(e, SMERR_TLS, "%s: cannot set up TLS",
		    c->label);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* No renegotiation, no compression; tickets are not kept anyway. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION);
	if (srv->ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, srv->ca_file, NULL) !=
		    1)
			return smerr_set(e, SMERR_TLS, "%s: cannot load "
			    "ca-file %s", c->label, srv->ca_file);
		net_anchors_collide(lazy, SSL_CTX_get_cert_store(ctx));
	}
	if (SSL_CTX_dane_enable(ctx) <= 0)
		return smerr_set(e, SMERR_TLS, "%s: cannot set up DANE",
		    c->label);
	return 0;
}

/* Adds the usable TLSA records; returns how many OpenSSL took, or -1. */
static int
tls_dane_setup(struct net_conn *c, const struct net_server *srv,
    struct smerr *e)
{
	size_t	i;
	int	n = 0, r;

	if (SSL_dane_enable(c->ssl, srv->host) <= 0)
		return smerr_set(e, SMERR_TLS, "%s: cannot enable DANE",
		    c->label), -1;
	/* RFC 7671 5.1: a DANE-EE match needs no name in the certificate. */
	SSL_dane_set_flags(c->ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	for (i = 0; i < srv->ntlsa && i < NET_MAX_TLSA; i++) {
		r = SSL_dane_tlsa_add(c->ssl, srv->tlsa[i].usage,
		    srv->tlsa[i].selector, srv->tlsa[i].mtype,
		    srv->tlsa[i].data, srv->tlsa[i].len);
		if (r > 0)
			n++;
		else if (r < 0)
			return smerr_set(e, SMERR_TLS, "%s: a TLSA record "
			    "could not be used", c->label), -1;
		/* r == 0: an unusable record (RFC 7671 4.1), ignored. */
	}
	return n;
}

static const char *
verify_text(long v)
{
	switch (v) {
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		return "certificate name mismatch";
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return "certificate has expired";
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return "certificate is not yet valid";
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		return "self-signed certificate";
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
		return "certificate issued by an unknown authority";
	case X509_V_ERR_DANE_NO_MATCH:
		return "no DNSSEC-secure TLSA record matches the server's "
		    "certificate (DANE)";
	default:
		return X509_verify_cert_error_string(v);
	}
}

/*
 * Why the handshake failed, from the verify result or the error queue. A
 * plain-text answer to implicit TLS is most often a STARTTLS port.
 */
static int
tls_fail(struct net_conn *c, enum net_tls tls, struct smerr *e)
{
	unsigned long	err;
	long		v;
	char		buf[256];

	v = SSL_get_verify_result(c->ssl);
	if (v != X509_V_OK)
		return smerr_set(e, SMERR_TLS, "%s: %s", c->label,
		    verify_text(v));
	if (c->err.code != 0)
		return smerr_set(e, c->err.code, "%s: TLS handshake failed: "
		    "%s", c->label, c->err.msg + strlen(c->label) + 2);
	if ((err = ERR_peek_last_error()) != 0 && tls == NET_TLS_IMPLICIT &&
	    ERR_GET_LIB(err) == ERR_LIB_SSL &&
	    ERR_GET_REASON(err) == SSL_R_WRONG_VERSION_NUMBER)
		return smerr_set(e, SMERR_TLS, "%s: TLS handshake failed: the "
		    "server did not answer in TLS (wrong version number); if "
		    "this is a STARTTLS port, write imap:// or submission:// "
		    "instead of imaps:// or submissions://", c->label);
	if (err != 0) {
		ERR_error_string_n(err, buf, sizeof(buf));
		return smerr_set(e, SMERR_TLS, "%s: TLS handshake failed: %s",
		    c->label, ERR_reason_error_string(err) != NULL ?
		    ERR_reason_error_string(err) : buf);
	}
	return smerr_set(e, SMERR_TLS, "%s: TLS handshake failed: the server "
	    "closed the connection", c->label);
}

int
net_tls_handshake(struct net_conn *c, const struct net_server *srv,
    struct smerr *e)
{
	X509_VERIFY_PARAM	*vp;
	sigset_t		 set, old, pend;
	struct timespec		 zero = { 0, 0 };
	int			 r, se, was_pending, ndane = 0, isaddr;
	uint8_t			 usage, sel, mtype;

	ERR_clear_error();
	if ((c->ssl = SSL_new(c->ctx)) == NULL)
		return smerr_set(e, SMERR_TLS, "%s: cannot set up TLS",
		    c->label);
	isaddr = net_host_is_addr(srv->host);
	if (!isaddr && SSL_set_tlsext_host_name(c->ssl, srv->host) != 1)
		return smerr_set(e, SMERR_TLS, "%s: cannot set SNI", c->label);
	if (!isaddr && srv->tlsa_status == NET_TLSA_SECURE && srv->ntlsa > 0 &&
	    (ndane = tls_dane_setup(c, srv, e)) < 0)
		return e != NULL ? e->code : SMERR_TLS;
	vp = SSL_get0_param(c->ssl);
	X509_VERIFY_PARAM_set_hostflags(vp,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (isaddr) {
		if (X509_VERIFY_PARAM_set1_ip_asc(vp, srv->host) != 1)
			return smerr_set(e, SMERR_TLS, "%s: bad address",
			    c->label);
	} else if (ndane == 0 &&
	    X509_VERIFY_PARAM_set1_host(vp, srv->host, 0) != 1)
		return smerr_set(e, SMERR_TLS, "%s: cannot set the host name",
		    c->label);
	if (SSL_set_fd(c->ssl, c->fd) != 1)
		return smerr_set(e, SMERR_TLS, "%s: cannot set up TLS",
		    c->label);
	/*
	 * Records are read from the socket as many at a time as have come,
	 * not one read for each record's header and another for its body: a
	 * large FETCH arrives in thousands of records. What is read
	 * ahead is SSL_has_pending's, which the IDLE wait asks.
	 */
	SSL_set_read_ahead(c->ssl, 1);
	SSL_set_default_read_buffer_len(c->ssl, 64 * 1024);

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	for (;;) {
		pthread_sigmask(SIG_BLOCK, &set, &old);
		was_pending = sigpending(&pend) == 0 &&
		    sigismember(&pend, SIGPIPE);
		r = SSL_connect(c->ssl);
		se = r == 1 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, r);
		if (!was_pending && sigpending(&pend) == 0 &&
		    sigismember(&pend, SIGPIPE))
			(void)sigtimedwait(&set, NULL, &zero);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (r == 1)
			break;
		if (net_conn_ssl_wait(c, se) != 0)
			return tls_fail(c, srv->tls, e);
	}
	/* Belt and braces: SSL_VERIFY_PEER already failed the handshake. */
	if (SSL_get_verify_result(c->ssl) != X509_V_OK ||
	    SSL_get0_peer_certificate(c->ssl) == NULL)
		return tls_fail(c, srv->tls, e);
	if (SSL_version(c->ssl) < TLS1_2_VERSION)
		return smerr_set(e, SMERR_TLS, "%s: TLS older than 1.2",
		    c->label);
	c->auth = NET_AUTH_PKIX;
	if (ndane > 0) {
		if (SSL_get0_dane_authority(c->ssl, NULL, NULL) < 0 ||
		    SSL_get0_dane_tlsa(c->ssl, &usage, &sel, &mtype, NULL,
		    NULL) < 0) {
			c->auth = NET_AUTH_NONE;
			return smerr_set(e, SMERR_TLS, "%s: %s", c->label,
			    verify_text(X509_V_ERR_DANE_NO_MATCH));
		}
		if (usage == 3)
			c->auth = NET_AUTH_DANE_EE;
		else if (usage == 2)
			c->auth = NET_AUTH_DANE_TA;
		else
			c->auth = NET_AUTH_PKIX_DANE;
	}
	return 0;
}
