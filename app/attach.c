/*
 * Files to attach: read whole, named by their last path component, typed
 * by their name's extension (application/octet-stream when unknown). The
 * command line's send --attach and the compose screen use the same.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "mime/build.h"
#include "store/store.h"
#include "app/app.h"

#define ATTACH_MAX	(32UL * 1024 * 1024)	/* one file */

static const struct {
	const char	*ext;
	const char	*type;
} attach_types[] = {
	{ "txt", "text/plain" },	{ "csv", "text/csv" },
	{ "html", "text/html" },	{ "htm", "text/html" },
	{ "pdf", "application/pdf" },	{ "zip", "application/zip" },
	{ "gz", "application/gzip" },	{ "json", "application/json" },
	{ "png", "image/png" },		{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },	{ "gif", "image/gif" },
	{ "svg", "image/svg+xml" },	{ "ics", "text/calendar" },
	{ "odt", "application/vnd.oasis.opendocument.text" },
	{ "docx", "application/vnd.openxmlformats-officedocument."
	    "wordprocessingml.document" },
};

const char *
app_attach_type(const char *name)
{
	const char	*dot;
	size_t		 i;

	if (name == NULL || (dot = strrchr(name, '.')) == NULL ||
	    strchr(dot, '/') != NULL)
		return "application/octet-stream";
	for (i = 0; i < sizeof(attach_types) / sizeof(attach_types[0]); i++)
		if (strcasecmp(dot + 1, attach_types[i].ext) == 0)
			return attach_types[i].type;
	return "application/octet-stream";
}

char *
app_attach_field_path(const char *value)
{
	const char	*p;
	char		*out, *o;

	for (p = value; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '\0' || (out = malloc(strlen(p) + 1)) == NULL)
		return NULL;
	for (o = out; *p != '\0' && *p != ' ' && *p != '\t'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

void
app_file_clear(struct app_file *f)
{
	if (f == NULL)
		return;
	free(f->name);
	free(f->type);
	buf_free(f->data);
	memset(f, 0, sizeof(*f));
}

int
app_file_load(const char *path, struct app_file *f, struct smerr *e)
{
	const char	*base;
	struct stat	 st;
	int		 fd, r;

	memset(f, 0, sizeof(*f));
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	if (*base == '\0')
		return smerr_set(e, SMERR_INVAL, "%s: not a file", path);
	if ((f->name = strdup(base)) == NULL ||
	    (f->data = buf_new(ATTACH_MAX)) == NULL) {
		app_file_clear(f);
		return smerr_nomem(e);
	}
	f->ctype = app_attach_type(base);
	/* Not waiting on a FIFO nobody writes to: only a file is read. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		r = smerr_set(e, SMERR_IO, "%s: %s", path, strerror(errno));
		app_file_clear(f);
		return r;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		app_file_clear(f);
		return smerr_set(e, SMERR_INVAL, "%s: not a regular file",
		    path);
	}
	r = buf_read_fd(f->data, fd);
	close(fd);
	if (r != 0) {
		app_file_clear(f);
		return smerr_set(e, r, "%s: %s", path, r == SMERR_LIMIT ?
		    "too large to attach" : "cannot read");
	}
	return 0;
}

void
app_file_attachment(const struct app_file *f, struct mime_attachment *a)
{
	a->filename = f->name;
	a->ctype = f->ctype;
	a->data = buf_data(f->data);
	a->len = buf_len(f->data);
}

int
app_file_keep(struct store *st, int64_t id, const struct app_file *f,
    int64_t *seqp, struct smerr *e)
{
	struct store_draft_file	 df;
	int			 r;

	memset(&df, 0, sizeof(df));
	df.name = f->name;
	df.type = f->ctype;
	df.data = buf_data(f->data);
	df.len = buf_len(f->data);
	if ((r = store_draft_file_add(st, id, &df, e)) == 0 && seqp != NULL)
		*seqp = df.seq;
	return r;
}

struct draft_files {
	struct app_file	*v;
	size_t		 max, *np;
	int		 r;
};

static int
draft_file_cb(const struct store_draft_file *df, void *arg)
{
	struct draft_files	*d = arg;
	struct app_file		*f;

	if (*d->np >= d->max) {
		d->r = SMERR_LIMIT;
		return 1;
	}
	f = &d->v[*d->np];
	memset(f, 0, sizeof(*f));
	if ((f->name = strdup(df->name)) == NULL ||
	    (f->type = strdup(df->type)) == NULL ||
	    (f->data = buf_new_secret(ATTACH_MAX)) == NULL ||
	    buf_put(f->data, df->data, df->len) != 0) {
		app_file_clear(f);
		d->r = SMERR_NOMEM;
		return 1;
	}
	f->ctype = f->type;
	(*d->np)++;
	return 0;
}

int
app_draft_files(struct store *st, int64_t id, struct app_file *v,
    size_t max, size_t *np, struct smerr *e)
{
	struct draft_files	 d;
	int			 r;

	d.v = v;
	d.max = max;
	d.np = np;
	d.r = 0;
	if ((r = store_draft_file_foreach(st, id, draft_file_cb, &d, e)) != 0)
		return r;
	if (d.r == SMERR_LIMIT)
		return smerr_set(e, SMERR_LIMIT, "draft %lld has too many "
		    "files", (long long)id);
	if (d.r != 0)
		return smerr_set(e, d.r, "out of memory");
	return 0;
}
