/*
 * Threads in the manner of JWZ's algorithm, without its empty
 * containers: every message names its parent by In-Reply-To, else by the
 * last entry of References that is a message we hold, so a parent that is
 * missing makes the message a child of its nearest known ancestor. A
 * message that names none we hold takes its place from the References
 * of the others. Subjects are never compared (two threads about "lunch"
 * stay two).
 *
 * Each message has at most one parent, so the parents form a forest once
 * loops are broken: one walk up from each message, with a mark per walk,
 * finds every loop in linear time. Children are kept in one array sorted
 * by date (a compressed adjacency list), and the forest is walked with an
 * explicit stack: a chain thousands deep costs no recursion.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/err.h"
#include "app/reply.h"
#include "app/thread.h"

#define NONE	SIZE_MAX

struct threader {
	const struct thread_msg	*msgs;
	size_t			 n;
	size_t			*slot;		/* Message-IDs: index+1 */
	size_t			 mask;
	size_t			*parent;	/* index, or NONE */
	size_t			*mark;
	size_t			*order;		/* every index, by date */
	size_t			*first;		/* i's kids from first[i] */
	size_t			*kids;
};

struct thread_span {
	size_t	 start;		/* in the depth-first order */
	size_t	 len;
	time_t	 newest;
	size_t	 root;
};

/* The next token of *pp (whitespace-separated); 0 when there is none. */
static size_t
next_token(const char **pp, const char **tokp)
{
	const char	*p = *pp;
	size_t		 len;

	if (p == NULL)
		return 0;
	p += strspn(p, " \t\r\n");
	len = strcspn(p, " \t\r\n");
	*tokp = p;
	*pp = p + len;
	return len;
}

