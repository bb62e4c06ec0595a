/*
 * crypto_seal: builds a message the way sealmail sends it, for the
 * interoperability tests.
 *
 *   crypto_seal [options] IN OUT
 *	--sign CERT.pem KEY.pem	sign (KEY may be PKCS#8, RSA or EC PEM)
 *	--chain CA.pem		add an intermediate to the signature
 *	--pss			RSA-PSS instead of PKCS#1 v1.5
 *	--rcpt CERT.pem		encrypt to CERT (capabilities unknown)
 *	--rcpt-gcm CERT.pem	encrypt to CERT, known to read AES-256-GCM
 *	--self CERT.pem		the sender's certificate (default: --sign's)
 *	--cbc			AES-256-CBC whatever the capabilities
 *	--entity FILE		also write the canonical entity (what is signed)
 *	--hp			protect the header fields (RFC 9788), as send
 *				does: hp="clear", or hp="cipher" when encrypted
 *	--no-legacy		with --hp, no Legacy Display Element
 *	--count N		make N messages (fresh Message-IDs) into the
 *				directory OUT as 000001.eml ...; prints the rate
 *
 * IN is a message as a user writes it (mime_compose). OUT gets the whole
 * message. The signature's private-key step goes through a crypto_keyhook,
 * as sealmail's goes to its key agent (here the hook runs it in-process). The cipher used is printed on stdout ("none" when only signed).
 *
 *   crypto_seal --caps SIG.der [CERT.pem]
 *	prints the SMIMECapabilities of a DER SignedData, one name a line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "base/err.h"
#include "crypto/crypto.h"
#include "crypto/protect.h"
#include "mime/build.h"
#include "mime/hp.h"
#include "tests/tools/lib/tool.h"

#define MAXR	16

/* A PEM private key as PKCS#8 DER in a secret buffer. */
static struct buf *
key_p8(const char *path)
{
	FILE			*f;
	EVP_PKEY		*pk;
	PKCS8_PRIV_KEY_INFO	*p8 = NULL;
	unsigned char		*der = NULL;
	struct buf		*b = NULL;
	int			 n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (pk == NULL || (p8 = EVP_PKEY2PKCS8(pk)) == NULL ||
	    (n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der)) <= 0)
		goto out;
	if ((b = buf_new_secret(0)) != NULL && buf_put(b, der, (size_t)n) != 0) {
		buf_free(b);
		b = NULL;
	}
	OPENSSL_clear_free(der, (size_t)n);
out:
	PKCS8_PRIV_KEY_INFO_free(p8);
	EVP_PKEY_free(pk);
	return b;
}

/*
 * send's header protection: mo's entity becomes the payload (what is
 * signed or sealed), its outer fields those that go with it.
 */
static int
hp_apply(struct mime_out *mo, int hp, int cipher, int legacy,
    struct smerr *e)
{
	struct buf	*payload = NULL, *outer = NULL;

	if (!hp)
		return 0;
	if (mime_hp_protect(mo, cipher, legacy, &payload, &outer, e) != 0)
		return -1;
	buf_free(mo->entity);
	mo->entity = payload;
	if (outer != NULL) {
		buf_free(mo->headers);
		mo->headers = outer;
	}
	return 0;
}

static int
caps_mode(int argc, char **argv)
{
	struct smerr	 e;
	struct buf	*sig;
	uint8_t		*c = NULL;
	size_t		 clen = 0;
	unsigned	 caps;

	smerr_clear(&e);
	if (argc < 3 || (sig = tool_read(argv[2], 0)) == NULL) {
		fprintf(stderr, "crypto_seal: --caps SIG.der [CERT.pem]\n");
		return 2;
	}
	if (argc > 3 && (c = tool_cert_der(argv[3], &clen)) == NULL) {
		fprintf(stderr, "crypto_seal: %s: no certificate\n", argv[3]);
		return 1;
	}
	if (protect_caps_from_signed(buf_data(sig), buf_len(sig), c, clen,
	    &caps, &e) != 0) {
		fprintf(stderr, "crypto_seal: %s\n", smerr_msg(&e));
		return 1;
	}
	tool_print_caps(caps);
	buf_free(sig);
	free(c);
	return 0;
}

