/*
 * The message keys of the index and the pager, as mutt has them: r reply,
 * g group reply, L list reply, f forward (inline, or attached), d delete
 * (to Trash; in Trash for good, after a question), u undelete (from
 * Trash, back where it was), s save (move) to a folder, C copy, | pipe
 * the decrypted message to a command, w write it to a file. The drafts
 * and the moves are app/'s (the command line's reply, forward, move, copy
 * and delete); a move changes the store at once and a sync in the
 * background tells the server.
 */
#include <ctype.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/idn.h"
#include "store/store.h"
#include "app/app.h"
#include "app/reply.h"
#include "ui/ui_int.h"

/* Loads message id whole, or says why not. */
static struct store_msg *
act_load(struct ui *ui, int64_t id)
{
	struct store_msg	*m = NULL;
	struct smerr		 e;

	smerr_clear(&e);
	if (store_msg_load(app_session_store(ui_session(ui)), id, &m,
	    &e) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	return m;
}

/*
 * The files attached to m, for an inline forward: the text is quoted, the
 * files go with it, but never an envelope that was not opened (see
 * app/reply.c). Says so when some cannot.
 */
static void
act_files(struct ui *ui, const struct store_msg *m, struct app_file *v,
    size_t *np)
{
	struct smerr	 e;

	/* Not yet decrypted: nothing of it goes into a draft. */
	if (m->state == STORE_MSG_PENDING || m->body == NULL)
		return;
	smerr_clear(&e);
	if (app_part_files(m->body, m->body_len, v, UI_ATTACH_MAX, np,
	    &e) != 0)
		ui_status(ui, 1, "not all files are forwarded: %s",
		    smerr_msg(&e));
}

static int
act_draft(struct ui *ui, int64_t id, enum app_draft_kind kind)
{
	const struct app_config		*cfg;
	const struct app_account	*a;
	struct store_msg		*m;
	struct app_draft		*d = NULL;
	struct app_file			 files[UI_ATTACH_MAX];
	struct smerr			 e;
	char				 note[160];
	size_t				 i, nfiles = 0;
	int				 enc;

	if ((m = act_load(ui, id)) == NULL)
		return 0;
	cfg = app_session_config(ui_session(ui));
	smerr_clear(&e);
	if (app_draft_make(cfg, m, kind, 1, &d, &e) != 0) {
		ui_status(ui, 1, "%s", smerr_msg(&e));
		store_msg_free(m);
		return 0;
	}
	a = app_config_account(cfg, m->account);
	if (a == NULL)
		a = app_config_account(cfg, NULL);
	/* A reply that would go to someone else than who signed. */
	note[0] = '\0';
	if (kind != APP_DRAFT_FORWARD && kind != APP_DRAFT_FORWARD_ATTACH &&
	    m->signer != NULL && m->reply_to != NULL &&
	    !idn_addr_eq(m->reply_to, m->signer))
		snprintf(note, sizeof(note), "Reply-To %.60s is not the "
		    "signer %.60s!", m->reply_to, m->signer);
	else if (d->nosig != NULL)
		ui_compose_nosig(d->nosig, note, sizeof(note));
	if (kind == APP_DRAFT_FORWARD)
		act_files(ui, m, files, &nfiles);
	store_msg_free(m);
	/* Encrypted mail is answered encrypted, or only after a question. */
	enc = a->encrypt == APP_ENCRYPT_YES ? 1 :
	    a->encrypt == APP_ENCRYPT_NO && !d->encrypt ? 0 : -1;
	ui_compose_text(ui, (const char *)buf_data(d->text),
	    buf_len(d->text), d->sign, enc, note[0] != '\0' ? note : NULL,
	    files, nfiles);
	for (i = 0; i < nfiles; i++)
		app_file_clear(&files[i]);
	if (d->nomitted > 0)
		ui_status(ui, 1, "not quoted: %s", d->omitted[0]);
	app_draft_free(d);
	return 0;
}

/*
 * What a move leaves to tell the server: the account and the folder the
 * message left, the Trash it went to, its new id (0: removed for good).
 */
struct act_moved {
	char	*acct, *from, *trash;
	int64_t	 newid;
};

static void
act_moved_free(struct act_moved *mv)
{
	free(mv->acct);
	free(mv->from);
	free(mv->trash);
	memset(mv, 0, sizeof(*mv));
}

/*
 * Moves (dest), copies (copy) or deletes (dest NULL) message id here;
 * from Trash only after a question, asked once for all (*ask -1: not yet,
 * of this message, -2: not yet, of the tagged ones; then the answer). 0
 * done, with mv filled in; else the status says why.
 */
static int
act_move_here(struct ui *ui, int64_t id, const char *dest, int copy,
    int *ask, struct act_moved *mv)
{
	struct store			*st = app_session_store(ui_session(ui));
	const struct app_account	*a;
	struct store_msg		*m;
	struct smerr			 e;

	memset(mv, 0, sizeof(*mv));
	if ((m = act_load(ui, id)) == NULL)
		return -1;
	a = app_config_account(app_session_config(ui_session(ui)),
	    m->account);
	mv->from = m->folder_name != NULL ? strdup(m->folder_name) : NULL;
	store_msg_free(m);
	smerr_clear(&e);
	if (a == NULL || mv->from == NULL ||
	    (mv->acct = strdup(a->name)) == NULL) {
		ui_status(ui, 1, "the message belongs to no configured account");
		goto fail;
	}
	if (dest == NULL && app_trash_folder(st, a, NULL, &mv->trash,
	    &e) != 0) {
		ui_status(ui, 1, "%s", smerr_msg(&e));
		goto fail;
	}
	/* From Trash nothing brings it back: one key is not enough. */
	if (dest == NULL && strcmp(mv->from, mv->trash) == 0) {
		if (*ask < 0)
			*ask = ui_confirm(ui, *ask == -1 ? "Remove this "
			    "message for good, here and on the server? (y/N)" :
			    "Remove the tagged messages in Trash for good, "
			    "here and on the server? (y/N)");
		if (*ask == 0) {
			ui_status(ui, 0, "not removed");
			goto fail;
		}
	}
	if (app_move_local(st, id, dest, copy, mv->trash, &mv->newid,
	    &e) != 0) {
		ui_status(ui, 1, "%s", smerr_msg(&e));
		goto fail;
	}
	return 0;
fail:
	act_moved_free(mv);
	return -1;
}

/*
 * A sync of the account's folder (NULL: of every account) tells the
 * server what moved here; 0 when it started.
 */
static int
act_tell(struct ui *ui, const char *acct, const char *folder)
{
	const char	*args[6];

	args[0] = "sync";
	args[1] = acct != NULL ? "--account" : NULL;
	args[2] = acct;
	args[3] = "--folder";
	args[4] = folder;
	args[5] = NULL;
	return ui_job(ui, "moving", args, NULL, NULL, NULL);
}

/* Moves (dest), copies (copy) or deletes (dest NULL) message id. */
static int
act_move(struct ui *ui, int64_t id, const char *dest, int copy)
{
	struct act_moved	 mv;
	int			 ask = -1, busy;

	if (act_move_here(ui, id, dest, copy, &ask, &mv) != 0)
		return 0;
	/* The server learns it from a sync, which does the queue. */
	busy = act_tell(ui, mv.acct, mv.from) != 0;
	ui_refresh_all(ui);
	if (mv.newid == 0)
		ui_status(ui, 0, "removed for good%s", busy ?
		    " here; the next sync (S) tells the server" : "");
	else
		ui_status(ui, 0, "%s %s%s", copy ? "copied to" : "moved to",
		    dest != NULL ? dest : mv.trash, busy ?
		    " here; the next sync (S) tells the server" : "");
	act_moved_free(&mv);
	return copy ? 0 : UI_MSG_GONE;
}

/* u in Trash: back to where it was deleted from. */
static int
act_undelete(struct ui *ui, int64_t id)
{
	struct store			*st = app_session_store(ui_session(ui));
	const struct app_account	*a;
	struct store_msg		*m;
	struct smerr			 e;
	const char			*args[6];
	char				*trash = NULL, *to = NULL, *acct = NULL;
	int64_t				 newid;
	int				 r = 1;

	if ((m = act_load(ui, id)) == NULL)
		return 0;
	a = app_config_account(app_session_config(ui_session(ui)),
	    m->account);
	store_msg_free(m);
	smerr_clear(&e);
	if (a == NULL || (acct = strdup(a->name)) == NULL) {
		ui_status(ui, 1, "the message belongs to no configured account");
		goto out;
	}
	if ((r = app_trash_folder(st, a, NULL, &trash, &e)) != 0 ||
	    (r = app_undelete(st, id, trash, &newid, &to, &e)) != 0) {
		ui_status(ui, 1, "%s", smerr_msg(&e));
		goto out;
	}
	args[0] = "sync";
	args[1] = "--account";
	args[2] = acct;
	args[3] = "--folder";
	args[4] = trash;
	args[5] = NULL;
	(void)ui_job(ui, "moving", args, NULL, NULL, NULL);
	ui_refresh_all(ui);
	ui_status(ui, 0, "moved back to %s", to);
out:
	free(acct);
	free(trash);
	free(to);
	return r == 0 ? UI_MSG_GONE : 0;
}

/*
 * Asks question for a folder: the IMAP name of what was typed ("Entwürfe"
 * as the folder list shows it, or its IMAP name), malloc'd; NULL for none.
 */
static char *
act_ask_folder(struct ui *ui, const char *account, const char *question)
{
	struct ui_folder_scope	 fs;
	char			*typed, *name = NULL;

	/* A message moves within its account: its folders are offered. */
	fs.ui = ui;
	fs.account = account;
	if ((typed = ui_prompt_complete(ui, question, NULL,
	    ui_complete_folder, &fs)) != NULL && typed[0] != '\0')
		name = app_folder_typed(typed);
	free(typed);
	return name;
}

static int
act_move_ask(struct ui *ui, int64_t id, int copy)
{
	struct store_msg	*m;
	char			*dest;
	int			 r = 0;

	if ((m = act_load(ui, id)) == NULL)
		return 0;
	dest = act_ask_folder(ui, m->account, copy ? "Copy to folder: " :
	    "Move to folder: ");
	store_msg_free(m);
	if (dest != NULL)
		r = act_move(ui, id, dest, copy);
	free(dest);
	return r;
}

/*
 * Asks question (Tab completes a file's name when file is set); given an
 * answer (*answerp, caller frees), loads message id and gives its bytes
 * as export does (app_msg_export) in a secret buffer. NULL, and *answerp
 * NULL, when either does not happen.
 */
static struct buf *
act_ask_msg(struct ui *ui, int64_t id, const char *question, int file,
    char **answerp)
{
	struct store_msg	*m;
	struct buf		*b;

	if ((*answerp = ui_prompt_complete(ui, question, NULL, file ?
	    ui_complete_file : NULL, NULL)) == NULL ||
	    (*answerp)[0] == '\0' || (m = act_load(ui, id)) == NULL) {
		free(*answerp);
		*answerp = NULL;
		return NULL;
	}
	if ((b = buf_new_secret(0)) == NULL || app_msg_export(m, b) != 0) {
		ui_status(ui, 1, "out of memory");
		buf_free(b);
		b = NULL;
		free(*answerp);
		*answerp = NULL;
	}
	store_msg_free(m);
	return b;
}

static int
act_pipe(struct ui *ui, int64_t id)
{
	struct buf	*b;
	char		*cmd;
	int		 r;

	if ((b = act_ask_msg(ui, id, "Pipe to command: ", 0, &cmd)) == NULL)
		return 0;
	r = ui_run_sh(ui, cmd, buf_data(b), buf_len(b), 1);
	buf_free(b);
	ui_status(ui, r != 0, "the command exited with %d", r);
	free(cmd);
	return 0;
}

static int
act_write(struct ui *ui, int64_t id)
{
	struct buf	*b;
	struct smerr	 e;
	char		*path, *full;
	int		 over;

	if ((b = act_ask_msg(ui, id, "Save the message to file: ", 1,
	    &path)) == NULL)
		return 0;
	/* ~/ is the home, as in the parts view; a file, asked, written over. */
	if ((full = ui_save_target(ui, path, NULL, &over)) != NULL) {
		smerr_clear(&e);
		if ((over ? app_write_over : app_write_new)(full, buf_data(b),
		    buf_len(b), &e) != 0)
			ui_status(ui, 1, "%s", smerr_msg(&e));
		else
			ui_status(ui, 0, "saved %zu byte%s to %s", buf_len(b),
			    buf_len(b) == 1 ? "" : "s", full);
	}
	buf_free(b);
	free(full);
	free(path);
	return 0;
}

/* ; |: the tagged messages one after the other, to one command. */
static void
act_pipe_all(struct ui *ui, const int64_t *ids, size_t n)
{
	struct store_msg	*m;
	struct buf		*all;
	char			*cmd;
	size_t			 i;
	int			 r;

	if ((cmd = ui_prompt(ui, "Pipe the tagged messages to command: ")) ==
	    NULL || cmd[0] == '\0' || (all = buf_new_secret(0)) == NULL) {
		free(cmd);
		return;
	}
	for (i = 0; i < n; i++) {
		if ((m = act_load(ui, ids[i])) == NULL)
			goto out;
		r = app_msg_export(m, all);
		store_msg_free(m);
		if (r != 0) {
			ui_status(ui, 1, "out of memory");
			goto out;
		}
	}
	r = ui_run_sh(ui, cmd, buf_data(all), buf_len(all), 1);
	ui_status(ui, r != 0, "the command exited with %d", r);
out:
	buf_free(all);
	free(cmd);
}

int
ui_msg_key_tagged(struct ui *ui, const char *account, const int64_t *ids,
    size_t n, wint_t k)
{
	struct act_moved	 mv;
	char			*dest = NULL;
	size_t			 i, done = 0;
	int			 ask = -2, copy = k == 'C', busy;

	if (k == '|') {
		act_pipe_all(ui, ids, n);
		return 0;
	}
	if (k != 'd' && k != 's' && k != 'C')
		return 1;
	if (k != 'd' && (dest = act_ask_folder(ui, account, copy ?
	    "Copy the tagged messages to folder: " :
	    "Move the tagged messages to folder: ")) == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (act_move_here(ui, ids[i], dest, copy, &ask, &mv) == 0) {
			done++;
			act_moved_free(&mv);
		}
	if (done > 0) {
		/* One sync of every account tells the servers. */
		busy = act_tell(ui, NULL, NULL) != 0;
		ui_refresh_all(ui);
		ui_status(ui, done < n, "%zu of %zu tagged messages %s%s%s",
		    done, n, copy ? "copied to " : dest != NULL ? "moved to " :
		    "deleted", dest != NULL ? dest : "", busy ?
		    " here; the next sync (S) tells the server" : "");
	}
	free(dest);
	return 0;
}

/*
 * a: the sender into the account's alias file, as mutt's create-alias,
 * under a name asked for (Enter: the address's local part).
 */
static int
act_alias(struct ui *ui, int64_t id)
{
	const struct app_account	*a;
	struct store_msg		*m;
	struct smerr			 e;
	char				 q[128], dflt[65], *ans = NULL;
	const char			*nick;
	size_t				 i, n = 0;

	if ((m = act_load(ui, id)) == NULL)
		return 0;
	a = app_config_account(app_session_config(ui_session(ui)),
	    m->account);
	if (m->from == NULL || m->from[0] == '\0') {
		ui_status(ui, 1, "the message has no From address");
		goto out;
	}
	if (a == NULL || a->alias_file == NULL) {
		ui_status(ui, 1, "no alias file: set alias = FILE in the "
		    "account's section of the config");
		goto out;
	}
	for (i = 0; m->from[i] != '\0' && m->from[i] != '@' &&
	    n < sizeof(dflt) - 1; i++)
		if (isalnum((unsigned char)m->from[i]) ||
		    strchr("._+-", m->from[i]) != NULL)
			dflt[n++] = (char)tolower((unsigned char)m->from[i]);
	dflt[n] = '\0';
	snprintf(q, sizeof(q), "Alias as (Enter: %s): ", dflt);
	if ((ans = ui_prompt(ui, q)) == NULL)
		goto out;
	nick = ans[0] != '\0' ? ans : dflt;
	smerr_clear(&e);
	if (app_alias_add(a->alias_file, nick, m->from_name, m->from,
	    &e) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	else
		ui_status(ui, 0, "alias %s added: %s", nick, m->from);
out:
	free(ans);
	store_msg_free(m);
	return 0;
}

/* f: inline, or (y) the message attached; Esc forwards nothing. */
static int
act_forward(struct ui *ui, int64_t id)
{
	int	r;

	if ((r = ui_ask(ui, "Forward as an attachment? (y/N)")) == -1) {
		ui_status(ui, 0, "not forwarded");
		return 0;
	}
	return act_draft(ui, id, r == 1 ? APP_DRAFT_FORWARD_ATTACH :
	    APP_DRAFT_FORWARD);
}

char *
ui_flags_toggle(const char *flags, const char *flag)
{
	size_t	 n = strlen(flag), len;
	char	*nf, *p;

	if ((nf = strdup(flags)) == NULL)
		return NULL;
	for (p = nf; (p = strstr(p, flag)) != NULL; p += n) {
		if ((p != nf && p[-1] != ' ') || (p[n] != '\0' && p[n] != ' '))
			continue;
		memmove(p, p + n + (p[n] == ' '), strlen(p + n +
		    (p[n] == ' ')) + 1);
		len = strlen(nf);
		while (len > 0 && nf[len - 1] == ' ')
			nf[--len] = '\0';
		return nf;
	}
	free(nf);
	if (asprintf(&nf, "%s%s%s", flags, flags[0] != '\0' ? " " : "",
	    flag) == -1)
		return NULL;
	return nf;
}

/*
 * N and F in the pager, as in the index: flag toggled on message id, and
 * the status line saying what it is now.
 */
static int
act_flag(struct ui *ui, int64_t id, const char *flag)
{
	struct store		*st = app_session_store(ui_session(ui));
	struct store_msg	*m = NULL;
	struct smerr		 e;
	char			*nf = NULL;
	int			 on;

	smerr_clear(&e);
	/* Read and written under one write lock (see app_move_local). */
	if (store_begin(st, &e) != 0) {
		ui_status(ui, 1, "%s", smerr_msg(&e));
		return 0;
	}
	/* The flags alone: neither body nor text is read for them. */
	if (store_msg_load_some(st, id, 0, &m, &e) != 0 ||
	    (nf = ui_flags_toggle(m->flags != NULL ? m->flags : "",
	    flag)) == NULL ||
	    store_msg_set_local_flags(st, id, nf, &e) != 0 ||
	    store_commit(st, &e) != 0) {
		ui_status(ui, 1, "%s", nf == NULL && m != NULL ?
		    "out of memory" : smerr_msg(&e));
		store_rollback(st);
		goto out;
	}
	on = strlen(nf) >= strlen(m->flags != NULL ? m->flags : "");
	if (strcmp(flag, "\\Seen") == 0)
		ui_status(ui, 0, "marked %s (N again: %s)", on ? "read" :
		    "unread", on ? "unread" : "read");
	else
		ui_status(ui, 0, "%s (F again: %s)", on ? "flagged" :
		    "not flagged", on ? "not flagged" : "flagged");
out:
	free(nf);
	store_msg_free(m);
	return 0;
}

int
ui_msg_key(struct ui *ui, int64_t id, wint_t k)
{
	if (id == 0)
		return 1;
	switch (k) {
	case 'r':
		return act_draft(ui, id, APP_DRAFT_REPLY);
	case 'g':
		return act_draft(ui, id, APP_DRAFT_REPLY_ALL);
	case 'L':
		return act_draft(ui, id, APP_DRAFT_REPLY_LIST);
	case 'f':
		return act_forward(ui, id);
	case 'd':
		return act_move(ui, id, NULL, 0);
	case 'u':
		return act_undelete(ui, id);
	case 's':
		return act_move_ask(ui, id, 0);
	case 'C':
		return act_move_ask(ui, id, 1);
	case '|':
		return act_pipe(ui, id);
	case 'w':
		return act_write(ui, id);
	case 'a':
		return act_alias(ui, id);
	case 'v':
		/* The parts, from the index too (mutt's view-attachments). */
		ui_push(ui, ui_parts_new(ui, id));
		return 0;
	case 'N':
		return act_flag(ui, id, "\\Seen");
	case 'F':
		return act_flag(ui, id, "\\Flagged");
	}
	return 1;
}
