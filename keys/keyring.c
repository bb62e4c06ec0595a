/*
 * The store key, kept for a while in the kernel's key retention service
 * (keyrings(7)), so that a login session pays scrypt once rather than once
 * per process, and asks the Secret Service once rather than once per
 * process (a D-Bus connection, a session and three round trips each).
 *
 * The key is a "user" key linked into the session keyring (the user's
 * default session keyring where the login made none), readable only by a
 * possessor: a process of this login session (one that reaches that
 * keyring), not another session of the same user. It never
 * touches a file or swap; beside it lies an HMAC of the passphrase under
 * the key (of the empty string for a key from the Secret Service), so
 * that a process given a passphrase (a file, for scripts)
 * uses the kept key only when it is the same passphrase, and a wrong one
 * still fails. It expires after the configured number of
 * seconds without use (every use starts the count again) and is
 * invalidated when the store's keying changes. Its description names
 * the store by a digest of the store's path and of its store.kdf (salt and
 * parameters; a fixed word for a store keyed in the Secret Service), so a
 * stale key is never even looked up after a change of passphrase, and the
 * path does not show in /proc/keys.
 *
 * Where the kernel or a seccomp filter refuses keyrings, nothing is kept
 * and each process derives or fetches the key as before.
 */
#include <sys/syscall.h>

#include <linux/keyctl.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "base/text.h"
#include "keys/keys.h"

#define KEYRING_TYPE	"user"
#define KEYRING_PREFIX	"sealmail:store:"
#define KEYRING_DESC	(sizeof(KEYRING_PREFIX) + 32)
#define KEYRING_KDF_MAX	512
#define KEYRING_PAYLOAD	64	/* the key, then the passphrase's MAC */
/*
 * Possessor only: view, read, write, search, set its timeout (the bits of
 * keyctl_setperm(3); the kernel's headers leave them to libkeyutils).
 */
#define KEYRING_POS_VIEW	0x01000000U
#define KEYRING_POS_READ	0x02000000U
#define KEYRING_POS_WRITE	0x04000000U
#define KEYRING_POS_SEARCH	0x08000000U
#define KEYRING_POS_SETATTR	0x20000000U
#define KEYRING_PERM	(KEYRING_POS_VIEW | KEYRING_POS_READ | \
			    KEYRING_POS_WRITE | KEYRING_POS_SEARCH | \
			    KEYRING_POS_SETATTR)

/* What stands for store.kdf in the description of a Secret Service store. */
#define KEYRING_SECRET	"secret-service"

/* The description of the store whose real path is real, keyed by kdf. */
static int
keyring_name(const char *real, const void *kdf, size_t len,
    char desc[KEYRING_DESC])
{
	EVP_MD_CTX	*ctx;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	size_t		 at = sizeof(KEYRING_PREFIX) - 1;
	int		 r = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, real, strlen(real) + 1) != 1 ||
	    EVP_DigestUpdate(ctx, kdf, len) != 1 ||
	    EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen < 16)
		goto out;
	memcpy(desc, KEYRING_PREFIX, at);
	text_hex_encode(md, 16, desc + at);
	r = 0;
out:
	EVP_MD_CTX_free(ctx);
	return r;
}

/*
 * The description of the store in datadir: a digest of its real path and
 * of its store.kdf, or of KEYRING_SECRET when it has none (keyed in the
 * Secret Service). With secret set, always the latter. -1 when store.kdf
 * cannot be read.
 */
