/*
 * sealmail keys import|trust|list|lookup|remove: the key store from the
 * command line. list --json prints one array; every string that comes
 * from a certificate is sanitized before it is shown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/secmem.h"
#include "base/text.h"
#include "store/store.h"
#include "keys/keys.h"
#include "crypto/crypto.h"
#include "app/agent.h"
#include "app/app_int.h"
#include "app/revoke.h"
#include "app/sync.h"
#include "net/dns.h"

/*
 * keys import 'pkcs11:...' [CERT]: an identity whose key stays on a token.
 * The certificate is read from the token unless given; either way a
 * short-lived key agent checks that the token's key is the certificate's.
 */
static int
import_token(struct cli *c, struct keys *k, const char *uri,
    const char *certpath)
{
	uint8_t	*der = NULL;
	size_t	 len = 0;
	int	 r;

	if ((r = crypto_p11_uri_check(uri, &c->err)) == 0 &&
	    (certpath == NULL ||
	    (r = keys_cert_file_der(certpath, &der, &len, &c->err)) == 0) &&
	    (r = agent_token_probe(uri, &der, &len, &c->err)) == 0)
		r = keys_import_token(k, der, len, uri, &c->err);
	free(der);
	return r;
}

/*
 * Mail that waited for a key is judged as sync judges it: revocation
 * checked, and SMIMEA asked for its signers where a [dns] section is set,
 * so that its verdict does not depend on which command opened it.
 */
static int
import_retry(struct cli *c, struct store *st, struct keys *k, size_t *donep)
{
	struct crypto_ctx	*ctx = NULL;
	struct app_revoke	*rv = NULL;
	struct dns		*dns = NULL;
	struct cli_dane		 dane;
	int			 r, any = 0;

	*donep = 0;
	/* Nothing waits: no engine, no key agent, no token's PIN asked. */
	if ((r = sync_pending_any(st, &any, &c->err)) != 0 || !any)
		return r;
	if ((r = sync_crypto_ctx(k, &ctx, &c->err)) != 0 ||
	    (r = cli_open_dns(c, 1, &dns)) != 0 ||
	    (r = app_revoke_new(c->cfg, st, dns, &rv, &c->err)) != 0)
		goto out;
	app_revoke_attach(rv, ctx);
	cli_dane_attach(&dane, ctx, k, dns);
	r = sync_retry_pending(st, k, ctx, donep, &c->err);
out:
	crypto_ctx_free(ctx);
	cli_revoke_close(rv);
	dns_free(dns);
	return r;
}

static const char	*kind_name(enum keys_kind);

/* What an import added: the rows above the highest id there was before. */
struct added {
	int64_t		 max;
	size_t		 n;
	size_t		 ee;	/* of them not CA certificates */
};

static int
max_id_cb(const struct keys_cert *kc, void *arg)
{
	struct added	*a = arg;

	if (kc->id > a->max)
		a->max = kc->id;
	return 0;
}

static int
added_cb(const struct keys_cert *kc, void *arg)
{
	struct added		*a = arg;
	struct keys_certinfo	 ci;
	char			*s;

	if (kc->id <= a->max)
		return 0;
	(void)keys_cert_info(kc->der, kc->der_len, &ci, NULL);
	s = text_sanitize_str(kc->emails == NULL || *kc->emails == '\0' ?
	    ci.subject : kc->emails, 0);
	printf("added %s %s\n  SHA-256 %s\n", kind_name(kc->kind),
	    s != NULL && *s != '\0' ? s : "(no address)", kc->fingerprint);
	if (!ci.is_ca)
		a->ee++;
	if (kc->kind != KEYS_ANCHOR && !ci.is_ca &&
	    (kc->emails == NULL || *kc->emails == '\0'))
		fprintf(stderr, "sealmail: note: %s names no e-mail address: "
		    "no mail is encrypted to it, and a message it signs is "
		    "a mismatch\n", s != NULL ? s : "");
	if (kc->kind == KEYS_IDENTITY && ci.not_after != 0 &&
	    ci.not_after < time(NULL))
		fprintf(stderr, "sealmail: note: this identity has expired: it "
		    "opens the mail sent to it, and signs only where no valid "
		    "one is left\n");
	free(s);
	keys_certinfo_clear(&ci);
	a->n++;
	return 0;
}

/*
 * A PKCS#12 that did not open, and no passphrase was given for it: say
 * how to give one, rather than that a passphrase never typed was wrong.
 */
