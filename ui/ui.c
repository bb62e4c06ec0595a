/*
 * The terminal program: set up the screen, then one poll() loop over the
 * keyboard, a self-pipe for SIGWINCH, and the pipes of at most one
 * background job. Views form a stack; the top one gets the keys.
 */
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/proc.h"
#include "base/secmem.h"
#include "base/text.h"
#include "app/app.h"
#include "ui/ui.h"
#include "ui/ui_int.h"

#define UI_MAX_VIEWS	16
#define UI_STATUS_KEEP	10	/* seconds a user's status outlives a notice */
#define UI_JOB_ERRMAX	4096
#define UI_NEWS_MAX	8	/* folders one new-mail notice counts */
#define UI_HIST_MAX	100	/* answers the prompts remember */

struct ui_job {
	pid_t		 pid;
	int		 out;		/* child's stdout, or -1 */
	int		 err;		/* child's stderr, or -1 */
	int		 in;		/* child's stdin while writing, or -1 */
	struct buf	*input;		/* what is left to write */
	size_t		 inoff;
	char		 label[64];
	char		 lastline[512];	/* last complete stderr line */
	char		 outline[512];	/* last complete stdout line */
	struct buf	*errbuf;
	struct buf	*outbuf;
	void		(*done)(struct ui *, int, void *);
	void		*arg;
};

/*
 * The watcher: `sealmail watch` for the program's whole life, syncing at
 * start and when the server reports new mail; it says so in lines.
 */
struct ui_watch {
	int		 started;	/* watch_start was called */
	pid_t		 pid;
	int		 in;		/* its stdin: "sync" lines */
	int		 out;
	int		 err;
	struct buf	*buf;		/* a line being read */
	struct buf	*ebuf;		/* the same on stderr */
	char		 lastline[256];	/* its last stderr line */
	char		 line[512];	/* what the status line says of it */
	char		 lost[512];	/* the status it set when offline */
	char		 lost_account[64];	/* whose it is */
};

/*
 * An answer given to a prompt, recalled by Up and Down at a prompt of
 * the same kind: the question up to its first digit or parenthesis.
 */
struct ui_hist {
	char		*kind;
	char		*text;
};

/* New mail in one folder of one account, as the status line counts it. */
struct ui_news {
	char		 account[64];
	char		 folder[128];
	unsigned long	 count;
};

struct ui {
	struct app_session	*s;
	struct ui_view		*views[UI_MAX_VIEWS];
	int			 nviews;
	char			 status[512];
	int			 status_error;
	int			 status_notice;	/* status is a watcher's notice */
	struct timespec		 status_at;	/* when status was last set */
	int			 quit;
	struct ui_job		 job;
	struct ui_watch		 watch;
	/* What the notice on the status line has counted, after mine. */
	struct ui_news		 news[UI_NEWS_MAX];
	size_t			 nnews;
	char			 news_mine[512];
	/* A screen drawn outside the views (the compose screen). */
	void			(*redraw)(struct ui *, void *);
	void			*redraw_arg;
	char			*search;	/* the last query of / */
	struct ui_hist		 hist[UI_HIST_MAX];	/* oldest first */
	size_t			 nhist;
};

static int	ui_sigpipe[2] = { -1, -1 };
/* The terminal's input has ended: no key will ever come again. */
static int	ui_gone;

/*
 * A resize, or the program continued after a stop that curses did not
 * see (SIGSTOP rather than ^Z): the terminal's modes may be the shell's
 * and its screen another's; both are set again and drawn whole.
 */
static void
ui_on_winch(int sig)
{
	int	saved = errno;

	(void)sig;
	if (write(ui_sigpipe[1], "w", 1) == -1) {
		/* The pipe is full: a redraw is already pending. */
	}
	errno = saved;
}

struct app_session *
ui_session(struct ui *ui)
{
	return ui->s;
}

const char *
ui_search_last(struct ui *ui)
{
	return ui->search;
}

void
ui_search_set(struct ui *ui, const char *query)
{
	char	*q;

	if ((q = strdup(query)) == NULL)
		return;
	free(ui->search);
	ui->search = q;
}

int
ui_rows(struct ui *ui)
{
	(void)ui;
	return LINES - 3;
}

void
ui_status(struct ui *ui, int error, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (vsnprintf(ui->status, sizeof(ui->status), fmt, ap) < 0)
		ui->status[0] = '\0';
	va_end(ap);
	ui->status_error = error;
	ui->status_notice = 0;
	(void)clock_gettime(CLOCK_MONOTONIC, &ui->status_at);
}

/*
 * What the watcher says of new mail. It never hides what the user's own
 * last action said within the last UI_STATUS_KEEP seconds (a message
 * sent, an error): the notice then follows it on the same line. Nor does
 * one notice hide another that came within that time: the line counts
 * each account's folders apart ("2 new in INBOX (work); 1 new in INBOX
 * (home)").
 */
