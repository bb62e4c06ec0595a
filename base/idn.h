/*
 * base/idn.h: domain names outside ASCII made A-labels (IDNA2008, RFC
 * 5891) by libidn2, which is loaded (dlopen) on the first such name. The
 * one place that does IDNA: DNS owner names, the domains of the addresses
 * a message is sent to, and addresses compared with a certificate's
 * (RFC 8398: an rfc822Name's domain is written in A-labels).
 */
#ifndef SEALMAIL_BASE_IDN_H
#define SEALMAIL_BASE_IDN_H

struct smerr;

/*
 * The domain u (UTF-8, NUL-terminated) made A-labels (UTS 46
 * non-transitional mapping, so in lower case, the input normalised to NFC
 * first) into *ap, which the caller frees. SMERR_NOTFOUND when libidn2
 * cannot be loaded, SMERR_INVAL naming u when IDNA refuses it.
 */
int	idn_alabels(const char *u, char **ap, struct smerr *e);

/*
 * The address addr with its domain (what follows the last '@') made
 * A-labels when it is not ASCII, into *ap (the caller frees): a copy of
 * addr when the domain is ASCII. The local part is left as it is. Errors
 * as idn_alabels, with SMERR_INVAL naming addr.
 */
int	idn_addr_alabels(const char *addr, char **ap, struct smerr *e);

/*
 * 1 when the addresses a and b are the same, case-insensitively, once a
 * domain outside ASCII in either is made A-labels: "user@b\xc3\xbccher.example"
 * is "user@xn--bcher-kva.example". 0 when either is NULL, or when a domain
 * outside ASCII fails IDNA (and the two differ as written).
 */
int	idn_addr_eq(const char *a, const char *b);

#endif
