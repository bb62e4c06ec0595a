/*
 * What the compose screen shows about a message before it goes: its
 * header fields, each recipient with the certificate it would be
 * encrypted to and where that comes from (the key store, a harvested
 * one, SMIMEA under DNSSEC: keys_find_recipient, as send finds them), and
 * the files attached, with their type and size.
 *
 * The key store answers at once. For a recipient it has nothing for,
 * `keys lookup` runs in the background, one address at a time: it keeps
 * what a DNSSEC-secure SMIMEA record holds in the store's cache, where
 * the next look in the key store finds it. The screen asks the child
 * whether it is done between key presses, so that typing never waits on
 * DNS.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/proc.h"
#include "keys/keys.h"
#include "store/store.h"
#include "app/app.h"
#include "ui/ui_int.h"

void
ui_cinfo_clear(struct ui_cinfo *ci)
{
	size_t	i;

	if (ci->dns_pid > 0) {
		kill(ci->dns_pid, SIGTERM);
		while (waitpid(ci->dns_pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	for (i = 0; i < ci->natt; i++) {
		free(ci->att[i].name);
		free(ci->att[i].type);
	}
	for (i = 0; i < ci->nrc; i++)
		free(ci->rc[i].addr);
	free(ci->att);
	free(ci->rc);
	memset(ci, 0, sizeof(*ci));
}

/* Adds a file kept with the draft to the list shown. */
static int
cinfo_add(struct ui_cinfo *ci, int64_t seq, const char *name,
    const char *type, size_t size)
{
	struct ui_attach	*a;

	if ((a = reallocarray(ci->att, ci->natt + 1, sizeof(*a))) == NULL)
		return -1;
	ci->att = a;
	a = &ci->att[ci->natt];
	memset(a, 0, sizeof(*a));
	a->seq = seq;
	a->size = (long long)size;
	if ((a->name = strdup(name)) == NULL ||
	    (a->type = strdup(type)) == NULL) {
		free(a->name);
		return -1;
	}
	ci->sel = ci->natt++;
	return 0;
}

int
ui_cinfo_attach(struct ui *ui, struct ui_cinfo *ci, int64_t id,
    const char *typed)
{
	struct store	*st = app_session_store(ui_session(ui));
	struct app_file	 f;
	struct smerr	 e;
	struct stat	 sb;
	char		*path;
	int64_t		 seq = 0;
	int		 r = -1;

	if (ci->natt >= UI_ATTACH_MAX) {
		ui_status(ui, 1, "%d files at most", UI_ATTACH_MAX);
		return -1;
	}
	if (id <= 0) {
		ui_status(ui, 1, "the draft could not be kept: nothing can be "
		    "attached to it");
		return -1;
	}
	if ((path = ui_expand_home(typed)) == NULL)
		return -1;
	/* A pipe or a device would keep the screen waiting. */
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		ui_status(ui, 1, "%s: not a regular file", path);
		free(path);
		return -1;
	}
	/* Read now and kept with the draft: nothing attached is lost. */
	smerr_clear(&e);
	if (app_file_load(path, &f, &e) != 0 ||
	    app_file_keep(st, id, &f, &seq, &e) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	else if (cinfo_add(ci, seq, f.name, f.ctype, buf_len(f.data)) != 0) {
		(void)store_draft_file_delete(st, id, seq, &e);
		ui_status(ui, 1, "out of memory");
	} else {
		ui_status(ui, 0, "attached %s", f.name);
		r = 0;
	}
	app_file_clear(&f);
	free(path);
	return r;
}

