/*
 * The signer's certificate of a message (V in the pager): its subject,
 * the chain of issuers the key store knows, validity, the revocation
 * status found when the message was read, SHA-256
 * fingerprint, where it came from (imported, harvested, SMIMEA), and the
 * certificate it replaced for its address, if any. All of it from the
 * stored message and the key store.
 */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/vec.h"
#include "store/store.h"
#include "keys/keys.h"
#include "app/app.h"
#include "ui/ui_int.h"

#define CERT_MAX_CHAIN	8

/*
 * A line as the screen shows it: lines are wrapped, not cut, so that a
 * fingerprint or an address is never shown in part as if it were whole.
 */
struct cv_row {
	size_t		 line, off, len;
	int		 indent;
};

struct cv {
	char		**lines;
	enum ui_color	*colors;
	size_t		 n, cap;
	struct cv_row	*rows;
	size_t		 nrows, caprows;
	int		 width;		/* the width rows were made for */
	size_t		 top;		/* the first row shown */
};

static void
cv_add(struct cv *cv, enum ui_color c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * A line with its tabs made spaces (ui_expand_tabs) before it is kept:
 * a row is kept as where it starts in its line, so the line must be what
 * ui_wrap cuts, tabs and all.
 */
static char *
cv_untab(char *s)
{
	struct buf	*b;
	char		*t = NULL;

	if (strchr(s, '\t') == NULL)
		return s;
	if ((b = buf_new(0)) != NULL && ui_expand_tabs(b, s, strlen(s)) == 0)
		t = strdup(buf_str(b));
	buf_free(b);
	free(s);
	return t;
}

static void
cv_add(struct cv *cv, enum ui_color c, const char *fmt, ...)
{
	va_list		 ap;
	char		**nl, *s;
	enum ui_color	*nc;
	size_t		 ncap;
	int		 r;

	if (cv->n == cv->cap) {
		ncap = cv->cap == 0 ? 32 : cv->cap * 2;
		if ((nl = reallocarray(cv->lines, ncap, sizeof(*nl))) == NULL)
			return;
		cv->lines = nl;
		if ((nc = reallocarray(cv->colors, ncap, sizeof(*nc))) == NULL)
			return;
		cv->colors = nc;
		cv->cap = ncap;
	}
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r == -1 || (s = cv_untab(s)) == NULL)
		return;
	cv->colors[cv->n] = c;
	cv->lines[cv->n++] = s;
}

static void
cv_time(char *out, size_t len, time_t t)
{
	struct tm	tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, len, "?");
}

/* Finds the key store's certificate whose subject is want (an issuer). */
struct cv_find {
	const char	*want;		/* subject, or fingerprint */
	int		 by_fp;
	char		*subject, *issuer, *source, *fp;
	int		 kind;
};

static int
cv_find_cb(const struct keys_cert *c, void *arg)
{
	struct cv_find		*f = arg;
	struct keys_certinfo	 ci;
	struct smerr		 e;
	int			 hit;

	smerr_clear(&e);
	memset(&ci, 0, sizeof(ci));
	if (f->by_fp)
		hit = c->fingerprint != NULL &&
		    strcmp(c->fingerprint, f->want) == 0;
	else
		hit = keys_cert_info(c->der, c->der_len, &ci, &e) == 0 &&
		    ci.subject != NULL && strcmp(ci.subject, f->want) == 0;
	if (hit && f->source == NULL) {
		f->source = strdup(c->source != NULL ? c->source : "?");
		f->kind = c->kind;
		if (!f->by_fp) {
			f->issuer = ci.issuer != NULL ? strdup(ci.issuer) :
			    NULL;
			f->fp = strdup(ci.fingerprint);
		}
	}
	keys_certinfo_clear(&ci);
	return 0;
}

static void
cv_find_clear(struct cv_find *f)
{
	free(f->subject);
	free(f->issuer);
	free(f->source);
	free(f->fp);
	memset(f, 0, sizeof(*f));
}

/* The issuers above the signer, as far as the key store knows them. */
static void
cv_chain(struct cv *cv, struct keys *k, const struct keys_certinfo *ci)
{
	struct cv_find	 f;
	struct smerr	 e;
	char		*issuer, *prev = NULL;
	int		 depth;

	if (ci->issuer == NULL || (issuer = strdup(ci->issuer)) == NULL)
		return;
	cv_add(cv, UI_C_HEAD, "Issuer chain");
	for (depth = 1; issuer != NULL && depth <= CERT_MAX_CHAIN; depth++) {
		memset(&f, 0, sizeof(f));
		f.want = issuer;
		smerr_clear(&e);
		(void)keys_foreach(k, KEYS_ANCHOR | KEYS_PEER, cv_find_cb, &f,
		    &e);
		cv_add(cv, f.source != NULL ? UI_C_NORMAL : UI_C_WARN,
		    "  %*s%s", depth * 2 - 2, "", issuer);
		if (f.source == NULL) {
			cv_add(cv, UI_C_WARN, "  %*s(not in the key store)",
			    depth * 2, "");
			cv_find_clear(&f);
			break;
		}
		cv_add(cv, UI_C_DIM, "  %*s%s, SHA-256 %s", depth * 2, "",
		    f.kind == KEYS_ANCHOR ? "trust anchor" : "intermediate",
		    f.fp != NULL ? f.fp : "?");
		free(prev);
		prev = issuer;
		/* A self-signed certificate ends the chain. */
		issuer = f.issuer != NULL && strcmp(f.issuer, prev) != 0 ?
		    strdup(f.issuer) : NULL;
		cv_find_clear(&f);
	}
	free(prev);
	free(issuer);
}

