/*
 * Drawing helpers. Every string reaches the screen through ui_put, which
 * sanitizes it (base/text.h) and clips it by display width, so no text
 * from a message, a server or a certificate can move the cursor or change
 * the terminal.
 */
#include <curses.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "base/buf.h"
#include "base/text.h"
#include "ui/ui_int.h"

void
ui_draw_init(void)
{
	if (!has_colors())
		return;
	start_color();
	use_default_colors();
	init_pair(UI_C_BAR, COLOR_WHITE, COLOR_BLUE);
	init_pair(UI_C_GOOD, COLOR_GREEN, -1);
	init_pair(UI_C_BAD, COLOR_RED, -1);
	init_pair(UI_C_WARN, COLOR_YELLOW, -1);
	init_pair(UI_C_DIM, COLOR_CYAN, -1);
	init_pair(UI_C_SEL, COLOR_BLACK, COLOR_CYAN);
	init_pair(UI_C_HEAD, COLOR_MAGENTA, -1);
	init_pair(UI_C_QUOTE, COLOR_BLUE, -1);	/* no colour of the strip */
}

/* 1 when the locale's characters are UTF-8, as every text here is. */
static int
ui_locale_utf8(void)
{
	static int	utf8 = -1;

	if (utf8 == -1)
		utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	return utf8;
}

/* What stands for c on a terminal whose character set lacks it. */
static wchar_t
ui_ascii(unsigned c)
{
	switch (c) {
	case 0x2500: case 0x2013: case 0x2014: case 0x2010: case 0x2212:
		return L'-';
	case 0x2502:
		return L'|';
	case 0x251c:
		return L'+';
	case 0x2514:
		return L'`';
	case 0x2026:
		return L'~';
	case 0x2018: case 0x2019:
		return L'\'';
	case 0x201c: case 0x201d:
		return L'"';
	case 0x2022:
		return L'*';
	case 0x00a0:
		return L' ';
	}
	return L'?';
}

/*
 * ui_char in a locale whose character set is not UTF-8 (LANG=C, a Latin-1
 * one): the text is decoded as the UTF-8 it is; a character the locale
 * cannot show stands as one ASCII character (ui_ascii), or as nothing
 * (*wc 0) when it takes no cell (a combining mark, a joiner).
 */
static size_t
ui_char_other(const char *p, size_t left, wchar_t *wc, int *w)
{
	static locale_t		 u8;
	const unsigned char	*q = (const unsigned char *)p;
	char			 mb[MB_LEN_MAX];
	mbstate_t		 st;
	locale_t		 old;
	unsigned		 c = text_utf8_next(&q, &left);

	memset(&st, 0, sizeof(st));
	*wc = (wchar_t)c;
	if (wcrtomb(mb, *wc, &st) != (size_t)-1 && (*w = wcwidth(*wc)) >= 0)
		return (size_t)(q - (const unsigned char *)p);
	*w = 1;
	if (u8 == (locale_t)0)
		u8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (u8 != (locale_t)0) {
		old = uselocale(u8);
		if (wcwidth(*wc) == 0)
			*w = 0;
		uselocale(old);
	}
	*wc = *w == 0 ? 0 : ui_ascii(c);
	return (size_t)(q - (const unsigned char *)p);
}

/*
 * The character at p (left > 0 bytes) in *wc, '?' for one that is
 * malformed or not printable; returns its bytes and sets *w to its cells.
 */
static size_t
ui_char(const char *p, size_t left, mbstate_t *mbs, wchar_t *wc, int *w)
{
	size_t	n;

	if (!ui_locale_utf8())
		return ui_char_other(p, left, wc, w);
	n = mbrtowc(wc, p, left, mbs);

	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*wc = L'?';
		n = 1;
		memset(mbs, 0, sizeof(*mbs));
	}
	if ((*w = wcwidth(*wc)) < 0) {
		*w = 1;
		*wc = L'?';
	}
	return n;
}

/*
 * Draws (draw set) or measures the sanitized UTF-8 at p in at most width
 * cells (width < 0: no limit); returns the cells it takes.
 */
