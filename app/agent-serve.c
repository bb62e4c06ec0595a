/*
 * The key agent's requests: a bounded reader of the fixed format in
 * app/agent.h, and what each request does. No system calls here, so that
 * the parser can be fuzzed as it runs in the agent (tests/fuzz/agent.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "crypto/crypto.h"
#include "keys/keys.h"
#include "app/agent.h"

/* A cursor over one request; every read checks what is left. */
struct rd {
	const uint8_t	*p;
	size_t		 left;
	int		 bad;
};

static const uint8_t *
rd_bytes(struct rd *r, size_t n)
{
	const uint8_t	*p = r->p;

	if (r->bad || n > r->left) {
		r->bad = 1;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return p;
}

static unsigned
rd_u8(struct rd *r)
{
	const uint8_t	*p = rd_bytes(r, 1);

	return p != NULL ? p[0] : 0;
}

static unsigned
rd_u16(struct rd *r)
{
	const uint8_t	*p = rd_bytes(r, 2);

	return p != NULL ? (unsigned)p[0] << 8 | p[1] : 0;
}

static void
reply(uint8_t *rep, size_t *replen, int status, const void *data,
    size_t len)
{
	if (len > AGENT_MAX_REP - 3)
		len = AGENT_MAX_REP - 3;
	rep[0] = (uint8_t)status;
	rep[1] = (uint8_t)(len >> 8);
	rep[2] = (uint8_t)len;
	if (len > 0)
		memcpy(rep + 3, data, len);
	*replen = 3 + len;
}

static void
reply_err(uint8_t *rep, size_t *replen, const char *why)
{
	reply(rep, replen, AGENT_ERR, why, strlen(why));
}

static struct crypto_privkey *
find(struct agent_keys *ak, const uint8_t *fp)
{
	size_t	i;

	for (i = 0; i < ak->n; i++)
		if (memcmp(ak->ids[i].fp, fp, 32) == 0)
			return ak->ids[i].k;
	return NULL;
}

static void
serve_load(struct agent_keys *ak, struct rd *r, uint8_t *rep,
    size_t *replen)
{
	const uint8_t	*fp, *seal, *blob;
	struct buf	*plain = NULL;
	struct crypto_privkey *k = NULL;
	unsigned	 len;

	fp = rd_bytes(r, 32);
	seal = rd_bytes(r, KEYS_SEAL_KEYLEN);
	len = rd_u16(r);
	blob = rd_bytes(r, len);
	if (r->bad || r->left != 0 || len > AGENT_MAX_BLOB) {
		reply_err(rep, replen, "a malformed request");
		return;
	}
	if (ak->loaded) {
		reply_err(rep, replen, "keys are loaded only at the start");
		return;
	}
	if (find(ak, fp) != NULL) {
		reply(rep, replen, AGENT_OK, NULL, 0);
		return;
	}
	if (ak->n >= AGENT_MAX_IDS) {
		reply_err(rep, replen, "too many identities");
		return;
	}
	if (keys_unseal(seal, fp, blob, len, &plain, NULL) != 0 ||
	    crypto_privkey_new(buf_data(plain), buf_len(plain), &k,
	    NULL) != 0) {
		buf_free(plain);
		reply_err(rep, replen, "the key does not open");
		return;
	}
	buf_free(plain);		/* secret: wiped */
	memcpy(ak->ids[ak->n].fp, fp, 32);
	ak->ids[ak->n].k = k;
	ak->n++;
	reply(rep, replen, AGENT_OK, NULL, 0);
}

/* The module, URI and PIN of a token request, NUL-terminated copies. */
struct tokreq {
	char	module[AGENT_MAX_PATH + 1];
	char	uri[AGENT_MAX_PATH + 1];
	uint8_t	pin[AGENT_MAX_PIN];
	size_t	pinlen;
	int	stored;		/* kept, not typed: no last try */
};

static int
rd_text(struct rd *r, char *out, size_t max)
{
	const uint8_t	*p;
	unsigned	 len;

	len = rd_u16(r);
	if ((p = rd_bytes(r, len)) == NULL || len == 0 || len > max ||
	    memchr(p, '\0', len) != NULL)
		return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

static int
rd_token(struct rd *r, struct tokreq *t)
{
	const uint8_t	*p;

	t->stored = rd_u8(r) != 0;
	if (rd_text(r, t->module, AGENT_MAX_PATH) != 0 ||
	    t->module[0] != '/' || rd_text(r, t->uri, AGENT_MAX_PATH) != 0)
		return -1;
	t->pinlen = rd_u16(r);
	if ((p = rd_bytes(r, t->pinlen)) == NULL ||
	    t->pinlen > AGENT_MAX_PIN || r->left != 0)
		return -1;
	memcpy(t->pin, p, t->pinlen);
	return 0;
}

/*
 * The error's one line as the reply; a refused PIN, or a stored one not
 * tried (SMERR_UNTRIED, which only that case gives), says so in status.
 * Any other error, a limit among them, is only its line.
 */
static void
reply_smerr(uint8_t *rep, size_t *replen, const struct smerr *e)
{
	const char	*why = smerr_msg(e);
	int		 status = AGENT_ERR;

	if (e->code == SMERR_AUTH)
		status = AGENT_ERR_PIN;
	else if (e->code == SMERR_UNTRIED)
		status = AGENT_ERR_UNTRIED;
	reply(rep, replen, status, why, strlen(why));
}

static void
serve_token(struct agent_keys *ak, int op, struct rd *r, uint8_t *rep,
    size_t *replen)
{
	struct tokreq		 t;
	struct crypto_token	*tok = NULL;
	struct crypto_privkey	*k = NULL;
	struct smerr		 e;
	const uint8_t		*fp = NULL;
	uint8_t			*der = NULL;
	size_t			 len = 0;

	smerr_clear(&e);
	if (op == AGENT_TOKEN_KEY)
		fp = rd_bytes(r, 32);
	if (rd_token(r, &t) != 0 || r->bad) {
		reply_err(rep, replen, "a malformed request");
		goto out;
	}
	if (ak->loaded) {
		reply_err(rep, replen, "keys are loaded only at the start");
		goto out;
	}
	if (fp != NULL && find(ak, fp) != NULL) {
		reply(rep, replen, AGENT_OK, NULL, 0);
		goto out;
	}
	if (fp != NULL && ak->n >= AGENT_MAX_IDS) {
		reply_err(rep, replen, "too many identities");
		goto out;
	}
	if (crypto_token_open(t.module, t.uri, t.pin, t.pinlen, t.stored,
	    &tok, &e) != 0) {
		reply_smerr(rep, replen, &e);
		goto out;
	}
	if (fp == NULL) {
		if (crypto_token_cert(tok, t.uri, &der, &len, &e) != 0)
			reply_smerr(rep, replen, &e);
		else if (len > AGENT_MAX_CERT)
			reply_err(rep, replen, "the token's certificate is too "
			    "large");
		else
			reply(rep, replen, AGENT_OK, der, len);
		goto out;
	}
	if (crypto_privkey_token(tok, t.uri, &k, &e) != 0) {
		reply_smerr(rep, replen, &e);
		goto out;
	}
	memcpy(ak->ids[ak->n].fp, fp, 32);
	ak->ids[ak->n].k = k;
	ak->ids[ak->n].tok = tok;
	ak->n++;
	tok = NULL;
	reply(rep, replen, AGENT_OK, NULL, 0);
out:
	crypto_token_close(tok);
	free(der);
	secmem_wipe(&t, sizeof(t));
}

/*
 * A key operation with k failed: when its token is gone (taken out, its
 * session lost), a reply that says so; else the operation's own failure.
 */
static void
keyop_failed(const struct crypto_privkey *k, uint8_t *rep, size_t *replen)
{
	const char	*label;
	char		 why[128];

	if (!crypto_privkey_gone(k, &label)) {
		reply_err(rep, replen, "the key operation failed");
		return;
	}
	(void)snprintf(why, sizeof(why), "the token \"%s\" is gone (taken "
	    "out?); nothing more was decrypted or signed with it", label);
	reply(rep, replen, AGENT_ERR_GONE, why, strlen(why));
}

static void
serve_keyop(struct agent_keys *ak, int op, struct rd *r, uint8_t *rep,
    size_t *replen)
{
	struct crypto_keyop	 ko;
	struct crypto_privkey	*k;
	const uint8_t		*fp;
	uint8_t			 out[AGENT_MAX_REP - 3];
	size_t			 n = sizeof(out);
	unsigned		 salt;

	memset(&ko, 0, sizeof(ko));
	ko.op = op == AGENT_SIGN ? CRYPTO_KEYOP_SIGN : op == AGENT_DECRYPT ?
	    CRYPTO_KEYOP_DECRYPT : CRYPTO_KEYOP_DERIVE;
	fp = rd_bytes(r, 32);
	ko.pad = (int)rd_u8(r);
	ko.md = (int)rd_u8(r);
	ko.mgf1 = (int)rd_u8(r);
	salt = rd_u16(r);
	ko.saltlen = salt >= 0x8000 ? (int)salt - 0x10000 : (int)salt;
	ko.labellen = rd_u16(r);
	ko.label = rd_bytes(r, ko.labellen);
	ko.inlen = rd_u16(r);
	ko.in = rd_bytes(r, ko.inlen);
	if (r->bad || r->left != 0 || ko.labellen > CRYPTO_KEYOP_MAXLABEL ||
	    ko.inlen == 0 || ko.inlen > CRYPTO_KEYOP_MAXIN) {
		reply_err(rep, replen, "a malformed request");
		return;
	}
	if (ko.labellen == 0)
		ko.label = NULL;
	if ((k = find(ak, fp)) == NULL) {
		reply_err(rep, replen, "no such identity");
		return;
	}
	if (crypto_privkey_run(k, &ko, out, &n, NULL) != 0) {
		keyop_failed(k, rep, replen);
		return;
	}
	reply(rep, replen, AGENT_OK, out, n);
	secmem_wipe(out, sizeof(out));
}

void
agent_serve(struct agent_keys *ak, const uint8_t *req, size_t len,
    uint8_t *rep, size_t *replen)
{
	struct rd	r;
	uint8_t		fps[AGENT_MAX_IDS * 32];
	size_t		i;
	unsigned	op;

	r.p = req;
	r.left = len;
	r.bad = 0;
	if (len > AGENT_MAX_REQ) {
		reply_err(rep, replen, "a request too large");
		return;
	}
	op = rd_u8(&r);
	if (!AGENT_IS_LOAD(op))
		ak->loaded = 1;
	switch (op) {
	case AGENT_LOAD:
		serve_load(ak, &r, rep, replen);
		break;
	case AGENT_TOKEN_KEY:
	case AGENT_TOKEN_CERT:
		serve_token(ak, (int)op, &r, rep, replen);
		break;
	case AGENT_LIST:
		if (r.bad || r.left != 0) {
			reply_err(rep, replen, "a malformed request");
			break;
		}
		for (i = 0; i < ak->n; i++)
			memcpy(fps + 32 * i, ak->ids[i].fp, 32);
		reply(rep, replen, AGENT_OK, fps, 32 * ak->n);
		break;
	case AGENT_SIGN:
	case AGENT_DECRYPT:
	case AGENT_DERIVE:
		serve_keyop(ak, (int)op, &r, rep, replen);
		break;
	default:
		reply_err(rep, replen, "an unknown request");
		break;
	}
}

void
agent_keys_clear(struct agent_keys *ak)
{
	size_t	i;

	for (i = 0; i < ak->n; i++) {
		crypto_privkey_free(ak->ids[i].k);
		crypto_token_close(ak->ids[i].tok);
	}
	memset(ak, 0, sizeof(*ak));
}

static uint8_t *
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

size_t
agent_encode_keyop(const uint8_t fp[32], const struct crypto_keyop *op,
    uint8_t *req, size_t max)
{
	uint8_t	*p = req;

	if (op->labellen > CRYPTO_KEYOP_MAXLABEL ||
	    op->inlen > CRYPTO_KEYOP_MAXIN || op->saltlen < -0x8000 ||
	    op->saltlen > 0x7fff ||
	    max < 1 + 32 + 3 + 2 + 2 + op->labellen + 2 + op->inlen)
		return 0;
	*p++ = op->op == CRYPTO_KEYOP_SIGN ? AGENT_SIGN :
	    op->op == CRYPTO_KEYOP_DECRYPT ? AGENT_DECRYPT : AGENT_DERIVE;
	memcpy(p, fp, 32);
	p += 32;
	*p++ = (uint8_t)op->pad;
	*p++ = (uint8_t)op->md;
	*p++ = (uint8_t)op->mgf1;
	p = put16(p, (unsigned)op->saltlen & 0xffff);
	p = put16(p, (unsigned)op->labellen);
	if (op->labellen > 0)
		memcpy(p, op->label, op->labellen);
	p += op->labellen;
	p = put16(p, (unsigned)op->inlen);
	memcpy(p, op->in, op->inlen);
	p += op->inlen;
	return (size_t)(p - req);
}