/*
 * The revocation status the stored verdict found when the message was
 * read: dates alone would call a revoked certificate valid.
 */
static void
cv_revocation(struct ui *ui, struct cv *cv, const struct store_msg *m,
    const char *fp)
{
	struct app_shown	*sh = NULL;
	struct app_revoke_kept	 k;
	struct smerr		 e;
	const char		*r;
	char			 since[320], at[64] = "";

	smerr_clear(&e);
	if (app_shown_read(m->verdict, &sh, &e) != 0) {
		cv_add(cv, UI_C_BAD, "  Revocation:  %s", smerr_msg(&e));
		return;
	}
	r = sh->revocation != NULL ? sh->revocation : "not-checked";
	/* When and why, as the answer kept says (the finding too). */
	if (strcmp(r, "revoked") == 0 && app_revoke_kept(app_session_store(
	    ui_session(ui)), fp, &k) && k.revoked && k.at != 0) {
		memcpy(at, " since ", 8);
		cv_time(at + 7, sizeof(at) - 7, k.at);
		if (k.reason != NULL)
			snprintf(at + strlen(at), sizeof(at) - strlen(at),
			    ", %s", k.reason);
	}
	if (strcmp(r, "revoked") == 0)
		cv_add(cv, UI_C_BAD, "  Revocation:  REVOKED by its issuer%s "
		    "(OCSP or CRL, when the message was read)", at);
	else if (strcmp(r, "good") == 0)
		cv_add(cv, UI_C_NORMAL, "  Revocation:  not revoked (OCSP or "
		    "CRL, when the message was read)");
	else if (strcmp(r, "unknown") == 0)
		cv_add(cv, UI_C_WARN, "  Revocation:  unknown (no answer "
		    "could be had when the message was read)");
	else
		cv_add(cv, UI_C_WARN, "  Revocation:  not checked (checking "
		    "is off, or the certificate names no responder or CRL)");
	if (app_revoked_since(app_session_store(ui_session(ui)),
	    m->signer_der, m->signer_der_len, r, since, sizeof(since)))
		cv_add(cv, UI_C_BAD, "  Now:         %s", since);
	app_shown_free(sh);
}

static void
cv_load(struct ui *ui, struct cv *cv, int64_t id)
{
	struct keys		*k = app_session_keys(ui_session(ui));
	struct store_msg	*m = NULL;
	struct keys_certinfo	 ci;
	struct cv_find		 f;
	struct smerr		 e;
	char			 from[40], until[40], *old = NULL, *addr = NULL;

	memset(&ci, 0, sizeof(ci));
	memset(&f, 0, sizeof(f));
	smerr_clear(&e);
	/* Its verdict and signer: not its body, perhaps large. */
	if (store_msg_load_some(app_session_store(ui_session(ui)), id, 0, &m,
	    &e) != 0 || m->signer_der == NULL || m->signer_der_len == 0) {
		cv_add(cv, UI_C_DIM, "%s", m == NULL ? smerr_msg(&e) :
		    "This message has no signer's certificate.");
		goto out;
	}
	if (keys_cert_info(m->signer_der, m->signer_der_len, &ci, &e) != 0) {
		cv_add(cv, UI_C_BAD, "%s", smerr_msg(&e));
		goto out;
	}
	cv_time(from, sizeof(from), ci.not_before);
	cv_time(until, sizeof(until), ci.not_after);
	cv_add(cv, UI_C_HEAD, "Signer's certificate");
	cv_add(cv, UI_C_NORMAL, "  Subject:     %s", ci.subject);
	cv_add(cv, UI_C_NORMAL, "  Addresses:   %s", ci.emails != NULL ?
	    ci.emails : "(none)");
	cv_add(cv, UI_C_NORMAL, "  Valid:       %s until %s", from, until);
	cv_revocation(ui, cv, m, ci.fingerprint);
	cv_add(cv, UI_C_NORMAL, "  SHA-256:     %s", ci.fingerprint);
	f.want = ci.fingerprint;
	f.by_fp = 1;
	(void)keys_foreach(k, KEYS_PEER | KEYS_IDENTITY | KEYS_ANCHOR,
	    cv_find_cb, &f, &e);
	cv_add(cv, UI_C_NORMAL, "  Came from:   %s", f.source != NULL ?
	    f.source : "this message only (not in the key store)");
	smerr_clear(&e);
	if (keys_replaced(k, ci.fingerprint, &old, &addr, &e) == 0)
		cv_add(cv, UI_C_WARN, "  Replaced:    %s for %s", old,
		    addr != NULL ? addr : "?");
	else
		cv_add(cv, UI_C_NORMAL, "  Replaced:    no earlier "
		    "certificate for its address");
	cv_add(cv, UI_C_NORMAL, "%s", "");
	cv_chain(cv, k, &ci);
out:
	free(old);
	free(addr);
	cv_find_clear(&f);
	keys_certinfo_clear(&ci);
	store_msg_free(m);
}

