/* store/store_int.h: shared by the files of store/ only. */
#ifndef SEALMAIL_STORE_INT_H
#define SEALMAIL_STORE_INT_H

#include <stdint.h>

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "base/proc.h"

struct smerr;

/* Statements prepared once per connection (keyed by their SQL's address). */
#define STORE_STMT_CACHE	16

struct store {
	sqlite3		*db;
	char		*path;
	int		 intx;		/* depth of store_begin/store_commit */
	const char	*stmt_sql[STORE_STMT_CACHE];
	sqlite3_stmt	*stmt[STORE_STMT_CACHE];
	uint8_t		*key;		/* locked; for store_connect */
	struct store_ckpt *ck;		/* store_ckpt_start's, or NULL */
};

/*
 * A second connection to st's database, keyed and set up as st's own,
 * for another thread (store_ckpt). 0 or SMERR_STORE.
 */
int	 store_connect(struct store *st, sqlite3 **dbp, struct smerr *e);
/* The default checkpointing of the writer, as store_open sets it. */
void	 store_wal_default(struct store *st);

/*
 * The id a new row of table t (message, draft) gets: past every id a row
 * of it ever had, which its trigger STORE_LAST_TRIGGER keeps in meta
 * t_last as rows go, so that an id once shown never names another
 * message, and a window still holding a draft another process took never
 * writes over a new one.
 */
#define STORE_NEXT_ID(t) "(SELECT max(coalesce(max(id), 0), " \
	"coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE name = '" \
	t "_last'), 0)) + 1 FROM " t ")"
#define STORE_LAST_TRIGGER(t) \
	"CREATE TRIGGER " t "_last AFTER DELETE ON " t " BEGIN" \
	" INSERT OR REPLACE INTO meta(name, value) SELECT '" t "_last'," \
	" old.id WHERE old.id > coalesce((SELECT CAST(value AS INTEGER)" \
	" FROM meta WHERE name = '" t "_last'), 0); END;"

/*
 * The text a reader is shown, from a message_content row named c: kept in
 * text, or, where text_at is set, the body from byte text_at on (to its
 * end, or text_len bytes of it) with CRLF as LF (see msg.c). The view
 * message_doc and every reader use this one expression.
 */
#define STORE_TEXT_OF(c) "CASE WHEN " c ".text_at IS NULL THEN " c ".text " \
	"ELSE replace(CAST(substr(" c ".body, " c ".text_at + 1, " \
	"coalesce(" c ".text_len, length(" c ".body))) AS TEXT), " \
	"char(13, 10), char(10)) END"
/* The same before format 9, which has no text_len. */
#define STORE_TEXT_OF_8(c) "CASE WHEN " c ".text_at IS NULL THEN " c ".text " \
	"ELSE replace(CAST(substr(" c ".body, " c ".text_at + 1) AS TEXT), " \
	"char(13, 10), char(10)) END"

/* Sets e from the database's last error, with what was being done. */
int	 store_dberr(struct store *st, struct smerr *e, const char *what);
/*
 * Finalizes s after its last step returned rc: 0, or SMERR_STORE saying
 * what was being done when rc is neither a row nor the end.
 */
int	 store_end(struct store *st, sqlite3_stmt *s, int rc, const char *what,
	    struct smerr *e);
/* Steps s (no rows: INSERT, UPDATE, DELETE) once, then store_end. */
int	 store_run(struct store *st, sqlite3_stmt *s, const char *what,
	    struct smerr *e);
/* SMERR_NOTFOUND, saying "no <noun> <id>": the row named is not there. */
int	 store_no_row(struct smerr *e, const char *noun, int64_t id);
/*
 * store_run, and then a row must have changed, else SMERR_NOTFOUND saying
 * "no <noun> <id>".
 */
int	 store_run_row(struct store *st, sqlite3_stmt *s, const char *what,
	    const char *noun, int64_t id, struct smerr *e);
/*
 * Steps s, which reads one row, once: 0 when the row is there (to be read
 * before s goes), else SMERR_NOTFOUND saying "no <noun> <id>" when it is
 * not, or SMERR_STORE saying what was being done. s is left to the caller.
 */
int	 store_step_row(struct store *st, sqlite3_stmt *s, const char *what,
	    const char *noun, int64_t id, struct smerr *e);
/* Prepares sql; 0 or SMERR_STORE. */
int	 store_prep(struct store *st, const char *sql, sqlite3_stmt **stp,
	    struct smerr *e);
/*
 * A statement kept prepared for the connection's life, for what runs once
 * per message: sql must be a string constant. Give it back with
 * store_stmt_done (never sqlite3_finalize), which resets it.
 */
int	 store_stmt(struct store *st, const char *sql, sqlite3_stmt **stp,
	    struct smerr *e);
void	 store_stmt_done(struct store *st, sqlite3_stmt *s);
/*
 * One parameter of a statement. A list of them, made with STORE_ARGS,
 * binds ?1, ?2, ... in order and ends at a zeroed entry.
 */
enum store_arg_type {
	STORE_ARG_END = 0,
	STORE_ARG_INT,		/* i */
	STORE_ARG_ID,		/* i, or NULL when i <= 0 */
	STORE_ARG_TEXT,		/* t, or NULL */
	STORE_ARG_BLOB		/* b and len, or NULL when b is */
};
struct store_arg {
	enum store_arg_type	 type;
	int64_t			 i;
	const char		*t;
	const void		*b;
	size_t			 len;
};
#define STORE_INT(v)	{ .type = STORE_ARG_INT, .i = (int64_t)(v) }
#define STORE_ID(v)	{ .type = STORE_ARG_ID, .i = (int64_t)(v) }
#define STORE_TEXT(v)	{ .type = STORE_ARG_TEXT, .t = (v) }
#define STORE_BLOB(p, n) { .type = STORE_ARG_BLOB, .b = (p), .len = (n) }
#define STORE_ARGS(...)	((const struct store_arg []){ __VA_ARGS__, \
	{ .type = STORE_ARG_END } })

