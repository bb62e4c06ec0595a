/*
 * Opening the encrypted store and the key store for a command. The store
 * key comes from the Secret Service; when none answers, sealmail says so
 * in one line on stderr and falls back to a passphrase, read from the
 * passphrase file (a trailing newline is not part of it) or asked on the
 * terminal without echo. Either way the key is then kept in the session
 * keyring for store-key-cache seconds, and the next process takes it from
 * there. The store is created on first use.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "base/text.h"
#include "store/store.h"
#include "keys/keys.h"
#include "net/dns.h"
#include "app/app_int.h"

#define PASS_MAX	4096

int
cli_read_passfile(const char *path, struct buf **passp, struct smerr *e)
{
	return cli_read_secret_file(path, "passphrase", passp, e);
}

int
cli_read_secret_file(const char *path, const char *what, struct buf **passp,
    struct smerr *e)
{
	struct buf	*b;
	char		 kind[32];
	size_t		 n;
	int		 fd, r;

	*passp = NULL;
	(void)snprintf(kind, sizeof(kind), "a %s file", what);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return smerr_set(e, SMERR_IO, "%s: %s", path, strerror(errno));
	if ((r = app_file_buf(fd, path, kind, 1, PASS_MAX, &b, e)) != 0)
		return r;
	r = buf_read_fd(b, fd);
	close(fd);
	if (r != 0) {
		buf_free(b);
		return smerr_set(e, r, "%s: %s", path, r == SMERR_LIMIT ?
		    "too long for a secret file" : "cannot read");
	}
	n = buf_len(b);
	if (n > 0 && buf_data(b)[n - 1] == '\n') {
		n--;
		if (n > 0 && buf_data(b)[n - 1] == '\r')
			n--;
		buf_truncate(b, n);
	}
	if (n == 0) {
		buf_free(b);
		return smerr_set(e, SMERR_INVAL, "%s: empty %s", path, what);
	}
	*passp = b;
	return 0;
}

/*
 * The signals that end the program while echo is off: caught for as long
 * as it is, so that the terminal is given back its echo before the
 * signal, raised again, does what it would have done.
 */
static const int tty_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define TTY_NSIGS	(sizeof(tty_sigs) / sizeof(tty_sigs[0]))
static volatile sig_atomic_t tty_signo;

static void
tty_caught(int signo)
{
	tty_signo = signo;
}

/* Catches the tty_sigs (on 1), or puts back what was there (on 0). */
static void
tty_catch(int on, struct sigaction *saved)
{
	struct sigaction	sa;
	size_t			i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tty_caught;	/* no SA_RESTART: read ends */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < TTY_NSIGS; i++) {
		if (!on)
			(void)sigaction(tty_sigs[i], &saved[i], NULL);
		else if (sigaction(tty_sigs[i], &sa, &saved[i]) == 0 &&
		    saved[i].sa_handler == SIG_IGN)
			/* Ignored (nohup): it stays so, and ends nothing. */
			(void)sigaction(tty_sigs[i], &saved[i], NULL);
	}
}

/* Reads one line from the terminal with echo off. */
static int
tty_read(int fd, const char *prompt, struct buf *b, struct smerr *e)
{
	struct sigaction saved[TTY_NSIGS];
	struct termios	 old, raw;
	char		 ch;
	ssize_t		 n;
	int		 r = 0, restore = 0;

	if (write(fd, prompt, strlen(prompt)) == -1)
		return smerr_set(e, SMERR_IO, "cannot write to the terminal");
	tty_signo = 0;
	tty_catch(1, saved);
	if (tcgetattr(fd, &old) == 0) {
		raw = old;
		raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		raw.c_lflag |= ICANON;
		if (tcsetattr(fd, TCSAFLUSH, &raw) == 0)
			restore = 1;
	}
	for (;;) {
		n = read(fd, &ch, 1);
		if (n == 1 && (ch == '\n' || ch == '\r'))
			break;
		if (n == -1 && errno == EINTR && tty_signo == 0)
			continue;
		if (n != 1) {
			r = smerr_set(e, SMERR_CANCEL, tty_signo != 0 ?
			    "interrupted" : "nothing typed");
			break;
		}
		if (buf_putc(b, ch) != 0) {
			r = smerr_set(e, SMERR_LIMIT, "what was typed is too "
			    "long");
			break;
		}
	}
	ch = 0;
	if (restore)
		(void)tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) == -1 && r == 0)
		r = smerr_set(e, SMERR_IO, "cannot write to the terminal");
	tty_catch(0, saved);
	if (tty_signo != 0) {
		/* What was typed goes before the signal does its work. */
		buf_truncate(b, 0);
		(void)raise(tty_signo);
	}
	return r;
}

