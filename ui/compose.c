/*
 * Writing a message. The text goes through $VISUAL/$EDITOR and, each time
 * the editor closes, into the encrypted store as a draft, so that nothing
 * written is lost: the compose screen then sends it (`send --draft` in the
 * background, which takes it out of the drafts only as it queues it),
 * edits it again, postpones it (P) or discards it after asking. A send
 * that cannot queue it comes back to the compose screen with the reason.
 * There, t and c set To and Cc (Tab completes addresses, and an alias's
 * name becomes its addresses, as it does when the editor closes), a and D
 * attach and detach files, read at once and kept with the draft (send
 * --draft attaches them; a recalled draft has them again), and each
 * recipient shows where its certificate comes from (compose-info.c).
 *
 * The editor needs a file: it lives in a private directory (0700; the
 * runtime directory when there is one, which is memory-backed), named
 * after this process and home, and is overwritten and removed as soon as
 * it is read back. A SIGHUP, SIGTERM or SIGINT (one not typed at the
 * terminal, where ^C belongs to the editor) while the editor runs stops
 * the editor, keeps its text as a draft and removes the file and the
 * editor's own leftovers before the program ends; a file left by a crash
 * is kept as a draft and removed at the next start. An editor that
 * fails (a status other than 0, or killed) leaves the message as it was,
 * and what it saved, if anything new, becomes a draft of its own; a file
 * whose text the store did not take, or that cannot be read back, is
 * left there for the next start. A draft another process queued, sent
 * or deleted meanwhile is never made again (compose_gone).
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <curses.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/proc.h"
#include "base/secmem.h"
#include "store/store.h"
#include "app/app.h"
#include "ui/ui_int.h"

/* As much as the store keeps of a draft. */
#define COMPOSE_MAX	STORE_DRAFT_MAX

/* One message being written. */
struct compose {
	int64_t		 draft;		/* its id in the store, or 0 */
	struct buf	*text;		/* as written (secret) */
	int		 sign;
	int		 enc;		/* 1 yes, 0 no, -1 auto */
	int		 auto_enc;	/* this send may fall back to clear */
	int		 chosen;	/* sign and enc are known, to keep */
	int		 user_chose;	/* ...by s or x, or for the reply */
	const struct app_account *acct;	/* whose address From has */
	struct ui_cinfo	 info;		/* attachments, recipients' keys */
	struct ui_addrs	*addrs;		/* what To and Cc complete from */
	const char	*reason;	/* why the screen is shown again */
	int		 unkept;	/* the store refused the last text */
	int		 changed;	/* text not yet kept as draft */
	int		 gone;		/* another process took the draft */
};

static volatile sig_atomic_t	compose_sig;

static void
compose_free(struct compose *cs)
{
	if (cs == NULL)
		return;
	buf_free(cs->text);
	ui_cinfo_clear(&cs->info);
	ui_addrs_free(cs->addrs);
	free(cs);
}

/* A tag of this home, so that homes sharing a runtime directory part. */
static unsigned long
compose_tag(struct ui *ui)
{
	const char	*p = app_session_datadir(ui_session(ui));
	unsigned long	 h = 2166136261UL;

	for (; p != NULL && *p != '\0'; p++)
		h = ((h ^ (unsigned char)*p) * 16777619UL) & 0xffffffffUL;
	return h;
}

static int
compose_dir(struct ui *ui, char *dir, size_t len)
{
	const char	*rt = getenv("XDG_RUNTIME_DIR");
	struct stat	 sb;
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
	if (lstat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode) ||
	    sb.st_uid != geteuid())
		return -1;
	return chmod(dir, 0700);
}

/* Overwrites and removes a file. */
static void
compose_shred(const char *path)
{
	struct stat	st;
	char		zero[4096];
	off_t		left;
	int		fd;

	memset(zero, 0, sizeof(zero));
	if ((fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) != -1) {
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			for (left = st.st_size; left > 0;
			    left -= (off_t)sizeof(zero))
				if (write(fd, zero, sizeof(zero)) == -1)
					break;
		(void)fsync(fd);
		close(fd);
	}
	unlink(path);
}

/*
 * Shreds every file in dir whose name holds base: the draft file and
 * what editors leave beside it (.base.swp, base~, #base#); all but the
 * file at path keep, when that is not NULL.
 */
static void
compose_shred_all(const char *dir, const char *base, const char *keep)
{
	DIR		*d;
	struct dirent	*de;
	char		 p[1024];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, base) != NULL &&
		    snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) <
		    (int)sizeof(p) && (keep == NULL || strcmp(p, keep) != 0))
			compose_shred(p);
	closedir(d);
}

/*
 * Reads the file at path into a new buffer that replaces *bp: 0; else -1
 * and *bp is as it was (a file missing, unreadable or over COMPOSE_MAX
 * never stands for the text).
 */
static int
compose_read(const char *path, struct buf **bp)
{
	struct buf	*b;
	int		 fd, r;

	if ((b = buf_new_secret(COMPOSE_MAX)) == NULL)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		buf_free(b);
		return -1;
	}
	r = buf_read_fd(b, fd);
	close(fd);
	if (r != 0) {
		buf_free(b);
		return -1;
	}
	buf_free(*bp);
	*bp = b;
	return 0;
}

/* What To and Cc complete from and aliases expand to; NULL on no memory. */
static struct ui_addrs *
compose_addrs(struct ui *ui, struct compose *cs)
{
	if (cs->addrs == NULL)
		cs->addrs = ui_addrs_new(ui, app_config_account(
		    app_session_config(ui_session(ui)), NULL));
	return cs->addrs;
}

/*
 * An alias's name in To, Cc or Bcc becomes its addresses, as mutt does
 * when the editor closes. Only with an alias file: nothing to read else.
 */
