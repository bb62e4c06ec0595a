/*
 * HTML as text. One pass over the markup with a small state: the output's
 * line state (newlines already written, a space pending, a line begun),
 * the element whose content is dropped (a script, a style sheet), the
 * lists open, the cells of the current row, the link open and the link
 * targets seen. Tags are read with their attributes (quoted or not) but
 * only href and alt are kept; nothing is fetched, whatever a tag names.
 * Every count is bounded: past the limits, links go unnumbered and lists
 * stop indenting, and the output is as large as out allows.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/text.h"
#include "mime/html.h"

#define HTML_MAX_ATTR	4096	/* one attribute value kept */
#define HTML_MAX_NAME	16	/* a tag or attribute name */
#define HTML_MAX_ENTITY	32	/* "&...;" */
#define HTML_LINK_SLOTS	2048	/* hash of the links; > 2 * MAX_LINKS */

struct html {
	struct buf	*out;
	size_t		 start;		/* out's length before us */
	int		 nl;		/* newlines ending the output */
	int		 space;		/* a space before the next text */
	int		 bol;		/* at the start of a line */
	char		 skip[HTML_MAX_NAME];	/* dropped until its end */
	int		 pre;		/* inside <pre> */
	int		 quote;		/* <blockquote> depth */
	int		 cell;		/* a cell was begun in this row */
	int		 nest;		/* lists open */
	int		 ordered[MIME_HTML_MAX_NEST];
	long		 count[MIME_HTML_MAX_NEST];
	size_t		 link;		/* number of the open link, or 0 */
	char		*links[MIME_HTML_MAX_LINKS];
	size_t		 nlinks;
	uint16_t	 slots[HTML_LINK_SLOTS];	/* links: index + 1 */
	int		 r;
};

/* A tag as read: its name, whether it closes, and the two values kept. */
struct html_tag {
	char		 name[HTML_MAX_NAME];
	int		 closing;
	int		 ended;		/* its '>' was read */
	struct buf	*href;
	struct buf	*alt;
};

static const struct {
	const char	*name;
	unsigned	 cp;
} html_entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", ' ' }, { "ensp", ' ' }, { "emsp", ' ' },
	{ "thinsp", ' ' }, { "shy", 0 }, { "zwnj", 0 }, { "zwj", 0 },
	{ "copy", 0xa9 }, { "reg", 0xae }, { "trade", 0x2122 },
	{ "hellip", 0x2026 }, { "mdash", 0x2014 }, { "ndash", 0x2013 },
	{ "lsquo", 0x2018 }, { "rsquo", 0x2019 }, { "ldquo", 0x201c },
	{ "rdquo", 0x201d }, { "laquo", 0xab }, { "raquo", 0xbb },
	{ "bull", 0x2022 }, { "middot", 0xb7 }, { "euro", 0x20ac },
	{ "pound", 0xa3 }, { "yen", 0xa5 }, { "cent", 0xa2 },
	{ "deg", 0xb0 }, { "times", 0xd7 }, { "divide", 0xf7 },
	{ "auml", 0xe4 }, { "ouml", 0xf6 }, { "uuml", 0xfc },
	{ "Auml", 0xc4 }, { "Ouml", 0xd6 }, { "Uuml", 0xdc },
	{ "szlig", 0xdf }, { "eacute", 0xe9 }, { "egrave", 0xe8 },
	{ "agrave", 0xe0 }, { "ccedil", 0xe7 },
};

/* Elements whose content is not text to read. */
static const char *const html_dropped[] = {
	"script", "style", "title", "template", "svg", NULL
};

/* Elements that stand apart by a blank line, and by a line break. */
static const char *const html_para[] = {
	"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "pre",
	"blockquote", NULL
};
static const char *const html_block[] = {
	"div", "tr", "dl", "dt", "dd", "section", "article", "header",
	"footer", "address", "center", "form", "fieldset", "figure", "main",
	"nav", "aside", "caption", "tbody", "thead", "tfoot", "body",
	"html", NULL
};

static int
in_list(const char *const *l, const char *name)
{
	for (; *l != NULL; l++)
		if (strcmp(*l, name) == 0)
			return 1;
	return 0;
}

