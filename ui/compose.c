/*
 * Writing a message: a template in $VISUAL/$EDITOR, then a confirmation
 * line with the signing and encryption choices, then `send` in the
 * background (which queues it in the encrypted outbox first, so a failed
 * submission loses nothing). The editor needs a file: it lives in a
 * private directory (the runtime directory when there is one, which is
 * memory-backed), is overwritten and removed as soon as it is read back.
 */
#include <sys/stat.h>

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "app/app.h"
#include "ui/ui_int.h"

#define COMPOSE_MAX	(32 * 1024 * 1024)

static int
compose_dir(struct ui *ui, char *dir, size_t len)
{
	const char	*rt = getenv("XDG_RUNTIME_DIR");
	int		 n;

	if (rt != NULL && rt[0] == '/')
		n = snprintf(dir, len, "%s/sealmail", rt);
	else
		n = snprintf(dir, len, "%s/tmp",
		    app_session_datadir(ui_session(ui)));
	if (n < 0 || (size_t)n >= len)
		return -1;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -1;
	return chmod(dir, 0700);
}

/* Overwrites and removes the draft file. */
static void
compose_shred(const char *path)
{
	struct stat	st;
	char		zero[4096];
	off_t		left;
	int		fd;

	memset(zero, 0, sizeof(zero));
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) != -1) {
		if (fstat(fd, &st) == 0)
			for (left = st.st_size; left > 0;
			    left -= (off_t)sizeof(zero))
				if (write(fd, zero, sizeof(zero)) == -1)
					break;
		(void)fsync(fd);
		close(fd);
	}
	unlink(path);
}

static int
compose_edit(struct ui *ui, const char *path)
{
	const char	*ed = getenv("VISUAL");
	const char	*argv[6];

	if (ed == NULL || *ed == '\0')
		ed = getenv("EDITOR");
	if (ed == NULL || *ed == '\0')
		ed = "vi";
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = "exec $SEALMAIL_EDITOR \"$1\"";
	argv[3] = "sh";
	argv[4] = path;
	argv[5] = NULL;
	setenv("SEALMAIL_EDITOR", ed, 1);
	return ui_run_foreground(ui, argv);
}

/* The value of header field name in the draft (first occurrence). */
static char *
draft_field(const char *msg, const char *name)
{
	const char	*p = msg, *nl;
	size_t		 n = strlen(name);

	while (*p != '\0' && *p != '\n') {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			return strndup(p, (size_t)(nl - p));
		}
		if (*nl == '\0')
			break;
		p = nl + 1;
	}
	return NULL;
}

/* What a send needs to be tried again without encryption. */
struct compose_send {
	struct buf	*draft;
	int		 sign;
	int		 auto_enc;	/* encryption was "auto": may fall back */
};

static void	compose_done(struct ui *, int, void *);

static void
compose_start(struct ui *ui, struct compose_send *cs, int enc)
{
	const char	*args[5];

	args[0] = "send";
	args[1] = cs->sign ? "--sign" : "--no-sign";
	args[2] = enc == 1 ? "--encrypt" : enc == 0 ? "--no-encrypt" : "-";
	args[3] = enc == -1 ? NULL : "-";
	args[4] = NULL;
	if (ui_job(ui, "sending", args, cs->draft, compose_done, cs) != 0) {
		buf_free(cs->draft);
		free(cs);
	}
}

/*
 * With encryption on "auto", the message is first sent encrypted. When
 * some recipient has no usable certificate, the user is told who and why
 * and decides: it goes unencrypted only on an explicit yes.
 */
static void
compose_done(struct ui *ui, int code, void *arg)
{
	struct compose_send	*cs = arg;
	char			 q[600];

	if (code != UI_JOB_ABANDONED && code != 0 && cs->auto_enc &&
	    strstr(ui_status_text(ui), "cannot encrypt to") != NULL) {
		/* The question first: the reason may not fit the line. */
		snprintf(q, sizeof(q), "Send it UNENCRYPTED? (y/N) %s",
		    ui_status_text(ui));
		if (ui_confirm(ui, q)) {
			cs->auto_enc = 0;
			compose_start(ui, cs, 0);
			return;
		}
		ui_status(ui, 0, "not sent");
	}
	buf_free(cs->draft);
	free(cs);
}

/*
 * The editor over the draft tmpl, then the question whether to send: the
 * draft goes out (in the background) only on y. enc: 1 encrypt, 0 not,
 * -1 encrypt, and ask before sending unencrypted when it cannot be.
 * note, when not NULL, is shown before the question.
 */
