/*
 * Header protection, the verdict's half (RFC 9788). The header fields a
 * reader is shown come from one header section: the message's own, or,
 * when the cryptographic payload at the root says it carries them, the
 * payload's, which a signature covers or an envelope hid. Here that
 * section is read into the verdict, and the outer fields are held against
 * a signed one: what was changed or added in transit is a finding, what
 * the sender recorded as sent outside (HP-Outer) is not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/idn.h"
#include "base/text.h"
#include "base/vec.h"
#include "mime/mime.h"
#include "mime/hp.h"
#include "crypto/crypto_int.h"

const char *
crypto_hp_str(enum crypto_hp h)
{
	switch (h) {
	case CRYPTO_HP_SIGNED:
		return "signed";
	case CRYPTO_HP_ENCRYPTED:
		return "encrypted";
	default:
		return "none";
	}
}

/* A From address that a terminal would show otherwise is no address. */
static int
from_read(struct crypto_verdict *v, const struct mime_part *p,
    const char **whyp)
{
	char	*c;

	free(v->from);
	v->from = NULL;
	if (mime_from_addr(p, &v->from, whyp) != 0)
		return SMERR_NOMEM;
	if (v->from == NULL)
		return 0;
	if ((c = text_sanitize_str(v->from, 0)) == NULL)
		return SMERR_NOMEM;
	if (strcmp(c, v->from) != 0 ||
	    !text_utf8_valid(v->from, strlen(v->from))) {
		free(v->from);
		v->from = NULL;
		*whyp = "an address with characters that cannot be shown";
	}
	free(c);
	return 0;
}

/* 1 when addr reaches a terminal as it is: UTF-8, nothing to remove. */
static int
addr_showable(const char *addr, int *showp)
{
	char	*c;

	if ((c = text_sanitize_str(addr, 0)) == NULL)
		return -1;
	*showp = strcmp(c, addr) == 0 && text_utf8_valid(addr, strlen(addr));
	free(c);
	return 0;
}

/* Keeps of the n addresses at v only those a terminal shows as they are. */
static int
addrs_showable(char **v, size_t *np)
{
	size_t	i, k;
	int	show;

	for (i = k = 0; i < *np; i++) {
		if (addr_showable(v[i], &show) != 0)
			return -1;
		if (show)
			v[k++] = v[i];
		else
			free(v[i]);
	}
	*np = k;
	return 0;
}

int
crypto_hdr_read(struct crypto_verdict *v, const struct mime_part *p,
    time_t *datep, const char **whyp, struct smerr *e)
{
	struct buf	*subj = NULL, *o = NULL;
	char		*s;
	int		 r;

	*whyp = NULL;
	if ((r = from_read(v, p, whyp)) != 0)
		goto nomem;
	if (mime_part_date(p, datep) != 0)
		*datep = 0;
	v->date = *datep;
	vec_strv_free(v->to, v->nto);
	vec_strv_free(v->cc, v->ncc);
	v->to = v->cc = NULL;
	v->nto = v->ncc = 0;
	if ((r = mime_part_addrs(p, "to", &v->to, &v->nto)) != 0 ||
	    (r = mime_part_addrs(p, "cc", &v->cc, &v->ncc)) != 0 ||
	    addrs_showable(v->to, &v->nto) != 0 ||
	    addrs_showable(v->cc, &v->ncc) != 0)
		goto nomem;
	if ((subj = buf_new(MIME_MAX_FIELD * 4)) == NULL ||
	    (o = buf_new(MIME_MAX_FIELD * 12)) == NULL)
		goto nomem;
	if ((r = mime_subject(p, subj, e)) != 0)
		goto out;
	/* Every byte decoded is sanitized, a NUL among them too. */
	if (text_sanitize(o, buf_data(subj), buf_len(subj), 0) != 0 ||
	    (s = buf_take(o, NULL)) == NULL)
		goto nomem;
	free(v->subject);
	v->subject = s;
	r = 0;
	goto out;
nomem:
	r = smerr_nomem(e);
out:
	buf_free(subj);
	buf_free(o);
	return r;
}

/* How the values of a field are compared. */
enum hp_kind { HP_ADDR, HP_TEXT, HP_DATE, HP_ID };

static const struct {
	const char	*name;
	enum hp_kind	 kind;
} hp_fields[] = {
	{ "From",	 HP_ADDR },
	{ "To",		 HP_ADDR },
	{ "Cc",		 HP_ADDR },
	{ "Reply-To",	 HP_ADDR },
	{ "Subject",	 HP_TEXT },
	{ "Date",	 HP_DATE },
	{ "Message-ID",	 HP_ID },
	{ "In-Reply-To", HP_ID },
	{ "References",	 HP_ID },
};

