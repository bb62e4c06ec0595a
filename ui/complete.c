/*
 * What Tab completes in the prompts: file names (the attach prompt),
 * addresses (To and Cc) and folder names (save and copy). Each completer
 * gathers the candidates for what was typed, sorted, and gives the n-th
 * of them, so that Tab after Tab goes round them; the line above the
 * prompt lists them.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/vec.h"
#include "store/store.h"
#include "app/app.h"
#include "ui/ui_int.h"

#define CAND_MAX	2000

struct cands {
	char	**v;
	size_t	  n;
};

static void
cands_clear(struct cands *c)
{
	vec_strv_free(c->v, c->n);
	c->v = NULL;
	c->n = 0;
}

/* Adds a copy of s (len bytes), once. */
static int
cands_add(struct cands *c, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < c->n; i++)
		if (strlen(c->v[i]) == len && strncmp(c->v[i], s, len) == 0)
			return 0;
	if (c->n >= CAND_MAX)
		return -1;
	return vec_strv_add(&c->v, &c->n, s, len) == 0 ? 0 : -1;
}

static int
cand_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * head and the n-th candidate into out; the hint lists them from that one
 * on. -1 when there is none (the hint says so).
 */
static int
cands_pick(struct cands *c, int sorted, const char *head, int n,
    struct buf *out, char *hint, size_t hintlen, const char *none)
{
	size_t	i, k, used;
	int	w;

	if (c->n == 0) {
		snprintf(hint, hintlen, "%s", none);
		return -1;
	}
	if (sorted)
		qsort(c->v, c->n, sizeof(c->v[0]), cand_cmp);
	k = (size_t)n % c->n;
	if (buf_puts(out, head) != 0 || buf_puts(out, c->v[k]) != 0)
		return -1;
	w = snprintf(hint, hintlen, "%zu/%zu:", k + 1, c->n);
	used = w > 0 ? (size_t)w : 0;
	for (i = 0; i < c->n && used < hintlen; i++) {
		w = snprintf(hint + used, hintlen - used, "  %s",
		    c->v[(k + i) % c->n]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return 0;
}

/* "~/x" as $HOME/x; anything else as it is. Malloc'd. */
char *
ui_expand_home(const char *path)
{
	const char	*h = getenv("HOME");
	char		*s;

	if (strncmp(path, "~/", 2) == 0 && h != NULL && h[0] == '/') {
		if (asprintf(&s, "%s/%s", h, path + 2) == -1)
			return NULL;
		return s;
	}
	if (strcmp(path, "~") == 0 && h != NULL && h[0] == '/')
		return strdup(h);
	return strdup(path);
}

char *
ui_save_target(struct ui *ui, const char *typed, const char *dflt,
    int *overp)
{
	struct stat	 sb;
	char		*full, *in, q[600];
	size_t		 n;

	*overp = 0;
	if ((full = ui_expand_home(typed[0] != '\0' || dflt == NULL ? typed :
	    dflt)) == NULL)
		goto nomem;
	if (stat(full, &sb) == 0 && S_ISDIR(sb.st_mode) && dflt != NULL) {
		n = strlen(full);
		if (asprintf(&in, "%s%s%s", full, n > 0 && full[n - 1] == '/' ?
		    "" : "/", dflt) == -1) {
			free(full);
			goto nomem;
		}
		free(full);
		full = in;
	}
	if (lstat(full, &sb) == 0) {
		if (S_ISDIR(sb.st_mode)) {
			ui_status(ui, 1, "%s is a directory: not saved", full);
			free(full);
			return NULL;
		}
		snprintf(q, sizeof(q), "%s exists: write over it? (y/N)",
		    full);
		if (!ui_confirm(ui, q)) {
			ui_status(ui, 0, "not saved");
			free(full);
			return NULL;
		}
		*overp = 1;
	}
	return full;
nomem:
	ui_status(ui, 1, "out of memory");
	return NULL;
}

int
ui_complete_file(void *arg, const char *typed, int n, struct buf *out,
    char *hint, size_t hintlen)
{
	struct cands	 c = { NULL, 0 };
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	const char	*slash = strrchr(typed, '/'), *base;
	char		*head, *dir = NULL, p[4096];
	size_t		 blen;
	int		 r = -1;

	(void)arg;
	base = slash != NULL ? slash + 1 : typed;
	blen = strlen(base);
	if ((head = strndup(typed, (size_t)(base - typed))) == NULL)
		return -1;
	if ((dir = ui_expand_home(head[0] != '\0' ? head : ".")) == NULL ||
	    (d = opendir(dir)) == NULL) {
		snprintf(hint, hintlen, "no folder %s", head);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    (de->d_name[0] == '.' && base[0] != '.') ||
		    strncmp(de->d_name, base, blen) != 0)
			continue;
		/* A folder ends in '/', to go on into it. */
		if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) <
		    (int)sizeof(p) && stat(p, &sb) == 0 &&
		    S_ISDIR(sb.st_mode) && snprintf(p, sizeof(p), "%s/",
		    de->d_name) < (int)sizeof(p))
			(void)cands_add(&c, p, strlen(p));
		else
			(void)cands_add(&c, de->d_name, strlen(de->d_name));
	}
	closedir(d);
	r = cands_pick(&c, 1, head, n, out, hint, hintlen,
	    "no file begins so");
