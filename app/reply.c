/*
 * Replies and forwards of a stored message, as drafts a user edits and
 * send accepts as they are: the contract's reply (From, To, Cc, Re:,
 * In-Reply-To, References, the quoted text) and forward (inline, or the
 * stored message attached as message/rfc822).
 *
 * The reply oracle ("Re: What's up Johnny?", USENIX Security 2019): an
 * attacker wraps someone's old ciphertext in a new message and waits for
 * a reply that quotes it. The engine opens only the envelope that is the
 * whole message, so the text a reader is shown never holds an envelope
 * met beside other content; here no byte of such an envelope goes into a
 * draft either (an attached message gets a placeholder part in its
 * place), and every part left out is named in a placeholder line and in
 * the draft's omitted list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/idn.h"
#include "base/text.h"
#include "base/vec.h"
#include "mime/build.h"
#include "mime/mime.h"
#include "store/store.h"
#include "app/app_int.h"
#include "app/reply.h"

#define DRAFT_MAX		(64UL * 1024 * 1024)
#define DRAFT_MAX_OMITTED	64

#define OMIT_ENVELOPE	"an encrypted part that was not the message's own " \
	"envelope (it was not decrypted)"
#define OMIT_PENDING	"the encrypted message, which could not be decrypted"

void
app_draft_free(struct app_draft *d)
{
	if (d == NULL)
		return;
	buf_free(d->text);
	vec_strv_free(d->omitted, d->nomitted);
	free(d->nosig);
	free(d);
}

/* 1 when the stored message m came encrypted, whole or in part. */
static int
msg_was_encrypted(const struct store_msg *m)
{
	return m->encryption != NULL && strcmp(m->encryption, "none") != 0;
}

static int
answered_cb(const struct store_msg *m, void *arg)
{
	int	*encp = arg;

	*encp = msg_was_encrypted(m);
	return *encp;
}

int
app_draft_answers_encrypted(struct store *st, const void *text, size_t len,
    int *encp, struct smerr *e)
{
	struct buf	*ids;
	const char	*p = "";
	char		*v, *id;
	size_t		 n;
	int		 r = 0;

	*encp = 0;
	if ((v = app_draft_field(text, len, "In-Reply-To")) == NULL)
		return 0;
	/* Each "<...>" of the field, space-separated. */
	if ((ids = buf_new(0)) == NULL || mime_msgid_list(v, ids) != 0 ||
	    (p = buf_str(ids)) == NULL)
		r = smerr_nomem(e);
	for (; r == 0 && !*encp && *p != '\0'; p += n + (p[n] == ' ')) {
		n = strcspn(p, " ");
		if ((id = strndup(p, n)) == NULL)
			r = smerr_nomem(e);
		else
			r = store_msg_foreach_msgid(st, id, answered_cb, encp,
			    e);
		free(id);
	}
	buf_free(ids);
	free(v);
	return r;
}

static int
omit(struct app_draft *d, const char *what)
{
	if (d->nomitted >= DRAFT_MAX_OMITTED)
		return 0;
	return vec_strv_add(&d->omitted, &d->nomitted, what, strlen(what));
}

int
app_part_is_envelope(const struct mime_part *p)
{
	const char	*t = mime_part_type(p), *st;

	if (strcmp(t, "application/pkcs7-mime") != 0 &&
	    strcmp(t, "application/x-pkcs7-mime") != 0)
		return 0;
	st = mime_part_param(p, "smime-type");
	return st == NULL || (strcasecmp(st, "signed-data") != 0 &&
	    strcasecmp(st, "compressed-data") != 0);
}

void
app_queued_protection(const void *msg, size_t len, int *sealedp,
    int *signedp)
{
	const struct mime_part	*p;
	struct mime_msg		*m;
	struct smerr		 e;
	const char		*t, *st;

	*sealedp = *signedp = 0;
	if (mime_parse(msg, len, &m, &e) != 0)
		return;
	p = mime_msg_root(m);
	t = mime_part_type(p);
	st = mime_part_param(p, "smime-type");
	if (app_part_is_envelope(p))
		*sealedp = 1;
	else if (strcmp(t, "multipart/signed") == 0 || (st != NULL &&
	    strcasecmp(st, "signed-data") == 0))
		*signedp = 1;
	mime_msg_free(m);
}

/*
 * Envelopes anywhere in the stored message: out gets the message with
 * each replaced by a placeholder part (when out is not NULL), and each is
 * named in d. The stored message's own envelope, when it had one, is
 * decrypted already and is not met here.
 */
