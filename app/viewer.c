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
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/proc.h"
#include "base/secmem.h"
#include "mime/mime.h"
#include "mime/html.h"
#include "app/app.h"
#include "app/app_int.h"
#include "app/mailcap.h"

#define VIEWER_READ	65536		/* bytes read at once */
#define VIEWER_MAX_TEXT	(16 * 1024 * 1024)	/* a viewer's text kept */

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
		return smerr_nomem(e);
	if (mkdtemp(d) == NULL) {
		r = smerr_set(e, SMERR_IO, "%s: %s", base, strerror(errno));
		free(d);
		return r;
	}
	v->dir = d;
	if (asprintf(&v->path, "%s/part%s%s", d, ext != NULL ? "." : "",
	    ext != NULL ? ext : "") == -1) {
		v->path = NULL;
		return smerr_nomem(e);
	}
	return 0;
}

static const char *
part_param(void *arg, const char *name)
{
	return mime_part_param(arg, name);
}

/* A part's parameter, but its charset: the part was made UTF-8. */
static const char *
utf8_param(void *arg, const char *name)
{
	return strcasecmp(name, "charset") == 0 ? "utf-8" :
	    mime_part_param(arg, name);
}

/*
 * The command for entry x and part p, reading the file at v->path; param
 * gives p's parameters.
 */
static int
viewer_command(struct app_viewer *v, const struct mailcap_entry *x,
    const char *(*param)(void *, const char *), const struct mime_part *p,
    struct smerr *e)
{
	char	*cmd;
	int	 on_stdin;

