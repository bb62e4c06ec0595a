/*
 * A PKCS#11 module that passes every call to another (P11CARD_MODULE, a
 * SoftHSM2 token in the tests) and counts wrong user PINs as a smart card
 * does: P11CARD_TRIES of them in a row (3 unless set) lock the PIN, one
 * right PIN before that resets the count. SoftHSM2 itself never locks,
 * and says only "count low" after a wrong PIN. The tries left are kept in
 * the file P11CARD_STATE, so that they outlive the process, as a card's
 * do; the token's flags tell them (CKF_USER_PIN_COUNT_LOW, _FINAL_TRY,
 * _LOCKED). Every C_Login is one line in P11CARD_LOG: "ok", "incorrect",
 * "locked" or the module's other answer in hex. While the file named by
 * P11CARD_HOLD exists (up to a minute), C_Sign waits: a card waiting for
 * its button, for a test to catch the agent in the middle of a signature.
 */
#define CRYPTOKI_GNU	1

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

static struct ck_function_list	 card;
static struct ck_function_list	*real;

static int
tries_max(void)
{
	const char	*s = getenv("P11CARD_TRIES");
	long		 n;
	char		*end;

	if (s == NULL || (n = strtol(s, &end, 10)) < 1 || n > 15 ||
	    *end != '\0')
		return 3;
	return (int)n;
}

static int
tries_left(void)
{
	const char	*path = getenv("P11CARD_STATE");
	FILE		*f;
	int		 n = tries_max();

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return n;
	if (fscanf(f, "%d", &n) != 1 || n < 0 || n > tries_max())
		n = 0;		/* a damaged count: locked, to be safe */
	fclose(f);
	return n;
}

static void
tries_set(int n)
{
	const char	*path = getenv("P11CARD_STATE");
	FILE		*f;

	if (path != NULL && (f = fopen(path, "w")) != NULL) {
		fprintf(f, "%d\n", n);
		fclose(f);
	}
}

static void
log_login(const char *what, ck_rv_t rv)
{
	const char	*path = getenv("P11CARD_LOG");
	FILE		*f;

	if (path == NULL || (f = fopen(path, "a")) == NULL)
		return;
	if (what != NULL)
		fprintf(f, "%s\n", what);
	else
		fprintf(f, "0x%lx\n", (unsigned long)rv);
	fclose(f);
}

static ck_rv_t
card_token_info(ck_slot_id_t slot, struct ck_token_info *ti)
{
	ck_rv_t	rv;
	int	n = tries_left(), max = tries_max();

	if ((rv = real->C_GetTokenInfo(slot, ti)) != CKR_OK)
		return rv;
	ti->flags &= ~(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY |
	    CKF_USER_PIN_LOCKED);
	if (n < max)
		ti->flags |= CKF_USER_PIN_COUNT_LOW;
	if (n == 1)
		ti->flags |= CKF_USER_PIN_FINAL_TRY;
	if (n == 0)
		ti->flags |= CKF_USER_PIN_LOCKED;
	return CKR_OK;
}

static ck_rv_t
card_login(ck_session_handle_t s, ck_user_type_t user, unsigned char *pin,
    unsigned long len)
{
	ck_rv_t	rv;
	int	n = tries_left();

	if (user != CKU_USER)
		return real->C_Login(s, user, pin, len);
	if (n == 0) {
		log_login("locked", CKR_PIN_LOCKED);
		return CKR_PIN_LOCKED;
	}
	rv = real->C_Login(s, user, pin, len);
	if (rv == CKR_PIN_INCORRECT) {
		tries_set(n - 1);
		log_login("incorrect", rv);
	} else if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) {
		tries_set(tries_max());
		log_login("ok", rv);
	} else
		log_login(NULL, rv);
	return rv == CKR_PIN_INCORRECT && n == 1 ? CKR_PIN_LOCKED : rv;
}

static ck_rv_t
card_sign(ck_session_handle_t s, unsigned char *data, unsigned long len,
    unsigned char *sig, unsigned long *siglen)
{
	const char	*hold = getenv("P11CARD_HOLD");
	struct timespec	 tenth = { 0, 100000000L };
	int		 i;

	for (i = 0; hold != NULL && i < 600 && access(hold, F_OK) == 0; i++)
		nanosleep(&tenth, NULL);
	return real->C_Sign(s, data, len, sig, siglen);
}

ck_rv_t C_GetFunctionList(struct ck_function_list **);

ck_rv_t
C_GetFunctionList(struct ck_function_list **fl)
{
	ck_rv_t		(*get)(struct ck_function_list **);
	const char	*path = getenv("P11CARD_MODULE");
	void		*dl;

	if (real == NULL) {
		if (path == NULL ||
		    (dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL ||
		    (get = (ck_rv_t (*)(struct ck_function_list **))dlsym(dl,
		    "C_GetFunctionList")) == NULL || get(&real) != CKR_OK ||
		    real == NULL)
			return CKR_GENERAL_ERROR;
		card = *real;
		card.C_GetTokenInfo = card_token_info;
		card.C_Login = card_login;
		card.C_Sign = card_sign;
	}
	*fl = &card;
	return CKR_OK;
}
