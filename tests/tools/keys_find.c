/*
 * keys_find: the recipient lookup that send uses (keys_find_recipient),
 * on a sealmail home, with the store's key from the Secret Service or
 * else from the passphrase file.
 *
 *	keys_find [-r addr@port] [-a anchor] [-t seconds] [-n] HOME PASSFILE
 *	    ADDRESS
 *
 * -n: no DNS at all. Prints "source S" and "fingerprint F" (SHA-256 of
 * the DER) on success; otherwise "error: message" on stderr, exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "net/dns.h"
#include "store/store.h"
#include "keys/keys.h"
#include "tests/tools/lib/tool.h"

static int
read_pass(const char *path, struct buf **bp, struct smerr *e)
{
	FILE	*fp;
	char	 line[256];
	size_t	 n;

	if ((fp = fopen(path, "r")) == NULL)
		return smerr_set(e, SMERR_IO, "%s: cannot open", path);
	if (fgets(line, sizeof(line), fp) == NULL)
		line[0] = '\0';
	fclose(fp);
	n = strcspn(line, "\n");
	if ((*bp = buf_new_secret(0)) == NULL ||
	    buf_put(*bp, line, n) != 0)
		return smerr_nomem(e);
	secmem_wipe(line, sizeof(line));
	return 0;
}

int
main(int argc, char **argv)
{
	struct dns_config	 cfg;
	struct dns		*dns = NULL;
	struct store		*st = NULL;
	struct keys		*k = NULL;
	struct buf		*pass = NULL;
	struct smerr		 e;
	uint8_t			 key[STORE_KEY_LEN], *der = NULL;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;
	const char		*source = NULL;
	size_t			 len = 0;
	int			 ch, nodns = 0, rc = 1;

	memset(&cfg, 0, sizeof(cfg));
	smerr_clear(&e);
	while ((ch = getopt(argc, argv, "a:nr:t:")) != -1) {
		if (tool_dns_opt(ch, optarg, &cfg))
			continue;
		switch (ch) {
		case 'n':
			nodns = 1;
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 3)
		goto usage;
	/* As sealmail does: the Secret Service first, then the passphrase. */
	if (keys_store_key(argv[0], NULL, key, NULL) != 0) {
		if (read_pass(argv[1], &pass, &e) != 0 ||
		    keys_store_key(argv[0], pass, key, &e) != 0)
			goto fail;
	}
	if (store_open(argv[0], key, &st, &e) != 0 ||
	    keys_open(st, &k, &e) != 0 ||
	    (!nodns && dns_new(&cfg, &dns, &e) != 0))
		goto fail;
	if (keys_find_recipient(k, dns, argv[2], &der, &len, &source,
	    &e) != 0)
		goto fail;
	if (!EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL))
		goto fail;
	printf("source %s\nfingerprint ", source);
	for (i = 0; i < mdlen; i++)
		printf("%02x", md[i]);
	printf("\n");
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "error: %s\n", smerr_msg(&e));
out:
	secmem_wipe(key, sizeof(key));
	free(der);
	keys_close(k);
	store_close(st);
	dns_free(dns);
	buf_free(pass);
	return rc;
usage:
	fprintf(stderr, "usage: keys_find [-r addr@port] [-a anchor] "
	    "[-t seconds] [-n] HOME PASSFILE ADDRESS\n");
	return 2;
}
