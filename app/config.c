/*
 * The configuration file: INI style, '#' starts a comment, one [account
 * NAME] section per account (the first is the default) and optional
 * [dns], [security] and [pkcs11] sections. Every error names the file and the
 * line. There is no key that allows plaintext or skips server
 * authentication.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/idn.h"
#include "base/text.h"
#include "net/net.h"
#include "app/app_int.h"

#define CONFIG_MAX_SIZE		(1024 * 1024)
#define CONFIG_MAX_ACCOUNTS	64

enum section { SEC_NONE, SEC_ACCOUNT, SEC_DNS, SEC_SECURITY, SEC_PKCS11 };

struct parser {
	const char		*path;
	const char		*home;
	unsigned		 line;
	enum section		 sec;
	struct app_config	*cfg;
	struct smerr		*e;
};

static void
account_clear(struct app_account *a)
{
	free(a->name);
	free(a->address);
	free(a->display_name);
	free(a->user);
	free(a->imap.host);
	free(a->smtp.host);
	free(a->password_command);
	free(a->trash);
	free(a->new_mail_command);
	free(a->ca_file);
	free(a->signature);
	free(a->alias_file);
	free(a->query_command);
}

void
app_config_free(struct app_config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->naccounts; i++)
		account_clear(&cfg->accounts[i]);
	free(cfg->accounts);
	free(cfg->dns.resolver);
	free(cfg->dns.trust_anchor);
	free(cfg->pkcs11_module);
	free(cfg->path);
	free(cfg);
}

const struct app_account *
app_config_account(const struct app_config *cfg, const char *name)
{
	size_t	i;

	if (cfg == NULL || cfg->naccounts == 0)
		return NULL;
	if (name == NULL)
		return &cfg->accounts[0];
	for (i = 0; i < cfg->naccounts; i++)
		if (strcmp(cfg->accounts[i].name, name) == 0)
			return &cfg->accounts[i];
	return NULL;
}

const char *
app_account_login(const struct app_account *a)
{
	return a->user != NULL ? a->user : a->address;
}

static int perr(struct parser *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
perr(struct parser *p, const char *fmt, ...)
{
	va_list	ap;
	char	msg[256];

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) >= (int)sizeof(msg))
		msg[sizeof(msg) - 1] = '\0';
	va_end(ap);
	return smerr_set(p->e, SMERR_CONFIG, "%s:%u: %s", p->path, p->line,
	    msg);
}

static int
parse_int(struct parser *p, const char *key, const char *v, int lo, int hi,
    int *out)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return perr(p, "%s: not a number in range", key);
	*out = (int)n;
	return 0;
}

static int
parse_bool(struct parser *p, const char *key, const char *v, int *out)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
	    strcmp(v, "on") == 0)
		*out = 1;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 ||
	    strcmp(v, "off") == 0)
		*out = 0;
	else
		return perr(p, "%s: expected yes or no", key);
	return 0;
}

static char *
resolve_path(const char *home, const char *v)
{
	char	*s;
	size_t	 n;

	if (v[0] == '/' || home == NULL)
		return strdup(v);
	n = strlen(home) + strlen(v) + 2;
	if ((s = malloc(n)) == NULL)
		return NULL;
	if (snprintf(s, n, "%s/%s", home, v) >= (int)n) {
		free(s);
		return NULL;
	}
	return s;
}

/*
 * A host name outside ASCII made A-labels (IDNA2008), the form DNS, the
 * certificate's name check and SNI all take; one IDNA refuses is an error
 * naming the key and the name.
 */
static int
server_alabels(const char *key, struct app_server *srv, struct smerr *e)
{
	struct smerr	 ie;
	char		*a;
	int		 r;

	if (text_is_ascii(srv->host))
		return 0;
	smerr_clear(&ie);
	if ((r = idn_alabels(srv->host, &a, &ie)) != 0) {
		free(srv->host);
		srv->host = NULL;
		return r == SMERR_NOMEM ? smerr_nomem(e) :
		    smerr_set(e, SMERR_CONFIG, "%s: %s", key, smerr_msg(&ie));
	}
	free(srv->host);
	srv->host = a;
	return 0;
}

