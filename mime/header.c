/*
 * Header fields: Content-Type and its parameters (RFC 2045 5.1), RFC 2047
 * encoded words, charsets to UTF-8, and the addr-spec of the one From
 * mailbox. Address lists are cut by read.c; libetpan does the grammar of
 * the one mailbox a sender is judged by, encoded words and charset
 * conversion; the callers here check what it accepts too leniently.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libetpan/charconv.h>
#include <libetpan/mailimf.h>
#include <libetpan/mailmime_decode.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "base/text.h"
#include "base/vec.h"
#include "mime/mime.h"
#include "mime/mime_int.h"

int
mime_strcaseeq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

void
mime_fields_free(struct mime_field *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

const char *
mime_fields_get(const struct mime_field *v, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (mime_strcaseeq(v[i].name, name))
			return v[i].value;
	return NULL;
}

static int
is_tspecial(int c)
{
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

static int
is_token(int c)
{
	return c > ' ' && c < 127 && !is_tspecial(c);
}

/* Skips blanks and (nested) comments. */
static const char *
skip_cfws(const char *s)
{
	int	depth;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != '(')
			return s;
		depth = 0;
		for (; *s != '\0'; s++) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			else if (*s == '(')
				depth++;
			else if (*s == ')' && --depth == 0) {
				s++;
				break;
			}
		}
	}
}