/* The signing key behind the hook, as the key agent holds it. */
static int
hook_call(void *arg, const uint8_t fp[32], const struct crypto_keyop *op,
    uint8_t *out, size_t *outlen, struct smerr *e)
{
	(void)fp;
	return crypto_privkey_run(arg, op, out, outlen, e);
}

struct args {
	struct protect_signer	 s;
	struct protect_rcpt	 rc[MAXR];
	struct protect_opts	 o;
	const uint8_t		*chain[MAXR];
	size_t			 chain_len[MAXR];
	uint8_t			*self, *scert;
	size_t			 self_len, scert_len;
	struct buf		*key;
	const char		*entity_out;
	long			 count;
	int			 sign, hp, legacy;
};

/* One certificate option's file into *derp; 0, or -1 said on stderr. */
static int
cert_opt(const char *path, uint8_t **derp, size_t *lenp)
{
	if ((*derp = tool_cert_der(path, lenp)) != NULL)
		return 0;
	fprintf(stderr, "crypto_seal: %s: no certificate\n", path);
	return -1;
}

/*
 * The options into ar; the index of the first operand, or the exit status
 * as a negative number.
 */
static int
args_parse(int argc, char **argv, struct args *ar)
{
	uint8_t	*der;
	int	 a;

	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		if (strcmp(argv[a], "--sign") == 0 && a + 2 < argc) {
			if (cert_opt(argv[a + 1], &ar->scert,
			    &ar->scert_len) != 0)
				return -1;
			if ((ar->key = key_p8(argv[a + 2])) == NULL) {
				fprintf(stderr, "crypto_seal: %s: no private "
				    "key\n", argv[a + 2]);
				return -1;
			}
			ar->sign = 1;
			a += 2;
		} else if (strcmp(argv[a], "--chain") == 0 && a + 1 < argc &&
		    ar->s.nchain < MAXR) {
			if (cert_opt(argv[++a], &der,
			    &ar->chain_len[ar->s.nchain]) != 0)
				return -1;
			ar->chain[ar->s.nchain++] = der;
		} else if (strcmp(argv[a], "--pss") == 0)
			ar->s.pss = 1;
		else if ((strcmp(argv[a], "--rcpt") == 0 ||
		    strcmp(argv[a], "--rcpt-gcm") == 0) && a + 1 < argc &&
		    ar->o.nrcpt < MAXR) {
			if (argv[a][6] == '-')
				ar->rc[ar->o.nrcpt].caps = PROTECT_CAP_KNOWN |
				    PROTECT_CAP_AES256_GCM;
			if (cert_opt(argv[++a], &der,
			    &ar->rc[ar->o.nrcpt].cert_len) != 0)
				return -1;
			ar->rc[ar->o.nrcpt++].cert = der;
		} else if (strcmp(argv[a], "--self") == 0 && a + 1 < argc) {
			if (cert_opt(argv[++a], &ar->self, &ar->self_len) != 0)
				return -1;
		} else if (strcmp(argv[a], "--cbc") == 0)
			ar->o.force_cbc = 1;
		else if (strcmp(argv[a], "--entity") == 0 && a + 1 < argc)
			ar->entity_out = argv[++a];
		else if (strcmp(argv[a], "--hp") == 0)
			ar->hp = 1;
		else if (strcmp(argv[a], "--no-legacy") == 0)
			ar->legacy = 0;
		else if (strcmp(argv[a], "--count") == 0 && a + 1 < argc)
			ar->count = strtol(argv[++a], NULL, 10);
		else {
			fprintf(stderr, "crypto_seal: bad option %s\n",
			    argv[a]);
			return -2;
		}
	}
	return a;
}

