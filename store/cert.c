/*
 * Certificates and identities. A certificate is unique by kind and
 * fingerprint; putting it again updates its row in place: the addresses
 * are added to those it had, an identity's key is kept unless a new one
 * comes, and a cached SMIMEA answer never demotes another source. Private
 * keys are in the privkey column, sealed by the key store (keys/seal.c),
 * inside the encrypted database and nowhere else.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "store/store.h"
#include "store/store_int.h"

#define CERT_COLS	"id, kind, source, fingerprint, emails, der, added, " \
			"expires"

/* Adds c, or updates row id (not 0) with it. */
static int
cert_write(struct store *st, const struct store_cert *c,
    const struct buf *key, int64_t id, struct smerr *e)
{
	const size_t		 klen = key != NULL ? buf_len(key) : 0;
	struct store_arg	 args[] = { STORE_INT(c->kind),
	    STORE_TEXT(c->fingerprint), STORE_TEXT(c->source),
	    STORE_TEXT(c->emails != NULL ? c->emails : ""),
	    STORE_BLOB(c->der, c->der_len),
	    STORE_INT(c->added != 0 ? c->added : time(NULL)),
	    STORE_INT(c->expires),
	    STORE_BLOB(klen > 0 ? buf_data(key) : NULL, klen),
	    STORE_ID(id), { .type = STORE_ARG_END } };

	if (id == 0) {
		args[8].type = STORE_ARG_END;
		return store_do(st, "INSERT INTO cert(kind, fingerprint, "
		    "source, emails, der, added, expires, privkey) VALUES(?1, "
		    "?2, ?3, ?4, ?5, ?6, ?7, ?8);", args,
		    "storing a certificate", e);
	}
	/*
	 * A cached SMIMEA answer never demotes a certificate the user
	 * imported or that was harvested: it keeps its source and stays when
	 * the cache entry would expire.
	 */
	return store_do(st, "UPDATE cert SET source = CASE WHEN source = "
	    "'smimea' OR ?3 != 'smimea' THEN ?3 ELSE source END, emails = "
	    "CASE WHEN ?4 = '' OR instr(',' || emails || ',', ',' || ?4 || "
	    "',') > 0 THEN emails WHEN emails = '' THEN ?4 ELSE emails || ',' "
	    "|| ?4 END, der = ?5, expires = CASE WHEN source != 'smimea' AND "
	    "?3 = 'smimea' THEN 0 ELSE ?7 END, privkey = coalesce(?8, privkey) "
	    "WHERE id = ?9;", args, "storing a certificate", e);
}

int
store_cert_put(struct store *st, const struct store_cert *c,
    const struct buf *key, int64_t *idp, struct smerr *e)
{
	int64_t		id;
	int		r;

	if (idp != NULL)
		*idp = 0;
	if (c == NULL || c->der == NULL || c->der_len == 0 ||
	    c->fingerprint == NULL || c->source == NULL)
		return smerr_set(e, SMERR_INVAL, "store_cert_put: incomplete");
	if ((r = store_int(st, "SELECT id FROM cert WHERE kind = ? AND "
	    "fingerprint = ?;", STORE_ARGS(STORE_INT(c->kind),
	    STORE_TEXT(c->fingerprint)), &id, "store", e)) != 0)
		return r;
	if ((r = cert_write(st, c, key, id, e)) != 0)
		return r;
	if (id == 0)
		id = sqlite3_last_insert_rowid(st->db);
	if (idp != NULL)
		*idp = id;
	return 0;
}

static void
cert_from_row(sqlite3_stmt *s, struct store_cert *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(s, 0);
	c->kind = (enum store_cert_kind)sqlite3_column_int(s, 1);
	c->source = store_col_text(s, 2);
	c->fingerprint = store_col_text(s, 3);
	c->emails = store_col_text(s, 4);
	c->der = sqlite3_column_blob(s, 5);
	c->der_len = (size_t)sqlite3_column_bytes(s, 5);
	c->added = (time_t)sqlite3_column_int64(s, 6);
	c->expires = (time_t)sqlite3_column_int64(s, 7);
}

static int
cert_each(sqlite3_stmt *s, const struct store_each *w)
{
	struct store_cert	c;

	cert_from_row(s, &c);
	return w->cb.cert(&c, w->arg);
}

/* The certificates of the kinds in mask (bound as ?) in sql's order. */
static int
cert_walk(struct store *st, const char *sql, unsigned mask,
    int (*cb)(const struct store_cert *, void *), void *arg, struct smerr *e)
{
	struct store_each	w = STORE_EACH(cert_each, cert, cb, arg);

	return store_walk_sql(st, sql, STORE_ARGS(STORE_INT(mask)), &w,
	    "reading certificates", e);
}

int
store_cert_foreach(struct store *st, unsigned mask,
    int (*cb)(const struct store_cert *, void *), void *arg, struct smerr *e)
{
	return cert_walk(st, "SELECT " CERT_COLS " FROM cert WHERE "
	    "(kind & ?) != 0 ORDER BY kind, id;", mask, cb, arg, e);
}

