/*
 * Keys on PKCS#11 tokens, seen from a command: which module the key agent
 * loads, and where the token's PIN comes from. The module is [pkcs11]
 * module, else p11-kit's proxy (which offers every module p11-kit knows).
 * The PIN comes from the PIN file (--pin-file or SEALMAIL_PIN_FILE, which
 * group and others must not read), else from the Secret Service (an
 * org.sealmail.Password item whose account is the identity's URI), else
 * from the terminal, asked once per run; without any of them the command
 * stops saying so. The PIN goes to the agent and is wiped here.
 *
 * A card locks itself after a few wrong PINs, and a command run from cron
 * with a wrong PIN file would spend one try each time it runs. So a kept
 * PIN (the file's, the Secret Service's) that a token refused is
 * remembered, and not offered again while it stays the same: the file
 * pin-refused in the data directory holds a random salt and, for each such
 * PIN, a line "tag mark": mark is PBKDF2 of the PIN salted with the salt
 * and the token's name (the token attributes of the identity's URI, so
 * that the identities on one token share their marks, as they share its
 * PIN), tag a SHA-256 of the salt and that name alone; never the PIN nor
 * the URI. Only a kept PIN for a token with a tag in the file costs the
 * PBKDF2. When a token takes a kept PIN, the kept PIN was put right: the
 * token's marks are dropped, and the file with the last of them. A PIN
 * typed that it takes drops only its own mark (the token's PIN was
 * changed to it), for a command on a terminal may still hold a wrong
 * kept one. At most the 16 newest marks are kept. (The agent, for its
 * part, does not try a kept PIN on a token that says its next wrong one
 * locks it.)
 *
 * An earlier sealmail wrote each mark alone on its line, PBKDF2 of the PIN
 * salted with the salt and the whole URI, with no tag. Such a mark is
 * still read: a kept PIN is checked against it too (one more PBKDF2, so
 * long as the file holds one), and one found there is written again in
 * the form of now. Marks of that form go when a token takes a kept PIN,
 * for they cannot be told apart by token.
 *
 * A command on a terminal whose kept PIN the token refused, or was not
 * offered, says so and asks for the PIN, once, as the terminal program
 * does (app/session.c, which asks until the token takes one); without a
 * terminal it stops, saying which kept PIN it was and how to go on.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/secmem.h"
#include "base/text.h"
#include "crypto/crypto.h"
#include "keys/keys.h"
#include "app/agent.h"
#include "app/app_int.h"

#ifndef SEALMAIL_P11_PROXY
#define SEALMAIL_P11_PROXY	"/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so"
#endif

static struct {
	struct buf	*typed;		/* the PIN typed, once */
	int		 ask;		/* only the terminal: one was refused */
	int		 retype;	/* a kept PIN failed: ask it, once */
} pin_run;

#define PIN_REFUSED_FILE	"pin-refused"
#define PIN_REFUSED_MAX		16	/* the newest PINs kept */
#define PIN_SALT_LEN		16
#define PIN_TAG_LEN		8
#define PIN_MARK_LEN		32
#define PIN_KDF_ROUNDS		200000
#define PIN_LINE_LEN		(2 * PIN_TAG_LEN + 1 + 2 * PIN_MARK_LEN)
#define PIN_REFUSED_SIZE	(2 * PIN_SALT_LEN + 1 + \
				 PIN_REFUSED_MAX * (PIN_LINE_LEN + 1))
#define PIN_TOKEN_MAX		256	/* crypto_p11_uri_token's text */

/*
 * What pin-refused holds: its salt, and each mark with its token's tag; a
 * mark of the earlier form has the empty tag.
 */
struct pin_memo {
	uint8_t	salt[PIN_SALT_LEN];
	char	tag[PIN_REFUSED_MAX][2 * PIN_TAG_LEN + 1];
	char	mark[PIN_REFUSED_MAX][2 * PIN_MARK_LEN + 1];
	size_t	n;
};

static char *
memo_path(const struct cli *c)
{
	char	*path;

	if (c->datadir == NULL ||
	    asprintf(&path, "%s/" PIN_REFUSED_FILE, c->datadir) == -1)
		return NULL;
	return path;
}

/*
 * One line "tag mark", or a mark alone (the earlier form), into the memo;
 * lines of another form are skipped.
 */
