/*
 * Drawing helpers. Every string reaches the screen through ui_put, which
 * sanitizes it (base/text.h) and clips it by display width, so no text
 * from a message, a server or a certificate can move the cursor or change
 * the terminal.
 */
#include <curses.h>
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
	init_pair(UI_C_QUOTE, COLOR_CYAN, -1);
}

int
ui_put(int y, int x, int width, const char *s, size_t len)
{
	struct buf	*b;
	const char	*p;
	size_t		 left, n;
	mbstate_t	 mbs;
	wchar_t		 wc;
	int		 used = 0, w;

	if (width <= 0 || s == NULL || (b = buf_new(0)) == NULL)
		return 0;
	if (text_sanitize(b, s, len, 0) != 0) {
		buf_free(b);
		return 0;
	}
	move(y, x);
	p = buf_str(b);
	left = buf_len(b);
	memset(&mbs, 0, sizeof(mbs));
	while (left > 0) {
		n = mbrtowc(&wc, p, left, &mbs);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			wc = L'?';
			n = 1;
			memset(&mbs, 0, sizeof(mbs));
		}
		if ((w = wcwidth(wc)) < 0)
			w = 1, wc = L'?';
		if (used + w > width)
			break;
		addnwstr(&wc, 1);
		used += w;
		p += n;
		left -= n;
	}
	buf_free(b);
	return used;
}

wint_t
ui_nav_key(wint_t k, int fn)
{
	if (!fn)
		return k;
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
static const struct {
	const char	*name;
	const char	*banner;
	enum ui_color	 color;
	char		 mark;
} ui_sigs[] = {
	{ "valid",	"Signed and verified", UI_C_GOOD, 'S' },
	{ "invalid",	"BAD SIGNATURE: the message was altered or the "
	    "signature is forged", UI_C_BAD, '!' },
	{ "untrusted",	"Signature not trusted: the certificate does not "
	    "chain to a trusted authority, is expired, or uses a weak digest",
	    UI_C_WARN, '?' },
	{ "mismatch",	"SIGNER IS NOT THE SENDER: signed by someone other "
	    "than the From address", UI_C_BAD, 'M' },
	{ "partial",	"ONLY PART OF THIS MESSAGE IS SIGNED: the rest could "
	    "come from anyone", UI_C_BAD, 'P' },
	{ "error",	"The signature could not be checked", UI_C_WARN, 'X' },
	{ "none",	"Not signed", UI_C_DIM, ' ' },
};

static const struct {
	const char	*name;
	const char	*banner;
	enum ui_color	 color;
	char		 mark;
} ui_encs[] = {
	{ "decrypted",	"Encrypted to you; decrypted", UI_C_GOOD, 'E' },
	{ "undecryptable", "ENCRYPTED, BUT NOT DECRYPTED: no key for it here, "
	    "or it was tampered with", UI_C_BAD, 'U' },
	{ "partial",	"ONLY PART OF THIS MESSAGE WAS ENCRYPTED: the rest "
	    "travelled in clear", UI_C_BAD, 'p' },
	{ "none",	"Not encrypted", UI_C_DIM, ' ' },
};

const char *
ui_sig_banner(const char *sig, enum ui_color *color)
{
	size_t	i;

	for (i = 0; i < sizeof(ui_sigs) / sizeof(ui_sigs[0]); i++)
		if (sig != NULL && strcmp(sig, ui_sigs[i].name) == 0) {
			*color = ui_sigs[i].color;
			return ui_sigs[i].banner;
		}
	*color = UI_C_WARN;
	return "Signature state unknown";
}

const char *
ui_enc_banner(const char *enc, enum ui_color *color)
{
	size_t	i;

	for (i = 0; i < sizeof(ui_encs) / sizeof(ui_encs[0]); i++)
		if (enc != NULL && strcmp(enc, ui_encs[i].name) == 0) {
			*color = ui_encs[i].color;
			return ui_encs[i].banner;
		}
	*color = UI_C_WARN;
	return "Encryption state unknown";
}

void
ui_marks(const char *sig, const char *enc, char out[3], enum ui_color *color)
{
	enum ui_color	sc = UI_C_NORMAL, ec = UI_C_NORMAL;
	size_t		i;

	out[0] = out[1] = ' ';
	out[2] = '\0';
	for (i = 0; i < sizeof(ui_sigs) / sizeof(ui_sigs[0]); i++)
		if (sig != NULL && strcmp(sig, ui_sigs[i].name) == 0) {
			out[0] = ui_sigs[i].mark;
			sc = ui_sigs[i].color;
		}
	for (i = 0; i < sizeof(ui_encs) / sizeof(ui_encs[0]); i++)
		if (enc != NULL && strcmp(enc, ui_encs[i].name) == 0) {
			out[1] = ui_encs[i].mark;
			ec = ui_encs[i].color;
		}
	/* The worse of the two colours wins. */
	if (sc == UI_C_BAD || ec == UI_C_BAD)
		*color = UI_C_BAD;
	else if (sc == UI_C_WARN || ec == UI_C_WARN)
		*color = UI_C_WARN;
	else if (sc == UI_C_GOOD)
		*color = UI_C_GOOD;
	else
		*color = ec == UI_C_GOOD ? UI_C_GOOD : UI_C_NORMAL;
}
