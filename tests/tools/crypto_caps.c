/*
 * crypto_caps: the capability memory of a sealmail store, for the send
 * tests. PASSFILE opens a store keyed by a passphrase; a store keyed by
 * the Secret Service opens without it.
 *
 *   crypto_caps DATADIR PASSFILE remember MSG CERT.pem
 *	reads the SMIMECapabilities CERT's owner signed into MSG and
 *	remembers them; prints them, one name a line
 *   crypto_caps DATADIR PASSFILE recall CERT.pem
 *	prints what is remembered ("unknown" when nothing)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "crypto/protect.h"
#include "keys/keys.h"
#include "store/store.h"
#include "tests/tools/lib/tool.h"

int
main(int argc, char **argv)
{
	struct store	*st = NULL;
	struct keys	*k = NULL;
	struct buf	*pass = NULL, *msg = NULL;
	struct smerr	 e;
	uint8_t		 key[32], *der = NULL;
	size_t		 len = 0;
	unsigned	 caps = 0;
	int		 remember, rv = 1;

	smerr_clear(&e);
	if (argc < 5 || (strcmp(argv[3], "remember") == 0 ? argc != 6 :
	    (strcmp(argv[3], "recall") != 0 || argc != 5))) {
		fprintf(stderr, "usage: crypto_caps DATADIR PASSFILE "
		    "remember MSG CERT | recall CERT\n");
		return 2;
	}
	remember = strcmp(argv[3], "remember") == 0;
	if (tool_load(argv[2], 1, &pass, &e) != 0)
		goto out;
	if (buf_len(pass) > 0 && buf_data(pass)[buf_len(pass) - 1] == '\n')
		buf_truncate(pass, buf_len(pass) - 1);
	if ((der = tool_cert_der(argv[remember ? 5 : 4], &len)) == NULL) {
		smerr_set(&e, SMERR_IO, "no certificate in %s",
		    argv[remember ? 5 : 4]);
		goto out;
	}
	if (keys_store_key(argv[1], keys_store_uses_passphrase(argv[1]) ?
	    pass : NULL, key, &e) != 0 ||
	    store_open(argv[1], key, &st, &e) != 0 ||
	    keys_open(st, &k, &e) != 0)
		goto out;
	if (remember) {
		if (tool_load(argv[4], 0, &msg, &e) != 0 ||
		    protect_caps_from_message(buf_data(msg), buf_len(msg), der,
		    len, &caps, &e) != 0 ||
		    keys_caps_remember(k, der, len, caps, &e) != 0)
			goto out;
	} else if (keys_caps_recall(k, der, len, &caps, &e) != 0)
		goto out;
	tool_print_caps(caps);
	rv = 0;
out:
	if (rv != 0)
		fprintf(stderr, "crypto_caps: %s\n", smerr_msg(&e));
	secmem_wipe(key, sizeof(key));
	keys_close(k);
	store_close(st);
	buf_free(pass);
	buf_free(msg);
	free(der);
	return rv;
}