void
ui_cinfo_detach(struct ui *ui, struct ui_cinfo *ci, int64_t id)
{
	struct smerr	 e;

	if (ci->natt == 0) {
		ui_status(ui, 1, "nothing is attached");
		return;
	}
	smerr_clear(&e);
	if (store_draft_file_delete(app_session_store(ui_session(ui)), id,
	    ci->att[ci->sel].seq, &e) != 0) {
		ui_status(ui, 1, "%s", smerr_msg(&e));
		return;
	}
	ui_status(ui, 0, "detached %s", ci->att[ci->sel].name);
	free(ci->att[ci->sel].name);
	free(ci->att[ci->sel].type);
	memmove(&ci->att[ci->sel], &ci->att[ci->sel + 1],
	    (ci->natt - ci->sel - 1) * sizeof(ci->att[0]));
	ci->natt--;
	if (ci->sel > 0 && ci->sel >= ci->natt)
		ci->sel--;
}

static int
cinfo_file_cb(const struct store_draft_file *f, void *arg)
{
	return cinfo_add(arg, f->seq, f->name, f->type, f->len);
}

void
ui_cinfo_files(struct ui *ui, struct ui_cinfo *ci, int64_t id)
{
	struct smerr	 e;

	smerr_clear(&e);
	if (store_draft_file_foreach(app_session_store(ui_session(ui)), id,
	    cinfo_file_cb, ci, &e) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	ci->sel = 0;
}

/* Where the key store has a certificate for rc from, or NULL. */
static void
rcpt_local(struct ui *ui, struct ui_rcpt *rc)
{
	struct smerr	 e;
	uint8_t		*der = NULL;
	size_t		 len;

	smerr_clear(&e);
	rc->source = NULL;
	if (keys_find_recipient(app_session_keys(ui_session(ui)), NULL,
	    rc->addr, &der, &len, &rc->source, &e) != 0)
		rc->source = NULL;
	free(der);
}

void
ui_cinfo_recipients(struct ui *ui, struct ui_cinfo *ci, const void *text,
    size_t len)
{
	struct ui_rcpt	*v = NULL, *old;
	struct buf	*b;
	const char	*p, *c;
	size_t		 n = 0, i, nold = ci->nrc;

	if ((b = buf_new(0)) == NULL || app_draft_rcpts(text, len, b) != 0) {
		buf_free(b);
		return;
	}
	for (p = buf_str(b); *p != '\0'; p = *c == ',' ? c + 1 : c) {
		c = p + strcspn(p, ",");
		if (c == p || (old = reallocarray(v, n + 1,
		    sizeof(*v))) == NULL)
			continue;
		v = old;
		memset(&v[n], 0, sizeof(v[n]));
		if ((v[n].addr = strndup(p, (size_t)(c - p))) == NULL)
			continue;
		/* DNS is asked once per address, not again at each change. */
		for (i = 0; i < nold; i++)
			if (strcmp(ci->rc[i].addr, v[n].addr) == 0) {
				v[n].asked = ci->rc[i].asked;
				v[n].failed = ci->rc[i].failed;
			}
		rcpt_local(ui, &v[n]);
		n++;
	}
	buf_free(b);
	for (i = 0; i < nold; i++)
		free(ci->rc[i].addr);
	free(ci->rc);
	ci->rc = v;
	ci->nrc = n;
}

/* `keys lookup ADDR` in the background, all its output thrown away. */
static pid_t
dns_spawn(struct ui *ui, const char *addr)
{
	const char	*argv[12];
	pid_t		 pid;
	int		 n = 0, keep[2], null;

	argv[n++] = "sealmail";
	n += app_session_child_args(ui_session(ui), argv + n, keep);
	argv[n++] = "keys";
	argv[n++] = "lookup";
	argv[n++] = addr;
	argv[n] = NULL;
	if ((pid = proc_fork()) != 0)
		return pid;
	if ((null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	app_session_child_keep(keep);
	execv("/proc/self/exe", (char *const *)(uintptr_t)argv);
	_exit(127);
}

int
ui_cinfo_dns_step(struct ui *ui, struct ui_cinfo *ci)
{
	size_t	i;
	int	status = 0;

	if (ci->dns_pid > 0) {
		if (waitpid(ci->dns_pid, &status, WNOHANG) == 0)
			return 1;
		ci->dns_pid = 0;
		/* The list may have changed meanwhile: look at each again. */
		for (i = 0; i < ci->nrc; i++) {
			if (ci->rc[i].source == NULL)
				rcpt_local(ui, &ci->rc[i]);
			/* No answer is not an answer of "none". */
			if (strcmp(ci->rc[i].addr, ci->dns_addr) == 0)
				ci->rc[i].failed = WIFSIGNALED(status) ||
				    (WIFEXITED(status) && WEXITSTATUS(status));
		}
	}
	for (i = 0; i < ci->nrc; i++)
		if (ci->rc[i].source == NULL && !ci->rc[i].asked)
			break;
	if (i == ci->nrc)
		return 0;
	ci->rc[i].asked = 1;
	snprintf(ci->dns_addr, sizeof(ci->dns_addr), "%s", ci->rc[i].addr);
	if ((ci->dns_pid = dns_spawn(ui, ci->rc[i].addr)) <= 0) {
		ci->dns_pid = 0;
		return 0;
	}
	return 1;
}

static const char *
source_words(const struct ui_rcpt *rc, const struct ui_cinfo *ci,
    enum ui_color *color)
{
	*color = UI_C_GOOD;
	if (rc->source == NULL) {
		*color = UI_C_WARN;
		if (ci->dns_pid > 0 && strcmp(ci->dns_addr, rc->addr) == 0)
			return "no certificate in the key store; asking DNS "
			    "for SMIMEA…";
		if (rc->failed)
			return "none in the key store, and the SMIMEA lookup "
			    "failed (sealmail keys lookup says why)";
		return rc->asked ? "no certificate (key store, harvested, "
		    "SMIMEA): it cannot be encrypted to" : "no certificate "
		    "in the key store";
	}
	if (strcmp(rc->source, "store") == 0)
		return "certificate from the key store";
	if (strcmp(rc->source, "harvested") == 0)
		return "certificate harvested from signed mail";
	return "certificate from SMIMEA (DNSSEC-secure)";
}

/* One "label value" line at row y; returns the next row. */
static int
draw_field(int y, const char *label, const char *value)
{
	int	x;

	attrset(COLOR_PAIR(UI_C_HEAD) | A_BOLD);
	x = ui_put(y, 0, COLS, label, strlen(label));
	attrset(A_NORMAL);
	if (value != NULL)
		ui_put(y, x, COLS - x, value, strlen(value));
	return y + 1;
}

static void
size_words(long long n, char *out, size_t len)
{
	if (n >= 1024 * 1024)
		snprintf(out, len, "%.1f MB", (double)n / (1024.0 * 1024.0));
	else if (n >= 1024)
		snprintf(out, len, "%.1f KB", (double)n / 1024.0);
	else
		snprintf(out, len, "%lld B", n);
}

/*
 * Draws s at row y, column x, then spaces up to cells cells, counted as
 * the terminal shows them (a wide character takes two), so that what
 * follows lines up whatever script s is in; returns the column after.
 */
static int
put_padded(int y, int x, const char *s, int cells)
{
	int	used;

	used = ui_put(y, x, COLS - x, s, strlen(s));
	for (; used < cells && x + used < COLS; used++)
		addch(' ');
	return x + used;
}

/*
 * The recipients from row y on, in at most rows rows: when they do not
 * fit, the last row says how many more there are and how many of those
 * have no certificate. Returns the next row.
 */
static int
draw_rcpts(const struct ui_cinfo *ci, int y, int rows)
{
	enum ui_color	 color;
	const char	*w;
	char		 line[400];
	size_t		 i, shown, bare = 0;
	int		 x;

	if (rows < 1)
		return y;
	shown = ci->nrc <= (size_t)rows ? ci->nrc : (size_t)rows - 1;
	for (i = 0; i < shown; i++, y++) {
		w = source_words(&ci->rc[i], ci, &color);
		attrset(A_NORMAL);
		x = ui_put(y, 0, COLS, "  ", 2);
		x = put_padded(y, x, ci->rc[i].addr, 32);
		x += ui_put(y, x, COLS - x, " ", 1);
		attrset(COLOR_PAIR(color) | A_BOLD);
		ui_put(y, x, COLS - x, w, strlen(w));
	}
	if (shown < ci->nrc) {
		for (i = shown; i < ci->nrc; i++)
			bare += ci->rc[i].source == NULL;
		snprintf(line, sizeof(line), "  … and %zu more, %zu of them "
		    "without a certificate", ci->nrc - shown, bare);
		attrset(bare > 0 ? COLOR_PAIR(UI_C_WARN) | A_BOLD : A_NORMAL);
		ui_put(y++, 0, COLS, line, strlen(line));
	}
	attrset(A_NORMAL);
	return y;
}

/*
 * One attached file's line: its name takes 30 cells at least, counted as
 * the terminal shows it, so that the types and sizes line up whatever
 * script the names are in.
 */
static void
draw_file(int y, size_t i, const struct ui_attach *a, int sel)
{
	char	 line[128], sz[32];
	int	 x;

	snprintf(line, sizeof(line), "%c %zu ", sel ? '>' : ' ', i + 1);
	x = ui_put(y, 0, COLS, line, strlen(line));
	x = put_padded(y, x, a->name, 30);
	size_words(a->size, sz, sizeof(sz));
	snprintf(line, sizeof(line), " %-28s %10s", a->type, sz);
	if (x < COLS)
		ui_put(y, x, COLS - x, line, strlen(line));
}

void
ui_cinfo_draw(const struct ui_cinfo *ci, const void *text, size_t len,
    int bottom)
{
	static const char *const fields[] = { "From", "To", "Cc", "Bcc",
	    "Subject" };
	char		 line[1024], label[16], *v;
	size_t		 i;
	int		 y = 1, rows;

	erase();
	attrset(COLOR_PAIR(UI_C_BAR) | A_BOLD);
	ui_put_bar(0, COLS, " sealmail: compose");
	attrset(A_NORMAL);
	for (i = 0; i < 5 && y < bottom; i++) {
		v = app_draft_field(text, len, fields[i]);
		/* Bcc only when there is one: the others always. */
		if (strcmp(fields[i], "Bcc") != 0 || (v != NULL &&
		    v[strspn(v, " \t")] != '\0')) {
			snprintf(label, sizeof(label), "%s:%*s", fields[i],
			    (int)(8 - strlen(fields[i])), "");
			y = draw_field(y, label, v != NULL ? v : "");
		}
		free(v);
	}
	y++;
	if (y < bottom)
		y = draw_field(y, "Recipients", ci->nrc == 0 ? " none yet: t "
		    "sets To, c sets Cc" : NULL);
	/*
	 * Room below for the files and the keys' line (a blank line, the
	 * heading, a line a file, a blank line, the keys), but one
	 * recipient's line at least while there is a line at all.
	 */
	rows = bottom - y - 4 - (int)ci->natt;
	if (rows < 1)
		rows = bottom - y < 1 ? bottom - y : 1;
	y = draw_rcpts(ci, y, rows);
	y++;
	if (y < bottom)
		y = draw_field(y, "Attachments", ci->natt == 0 ? " none: a "
		    "attaches a file" : NULL);
	for (i = 0; i < ci->natt && y < bottom; i++, y++) {
		attrset(i == ci->sel ? COLOR_PAIR(UI_C_SEL) : A_NORMAL);
		draw_file(y, i, &ci->att[i], i == ci->sel);
		attrset(A_NORMAL);
	}
	if (bottom - 1 > y) {
		attrset(COLOR_PAIR(UI_C_DIM));
		snprintf(line, sizeof(line), "t To  c Cc  b Bcc  a attach  "
		    "D detach  j k select");
		ui_put(bottom - 1, 0, COLS, line, strlen(line));
		attrset(A_NORMAL);
	}
}
