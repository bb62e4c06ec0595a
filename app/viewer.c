/*
 * A part shown through its mailcap entry. The part is written, decoded,
 * to a file no one else can read, in a directory made for this one view
 * and removed with the file when the view ends; the name is ours, never
 * the one the message suggests (only an extension from nametemplate), so
 * that the command line holds nothing the sender chose.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "mime/mime.h"
#include "app/app.h"
#include "app/app_int.h"
#include "app/mailcap.h"

#define VIEWER_READ	65536		/* bytes read at once */

/*
 * The private place for views: $XDG_RUNTIME_DIR/sealmail, made 0700 and
 * checked to be ours and a directory, or else the temporary directory.
 */
static int
viewer_base(char *out, size_t len, struct smerr *e)
{
	const char	*xdg = getenv("XDG_RUNTIME_DIR"), *tmp = getenv("TMPDIR");
	struct stat	 st;

	if (xdg != NULL && xdg[0] == '/') {
		if (snprintf(out, len, "%s/sealmail", xdg) >= (int)len)
			return smerr_set(e, SMERR_INVAL, "XDG_RUNTIME_DIR is "
			    "too long");
		if (mkdir(out, 0700) == -1 && errno != EEXIST)
			return smerr_set(e, SMERR_IO, "%s: %s", out,
			    strerror(errno));
		if (lstat(out, &st) == -1)
			return smerr_set(e, SMERR_IO, "%s: %s", out,
			    strerror(errno));
		if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
		    (st.st_mode & 077) != 0)
			return smerr_set(e, SMERR_PERM, "%s: not a directory "
			    "of this user's alone", out);
		return 0;
	}
	if (snprintf(out, len, "%s", tmp != NULL && tmp[0] == '/' ? tmp :
	    "/tmp") >= (int)len)
		return smerr_set(e, SMERR_INVAL, "TMPDIR is too long");
	return 0;
}

/* Makes v->dir and names v->path in it, with ext when there is one. */
static int
viewer_place(struct app_viewer *v, const char *ext, struct smerr *e)
{
	char	base[4096], *d = NULL;
	int	r;

	if ((r = viewer_base(base, sizeof(base), e)) != 0)
		return r;
	if (asprintf(&d, "%s/view-XXXXXX", base) == -1)
		return smerr_set(e, SMERR_NOMEM, "out of memory");
	if (mkdtemp(d) == NULL) {
		r = smerr_set(e, SMERR_IO, "%s: %s", base, strerror(errno));
		free(d);
		return r;
	}
	v->dir = d;
	if (asprintf(&v->path, "%s/part%s%s", d, ext != NULL ? "." : "",
	    ext != NULL ? ext : "") == -1) {
		v->path = NULL;
		return smerr_set(e, SMERR_NOMEM, "out of memory");
	}
	return 0;
}

static const char *
part_param(void *arg, const char *name)
{
	return mime_part_param(arg, name);
}

/* The command for entry x and part p, reading the file at v->path. */
static int
viewer_command(struct app_viewer *v, const struct mailcap_entry *x,
    const struct mime_part *p, struct smerr *e)
{
	char	*cmd;
	int	 on_stdin;

	if ((cmd = mailcap_command(x, v->type, part_param, (void *)p,
	    v->path, &on_stdin, e)) == NULL)
		return SMERR_INVAL;
	if (!on_stdin) {
		v->cmd = cmd;
		return 0;
	}
	/* Without %s the part goes to the command's input (RFC 1524). */
	if (asprintf(&v->cmd, "( %s ) <%s", cmd, v->path) == -1) {
		v->cmd = NULL;
		free(cmd);
		return smerr_set(e, SMERR_NOMEM, "out of memory");
	}
	free(cmd);
	return 0;
}

int
app_viewer_open(const struct mailcap *mc, const unsigned char *msg,
    size_t len, size_t index, struct app_viewer *v, struct smerr *e)
{
	const struct mailcap_entry	*x;
	const struct mime_part		*p;
	struct mime_msg			*m = NULL;
	char				*ext = NULL;
	size_t				 n;
	int				 r;

	memset(v, 0, sizeof(*v));
	if ((r = mime_parse(msg, len, &m, e)) != 0)
		return r;
	if ((p = app_part_at(m, index)) == NULL) {
		r = smerr_set(e, SMERR_NOTFOUND, "the message has no part %zu",
		    index);
		goto out;
	}
	if ((v->type = strdup(mime_part_type(p))) == NULL) {
		r = smerr_set(e, SMERR_NOMEM, "out of memory");
		goto out;
	}
	if ((x = mailcap_find(mc, v->type, 0)) == NULL) {
		r = smerr_set(e, SMERR_NOTFOUND, "no mailcap entry shows %s "
		    "(~/.mailcap, /etc/mailcap)", v->type);
		goto out;
	}
	v->copious = x->copious;
	v->terminal = x->terminal;
	ext = mailcap_extension(x);
	if ((r = viewer_place(v, ext, e)) != 0 ||
	    (r = app_part_save(msg, len, index, v->path, &n, e)) != 0 ||
	    (r = viewer_command(v, x, p, e)) != 0)
		goto out;
out:
	free(ext);
	mime_msg_free(m);
	if (r != 0)
		app_viewer_close(v);
	return r;
}

/* Reads fd to its end into out, dropping what out cannot hold. */
static void
read_all(int fd, struct buf *out)
{
	char	chunk[VIEWER_READ];
	ssize_t	n;
	size_t	room;

	for (;;) {
		if ((n = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (n == 0)
			return;
		room = buf_max(out) - buf_len(out);
		(void)buf_put(out, chunk, (size_t)n < room ? (size_t)n :
		    room);
	}
}

int
app_viewer_output(const struct app_viewer *v, struct buf *out,
    struct smerr *e)
{
	pid_t	pid;
	int	p[2], status, fd;

	if (pipe2(p, O_CLOEXEC) == -1)
		return smerr_set(e, SMERR_IO, "pipe: %s", strerror(errno));
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return smerr_set(e, SMERR_IO, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(fd, 0) == -1 || dup2(fd, 2) == -1 ||
		    dup2(p[1], 1) == -1)
			_exit(127);
		execl("/bin/sh", "sh", "-c", v->cmd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	read_all(p[0], out);
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return smerr_set(e, SMERR_IO, "waitpid: %s",
			    strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return smerr_set(e, SMERR_IO, "the viewer of %s failed "
		    "(status %d)", v->type, WIFEXITED(status) ?
		    WEXITSTATUS(status) : -1);
	return 0;
}

void
app_viewer_close(struct app_viewer *v)
{
	if (v->path != NULL)
		(void)unlink(v->path);
	if (v->dir != NULL)
		(void)rmdir(v->dir);
	free(v->cmd);
	free(v->type);
	free(v->path);
	free(v->dir);
	memset(v, 0, sizeof(*v));
}
