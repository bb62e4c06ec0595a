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
 * message. The cipher used is printed on stdout ("none" when only signed).
 *
 *   crypto_seal --caps SIG.der [CERT.pem]
 *	prints the SMIMECapabilities of a DER SignedData, one name a line.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/buf.h"
#include "base/err.h"
#include "crypto/protect.h"
#include "mime/build.h"
#include "mime/hp.h"

#define MAXR	16

static struct buf *
slurp(const char *path)
{
	struct buf	*b;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	if ((b = buf_new(0)) != NULL && buf_read_fd(b, fd) != 0) {
		buf_free(b);
		b = NULL;
	}
	close(fd);
	return b;
}

static int
spill(const char *path, const struct buf *b)
{
	FILE	*f;
	int	 ok;

	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	ok = fwrite(buf_data(b), 1, buf_len(b), f) == buf_len(b);
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* A PEM certificate as DER (malloc'd). */
static uint8_t *
cert_der(const char *path, size_t *lenp)
{
	FILE		*f;
	X509		*x;
	unsigned char	*der = NULL, *p;
	int		 n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL || (n = i2d_X509(x, NULL)) <= 0 ||
	    (der = malloc((size_t)n)) == NULL) {
		X509_free(x);
		return NULL;
	}
	p = der;
	i2d_X509(x, &p);
	X509_free(x);
	*lenp = (size_t)n;
	return der;
}

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
	if (argc < 3 || (sig = slurp(argv[2])) == NULL) {
		fprintf(stderr, "crypto_seal: --caps SIG.der [CERT.pem]\n");
		return 2;
	}
	if (argc > 3 && (c = cert_der(argv[3], &clen)) == NULL) {
		fprintf(stderr, "crypto_seal: %s: no certificate\n", argv[3]);
		return 1;
	}
	if (protect_caps_from_signed(buf_data(sig), buf_len(sig), c, clen,
	    &caps, &e) != 0) {
		fprintf(stderr, "crypto_seal: %s\n", smerr_msg(&e));
		return 1;
	}
	if (caps & PROTECT_CAP_KNOWN)
		printf("known\n");
	if (caps & PROTECT_CAP_AES256_GCM)
		printf("aes-256-gcm\n");
	if (caps & PROTECT_CAP_AES128_GCM)
		printf("aes-128-gcm\n");
	if (caps & PROTECT_CAP_AES256_CBC)
		printf("aes-256-cbc\n");
	if (caps & PROTECT_CAP_AES192_CBC)
		printf("aes-192-cbc\n");
	if (caps & PROTECT_CAP_AES128_CBC)
		printf("aes-128-cbc\n");
	buf_free(sig);
	free(c);
	return 0;
}