static void
memo_line(struct pin_memo *m, const char *line, size_t len)
{
	size_t	tl = len == PIN_LINE_LEN ? 2 * PIN_TAG_LEN : 0;

	if ((tl == 0 && len != 2 * PIN_MARK_LEN) ||
	    (tl != 0 && line[tl] != ' ') || m->n >= PIN_REFUSED_MAX)
		return;
	memcpy(m->tag[m->n], line, tl);
	m->tag[m->n][tl] = '\0';
	memcpy(m->mark[m->n], line + (tl != 0 ? tl + 1 : 0), 2 * PIN_MARK_LEN);
	m->mark[m->n][2 * PIN_MARK_LEN] = '\0';
	m->n++;
}

/*
 * Reads the memo: 1 when there is one, 0 when there is none (then with no
 * salt yet), -1 when it cannot be read.
 */
static int
memo_read(const struct cli *c, struct pin_memo *m)
{
	struct buf	*b = NULL;
	char		*path, *line, *nl;
	int		 fd, r = -1;

	memset(m, 0, sizeof(*m));
	if ((path = memo_path(c)) == NULL)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		free(path);
		return 0;
	}
	if (app_file_buf(fd, path, "a file of refused PINs", 1,
	    PIN_REFUSED_SIZE + 1, &b, NULL) != 0)
		goto out;
	r = buf_read_fd(b, fd) == 0 && buf_put(b, "", 1) == 0 ? 1 : -1;
	close(fd);
	line = (char *)buf_data(b);
	if (r != 1 || (nl = strchr(line, '\n')) == NULL ||
	    nl - line != 2 * PIN_SALT_LEN) {
		r = -1;
		goto out;
	}
	*nl = '\0';
	if (text_hex_decode(line, m->salt, PIN_SALT_LEN) != 0) {
		r = -1;
		goto out;
	}
	for (line = nl + 1; (nl = strchr(line, '\n')) != NULL; line = nl + 1)
		memo_line(m, line, (size_t)(nl - line));
out:
	buf_free(b);
	free(path);
	return r;
}

/*
 * The salt of the memo followed by the text naming the token of uri, in
 * salt (room for PIN_SALT_LEN + PIN_TOKEN_MAX bytes): its length, or 0.
 * Two identities on one token share their marks, for the token holds one
 * PIN for both; so does one identity whose token is put in another slot
 * or reader, for no slot is part of the URI.
 */
static size_t
memo_salt(const struct pin_memo *m, const char *uri, uint8_t *salt)
{
	char	tok[PIN_TOKEN_MAX];

	if (crypto_p11_uri_token(uri, tok, sizeof(tok), NULL) != 0)
		return 0;
	memcpy(salt, m->salt, PIN_SALT_LEN);
	memcpy(salt + PIN_SALT_LEN, tok, strlen(tok));
	return PIN_SALT_LEN + strlen(tok);
}

/* The tag of the token of uri under the memo's salt, as hex: cheap. */
static int
memo_tag(const struct pin_memo *m, const char *uri,
    char out[2 * PIN_TAG_LEN + 1])
{
	uint8_t		salt[PIN_SALT_LEN + PIN_TOKEN_MAX];
	uint8_t		md[EVP_MAX_MD_SIZE];
	unsigned	mdlen = 0;
	size_t		len;

	if ((len = memo_salt(m, uri, salt)) == 0 ||
	    !EVP_Digest(salt, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen < PIN_TAG_LEN)
		return -1;
	text_hex_encode(md, PIN_TAG_LEN, out);
	return 0;
}

/*
 * The mark of pin for the token of uri under the memo's salt, as hex; with
 * earlier, the mark of the earlier form (salted with the whole URI).
 */
static int
memo_mark(const struct pin_memo *m, const char *uri, const struct buf *pin,
    int earlier, char out[2 * PIN_MARK_LEN + 1])
{
	uint8_t	*salt, mark[PIN_MARK_LEN];
	size_t	 len, ulen = strlen(uri);
	int	 ok;

	if ((salt = malloc(PIN_SALT_LEN + PIN_TOKEN_MAX + ulen)) == NULL)
		return -1;
	if (earlier) {
		memcpy(salt, m->salt, PIN_SALT_LEN);
		memcpy(salt + PIN_SALT_LEN, uri, ulen);
		len = PIN_SALT_LEN + ulen;
	} else if ((len = memo_salt(m, uri, salt)) == 0) {
		free(salt);
		return -1;
	}
	ok = PKCS5_PBKDF2_HMAC((const char *)buf_data(pin),
	    (int)buf_len(pin), salt, (int)len, PIN_KDF_ROUNDS, EVP_sha256(),
	    PIN_MARK_LEN, mark);
	free(salt);
	if (ok == 1)
		text_hex_encode(mark, PIN_MARK_LEN, out);
	secmem_wipe(mark, sizeof(mark));
	return ok == 1 ? 0 : -1;
}

/* How many of the memo's marks are tagged tag. */
static size_t
memo_count(const struct pin_memo *m, const char *tag)
{
	size_t	i, n = 0;

	for (i = 0; i < m->n; i++)
		n += strcmp(m->tag[i], tag) == 0;
	return n;
}

/* The index of the memo's mark tagged tag, or m->n. */
static size_t
memo_find(const struct pin_memo *m, const char *tag, const char *mark)
{
	size_t	i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->tag[i], tag) == 0 && strcmp(m->mark[i], mark) == 0)
			break;
	return i;
}

