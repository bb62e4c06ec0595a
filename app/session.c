/*
 * The terminal program's hold on a home. A passphrase asked on the
 * terminal lives in a memfd (memory only, never a file on disk) so that
 * background commands can open the same store without asking again. It is
 * close-on-exec: only a job of this program gets it (ui_job lets it
 * through), never $EDITOR, a password command or a viewer. A token's PIN,
 * asked once per run, is kept the same way.
 */
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "store/store.h"
#include "keys/keys.h"
#include "app/agent.h"
#include "app/app_int.h"

struct app_session {
	struct cli	 c;
	struct store	*st;
	struct keys	*keys;
	int		 passfd;	/* memfd holding the passphrase, or -1 */
	char		 passpath[64];
	int		 pinfd;		/* memfd holding a token's PIN, or -1 */
	char		 pinpath[64];
};

/* Drops a memfd's pages: its contents die with it. */
static void
memfd_drop(int fd)
{
	int	r;

	if (fd == -1)
		return;
	r = ftruncate(fd, 0);	/* closing drops the pages all the same */
	(void)r;
	close(fd);
}

/* A secret in a new memfd; its path for a child in path. */
static int
memfd_keep(const char *name, const struct buf *b, int *fdp, char *path,
    size_t pathlen, struct smerr *e)
{
	if ((*fdp = memfd_create(name, MFD_CLOEXEC)) == -1)
		return smerr_set(e, SMERR_IO, "memfd: %s", strerror(errno));
	if (write(*fdp, buf_data(b), buf_len(b)) != (ssize_t)buf_len(b))
		return smerr_set(e, SMERR_IO, "memfd: %s", strerror(errno));
	if (snprintf(path, pathlen, "/proc/self/fd/%d", *fdp) >= (int)pathlen)
		return smerr_set(e, SMERR_INVAL, "descriptor path too long");
	return 0;
}

void
app_session_close(struct app_session *s)
{
	if (s == NULL)
		return;
	keys_close(s->keys);
	store_close(s->st);
	memfd_drop(s->passfd);
	memfd_drop(s->pinfd);
	app_config_free(s->c.cfg);
	free(s->c.confdir);
	free(s->c.datadir);
	free(s);
}

/* Asks for the store's passphrase and keeps it in a memfd. */
static int
session_ask(struct app_session *s, struct smerr *e)
{
	struct buf	*pass = NULL;
	int		 r, creating = !store_exists(s->c.datadir);

	r = cli_ask_secret(creating ? "New passphrase for the sealmail store: "
	    : "Passphrase for the sealmail store: ", creating, &pass, e);
	if (r != 0)
		return r;
	r = memfd_keep("sealmail-pass", pass, &s->passfd, s->passpath,
	    sizeof(s->passpath), e);
	buf_free(pass);
	if (r == 0)
		s->c.passphrase_file = s->passpath;
	return r;
}

/* The first identity on a token: its URI and certificate (malloc'd). */
struct session_token {
	struct app_session	*s;
	char			*uri;
	uint8_t			*der;
	size_t			 len;
};

static int
token_cb(const struct keys_cert *kc, void *arg)
{
	struct session_token	*t = arg;

	(void)keys_identity_token(t->s->keys, kc->id, &t->uri, NULL);
	if (t->uri == NULL)
		return 0;
	if ((t->der = malloc(kc->der_len)) != NULL) {
		memcpy(t->der, kc->der, kc->der_len);
		t->len = kc->der_len;
	}
	return 1;
}

/*
 * With an identity on a token, its PIN (the PIN file, the Secret Service,
 * else asked) is tried once here, before the program opens, and kept in a
 * memfd for the jobs only when the token takes it: a card locks itself
 * after a few wrong PINs, so one it refused is never offered again. After
 * a refusal the PIN is asked on the terminal until the token takes one;
 * nothing typed ends the program. A token that cannot be reached now
 * leaves the PIN untried, for the jobs, which say what is missing.
 */
static int
session_pin(struct app_session *s, struct smerr *e)
{
	struct session_token	 t = { s, NULL, NULL, 0 };
	struct buf		*pin = NULL;
	struct smerr		 e2;
	char			 refused[SMERR_MSGMAX] = "";
	int			 r = 0;

	(void)keys_foreach(s->keys, KEYS_IDENTITY, token_cb, &t, NULL);
	if (t.uri == NULL || t.der == NULL)
		goto out;
	cli_tokens_begin(&s->c, 0);
	for (;;) {
		smerr_clear(&e2);
		if ((r = agent_token_probe(t.uri, &t.der, &t.len, &e2)) !=
		    SMERR_PERM)
			break;
		snprintf(refused, sizeof(refused), "%s", smerr_msg(&e2));
		fprintf(stderr, "sealmail: %s\n", refused);
		cli_token_pin_refused(&s->c);
	}
	/* Nothing typed after a refusal: the refusal; else what ended it. */
	if (r != 0 && refused[0] != '\0') {
		r = smerr_set(e, SMERR_PERM, "%s", r == SMERR_CANCEL ||
		    r == SMERR_SECRET ? refused : smerr_msg(&e2));
		goto out;
	}
	/* No PIN was given or typed: the jobs say so when they need one. */
	if (r == SMERR_SECRET || r == SMERR_CANCEL || s->c.pin_file != NULL) {
		r = 0;
		goto out;
	}
	r = 0;
	if (cli_token_pin(&s->c, t.uri, &pin, NULL) == 0 &&
	    memfd_keep("sealmail-pin", pin, &s->pinfd, s->pinpath,
	    sizeof(s->pinpath), NULL) == 0)
		s->c.pin_file = s->pinpath;
out:
	cli_tokens_end();		/* forgets what was typed */
	buf_free(pin);
	free(t.uri);
	free(t.der);
	return r;
}