static void
compose_expand(struct ui *ui, struct compose *cs)
{
	const struct app_account	*a;
	struct ui_addrs			*ua;
	struct smerr			 e;

	a = app_config_account(app_session_config(ui_session(ui)), NULL);
	if (a == NULL || a->alias_file == NULL ||
	    (ua = compose_addrs(ui, cs)) == NULL)
		return;
	smerr_clear(&e);
	if (app_draft_expand_aliases(cs->text, ui_addrs_book(ua), &e) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
}

/*
 * Draft cs->draft is gone: another process queued, sent or deleted it
 * (the send job of another screen, sealmail send --draft). It is never
 * made again, for it would be sent twice; what was changed here since it
 * was last kept becomes a new draft, without the files that went with
 * the old one. 0 when that is kept, 1 when there was nothing to keep
 * (cs->gone: the screen is left), -1 when the store refused it.
 */
static int	compose_keep(struct ui *, struct compose *, const char *);

static int
compose_gone(struct ui *ui, struct compose *cs, const char *reason)
{
	int64_t		 old = cs->draft;
	int		 files = cs->info.natt > 0;
	char		 why[256];

	if (!cs->changed) {
		cs->gone = 1;
		ui_status(ui, 1, "draft %lld was queued, sent or deleted by "
		    "another process meanwhile", (long long)old);
		return 1;
	}
	/* A new draft: compose_keep cannot come back here with none. */
	cs->draft = 0;
	ui_cinfo_clear(&cs->info);
	if (compose_keep(ui, cs, reason) != 0) {
		snprintf(why, sizeof(why), "%s", ui_status_text(ui));
		ui_status(ui, 1, "draft %lld was queued, sent or deleted by "
		    "another process, and the changes made here: %s",
		    (long long)old, why);
		return -1;
	}
	ui_status(ui, 1, "draft %lld was queued, sent or deleted by another "
	    "process meanwhile: the changes made here are draft %lld%s",
	    (long long)old, (long long)cs->draft, files ? ", without the "
	    "files attached to it" : "");
	return 0;
}

/*
 * Keeps the text in the store as draft cs->draft: 0, or -1 with the
 * status set; compose_gone when another process took the draft.
 */
static int
compose_keep(struct ui *ui, struct compose *cs, const char *reason)
{
	struct smerr	e;
	int		r;

	smerr_clear(&e);
	if (buf_len(cs->text) == 0)
		return 0;
	if ((r = store_draft_put(app_session_store(ui_session(ui)),
	    &cs->draft, NULL, buf_data(cs->text), buf_len(cs->text), reason,
	    &e)) == SMERR_NOTFOUND && cs->draft > 0)
		return compose_gone(ui, cs, reason) < 0 ? -1 : 0;
	if (r != 0 || (cs->chosen && store_draft_choice_put(
	    app_session_store(ui_session(ui)), cs->draft, cs->sign, cs->enc,
	    &e) != 0)) {
		ui_status(ui, 1, "cannot keep the draft: %s", smerr_msg(&e));
		cs->unkept = 1;
		return -1;
	}
	cs->unkept = 0;
	cs->changed = 0;
	return 0;
}

static int
draft_exists_cb(const struct store_draft *d, void *arg)
{
	(void)d;
	(void)arg;
	return 1;
}

/*
 * Whether draft cs->draft, as kept, still stands for the message: 0 when
 * it does (or the store could not say), else 1 once compose_gone has
 * done what it does when another process took the draft (the status
 * says what).
 */
static int
compose_check_kept(struct ui *ui, struct compose *cs)
{
	struct smerr	e;

	smerr_clear(&e);
	if (cs->unkept || cs->draft <= 0 ||
	    store_draft_foreach(app_session_store(ui_session(ui)), cs->draft,
	    draft_exists_cb, NULL, &e) != SMERR_NOTFOUND)
		return 0;
	(void)compose_gone(ui, cs, "postponed");
	return 1;
}

/*
 * mutt's Attach field, written in the editor: each file one names is
 * attached as a attaches it, and the field leaves the text, for it names
 * a file of the user's and is never sent. A file that cannot be attached
 * keeps its field (the status line says why), which the send refuses.
 */
static void
compose_attach_fields(struct ui *ui, struct compose *cs)
{
	struct smerr	 e;
	char		*v, *path;
	size_t		 nth = 0;
	int		 taken = 0, ok;

	while ((v = app_draft_field_nth(buf_data(cs->text),
	    buf_len(cs->text), "Attach", nth)) != NULL) {
		path = app_attach_field_path(v);
		smerr_clear(&e);
		ok = path != NULL && ui_cinfo_attach(ui, &cs->info, cs->draft,
		    path) == 0;
		if (ok && app_draft_drop_field(cs->text, "Attach", nth,
		    &e) != 0) {
			ui_status(ui, 1, "%s", smerr_msg(&e));
			ok = 0;
		}
		cs->changed |= ok;
		if (ok)
			taken++;
		else
			nth++;
		free(path);
		free(v);
	}
	if (taken > 0)
		(void)compose_keep(ui, cs, "postponed");
}

/*
 * s and x: the choice is kept with the draft at once, so that a recalled
 * draft, a reply to encrypted mail above all, is sent as it was meant.
 */
static void
compose_choose(struct ui *ui, struct compose *cs, wint_t wc)
{
	struct smerr	e;

	if (wc == 's')
		cs->sign = !cs->sign;
	else
		cs->enc = cs->enc == -1 ? 1 : cs->enc == 1 ? 0 : -1;
	cs->user_chose = 1;
	smerr_clear(&e);
	if (cs->draft > 0 && store_draft_choice_put(app_session_store(
	    ui_session(ui)), cs->draft, cs->sign, cs->enc, &e) != 0)
		ui_status(ui, 1, "cannot keep the choice: %s", smerr_msg(&e));
}

/* An account's encrypt setting as the compose screen has it. */
static int
compose_account_enc(const struct app_account *a)
{
	return a->encrypt == APP_ENCRYPT_YES ? 1 :
	    a->encrypt == APP_ENCRYPT_NO ? 0 : -1;
}

/*
 * The account whose address From has; from is 0 the first time. When the
 * editor gave From another account's address, its sign and encrypt
 * defaults are taken, unless the user chose with s or x (or the message
 * answers encrypted mail), and the status line says which.
 */
static void
compose_from(struct ui *ui, struct compose *cs, int from)
{
	const struct app_account	*a;

	a = app_draft_account(app_session_config(ui_session(ui)),
	    buf_data(cs->text), buf_len(cs->text));
	if (a == NULL || a == cs->acct) {
		if (!from)
			cs->acct = a;
		return;
	}
	cs->acct = a;
	if (!from)
		return;
	if (cs->user_chose) {
		ui_status(ui, 0, "From account %s: sign and encrypt stay as "
		    "chosen", a->name);
		return;
	}
	cs->sign = a->sign;
	cs->enc = compose_account_enc(a);
	ui_status(ui, 0, "From account %s: its defaults, sign [%s], encrypt "
	    "[%s]", a->name, cs->sign ? "yes" : "no", cs->enc == 1 ? "yes" :
	    cs->enc == 0 ? "no" : "auto");
}

static void
compose_on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* ^C typed at the terminal is the editor's. */
	if (sig == SIGINT && si != NULL && si->si_code == SI_KERNEL)
		return;
	compose_sig = sig;
}