static void	memo_write(const struct cli *, const struct pin_memo *);

/*
 * 1 when pin is one the token of uri refused before. The slow PBKDF2 is
 * run only when the memo holds a mark for that token, or of the earlier
 * form; one of the earlier form found is written again in the form of now.
 */
static int
pin_was_refused(const struct cli *c, const char *uri, const struct buf *pin)
{
	struct pin_memo	m;
	char		tag[2 * PIN_TAG_LEN + 1], mark[2 * PIN_MARK_LEN + 1];
	char		now[2 * PIN_MARK_LEN + 1] = "";
	size_t		i, n, old;

	if (memo_read(c, &m) != 1 || memo_tag(&m, uri, tag) != 0)
		return 0;
	n = memo_count(&m, tag);
	if (n + (old = memo_count(&m, "")) == 0) {
		log_debug("pin-refused: no mark for the token of %s: "
		    "nothing to check", uri);
		return 0;
	}
	log_debug("pin-refused: the kept PIN checked against %zu mark(s) "
	    "for the token of %s and %zu of the earlier form", n, uri, old);
	if (n > 0 && memo_mark(&m, uri, pin, 0, now) == 0 &&
	    memo_find(&m, tag, now) < m.n)
		return 1;
	if (old == 0 || memo_mark(&m, uri, pin, 1, mark) != 0 ||
	    (i = memo_find(&m, "", mark)) == m.n)
		return 0;
	if (*now != '\0' || memo_mark(&m, uri, pin, 0, now) == 0) {
		memcpy(m.tag[i], tag, sizeof(tag));
		memcpy(m.mark[i], now, sizeof(now));
		memo_write(c, &m);
	}
	return 1;
}

/*
 * Writes the memo anew (a whole file put in place); a memo without marks
 * is no file at all.
 */