/* 1 when a and b are equal once runs of blanks are one space. */
static int
blank_eq(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '\t')
			a++;
		while (*b == ' ' || *b == '\t')
			b++;
		if (*a == '\0' || *b == '\0')
			return *a == *b;
		while (*a != '\0' && *a != ' ' && *a != '\t' && *a == *b) {
			a++;
			b++;
		}
		if ((*a != ' ' && *a != '\t' && *a != '\0') ||
		    (*b != ' ' && *b != '\t' && *b != '\0'))
			return 0;
	}
}

/* 1 when every address of a is in b. */
static int
addrs_in(char **a, size_t na, char **b, size_t nb)
{
	size_t	i, k;

	for (i = 0; i < na; i++) {
		for (k = 0; k < nb; k++)
			if (idn_addr_eq(a[i], b[k]))
				break;
		if (k == nb)
			return 0;
	}
	return 1;
}

static int
subject_eq(const struct mime_part *a, const struct mime_part *b)
{
	struct buf	*x, *y;
	int		 eq = 0;

	if ((x = buf_new(MIME_MAX_FIELD * 4)) == NULL)
		return 0;
	if ((y = buf_new(MIME_MAX_FIELD * 4)) != NULL &&
	    mime_subject(a, x, NULL) == 0 && mime_subject(b, y, NULL) == 0)
		eq = blank_eq(buf_str(x), buf_str(y));
	buf_free(x);
	buf_free(y);
	return eq;
}

/* 1 when field k says the same outside and inside; -1 out of memory. */
static int
field_eq(const struct mime_part *o, const struct mime_part *in, size_t k)
{
	const char	*name = hp_fields[k].name;
	char		**a = NULL, **b = NULL;
	size_t		 na = 0, nb = 0;
	time_t		 ta, tb;
	int		 eq;

	if (mime_part_header_count(o, name) !=
	    mime_part_header_count(in, name))
		return 0;
	switch (hp_fields[k].kind) {
	case HP_ADDR:
		if (mime_part_addrs(o, name, &a, &na) != 0 ||
		    mime_part_addrs(in, name, &b, &nb) != 0)
			eq = -1;
		else
			eq = na == nb && addrs_in(a, na, b, nb) &&
			    addrs_in(b, nb, a, na);
		vec_strv_free(a, na);
		vec_strv_free(b, nb);
		return eq;
	case HP_TEXT:
		return subject_eq(o, in);
	case HP_DATE:
		if (mime_part_date(o, &ta) == 0 && mime_part_date(in, &tb) == 0)
			return ta == tb;
		break;
	case HP_ID:
		break;
	}
	return blank_eq(mime_part_header(o, name), mime_part_header(in, name));
}

/*
 * 1 when the section records the outer field name: value as sent outside
 * on purpose (HP-Outer: name: value, or HP-Obscured in the drafts).
 */
static int
recorded(const struct mime_part *in, const char *name, const char *value)
{
	const char	*f, *v;
	size_t		 i, n = strlen(name);

	for (i = 0; (f = mime_part_field(in, i, &v)) != NULL; i++) {
		if (strcasecmp(f, "hp-outer") != 0 &&
		    strcasecmp(f, "hp-obscured") != 0)
			continue;
		while (*v == ' ' || *v == '\t')
			v++;
		if (strncasecmp(v, name, n) == 0 && v[n] == ':' &&
		    blank_eq(v + n + 1, value))
			return 1;
	}
	return 0;
}

/* An encrypted message's stand-in for its Subject (RFC 9788, drafts). */
static int
obscured(const char *name, const char *value)
{
	return strcasecmp(name, "subject") == 0 && (blank_eq(value, "[...]") ||
	    blank_eq(value, "...") || blank_eq(value, ""));
}

int
crypto_hp_compare(const struct mime_part *outer,
    const struct mime_part *inner, int encrypted, int sig,
    int (*note)(void *, const char *), void *arg)
{
	const char	*name, *ov, *sect, *one;
	char		 s[200];
	size_t		 k;
	int		 r, eq;

	sect = sig ? "signed header section" : "protected header section, "
	    "which no signature covers";
	one = sig ? "signed one" : "protected one";
	for (k = 0; k < sizeof(hp_fields) / sizeof(hp_fields[0]); k++) {
		name = hp_fields[k].name;
		if ((ov = mime_part_header(outer, name)) == NULL)
			continue;	/* hidden or left out: not shown */
		if (recorded(inner, name, ov) ||
		    (encrypted && obscured(name, ov)))
			continue;
		if (mime_part_header(inner, name) == NULL)
			snprintf(s, sizeof(s), "the outer %s field is not in "
			    "the %s; it is not shown", name, sect);
		else {
			if ((eq = field_eq(outer, inner, k)) < 0)
				return SMERR_NOMEM;
			if (eq)
				continue;
			snprintf(s, sizeof(s), "the outer %s field differs "
			    "from the %s%s; the %s is shown", name, one,
			    sig ? "" : ", which no signature covers", one);
		}
		if ((r = note(arg, s)) != 0)
			return r;
	}
	return 0;
}
