/*
 * keys_p12: a PKCS#12 file holding more than one private key, each with
 * its certificate, as some CAs issue a signing key and an encryption key
 * together (openssl pkcs12 -export writes one key only).
 *
 *   keys_p12 OUT PASSFILE CERT.pem KEY.pem [CERT.pem KEY.pem]...
 *
 * The certificates go in an encrypted safe, the keys shrouded in a plain
 * one (AES-256-CBC), as openssl writes them; the passphrase is PASSFILE's
 * first line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>

/* The first certificate (key 0) or private key (key 1) of a PEM file. */
static void *
read_pem(const char *path, int key)
{
	FILE	*f;
	void	*p;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	p = key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL) :
	    (void *)PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return p;
}

static int
read_pass(const char *path, char *pass, size_t len)
{
	FILE	*f;
	int	 ok;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	ok = fgets(pass, (int)len, f) != NULL;
	fclose(f);
	pass[strcspn(pass, "\n")] = '\0';
	return ok ? 0 : -1;
}

int
main(int argc, char **argv)
{
	STACK_OF(PKCS12_SAFEBAG)	*certs = NULL, *keys = NULL;
	STACK_OF(PKCS7)			*safes = NULL;
	PKCS12				*p12 = NULL;
	X509				*x;
	EVP_PKEY			*k;
	FILE				*out;
	char				 pass[256];
	int				 i, rc = 1;

	if (argc < 5 || argc % 2 != 1) {
		fprintf(stderr, "usage: keys_p12 OUT PASSFILE CERT KEY...\n");
		return 2;
	}
	if (read_pass(argv[2], pass, sizeof(pass)) != 0)
		goto out;
	for (i = 3; i + 1 < argc; i += 2) {
		if ((x = read_pem(argv[i], 0)) == NULL ||
		    (k = read_pem(argv[i + 1], 1)) == NULL) {
			X509_free(x);
			goto out;
		}
		if (PKCS12_add_cert(&certs, x) == NULL ||
		    PKCS12_add_key(&keys, k, 0, PKCS12_DEFAULT_ITER,
		    NID_aes_256_cbc, pass) == NULL) {
			X509_free(x);
			EVP_PKEY_free(k);
			goto out;
		}
		X509_free(x);
		EVP_PKEY_free(k);
	}
	if (!PKCS12_add_safe(&safes, certs, NID_aes_256_cbc,
	    PKCS12_DEFAULT_ITER, pass) ||
	    !PKCS12_add_safe(&safes, keys, -1, 0, NULL) ||
	    (p12 = PKCS12_add_safes(safes, 0)) == NULL ||
	    !PKCS12_set_mac(p12, pass, -1, NULL, 0, PKCS12_DEFAULT_ITER,
	    NULL) || (out = fopen(argv[1], "wb")) == NULL)
		goto out;
	rc = i2d_PKCS12_fp(out, p12) == 1 ? 0 : 1;
	if (fclose(out) != 0)
		rc = 1;
out:
	if (rc != 0)
		ERR_print_errors_fp(stderr);
	sk_PKCS12_SAFEBAG_pop_free(certs, PKCS12_SAFEBAG_free);
	sk_PKCS12_SAFEBAG_pop_free(keys, PKCS12_SAFEBAG_free);
	sk_PKCS7_pop_free(safes, PKCS7_free);
	PKCS12_free(p12);
	return rc;
}
