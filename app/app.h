/*
 * app/app.h: accounts and configuration, and the command-line face. No
 * ncurses here; only app/cli.c and the cmd-*.c files it dispatches to print.
 */
#ifndef SEALMAIL_APP_H
#define SEALMAIL_APP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct smerr;

enum app_tls { APP_TLS_STARTTLS, APP_TLS_IMPLICIT };
enum app_encrypt { APP_ENCRYPT_AUTO, APP_ENCRYPT_YES, APP_ENCRYPT_NO };

struct app_server {
	char		*host;		/* DNS name (A-labels) or address
					   literal */
	int		 port;
	enum app_tls	 tls;
};

struct app_account {
	char			*name;
	char			*address;
	char			*display_name;	/* NULL when not set */
	char			*user;		/* login; defaults to address */
	struct app_server	 imap;
	struct app_server	 smtp;
	int			 has_imap;
	int			 has_smtp;
	char			*password_command;
	int			 timeout;	/* seconds */
	char			*ca_file;	/* absolute, or NULL */
	int			 sign;
	enum app_encrypt	 encrypt;
	int			 header_protection;	/* RFC 9788 */
	int			 legacy_display;	/* ...with its LDE */
	char			*trash;		/* the Trash folder, or NULL:
						   SPECIAL-USE \Trash */
	char			*signature;	/* a file, absolute, or NULL */
	char			*alias_file;	/* mutt's alias format, or NULL */
	char			*query_command;	/* mutt's query protocol */
	int			 poll;		/* seconds between checks when
						   the server has no IDLE */
	char			*new_mail_command;	/* or NULL */
};

struct app_dns {
	int	 present;	/* a [dns] section was given */
	char	*resolver;	/* "addr@port", or NULL: the system's */
	char	*trust_anchor;	/* absolute path, or NULL: the root's */
	int	 timeout;	/* seconds */
};

/* [security]: how signers' certificates are checked for revocation. */
enum app_revocation {
	APP_REVOCATION_OCSP_CRL = 0,	/* OCSP, then the CRL (default) */
	APP_REVOCATION_CRL,
	APP_REVOCATION_OFF,
};

struct app_security {
	int			 present;	/* a [security] section */
	enum app_revocation	 revocation;
	int			 timeout;	/* seconds one lookup waits */
	int			 key_cache;	/* seconds; 0: off */
	int			 key_cache_set;
};

struct app_config {
	char			*path;
	struct app_account	*accounts;
	size_t			 naccounts;
	struct app_dns		 dns;
	struct app_security	 security;
	char			*pkcs11_module;	/* [pkcs11] module */
};

#define APP_DEFAULT_TIMEOUT	30
#define APP_DEFAULT_DNS_TIMEOUT	5
/* Seconds a passphrase-derived store key stays in the session keyring. */
#define APP_DEFAULT_KEY_CACHE	900
#define APP_DEFAULT_REVOKE_TIMEOUT 5
#define APP_DEFAULT_POLL	300

/*
 * Reads the configuration file at path; relative file names inside it are
 * made absolute against home. A missing file is an empty configuration.
 * Errors name the file and line. 0 or a negative SMERR_* code.
 */
int	 app_config_load(const char *path, const char *home,
	    struct app_config **cfgp, struct smerr *e);
/* Parses configuration text (for tests and the loader). */
int	 app_config_parse(const char *text, size_t len, const char *path,
	    const char *home, struct app_config **cfgp, struct smerr *e);
void	 app_config_free(struct app_config *cfg);
/* The account called name, or the first when name is NULL; NULL if none. */
const struct app_account *app_config_account(const struct app_config *cfg,
	    const char *name);
/* The name a logs in with: its user, else its address. */
const char *app_account_login(const struct app_account *a);
/*
 * Parses a server URL of the given key ("imap" or "smtp"); a host name
 * outside ASCII is kept as its A-labels (base/idn.h), one IDNA refuses is
 * SMERR_CONFIG naming the key and the name.
 */
int	 app_server_parse(const char *key, const char *url,
	    struct app_server *srv, struct smerr *e);

/* Options that come before a command. */
struct app_opts {
	const char	*home;			/* --home or SEALMAIL_HOME */
	const char	*passphrase_file;	/* --passphrase-file or env */
	const char	*pin_file;		/* --pin-file or env */
};

#define APP_CLI_INTERACTIVE	(-1)

