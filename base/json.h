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
#include <stdint.h>
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

/*
 * A writer of one JSON value into out, one member or element per call.
 * It keeps the commas between members and the stack of open objects and
 * arrays (JSON_W_DEPTH at most), and its error is sticky: after the first
 * failed append every call does nothing, and json_done says what failed.
 *
 *	struct json_w	w;
 *
 *	json_begin(&w, out);
 *	json_obj(&w, NULL);
 *	json_kstr(&w, "from", from);
 *	json_arr(&w, "to");
 *	json_kstr(&w, NULL, to[0]);
 *	json_end(&w);
 *	json_end(&w);
 *	return json_done(&w);
 *
 * Every json_k* call takes the member's key inside an object; in an array
 * or for the outermost value, key is NULL. Strings NULL are written null.
 */
#define JSON_W_DEPTH	32

struct json_w {
	struct buf	*out;
	int		 err;	/* the first failure, or 0 */
	unsigned	 depth;	/* objects and arrays open */
	uint32_t	 more;	/* bit d: the one d + 1 deep has a member */
	uint32_t	 arr;	/* bit d: the one d + 1 deep is an array */
};

void	json_begin(struct json_w *w, struct buf *out);
/* Opens an object or an array; json_end closes the innermost one. */
void	json_obj(struct json_w *w, const char *key);
void	json_arr(struct json_w *w, const char *key);
void	json_end(struct json_w *w);
/* Values, as json_str, json_strn, json_text, json_text_list, json_strv. */
void	json_kstr(struct json_w *w, const char *key, const char *s);
void	json_kstrn(struct json_w *w, const char *key, const char *s,
	    size_t len);
void	json_ktext(struct json_w *w, const char *key, const char *s);
void	json_ktext_list(struct json_w *w, const char *key, const char *list);
void	json_kstrv(struct json_w *w, const char *key, char *const *sv,
	    size_t n);
/* t as json_time: an ISO 8601 UTC string, null for 0. */
void	json_ktime(struct json_w *w, const char *key, time_t t);
void	json_kint(struct json_w *w, const char *key, long long v);
/* A finite v with prec digits after the point. */
void	json_kfixed(struct json_w *w, const char *key, double v, int prec);
void	json_kbool(struct json_w *w, const char *key, int v);
void	json_knull(struct json_w *w, const char *key);
/*
 * Appends len bytes of JSON text at s as they are, as the next members of
 * the open object (or elements of the open array), with the comma before
 * them that any member gets; nothing for len 0. For splicing in text
 * written earlier, such as a stored object's members: the caller keeps it
 * well-formed.
 */
void	json_raw(struct json_w *w, const char *s, size_t len);
/*
 * Records a failure of the caller's own, such as ENOMEM while it made a
 * value: the writer stops as after a failed append.
 */
void	json_fail(struct json_w *w, int err);
/*
 * 0, or the first failure: SMERR_NOMEM, SMERR_LIMIT (out's ceiling, or
 * deeper than JSON_W_DEPTH), SMERR_INVAL (a json_end with nothing open).
 */
int	json_done(const struct json_w *w);

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
