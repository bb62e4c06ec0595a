/*
 * app/query.h: the query language of search, list and the terminal
 * program's limit (CLI-CONTRACT.md, "The mailbox"), parsed once into a
 * store plan (app/query.c).
 */
#ifndef SEALMAIL_APP_QUERY_H
#define SEALMAIL_APP_QUERY_H

struct smerr;
struct store_query;

/*
 * Parses s into *qp (app_query_free frees it). Words and "phrases";
 * from:, to:, subject:, signer: with a word or a "phrase"; is:unread,
 * flagged, signed, verified, encrypted, attachment; after: and before:
 * with YYYY-MM-DD (UTC); terms joined by AND (implicit or written), OR
 * binding two terms tighter than AND, -term, parentheses. A query that
 * does not parse is SMERR_USAGE, its message "query: at N: what" with N
 * the 1-based byte where it went wrong.
 */
int	 app_query_parse(const char *s, struct store_query **qp,
	    struct smerr *e);
void	 app_query_free(struct store_query *q);

#endif
