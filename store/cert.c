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

int
store_cert_put(struct store *st, const struct store_cert *c,
    const struct buf *key, int64_t *idp, struct smerr *e)
{
	sqlite3_stmt	*s = NULL;
	int64_t		 id = 0;
	int		 r, rc;

	if (idp != NULL)
		*idp = 0;
	if (c == NULL || c->der == NULL || c->der_len == 0 ||
	    c->fingerprint == NULL || c->source == NULL)
		return smerr_set(e, SMERR_INVAL, "store_cert_put: incomplete");
	if ((r = store_prep(st, "SELECT id FROM cert WHERE kind = ? AND "
	    "fingerprint = ?;", &s, e)) != 0)
		return r;
	sqlite3_bind_int(s, 1, c->kind);
	store_bind_text(s, 2, c->fingerprint);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE) {
		r = store_dberr(st, e, "store");
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (id != 0)
		/*
		 * A cached SMIMEA answer never demotes a certificate the user
		 * imported or that was harvested: it keeps its source and
		 * stays when the cache entry would expire.
		 */
		r = store_prep(st, "UPDATE cert SET source = CASE WHEN "
		    "source = 'smimea' OR ?3 != 'smimea' THEN ?3 ELSE source "
		    "END, emails = CASE WHEN ?4 = '' OR instr(',' || emails || ',', "
		    "',' || ?4 || ',') > 0 THEN emails WHEN emails = '' THEN ?4 "
		    "ELSE emails || ',' || ?4 END, "
		    "der = ?5, expires = CASE WHEN source != 'smimea' AND "
		    "?3 = 'smimea' THEN 0 ELSE ?7 END, privkey = "
		    "coalesce(?8, privkey) WHERE id = ?9;", &s, e);
	else
		r = store_prep(st, "INSERT INTO cert(kind, fingerprint, source, "
		    "emails, der, added, expires, privkey) VALUES(?1, ?2, ?3, "
		    "?4, ?5, ?6, ?7, ?8);", &s, e);
	if (r != 0)
		goto out;
	sqlite3_bind_int(s, 1, c->kind);
	store_bind_text(s, 2, c->fingerprint);
	store_bind_text(s, 3, c->source);
	store_bind_text(s, 4, c->emails != NULL ? c->emails : "");
	sqlite3_bind_blob(s, 5, c->der, (int)c->der_len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 6, c->added != 0 ? c->added : time(NULL));
	sqlite3_bind_int64(s, 7, c->expires);
	if (key != NULL && buf_len(key) > 0)
		sqlite3_bind_blob(s, 8, buf_data(key), (int)buf_len(key),
		    SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 8);
	if (id != 0)
		sqlite3_bind_int64(s, 9, id);
	if (sqlite3_step(s) != SQLITE_DONE) {
		r = store_dberr(st, e, "storing a certificate");
		goto out;
	}
	if (id == 0)
		id = sqlite3_last_insert_rowid(st->db);
	if (idp != NULL)
		*idp = id;
out:
	sqlite3_finalize(s);
	return r;
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
cert_walk(struct store *st, sqlite3_stmt *s,
    int (*cb)(const struct store_cert *, void *), void *arg, int *nump,
    struct smerr *e)
{
	struct store_cert	c;
	int			rc, r = 0;

	*nump = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		cert_from_row(s, &c);
		(*nump)++;
		if (cb(&c, arg) != 0)
			return 0;
	}
	if (rc != SQLITE_DONE)
		r = store_dberr(st, e, "reading certificates");
	return r;
}

int
store_cert_foreach(struct store *st, unsigned mask,
    int (*cb)(const struct store_cert *, void *), void *arg, struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r, n;

	if ((r = store_prep(st, "SELECT " CERT_COLS " FROM cert WHERE "
	    "(kind & ?) != 0 ORDER BY kind, id;", &s, e)) != 0)
		return r;
	sqlite3_bind_int(s, 1, (int)mask);
	r = cert_walk(st, s, cb, arg, &n, e);
	sqlite3_finalize(s);
	return r;
}