/*
 * The command-line face. Parses the global options into o; with a command
 * it runs it and returns the exit status (0, 1 or 2); with none it returns
 * APP_CLI_INTERACTIVE so that the caller can open the terminal program.
 */
int	 app_cli_main(int argc, char **argv, struct app_opts *o);

/*
 * The directories for home (NULL: the XDG defaults), made 0700 when
 * missing. *confdir and *datadir are malloc'd (caller frees).
 */
int	 app_dirs(const char *home, char **confdir, char **datadir,
	    struct smerr *e);

/*
 * An open home for the terminal program: configuration, the encrypted
 * store and the key store. When the store needs a passphrase and none was
 * given, it is asked on the terminal here (before the screen is set up)
 * and kept in memory only, in an anonymous memory file that the commands
 * the program runs in the background read as their passphrase file.
 */
struct app_session;
struct store;
struct keys;

int	 app_session_open(const struct app_opts *o, struct app_session **sp,
	    struct smerr *e);
void	 app_session_close(struct app_session *s);
/*
 * Reads the configuration again (after setup added an account); on an
 * error the one read before stays. 0 or SMERR_*.
 */
int	 app_session_reload(struct app_session *s, struct smerr *e);
struct store		*app_session_store(struct app_session *s);
struct keys		*app_session_keys(struct app_session *s);
const struct app_config	*app_session_config(struct app_session *s);
const char		*app_session_home(struct app_session *s);
const char		*app_session_datadir(struct app_session *s);
/*
 * The options a background command needs to open the same store: fills
 * argv with up to 6 strings ("--home", DIR, "--passphrase-file", FILE,
 * "--pin-file", FILE) and returns how many. keep_fd gets the descriptors
 * the child must inherit, or -1.
 */
int	 app_session_child_args(struct app_session *s, const char **argv,
	    int keep_fd[2]);
/* In the child, after fork: lets the descriptors of keep_fd reach exec. */
void	 app_session_child_keep(const int keep_fd[2]);

/*
 * The value of header field name (the first one, unfolded) in a message
 * as the user writes it, LF or CRLF, read as mime_compose reads it (the
 * header reader of mime/); NULL when it has none. Malloc'd.
 */
char	*app_draft_field(const void *text, size_t len, const char *name);
/* The account whose address is a draft's From; NULL when none is. */
const struct app_account *app_draft_account(const struct app_config *cfg,
	    const void *text, size_t len);
/*
 * The account an outbox entry or a draft belongs to: the one it was kept
 * with, else (a draft) the one it is From, else the first.
 */
const struct app_account *app_queue_owner(const struct app_config *cfg,
	    const char *account, const void *draft, size_t len);

/*
 * The parts of a (stored, decrypted) message a reader can save, app/parts.c:
 * every leaf but S/MIME signatures, numbered from 1 in tree order.
 */
struct app_part {
	size_t		 index;
	const char	*type;		/* lowercase type/subtype */
	char		*name;		/* a safe file name it suggests, or NULL */
	size_t		 size;		/* decoded bytes */
	int		 attachment;	/* Content-Disposition: attachment */
};
int	 app_parts(const unsigned char *msg, size_t len,
	    int (*cb)(const struct app_part *, void *), void *arg,
	    struct smerr *e);
/*
 * Writes len bytes of p to a new file at path, its owner's only: never
 * over an existing file, never through a link; a file half written is
 * removed. 0 or SMERR_IO.
 */
int	 app_write_new(const char *path, const uint8_t *p, size_t len,
	    struct smerr *e);
/*
 * The same, but over a file at path when there is one (the reader said
 * so): the new file is written beside it and then takes its name, so
 * that a link there is replaced, never followed, and the old file stays
 * whole until the new one is.
 */
int	 app_write_over(const char *path, const uint8_t *p, size_t len,
	    struct smerr *e);
/*
 * Message m as it is written out (export, and the terminal program's w
 * and |): as decrypted, or as received when it waits for its key. A
 * decrypted message is its outer fields over the inner entity, which
 * has a Content-Type but rarely a MIME-Version; without one other
 * programs need not read it as MIME, so it gets one. Appended to out:
 * 0 or SMERR_NOMEM/SMERR_LIMIT.
 */
struct buf;
struct store_msg;
int	 app_msg_export(const struct store_msg *m, struct buf *out);
/*
 * Writes part index, decoded, to the new file path (mode 0600), or with
 * over over the file there (app_write_over).
 */