int
app_server_parse(const char *key, const char *url, struct app_server *srv,
    struct smerr *e)
{
	static const struct {
		const char	*key, *scheme;
		int		 port;
		enum app_tls	 tls;
	} schemes[] = {
		{ "imap", "imap", 143, APP_TLS_STARTTLS },
		{ "imap", "imaps", 993, APP_TLS_IMPLICIT },
		{ "smtp", "submission", 587, APP_TLS_STARTTLS },
		{ "smtp", "submissions", 465, APP_TLS_IMPLICIT },
	};
	const char	*sep, *h, *hend, *colon;
	size_t		 i, slen;
	char		 scheme[32], *endp;
	long		 port;

	memset(srv, 0, sizeof(*srv));
	if ((sep = strstr(url, "://")) == NULL)
		return smerr_set(e, SMERR_CONFIG, "%s: '%s' is not a URL "
		    "(expected %s)", key, url, strcmp(key, "imap") == 0 ?
		    "imap:// or imaps://" : "submission:// or submissions://");
	slen = (size_t)(sep - url);
	if (slen >= sizeof(scheme))
		return smerr_set(e, SMERR_CONFIG, "%s: unknown URL scheme",
		    key);
	for (i = 0; i < slen; i++)
		scheme[i] = (char)tolower((unsigned char)url[i]);
	scheme[slen] = '\0';
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strcmp(schemes[i].key, key) == 0 &&
		    strcmp(schemes[i].scheme, scheme) == 0)
			break;
	if (i == sizeof(schemes) / sizeof(schemes[0])) {
		if (strcmp(scheme, "smtp") == 0 || strcmp(scheme, "imap+plain")
		    == 0 || strcmp(scheme, "http") == 0 ||
		    strcmp(scheme, "pop") == 0 || strcmp(scheme, "pop3") == 0)
			return smerr_set(e, SMERR_CONFIG, "%s: plaintext "
			    "scheme '%s://' is not allowed; use %s", key,
			    scheme, strcmp(key, "imap") == 0 ?
			    "imap:// (STARTTLS) or imaps://" :
			    "submission:// (STARTTLS) or submissions://");
		return smerr_set(e, SMERR_CONFIG, "%s: unknown URL scheme "
		    "'%s://' (expected %s)", key, scheme,
		    strcmp(key, "imap") == 0 ? "imap:// or imaps://" :
		    "submission:// or submissions://");
	}
	srv->port = schemes[i].port;
	srv->tls = schemes[i].tls;

	h = sep + 3;
	if (strchr(h, '@') != NULL)
		return smerr_set(e, SMERR_CONFIG, "%s: credentials do not "
		    "belong in the URL", key);
	if (*h == '[') {
		if ((hend = strchr(h, ']')) == NULL)
			return smerr_set(e, SMERR_CONFIG, "%s: bad address "
			    "literal", key);
		h++;
		colon = hend[1] == ':' ? hend + 1 : NULL;
		if (hend[1] != '\0' && hend[1] != ':' && hend[1] != '/')
			return smerr_set(e, SMERR_CONFIG, "%s: bad host", key);
	} else {
		hend = h + strcspn(h, ":/");
		colon = *hend == ':' ? hend : NULL;
	}
	if (hend == h)
		return smerr_set(e, SMERR_CONFIG, "%s: no host in URL", key);
	if (colon != NULL) {
		errno = 0;
		port = strtol(colon + 1, &endp, 10);
		if (errno != 0 || endp == colon + 1 || port < 1 ||
		    port > 65535 || (*endp != '\0' && strcmp(endp, "/") != 0))
			return smerr_set(e, SMERR_CONFIG, "%s: bad port", key);
		srv->port = (int)port;
	} else if (*hend != '\0' && *hend != ']' && strcmp(hend, "/") != 0)
		return smerr_set(e, SMERR_CONFIG, "%s: unexpected path in URL",
		    key);
	if ((srv->host = strndup(h, (size_t)(hend - h))) == NULL)
		return smerr_nomem(e);
	return server_alabels(key, srv, e);
}

