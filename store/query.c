/*
 * A search plan as SQL: one WHERE expression over the message table m,
 * every user's text bound as a parameter (?3 on; ?1 and ?2 are the
 * folder and the account), and
 * words and phrases as FTS4 phrases inside one quoted term each, so
 * nothing a user types is read as SQL or FTS syntax.
 */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/text.h"
#include "store/store.h"
#include "store/store_int.h"

#define QUERY_MAX_DEPTH	512

/* Flags and verdicts that need no parameter. */
static const char *const q_fixed[] = {
	[STORE_Q_UNREAD] = "(' ' || m.flags || ' ') NOT LIKE '% \\Seen %'",
	[STORE_Q_FLAGGED] = "(' ' || m.flags || ' ') LIKE '% \\Flagged %'",
	[STORE_Q_SIGNED] = "coalesce(m.signature, 'none') != 'none'",
	[STORE_Q_VERIFIED] = "coalesce(m.signature, '') = 'valid'",
	[STORE_Q_ENCRYPTED] = "coalesce(m.encryption, '') = 'decrypted'",
	[STORE_Q_ATTACHMENT] = "m.attachments > 0",
};

/* Substring matches: the columns each one looks in, up to three. */
#define Q_COLS_MAX	3
static const char *const q_cols[][Q_COLS_MAX] = {
	[STORE_Q_FROM] = { "m.from_addr", "m.from_name", NULL },
	[STORE_Q_TO] = { "m.to_addr", "m.cc", "m.to_names" },
	[STORE_Q_SUBJECT] = { "m.subject", NULL, NULL },
	[STORE_Q_SIGNER] = { "m.signer", NULL, NULL },
};

/*
 * Column col holds parameter k (a LIKE pattern from like_pattern()),
 * case-insensitively: LIKE folds ASCII as lower() does, without a copy
 * of the column per row; for a pattern beyond ASCII (fold), the column
 * is folded as the pattern was (sm_fold, text_fold), a copy per row.
 */
static int
substr_sql(struct buf *b, const char *col, size_t k, int fold)
{
	return buf_printf(b, "%scoalesce(%s, '')%s LIKE ?%zu ESCAPE '\\'",
	    fold ? "sm_fold(" : "", col, fold ? ")" : "", k);
}

/*
 * "%text%", with LIKE's own characters in text escaped; text in lower
 * case when fold (text_fold).
 */
static char *
like_pattern(const char *s, int fold)
{
	struct buf	*f = NULL;
	char		*out, *o;

	if (fold) {
		if ((f = buf_new(4 * strlen(s) + 1)) == NULL ||
		    text_fold(f, s, strlen(s)) != 0 || buf_str(f) == NULL) {
			buf_free(f);
			return NULL;
		}
		s = buf_str(f);
	}
	if ((out = malloc(2 * strlen(s) + 3)) != NULL) {
		o = out;
		*o++ = '%';
		for (; *s != '\0'; s++) {
			if (*s == '%' || *s == '_' || *s == '\\')
				*o++ = '\\';
			*o++ = *s;
		}
		*o++ = '%';
		*o = '\0';
	}
	buf_free(f);
	return out;
}

/* The FTS4 form of a word or phrase: one quoted phrase, no operators. */
static char *
fts_phrase(const char *s)
{
	char	*out, *o;

	if ((out = malloc(strlen(s) + 3)) == NULL)
		return NULL;
	o = out;
	*o++ = '"';
	for (; *s != '\0'; s++)
		if (*s != '"' && *s != '*')
			*o++ = *s;
	*o++ = '"';
	*o = '\0';
	return out;
}

static int
param_add(struct store_qsql *qs, char *p, size_t *nump, struct smerr *e)
{
	*nump = 0;
	if (p == NULL)
		return smerr_nomem(e);
	if (qs->n == STORE_QSQL_PARAMS) {
		free(p);
		return smerr_set(e, SMERR_LIMIT, "too many terms in a query");
	}
	qs->params[qs->n++] = p;
	*nump = qs->n + 2;		/* ?1, ?2: folder, account */
	return 0;
}

static int
leaf_sql(struct store_qsql *qs, const struct store_query *q, struct smerr *e)
{
	struct buf	*b = qs->sql;
	size_t		 k, i;
	int		 r, fold;

	if (q->kind == STORE_Q_AFTER || q->kind == STORE_Q_BEFORE)
		return buf_printf(b, "m.date %s %lld", q->kind ==
		    STORE_Q_AFTER ? ">=" : "<", (long long)q->when);
	if ((size_t)q->kind < sizeof(q_fixed) / sizeof(q_fixed[0]) &&
	    q_fixed[q->kind] != NULL)
		return buf_puts(b, q_fixed[q->kind]);
	if (q->text == NULL)
		return smerr_set(e, SMERR_INVAL, "a query term without text");
	if (q->kind == STORE_Q_TEXT) {
		if ((r = param_add(qs, fts_phrase(q->text), &k, e)) != 0)
			return r;
		return buf_printf(b, "m.id IN (SELECT docid FROM message_fts "
		    "WHERE message_fts MATCH ?%zu)", k);
	}
	if ((size_t)q->kind >= sizeof(q_cols) / sizeof(q_cols[0]) ||
	    q_cols[q->kind][0] == NULL)
		return smerr_set(e, SMERR_INVAL, "an unknown query term");
	fold = text_has_8bit(q->text, strlen(q->text));
	if ((r = param_add(qs, like_pattern(q->text, fold), &k, e)) != 0)
		return r;
	/* Any of the columns: To, Cc or their names; From or its name. */
	if ((r = buf_putc(b, '(')) != 0)
		return r;
	for (i = 0; i < Q_COLS_MAX && q_cols[q->kind][i] != NULL; i++)
		if ((i > 0 && (r = buf_puts(b, " OR ")) != 0) ||
		    (r = substr_sql(b, q_cols[q->kind][i], k, fold)) != 0)
			return r;
	return buf_putc(b, ')');
}

int
store_query_sql(struct store_qsql *qs, const struct store_query *q,
    int depth, struct smerr *e)
{
	struct buf	*b = qs->sql;
	int		 r;

	if (q == NULL)
		return smerr_set(e, SMERR_INVAL, "an empty query");
	if (depth > QUERY_MAX_DEPTH)
		return smerr_set(e, SMERR_LIMIT, "a query nested too deep");
	switch (q->kind) {
	case STORE_Q_NOT:
		if ((r = buf_puts(b, "NOT (")) != 0 ||
		    (r = store_query_sql(qs, q->a, depth + 1, e)) != 0)
			return r;
		return buf_putc(b, ')');
	case STORE_Q_AND:
	case STORE_Q_OR:
		if ((r = buf_putc(b, '(')) != 0 ||
		    (r = store_query_sql(qs, q->a, depth + 1, e)) != 0 ||
		    (r = buf_puts(b, q->kind == STORE_Q_AND ? " AND " :
		    " OR ")) != 0 ||
		    (r = store_query_sql(qs, q->b, depth + 1, e)) != 0)
			return r;
		return buf_putc(b, ')');
	default:
		return leaf_sql(qs, q, e);
	}
}

void
store_qsql_clear(struct store_qsql *qs)
{
	size_t	i;

	for (i = 0; i < qs->n; i++)
		free(qs->params[i]);
	qs->n = 0;
	buf_free(qs->sql);
	qs->sql = NULL;
}
