/*
 * The pager. At the top, rows that no message content ever draws into and
 * that never scroll: the verdict strip, the stored verdict in words and
 * colour (signature with signer and trust, encryption with cipher, every
 * finding, and which lines a signature covers), closed by a rule. Below
 * it the header fields and the text scroll, each text line with a margin
 * mark saying whether a signature covers it and whether it came out of an
 * envelope. Nothing here judges a message; it only shows what the store
 * holds.
 */
#include <ctype.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/secmem.h"
#include "base/text.h"
#include "base/vec.h"
#include "store/store.h"
#include "app/app.h"
#include "app/mailcap.h"
#include "ui/ui_int.h"

#define PG_GUTTER	4	/* two marks, the gutter rule, a space */
#define PG_MIN_TEXT	10	/* the fewest cells the text is wrapped at */
#define PG_MAX_QUOTE	32	/* quote marks shown on a row of flowed text */

/* What a body line was laid out from, which a new layout finds again. */
enum pg_from {
	PG_FROM_NONE,
	PG_FROM_FIELD,		/* a header field (src: which, from 1) */
	PG_FROM_TEXT,		/* the text (src: its line, from 1) */
	PG_FROM_ATT		/* the attachments (src: which, from 1) */
};

struct pg_line {
	char		*s;
	enum ui_color	 color;
	int		 bold;
	char		 mark[2];	/* signature, envelope; 0: no gutter */
	enum ui_color	 mcolor[2];
	enum pg_from	 from;
	size_t		 src;
	size_t		 off;		/* where in it the line starts */
	size_t		 pre;		/* bytes of s put before that */
};

struct pg_list {
	struct pg_line	*l;
	size_t		 n, cap;
};

struct pg {
	int64_t		 id;
	struct pg_list	 strip;		/* the verdict; never scrolls */
	struct pg_list	 body;		/* header fields and text */
	size_t		 top;		/* first body line shown */
	size_t		 page;		/* body rows on the screen */
	size_t		 nlines;	/* the lines below the rule */
	int		 width;		/* the width lines were laid out for */
	int		 allhdr;	/* h: every header field */
	/*
	 * What the message's body gives, read from it once: every header
	 * field (for h), a line for each attachment, and the text as a
	 * mailcap entry shows it. A layout reads the stored text alone.
	 */
	struct pg_list	 hdr;
	struct pg_list	 att;
	char		*html;
	int64_t		 content_id;	/* the message they were made for */
	int		 content_state;	/* and its state then */
	char		*find;		/* /: what the text was searched for */
	size_t		 hit;		/* the body line it was found on, + 1 */
	enum pg_from	 hit_from;	/* and where that is in the message */
	size_t		 hit_src, hit_off;
	int		 hit_seen;	/* it was on the screen last drawn */
	int		 hit_top;	/* laid out again: bring it to the top */
	size_t		 hid;		/* strip lines drawn below the rule */
	char		 brief[200];	/* the verdict in one line */
	enum ui_color	 briefc;
	char		 since[320];	/* revoked since, or "" */
};

static int
pg_add(struct pg_list *pl, const char *s, size_t len, enum ui_color c,
    int bold)
{
	struct pg_line	*l;

	if (vec_reserve(&pl->l, &pl->cap, pl->n, sizeof(*pl->l)) != 0)
		return -1;
	l = &pl->l[pl->n];
	memset(l, 0, sizeof(*l));
	if ((l->s = strndup(s, len)) == NULL)
		return -1;
	l->color = c;
	l->bold = bold;
	pl->n++;
	return 0;
}

struct pg_rows {
	struct pg_list		*pl;
	enum ui_color		 c;
	const struct pg_line	*mk;
	const char		*base;	/* where the first row starts */
};

static void
pg_row_cb(const char *s, size_t len, void *arg)
{
	struct pg_rows	*r = arg;
	struct pg_line	*l;

	if (pg_add(r->pl, s, len, r->c, 0) != 0)
		return;
	/* Rows are cut from one text (tabs made spaces or not), in order. */
	if (r->base == NULL)
		r->base = s;
	l = &r->pl->l[r->pl->n - 1];
	l->off = (size_t)(s - r->base);
	if (r->mk != NULL) {
		memcpy(l->mark, r->mk->mark, sizeof(l->mark));
		memcpy(l->mcolor, r->mk->mcolor, sizeof(l->mcolor));
		l->from = r->mk->from;
		l->src = r->mk->src;
	}
}

/*
 * Adds s wrapped at width display cells (ui_wrap), breaking at spaces
 * when it can; every line it makes carries the marks and the origin of
 * mk (NULL: none), and where in s it starts.
 */
static void
pg_wrap(struct pg_list *pl, const char *s, size_t len, int width,
    enum ui_color c, const struct pg_line *mk)
{
	struct pg_rows	 r = { pl, c, mk, NULL };

	ui_wrap(s, len, width, 0, pg_row_cb, &r);
}

static void
pg_list_clear(struct pg_list *pl)
{
	size_t	i;

	/* The lines of a decrypted message are wiped. */
	for (i = 0; i < pl->n; i++)
		secmem_strfree(pl->l[i].s);
	free(pl->l);
	pl->l = NULL;
	pl->n = pl->cap = 0;
}

