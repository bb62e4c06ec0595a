/*
 * base/buf.h: one bounded, growing byte buffer. Every buffer has a ceiling
 * fixed when it is made; an append past it fails with SMERR_LIMIT and
 * leaves the contents as they were. A secret buffer wipes every byte it
 * ever held (on growth, reset and free). A view wraps caller memory
 * read-only, with no copy. The contents are always followed by a NUL that
 * is not counted in the length, so text can be read as a C string.
 */
#ifndef SEALMAIL_BASE_BUF_H
#define SEALMAIL_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define BUF_MAX_DEFAULT	(128UL * 1024 * 1024)

struct buf;

/* New empty buffer with ceiling max (0: BUF_MAX_DEFAULT); NULL on ENOMEM. */
struct buf	*buf_new(size_t max);
/* Same, and wiped whenever memory is released. */
struct buf	*buf_new_secret(size_t max);
/*
 * A buffer that keeps nothing and counts what is put into it (buf_put,
 * buf_putc, buf_puts, buf_printf), up to max: buf_len says how much a
 * writer would have written; buf_data has nothing of it.
 */
struct buf	*buf_new_count(size_t max);
/* Read-only view of len bytes at p (not copied; p must outlive it). */
struct buf	*buf_view(const void *p, size_t len);
/* Frees b (wiping it if secret); NULL is a no-op. Does not free a view's memory. */
void		 buf_free(struct buf *b);

/*
 * Makes room for add more bytes at once, so that appending them copies
 * nothing; 0, SMERR_NOMEM, SMERR_LIMIT or SMERR_INVAL (a view).
 */
int		 buf_reserve(struct buf *b, size_t add);
/* Appends; 0, SMERR_NOMEM, SMERR_LIMIT or SMERR_INVAL (a view). */
int		 buf_put(struct buf *b, const void *p, size_t len);
int		 buf_putc(struct buf *b, int c);
int		 buf_puts(struct buf *b, const char *s);
int		 buf_printf(struct buf *b, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
int		 buf_vprintf(struct buf *b, const char *fmt, va_list ap)
		    __attribute__((format(printf, 2, 0)));

const uint8_t	*buf_data(const struct buf *b);
/* The contents as a NUL-terminated string (a view is not terminated: NULL). */
const char	*buf_str(const struct buf *b);
size_t		 buf_len(const struct buf *b);
size_t		 buf_max(const struct buf *b);
int		 buf_is_secret(const struct buf *b);

/* Empties b (wiping a secret buffer), keeping the ceiling. */
void		 buf_reset(struct buf *b);
/* Drops the first n bytes. */
void		 buf_consume(struct buf *b, size_t n);
/* Shortens to len bytes. */
void		 buf_truncate(struct buf *b, size_t len);
/*
 * Takes the contents out as a malloc'd NUL-terminated block (caller frees;
 * for a secret buffer, caller wipes); b is left empty. *lenp gets the
 * length when lenp is not NULL. NULL on ENOMEM.
 */
char		*buf_take(struct buf *b, size_t *lenp);
/* A malloc'd copy of the contents as a C string; NULL on ENOMEM. */
char		*buf_strdup(const struct buf *b);

/*
 * Reads the whole of fd into b, failing with SMERR_LIMIT past b's ceiling.
 * 0 or a negative SMERR_* code.
 */
int		 buf_read_fd(struct buf *b, int fd);

#endif
