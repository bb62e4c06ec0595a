/*
 * The parts of a stored message that a reader can save: every leaf of its
 * MIME tree but S/MIME signatures, in tree order, with its type, the file
 * name it suggests (made safe) and its decoded size. Saving writes the
 * decoded part to a file of the reader's choosing, readable by its owner
 * only: a new one, or when the reader said so a new one that takes the
 * name of the file there; never through a symbolic link. The message is
 * the one the store holds, already decrypted.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "base/text.h"
#include "mime/mime.h"
#include "store/store.h"
#include "app/app.h"
#include "app/app_int.h"

struct walk {
	size_t		 index;		/* of the last leaf seen */
	size_t		 want;		/* the leaf asked for, or 0: all */
	const struct mime_part *found;
	int		(*cb)(const struct app_part *, void *);
	/* Instead of cb: each leaf as it is, and its number. */
	int		(*leaf)(const struct mime_part *, size_t, void *);
	void		*arg;
	int		 r;
};

static int
is_signature(const struct mime_part *p)
{
	const char	*t = mime_part_type(p);

	return strcmp(t, "application/pkcs7-signature") == 0 ||
	    strcmp(t, "application/x-pkcs7-signature") == 0;
}

/* The longest name offered, in bytes: a file system takes 255. */
#define NAME_KEPT	200
/* The longest extension kept when a name is cut. */
#define EXT_KEPT	16

/*
 * Cuts the name s to NAME_KEPT bytes, on a character's first byte,
 * keeping its extension (a last dot and at most EXT_KEPT bytes after it).
 */
static void
name_cut(char *s)
{
	size_t	 len = strlen(s), ext = 0, cut;
	char	*dot = strrchr(s, '.');

	if (len <= NAME_KEPT)
		return;
	if (dot != NULL && strlen(dot) <= EXT_KEPT + 1)
		ext = strlen(dot);
	cut = NAME_KEPT - ext;
	while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	memmove(s + cut, s + len - ext, ext + 1);
}