static void
status_notice(struct ui *ui, const char *account, const char *folder,
    unsigned long count)
{
	struct ui_news	*nw;
	struct timespec	 now;
	char		 line[sizeof(ui->status)];
	size_t		 i, len;
	int		 recent, err = ui->status_error;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	recent = now.tv_sec - ui->status_at.tv_sec < UI_STATUS_KEEP;
	if (!ui->status_notice || !recent) {
		ui->nnews = 0;
		ui->news_mine[0] = '\0';
		if (ui->status[0] != '\0' && !ui->status_notice &&
		    strcmp(ui->status, ui->watch.lost) != 0 && recent)
			memcpy(ui->news_mine, ui->status,
			    sizeof(ui->news_mine));
		else
			err = 0;
	}
	for (i = 0; i < ui->nnews; i++)
		if (strcmp(ui->news[i].account, account) == 0 &&
		    strcmp(ui->news[i].folder, folder) == 0)
			break;
	if (i == UI_NEWS_MAX) {
		/* The oldest goes. */
		i = --ui->nnews;
		memmove(ui->news, ui->news + 1, sizeof(ui->news[0]) * i);
	}
	nw = &ui->news[i];
	if (i == ui->nnews) {
		snprintf(nw->account, sizeof(nw->account), "%s", account);
		snprintf(nw->folder, sizeof(nw->folder), "%s", folder);
		nw->count = 0;
		ui->nnews++;
	}
	nw->count += count;
	snprintf(line, sizeof(line), "%s", ui->news_mine);
	for (i = 0; i < ui->nnews; i++) {
		len = strlen(line);
		snprintf(line + len, sizeof(line) - len, "%s%lu new in %s (%s)",
		    len > 0 ? "; " : "", ui->news[i].count, ui->news[i].folder,
		    ui->news[i].account);
	}
	ui_status(ui, err, "%s", line);
	ui->status_notice = 1;
}

const char *
ui_status_text(struct ui *ui)
{
	return ui->status;
}

void
ui_push(struct ui *ui, struct ui_view *v)
{
	if (v == NULL)
		return;
	if (ui->nviews == UI_MAX_VIEWS) {
		ui_view_free(v);
		ui_status(ui, 1, "too many open screens");
		return;
	}
	ui->views[ui->nviews++] = v;
}

/*
 * Closes the top view; the one below is read again, so that what was
 * done above it (a message read) shows at once.
 */
void
ui_pop(struct ui *ui)
{
	struct ui_view	*v;

	if (ui->nviews == 0)
		return;
	v = ui->views[--ui->nviews];
	ui_view_free(v);
	if (ui->nviews == 0) {
		ui->quit = 1;
		return;
	}
	v = ui->views[ui->nviews - 1];
	if (v->ops->reload != NULL)
		v->ops->reload(ui, v);
}

struct ui_view *
ui_view_new(const struct ui_view_ops *ops, size_t size)
{
	struct ui_view	*v;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	if ((v->data = calloc(1, size)) == NULL) {
		free(v);
		return NULL;
	}
	v->ops = ops;
	return v;
}

void
ui_view_free(struct ui_view *v)
{
	if (v == NULL)
		return;
	v->ops->free(v);
	free(v->data);
	free(v);
}

void
ui_view_brief(struct ui_view *v, const char *s, int color)
{
	if (s == NULL || snprintf(v->brief, sizeof(v->brief), "%s", s) < 0)
		v->brief[0] = '\0';
	v->briefc = color;
}

void
ui_replace(struct ui *ui, struct ui_view *v)
{
	struct ui_view	*old;

	if (v == NULL)
		return;
	if (ui->nviews == 0) {
		ui_push(ui, v);
		return;
	}
	old = ui->views[ui->nviews - 1];
	ui->views[ui->nviews - 1] = v;
	ui_view_free(old);
}

void
ui_refresh_all(struct ui *ui)
{
	int	i;

	for (i = 0; i < ui->nviews; i++)
		if (ui->views[i]->ops->reload != NULL)
			ui->views[i]->ops->reload(ui, ui->views[i]);
}

static void
ui_draw(struct ui *ui)
{
	struct ui_view	*v;
	char		 title[300];
	int		 y;

	erase();
	if (ui->nviews == 0)
		return;
	v = ui->views[ui->nviews - 1];
	/* The view first: drawing may set its title. */
	v->ops->draw(ui, v, 1, LINES - 3, COLS);
	attrset(COLOR_PAIR(UI_C_BAR) | A_BOLD);
	if (snprintf(title, sizeof(title), " sealmail: %s", v->title) < 0)
		title[0] = '\0';
	ui_put_bar(0, COLS, title);
	attrset(A_NORMAL);
	y = LINES - 2;
	attrset(COLOR_PAIR(UI_C_BAR));
	ui_put_hints(y, COLS, v->ops->keys);
	attrset(ui->status_error ? COLOR_PAIR(UI_C_BAD) | A_BOLD : A_NORMAL);
	if (ui->job.pid > 0 && ui->status[0] == '\0') {
		char	busy[128];

		if (snprintf(busy, sizeof(busy), "%s…", ui->job.label) < 0)
			busy[0] = '\0';
		ui_put(LINES - 1, 0, COLS, busy, strlen(busy));
	} else if (ui->status[0] == '\0' && v->brief[0] != '\0') {
		attrset(COLOR_PAIR(v->briefc) | A_BOLD);
		ui_put(LINES - 1, 0, COLS, v->brief, strlen(v->brief));
	} else if (ui->status[0] == '\0' && ui->watch.line[0] != '\0') {
		attrset(COLOR_PAIR(UI_C_DIM));
		ui_put(LINES - 1, 0, COLS, ui->watch.line,
		    strlen(ui->watch.line));
	} else
		ui_put(LINES - 1, 0, COLS, ui->status, strlen(ui->status));
	attrset(A_NORMAL);
	refresh();
}

void
ui_set_redraw(struct ui *ui, void (*redraw)(struct ui *, void *), void *arg)
{
	ui->redraw = redraw;
	ui->redraw_arg = arg;
}

/* Draws again what a prompt stands on: the views, or a screen of its own. */
static void
ui_redraw(struct ui *ui)
{
	if (ui->redraw != NULL)
		ui->redraw(ui, ui->redraw_arg);
	else
		ui_draw(ui);
}

int
ui_input_gone(void)
{
	return ui_gone;
}

/*
 * Called when the terminal said it had input but curses read no key:
 * 1 (and from then on) when that input has ended. A terminal that went
 * away hangs up, or is readable with nothing to read (read gives 0 or
 * fails); without SIGHUP, nothing else would ever say so.
 */