static void
put(struct html *h, const void *p, size_t len)
{
	if (h->r == 0)
		h->r = buf_put(h->out, p, len);
}

/* Begins a line's text: the quoting marks of the blockquotes around it. */
static void
line_begin(struct html *h)
{
	int	i;

	if (!h->bol)
		return;
	for (i = 0; i < h->quote; i++)
		put(h, "> ", 2);
	h->bol = 0;
}

/* Ends the line unless it is empty, and then up to n - 1 empty lines. */
static void
brk(struct html *h, int n)
{
	if (buf_len(h->out) == h->start)
		return;			/* nothing written yet */
	while (h->nl < n) {
		put(h, "\n", 1);
		h->nl++;
	}
	h->space = 0;
	h->bol = 1;
}

/* Text (UTF-8) as it stands, after any space pending. */
static void
text_raw(struct html *h, const void *p, size_t len)
{
	if (len == 0)
		return;
	line_begin(h);
	/* A space pending goes where a word ended, not after a mark. */
	if (h->space && buf_len(h->out) > h->start &&
	    buf_data(h->out)[buf_len(h->out) - 1] != ' ' &&
	    buf_data(h->out)[buf_len(h->out) - 1] != '\n')
		put(h, " ", 1);
	put(h, p, len);
	h->space = 0;
	h->nl = 0;
}

static void
text_cp(struct html *h, unsigned cp)
{
	struct buf	*b;

	if (cp == 0)
		return;
	/* No entity makes a control character, a surrogate or worse. */
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (cp < 0x20 && cp != '\t' && cp != '\n') ||
	    (cp >= 0x7f && cp < 0xa0))
		cp = 0xfffd;
	if (cp == '\t' || cp == '\n') {
		if (!h->pre) {
			h->space = 1;
			return;
		}
	}
	if ((b = buf_new(8)) == NULL) {
		h->r = SMERR_NOMEM;
		return;
	}
	if (text_utf8_put(b, cp) == 0)
		text_raw(h, buf_data(b), buf_len(b));
	buf_free(b);
}

/*
 * The code point of the entity at s (just after '&'), its length up to and
 * with the ';' in *lenp; 0 when it is none (the '&' is then text).
 */
static int
entity(const uint8_t *s, size_t len, size_t *lenp, unsigned *cpp)
{
	char		 name[HTML_MAX_ENTITY];
	unsigned long	 v;
	size_t		 i, n;
	char		*end;

	for (n = 0; n < len && n < sizeof(name) - 1 && s[n] != ';'; n++)
		if (!isalnum(s[n]) && !(n == 0 && s[n] == '#'))
			return 0;
	if (n == 0 || n >= len || s[n] != ';')
		return 0;
	memcpy(name, s, n);
	name[n] = '\0';
	*lenp = n + 1;
	if (name[0] == '#') {
		if (name[1] == 'x' || name[1] == 'X')
			v = strtoul(name + 2, &end, 16);
		else
			v = strtoul(name + 1, &end, 10);
		if (*end != '\0' || end == name + 1 || end == name + 2)
			return 0;
		*cpp = v > 0x10ffff ? 0xfffd : (v == 0 ? 0xfffd : (unsigned)v);
		return 1;
	}
	for (i = 0; i < sizeof(html_entities) / sizeof(html_entities[0]); i++)
		if (strcmp(html_entities[i].name, name) == 0) {
			*cpp = html_entities[i].cp;
			return 1;
		}
	return 0;
}