/* A file name of the user's: "~/" is $HOME, a relative one is home's. */
static int
set_path(struct parser *p, char **dst, const char *v)
{
	const char	*h = getenv("HOME");

	free(*dst);
	if (strncmp(v, "~/", 2) == 0 && h != NULL && h[0] == '/') {
		if (asprintf(dst, "%s/%s", h, v + 2) == -1)
			*dst = NULL;
	} else if (v[0] == '~')
		return perr(p, "%s: only ~/ stands for the home directory", v);
	else
		*dst = resolve_path(p->home, v);
	if (*dst == NULL)
		return smerr_nomem(p->e);
	return 0;
}

int
app_server_lookup(const struct app_account *a, const struct app_server *as,
    struct dns *dns, int dns_addr, struct net_server *srv,
    struct net_lookup **lp, struct smerr *e)
{
	memset(srv, 0, sizeof(*srv));
	*lp = NULL;
	srv->host = as->host;
	srv->port = as->port;
	srv->tls = as->tls == APP_TLS_IMPLICIT ? NET_TLS_IMPLICIT :
	    NET_TLS_STARTTLS;
	srv->timeout = a->timeout;
	srv->ca_file = a->ca_file;
	return net_server_lookup(dns, dns_addr, srv, lp, e);
}

static int
set_str(struct parser *p, char **dst, const char *v)
{
	free(*dst);
	if ((*dst = strdup(v)) == NULL)
		return smerr_nomem(p->e);
	return 0;
}

/*
 * The keys of a section that only set a member, and how: a string, a
 * path (~/ is the home directory), a file (relative to the config's
 * folder), a number in a range, yes or no, or one of a few words.
 */
enum ckey_kind {
	CKEY_STR, CKEY_PATH, CKEY_FILE, CKEY_INT, CKEY_BOOL, CKEY_WORD
};
struct ckey_word {
	const char	*word;
	int		 value;
};
struct ckey {
	const char		*name;
	enum ckey_kind		 kind;
	size_t			 off;		/* in the section's struct */
	int			 lo, hi;	/* CKEY_INT's range */
	const struct ckey_word	*words;		/* CKEY_WORD's */
	const char		*expected;	/* and how to say them */
};

/* A CKEY_WORD member is an enum, set as the int it is. */
_Static_assert(sizeof(enum app_encrypt) == sizeof(int) &&
    sizeof(enum app_revocation) == sizeof(int), "enums are ints");
static const struct ckey_word encrypt_words[] = {
	{ "auto", APP_ENCRYPT_AUTO }, { "yes", APP_ENCRYPT_YES },
	{ "no", APP_ENCRYPT_NO }, { NULL, 0 }
};
static const struct ckey_word revocation_words[] = {
	{ "ocsp+crl", APP_REVOCATION_OCSP_CRL }, { "crl", APP_REVOCATION_CRL },
	{ "off", APP_REVOCATION_OFF }, { NULL, 0 }
};

#define ACCOUNT(n, k, m, lo, hi)	\
	{ n, k, offsetof(struct app_account, m), lo, hi, NULL, NULL }