int	 app_part_save(const unsigned char *msg, size_t len, size_t index,
	    const char *path, int over, size_t *sizep, struct smerr *e);
/* Part index, decoded, into *bp (a secret buffer the caller frees). */
int	 app_part_decoded(const unsigned char *msg, size_t len, size_t index,
	    struct buf **bp, struct smerr *e);
/*
 * A file name safe to create from a part's suggestion: its last path
 * component, without leading dots or control characters; "part-N" when
 * nothing is left. Malloc'd.
 */
char	*app_part_basename(const char *suggested, size_t index);
struct app_file;
/*
 * The files attached to a (stored, decrypted) message, to go on with a
 * forward: each leaf that names a file or is an attachment, decoded,
 * named by app_part_basename, of the type the message gives it. Appends
 * to v (*np of max in use; each cleared with app_file_clear); more than
 * max is SMERR_LIMIT, with the first max kept.
 */
int	 app_part_files(const uint8_t *msg, size_t len, struct app_file *v,
	    size_t max, size_t *np, struct smerr *e);

/*
 * What a stored verdict (its JSON object) says beyond the store's columns,
 * app/shown.c: the cipher, every finding (sanitized), and the runs of lines
 * of the shown text a signature covers or an envelope held (and those
 * written in format=flowed).
 */
#define APP_SPAN_SIGNED		0x01
#define APP_SPAN_ENVELOPE	0x02
#define APP_SPAN_FLOWED		0x04	/* text/plain; format=flowed */
#define APP_SPAN_DELSP		0x08	/* and DelSp=yes */

struct app_span {
	size_t		 line;		/* the run's first line, from 1 */
	unsigned	 flags;		/* APP_SPAN_* */
};

struct app_shown {
	char		*cipher;	/* NULL: none */
	char		**findings;
	size_t		 nfindings;
	struct app_span	*spans;
	size_t		 nspans;
	int		 has_coverage;	/* the verdict says what covers what */
	char		*revocation;	/* "good", "revoked"...; NULL: none */
};

int	 app_shown_read(const char *verdict, struct app_shown **shp,
	    struct smerr *e);
/*
 * A verdict kept by an earlier sealmail has no member for what was only
 * checked later (revocation, header protection): that was not checked,
 * never good. Writes the finding that says so into out (len bytes) and
 * returns 1; 0 for a verdict that has them. app_shown_read adds it to
 * the findings.
 */
int	 app_shown_older(const char *verdict, char *out, size_t len);
void	 app_shown_free(struct app_shown *sh);
/*
 * A stored message's verdict is the one found when it was read. When the
 * store has since been told (by OCSP or a CRL, asked for later mail, a
 * send or keys lookup) that the signer's certificate der is revoked, and
 * kept (the verdict's revocation) did not say so, writes a sentence
 * saying so, and when it was learnt, to out (len bytes) and returns 1;
 * else 0.
 */
int	 app_revoked_since(struct store *st, const uint8_t *der, size_t dlen,
	    const char *kept, char *out, size_t len);
/* The answer about a certificate's revocation the store keeps. */
struct app_revoke_kept {
	const char	*status;	/* "good" or "revoked" */
	const char	*how;		/* "OCSP" or "CRL" */
	time_t		 checked;	/* when it was had */
	int		 revoked;
	time_t		 at;		/* revoked: when, or 0 */
	const char	*reason;	/* revoked: why ("keyCompromise"), or
					   NULL */
};
/*
 * Fills k with the answer kept (still valid) about the certificate whose
 * SHA-256 is fp (lowercase hex): 1, or 0 when none is kept.
 */
int	 app_revoke_kept(struct store *st, const char *fp,
	    struct app_revoke_kept *k);
/* The APP_SPAN_* flags of line (from 1) of the shown text. */
unsigned app_shown_line(const struct app_shown *sh, size_t line);
/*
 * One piece of the shown text as a reader lays it out: a line as it is,
 * or, in a run written in format=flowed, a paragraph with its quote
 * marks, stuffed space and soft breaks read (mime_flowed_read).
 */