/* Text between tags: white space folded (but in <pre>), entities read. */
static size_t
text_run(struct html *h, const uint8_t *s, size_t len)
{
	size_t		 i = 0, n, el;
	unsigned	 cp;

	while (i < len && s[i] != '<' && h->r == 0) {
		if (s[i] == '&' && entity(s + i + 1, len - i - 1, &el, &cp)) {
			if (cp == ' ')
				text_raw(h, " ", 1);
			else
				text_cp(h, cp);
			i += 1 + el;
			continue;
		}
		if (s[i] == '\r') {
			i++;
			continue;
		}
		if (isspace(s[i]) && !h->pre) {
			h->space = 1;
			i++;
			continue;
		}
		if (s[i] == '\n') {
			put(h, "\n", 1);
			h->nl++;
			h->bol = 1;
			i++;
			continue;
		}
		for (n = i; n < len && s[n] != '<' && s[n] != '&' &&
		    s[n] != '\r' && !isspace(s[n]); n++)
			;
		if (n == i)
			n = i + 1;
		text_raw(h, s + i, n - i);
		i = n;
	}
	return i;
}

/* An attribute value, its entities read, into b (NULL: not kept). */
static size_t
attr_value(const uint8_t *s, size_t len, struct buf *b)
{
	size_t		 i = 0, el;
	unsigned	 cp;
	uint8_t		 q = 0;

	if (i < len && (s[i] == '"' || s[i] == '\''))
		q = s[i++];
	for (; i < len; i++) {
		if (q != 0 ? s[i] == q : (isspace(s[i]) || s[i] == '>'))
			break;
		if (b == NULL || buf_len(b) >= HTML_MAX_ATTR)
			continue;
		if (s[i] == '&' && entity(s + i + 1, len - i - 1, &el, &cp)) {
			if (cp != 0)
				(void)text_utf8_put(b, cp);
			i += el;
			continue;
		}
		(void)buf_putc(b, s[i]);
	}
	if (q != 0 && i < len)
		i++;
	return i;
}

/* Reads the name at s into out (lowercased, cut); returns its length. */
static size_t
tag_name(const uint8_t *s, size_t len, char *out)
{
	size_t	i, k = 0;

	for (i = 0; i < len && (isalnum(s[i]) || s[i] == '-' ||
	    s[i] == ':' || s[i] == '_'); i++)
		if (k < HTML_MAX_NAME - 1)
			out[k++] = (char)tolower(s[i]);
	out[k] = '\0';
	return i;
}

/*
 * Reads the tag at s (just after '<', a letter or '/' there) up to and
 * with its '>'; returns the bytes read.
 */
static size_t
tag_read(const uint8_t *s, size_t len, struct html_tag *t)
{
	char	 an[HTML_MAX_NAME];
	size_t	 i = 0;

	t->closing = s[0] == '/';
	if (t->closing)
		i++;
	i += tag_name(s + i, len - i, t->name);
	while (i < len && s[i] != '>') {
		if (isspace(s[i]) || s[i] == '/') {
			i++;
			continue;
		}
		if (s[i] == '"' || s[i] == '\'' || s[i] == '=') {
			i += s[i] == '=' ? 1 : attr_value(s + i, len - i, NULL);
			continue;
		}
		i += tag_name(s + i, len - i, an);
		if (an[0] == '\0') {
			i++;
			continue;
		}
		while (i < len && isspace(s[i]))
			i++;
		if (i >= len || s[i] != '=')
			continue;
		i++;
		while (i < len && isspace(s[i]))
			i++;
		i += attr_value(s + i, len - i, strcmp(an, "href") == 0 ?
		    t->href : strcmp(an, "alt") == 0 ? t->alt : NULL);
	}
	t->ended = i < len;
	return t->ended ? i + 1 : i;
}

/* A link target worth listing: no white space or controls, no fragment. */
static char *
link_clean(const struct buf *b)
{
	const uint8_t	*p = buf_data(b);
	char		*s;
	size_t		 i, k = 0;

	if ((s = malloc(buf_len(b) + 1)) == NULL)
		return NULL;
	for (i = 0; i < buf_len(b); i++)
		if (p[i] > 0x20 && p[i] != 0x7f)
			s[k++] = (char)p[i];
	s[k] = '\0';
	if (k == 0 || s[0] == '#' || strncasecmp(s, "javascript:", 11) == 0) {
		free(s);
		return NULL;
	}
	return s;
}

/*
 * The number of a link's target: the one it had, or the next. The
 * targets are hashed (FNV-1a, open addressing), so that a page of a
 * million links costs a million lookups, not a billion comparisons.
 */