/*
 * Runs the editor on path with the screen suspended. Returns 0 when it
 * exited with status 0, else -1 with why it failed in why; *sigp gets a
 * terminating signal that arrived meanwhile (the editor is then killed,
 * so that it writes nothing more).
 */
static int
compose_run_editor(const char *path, int *sigp, char *why, size_t whylen)
{
	static const int	 sigs[3] = { SIGHUP, SIGTERM, SIGINT };
	struct sigaction	 sa, old[3];
	const char		*ed = getenv("VISUAL");
	pid_t			 pid;
	int			 i, status = -1;

	if (ed == NULL || *ed == '\0')
		ed = getenv("EDITOR");
	if (ed == NULL || *ed == '\0')
		ed = "vi";
	setenv("SEALMAIL_EDITOR", ed, 1);
	compose_sig = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = compose_on_signal;
	sa.sa_flags = SA_SIGINFO;		/* no restart: waitpid returns */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	def_prog_mode();
	endwin();
	if ((pid = proc_fork()) == 0) {
		/*
		 * A shell command, as mutt runs it: its quotes are the
		 * shell's (EDITOR="emacsclient -a ''"); the file's name is
		 * no part of the command, only its last argument.
		 */
		execl("/bin/sh", "sh", "-c",
		    "eval \"exec $SEALMAIL_EDITOR\" '\"$1\"'", "sh", path,
		    (char *)NULL);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			break;
		if (compose_sig != 0)
			kill(pid, SIGKILL);
	}
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	*sigp = compose_sig;
	if (*sigp != 0)
		return -1;
	reset_prog_mode();
	refresh();
	if (pid == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 127))
		snprintf(why, whylen, "the editor (%.200s) could not be run",
		    ed);
	else if (WIFSIGNALED(status))
		snprintf(why, whylen, "the editor was killed by signal %d",
		    WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		snprintf(why, whylen, "the editor exited with status %d",
		    WEXITSTATUS(status));
	else
		return 0;
	return -1;
}

/* Whether a and b hold the same text. */
static int
compose_same(const struct buf *a, const struct buf *b)
{
	return buf_len(a) == buf_len(b) && (buf_len(a) == 0 ||
	    memcmp(buf_data(a), buf_data(b), buf_len(a)) == 0);
}

/*
 * The editor failed: what it saved, when that differs from what it was
 * given, is kept as a draft of its own. Nothing written is lost, and the
 * message being written stays as it was. 0 when the file may go; -1 when
 * the store did not take what it saved, or it could not be read: the
 * file is left where it is, which the status names, and the next start
 * keeps it as a draft.
 */
static int
compose_salvage(struct ui *ui, const struct compose *cs, const char *path,
    const char *why)
{
	struct compose	saved;
	struct stat	sb;
	int		r = 0;

	memset(&saved, 0, sizeof(saved));
	saved.sign = cs->sign;
	saved.enc = cs->enc;
	saved.chosen = cs->chosen;
	if (compose_read(path, &saved.text) != 0) {
		/* Nothing, or a file too big to read: still the user's. */
		if (lstat(path, &sb) == -1 || sb.st_size == 0)
			ui_status(ui, 1, "%s; it saved nothing new", why);
		else {
			ui_status(ui, 1, "%s; what it saved cannot be read "
			    "back: it is left in %s", why, path);
			r = -1;
		}
	} else if (buf_len(saved.text) == 0 ||
	    compose_same(saved.text, cs->text))
		ui_status(ui, 1, "%s; it saved nothing new", why);
	else if (compose_keep(ui, &saved, "postponed: the editor failed "
	    "after saving it") == 0)
		ui_status(ui, 1, "%s; what it saved is draft %lld (R recalls "
		    "it)", why, (long long)saved.draft);
	else {
		ui_status(ui, 1, "%s; the store did not take what it saved: "
		    "it is kept in %s until the next start", why, path);
		r = -1;
	}
	buf_free(saved.text);
	return r;
}

/*
 * The program was told to end while the editor ran: what the file holds
 * is kept as a draft, the file and the editor's leftovers are removed,
 * and the program ends by the same signal.
 */