struct app_para {
	const char	*text;		/* len bytes */
	size_t		 len;
	size_t		 line;		/* its first line, from 1 */
	int		 flowed;	/* a paragraph of flowed text */
	int		 depth;		/* and its quote depth */
};
/*
 * Hands each piece of text (the shown text of a message whose verdict is
 * sh, which may be NULL) to fn in order, one empty line for an empty
 * text that is not flowed (an empty flowed part hands nothing): what the
 * pager lays out and a reply quotes. 0, what fn returned
 * when not 0, or SMERR_NOMEM.
 */
int	 app_shown_paras(const char *text, const struct app_shown *sh,
	    int (*fn)(const struct app_para *, void *), void *arg);
/*
 * Appends text, the shown text of a message whose stored verdict is
 * verdict (NULL: none), to b: each of its pieces (app_shown_paras) on a
 * line, after prefix and a flowed paragraph's quote marks and a space.
 * 0 or SMERR_*.
 */
int	 app_text_put(struct buf *b, const char *text, const char *verdict,
	    const char *prefix);
/*
 * The display name of the From field of the stored message msg, decoded
 * and sanitized (malloc'd), or NULL when it has none.
 */
char	*app_from_name(const unsigned char *msg, size_t len);
/*
 * A folder's IMAP name (modified UTF-7, RFC 3501 5.1.3: "Entw&APw-rfe")
 * as the reader reads it ("Entwürfe"), and a name typed so made the IMAP
 * name again: malloc'd (app/move.c). A name that does not convert comes
 * back as it is, as does a typed one all in ASCII. NULL on no memory.
 */
char	*app_folder_shown(const char *name);
char	*app_folder_typed(const char *typed);
/*
 * One header field as a reader sees it, "Name: value": the len bytes at
 * field (name, value and continuation lines, as received) read as
 * mime_hdr_next reads them (unfolded), the encoded words (RFC 2047) of
 * the value decoded into UTF-8 as the usual fields are, and sanitized.
 * Bytes that are no field come back sanitized as they are. Malloc'd;
 * NULL on no memory.
 */
char	*app_field_shown(const char *field, size_t len);
/* Hands cb each field of msg's header section, shown so, in order. */
void	 app_fields_shown(const void *msg, size_t len,
	    void (*cb)(const char *, void *), void *arg);
/*
 * The same for the protected header section (RFC 9788) inside the stored
 * message msg, the payload under its signatures that says it carries
 * one: 1 when there is one, else 0 (and cb is not called).
 */
int	 app_protected_fields_shown(const void *msg, size_t len,
	    void (*cb)(const char *, void *), void *arg);

/*
 * A file to attach (app/attach.c): its last path component, the type its
 * extension names, and its bytes.
 */
struct buf;
struct mime_attachment;
struct app_file {
	char		*name;
	const char	*ctype;
	struct buf	*data;
	char		*type;		/* ctype when it is not a constant */
};
const char	*app_attach_type(const char *name);
int	 app_file_load(const char *path, struct app_file *f, struct smerr *e);
void	 app_file_clear(struct app_file *f);
/* Points a at f's name, type and bytes. */
void	 app_file_attachment(const struct app_file *f,
	    struct mime_attachment *a);
/*
 * The files kept with a draft in the store: f->seq gets the new file's
 * number; app_draft_files appends draft id's files to v (*np of max are
 * in use; each cleared with app_file_clear).
 */
struct store;
int	 app_file_keep(struct store *st, int64_t id, const struct app_file *f,
	    int64_t *seqp, struct smerr *e);
int	 app_draft_files(struct store *st, int64_t id, struct app_file *v,
	    size_t max, size_t *np, struct smerr *e);

/*
 * Writing comfort (app/addrbook.c). app_signature_put appends "\n-- \n"
 * and the account's signature file to out; nothing when it has none. A
 * file that cannot be used (missing, unreadable, over 64 KiB, not text)
 * is left out, and *whyp says why (malloc'd, the caller frees; NULL
 * else): the message can still be written. Fails only for lack of memory
 * or room in out.
 */
int	 app_signature_put(const struct app_account *a, struct buf *out,
	    char **whyp, struct smerr *e);

/*
 * Addresses to complete from: each entry is the text it puts in a To or
 * Cc field ("Name <addr>", an addr-spec, or an alias's list), the alias
 * name that stands for it, and where it came from ("alias", "query",
 * "seen", "certificate").
 */
