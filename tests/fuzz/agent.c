/*
 * libFuzzer target for the key agent's requests (app/agent-serve.c), as
 * the agent serves them: with an RSA and an EC key loaded, every input
 * gets a reply of the fixed format, never more than AGENT_MAX_REP bytes,
 * and a load after the first other request is refused. Token requests
 * are read as well; their module must be an absolute path, which random
 * bytes do not name.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "crypto/crypto.h"
#include "app/agent.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct crypto_privkey	*keys[2];

/* A fresh key of each kind, as PKCS#8 DER, taken into the agent's form. */
static void
make_keys(void)
{
	EVP_PKEY		*pk;
	PKCS8_PRIV_KEY_INFO	*p8;
	unsigned char		*d;
	int			 i, n;

	for (i = 0; i < 2; i++) {
		pk = i == 0 ? EVP_RSA_gen(1024) : EVP_EC_gen("P-256");
		p8 = EVP_PKEY2PKCS8(pk);
		d = NULL;
		n = i2d_PKCS8_PRIV_KEY_INFO(p8, &d);
		assert(n > 0);
		assert(crypto_privkey_new(d, (size_t)n, &keys[i], NULL) == 0);
		OPENSSL_free(d);
		PKCS8_PRIV_KEY_INFO_free(p8);
		EVP_PKEY_free(pk);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct agent_keys	ak;
	uint8_t			rep[AGENT_MAX_REP];
	size_t			replen = 0, i;

	if (keys[0] == NULL)
		make_keys();
	memset(&ak, 0, sizeof(ak));
	/* The first two identities' fingerprints are all 0x00 and 0x01. */
	for (i = 0; i < 2; i++) {
		memset(ak.ids[i].fp, (int)i, 32);
		ak.ids[i].k = keys[i];
	}
	ak.n = 2;
	agent_serve(&ak, data, len, rep, &replen);
	assert(replen >= 3 && replen <= AGENT_MAX_REP);
	assert(rep[0] == AGENT_OK || rep[0] == AGENT_ERR);
	assert(replen == 3 + ((size_t)rep[1] << 8 | rep[2]));
	if (len > 0 && !AGENT_IS_LOAD(data[0])) {
		assert(ak.loaded);
		assert(ak.n == 2);
	}
	/* A load that opened would add a third; free only what it added. */
	for (i = 2; i < ak.n; i++) {
		crypto_privkey_free(ak.ids[i].k);
		crypto_token_close(ak.ids[i].tok);
	}
	return 0;
}