static void
import_no_passphrase(struct cli *c, const char *path, int store_tried)
{
	if (store_tried)
		smerr_reset(&c->err, SMERR_AUTH, "%s: the store's passphrase "
		    "does not open it; give its own after the command: keys "
		    "import %s --passphrase-file F", path, path);
	else if (!isatty(STDIN_FILENO))
		smerr_reset(&c->err, SMERR_AUTH, "%s: needs its passphrase; "
		    "standard input is not a terminal, so give it with "
		    "--passphrase-file F", path);
}

static int
keys_import(struct cli *c, int argc, char **argv, enum keys_kind kind)
{
	struct cli_args			 args;
	struct store			*st = NULL;
	struct keys			*k = NULL;
	struct buf			*pass = NULL;
	const char			*pfile, *sfile;
	struct added			 a;
	char				*p12pass = NULL;
	size_t				 done = 0;
	int				 r = 1, token, own;

	if (cli_args_parse(&cmd_keys_import_entry, argc, argv, &args) != 0 ||
	    ((pfile = cli_opt_get(&args, "passphrase-file")) != NULL &&
	    kind == KEYS_ANCHOR))
		return cli_usage(c);
	token = kind == KEYS_PEER && args.argc > 0 && strncmp(args.argv[0],
	    KEYS_TOKEN_PREFIX, KEYS_TOKEN_PREFIXLEN) == 0;
	if (args.argc != 1 && !(token && args.argc == 2))
		return cli_usage(c);

	/*
	 * The command's --passphrase-file opens the PKCS#12; the global one
	 * (or SEALMAIL_PASSPHRASE_FILE) is the store's, and each stands in
	 * for the other when only one is given.
	 */
	own = pfile != NULL;
	sfile = c->passphrase_file != NULL ? c->passphrase_file : pfile;
	if (pfile == NULL)
		pfile = c->passphrase_file;
	/* The configuration judges waiting mail: read before any change. */
	if ((kind != KEYS_ANCHOR && cli_config(c) != 0) ||
	    cli_open_store_with(c, sfile, &st) != 0 ||
	    cli_open_keys(c, &st, &k) != 0)
		goto out;
	if (pfile != NULL) {
		if (cli_read_passfile(pfile, &pass, &c->err) != 0)
			goto out;
		if ((p12pass = buf_strdup(pass)) == NULL) {
			smerr_nomem(&c->err);
			goto out;
		}
	}
	memset(&a, 0, sizeof(a));
	if (keys_foreach(k, KEYS_IDENTITY | KEYS_PEER | KEYS_ANCHOR, max_id_cb,
	    &a, &c->err) != 0)
		goto out;
	if (token)
		r = import_token(c, k, args.argv[0], args.argc > 1 ?
		    args.argv[1] : NULL);
	else
		r = keys_import_path(k, args.argv[0], kind, p12pass, &c->err);
	if (r == SMERR_AUTH && !token && pfile == NULL &&
	    isatty(STDIN_FILENO)) {
		/* A PKCS#12 with a passphrase, and none given: ask for it. */
		smerr_clear(&c->err);
		if (cli_ask_secret("Passphrase for the PKCS#12 file: ", 0,
		    &pass, &c->err) != 0)
			goto out;
		if ((p12pass = buf_strdup(pass)) == NULL) {
			smerr_nomem(&c->err);
			goto out;
		}
		r = keys_import_path(k, args.argv[0], kind, p12pass, &c->err);
	}
	if (r == SMERR_AUTH && !token && !own)
		import_no_passphrase(c, args.argv[0], pfile != NULL);
	if (r != 0 || (r = keys_foreach(k, KEYS_IDENTITY | KEYS_PEER |
	    KEYS_ANCHOR, added_cb, &a, &c->err)) != 0)
		goto out;
	if (a.n == 0)
		printf("%s: already in the key store, nothing added\n",
		    args.argv[0]);
	else if (kind == KEYS_PEER && a.ee == 0)
		fprintf(stderr, "sealmail: note: %s holds only CA "
		    "certificates: kept to complete chains, they vouch for no "
		    "one; keys trust %s makes them trust anchors\n",
		    args.argv[0], args.argv[0]);
	/* Mail that waited for this key is decrypted now. */
	if (kind != KEYS_ANCHOR) {
		if ((r = import_retry(c, st, k, &done)) != 0)
			goto out;
		if (done > 0)
			printf("%zu stored message(s) decrypted with the new "
			    "key\n", done);
	}
	r = 0;
out:
	secmem_strfree(p12pass);
	buf_free(pass);
	keys_close(k);
	store_close(st);
	return r == 0 ? 0 : cli_fail(c);
}

