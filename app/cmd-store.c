/*
 * sealmail store check | passphrase | keyring: the store itself.
 * check runs SQLite's integrity check; passphrase re-keys the store under
 * a new passphrase (asked on the terminal, or --new-passphrase-file F);
 * keyring moves it to a random key kept in the Secret Service. The new
 * way of keying is made the current one only after the re-key succeeded.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "store/store.h"
#include "keys/keys.h"
#include "app/app_int.h"

static int
store_rekey_to(struct cli *c, struct store *st, const struct buf *pass)
{
	uint8_t	key[STORE_KEY_LEN];
	int	r;

	if ((r = keys_store_key_new(c->datadir, pass, key, &c->err)) != 0)
		return r;
	r = store_rekey(st, key, &c->err);
	secmem_wipe(key, sizeof(key));
	if (r != 0)
		return r;
	return keys_store_key_commit(c->datadir, pass != NULL, &c->err);
}

static int
cmd_store(struct cli *c, int argc, char **argv)
{
	struct cli_args			 args;
	struct store			*st = NULL;
	struct buf			*pass = NULL;
	const char			*newfile;
	int				 r = 1;

	/* The subcommand first, its option after it. */
	if (argc < 2 ||
	    cli_args_parse(&cmd_store_entry, argc - 1, argv + 1, &args) != 0 ||
	    args.argc != 0)
		return cli_usage(c);
	if ((newfile = cli_opt_get(&args, "new-passphrase-file")) != NULL &&
	    strcmp(argv[1], "passphrase") != 0)
		return cli_usage(c);
	if (strcmp(argv[1], "check") != 0 &&
	    strcmp(argv[1], "passphrase") != 0 &&
	    strcmp(argv[1], "keyring") != 0)
		return cli_usage(c);
	if (cli_open_store(c, &st) != 0)
		goto out;
	if (strcmp(argv[1], "check") == 0) {
		if (store_check(st, &c->err) != 0)
			goto out;
		printf("ok\n");
	} else if (strcmp(argv[1], "passphrase") == 0) {
		if (newfile != NULL)
			r = cli_read_passfile(newfile, &pass, &c->err);
		else if (!isatty(STDIN_FILENO))
			r = smerr_set(&c->err, SMERR_SECRET, "no terminal to "
			    "ask for the new passphrase: give "
			    "--new-passphrase-file F");
		else
			r = cli_ask_secret("New passphrase for the sealmail "
			    "store: ", 1, &pass, &c->err);
		if (r != 0 || (r = store_rekey_to(c, st, pass)) != 0)
			goto out;
		printf("the store is now keyed by the new passphrase\n");
	} else {
		if ((r = store_rekey_to(c, st, NULL)) != 0)
			goto out;
		printf("the store's key is now kept in the Secret Service\n");
	}
	r = 0;
out:
	buf_free(pass);
	store_close(st);
	return r == 0 ? 0 : cli_fail(c);
}

const struct cli_cmd cmd_store_entry = {
	"store", cmd_store, "store check|keyring|passphrase "
	    "[--new-passphrase-file F]",
	"check the store, or change how its key is kept",
	"new-passphrase-file=", 0
};