int
store_cert_foreach_newest(struct store *st, unsigned mask,
    int (*cb)(const struct store_cert *, void *), void *arg, struct smerr *e)
{
	return cert_walk(st, "SELECT " CERT_COLS " FROM cert WHERE "
	    "(kind & ?) != 0 ORDER BY kind DESC, id DESC;", mask, cb, arg, e);
}

int
store_cert_find(struct store *st, unsigned mask, const char *fingerprint,
    int (*cb)(const struct store_cert *, void *), void *arg, struct smerr *e)
{
	struct store_each	w = STORE_EACH(cert_each, cert, cb, arg);
	int			r;

	r = store_walk_sql(st, "SELECT " CERT_COLS " FROM cert WHERE "
	    "(kind & ?) != 0 AND fingerprint = lower(?) ORDER BY kind, id;",
	    STORE_ARGS(STORE_INT(mask), STORE_TEXT(fingerprint)), &w,
	    "reading certificates", e);
	if (r == 0 && w.n == 0)
		r = smerr_set(e, SMERR_NOTFOUND, "no certificate %s",
		    fingerprint);
	return r;
}

int
store_cert_key(struct store *st, int64_t id, struct buf **keyp,
    struct smerr *e)
{
	sqlite3_stmt	*s;
	struct buf	*k = NULL;
	int		 r;

	*keyp = NULL;
	if ((r = store_prep_args(st, "SELECT privkey FROM cert WHERE id = ? "
	    "AND privkey IS NOT NULL;", STORE_ARGS(STORE_INT(id)), &s, e)) != 0)
		return r;
	if ((r = store_step_row(st, s, "reading a private key",
	    "private key for certificate", id, e)) == 0) {
		if ((k = buf_new_secret(0)) == NULL)
			r = smerr_nomem(e);
		else if ((r = buf_put(k, sqlite3_column_blob(s, 0),
		    (size_t)sqlite3_column_bytes(s, 0))) != 0)
			smerr_set(e, r, "out of memory");
	}
	/* The statement's copy of the key goes with the statement. */
	sqlite3_finalize(s);
	if (r != 0) {
		buf_free(k);
		return r;
	}
	*keyp = k;
	return 0;
}

int
store_cert_delete(struct store *st, int64_t id, struct smerr *e)
{
	return store_do_row(st, "DELETE FROM cert WHERE id = ?;",
	    STORE_ARGS(STORE_INT(id)), "removing a certificate", "certificate",
	    id, e);
}

int
store_cert_event_add(struct store *st, const char *address,
    const char *old_fp, const char *new_fp, struct smerr *e)
{
	return store_do(st, "INSERT INTO cert_event(address, old_fp, new_fp, "
	    "at) VALUES(lower(?), ?, ?, ?);", STORE_ARGS(STORE_TEXT(address),
	    STORE_TEXT(old_fp), STORE_TEXT(new_fp), STORE_INT(time(NULL))),
	    "recording a certificate change", e);
}

static int
event_each(sqlite3_stmt *s, const struct store_each *w)
{
	struct store_cert_event	ev;

	ev.address = store_col_text(s, 0);
	ev.old_fp = sqlite3_column_type(s, 1) == SQLITE_NULL ? NULL :
	    store_col_text(s, 1);
	ev.new_fp = store_col_text(s, 2);
	ev.at = (time_t)sqlite3_column_int64(s, 3);
	return w->cb.event(&ev, w->arg);
}

int
store_cert_event_foreach(struct store *st,
    int (*cb)(const struct store_cert_event *, void *), void *arg,
    struct smerr *e)
{
	struct store_each	w = STORE_EACH(event_each, event, cb, arg);

	return store_walk_sql(st, "SELECT address, old_fp, new_fp, at FROM "
	    "cert_event ORDER BY id;", NULL, &w, "reading certificate changes",
	    e);
}

int
store_cert_set_key(struct store *st, int64_t id, const struct buf *key,
    struct smerr *e)
{
	if (key == NULL || buf_len(key) == 0)
		return smerr_set(e, SMERR_INVAL, "store_cert_set_key: no key");
	/* One row at the most: id is the key. */
	return store_do_row(st, "UPDATE cert SET privkey = ? WHERE id = ? AND "
	    "privkey IS NOT NULL;", STORE_ARGS(STORE_BLOB(buf_data(key),
	    buf_len(key)), STORE_INT(id)), "storing a private key",
	    "private key for certificate", id, e);
}

int
store_cert_caps_put(struct store *st, const char *fingerprint, unsigned caps,
    struct smerr *e)
{
	return store_do(st, "INSERT OR REPLACE INTO cert_caps(fingerprint, "
	    "caps) VALUES(lower(?), ?);", STORE_ARGS(STORE_TEXT(fingerprint),
	    STORE_INT(caps & 0xff)), "keeping a certificate's capabilities", e);
}

int
store_cert_caps_get(struct store *st, const char *fingerprint,
    unsigned *capsp, struct smerr *e)
{
	int64_t	caps;
	int	r;

	r = store_int(st, "SELECT caps FROM cert_caps WHERE fingerprint = "
	    "lower(?);", STORE_ARGS(STORE_TEXT(fingerprint)), &caps,
	    "reading a certificate's capabilities", e);
	*capsp = (unsigned)caps & 0xff;
	return r;
}