int
store_cert_find(struct store *st, unsigned mask, const char *fingerprint,
    int (*cb)(const struct store_cert *, void *), void *arg, struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r, n;

	if ((r = store_prep(st, "SELECT " CERT_COLS " FROM cert WHERE "
	    "(kind & ?) != 0 AND fingerprint = lower(?) ORDER BY kind, id;",
	    &s, e)) != 0)
		return r;
	sqlite3_bind_int(s, 1, (int)mask);
	store_bind_text(s, 2, fingerprint);
	r = cert_walk(st, s, cb, arg, &n, e);
	sqlite3_finalize(s);
	if (r == 0 && n == 0)
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
	int		 r, rc;

	*keyp = NULL;
	if ((r = store_prep(st, "SELECT privkey FROM cert WHERE id = ? AND "
	    "privkey IS NOT NULL;", &s, e)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if ((k = buf_new_secret(0)) == NULL)
			r = smerr_nomem(e);
		else if ((r = buf_put(k, sqlite3_column_blob(s, 0),
		    (size_t)sqlite3_column_bytes(s, 0))) != 0)
			smerr_set(e, r, "out of memory");
	} else if (rc == SQLITE_DONE)
		r = smerr_set(e, SMERR_NOTFOUND, "no private key for "
		    "certificate %lld", (long long)id);
	else
		r = store_dberr(st, e, "reading a private key");
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
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_prep(st, "DELETE FROM cert WHERE id = ?;", &s, e)) != 0)
		return r;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_DONE)
		r = store_dberr(st, e, "removing a certificate");
	else if (sqlite3_changes(st->db) == 0)
		r = smerr_set(e, SMERR_NOTFOUND, "no certificate %lld",
		    (long long)id);
	sqlite3_finalize(s);
	return r;
}

int
store_cert_event_add(struct store *st, const char *address,
    const char *old_fp, const char *new_fp, struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_prep(st, "INSERT INTO cert_event(address, old_fp, "
	    "new_fp, at) VALUES(lower(?), ?, ?, ?);", &s, e)) != 0)
		return r;
	store_bind_text(s, 1, address);
	store_bind_text(s, 2, old_fp);
	store_bind_text(s, 3, new_fp);
	sqlite3_bind_int64(s, 4, time(NULL));
	return store_run(st, s, "recording a certificate change", e);
}

int
store_cert_event_foreach(struct store *st,
    int (*cb)(const struct store_cert_event *, void *), void *arg,
    struct smerr *e)
{
	struct store_cert_event	 ev;
	sqlite3_stmt		*s;
	int			 r, rc;

	if ((r = store_prep(st, "SELECT address, old_fp, new_fp, at FROM "
	    "cert_event ORDER BY id;", &s, e)) != 0)
		return r;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ev.address = store_col_text(s, 0);
		ev.old_fp = sqlite3_column_type(s, 1) == SQLITE_NULL ? NULL :
		    store_col_text(s, 1);
		ev.new_fp = store_col_text(s, 2);
		ev.at = (time_t)sqlite3_column_int64(s, 3);
		if (cb(&ev, arg) != 0)
			break;
	}
	return store_end(st, s, rc, "reading certificate changes", e);
}

int
store_cert_set_key(struct store *st, int64_t id, const struct buf *key,
    struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r;

	if (key == NULL || buf_len(key) == 0)
		return smerr_set(e, SMERR_INVAL, "store_cert_set_key: no key");
	if ((r = store_prep(st, "UPDATE cert SET privkey = ? WHERE id = ? "
	    "AND privkey IS NOT NULL;", &s, e)) != 0)
		return r;
	sqlite3_bind_blob(s, 1, buf_data(key), (int)buf_len(key),
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 2, id);
	if (sqlite3_step(s) != SQLITE_DONE)
		r = store_dberr(st, e, "storing a private key");
	else if (sqlite3_changes(st->db) != 1)
		r = smerr_set(e, SMERR_NOTFOUND, "no private key for "
		    "certificate %lld", (long long)id);
	sqlite3_finalize(s);
	return r;
}

int
store_cert_caps_put(struct store *st, const char *fingerprint, unsigned caps,
    struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r;

	if ((r = store_prep(st, "INSERT OR REPLACE INTO cert_caps("
	    "fingerprint, caps) VALUES(lower(?), ?);", &s, e)) != 0)
		return r;
	store_bind_text(s, 1, fingerprint);
	sqlite3_bind_int(s, 2, (int)(caps & 0xff));
	return store_run(st, s, "keeping a certificate's capabilities", e);
}

int
store_cert_caps_get(struct store *st, const char *fingerprint,
    unsigned *capsp, struct smerr *e)
{
	sqlite3_stmt	*s;
	int		 r, rc;

	*capsp = 0;
	if ((r = store_prep(st, "SELECT caps FROM cert_caps WHERE "
	    "fingerprint = lower(?);", &s, e)) != 0)
		return r;
	store_bind_text(s, 1, fingerprint);
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		*capsp = (unsigned)sqlite3_column_int(s, 0) & 0xff;
	return store_end(st, s, rc, "reading a certificate's capabilities", e);
}
