/*
 * ui/ui_int.h: shared by the files of ui/. The program is a stack of
 * views, each a table of callbacks (draw, key, refresh, free) over its own
 * data, drawn between a title line and two status lines. Background work
 * (sync, send) runs as a child process of this program whose output is
 * read through pipes watched by the poll() loop, so a key press is never
 * blocked by the network.
 */
#ifndef SEALMAIL_UI_INT_H
#define SEALMAIL_UI_INT_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

struct ui;
struct ui_view;
struct app_session;
struct buf;

struct ui_view_ops {
	const char	*name;
	const char	*keys;		/* the key hint line */
	void		(*draw)(struct ui *, struct ui_view *, int top,
			    int rows, int cols);
	/* 0: handled; 1: not mine; -1: close this view */
	int		(*key)(struct ui *, struct ui_view *, wint_t key,
			    int fnkey);
	void		(*reload)(struct ui *, struct ui_view *);
	/* What the view's data holds; ui_view_free frees the rest. */
	void		(*free)(struct ui_view *);
};

struct ui_view {
	const struct ui_view_ops	*ops;
	void				*data;
	char				 title[256];
	char				 brief[256];	/* the status line's
							   when it has none */
	int				 briefc;	/* its enum ui_color */
};

/* Colour pairs. */
enum ui_color {
	UI_C_NORMAL = 0,
	UI_C_BAR = 1,
	UI_C_GOOD,
	UI_C_BAD,
	UI_C_WARN,
	UI_C_DIM,
	UI_C_SEL,
	UI_C_HEAD,
	UI_C_QUOTE,
};

/*
 * setup.c: with no account configured, offers sealmail setup on the
 * terminal before the screen is set up, and reads the configuration again
 * after it. 1 when an account was added.
 */
int		 ui_first_run(struct app_session *s);

