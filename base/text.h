/*
 * base/text.h: UTF-8 checks and the one sanitizer every string bound for a
 * terminal or for --json passes through.
 */
#ifndef SEALMAIL_BASE_TEXT_H
#define SEALMAIL_BASE_TEXT_H

#include <stddef.h>
#include <time.h>

struct buf;
struct smerr;

#define TEXT_MULTILINE	0x01	/* keep newlines and tabs (CRLF becomes LF) */

/* 1 when s holds no octet outside ASCII. */
int	 text_is_ascii(const char *s);
/* 1 when the len bytes at p are well-formed UTF-8 (no overlongs, no surrogates). */
int	 text_utf8_valid(const void *p, size_t len);

/*
 * Appends to out the text at in with everything a terminal would act on
 * removed: ESC sequences (CSI, OSC, DCS, SOS, PM, APC and two-byte ones),
 * C0 and C1 controls, DEL, and bidirectional overrides and isolates.
 * Malformed UTF-8 becomes U+FFFD. Without TEXT_MULTILINE, newlines and tabs
 * become spaces. 0 or a negative SMERR_* code from out.
 */
int	 text_sanitize(struct buf *out, const void *in, size_t len,
	    unsigned flags);

/* The same into a new malloc'd string (caller frees); NULL on ENOMEM. */
char	*text_sanitize_str(const char *s, unsigned flags);

/*
 * Decodes one UTF-8 sequence at p (at most len bytes). Returns its length
 * and sets *cp, or returns 0 for a malformed or truncated sequence.
 */
size_t	 text_utf8_decode(const unsigned char *p, size_t len, unsigned *cp);

/*
 * The code point at *pp (*lenp > 0 bytes), U+FFFD for a malformed byte;
 * *pp and *lenp move past what was read.
 */
unsigned text_utf8_next(const unsigned char **pp, size_t *lenp);
/*
 * Classes of ASCII bytes: printable (0x20-0x7e), newline and tab, and
 * printable but the quote and the backslash (what JSON leaves as it is).
 */
#define TEXT_C_PRINT	0x01
#define TEXT_C_LINE	0x02
#define TEXT_C_JSON	0x04
/* How many bytes from p (len) are of a class in the mask cls. */
size_t	 text_span(const unsigned char *p, size_t len, unsigned cls);
/* Appends the n bytes at *pp to out; *pp and *lenp move past them. */
int	 text_put_run(struct buf *out, const unsigned char **pp, size_t *lenp,
	    size_t n);

/* Appends the UTF-8 encoding of cp to out; 0 or SMERR_*. */
int	 text_utf8_put(struct buf *out, unsigned cp);

/* Whether any of the len bytes at p is outside ASCII. */
int	 text_has_8bit(const void *p, size_t len);
/*
 * Appends the len bytes of UTF-8 at p to out with every letter in lower
 * case (Unicode's simple mapping, whatever the process's locale), for a
 * comparison in any case; a malformed byte is kept as it is. 0 or
 * SMERR_*.
 */
int	 text_fold(struct buf *out, const void *p, size_t len);

/*
 * t as ISO 8601 UTC ("2026-01-31T12:00:00Z", 21 bytes with the NUL) into
 * out; 0, or -1 with out empty for no time (0) or one that does not fit.
 */
int	 text_iso_time(time_t t, char *out, size_t size);
/*
 * Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[Z]", "@SECONDS" or
 * "YYYY-MM-DD HH:MM:SS" (UTC) into *tp. 0 or SMERR_INVAL.
 */
int	 text_parse_time(const char *s, time_t *tp, struct smerr *e);

/* The n bytes at p as 2 * n lowercase hex digits and a NUL into out. */
void	 text_hex_encode(const void *p, size_t n, char *out);
/* The value of the hex digit c (either case), or -1. */
int	 text_hex_digit(int c);
/*
 * The n bytes written as exactly 2 * n hex digits (either case) in s, into
 * out: 0, or -1 (out partly written) when s is NULL or anything else.
 */
int	 text_hex_decode(const char *s, void *out, size_t n);
/*
 * The first at sign in s, or one drawn like it (U+FF20 FULLWIDTH and
 * U+FE6B SMALL COMMERCIAL AT), or NULL; its length in bytes at *lenp
 * (lenp may be NULL).
 */
const char *text_find_at(const char *s, size_t *lenp);

/*
 * s without the blanks at its start (space, tab) and end (space, tab,
 * CR): the end cut in place, a pointer into s returned.
 */
char	*text_trim(char *s);

#endif