static void
compose_die(struct ui *ui, struct compose *cs, const char *dir,
    const char *path, int sig)
{
	/*
	 * A file the store did not take, or that could not be read, is left
	 * for the next start.
	 */
	/*
	 * What the editor holds counts as changed, so that a draft another
	 * process took meanwhile leaves it as a new draft, not to the shredder.
	 */
	cs->changed = 1;
	if (compose_read(path, &cs->text) == 0 && compose_keep(ui, cs,
	    "postponed: sealmail was stopped while it was being written") == 0)
		compose_shred_all(dir, strrchr(path, '/') + 1, NULL);
	app_session_close(ui_session(ui));
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

/* The characters of a proc_ident that a draft file's name carries. */
#define COMPOSE_IDENT_CHARS	"0123456789abcdef-/"

/*
 * This process's proc_ident as a draft file's name holds it, its '/' made
 * '.', followed by '-'; "" where it cannot be known or holds other
 * characters (the name is then judged by the number alone).
 */
static void
compose_ident(char *buf, size_t len)
{
	char	id[PROC_IDENT_LEN], *p;

	*buf = '\0';
	if (proc_ident(getpid(), id, sizeof(id)) != 0 ||
	    id[strspn(id, COMPOSE_IDENT_CHARS)] != '\0' ||
	    snprintf(buf, len, "%s-", id) >= (int)len) {
		*buf = '\0';
		return;
	}
	while ((p = strchr(buf, '/')) != NULL)
		*p = '.';
}

/*
 * A new file in dir (compose_dir) holding cs->text, named after this
 * process (its number and proc_ident, so that one that comes to have the
 * number after it ended does not hold the file), its home and the sign
 * and encrypt choice, as the next start recovers it: 0, else -1 with the
 * status set and no file left.
 */
static int
compose_file(struct ui *ui, const struct compose *cs, char *dir,
    size_t dirlen, char *path, size_t len)
{
	char	ident[PROC_IDENT_LEN + 1];
	int	fd;

	compose_ident(ident, sizeof(ident));
	if (compose_dir(ui, dir, dirlen) != 0 ||
	    snprintf(path, len, "%s/draft-%ld-%08lx-%d%d-%sXXXXXX",
	    dir, (long)getpid(), compose_tag(ui), cs->sign != 0,
	    cs->enc + 1, ident) >= (int)len || (fd = mkstemp(path)) == -1) {
		ui_status(ui, 1, "cannot make a file for the editor: %s",
		    strerror(errno));
		return -1;
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    write(fd, buf_data(cs->text), buf_len(cs->text)) !=
	    (ssize_t)buf_len(cs->text)) {
		ui_status(ui, 1, "cannot write the draft: %s", strerror(errno));
		close(fd);
		compose_shred(path);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * The store cannot take the message and the program ends: its text is
 * left in a file of the editor's private directory, where the next start
 * finds it, as after a crash, and keeps it once the store takes it.
 */
static void
compose_leave(struct ui *ui, struct compose *cs)
{
	char	dir[400], path[640];

	if (buf_len(cs->text) > 0 &&
	    compose_file(ui, cs, dir, sizeof(dir), path, sizeof(path)) == 0)
		ui_status(ui, 1, "the store did not take the message: it is "
		    "kept in %s until the next start", path);
}

/*
 * Puts cs->text in the editor and back; the file lives only while the
 * editor runs, unless what it holds is nowhere else: what a failed
 * editor saved that the store did not take, or a file that cannot be
 * read back (the status names it). 0, or -1 with the status set (the
 * text is unchanged).
 */
static int
compose_edit(struct ui *ui, struct compose *cs)
{
	struct buf	*fresh = NULL;
	struct stat	 sb;
	char		 dir[400], path[640], why[300];
	int		 sig, r = -1, keep = 0;

	if (compose_file(ui, cs, dir, sizeof(dir), path, sizeof(path)) != 0)
		return -1;
	r = compose_run_editor(path, &sig, why, sizeof(why));
	if (sig != 0)
		compose_die(ui, cs, dir, path, sig);
	if (r != 0)
		keep = compose_salvage(ui, cs, path, why) != 0;
	else if ((r = compose_read(path, &fresh)) != 0) {
		keep = lstat(path, &sb) == 0;
		ui_status(ui, 1, "cannot read the message back from the editor"
		    "%s%s", keep ? ": it is left in " : "", keep ? path : "");
	} else {
		if (!compose_same(fresh, cs->text))
			cs->changed = 1;
		buf_free(cs->text);
		cs->text = fresh;
	}
	/* The editor's leftovers go, and the file unless it is kept. */
	compose_shred_all(dir, strrchr(path, '/') + 1, keep ? path : NULL);
	return r;
}

/* C_QUIT: ^C, or the terminal went away; the draft is kept. */
enum compose_act { C_SEND, C_EDIT, C_POSTPONE, C_DISCARD, C_QUIT };

/* t, c and b (as in mutt): a To, Cc or Bcc prompt that completes addresses. */
static void
compose_field(struct ui *ui, struct compose *cs, const char *name)
{
	struct smerr	 e;
	char		 q[16], *cur, *ans, *x = NULL;

	if (compose_addrs(ui, cs) == NULL)
		return;
	cur = app_draft_field(buf_data(cs->text), buf_len(cs->text), name);
	snprintf(q, sizeof(q), "%s: ", name);
	ans = ui_prompt_complete(ui, q, cur, ui_complete_addr, cs->addrs);
	free(cur);
	if (ans == NULL)
		return;
	/* An alias typed whole, without Tab, is expanded too. */
	if (app_addrs_expand(ans, ui_addrs_book(cs->addrs), &x) == 0 &&
	    x != NULL) {
		free(ans);
		ans = x;
	}
	smerr_clear(&e);
	if (app_draft_set_field(cs->text, name, ans, &e) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	else {
		cs->changed = 1;
		if (compose_keep(ui, cs, "postponed") == 0)
			ui_cinfo_recipients(ui, &cs->info, buf_data(cs->text),
			    buf_len(cs->text));
	}
	free(ans);
}

/* a: a file to attach, its name completed. */
static void
compose_attach(struct ui *ui, struct compose *cs)
{
	char	*path;

	path = ui_prompt_complete(ui, "Attach file: ", NULL,
	    ui_complete_file, NULL);
	if (path != NULL && path[0] != '\0')
		(void)ui_cinfo_attach(ui, &cs->info, cs->draft, path);
	free(path);
}

/*
 * The question: "Send to TO?" and the choices. The choices and whether it
 * is signed and encrypted must show on a narrow line, so TO is cut to the
 * room they leave, and left out when that is under 12 columns (the fields
 * above show it whole); narrower than the choices, whether it is signed
 * and encrypted comes first and the keys are bare letters. A byte takes
 * at most one column: cutting bytes cuts at least as many columns.
 */
static void
compose_ask(struct compose *cs, char *q, size_t len)
{
	char	 choices[160], *to;
	int	 room, n;

	snprintf(choices, sizeof(choices), "  y:send  e:edit  s:sign [%s]  "
	    "x:encrypt [%s]  P:postpone  q:quit", cs->sign ? "yes" : "no",
	    cs->enc == 1 ? "yes" : cs->enc == 0 ? "no" : "auto");
	if (COLS < (int)strlen(choices) + (int)strlen("Send?")) {
		/* Too narrow for the words: the states first, then the keys. */
		snprintf(q, len, "Send? sign [%s], encrypt [%s]  y e s x P q",
		    cs->sign ? "yes" : "no", cs->enc == 1 ? "yes" :
		    cs->enc == 0 ? "no" : "auto");
		return;
	}
	room = COLS - (int)strlen(choices) - (int)strlen("Send to ?");
	if (room > 80)
		room = 80;
	to = app_draft_field(buf_data(cs->text), buf_len(cs->text), "To");
	if (to == NULL || to[0] == '\0' || room < 12)
		snprintf(q, len, "Send?%s", choices);
	else if ((n = (int)strlen(to)) <= room)
		snprintf(q, len, "Send to %s?%s", to, choices);
	else {
		/* Room for the ellipsis, and no UTF-8 sequence cut in two. */
		for (n = room - 1; n > 0 && (to[n] & 0xc0) == 0x80; n--)
			;
		snprintf(q, len, "Send to %.*s…?%s", n, to, choices);
	}
	free(to);
}

/* The two bottom lines: why the screen is back, and the question. */
static void
compose_question(struct ui *ui, struct compose *cs, const char *reason)
{
	const char	*why = reason;
	char		 q[300];

	compose_ask(cs, q, sizeof(q));
	if (why == NULL || why[0] == '\0')
		why = ui_status_text(ui);
	move(LINES - 2, 0);
	clrtoeol();
	if (why != NULL && why[0] != '\0') {
		attrset(reason != NULL && reason[0] != '\0' ?
		    COLOR_PAIR(UI_C_BAD) | A_BOLD : A_NORMAL);
		ui_put(LINES - 2, 0, COLS, why, strlen(why));
	}
	ui_put_question(q);
}

/* The compose screen as it stands, also under a prompt after a resize. */
static void
compose_draw(struct ui *ui, void *arg)
{
	struct compose	*cs = arg;

	ui_cinfo_draw(&cs->info, buf_data(cs->text), buf_len(cs->text),
	    LINES - 2);
	compose_question(ui, cs, cs->reason);
}

/*
 * The compose screen: the message's fields, its recipients' certificates,
 * its attachments, one question, the choices, and why it is back.
 */
static enum compose_act
compose_screen(struct ui *ui, struct compose *cs, const char *reason)
{
	wint_t	 wc;
	int	 r, busy;

	ui_cinfo_recipients(ui, &cs->info, buf_data(cs->text),
	    buf_len(cs->text));
	/* Until compose_loop leaves the screen (prompts and questions). */
	cs->reason = reason;
	ui_set_redraw(ui, compose_draw, cs);
	for (;;) {
		busy = ui_cinfo_dns_step(ui, &cs->info);
		compose_draw(ui, cs);
		r = ui_key_wait(&wc, busy ? 300 : -1);
		nodelay(stdscr, TRUE);
		if (r == UI_KEY_GONE)
			return C_QUIT;
		if (r == ERR)
			continue;
		if (r == KEY_CODE_YES && wc == KEY_RESIZE)
			continue;	/* drawn again for the new size */
		if (r == KEY_CODE_YES)
			wc = wc == KEY_DOWN ? 'j' : wc == KEY_UP ? 'k' : 0;
		ui_status(ui, 0, "%s", "");
		if (wc == 's' || wc == 'x')
			compose_choose(ui, cs, wc);
		else if (wc == 't' || wc == 'c' || wc == 'b')
			compose_field(ui, cs, wc == 't' ? "To" : wc == 'c' ?
			    "Cc" : "Bcc");
		else if (wc == 'a')
			compose_attach(ui, cs);
		else if (wc == 'D')
			ui_cinfo_detach(ui, &cs->info, cs->draft);
		else if (wc == 'j') {
			if (cs->info.sel + 1 < cs->info.natt)
				cs->info.sel++;
		} else if (wc == 'k') {
			if (cs->info.sel > 0)
				cs->info.sel--;
		}
		else if (wc == 3 && ui_ask_quit(ui))
			return C_QUIT;
		else if (wc == 'y' || wc == 'e' || wc == 'P' || wc == 'q' ||
		    wc == 27)
			break;
		else if (wc == '?')
			ui_status(ui, 0, "y send  e edit  s sign  x encrypt  "
			    "P postpone  q postpone or discard  t c b To Cc "
			    "Bcc  a attach  D detach  j k select");
		else if (r == OK && wc > ' ' && wc != 127)
			ui_status(ui, 0, "key is not bound here; ? lists the "
			    "keys");
	}
	return wc == 'y' ? C_SEND : wc == 'e' ? C_EDIT : wc == 'P' ?
	    C_POSTPONE : C_DISCARD;
}

static void	compose_done(struct ui *, int, void *);

/* `send --draft ID` in the background; 0, or -1 with the status set. */
static int
compose_start(struct ui *ui, struct compose *cs, int enc)
{
	const struct app_account	*a;
	const char			*args[8];
	char				 id[32];
	int				 n = 0;

	snprintf(id, sizeof(id), "%lld", (long long)cs->draft);
	args[n++] = "send";
	args[n++] = "--draft";
	args[n++] = id;
	/* Sent by the account it is From: its server, its signature. */
	if ((a = app_draft_account(app_session_config(ui_session(ui)),
	    buf_data(cs->text), buf_len(cs->text))) != NULL) {
		args[n++] = "--account";
		args[n++] = a->name;
	}
	args[n++] = cs->sign ? "--sign" : "--no-sign";
	if (enc == 1 || enc == 0)
		args[n++] = enc == 1 ? "--encrypt" : "--no-encrypt";
	args[n] = NULL;
	if (ui_job(ui, "sending", args, NULL, compose_done, cs) != 0)
		return -1;
	ui_status(ui, 0, "sending draft %s…", id);
	return 0;
}

/*
 * P: the message kept as a draft and the compose screen left (cs freed):
 * 0; else why (of len bytes) says what failed, and the screen stays.
 */
static int
compose_postpone(struct ui *ui, struct compose *cs, char *why, size_t len)
{
	int	taken = 0;

	if ((cs->unkept && compose_keep(ui, cs, "postponed") != 0) ||
	    ((taken = compose_check_kept(ui, cs)) != 0 && cs->unkept)) {
		snprintf(why, len, "%s", ui_status_text(ui));
		return -1;
	}
	/* Taken by another process: the status says what became of it. */
	if (!taken)
		ui_status(ui, 0, "postponed as draft %lld (R recalls it)",
		    (long long)cs->draft);
	ui_set_redraw(ui, NULL, NULL);
	compose_free(cs);
	return 0;
}

/*
 * The compose screen until the message is sent, postponed or discarded;
 * reason says why it is shown again. Takes cs.
 */
static void
compose_loop(struct ui *ui, struct compose *cs, const char *reason)
{
	struct smerr	 e;
	char		 why[512], *to;
	int		 k;

	snprintf(why, sizeof(why), "%s", reason != NULL ? reason : "");
	for (;;) {
		/* Another process took the draft, unchanged here: left. */
		if (cs->gone) {
			ui_set_redraw(ui, NULL, NULL);
			compose_free(cs);
			return;
		}
		switch (compose_screen(ui, cs, why)) {
		case C_EDIT:
			why[0] = '\0';
			if (compose_edit(ui, cs) != 0)
				continue;
			compose_from(ui, cs, 1);
			compose_expand(ui, cs);
			if (compose_keep(ui, cs, "postponed") != 0)
				snprintf(why, sizeof(why), "%s",
				    ui_status_text(ui));
			else if (!cs->gone)
				compose_attach_fields(ui, cs);
			continue;
		case C_SEND:
			to = app_draft_field(buf_data(cs->text),
			    buf_len(cs->text), "To");
			if (to == NULL || to[0] == '\0') {
				free(to);
				snprintf(why, sizeof(why), "no recipient "
				    "(To:): e edits the message");
				continue;
			}
			free(to);
			/*
			 * What is sent is the draft the store holds: one
			 * another process took is not sent again.
			 */
			if ((cs->unkept && compose_keep(ui, cs, "postponed") !=
			    0) || compose_check_kept(ui, cs) != 0) {
				snprintf(why, sizeof(why), "%s",
				    ui_status_text(ui));
				continue;
			}
			cs->auto_enc = cs->enc == -1;
			if (compose_start(ui, cs, cs->enc == -1 ? 1 :
			    cs->enc) == 0) {
				ui_set_redraw(ui, NULL, NULL);
				return;
			}
			snprintf(why, sizeof(why), "%s", ui_status_text(ui));
			continue;
		case C_POSTPONE:
			if (compose_postpone(ui, cs, why, sizeof(why)) != 0)
				continue;
			return;
		case C_QUIT:
			/* Kept again: the last keeping may have failed. */
			if (compose_keep(ui, cs, ui_input_gone() ?
			    "postponed: the terminal went away while it was "
			    "being written" : "postponed") != 0)
				compose_leave(ui, cs);
			ui_set_redraw(ui, NULL, NULL);
			compose_free(cs);
			return;
		case C_DISCARD:
			/*
			 * As mutt's compose q: a yes (or Enter) keeps the
			 * message, only a no discards it.
			 */
			k = ui_ask_key(ui, "Postpone this message? (y: keep, "
			    "n: discard)");
			if (k == 'y' || k == 'Y' || k == '\r' || k == '\n') {
				if (compose_postpone(ui, cs, why,
				    sizeof(why)) != 0)
					continue;
				return;
			}
			if (k != 'n' && k != 'N')
				continue;
			smerr_clear(&e);
			(void)store_draft_delete(app_session_store(
			    ui_session(ui)), cs->draft, &e);
			ui_status(ui, 0, "message discarded");
			ui_set_redraw(ui, NULL, NULL);
			compose_free(cs);
			return;
		}
	}
}

/*
 * "Send it UNENCRYPTED?" naming every recipient without a certificate,
 * as many as fit the line and "and N more"; the one the send named is
 * among them even when the key store has found one for it since.
 */
static void
compose_unencrypted(const struct compose *cs, const char *why, char *q,
    size_t len)
{
	const struct ui_cinfo	*ci = &cs->info;
	const char		*first = NULL, *p;
	char			 more[32];
	size_t			 i, nbare = 0, shown = 0, used, room;

	if ((p = strstr(why, "cannot encrypt to ")) != NULL) {
		first = p + 18;
		for (i = 0; i < ci->nrc; i++)
			if (ci->rc[i].source == NULL && first != NULL &&
			    strncmp(first, ci->rc[i].addr, strlen(
			    ci->rc[i].addr)) == 0 &&
			    first[strlen(ci->rc[i].addr)] == ':')
				first = NULL;
	}
	for (i = 0; i < ci->nrc; i++)
		nbare += ci->rc[i].source == NULL;
	nbare += first != NULL;
	snprintf(q, len, "Send it UNENCRYPTED? (y/N) cannot encrypt to ");
	room = COLS > 0 && (size_t)COLS < len ? (size_t)COLS : len - 1;
	if (first != NULL) {
		/* The send's own words: "ADDR: why". */
		used = strlen(q);
		snprintf(q + used, len - used, "%.*s", (int)strcspn(first,
		    ": "), first);
		shown++;
	}
	for (i = 0; i < ci->nrc; i++) {
		if (ci->rc[i].source != NULL)
			continue;
		snprintf(more, sizeof(more), " and %zu more", nbare -
		    shown - 1);
		used = strlen(q);
		if (shown > 0 && used + 2 + strlen(ci->rc[i].addr) +
		    (shown + 1 < nbare ? strlen(more) : 0) > room)
			break;
		snprintf(q + used, len - used, "%s%s", shown > 0 ? ", " : "",
		    ci->rc[i].addr);
		shown++;
	}
	used = strlen(q);
	if (shown < nbare)
		snprintf(q + used, len - used, " and %zu more", nbare - shown);
}

/*
 * The question over the compose screen, the send's reason above it; a
 * resize draws both again, the names fitted to the new width. Only y
 * (or Y) is a yes.
 */
static int
compose_confirm_clear(struct ui *ui, struct compose *cs, const char *why)
{
	char	q[600];
	wint_t	wc;
	int	r;

	cs->reason = why;
	ui_set_redraw(ui, compose_draw, cs);
	do {
		compose_draw(ui, cs);
		compose_unencrypted(cs, why, q, sizeof(q));
		ui_put_question(q);
		r = ui_key_wait(&wc, -1);
	} while (r == ERR || (r == KEY_CODE_YES && wc == KEY_RESIZE));
	nodelay(stdscr, TRUE);
	ui_status(ui, 0, "%s", "");
	return r == OK && (wc == 'y' || wc == 'Y');
}

/*
 * After `send --draft`: a draft still in the store was not queued, and
 * the compose screen comes back with the reason; with encryption on
 * "auto" and a recipient without a certificate, the user is asked first,
 * and it goes unencrypted only on an explicit yes. A queued message that
 * failed to go out waits in the outbox, with the server's reason, and the
 * status line says so; one the server took that the store could not
 * record says it was sent.
 */
static void
compose_done(struct ui *ui, int code, void *arg)
{
	struct compose	*cs = arg;
	struct smerr	 e;
	char		 q[600], why[512];
	int		 r;

	smerr_clear(&e);
	if (code == UI_JOB_ABANDONED || code == 0) {
		compose_free(cs);
		return;
	}
	/* The send's own last words, without the program's name. */
	snprintf(why, sizeof(why), "%s", ui_status_text(ui) +
	    (strncmp(ui_status_text(ui), "sealmail: ", 10) == 0 ? 10 : 0));
	if ((r = store_draft_foreach(app_session_store(ui_session(ui)),
	    cs->draft, draft_exists_cb, NULL, &e)) != 0) {
		/*
		 * One the server took is sent, only not recorded: never "not
		 * sent", which would have it sent again.
		 */
		if (r == SMERR_NOTFOUND && strstr(why, "but the store could "
		    "not record it") != NULL)
			ui_status(ui, 1, "sent, not to be sent again: %s",
			    why);
		/* Another process's to send: not queued by this one. */
		else if (r == SMERR_NOTFOUND && (strstr(why,
		    "another process") != NULL ||
		    strncmp(why, "no draft ", 9) == 0))
			ui_status(ui, 1, "not sent from here: draft %lld was "
			    "queued, sent or deleted by another process",
			    (long long)cs->draft);
		/* Queued, not sent: it must look neither lost nor sent. */
		else if (r == SMERR_NOTFOUND && strstr(why, "so it may have "
		    "been delivered") != NULL)
			ui_status(ui, 1, "kept in the outbox in doubt: %s (y "
			    "on the outbox, under c, asks first)", why);
		else if (r == SMERR_NOTFOUND)
			ui_status(ui, 1, "not sent, kept in the outbox: %s "
			    "(y on the outbox, under c, sends it again)", why);
		compose_free(cs);
		return;
	}
	/*
	 * A recipient without a certificate may be sent to in the clear,
	 * once asked; one whose certificate is revoked may not: sending in
	 * the clear is no answer to that (as send with encrypt = auto).
	 */
	if (cs->auto_enc && strstr(why, "cannot encrypt to") != NULL &&
	    strstr(why, ": the certificate is revoked") == NULL) {
		/* Asked over the message it is about, the reason above. */
		ui_cinfo_recipients(ui, &cs->info, buf_data(cs->text),
		    buf_len(cs->text));
		if (compose_confirm_clear(ui, cs, why)) {
			cs->auto_enc = 0;
			if (compose_start(ui, cs, 0) == 0) {
				ui_set_redraw(ui, NULL, NULL);
				return;
			}
			snprintf(why, sizeof(why), "%s", ui_status_text(ui));
		} else {
			snprintf(q, sizeof(q), "not sent: %s", why);
			memcpy(why, q, sizeof(why) - 1);
			why[sizeof(why) - 1] = '\0';
		}
	}
	compose_loop(ui, cs, why);
}

/* New mail is From the account of the screen shown, else the first. */
static const struct app_account *
ui_compose_account(struct ui *ui)
{
	const struct app_config		*cfg = app_session_config(ui_session(ui));
	const struct app_account	*a;

	if ((a = app_config_account(cfg, ui_index_account(ui))) == NULL)
		a = app_config_account(cfg, NULL);
	return a;
}

static struct compose *
compose_new(struct ui *ui)
{
	const struct app_account	*a = ui_compose_account(ui);
	struct compose			*cs;

	if (a == NULL) {
		ui_status(ui, 1, "no account configured: see README.md");
		return NULL;
	}
	if ((cs = calloc(1, sizeof(*cs))) == NULL ||
	    (cs->text = buf_new_secret(COMPOSE_MAX)) == NULL) {
		free(cs);
		ui_status(ui, 1, "out of memory");
		return NULL;
	}
	cs->sign = a->sign;
	cs->enc = compose_account_enc(a);
	cs->chosen = 1;
	cs->acct = a;
	return cs;
}

/* Keeps the files with the draft and lists them on the compose screen. */
static void
compose_files(struct ui *ui, struct compose *cs, const struct app_file *files,
    size_t nfiles)
{
	struct smerr	e;
	size_t		i;

	smerr_clear(&e);
	for (i = 0; i < nfiles && cs->draft > 0; i++)
		if (app_file_keep(app_session_store(ui_session(ui)), cs->draft,
		    &files[i], NULL, &e) != 0) {
			ui_status(ui, 1, "%s: %s", files[i].name,
			    smerr_msg(&e));
			break;
		}
	if (nfiles > 0)
		ui_cinfo_files(ui, &cs->info, cs->draft);
}

void
ui_compose_text(struct ui *ui, const char *tmpl, size_t tmpl_len, int sign,
    int enc, const char *note, const struct app_file *files, size_t nfiles)
{
	struct compose	*cs;
	char		 why[512];

	if ((cs = compose_new(ui)) == NULL)
		return;
	if (buf_put(cs->text, tmpl, tmpl_len) != 0)
		goto out;
	compose_from(ui, cs, 0);
	/* Not the account's defaults: chosen for this message. */
	if (cs->acct != NULL && (sign != cs->acct->sign ||
	    enc != compose_account_enc(cs->acct)))
		cs->user_chose = 1;
	cs->sign = sign;
	cs->enc = enc;
	if (compose_edit(ui, cs) != 0)
		goto out;
	compose_from(ui, cs, 1);
	if (buf_len(cs->text) == tmpl_len && memcmp(buf_data(cs->text),
	    tmpl, tmpl_len) == 0) {
		ui_status(ui, 0, "unchanged: not sent");
		goto out;
	}
	compose_expand(ui, cs);
	/* Not kept: the screen says why, and P or y tries again. */
	if (compose_keep(ui, cs, "postponed") != 0) {
		snprintf(why, sizeof(why), "%s", ui_status_text(ui));
		note = why;
	}
	compose_files(ui, cs, files, nfiles);
	compose_attach_fields(ui, cs);
	compose_loop(ui, cs, note);
	return;
out:
	compose_free(cs);
}

void
ui_compose(struct ui *ui, const char *to, const char *subject,
    const char *quote, const char *in_reply_to)
{
	const struct app_account	*a;
	struct buf			*tmpl;
	struct smerr			 e;
	char				*nosig = NULL, note[400];

	note[0] = '\0';
	if ((a = ui_compose_account(ui)) == NULL) {
		ui_status(ui, 1, "no account configured: see README.md");
		return;
	}
	if ((tmpl = buf_new_secret(0)) == NULL) {
		ui_status(ui, 1, "out of memory");
		return;
	}
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
	smerr_clear(&e);
	if (app_signature_put(a, tmpl, &nosig, &e) != 0) {
		ui_status(ui, 1, "%s", smerr_msg(&e));
		buf_free(tmpl);
		return;
	}
	if (nosig != NULL)
		ui_compose_nosig(nosig, note, sizeof(note));
	free(nosig);
	ui_compose_text(ui, (const char *)buf_data(tmpl), buf_len(tmpl),
	    a->sign, compose_account_enc(a),
	    note[0] != '\0' ? note : NULL, NULL, 0);
	buf_free(tmpl);
}

void
ui_compose_nosig(const char *why, char *note, size_t len)
{
	snprintf(note, len, "the message has no signature: %s", why);
}

void
ui_compose_draft(struct ui *ui, int64_t id)
{
	struct compose	*cs;
	struct smerr	 e;
	int		 sign, enc;

	if ((cs = compose_new(ui)) == NULL)
		return;
	buf_free(cs->text);
	cs->text = NULL;
	smerr_clear(&e);
	if (store_draft_get(app_session_store(ui_session(ui)), id, &cs->text,
	    &e) != 0) {
		ui_status(ui, 1, "%s", smerr_msg(&e));
		compose_free(cs);
		return;
	}
	cs->draft = id;
	compose_from(ui, cs, 0);
	/* As it was chosen where it was written; else the account's. */
	if (store_draft_choice_get(app_session_store(ui_session(ui)), id,
	    &sign, &enc, &e) == 0) {
		cs->user_chose = cs->acct == NULL || sign != cs->acct->sign ||
		    enc != compose_account_enc(cs->acct);
		cs->sign = sign;
		cs->enc = enc;
	} else if (cs->acct != NULL) {
		cs->sign = cs->acct->sign;
		cs->enc = compose_account_enc(cs->acct);
	}
	ui_cinfo_files(ui, &cs->info, id);
	compose_loop(ui, cs, NULL);
}

/*
 * Parses a draft file's name: the process that wrote it and its home,
 * then the sign and encrypt choice (two digits; cs->chosen is 0 in the
 * names of the versions before, which had none), then the writer's
 * proc_ident into ident ("" in the names of the versions before, which
 * had none: the number alone says) before mkstemp's six characters.
 */
static int
compose_owner(const char *name, long *pidp, unsigned long *tagp,
    struct compose *cs, char *ident, size_t len)
{
	char	*end, *p;
	size_t	 n;

	cs->chosen = 0;
	*ident = '\0';
	if (strncmp(name, "draft-", 6) != 0)
		return -1;
	*pidp = strtol(name + 6, &end, 10);
	if (*end != '-' || *pidp <= 0)
		return -1;
	*tagp = strtoul(end + 1, &end, 16);
	if (*end != '-')
		return -1;
	if ((end[1] == '0' || end[1] == '1') && end[2] >= '0' &&
	    end[2] <= '2' && end[3] == '-') {
		cs->sign = end[1] - '0';
		cs->enc = end[2] - '0' - 1;
		cs->chosen = 1;
		/* "IDENT-XXXXXX" after the choice, or the six alone. */
		end += 4;
		if ((n = strlen(end)) > 7 && end[n - 7] == '-') {
			if (n - 7 >= len ||
			    strspn(end, COMPOSE_IDENT_CHARS ".") < n - 7)
				return -1;
			memcpy(ident, end, n - 7);
			ident[n - 7] = '\0';
			while ((p = strchr(ident, '.')) != NULL)
				*p = '/';
		}
	}
	return 0;
}

int
ui_compose_recover(struct ui *ui)
{
	struct compose	 cs;
	DIR		*d;
	struct dirent	*de;
	char		 dir[400], path[1024], name[256];
	char		 ident[PROC_IDENT_LEN];
	unsigned long	 tag;
	long		 pid;
	int		 n = 0;

	if (compose_dir(ui, dir, sizeof(dir)) != 0 ||
	    (d = opendir(dir)) == NULL)
		return 0;
	memset(&cs, 0, sizeof(cs));
	while ((de = readdir(d)) != NULL) {
		/*
		 * Its writer still runs (a second instance is editing it):
		 * not the process that came to have its number since.
		 */
		if (compose_owner(de->d_name, &pid, &tag, &cs, ident,
		    sizeof(ident)) != 0 ||
		    tag != compose_tag(ui) || pid == (long)getpid() ||
		    proc_is(pid, ident) ||
		    snprintf(name, sizeof(name), "%s", de->d_name) >=
		    (int)sizeof(name) || snprintf(path, sizeof(path), "%s/%s",
		    dir, name) >= (int)sizeof(path))
			continue;
		cs.draft = 0;
		/*
		 * A file the store does not take, or that cannot be read,
		 * waits for the next start.
		 */
		if (compose_read(path, &cs.text) != 0 ||
		    compose_keep(ui, &cs, "recovered: sealmail ended while "
		    "it was being written") != 0)
			continue;
		if (buf_len(cs.text) > 0)
			n++;
		compose_shred_all(dir, name, NULL);
	}
	closedir(d);
	buf_free(cs.text);
	return n;
}
