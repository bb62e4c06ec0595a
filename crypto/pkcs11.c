/*
 * Keys on PKCS#11 tokens, used through the token's module with the
 * PKCS#11 C API. Only the key agent calls this file: it alone loads the
 * module (dlopen), so no process that parses mail has a token's code or
 * session in it.
 *
 * A token and an object on it are named by an RFC 7512 URI. The path
 * attributes token, manufacturer, serial and model choose the token (the
 * first present one that matches all that are given); object, id and type
 * choose the object. Query attributes (pin-value, module-path, ...) are
 * refused: the PIN and the module come from sealmail's own settings.
 *
 * The operations are the agent's fixed few: RSA PKCS#1 v1.5 signing over
 * a DigestInfo built here, RSA-PSS over a digest, PKCS#1 v1.5 and OAEP
 * decryption, ECDSA over a digest and ECDH on P-256. The token works; this
 * file only checks sizes and translates parameters.
 */
#define CRYPTOKI_GNU	1

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include <p11-kit/pkcs11.h>

#include <openssl/bn.h>
#include <openssl/ec.h>

#include "base/err.h"
#include "base/secmem.h"
#include "base/text.h"
#include "crypto/crypto_int.h"

#define P11_MAXCERT	(64 * 1024)
#define P11_MAXSLOTS	64
#define P11_MAXATTR	256		/* an object's label or id */

/* What a URI names. A field is matched only when its flag is set. */
struct p11uri {
	char	token[33], manuf[33], serial[17], model[17];
	char	object[P11_MAXATTR + 1];
	uint8_t	id[P11_MAXATTR];
	size_t	idlen, objlen;
	int	has_token, has_manuf, has_serial, has_model, has_object,
		has_id;
};

struct crypto_token {
	ck_slot_id_t		 slot;
	ck_session_handle_t	 session;
	char			 label[33];	/* printable */
};

struct crypto_p11key {
	struct crypto_token	*t;
	ck_object_handle_t	 h;
	int			 rsa;
	size_t			 size;		/* modulus, field bytes */
};

/* The one module of this process. */
static struct {
	void			*dl;
	struct ck_function_list	*f;
	char			*path;
} p11;

#define PCT_BAD		(-1)		/* badly encoded */
#define PCT_LONG	(-2)		/* longer than it may be */

/*
 * Percent-decodes s[0..len) into out (at most max bytes): its length, or
 * PCT_BAD or PCT_LONG.
 */
