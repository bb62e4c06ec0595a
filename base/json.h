/*
 * base/json.h: writing JSON values into a buffer, and finding values in
 * a JSON text. Strings are escaped per
 * RFC 8259; bytes that are not UTF-8 become U+FFFD so that the output is
 * always valid JSON. Sanitizing for display is the caller's job
 * (text_sanitize); this only escapes.
 */
#ifndef SEALMAIL_BASE_JSON_H
#define SEALMAIL_BASE_JSON_H

#include <stddef.h>
#include <time.h>

struct buf;

/* Appends s as a JSON string, or null when s is NULL. */
int	json_str(struct buf *out, const char *s);
/* A JSON array of the n strings at sv (NULL ones as null). */
int	json_strv(struct buf *out, char *const *sv, size_t n);
/* Appends len bytes at s as a JSON string. */
int	json_strn(struct buf *out, const char *s, size_t len);
/*
 * Appends s sanitized for display (text_sanitize, one line) as a JSON
 * string, or null when s is NULL: for text that came from outside.
 */
int	json_text(struct buf *out, const char *s);
/* Appends t as an ISO 8601 UTC string (text_iso_time), or null for 0. */
int	json_time(struct buf *out, time_t t);
/* Appends a comma-separated list as a JSON array of json_text strings. */
int	json_text_list(struct buf *out, const char *list);
/* Appends "key": (with a leading comma unless first is set). */
int	json_key(struct buf *out, const char *key, int first);

/*
 * Reading a JSON text in place, without building a tree; depth is bounded
 * and malformed input gives NULL, never a read past the terminating NUL.
 * json_member: where the value of member key of the object at obj starts.
 * json_first, json_next: the elements of the array at arr in turn.
 * json_skip: the position just after the value at p.
 * json_string: the string at p decoded, malloc'd (caller frees); NULL when
 * p is no string (null included) or on ENOMEM. Its bytes are not checked
 * for UTF-8: text for a screen goes through text_sanitize.
 */
const char	*json_member(const char *obj, const char *key);
const char	*json_first(const char *arr);
const char	*json_next(const char *elem);
const char	*json_skip(const char *p);
char		*json_string(const char *p);

#endif