static int
strip_envelopes(struct app_draft *d, const struct mime_part *p,
    const uint8_t **atp, struct buf *out)
{
	const uint8_t	*raw;
	size_t		 len, i;
	int		 r = 0;

	if (mime_part_is_multipart(p)) {
		for (i = 0; i < mime_part_nchildren(p) && r == 0; i++)
			r = strip_envelopes(d, mime_part_child(p, i), atp,
			    out);
		return r;
	}
	if (!app_part_is_envelope(p) || mime_part_level(p) == 0)
		return 0;
	if ((r = omit(d, OMIT_ENVELOPE)) != 0)
		return r;
	if (out == NULL)
		return 0;
	raw = mime_part_raw(p, &len);
	if (buf_put(out, *atp, (size_t)(raw - *atp)) != 0 ||
	    buf_puts(out, "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
	    "[" OMIT_ENVELOPE ": left out]\r\n") != 0)
		return SMERR_LIMIT;
	*atp = raw + len;
	return 0;
}

/*
 * The message to attach without its Bcc field: the user's copy in Sent
 * names who got it unseen, and that stays with the user.
 */
static int
drop_bcc(struct buf *msg)
{
	struct smerr	 e;
	char		*v;
	int		 r = 0;

	while (r == 0 && (v = app_draft_field_nth(buf_data(msg), buf_len(msg),
	    "Bcc", 0)) != NULL) {
		free(v);
		smerr_clear(&e);
		r = app_draft_drop_field(msg, "Bcc", 0, &e);
	}
	return r;
}

/*
 * What of the stored message may go into a draft: *msgp the message to
 * attach (envelopes replaced, Bcc left out; NULL when nothing can be
 * attached), and the omitted list of d.
 */
static int
draft_scan(struct app_draft *d, const struct store_msg *m, int attach,
    struct buf **msgp, struct smerr *e)
{
	struct mime_msg		*mm = NULL;
	const struct mime_part	*root;
	const uint8_t		*at, *raw;
	struct buf		*out = NULL;
	size_t			 len;
	int			 r;

	*msgp = NULL;
	if (m->state == STORE_MSG_PENDING || m->body == NULL) {
		if (omit(d, OMIT_PENDING) != 0)
			return smerr_nomem(e);
		return 0;
	}
	if (mime_parse(m->body, m->body_len, &mm, NULL) != 0)
		return 0;	/* unreadable: only its shown text is used */
	root = mime_msg_root(mm);
	raw = mime_part_raw(root, &len);
	at = raw;
	if (attach && (out = buf_new_secret(DRAFT_MAX)) == NULL) {
		mime_msg_free(mm);
		return smerr_nomem(e);
	}
	r = strip_envelopes(d, root, &at, out);
	if (r == 0 && out != NULL &&
	    buf_put(out, at, (size_t)(raw + len - at)) != 0)
		r = SMERR_LIMIT;
	if (r == 0 && out != NULL && drop_bcc(out) != 0)
		r = SMERR_LIMIT;
	mime_msg_free(mm);
	if (r != 0) {
		buf_free(out);
		return smerr_set(e, r, r == SMERR_NOMEM ? "out of memory" :
		    "the message is too large to forward");
	}
	*msgp = out;
	return 0;
}

/* 1 when addr is in the comma-separated list (as idn_addr_eq compares). */
static int
list_has(const char *list, const char *addr)
{
	const char	*p = list;
	char		*one;
	size_t		 n;
	int		 found = 0;

	while (!found && p != NULL && *p != '\0') {
		n = strcspn(p, ",");
		if ((one = strndup(p, n)) == NULL)
			return 0;
		found = idn_addr_eq(one, addr);
		free(one);
		p += n;
		if (*p == ',')
			p++;
	}
	return found;
}

static int
is_own(const struct app_config *cfg, const char *addr)
{
	size_t	i;

	for (i = 0; i < cfg->naccounts; i++)
		if (idn_addr_eq(cfg->accounts[i].address, addr))
			return 1;
	return 0;
}

/* Whether the original was sent to a's address (To, Cc). */
static int
sent_to(const struct app_account *a, const struct store_msg *m)
{
	return (m->to != NULL && list_has(m->to, a->address)) ||
	    (m->cc != NULL && list_has(m->cc, a->address));
}

/*
 * The account to answer as: the one the original was sent to (To, Cc),
 * the one whose folder holds it first when it was sent to several; else
 * the one whose folder holds it, else the first.
 */