/*
 * Where the rows after a line's first one start: under a field's value
 * ("  SHA-256:     " and the like), else two cells right of the line's
 * own indentation; at the left edge when that leaves too little room.
 */
static int
cv_indent(const char *s, int cols)
{
	size_t	lead = strspn(s, " "), label;
	int	at;

	label = strcspn(s + lead, " :");
	if (s[lead + label] == ':' && s[lead + label + 1] == ' ')
		at = (int)(lead + label + 1 + strspn(s + lead + label + 1, " "));
	else
		at = (int)lead + 2;
	return at <= cols / 2 ? at : 0;
}

struct cv_wrap {
	struct cv	*cv;
	size_t		 line;
	int		 indent, first;
};

static void
cv_row_cb(const char *s, size_t len, void *arg)
{
	struct cv_wrap	*w = arg;
	struct cv	*cv = w->cv;
	struct cv_row	*r;

	if (vec_reserve(&cv->rows, &cv->caprows, cv->nrows,
	    sizeof(*cv->rows)) != 0)
		return;
	r = &cv->rows[cv->nrows++];
	r->line = w->line;
	r->off = (size_t)(s - cv->lines[w->line]);
	r->len = len;
	r->indent = w->first ? 0 : w->indent;
	w->first = 0;
}

/* The rows of every line for a screen cols wide. */
static void
cv_layout(struct cv *cv, int cols)
{
	struct cv_wrap	w;
	size_t		i;

	cv->nrows = 0;
	cv->width = cols;
	for (i = 0; i < cv->n; i++) {
		w.cv = cv;
		w.line = i;
		w.first = 1;
		w.indent = cv_indent(cv->lines[i], cols);
		ui_wrap(cv->lines[i], strlen(cv->lines[i]), cols, w.indent,
		    cv_row_cb, &w);
	}
}

static void
cv_draw(struct ui *ui, struct ui_view *v, int top, int rows, int cols)
{
	struct cv	*cv = v->data;
	struct cv_row	*r;
	size_t		 i;
	int		 y;

	(void)ui;
	if (cv->width != cols)
		cv_layout(cv, cols);
	if (cv->top + (size_t)rows > cv->nrows)
		cv->top = cv->nrows > (size_t)rows ?
		    cv->nrows - (size_t)rows : 0;
	for (i = cv->top, y = top; i < cv->nrows && y < top + rows;
	    i++, y++) {
		r = &cv->rows[i];
		attrset(COLOR_PAIR(cv->colors[r->line]));
		ui_put(y, r->indent, cols - r->indent,
		    cv->lines[r->line] + r->off, r->len);
	}
	attrset(A_NORMAL);
}

static int
cv_key(struct ui *ui, struct ui_view *v, wint_t k, int fn)
{
	struct cv	*cv = v->data;

	return ui_scroll_key(ui_nav_key(k, fn), &cv->top, cv->nrows,
	    ui_rows(ui) > 0 ? (size_t)ui_rows(ui) : 1) ? 0 : 1;
}

static void
cv_free(struct ui_view *v)
{
	struct cv	*cv = v->data;

	vec_strv_free(cv->lines, cv->n);
	free(cv->colors);
	free(cv->rows);
}

static const struct ui_view_ops cv_ops = {
	"certificate", " q:back  j/k:scroll  Space/-:page  ?:help",
	cv_draw, cv_key, NULL, cv_free,
};

struct ui_view *
ui_cert_new(struct ui *ui, int64_t msg)
{
	struct ui_view	*v;
	struct cv	*cv;

	if ((v = ui_view_new(&cv_ops, sizeof(*cv))) == NULL)
		return NULL;
	cv = v->data;
	snprintf(v->title, sizeof(v->title), "signer of message %lld",
	    (long long)msg);
	cv_load(ui, cv, msg);
	return v;
}