static const struct ckey account_keys[] = {
	ACCOUNT("name",			CKEY_STR,  display_name, 0, 0),
	ACCOUNT("user",			CKEY_STR,  user, 0, 0),
	ACCOUNT("password-command",	CKEY_STR,  password_command, 0, 0),
	ACCOUNT("trash",		CKEY_STR,  trash, 0, 0),
	ACCOUNT("signature",		CKEY_PATH, signature, 0, 0),
	ACCOUNT("alias",		CKEY_PATH, alias_file, 0, 0),
	ACCOUNT("query-command",	CKEY_STR,  query_command, 0, 0),
	ACCOUNT("new-mail-command",	CKEY_STR,  new_mail_command, 0, 0),
	ACCOUNT("ca-file",		CKEY_FILE, ca_file, 0, 0),
	ACCOUNT("poll",			CKEY_INT,  poll, 5, 86400),
	ACCOUNT("timeout",		CKEY_INT,  timeout, 1, 3600),
	ACCOUNT("sign",			CKEY_BOOL, sign, 0, 0),
	ACCOUNT("header-protection",	CKEY_BOOL, header_protection, 0, 0),
	ACCOUNT("legacy-display",	CKEY_BOOL, legacy_display, 0, 0),
	{ "encrypt", CKEY_WORD, offsetof(struct app_account, encrypt), 0, 0,
	    encrypt_words, "yes, no or auto" },
	{ NULL, CKEY_STR, 0, 0, 0, NULL, NULL }
};
#undef ACCOUNT
static const struct ckey dns_keys[] = {
	{ "resolver", CKEY_STR, offsetof(struct app_dns, resolver), 0, 0,
	    NULL, NULL },
	{ "trust-anchor", CKEY_FILE, offsetof(struct app_dns, trust_anchor),
	    0, 0, NULL, NULL },
	{ "timeout", CKEY_INT, offsetof(struct app_dns, timeout), 1, 300,
	    NULL, NULL },
	{ NULL, CKEY_STR, 0, 0, 0, NULL, NULL }
};
static const struct ckey security_keys[] = {
	{ "revocation", CKEY_WORD, offsetof(struct app_security, revocation),
	    0, 0, revocation_words, "ocsp+crl, crl or off" },
	{ "timeout", CKEY_INT, offsetof(struct app_security, timeout), 1,
	    300, NULL, NULL },
	{ "store-key-cache", CKEY_INT, offsetof(struct app_security,
	    key_cache), 0, 86400, NULL, NULL },
	{ NULL, CKEY_STR, 0, 0, 0, NULL, NULL }
};

/* Sets key k, one of table t's, of the section at base. */
static int
table_key(struct parser *p, const struct ckey *t, void *base, const char *k,
    const char *v)
{
	const struct ckey_word	*w;
	char			*field, **sp;

	for (; t->name != NULL; t++)
		if (strcmp(k, t->name) == 0)
			break;
	if (t->name == NULL)
		return perr(p, "unknown key '%s'", k);
	field = (char *)base + t->off;
	sp = (char **)(void *)field;
	switch (t->kind) {
	case CKEY_STR:
		return set_str(p, sp, v);
	case CKEY_PATH:
		return set_path(p, sp, v);
	case CKEY_FILE:
		free(*sp);
		if ((*sp = resolve_path(p->home, v)) == NULL)
			return smerr_nomem(p->e);
		return 0;
	case CKEY_INT:
		return parse_int(p, k, v, t->lo, t->hi, (int *)(void *)field);
	case CKEY_BOOL:
		return parse_bool(p, k, v, (int *)(void *)field);
	case CKEY_WORD:
		for (w = t->words; w->word != NULL; w++)
			if (strcmp(v, w->word) == 0) {
				*(int *)(void *)field = w->value;
				return 0;
			}
		return perr(p, "%s: expected %s", k, t->expected);
	}
	return perr(p, "unknown key '%s'", k);
}