int
main(int argc, char **argv)
{
	struct protect_signer	 s;
	struct protect_rcpt	 rc[MAXR];
	struct protect_opts	 o;
	struct mime_out		*mo = NULL;
	struct buf		*in = NULL, *ent = NULL, *msg = NULL, *key = NULL;
	struct smerr		 e;
	const char		*cipher = NULL, *entity_out = NULL;
	const uint8_t		*chain[MAXR];
	size_t			 chain_len[MAXR];
	uint8_t			*self = NULL, *scert = NULL;
	size_t			 self_len = 0, scert_len = 0, i;
	struct timespec		 t0, t1;
	char			 path[4096];
	long			 count = 0, k;
	double			 secs;
	int			 a, sign = 0, rv = 1, hp = 0, legacy = 1;

	smerr_clear(&e);
	memset(&s, 0, sizeof(s));
	memset(&o, 0, sizeof(o));
	memset(rc, 0, sizeof(rc));
	if (argc > 1 && strcmp(argv[1], "--caps") == 0)
		return caps_mode(argc, argv);
	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		if (strcmp(argv[a], "--sign") == 0 && a + 2 < argc) {
			if ((scert = cert_der(argv[a + 1], &scert_len)) == NULL ||
			    (key = key_p8(argv[a + 2])) == NULL) {
				fprintf(stderr, "crypto_seal: cannot read %s "
				    "or %s\n", argv[a + 1], argv[a + 2]);
				return 1;
			}
			sign = 1;
			a += 2;
		} else if (strcmp(argv[a], "--chain") == 0 && a + 1 < argc &&
		    s.nchain < MAXR) {
			if ((chain[s.nchain] = cert_der(argv[++a],
			    &chain_len[s.nchain])) == NULL)
				return 1;
			s.nchain++;
		} else if (strcmp(argv[a], "--pss") == 0)
			s.pss = 1;
		else if ((strcmp(argv[a], "--rcpt") == 0 ||
		    strcmp(argv[a], "--rcpt-gcm") == 0) && a + 1 < argc &&
		    o.nrcpt < MAXR) {
			if (argv[a][6] == '-')
				rc[o.nrcpt].caps = PROTECT_CAP_KNOWN |
				    PROTECT_CAP_AES256_GCM;
			if ((rc[o.nrcpt].cert = cert_der(argv[++a],
			    &rc[o.nrcpt].cert_len)) == NULL) {
				fprintf(stderr, "crypto_seal: %s: no "
				    "certificate\n", argv[a]);
				return 1;
			}
			o.nrcpt++;
		} else if (strcmp(argv[a], "--self") == 0 && a + 1 < argc) {
			if ((self = cert_der(argv[++a], &self_len)) == NULL)
				return 1;
		} else if (strcmp(argv[a], "--cbc") == 0)
			o.force_cbc = 1;
		else if (strcmp(argv[a], "--entity") == 0 && a + 1 < argc)
			entity_out = argv[++a];
		else if (strcmp(argv[a], "--hp") == 0)
			hp = 1;
		else if (strcmp(argv[a], "--no-legacy") == 0)
			legacy = 0;
		else if (strcmp(argv[a], "--count") == 0 && a + 1 < argc)
			count = strtol(argv[++a], NULL, 10);
		else {
			fprintf(stderr, "crypto_seal: bad option %s\n", argv[a]);
			return 2;
		}
	}
	if (argc - a != 2) {
		fprintf(stderr, "usage: crypto_seal [options] IN OUT\n");
		return 2;
	}
	if ((in = slurp(argv[a])) == NULL) {
		fprintf(stderr, "crypto_seal: cannot read %s\n", argv[a]);
		return 1;
	}
	s.cert = scert;
	s.cert_len = scert_len;
	s.key = key;
	s.chain = chain;
	s.chain_len = chain_len;
	o.signer = sign ? &s : NULL;
	o.rcpt = rc;
	o.self = self;
	o.self_len = self_len;
	if (count > 0) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (k = 1; k <= count; k++) {
			if (mime_compose(buf_data(in), buf_len(in), NULL, NULL,
			    &mo, &e) != 0)
				goto out;
			if (o.signer == NULL && o.nrcpt == 0) {
				if (mime_join(mo->headers, mo->entity, &msg,
				    &e) != 0)
					goto out;
			} else if (protect_entity(&o, mo->entity, &ent, &cipher,
			    &e) != 0 ||
			    mime_join(mo->headers, ent, &msg, &e) != 0)
				goto out;
			snprintf(path, sizeof(path), "%s/%06ld.eml",
			    argv[a + 1], k);
			if (spill(path, msg) != 0) {
				smerr_set(&e, SMERR_IO, "cannot write %s", path);
				goto out;
			}
			mime_out_free(mo);
			buf_free(ent);
			buf_free(msg);
			mo = NULL;
			ent = msg = NULL;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs = (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("%s: %ld messages in %.3f s, %.0f per second\n",
		    cipher != NULL ? cipher : "none", count, secs,
		    secs > 0 ? (double)count / secs : 0.0);
		rv = 0;
		goto out;
	}
	if (mime_compose(buf_data(in), buf_len(in), NULL, NULL, &mo, &e) != 0 ||
	    hp_apply(mo, hp, o.nrcpt > 0, legacy, &e) != 0)
		goto out;
	if (entity_out != NULL && spill(entity_out, mo->entity) != 0) {
		smerr_set(&e, SMERR_IO, "cannot write %s", entity_out);
		goto out;
	}
	if (o.signer == NULL && o.nrcpt == 0) {
		if (mime_join(mo->headers, mo->entity, &msg, &e) != 0)
			goto out;
	} else if (protect_entity(&o, mo->entity, &ent, &cipher, &e) != 0 ||
	    mime_join(mo->headers, ent, &msg, &e) != 0)
		goto out;
	if (spill(argv[a + 1], msg) != 0) {
		smerr_set(&e, SMERR_IO, "cannot write %s", argv[a + 1]);
		goto out;
	}
	printf("%s\n", cipher != NULL ? cipher : "none");
	rv = 0;
out:
	if (rv != 0)
		fprintf(stderr, "crypto_seal: %s\n", smerr_msg(&e));
	mime_out_free(mo);
	buf_free(in);
	buf_free(ent);
	buf_free(msg);
	buf_free(key);
	free(scert);
	free(self);
	for (i = 0; i < s.nchain; i++)
		free((void *)chain[i]);
	for (i = 0; i < o.nrcpt; i++)
		free((void *)rc[i].cert);
	return rv;
}
