/* store/store_int.h: shared by the files of store/ only. */
#ifndef SEALMAIL_STORE_INT_H
#define SEALMAIL_STORE_INT_H

#include <sqlite3.h>

struct smerr;

struct store {
	sqlite3	*db;
	char	*path;
	int	 intx;		/* depth of store_begin/store_commit */
};

/* Sets e from the database's last error, with what was being done. */
int	 store_dberr(struct store *st, struct smerr *e, const char *what);
/* Prepares sql; 0 or SMERR_STORE. */
int	 store_prep(struct store *st, const char *sql, sqlite3_stmt **stp,
	    struct smerr *e);
/* Runs sql that returns no rows. */
int	 store_exec(struct store *st, const char *sql, struct smerr *e);
/* Binds a string or NULL. */
int	 store_bind_text(sqlite3_stmt *s, int i, const char *v);
/* A column as a C string, "" when NULL. */
const char *store_col_text(sqlite3_stmt *s, int i);

#endif