static int
account_key(struct parser *p, struct app_account *a, const char *k,
    const char *v)
{
	struct smerr		 se;
	struct app_server	*srv;
	int			 r;

	if (strcmp(k, "address") == 0) {
		if (strchr(v, '@') == NULL || strchr(v, ' ') != NULL)
			return perr(p, "address: '%s' is not an e-mail address",
			    v);
		return set_str(p, &a->address, v);
	}
	if (strcmp(k, "imap") == 0 || strcmp(k, "smtp") == 0) {
		srv = k[0] == 'i' ? &a->imap : &a->smtp;
		free(srv->host);
		smerr_clear(&se);
		if ((r = app_server_parse(k, v, srv, &se)) != 0)
			return perr(p, "%s", smerr_msg(&se));
		if (k[0] == 'i')
			a->has_imap = 1;
		else
			a->has_smtp = 1;
		return 0;
	}
	return table_key(p, account_keys, a, k, v);
}

static int
security_key(struct parser *p, struct app_security *sec, const char *k,
    const char *v)
{
	if (strcmp(k, "store-key-cache") == 0)
		sec->key_cache_set = 1;
	return table_key(p, security_keys, sec, k, v);
}

/* [dns] or [security], which a file has once: *present says it has. */
static int
section_once(struct parser *p, const char *name, int *present,
    enum section sec)
{
	if (*present)
		return perr(p, "second [%s] section", name);
	*present = 1;
	p->sec = sec;
	return 0;
}

static int
section(struct parser *p, char *s)
{
	struct app_config	*cfg = p->cfg;
	struct app_account	*a;
	char			*name;
	size_t			 i;

	if (strcmp(s, "dns") == 0)
		return section_once(p, s, &cfg->dns.present, SEC_DNS);
	if (strcmp(s, "security") == 0)
		return section_once(p, s, &cfg->security.present,
		    SEC_SECURITY);
	if (strcmp(s, "pkcs11") == 0) {
		if (p->sec == SEC_PKCS11 || cfg->pkcs11_module != NULL)
			return perr(p, "second [pkcs11] section");
		p->sec = SEC_PKCS11;
		return 0;
	}
	if (strncmp(s, "account", 7) != 0 || (s[7] != ' ' && s[7] != '\t'))
		return perr(p, "unknown section [%s]", s);
	name = text_trim(s + 7);
	if (*name == '\0' || strpbrk(name, " \t/") != NULL)
		return perr(p, "bad account name '%s'", name);
	for (i = 0; i < cfg->naccounts; i++)
		if (strcmp(cfg->accounts[i].name, name) == 0)
			return perr(p, "account '%s' defined twice", name);
	if (cfg->naccounts == CONFIG_MAX_ACCOUNTS)
		return perr(p, "too many accounts");
	a = reallocarray(cfg->accounts, cfg->naccounts + 1, sizeof(*a));
	if (a == NULL)
		return smerr_nomem(p->e);
	cfg->accounts = a;
	a = &cfg->accounts[cfg->naccounts];
	memset(a, 0, sizeof(*a));
	a->timeout = APP_DEFAULT_TIMEOUT;
	a->poll = APP_DEFAULT_POLL;
	a->sign = 1;
	a->encrypt = APP_ENCRYPT_AUTO;
	a->header_protection = 1;
	a->legacy_display = 1;
	cfg->naccounts++;
	if ((a->name = strdup(name)) == NULL)
		return smerr_nomem(p->e);
	p->sec = SEC_ACCOUNT;
	return 0;
}

static int
line(struct parser *p, char *s)
{
	char	*hash, *eq, *k, *v, *end;

	/* '#' starts a comment anywhere but inside a password-command. */
	s = text_trim(s);
	if (*s == '#' || *s == '\0')
		return 0;
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL ||
		    (*(hash = text_trim(end + 1)) != '\0' && *hash != '#'))
			return perr(p, "bad section header");
		*end = '\0';
		return section(p, text_trim(s + 1));
	}
	if ((eq = strchr(s, '=')) == NULL)
		return perr(p, "expected 'key = value'");
	*eq = '\0';
	k = text_trim(s);
	v = eq + 1;
	if (strcmp(k, "password-command") != 0 &&
	    (hash = strchr(v, '#')) != NULL)
		*hash = '\0';
	v = text_trim(v);
	if (*k == '\0')
		return perr(p, "expected 'key = value'");
	if (*v == '\0')
		return perr(p, "%s: empty value", k);
	switch (p->sec) {
	case SEC_ACCOUNT:
		return account_key(p, &p->cfg->accounts[p->cfg->naccounts - 1],
		    k, v);
	case SEC_DNS:
		return table_key(p, dns_keys, &p->cfg->dns, k, v);
	case SEC_SECURITY:
		return security_key(p, &p->cfg->security, k, v);
	case SEC_PKCS11:
		if (strcmp(k, "module") != 0)
			return perr(p, "unknown key '%s'", k);
		free(p->cfg->pkcs11_module);
		if ((p->cfg->pkcs11_module = resolve_path(p->home, v)) == NULL)
			return smerr_set(p->e, SMERR_NOMEM, "out of memory");
		return 0;
	default:
		return perr(p, "'%s' outside a section", k);
	}
}

