/*
 * Moving, copying and deleting stored messages. The store changes at once
 * and the server's part is queued in the same transaction; it is done
 * right away when the server can be reached, else by the next sync,
 * which does the queue before it reads any folder. A message moved keeps
 * its row, its verdict and its plaintext; when the server says which UID
 * it got (UIDPLUS) and nothing else arrived in the folder meanwhile, it
 * is bound to it at once, otherwise the next sync binds it by the digest
 * of its original. Deleting moves to the account's Trash, and from the
 * Trash removes for good.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "base/vec.h"
#include "net/imap.h"
#include "store/store.h"
#include "app/app_int.h"
#include "app/reply.h"
#include "app/sync.h"

#define MOVE_MAX_QUEUE	10000	/* entries done per push */

/* The meta name under which an account's Trash folder is remembered. */
static int
trash_key(const char *account, char *out, size_t len)
{
	int	n = snprintf(out, len, "trash:%s", account);

	return n < 0 || (size_t)n >= len ? SMERR_LIMIT : 0;
}

int
app_trash_folder(struct store *st, const struct app_account *a,
    struct imap *im, char **namep, struct smerr *e)
{
	struct imap_folder	*f = NULL;
	char			 key[300];
	size_t			 n = 0, i;
	int			 r;

	*namep = NULL;
	if (a->trash != NULL)
		return (*namep = strdup(a->trash)) == NULL ?
		    smerr_nomem(e) : 0;
	if (trash_key(a->name, key, sizeof(key)) != 0)
		return smerr_set(e, SMERR_LIMIT, "account name too long");
	if (im != NULL && imap_list(im, 0, &f, &n, NULL) == 0) {
		for (i = 0; i < n && *namep == NULL; i++)
			if (f[i].flags & IMAP_F_TRASH) {
				*namep = f[i].name;
				f[i].name = NULL;
			}
		imap_folders_free(f, n);
		if (*namep != NULL) {
			(void)store_meta_set(st, key, *namep, NULL);
			return 0;
		}
	}
	r = store_meta_get(st, key, namep, NULL);
	if (r == 0)
		return 0;
	if ((*namep = strdup("Trash")) == NULL)
		return smerr_nomem(e);
	return 0;
}

/* Queues the server's part of a change to message m, unless it has none. */
static int
queue_change(struct store *st, const struct store_msg *m, const char *dest,
    int copy, int64_t newid, struct smerr *e)
{
	struct store_folder	f;
	struct store_queued	q;
	int			r;

	if ((r = store_folder_get(st, m->folder, &f, e)) != 0)
		return r;
	memset(&q, 0, sizeof(q));
	q.account = m->account;
	q.folder = m->folder_name;
	q.uidvalidity = f.uidvalidity;
	q.uid = m->uid;
	q.dest = dest;
	q.copy = copy;
	q.message = newid;
	return store_queue_add(st, &q, e);
}

/* The meta name under which a deleted message's folder is kept. */
static int
origin_key(int64_t id, char *out, size_t len)
{
	int	n = snprintf(out, len, "origin:%lld", (long long)id);

	return n < 0 || (size_t)n >= len ? SMERR_LIMIT : 0;
}

static int
origin_set(struct store *st, int64_t id, const char *folder, struct smerr *e)
{
	char	key[64];

	if (origin_key(id, key, sizeof(key)) != 0)
		return smerr_set(e, SMERR_LIMIT, "message id too long");
	return store_meta_set(st, key, folder, e);
}

int
app_undelete(struct store *st, int64_t id, const char *trash, int64_t *newp,
    char **folderp, struct smerr *e)
{
	struct store_msg	*m = NULL;
	char			 key[64];
	int			 r;

	*newp = 0;
	*folderp = NULL;
	if ((r = store_msg_load(st, id, &m, e)) != 0)
		return r;
	if (m->folder_name == NULL || strcmp(m->folder_name, trash) != 0)
		r = smerr_set(e, SMERR_INVAL, "message %lld is not in %s",
		    (long long)id, trash);
	store_msg_free(m);
	if (r != 0)
		return r;
	if (origin_key(id, key, sizeof(key)) != 0 ||
	    store_meta_get(st, key, folderp, NULL) != 0)
		return smerr_set(e, SMERR_NOTFOUND, "where message %lld was "
		    "deleted from is not known", (long long)id);
	if ((r = app_move_local(st, id, *folderp, 0, NULL, newp, e)) != 0) {
		free(*folderp);
		*folderp = NULL;
	}
	return r;
}

