/*
 * RFC 1524 mailcap files: one entry a logical line, fields apart by ';',
 * the type first, the view command second, then flags and key=value
 * fields. Only what showing a part needs is kept (copiousoutput,
 * needsterminal, test=, nametemplate=); compose and print commands are
 * not. The command line substitutes only values cut to characters that
 * mean nothing to a shell (RFC 1524, "Security Considerations").
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/proc.h"
#include "base/vec.h"
#include "app/mailcap.h"

#define MAILCAP_MAX_VALUE	256	/* a type or parameter substituted */

struct mailcap *
mailcap_new(void)
{
	return calloc(1, sizeof(struct mailcap));
}

static void
entry_clear(struct mailcap_entry *x)
{
	free(x->type);
	free(x->view);
	free(x->test);
	free(x->nametemplate);
	memset(x, 0, sizeof(*x));
}

void
mailcap_free(struct mailcap *mc)
{
	size_t	i;

	if (mc == NULL)
		return;
	for (i = 0; i < mc->n; i++)
		entry_clear(&mc->entries[i]);
	free(mc->entries);
	free(mc);
}

/* A field of the line at s, white space trimmed, "\;" and "\\" read. */
static char *
field_take(const char *s, size_t len, size_t *usedp)
{
	char	*f;
	size_t	 i, k = 0;

	if ((f = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len && s[i] != ';'; i++) {
		if (s[i] == '\\' && i + 1 < len && (s[i + 1] == ';' ||
		    s[i + 1] == '\\')) {
			f[k++] = s[++i];
			continue;
		}
		f[k++] = s[i];
	}
	*usedp = i < len ? i + 1 : i;
	while (k > 0 && isspace((unsigned char)f[k - 1]))
		k--;
	f[k] = '\0';
	k = strspn(f, " \t");
	memmove(f, f + k, strlen(f + k) + 1);
	return f;
}

/* A flag or key=value field of x. */
static int
entry_field(struct mailcap_entry *x, char *f)
{
	char	*v, **slot = NULL;

	if (strcasecmp(f, "copiousoutput") == 0)
		x->copious = 1;
	else if (strcasecmp(f, "needsterminal") == 0)
		x->terminal = 1;
	else if ((v = strchr(f, '=')) != NULL) {
		*v++ = '\0';
		f[strcspn(f, " \t")] = '\0';
		v += strspn(v, " \t");
		if (strcasecmp(f, "test") == 0)
			slot = &x->test;
		else if (strcasecmp(f, "nametemplate") == 0)
			slot = &x->nametemplate;
		if (slot != NULL && *slot == NULL &&
		    (*slot = strdup(v)) == NULL)
			return SMERR_NOMEM;
	}
	return 0;
}

/* One logical line into x: type, view command, then the other fields. */
static int
entry_parse(const char *s, size_t len, struct mailcap_entry *x)
{
	char	*f, *p;
	size_t	 i = 0, used;
	int	 r = 0;

	memset(x, 0, sizeof(*x));
	if ((x->type = field_take(s, len, &used)) == NULL)
		return SMERR_NOMEM;
	i += used;
	if ((x->view = field_take(s + i, len - i, &used)) == NULL) {
		entry_clear(x);
		return SMERR_NOMEM;
	}
	i += used;
	while (i < len && r == 0) {
		if ((f = field_take(s + i, len - i, &used)) == NULL)
			r = SMERR_NOMEM;
		else
			r = entry_field(x, f);
		free(f);
		i += used;
	}
	for (p = x->type; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (r != 0)
		entry_clear(x);
	return r;
}

static int
entry_add(struct mailcap *mc, struct mailcap_entry *x)
{
	if (x->type[0] == '\0' || x->view[0] == '\0' ||
	    mc->n == MAILCAP_MAX_ENTRIES) {
		entry_clear(x);
		return 0;
	}
	if (vec_reserve(&mc->entries, &mc->cap, mc->n,
	    sizeof(*mc->entries)) != 0) {
		entry_clear(x);
		return SMERR_NOMEM;
	}
	mc->entries[mc->n++] = *x;
	return 0;
}

int
mailcap_parse(struct mailcap *mc, const char *s, size_t len, struct smerr *e)
{
	struct mailcap_entry	 x;
	struct buf		*line;
	size_t			 i = 0, end;
	int			 r = 0;

	if ((line = buf_new(MAILCAP_MAX_FILE)) == NULL)
		return smerr_nomem(e);
	while (i < len && r == 0) {
		buf_reset(line);
		/* A logical line: a backslash before the newline joins. */
		for (; i < len; i = end + 1) {
			for (end = i; end < len && s[end] != '\n'; end++)
				;
			if (end > i && s[end - 1] == '\\' && end < len) {
				r |= buf_put(line, s + i, end - i - 1);
				continue;
			}
			r |= buf_put(line, s + i, end - i);
			i = end + 1;
			break;
		}
		if (r != 0)
			break;
		end = strspn(buf_str(line), " \t\r");
		if (buf_str(line)[end] == '#' || buf_str(line)[end] == '\0')
			continue;
		while (buf_len(line) > 0 && buf_str(line)[buf_len(line) - 1] ==
		    '\r')
			buf_truncate(line, buf_len(line) - 1);
		if ((r = entry_parse(buf_str(line), buf_len(line), &x)) == 0)
			r = entry_add(mc, &x);
	}
	buf_free(line);
	return r != 0 ? smerr_nomem(e) : 0;
}

/* Adds the entries of the file at path; a file not there is none. */
static int
load_file(struct mailcap *mc, const char *path, struct smerr *e)
{
	struct buf	*b;
	int		 fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	if ((b = buf_new(MAILCAP_MAX_FILE)) == NULL) {
		close(fd);
		return smerr_nomem(e);
	}
	r = buf_read_fd(b, fd);
	close(fd);
	if (r == 0)
		r = mailcap_parse(mc, buf_str(b), buf_len(b), e);
	else
		r = 0;		/* unreadable or too large: skipped */
	buf_free(b);
	return r;
}

int
mailcap_load(struct mailcap **mcp, struct smerr *e)
{
	struct mailcap	*mc;
	const char	*list = getenv("MAILCAPS"), *home = getenv("HOME");
	char		*copy = NULL, *p, *next, path[4096];
	int		 r = 0;

	*mcp = NULL;
	if ((mc = mailcap_new()) == NULL)
		return smerr_nomem(e);
	if (list != NULL && *list != '\0') {
		if ((copy = strdup(list)) == NULL) {
			mailcap_free(mc);
			return smerr_nomem(e);
		}
		for (p = copy; p != NULL && r == 0; p = next) {
			if ((next = strchr(p, ':')) != NULL)
				*next++ = '\0';
			if (*p != '\0')
				r = load_file(mc, p, e);
		}
		free(copy);
	} else {
		if (home != NULL && *home != '\0' && snprintf(path,
		    sizeof(path), "%s/.mailcap", home) < (int)sizeof(path))
			r = load_file(mc, path, e);
		if (r == 0)
			r = load_file(mc, "/etc/mailcap", e);
	}
	if (r != 0) {
		mailcap_free(mc);
		return r;
	}
	*mcp = mc;
	return 0;
}

static int
type_matches(const char *pattern, const char *type)
{
	size_t	n = strcspn(type, "; \t"), major = strcspn(type, "/");

	if (strchr(pattern, '/') == NULL || strcmp(strchr(pattern, '/'),
	    "/*") == 0) {
		/* "text" or "text/ *" (a star): every subtype of text. */
		return major < n && strlen(pattern) >= major &&
		    strncasecmp(pattern, type, major) == 0 &&
		    (pattern[major] == '\0' || pattern[major] == '/');
	}
	return strlen(pattern) == n && strncasecmp(pattern, type, n) == 0;
}

/* Runs a test= command: 1 when it exits 0. */
static int
test_passes(const char *cmd)
{
	pid_t	pid;
	int	status, fd;

	if ((pid = proc_fork()) == -1)
		return 0;
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			(void)dup2(fd, 0);
			(void)dup2(fd, 1);
			(void)dup2(fd, 2);
		}
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

const struct mailcap_entry *
mailcap_find(const struct mailcap *mc, const char *type, unsigned flags)
{
	const struct mailcap_entry	*x;
	size_t				 i;

	if (mc == NULL || type == NULL)
		return NULL;
	for (i = 0; i < mc->n; i++) {
		x = &mc->entries[i];
		if (!type_matches(x->type, type))
			continue;
		if ((flags & MAILCAP_COPIOUS) && !x->copious)
			continue;
		if (x->test != NULL && ((flags & MAILCAP_NO_TEST) ||
		    strchr(x->test, '%') != NULL || !test_passes(x->test)))
			continue;
		return x;
	}
	return NULL;
}

/* Appends v cut to the characters a shell reads as a plain word. */
static int
put_safe(struct buf *out, const char *v)
{
	size_t	i, n = 0;
	int	r = 0;

	if (v == NULL)
		return 0;
	for (i = 0; v[i] != '\0' && n < MAILCAP_MAX_VALUE; i++) {
		if (!isalnum((unsigned char)v[i]) &&
		    strchr("+-._/=", v[i]) == NULL)
			continue;
		if (n == 0 && v[i] == '-')
			continue;
		r |= buf_putc(out, v[i]);
		n++;
	}
	return r;
}

static int
path_safe(const char *p)
{
	if (p == NULL || p[0] != '/')
		return 0;
	for (; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("+-._/", *p) ==
		    NULL)
			return 0;
	return 1;
}

/* %{name} at s: the parameter's value, safe; returns what it took. */
static size_t
put_param(struct buf *out, const char *s,
    const char *(*param)(void *, const char *), void *arg, int *rp)
{
	char		 name[64];
	const char	*end = strchr(s, '}');
	size_t		 n;

	if (end == NULL)
		return 0;
	n = (size_t)(end - s);
	if (n < sizeof(name) && param != NULL) {
		memcpy(name, s, n);
		name[n] = '\0';
		*rp |= put_safe(out, param(arg, name));
	}
	return n + 1;
}

char *
mailcap_command(const struct mailcap_entry *x, const char *type,
    const char *(*param)(void *, const char *), void *arg, const char *path,
    int *stdinp, struct smerr *e)
{
	struct buf	*b;
	const char	*s;
	char		 t[MAILCAP_MAX_VALUE + 1], *cmd;
	size_t		 n;
	int		 r = 0, has_s = 0;

	if (!path_safe(path)) {
		smerr_set(e, SMERR_INVAL, "%s: not a name to give a viewer",
		    path != NULL ? path : "(none)");
		return NULL;
	}
	n = type != NULL ? strcspn(type, "; \t") : 0;
	snprintf(t, sizeof(t), "%.*s", (int)(n < MAILCAP_MAX_VALUE ? n :
	    MAILCAP_MAX_VALUE), type != NULL ? type : "");
	if ((b = buf_new(64 * 1024)) == NULL) {
		smerr_nomem(e);
		return NULL;
	}
	for (s = x->view; *s != '\0' && r == 0; s++) {
		if (s[0] == '\\' && s[1] == '%') {
			r = buf_putc(b, '%');
			s++;
		} else if (s[0] != '%' || s[1] == '\0')
			r = buf_putc(b, s[0]);
		else if (*++s == 's') {
			r = buf_puts(b, path);
			has_s = 1;
		} else if (*s == 't')
			r = put_safe(b, t);
		else if (*s == '{' && (n = put_param(b, s + 1, param, arg,
		    &r)) > 0)
			s += n;
		else if (*s == '%')
			r = buf_putc(b, '%');
		else
			r = buf_putc(b, '%') | buf_putc(b, *s);
	}
	if (r != 0) {
		buf_free(b);
		smerr_set(e, SMERR_NOMEM, "the view command is too long");
		return NULL;
	}
	*stdinp = !has_s;
	cmd = buf_take(b, NULL);
	buf_free(b);
	if (cmd == NULL)
		smerr_nomem(e);
	return cmd;
}

char *
mailcap_extension(const struct mailcap_entry *x)
{
	const char	*p;
	char		 ext[16];
	size_t		 n = 0;

	if (x->nametemplate == NULL ||
	    (p = strstr(x->nametemplate, "%s")) == NULL)
		return NULL;
	for (p += 2; *p == '.'; p++)
		;
	for (; *p != '\0' && n < sizeof(ext) - 1; p++)
		if (isalnum((unsigned char)*p))
			ext[n++] = *p;
	if (n == 0)
		return NULL;
	ext[n] = '\0';
	return strdup(ext);
}