static int
ui_input_ended(void)
{
	struct pollfd	p;
	int		n = 0;

	if (ui_gone)
		return 1;
	p.fd = 0;
	p.events = POLLIN;
	p.revents = 0;
	if (poll(&p, 1, 0) <= 0)
		return 0;
	if ((p.revents & (POLLHUP | POLLERR | POLLNVAL)) ||
	    ioctl(0, FIONREAD, &n) == -1 || n == 0)
		ui_gone = 1;
	return ui_gone;
}

/*
 * Reads one key, in the blocking mode the prompts use, waiting at most
 * ms milliseconds (-1: no limit; then ERR). A resize of the terminal
 * (SIGWINCH, through the self-pipe) comes back as KEY_RESIZE, with curses
 * told the new size, so that a prompt or a screen can draw again.
 */
int
ui_key_wait(wint_t *wc, int ms)
{
	struct pollfd	 pfd[2];
	char		 tmp[16];
	int		 r, n;

	for (;;) {
		if (ui_gone)
			return UI_KEY_GONE;
		/* What curses has read ahead is not in the descriptor. */
		nodelay(stdscr, TRUE);
		r = get_wch(wc);
		nodelay(stdscr, FALSE);
		if (r != ERR)
			return r;
		pfd[0].fd = 0;
		pfd[0].events = POLLIN;
		pfd[1].fd = ui_sigpipe[0];
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if ((n = poll(pfd, 2, ms)) == -1 && errno != EINTR)
			return ERR;
		if (n == 0)
			return ERR;		/* the time is up */
		if (pfd[1].revents & POLLIN) {
			while (read(ui_sigpipe[0], tmp, sizeof(tmp)) > 0)
				;
			endwin();
			refresh();
			*wc = KEY_RESIZE;
			return KEY_CODE_YES;
		}
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		do {
			r = get_wch(wc);
		} while (r == ERR && errno == EINTR);
		if (r == ERR && ui_input_ended())
			return UI_KEY_GONE;
		return r;
	}
}

/*
 * Tab asks complete (when there is one) for the n-th way to finish what
 * was typed before the first of consecutive Tabs; it replaces the answer
 * and may leave a hint for the line above.
 */
static void
prompt_tab(struct buf *b, struct buf *orig, int *ntab,
    int (*complete)(void *, const char *, int, struct buf *, char *, size_t),
    void *arg, char *hint, size_t hintlen)
{
	struct buf	*out;

	if (*ntab == 0) {
		buf_reset(orig);
		if (buf_put(orig, buf_data(b), buf_len(b)) != 0)
			return;
	}
	hint[0] = '\0';
	if ((out = buf_new(4096)) == NULL)
		return;
	if (complete(arg, buf_str(orig), *ntab, out, hint, hintlen) == 0) {
		buf_reset(b);
		(void)buf_put(b, buf_data(out), buf_len(out));
	}
	buf_free(out);
	(*ntab)++;
}

/* The kind of prompt question is, for its history: a new string. */
static char *
hist_kind(const char *question)
{
	return strndup(question, strcspn(question, "0123456789("));
}

/*
 * Lets go of one kept answer: its text, which may name what was searched
 * for in decrypted mail, is wiped.
 */
static void
hist_clear(struct ui_hist *h)
{
	free(h->kind);
	secmem_strfree(h->text);
	h->kind = h->text = NULL;
}

/* Keeps the answer text to a prompt of kind, unless it was the last. */
static void
hist_add(struct ui *ui, const char *kind, const char *text)
{
	struct ui_hist	*h;
	size_t		 i;

	if (kind == NULL || text[0] == '\0')
		return;
	for (i = ui->nhist; i > 0; i--)
		if (strcmp(ui->hist[i - 1].kind, kind) == 0)
			break;
	if (i > 0 && strcmp(ui->hist[i - 1].text, text) == 0)
		return;
	if (ui->nhist == UI_HIST_MAX) {
		hist_clear(&ui->hist[0]);
		memmove(ui->hist, ui->hist + 1,
		    (UI_HIST_MAX - 1) * sizeof(*ui->hist));
		ui->nhist--;
	}
	h = &ui->hist[ui->nhist];
	if ((h->kind = strdup(kind)) == NULL ||
	    (h->text = strdup(text)) == NULL) {
		free(h->kind);
		return;
	}
	ui->nhist++;
}

static void
hist_free(struct ui *ui)
{
	while (ui->nhist > 0)
		hist_clear(&ui->hist[--ui->nhist]);
}

/*
 * Up (dir -1) and Down (dir 1) at a prompt of kind: the answer before or
 * after the one shown (*pos; nhist while none is), in b. What was typed
 * is kept in scratch on the way up, and comes back below the newest.
 */
static void
hist_step(struct ui *ui, const char *kind, int dir, size_t *pos,
    struct buf *b, struct buf *scratch)
{
	size_t	i = *pos;

	if (kind == NULL)
		return;
	for (;;) {
		if (dir < 0 ? i == 0 : i >= ui->nhist)
			return;			/* none older: stays */
		i = dir < 0 ? i - 1 : i + 1;
		if (i == ui->nhist || strcmp(ui->hist[i].kind, kind) == 0)
			break;
	}
	if (*pos == ui->nhist) {
		buf_reset(scratch);
		(void)buf_put(scratch, buf_data(b), buf_len(b));
	}
	*pos = i;
	buf_reset(b);
	if (i == ui->nhist)
		(void)buf_put(b, buf_data(scratch), buf_len(scratch));
	else
		(void)buf_puts(b, ui->hist[i].text);
}

char *
ui_prompt(struct ui *ui, const char *question)
{
	return ui_prompt_complete(ui, question, NULL, NULL, NULL);
}

