/*
 * sealmail inspect [--json] [--time WHEN] FILE|-...: what a reader is told
 * about a message. The trust anchors and identities come from the key
 * store under --home (plus the system's trust store); the verdict is
 * crypto_judge()'s, printed as the contract's JSON object or as a few
 * lines of text. Several files give one verdict each (one JSON object per
 * line), judged with one context per core, so that many messages cost one
 * set-up.
 *
 * The time at which certificates are judged is now, or --time, or the
 * environment's SEALMAIL_VERIFY_TIME (YYYY-MM-DD[THH:MM:SS] UTC, or
 * @SECONDS), for mail whose certificates have since expired.
 *
 * With a [dns] section in the configuration, each signer is also looked
 * up in SMIMEA (DNSSEC): a secure match is trust "dane".
 *
 * A signer that is valid, trusted and the From address has its
 * certificate harvested into the key store for later encryption.
 */
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "base/text.h"
#include "mime/mime.h"
#include "net/dns.h"
#include "store/store.h"
#include "keys/keys.h"
#include "crypto/crypto.h"
#include "app/app_int.h"
#include "app/sync.h"

static int
read_input(const char *path, struct buf **bp, struct smerr *e)
{
	struct buf	*b;
	int		 fd, r;

	*bp = NULL;
	if ((b = buf_new(MIME_MAX_INPUT)) == NULL)
		return smerr_set(e, SMERR_NOMEM, "out of memory");
	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		buf_free(b);
		return smerr_set(e, SMERR_IO, "%s: cannot be opened", path);
	}
	r = buf_read_fd(b, fd);
	if (fd != STDIN_FILENO)
		close(fd);
	if (r != 0) {
		buf_free(b);
		if (r == SMERR_LIMIT)
			return smerr_set(e, r, "%s: larger than %lu bytes",
			    path, MIME_MAX_INPUT);
		return smerr_set(e, r, "%s: cannot be read", path);
	}
	*bp = b;
	return 0;
}

static int
human(struct buf *o, const struct crypto_verdict *v)
{
	size_t	i;
	int	r = 0;

	r |= buf_printf(o, "From:       %s\n", v->from != NULL ? v->from :
	    "(none)");
	r |= buf_printf(o, "Subject:    %s\n", v->subject);
	r |= buf_printf(o, "Signature:  %s", crypto_sig_str(v->signature));
	if (v->signer != NULL)
		r |= buf_printf(o, " by %s (trust: %s)", v->signer,
		    crypto_trust_str(v->trust));
	r |= buf_printf(o, "\nEncryption: %s", crypto_enc_str(v->encryption));
	if (v->cipher != NULL)
		r |= buf_printf(o, " (%s)", v->cipher);
	r |= buf_putc(o, '\n');
	for (i = 0; i < v->nfindings; i++)
		r |= buf_printf(o, "Note:       %s\n", v->findings[i]);
	r |= buf_printf(o, "\n%s", v->text);
	return r != 0 ? SMERR_NOMEM : 0;
}

/*
 * A batch of files is judged on two threads, each with a context of its
 * own, a chunk at a time; the verdicts are printed (and signers harvested)
 * in the order of the files by the calling thread alone. Only without
 * DNS: the DANE hook shares the key store and the resolver.
 */
#define INSPECT_CHUNK	64

struct inspect_slot {
	const char		*path;
	struct buf		*in;
	struct crypto_verdict	*v;
	struct smerr		 err;
	int			 r;
};

struct inspect_worker {
	struct crypto_ctx	*ctx;
	struct inspect_slot	*slots;
	size_t			 first, n, step;
};

static void
slots_clear(struct inspect_slot *slots, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		buf_free(slots[i].in);
		crypto_verdict_free(slots[i].v);
		memset(&slots[i], 0, sizeof(slots[i]));
	}
}

static void
inspect_one(struct crypto_ctx *ctx, struct inspect_slot *sl)
{
	smerr_clear(&sl->err);
	if ((sl->r = read_input(sl->path, &sl->in, &sl->err)) == 0)
		sl->r = crypto_judge(ctx, buf_data(sl->in), buf_len(sl->in),
		    &sl->v, &sl->err);
}

static void *
inspect_thread(void *arg)
{
	struct inspect_worker	*w = arg;
	size_t			 i;

	for (i = w->first; i < w->n; i += w->step)
		inspect_one(w->ctx, &w->slots[i]);
	return NULL;
}

/* Judges slots[0..n) on this thread and one more (ctx2). */
static void
inspect_chunk(struct crypto_ctx *ctx, struct crypto_ctx *ctx2,
    struct inspect_slot *slots, size_t n)
{
	struct inspect_worker	a, b;
	pthread_t		t;

	a.ctx = ctx2;
	a.slots = slots;
	a.first = 1;
	a.n = n;
	a.step = 2;
	b = a;
	b.ctx = ctx;
	b.first = 0;
	if (pthread_create(&t, NULL, inspect_thread, &a) != 0) {
		b.step = 1;		/* no thread: all here */
		inspect_thread(&b);
		return;
	}
	inspect_thread(&b);
	pthread_join(t, NULL);
}