static int
ui_cells(const char *p, size_t left, int width, int draw)
{
	mbstate_t	 mbs;
	wchar_t		 wc;
	size_t		 n;
	int		 used = 0, w;

	memset(&mbs, 0, sizeof(mbs));
	while (left > 0) {
		n = ui_char(p, left, &mbs, &wc, &w);
		if (width >= 0 && used + w > width)
			break;
		if (draw && wc != 0)
			addnwstr(&wc, 1);
		used += w;
		p += n;
		left -= n;
	}
	return used;
}

void
ui_put_ellipsis(void)
{
	(void)ui_cells("…", strlen("…"), 1, 1);
}

void
ui_put_rule(int y, int cols)
{
	int	x;

	move(y, 0);
	for (x = 0; x < cols; x++)
		(void)ui_cells("─", strlen("─"), 1, 1);
}

int
ui_put(int y, int x, int width, const char *s, size_t len)
{
	struct buf	*b;
	int		 used;

	if (width <= 0 || s == NULL || (b = buf_new(0)) == NULL)
		return 0;
	if (text_sanitize(b, s, len, 0) != 0) {
		buf_free(b);
		return 0;
	}
	move(y, x);
	used = ui_cells(buf_str(b), buf_len(b), width, 1);
	buf_free(b);
	return used;
}

int
ui_width(const char *s)
{
	struct buf	*b;
	int		 w = 0;

	if ((b = buf_new(0)) == NULL)
		return 0;
	if (text_sanitize(b, s, strlen(s), 0) == 0)
		w = ui_cells(buf_str(b), buf_len(b), -1, 0);
	buf_free(b);
	return w;
}

int
ui_put_tail(int y, int x, int width, const char *s, size_t len)
{
	struct buf	*b;
	mbstate_t	 mbs;
	wchar_t		 wc;
	const char	*p;
	size_t		 left, n;
	int		 used, w;

	if (width <= 1 || s == NULL || (b = buf_new(0)) == NULL)
		return 0;
	if (text_sanitize(b, s, len, 0) != 0) {
		buf_free(b);
		return 0;
	}
	p = buf_str(b);
	left = buf_len(b);
	used = ui_cells(p, left, -1, 0);
	move(y, x);
	if (used > width) {
		/* Drop from the front until the rest and "…" fit. */
		memset(&mbs, 0, sizeof(mbs));
		while (left > 0 && used > width - 1) {
			n = ui_char(p, left, &mbs, &wc, &w);
			used -= w;
			p += n;
			left -= n;
		}
		ui_put_ellipsis();
		used = 1 + ui_cells(p, left, width - 1, 1);
	} else
		used = ui_cells(p, left, width, 1);
	buf_free(b);
	return used;
}

/* ui_wrap of a text with no tab in it. */
static void
wrap_cells(const char *s, size_t len, int width, int indent,
    void (*row)(const char *, size_t, void *), void *arg)
{
	mbstate_t	 mbs;
	wchar_t		 wc;
	size_t		 i = 0, start = 0, brk = 0, n;
	int		 w = 0, cw, room = width > 0 ? width : 1;

	memset(&mbs, 0, sizeof(mbs));
	while (i < len) {
		n = ui_char(s + i, len - i, &mbs, &wc, &cw);
		if (w + cw > room && i > start) {
			/*
			 * A space past the edge ends a word that fits: the
			 * row holds it. Else the row ends after the last
			 * space, or inside a word that has none before it.
			 */
			if (wc == L' ' || brk <= start)
				brk = i;
			row(s + start, brk - start, arg);
			start = brk;
			while (start < len && s[start] == ' ')
				start++;
			i = brk = start;
			w = 0;
			room = width - indent > 0 ? width - indent : 1;
			memset(&mbs, 0, sizeof(mbs));
			continue;
		}
		if (wc == L' ')
			brk = i + n;
		w += cw;
		i += n;
	}
	row(s + start, len - start, arg);
}

void
ui_wrap(const char *s, size_t len, int width, int indent,
    void (*row)(const char *, size_t, void *), void *arg)
{
	struct buf	*tabs;

	/* Message text may pass here: the copy is wiped. */
	if (len > 0 && memchr(s, '\t', len) != NULL &&
	    (tabs = buf_new_secret(0)) != NULL) {
		if (ui_expand_tabs(tabs, s, len) == 0)
			wrap_cells(buf_str(tabs), buf_len(tabs), width, indent,
			    row, arg);
		else
			wrap_cells(s, len, width, indent, row, arg);
		buf_free(tabs);
		return;
	}
	wrap_cells(s, len, width, indent, row, arg);
}