char *
app_part_basename(const char *suggested, size_t index)
{
	const char	*s = suggested;
	char		*clean = NULL, *out, *p;

	/* The last path component only, whatever the separator. */
	if (s != NULL) {
		if ((p = strrchr(s, '/')) != NULL)
			s = p + 1;
		if ((p = strrchr(s, '\\')) != NULL)
			s = p + 1;
		while (*s == '.' || *s == ' ')
			s++;
		clean = text_sanitize_str(s, 0);
	}
	if (clean != NULL && clean[0] != '\0') {
		/* No control characters reach a file name either. */
		for (p = clean; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '_';
		/* Too long to be created: cut, not refused. */
		name_cut(clean);
		return clean;
	}
	free(clean);
	if (asprintf(&out, "part-%zu", index) == -1)
		return NULL;
	return out;
}

/*
 * Decoded size of p, or 0 when its encoding is broken; counted, not
 * held, so that listing the parts of a large message does not hold the
 * largest of them decoded.
 */
static size_t
decoded_size(const struct mime_part *p)
{
	struct buf	*b;
	size_t		 n = 0;

	if ((b = buf_new_count(MIME_MAX_INPUT)) == NULL)
		return 0;
	if (mime_part_decode(p, b, NULL) == 0)
		n = buf_len(b);
	buf_free(b);
	return n;
}

static void
walk(struct walk *w, const struct mime_part *p)
{
	struct app_part	 ap;
	char		*name;
	size_t		 i;

	if (w->r != 0 || w->found != NULL)
		return;
	if (mime_part_is_multipart(p)) {
		for (i = 0; i < mime_part_nchildren(p); i++)
			walk(w, mime_part_child(p, i));
		return;
	}
	if (is_signature(p))
		return;
	w->index++;
	if (w->leaf != NULL) {
		w->r = w->leaf(p, w->index, w->arg);
		return;
	}
	if (w->want != 0) {
		if (w->index == w->want)
			w->found = p;
		return;
	}
	name = mime_part_filename(p);
	memset(&ap, 0, sizeof(ap));
	ap.index = w->index;
	ap.type = mime_part_type(p);
	ap.name = name != NULL ? app_part_basename(name, w->index) : NULL;
	ap.size = decoded_size(p);
	ap.attachment = mime_part_is_attachment(p);
	free(name);
	w->r = w->cb(&ap, w->arg);
	free(ap.name);
}

int
app_parts(const uint8_t *msg, size_t len,
    int (*cb)(const struct app_part *, void *), void *arg, struct smerr *e)
{
	struct mime_msg	*m;
	struct walk	 w;
	int		 r;

	/* Read where it lies: a large message is not copied to be listed. */
	if ((r = mime_parse_in(msg, len, &m, e)) != 0)
		return r;
	memset(&w, 0, sizeof(w));
	w.cb = cb;
	w.arg = arg;
	walk(&w, mime_msg_root(m));
	mime_msg_free(m);
	return w.r != 0 ? smerr_set(e, w.r, "listing the parts") : 0;
}

/* The MIME-Version field the header at p lacks, in its line ending. */
static const char *
mime_version_missing(const uint8_t *p, size_t len)
{
	struct mime_hdr	*h;
	const char	*name, *val;
	const uint8_t	*lf;
	int		 ctype = 0, version = 0;

	if ((h = mime_hdr_new(p, len)) == NULL)
		return NULL;
	while (mime_hdr_next(h, &name, &val, NULL) > 0) {
		if (strcasecmp(name, "Content-Type") == 0)
			ctype = 1;
		else if (strcasecmp(name, "MIME-Version") == 0)
			version = 1;
	}
	mime_hdr_free(h);
	if (!ctype || version)
		return NULL;
	lf = memchr(p, '\n', len);
	if (lf != NULL && lf > p && lf[-1] == '\r')
		return "MIME-Version: 1.0\r\n";
	return "MIME-Version: 1.0\n";
}

int
app_msg_export(const struct store_msg *m, struct buf *out)
{
	const char	*mv;
	int		 r = 0;

	if (m->body == NULL)
		return m->raw != NULL ? buf_put(out, m->raw, m->raw_len) : 0;
	(void)buf_reserve(out, m->body_len + 32);
	if ((mv = mime_version_missing(m->body, m->body_len)) != NULL)
		r = buf_puts(out, mv);
	return r != 0 ? r : buf_put(out, m->body, m->body_len);
}

/*
 * Writes len bytes of p to fd and closes it; path names it in an error,
 * tmp is the file to remove then (a file half written is not left).
 */
static int
write_file(int fd, const char *path, const char *tmp, const uint8_t *p,
    size_t len, struct smerr *e)
{
	ssize_t	n;
	int	r = 0;

	for (; len > 0; p += n, len -= (size_t)n)
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR) {
				n = 0;
				continue;
			}
			r = smerr_set(e, SMERR_IO, "%s: %s", path,
			    strerror(errno));
			break;
		}
	if (close(fd) != 0 && r == 0)
		r = smerr_set(e, SMERR_IO, "%s: %s", path, strerror(errno));
	if (r != 0)
		(void)unlink(tmp);	/* no half-written file is left */
	return r;
}

int
app_write_new(const char *path, const uint8_t *p, size_t len,
    struct smerr *e)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1)
		return smerr_set(e, SMERR_IO, "%s: %s", path, errno == EEXIST ?
		    "a file of that name exists already" : strerror(errno));
	return write_file(fd, path, path, p, len, e);
}

int
app_write_over(const char *path, const uint8_t *p, size_t len,
    struct smerr *e)
{
	char	*tmp;
	int	 fd, r;

	if (asprintf(&tmp, "%s.XXXXXX", path) == -1)
		return smerr_nomem(e);
	/* mkstemp: a new file, its owner's only. */
	if ((fd = mkstemp(tmp)) == -1)
		r = smerr_set(e, SMERR_IO, "%s: %s", path, strerror(errno));
	else if ((r = write_file(fd, path, tmp, p, len, e)) == 0 &&
	    rename(tmp, path) != 0) {
		r = smerr_set(e, SMERR_IO, "%s: %s", path, strerror(errno));
		(void)unlink(tmp);
	}
	free(tmp);
	return r;
}

