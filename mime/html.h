/*
 * mime/html.h: HTML as text, for mail that has no text/plain alternative.
 * Reads the markup only: nothing named in it (images, style sheets,
 * frames) is ever fetched, and nothing in it runs.
 */
#ifndef SEALMAIL_MIME_HTML_H
#define SEALMAIL_MIME_HTML_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define MIME_HTML_MAX_LINKS	1000	/* link targets numbered and listed */
#define MIME_HTML_MAX_NEST	16	/* nested lists indented */

/*
 * Appends to out the text of the len bytes of UTF-8 HTML at html: scripts,
 * style sheets and comments dropped; paragraphs, headings, rows and list
 * items on lines of their own (items marked "* " or "1. ", indented by
 * their depth); the cells of a row apart (" | "); entities decoded (none
 * to a control character); an image as "[image: alt]". The target of each
 * link follows its text as "[N]" and is listed under the text, one
 * "[N] target" a line, a target given twice numbered once. 0, or the
 * SMERR_* code of out (full or out of memory).
 */
int	 mime_html_text(const uint8_t *html, size_t len, struct buf *out);

#endif