static size_t
link_number(struct html *h, const struct buf *href)
{
	const unsigned char	*c;
	uint32_t		 v = 2166136261u;
	char			*s;
	size_t			 i;

	if ((s = link_clean(href)) == NULL)
		return 0;
	for (c = (const unsigned char *)s; *c != '\0'; c++)
		v = (v ^ *c) * 16777619u;
	for (i = v % HTML_LINK_SLOTS; h->slots[i] != 0;
	    i = (i + 1) % HTML_LINK_SLOTS)
		if (strcmp(h->links[h->slots[i] - 1], s) == 0) {
			free(s);
			return h->slots[i];
		}
	if (h->nlinks == MIME_HTML_MAX_LINKS) {
		free(s);
		return 0;
	}
	h->links[h->nlinks++] = s;
	h->slots[i] = (uint16_t)h->nlinks;
	return h->nlinks;
}

static void
list_item(struct html *h)
{
	char	mark[32];
	int	i, d = h->nest > 0 ? h->nest - 1 : 0;

	brk(h, 1);
	line_begin(h);
	for (i = 0; i < d && i < MIME_HTML_MAX_NEST; i++)
		put(h, "  ", 2);
	if (h->nest > 0 && h->nest <= MIME_HTML_MAX_NEST &&
	    h->ordered[h->nest - 1])
		snprintf(mark, sizeof(mark), "%ld. ",
		    ++h->count[h->nest - 1]);
	else
		snprintf(mark, sizeof(mark), "* ");
	put(h, mark, strlen(mark));
	h->nl = 0;
	h->space = 0;
}

static void
list_open(struct html *h, int ordered)
{
	brk(h, h->nest == 0 ? 2 : 1);
	if (h->nest < MIME_HTML_MAX_NEST) {
		h->ordered[h->nest] = ordered;
		h->count[h->nest] = 0;
	}
	h->nest++;
}

static void
tag_inline(struct html *h, const struct html_tag *t)
{
	char	num[32];
	size_t	i;

	if (strcmp(t->name, "a") == 0) {
		if (!t->closing) {
			h->link = link_number(h, t->href);
			return;
		}
		if (h->link != 0) {
			snprintf(num, sizeof(num), "[%zu]", h->link);
			text_raw(h, num, strlen(num));
		}
		h->link = 0;
	} else if (strcmp(t->name, "img") == 0 && !t->closing) {
		text_raw(h, "[image", 6);
		if (buf_len(t->alt) > 0)
			put(h, ": ", 2);
		for (i = 0; i < buf_len(t->alt); i++)
			put(h, buf_data(t->alt)[i] < 0x20 ? " " :
			    (const char *)buf_data(t->alt) + i, 1);
		put(h, "]", 1);
	} else if ((strcmp(t->name, "td") == 0 ||
	    strcmp(t->name, "th") == 0) && !t->closing) {
		h->space = 0;
		if (h->cell)
			text_raw(h, " | ", 3);
		h->cell = 1;
	}
}

/* What a tag does to the text. */
static void
tag_apply(struct html *h, const struct html_tag *t)
{
	const char	*n = t->name;

	if (in_list(html_dropped, n)) {
		if (!t->closing)
			snprintf(h->skip, sizeof(h->skip), "%s", n);
		return;
	}
	if (strcmp(n, "br") == 0) {
		put(h, "\n", 1);
		h->nl++;
		h->bol = 1;
		h->space = 0;
	} else if (strcmp(n, "hr") == 0) {
		brk(h, 2);
		text_raw(h, "----------", 10);
		brk(h, 2);
	} else if (strcmp(n, "li") == 0) {
		if (!t->closing)
			list_item(h);
	} else if (strcmp(n, "ul") == 0 || strcmp(n, "ol") == 0) {
		if (!t->closing)
			list_open(h, n[0] == 'o');
		else if (h->nest > 0) {
			h->nest--;
			brk(h, h->nest == 0 ? 2 : 1);
		}
	} else if (in_list(html_para, n)) {
		if (strcmp(n, "pre") == 0)
			h->pre = !t->closing;
		brk(h, 2);
		if (strcmp(n, "blockquote") == 0 && (t->closing ?
		    h->quote > 0 : h->quote < MIME_HTML_MAX_NEST))
			h->quote += t->closing ? -1 : 1;
	} else if (in_list(html_block, n)) {
		brk(h, 1);
		if (strcmp(n, "tr") == 0)
			h->cell = 0;
	} else
		tag_inline(h, t);
}