void
ui_compose_draft(struct ui *ui, const char *tmpl, size_t tmpl_len, int sign,
    int enc, const char *note)
{
	struct buf			*draft = NULL;
	char				 dir[400], path[512], q[300];
	char				*rcpt = NULL;
	struct compose_send		*cs;
	int				 fd = -1, done = 0, r;
	wint_t				 wc;

	if (compose_dir(ui, dir, sizeof(dir)) != 0 ||
	    snprintf(path, sizeof(path), "%s/draft-XXXXXX", dir) >=
	    (int)sizeof(path) || (fd = mkstemp(path)) == -1) {
		ui_status(ui, 1, "cannot make a draft file: %s",
		    strerror(errno));
		return;
	}
	if (write(fd, tmpl, tmpl_len) != (ssize_t)tmpl_len) {
		ui_status(ui, 1, "cannot write the draft: %s", strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;

	for (;;) {
		if (compose_edit(ui, path) != 0) {
			ui_status(ui, 1, "the editor failed; draft discarded");
			goto out;
		}
		buf_free(draft);
		if ((draft = buf_new_secret(COMPOSE_MAX)) == NULL ||
		    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
		    buf_read_fd(draft, fd) != 0) {
			ui_status(ui, 1, "cannot read the draft back");
			goto out;
		}
		close(fd);
		fd = -1;
		if (buf_len(draft) == tmpl_len && memcmp(buf_data(draft),
		    tmpl, tmpl_len) == 0) {
			ui_status(ui, 0, "unchanged: not sent");
			goto out;
		}
		free(rcpt);
		rcpt = draft_field(buf_str(draft), "To");
		if (rcpt == NULL || rcpt[0] == '\0') {
			ui_status(ui, 1, "no recipient (To:); draft discarded");
			goto out;
		}
		for (;;) {
			snprintf(q, sizeof(q), "%.120s%sSend to %.80s?  y:send  "
			    "e:edit  s:sign [%s]  x:encrypt [%s]  q:discard",
			    note != NULL ? note : "", note != NULL ? "  " : "",
			    rcpt, sign ? "yes" : "no", enc == 1 ? "yes" :
			    enc == 0 ? "no" : "auto");
			move(LINES - 1, 0);
			clrtoeol();
			attrset(COLOR_PAIR(UI_C_WARN) | A_BOLD);
			ui_put(LINES - 1, 0, COLS, q, strlen(q));
			attrset(A_NORMAL);
			refresh();
			nodelay(stdscr, FALSE);
			r = get_wch(&wc);
			nodelay(stdscr, TRUE);
			if (r == ERR)
				continue;
			if (wc == 's')
				sign = !sign;
			else if (wc == 'x')
				enc = enc == -1 ? 1 : enc == 1 ? 0 : -1;
			else if (wc == 'e' || wc == 'y' || wc == 'q' ||
			    wc == 27)
				break;
		}
		if (wc == 'e')
			continue;
		if (wc == 'y')
			done = 1;
		break;
	}
	if (!done) {
		ui_status(ui, 0, "draft discarded");
		goto out;
	}
	if ((cs = calloc(1, sizeof(*cs))) == NULL)
		goto out;
	cs->draft = draft;
	draft = NULL;
	cs->sign = sign;
	cs->auto_enc = enc == -1;
	compose_start(ui, cs, enc == -1 ? 1 : enc);
	ui_status(ui, 0, "sending to %s…", rcpt);
out:
	if (fd != -1)
		close(fd);
	compose_shred(path);
	free(rcpt);
	buf_free(draft);
}

void
ui_compose(struct ui *ui, const char *to, const char *subject,
    const char *quote, const char *in_reply_to)
{
	const struct app_config		*cfg = app_session_config(ui_session(ui));
	const struct app_account	*a = app_config_account(cfg, NULL);
	struct buf			*tmpl = NULL;

	if (a == NULL) {
		ui_status(ui, 1, "no account configured: see README.md");
		return;
	}
	if ((tmpl = buf_new_secret(0)) == NULL)
		return;
	if (a->display_name != NULL)
		buf_printf(tmpl, "From: %s <%s>\n", a->display_name,
		    a->address);
	else
		buf_printf(tmpl, "From: %s\n", a->address);
	buf_printf(tmpl, "To: %s\nCc: \nSubject: %s\n", to != NULL ? to : "",
	    subject != NULL ? subject : "");
	if (in_reply_to != NULL)
		buf_printf(tmpl, "In-Reply-To: %s\nReferences: %s\n",
		    in_reply_to, in_reply_to);
	buf_printf(tmpl, "\n%s%s", quote != NULL ? "\n" : "",
	    quote != NULL ? quote : "");
	ui_compose_draft(ui, (const char *)buf_data(tmpl), buf_len(tmpl),
	    a->sign, a->encrypt == APP_ENCRYPT_YES ? 1 :
	    a->encrypt == APP_ENCRYPT_NO ? 0 : -1, NULL);
	buf_free(tmpl);
}