static int
keyring_desc(const char *datadir, int secret, char desc[KEYRING_DESC])
{
	char		path[PATH_MAX], *real = NULL;
	unsigned char	kdf[KEYRING_KDF_MAX];
	ssize_t		n = -1;
	int		fd, r = -1;

	if (snprintf(path, sizeof(path), "%s/store.kdf", datadir) >=
	    (int)sizeof(path) || (real = realpath(datadir, NULL)) == NULL)
		goto out;
	if (!secret && (fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		n = read(fd, kdf, sizeof(kdf));
		close(fd);
		if (n <= 0)
			goto out;
	} else if (!secret && errno != ENOENT)
		goto out;
	if (n > 0)
		r = keyring_name(real, kdf, (size_t)n, desc);
	else
		r = keyring_name(real, KEYRING_SECRET,
		    sizeof(KEYRING_SECRET) - 1, desc);
out:
	free(real);
	return r;
}

/* The id of the key described by desc in this process's keyrings, or -1. */
static long
keyring_find(const char *desc)
{
	return syscall(SYS_request_key, KEYRING_TYPE, desc, NULL, 0L);
}

/*
 * What proves a passphrase without scrypt: HMAC-SHA256 of the passphrase
 * under the key it derived. Whoever reads it already holds the key.
 */
static int
keyring_mac(const uint8_t key[32], const struct buf *pass, uint8_t mac[32])
{
	static const unsigned char	none[1];
	unsigned int			len = 0;

	if (HMAC(EVP_sha256(), key, 32, pass != NULL ? buf_data(pass) : none,
	    pass != NULL ? buf_len(pass) : 0, mac, &len) == NULL || len != 32)
		return -1;
	return 0;
}

int
keys_keyring_get(const char *datadir, long timeout, const struct buf *pass,
    uint8_t key[32])
{
	char		desc[KEYRING_DESC];
	uint8_t		got[KEYRING_PAYLOAD + 1], mac[32];
	long		id, n;
	int		r = -1;

	if (timeout <= 0 || keyring_desc(datadir, 0, desc) != 0 ||
	    (id = keyring_find(desc)) == -1)
		return -1;
	n = syscall(SYS_keyctl, KEYCTL_READ, id, got, sizeof(got));
	if (n != KEYRING_PAYLOAD)
		goto out;
	/* A passphrase given must be the one that made the key. */
	if (pass != NULL && (keyring_mac(got, pass, mac) != 0 ||
	    CRYPTO_memcmp(mac, got + 32, 32) != 0))
		goto out;
	memcpy(key, got, 32);
	/* Used: it stays as long again. */
	(void)syscall(SYS_keyctl, KEYCTL_SET_TIMEOUT, id,
	    (unsigned long)timeout);
	r = 0;
out:
	secmem_wipe(got, sizeof(got));
	secmem_wipe(mac, sizeof(mac));
	return r;
}

void
keys_keyring_put(const char *datadir, long timeout, const struct buf *pass,
    const uint8_t key[32])
{
	char	desc[KEYRING_DESC];
	uint8_t	payload[KEYRING_PAYLOAD];
	long	id, ring;

	if (timeout <= 0 || keyring_desc(datadir, 0, desc) != 0)
		return;
	memcpy(payload, key, 32);
	if (keyring_mac(key, pass, payload + 32) != 0)
		goto out;
	/*
	 * The keyring this process searches as its session's: a process
	 * outside any login session's keyring (no pam_keyinit) is given the
	 * user's default session keyring. Naming KEY_SPEC_SESSION_KEYRING
	 * to add_key would instead make a new one that dies with us.
	 */
	if ((ring = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID,
	    (long)KEY_SPEC_SESSION_KEYRING, 0L)) == -1)
		goto out;
	id = syscall(SYS_add_key, KEYRING_TYPE, desc, payload,
	    sizeof(payload), ring);
	if (id == -1)
		goto out;
	if (syscall(SYS_keyctl, KEYCTL_SETPERM, id, KEYRING_PERM) == -1 ||
	    syscall(SYS_keyctl, KEYCTL_SET_TIMEOUT, id,
	    (unsigned long)timeout) == -1)
		(void)syscall(SYS_keyctl, KEYCTL_INVALIDATE, id);
out:
	secmem_wipe(payload, sizeof(payload));
}

void
keys_keyring_forget(const char *datadir)
{
	char	desc[KEYRING_DESC];
	long	id;
	int	secret;

	/* As it is keyed now, and as it is when keyed in the Secret Service. */
	for (secret = 0; secret <= 1; secret++)
		if (keyring_desc(datadir, secret, desc) == 0 &&
		    (id = keyring_find(desc)) != -1)
			(void)syscall(SYS_keyctl, KEYCTL_INVALIDATE, id);
}