static void
memo_write(const struct cli *c, const struct pin_memo *m)
{
	char	*path, *tmp = NULL, salt[2 * PIN_SALT_LEN + 1];
	size_t	 i;
	FILE	*f;
	int	 fd, ok;

	if ((path = memo_path(c)) == NULL)
		return;
	if (m->n == 0) {
		(void)unlink(path);
		goto out;
	}
	if (asprintf(&tmp, "%s.XXXXXX", path) == -1) {
		tmp = NULL;
		goto out;
	}
	if ((fd = mkstemp(tmp)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		if (fd != -1) {
			close(fd);
			(void)unlink(tmp);
		}
		goto out;
	}
	text_hex_encode(m->salt, PIN_SALT_LEN, salt);
	ok = fprintf(f, "%s\n", salt) > 0;
	for (i = 0; i < m->n && ok; i++)
		ok = fprintf(f, "%s%s%s\n", m->tag[i], *m->tag[i] ? " " : "",
		    m->mark[i]) > 0;
	if (fclose(f) != 0 || !ok || rename(tmp, path) == -1)
		(void)unlink(tmp);
out:
	free(tmp);
	free(path);
}

/* Remembers pin as refused by the token of uri; the oldest mark goes. */
static void
pin_remember_refused(const struct cli *c, const char *uri,
    const struct buf *pin)
{
	struct pin_memo	m;
	char		tag[2 * PIN_TAG_LEN + 1], mark[2 * PIN_MARK_LEN + 1];

	if (memo_read(c, &m) != 1) {
		/* None yet, or unreadable: a new salt, a new memo. */
		memset(&m, 0, sizeof(m));
		if (RAND_bytes(m.salt, PIN_SALT_LEN) != 1)
			return;
	}
	if (memo_tag(&m, uri, tag) != 0 ||
	    memo_mark(&m, uri, pin, 0, mark) != 0)
		return;
	if (m.n == PIN_REFUSED_MAX) {
		memmove(m.tag, m.tag + 1, (PIN_REFUSED_MAX - 1) *
		    sizeof(m.tag[0]));
		memmove(m.mark, m.mark + 1, (PIN_REFUSED_MAX - 1) *
		    sizeof(m.mark[0]));
		m.n--;
	}
	memcpy(m.tag[m.n], tag, sizeof(tag));
	memcpy(m.mark[m.n], mark, sizeof(mark));
	m.n++;
	memo_write(c, &m);
}

/*
 * The token of uri took pin. A kept PIN taken is one put right: the marks
 * of those the token refused are dropped, so that no PBKDF2 is spent on
 * them at each start from now on. A PIN typed leaves them (the kept one
 * may still be wrong) but for its own mark, if it has one: the token's
 * PIN was changed to one it refused before. A kept PIN taken also drops
 * the marks of the earlier form. The file goes with its last mark.
 */
static void
pin_taken(const struct cli *c, const char *uri, const struct buf *pin,
    int stored)
{
	struct pin_memo	m;
	char		tag[2 * PIN_TAG_LEN + 1], mark[2 * PIN_MARK_LEN + 1];
	size_t		i, n = 0;

	if (memo_read(c, &m) != 1 || memo_tag(&m, uri, tag) != 0)
		return;
	if (m.n > 0 && memo_count(&m, tag) == 0 &&
	    (!stored || memo_count(&m, "") == 0))
		return;			/* nothing of this token's */
	if (!stored && m.n > 0 && memo_mark(&m, uri, pin, 0, mark) != 0)
		return;
	for (i = 0; i < m.n; i++) {
		if (strcmp(m.tag[i], tag) == 0 &&
		    (stored || strcmp(m.mark[i], mark) == 0))
			continue;
		if (stored && *m.tag[i] == '\0')
			continue;	/* of the earlier form */
		memmove(m.tag[n], m.tag[i], sizeof(m.tag[0]));
		memmove(m.mark[n], m.mark[i], sizeof(m.mark[0]));
		n++;
	}
	if (n == m.n && n > 0)
		return;
	log_debug("pin-refused: %zu mark(s) dropped for the token of %s",
	    m.n - n, uri);
	m.n = n;
	memo_write(c, &m);
}

int
cli_token_pin(struct cli *c, const char *uri, struct buf **pinp,
    struct smerr *e)
{
	struct smerr	 e2;
	char		*pw = NULL;
	char		 prompt[128];
	int		 r;

	*pinp = NULL;
	if (c->pin_file != NULL)
		return cli_read_secret_file(c->pin_file, "PIN", pinp, e);
	if (pin_run.typed != NULL) {
		if ((*pinp = buf_new_secret(0)) == NULL ||
		    buf_put(*pinp, buf_data(pin_run.typed),
		    buf_len(pin_run.typed)) != 0)
			return smerr_set(e, SMERR_NOMEM, "out of memory");
		return 0;
	}
	smerr_clear(&e2);
	if (!pin_run.ask && (r = keys_password_get(uri, &pw, &e2)) == 0) {
		if ((*pinp = buf_new_secret(0)) == NULL ||
		    buf_put(*pinp, pw, strlen(pw)) != 0)
			r = smerr_set(e, SMERR_NOMEM, "out of memory");
		secmem_strfree(pw);
		return r;
	}
	if (!isatty(STDIN_FILENO))
		return smerr_set(e, SMERR_SECRET, "the key of %.200s is on a "
		    "token and no PIN is given: use --pin-file or "
		    "SEALMAIL_PIN_FILE, or keep the PIN in the Secret Service",
		    uri);
	(void)snprintf(prompt, sizeof(prompt), "PIN for %.100s: ", uri);
	if ((r = cli_ask_secret(prompt, 0, &pin_run.typed, e)) != 0)
		return r;
	return cli_token_pin(c, uri, pinp, e);
}

/*
 * Where a kept PIN for a token comes from, and until when one refused is
 * not offered again, in words: "in F; it is not offered again until ...".
 * A command that cannot ask for the PIN instead says how to go on.
 */
static void
pin_source(const struct cli *c, char *out, size_t max)
{
	const char	*fix = "";

	if (pin_run.retype && !isatty(STDIN_FILENO))
		fix = " (put the right PIN there, or run the command on a "
		    "terminal to type it)";
	if (c->pin_file != NULL)
		(void)snprintf(out, max, "in %.300s; it is not offered again "
		    "until the file changes%s", c->pin_file, fix);
	else
		(void)snprintf(out, max, "kept in the Secret Service; it is "
		    "not offered again until it changes there%s", fix);
}

/*
 * A kept PIN the token refused or was not offered, e saying so: 1 when a
 * command on a terminal is to ask for the PIN instead (once, as the
 * terminal program does), having said why; else 0.
 */
static int
pin_retype(struct cli *c, const struct smerr *e)
{
	if (!pin_run.retype || pin_run.ask || !isatty(STDIN_FILENO))
		return 0;
	fprintf(stderr, "sealmail: %s\n", smerr_msg(e));
	cli_token_pin_refused(c);
	return 1;
}

static int
tokens_get(void *arg, const char *uri, char **modulep, struct buf **pinp,
    int *storedp, struct smerr *e)
{
	struct cli	*c = arg;
	const char	*m = SEALMAIL_P11_PROXY;
	char		 from[520];
	int		 r;

	*modulep = NULL;
	*pinp = NULL;
	*storedp = 0;
	if ((r = cli_config(c)) != 0)
		return smerr_set(e, r, "%s", smerr_msg(&c->err));
	if (c->cfg != NULL && c->cfg->pkcs11_module != NULL)
		m = c->cfg->pkcs11_module;
	if ((r = cli_token_pin(c, uri, pinp, e)) != 0)
		return r;
	/* Kept (a file, the Secret Service) unless typed in this run. */
	*storedp = pin_run.typed == NULL;
	if (*storedp && pin_was_refused(c, uri, *pinp)) {
		buf_free(*pinp);	/* secret: wiped */
		*pinp = NULL;
		pin_source(c, from, sizeof(from));
		r = smerr_set(e, SMERR_PERM, "the token of %.200s has "
		    "refused the PIN %s", uri, from);
		if (!pin_retype(c, e))
			return r;
		smerr_clear(e);
		if ((r = cli_token_pin(c, uri, pinp, e)) != 0)
			return r;
		*storedp = 0;
	}
	if ((*modulep = strdup(m)) == NULL) {
		buf_free(*pinp);
		*pinp = NULL;
		return smerr_set(e, SMERR_NOMEM, "out of memory");
	}
	return 0;
}

/*
 * What the token made of a PIN: one it took clears its marks; a kept one
 * it refused is remembered, and the line says so. A kept one refused or
 * not offered is then asked on the terminal, where a command may.
 */
static int
tokens_said(void *arg, const char *uri, const struct buf *pin, int stored,
    int status, struct smerr *e)
{
	struct cli	*c = arg;
	char		 why[SMERR_MSGMAX], from[520];

	if (status == AGENT_OK) {
		pin_taken(c, uri, pin, stored);
		return 0;
	}
	if (!stored)
		return 0;
	if (status == AGENT_ERR_PIN) {
		pin_remember_refused(c, uri, pin);
		pin_source(c, from, sizeof(from));
		(void)snprintf(why, sizeof(why), "%s", smerr_msg(e));
		(void)smerr_reset(e, SMERR_PERM, "%s %s", why, from);
	}
	return pin_retype(c, e);
}

void
cli_tokens_begin(struct cli *c, int retype)
{
	struct agent_tokens	t;

	t.get = tokens_get;
	t.said = tokens_said;
	t.arg = c;
	agent_set_tokens(&t);
	pin_run.retype = retype;
}

void
cli_token_pin_refused(struct cli *c)
{
	c->pin_file = NULL;
	buf_free(pin_run.typed);	/* secret: wiped */
	pin_run.typed = NULL;
	pin_run.ask = 1;
}

void
cli_tokens_end(void)
{
	struct agent_tokens	t;

	memset(&t, 0, sizeof(t));
	agent_set_tokens(&t);
	buf_free(pin_run.typed);	/* secret: wiped */
	pin_run.typed = NULL;
	pin_run.ask = 0;
	pin_run.retype = 0;
}