static int
finish(struct parser *p)
{
	struct app_account	*a;
	size_t			 i;

	for (i = 0; i < p->cfg->naccounts; i++) {
		a = &p->cfg->accounts[i];
		if (a->address == NULL)
			return smerr_set(p->e, SMERR_CONFIG, "%s: account '%s' "
			    "has no address", p->path, a->name);
		if (a->user == NULL && (a->user = strdup(a->address)) == NULL)
			return smerr_nomem(p->e);
	}
	if (p->cfg->dns.timeout == 0)
		p->cfg->dns.timeout = APP_DEFAULT_DNS_TIMEOUT;
	if (p->cfg->security.timeout == 0)
		p->cfg->security.timeout = APP_DEFAULT_REVOKE_TIMEOUT;
	if (!p->cfg->security.key_cache_set)
		p->cfg->security.key_cache = APP_DEFAULT_KEY_CACHE;
	return 0;
}

int
app_config_parse(const char *text, size_t len, const char *path,
    const char *home, struct app_config **cfgp, struct smerr *e)
{
	struct parser	 p;
	char		*copy = NULL, *s, *nl;
	int		 r;

	*cfgp = NULL;
	memset(&p, 0, sizeof(p));
	p.path = path;
	p.home = home;
	p.e = e;
	if (memchr(text, '\0', len) != NULL)
		return smerr_set(e, SMERR_CONFIG, "%s: contains a NUL byte",
		    path);
	if ((p.cfg = calloc(1, sizeof(*p.cfg))) == NULL ||
	    (p.cfg->path = strdup(path)) == NULL ||
	    (copy = strndup(text, len)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	p.cfg->dns.timeout = 0;
	for (s = copy; s != NULL; s = nl) {
		if ((nl = strchr(s, '\n')) != NULL)
			*nl++ = '\0';
		p.line++;
		if ((r = line(&p, s)) != 0)
			goto out;
	}
	if ((r = finish(&p)) != 0)
		goto out;
	*cfgp = p.cfg;
	p.cfg = NULL;
out:
	free(copy);
	app_config_free(p.cfg);
	return r;
}

int
app_config_load(const char *path, const char *home, struct app_config **cfgp,
    struct smerr *e)
{
	struct buf	*b = NULL;
	int		 fd, r;

	*cfgp = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return app_config_parse("", 0, path, home, cfgp, e);
		return smerr_set(e, SMERR_CONFIG, "%s: %s", path,
		    strerror(errno));
	}
	/* Its password-command runs under /bin/sh: others must not write. */
	if ((r = app_file_buf(fd, path, "a config file", 0, CONFIG_MAX_SIZE,
	    &b, e)) != 0)
		return r;
	r = buf_read_fd(b, fd);
	close(fd);
	if (r != 0)
		r = smerr_set(e, SMERR_CONFIG, "%s: %s", path, r == SMERR_LIMIT
		    ? "file too large" : "read error");
	else
		r = app_config_parse(buf_str(b), buf_len(b), path, home, cfgp,
		    e);
	buf_free(b);
	return r;
}