out:
	cands_clear(&c);
	free(head);
	free(dir);
	return r;
}

static int
folder_cb(const struct store_folder *f, void *arg)
{
	(void)cands_add(arg, f->name, strlen(f->name));
	return 0;
}

int
ui_complete_folder(void *arg, const char *typed, int n, struct buf *out,
    char *hint, size_t hintlen)
{
	struct ui_folder_scope	*fs = arg;
	struct cands		 all = { NULL, 0 }, c = { NULL, 0 };
	struct smerr		 e;
	size_t			 i, len = strlen(typed);
	int			 r;

	smerr_clear(&e);
	if (store_folder_foreach(app_session_store(ui_session(fs->ui)),
	    fs->account, folder_cb, &all, &e) != 0) {
		snprintf(hint, hintlen, "%s", smerr_msg(&e));
		cands_clear(&all);
		return -1;
	}
	for (i = 0; i < all.n; i++)
		if (strncasecmp(all.v[i], typed, len) == 0)
			(void)cands_add(&c, all.v[i], strlen(all.v[i]));
	r = cands_pick(&c, 1, "", n, out, hint, hintlen,
	    "no folder begins so");
	cands_clear(&all);
	cands_clear(&c);
	return r;
}

/* The addresses one compose screen completes from, read once. */
struct ui_addrs {
	struct ui		*ui;
	const struct app_account *a;
	struct app_addrs	 book;		/* aliases, then the store's */
	int			 loaded;
	struct app_addrs	 query;		/* query-command's, for qword */
	char			*qword;
	char			 err[256];
};

struct ui_addrs *
ui_addrs_new(struct ui *ui, const struct app_account *a)
{
	struct ui_addrs	*ua;

	if ((ua = calloc(1, sizeof(*ua))) == NULL)
		return NULL;
	ua->ui = ui;
	ua->a = a;
	return ua;
}

void
ui_addrs_free(struct ui_addrs *ua)
{
	if (ua == NULL)
		return;
	app_addrs_clear(&ua->book);
	app_addrs_clear(&ua->query);
	free(ua->qword);
	free(ua);
}

static void
addrs_load(struct ui_addrs *ua)
{
	struct smerr	e;

	ua->loaded = 1;
	smerr_clear(&e);
	if (ua->a != NULL && ua->a->alias_file != NULL &&
	    app_alias_load(ua->a->alias_file, &ua->book, &e) != 0)
		snprintf(ua->err, sizeof(ua->err), "%s", smerr_msg(&e));
	smerr_clear(&e);
	if (app_addrs_seen(app_session_store(ui_session(ua->ui)), &ua->book,
	    &e) != 0 && ua->err[0] == '\0')
		snprintf(ua->err, sizeof(ua->err), "%s", smerr_msg(&e));
}

const struct app_addrs *
ui_addrs_book(struct ui_addrs *ua)
{
	if (!ua->loaded)
		addrs_load(ua);
	return &ua->book;
}

/* query-command's answer for word, asked once per word. */
static void
addrs_query(struct ui_addrs *ua, const char *word)
{
	struct smerr	e;

	if (ua->a == NULL || ua->a->query_command == NULL ||
	    (ua->qword != NULL && strcmp(ua->qword, word) == 0))
		return;
	app_addrs_clear(&ua->query);
	free(ua->qword);
	ua->qword = strdup(word);
	smerr_clear(&e);
	if (app_query_cmd_run(ua->a->query_command, word, &ua->query,
	    &e) != 0)
		snprintf(ua->err, sizeof(ua->err), "%s", smerr_msg(&e));
}

int
ui_complete_addr(void *arg, const char *typed, int n, struct buf *out,
    char *hint, size_t hintlen)
{
	struct ui_addrs		*ua = arg;
	const struct app_addrs	*src[2];
	struct cands		 c = { NULL, 0 };
	const char		*word;
	char			*head;
	size_t			 i, k;
	int			 r;

	/* Only the address being typed: the last of the list. */
	word = strrchr(typed, ',') != NULL ? strrchr(typed, ',') + 1 : typed;
	while (*word == ' ')
		word++;
	if (*word == '\0') {
		snprintf(hint, hintlen, "type the beginning of a name or "
		    "an address first");
		return -1;
	}
	(void)ui_addrs_book(ua);
	addrs_query(ua, word);
	if (asprintf(&head, "%.*s%s", (int)(word - typed), typed,
	    word > typed && word[-1] == ',' ? " " : "") == -1)
		return -1;
	/* Aliases and the query's first, as typed: most likely meant. */
	src[0] = &ua->query;
	src[1] = &ua->book;
	for (i = 0; i < ua->book.n; i++)
		if (ua->book.v[i].nick != NULL &&
		    app_addr_match(&ua->book.v[i], word))
			(void)cands_add(&c, ua->book.v[i].value,
			    strlen(ua->book.v[i].value));
	for (k = 0; k < 2; k++)
		for (i = 0; i < src[k]->n; i++)
			if (app_addr_match(&src[k]->v[i], word))
				(void)cands_add(&c, src[k]->v[i].value,
				    strlen(src[k]->v[i].value));
	r = cands_pick(&c, 0, head, n, out, hint, hintlen, ua->err[0] !=
	    '\0' ? ua->err : "no address begins so");
	cands_clear(&c);
	free(head);
	return r;
}