int
app_part_find(const uint8_t *msg, size_t len, size_t index,
    struct mime_msg **mp, const struct mime_part **partp, struct smerr *e)
{
	struct walk	w;
	int		r;

	*partp = NULL;
	if ((r = mime_parse_in(msg, len, mp, e)) != 0)
		return r;
	memset(&w, 0, sizeof(w));
	w.want = index;
	walk(&w, mime_msg_root(*mp));
	if ((*partp = w.found) == NULL) {
		mime_msg_free(*mp);
		*mp = NULL;
		return smerr_set(e, SMERR_NOTFOUND, "the message has no part "
		    "%zu", index);
	}
	return 0;
}

int
app_part_decoded(const uint8_t *msg, size_t len, size_t index,
    struct buf **bp, struct smerr *e)
{
	const struct mime_part	*part;
	struct mime_msg	*m = NULL;
	int		 r;

	if ((r = app_part_find(msg, len, index, &m, &part, e)) != 0)
		return r;
	if ((*bp = buf_new_secret(MIME_MAX_INPUT)) == NULL)
		r = smerr_nomem(e);
	else if ((r = mime_part_decode(part, *bp, e)) != 0) {
		buf_free(*bp);
		*bp = NULL;
	}
	mime_msg_free(m);
	return r;
}

int
app_part_save(const uint8_t *msg, size_t len, size_t index,
    const char *path, int over, size_t *sizep, struct smerr *e)
{
	struct buf	*b = NULL;
	int		 r;

	*sizep = 0;
	if (path == NULL || *path == '\0')
		return smerr_set(e, SMERR_INVAL, "no file name");
	if ((r = app_part_decoded(msg, len, index, &b, e)) != 0)
		return r;
	if ((r = (over ? app_write_over : app_write_new)(path, buf_data(b),
	    buf_len(b), e)) == 0)
		*sizep = buf_len(b);
	buf_free(b);
	return r;
}

struct files {
	struct app_file	*v;
	size_t		 max, *np;
};

/* Adds leaf p, decoded, to fs when it is a file: named, or an attachment. */
static int
files_leaf(const struct mime_part *p, size_t index, void *arg)
{
	struct files	*fs = arg;
	struct app_file	*f;
	char		*name;
	int		 r = 0;

	/* Never the ciphertext of an envelope that was not opened. */
	if (app_part_is_envelope(p))
		return 0;
	if ((name = mime_part_filename(p)) == NULL &&
	    !mime_part_is_attachment(p))
		return 0;
	if (*fs->np >= fs->max) {
		free(name);
		return SMERR_LIMIT;
	}
	f = &fs->v[*fs->np];
	memset(f, 0, sizeof(*f));
	if ((f->name = app_part_basename(name, index)) == NULL ||
	    (f->type = strdup(mime_part_type(p))) == NULL ||
	    (f->data = buf_new_secret(MIME_MAX_INPUT)) == NULL)
		r = SMERR_NOMEM;
	else if (mime_part_decode(p, f->data, NULL) != 0)
		r = SMERR_PARSE;
	free(name);
	if (r != 0) {
		app_file_clear(f);
		return r;
	}
	f->ctype = f->type;
	(*fs->np)++;
	return 0;
}

int
app_part_files(const uint8_t *msg, size_t len, struct app_file *v,
    size_t max, size_t *np, struct smerr *e)
{
	struct mime_msg	*m;
	struct files	 fs;
	struct walk	 w;
	int		 r;

	if ((r = mime_parse(msg, len, &m, e)) != 0)
		return r;
	fs.v = v;
	fs.max = max;
	fs.np = np;
	memset(&w, 0, sizeof(w));
	w.leaf = files_leaf;
	w.arg = &fs;
	walk(&w, mime_msg_root(m));
	mime_msg_free(m);
	if (w.r == SMERR_LIMIT)
		return smerr_set(e, w.r, "more than %zu attached files", max);
	return w.r != 0 ? smerr_set(e, w.r, "an attached file cannot be "
	    "decoded") : 0;
}