static char *
token_dup(const char *s, size_t n, int lower)
{
	char	*t;
	size_t	 i;

	if ((t = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		t[i] = lower ? (char)tolower((unsigned char)s[i]) : s[i];
	t[n] = '\0';
	return t;
}

/*
 * The parameters after a field's value, from s (at ';' or the end) on:
 * what names the field in errors. 0, or SMERR_PARSE / SMERR_NOMEM.
 */
static int
params_parse(const char *s, const char *what, struct mime_field **paramsp,
    size_t *nparamsp, struct smerr *e)
{
	struct mime_field	*params = NULL, *np;
	char			*name = NULL, *val = NULL;
	size_t			 n = 0, i, j;
	int			 r = SMERR_PARSE;

	*paramsp = NULL;
	*nparamsp = 0;
	s = skip_cfws(s);
	while (*s == ';') {
		s = skip_cfws(s + 1);
		if (*s == '\0')
			break;		/* a trailing semicolon */
		for (i = 0; is_token((unsigned char)s[i]); i++)
			;
		if (i == 0)
			goto bad;
		if ((name = token_dup(s, i, 1)) == NULL)
			goto nomem;
		s = skip_cfws(s + i);
		if (*s != '=')
			goto bad;
		s = skip_cfws(s + 1);
		if (*s == '"') {
			s++;
			if ((val = malloc(strlen(s) + 1)) == NULL)
				goto nomem;
			for (j = 0; *s != '\0' && *s != '"'; s++) {
				if (*s == '\\' && s[1] != '\0')
					s++;
				val[j++] = *s;
			}
			if (*s != '"')
				goto bad;
			val[j] = '\0';
			s++;
		} else {
			for (i = 0; is_token((unsigned char)s[i]); i++)
				;
			if (i == 0)
				goto bad;
			if ((val = token_dup(s, i, 0)) == NULL)
				goto nomem;
			s += i;
		}
		for (i = 0; i < n; i++)
			if (strcmp(params[i].name, name) == 0) {
				r = smerr_set(e, SMERR_PARSE,
				    "%s parameter %s given twice", what, name);
				goto fail;
			}
		if (n >= 64)
			goto bad;
		if ((np = reallocarray(params, n + 1, sizeof(*np))) == NULL)
			goto nomem;
		params = np;
		params[n].name = name;
		params[n].value = val;
		n++;
		name = val = NULL;
		s = skip_cfws(s);
	}
	if (*s != '\0')
		goto bad;
	*paramsp = params;
	*nparamsp = n;
	return 0;
nomem:
	r = smerr_nomem(e);
	goto fail;
bad:
	r = smerr_set(e, SMERR_PARSE, "malformed %s", what);
fail:
	free(name);
	free(val);
	mime_fields_free(params, n);
	return r;
}

int
mime_ctype_parse(const char *value, char **typep, struct mime_field **paramsp,
    size_t *nparamsp, struct smerr *e)
{
	const char	*s = value, *t;
	char		*type = NULL;
	size_t		 tl, sl, i;
	int		 r;

	*typep = NULL;
	*paramsp = NULL;
	*nparamsp = 0;
	s = skip_cfws(s);
	for (tl = 0; is_token((unsigned char)s[tl]); tl++)
		;
	if (tl == 0 || s[tl] != '/')
		return smerr_set(e, SMERR_PARSE, "malformed Content-Type");
	t = s + tl + 1;
	for (sl = 0; is_token((unsigned char)t[sl]); sl++)
		;
	if (sl == 0)
		return smerr_set(e, SMERR_PARSE, "malformed Content-Type");
	if ((type = malloc(tl + sl + 2)) == NULL)
		return smerr_nomem(e);
	for (i = 0; i < tl; i++)
		type[i] = (char)tolower((unsigned char)s[i]);
	type[tl] = '/';
	for (i = 0; i < sl; i++)
		type[tl + 1 + i] = (char)tolower((unsigned char)t[i]);
	type[tl + sl + 1] = '\0';
	if ((r = params_parse(t + sl, "Content-Type", paramsp, nparamsp,
	    e)) != 0) {
		free(type);
		return r;
	}
	*typep = type;
	return 0;
}

/* %XX escapes of RFC 2231's extended values, in place; -1 if malformed. */
static int
pct_decode(char *s)
{
	char	*o = s;
	int	 hi, lo;

	for (; *s != '\0'; s++) {
		if (*s != '%') {
			*o++ = *s;
			continue;
		}
		if ((hi = text_hex_digit(s[1])) < 0 ||
		    (lo = text_hex_digit(s[2])) < 0)
			return -1;
		*o++ = (char)(hi << 4 | lo);
		s += 2;
	}
	*o = '\0';
	return 0;
}

/* The pieces an RFC 2231 value may be continued over, at most. */
#define PARAM_PIECES	64

/*
 * Appends the RFC 2231 extended value v (%XX escapes) to b; with cs, v
 * opens with charset'language', and *cs gets the charset. 0, or -1 when
 * it is malformed.
 */
static int
ext_piece(struct buf *b, const char *v, char *cs, size_t cslen)
{
	const char	*q;
	char		*t;
	int		 r;

	if (cs != NULL) {
		if ((q = strchr(v, '\'')) == NULL || (size_t)(q - v) >= cslen ||
		    strchr(q + 1, '\'') == NULL)
			return -1;
		memcpy(cs, v, (size_t)(q - v));
		cs[q - v] = '\0';
		v = strchr(q + 1, '\'') + 1;
	}
	if ((t = strdup(v)) == NULL)
		return -1;
	r = pct_decode(t) != 0 || buf_puts(b, t) != 0 ? -1 : 0;
	free(t);
	return r;
}

/*
 * Parameter base of params as RFC 2231 gives it: in one piece
 * (base*=utf-8''r%C3%A9sum%C3%A9.pdf), or continued over numbered pieces
 * as long names are sent (base*0*=utf-8''..., base*1*=..., base*2="..."),
 * each extended piece %XX-decoded, in UTF-8 from the charset the first
 * names. Malloc'd; NULL when there is none, it is malformed, or its
 * charset cannot be read.
 */
static char *
param_2231(const struct mime_field *params, size_t n, const char *base)
{
	struct buf	*b;
	const char	*v;
	char		 name[64], cs[64] = "us-ascii", *res = NULL, *conv;
	int		 k, r = 0;

	if ((b = buf_new(MIME_MAX_FIELD)) == NULL)
		return NULL;
	snprintf(name, sizeof(name), "%s*", base);
	if ((v = mime_fields_get(params, n, name)) != NULL)
		r = ext_piece(b, v, cs, sizeof(cs));
	for (k = 0; v == NULL && r == 0 && k < PARAM_PIECES; k++) {
		snprintf(name, sizeof(name), "%s*%d*", base, k);
		if ((v = mime_fields_get(params, n, name)) != NULL)
			r = ext_piece(b, v, k == 0 ? cs : NULL, sizeof(cs));
		else {
			snprintf(name, sizeof(name), "%s*%d", base, k);
			if ((v = mime_fields_get(params, n, name)) == NULL)
				break;
			r = buf_puts(b, v) != 0 ? -1 : 0;
		}
		v = NULL;
	}
	if (r != 0 || buf_len(b) == 0)
		res = NULL;
	else if (cs[0] == '\0' || mime_strcaseeq(cs, "utf-8") ||
	    mime_strcaseeq(cs, "us-ascii"))
		res = buf_strdup(b);
	else if (charconv("utf-8", cs, (const char *)buf_data(b), buf_len(b),
	    &conv) == MAIL_CHARCONV_NO_ERROR && conv != NULL) {
		res = strdup(conv);
		free(conv);
	}
	buf_free(b);
	return res;
}

char *
mime_part_filename(const struct mime_part *p)
{
	struct mime_field	*params = NULL;
	struct buf		*out = NULL;
	const char		*d, *name = NULL;
	char			*res = NULL, *ext = NULL;
	size_t			 n = 0, i;

	if ((d = mime_part_header(p, "content-disposition")) != NULL) {
		d = skip_cfws(d);
		for (i = 0; is_token((unsigned char)d[i]); i++)
			;
		if (params_parse(d + i, "Content-Disposition", &params, &n,
		    NULL) != 0)
			n = 0;
		if ((ext = param_2231(params, n, "filename")) == NULL)
			name = mime_fields_get(params, n, "filename");
	}
	/* The type's name, when the disposition names nothing. */
	if (ext == NULL && name == NULL &&
	    (ext = param_2231(p->params, p->nparams, "name")) == NULL)
		name = mime_part_param(p, "name");
	if (ext != NULL)
		res = ext;
	else if (name != NULL && *name != '\0' &&
	    (out = buf_new(0)) != NULL &&
	    mime_header_decode(name, out, NULL) == 0)
		res = buf_strdup(out);
	buf_free(out);
	mime_fields_free(params, n);
	return res;
}

int
mime_header_decode(const char *value, struct buf *out, struct smerr *e)
{
	char	*res = NULL;
	size_t	 idx = 0;
	int	 r;

	if (value == NULL || *value == '\0')
		return 0;
	/*
	 * Text outside encoded words is UTF-8 when it reads as UTF-8 (RFC
	 * 6532), else the Latin-1 that older senders put there, read as
	 * windows-1252 as mail readers do: its bytes 0x80 to 0x9f are
	 * letters and signs, not C1 controls that would hide what follows.
	 */
	if (mailmime_encoded_phrase_parse(text_utf8_valid(value,
	    strlen(value)) ? "utf-8" : "windows-1252", value, strlen(value),
	    &idx, "utf-8", &res) != MAILIMF_NO_ERROR || res == NULL) {
		/* Not decodable: show it as it came. */
		r = buf_puts(out, value);
	} else {
		r = buf_puts(out, res);
		free(res);
	}
	if (r != 0)
		return smerr_set(e, r, "decoding a header field: %s",
		    smerr_str(r));
	return 0;
}

int
mime_subject(const struct mime_part *p, struct buf *out, struct smerr *e)
{
	return mime_header_decode(mime_part_header(p, "subject"), out, e);
}

/* An addr-spec we accept: local@domain, both non-empty, no blanks. */
static int
addr_ok(const char *a)
{
	const char	*at;
	size_t		 i;

	if ((at = strrchr(a, '@')) == NULL || at == a || at[1] == '\0')
		return 0;
	for (i = 0; a[i] != '\0'; i++)
		if ((unsigned char)a[i] <= ' ' || a[i] == 127 ||
		    a[i] == '<' || a[i] == '>' || a[i] == ',')
			return 0;
	return 1;
}

/*
 * An address field value without its comments, each made a space,
 * malloc'd (mime_uncomment). NULL when a comment or quoted string is not
 * closed, or out of memory. libetpan's parser stops at a comment after
 * the addr-spec.
 */
static char *
addr_uncomment(const char *v, struct buf *com)
{
	char	*s;

	if ((s = strdup(v)) != NULL && mime_uncomment(s, com) != 0) {
		free(s);
		s = NULL;
	}
	return s;
}

/* The address list of value, its comments set aside (NULL if none). */
static struct mailimf_address_list *
addr_list_parse(const char *value, struct buf *com, const char **whyp)
{
	struct mailimf_address_list	*al = NULL;
	size_t				 idx = 0;
	char				*v;

	*whyp = NULL;
	if ((v = addr_uncomment(value, com)) == NULL) {
		*whyp = "malformed address field";
		return NULL;
	}
	if (mailimf_address_list_parse(v, strlen(v), &idx, &al) !=
	    MAILIMF_NO_ERROR || al == NULL) {
		*whyp = "no mailbox in the address field";
		al = NULL;
		goto out;
	}
	for (; v[idx] == ' ' || v[idx] == '\t' || v[idx] == '\r' ||
	    v[idx] == '\n'; idx++)
		;
	if (v[idx] != '\0') {
		*whyp = "malformed address field";
		mailimf_address_list_free(al);
		al = NULL;
	}
out:
	free(v);
	return al;
}

struct addr_vec {
	char	**v;
	size_t	  n;
};

/* Keeps each address the list reader finds that addr_ok accepts. */
static int
addr_vec_push(void *arg, const struct mime_mbox *mb)
{
	struct addr_vec	*av = arg;

	if (mb->addr == NULL || !addr_ok(mb->addr) || av->n >= MIME_MAX_ADDRS)
		return 0;
	return vec_strv_add(&av->v, &av->n, mb->addr, strlen(mb->addr));
}

static void
addr_vec_cut(struct addr_vec *av, size_t n)
{
	while (av->n > n)
		free(av->v[--av->n]);
}

int
mime_part_addrs(const struct mime_part *p, const char *field, char ***vp,
    size_t *np)
{
	struct addr_vec	 av = { NULL, 0 };
	const char	*name, *val;
	size_t		 i, n;
	int		 r = 0;

	*vp = NULL;
	*np = 0;
	for (i = 0; r == 0 && (name = mime_part_field(p, i, &val)) != NULL;
	    i++) {
		if (strcasecmp(name, field) != 0)
			continue;
		n = av.n;
		/* A field that does not read is left out whole. */
		if ((r = mime_addrs_read(val, addr_vec_push, &av, NULL)) ==
		    SMERR_INVAL) {
			addr_vec_cut(&av, n);
			r = 0;
		}
	}
	if (r != 0) {
		vec_strv_free(av.v, av.n);
		return r;
	}
	*vp = av.v;
	*np = av.n;
	return 0;
}

int
mime_addr_spec(const char *value, char **addrp, const char **whyp)
{
	struct mailimf_address_list	*al = NULL;
	struct mailimf_address		*ad;
	clistiter			*it;
	const char			*why = NULL;
	size_t				 n = 0;
	char				*addr = NULL;
	int				 r = 0;

	*addrp = NULL;
	if ((al = addr_list_parse(value, NULL, &why)) == NULL)
		goto out;
	for (it = clist_begin(al->ad_list); it != NULL;
	    it = clist_next(it)) {
		ad = clist_content(it);
		n++;
		if (ad->ad_type != MAILIMF_ADDRESS_MAILBOX ||
		    ad->ad_data.ad_mailbox == NULL) {
			why = "a group in the address field";
			goto out;
		}
		if (n == 1 &&
		    (addr = strdup(ad->ad_data.ad_mailbox->mb_addr_spec)) ==
		    NULL) {
			r = SMERR_NOMEM;
			goto out;
		}
	}
	if (n != 1) {
		why = n == 0 ? "no mailbox in the address field" :
		    "more than one mailbox in the address field";
		goto out;
	}
	if (!addr_ok(addr)) {
		why = "malformed address in the address field";
		goto out;
	}
	*addrp = addr;
	addr = NULL;
out:
	free(addr);
	if (al != NULL)
		mailimf_address_list_free(al);
	if (whyp != NULL)
		*whyp = *addrp == NULL ? why : NULL;
	return r;
}

/* Appends an address addr_ok accepts to out, comma-separated. */
static int
addr_list_put(void *arg, const struct mime_mbox *mb)
{
	struct buf	*out = arg;
	int		 r = 0;

	if (mb->addr == NULL || !addr_ok(mb->addr))
		return 0;
	if (buf_len(out) > 0)
		r = buf_putc(out, ',');
	return r != 0 ? r : buf_puts(out, mb->addr);
}

/*
 * fn(out, mailbox) for each mailbox of value; a list that does not read
 * adds nothing to out.
 */
static int
addrs_into(const char *value, int (*fn)(void *, const struct mime_mbox *),
    struct buf *out)
{
	size_t	mark = buf_len(out);
	int	r;

	if (value == NULL)
		return 0;
	if ((r = mime_addrs_read(value, fn, out, NULL)) == SMERR_INVAL) {
		buf_truncate(out, mark);
		r = 0;
	}
	return r;
}

int
mime_addr_list(const char *value, struct buf *out)
{
	return addrs_into(value, addr_list_put, out);
}

int
mime_msgid_list(const char *value, struct buf *out)
{
	const char	*p = value, *q;
	size_t		 i;
	int		 r = 0, ok;

	while (p != NULL && (p = strchr(p, '<')) != NULL && r == 0) {
		if ((q = strchr(p, '>')) == NULL)
			break;
		ok = q - p > 2 && memchr(p, '@', (size_t)(q - p)) != NULL;
		for (i = 1; ok && p + i < q; i++)
			if ((unsigned char)p[i] <= ' ' || p[i] == '<' ||
			    (unsigned char)p[i] >= 0x7f)
				ok = 0;
		if (ok) {
			if (buf_len(out) > 0)
				r = buf_putc(out, ' ');
			if (r == 0)
				r = buf_put(out, p, (size_t)(q - p + 1));
		}
		p = q + 1;
	}
	return r;
}

int
mime_list_post(const char *value, char **addrp)
{
	const char	*p = value, *q;
	char		*a;

	*addrp = NULL;
	/* RFC 2369: <mailto:list@host>, or NO; the first mailto: counts. */
	while (p != NULL && (p = strchr(p, '<')) != NULL) {
		if ((q = strchr(p, '>')) == NULL)
			return 0;
		if (strncasecmp(p + 1, "mailto:", 7) == 0) {
			p += 8;
			if ((a = strndup(p, strcspn(p, "?>"))) == NULL)
				return SMERR_NOMEM;
			if (addr_ok(a) && strpbrk(a, "\"(),;:[]") == NULL) {
				*addrp = a;
				return 0;
			}
			free(a);
			return 0;
		}
		p = q + 1;
	}
	return 0;
}

int
mime_list_post_no(const char *value)
{
	const char	*p = value;

	/* RFC 2369: NO, perhaps with a comment, says posting is not allowed. */
	if (p == NULL)
		return 0;
	p += strspn(p, " \t");
	if (strncasecmp(p, "NO", 2) != 0)
		return 0;
	p += 2;
	p += strspn(p, " \t");
	return *p == '\0' || *p == '(';
}

/*
 * 1 when the decoded display name dn shows an address that is not addr:
 * each at sign, or one drawn like it, with what stands around it up to
 * what cannot be in an address, must be addr itself.
 */
static int
name_shows_other(const char *dn, const char *addr)
{
	static const char	 stop[] = " \t<>\"(),;:[]";
	struct buf		*b;
	const char		*t, *at, *s, *end;
	size_t			 alen, n = strlen(addr);
	int			 other = 0;

	if (dn == NULL || (b = buf_new(MIME_MAX_FIELD * 4)) == NULL)
		return 0;
	if (mime_header_decode(dn, b, NULL) != 0)
		goto out;
	for (t = buf_str(b); !other && (at = text_find_at(t, &alen)) != NULL;
	    t = at + alen) {
		for (s = at; s > buf_str(b) && strchr(stop, s[-1]) == NULL; s--)
			;
		end = at + alen + strcspn(at + alen, stop);
		while (end > at + alen && end[-1] == '.')
			end--;
		if (alen != 1 || (size_t)(end - s) != n ||
		    strncasecmp(s, addr, n) != 0)
			other = 1;
	}
out:
	buf_free(b);
	return other;
}

int
mime_addr_names_other(const char *value, const char *addr)
{
	struct mailimf_address_list	*al = NULL;
	struct mailimf_address		*ad;
	struct mailimf_mailbox		*mb;
	struct buf			*com;
	clistiter			*it, *gt;
	const char			*why;
	int				 other = 0;

	if (value == NULL || addr == NULL)
		return 0;
	if ((com = buf_new(MIME_MAX_FIELD * 4)) == NULL)
		return 1;
	al = addr_list_parse(value, com, &why);
	/* A comment that shows an address is read as one. */
	if (buf_len(com) > 0)
		other = name_shows_other(buf_str(com), addr);
	buf_free(com);
	if (al == NULL)
		return other || name_shows_other(value, addr);
	for (it = clist_begin(al->ad_list); it != NULL && !other;
	    it = clist_next(it)) {
		ad = clist_content(it);
		if (ad->ad_type == MAILIMF_ADDRESS_MAILBOX) {
			mb = ad->ad_data.ad_mailbox;
			if (mb != NULL && (strcasecmp(mb->mb_addr_spec,
			    addr) != 0 || name_shows_other(mb->mb_display_name,
			    addr)))
				other = 1;
			continue;
		}
		if (ad->ad_data.ad_group == NULL ||
		    ad->ad_data.ad_group->grp_mb_list == NULL)
			continue;
		for (gt = clist_begin(ad->ad_data.ad_group->grp_mb_list->
		    mb_list); gt != NULL; gt = clist_next(gt)) {
			mb = clist_content(gt);
			if (strcasecmp(mb->mb_addr_spec, addr) != 0)
				other = 1;
		}
	}
	mailimf_address_list_free(al);
	return other;
}

/* The first mailbox's display name, decoded into out; then stops. */
static int
addr_name_first(void *arg, const struct mime_mbox *mb)
{
	int	r = 0;

	if (mb->name != NULL)
		r = mime_header_decode(mb->name, arg, NULL);
	return r != 0 ? r : 1;
}

/* Each mailbox's display name, decoded into out, ", " between two. */
static int
addr_name_each(void *arg, const struct mime_mbox *mb)
{
	struct buf	*out = arg;
	int		 r;

	if (mb->name == NULL || *mb->name == '\0')
		return 0;
	if (buf_len(out) > 0 && (r = buf_puts(out, ", ")) != 0)
		return r;
	return mime_header_decode(mb->name, out, NULL);
}

int
mime_addr_names(const char *value, struct buf *out)
{
	return addrs_into(value, addr_name_each, out);
}

int
mime_addr_name(const char *value, struct buf *out)
{
	int	r;

	if (value == NULL)
		return 0;
	r = mime_addrs_read(value, addr_name_first, out, NULL);
	return r < 0 && r != SMERR_INVAL ? r : 0;
}

int
mime_from_addr(const struct mime_part *p, char **addrp, const char **whyp)
{
	const char	*v;
	size_t		 n;

	*addrp = NULL;
	if (whyp != NULL)
		*whyp = NULL;
	if ((n = mime_part_header_count(p, "from")) != 1) {
		if (whyp != NULL)
			*whyp = n == 0 ? "no From header field" :
			    "more than one From header field";
		return 0;
	}
	v = mime_part_header(p, "from");
	return mime_addr_spec(v, addrp, whyp);
}

int
mime_part_text(const struct mime_part *p, struct buf *out, struct smerr *e)
{
	struct buf	*raw = NULL;
	const char	*cs;
	char		*conv = NULL;
	size_t		 mark = buf_len(out);
	int		 r;

	cs = mime_part_param(p, "charset");
	if (cs == NULL || mime_strcaseeq(cs, "utf-8") ||
	    mime_strcaseeq(cs, "us-ascii")) {
		/* No conversion: decode straight into out. */
		if ((r = mime_part_decode(p, out, e)) != 0)
			buf_truncate(out, mark);
		return r;
	}
	/* A decrypted text, perhaps: its copies are wiped. */
	if ((raw = buf_new_secret(MIME_MAX_INPUT)) == NULL)
		return smerr_nomem(e);
	if ((r = mime_part_decode(p, raw, e)) != 0)
		goto out;
	if (buf_len(raw) > 0 && charconv("utf-8", cs,
	    (const char *)buf_data(raw), buf_len(raw), &conv) ==
	    MAIL_CHARCONV_NO_ERROR && conv != NULL) {
		r = buf_puts(out, conv);
		secmem_strfree(conv);
	} else
		r = buf_put(out, buf_data(raw), buf_len(raw));
	if (r != 0) {
		buf_truncate(out, mark);
		r = smerr_set(e, r, "message text: %s", smerr_str(r));
	}
out:
	buf_free(raw);
	return r;
}

int
mime_part_date(const struct mime_part *p, time_t *tp)
{
	struct mailimf_date_time	*dt = NULL;
	struct tm			 tm, asked;
	const char			*v;
	size_t				 idx = 0;
	time_t				 t;
	int				 zone, year;

	*tp = 0;
	if (mime_part_header_count(p, "date") != 1 ||
	    (v = mime_part_header(p, "date")) == NULL)
		return -1;
	if (mailimf_date_time_parse(v, strlen(v), &idx, &dt) !=
	    MAILIMF_NO_ERROR || dt == NULL)
		return -1;
	year = dt->dt_year;
	if (year < 50)			/* RFC 5322 4.3: two-digit years */
		year += 2000;
	else if (year < 1000)
		year += 1900;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = dt->dt_month - 1;
	tm.tm_mday = dt->dt_day;
	tm.tm_hour = dt->dt_hour;
	tm.tm_min = dt->dt_min;
	tm.tm_sec = dt->dt_sec;
	zone = dt->dt_zone;
	mailimf_date_time_free(dt);
	/* Every field in its range, so that nothing below can overflow. */
	if (year > 9999 || tm.tm_mon < 0 || tm.tm_mon > 11 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour < 0 ||
	    tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
	    tm.tm_sec < 0 || tm.tm_sec > 60 || zone < -9959 || zone > 9959 ||
	    zone % 100 > 59 || zone % 100 < -59)
		return -1;
	/*
	 * timegm moves a day that does not exist (30 February) into the
	 * next month; -1 is a second like any other (1969-12-31T23:59:59).
	 */
	asked = tm;
	t = timegm(&tm);
	if (tm.tm_mon != asked.tm_mon && asked.tm_sec < 60)
		return -1;
	if (tm.tm_mday != asked.tm_mday && !(asked.tm_sec == 60 &&
	    tm.tm_mday == 1 && tm.tm_hour == 0))
		return -1;
	/* The zone is +hhmm as a decimal number. */
	t -= (time_t)(zone / 100) * 3600 + (time_t)(zone % 100) * 60;
	*tp = t;
	return 0;
}

int
mime_is_message(const void *data, size_t len)
{
	static const char	*known[] = { "from", "date", "subject", "to",
				    "cc", "message-id", "mime-version",
				    "content-type", "received", "return-path",
				    "sender", "reply-to", "in-reply-to",
				    "references", "delivered-to" };
	const char		*p = data, *nl, *name, *value;
	struct mime_hdr		*h;
	size_t			 i;
	int			 found = 0;

	if (len > 5 && memcmp(p, "From ", 5) == 0 &&
	    (nl = memchr(p, '\n', len)) != NULL) {
		len -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	if ((h = mime_hdr_new(p, len)) == NULL)
		return 0;
	while (!found && mime_hdr_next(h, &name, &value, NULL) > 0)
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strcasecmp(name, known[i]) == 0)
				found = 1;
	mime_hdr_free(h);
	return found;
}
