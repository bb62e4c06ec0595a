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
	struct json_w	w;
	size_t		i;

	json_begin(&w, out);
	json_obj(&w, NULL);
	json_kstr(&w, "from", v->from);
	json_kstr(&w, "subject", v->subject);
	json_kstrv(&w, "to", v->to, v->nto);
	json_kstrv(&w, "cc", v->cc, v->ncc);
	json_ktime(&w, "date", v->date);
	json_kstr(&w, "header_protection",
	    crypto_hp_str(v->header_protection));
	json_kbool(&w, "header_signed", v->header_signed);
	json_kstr(&w, "signature", crypto_sig_str(v->signature));
	json_kstr(&w, "signer", v->signer);
	json_kstrv(&w, "signers", v->signers, v->nsigners);
	json_kstr(&w, "trust", crypto_trust_str(v->trust));
	json_kstr(&w, "revocation", crypto_rev_str(v->revocation));
	json_kstr(&w, "encryption", crypto_enc_str(v->encryption));
	json_kstr(&w, "cipher", v->cipher);
	json_kstr(&w, "text", v->text);
	json_kstrv(&w, "findings", v->findings, v->nfindings);
	json_arr(&w, "coverage");
	for (i = 0; i < v->nspans; i++) {
		json_obj(&w, NULL);
		json_kint(&w, "line", (long long)v->spans[i].line);
		json_kbool(&w, "signed",
		    v->spans[i].flags & CRYPTO_SPAN_SIGNED);
		json_kbool(&w, "envelope",
		    v->spans[i].flags & CRYPTO_SPAN_ENVELOPE);
		json_kbool(&w, "flowed",
		    v->spans[i].flags & CRYPTO_SPAN_FLOWED);
		json_kbool(&w, "delsp", v->spans[i].flags & CRYPTO_SPAN_DELSP);
		json_end(&w);
	}
	json_end(&w);
	json_end(&w);
	return json_done(&w) != 0 ? SMERR_NOMEM : 0;
}