static const char *
kind_name(enum keys_kind kind)
{
	switch (kind) {
	case KEYS_IDENTITY:
		return "identity";
	case KEYS_PEER:
		return "peer";
	case KEYS_ANCHOR:
		return "anchor";
	}
	return "unknown";
}

/*
 * The addresses of identity kc that mail from them is signed with it
 * (keys_identity_for picks it among their identities): a malloc'd
 * comma-separated list, empty when none, NULL when out of memory.
 */
static char *
signs_for(struct keys *k, const struct keys_cert *kc)
{
	struct buf	*b;
	char		*list, *a, *save = NULL, *out = NULL;
	uint8_t		*der;
	size_t		 len;
	int64_t		 id;

	if ((b = buf_new(0)) == NULL || (list = strdup(kc->emails != NULL ?
	    kc->emails : "")) == NULL) {
		buf_free(b);
		return NULL;
	}
	for (a = strtok_r(list, ",", &save); a != NULL;
	    a = strtok_r(NULL, ",", &save)) {
		if (keys_identity_for(k, a, &der, &len, &id, NULL) != 0)
			continue;
		free(der);
		if (id == kc->id)
			buf_printf(b, "%s%s", buf_len(b) > 0 ? "," : "", a);
	}
	out = buf_strdup(b);
	free(list);
	buf_free(b);
	return out;
}

struct listing {
	struct cli	*c;
	struct keys	*k;
	struct store	*st;
	struct buf	*out;
	struct json_w	 w;	/* over out, with --json */
	int		 json;
	int		 err;
};

/*
 * What the store last learnt of kc's revocation, by OCSP or a CRL, while
 * that answer holds: a member of the JSON object, or a line.
 */
static void
list_revocation(struct listing *l, const struct keys_cert *kc)
{
	struct app_revoke_kept	 k;
	char			 when[32], at[64] = "";
	int			 kept;

	if (kc->kind == KEYS_ANCHOR)
		return;
	kept = app_revoke_kept(l->st, kc->fingerprint, &k);
	if (l->json) {
		json_kstr(&l->w, "revocation", kept ? k.status : NULL);
		return;
	}
	if (!kept)
		return;
	(void)text_iso_time(k.checked, when, sizeof(when));
	if (k.at != 0) {
		memcpy(at, " since ", 8);
		(void)text_iso_time(k.at, at + 7, sizeof(at) - 7);
	}
	printf("         revocation %s%s%s%s (%s, checked %s)\n", k.revoked ?
	    "REVOKED" : "good", at, k.reason != NULL ? ", " : "",
	    k.reason != NULL ? k.reason : "", k.how, when);
}

static int
list_cb(const struct keys_cert *kc, void *arg)
{
	struct listing		*l = arg;
	struct keys_certinfo	 ci;
	struct smerr		 e;
	char			 nb[32], na[32], *old = NULL;
	char			*addr = NULL, *uri = NULL, *signs = NULL;
	char			*s;
	int			 r = 0;

	smerr_clear(&e);
	if (keys_cert_info(kc->der, kc->der_len, &ci, &e) != 0) {
		/* Unreadable rows are named, not hidden. */
		memset(&ci, 0, sizeof(ci));
		snprintf(ci.fingerprint, sizeof(ci.fingerprint), "%s",
		    kc->fingerprint);
	}
	(void)keys_replaced(l->k, kc->fingerprint, &old, &addr, NULL);
	if (kc->kind == KEYS_IDENTITY) {
		(void)keys_identity_token(l->k, kc->id, &uri, NULL);
		if ((signs = signs_for(l->k, kc)) == NULL)
			r = -1;
	}
	if (l->json) {
		json_obj(&l->w, NULL);
		json_kstr(&l->w, "kind", kind_name(kc->kind));
		json_ktext_list(&l->w, "email", kc->emails);
		json_ktext(&l->w, "subject", ci.subject);
		json_ktext(&l->w, "issuer", ci.issuer);
		json_kstr(&l->w, "fingerprint", kc->fingerprint);
		json_ktime(&l->w, "not_before", ci.not_before);
		json_ktime(&l->w, "not_after", ci.not_after);
		json_ktext(&l->w, "source", kc->source);
		json_ktime(&l->w, "added", kc->added);
		json_kint(&l->w, "id", (long long)kc->id);
		json_kstr(&l->w, "replaces", old);
		json_ktext(&l->w, "replaces_for", addr);
		if (kc->kind == KEYS_IDENTITY) {
			/* Where its private key is: sealed here, or a token. */
			json_kstr(&l->w, "key", uri != NULL ? "pkcs11" :
			    "store");
			/* The addresses whose mail it signs. */
			json_ktext_list(&l->w, "signs", signs);
		}
		list_revocation(l, kc);
		json_end(&l->w);
		if (r == 0)
			r = json_done(&l->w);
	} else {
		(void)text_iso_time(ci.not_before, nb, sizeof(nb));
		(void)text_iso_time(ci.not_after, na, sizeof(na));
		s = text_sanitize_str(ci.subject != NULL ? ci.subject : "?",
		    0);
		printf("%-8s %s %s\n", kind_name(kc->kind), kc->fingerprint,
		    s != NULL ? s : "");
		free(s);
		s = text_sanitize_str(kc->emails, 0);
		printf("         email %s; source %s; valid %s to %s\n",
		    s != NULL && *s != '\0' ? s : "(none)", kc->source,
		    nb, na);
		free(s);
		if (old != NULL) {
			s = text_sanitize_str(addr != NULL ? addr : "", 0);
			printf("         replaces %s for %s\n", old,
			    s != NULL ? s : "");
			free(s);
		}
		if (uri != NULL) {
			s = text_sanitize_str(uri, 0);
			printf("         key on a token: %s\n",
			    s != NULL ? s : "");
			free(s);
		}
		if (signs != NULL && *signs != '\0') {
			s = text_sanitize_str(signs, 0);
			printf("         signs mail from %s\n",
			    s != NULL ? s : "");
			free(s);
		}
		list_revocation(l, kc);
	}
	free(signs);
	free(uri);
	free(old);
	free(addr);
	keys_certinfo_clear(&ci);
	if (r != 0) {
		l->err = 1;
		return 1;
	}
	return 0;
}