/* ui.c */
void		 ui_push(struct ui *ui, struct ui_view *v);
void		 ui_pop(struct ui *ui);
/* Puts v in place of the top view (changing folder). */
void		 ui_replace(struct ui *ui, struct ui_view *v);
void		 ui_status(struct ui *ui, int error, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
const char	*ui_status_text(struct ui *ui);
struct app_session *ui_session(struct ui *ui);
int		 ui_rows(struct ui *ui);
/* A view with ops over zeroed data of size bytes; NULL: out of memory. */
struct ui_view	*ui_view_new(const struct ui_view_ops *ops, size_t size);
/* Frees v (NULL: nothing): what ops->free releases, its data, itself. */
void		 ui_view_free(struct ui_view *v);
/* Sets (s NULL: clears) what v shows on an empty status line. */
void		 ui_view_brief(struct ui_view *v, const char *s, int color);
/* Refreshes every view's data (after a sync or a send). */
void		 ui_refresh_all(struct ui *ui);
/*
 * Asks a one-line question on the status line; returns a malloc'd answer
 * or NULL when cancelled.
 */
char		*ui_prompt(struct ui *ui, const char *question);
/* The query / last searched for (NULL: none yet), which n looks for. */
const char	*ui_search_last(struct ui *ui);
void		 ui_search_set(struct ui *ui, const char *query);
/*
 * The same, starting from initial (or empty), and with Tab calling
 * complete(arg, typed, n, out, hint, hintlen): typed is what was there
 * before the first of n + 1 consecutive Tabs; it puts the n-th way to
 * finish it in out and returns 0 (else -1: the answer stays), and may
 * write a line about the choices into hint.
 */
char		*ui_prompt_complete(struct ui *ui, const char *question,
		    const char *initial, int (*complete)(void *, const char *,
		    int, struct buf *, char *, size_t), void *arg);
/* Shows question on the bottom line, in the warning colour. */
void		 ui_put_question(const char *question);
/*
 * One key, waiting at most ms milliseconds (-1: no limit): OK or
 * KEY_CODE_YES as get_wch returns them, KEY_RESIZE (with KEY_CODE_YES)
 * when the terminal was resized, ERR when the time is up, UI_KEY_GONE
 * once the terminal's input has ended (it went away, SIGHUP ignored):
 * then every later call says so at once, and the caller lets go.
 */
#define UI_KEY_GONE	(-2)
int		 ui_key_wait(wint_t *wc, int ms);
/* 1 once the terminal's input has ended (UI_KEY_GONE). */
int		 ui_input_gone(void);
/*
 * ^C: asks "Quit sealmail? (y/N)"; on yes the program ends once the
 * screen in hand lets go. 1 for yes.
 */
int		 ui_ask_quit(struct ui *ui);
/*
 * While a screen is drawn outside the views (NULL: none), redraw draws it
 * again when the terminal is resized under a prompt or a question.
 */
void		 ui_set_redraw(struct ui *ui,
		    void (*redraw)(struct ui *, void *), void *arg);
/* 1 for yes, 0 for anything else. */
int		 ui_confirm(struct ui *ui, const char *question);
/* The same, but -1 when the question is cancelled (Esc, ^G, ^C). */
int		 ui_ask(struct ui *ui, const char *question);
/* The character typed in answer (0: a function key), or -1 as ui_ask. */
int		 ui_ask_key(struct ui *ui, const char *question);
/*
 * Runs this program in the background with args (after the home options);
 * input, when not NULL, is written to its standard input. The last line it
 * writes on stderr becomes the status when it ends; done (optional) is
 * called with the exit status, or with UI_JOB_ABANDONED when the program
 * quits before the command ends (then it must only free arg).
 */
#define UI_JOB_ABANDONED	(-1)
int		 ui_job(struct ui *ui, const char *label, const char **args,
		    const struct buf *input,
		    void (*done)(struct ui *, int status, void *), void *arg);
/* Suspends the screen to run a program in the foreground (the editor). */
int		 ui_run_foreground(struct ui *ui, const char *const *argv);

/* term.c */
/*
 * 0 when the terminal named by TERM can hold the screen; else -1, with
 * why it cannot in why (len bytes).
 */
int		 ui_term_check(char *why, size_t len);

/* draw.c */
void		 ui_draw_init(void);
/*
 * Draws sanitized UTF-8 text at (y, x) in at most width cells; returns
 * the cells used.
 */
int		 ui_put(int y, int x, int width, const char *s, size_t len);
/*
 * "…" at the cursor, and a rule of cols cells across line y; drawn, as
 * ui_put draws, with what stands for them where the locale lacks them.
 */
void		 ui_put_ellipsis(void);
void		 ui_put_rule(int y, int cols);
/* The cells s takes on the screen, as ui_put draws it. */
int		 ui_width(const char *s);
/*
 * As ui_put, but when s is wider than width it draws "…" and the end of
 * s that fits (what was typed last, in a prompt).
 */
int		 ui_put_tail(int y, int x, int width, const char *s,
		    size_t len);
/*
 * Cuts s (len bytes of UTF-8) into rows, the first at most width cells
 * wide and the others width - indent, breaking at a space where it can
 * (a row holds every whole word that fits in its cells, the last one
 * ending at its edge too) and else inside a word; calls row with each row's bytes (the spaces a
 * break leaves at the start of the next row dropped), once at least. No
 * character is left out: one wider than its row takes a row of its own.
 * A tab is first made spaces to its stop (ui_expand_tabs), as every text
 * view shows it; row's bytes are then a copy's, not s's own.
 */
void		 ui_wrap(const char *s, size_t len, int width, int indent,
		    void (*row)(const char *, size_t, void *), void *arg);
/*
 * The list keys every view shares: arrows, page and home/end keys become
 * j k Space - = G and Enter '\r', and * (as in mutt) G; other function
 * keys give 0.
 */
wint_t		 ui_nav_key(wint_t k, int fn);
/*
 * The keys of a text of n lines shown rows at a time from line *top:
 * j k a line, Space - a page, = G the top and the end; *top never goes
 * past the line that shows the last one at the bottom. 1 when k was one.
 */
int		 ui_scroll_key(wint_t k, size_t *top, size_t n, size_t rows);
/*
 * The same keys on a list of n entries whose selected one is *cur: j k
 * the next or the one before, Space - a page of rows on or back, = G
 * the first or the last. 1 when k was one.
 */
int		 ui_cursor_key(wint_t k, size_t *cur, size_t n, size_t rows);
/*
 * Appends the len bytes of UTF-8 at s to out with each tab made the
 * spaces up to the next stop, every UI_TABSTOP cells as a terminal's.
 * 0 or SMERR_*.
 */
#define UI_TABSTOP	8
int		 ui_expand_tabs(struct buf *out, const char *s, size_t len);
/*
 * Draws a bar's text at (y, 0): cut with an ellipsis when it is wider
 * than cols, the rest of the line filled with spaces, so that a bar is
 * never blank.
 */
void		 ui_put_bar(int y, int cols, const char *s);
/*
 * Draws a view's key hints (items two spaces apart, the most useful first)
 * on a bar at (y, 0): the first and the last always, the others that fit.
 */
void		 ui_put_hints(int y, int cols, const char *hints);
/* Fills the rest of a line from x with spaces in the current attribute. */
void		 ui_clear_to(int y, int x, int cols);
/*
 * A date for a list column: "HH:MM" today, "Mon DD" this year, else
 * "YYYY-MM-DD".
 */
void		 ui_date(char *out, size_t len, int64_t when);
/* The banner a reader sees for a stored verdict, and its colour. */
const char	*ui_sig_banner(const char *sig, enum ui_color *color);
const char	*ui_enc_banner(const char *enc, enum ui_color *color);
/* The index's mark and its colour for a signature and an encryption state. */
char		 ui_sig_mark(const char *sig, enum ui_color *color);
char		 ui_enc_mark(const char *enc, enum ui_color *color);

/* Views. */
/* account NULL: the folder of that name in every account. */
struct ui_view	*ui_index_new(struct ui *ui, const char *account,
		    const char *folder, const char *query);
/*
 * The account of the screen shown: of the nearest index, outbox or
 * drafts, or of the folder list's line under the cursor; or NULL.
 */
const char	*ui_index_account(struct ui *ui);
/* The account of index view v, or NULL (no index, or every account). */
const char	*ui_index_view_account(const struct ui_view *v);
/* The same of a list screen (ui_index_account), or NULL. */
const char	*ui_list_view_account(const struct ui_view *v);
struct ui_view	*ui_pager_new(struct ui *ui, int64_t id);
struct ui_view	*ui_folders_new(struct ui *ui);
struct ui_view	*ui_keys_new(struct ui *ui);
struct ui_view	*ui_help_new(struct ui *ui);
/* The signer's certificate of message msg (V in the pager). */
struct ui_view	*ui_cert_new(struct ui *ui, int64_t msg);
/* The parts of message msg, each one saved to a file with Enter. */
struct ui_view	*ui_parts_new(struct ui *ui, int64_t msg);
/* Compose a new message (to, subject and quoted body may be NULL). */
void		 ui_compose(struct ui *ui, const char *to, const char *subject,
		    const char *quote, const char *in_reply_to);
/*
 * The editor over a whole draft, then the question whether to send it.
 * enc: 1 encrypt, 0 not, -1 encrypt and ask before it goes out
 * unencrypted (a recipient without a certificate). note (or NULL) is
 * shown beside the question. The nfiles files are attached to it (kept
 * with the draft; the caller still clears them).
 */
struct app_file;
void		 ui_compose_text(struct ui *ui, const char *tmpl, size_t len,
		    int sign, int enc, const char *note,
		    const struct app_file *files, size_t nfiles);
/* The note for a message written without its signature file, and why. */
void		 ui_compose_nosig(const char *why, char *note, size_t len);

/* actions.c: the message keys the index and the pager share. */
/*
 * Flags (IMAP flags, a space between them) with flag taken out when it
 * is among them, else added: a new string, or NULL when out of memory.
 */
char		*ui_flags_toggle(const char *flags, const char *flag);
#define UI_MSG_GONE	2	/* the message left the folder shown */
/* 0 handled, UI_MSG_GONE handled and gone, 1 not a message key. */
int		 ui_msg_key(struct ui *ui, int64_t id, wint_t key);
/*
 * ; then d, s, C or |: the key for each of the n messages ids (tagged),
 * with one question for them all (the folders of account offered, or of
 * every one when NULL); 0 handled, 1 not such a key.
 */
int		 ui_msg_key_tagged(struct ui *ui, const char *account,
		    const int64_t *ids, size_t n, wint_t key);
/* The view under the top one, or NULL. */
struct ui_view	*ui_under(struct ui *ui);
/*
 * The message after (dir 1) or before (dir -1) id in index view v, which
 * then selects it; 0 when there is none or v is no index.
 */
int64_t		 ui_index_step(struct ui_view *v, int64_t id, int dir);
/* The message after id in index view v, which stays where it is; or 0. */
int64_t		 ui_index_after(struct ui_view *v, int64_t id);
/*
 * The next message after id in index view v that the last search
 * selects (n), which then selects it; 0 when there is none (the status
 * line says why) or v is no index.
 */
int64_t		 ui_index_search(struct ui *ui, struct ui_view *v, int64_t id);
/*
 * Tab: the next message after id in index view v that the store holds
 * as unread (round to the top, as mutt's next-new-then-unread), which
 * then selects it; 0 when there is none (the status line says so)
 * or v is no index.
 */
int64_t		 ui_index_unread(struct ui *ui, struct ui_view *v, int64_t id);
/*
 * t in the pager: tags message id in index view v, or untags it; 1 when
 * it is tagged now, 0 when not, -1 when v is no index or memory failed.
 */
int		 ui_index_tag(struct ui_view *v, int64_t id);
/*
 * The number index view v shows for message id (from 1) in *posp, and
 * how many it counts in *np; -1 when v is not an index or has no such row.
 */
int		 ui_index_pos(struct ui_view *v, int64_t id, size_t *posp,
		    size_t *np);
/*
 * ui_run_foreground with len bytes of in written to the program's
 * standard input (in NULL: the terminal's), and, with wait set, a key
 * press asked for before the screen comes back.
 */
int		 ui_run_piped(struct ui *ui, const char *const *argv,
		    const void *in, size_t len, int wait);
/* ui_run_piped of "/bin/sh -c cmd". */
int		 ui_run_sh(struct ui *ui, const char *cmd, const void *in,
		    size_t len, int wait);
/* The compose screen for draft id of the store. */
void		 ui_compose_draft(struct ui *ui, int64_t id);
/*
 * Keeps as drafts the editor files a sealmail of this home that has
 * since died left behind, and removes them; returns how many.
 */
int		 ui_compose_recover(struct ui *ui);
/*
 * The outbox: queued messages with their state and last answer; of
 * account acct only, or of every account when acct is NULL.
 */
struct ui_view	*ui_outbox_new(struct ui *ui, const char *acct);
/* The postponed drafts (as the outbox); Enter opens one to compose. */
struct ui_view	*ui_drafts_new(struct ui *ui, const char *acct);

/*
 * complete.c: the completers of ui_prompt_complete. ui_complete_file
 * completes file names (arg unused; "~/" is the home directory),
 * ui_complete_folder the store's folder names (arg: a struct
 * ui_folder_scope: those of its account, or of every one when NULL), and
 * ui_complete_addr the last address of a list (arg: a struct ui_addrs,
 * aliases, query-command, the store's addresses and certificates).
 */
struct app_account;
struct ui_addrs;
struct ui_folder_scope {
	struct ui	*ui;
	const char	*account;
};
int		 ui_complete_file(void *arg, const char *typed, int n,
		    struct buf *out, char *hint, size_t hintlen);
int		 ui_complete_folder(void *arg, const char *typed, int n,
		    struct buf *out, char *hint, size_t hintlen);
int		 ui_complete_addr(void *arg, const char *typed, int n,
		    struct buf *out, char *hint, size_t hintlen);
struct ui_addrs	*ui_addrs_new(struct ui *ui, const struct app_account *a);
void		 ui_addrs_free(struct ui_addrs *ua);
/* The aliases and addresses seen, read when first asked for. */
struct app_addrs;
const struct app_addrs *ui_addrs_book(struct ui_addrs *ua);
/* "~/x" as $HOME/x, anything else as it is; malloc'd. */
char		*ui_expand_home(const char *path);
/*
 * Where to save what the reader named typed (empty: dflt), as mutt
 * does: ~/ is the home, a directory holds the file under dflt's name,
 * and a file there is written over only when the reader says so (then
 * *overp is 1). Malloc'd; NULL when nothing is to be written, the
 * status line saying why.
 */
char		*ui_save_target(struct ui *ui, const char *typed,
		    const char *dflt, int *overp);

/*
 * compose-info.c: what the compose screen shows and keeps beside the
 * text: the files attached (kept with the draft in the store, which send
 * --draft attaches) and each recipient with where its certificate comes
 * from ("store", "harvested", "smimea", or NULL: none known).
 */
#define UI_ATTACH_MAX	10
struct ui_attach {
	int64_t		 seq;		/* its number in the draft */
	char		*name;
	char		*type;
	long long	 size;
};
struct ui_rcpt {
	char		*addr;
	const char	*source;
	int		 asked;		/* DNS was asked about it */
	int		 failed;	/* ...and could not answer */
};
struct ui_cinfo {
	struct ui_attach	*att;
	size_t			 natt, sel;
	struct ui_rcpt		*rc;
	size_t			 nrc;
	long			 dns_pid;	/* keys lookup running */
	char			 dns_addr[322];	/* ...for this address */
};
void		 ui_cinfo_clear(struct ui_cinfo *ci);
/*
 * Attaches a file (~/ is the home directory) to draft id in the store, or
 * says why not: 0 or -1.
 */
int		 ui_cinfo_attach(struct ui *ui, struct ui_cinfo *ci,
		    int64_t id, const char *path);
/* Detaches the selected file from draft id. */
void		 ui_cinfo_detach(struct ui *ui, struct ui_cinfo *ci,
		    int64_t id);
/* The files kept with draft id, as it is recalled. */
void		 ui_cinfo_files(struct ui *ui, struct ui_cinfo *ci,
		    int64_t id);
/* Reads the recipients of a draft and looks in the key store for each. */
void		 ui_cinfo_recipients(struct ui *ui, struct ui_cinfo *ci,
		    const void *text, size_t len);
/*
 * Goes on with the DNS lookups: 1 while one runs (ask again soon), 0
 * when every recipient has been looked up.
 */
int		 ui_cinfo_dns_step(struct ui *ui, struct ui_cinfo *ci);
/* Draws the screen above row bottom. */
void		 ui_cinfo_draw(const struct ui_cinfo *ci, const void *text,
		    size_t len, int bottom);

#endif
