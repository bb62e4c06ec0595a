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
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/err.h"
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
	if (app_draft_make(cfg, m, kind, &d, &e) != 0) {
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
	    strcasecmp(m->reply_to, m->signer) != 0)
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

/* Moves (dest), copies (copy) or deletes (dest NULL) message id. */
static int
act_move(struct ui *ui, int64_t id, const char *dest, int copy)
{
	struct store			*st = app_session_store(ui_session(ui));
	const struct app_account	*a;
	struct store_msg		*m;
	struct smerr			 e;
	const char			*args[6];
	char				*trash = NULL, *from = NULL;
	int64_t				 newid;
	int				 r, busy;

	if ((m = act_load(ui, id)) == NULL)
		return 0;
	a = app_config_account(app_session_config(ui_session(ui)),
	    m->account);
	from = m->folder_name != NULL ? strdup(m->folder_name) : NULL;
	store_msg_free(m);
	smerr_clear(&e);
	if (a == NULL || from == NULL) {
		ui_status(ui, 1, "the message belongs to no configured account");
		free(from);
		return 0;
	}
	if (dest == NULL && app_trash_folder(st, a, NULL, &trash, &e) != 0) {
		ui_status(ui, 1, "%s", smerr_msg(&e));
		free(from);
		return 0;
	}
	/* From Trash nothing brings it back: one key is not enough. */
	if (dest == NULL && strcmp(from, trash) == 0 && !ui_confirm(ui,
	    "Remove this message for good, here and on the server? (y/N)")) {
		ui_status(ui, 0, "not removed");
		free(trash);
		free(from);
		return 0;
	}
	if ((r = app_move_local(st, id, dest, copy, trash, &newid, &e)) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	else {
		/* The server learns it from a sync, which does the queue. */
		args[0] = "sync";
		args[1] = "--account";
		args[2] = a->name;
		args[3] = "--folder";
		args[4] = from;
		args[5] = NULL;
		busy = ui_job(ui, "moving", args, NULL, NULL, NULL) != 0;
		ui_refresh_all(ui);
		if (newid == 0)
			ui_status(ui, 0, "removed for good%s", busy ?
			    " here; the next sync (S) tells the server" : "");
		else
			ui_status(ui, 0, "%s %s%s", copy ? "copied to" :
			    "moved to", dest != NULL ? dest : trash, busy ?
			    " here; the next sync (S) tells the server" : "");
	}
	free(trash);
	free(from);
	return r == 0 && !copy ? UI_MSG_GONE : 0;
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

static int
act_move_ask(struct ui *ui, int64_t id, int copy)
{
	char	*dest;
	int	 r = 0;

	dest = ui_prompt_complete(ui, copy ? "Copy to folder: " :
	    "Move to folder: ", NULL, ui_complete_folder, ui);
	if (dest != NULL && dest[0] != '\0')
		r = act_move(ui, id, dest, copy);
	free(dest);
	return r;
}

/*
 * Asks question; given an answer (*answerp, caller frees), loads message
 * id, its bytes as export gives them (decrypted, or as received) in *pp
 * and *lenp. NULL, and *answerp NULL, when either does not happen.
 */
static struct store_msg *
act_ask_msg(struct ui *ui, int64_t id, const char *question, char **answerp,
    const void **pp, size_t *lenp)
{
	struct store_msg	*m;

	if ((*answerp = ui_prompt(ui, question)) == NULL ||
	    (*answerp)[0] == '\0' || (m = act_load(ui, id)) == NULL) {
		free(*answerp);
		*answerp = NULL;
		return NULL;
	}
	*pp = m->body != NULL ? (const void *)m->body : (const void *)m->raw;
	*lenp = m->body != NULL ? m->body_len : m->raw_len;
	return m;
}

static int
act_pipe(struct ui *ui, int64_t id)
{
	struct store_msg	*m;
	const void		*p;
	char			*cmd;
	size_t			 len;
	int			 r;

	if ((m = act_ask_msg(ui, id, "Pipe to command: ", &cmd, &p,
	    &len)) == NULL)
		return 0;
	r = ui_run_sh(ui, cmd, p, len, 1);
	store_msg_free(m);
	ui_status(ui, r != 0, "the command exited with %d", r);
	free(cmd);
	return 0;
}

static int
act_write(struct ui *ui, int64_t id)
{
	struct store_msg	*m;
	struct smerr		 e;
	const void		*p;
	char			*path;
	size_t			 len;

	if ((m = act_ask_msg(ui, id, "Save the message to file: ", &path, &p,
	    &len)) == NULL)
		return 0;
	smerr_clear(&e);
	if (app_write_new(path, p, len, &e) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	else
		ui_status(ui, 0, "saved %zu bytes to %s", len, path);
	store_msg_free(m);
	free(path);
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
		return act_draft(ui, id, ui_confirm(ui, "Forward as an "
		    "attachment? (y/N)") ? APP_DRAFT_FORWARD_ATTACH :
		    APP_DRAFT_FORWARD);
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
	}
	return 1;
}