char *
ui_prompt_complete(struct ui *ui, const char *question, const char *initial,
    int (*complete)(void *, const char *, int, struct buf *, char *, size_t),
    void *arg)
{
	struct buf	*b, *orig, *typed;
	wint_t		 wc;
	char		 hint[512], *kind;
	size_t		 qlen = strlen(question), hpos = ui->nhist;
	int		 r, n, ntab = 0;
	char		*ans = NULL;

	b = buf_new(4096);
	orig = buf_new(4096);
	typed = buf_new(4096);
	kind = hist_kind(question);
	if (b == NULL || orig == NULL || typed == NULL || (initial != NULL &&
	    buf_puts(b, initial) != 0)) {
		buf_free(b);
		buf_free(orig);
		buf_free(typed);
		free(kind);
		return NULL;
	}
	hint[0] = '\0';
	nodelay(stdscr, FALSE);
	for (;;) {
		if (complete != NULL) {
			move(LINES - 2, 0);
			clrtoeol();
			attrset(COLOR_PAIR(UI_C_DIM));
			ui_put(LINES - 2, 0, COLS, hint, strlen(hint));
			attrset(A_NORMAL);
		}
		move(LINES - 1, 0);
		clrtoeol();
		n = ui_put(LINES - 1, 0, COLS, question, qlen);
		/* What was typed last stays in sight, the cursor after it. */
		ui_put_tail(LINES - 1, n, COLS - n - 1, buf_str(b),
		    buf_len(b));
		curs_set(1);
		refresh();
		if ((r = ui_key_wait(&wc, -1)) == UI_KEY_GONE)
			break;
		if (r == ERR)
			continue;
		if (r != KEY_CODE_YES && wc == '\t' && complete != NULL) {
			prompt_tab(b, orig, &ntab, complete, arg, hint,
			    sizeof(hint));
			continue;
		}
		ntab = 0;
		if (r == KEY_CODE_YES) {
			if (wc == KEY_BACKSPACE)
				goto backspace;
			if (wc == KEY_UP || wc == KEY_DOWN)
				hist_step(ui, kind, wc == KEY_UP ? -1 : 1,
				    &hpos, b, typed);
			if (wc == KEY_RESIZE)
				ui_redraw(ui);	/* laid out for the new size */
			continue;
		}
		if (wc == '\n' || wc == '\r') {
			if ((ans = buf_take(b, NULL)) != NULL)
				hist_add(ui, kind, ans);
			break;
		}
		if (wc == 27 || wc == 7 || wc == 3)	/* ESC, ^G, ^C */
			break;
		if (wc == 21) {				/* ^U */
			buf_reset(b);
			continue;
		}
		if (wc == 127 || wc == 8) {
backspace:
			/* Drop one UTF-8 sequence. */
			while (buf_len(b) > 0 &&
			    (buf_data(b)[buf_len(b) - 1] & 0xc0) == 0x80)
				buf_truncate(b, buf_len(b) - 1);
			if (buf_len(b) > 0)
				buf_truncate(b, buf_len(b) - 1);
			continue;
		}
		if (wc < 0x20)
			continue;
		/* UTF-8, as all text here, whatever the locale's. */
		if (wc <= 0x10ffff && (wc < 0xd800 || wc > 0xdfff))
			(void)text_utf8_put(b, (unsigned)wc);
	}
	curs_set(0);
	nodelay(stdscr, TRUE);
	buf_free(b);
	buf_free(orig);
	buf_free(typed);
	free(kind);
	ui->status[0] = '\0';
	return ans;
}

void
ui_put_question(const char *question)
{
	move(LINES - 1, 0);
	clrtoeol();
	attrset(COLOR_PAIR(UI_C_WARN) | A_BOLD);
	ui_put(LINES - 1, 0, COLS, question, strlen(question));
	attrset(A_NORMAL);
	refresh();
}

int
ui_confirm(struct ui *ui, const char *question)
{
	return ui_ask(ui, question) == 1;
}

int
ui_ask(struct ui *ui, const char *question)
{
	int	k = ui_ask_key(ui, question);

	return k == -1 ? -1 : k == 'y' || k == 'Y';
}

int
ui_ask_key(struct ui *ui, const char *question)
{
	wint_t	wc;
	int	r;

	ui_put_question(question);
	nodelay(stdscr, FALSE);
	/* A resize answers nothing: the screen is drawn again, and asks. */
	while ((r = ui_key_wait(&wc, -1)) == ERR ||
	    (r == KEY_CODE_YES && wc == KEY_RESIZE))
		if (r != ERR) {
			ui_redraw(ui);
			ui_put_question(question);
		}
	nodelay(stdscr, TRUE);
	ui->status[0] = '\0';
	if (r == OK && (wc == 27 || wc == 7 || wc == 3))	/* ESC ^G ^C */
		return -1;
	return r == OK ? (int)wc : 0;
}

int
ui_run_foreground(struct ui *ui, const char *const *argv)
{
	return ui_run_piped(ui, argv, NULL, 0, 0);
}

int
ui_run_sh(struct ui *ui, const char *cmd, const void *in, size_t len,
    int wait)
{
	const char	*argv[4];

	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = cmd;
	argv[3] = NULL;
	return ui_run_piped(ui, argv, in, len, wait);
}

/* Writes len bytes of p to fd, whatever the reader leaves unread. */
static void
feed(int fd, const void *p, size_t len)
{
	const char	*c = p;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, c, len)) == -1) {
			if (errno == EINTR)
				continue;
			break;		/* the reader is gone: EPIPE */
		}
		c += n;
		len -= (size_t)n;
	}
}

