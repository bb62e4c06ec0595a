/*
 * The verdict's JSON form: the object inspect --json prints and the store
 * keeps beside each message, written from the struct crypto/ hands up.
 */
#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "crypto/crypto.h"
#include "app/app.h"

int
app_verdict_json(const struct crypto_verdict *v, struct buf *out)
{
	size_t	i;
	int	r = 0;

	r |= buf_putc(out, '{');
	r |= json_key(out, "from", 1);
	r |= json_str(out, v->from);
	r |= json_key(out, "subject", 0);
	r |= json_str(out, v->subject);
	r |= json_key(out, "to", 0);
	r |= json_strv(out, v->to, v->nto);
	r |= json_key(out, "cc", 0);
	r |= json_strv(out, v->cc, v->ncc);
	r |= json_key(out, "date", 0);
	r |= json_time(out, v->date);
	r |= json_key(out, "header_protection", 0);
	r |= json_str(out, crypto_hp_str(v->header_protection));
	r |= json_key(out, "signature", 0);
	r |= json_str(out, crypto_sig_str(v->signature));
	r |= json_key(out, "signer", 0);
	r |= json_str(out, v->signer);
	r |= json_key(out, "signers", 0);
	r |= json_strv(out, v->signers, v->nsigners);
	r |= json_key(out, "trust", 0);
	r |= json_str(out, crypto_trust_str(v->trust));
	r |= json_key(out, "revocation", 0);
	r |= json_str(out, crypto_rev_str(v->revocation));
	r |= json_key(out, "encryption", 0);
	r |= json_str(out, crypto_enc_str(v->encryption));
	r |= json_key(out, "cipher", 0);
	r |= json_str(out, v->cipher);
	r |= json_key(out, "text", 0);
	r |= json_str(out, v->text);
	r |= json_key(out, "findings", 0);
	r |= json_strv(out, v->findings, v->nfindings);
	r |= json_key(out, "coverage", 0);
	r |= buf_putc(out, '[');
	for (i = 0; i < v->nspans; i++)
		r |= buf_printf(out, "%s{\"line\":%zu,\"signed\":%s,"
		    "\"envelope\":%s}", i > 0 ? "," : "", v->spans[i].line,
		    (v->spans[i].flags & CRYPTO_SPAN_SIGNED) ? "true" :
		    "false", (v->spans[i].flags & CRYPTO_SPAN_ENVELOPE) ?
		    "true" : "false");
	r |= buf_putc(out, ']');
	r |= buf_putc(out, '}');
	return r != 0 ? SMERR_NOMEM : 0;
}