static const struct app_account *
draft_account(const struct app_config *cfg, const struct store_msg *m)
{
	const struct app_account	*a, *home = NULL;
	size_t				 i;

	if (m->account != NULL)
		home = app_config_account(cfg, m->account);
	if (home != NULL && sent_to(home, m))
		return home;
	for (i = 0; i < cfg->naccounts; i++) {
		a = &cfg->accounts[i];
		if (sent_to(a, m))
			return a;
	}
	if (home != NULL)
		return home;
	return app_config_account(cfg, NULL);
}

/* A display name as a quoted string when it is not plain atoms. */
static int
put_mailbox(struct buf *b, const char *name, const char *addr)
{
	const char	*p;
	int		 r = 0;

	if (name == NULL || *name == '\0')
		return buf_puts(b, addr);
	r |= buf_putc(b, '"');
	for (p = name; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			r |= buf_putc(b, '\\');
		r |= buf_putc(b, *p);
	}
	r |= buf_printf(b, "\" <%s>", addr);
	return r;
}

/*
 * The sender's display name as the store keeps it (sanitized), or NULL
 * when there is none or it is no name to put in a header.
 */
static const char *
sender_name(const struct store_msg *m)
{
	const char	*p;

	if (m->from_name == NULL || m->from_name[0] == '\0')
		return NULL;
	for (p = m->from_name; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return NULL;
	return m->from_name;
}

/*
 * Appends the addresses of list to field (", "-separated), leaving out
 * the user's own and those already in seen (which grows).
 */
static int
put_addrs(const struct app_config *cfg, struct buf *field, struct buf *seen,
    const char *list)
{
	const char	*p = list;
	char		*a;
	size_t		 n;
	int		 r = 0;

	while (p != NULL && *p != '\0' && r == 0) {
		n = strcspn(p, ",");
		if ((a = strndup(p, n)) == NULL)
			return SMERR_NOMEM;
		if (*a != '\0' && !is_own(cfg, a) &&
		    !list_has(buf_len(seen) > 0 ? buf_str(seen) : "", a)) {
			if (buf_len(field) > 0)
				r |= buf_puts(field, ", ");
			r |= buf_puts(field, a);
			if (buf_len(seen) > 0)
				r |= buf_putc(seen, ',');
			r |= buf_puts(seen, a);
		}
		free(a);
		p += n;
		if (*p == ',')
			p++;
	}
	return r;
}

const char *
subject_base(const char *s, int fwd)
{
	static const char *const pre[] = { "re:", "aw:", "fwd:", "fw:" };
	size_t			 i, n;
	int			 again = 1;

	if (s == NULL)
		return "";
	while (again) {
		again = 0;
		while (*s == ' ' || *s == '\t')
			s++;
		for (i = 0; i < (fwd ? 4 : 2); i++) {
			n = strlen(pre[i]);
			if (strncasecmp(s, pre[i], n) == 0) {
				s += n;
				again = 1;
			}
		}
	}
	return s;
}

/*
 * The text of m, each of its lines, or each paragraph of a part written
 * in format=flowed (as the pager shows it), on a line after prefix.
 */
static int
put_text(struct buf *b, const struct store_msg *m, const char *prefix)
{
	if (m->text == NULL || m->text[0] == '\0')
		return 0;
	return app_text_put(b, m->text, m->verdict, prefix);
}

static void
date_str(time_t t, char *out, size_t len)
{
	struct tm	tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, len, "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0)
		(void)snprintf(out, len, "an unknown date");
}

static int
put_omitted(struct buf *b, const struct app_draft *d)
{
	size_t	i;
	int	r = 0;

	for (i = 0; i < d->nomitted; i++)
		r |= buf_printf(b, "\n[Not quoted: %s.]\n", d->omitted[i]);
	return r;
}

/*
 * The List-Post address of m, from the field as the stored copy has it
 * (mail stored with header protection before List-Post was read from
 * outside the protected section has none kept): *destp (malloc'd), or
 * why there is none: no field, NO (RFC 2369: the list takes no posts), or
 * no mailto: URL.
 */
static int
outer_list_post(const struct store_msg *m, char **destp, struct smerr *e)
{
	const uint8_t	*p = m->body != NULL ? m->body : m->raw;
	size_t		 len = m->body != NULL ? m->body_len : m->raw_len;
	char		*v = NULL;
	int		 r;

	*destp = NULL;
	if (p != NULL)
		v = mime_header_find(p, len, "List-Post");
	if (v != NULL && (r = mime_list_post(v, destp)) != 0) {
		free(v);
		return smerr_set(e, r, "%s", smerr_str(r));
	}
	if (*destp != NULL)
		r = 0;
	else if (v == NULL)
		r = smerr_set(e, SMERR_NOTFOUND, "message %lld has no "
		    "List-Post field", (long long)m->id);
	else if (mime_list_post_no(v))
		r = smerr_set(e, SMERR_NOTFOUND, "message %lld: its list "
		    "takes no posts (List-Post: NO)", (long long)m->id);
	else
		r = smerr_set(e, SMERR_NOTFOUND, "message %lld: its "
		    "List-Post field has no mailto: address",
		    (long long)m->id);
	free(v);
	return r;
}

/* From, To, Cc and the threading fields of a reply. */
static int
reply_header(const struct app_config *cfg, const struct store_msg *m,
    enum app_draft_kind kind, int names, struct buf *b, struct smerr *e)
{
	struct buf	*to = NULL, *cc = NULL, *seen = NULL;
	const char	*dest;
	char		*outer = NULL;
	int		 r = 0;

	if (kind == APP_DRAFT_REPLY_LIST) {
		if ((dest = m->list_post) == NULL) {
			if ((r = outer_list_post(m, &outer, e)) != 0)
				return r;
			dest = outer;
		}
	} else if ((dest = m->reply_to) == NULL && (dest = m->from) == NULL)
		return smerr_set(e, SMERR_NOTFOUND, "message %lld has no "
		    "address to reply to", (long long)m->id);
	if ((to = buf_new(MIME_BUILD_MAX_FIELD)) == NULL ||
	    (cc = buf_new(MIME_BUILD_MAX_FIELD)) == NULL ||
	    (seen = buf_new(MIME_BUILD_MAX_FIELD * 2)) == NULL) {
		r = SMERR_NOMEM;
		goto out;
	}
	/* The one replied to stays in To even when it is the user. */
	if (names && dest == m->from)
		r |= put_mailbox(to, sender_name(m), dest);
	else
		r |= buf_puts(to, dest);
	r |= buf_puts(seen, dest);
	if (kind == APP_DRAFT_REPLY_ALL) {
		r |= put_addrs(cfg, cc, seen, m->to);
		r |= put_addrs(cfg, cc, seen, m->cc);
	}
	r |= buf_puts(b, "To: ");
	r |= buf_put(b, buf_data(to), buf_len(to));
	r |= buf_putc(b, '\n');
	if (buf_len(cc) > 0) {
		r |= buf_puts(b, "Cc: ");
		r |= buf_put(b, buf_data(cc), buf_len(cc));
		r |= buf_putc(b, '\n');
	}
	r |= buf_printf(b, "Subject: Re: %s\n", subject_base(m->subject, 0));
	if (m->message_id != NULL) {
		r |= buf_printf(b, "In-Reply-To: %s\n", m->message_id);
		r |= buf_puts(b, "References: ");
		if (m->references != NULL)
			r |= buf_printf(b, "%s ", m->references);
		r |= buf_printf(b, "%s\n", m->message_id);
	}
out:
	free(outer);
	buf_free(to);
	buf_free(cc);
	buf_free(seen);
	if (r != 0)
		return smerr_set(e, SMERR_LIMIT, "the reply's header is too "
		    "large");
	return 0;
}

/* The forwarded message's fields, and its text, in the body. */
static int
forward_inline(const struct store_msg *m, struct buf *b)
{
	char	date[64];
	int	r = 0;

	date_str(m->date, date, sizeof(date));
	r |= buf_puts(b, "\n---------- Forwarded message ----------\n");
	r |= buf_printf(b, "From: %s\nDate: %s\nSubject: %s\n",
	    m->from != NULL ? m->from : "", date,
	    m->subject != NULL ? m->subject : "");
	if (m->to != NULL)
		r |= buf_printf(b, "To: %s\n", m->to);
	r |= buf_putc(b, '\n');
	r |= put_text(b, m, "");
	return r;
}

/* A boundary that occurs nowhere in msg. */
static int
boundary(const struct buf *msg, char *bd, size_t len)
{
	unsigned char	rnd[12];
	int		tries;

	if (len < 6 + 2 * sizeof(rnd) + 1)
		return SMERR_INVAL;
	for (tries = 0; tries < 8; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return SMERR_IO;
		memcpy(bd, "=_fwd_", 6);
		text_hex_encode(rnd, sizeof(rnd), bd + 6);
		if (msg == NULL || memmem(buf_data(msg), buf_len(msg), bd,
		    strlen(bd)) == NULL)
			return 0;
	}
	return SMERR_IO;
}

/*
 * The body of a forward that attaches msg (NULL: nothing to attach); the
 * signature, when there is one, ends its text part.
 */
static int
forward_attach(struct app_draft *d, const struct buf *msg,
    const struct app_account *a, struct buf *b, struct smerr *e)
{
	char	bd[40];
	int	r = 0;

	if (boundary(msg, bd, sizeof(bd)) != 0)
		return smerr_set(e, SMERR_IO, "cannot make a MIME boundary");
	r |= buf_printf(b, "MIME-Version: 1.0\nContent-Type: multipart/mixed;"
	    " boundary=\"%s\"\n\n--%s\nContent-Type: text/plain; "
	    "charset=%s\n\n", bd, bd, a->signature != NULL ? "utf-8" :
	    "us-ascii");
	r |= buf_puts(b, msg != NULL ? "The forwarded message is attached.\n" :
	    "Nothing of the message could be attached.\n");
	r |= put_omitted(b, d);
	if (r == 0 && (r = app_signature_put(a, b, &d->nosig, e)) != 0)
		return r;
	if (msg != NULL) {
		r |= buf_printf(b, "\n--%s\nContent-Type: message/rfc822\n"
		    "Content-Disposition: attachment; filename=forwarded.eml\n",
		    bd);
		if (mime_is_canonical(buf_data(msg), buf_len(msg))) {
			r |= buf_puts(b, "\n");
			r |= buf_put(b, buf_data(msg), buf_len(msg));
		} else {
			r |= buf_puts(b, "Content-Transfer-Encoding: base64\n\n");
			r |= mime_base64_put(b, buf_data(msg), buf_len(msg));
		}
	}
	r |= buf_printf(b, "\n--%s--\n", bd);
	return r != 0 ? smerr_set(e, SMERR_LIMIT, "the draft is too large") : 0;
}

int
app_draft_make(const struct app_config *cfg, const struct store_msg *m,
    enum app_draft_kind kind, int names, struct app_draft **dp,
    struct smerr *e)
{
	const char			*who;
	const struct app_account	*a;
	struct app_draft		*d;
	struct buf			*msg = NULL;
	char				 date[64];
	int				 r = 0, fwd;

	*dp = NULL;
	fwd = kind == APP_DRAFT_FORWARD || kind == APP_DRAFT_FORWARD_ATTACH;
	if (cfg == NULL || (a = draft_account(cfg, m)) == NULL)
		return smerr_set(e, SMERR_CONFIG, "no account in the "
		    "configuration");
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->text = buf_new_secret(DRAFT_MAX)) == NULL) {
		app_draft_free(d);
		return smerr_nomem(e);
	}
	d->sign = a->sign || (m->signature != NULL &&
	    strcmp(m->signature, "none") != 0);
	d->encrypt = msg_was_encrypted(m);
	if ((r = draft_scan(d, m, kind == APP_DRAFT_FORWARD_ATTACH, &msg,
	    e)) != 0)
		goto fail;
	r |= buf_puts(d->text, "From: ");
	r |= put_mailbox(d->text, a->display_name, a->address);
	r |= buf_putc(d->text, '\n');
	if (r == 0 && !fwd && (r = reply_header(cfg, m, kind, names, d->text,
	    e)) != 0)
		goto fail;
	if (fwd)
		r |= buf_printf(d->text, "To: \nSubject: Fwd: %s\n",
		    subject_base(m->subject, 1));
	if (kind == APP_DRAFT_FORWARD_ATTACH) {
		if (r == 0 && (r = forward_attach(d, msg, a, d->text, e)) != 0)
			goto fail;
	} else {
		r |= buf_putc(d->text, '\n');
		if (fwd)
			r |= forward_inline(m, d->text);
		else {
			date_str(m->date, date, sizeof(date));
			if (!names || (who = sender_name(m)) == NULL)
				who = m->from != NULL ? m->from : "someone";
			r |= buf_printf(d->text, "On %s, %s wrote:\n", date,
			    who);
			r |= put_text(d->text, m, "> ");
		}
		r |= put_omitted(d->text, d);
		if (r == 0 && (r = app_signature_put(a, d->text, &d->nosig,
		    e)) != 0)
			goto fail;
	}
	if (r != 0) {
		r = smerr_set(e, SMERR_LIMIT, "the draft is too large");
		goto fail;
	}
	buf_free(msg);
	*dp = d;
	return 0;
fail:
	buf_free(msg);
	app_draft_free(d);
	return r;
}