int
cmd_inspect(struct cli *c, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "time",	required_argument,	NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct store		*st = NULL;
	struct keys		*k = NULL;
	struct crypto_ctx	*ctx = NULL;
	struct crypto_verdict	*v = NULL;
	struct buf		*in = NULL, *out = NULL;
	struct dns		*dns = NULL;
	struct cli_dane		 dane;
	struct crypto_ctx	*ctx2 = NULL;
	struct inspect_slot	 slots[INSPECT_CHUNK], *sl;
	size_t			 nslots = 0, next = 0, last_len = 0;
	char			*last_addr = NULL;
	uint8_t			*last_der = NULL;
	const char		*when = NULL;
	time_t			 t = 0;
	int			 ch, i, json = 0, rc = 1, replaced;

	memset(slots, 0, sizeof(slots));
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 't':
			when = optarg;
			break;
		default:
			return cli_usage(c);
		}
	}
	if (optind >= argc)
		return cli_usage(c);
	if (cli_open_keys(c, &st, &k) != 0 ||
	    sync_crypto_ctx(k, &ctx, &c->err) != 0)
		goto fail;
	if (when != NULL) {
		if (crypto_parse_time(when, &t, &c->err) != 0)
			goto fail;
		crypto_ctx_set_time(ctx, t);
	}
	/* SMIMEA only where a [dns] section says which resolver to ask. */
	if (cli_open_dns(c, 1, &dns) != 0)
		goto fail;
	if (dns != NULL) {
		memset(&dane, 0, sizeof(dane));
		dane.k = k;
		dane.dns = dns;
		crypto_ctx_set_dane(ctx, cli_dane_hook, &dane);
	}
	/* Two files or more, no DNS: the second core judges too. */
	if (dns == NULL && argc - optind >= 2 &&
	    sync_crypto_ctx(k, &ctx2, &c->err) == 0 && when != NULL)
		crypto_ctx_set_time(ctx2, t);
	smerr_clear(&c->err);
	for (i = optind; i < argc; i++) {
		if (ctx2 != NULL) {
			/* Judge the next chunk when the last one is printed. */
			if (next >= nslots) {
				slots_clear(slots, nslots);
				nslots = (size_t)(argc - i) < INSPECT_CHUNK ?
				    (size_t)(argc - i) : INSPECT_CHUNK;
				for (next = 0; next < nslots; next++)
					slots[next].path = argv[i + next];
				inspect_chunk(ctx, ctx2, slots, nslots);
				next = 0;
			}
			sl = &slots[next++];
			if (sl->r != 0) {
				smerr_set(&c->err, sl->r, "%s",
				    smerr_msg(&sl->err));
				goto fail;
			}
			in = sl->in;
			v = sl->v;
			sl->in = NULL;
			sl->v = NULL;
		} else if (read_input(argv[i], &in, &c->err) != 0 ||
		    crypto_judge(ctx, buf_data(in), buf_len(in), &v,
		    &c->err) != 0)
			goto fail;
		/* A failed SMIMEA lookup (bogus, no answer) is said aloud. */
		if (dns != NULL && dane.err.code != 0) {
			char *m = text_sanitize_str(smerr_msg(&dane.err), 0);

			fprintf(stderr, "sealmail: warning: %s\n",
			    m != NULL ? m : "SMIMEA lookup failed");
			free(m);
			smerr_clear(&dane.err);
		}
		/* A batch from one signer harvests once. */
		if (v->harvest_addr != NULL && v->signer_der != NULL &&
		    last_addr != NULL && strcmp(last_addr, v->harvest_addr)
		    == 0 && last_len == v->signer_der_len &&
		    memcmp(last_der, v->signer_der, last_len) == 0)
			;
		else if (v->harvest_addr != NULL && v->signer_der != NULL) {
			replaced = 0;
			if (app_harvest(k, st, v, buf_data(in), buf_len(in),
			    &replaced, &c->err) != 0)
				goto fail;
			if (replaced)
				fprintf(stderr, "sealmail: note: a new "
				    "certificate for %s replaces the one kept "
				    "before\n", v->harvest_addr);
			free(last_addr);
			free(last_der);
			last_addr = strdup(v->harvest_addr);
			if ((last_der = malloc(v->signer_der_len)) != NULL)
				memcpy(last_der, v->signer_der,
				    v->signer_der_len);
			last_len = last_der != NULL ? v->signer_der_len : 0;
		}
		buf_free(in);
		in = NULL;
		if ((out = buf_new(0)) == NULL) {
			smerr_set(&c->err, SMERR_NOMEM, "out of memory");
			goto fail;
		}
		if ((json ? crypto_verdict_json(v, out) : human(out, v)) != 0) {
			smerr_set(&c->err, SMERR_NOMEM, "out of memory");
			goto fail;
		}
		if (cli_print(c, out) != 0)
			goto fail;
		buf_free(out);
		out = NULL;
		crypto_verdict_free(v);
		v = NULL;
	}
	rc = 0;
	goto out;
fail:
	rc = cli_fail(c);
out:
	free(last_addr);
	free(last_der);
	slots_clear(slots, nslots);
	crypto_verdict_free(v);
	buf_free(in);
	buf_free(out);
	crypto_ctx_free(ctx2);
	crypto_ctx_free(ctx);
	dns_free(dns);
	keys_close(k);
	store_close(st);
	return rc;
}