int
app_session_open(const struct app_opts *o, struct app_session **sp,
    struct smerr *e)
{
	struct app_session	*s;
	uint8_t			 key[STORE_KEY_LEN];
	struct smerr		 e2;
	int			 r;

	*sp = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return smerr_nomem(e);
	s->passfd = s->pinfd = -1;
	s->c.cmd = "ui";
	s->c.home = o->home;
	s->c.passphrase_file = o->passphrase_file;
	s->c.pin_file = o->pin_file;
	if ((r = app_dirs(s->c.home, &s->c.confdir, &s->c.datadir, e)) != 0)
		goto fail;
	if ((r = cli_config(&s->c)) != 0)
		goto copy;
	if (s->c.passphrase_file == NULL) {
		smerr_clear(&e2);
		if (keys_store_uses_passphrase(s->c.datadir)) {
			/* Kept for this login session: no need to ask. */
			r = keys_keyring_get(s->c.datadir,
			    s->c.cfg->security.key_cache, NULL, key) == 0 ? 0 :
			    SMERR_SECRET;
			secmem_wipe(key, sizeof(key));
		} else if (store_exists(s->c.datadir) &&
		    keys_keyring_get(s->c.datadir,
		    s->c.cfg->security.key_cache, NULL, key) == 0) {
			/* Fetched from the Secret Service earlier. */
			secmem_wipe(key, sizeof(key));
			r = 0;
		} else if ((r = keys_store_key(s->c.datadir, NULL, key, &e2))
		    == 0)
			secmem_wipe(key, sizeof(key));
		if (r == SMERR_SECRET && store_exists(s->c.datadir) &&
		    !keys_store_uses_passphrase(s->c.datadir)) {
			/* Its key is in the Secret Service: no passphrase helps. */
			smerr_set(e, r, "%s; the store's key is kept there",
			    smerr_msg(&e2));
			goto fail;
		}
		if (r == SMERR_SECRET) {
			if (!keys_store_uses_passphrase(s->c.datadir))
				fprintf(stderr, "sealmail: %s; using a "
				    "passphrase instead, asked on the "
				    "terminal\n", smerr_msg(&e2));
			if ((r = session_ask(s, e)) != 0)
				goto fail;
		} else if (r != 0) {
			smerr_set(e, r, "%s", smerr_msg(&e2));
			goto fail;
		}
	}
	if ((r = cli_open_keys(&s->c, &s->st, &s->keys)) != 0)
		goto copy;
	if ((r = session_pin(s, e)) != 0)
		goto fail;
	*sp = s;
	return 0;
copy:
	smerr_set(e, r, "%s", smerr_msg(&s->c.err));
fail:
	app_session_close(s);
	return r;
}

int
app_session_reload(struct app_session *s, struct smerr *e)
{
	struct app_config	*old = s->c.cfg;
	int			 r;

	s->c.cfg = NULL;
	smerr_clear(&s->c.err);
	if ((r = cli_config(&s->c)) != 0) {
		smerr_set(e, r, "%s", smerr_msg(&s->c.err));
		s->c.cfg = old;
		return r;
	}
	app_config_free(old);
	return 0;
}

struct store *
app_session_store(struct app_session *s)
{
	return s->st;
}

struct keys *
app_session_keys(struct app_session *s)
{
	return s->keys;
}

const struct app_config *
app_session_config(struct app_session *s)
{
	return s->c.cfg;
}

const char *
app_session_home(struct app_session *s)
{
	return s->c.home;
}

const char *
app_session_datadir(struct app_session *s)
{
	return s->c.datadir;
}

int
app_session_child_args(struct app_session *s, const char **argv,
    int keep_fd[2])
{
	int	n = 0;

	keep_fd[0] = s->passfd;
	keep_fd[1] = s->pinfd;
	if (s->c.home != NULL) {
		argv[n++] = "--home";
		argv[n++] = s->c.home;
	}
	if (s->c.passphrase_file != NULL) {
		argv[n++] = "--passphrase-file";
		argv[n++] = s->c.passphrase_file;
	}
	if (s->c.pin_file != NULL) {
		argv[n++] = "--pin-file";
		argv[n++] = s->c.pin_file;
	}
	return n;
}

void
app_session_child_keep(const int keep_fd[2])
{
	int	i;

	for (i = 0; i < 2; i++)
		if (keep_fd[i] != -1)
			fcntl(keep_fd[i], F_SETFD, 0);
}