/* Prepares sql and binds args (or none when NULL); 0 or SMERR_STORE. */
int	 store_prep_args(struct store *st, const char *sql,
	    const struct store_arg *args, sqlite3_stmt **stp, struct smerr *e);
/*
 * Prepares sql (no rows: INSERT, UPDATE, DELETE), binds args, steps it
 * once and finalizes it: 0, or SMERR_STORE saying what was being done.
 * sqlite3_changes and sqlite3_last_insert_rowid tell the rest.
 */
int	 store_do(struct store *st, const char *sql,
	    const struct store_arg *args, const char *what, struct smerr *e);
/*
 * store_do, and then a row must have changed, else SMERR_NOTFOUND saying
 * "no <noun> <id>".
 */
int	 store_do_row(struct store *st, const char *sql,
	    const struct store_arg *args, const char *what, const char *noun,
	    int64_t id, struct smerr *e);
/*
 * A walk over a statement's rows: row is given each row in turn with the
 * walk; it reads the row into the struct its callback takes and calls
 * that callback (the member of cb set, made with STORE_EACH) with arg.
 * store_walk counts the rows in n and sets stopped when row returns
 * non-zero.
 */
struct store_cert;
struct store_cert_event;
struct store_draft;
struct store_draft_file;
struct store_folder;
struct store_msg;
struct store_outbox;
struct store_queued;
struct store_revoke;
struct store_each {
	int	 (*row)(sqlite3_stmt *, const struct store_each *);
	union {
		int (*cert)(const struct store_cert *, void *);
		int (*event)(const struct store_cert_event *, void *);
		int (*draft)(const struct store_draft *, void *);
		int (*file)(const struct store_draft_file *, void *);
		int (*folder)(const struct store_folder *, void *);
		int (*msg)(const struct store_msg *, void *);
		int (*id)(int64_t, void *);
		int (*outbox)(const struct store_outbox *, void *);
		int (*queued)(const struct store_queued *, void *);
		int (*revoke)(const struct store_revoke *, void *);
	} cb;
	void	  *arg;
	size_t	   n;
	int	   stopped;
};
#define STORE_EACH(fn, m, f, a) { .row = (fn), .cb.m = (f), .arg = (a) }
/*
 * Steps s until its last row, or until w->row stops the walk (or has
 * stopped it before: a walk may span statements); s is left to the
 * caller. 0, or SMERR_STORE saying what was being done.
 */
int	 store_walk(struct store *st, sqlite3_stmt *s, struct store_each *w,
	    const char *what, struct smerr *e);
/* Prepares sql, binds args, walks its rows with w and finalizes it. */
int	 store_walk_sql(struct store *st, const char *sql,
	    const struct store_arg *args, struct store_each *w,
	    const char *what, struct smerr *e);
/*
 * The first column of sql's first row (args bound) as an integer in *vp,
 * 0 when there is no row: 0, or SMERR_STORE saying what was being done.
 */
int	 store_int(struct store *st, const char *sql,
	    const struct store_arg *args, int64_t *vp, const char *what,
	    struct smerr *e);
/*
 * Claims (store/claim.c). store_claim_alive: 1 when the process that
 * claimed a row still runs (start: its claim_start, NULL when the claim
 * has none). store_claim_self: this process's claim_start, in buf, or
 * NULL when /proc does not say. store_claim: claims row id for this
 * process in a transaction of its own (a savepoint inside the caller's):
 * holder reads the row's claimant (coalesce(claim_pid, 0), claim_start;
 * id bound as ?1), take records this process (?1 id, ?2 the process id,
 * ?3 its claim_start). SMERR_NOTFOUND when holder reads no row,
 * SMERR_EXISTS when another process that still runs holds it; *prevp
 * (may be NULL) the claimant found, 0 for none.
 */
int	 store_claim_alive(int64_t pid, const char *start);
const char *store_claim_self(char buf[PROC_IDENT_LEN]);
int	 store_claim(struct store *st, const char *holder, const char *take,
	    int64_t id, int64_t *prevp, struct smerr *e);
/* A walk's row function for a statement selecting an id alone. */
int	 store_each_id(sqlite3_stmt *s, const struct store_each *w);
/* Runs sql that returns no rows. */
int	 store_exec(struct store *st, const char *sql, struct smerr *e);
/* Binds a string or NULL. */
int	 store_bind_text(sqlite3_stmt *s, int i, const char *v);
/* A column as a C string, "" when NULL. */
const char *store_col_text(sqlite3_stmt *s, int i);

/*
 * A search plan as SQL (store/query.c): store_query_sql appends q to sql
 * as an expression over the message table m, its texts in params (bound
 * as ?3 on, in order). store_qsql_clear frees what it holds.
 */
#define STORE_QSQL_PARAMS	256
struct buf;
struct store_query;
struct store_qsql {
	struct buf	*sql;
	char		*params[STORE_QSQL_PARAMS];
	size_t		 n;
};
int	 store_query_sql(struct store_qsql *qs, const struct store_query *q,
	    int depth, struct smerr *e);
void	 store_qsql_clear(struct store_qsql *qs);

#endif
