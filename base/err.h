/*
 * base/err.h: error values that carry one human-readable message up to the
 * caller. Library code never prints; it fills a struct smerr and returns a
 * negative SMERR_* code. The first, most specific message wins: a caller
 * that adds context after a callee has already set a message leaves the
 * callee's text in place.
 */
#ifndef SEALMAIL_BASE_ERR_H
#define SEALMAIL_BASE_ERR_H

#include <stddef.h>

#define SMERR_MSGMAX	512

enum {
	SMERR_OK	=   0,
	SMERR_NOMEM	=  -1,	/* allocation failed */
	SMERR_INVAL	=  -2,	/* bad argument or input */
	SMERR_IO	=  -3,	/* file or stream I/O */
	SMERR_PARSE	=  -4,	/* malformed input */
	SMERR_LIMIT	=  -5,	/* a size, depth or count limit was hit */
	SMERR_PERM	=  -6,	/* permissions refused */
	SMERR_CRYPTO	=  -7,	/* a cryptographic operation failed */
	SMERR_NET	=  -8,	/* connection, protocol transport */
	SMERR_TLS	=  -9,	/* TLS handshake or server authentication */
	SMERR_DNS	= -10,	/* resolver unreachable, lookup failed */
	SMERR_DNSSEC	= -11,	/* DNSSEC validation failed (bogus) */
	SMERR_NOTFOUND	= -12,	/* no such thing */
	SMERR_AUTH	= -13,	/* login refused */
	SMERR_TIMEOUT	= -14,	/* a deadline passed */
	SMERR_STORE	= -15,	/* the local store */
	SMERR_SECRET	= -16,	/* secret storage */
	SMERR_CONFIG	= -17,	/* configuration file */
	SMERR_PROTO	= -18,	/* the server broke the protocol */
	SMERR_REFUSED	= -19,	/* the server refused (SMTP 5xx, IMAP NO) */
	SMERR_USAGE	= -20,	/* command-line usage */
	SMERR_EXISTS	= -21,	/* already present */
	SMERR_CANCEL	= -22,	/* cancelled by the user */
	SMERR_UNTRIED	= -23,	/* a kept secret held back, never tried */
};

struct smerr {
	int	code;
	char	msg[SMERR_MSGMAX];
};

/* Clears e (NULL is fine). */
void		 smerr_clear(struct smerr *e);

/*
 * Records code and a printf-style message in e unless e already holds one
 * (first wins). e may be NULL. Returns code, so that callers can write
 * "return smerr_set(e, SMERR_PARSE, ...)".
 */
int		 smerr_set(struct smerr *e, int code, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* smerr_set(e, SMERR_NOMEM, "out of memory"): returns SMERR_NOMEM. */
int		 smerr_nomem(struct smerr *e);

/* Replaces whatever e holds; for a caller that knows better. */
int		 smerr_reset(struct smerr *e, int code, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* The message in e, or the generic text of its code; never NULL. */
const char	*smerr_msg(const struct smerr *e);

/* The generic text of an SMERR_* code. */
const char	*smerr_str(int code);

#endif
