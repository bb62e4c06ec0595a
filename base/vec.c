/*
 * base/vec.c: growing arrays. The caller's pointer is read and written
 * with memcpy, so that one function serves arrays of any element type.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/vec.h"

#define VEC_MIN		8

int
vec_reserve(void *vp, size_t *capp, size_t n, size_t size)
{
	void	*v, *nv;
	size_t	 ncap;

	if (n < *capp)
		return 0;
	ncap = *capp < VEC_MIN ? VEC_MIN : *capp;
	while (ncap <= n) {
		if (ncap > SIZE_MAX / 2)
			return SMERR_NOMEM;
		ncap *= 2;
	}
	if (size == 0 || ncap > SIZE_MAX / size)
		return SMERR_NOMEM;
	memcpy(&v, vp, sizeof(v));
	if ((nv = reallocarray(v, ncap, size)) == NULL)
		return SMERR_NOMEM;
	memset((char *)nv + *capp * size, 0, (ncap - *capp) * size);
	memcpy(vp, &nv, sizeof(nv));
	*capp = ncap;
	return 0;
}

int
vec_strv_add(char ***vp, size_t *np, const char *s, size_t len)
{
	char	**nv;

	if ((nv = reallocarray(*vp, *np + 1, sizeof(*nv))) == NULL)
		return SMERR_NOMEM;
	*vp = nv;
	if ((nv[*np] = strndup(s, len)) == NULL)
		return SMERR_NOMEM;
	(*np)++;
	return 0;
}

void
vec_strv_free(char **v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
vec_ids_add(struct vec_ids *l, int64_t id)
{
	if (vec_reserve(&l->v, &l->cap, l->n, sizeof(*l->v)) != 0) {
		l->oom = 1;
		return 1;
	}
	l->v[l->n++] = id;
	return 0;
}

int
vec_ids_cb(int64_t id, void *arg)
{
	return vec_ids_add(arg, id);
}

int
vec_ids_check(const struct vec_ids *l, struct smerr *e)
{
	return l->oom ? smerr_nomem(e) : 0;
}
