/*
 * The terminal program's hold on a home. A passphrase asked on the
 * terminal lives in a memfd (memory only, never a file on disk) so that
 * background commands can open the same store without asking again. It is
 * close-on-exec: only a job of this program gets it (ui_job lets it
 * through), never $EDITOR, a password command or a viewer.
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
#include "app/app_int.h"

struct app_session {
	struct cli	 c;
	struct store	*st;
	struct keys	*keys;
	int		 passfd;	/* memfd holding the passphrase, or -1 */
	char		 passpath[64];
};

void
app_session_close(struct app_session *s)
{
	if (s == NULL)
		return;
	keys_close(s->keys);
	store_close(s->st);
	if (s->passfd != -1) {
		/* Drop the pages: the memfd's contents die with it. */
		if (ftruncate(s->passfd, 0) == -1)
			secmem_wipe(s->passpath, sizeof(s->passpath));
		close(s->passfd);
	}
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
	s->passfd = memfd_create("sealmail-pass", MFD_CLOEXEC);
	if (s->passfd == -1) {
		buf_free(pass);
		return smerr_set(e, SMERR_IO, "memfd: %s", strerror(errno));
	}
	if (write(s->passfd, buf_data(pass), buf_len(pass)) !=
	    (ssize_t)buf_len(pass)) {
		buf_free(pass);
		return smerr_set(e, SMERR_IO, "memfd: %s", strerror(errno));
	}
	buf_free(pass);
	if (snprintf(s->passpath, sizeof(s->passpath), "/proc/self/fd/%d",
	    s->passfd) >= (int)sizeof(s->passpath))
		return smerr_set(e, SMERR_INVAL, "descriptor path too long");
	s->c.passphrase_file = s->passpath;
	return 0;
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
	s->passfd = -1;
	s->c.cmd = "ui";
	s->c.home = o->home;
	s->c.passphrase_file = o->passphrase_file;
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
    int *keep_fd)
{
	int	n = 0;

	*keep_fd = s->passfd;
	if (s->c.home != NULL) {
		argv[n++] = "--home";
		argv[n++] = s->c.home;
	}
	if (s->c.passphrase_file != NULL) {
		argv[n++] = "--passphrase-file";
		argv[n++] = s->c.passphrase_file;
	}
	return n;
}
