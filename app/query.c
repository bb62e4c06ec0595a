/*
 * The query language: a small recursive-descent parser over the query
 * text, bounded in length, nesting and terms, into the store's plan
 * (store/store.h, struct store_query). Precedence, loosest first: AND
 * (written, or two terms side by side), OR, then '-' and parentheses.
 * Every error names the byte where it was found.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/err.h"
#include "store/store.h"
#include "app/query.h"

#define QUERY_MAX_LEN	4096
#define QUERY_MAX_DEPTH	32
#define QUERY_MAX_TERMS	128

struct qparser {
	const char	*s;
	size_t		 at;
	size_t		 terms;
	struct smerr	*e;
};

static const struct {
	const char	*name;
	enum store_q	 kind;
} q_fields[] = {
	{ "from",	STORE_Q_FROM },
	{ "to",		STORE_Q_TO },
	{ "subject",	STORE_Q_SUBJECT },
	{ "signer",	STORE_Q_SIGNER },
	{ "after",	STORE_Q_AFTER },
	{ "before",	STORE_Q_BEFORE },
	{ "is",		STORE_Q_UNREAD },	/* the value decides */
}, q_is[] = {
	{ "unread",	STORE_Q_UNREAD },
	{ "flagged",	STORE_Q_FLAGGED },
	{ "signed",	STORE_Q_SIGNED },
	{ "verified",	STORE_Q_VERIFIED },
	{ "encrypted",	STORE_Q_ENCRYPTED },
	{ "attachment",	STORE_Q_ATTACHMENT },
};

static int	parse_and(struct qparser *, int, struct store_query **);

static int
qerr(struct qparser *p, size_t at, const char *what, const char *arg)
{
	return smerr_set(p->e, SMERR_USAGE, "query: at %zu: %s%s%s%s",
	    at + 1, what, arg != NULL ? " '" : "", arg != NULL ? arg : "",
	    arg != NULL ? "'" : "");
}

void
app_query_free(struct store_query *q)
{
	if (q == NULL)
		return;
	app_query_free(q->a);
	app_query_free(q->b);
	free(q->text);
	free(q);
}

static int
node(struct qparser *p, enum store_q kind, struct store_query *a,
    struct store_query *b, struct store_query **qp)
{
	struct store_query	*q = NULL;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		app_query_free(a);
		app_query_free(b);
		return smerr_nomem(p->e);
	}
	q->kind = kind;
	q->a = a;
	q->b = b;
	*qp = q;
	return 0;
}

static int
is_end(char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '(' ||
	    c == ')';
}

static void
skip_space(struct qparser *p)
{
	while (p->s[p->at] == ' ' || p->s[p->at] == '\t' ||
	    p->s[p->at] == '\n')
		p->at++;
}

/* The bare word w (OR, AND) stands at the parser's place. */
static int
at_word(const struct qparser *p, const char *w)
{
	size_t	n = strlen(w);

	return strncmp(p->s + p->at, w, n) == 0 && is_end(p->s[p->at + n]);
}

/* A "phrase" or a bare word, into *vp (malloc'd, never empty). */
static int
read_value(struct qparser *p, char **vp)
{
	const char	*s = p->s + p->at, *q;
	size_t		 n;

	if (*s == '"') {
		if ((q = strchr(s + 1, '"')) == NULL)
			return qerr(p, p->at, "a quote is not closed", NULL);
		if (q == s + 1)
			return qerr(p, p->at, "an empty phrase", NULL);
		n = (size_t)(q - s - 1);
		*vp = strndup(s + 1, n);
		p->at += n + 2;
	} else {
		for (n = 0; !is_end(s[n]); n++)
			;
		if (n == 0)
			return qerr(p, p->at, "a value is missing", NULL);
		*vp = strndup(s, n);
		p->at += n;
	}
	return *vp == NULL ? smerr_nomem(p->e) : 0;
}

/* YYYY-MM-DD as midnight UTC; -1 when it is not such a day. */
static time_t
parse_day(const char *s)
{
	struct tm	tm, back;
	time_t		t;
	int		i;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)strtol(s, NULL, 10) - 1900;
	tm.tm_mon = (int)strtol(s + 5, NULL, 10) - 1;
	tm.tm_mday = (int)strtol(s + 8, NULL, 10);
	back = tm;
	/* timegm normalizes: a day that does not exist comes back moved. */
	if ((t = timegm(&tm)) == -1 || tm.tm_mday != back.tm_mday ||
	    tm.tm_mon != back.tm_mon || tm.tm_year != back.tm_year)
		return -1;
	return t;
}

/* field:value, once the field's name and colon are read. */
static int
parse_field(struct qparser *p, enum store_q kind, const char *name,
    size_t start, struct store_query *q)
{
	size_t	i, vat = p->at;
	int	r;

	if (is_end(p->s[p->at]))
		return qerr(p, start, "a value is missing after", name);
	if ((r = read_value(p, &q->text)) != 0)
		return r;
	q->kind = kind;
	if (kind == STORE_Q_AFTER || kind == STORE_Q_BEFORE) {
		if ((q->when = parse_day(q->text)) == -1)
			return qerr(p, vat, "not a day (YYYY-MM-DD):", q->text);
	} else if (strcmp(name, "is:") == 0) {
		for (i = 0; i < sizeof(q_is) / sizeof(q_is[0]); i++)
			if (strcasecmp(q->text, q_is[i].name) == 0)
				break;
		if (i == sizeof(q_is) / sizeof(q_is[0]))
			return qerr(p, vat, "unknown is: value", q->text);
		q->kind = q_is[i].kind;
	}
	return 0;
}