static size_t
hash_id(const char *s, size_t len)
{
	size_t	h = 14695981039346656037ULL;

	while (len-- > 0)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* The slot of Message-ID s (len bytes): where it is, or the empty one. */
static size_t *
id_slot(struct threader *t, const char *s, size_t len)
{
	size_t		 h = hash_id(s, len), i;
	const char	*k = NULL, *p;

	for (;; h++) {
		i = t->slot[h & t->mask];
		if (i == 0)
			return &t->slot[h & t->mask];
		p = t->msgs[i - 1].message_id;
		if (next_token(&p, &k) == len && memcmp(k, s, len) == 0)
			return &t->slot[h & t->mask];
	}
}

static size_t
id_find(struct threader *t, const char *s, size_t len)
{
	size_t	*sl = id_slot(t, s, len);

	return *sl == 0 ? NONE : *sl - 1;
}

/* In-Reply-To if we hold it, else the last of References that we hold. */
static void
find_parents(struct threader *t)
{
	const struct thread_msg	*m;
	const char		*p, *tok;
	size_t			 i, j, len, *sl;

	for (i = 0; i < t->n; i++) {
		p = t->msgs[i].message_id;
		if ((len = next_token(&p, &tok)) > 0 &&
		    *(sl = id_slot(t, tok, len)) == 0)
			*sl = i + 1;	/* a duplicate ID: the first keeps it */
	}
	for (i = 0; i < t->n; i++) {
		m = &t->msgs[i];
		t->parent[i] = NONE;
		p = m->references;
		while ((len = next_token(&p, &tok)) > 0)
			if ((j = id_find(t, tok, len)) != NONE && j != i)
				t->parent[i] = j;
		p = m->in_reply_to;
		if ((len = next_token(&p, &tok)) > 0 &&
		    (j = id_find(t, tok, len)) != NONE && j != i)
			t->parent[i] = j;
	}
}

/*
 * A message that names no parent we hold (no In-Reply-To or References
 * of its own, as from some clients) borrows one from the References of
 * the others, as JWZ links each pair of neighbouring references: there
 * it stands after its nearest known ancestor.
 */
static void
borrow_parents(struct threader *t)
{
	const char	*p, *tok;
	size_t		 i, j, prev, len;

	for (i = 0; i < t->n; i++) {
		p = t->msgs[i].references;
		prev = NONE;
		while ((len = next_token(&p, &tok)) > 0) {
			if ((j = id_find(t, tok, len)) == NONE || j == i)
				continue;
			if (t->parent[j] == NONE && prev != NONE && prev != j)
				t->parent[j] = prev;
			prev = j;
		}
	}
}

static int
older(const struct thread_msg *a, const struct thread_msg *b)
{
	if (a->date != b->date)
		return a->date < b->date;
	return a->id < b->id;
}

/* Each walk up marks with its own number; meeting that number is a loop. */
static void
break_loops(struct threader *t)
{
	size_t	i, x, y, oldest;

	for (i = 0; i < t->n; i++)
		t->mark[i] = 0;
	for (i = 0; i < t->n; i++) {
		if (t->mark[i] != 0)
			continue;
		for (x = i; x != NONE && t->mark[x] == 0; x = t->parent[x])
			t->mark[x] = i + 1;
		if (x != NONE && t->mark[x] == i + 1) {
			oldest = x;
			for (y = t->parent[x]; y != x; y = t->parent[y])
				if (older(&t->msgs[y], &t->msgs[oldest]))
					oldest = y;
			t->parent[oldest] = NONE;
		}
		for (x = i; x != NONE && t->mark[x] == i + 1; x = t->parent[x])
			t->mark[x] = NONE;
	}
}

static int
by_date(const void *a, const void *b, void *arg)
{
	const struct thread_msg	*m = arg;
	size_t			 i = *(const size_t *)a, j = *(const size_t *)b;

	if (older(&m[i], &m[j]))
		return -1;
	return older(&m[j], &m[i]);
}

/* The children of every message, each group in date order. */
static void
find_kids(struct threader *t)
{
	size_t	i, x, *at = t->mark;

	for (i = 0; i < t->n; i++)
		t->order[i] = i;
	qsort_r(t->order, t->n, sizeof(*t->order), by_date, (void *)t->msgs);
	for (i = 0; i <= t->n; i++)
		t->first[i] = 0;
	for (i = 0; i < t->n; i++)
		if (t->parent[i] != NONE)
			t->first[t->parent[i] + 1]++;
	for (i = 0; i < t->n; i++)
		t->first[i + 1] += t->first[i];
	for (i = 0; i < t->n; i++)
		at[i] = t->first[i];
	for (i = 0; i < t->n; i++) {
		x = t->order[i];
		if (t->parent[x] != NONE)
			t->kids[at[t->parent[x]]++] = x;
	}
}

static int
by_newest(const void *a, const void *b)
{
	const struct thread_span	*x = a, *y = b;

	if (x->newest != y->newest)
		return x->newest < y->newest ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Depth-first from each root, roots in date order, into pre (indices)
 * and depth; one span per thread. Returns the number of threads.
 */
static size_t
walk(struct threader *t, size_t *pre, int *depth, struct thread_span *sp)
{
	size_t	*stack = t->mark, top, i, k, x, np = 0, ns = 0;

	for (i = 0; i < t->n; i++) {
		if (t->parent[t->order[i]] != NONE)
			continue;
		sp[ns].start = np;
		sp[ns].root = t->order[i];
		sp[ns].newest = t->msgs[t->order[i]].date;
		depth[t->order[i]] = 0;
		stack[0] = t->order[i];
		top = 1;
		while (top > 0) {
			x = stack[--top];
			pre[np++] = x;
			if (t->msgs[x].date > sp[ns].newest)
				sp[ns].newest = t->msgs[x].date;
			for (k = t->first[x + 1]; k > t->first[x]; k--) {
				depth[t->kids[k - 1]] = depth[x] + 1;
				stack[top++] = t->kids[k - 1];
			}
		}
		sp[ns].len = np - sp[ns].start;
		ns++;
	}
	return ns;
}

int
thread_order(const struct thread_msg *msgs, size_t n, int reverse,
    struct thread_pos *out, struct smerr *e)
{
	struct threader		 t;
	struct thread_span	*sp = NULL;
	size_t			*mem = NULL, *pre, hsize = 16, ns, i, k, o = 0;
	int			*depth = NULL;
	int			 r = 0;

	if (n == 0)
		return 0;
	if (n > SIZE_MAX / sizeof(size_t) / 8)
		return smerr_set(e, SMERR_LIMIT, "too many messages to thread");
	while (hsize < n * 2)
		hsize *= 2;
	memset(&t, 0, sizeof(t));
	t.msgs = msgs;
	t.n = n;
	t.mask = hsize - 1;
	if ((mem = calloc(hsize + 6 * n + 1, sizeof(size_t))) == NULL ||
	    (depth = calloc(n, sizeof(*depth))) == NULL ||
	    (sp = calloc(n, sizeof(*sp))) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	t.slot = mem;
	t.parent = t.slot + hsize;
	t.mark = t.parent + n;
	t.order = t.mark + n;
	t.kids = t.order + n;
	pre = t.kids + n;
	t.first = pre + n;		/* n + 1 of them */
	find_parents(&t);
	borrow_parents(&t);
	break_loops(&t);
	find_kids(&t);
	ns = walk(&t, pre, depth, sp);
	qsort(sp, ns, sizeof(*sp), by_newest);
	for (i = 0; i < ns; i++) {
		struct thread_span	*s = &sp[reverse ? ns - 1 - i : i];

		for (k = s->start; k < s->start + s->len; k++, o++) {
			out[o].index = pre[k];
			out[o].thread = i + 1;
			out[o].depth = depth[pre[k]];
			out[o].parent = t.parent[pre[k]] == NONE ? 0 :
			    msgs[t.parent[pre[k]]].id;
		}
	}
out:
	free(mem);
	free(depth);
	free(sp);
	return r;
}

struct sorter {
	const struct thread_msg	*msgs;
	enum thread_key		 key;
};

static int
cmp_text(const char *a, const char *b)
{
	return strcasecmp(a != NULL ? a : "", b != NULL ? b : "");
}

static int
by_key(const void *pa, const void *pb, void *arg)
{
	const struct sorter	*so = arg;
	const struct thread_msg	*a, *b;
	int			 c = 0;

	a = &so->msgs[*(const size_t *)pa];
	b = &so->msgs[*(const size_t *)pb];
	if (so->key == THREAD_BY_FROM)
		c = cmp_text(a->from, b->from);
	else if (so->key == THREAD_BY_SUBJECT)
		c = cmp_text(subject_base(a->subject, 1),
		    subject_base(b->subject, 1));
	else if (so->key == THREAD_BY_SIZE && a->size != b->size)
		c = a->size < b->size ? -1 : 1;
	if (c != 0)
		return c;
	if (older(a, b))
		return -1;
	return older(b, a);
}

int
thread_sort(const struct thread_msg *msgs, size_t n, enum thread_key key,
    int reverse, struct thread_pos *out, struct smerr *e)
{
	struct sorter	 so;
	size_t		*ix, i;

	if (n == 0)
		return 0;
	if ((ix = calloc(n, sizeof(*ix))) == NULL)
		return smerr_nomem(e);
	for (i = 0; i < n; i++)
		ix[i] = i;
	so.msgs = msgs;
	so.key = key;
	qsort_r(ix, n, sizeof(*ix), by_key, &so);
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].index = ix[reverse ? n - 1 - i : i];
	}
	free(ix);
	return 0;
}

/* One place's drawing: its ancestors' columns from level lo, its arrow. */
static char *
tree_line(const unsigned char *more, int depth)
{
	struct buf	*b;
	char		*s;
	int		 k, lo = 1, r = 0;

	if ((b = buf_new(0)) == NULL)
		return NULL;
	if (depth > THREAD_TREE_LEVELS) {
		lo = depth - THREAD_TREE_LEVELS + 1;
		r |= buf_puts(b, "…");
	}
	for (k = lo; k < depth; k++)
		r |= buf_puts(b, more[k] ? "│ " : "  ");
	r |= buf_puts(b, more[depth] ? "├─>" : "└─>");
	s = r == 0 ? buf_take(b, NULL) : NULL;
	buf_free(b);
	return s;
}

int
thread_tree(const struct thread_pos *pos, size_t n, char **out,
    struct smerr *e)
{
	unsigned char	*more;
	size_t		 i, j;
	int		 d, maxd = 0, top = 0;

	for (i = 0; i < n; i++) {
		out[i] = NULL;
		if (pos[i].depth > maxd)
			maxd = pos[i].depth;
	}
	if ((more = calloc((size_t)maxd + 2, 1)) == NULL)
		return smerr_nomem(e);
	/*
	 * From the last place up: more[k] says a place at depth k follows
	 * with nothing shallower between, that is, the ancestor (or the
	 * place itself) at depth k has a later sibling.
	 */
	for (i = n; i-- > 0; ) {
		d = pos[i].depth;
		if (d > 0 && (out[i] = tree_line(more, d)) == NULL) {
			for (j = i + 1; j < n; j++)
				free(out[j]);
			for (j = i; j < n; j++)
				out[j] = NULL;
			free(more);
			return smerr_nomem(e);
		}
		/* Only levels that were set need clearing: linear overall. */
		while (top > d)
			more[top--] = 0;
		more[d] = 1;
		top = d;
	}
	free(more);
	return 0;
}