int
app_move_local(struct store *st, int64_t id, const char *dest, int copy,
    const char *trash, int64_t *newp, struct smerr *e)
{
	struct store_msg	*m = NULL;
	int64_t			 fid;
	int			 r;

	*newp = 0;
	/*
	 * Read under the write lock it is changed under: a read begun
	 * before would be refused the write (not waited for) once another
	 * process, a sync, had stored meanwhile.
	 */
	if ((r = store_begin(st, e)) != 0)
		return r;
	if ((r = store_msg_load(st, id, &m, e)) != 0)
		goto out;
	if (m->account == NULL || m->folder_name == NULL) {
		r = smerr_set(e, SMERR_INVAL, "message %lld is in no "
		    "account's folder", (long long)id);
		goto out;
	}
	if (m->uid == 0) {
		r = smerr_set(e, SMERR_INVAL, "message %lld is not on the "
		    "server yet (sealmail sync binds it)", (long long)id);
		goto out;
	}
	if (dest == NULL && trash != NULL &&
	    strcmp(m->folder_name, trash) != 0)
		dest = trash;
	if (dest != NULL && !copy && strcmp(dest, m->folder_name) == 0) {
		r = smerr_set(e, SMERR_INVAL, "message %lld is in %s already",
		    (long long)id, dest);
		goto out;
	}
	if (dest == NULL) {
		/* From the Trash itself: gone for good. */
		r = queue_change(st, m, NULL, 0, 0, e);
		if (r == 0)
			r = store_msg_delete(st, id, e);
	} else {
		r = store_folder_open(st, m->account, dest, &fid, e);
		if (r == 0)
			r = store_msg_move(st, id, fid, copy, newp, e);
		if (r == 0)
			r = queue_change(st, m, dest, copy, *newp, e);
		/* Where a deleted message came from, for undelete. */
		if (r == 0 && trash != NULL && dest == trash)
			r = origin_set(st, *newp, m->folder_name, e);
	}
out:
	store_msg_free(m);
	if (r != 0)
		store_rollback(st);
	else
		r = store_commit(st, e);
	return r;
}

/* Copies of the queue's entries, made while the store is not read. */
struct qlist {
	struct qitem {
		int64_t		 id;
		char		*folder;
		uint32_t	 uidvalidity;
		uint32_t	 uid;
		char		*dest;
		int		 copy;
		int64_t		 message;
	}		*v;
	size_t		 n, cap;
	int		 oom;
};

static int
qlist_cb(const struct store_queued *q, void *arg)
{
	struct qlist	*l = arg;
	struct qitem	*it;

	if (l->n >= MOVE_MAX_QUEUE)
		return 1;
	if (vec_reserve(&l->v, &l->cap, l->n, sizeof(*l->v)) != 0) {
		l->oom = 1;
		return 1;
	}
	it = &l->v[l->n++];
	it->id = q->id;
	it->uidvalidity = q->uidvalidity;
	it->uid = q->uid;
	it->copy = q->copy;
	it->message = q->message;
	if ((it->folder = strdup(q->folder)) == NULL ||
	    (q->dest != NULL && (it->dest = strdup(q->dest)) == NULL))
		l->oom = 1;
	return l->oom;
}

static void
qlist_free(struct qlist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].folder);
		free(l->v[i].dest);
	}
	free(l->v);
}

/*
 * Binds the stored copy to the UID the server gave it when the folder's
 * stored state shows that no other message arrived since the last sync;
 * the folder's UIDNEXT then moves past it.
 */
static int
bind_new(struct store *st, const char *account, const struct qitem *q,
    uint32_t uv, uint32_t uid, struct smerr *e)
{
	struct store_folder	f;
	int64_t			fid;
	int			r;

	if (uid == 0 || q->message == 0 ||
	    (r = store_folder_open(st, account, q->dest, &fid, e)) != 0 ||
	    (r = store_folder_get(st, fid, &f, e)) != 0)
		return 0;
	if (f.uidvalidity == 0 || f.uidvalidity != uv || f.uidnext != uid)
		return 0;
	if ((r = store_msg_bind(st, q->message, uid, e)) != 0 ||
	    (r = store_folder_set_state(st, fid, f.uidvalidity, uid + 1,
	    f.highestmodseq, e)) != 0)
		return r;
	return 0;
}

/* Does one entry on the server; SMERR_REFUSED when the server says NO. */
static int
push_one(struct imap *im, const struct qitem *q, uint32_t *uvp,
    uint32_t *uidp, struct smerr *e)
{
	struct imap_mailbox	mb;
	int			r;

	*uvp = *uidp = 0;
	if ((r = imap_select(im, q->folder, 0, &mb, e)) != 0)
		return r;
	if (q->uidvalidity != 0 && mb.uidvalidity != q->uidvalidity)
		return smerr_set(e, SMERR_REFUSED, "%s was renumbered on the "
		    "server since: its UID %u is not the message's", q->folder,
		    q->uid);
	if (q->dest == NULL)
		return imap_expunge_uid(im, q->uid, e);
	r = imap_transfer(im, q->uid, q->dest, q->copy, uvp, uidp, e);
	if (r != SMERR_REFUSED)
		return r;
	/*
	 * A folder that does not exist yet is made, once, and subscribed:
	 * a sync of every subscribed folder then reads it (and binds the
	 * message moved there).
	 */
	if (imap_create(im, q->dest, NULL) != 0)
		return r;
	(void)imap_subscribe(im, q->dest, NULL);
	smerr_clear(e);
	return imap_transfer(im, q->uid, q->dest, q->copy, uvp, uidp, e);
}