static int
keys_list(struct cli *c, int argc, char **argv)
{
	struct store	*st = NULL;
	struct keys	*k = NULL;
	struct listing	 l;
	int		 r = 1;

	crypto_init_local();
	memset(&l, 0, sizeof(l));
	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		l.json = 1;
	else if (argc != 1)
		return cli_usage(c);
	if (cli_open_keys(c, &st, &k) != 0)
		goto out;
	l.c = c;
	l.k = k;
	l.st = st;
	if ((l.out = buf_new(0)) == NULL) {
		smerr_nomem(&c->err);
		goto out;
	}
	json_begin(&l.w, l.out);
	if (l.json)
		json_arr(&l.w, NULL);
	if (keys_foreach(k, KEYS_IDENTITY | KEYS_PEER | KEYS_ANCHOR, list_cb,
	    &l, &c->err) != 0)
		goto out;
	if (l.err) {
		smerr_nomem(&c->err);
		goto out;
	}
	if (l.json) {
		json_end(&l.w);
		if (json_done(&l.w) != 0) {
			smerr_nomem(&c->err);
			goto out;
		}
		if (cli_print(c, l.out) != 0)
			goto out;
	}
	r = 0;
out:
	buf_free(l.out);
	keys_close(k);
	store_close(st);
	return r == 0 ? 0 : cli_fail(c);
}

int
cmd_keys(struct cli *c, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(c);
	if (strcmp(argv[1], "import") == 0)
		return keys_import(c, argc - 1, argv + 1, KEYS_PEER);
	if (strcmp(argv[1], "trust") == 0)
		return keys_import(c, argc - 1, argv + 1, KEYS_ANCHOR);
	if (strcmp(argv[1], "list") == 0)
		return keys_list(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "lookup") == 0)		/* cmd-keys-lookup.c */
		return cmd_keys_lookup(c, argc - 1, argv + 1);
	if (strcmp(argv[1], "remove") == 0)		/* cmd-keys-remove.c */
		return cmd_keys_remove(c, argc - 1, argv + 1);
	return cli_usage(c);
}

const struct cli_cmd cmd_keys_import_entry = {
	"keys", cmd_keys, "keys import FILE.p12|FILE.pem [--passphrase-file F]",
	"import your identity, or a peer's certificate", "passphrase-file=", 0
};

const struct cli_cmd cmd_keys_pkcs11_entry = {
	"keys", cmd_keys, "keys import 'pkcs11:token=T;object=O' [CERT] "
	    "[--pin-file F]",
	"an identity whose key stays on a PKCS#11 token", NULL, 0
};

const struct cli_cmd cmd_keys_trust_entry = {
	"keys", cmd_keys, "keys trust CA.pem", "add a trust anchor", NULL, 0
};

const struct cli_cmd cmd_keys_list_entry = {
	"keys", cmd_keys, "keys list [--json]",
	"list identities, certificates and trust anchors", NULL, 0
};