int
cli_ask_secret(const char *prompt, int twice, struct buf **passp,
    struct smerr *e)
{
	struct buf	*a = NULL, *b = NULL;
	int		 fd, r;

	*passp = NULL;
	if (!isatty(STDIN_FILENO) ||
	    (fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)) == -1)
		return smerr_set(e, SMERR_SECRET, "no terminal to ask for a "
		    "passphrase: give --passphrase-file or set "
		    "SEALMAIL_PASSPHRASE_FILE");
	if ((a = buf_new_secret(PASS_MAX)) == NULL ||
	    (b = buf_new_secret(PASS_MAX)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	if ((r = tty_read(fd, prompt, a, e)) != 0)
		goto out;
	if (buf_len(a) == 0) {
		r = smerr_set(e, SMERR_CANCEL, "nothing typed");
		goto out;
	}
	if (twice) {
		if ((r = tty_read(fd, "Again: ", b, e)) != 0)
			goto out;
		if (buf_len(a) != buf_len(b) ||
		    !secmem_equal(buf_data(a), buf_data(b), buf_len(a))) {
			r = smerr_set(e, SMERR_CANCEL, "the passphrases differ");
			goto out;
		}
	}
	*passp = a;
	a = NULL;
out:
	close(fd);
	buf_free(a);
	buf_free(b);
	return r;
}

static int	open_store(struct cli *, const char *, struct store **);
static int	store_is_open_error(const struct smerr *);
static int	open_pending(struct cli *, const struct buf *, struct store **,
		    int);

/* The passphrase for the store: from passfile, else from the terminal. */
static int
store_passphrase(struct cli *c, const char *passfile, struct buf **passp)
{
	int	creating = !store_exists(c->datadir);

	if (passfile != NULL)
		return cli_read_passfile(passfile, passp, &c->err);
	return cli_ask_secret(creating ? "New passphrase for the sealmail "
	    "store: " : "Passphrase for the sealmail store: ", creating,
	    passp, &c->err);
}

/*
 * Two programs opening a home for the first time at once (the terminal
 * program and a command) must not each make a key: the first one makes
 * key and store under this lock, the second then finds both.
 */
static int
first_use_lock(struct cli *c)
{
	char	*path;
	int	 fd;

	if (store_exists(c->datadir))
		return -1;
	if (asprintf(&path, "%s/store.lock", c->datadir) == -1)
		return -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	free(path);
	if (fd != -1 && flock(fd, LOCK_EX) == -1) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int
cli_open_store_with(struct cli *c, const char *passfile, struct store **stp)
{
	int	lock, r;

	lock = first_use_lock(c);
	r = open_store(c, passfile, stp);
	if (lock != -1)
		close(lock);
	return r;
}

/*
 * The one line that says why a passphrase is needed and where it comes
 * from; with neither a passphrase file nor a terminal that line is the
 * error itself.
 */
static int
secret_fallback_notice(struct cli *c, const char *passfile,
    const struct smerr *why)
{
	char	*msg;

	if (passfile == NULL && !isatty(STDIN_FILENO))
		return smerr_set(&c->err, SMERR_SECRET, "%s; a passphrase "
		    "stands in for it, but there is no terminal to ask for "
		    "one: give --passphrase-file or set "
		    "SEALMAIL_PASSPHRASE_FILE", smerr_msg(why));
	msg = text_sanitize_str(smerr_msg(why), 0);
	fflush(stdout);
	fprintf(stderr, "sealmail: %s; using a passphrase instead, %s%s\n",
	    msg != NULL ? msg : "no Secret Service",
	    passfile != NULL ? "read from " : "asked on the terminal",
	    passfile != NULL ? passfile : "");
	free(msg);
	return 0;
}

/* Seconds a store key is kept: the config's, or the default. */
static long
key_cache_seconds(struct cli *c)
{
	if (cli_config(c) != 0) {
		smerr_clear(&c->err);	/* said by whatever reads it next */
		return APP_DEFAULT_KEY_CACHE;
	}
	return c->cfg->security.key_cache;
}

/*
 * The key kept in the session keyring by an earlier process opens the
 * store: 0, or -1 (nothing kept, not for pass when a passphrase was
 * given, or it no longer fits and is dropped). pass is NULL for a store
 * keyed in the Secret Service.
 */
static int
open_kept(struct cli *c, long cache, const struct buf *pass,
    struct store **stp)
{
	struct smerr	e2;
	uint8_t		key[STORE_KEY_LEN];
	int		r;

	if (keys_keyring_get(c->datadir, cache, pass, key) != 0)
		return -1;
	smerr_clear(&e2);
	r = store_open(c->datadir, key, stp, &e2);
	secmem_wipe(key, sizeof(key));
	if (r == 0 && (r = app_headers_upgrade(*stp, &c->err)) != 0) {
		store_close(*stp);
		*stp = NULL;
		return r;
	}
	if (r != 0)
		keys_keyring_forget(c->datadir);
	return r == 0 ? 0 : -1;
}

static int
open_store(struct cli *c, const char *passfile, struct store **stp)
{
	struct smerr	 e2;
	struct buf	*pass = NULL;
	uint8_t		 key[STORE_KEY_LEN];
	long		 cache = 0;
	int		 r;

	*stp = NULL;
	smerr_clear(&e2);
	if (!keys_store_uses_passphrase(c->datadir)) {
		/* Fetched from the Secret Service by an earlier process. */
		if (store_exists(c->datadir) &&
		    (cache = key_cache_seconds(c)) > 0 &&
		    (r = open_kept(c, cache, NULL, stp)) != -1)
			return r;
		r = keys_store_key(c->datadir, NULL, key, &e2);
		if (r == 0) {
			cache = key_cache_seconds(c);
			goto open;
		}
		if (r != SMERR_SECRET) {
			smerr_set(&c->err, r, "%s", smerr_msg(&e2));
			return r;
		}
		/* Its key is there alone: no passphrase to ask for. */
		if (store_exists(c->datadir))
			return smerr_set(&c->err, r, "%s; the key of the store "
			    "in %s is kept in the Secret Service: no "
			    "passphrase opens it", smerr_msg(&e2),
			    c->datadir);
		if ((r = secret_fallback_notice(c, passfile, &e2)) != 0)
			return r;
	} else if ((cache = key_cache_seconds(c)) > 0) {
		/* A passphrase file is read, to be checked against it. */
		if (passfile != NULL &&
		    (r = store_passphrase(c, passfile, &pass)) != 0)
			return r;
		if ((r = open_kept(c, cache, pass, stp)) != -1) {
			buf_free(pass);
			return r;
		}
	}
	if (pass == NULL && (r = store_passphrase(c, passfile, &pass)) != 0)
		return r;
	if ((r = keys_store_key(c->datadir, pass, key, &c->err)) != 0) {
		buf_free(pass);
		return r;
	}
	cache = key_cache_seconds(c);
open:
	r = store_open(c->datadir, key, stp, &c->err);
	if (r == 0 && cache > 0)
		keys_keyring_put(c->datadir, cache, pass, key);
	if (r == SMERR_STORE && !store_is_open_error(&c->err))
		r = open_pending(c, pass, stp, r);
	if (r == 0 && (r = app_headers_upgrade(*stp, &c->err)) != 0) {
		store_close(*stp);
		*stp = NULL;
	}
	buf_free(pass);
	secmem_wipe(key, sizeof(key));
	return r;
}

/* 1 when the failure was something else than a key that does not fit. */
static int
store_is_open_error(const struct smerr *e)
{
	return strstr(smerr_msg(e), "wrong key") == NULL;
}

/*
 * A change of keying cut short between the re-key and its commit leaves
 * the store under the new key: open it with that one and finish the job.
 */
static int
open_pending(struct cli *c, const struct buf *pass, struct store **stp,
    int r)
{
	struct smerr	e2;
	uint8_t		key[STORE_KEY_LEN];
	int		passphrase;

	smerr_clear(&e2);
	if (keys_store_key_pending(c->datadir, pass, key, &passphrase,
	    &e2) != 0)
		return r;
	if (store_open(c->datadir, key, stp, &e2) == 0) {
		secmem_wipe(key, sizeof(key));
		smerr_clear(&c->err);
		if (keys_store_key_commit(c->datadir, passphrase,
		    &c->err) != 0) {
			store_close(*stp);
			*stp = NULL;
			return c->err.code;
		}
		return 0;
	}
	secmem_wipe(key, sizeof(key));
	return r;
}

int
cli_open_store(struct cli *c, struct store **stp)
{
	return cli_open_store_with(c, c->passphrase_file, stp);
}

int
cli_open_keys(struct cli *c, struct store **stp, struct keys **kp)
{
	int	r;

	*kp = NULL;
	if (*stp == NULL && (r = cli_open_store(c, stp)) != 0)
		return r;
	if ((r = keys_open(*stp, kp, &c->err)) != 0) {
		store_close(*stp);
		*stp = NULL;
	}
	return r;
}

static int
account_dns(struct cli *c, int flags, struct cli_account_env *env)
{
	struct smerr	saved = c->err;

	if ((flags & (CLI_OPEN_DNS | CLI_OPEN_DNS_CONF)) == 0 ||
	    cli_open_dns(c, (flags & CLI_OPEN_DNS) == 0, &env->dns) == 0)
		return 0;
	if (c->cfg->dns.present && (flags & CLI_DNS_SOFT) == 0)
		return c->err.code;
	env->dns_err = c->err;
	c->err = saved;
	env->dns = NULL;
	return 0;
}

int
cli_no_account(struct cli *c, const char *account)
{
	if (account != NULL)
		return smerr_set(&c->err, SMERR_CONFIG, "no account named %s",
		    account);
	if (c->home != NULL)
		return smerr_set(&c->err, SMERR_CONFIG, "no account "
		    "configured in %s/config: add one with sealmail --home %s "
		    "setup ADDRESS", c->confdir, c->home);
	return smerr_set(&c->err, SMERR_CONFIG, "no account configured in "
	    "%s/config: add one with sealmail setup ADDRESS, or name the home "
	    "that has one with --home DIR", c->confdir);
}

int
cli_account_open(struct cli *c, const char *account, int flags,
    struct cli_account_env *env)
{
	int	r;

	memset(env, 0, sizeof(*env));
	if (cli_config(c) != 0)
		return c->err.code != 0 ? c->err.code : SMERR_CONFIG;
	if ((env->acct = app_config_account(c->cfg, account)) == NULL)
		return cli_no_account(c, account);
	if ((flags & CLI_NEED_IMAP) && !env->acct->has_imap)
		return smerr_set(&c->err, SMERR_CONFIG, "account %s has no "
		    "imap server: add imap = imaps://HOST to its section of "
		    "%s", env->acct->name, c->cfg->path);
	if ((flags & CLI_OPEN_KEYS) &&
	    (r = cli_open_keys(c, &env->st, &env->k)) != 0)
		return r;
	if ((r = account_dns(c, flags, env)) != 0) {
		cli_account_close(env);
		return r;
	}
	return 0;
}

void
cli_account_close(struct cli_account_env *env)
{
	dns_free(env->dns);
	keys_close(env->k);
	store_close(env->st);
	env->dns = NULL;
	env->k = NULL;
	env->st = NULL;
}
