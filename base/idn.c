/*
 * IDNA through libidn2, loaded (dlopen) the first time a domain outside
 * ASCII is to be converted: nearly every address is ASCII, and linked,
 * libidn2 and libunistring were mapped and bound by every process.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "base/dl.h"
#include "base/err.h"
#include "base/idn.h"
#include "base/text.h"

#define IDN_LIBRARY	"libidn2.so.0"

static struct {
	int		 (*to_ascii_8z)(const char *, char **, int);
	const char	*(*strerror)(int);
} idn;
static const struct dl_fn idn_fns[] = {
	{ "idn2_to_ascii_8z", (void **)&idn.to_ascii_8z },
	{ "idn2_strerror", (void **)&idn.strerror },
};
static pthread_once_t	 idn_once = PTHREAD_ONCE_INIT;
/* Why libidn2 cannot be used; empty once it is loaded. */
static char		 idn_why[192] = "not loaded";

static void
idn_load_once(void)
{
	if (dl_load(IDN_LIBRARY, idn_fns, sizeof(idn_fns) /
	    sizeof(idn_fns[0]), idn_why, sizeof(idn_why)) == 0)
		idn_why[0] = '\0';
}

int
idn_alabels(const char *u, char **ap, struct smerr *e)
{
	int	rc;

	*ap = NULL;
	pthread_once(&idn_once, idn_load_once);
	if (idn_why[0] != '\0')
		return smerr_set(e, SMERR_NOTFOUND, "%.80s: libidn2 is needed "
		    "for a domain outside ASCII: %s", u, idn_why);
	if ((rc = idn.to_ascii_8z(u, ap, IDN2_NFC_INPUT |
	    IDN2_NONTRANSITIONAL)) == IDN2_OK)
		return 0;
	*ap = NULL;
	if (rc == IDN2_MALLOC)
		return smerr_nomem(e);
	return smerr_set(e, SMERR_INVAL, "not a valid domain name: %.80s (%s)",
	    u, idn.strerror(rc));
}

int
idn_addr_alabels(const char *addr, char **ap, struct smerr *e)
{
	struct smerr	 ie;
	const char	*at;
	char		*dom = NULL, *a;
	size_t		 llen;
	int		 r;

	*ap = NULL;
	if ((at = strrchr(addr, '@')) == NULL || text_is_ascii(at + 1)) {
		if ((*ap = strdup(addr)) == NULL)
			return smerr_nomem(e);
		return 0;
	}
	smerr_clear(&ie);
	if ((r = idn_alabels(at + 1, &dom, &ie)) != 0)
		return r == SMERR_NOMEM ? smerr_nomem(e) :
		    smerr_set(e, r, "%.80s: %s", addr, ie.msg);
	llen = (size_t)(at - addr) + 1;
	if ((a = malloc(llen + strlen(dom) + 1)) == NULL) {
		free(dom);
		return smerr_nomem(e);
	}
	memcpy(a, addr, llen);
	memcpy(a + llen, dom, strlen(dom) + 1);
	free(dom);
	*ap = a;
	return 0;
}

int
idn_addr_eq(const char *a, const char *b)
{
	char	*x = NULL, *y = NULL;
	int	 eq;

	if (a == NULL || b == NULL)
		return 0;
	if (strcasecmp(a, b) == 0)
		return 1;
	if (text_is_ascii(a) && text_is_ascii(b))
		return 0;
	eq = idn_addr_alabels(a, &x, NULL) == 0 &&
	    idn_addr_alabels(b, &y, NULL) == 0 && strcasecmp(x, y) == 0;
	free(x);
	free(y);
	return eq;
}