int
ui_run_piped(struct ui *ui, const char *const *argv, const void *in,
    size_t len, int wait)
{
	struct sigaction	 ign, oint, oquit;
	pid_t			 pid;
	int			 status = -1, p[2] = { -1, -1 }, ch;

	(void)ui;
	if (in != NULL && pipe2(p, O_CLOEXEC) == -1)
		return -1;
	def_prog_mode();
	endwin();
	/* A ^C typed at the program is its own, as system(3) has it. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	if ((pid = proc_fork()) == 0) {
		if (in != NULL && dup2(p[0], STDIN_FILENO) == -1)
			_exit(127);
		execvp(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	if (in != NULL) {
		close(p[0]);
		if (pid > 0)
			feed(p[1], in, len);
		close(p[1]);
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	if (wait) {
		fputs("\nPress Enter to go back. ", stdout);
		fflush(stdout);
		while ((ch = getchar()) != EOF && ch != '\n')
			;
	}
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	reset_prog_mode();
	refresh();
	if (pid == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

const char *
ui_index_account(struct ui *ui)
{
	const char	*a;
	int		 i;

	for (i = ui->nviews - 1; i >= 0; i--)
		if ((a = ui_index_view_account(ui->views[i])) != NULL ||
		    (a = ui_list_view_account(ui->views[i])) != NULL)
			return a;
	return NULL;
}

struct ui_view *
ui_under(struct ui *ui)
{
	return ui->nviews >= 2 ? ui->views[ui->nviews - 2] : NULL;
}

static void
job_close(struct ui_job *j)
{
	if (j->out != -1)
		close(j->out);
	if (j->err != -1)
		close(j->err);
	if (j->in != -1)
		close(j->in);
	j->out = j->err = j->in = -1;
	buf_free(j->input);
	buf_free(j->errbuf);
	buf_free(j->outbuf);
	j->input = j->errbuf = j->outbuf = NULL;
}

/*
 * Starts this program with args (after the home options), its standard
 * input, output and error on pipes: fd[0] is written, fd[1] and fd[2]
 * read. 0, or -1 with errno set.
 */
static int
job_spawn(struct ui *ui, const char **args, int keep_hup, pid_t *pidp,
    int fd[3])
{
	const char	*argv[48];
	int		 p[3][2], n = 0, i, keep[2], saved;
	pid_t		 pid;

	argv[n++] = "sealmail";
	n += app_session_child_args(ui->s, argv + n, keep);
	for (i = 0; args[i] != NULL && n < 47; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	for (i = 0; i < 3; i++)
		p[i][0] = p[i][1] = -1;
	for (i = 0; i < 3; i++)
		if (pipe2(p[i], O_CLOEXEC) == -1)
			goto fail;
	if ((pid = proc_fork()) == -1)
		goto fail;
	if (pid == 0) {
		dup2(p[0][0], 0);
		dup2(p[1][1], 1);
		dup2(p[2][1], 2);
		app_session_child_keep(keep);
		/*
		 * A ^C or ^\ is the user's word to the program in the
		 * foreground (the whole foreground group hears those, a
		 * command run with | included), never to a job. A send
		 * outlives the terminal too: cut off mid-submission, its
		 * message would be left in doubt.
		 */
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		if (keep_hup) {
			signal(SIGHUP, SIG_IGN);
			signal(SIGPIPE, SIG_IGN);
		}
		execv("/proc/self/exe", (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(p[0][0]);
	close(p[1][1]);
	close(p[2][1]);
	fd[0] = p[0][1];
	fd[1] = p[1][0];
	fd[2] = p[2][0];
	fcntl(fd[0], F_SETFL, O_NONBLOCK);
	*pidp = pid;
	return 0;
fail:
	saved = errno;
	for (i = 0; i < 6; i++)
		if (p[i / 2][i % 2] != -1)
			close(p[i / 2][i % 2]);
	errno = saved;
	return -1;
}

int
ui_job(struct ui *ui, const char *label, const char **args,
    const struct buf *input, void (*done)(struct ui *, int, void *),
    void *arg)
{
	struct ui_job	*j = &ui->job;
	int		 fd[3];
	pid_t		 pid;

	if (j->pid > 0) {
		ui_status(ui, 1, "%s is still running", j->label);
		return -1;
	}
	if (job_spawn(ui, args, strcmp(label, "sending") == 0, &pid,
	    fd) != 0) {
		ui_status(ui, 1, "cannot start %s: %s", label,
		    strerror(errno));
		return -1;
	}
	memset(j, 0, sizeof(*j));
	j->pid = pid;
	j->in = fd[0];
	j->out = fd[1];
	j->err = fd[2];
	j->errbuf = buf_new(UI_JOB_ERRMAX);
	j->outbuf = buf_new(UI_JOB_ERRMAX);
	if (input != NULL && buf_len(input) > 0) {
		j->input = buf_new_secret(0);	/* message text: wiped */
		if (j->input == NULL || buf_put(j->input, buf_data(input),
		    buf_len(input)) != 0) {
			close(j->in);
			j->in = -1;
		}
	} else {
		close(j->in);
		j->in = -1;
	}
	if (snprintf(j->label, sizeof(j->label), "%s", label) < 0)
		j->label[0] = '\0';
	j->done = done;
	j->arg = arg;
	ui->status[0] = '\0';
	return 0;
}

/*
 * Reads what the job wrote on one of its pipes, keeping only the last
 * complete line (sanitized when shown). Returns 0 at end of file.
 */
static int
read_last_line(int fd, struct buf *b, char *last, size_t lastlen)
{
	char		 tmp[4096];
	const char	*d, *nl, *start;
	ssize_t		 n;
	size_t		 len, l;

	if ((n = read(fd, tmp, sizeof(tmp))) <= 0)
		return n == 0 || (errno != EINTR && errno != EAGAIN) ? 0 : 1;
	if (b == NULL)
		return 1;
	if (buf_put(b, tmp, (size_t)n) != 0)
		buf_reset(b);
	d = (const char *)buf_data(b);
	len = buf_len(b);
	start = d;
	while ((nl = memchr(start, '\n', len - (size_t)(start - d))) != NULL) {
		if (nl > start) {
			l = (size_t)(nl - start);
			if (l >= lastlen)
				l = lastlen - 1;
			memcpy(last, start, l);
			last[l] = '\0';
		}
		start = nl + 1;
	}
	buf_consume(b, (size_t)(start - d));
	return 1;
}

/* read_last_line on *fdp, closed and set to -1 at its end. */
static void
job_read_lines(int *fdp, struct buf *b, char *last, size_t lastlen)
{
	if (!read_last_line(*fdp, b, last, lastlen)) {
		close(*fdp);
		*fdp = -1;
	}
}

static void
job_write_in(struct ui_job *j)
{
	ssize_t	n;

	n = write(j->in, buf_data(j->input) + j->inoff,
	    buf_len(j->input) - j->inoff);
	if (n > 0)
		j->inoff += (size_t)n;
	if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
	    j->inoff == buf_len(j->input)) {
		close(j->in);
		j->in = -1;
	}
}

static void
job_reap(struct ui *ui)
{
	struct ui_job	*j = &ui->job;
	int		 status, code;
	char		*line;

	if (j->pid <= 0 || j->out != -1 || j->err != -1)
		return;
	if (waitpid(j->pid, &status, 0) == -1)
		return;
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	/* Done: what it said it did; failed: why (its last stderr line). */
	line = text_sanitize_str(code == 0 && j->outline[0] != '\0' ?
	    j->outline : j->lastline, 0);
	if (line != NULL && line[0] != '\0')
		ui_status(ui, code != 0, "%s", line);
	else
		ui_status(ui, code != 0, "%s %s", j->label, code == 0 ?
		    "done" : "failed");
	free(line);
	j->pid = 0;
	job_close(j);
	if (j->done != NULL)
		j->done(ui, code, j->arg);
	ui_refresh_all(ui);
}

/*
 * An account is offline. Said once: a later try that fails again only
 * brings the line up to date while it is shown, and never hides what the
 * user did since.
 */
static void
watch_offline(struct ui *ui, const char *account, const char *seconds,
    const char *reason)
{
	struct ui_watch	*w = &ui->watch;
	int		 shown, again;

	shown = ui->status[0] == '\0' || strcmp(ui->status, w->lost) == 0;
	again = strcmp(w->lost_account, account) == 0;
	snprintf(w->lost, sizeof(w->lost), "%s is offline (%s); trying "
	    "again in %s s", account, reason, seconds);
	snprintf(w->lost_account, sizeof(w->lost_account), "%s", account);
	if (shown || !again)
		ui_status(ui, 1, "%s", w->lost);
}

/* One line of the watcher's: what happened, on the status line. */
static void
watch_line(struct ui *ui, char *line)
{
	struct ui_watch	*w = &ui->watch;
	char		*f[6];
	size_t		 n = 0;

	while (n < 6 && (f[n] = strsep(&line, "\t")) != NULL)
		n++;
	if (n == 6 && strcmp(f[0], "progress") == 0) {
		snprintf(w->line, sizeof(w->line), "syncing %s (%s): %s/%s, "
		    "%s msg/s", f[2], f[1], f[3], f[4], f[5]);
	}
	else if (n == 3 && strcmp(f[0], "synced") == 0) {
		/* The last progress stays, said in the past. */
		if (strncmp(w->line, "syncing ", 8) == 0) {
			memmove(w->line + 6, w->line + 7, strlen(w->line + 7)
			    + 1);
			memcpy(w->line + 4, "ed", 2);	/* "synced " */
		}
		ui_refresh_all(ui);
	} else if (n == 4 && strcmp(f[0], "new") == 0) {
		status_notice(ui, f[1], f[2], strtoul(f[3], NULL, 10));
		ui_refresh_all(ui);
	} else if (n == 3 && strcmp(f[0], "watching") == 0) {
		/* Back online: the line that said it was not goes. */
		if (strcmp(w->lost_account, f[1]) == 0) {
			if (strcmp(ui->status, w->lost) == 0)
				ui->status[0] = '\0';
			w->lost[0] = w->lost_account[0] = '\0';
		}
		w->line[0] = '\0';
	} else if (n == 4 && strcmp(f[0], "offline") == 0)
		watch_offline(ui, f[1], f[2], f[3]);
	else if (n == 3 && strcmp(f[0], "failed") == 0)
		ui_status(ui, 1, "%s: %s", f[1], f[2]);
}

static void
watch_read_out(struct ui *ui)
{
	struct ui_watch	*w = &ui->watch;
	char		 tmp[4096], *d, *nl;
	ssize_t		 n;

	if ((n = read(w->out, tmp, sizeof(tmp))) <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			close(w->out);
			w->out = -1;
		}
		return;
	}
	if (buf_put(w->buf, tmp, (size_t)n) != 0)
		buf_reset(w->buf);
	d = (char *)buf_data(w->buf);
	while ((nl = memchr(d, '\n', buf_len(w->buf) - (size_t)(d -
	    (char *)buf_data(w->buf)))) != NULL) {
		*nl = '\0';
		watch_line(ui, d);
		d = nl + 1;
	}
	buf_consume(w->buf, (size_t)(d - (char *)buf_data(w->buf)));
}

static void
watch_start(struct ui *ui)
{
	static const char		*args[] = { "watch", NULL };
	const struct app_config		*cfg = app_session_config(ui->s);
	struct ui_watch			*w = &ui->watch;
	size_t				 i;
	int				 fd[3];

	w->in = w->out = w->err = -1;
	for (i = 0; i < cfg->naccounts; i++)
		if (cfg->accounts[i].has_imap)
			break;
	if (i == cfg->naccounts || (w->buf = buf_new(0)) == NULL ||
	    (w->ebuf = buf_new(0)) == NULL)
		return;
	if (job_spawn(ui, args, 0, &w->pid, fd) != 0) {
		snprintf(w->line, sizeof(w->line), "new mail is not watched: "
		    "%s", strerror(errno));
		w->pid = 0;
		return;
	}
	w->in = fd[0];
	w->out = fd[1];
	w->err = fd[2];
}

static void
watch_reap(struct ui *ui)
{
	struct ui_watch	*w = &ui->watch;
	int		 status;

	if (w->pid <= 0 || w->out != -1 || w->err != -1)
		return;
	while (waitpid(w->pid, &status, 0) == -1 && errno == EINTR)
		;
	w->pid = 0;
	if (w->in != -1)
		close(w->in);
	w->in = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		snprintf(w->line, sizeof(w->line), "new mail is not watched: "
		    "%s", w->lastline[0] != '\0' ? w->lastline :
		    "the watcher ended");
}

/*
 * The watcher starts once the first screen is drawn and no key typed
 * ahead is waiting: the index shows before a sync competes with it for
 * the processor, and a quit typed ahead starts none.
 */
static void
watch_start_idle(struct ui *ui)
{
	struct pollfd	p;

	if (ui->watch.started)
		return;
	p.fd = 0;
	p.events = POLLIN;
	p.revents = 0;
	if (poll(&p, 1, 0) > 0)
		return;
	ui->watch.started = 1;
	watch_start(ui);
}

/* At the end: the watcher sees its input end, and is told to stop. */
static void
watch_stop(struct ui *ui)
{
	struct ui_watch	*w = &ui->watch;

	if (w->in != -1)
		close(w->in);
	if (w->pid > 0) {
		kill(w->pid, SIGTERM);
		while (waitpid(w->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	if (w->out != -1)
		close(w->out);
	if (w->err != -1)
		close(w->err);
	buf_free(w->buf);
	buf_free(w->ebuf);
	memset(w, 0, sizeof(*w));
}

/* S: every account now, by the watcher, or by a job of its own. */
static void
ui_sync_all(struct ui *ui)
{
	static const char	*args[] = { "sync", NULL };

	/* Said where the watcher's progress then takes its place. */
	/* An account still offline is said to be again. */
	ui->watch.lost_account[0] = '\0';
	if (ui->watch.pid > 0 && ui->watch.in != -1 &&
	    write(ui->watch.in, "sync\n", 5) == 5) {
		snprintf(ui->watch.line, sizeof(ui->watch.line), "syncing "
		    "every account in the background…");
		return;
	}
	if (ui_job(ui, "syncing", args, NULL, NULL, NULL) == 0)
		ui_status(ui, 0, "syncing in the background…");
}

int
ui_ask_quit(struct ui *ui)
{
	if (!ui_confirm(ui, "Quit sealmail? (y/N) "))
		return 0;
	ui->quit = 1;
	return 1;
}

static void
ui_key(struct ui *ui, wint_t wc, int fn)
{
	struct ui_view	*v = ui->views[ui->nviews - 1];
	int		 r;

	if (!fn && wc == 12) {			/* ^L */
		clearok(curscr, TRUE);
		return;
	}
	/* What the status line said was about the key before this one. */
	ui->status[0] = '\0';
	r = v->ops->key(ui, v, wc, fn);
	if (r == -1) {
		ui_pop(ui);
		return;
	}
	if (r == 0 || fn)
		return;
	switch (wc) {
	case 'q':
	case 'x':	/* mutt's exit: no change here waits to be saved */
		/* The first screen asks, as mutt's $quit does. */
		if (ui->nviews > 1 || ui_confirm(ui, "Quit sealmail? (y/N) "))
			ui_pop(ui);
		break;
	case 'Q':
		ui->quit = 1;
		break;
	case 3:					/* ^C: asked, as mutt does */
		(void)ui_ask_quit(ui);
		break;
	/* A screen's own key on that screen opens no second one over it. */
	case '?':
		if (strcmp(v->ops->name, "help") != 0)
			ui_push(ui, ui_help_new(ui));
		break;
	case 'K':
		if (strcmp(v->ops->name, "keys") != 0)
			ui_push(ui, ui_keys_new(ui));
		break;
	case 'c':
	case 'y':
		if (strcmp(v->ops->name, "folders") != 0)
			ui_push(ui, ui_folders_new(ui));
		break;
	case 'm':
		ui_compose(ui, NULL, NULL, NULL, NULL);
		break;
	case 'R':
		if (strcmp(v->ops->name, "drafts") != 0)
			ui_push(ui, ui_drafts_new(ui, ui_index_account(ui)));
		break;
	case '$':
	case 'S':
		ui_sync_all(ui);
		break;
	default:
		ui_status(ui, 0, "key is not bound; ? shows the keys");
	}
}

static void
ui_loop(struct ui *ui)
{
	struct pollfd	 pfd[7];
	wint_t		 wc;
	int		 n, r, i_in, i_out, i_err, i_jin, i_wout, i_werr;
	int		 nkeys;
	char		 tmp[16];

	while (!ui->quit && ui->nviews > 0 && !ui_gone) {
		ui_draw(ui);
		watch_start_idle(ui);
		n = 0;
		pfd[n].fd = 0; pfd[n++].events = POLLIN;
		pfd[n].fd = ui_sigpipe[0]; pfd[n++].events = POLLIN;
		i_out = i_err = i_jin = -1;
		if (ui->job.out != -1 && ui->job.pid > 0) {
			i_out = n;
			pfd[n].fd = ui->job.out; pfd[n++].events = POLLIN;
		}
		if (ui->job.err != -1 && ui->job.pid > 0) {
			i_err = n;
			pfd[n].fd = ui->job.err; pfd[n++].events = POLLIN;
		}
		if (ui->job.in != -1 && ui->job.pid > 0) {
			i_jin = n;
			pfd[n].fd = ui->job.in; pfd[n++].events = POLLOUT;
		}
		i_wout = i_werr = -1;
		if (ui->watch.out != -1) {
			i_wout = n;
			pfd[n].fd = ui->watch.out; pfd[n++].events = POLLIN;
		}
		if (ui->watch.err != -1) {
			i_werr = n;
			pfd[n].fd = ui->watch.err; pfd[n++].events = POLLIN;
		}
		i_in = 0;
		if (poll(pfd, (nfds_t)n, ui->job.pid > 0 ? 500 : -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents & POLLIN) {
			while (read(ui_sigpipe[0], tmp, sizeof(tmp)) > 0)
				;
			endwin();
			refresh();
		}
		if (i_out != -1 && pfd[i_out].revents)
			job_read_lines(&ui->job.out, ui->job.outbuf,
			    ui->job.outline, sizeof(ui->job.outline));
		if (i_err != -1 && pfd[i_err].revents)
			job_read_lines(&ui->job.err, ui->job.errbuf,
			    ui->job.lastline, sizeof(ui->job.lastline));
		if (i_jin != -1 && pfd[i_jin].revents)
			job_write_in(&ui->job);
		job_reap(ui);
		if (i_wout != -1 && pfd[i_wout].revents)
			watch_read_out(ui);
		if (i_werr != -1 && pfd[i_werr].revents)
			job_read_lines(&ui->watch.err, ui->watch.ebuf,
			    ui->watch.lastline, sizeof(ui->watch.lastline));
		watch_reap(ui);
		if (!(pfd[i_in].revents & (POLLIN | POLLHUP | POLLERR |
		    POLLNVAL)))
			continue;
		for (nkeys = 0; (r = get_wch(&wc)) != ERR; nkeys++) {
			if (r == KEY_CODE_YES && wc == KEY_RESIZE)
				continue;
			ui_key(ui, wc, r == KEY_CODE_YES);
			if (ui->quit || ui->nviews == 0 || ui_gone)
				break;
		}
		/* Readable, yet no key: the terminal may have gone away. */
		if (nkeys == 0)
			(void)ui_input_ended();
	}
}

/*
 * ^C comes as a key, not as SIGINT (which would end the program at once,
 * and the watcher with it): the program asks before it quits. Programs
 * run in the foreground get the terminal's own modes, ^C with them.
 */
static void
ui_intr_key(void)
{
	struct termios	t;

	if (tcgetattr(0, &t) == 0) {
		t.c_cc[VINTR] = _POSIX_VDISABLE;
		(void)tcsetattr(0, TCSANOW, &t);
	}
	def_prog_mode();
}

int
ui_main(const struct app_opts *o)
{
	const struct app_account *a;
	struct ui		 ui;
	struct smerr		 e;
	struct sigaction	 sa;
	char			*msg, why[256];
	int			 i, added;

	memset(&ui, 0, sizeof(ui));
	ui.job.out = ui.job.err = ui.job.in = -1;
	ui.watch.out = ui.watch.err = ui.watch.in = -1;
	smerr_clear(&e);
	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "sealmail: the terminal program needs a "
		    "terminal; see 'sealmail --help' for the commands\n");
		return 2;
	}
	if (ui_term_check(why, sizeof(why)) != 0) {
		fprintf(stderr, "sealmail: %s; run it in a terminal such as "
		    "xterm, tmux or screen (see 'sealmail --help' for the "
		    "commands, which need none)\n", why);
		return 2;
	}
	if (app_session_open(o, &ui.s, &e) != 0) {
		msg = text_sanitize_str(smerr_msg(&e), 0);
		fprintf(stderr, "sealmail: %s\n", msg != NULL ? msg : "error");
		free(msg);
		return 1;
	}
	added = app_session_config(ui.s)->naccounts == 0 &&
	    ui_first_run(ui.s);
	if (pipe2(ui_sigpipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		app_session_close(ui.s);
		fprintf(stderr, "sealmail: pipe: %s\n", strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ui_on_winch;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGCONT, &sa, NULL);

	initscr();
	ui_draw_init();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	ui_intr_key();

	a = app_config_account(app_session_config(ui.s), NULL);
	ui_push(&ui, ui_index_new(&ui, a != NULL ? a->name : NULL, "INBOX",
	    NULL));
	if (a == NULL)
		ui_status(&ui, 1, "no account configured: quit (q) and run "
		    "sealmail setup ADDRESS, or see README.md");
	else if (added)
		ui_status(&ui, 0, "account %s added; S: sync  ?: help",
		    a->name);
	else if ((i = ui_compose_recover(&ui)) > 0)
		ui_status(&ui, 0, "%d unsent message%s kept as draft%s: R "
		    "lists them", i, i == 1 ? "" : "s", i == 1 ? "" : "s");
	ui_loop(&ui);

	endwin();
	watch_stop(&ui);
	if (ui.job.pid > 0) {
		/*
		 * A send is let finish: stopped in the middle, its message
		 * would be left in doubt. Anything else stops.
		 */
		if (strcmp(ui.job.label, "sending") == 0)
			fprintf(stderr, "sealmail: waiting for the send to "
			    "finish\n");
		else
			kill(ui.job.pid, SIGTERM);
		waitpid(ui.job.pid, NULL, 0);
		/* Abandoned: the callback only lets go of its argument. */
		if (ui.job.done != NULL)
			ui.job.done(&ui, UI_JOB_ABANDONED, ui.job.arg);
	}
	job_close(&ui.job);
	for (i = ui.nviews - 1; i >= 0; i--)
		ui_view_free(ui.views[i]);
	free(ui.search);
	hist_free(&ui);
	app_session_close(ui.s);
	close(ui_sigpipe[0]);
	close(ui_sigpipe[1]);
	if (ui_gone) {
		fprintf(stderr, "sealmail: the terminal's input ended\n");
		return 1;
	}
	return 0;
}
