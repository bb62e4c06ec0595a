/*
 * app/mailcap.h: which program shows a part of a given type (RFC 1524
 * mailcap files), and the command line for it. The files are read from
 * $MAILCAPS (a colon-separated list) or else ~/.mailcap then /etc/mailcap;
 * the first entry that matches the type and whose test passes wins.
 */
#ifndef SEALMAIL_APP_MAILCAP_H
#define SEALMAIL_APP_MAILCAP_H

#include <stddef.h>

struct buf;
struct smerr;

#define MAILCAP_MAX_FILE	(1024 * 1024)	/* one mailcap file read */
#define MAILCAP_MAX_ENTRIES	10000		/* entries kept of all files */

struct mailcap_entry {
	char	*type;		/* lowercased, "text/html" or "image/x" */
	char	*view;		/* the view command, as written */
	char	*test;		/* test=, or NULL */
	char	*nametemplate;	/* nametemplate=, or NULL */
	int	 copious;	/* copiousoutput: text to show in the pager */
	int	 terminal;	/* needsterminal */
};

struct mailcap {
	struct mailcap_entry	*entries;
	size_t			 n, cap;
};

/* An empty table; mailcap_free(NULL) does nothing. */
struct mailcap	*mailcap_new(void);
void		 mailcap_free(struct mailcap *mc);

/*
 * Adds the entries of the len bytes of mailcap text at s: comments and
 * blank lines skipped, backslash-newline joining lines, "\;" a semicolon
 * within a field; an entry without a view command, or past
 * MAILCAP_MAX_ENTRIES, is left out. 0 or SMERR_NOMEM.
 */
int	 mailcap_parse(struct mailcap *mc, const char *s, size_t len,
	    struct smerr *e);

/*
 * A table of the user's mailcap files: $MAILCAPS, or ~/.mailcap then
 * /etc/mailcap; a file that is missing or unreadable is skipped. 0 or
 * SMERR_NOMEM.
 */
int	 mailcap_load(struct mailcap **mcp, struct smerr *e);

#define MAILCAP_COPIOUS		0x01	/* only copiousoutput entries */
#define MAILCAP_NO_TEST		0x02	/* entries with a test are skipped */

/*
 * The first entry for type (its parameters ignored, case-insensitive; a
 * star subtype, or a bare "text", in a file matches any text type) whose
 * test command, run by /bin/sh with nothing on its input and output,
 * exits 0. NULL when there is none.
 */
const struct mailcap_entry *mailcap_find(const struct mailcap *mc,
	    const char *type, unsigned flags);

/*
 * The view command of entry x for a part of the given type and
 * parameters (param returns a parameter's value, or NULL; param may be
 * NULL) in the file at path: %s becomes path, %t the type, %{name} the
 * parameter, %% a percent sign. Values from the message are cut to
 * letters, digits and "+-._/=" (no leading '-'), and path must be made of
 * those characters and begin with '/': so nothing substituted can mean
 * anything to the shell, quoted by the entry or not. *stdinp is set
 * when the command has no %s (the part then goes to its input). A
 * malloc'd command, or NULL with e set.
 */
char	*mailcap_command(const struct mailcap_entry *x, const char *type,
	    const char *(*param)(void *, const char *), void *arg,
	    const char *path, int *stdinp, struct smerr *e);

/*
 * The file name extension nametemplate asks for ("html" of "%s.html"),
 * cut to letters and digits; NULL when there is none.
 */
char	*mailcap_extension(const struct mailcap_entry *x);

/*
 * A part of a stored message made ready for its viewer (app/viewer.c):
 * the part decoded into a file of its own, readable by its owner only, in
 * a directory made for it (in $XDG_RUNTIME_DIR/sealmail when that is
 * private, else in $TMPDIR or /tmp), and the command line that shows it.
 */
struct app_viewer {
	char	*cmd;		/* for /bin/sh -c; reads the file */
	char	*type;		/* the part's type */
	char	*path;		/* the part's copy */
	char	*dir;		/* the directory made for it */
	int	 copious;	/* its output is text to show */
	int	 terminal;	/* it needs the terminal */
};

/*
 * Finds the entry for part index (from 1, as app_parts numbers them) of
 * the len bytes of msg, writes the part and fills v. SMERR_NOTFOUND when
 * no entry serves the part's type; v is then empty.
 */
int	 app_viewer_open(const struct mailcap *mc, const unsigned char *msg,
	    size_t len, size_t index, struct app_viewer *v, struct smerr *e);
/*
 * Runs v's command with nothing on its terminal and appends what it
 * writes on its standard output to out (at most what out holds; the rest
 * is read and dropped). 0, or SMERR_* when it could not run or did not
 * exit 0.
 */
int	 app_viewer_output(const struct app_viewer *v, struct buf *out,
	    struct smerr *e);
/*
 * The text of the len bytes of msg as the first copiousoutput entry for
 * text/html shows it, when the text a reader is shown (shown, as the
 * verdict kept it) is exactly sealmail's own reading of one text/html
 * part and no text/plain stands beside it: so nothing but a second
 * reading of the same part replaces it. The part goes to the viewer as
 * UTF-8 (%{charset} says so). *outp is a malloc'd text, or NULL when
 * there is no entry or the text was not such a part. 0 or SMERR_*.
 */
int	 app_html_mailcap(const struct mailcap *mc, const unsigned char *msg,
	    size_t len, const char *shown, char **outp, struct smerr *e);
/* Removes the part's copy and its directory, and empties v. */
void	 app_viewer_close(struct app_viewer *v);

#endif