/* A word, a "phrase", or field:value. */
static int
parse_term(struct qparser *p, struct store_query **qp)
{
	struct store_query	*q = NULL;
	const char		*s = p->s + p->at;
	char			 name[16];
	size_t			 n, i, start = p->at;
	int			 r;

	if (++p->terms > QUERY_MAX_TERMS)
		return qerr(p, start, "too many terms", NULL);
	if ((r = node(p, STORE_Q_TEXT, NULL, NULL, &q)) != 0)
		return r;
	for (n = 0; isalpha((unsigned char)s[n]); n++)
		;
	if (n > 0 && s[n] == ':' && n + 2 <= sizeof(name)) {
		memcpy(name, s, n + 1);
		name[n + 1] = '\0';
		for (i = 0; i < sizeof(q_fields) / sizeof(q_fields[0]); i++)
			if (strncasecmp(s, q_fields[i].name, n) == 0 &&
			    q_fields[i].name[n] == '\0')
				break;
		if (i == sizeof(q_fields) / sizeof(q_fields[0])) {
			r = qerr(p, start, "unknown field", name);
			goto out;
		}
		p->at += n + 1;
		r = parse_field(p, q_fields[i].kind, name, start, q);
	} else
		r = read_value(p, &q->text);
out:
	if (r != 0)
		app_query_free(q);
	else
		*qp = q;
	return r;
}

static int
parse_unary(struct qparser *p, int depth, struct store_query **qp)
{
	struct store_query	*q = NULL;
	size_t			 open;
	int			 r;

	skip_space(p);
	if (depth > QUERY_MAX_DEPTH)
		return qerr(p, p->at, "nested too deep", NULL);
	if (p->s[p->at] == '\0')
		return qerr(p, p->at, "a term is missing", NULL);
	if (p->s[p->at] == ')')
		return qerr(p, p->at, "a ')' without its '('", NULL);
	if (at_word(p, "OR") || at_word(p, "AND"))
		return qerr(p, p->at, "a term is missing before",
		    p->s[p->at] == 'O' ? "OR" : "AND");
	if (p->s[p->at] == '-') {
		p->at++;
		if (p->s[p->at] == '\0' || p->s[p->at] == ')' ||
		    isspace((unsigned char)p->s[p->at]))
			return qerr(p, p->at - 1, "a term is missing after '-'",
			    NULL);
		if ((r = parse_unary(p, depth + 1, &q)) != 0)
			return r;
		return node(p, STORE_Q_NOT, q, NULL, qp);
	}
	if (p->s[p->at] != '(')
		return parse_term(p, qp);
	open = p->at++;
	skip_space(p);
	if (p->s[p->at] == ')')
		return qerr(p, open, "empty parentheses", NULL);
	if ((r = parse_and(p, depth + 1, &q)) != 0)
		return r;
	skip_space(p);
	if (p->s[p->at] != ')') {
		app_query_free(q);
		return qerr(p, open, "a '(' is not closed", NULL);
	}
	p->at++;
	*qp = q;
	return 0;
}

/*
 * Parses the next operand with sub and makes *leftp the node of kind
 * joining the two; on failure both are freed.
 */
static int
join(struct qparser *p, int depth, enum store_q kind,
    int (*sub)(struct qparser *, int, struct store_query **),
    struct store_query **leftp)
{
	struct store_query	*right = NULL;
	int			 r;

	if ((r = sub(p, depth, &right)) != 0) {
		app_query_free(*leftp);
		*leftp = NULL;
		return r;
	}
	/* A failed node frees both sides. */
	return node(p, kind, *leftp, right, leftp);
}

static int
parse_or(struct qparser *p, int depth, struct store_query **qp)
{
	struct store_query	*left = NULL;
	int			 r;

	if ((r = parse_unary(p, depth, &left)) != 0)
		return r;
	for (;;) {
		skip_space(p);
		if (!at_word(p, "OR"))
			break;
		p->at += 2;
		skip_space(p);
		if (p->s[p->at] == '\0' || p->s[p->at] == ')' ||
		    at_word(p, "OR") || at_word(p, "AND")) {
			app_query_free(left);
			return qerr(p, p->at, "a term is missing after", "OR");
		}
		if ((r = join(p, depth, STORE_Q_OR, parse_unary, &left)) != 0)
			return r;
	}
	*qp = left;
	return 0;
}

static int
parse_and(struct qparser *p, int depth, struct store_query **qp)
{
	struct store_query	*left = NULL;
	int			 r;

	if ((r = parse_or(p, depth, &left)) != 0)
		return r;
	for (;;) {
		skip_space(p);
		if (p->s[p->at] == '\0' || p->s[p->at] == ')')
			break;
		if (at_word(p, "AND")) {
			p->at += 3;
			skip_space(p);
			if (p->s[p->at] == '\0' || p->s[p->at] == ')') {
				app_query_free(left);
				return qerr(p, p->at, "a term is missing "
				    "after", "AND");
			}
		}
		if ((r = join(p, depth, STORE_Q_AND, parse_or, &left)) != 0)
			return r;
	}
	*qp = left;
	return 0;
}

int
app_query_parse(const char *s, struct store_query **qp, struct smerr *e)
{
	struct qparser	p;
	int		r;

	*qp = NULL;
	memset(&p, 0, sizeof(p));
	p.s = s;
	p.e = e;
	if (strlen(s) > QUERY_MAX_LEN)
		return qerr(&p, QUERY_MAX_LEN, "the query is too long", NULL);
	if ((r = parse_and(&p, 0, qp)) != 0)
		return r;
	skip_space(&p);
	if (p.s[p.at] != '\0') {
		app_query_free(*qp);
		*qp = NULL;
		return qerr(&p, p.at, "a ')' without its '('", NULL);
	}
	return 0;
}