static ssize_t
pct_decode(const char *s, size_t len, uint8_t *out, size_t max)
{
	size_t	i, n = 0;
	int	hi, lo;

	for (i = 0; i < len; i++) {
		if (n >= max)
			return PCT_LONG;
		if (s[i] != '%') {
			out[n++] = (uint8_t)s[i];
			continue;
		}
		if (i + 2 >= len)
			return PCT_BAD;
		if ((hi = text_hex_digit((unsigned char)s[i + 1])) < 0 ||
		    (lo = text_hex_digit((unsigned char)s[i + 2])) < 0)
			return PCT_BAD;
		out[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	return (ssize_t)n;
}

/*
 * One path attribute into a NUL-terminated text field of max bytes: 0, or
 * PCT_BAD or PCT_LONG.
 */
static int
uri_text(const char *v, size_t len, char *out, size_t max, int *has)
{
	ssize_t	n;

	if ((n = pct_decode(v, len, (uint8_t *)out, max)) < 0)
		return (int)n;
	if (memchr(out, '\0', (size_t)n) != NULL)
		return PCT_BAD;
	out[n] = '\0';
	*has = 1;
	return 0;
}

static int
uri_attr(struct p11uri *u, const char *a, size_t len, struct smerr *e)
{
	const char	*eq = memchr(a, '=', len), *v;
	size_t		 nl, vl;
	ssize_t		 n;
	int		 r = 0;

	if (eq == NULL)
		return smerr_set(e, SMERR_PARSE, "a PKCS#11 URI attribute "
		    "without a value");
	nl = (size_t)(eq - a);
	v = eq + 1;
	vl = len - nl - 1;
#define IS(name)	(nl == strlen(name) && strncmp(a, name, nl) == 0)
	if (IS("token"))
		r = uri_text(v, vl, u->token, 32, &u->has_token);
	else if (IS("manufacturer"))
		r = uri_text(v, vl, u->manuf, 32, &u->has_manuf);
	else if (IS("serial"))
		r = uri_text(v, vl, u->serial, 16, &u->has_serial);
	else if (IS("model"))
		r = uri_text(v, vl, u->model, 16, &u->has_model);
	else if (IS("object")) {
		r = uri_text(v, vl, u->object, P11_MAXATTR, &u->has_object);
		u->objlen = strlen(u->object);
	} else if (IS("id")) {
		if ((n = pct_decode(v, vl, u->id, sizeof(u->id))) <= 0)
			r = n == 0 ? PCT_BAD : (int)n;
		else {
			u->idlen = (size_t)n;
			u->has_id = 1;
		}
	} else if (IS("type"))
		r = vl == 0 ? PCT_BAD : 0;	/* the caller says which */
	else
		return smerr_set(e, SMERR_PARSE, "a PKCS#11 URI attribute "
		    "sealmail does not use: %.*s", (int)(nl > 40 ? 40 : nl),
		    a);
#undef IS
	if (r == PCT_LONG)
		return smerr_set(e, SMERR_LIMIT, "a PKCS#11 URI attribute "
		    "too long for its field: %.*s", (int)(nl > 40 ? 40 : nl),
		    a);
	if (r != 0)
		return smerr_set(e, SMERR_PARSE, "a PKCS#11 URI attribute "
		    "that is badly encoded");
	return 0;
}

static int
uri_parse(const char *s, struct p11uri *u, struct smerr *e)
{
	const char	*p, *end;
	int		 r;

	memset(u, 0, sizeof(*u));
	if (s == NULL || strncasecmp(s, "pkcs11:", 7) != 0)
		return smerr_set(e, SMERR_PARSE, "not a PKCS#11 URI "
		    "(pkcs11:token=...;object=...)");
	if (strchr(s, '?') != NULL)
		return smerr_set(e, SMERR_PARSE, "a PKCS#11 URI with query "
		    "attributes: give the PIN and the module to sealmail "
		    "instead");
	for (p = s + 7; *p != '\0'; p = *end == ';' ? end + 1 : end) {
		end = p + strcspn(p, ";");
		if (end > p && (r = uri_attr(u, p, (size_t)(end - p), e)) != 0)
			return r;
	}
	if (!u->has_object && !u->has_id)
		return smerr_set(e, SMERR_PARSE, "a PKCS#11 URI that names no "
		    "object (object=... or id=...)");
	return 0;
}

int
crypto_p11_uri_check(const char *uri, struct smerr *e)
{
	struct p11uri	u;

	return uri_parse(uri, &u, e);
}

int
crypto_p11_uri_token(const char *uri, char *out, size_t max,
    struct smerr *e)
{
	struct p11uri	u;
	const struct {
		const char	*name, *v;
		const int	*has;
	}		f[] = {
		{ "token", u.token, &u.has_token },
		{ "manufacturer", u.manuf, &u.has_manuf },
		{ "serial", u.serial, &u.has_serial },
		{ "model", u.model, &u.has_model },
	};
	size_t		off = 0, i;
	int		r, n;

	if ((r = uri_parse(uri, &u, e)) != 0)
		return r;
	/* Each value with its length (-1: not named): none reads as another. */
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		n = snprintf(out + off, max - off, "%s=%d:%s;", f[i].name,
		    *f[i].has ? (int)strlen(f[i].v) : -1, f[i].v);
		if (n < 0 || (size_t)n >= max - off)
			return smerr_set(e, SMERR_LIMIT, "a PKCS#11 URI's token "
			    "too long to name");
		off += (size_t)n;
	}
	return 0;
}

/* A blank-padded token field against a URI's text. */
static int
field_eq(const unsigned char *f, size_t flen, const char *want)
{
	size_t	n = strlen(want), i;

	if (n > flen || memcmp(f, want, n) != 0)
		return 0;
	for (i = n; i < flen; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return 0;
	return 1;
}

static int
token_matches(const struct ck_token_info *ti, const struct p11uri *u)
{
	return (!u->has_token || field_eq(ti->label, 32, u->token)) &&
	    (!u->has_manuf ||
	    field_eq(ti->manufacturer_id, 32, u->manuf)) &&
	    (!u->has_serial || field_eq(ti->serial_number, 16, u->serial)) &&
	    (!u->has_model || field_eq(ti->model, 16, u->model));
}

/* What a message may show of a token's name: printable ASCII. */
static void
printable(char *out, size_t max, const char *in)
{
	size_t	i;

	for (i = 0; i + 1 < max && in[i] != '\0'; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
}

static int
module_load(const char *path, struct smerr *e)
{
	struct ck_c_initialize_args	 ia;
	CK_C_GetFunctionList		 gfl;
	const char			*why;
	ck_rv_t				 rv;

	if (p11.f != NULL)
		return strcmp(p11.path, path) == 0 ? 0 : smerr_set(e,
		    SMERR_INVAL, "one PKCS#11 module at a time");
	if ((p11.dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		return smerr_set(e, SMERR_NOTFOUND, "the PKCS#11 module cannot "
		    "be loaded: %s", why != NULL ? why : path);
	}
	memset(&ia, 0, sizeof(ia));
	ia.flags = CKF_OS_LOCKING_OK;
	if ((gfl = (CK_C_GetFunctionList)dlsym(p11.dl,
	    "C_GetFunctionList")) == NULL || gfl(&p11.f) != CKR_OK ||
	    p11.f == NULL) {
		dlclose(p11.dl);
		memset(&p11, 0, sizeof(p11));
		return smerr_set(e, SMERR_PARSE, "%s is not a PKCS#11 module",
		    path);
	}
	rv = p11.f->C_Initialize(&ia);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		dlclose(p11.dl);
		memset(&p11, 0, sizeof(p11));
		return smerr_set(e, SMERR_IO, "the PKCS#11 module %s does not "
		    "start (error 0x%lx)", path, (unsigned long)rv);
	}
	if ((p11.path = strdup(path)) == NULL)
		return smerr_set(e, SMERR_NOMEM, "out of memory");
	return 0;
}

static int
find_slot(const struct p11uri *u, struct crypto_token *t, struct smerr *e)
{
	ck_slot_id_t		slots[P11_MAXSLOTS];
	struct ck_token_info	ti;
	unsigned long		n = P11_MAXSLOTS, i;
	char			name[33];

	if (p11.f->C_GetSlotList(1, slots, &n) != CKR_OK)
		n = 0;
	for (i = 0; i < n && i < P11_MAXSLOTS; i++) {
		if (p11.f->C_GetTokenInfo(slots[i], &ti) != CKR_OK ||
		    !token_matches(&ti, u))
			continue;
		t->slot = slots[i];
		memcpy(name, ti.label, 32);
		name[32] = '\0';
		while (strlen(name) > 0 && name[strlen(name) - 1] == ' ')
			name[strlen(name) - 1] = '\0';
		printable(t->label, sizeof(t->label), name);
		return 0;
	}
	printable(name, sizeof(name), u->has_token ? u->token : "");
	return smerr_set(e, SMERR_NOTFOUND, "the token \"%s\" is not present "
	    "(is it inserted, and is the PKCS#11 module the right one?)",
	    name);
}

/*
 * Whether a PIN kept somewhere (not typed) may be tried on t: not when the
 * token says that the next wrong PIN locks it (or that it is locked), for
 * a PIN that is not the one it takes would then lock a card without
 * anyone there to decide it.
 */
static int
stored_pin_allowed(const struct crypto_token *t, struct smerr *e)
{
	struct ck_token_info	ti;

	if (p11.f->C_GetTokenInfo(t->slot, &ti) != CKR_OK)
		return smerr_set(e, SMERR_IO, "the token \"%s\" does not say "
		    "how many PIN tries it has left", t->label);
	if (ti.flags & CKF_USER_PIN_LOCKED)
		return smerr_set(e, SMERR_PERM, "the token \"%s\" is locked: "
		    "too many wrong PINs", t->label);
	if (ti.flags & CKF_USER_PIN_FINAL_TRY)
		return smerr_set(e, SMERR_UNTRIED, "the token \"%s\" has one "
		    "PIN try left: a kept PIN is not tried on it; type the PIN "
		    "(the terminal program asks for it, as does a command run "
		    "on a terminal)", t->label);
	return 0;
}

/*
 * What a failed login says. Only a PIN the token refused is SMERR_AUTH
 * (a caller remembers that PIN, and does not offer it again); a card
 * whose next wrong PIN locks it says so, for whoever types the next one.
 * A failure of the token or the reader is no word on the PIN.
 */
static int
login_error(const struct crypto_token *t, ck_rv_t rv, struct smerr *e)
{
	struct ck_token_info	ti;
	const char		*last = "";

	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE ||
	    rv == CKR_PIN_INVALID) {
		if (p11.f->C_GetTokenInfo(t->slot, &ti) == CKR_OK &&
		    (ti.flags & CKF_USER_PIN_FINAL_TRY))
			last = " (one PIN try left)";
		return smerr_set(e, SMERR_AUTH, "the token \"%s\"%s refused "
		    "the PIN", t->label, last);
	}
	if (rv == CKR_PIN_LOCKED)
		return smerr_set(e, SMERR_PERM, "the token \"%s\" is locked: "
		    "too many wrong PINs", t->label);
	return smerr_set(e, SMERR_IO, "the token \"%s\" refused the login "
	    "(error 0x%lx)", t->label, (unsigned long)rv);
}

int
crypto_token_open(const char *module, const char *uri, const uint8_t *pin,
    size_t pinlen, int stored, struct crypto_token **tp, struct smerr *e)
{
	struct crypto_token	*t;
	struct p11uri		 u;
	ck_rv_t			 rv;
	int			 r;

	*tp = NULL;
	if ((r = uri_parse(uri, &u, e)) != 0 ||
	    (r = module_load(module, e)) != 0)
		return r;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return smerr_set(e, SMERR_NOMEM, "out of memory");
	if ((r = find_slot(&u, t, e)) != 0)
		goto fail;
	if (p11.f->C_OpenSession(t->slot, CKF_SERIAL_SESSION, NULL, NULL,
	    &t->session) != CKR_OK) {
		r = smerr_set(e, SMERR_IO, "the token \"%s\" opens no session",
		    t->label);
		goto fail;
	}
	if (stored && (r = stored_pin_allowed(t, e)) != 0) {
		(void)p11.f->C_CloseSession(t->session);
		goto fail;
	}
	rv = p11.f->C_Login(t->session, CKU_USER, (unsigned char *)(uintptr_t)
	    pin, pinlen);
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
		r = login_error(t, rv, e);
	if (r != 0) {
		(void)p11.f->C_CloseSession(t->session);
		goto fail;
	}
	*tp = t;
	return 0;
fail:
	free(t);
	return r;
}

int
crypto_p11key_gone(const struct crypto_p11key *k, const char **labelp)
{
	struct ck_slot_info	sl;
	struct ck_session_info	si;
	ck_object_class_t	cls;
	struct ck_attribute	a = { CKA_CLASS, &cls, sizeof(cls) };

	*labelp = k->t->label;
	if (p11.f == NULL ||
	    p11.f->C_GetSlotInfo(k->t->slot, &sl) != CKR_OK ||
	    !(sl.flags & CKF_TOKEN_PRESENT) ||
	    p11.f->C_GetSessionInfo(k->t->session, &si) != CKR_OK ||
	    (si.state != CKS_RO_USER_FUNCTIONS &&
	    si.state != CKS_RW_USER_FUNCTIONS))
		return 1;
	/* The token is there, its key may not be (another card put in). */
	return p11.f->C_GetAttributeValue(k->t->session, k->h, &a, 1) !=
	    CKR_OK;
}

void
crypto_token_close(struct crypto_token *t)
{
	if (t == NULL)
		return;
	if (p11.f != NULL)
		(void)p11.f->C_CloseSession(t->session);
	free(t);
}

/* The one object of class cls that u names. */
static int
find_one(struct crypto_token *t, const struct p11uri *u,
    ck_object_class_t cls, ck_object_handle_t *hp, struct smerr *e)
{
	struct ck_attribute	 tpl[3];
	ck_object_handle_t	 h[2];
	unsigned long		 n = 0, found = 0;
	const char		*what = cls == CKO_CERTIFICATE ?
	    "certificate" : "private key";
	char			 name[P11_MAXATTR + 1];

	tpl[n].type = CKA_CLASS;
	tpl[n].value = &cls;
	tpl[n++].value_len = sizeof(cls);
	if (u->has_object) {
		tpl[n].type = CKA_LABEL;
		tpl[n].value = (void *)(uintptr_t)u->object;
		tpl[n++].value_len = u->objlen;
	}
	if (u->has_id) {
		tpl[n].type = CKA_ID;
		tpl[n].value = (void *)(uintptr_t)u->id;
		tpl[n++].value_len = u->idlen;
	}
	if (p11.f->C_FindObjectsInit(t->session, tpl, n) != CKR_OK ||
	    p11.f->C_FindObjects(t->session, h, 2, &found) != CKR_OK)
		found = 0;
	(void)p11.f->C_FindObjectsFinal(t->session);
	printable(name, sizeof(name), u->has_object ? u->object : "(by id)");
	if (found == 0)
		return smerr_set(e, SMERR_NOTFOUND, "no %s \"%s\" on the token "
		    "\"%s\"", what, name, t->label);
	if (found > 1)
		return smerr_set(e, SMERR_INVAL, "more than one %s \"%s\" on "
		    "the token \"%s\": name it by id= too", what, name,
		    t->label);
	*hp = h[0];
	return 0;
}

/* An attribute's value, malloc'd; at most max bytes. */
static int
get_attr(struct crypto_token *t, ck_object_handle_t h,
    ck_attribute_type_t type, uint8_t **vp, size_t *lenp, size_t max)
{
	struct ck_attribute	a;

	*vp = NULL;
	a.type = type;
	a.value = NULL;
	a.value_len = 0;
	if (p11.f->C_GetAttributeValue(t->session, h, &a, 1) != CKR_OK ||
	    a.value_len == 0 || a.value_len == (unsigned long)-1 ||
	    a.value_len > max || (a.value = malloc(a.value_len)) == NULL)
		return -1;
	if (p11.f->C_GetAttributeValue(t->session, h, &a, 1) != CKR_OK) {
		free(a.value);
		return -1;
	}
	*vp = a.value;
	*lenp = a.value_len;
	return 0;
}

int
crypto_token_cert(struct crypto_token *t, const char *uri, uint8_t **derp,
    size_t *lenp, struct smerr *e)
{
	struct p11uri		u;
	ck_object_handle_t	h;
	int			r;

	*derp = NULL;
	if ((r = uri_parse(uri, &u, e)) != 0 ||
	    (r = find_one(t, &u, CKO_CERTIFICATE, &h, e)) != 0)
		return r;
	if (get_attr(t, h, CKA_VALUE, derp, lenp, P11_MAXCERT) != 0)
		return smerr_set(e, SMERR_IO, "the token \"%s\" does not give "
		    "the certificate", t->label);
	return 0;
}

int
crypto_p11key_find(struct crypto_token *t, const char *uri,
    struct crypto_p11key **kp, struct smerr *e)
{
	/* DER of the named curve prime256v1, as CKA_EC_PARAMS holds it. */
	static const uint8_t	 p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48,
	    0xce, 0x3d, 0x03, 0x01, 0x07 };
	struct crypto_p11key	*k;
	struct p11uri		 u;
	ck_object_handle_t	 h;
	ck_key_type_t		 kt;
	struct ck_attribute	 a;
	uint8_t			*v = NULL;
	size_t			 len = 0;
	int			 r;

	*kp = NULL;
	if ((r = uri_parse(uri, &u, e)) != 0 ||
	    (r = find_one(t, &u, CKO_PRIVATE_KEY, &h, e)) != 0)
		return r;
	a.type = CKA_KEY_TYPE;
	a.value = &kt;
	a.value_len = sizeof(kt);
	if (p11.f->C_GetAttributeValue(t->session, h, &a, 1) != CKR_OK)
		return smerr_set(e, SMERR_IO, "the token \"%s\" does not say "
		    "what its key is", t->label);
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return smerr_set(e, SMERR_NOMEM, "out of memory");
	k->t = t;
	k->h = h;
	if (kt == CKK_RSA && get_attr(t, h, CKA_MODULUS, &v, &len,
	    CRYPTO_KEYOP_MAXIN) == 0 && len >= 128) {
		k->rsa = 1;
		k->size = len;
	} else if (kt == CKK_EC && get_attr(t, h, CKA_EC_PARAMS, &v, &len,
	    64) == 0 && len == sizeof(p256) && memcmp(v, p256, len) == 0)
		k->size = 32;
	else {
		free(v);
		free(k);
		return smerr_set(e, SMERR_CRYPTO, "the key on the token \"%s\" "
		    "is neither RSA nor EC P-256", t->label);
	}
	free(v);
	*kp = k;
	return 0;
}

void
crypto_p11key_free(struct crypto_p11key *k)
{
	free(k);
}

static const struct {
	int		 md;
	ck_mechanism_type_t hash;
	ck_rsa_pkcs_mgf_type_t mgf;
	uint8_t		 info[19];	/* DigestInfo's head */
	size_t		 infolen;
} p11_mds[] = {
	{ CRYPTO_MD_SHA1, CKM_SHA_1, CKG_MGF1_SHA1, { 0x30, 0x21, 0x30, 0x09,
	    0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14 },
	    15 },
	{ CRYPTO_MD_SHA224, CKM_SHA224, CKG_MGF1_SHA224, { 0x30, 0x2d, 0x30,
	    0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
	    0x04, 0x05, 0x00, 0x04, 0x1c }, 19 },
	{ CRYPTO_MD_SHA256, CKM_SHA256, CKG_MGF1_SHA256, { 0x30, 0x31, 0x30,
	    0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
	    0x01, 0x05, 0x00, 0x04, 0x20 }, 19 },
	{ CRYPTO_MD_SHA384, CKM_SHA384, CKG_MGF1_SHA384, { 0x30, 0x41, 0x30,
	    0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
	    0x02, 0x05, 0x00, 0x04, 0x30 }, 19 },
	{ CRYPTO_MD_SHA512, CKM_SHA512, CKG_MGF1_SHA512, { 0x30, 0x51, 0x30,
	    0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
	    0x03, 0x05, 0x00, 0x04, 0x40 }, 19 },
};

static int
md_index(int md)
{
	size_t	i;

	for (i = 0; i < sizeof(p11_mds) / sizeof(p11_mds[0]); i++)
		if (p11_mds[i].md == md)
			return (int)i;
	return -1;
}

/* The index of op's MGF1 hash, which is op's hash i unless named; or -1. */
static int
mgf1_index(const struct crypto_keyop *op, int i)
{
	return op->mgf1 == CRYPTO_MD_NONE ? i : md_index(op->mgf1);
}

/*
 * One operation in a single call: init starts it on the key with m, run
 * takes the inlen bytes at in and leaves at most *outlen bytes at out.
 * C_SignInit and C_Sign, or C_DecryptInit and C_Decrypt; 0 or -1.
 */
static int
token_op(struct crypto_p11key *k,
    ck_rv_t (*init)(ck_session_handle_t, struct ck_mechanism *,
    ck_object_handle_t),
    ck_rv_t (*run)(ck_session_handle_t, unsigned char *, unsigned long,
    unsigned char *, unsigned long *),
    struct ck_mechanism *m, const uint8_t *in, size_t inlen, uint8_t *out,
    size_t *outlen)
{
	unsigned long	n = *outlen;

	if (init(k->t->session, m, k->h) != CKR_OK ||
	    run(k->t->session, (unsigned char *)(uintptr_t)in, inlen, out,
	    &n) != CKR_OK)
		return -1;
	*outlen = n;
	return 0;
}

/* ECDSA: the token's r || s, as the DER OpenSSL's callers expect. */
static int
ec_sign(struct crypto_p11key *k, const struct crypto_keyop *op,
    uint8_t *out, size_t *outlen)
{
	struct ck_mechanism	 m = { CKM_ECDSA, NULL, 0 };
	uint8_t			 rs[2 * 66];
	size_t			 n = sizeof(rs);
	ECDSA_SIG		*sig;
	BIGNUM			*r, *s;
	unsigned char		*p = out;
	int			 len;

	if (op->pad != CRYPTO_PAD_NONE || op->labellen != 0 ||
	    op->inlen < 20 || op->inlen > 64 ||
	    token_op(k, p11.f->C_SignInit, p11.f->C_Sign, &m, op->in,
	    op->inlen, rs, &n) != 0 ||
	    n != 2 * k->size || (sig = ECDSA_SIG_new()) == NULL)
		return -1;
	r = BN_bin2bn(rs, (int)k->size, NULL);
	s = BN_bin2bn(rs + k->size, (int)k->size, NULL);
	if (r == NULL || s == NULL || !ECDSA_SIG_set0(sig, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(sig);
		return -1;
	}
	if ((len = i2d_ECDSA_SIG(sig, NULL)) <= 0 || (size_t)len > *outlen ||
	    i2d_ECDSA_SIG(sig, &p) != len) {
		ECDSA_SIG_free(sig);
		return -1;
	}
	ECDSA_SIG_free(sig);
	*outlen = (size_t)len;
	return 0;
}

static int
rsa_sign(struct crypto_p11key *k, const struct crypto_keyop *op,
    uint8_t *out, size_t *outlen)
{
	struct ck_rsa_pkcs_pss_params	 pss;
	struct ck_mechanism		 m;
	uint8_t				 di[19 + 64];
	size_t				 hl;
	int				 i, g, bits;

	if ((i = md_index(op->md)) < 0 ||
	    op->inlen != (hl = crypto_md_size(op->md)) || op->labellen != 0)
		return -1;
	if (op->pad == CRYPTO_PAD_PKCS1) {
		memcpy(di, p11_mds[i].info, p11_mds[i].infolen);
		memcpy(di + p11_mds[i].infolen, op->in, hl);
		m.mechanism = CKM_RSA_PKCS;
		m.parameter = NULL;
		m.parameter_len = 0;
		return token_op(k, p11.f->C_SignInit, p11.f->C_Sign, &m, di,
		    p11_mds[i].infolen + hl, out, outlen);
	}
	g = mgf1_index(op, i);
	if (op->pad != CRYPTO_PAD_PSS || g < 0)
		return -1;
	pss.hash_alg = p11_mds[i].hash;
	pss.mgf = p11_mds[g].mgf;
	/* The longest salt: emLen - hLen - 2, emLen = ceil((bits - 1) / 8). */
	bits = (int)k->size * 8;
	if (op->saltlen == CRYPTO_SALT_DIGEST)
		pss.s_len = hl;
	else if (op->saltlen == CRYPTO_SALT_MAX)
		pss.s_len = (unsigned long)((bits - 1 + 7) / 8) - hl - 2;
	else if (op->saltlen >= 0 && (size_t)op->saltlen < k->size)
		pss.s_len = (unsigned long)op->saltlen;
	else
		return -1;
	m.mechanism = CKM_RSA_PKCS_PSS;
	m.parameter = &pss;
	m.parameter_len = sizeof(pss);
	return token_op(k, p11.f->C_SignInit, p11.f->C_Sign, &m, op->in,
	    op->inlen, out, outlen);
}

static int
rsa_decrypt(struct crypto_p11key *k, const struct crypto_keyop *op,
    uint8_t *out, size_t *outlen)
{
	struct ck_rsa_pkcs_oaep_params	 oaep;
	struct ck_mechanism		 m = { CKM_RSA_PKCS, NULL, 0 };
	int				 i, g;

	if (op->inlen != k->size)
		return -1;
	if (op->pad == CRYPTO_PAD_OAEP) {
		if ((i = md_index(op->md)) < 0 || (g = mgf1_index(op, i)) < 0)
			return -1;
		memset(&oaep, 0, sizeof(oaep));
		oaep.hash_alg = p11_mds[i].hash;
		oaep.mgf = p11_mds[g].mgf;
		oaep.source = CKZ_DATA_SPECIFIED;
		oaep.source_data = (void *)(uintptr_t)op->label;
		oaep.source_data_len = op->labellen;
		m.mechanism = CKM_RSA_PKCS_OAEP;
		m.parameter = &oaep;
		m.parameter_len = sizeof(oaep);
	} else if (op->pad != CRYPTO_PAD_PKCS1 || op->md != CRYPTO_MD_NONE ||
	    op->labellen != 0)
		return -1;
	return token_op(k, p11.f->C_DecryptInit, p11.f->C_Decrypt, &m, op->in,
	    op->inlen, out, outlen);
}

/* ECDH: the shared x coordinate, made a session object and read back. */
static int
ec_derive(struct crypto_p11key *k, const struct crypto_keyop *op,
    uint8_t *out, size_t *outlen)
{
	struct ck_ecdh1_derive_params	 dp;
	struct ck_mechanism		 m;
	ck_object_class_t		 cls = CKO_SECRET_KEY;
	ck_key_type_t			 kt = CKK_GENERIC_SECRET;
	unsigned char			 no = 0, yes = 1;
	unsigned long			 vl = k->size;
	struct ck_attribute		 tpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &kt, sizeof(kt) },
		{ CKA_TOKEN, &no, 1 },
		{ CKA_SENSITIVE, &no, 1 },
		{ CKA_EXTRACTABLE, &yes, 1 },
		{ CKA_VALUE_LEN, &vl, sizeof(vl) },
	};
	struct ck_attribute		 val;
	ck_object_handle_t		 sec;
	int				 r = -1;

	if (op->pad != CRYPTO_PAD_NONE || op->labellen != 0 ||
	    *outlen < k->size)
		return -1;
	memset(&dp, 0, sizeof(dp));
	dp.kdf = CKD_NULL;
	dp.public_data = (unsigned char *)(uintptr_t)op->in;
	dp.public_data_len = op->inlen;
	m.mechanism = CKM_ECDH1_DERIVE;
	m.parameter = &dp;
	m.parameter_len = sizeof(dp);
	if (p11.f->C_DeriveKey(k->t->session, &m, k->h, tpl,
	    sizeof(tpl) / sizeof(tpl[0]), &sec) != CKR_OK)
		return -1;
	val.type = CKA_VALUE;
	val.value = out;
	val.value_len = *outlen;
	if (p11.f->C_GetAttributeValue(k->t->session, sec, &val, 1) ==
	    CKR_OK && val.value_len == k->size) {
		*outlen = val.value_len;
		r = 0;
	}
	(void)p11.f->C_DestroyObject(k->t->session, sec);
	return r;
}

int
crypto_p11key_run(struct crypto_p11key *k, const struct crypto_keyop *op,
    uint8_t *out, size_t *outlen)
{
	switch (op->op) {
	case CRYPTO_KEYOP_SIGN:
		return k->rsa ? rsa_sign(k, op, out, outlen) :
		    ec_sign(k, op, out, outlen);
	case CRYPTO_KEYOP_DECRYPT:
		return k->rsa ? rsa_decrypt(k, op, out, outlen) : -1;
	case CRYPTO_KEYOP_DERIVE:
		return k->rsa ? -1 : ec_derive(k, op, out, outlen);
	}
	return -1;
}
