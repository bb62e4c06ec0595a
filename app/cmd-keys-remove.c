/*
 * sealmail keys remove FINGERPRINT [--with-key]: takes a certificate out
 * of the key store: a correspondent's, a trust anchor (which then vouches
 * for no signer), or an identity retired after its renewal. An identity
 * whose private key is sealed in the store is removed only with
 * --with-key, as its key is then gone for good: mail already stored
 * stays readable (it was decrypted before it was stored), mail encrypted
 * to it and not yet stored would not open. A key on a token stays there.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/text.h"
#include "store/store.h"
#include "keys/keys.h"
#include "app/app_int.h"

#define REMOVE_MAX	8	/* rows of one fingerprint (one per kind) */

/* The rows of the key store that hold one certificate. */
struct removal {
	struct keys	*k;
	char		 fp[65];
	int64_t		 id[REMOVE_MAX];
	int		 kind[REMOVE_MAX];
	char		*who[REMOVE_MAX];
	int		 sealed;	/* an identity, its key in the store */
	size_t		 n;
};

static int
find_cb(const struct keys_cert *kc, void *arg)
{
	struct removal		*rm = arg;
	struct keys_certinfo	 ci;
	char			*uri = NULL;

	if (strcmp(kc->fingerprint, rm->fp) != 0 || rm->n >= REMOVE_MAX)
		return 0;
	memset(&ci, 0, sizeof(ci));
	if (kc->emails == NULL || *kc->emails == '\0')
		(void)keys_cert_info(kc->der, kc->der_len, &ci, NULL);
	rm->who[rm->n] = text_sanitize_str(ci.subject != NULL ? ci.subject :
	    kc->emails, 0);
	keys_certinfo_clear(&ci);
	if (kc->kind == KEYS_IDENTITY) {
		(void)keys_identity_token(rm->k, kc->id, &uri, NULL);
		if (uri == NULL)
			rm->sealed = 1;
		free(uri);
	}
	rm->id[rm->n] = kc->id;
	rm->kind[rm->n++] = kc->kind;
	return 0;
}

static const char *
kind_word(int kind)
{
	return kind == KEYS_IDENTITY ? "identity" : kind == KEYS_PEER ?
	    "peer" : "anchor";
}

/* A SHA-256 fingerprint as keys list prints it, lowercased into fp. */
static int
fingerprint_arg(const char *arg, char fp[65])
{
	size_t	i;

	if (strlen(arg) != 64)
		return -1;
	for (i = 0; i < 64; i++) {
		if (!isxdigit((unsigned char)arg[i]))
			return -1;
		fp[i] = (char)tolower((unsigned char)arg[i]);
	}
	fp[64] = '\0';
	return 0;
}

int
cmd_keys_remove(struct cli *c, int argc, char **argv)
{
	struct cli_args	 args;
	struct store	*st = NULL;
	struct keys	*k = NULL;
	struct removal	 rm;
	size_t		 i;
	int		 r = 1;

	memset(&rm, 0, sizeof(rm));
	if (cli_args_parse(&cmd_keys_remove_entry, argc, argv, &args) != 0 ||
	    args.argc != 1)
		return cli_usage(c);
	if (fingerprint_arg(args.argv[0], rm.fp) != 0) {
		smerr_set(&c->err, SMERR_INVAL, "%.80s: not a SHA-256 "
		    "fingerprint (64 hex digits, as keys list prints it)",
		    args.argv[0]);
		goto out;
	}
	if (cli_open_keys(c, &st, &k) != 0)
		goto out;
	rm.k = k;
	if (keys_foreach(k, KEYS_IDENTITY | KEYS_PEER | KEYS_ANCHOR, find_cb,
	    &rm, &c->err) != 0)
		goto out;
	if (rm.n == 0) {
		smerr_set(&c->err, SMERR_NOTFOUND, "no certificate %s in the "
		    "key store", rm.fp);
		goto out;
	}
	if (rm.sealed && !cli_opt_has(&args, "with-key")) {
		smerr_set(&c->err, SMERR_INVAL, "%s is your identity %s: its "
		    "private key would be gone for good (stored mail stays "
		    "readable; mail encrypted to it and not yet synced would "
		    "not open); give --with-key to remove it", rm.fp,
		    rm.who[0] != NULL ? rm.who[0] : "");
		goto out;
	}
	for (i = 0; i < rm.n; i++) {
		if (keys_remove(k, rm.id[i], &c->err) != 0)
			goto out;
		printf("removed %s %s\n  SHA-256 %s\n", kind_word(rm.kind[i]),
		    rm.who[i] != NULL && *rm.who[i] != '\0' ? rm.who[i] :
		    "(no address)", rm.fp);
	}
	r = 0;
out:
	for (i = 0; i < rm.n; i++)
		free(rm.who[i]);
	keys_close(k);
	store_close(st);
	return r == 0 ? 0 : cli_fail(c);
}

const struct cli_cmd cmd_keys_remove_entry = {
	"keys", cmd_keys, "keys remove FINGERPRINT [--with-key]",
	"take a certificate, anchor or retired identity out of the key store",
	"with-key", 0
};
