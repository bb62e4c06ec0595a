/*
 * Error values: one code and one message slot. The message is one line;
 * any newline a caller passes in is turned into a space so that a server's
 * text cannot forge a second line on the user's terminal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static const struct {
	int		 code;
	const char	*text;
} smerr_texts[] = {
	{ SMERR_OK,		"success" },
	{ SMERR_NOMEM,		"out of memory" },
	{ SMERR_INVAL,		"invalid argument" },
	{ SMERR_IO,		"input/output error" },
	{ SMERR_PARSE,		"malformed input" },
	{ SMERR_LIMIT,		"size limit exceeded" },
	{ SMERR_PERM,		"permission denied" },
	{ SMERR_CRYPTO,		"cryptographic operation failed" },
	{ SMERR_NET,		"network error" },
	{ SMERR_TLS,		"TLS error" },
	{ SMERR_DNS,		"DNS lookup failed" },
	{ SMERR_DNSSEC,		"DNSSEC validation failed" },
	{ SMERR_NOTFOUND,	"not found" },
	{ SMERR_AUTH,		"authentication failed" },
	{ SMERR_TIMEOUT,	"timed out" },
	{ SMERR_STORE,		"store error" },
	{ SMERR_SECRET,		"secret storage error" },
	{ SMERR_CONFIG,		"configuration error" },
	{ SMERR_PROTO,		"protocol error" },
	{ SMERR_REFUSED,	"refused by server" },
	{ SMERR_USAGE,		"usage error" },
	{ SMERR_EXISTS,		"already exists" },
	{ SMERR_CANCEL,		"cancelled" },
	{ SMERR_UNTRIED,	"not tried" },
};

void
smerr_clear(struct smerr *e)
{
	if (e == NULL)
		return;
	e->code = SMERR_OK;
	e->msg[0] = '\0';
}

const char *
smerr_str(int code)
{
	size_t	i;

	for (i = 0; i < sizeof(smerr_texts) / sizeof(smerr_texts[0]); i++)
		if (smerr_texts[i].code == code)
			return smerr_texts[i].text;
	return "unknown error";
}

static void
smerr_vfill(struct smerr *e, int code, const char *fmt, va_list ap)
{
	char	*p;

	e->code = code;
	if (vsnprintf(e->msg, sizeof(e->msg), fmt, ap) < 0)
		e->msg[0] = '\0';
	for (p = e->msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

int
smerr_set(struct smerr *e, int code, const char *fmt, ...)
{
	va_list	ap;

	if (e == NULL || e->msg[0] != '\0')
		return code;
	va_start(ap, fmt);
	smerr_vfill(e, code, fmt, ap);
	va_end(ap);
	return code;
}

int
smerr_nomem(struct smerr *e)
{
	return smerr_set(e, SMERR_NOMEM, "out of memory");
}

int
smerr_reset(struct smerr *e, int code, const char *fmt, ...)
{
	va_list	ap;

	if (e == NULL)
		return code;
	va_start(ap, fmt);
	smerr_vfill(e, code, fmt, ap);
	va_end(ap);
	return code;
}

const char *
smerr_msg(const struct smerr *e)
{
	if (e == NULL)
		return "unknown error";
	if (e->msg[0] != '\0')
		return e->msg;
	return smerr_str(e->code);
}