int
ui_expand_tabs(struct buf *out, const char *s, size_t len)
{
	mbstate_t	 mbs;
	wchar_t		 wc;
	size_t		 i = 0, n;
	int		 col = 0, w, r = 0;

	memset(&mbs, 0, sizeof(mbs));
	while (i < len && r == 0) {
		if (s[i] == '\t') {
			do
				r |= buf_putc(out, ' ');
			while (++col % UI_TABSTOP != 0);
			i++;
			continue;
		}
		n = ui_char(s + i, len - i, &mbs, &wc, &w);
		r |= buf_put(out, s + i, n);
		col += w;
		i += n;
	}
	return r;
}

void
ui_put_bar(int y, int cols, const char *s)
{
	struct buf	*b;
	int		 x = 0;

	if (cols <= 0 || (b = buf_new(0)) == NULL)
		return;
	if (text_sanitize(b, s, strlen(s), 0) == 0) {
		move(y, 0);
		if (ui_cells(buf_str(b), buf_len(b), -1, 0) <= cols)
			x = ui_cells(buf_str(b), buf_len(b), cols, 1);
		else {
			x = ui_cells(buf_str(b), buf_len(b), cols - 1, 1);
			ui_put_ellipsis();
			x++;
		}
	}
	buf_free(b);
	/* Counted, not asked of the cursor: a full line moves it on. */
	ui_clear_to(y, x, cols);
}

wint_t
ui_nav_key(wint_t k, int fn)
{
	/* mutt's last-entry, beside End. */
	if (!fn)
		return k == '*' ? 'G' : k;
	switch (k) {
	case KEY_DOWN:	return 'j';
	case KEY_UP:	return 'k';
	case KEY_NPAGE:	return ' ';
	case KEY_PPAGE:	return '-';
	case KEY_HOME:	return '=';
	case KEY_END:	return 'G';
	case KEY_ENTER:	return '\r';
	}
	return 0;
}

/*
 * j k Space - = G on a position *at that goes from 0 to last, rows a
 * page: 1 when k was one of them.
 */
static int
ui_move_key(wint_t k, size_t *at, size_t last, size_t rows)
{
	switch (k) {
	case 'j':
		if (*at < last)
			(*at)++;
		break;
	case 'k':
		if (*at > 0)
			(*at)--;
		break;
	case ' ':
		*at = *at + rows < last ? *at + rows : last;
		break;
	case '-':
		*at = *at > rows ? *at - rows : 0;
		break;
	case '=':
		*at = 0;
		break;
	case 'G':
		*at = last;
		break;
	default:
		return 0;
	}
	return 1;
}

int
ui_scroll_key(wint_t k, size_t *top, size_t n, size_t rows)
{
	size_t	last;

	if (rows == 0)
		rows = 1;
	last = n > rows ? n - rows : 0;		/* the end at the bottom */
	if (!ui_move_key(k, top, last, rows))
		return 0;
	/* A text that grew shorter (or a narrower screen) leaves no gap. */
	if (*top > last)
		*top = last;
	return 1;
}

int
ui_cursor_key(wint_t k, size_t *cur, size_t n, size_t rows)
{
	return ui_move_key(k, cur, n > 0 ? n - 1 : 0, rows);
}

#define UI_HINTS_MAX	32

/*
 * The key hints: items two spaces apart (one space may stand inside an
 * item), the most useful first, in ASCII. The first and the last (q and
 * ?) are always drawn; each other one is, in its turn, when it still fits
 * beside them. A bar too narrow even for those two is cut as ui_put_bar
 * cuts it.
 */
