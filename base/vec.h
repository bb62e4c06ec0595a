/*
 * base/vec.h: arrays of fixed-size elements that grow as they are filled,
 * the way the callbacks of a foreach collect what they are handed.
 */
#ifndef SEALMAIL_BASE_VEC_H
#define SEALMAIL_BASE_VEC_H

#include <stddef.h>
#include <stdint.h>

/*
 * Makes room for element n (index n, so n + 1 in all) in the array whose
 * pointer is at vp (a struct x ** passed as void *), of *capp elements of
 * size bytes each: the array doubles, from 8 elements, and elements past
 * the old capacity are zeroed. 0, or SMERR_NOMEM with the array and *capp
 * unchanged.
 */
int	vec_reserve(void *vp, size_t *capp, size_t n, size_t size);

/*
 * Adds a copy of the first len bytes of s (up to a NUL) at the end of the
 * *np strings at *vp: 0, or SMERR_NOMEM with *np unchanged.
 */
int	vec_strv_add(char ***vp, size_t *np, const char *s, size_t len);
/* Frees the n strings of v, then v itself; v may be NULL. */
void	vec_strv_free(char **v, size_t n);

/* The IDs a foreach hands over; oom is set once one could not be kept. */
struct vec_ids {
	int64_t	*v;
	size_t	 n, cap;
	int	 oom;
};
/* Keeps id in l: 0, or 1 (stop the foreach) with l->oom set. */
int	vec_ids_add(struct vec_ids *l, int64_t id);
/* The same as the callback of a foreach that hands IDs alone; arg is l. */
int	vec_ids_cb(int64_t id, void *arg);
/* After the foreach: SMERR_NOMEM (said in e) if l lost an ID, else 0. */
struct smerr;
int	vec_ids_check(const struct vec_ids *l, struct smerr *e);

#endif