static int
is(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/*
 * How the signer's certificate was trusted, in words. An untrusted
 * signature vouches for no one, whatever its chain reaches.
 */
static const char *
pg_trust_words(const char *sig, const char *trust)
{
	if (is(sig, "untrusted") && trust != NULL && !is(trust, "none"))
		return "the chain reaches a trust anchor, yet the certificate "
		    "is not trusted (the warnings say why)";
	if (is(trust, "pkix+dane"))
		return "a trusted authority (PKIX) and a DNSSEC-signed SMIMEA "
		    "record (DANE) vouch for the certificate";
	if (is(trust, "pkix"))
		return "a trusted authority vouches for the certificate "
		    "(PKIX)";
	if (is(trust, "dane"))
		return "a DNSSEC-signed SMIMEA record vouches for the "
		    "certificate (DANE)";
	return "nothing vouches for the certificate";
}

/* The lines of the text (split on LF) and how many carry flag. */
static void
pg_count(const char *text, const struct app_shown *sh, unsigned flag,
    size_t *linesp, size_t *withp)
{
	const char	*p;
	size_t		 line = 1;

	*linesp = *withp = 0;
	for (p = text; ; line++) {
		(*linesp)++;
		if (app_shown_line(sh, line) & flag)
			(*withp)++;
		if ((p = strchr(p, '\n')) == NULL || *++p == '\0')
			break;
	}
}

/* A line of the strip in bold, on as many rows as it takes. */
static void
pg_wrap_bold(struct pg_list *st, const char *line, int width, enum ui_color c)
{
	size_t	i = st->n;

	pg_wrap(st, line, strlen(line), width, c, NULL);
	for (; i < st->n; i++)
		st->l[i].bold = 1;
}

/* The signature and encryption lines of the strip. */
static void
pg_strip_states(struct pg *pg, const struct store_msg *m,
    const struct app_shown *sh, int width)
{
	struct pg_list	*st = &pg->strip;
	enum ui_color	 c;
	const char	*b;
	char		 line[1024];
	int		 any = (sh != NULL && sh->nfindings > 0) ||
			    pg->since[0] != '\0';

	b = ui_sig_banner(m->signature, &c);
	if (sh != NULL && is(sh->revocation, "revoked") &&
	    is(m->signature, "untrusted")) {
		b = "SIGNER'S CERTIFICATE IS REVOKED: its issuer has withdrawn "
		    "it, and the signature vouches for nothing";
		c = UI_C_BAD;
	}
	if (m->signer != NULL && (is(m->signature, "invalid") ||
	    is(m->signature, "error")))
		/* A signature that failed vouches for no one. */
		snprintf(line, sizeof(line), "%s — it claims to be from %s",
		    b, m->signer);
	else if (m->signer != NULL && !is(m->signature, "none"))
		snprintf(line, sizeof(line), "%s — signer %s, trust %s: %s",
		    b, m->signer, m->trust != NULL ? m->trust : "none",
		    pg_trust_words(m->signature, m->trust));
	else
		snprintf(line, sizeof(line), "%s", b);
	/* Green only for a verdict with nothing to warn of. */
	pg_wrap_bold(st, line, width, any && c == UI_C_GOOD ? UI_C_WARN : c);
	b = ui_enc_banner(m->encryption, &c);
	if (sh != NULL && sh->cipher != NULL)
		snprintf(line, sizeof(line), "%s — cipher %s", b, sh->cipher);
	else
		snprintf(line, sizeof(line), "%s", b);
	pg_wrap_bold(st, line, width, any && c == UI_C_GOOD ? UI_C_WARN : c);
	snprintf(pg->brief, sizeof(pg->brief), "verdict: %s%s%s, %s%s%s",
	    m->signature != NULL ? m->signature : "?", m->signer != NULL &&
	    !is(m->signature, "none") ? " " : "", m->signer != NULL &&
	    !is(m->signature, "none") ? m->signer : "",
	    is(m->encryption, "none") ? "not encrypted" : m->encryption != NULL
	    ? m->encryption : "?", sh != NULL && sh->cipher != NULL ? " " : "",
	    sh != NULL && sh->cipher != NULL ? sh->cipher : "");
	pg->briefc = c;
}

/* For a partial verdict: which lines the margin marks say are covered. */
static void
pg_coverage(struct pg_list *st, const char *text, const struct app_shown *sh,
    unsigned flag, int width)
{
	int		 sig = flag == APP_SPAN_SIGNED;
	char		 line[512];
	size_t		 n, with;

	if (sh != NULL && sh->has_coverage) {
		pg_count(text, sh, flag, &n, &with);
		snprintf(line, sizeof(line), "%s: only the lines marked %c in "
		    "the margin (%zu of %zu); %s", sig ? "Signed" : "Encrypted",
		    sig ? 'S' : 'E', with, n, sig ? "the lines marked - could "
		    "come from anyone" : "the rest travelled in clear");
	} else
		snprintf(line, sizeof(line), "Which lines %s was not recorded "
		    "when this message was stored", sig ? "are signed" :
		    "came from an envelope");
	pg_wrap(st, line, strlen(line), width, UI_C_BAD, NULL);
}

/* The strip: states, what the margin marks cover, every finding. */
static void
pg_strip(struct pg *pg, const struct store_msg *m, const struct app_shown *sh,
    int width)
{
	struct pg_list	*st = &pg->strip;
	const char	*text = m->text != NULL ? m->text : "";
	char		 line[1024];
	size_t		 i;

	pg_strip_states(pg, m, sh, width);
	if (is(m->signature, "partial"))
		pg_coverage(st, text, sh, APP_SPAN_SIGNED, width);
	if (is(m->encryption, "partial"))
		pg_coverage(st, text, sh, APP_SPAN_ENVELOPE, width);
	if (pg->since[0] != '\0')
		pg_wrap(st, pg->since, strlen(pg->since), width, UI_C_BAD,
		    NULL);
	for (i = 0; sh != NULL && i < sh->nfindings; i++) {
		snprintf(line, sizeof(line), "Warning: %s", sh->findings[i]);
		pg_wrap(st, line, strlen(line), width, UI_C_WARN, NULL);
	}
	if (m->state == STORE_MSG_PENDING) {
		snprintf(line, sizeof(line), "Kept as received; it is "
		    "decrypted again when a matching key is imported");
		pg_wrap(st, line, strlen(line), width, UI_C_WARN, NULL);
	}
}

/* The margin marks of line (from 1) of the text. */
static void
pg_marks(const struct store_msg *m, const struct app_shown *sh, size_t line,
    struct pg_line *mk)
{
	unsigned	f = app_shown_line(sh, line);

	if (sh == NULL || !sh->has_coverage) {
		mk->mark[0] = mk->mark[1] = '?';
		mk->mcolor[0] = mk->mcolor[1] = UI_C_WARN;
		return;
	}
	if (f & APP_SPAN_SIGNED) {
		/* Under a signature that failed: the index's mark for it. */
		if (is(m->signature, "valid") || is(m->signature, "partial")) {
			mk->mark[0] = 'S';
			mk->mcolor[0] = UI_C_GOOD;
		} else
			mk->mark[0] = ui_sig_mark(m->signature, &mk->mcolor[0]);
	} else {
		mk->mark[0] = '-';
		mk->mcolor[0] = is(m->signature, "none") ? UI_C_DIM : UI_C_BAD;
	}
	if (f & APP_SPAN_ENVELOPE) {
		mk->mark[1] = 'E';
		mk->mcolor[1] = UI_C_GOOD;
	} else {
		mk->mark[1] = is(m->encryption, "none") ? ' ' : '-';
		mk->mcolor[1] = UI_C_BAD;
	}
}

/*
 * 1 when m's To, Date and Subject were read from a protected header
 * section (RFC 9788) that a signature covers; not when an envelope alone
 * held it, since anyone can encrypt to the reader. (The From address
 * shown is the one the signer was compared with.) A verdict kept before
 * header_signed was written says it through header_protection: a signed
 * section, or an encrypted one under a valid signature. In the stored
 * verdict every quote inside a value is escaped, so a member's spelling
 * cannot occur inside one.
 */
static int
hp_read(const struct store_msg *m)
{
	const char	*v = m->verdict;

	if (v == NULL)
		return 0;
	if (strstr(v, "\"header_signed\":") != NULL)
		return strstr(v, "\"header_signed\":true") != NULL;
	return strstr(v, "\"header_protection\":\"signed\"") != NULL ||
	    (strstr(v, "\"header_protection\":\"encrypted\"") != NULL &&
	    is(m->signature, "valid"));
}

static int
fields_unsigned(const struct store_msg *m)
{
	if (m->signature == NULL || strcmp(m->signature, "none") == 0)
		return 0;
	return !hp_read(m);
}

/* Under every field h shows, where those shown without h come from. */
#define PG_HP_LINE "[protected header fields (RFC 9788), shown without h; " \
	"the fields above travelled outside the protection]"

static void
pg_field_cb(const char *line, void *arg)
{
	pg_add(arg, line, strlen(line), UI_C_DIM, 0);
}

/*
 * Every header field of the stored message (read from its body once,
 * each unfolded with its encoded words decoded, as the usual fields are,
 * and made safe for the terminal by app_field_shown), in place of the
 * usual ones; 0 when there was a header to show.
 */
static int
pg_all_fields(struct pg *pg, const struct store_msg *m, int width,
    const struct pg_line *mk)
{
	size_t	i;

	if (pg->hdr.n == 0)
		return -1;
	for (i = 0; i < pg->hdr.n; i++)
		pg_wrap(&pg->body, pg->hdr.l[i].s, strlen(pg->hdr.l[i].s),
		    width, pg->hdr.l[i].color, mk);
	if (fields_unsigned(m))
		pg_wrap(&pg->body, "[no signature covers these fields]",
		    strlen("[no signature covers these fields]"), width,
		    UI_C_WARN, mk);
	return 0;
}

/* The line for a part that is an attachment or named. */
static int
pg_att_cb(const struct app_part *p, void *arg)
{
	char	line[512];

	if (!p->attachment && p->name == NULL)
		return 0;
	snprintf(line, sizeof(line), "Attachment %zu: %s (%s, %zu byte%s); "
	    "v lists the parts", p->index, p->name != NULL ? p->name :
	    "(no name)", p->type, p->size, p->size == 1 ? "" : "s");
	return pg_add(arg, line, strlen(line), UI_C_DIM, 0);
}

/*
 * Below the text, the message's attachments by name, type and size: the
 * text alone would not say that there are any.
 */
static void
pg_attachments(struct pg *pg, int width)
{
	struct pg_line	mk;
	size_t		i;

	if (pg->att.n == 0)
		return;
	memset(&mk, 0, sizeof(mk));
	mk.mark[0] = mk.mark[1] = ' ';
	pg_wrap(&pg->body, "", 0, width, UI_C_NORMAL, &mk);
	for (i = 0; i < pg->att.n; i++)
		pg_wrap(&pg->body, pg->att.l[i].s, strlen(pg->att.l[i].s),
		    width, UI_C_DIM, &mk);
}

/* The usual header fields: From, To, Cc, Date, Subject. */
static void
pg_fields(struct pg *pg, const struct store_msg *m, int w,
    const struct pg_line *mk)
{
	char		 line[1024], date[64];
	struct tm	 tm;
	time_t		 t;
	const char	*mark = fields_unsigned(m) ? "  [not signed]" : "";

	snprintf(line, sizeof(line), "From:    %s", m->from != NULL ? m->from
	    : "(none)");
	pg_wrap(&pg->body, line, strlen(line), w, UI_C_HEAD, mk);
	if (m->to != NULL) {
		snprintf(line, sizeof(line), "To:      %s%s", m->to, mark);
		pg_wrap(&pg->body, line, strlen(line), w, UI_C_HEAD, mk);
	}
	if (m->cc != NULL) {
		snprintf(line, sizeof(line), "Cc:      %s%s", m->cc, mark);
		pg_wrap(&pg->body, line, strlen(line), w, UI_C_HEAD, mk);
	}
	t = m->date != 0 ? m->date : m->received;
	if (t != 0 && localtime_r(&t, &tm) != NULL) {
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M %z", &tm);
		snprintf(line, sizeof(line), "Date:    %s%s", date, mark);
		pg_wrap(&pg->body, line, strlen(line), w, UI_C_HEAD, mk);
	}
	snprintf(line, sizeof(line), "Subject: %s%s", m->subject != NULL ?
	    m->subject : "", mark);
	pg_wrap(&pg->body, line, strlen(line), w, UI_C_HEAD, mk);
}

/*
 * The lines of pl from first on come from what: each piece, its first
 * line where a wrap began, counted from 1.
 */
static void
pg_from(struct pg_list *pl, size_t first, enum pg_from what)
{
	size_t	i, k = 0;

	for (i = first; i < pl->n; i++) {
		if (pl->l[i].off == 0)
			k++;
		pl->l[i].from = what;
		pl->l[i].src = k;
	}
}

struct pg_text {
	struct pg		*pg;
	const struct store_msg	*m;
	const struct app_shown	*sh;
	struct pg_line		*mk;
	int			 width;
};

/*
 * A paragraph of flowed text wrapped at the width its quote marks leave,
 * each of its rows opening with them, as a quoted line would.
 */
static void
pg_flowed(struct pg_text *pt, const struct app_para *pa)
{
	struct pg_list	*pl = &pt->pg->body;
	struct pg_line	*l;
	struct buf	*b;
	char		*row;
	size_t		 first = pl->n, i;
	/* Not one mark a level when they are many: each row repeats them. */
	int		 d = pa->depth < PG_MAX_QUOTE ? pa->depth : PG_MAX_QUOTE;
	int		 q = d > 0 ? d + 1 : 0, k, r = 0;
	enum ui_color	 c = d > 0 ? UI_C_QUOTE : UI_C_NORMAL;

	pg_wrap(pl, pa->text, pa->len, pt->width - q > PG_MIN_TEXT / 2 ?
	    pt->width - q : PG_MIN_TEXT / 2, c, pt->mk);
	for (i = first; q > 0 && i < pl->n; i++) {
		l = &pl->l[i];
		/* Message text: the row made again is wiped like the rest. */
		if ((b = buf_new_secret(0)) == NULL)
			return;
		for (k = 0; k < d; k++)
			r |= buf_putc(b, '>');
		if (l->s[0] != '\0')
			r |= buf_putc(b, ' ');
		l->pre = buf_len(b);
		if (r == 0 && buf_puts(b, l->s) == 0 &&
		    (row = buf_strdup(b)) != NULL) {
			secmem_strfree(l->s);
			l->s = row;
		} else
			l->pre = 0;
		buf_free(b);
	}
}

static int
pg_para_cb(const struct app_para *pa, void *arg)
{
	struct pg_text	*pt = arg;

	pg_marks(pt->m, pt->sh, pa->line, pt->mk);
	pt->mk->from = PG_FROM_TEXT;
	pt->mk->src = pa->line;
	if (pa->flowed)
		pg_flowed(pt, pa);
	else
		pg_wrap(&pt->pg->body, pa->text, pa->len, pt->width,
		    pa->len > 0 && pa->text[0] == '>' ? UI_C_QUOTE :
		    UI_C_NORMAL, pt->mk);
	return 0;
}

/*
 * The header fields (the usual ones, or with h the whole header once)
 * and the text, each line in the gutter; a tab is made spaces to its
 * stop as a terminal's would (ui_wrap), so that a patch keeps its indent.
 */
static void
pg_body(struct pg *pg, const struct store_msg *m, const struct app_shown *sh,
    int width)
{
	struct pg_line	 mk;
	struct pg_text	 pt = { pg, m, sh, &mk, 0 };
	size_t		 n;
	int		 w = width - PG_GUTTER;

	/*
	 * Not fewer than PG_MIN_TEXT cells: a long text on a screen a few
	 * columns wide would take a row for every character or two. A row
	 * wider than the screen is drawn cut, and says so.
	 */
	if (w < PG_MIN_TEXT)
		w = PG_MIN_TEXT;
	pt.width = w;
	memset(&mk, 0, sizeof(mk));
	mk.mark[0] = mk.mark[1] = ' ';
	if (!pg->allhdr || pg_all_fields(pg, m, w, &mk) != 0)
		pg_fields(pg, m, w, &mk);
	pg_from(&pg->body, 0, PG_FROM_FIELD);
	pg_add(&pg->body, "", 0, UI_C_NORMAL, 0);
	pg->body.l[pg->body.n - 1].mark[0] = ' ';
	pg->body.l[pg->body.n - 1].mark[1] = ' ';
	/* The text is sanitized again when drawn. */
	(void)app_shown_paras(m->text, sh, pg_para_cb, &pt);
	n = pg->body.n;
	pg_attachments(pg, w);
	pg_from(&pg->body, n, PG_FROM_ATT);
}


/*
 * An HTML message shown through the user's copiousoutput entry for
 * text/html: only when one run of coverage spans the whole text, so that
 * every line of the viewer's text has the marks the stored text had.
 */
static void
pg_html(struct ui *ui, struct pg *pg, const struct mailcap *mc,
    const struct store_msg *b, const struct store_msg *m)
{
	struct app_shown	*sh = NULL;
	struct smerr		 e;
	int			 spans;

	if (b->body == NULL || m->text == NULL)
		return;
	smerr_clear(&e);
	/* A verdict that cannot be read is said by the layout. */
	spans = app_shown_read(m->verdict, &sh, &e) == 0 && sh != NULL ?
	    (int)sh->nspans : 0;
	app_shown_free(sh);
	if (spans > 1)
		return;
	smerr_clear(&e);
	if (app_html_mailcap(mc, b->body, b->body_len, m->text, &pg->html,
	    &e) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
}

/*
 * What the message's body gives, read once for each message (and again
 * when its state changes, as when a key for it comes): every header
 * field, the attachments, and an HTML text through a mailcap entry,
 * checked against the stored text of tm, the layout's message. The body,
 * and the parse of it, go at once: a layout needs the stored text alone,
 * and a large message would otherwise be held twice or more.
 */
static void
pg_content(struct ui *ui, struct pg *pg, const struct store_msg *tm)
{
	struct mailcap		*mc = NULL;
	struct store_msg	*m = NULL;
	struct smerr		 e;
	const uint8_t		*p;
	size_t			 len;

	pg_list_clear(&pg->hdr);
	pg_list_clear(&pg->att);
	secmem_strfree(pg->html);
	pg->html = NULL;
	pg->content_id = pg->id;
	pg->content_state = tm->state;
	smerr_clear(&e);
	if (mailcap_load(&mc, &e) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	if (store_msg_load_some(app_session_store(ui_session(ui)), pg->id,
	    STORE_LOAD_BODY, &m, &e) != 0)
		goto out;
	p = m->body != NULL ? m->body : m->raw;
	len = m->body != NULL ? m->body_len : m->raw_len;
	if (p != NULL && len > 0) {
		app_fields_shown(p, len, pg_field_cb, &pg->hdr);
		/* Where the fields shown with the text come from. */
		if (hp_read(m) && pg_add(&pg->hdr, PG_HP_LINE,
		    strlen(PG_HP_LINE), UI_C_NORMAL, 0) == 0)
			(void)app_protected_fields_shown(p, len, pg_field_cb,
			    &pg->hdr);
		(void)app_parts(p, len, pg_att_cb, &pg->att, &e);
	}
	/* The viewer's text is checked against the stored one. */
	if (mc != NULL && mailcap_find(mc, "text/html", MAILCAP_COPIOUS) !=
	    NULL)
		pg_html(ui, pg, mc, m, tm);
out:
	store_msg_free(m);
	mailcap_free(mc);
}

/* Loads the pager's message (what: store_msg_load_some), or says why not. */
static int
pg_load(struct ui *ui, struct ui_view *v, int what, struct store_msg **mp)
{
	struct pg	*pg = v->data;
	struct smerr	 e;
	int		 r;

	smerr_clear(&e);
	if ((r = store_msg_load_some(app_session_store(ui_session(ui)),
	    pg->id, what, mp, &e)) == SMERR_NOTFOUND) {
		/* Expunged or moved by another client, and synced since. */
		snprintf(v->title, sizeof(v->title), "message %lld, gone",
		    (long long)pg->id);
		smerr_clear(&e);
		smerr_set(&e, r, "This message is no longer in its folder: "
		    "another client deleted or moved it on the server.");
	}
	if (r != 0)
		pg_add(&pg->strip, smerr_msg(&e), strlen(smerr_msg(&e)),
		    UI_C_BAD, 1);
	return r;
}

/*
 * Not the Subject: nothing the sender wrote sits above the strip. The
 * number the index shows, the folder (with several accounts, as the
 * index names it: "work: INBOX"), and the id the command line takes.
 */
static void
pg_title(struct ui *ui, struct ui_view *v, const struct store_msg *m)
{
	char	where[160], *folder;
	size_t	pos, n;
	int	several;

	/*
	 * Not the Subject: nothing the sender wrote sits above the strip.
	 * The number the index shows, and the id the command line takes.
	 */
	several = app_session_config(ui_session(ui))->naccounts > 1 &&
	    m->account != NULL;
	folder = m->folder_name != NULL ? app_folder_shown(m->folder_name) :
	    NULL;
	snprintf(where, sizeof(where), "%s%s%s", several ? m->account : "",
	    several ? ": " : "", folder != NULL ? folder : "?");
	free(folder);
	if (ui_index_pos(ui_under(ui), m->id, &pos, &n) == 0)
		snprintf(v->title, sizeof(v->title), "message %zu of %zu in "
		    "%s (id %lld)", pos, n, where, (long long)m->id);
	else
		snprintf(v->title, sizeof(v->title), "message %lld in %s",
		    (long long)m->id, where);
}

/* 1 when what is searched for matches in either case (none upper). */
static int
pg_icase(const char *find)
{
	for (; *find != '\0'; find++)
		if (isupper((unsigned char)*find))
			return 0;
	return 1;
}

/* Where the text of body line i holds pg->find. */
static const char *
pg_match(const struct pg *pg, size_t i)
{
	if (pg_icase(pg->find))
		return strcasestr(pg->body.l[i].s, pg->find);
	return strstr(pg->body.l[i].s, pg->find);
}

/*
 * 1 when body line i holds pg->find at the place it was found last, or
 * its start when the line ends first (the rest wrapped to the next).
 */
static int
pg_still(const struct pg *pg, size_t i)
{
	const struct pg_line	*l = &pg->body.l[i];
	const char		*p;
	size_t			 n = strlen(pg->find), at;

	at = l->pre + (pg->hit_off - l->off);
	if (at >= strlen(l->s))
		return 0;
	p = l->s + at;
	if (strlen(p) < n)
		n = strlen(p);
	return pg_icase(pg->find) ? strncasecmp(p, pg->find, n) == 0 :
	    strncmp(p, pg->find, n) == 0;
}

/* Body line i, where the text was found at hit, is the one found. */
static void
pg_hit(struct pg *pg, size_t i, const char *hit)
{
	const struct pg_line	*l = &pg->body.l[i];
	size_t			 at = (size_t)(hit - l->s);

	pg->hit = i + 1;
	pg->hit_from = l->from;
	pg->hit_src = l->src;
	pg->hit_off = l->off + (at > l->pre ? at - l->pre : 0);
}

/*
 * /: the next line below the top of the screen (from the top after the
 * last) whose text holds pg->find, brought to the top of the screen and
 * shown in reverse, as mutt's pager does; in lower case it matches
 * either case. On the lines as laid out: a word wrapped over two rows is
 * not found.
 */
static void
pg_find(struct ui *ui, struct pg *pg)
{
	const char	*t;
	size_t		 i, k, n = pg->body.n, from;

	from = pg->top > pg->hid ? pg->top - pg->hid : 0;
	if (pg->hit > 0 && pg->hit - 1 >= from)
		from = pg->hit;		/* past the line found last */
	for (k = 0; k < n; k++) {
		i = (from + k) % n;
		if ((t = pg_match(pg, i)) == NULL)
			continue;
		pg_hit(pg, i, t);
		pg->top = pg->hid + i;
		ui_status(ui, 0, "%s", from + k >= n ? "search wrapped to the "
		    "top" : "");
		return;
	}
	pg->hit = 0;
	pg->hit_from = PG_FROM_NONE;
	ui_status(ui, 1, "not found in this message: %s", pg->find);
}

/*
 * After a new layout (another width, h), the line found last is the one
 * that now holds the place it was found at; when that place is shown no
 * more (a field h hides), the first line that holds the text. Either
 * goes to the top of the screen when the one found was on it.
 */
static void
pg_refind(struct pg *pg)
{
	const struct pg_line	*l;
	size_t			 i, at = 0;

	if (pg->find == NULL || pg->hit_from == PG_FROM_NONE)
		return;
	for (i = 0; i < pg->body.n; i++) {
		l = &pg->body.l[i];
		if (l->from == pg->hit_from && l->src == pg->hit_src &&
		    l->off <= pg->hit_off)
			at = i + 1;
	}
	if (at == 0 || !pg_still(pg, at - 1))
		for (i = 0, at = 0; i < pg->body.n && at == 0; i++)
			if (pg_match(pg, i) != NULL)
				at = i + 1;
	if (at == 0) {
		pg->hit_from = PG_FROM_NONE;
		return;
	}
	pg->hit = at;
	pg->hit_top = pg->hit_seen;
}

static void
pg_layout(struct ui *ui, struct ui_view *v, int width)
{
	struct pg		*pg = v->data;
	struct store_msg	*m = NULL;
	struct app_shown	*sh = NULL;
	struct smerr		 e;
	const char		*stored;

	pg_list_clear(&pg->strip);
	pg_list_clear(&pg->body);
	pg->width = width;
	pg->hit = 0;		/* found again once laid out */
	log_debug("pager: message %lld laid out, %d columns", (long long)pg->id,
	    width);
	/* Read once: its state, verdict and text serve the whole layout. */
	if (pg_load(ui, v, STORE_LOAD_TEXT, &m) != 0)
		return;
	if (pg->content_id != pg->id || pg->content_state != m->state)
		pg_content(ui, pg, m);
	smerr_clear(&e);
	if (app_shown_read(m->verdict, &sh, &e) != 0)
		ui_status(ui, 1, "%s", smerr_msg(&e));
	pg->since[0] = '\0';
	if (!is(m->signature, "none"))
		(void)app_revoked_since(app_session_store(ui_session(ui)),
		    m->signer_der, m->signer_der_len, sh != NULL ?
		    sh->revocation : NULL, pg->since, sizeof(pg->since));
	stored = m->text;
	if (pg->html != NULL)
		m->text = pg->html;
	pg_strip(pg, m, sh, width);
	pg_body(pg, m, sh, width);
	pg_refind(pg);
	m->text = stored;
	app_shown_free(sh);

	pg_title(ui, v, m);
	store_msg_free(m);
}

/* Reading a message marks it seen here; sync pushes the flag. */
static void
pg_mark_seen(struct ui *ui, int64_t id)
{
	struct store		*st = app_session_store(ui_session(ui));
	struct store_msg	*m = NULL;
	struct smerr		 e;
	char			*nf;

	smerr_clear(&e);
	/* Read and written under one write lock (see app_move_local). */
	if (store_begin(st, &e) != 0)
		return;
	/* Its flags alone: not the body of a message perhaps large. */
	if (store_msg_load_some(st, id, 0, &m, &e) == 0 && (m->flags == NULL ||
	    strstr(m->flags, "\\Seen") == NULL)) {
		if (asprintf(&nf, "%s%s\\Seen", m->flags != NULL ? m->flags :
		    "", m->flags != NULL && m->flags[0] != '\0' ? " " : "")
		    != -1) {
			(void)store_msg_set_local_flags(st, id, nf, &e);
			free(nf);
		}
	}
	store_msg_free(m);
	if (store_commit(st, &e) != 0)
		ui_status(ui, 1, "cannot mark it read: %s", smerr_msg(&e));
}

static void
pg_draw_line(int y, int cols, const struct pg_line *l, int hit)
{
	int	x = 0, i;

	if (l->mark[0] != '\0' && cols > PG_GUTTER) {
		for (i = 0; i < 2; i++) {
			attrset(COLOR_PAIR(l->mcolor[i]) | A_BOLD);
			x += ui_put(y, x, 1, &l->mark[i], 1);
		}
		attrset(A_NORMAL);
		x += ui_put(y, x, 2, "│ ", strlen("│ "));
	}
	attrset(COLOR_PAIR(l->color) | (l->bold ? A_BOLD : 0) |
	    (hit ? A_REVERSE : 0));
	if (cols - x > 1 && ui_width(l->s) > cols - x) {
		x += ui_put(y, x, cols - x - 1, l->s, strlen(l->s));
		move(y, x);
		ui_put_ellipsis();
	} else
		ui_put(y, x, cols - x, l->s, strlen(l->s));
}

/*
 * The strip takes the rows it needs (at most half the screen, the last
 * of them then saying how much is left out), then the rule; the body
 * scrolls in what remains. What the strip leaves out comes first below
 * the rule, without the gutter every line of the message has, so that
 * all of the verdict can be read here.
 */
static void
pg_draw(struct ui *ui, struct ui_view *v, int top, int rows, int cols)
{
	struct pg	*pg = v->data;
	size_t		 i, ns, cap, hid, n;
	char		 more[128];
	int		 y;

	if (pg->width != cols)
		pg_layout(ui, v, cols);
	if (rows < 1)
		return;		/* no row between the bars: nothing to cut */
	cap = rows > 5 ? (size_t)rows / 2 : 1;
	ns = pg->strip.n < cap ? pg->strip.n : cap;
	hid = ns < pg->strip.n ? pg->strip.n - ns + 1 : 0;
	for (i = 0, y = top; i < ns; i++, y++) {
		if (hid > 0 && i + 1 == ns) {
			snprintf(more, sizeof(more), "… %zu more lines of this "
			    "verdict below the rule", hid);
			attrset(COLOR_PAIR(UI_C_WARN) | A_BOLD);
			ui_put(y, 0, cols, more, strlen(more));
			continue;
		}
		pg_draw_line(y, cols, &pg->strip.l[i], 0);
	}
	attrset(A_NORMAL);
	ui_put_rule(y, cols);
	y++;
	n = hid + pg->body.n;
	pg->nlines = n;
	pg->hid = hid;
	pg->page = top + rows > y ? (size_t)(top + rows - y) : 1;
	if (pg->hit_top && pg->hit > 0)
		pg->top = hid + pg->hit - 1;
	pg->hit_top = 0;
	if (pg->top + pg->page > n)
		pg->top = n > pg->page ? n - pg->page : 0;
	pg->hit_seen = pg->hit > 0 && hid + pg->hit - 1 >= pg->top &&
	    hid + pg->hit - 1 < pg->top + pg->page;
	for (i = pg->top; i < n && y < top + rows; i++, y++)
		pg_draw_line(y, cols, i < hid ? &pg->strip.l[ns - 1 + i] :
		    &pg->body.l[i - hid], i >= hid && i - hid + 1 == pg->hit);
	attrset(A_NORMAL);
	/* Scrolled: the status line repeats the verdict. */
	ui_view_brief(v, pg->top > 0 ? pg->brief : NULL, pg->briefc);
}

/* The pager turns to message id, from its top. */
static void
pg_show(struct ui *ui, struct pg *pg, int64_t id)
{
	pg->id = id;
	pg->top = 0;
	pg->hit = 0;
	pg->width = 0;
	free(pg->find);
	pg->find = NULL;
	pg_mark_seen(ui, id);
}

/*
 * The next (dir 1) or previous message of the index under the pager;
 * at the last one, what says so (end: after Space at its end, as mutt's
 * next-page does).
 */
static void
pg_step(struct ui *ui, struct pg *pg, int dir, const char *end)
{
	int64_t	id;

	if ((id = ui_index_step(ui_under(ui), pg->id, dir)) == 0) {
		ui_status(ui, 0, "%s", dir < 0 ? "this is the first message" :
		    end);
		return;
	}
	pg_show(ui, pg, id);
}

static int
pg_key(struct ui *ui, struct ui_view *v, wint_t k, int fn)
{
	struct pg	*pg = v->data;
	size_t		 page = pg->page > 0 ? pg->page : 1;
	int64_t		 id;
	char		*s;
	int		 r;

	/* Backspace: a line back, as in mutt's pager (Enter: on). */
	if ((fn && k == KEY_BACKSPACE) || (!fn && (k == 0x7f || k == '\b')))
		k = 'k';
	else if ((k = ui_nav_key(k, fn)) == 0)
		return 1;
	if ((k == 'j' || k == 'k' || k == '\r') &&
	    ui_scroll_key(k == '\r' ? 'j' : k, &pg->top, pg->nlines, page))
		return 0;
	switch (k) {
	case ' ':
		/* The end shown (drawn once at least): the next message. */
		if (pg->width != 0 && pg->top + page >= pg->nlines)
			pg_step(ui, pg, 1, "no more messages");
		else
			pg->top += page;
		return 0;
	case '-':
	case 'b':
		pg->top = pg->top > page ? pg->top - page : 0;
		return 0;
	case '=':
		pg->top = 0;
		return 0;
	case 'G':
		pg->top = pg->strip.n + pg->body.n;	/* the draw clamps it */
		return 0;
	case 'V':
		ui_push(ui, ui_cert_new(ui, pg->id));
		return 0;
	case 'h':
		pg->allhdr = !pg->allhdr;
		pg->width = 0;
		return 0;
	case 'J':
	case 'K':
		pg_step(ui, pg, k == 'J' ? 1 : -1,
		    "this is the last message");
		return 0;
	case 't':
		/* Tagged in the index, then the next one, as mutt's. */
		if ((r = ui_index_tag(ui_under(ui), pg->id)) == -1) {
			ui_status(ui, 1, "the message cannot be tagged: no "
			    "index under the pager, or out of memory");
			return 0;
		}
		id = pg->id;
		pg_step(ui, pg, 1, r ? "message tagged; it is the last" :
		    "message untagged; it is the last");
		if (pg->id != id)
			ui_status(ui, 0, "message %s; the next one shown",
			    r ? "tagged" : "untagged");
		return 0;
	case '/':
		if ((s = ui_prompt(ui, "Search the message for: ")) == NULL)
			return 0;
		if (s[0] != '\0') {
			free(pg->find);
			pg->find = s;
			pg->hit = 0;
			pg_find(ui, pg);
		} else
			free(s);
		return 0;
	case 'n':
		/* Its text again, after /; else as in the index. */
		if (pg->find != NULL && pg->body.n > 0)
			pg_find(ui, pg);
		else if ((id = ui_index_search(ui, ui_under(ui), pg->id)) != 0)
			pg_show(ui, pg, id);
		return 0;
	case '\t':
		/* The next unread message, as in the index. */
		if ((id = ui_index_unread(ui, ui_under(ui), pg->id)) != 0)
			pg_show(ui, pg, id);
		return 0;
	case 'i':
		return -1;
	}
	/*
	 * A message key, or not one of the pager's (1: the global keys).
	 * The message gone (d, s), the next one is shown, as mutt's
	 * $resolve does; after the last, the index.
	 */
	id = ui_index_after(ui_under(ui), pg->id);
	if ((r = ui_msg_key(ui, pg->id, k)) == UI_MSG_GONE) {
		if (id == 0)
			return -1;
		pg_show(ui, pg, id);
		return 0;
	}
	return r;
}

static void
pg_reload(struct ui *ui, struct ui_view *v)
{
	struct pg	*pg = v->data;

	(void)ui;
	pg->width = 0;		/* laid out again on the next draw */
}

static void
pg_free(struct ui_view *v)
{
	struct pg	*pg = v->data;

	pg_list_clear(&pg->strip);
	pg_list_clear(&pg->body);
	pg_list_clear(&pg->hdr);
	pg_list_clear(&pg->att);
	secmem_strfree(pg->html);
	free(pg->find);
}

static const struct ui_view_ops pg_ops = {
	"pager",
	/* The most useful first: as many as the width takes are shown. */
	" q:back  Space/-:page  r/g/L:reply  d:del  J/K:next/prev  s:move  "
	    "f:fwd  V:signer  v:parts  h:headers  /:find  n:find next  "
	    "|:pipe  ?:help",
	pg_draw, pg_key, pg_reload, pg_free,
};

struct ui_view *
ui_pager_new(struct ui *ui, int64_t id)
{
	struct ui_view	*v;
	struct pg	*pg;

	if ((v = ui_view_new(&pg_ops, sizeof(*pg))) == NULL)
		return NULL;
	pg = v->data;
	pg->id = id;
	pg_mark_seen(ui, id);
	return v;
}