struct app_addr {
	char		*nick;		/* NULL but for an alias */
	char		*value;
	const char	*source;
};
struct app_addrs {
	struct app_addr	*v;
	size_t		 n, cap;
};
void	 app_addrs_clear(struct app_addrs *b);
/* Lines "alias [-group G] NICK ADDRESS[, ...]" of mutt's alias file. */
int	 app_alias_parse(const char *text, size_t len, struct app_addrs *b,
	    struct smerr *e);
/*
 * Reads the alias file path into b. Here and in app_alias_add a symbolic
 * link is followed, and a file group or others may write is refused
 * (SMERR_PERM).
 */
int	 app_alias_load(const char *path, struct app_addrs *b,
	    struct smerr *e);
/*
 * Appends "alias NICK Name <addr>" to the alias file path (made, 0600,
 * when there is none), as mutt's create-alias does: NICK of letters,
 * digits and . _ + -, not already there (any case; SMERR_EXISTS); addr an
 * addr-spec of letters, digits and . _ + - =; of name only what cannot
 * change what the line says, to sealmail or to mutt.
 */
int	 app_alias_add(const char *path, const char *nick, const char *name,
	    const char *addr, struct smerr *e);
/* mutt's query output: a status line, then "addr<TAB>name<TAB>other". */
int	 app_query_cmd_parse(const char *text, size_t len,
	    struct app_addrs *b, struct smerr *e);
/*
 * Runs query-command cmd (%s: prefix; without one, prefix is appended)
 * through sh and adds what it prints. A prefix of other characters than
 * letters, digits and @._+- is not asked about. 10 seconds at most.
 */
int	 app_query_cmd_run(const char *cmd, const char *prefix,
	    struct app_addrs *b, struct smerr *e);
/* Every address of stored messages and of peers' certificates, once. */
int	 app_addrs_seen(struct store *st, struct app_addrs *b,
	    struct smerr *e);
/* 1 when prefix begins a's alias name, its text or a word of it. */
int	 app_addr_match(const struct app_addr *a, const char *prefix);

/*
 * A draft as the compose screen changes it (app/draftedit.c): field name
 * set to value (one line), replacing the first such field with its
 * continuation lines, or added at the end of the header section.
 */
int	 app_draft_set_field(struct buf *text, const char *name,
	    const char *value, struct smerr *e);
/* Removes the nth field called name (0 the first), with its folds. */
int	 app_draft_drop_field(struct buf *text, const char *name, size_t nth,
	    struct smerr *e);
/* The value of the nth field called name (malloc'd), or NULL. */
char	*app_draft_field_nth(const void *text, size_t len, const char *name,
	    size_t nth);
/*
 * The file an Attach field names, as mutt reads the field its editor
 * gives: up to the first blank not escaped by a backslash (what follows
 * would be a description). malloc'd; NULL when it names none.
 */
char	*app_attach_field_path(const char *value);
/*
 * 0 when the draft holds no field that only a mail program reads (mutt's
 * Attach and Fcc): such a field names the user's files and folders and is
 * never sent; else SMERR_INVAL saying which.
 */
int	 app_draft_check_private(const void *text, size_t len,
	    struct smerr *e);
/* Appends the addr-specs of the To, Cc and Bcc fields, comma-separated. */
int	 app_draft_rcpts(const void *text, size_t len, struct buf *out);
/*
 * How a message as queued (the len bytes at msg) is protected, seen from
 * outside: *sealedp 1 for an S/MIME envelope, *signedp 1 for a signature
 * outside one (what an envelope holds is not seen: *signedp 0).
 */
void	 app_queued_protection(const void *msg, size_t len, int *sealedp,
	    int *signedp);

/*
 * Each address of a field value that is an alias's name (any case) as
 * the alias's text, as mutt expands them: *outp (malloc'd) is the new
 * value, or NULL when nothing changed. 0 or SMERR_NOMEM.
 */
int	 app_addrs_expand(const char *value, const struct app_addrs *book,
	    char **outp);
/* The same over the To, Cc and Bcc fields of a draft. */
int	 app_draft_expand_aliases(struct buf *text,
	    const struct app_addrs *book, struct smerr *e);

struct crypto_verdict;
/*
 * Appends the contract's inspect --json object for v to out (the form the
 * store keeps too), with "findings" (an array of strings) and "coverage"
 * (the spans, as objects {"line":N,"signed":BOOL,"envelope":BOOL})
 * added. 0 or a negative SMERR_* code.
 */
int	 app_verdict_json(const struct crypto_verdict *v, struct buf *out);

#endif