void
ui_put_hints(int y, int cols, const char *hints)
{
	const char	*item[UI_HINTS_MAX];
	size_t		 len[UI_HINTS_MAX], n = 0, i, used, keep;
	const char	*p = hints, *end;
	char		 line[1024];

	while (n < UI_HINTS_MAX && *(p += strspn(p, " ")) != '\0') {
		if ((end = strstr(p, "  ")) == NULL)
			end = p + strlen(p);
		item[n] = p;
		len[n++] = (size_t)(end - p);
		p = end;
	}
	/* The bar starts with a space, as the title does. */
	line[0] = ' ';
	line[1] = '\0';
	used = 1;
	keep = n > 1 ? len[n - 1] + 2 : 0;
	for (i = 0; i < n; i++) {
		if (i > 0 && i + 1 < n && used + 2 + len[i] + keep >
		    (size_t)cols)
			continue;
		if (snprintf(line + used, sizeof(line) - used, "%s%.*s",
		    i > 0 ? "  " : "", (int)len[i], item[i]) >=
		    (int)(sizeof(line) - used))
			break;
		used = strlen(line);
	}
	ui_put_bar(y, cols, line);
}

void
ui_clear_to(int y, int x, int cols)
{
	move(y, x);
	while (x++ < cols)
		addch(' ');
}

void
ui_date(char *out, size_t len, int64_t when)
{
	struct tm	tm, now;
	time_t		t = (time_t)when, n = time(NULL);

	if (when <= 0 || localtime_r(&t, &tm) == NULL ||
	    localtime_r(&n, &now) == NULL) {
		if (len > 0)
			out[0] = '\0';
		return;
	}
	if (tm.tm_year == now.tm_year && tm.tm_yday == now.tm_yday)
		strftime(out, len, "%H:%M", &tm);
	else if (tm.tm_year == now.tm_year)
		strftime(out, len, "%b %d", &tm);
	else
		strftime(out, len, "%Y-%m-%d", &tm);
}

/*
 * What a reader is told, per stored verdict. The words follow the
 * command-line contract: only "valid" is ever shown in the good colour.
 */
struct ui_state {
	const char	*name;
	const char	*banner;
	enum ui_color	 color;
	char		 mark;
};

static const struct ui_state ui_sigs[] = {
	{ "valid",	"Signed and verified", UI_C_GOOD, 'S' },
	{ "invalid",	"BAD SIGNATURE: the message was altered or the "
	    "signature is forged", UI_C_BAD, '!' },
	{ "untrusted",	"Signature not trusted: the mathematics holds, but "
	    "the certificate or the digest is not to be trusted", UI_C_WARN,
	    '?' },
	{ "mismatch",	"SIGNER IS NOT THE SENDER: signed by someone other "
	    "than the From address", UI_C_BAD, 'M' },
	{ "partial",	"ONLY PART OF THIS MESSAGE IS SIGNED: the rest could "
	    "come from anyone", UI_C_BAD, 'P' },
	{ "error",	"The signature could not be checked", UI_C_WARN, 'X' },
	{ "none",	"Not signed", UI_C_DIM, ' ' },
	{ NULL,		"Signature state unknown", UI_C_WARN, 'X' },
};

static const struct ui_state ui_encs[] = {
	{ "decrypted",	"Encrypted to you; decrypted", UI_C_GOOD, 'E' },
	{ "undecryptable", "ENCRYPTED, BUT NOT DECRYPTED: no key for it here, "
	    "or it was tampered with", UI_C_BAD, 'U' },
	{ "partial",	"ONLY PART OF THIS MESSAGE WAS ENCRYPTED: the rest "
	    "travelled in clear", UI_C_BAD, 'p' },
	{ "none",	"Not encrypted", UI_C_DIM, ' ' },
	{ NULL,		"Encryption state unknown", UI_C_WARN, 'X' },
};

/* The entry of t named name, or its last (unknown) one; sets *color. */
static const struct ui_state *
ui_state_find(const struct ui_state *t, const char *name,
    enum ui_color *color)
{
	for (; t->name != NULL; t++)
		if (name != NULL && strcmp(name, t->name) == 0)
			break;
	*color = t->color;
	return t;
}

const char *
ui_sig_banner(const char *sig, enum ui_color *color)
{
	return ui_state_find(ui_sigs, sig, color)->banner;
}

const char *
ui_enc_banner(const char *enc, enum ui_color *color)
{
	return ui_state_find(ui_encs, enc, color)->banner;
}

char
ui_sig_mark(const char *sig, enum ui_color *color)
{
	return ui_state_find(ui_sigs, sig, color)->mark;
}

char
ui_enc_mark(const char *enc, enum ui_color *color)
{
	return ui_state_find(ui_encs, enc, color)->mark;
}
