/*
 * Keeping what a verified signed message teaches about its signer: the
 * certificate (for encrypting to them later) and the ciphers their
 * signature says they can read (SMIMECapabilities), so that mail to them
 * uses AES-GCM when they support it. The engine decided beforehand that
 * the signer is the sender and the chain is valid (harvest_addr).
 */
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "keys/keys.h"
#include "crypto/crypto.h"
#include "crypto/protect.h"
#include "app/app_int.h"

int
app_harvest(struct keys *k, const struct crypto_verdict *v,
    const uint8_t *raw, size_t len, int *replaced, struct smerr *e)
{
	const uint8_t	*msg = raw;
	unsigned	 caps, known = 0;
	int		 r;

	*replaced = 0;
	if (v == NULL || v->harvest_addr == NULL || v->signer_der == NULL)
		return 0;
	if ((r = keys_harvest(k, v->signer_der, v->signer_der_len,
	    v->harvest_addr, replaced, e)) != 0)
		return r;
	if (v->decrypted != NULL) {
		msg = buf_data(v->decrypted);
		len = buf_len(v->decrypted);
	}
	/*
	 * Capabilities are a preference: a message without them is fine.
	 * Once known for a certificate they are not read again, so that a
	 * batch of mail from one signer does not rewrite the store.
	 */
	if (keys_caps_recall(k, v->signer_der, v->signer_der_len, &known,
	    NULL) == 0 && known != 0)
		return 0;
	if (protect_caps_from_message(msg, len, v->signer_der,
	    v->signer_der_len, &caps, NULL) == 0 && caps != 0)
		(void)keys_caps_remember(k, v->signer_der,
		    v->signer_der_len, caps, NULL);
	return 0;
}
