/*
 * Bounded growing buffer. The storage is always len + 1 bytes or more, the
 * extra byte holding a NUL. Growth doubles up to the ceiling; a secret
 * buffer copies into fresh memory and wipes the old block instead of
 * calling realloc, which could leave a copy behind; its memory is locked
 * (kept out of swap) where the limit allows. A counting buffer keeps
 * nothing: it only adds up the length of what is put into it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "secmem.h"

struct buf {
	uint8_t	*d;
	size_t	 len;
	size_t	 cap;		/* allocated bytes, including the NUL */
	size_t	 max;		/* ceiling on len */
	int	 secret;
	int	 view;
	int	 count;		/* no storage: len counts what was put */
};

static struct buf *
buf_alloc(size_t max, int secret)
{
	struct buf	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->max = max == 0 ? BUF_MAX_DEFAULT : max;
	b->secret = secret;
	return b;
}

struct buf *
buf_new(size_t max)
{
	return buf_alloc(max, 0);
}

struct buf *
buf_new_secret(size_t max)
{
	return buf_alloc(max, 1);
}

struct buf *
buf_new_count(size_t max)
{
	struct buf	*b;

	if ((b = buf_alloc(max, 0)) != NULL)
		b->count = 1;
	return b;
}

struct buf *
buf_view(const void *p, size_t len)
{
	struct buf	*b;

	if ((b = buf_alloc(len, 0)) == NULL)
		return NULL;
	b->d = (uint8_t *)(uintptr_t)p;
	b->len = b->cap = len;
	b->view = 1;
	return b;
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	if (!b->view) {
		if (b->secret && b->d != NULL)
			secmem_wipe(b->d, b->cap);
		free(b->d);
	}
	free(b);
}

int
buf_reserve(struct buf *b, size_t add)
{
	size_t	 need, ncap;
	uint8_t	*nd;

	if (b->view)
		return SMERR_INVAL;
	if (add > b->max || b->len > b->max - add)
		return SMERR_LIMIT;
	need = b->len + add + 1;
	if (need <= b->cap || b->count)
		return 0;
	ncap = b->cap < 64 ? 64 : b->cap;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	if (ncap > b->max + 1)
		ncap = b->max + 1;
	if (b->secret) {
		if ((nd = malloc(ncap)) == NULL)
			return SMERR_NOMEM;
		secmem_lock(nd, ncap);
		if (b->d != NULL) {
			memcpy(nd, b->d, b->len + 1);
			secmem_wipe(b->d, b->cap);
			free(b->d);
		}
	} else if ((nd = realloc(b->d, ncap)) == NULL)
		return SMERR_NOMEM;
	b->d = nd;
	b->cap = ncap;
	b->d[b->len] = '\0';	/* a new block is a valid empty string */
	return 0;
}

int
buf_put(struct buf *b, const void *p, size_t len)
{
	int	r;

	if (len == 0)
		return b->view ? SMERR_INVAL : buf_reserve(b, 0);
	if ((r = buf_reserve(b, len)) != 0)
		return r;
	if (b->count) {
		b->len += len;
		return 0;
	}
	memcpy(b->d + b->len, p, len);
	b->len += len;
	b->d[b->len] = '\0';
	return 0;
}

int
buf_putc(struct buf *b, int c)
{
	uint8_t	ch = (uint8_t)c;

	return buf_put(b, &ch, 1);
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_put(b, s, strlen(s));
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list	ap2;
	int	n, r;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return SMERR_INVAL;
	if ((r = buf_reserve(b, (size_t)n)) != 0)
		return r;
	if (b->count) {
		b->len += (size_t)n;
		return 0;
	}
	if (vsnprintf((char *)b->d + b->len, (size_t)n + 1, fmt, ap) != n)
		return SMERR_INVAL;
	b->len += (size_t)n;
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	r;

	va_start(ap, fmt);
	r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

const uint8_t *
buf_data(const struct buf *b)
{
	static const uint8_t	empty[1];

	return b->d != NULL ? b->d : empty;
}

const char *
buf_str(const struct buf *b)
{
	if (b->view)
		return NULL;
	return b->d != NULL ? (const char *)b->d : "";
}

size_t
buf_len(const struct buf *b)
{
	return b->len;
}

size_t
buf_max(const struct buf *b)
{
	return b->max;
}

int
buf_is_secret(const struct buf *b)
{
	return b->secret;
}

void
buf_reset(struct buf *b)
{
	if (b->count)
		b->len = 0;
	if (b->view || b->d == NULL)
		return;
	if (b->secret)
		secmem_wipe(b->d, b->cap);
	b->len = 0;
	b->d[0] = '\0';
}

void
buf_consume(struct buf *b, size_t n)
{
	if (b->view) {
		if (n > b->len)
			n = b->len;
		b->d += n;
		b->len -= n;
		b->cap -= n;
		return;
	}
	if (n >= b->len || b->count) {
		if (n >= b->len)
			buf_reset(b);
		else
			b->len -= n;
		return;
	}
	memmove(b->d, b->d + n, b->len - n);
	b->len -= n;
	if (b->secret)
		secmem_wipe(b->d + b->len, b->cap - b->len);
	b->d[b->len] = '\0';
}

void
buf_truncate(struct buf *b, size_t len)
{
	if (len >= b->len)
		return;
	if (b->view || b->count) {
		b->len = len;
		return;
	}
	if (b->secret)
		secmem_wipe(b->d + len, b->len - len);
	b->len = len;
	b->d[len] = '\0';
}

char *
buf_take(struct buf *b, size_t *lenp)
{
	char	*s;

	if (b->count)
		return NULL;		/* it holds nothing to take */
	if (b->view || b->d == NULL) {
		if ((s = malloc(b->len + 1)) == NULL)
			return NULL;
		if (b->len > 0)
			memcpy(s, b->d, b->len);
		s[b->len] = '\0';
		if (lenp != NULL)
			*lenp = b->len;
		return s;
	}
	s = (char *)b->d;
	if (lenp != NULL)
		*lenp = b->len;
	b->d = NULL;
	b->len = b->cap = 0;
	return s;
}

char *
buf_strdup(const struct buf *b)
{
	char	*s;

	if (b->count || (s = malloc(b->len + 1)) == NULL)
		return NULL;
	if (b->len > 0)
		memcpy(s, b->d, b->len);
	s[b->len] = '\0';
	return s;
}

int
buf_read_fd(struct buf *b, int fd)
{
	struct stat	st;
	size_t		want = 16384, room, chunk;
	ssize_t		n;
	uint8_t		c;
	int		r;

	if (b->view || b->count)
		return SMERR_INVAL;
	/* A regular file's size is known: read into place, at once. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uintmax_t)st.st_size < b->max - b->len)
		want = (size_t)st.st_size + 1;
	for (;;) {
		if ((room = b->max - b->len) == 0) {
			/* Full: anything more is over the limit. */
			while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
				;
			return n == 0 ? 0 : n > 0 ? SMERR_LIMIT : SMERR_IO;
		}
		chunk = b->cap > b->len + 1 ? b->cap - b->len - 1 : 0;
		if (chunk == 0) {
			chunk = want < room ? want : room;
			if ((r = buf_reserve(b, chunk)) != 0)
				return r;
			want = 16384;
		} else if (chunk > room)
			chunk = room;
		n = read(fd, b->d + b->len, chunk);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return SMERR_IO;
		}
		b->len += (size_t)n;
		b->d[b->len] = '\0';
	}
	return 0;
}
