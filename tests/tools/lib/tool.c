/*
 * tests/tools/lib/tool.c: the helpers of tool.h.
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
#include "net/dns.h"
#include "tests/tools/lib/tool.h"

struct buf *
tool_read(const char *path, int secret)
{
	struct buf	*b;
	int		 fd, r;

	fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY);
	if (fd == -1)
		return NULL;
	b = secret ? buf_new_secret(0) : buf_new(0);
	r = b != NULL ? buf_read_fd(b, fd) : -1;
	if (fd != STDIN_FILENO)
		close(fd);
	if (r != 0) {
		buf_free(b);
		return NULL;
	}
	return b;
}

int
tool_load(const char *path, int secret, struct buf **bp, struct smerr *e)
{
	if ((*bp = tool_read(path, secret)) == NULL)
		return smerr_set(e, SMERR_IO, "cannot read %s", path);
	return 0;
}

int
tool_write(const char *path, const struct buf *b)
{
	FILE	*f;
	int	 ok;

	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	ok = fwrite(buf_data(b), 1, buf_len(b), f) == buf_len(b);
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

uint8_t *
tool_cert_der(const char *path, size_t *lenp)
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

void
tool_print_caps(unsigned caps)
{
	if ((caps & PROTECT_CAP_KNOWN) == 0) {
		printf("unknown\n");
		return;
	}
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
}

int
tool_dns_opt(int ch, const char *arg, struct dns_config *cfg)
{
	switch (ch) {
	case 'a':
		cfg->trust_anchor = arg;
		return 1;
	case 'r':
		cfg->resolver = arg;
		return 1;
	case 't':
		cfg->timeout = (int)strtol(arg, NULL, 10);
		return 1;
	default:
		return 0;
	}
}

double
tool_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
by_value(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
tool_print_ms(double *ms, size_t n)
{
	double	median;

	qsort(ms, n, sizeof(*ms), by_value);
	/* Of an even count, the mean of the two in the middle. */
	median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
	printf("ms min %.1f median %.1f max %.1f\n", ms[0], median,
	    ms[n - 1]);
}
