/*
 * Files to attach: read whole, named by their last path component, typed
 * by their name's extension (application/octet-stream when unknown). The
 * command line's send --attach and the compose screen use the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "mime/build.h"
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

void
app_file_clear(struct app_file *f)
{
	if (f == NULL)
		return;
	free(f->name);
	buf_free(f->data);
	memset(f, 0, sizeof(*f));
}

int
app_file_load(const char *path, struct app_file *f, struct smerr *e)
{
	const char	*base;
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
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		r = smerr_set(e, SMERR_IO, "%s: %s", path, strerror(errno));
		app_file_clear(f);
		return r;
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