/* IN composed and sealed as send does, the whole message into *msgp. */
static int
seal(const struct args *ar, const struct buf *in, struct buf **msgp,
    const char **cipherp, struct smerr *e)
{
	struct mime_out	*mo = NULL;
	struct buf	*ent = NULL;
	int		 r = -1;

	*msgp = NULL;
	if (mime_compose(buf_data(in), buf_len(in), NULL, NULL, &mo, e) != 0 ||
	    hp_apply(mo, ar->hp, ar->o.nrcpt > 0, ar->legacy, e) != 0)
		goto out;
	if (ar->entity_out != NULL &&
	    tool_write(ar->entity_out, mo->entity) != 0) {
		smerr_set(e, SMERR_IO, "cannot write %s", ar->entity_out);
		goto out;
	}
	if (ar->o.signer == NULL && ar->o.nrcpt == 0)
		r = mime_join(mo->headers, mo->entity, msgp, e);
	else if ((r = protect_entity(&ar->o, mo->entity, &ent, cipherp,
	    e)) == 0)
		r = mime_join(mo->headers, ent, msgp, e);
out:
	mime_out_free(mo);
	buf_free(ent);
	return r;
}

/* --count: ar->count messages into dir, and the rate. */
static int
seal_many(const struct args *ar, const struct buf *in, const char *dir,
    struct smerr *e)
{
	struct buf	*msg;
	const char	*cipher = NULL;
	char		 path[4096];
	double		 t0, secs;
	long		 k;
	int		 r;

	t0 = tool_now_ms();
	for (k = 1; k <= ar->count; k++) {
		if (seal(ar, in, &msg, &cipher, e) != 0)
			return -1;
		snprintf(path, sizeof(path), "%s/%06ld.eml", dir, k);
		r = tool_write(path, msg);
		buf_free(msg);
		if (r != 0)
			return smerr_set(e, SMERR_IO, "cannot write %s", path);
	}
	secs = (tool_now_ms() - t0) / 1e3;
	printf("%s: %ld messages in %.3f s, %.0f per second\n",
	    cipher != NULL ? cipher : "none", ar->count, secs,
	    secs > 0 ? (double)ar->count / secs : 0.0);
	return 0;
}

int
main(int argc, char **argv)
{
	struct crypto_keyhook	 hook = { hook_call, NULL };
	struct crypto_privkey	*pk = NULL;
	struct args		 ar;
	struct buf		*in = NULL, *msg = NULL;
	struct smerr		 e;
	const char		*cipher = NULL;
	size_t			 i;
	int			 a, rv = 1;

	smerr_clear(&e);
	memset(&ar, 0, sizeof(ar));
	ar.legacy = 1;
	if (argc > 1 && strcmp(argv[1], "--caps") == 0)
		return caps_mode(argc, argv);
	if ((a = args_parse(argc, argv, &ar)) < 0) {
		rv = -a;
		goto done;
	}
	if (argc - a != 2) {
		fprintf(stderr, "usage: crypto_seal [options] IN OUT\n");
		rv = 2;
		goto done;
	}
	if (tool_load(argv[a], 0, &in, &e) != 0)
		goto out;
	ar.s.cert = ar.scert;
	ar.s.cert_len = ar.scert_len;
	if (ar.sign && crypto_privkey_new(buf_data(ar.key), buf_len(ar.key),
	    &pk, &e) != 0)
		goto out;
	hook.arg = pk;
	ar.s.hook = ar.sign ? &hook : NULL;
	ar.s.chain = ar.chain;
	ar.s.chain_len = ar.chain_len;
	ar.o.signer = ar.sign ? &ar.s : NULL;
	ar.o.rcpt = ar.rc;
	ar.o.self = ar.self;
	ar.o.self_len = ar.self_len;
	if (ar.count > 0) {
		if (seal_many(&ar, in, argv[a + 1], &e) == 0)
			rv = 0;
		goto out;
	}
	if (seal(&ar, in, &msg, &cipher, &e) != 0)
		goto out;
	if (tool_write(argv[a + 1], msg) != 0) {
		smerr_set(&e, SMERR_IO, "cannot write %s", argv[a + 1]);
		goto out;
	}
	printf("%s\n", cipher != NULL ? cipher : "none");
	rv = 0;
out:
	if (rv != 0)
		fprintf(stderr, "crypto_seal: %s\n", smerr_msg(&e));
done:
	buf_free(in);
	buf_free(msg);
	buf_free(ar.key);
	crypto_privkey_free(pk);
	free(ar.scert);
	free(ar.self);
	for (i = 0; i < ar.s.nchain; i++)
		free((void *)ar.chain[i]);
	for (i = 0; i < ar.o.nrcpt; i++)
		free((void *)ar.rc[i].cert);
	return rv;
}