/* Skips what "<!" or "<?" opens: a comment, a doctype, an instruction. */
static size_t
markup_skip(const uint8_t *s, size_t len)
{
	const uint8_t	*e;

	if (len >= 4 && memcmp(s, "<!--", 4) == 0) {
		e = memmem(s + 4, len - 4, "-->", 3);
		return e != NULL ? (size_t)(e - s) + 3 : len;
	}
	e = memchr(s, '>', len);
	return e != NULL ? (size_t)(e - s) + 1 : len;
}

/* Inside dropped content: up to the tag that ends it. */
static size_t
dropped_run(struct html *h, const uint8_t *s, size_t len)
{
	size_t	i, n = strlen(h->skip);

	for (i = 0; i < len; i++) {
		if (s[i] == '<' && i + 2 + n <= len && s[i + 1] == '/' &&
		    strncasecmp((const char *)s + i + 2, h->skip, n) == 0 &&
		    (i + 2 + n == len || !isalnum(s[i + 2 + n])))
			return i;
	}
	return len;
}

static size_t
tag_run(struct html *h, const uint8_t *s, size_t len)
{
	struct html_tag	 t;
	size_t		 n;

	if (len < 2 || !(isalpha(s[1]) || (s[1] == '/' && len > 2 &&
	    isalpha(s[2])))) {
		if (len >= 2 && (s[1] == '!' || s[1] == '?'))
			return markup_skip(s, len);
		text_raw(h, "<", 1);
		return 1;
	}
	memset(&t, 0, sizeof(t));
	if ((t.href = buf_new(HTML_MAX_ATTR)) == NULL ||
	    (t.alt = buf_new(HTML_MAX_ATTR)) == NULL) {
		buf_free(t.href);
		h->r = SMERR_NOMEM;
		return len;
	}
	n = 1 + tag_read(s + 1, len - 1, &t);
	if (!t.ended)
		;			/* cut short: not a tag */
	else if (h->skip[0] != '\0') {
		if (t.closing && strcmp(t.name, h->skip) == 0)
			h->skip[0] = '\0';
	} else
		tag_apply(h, &t);
	buf_free(t.href);
	buf_free(t.alt);
	return n;
}

/* Ends the text: trailing white space off, then the link targets. */
static void
links_list(struct html *h)
{
	const uint8_t	*d = buf_data(h->out);
	size_t		 n = buf_len(h->out), i;
	char		 num[32];

	while (n > h->start && (d[n - 1] == '\n' || d[n - 1] == ' '))
		n--;
	buf_truncate(h->out, n);
	if (h->nlinks == 0)
		return;
	if (n > h->start)
		put(h, "\n\n", 2);
	put(h, "Links:\n", 7);
	for (i = 0; i < h->nlinks; i++) {
		snprintf(num, sizeof(num), "[%zu] ", i + 1);
		put(h, num, strlen(num));
		put(h, h->links[i], strlen(h->links[i]));
		put(h, "\n", 1);
	}
}

int
mime_html_text(const uint8_t *html, size_t len, struct buf *out)
{
	struct html	 h;
	size_t		 i = 0, n;

	memset(&h, 0, sizeof(h));
	h.out = out;
	h.start = buf_len(out);
	h.bol = 1;
	while (i < len && h.r == 0) {
		if (h.skip[0] != '\0' && (n = dropped_run(&h, html + i,
		    len - i)) > 0)
			i += n;
		else if (html[i] == '<')
			i += tag_run(&h, html + i, len - i);
		else
			i += text_run(&h, html + i, len - i);
	}
	if (h.r == 0)
		links_list(&h);
	for (i = 0; i < h.nlinks; i++)
		free(h.links[i]);
	return h.r;
}
