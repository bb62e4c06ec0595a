/*
 * app/thread.h: conversation threads from Message-ID, In-Reply-To and
 * References, and the flat orders (app/thread.c), for the index and
 * list --thread and --sort. Pure: it
 * knows no store and no terminal.
 */
#ifndef SEALMAIL_APP_THREAD_H
#define SEALMAIL_APP_THREAD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct smerr;

/* One message as the threader sees it; every string may be NULL. */
struct thread_msg {
	int64_t		 id;
	const char	*message_id;	/* "<...>" */
	const char	*in_reply_to;	/* "<...>" */
	const char	*references;	/* "<...>", space-separated */
	time_t		 date;
	const char	*from;		/* for thread_sort only */
	const char	*subject;
	size_t		 size;
};

/* One place in the threaded order. */
struct thread_pos {
	size_t		 index;		/* into the messages given */
	size_t		 thread;	/* shared by a thread, from 1 */
	int		 depth;		/* 0 for a root */
	int64_t		 parent;	/* the parent's id, or 0 for a root */
};

/*
 * Threads the n messages msgs into out (n places, caller's storage):
 * threads ordered by their newest message, oldest thread first (newest
 * first with reverse), each thread depth-first with siblings in date
 * order. A message whose parent is missing goes under its nearest known
 * ancestor; subjects are never compared; a loop of references is broken
 * at its oldest message. Iterative throughout: the depth of a thread
 * costs no stack. 0 or SMERR_NOMEM.
 */
int	 thread_order(const struct thread_msg *msgs, size_t n, int reverse,
	    struct thread_pos *out, struct smerr *e);

#define THREAD_TREE_LEVELS	24	/* ancestors drawn; deeper ones as "…" */

/*
 * The tree drawing of each of the n places of a threaded order (as
 * thread_order gives them), in mutt's manner: for each ancestor below the
 * root "│ " when more of its siblings follow, else two spaces, then "├─>"
 * when more of the place's own siblings follow, else "└─>". A root has
 * none. out (n pointers, caller's storage) gets malloc'd strings, NULL
 * for roots; the caller frees them. Linear in n, whatever the depth.
 * 0 or SMERR_NOMEM (out then holds nothing).
 */
int	 thread_tree(const struct thread_pos *pos, size_t n, char **out,
	    struct smerr *e);

enum thread_key {
	THREAD_BY_DATE,
	THREAD_BY_FROM,		/* case-insensitively */
	THREAD_BY_SUBJECT,	/* without Re:, Aw:, Fwd: */
	THREAD_BY_SIZE,
};

/*
 * A flat order of the n messages msgs into out (depth 0, thread 0, no
 * parent): ascending by key, then date, then id; descending with
 * reverse. 0 or SMERR_NOMEM.
 */
int	 thread_sort(const struct thread_msg *msgs, size_t n,
	    enum thread_key key, int reverse, struct thread_pos *out,
	    struct smerr *e);

#endif