	if ((cmd = mailcap_command(x, v->type, param, (void *)p,
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
		return smerr_nomem(e);
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
	if ((r = app_part_find(msg, len, index, &m, &p, e)) != 0)
		return r;
	if ((v->type = strdup(mime_part_type(p))) == NULL) {
		r = smerr_nomem(e);
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
	    (r = app_part_save(msg, len, index, v->path, 0, &n, e)) != 0 ||
	    (r = viewer_command(v, x, part_param, p, e)) != 0)
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
			break;
		}
		if (n == 0)
			break;
		room = buf_max(out) - buf_len(out);
		(void)buf_put(out, chunk, (size_t)n < room ? (size_t)n :
		    room);
	}
	secmem_wipe(chunk, sizeof(chunk));	/* a part's text, perhaps */
}

int
app_sh_start(const char *cmd, const char *dir, int quiet, pid_t *pidp,
    int *fdp, struct smerr *e)
{
	pid_t	pid;
	int	p[2], fd;

	if (pipe2(p, O_CLOEXEC) == -1)
		return smerr_set(e, SMERR_IO, "pipe: %s", strerror(errno));
	if ((pid = proc_fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return smerr_set(e, SMERR_IO, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		if ((quiet && ((fd = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(fd, 0) == -1 || dup2(fd, 2) == -1)) ||
		    dup2(p[1], 1) == -1 || (dir != NULL && chdir(dir) == -1))
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	*pidp = pid;
	*fdp = p[0];
	return 0;
}

int
app_viewer_output(const struct app_viewer *v, struct buf *out,
    struct smerr *e)
{
	pid_t	pid;
	int	fd, r, status;

	if ((r = app_sh_start(v->cmd, NULL, 1, &pid, &fd, e)) != 0)
		return r;
	read_all(fd, out);
	close(fd);
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

static int
ctype_is(const struct mime_part *p, const char *type)
{
	return strcasecmp(mime_part_type(p), type) == 0;
}

/*
 * Counts in *np the text parts a reader is shown of p, picked as the
 * verdict picks them (the text/plain of an alternative, else its last;
 * what a multipart/signed signs), and keeps the last in *lastp. What
 * only the verdict can open (an S/MIME entity, a message inside) counts
 * as two: then no single part is the text shown.
 */
static void
shown_parts(const struct mime_part *p, int depth, size_t *np,
    const struct mime_part **lastp)
{
	size_t	i, n = mime_part_nchildren(p), pick;

	if (depth > MIME_MAX_DEPTH)
		*np += 2;
	else if (ctype_is(p, "multipart/alternative") && n > 0) {
		for (pick = n - 1, i = 0; i < n; i++)
			if (ctype_is(mime_part_child(p, i), "text/plain")) {
				pick = i;
				break;
			}
		shown_parts(mime_part_child(p, pick), depth + 1, np, lastp);
	} else if (ctype_is(p, "multipart/signed") && n > 0)
		shown_parts(mime_part_child(p, 0), depth + 1, np, lastp);
	else if (mime_part_is_multipart(p))
		for (i = 0; i < n; i++)
			shown_parts(mime_part_child(p, i), depth + 1, np,
			    lastp);
	else if (ctype_is(p, "application/pkcs7-mime") ||
	    ctype_is(p, "application/x-pkcs7-mime") ||
	    ctype_is(p, "message/rfc822"))
		*np += 2;
	else if (!mime_part_is_attachment(p) && (ctype_is(p, "text/plain") ||
	    ctype_is(p, "text/html"))) {
		(*np)++;
		*lastp = p;
	}
}

/* 1 when shown is sealmail's own reading of the HTML text t. */
static int
same_reading(const struct buf *t, const char *shown, struct smerr *e)
{
	struct buf	*b;
	int		 same;

	if ((b = buf_new_secret(MIME_MAX_INPUT)) == NULL) {
		smerr_nomem(e);
		return 0;
	}
	same = mime_html_text(buf_data(t), buf_len(t), b) == 0 &&
	    buf_len(b) == strlen(shown) &&
	    memcmp(buf_data(b), shown, buf_len(b)) == 0;
	buf_free(b);
	return same;
}

/* Text for a local program: t with its lines ending in LF, not CRLF. */
static struct buf *
lf_lines(const struct buf *t)
{
	const uint8_t	*p = buf_data(t);
	struct buf	*b;
	size_t		 i, n = buf_len(t);

	if ((b = buf_new_secret(MIME_MAX_INPUT)) == NULL ||
	    buf_reserve(b, n) != 0) {
		buf_free(b);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (!(p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') &&
		    buf_putc(b, p[i]) != 0) {
			buf_free(b);
			return NULL;
		}
	return b;
}

/* Runs entry x over the UTF-8 HTML t of part p; its text into *outp. */
static int
html_run(const struct mailcap_entry *x, const struct mime_part *p,
    const struct buf *t, char **outp, struct smerr *e)
{
	struct app_viewer	 v;
	struct buf		*out = NULL;
	char			*ext = mailcap_extension(x);
	int			 r;

	memset(&v, 0, sizeof(v));
	if ((v.type = strdup("text/html")) == NULL ||
	    (out = buf_new_secret(VIEWER_MAX_TEXT)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	if ((r = viewer_place(&v, ext, e)) != 0 ||
	    (r = app_write_new(v.path, buf_data(t), buf_len(t), e)) != 0 ||
	    (r = viewer_command(&v, x, utf8_param, p, e)) != 0 ||
	    (r = app_viewer_output(&v, out, e)) != 0)
		goto out;
	if ((*outp = buf_strdup(out)) == NULL)
		r = smerr_nomem(e);
out:
	app_viewer_close(&v);
	buf_free(out);
	free(ext);
	return r;
}

int
app_html_mailcap(const struct mailcap *mc, const unsigned char *msg,
    size_t len, const char *shown, char **outp, struct smerr *e)
{
	const struct mailcap_entry	*x;
	const struct mime_part		*p = NULL;
	struct mime_msg			*m = NULL;
	struct buf			*t = NULL, *lf = NULL;
	size_t				 n = 0;
	int				 r = 0;

	*outp = NULL;
	if (msg == NULL || shown == NULL ||
	    (x = mailcap_find(mc, "text/html", MAILCAP_COPIOUS)) == NULL)
		return 0;
	if (mime_parse(msg, len, &m, NULL) != 0)
		return 0;		/* the stored text stands */
	shown_parts(mime_msg_root(m), 0, &n, &p);
	if (n != 1 || !ctype_is(p, "text/html"))
		goto out;
	if ((t = buf_new_secret(MIME_MAX_INPUT)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	if (mime_part_text(p, t, NULL) != 0 || !same_reading(t, shown, e))
		goto out;
	if ((lf = lf_lines(t)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	r = html_run(x, p, lf, outp, e);
out:
	buf_free(lf);
	buf_free(t);
	mime_msg_free(m);
	return r;
}