/*
 * The copy made here for entry q, which the server no longer has to move
 * or copy: removed while it is still that copy (in dest, unbound), or it
 * would be shown in dest while on no server.
 */
static void
drop_made(struct store *st, const char *account, const struct qitem *q)
{
	int64_t	fid;
	int	gone;

	if (q->message != 0 && q->dest != NULL &&
	    store_folder_open(st, account, q->dest, &fid, NULL) == 0)
		(void)store_msg_delete_at(st, q->message, fid, 0, &gone, NULL);
}

/*
 * Does entry q, claimed by this process, on the server and records it
 * done. doubt: a process that claimed it before was cut off, and may have
 * done it, so that its UID gone from the folder says nothing of another
 * client. A refusal is kept in e once (*refusedp); the entry is dropped.
 */
static int
push_claimed(struct store *st, struct imap *im, const char *account,
    const struct qitem *q, int doubt, int *refusedp, struct smerr *e)
{
	struct smerr	 e2;
	uint32_t	 uv, uid;
	int		 r, gone;

	smerr_clear(&e2);
	r = push_one(im, q, &uv, &uid, &e2);
	gone = r == SMERR_NOTFOUND && !doubt;
	if (r == SMERR_NOTFOUND && doubt) {
		/* What was made here stays, for a sync to bind. */
		log_debug("moves: %s UID %u is gone: done before, it seems",
		    q->folder, q->uid);
		r = 0;
	} else if (gone) {
		/*
		 * Expunged by another client before it could be moved: what
		 * was made here for it goes too.
		 */
		smerr_clear(&e2);
		smerr_set(&e2, r, "message %lld is no longer in %s on the "
		    "server (another client expunged it): removed here as "
		    "well", (long long)q->message, q->folder);
		r = SMERR_REFUSED;
	}
	if (r == SMERR_REFUSED) {
		/* Dropped: it would be refused every time. */
		if (!*refusedp)
			smerr_set(e, r, "%s", smerr_msg(&e2));
		*refusedp = 1;
	} else if (r != 0)
		return smerr_set(e, r, "%s", smerr_msg(&e2));
	if ((r = store_begin(st, e)) != 0)
		return r;
	if (gone)
		drop_made(st, account, q);
	if ((r = bind_new(st, account, q, uv, uid, e)) != 0 ||
	    (r = store_queue_done(st, q->id, e)) != 0) {
		store_rollback(st);
		return r;
	}
	return store_commit(st, e);
}

int
app_move_push(struct store *st, struct imap *im, const char *account,
    size_t *donep, struct smerr *e)
{
	struct qlist	 l;
	struct smerr	 e2;
	size_t		 i;
	int		 r = 0, refused = 0, doubt;

	if (donep != NULL)
		*donep = 0;
	memset(&l, 0, sizeof(l));
	if ((r = store_queue_foreach(st, account, qlist_cb, &l, e)) != 0)
		goto out;
	if (l.oom) {
		r = smerr_nomem(e);
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		/* Claimed first: no other process does it as well. */
		smerr_clear(&e2);
		r = store_queue_claim(st, l.v[i].id, &doubt, &e2);
		if (r == SMERR_NOTFOUND)
			continue;	/* done by another since it was read */
		if (r == SMERR_EXISTS) {
			/* Another is doing it, and does the rest in order. */
			log_debug("moves: %s", smerr_msg(&e2));
			break;
		}
		if (r != 0) {
			smerr_set(e, r, "%s", smerr_msg(&e2));
			goto out;
		}
		if ((r = push_claimed(st, im, account, &l.v[i], doubt,
		    &refused, e)) != 0) {
			(void)store_queue_release(st, l.v[i].id, NULL);
			goto out;
		}
		log_debug("moves: %s UID %u %s %s", l.v[i].folder, l.v[i].uid,
		    l.v[i].dest == NULL ? "expunged" : l.v[i].copy ?
		    "copied to" : "moved to", l.v[i].dest != NULL ?
		    l.v[i].dest : "");
		if (donep != NULL)
			(*donep)++;
	}
	r = refused ? SMERR_REFUSED : 0;
out:
	qlist_free(&l);
	return r;
}

char *
app_folder_shown(const char *name)
{
	char	*out;

	if (strchr(name, '&') == NULL || imap_name_to_utf8(name, &out,
	    NULL) != 0)
		out = strdup(name);
	return out;
}

char *
app_folder_typed(const char *typed)
{
	const unsigned char	*p;
	char			*out;

	for (p = (const unsigned char *)typed; *p != '\0' && *p < 0x80; p++)
		;
	if (*p == '\0' || imap_name_from_utf8(typed, &out, NULL) != 0)
		out = strdup(typed);
	return out;
}
