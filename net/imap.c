/*
 * The IMAP client: libetpan's mailimap over our own TLS stream. This file
 * owns the order of things: greeting, strict STARTTLS, capabilities again
 * over TLS, and only then a login; and it turns libetpan's result codes
 * into one line for the user naming the server and the reason.
 *
 * libetpan's parser gives up on responses it does not know, and then the
 * session is out of step with the server: after such an error the session
 * is treated as dead. COMPRESS is never used (broken in Debian's build).
 */
#include <errno.h>
#include <iconv.h>
#include <poll.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "net/imap.h"
#include "net/net_int.h"

#ifndef SEALMAIL_VERSION
#define SEALMAIL_VERSION "0"
#endif

#define IMAP_MAX_FLAGS	(64 * 1024)	/* the flags of one message, as text */
#define IMAP_FETCH_CHUNK 20000		/* UIDs per UID FETCH command */
#define IMAP_FETCH_CMDS	4096		/* chunks before they widen */

struct imap {
	struct net_conn		*c;
	mailimap		*m;
	int			 logged_in;
	int			 preauth;	/* PREAUTH over implicit TLS */
	int			 qresync;
	int			 condstore;
	int			 dead;
	char			*alert;		/* latest [ALERT], after TLS */

	/* State of one imap_fetch while libetpan parses its responses. */
	const struct imap_fetch	*f;
	struct buf		*flagbuf;
	int			 stopped;
	int			 cb_failed;
};

/*
 * Copies at most 200 bytes of the server's last response text, without
 * control characters; nothing at all while the server is not yet
 * authenticated over TLS, since then anyone on the path wrote it.
 */
static void
server_text(struct imap *s, char *out, size_t outlen)
{
	const char	*in = s->m->imap_response;
	size_t		 i, j = 0;

	if (in == NULL || !net_conn_secure(s->c))
		in = "";
	for (i = 0; in[i] != '\0' && j + 1 < outlen && i < 200; i++)
		out[j++] = ((unsigned char)in[i] < 0x20 || in[i] == 0x7f) ?
		    ' ' : in[i];
	out[j] = '\0';
	while (j > 0 && out[j - 1] == ' ')
		out[--j] = '\0';
}

/*
 * One place that maps a libetpan result to an smerr. A transport failure
 * recorded by the stream (timeout, limit, closed) is the most specific
 * reason and wins.
 */
static int
imap_fail(struct imap *s, int r, const char *what, struct smerr *e)
{
	char	text[256];

	if (s->c->err.code != 0 || r == MAILIMAP_ERROR_STREAM) {
		s->dead = 1;
		return net_conn_fail(s->c, e, SMERR_NET,
		    "the connection broke");
	}
	switch (r) {
	case MAILIMAP_ERROR_MEMORY:
		s->dead = 1;
		return smerr_nomem(e);
	case MAILIMAP_ERROR_PARSE:
	case MAILIMAP_ERROR_NEEDS_MORE_DATA:
		s->dead = 1;
		return smerr_set(e, SMERR_PROTO, "%s: the server's answer to "
		    "%s could not be understood", s->c->label, what);
	case MAILIMAP_ERROR_PROTOCOL:
		/* libetpan says this for BAD and for a wrong tag alike. */
		s->dead = 1;
		server_text(s, text, sizeof(text));
		return smerr_set(e, SMERR_PROTO, "%s: the server answered %s "
		    "with BAD or out of turn%s%s", s->c->label, what,
		    *text ? ": " : "", text);
	case MAILIMAP_ERROR_BAD_STATE:
		return smerr_set(e, SMERR_INVAL, "%s: %s is not possible now",
		    s->c->label, what);
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
		s->dead = 1;
		server_text(s, text, sizeof(text));
		return smerr_set(e, SMERR_REFUSED, "%s: the server refuses "
		    "the connection%s%s", s->c->label, *text ? ": " : "", text);
	case MAILIMAP_ERROR_LOGIN:
	case MAILIMAP_ERROR_SASL:
		server_text(s, text, sizeof(text));
		return smerr_set(e, SMERR_AUTH, "%s: login refused%s%s",
		    s->c->label, *text ? ": " : "", text);
	default:
		server_text(s, text, sizeof(text));
		return smerr_set(e, SMERR_REFUSED, "%s: the server refused "
		    "%s%s%s", s->c->label, what, *text ? ": " : "", text);
	}
}

/*
 * 1 when r is the server's NO or BAD to a command, with the session still
 * in step; not a broken stream, an answer we could not parse, or memory.
 */
static int
refusal(struct imap *s, int r)
{
	if (s->c->err.code != 0)
		return 0;
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
	case MAILIMAP_ERROR_PARSE:
	case MAILIMAP_ERROR_PROTOCOL:
	case MAILIMAP_ERROR_NEEDS_MORE_DATA:
	case MAILIMAP_ERROR_MEMORY:
	case MAILIMAP_ERROR_BAD_STATE:
		return 0;
	default:
		return 1;
	}
}

/* A string the user gave that goes into a command: no CR, LF or NUL. */
static int
arg_ok(const char *p, int ascii)
{
	if (p == NULL)
		return 0;
	for (; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			return 0;
		if (ascii && ((unsigned char)*p < 0x20 ||
		    (unsigned char)*p >= 0x7f))
			return 0;
	}
	return 1;
}

void
imap_abort(struct imap *s)
{
	if (s == NULL)
		return;
	if (s->m != NULL) {
		s->c->imap_buf = NULL;
		/* mailimap_free would send LOGOUT over a live stream. */
		s->m->imap_stream = NULL;
		mailimap_free(s->m);
	}
	net_conn_free(s->c);
	buf_free(s->flagbuf);
	free(s->alert);
	free(s);
}

void
imap_close(struct imap *s)
{
	/* Logout closes the stream itself. */
	if (s != NULL && !s->dead && s->m->imap_stream != NULL &&
	    net_conn_goodbye(s->c))
		(void)mailimap_logout(s->m);
	imap_abort(s);
}

enum net_auth
imap_server_auth(const struct imap *s)
{
	return s->c->auth;
}

int
imap_has(const struct imap *s, const char *cap)
{
	return mailimap_has_extension(s->m, cap) != 0;
}

/* Keeps the [ALERT] of the command just done (libetpan forgets it). */
static void
keep_alert(struct imap *s)
{
	const struct mailimap_response_info	*ri = s->m->imap_response_info;
	char					*a;

	if (!net_conn_secure(s->c) || ri == NULL || ri->rsp_alert == NULL ||
	    *ri->rsp_alert == '\0')
		return;
	if ((a = strndup(ri->rsp_alert, 1024)) == NULL)
		return;
	free(s->alert);
	s->alert = a;
}

/* After a command that returned r: keeps its [ALERT]; 0, or imap_fail. */
static int
imap_done(struct imap *s, int r, const char *what, struct smerr *e)
{
	keep_alert(s);
	return r == MAILIMAP_NO_ERROR ? 0 : imap_fail(s, r, what, e);
}

char *
imap_alert_take(struct imap *s)
{
	char	*a = s->alert;

	s->alert = NULL;
	return a;
}

int
imap_qresync(const struct imap *s)
{
	return s->qresync;
}

int
imap_condstore(const struct imap *s)
{
	return s->condstore;
}

static void
forget_capabilities(mailimap *m)
{
	if (m->imap_connection_info != NULL &&
	    m->imap_connection_info->imap_capability != NULL) {
		mailimap_capability_data_free(
		    m->imap_connection_info->imap_capability);
		m->imap_connection_info->imap_capability = NULL;
	}
}

/* Writes the text of line to s's stream and sends it; 0 or -1. */
static int
send_text(struct imap *s, const char *line)
{
	size_t	n = strlen(line);

	if (mailstream_write(s->m->imap_stream, line, n) != (ssize_t)n ||
	    mailstream_flush(s->m->imap_stream) == -1)
		return -1;
	return 0;
}

/*
 * Parses the response to the command just sent, whose first line
 * mailimap_read_line has read: MAILIMAP_NO_ERROR for a tagged OK, refused
 * for a NO or a BYE, else libetpan's error (BAD is a protocol error).
 */
static int
read_done(struct imap *s, int refused)
{
	struct mailimap_response	*resp = NULL;
	struct mailimap_response_done	*done;
	int				 r;

	if ((r = mailimap_parse_response(s->m, &resp)) != MAILIMAP_NO_ERROR)
		return r;
	done = resp->rsp_resp_done;
	r = done->rsp_type == MAILIMAP_RESP_DONE_TYPE_TAGGED &&
	    done->rsp_data.rsp_tagged->rsp_cond_state->rsp_type ==
	    MAILIMAP_RESP_COND_STATE_OK ? MAILIMAP_NO_ERROR : refused;
	mailimap_response_free(resp);
	return r;
}

static int
ask_capabilities(struct imap *s, struct smerr *e)
{
	int	r;

	forget_capabilities(s->m);
	/*
	 * libetpan keeps the capabilities of a CAPABILITY response as the
	 * session's when it parses it; its mailimap_capability then reads
	 * them through a NULL pointer when the server sent none.
	 */
	if (mailimap_send_current_tag(s->m) != MAILIMAP_NO_ERROR ||
	    send_text(s, "CAPABILITY\r\n") != 0 ||
	    mailimap_read_line(s->m) == NULL)
		r = MAILIMAP_ERROR_STREAM;
	else
		r = read_done(s, MAILIMAP_ERROR_CAPABILITY);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(s, r, "CAPABILITY", e);
	return 0;
}

/* RFC 3501 6.2.1 and RFC 2595, with every downgrade an abort. */
static int
imap_starttls(struct imap *s, const struct net_server *srv, struct smerr *e)
{
	char	text[256];
	int	r;

	if ((r = ask_capabilities(s, e)) != 0)
		return r;
	if (!mailimap_has_extension(s->m, "STARTTLS"))
		return smerr_set(e, SMERR_TLS, "%s: server does not offer "
		    "STARTTLS; refusing to continue in plaintext",
		    s->c->label);
	r = mailimap_starttls(s->m);
	if (s->c->stream != NULL && s->c->stream->read_buffer_len != 0)
		return net_conn_starttls(s->c, srv, e);	/* names it */
	if (r == MAILIMAP_ERROR_STREAM || s->c->err.code != 0)
		return imap_fail(s, r, "STARTTLS", e);
	if (r != MAILIMAP_NO_ERROR) {
		server_text(s, text, sizeof(text));
		return smerr_set(e, SMERR_TLS, "%s: the server refused "
		    "STARTTLS%s%s; refusing to continue in plaintext",
		    s->c->label, *text ? ": " : "", text);
	}
	/* Everything said in cleartext is forgotten; ask again over TLS. */
	forget_capabilities(s->m);
	return net_conn_starttls(s->c, srv, e);
}

int
imap_open(const struct net_server *srv, struct imap **ip, struct smerr *e)
{
	struct imap	*s;
	int		 r;

	*ip = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return smerr_nomem(e);
	if ((s->flagbuf = buf_new(IMAP_MAX_FLAGS)) == NULL) {
		free(s);
		return smerr_nomem(e);
	}
	if ((r = net_conn_open(srv, 1, &s->c, e)) != 0) {
		buf_free(s->flagbuf);
		free(s);
		return r;
	}
	if ((s->m = mailimap_new(0, NULL)) == NULL) {
		r = smerr_nomem(e);
		goto fail;
	}
	s->c->imap_buf = &s->m->imap_stream_buffer;
	r = mailimap_connect(s->m, s->c->stream);
	if (r != MAILIMAP_NO_ERROR_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		r = imap_fail(s, r, "the greeting", e);
		goto fail;
	}
	if (srv->tls == NET_TLS_STARTTLS) {
		if (r == MAILIMAP_NO_ERROR_AUTHENTICATED) {
			r = smerr_set(e, SMERR_TLS, "%s: the server greeted "
			    "with PREAUTH before STARTTLS; refusing to "
			    "continue in plaintext", s->c->label);
			goto fail;
		}
		if ((r = imap_starttls(s, srv, e)) != 0)
			goto fail;
	} else if (r == MAILIMAP_NO_ERROR_AUTHENTICATED)
		s->preauth = 1;		/* the server knows us already */
	if ((r = net_conn_need_secure(s->c, 0, e)) != 0)
		goto fail;
	if ((r = ask_capabilities(s, e)) != 0)
		goto fail;
	net_conn_deadline(s->c, 0);
	*ip = s;
	return 0;
fail:
	imap_abort(s);
	return r;
}

static int
imap_enable(struct imap *s, struct smerr *e)
{
	struct mailimap_capability_data	*want = NULL, *got = NULL;
	struct mailimap_capability	*cap;
	clist				*l;
	char				*name;
	int				 r;

	if (mailimap_has_extension(s->m, "QRESYNC"))
		name = strdup("QRESYNC");
	else if (mailimap_has_extension(s->m, "CONDSTORE"))
		name = strdup("CONDSTORE");
	else
		return 0;
	if (name == NULL || (l = clist_new()) == NULL) {
		free(name);
		return smerr_nomem(e);
	}
	if ((cap = mailimap_capability_new(MAILIMAP_CAPABILITY_NAME, NULL,
	    name)) == NULL || clist_append(l, cap) != 0 ||
	    (want = mailimap_capability_data_new(l)) == NULL) {
		if (cap != NULL)
			mailimap_capability_free(cap);
		else
			free(name);
		clist_free(l);
		return smerr_nomem(e);
	}
	if (mailimap_has_extension(s->m, "ENABLE")) {
		r = mailimap_enable(s->m, want, &got);
		if (got != NULL)
			mailimap_capability_data_free(got);
		mailimap_capability_data_free(want);
		if (r != MAILIMAP_NO_ERROR && !refusal(s, r))
			return imap_fail(s, r, "ENABLE", e);
		/* A refused ENABLE only means no QRESYNC. */
		s->qresync = r == MAILIMAP_NO_ERROR &&
		    mailimap_has_extension(s->m, "QRESYNC");
	} else
		mailimap_capability_data_free(want);
	/* CONDSTORE is enabled by its first use even without ENABLE. */
	s->condstore = 1;
	return 0;
}

/*
 * A string libetpan's ID types free with mmap_string_unref; a strdup'd
 * one would leak (mailimap_id_basic leaks its own for that reason).
 */
static char *
etpan_str(const char *v)
{
	MMAPString	*m;

	if ((m = mmap_string_new(v)) == NULL)
		return NULL;
	if (mmap_string_ref(m) != 0) {
		mmap_string_free(m);
		return NULL;
	}
	return m->str;
}

/* RFC 2971 ID: the program's name and version, nothing about the host. */
static int
imap_id(struct imap *s, struct smerr *e)
{
	struct mailimap_id_params_list	*mine, *theirs = NULL;
	static const char *const	 kv[] = {
		"name", "sealmail", "version", SEALMAIL_VERSION,
	};
	char				*k, *v;
	size_t				 i;
	int				 r;

	if ((mine = mailimap_id_params_list_new_empty()) == NULL)
		return smerr_nomem(e);
	for (i = 0; i < 4; i += 2) {
		k = etpan_str(kv[i]);
		v = etpan_str(kv[i + 1]);
		if (k == NULL || v == NULL ||
		    mailimap_id_params_list_add_name_value(mine, k, v) != 0) {
			if (k != NULL)
				mmap_string_unref(k);
			if (v != NULL)
				mmap_string_unref(v);
			mailimap_id_params_list_free(mine);
			return smerr_nomem(e);
		}
	}
	r = mailimap_id(s->m, mine, &theirs);
	mailimap_id_params_list_free(mine);
	if (theirs != NULL)
		mailimap_id_params_list_free(theirs);
	/* ID is a courtesy: a server that refuses it is still usable. */
	if (r != MAILIMAP_NO_ERROR && !refusal(s, r))
		return imap_fail(s, r, "ID", e);
	return 0;
}

/*
 * AUTHENTICATE PLAIN (RFC 3501 6.2.2, RFC 4616) spoken here rather than
 * through Cyrus SASL, whose PLAIN module may not be installed and which
 * leaves copies of the password behind: the credentials go in the command
 * when the server has SASL-IR (RFC 4959), else after its "+", from a
 * buffer wiped after. A libetpan result code.
 */
static int
auth_plain(struct imap *s, const char *user, const char *pass)
{
	struct buf			*cred;
	const char			*line;
	int				 r, ir, sent, cancelled = 0;

	if (s->m->imap_state != MAILIMAP_STATE_NON_AUTHENTICATED)
		return MAILIMAP_ERROR_BAD_STATE;
	ir = mailimap_has_extension(s->m, "SASL-IR") != 0;
	if ((cred = buf_new_secret(4 * NET_MAX_CRED)) == NULL ||
	    net_plain_line(cred, ir ? "AUTHENTICATE PLAIN " : "", user,
	    pass) != 0) {
		buf_free(cred);
		return MAILIMAP_ERROR_MEMORY;
	}
	r = MAILIMAP_ERROR_STREAM;
	if (mailimap_send_current_tag(s->m) != MAILIMAP_NO_ERROR ||
	    send_text(s, ir ? buf_str(cred) : "AUTHENTICATE PLAIN\r\n") != 0)
		goto out;
	sent = ir;
	/* A "+" asks for the credentials; one after them is cancelled. */
	while ((line = mailimap_read_line(s->m)) != NULL && *line == '+') {
		if (cancelled) {
			r = MAILIMAP_ERROR_PROTOCOL;
			goto out;
		}
		if (send_text(s, sent ? "*\r\n" : buf_str(cred)) != 0)
			goto out;
		cancelled = sent;
		sent = 1;
		buf_reset(cred);
	}
	if (line != NULL &&
	    (r = read_done(s, MAILIMAP_ERROR_LOGIN)) == MAILIMAP_NO_ERROR)
		s->m->imap_state = MAILIMAP_STATE_AUTHENTICATED;
out:
	buf_free(cred);
	return r;
}

int
imap_login(struct imap *s, const char *user, const char *pass,
    struct smerr *e)
{
	int	r;

	/*
	 * Only TLS up and the server authenticated decide that a password
	 * may go; never the absence of LOGINDISABLED (servers call loopback
	 * secure and advertise plaintext login there).
	 */
	if ((r = net_conn_login_ok(s->c, s->dead || s->logged_in, e)) != 0)
		return r;
	if (!arg_ok(user, 0) || !arg_ok(pass, 0) || *user == '\0')
		return smerr_set(e, SMERR_INVAL, "%s: the user name or "
		    "password contains a line break", s->c->label);
	if (strlen(user) > NET_MAX_CRED || strlen(pass) > NET_MAX_CRED)
		return smerr_set(e, SMERR_INVAL, "%s: the user name or "
		    "password is longer than %d bytes", s->c->label,
		    NET_MAX_CRED);
	net_conn_deadline(s->c, 2 * s->c->timeout_ms / 1000);
	if (s->preauth)
		r = MAILIMAP_NO_ERROR;	/* no credentials asked, none sent */
	else if (mailimap_has_authentication(s->m, "PLAIN"))
		r = auth_plain(s, user, pass);
	else if (mailimap_has_extension(s->m, "LOGINDISABLED"))
		return smerr_set(e, SMERR_AUTH, "%s: the server offers no "
		    "login method sealmail can use", s->c->label);
	else
		r = mailimap_login(s->m, user, pass);
	net_stream_wipe(s->m->imap_stream);
	if ((r = imap_done(s, r, "the login", e)) != 0)
		return r;
	s->logged_in = 1;
	/* The capabilities change with the login (RFC 3501 6.2.3). */
	if ((r = ask_capabilities(s, e)) != 0)
		return r;
	if ((r = imap_enable(s, e)) != 0)
		return r;
	if (mailimap_has_id(s->m) && (r = imap_id(s, e)) != 0)
		return r;
	net_conn_deadline(s->c, 0);	/* from now on, each wait alone */
	return 0;
}

static unsigned
list_flags(struct mailimap_mbx_list_flags *fl)
{
	static const struct {
		const char	*name;
		unsigned	 bit;
	} map[] = {
		{ "Sent", IMAP_F_SENT }, { "Drafts", IMAP_F_DRAFTS },
		{ "Trash", IMAP_F_TRASH }, { "Junk", IMAP_F_JUNK },
		{ "Archive", IMAP_F_ARCHIVE }, { "All", IMAP_F_ALL },
		{ "Flagged", IMAP_F_FLAGGED }, { "Noselect", IMAP_F_NOSELECT },
		{ "NonExistent", IMAP_F_NOSELECT },
	};
	struct mailimap_mbx_list_oflag	*of;
	clistiter			*it;
	unsigned			 f = 0;
	size_t				 i;

	if (fl == NULL)
		return 0;
	if (fl->mbf_type == MAILIMAP_MBX_LIST_FLAGS_SFLAG &&
	    fl->mbf_sflag == MAILIMAP_MBX_LIST_SFLAG_NOSELECT)
		f |= IMAP_F_NOSELECT;
	for (it = fl->mbf_oflags != NULL ? clist_begin(fl->mbf_oflags) : NULL;
	    it != NULL;
	    it = clist_next(it)) {
		of = clist_content(it);
		if (of->of_type == MAILIMAP_MBX_LIST_OFLAG_NOINFERIORS)
			f |= IMAP_F_NOINFERIORS;
		if (of->of_type != MAILIMAP_MBX_LIST_OFLAG_FLAG_EXT ||
		    of->of_flag_ext == NULL)
			continue;
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strcasecmp(of->of_flag_ext, map[i].name) == 0)
				f |= map[i].bit;
	}
	return f;
}

void
imap_folders_free(struct imap_folder *f, size_t n)
{
	size_t	i;

	if (f == NULL)
		return;
	for (i = 0; i < n; i++)
		free(f[i].name);
	free(f);
}

int
imap_list(struct imap *s, int subscribed, struct imap_folder **fp,
    size_t *np, struct smerr *e)
{
	clist			*res = NULL;
	clistiter		*it;
	struct mailimap_mailbox_list *mb;
	struct imap_folder	*f = NULL;
	size_t			 n = 0, cap;
	int			 r;

	*fp = NULL;
	*np = 0;
	r = subscribed ? mailimap_lsub(s->m, "", "*", &res) :
	    mailimap_list(s->m, "", "*", &res);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(s, r, subscribed ? "LSUB" : "LIST", e);
	cap = res != NULL ? (size_t)clist_count(res) : 0;
	if (cap > 0 && (f = calloc(cap, sizeof(*f))) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	for (it = res != NULL ? clist_begin(res) : NULL; it != NULL;
	    it = clist_next(it)) {
		mb = clist_content(it);
		if (mb->mb_name == NULL || !arg_ok(mb->mb_name, 0))
			continue;
		if ((f[n].name = strdup(mb->mb_name)) == NULL) {
			r = smerr_nomem(e);
			goto out;
		}
		f[n].delim = mb->mb_delimiter;
		f[n].flags = list_flags(mb->mb_flag);
		n++;
	}
	*fp = f;
	*np = n;
	f = NULL;
	r = 0;
out:
	imap_folders_free(f, n);
	if (res != NULL)
		mailimap_list_result_free(res);
	return r;
}

int
imap_select(struct imap *s, const char *name, int readonly,
    struct imap_mailbox *mb, struct smerr *e)
{
	struct mailimap_selection_info	*si;
	uint64_t			 modseq = 0;
	int				 r;

	memset(mb, 0, sizeof(*mb));
	if (!arg_ok(name, 1) || *name == '\0')
		return smerr_set(e, SMERR_INVAL, "%s: not a mailbox name",
		    s->c->label);
	if (s->condstore)
		r = readonly ? mailimap_examine_condstore(s->m, name, &modseq) :
		    mailimap_select_condstore(s->m, name, &modseq);
	else
		r = readonly ? mailimap_examine(s->m, name) :
		    mailimap_select(s->m, name);
	if ((r = imap_done(s, r, readonly ? "EXAMINE" : "SELECT", e)) != 0)
		return r;
	if ((si = s->m->imap_selection_info) == NULL)
		return smerr_set(e, SMERR_PROTO, "%s: no mailbox selected",
		    s->c->label);
	mb->uidvalidity = si->sel_uidvalidity;
	mb->uidnext = si->sel_uidnext;
	mb->exists = si->sel_exists;
	mb->highestmodseq = modseq;
	mb->readonly = readonly || si->sel_perm == MAILIMAP_MAILBOX_READONLY;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t		era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int64_t
imap_date(const struct mailimap_date_time *dt)
{
	int64_t	t;
	int	zone, zh, zm;

	if (dt == NULL || dt->dt_month < 1 || dt->dt_month > 12)
		return 0;
	t = days_from_civil(dt->dt_year, (unsigned)dt->dt_month,
	    (unsigned)dt->dt_day) * 86400 + dt->dt_hour * 3600 +
	    dt->dt_min * 60 + dt->dt_sec;
	zone = dt->dt_zone;		/* +hhmm as a decimal number */
	zh = (zone < 0 ? -zone : zone) / 100;
	zm = (zone < 0 ? -zone : zone) % 100;
	return t - (zone < 0 ? -1 : 1) * (int64_t)(zh * 3600 + zm * 60);
}

static int
flags_text(struct buf *b, clist *l)
{
	struct mailimap_flag_fetch	*ff;
	struct mailimap_flag		*fl;
	clistiter			*it;
	const char			*t;
	int				 r = 0;

	if (l == NULL)		/* FLAGS () */
		return 0;
	for (it = clist_begin(l); it != NULL && r == 0; it = clist_next(it)) {
		ff = clist_content(it);
		if (ff->fl_type == MAILIMAP_FLAG_FETCH_RECENT)
			t = "\\Recent";
		else if ((fl = ff->fl_flag) == NULL)
			continue;
		else switch (fl->fl_type) {
		case MAILIMAP_FLAG_ANSWERED: t = "\\Answered"; break;
		case MAILIMAP_FLAG_FLAGGED: t = "\\Flagged"; break;
		case MAILIMAP_FLAG_DELETED: t = "\\Deleted"; break;
		case MAILIMAP_FLAG_SEEN: t = "\\Seen"; break;
		case MAILIMAP_FLAG_DRAFT: t = "\\Draft"; break;
		case MAILIMAP_FLAG_KEYWORD:
			t = fl->fl_data.fl_keyword;
			break;
		case MAILIMAP_FLAG_EXTENSION:
			if (fl->fl_data.fl_extension == NULL)
				continue;
			if (buf_len(b) > 0)
				r = buf_putc(b, ' ');
			if (r == 0)
				r = buf_printf(b, "\\%s",
				    fl->fl_data.fl_extension);
			continue;
		default:
			continue;
		}
		if (t == NULL)
			continue;
		if (buf_len(b) > 0)
			r = buf_putc(b, ' ');
		if (r == 0)
			r = buf_puts(b, t);
	}
	return r;
}

static void
on_items(size_t cur, size_t max, void *arg)
{
	(void)cur;
	(void)max;
	(void)arg;
}

/* libetpan calls this for each FETCH response as soon as it is parsed. */
static void
on_msg_att(struct mailimap_msg_att *att, void *arg)
{
	struct imap			*s = arg;
	struct mailimap_msg_att_item	*it;
	struct mailimap_msg_att_static	*st;
	struct mailimap_msg_att_body_section *sb;
	struct mailimap_extension_data	*x;
	struct imap_msg			 m;
	clistiter			*ci;

	if (s->stopped || s->f == NULL)
		return;
	memset(&m, 0, sizeof(m));
	m.seq = att->att_number;
	buf_reset(s->flagbuf);
	for (ci = att->att_list != NULL ? clist_begin(att->att_list) : NULL;
	    ci != NULL; ci = clist_next(ci)) {
		it = clist_content(ci);
		switch (it->att_type) {
		case MAILIMAP_MSG_ATT_ITEM_DYNAMIC:
			m.has_flags = 1;
			if (it->att_data.att_dyn != NULL &&
			    flags_text(s->flagbuf,
			    it->att_data.att_dyn->att_list) != 0)
				s->cb_failed = 1;
			break;
		case MAILIMAP_MSG_ATT_ITEM_STATIC:
			st = it->att_data.att_static;
			if (st->att_type == MAILIMAP_MSG_ATT_UID)
				m.uid = st->att_data.att_uid;
			else if (st->att_type == MAILIMAP_MSG_ATT_INTERNALDATE)
				m.internaldate = imap_date(
				    st->att_data.att_internal_date);
			else if (st->att_type ==
			    MAILIMAP_MSG_ATT_BODY_SECTION &&
			    st->att_data.att_body_section != NULL) {
				sb = st->att_data.att_body_section;
				/*
				 * NIL is no message, not an empty one: it
				 * is left for a later fetch to bring.
				 */
				m.body = (const uint8_t *)sb->sec_body_part;
				m.len = m.body != NULL ? sb->sec_length : 0;
			}
			break;
		case MAILIMAP_MSG_ATT_ITEM_EXTENSION:
			x = it->att_data.att_extension_data;
			if (x != NULL && x->ext_extension != NULL &&
			    x->ext_extension->ext_id ==
			    MAILIMAP_EXTENSION_CONDSTORE &&
			    x->ext_type == MAILIMAP_CONDSTORE_TYPE_FETCH_DATA &&
			    x->ext_data != NULL)
				m.modseq = ((struct
				    mailimap_condstore_fetch_mod_resp *)
				    x->ext_data)->cs_modseq_value;
			break;
		}
	}
	/*
	 * Unsolicited FETCH (a flag change elsewhere) carries no UID; and
	 * "N:*" with N past the last UID still names the last message
	 * (RFC 3501 6.4.8), which the caller did not ask for.
	 */
	if (m.uid == 0 || s->cb_failed || m.uid < s->f->first ||
	    (s->f->last != 0 && m.uid > s->f->last))
		return;
	m.flags = buf_len(s->flagbuf) > 0 ? buf_str(s->flagbuf) : "";
	if (s->f->msg != NULL && s->f->msg(&m, s->f->arg) != 0) {
		s->stopped = 1;
		net_conn_cancel(s->c);
	}
}

/* One UID FETCH of first:last (last 0: "*") with the fetch type ft. */
static int
fetch_range(struct imap *s, const struct imap_fetch *f,
    struct mailimap_fetch_type *ft, uint32_t first, uint32_t last,
    struct smerr *e)
{
	struct mailimap_set		*set;
	struct mailimap_qresync_vanished *van = NULL;
	struct mailimap_set_item	*si;
	clist				*res = NULL;
	clistiter			*it;
	int				 r;

	if ((set = mailimap_set_new_interval(first, last)) == NULL)
		return smerr_nomem(e);
	s->f = f;
	s->stopped = 0;
	s->cb_failed = 0;
	/* libetpan only calls the handler when a progress callback is set. */
	mailimap_set_progress_callback(s->m, NULL, on_items, s);
	mailimap_set_msg_att_handler(s->m, on_msg_att, s);
	if (f->changedsince > 0 && f->vanished && s->qresync)
		r = mailimap_uid_fetch_qresync(s->m, set, ft, f->changedsince,
		    &res, &van);
	else if (f->changedsince > 0 && s->condstore)
		r = mailimap_uid_fetch_changedsince(s->m, set, ft,
		    f->changedsince, &res);
	else
		r = mailimap_uid_fetch(s->m, set, ft, &res);
	mailimap_set_msg_att_handler(s->m, NULL, NULL);
	mailimap_set_progress_callback(s->m, NULL, NULL, NULL);
	s->f = NULL;
	keep_alert(s);
	if (res != NULL)
		mailimap_fetch_list_free(res);
	mailimap_set_free(set);

	if (s->stopped) {
		s->dead = 1;
		r = smerr_set(e, SMERR_CANCEL, "%s: fetch stopped",
		    s->c->label);
	} else if (s->cb_failed) {
		s->dead = 1;
		r = smerr_set(e, SMERR_LIMIT, "%s: a message has too many "
		    "flags", s->c->label);
	} else if (r != MAILIMAP_NO_ERROR)
		r = imap_fail(s, r, "UID FETCH", e);
	else
		r = 0;
	if (r == 0 && van != NULL && van->qr_known_uids != NULL &&
	    f->gone != NULL)
		for (it = van->qr_known_uids->set_list != NULL ?
		    clist_begin(van->qr_known_uids->set_list) : NULL;
		    it != NULL; it = clist_next(it)) {
			si = clist_content(it);
			f->gone(si->set_first, si->set_last, f->arg);
		}
	if (van != NULL)
		mailimap_qresync_vanished_free(van);
	return r;
}

int
imap_fetch(struct imap *s, const struct imap_fetch *f, struct smerr *e)
{
	struct mailimap_fetch_type	*ft = NULL;
	struct mailimap_fetch_att	*fa = NULL;
	struct mailimap_section		*sec;
	uint32_t			 lo, hi, end;
	uint64_t			 step, n;
	int				 r;

	if (s->dead)
		return smerr_set(e, SMERR_INVAL, "%s: the session is closed",
		    s->c->label);
	if (f->first == 0 || (f->last != 0 && f->last < f->first))
		return smerr_set(e, SMERR_INVAL, "%s: bad UID range",
		    s->c->label);
	if ((ft = mailimap_fetch_type_new_fetch_att_list_empty()) == NULL)
		goto nomem;
	if ((fa = mailimap_fetch_att_new_uid()) == NULL ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft, fa) != 0)
		goto nomem_att;
	if (f->what & IMAP_FETCH_FLAGS) {
		if ((fa = mailimap_fetch_att_new_flags()) == NULL ||
		    mailimap_fetch_type_new_fetch_att_list_add(ft, fa) != 0)
			goto nomem_att;
	}
	if (f->what & IMAP_FETCH_DATE) {
		if ((fa = mailimap_fetch_att_new_internaldate()) == NULL ||
		    mailimap_fetch_type_new_fetch_att_list_add(ft, fa) != 0)
			goto nomem_att;
	}
	if (s->condstore && (fa = mailimap_fetch_att_new_modseq()) != NULL &&
	    mailimap_fetch_type_new_fetch_att_list_add(ft, fa) != 0)
		goto nomem_att;
	if (f->what & IMAP_FETCH_BODY) {
		if ((sec = mailimap_section_new(NULL)) == NULL)
			goto nomem;
		if ((fa = mailimap_fetch_att_new_body_peek_section(sec)) ==
		    NULL) {
			mailimap_section_free(sec);
			goto nomem;
		}
		if (mailimap_fetch_type_new_fetch_att_list_add(ft, fa) != 0)
			goto nomem_att;
	}

	/*
	 * Each command is pipelined in full by the server; a wide range is
	 * cut into chunks of IMAP_FETCH_CHUNK UIDs so that the response text
	 * of one command stays under the connection's bound. The last chunk
	 * of an open range ends in "*", for messages that came meanwhile.
	 * A folder of fewer messages than a chunk is one command, whatever
	 * its UIDs; a larger one is chunks of IMAP_FETCH_CHUNK UIDs, unless
	 * they would be more than IMAP_FETCH_CMDS (UIDs far apart, a
	 * UIDNEXT of 4294967295: not 200,000 commands).
	 */
	end = f->last;
	if (end == 0 && s->m->imap_selection_info != NULL &&
	    s->m->imap_selection_info->sel_uidnext > 1)
		end = s->m->imap_selection_info->sel_uidnext - 1;
	lo = f->first;
	step = IMAP_FETCH_CHUNK;
	if (end > lo && s->m->imap_selection_info != NULL) {
		n = s->m->imap_selection_info->sel_exists /
		    IMAP_FETCH_CHUNK + 1;
		if (n == 1 || (end - lo) / IMAP_FETCH_CHUNK > IMAP_FETCH_CMDS)
			step = (uint64_t)(end - lo) / (n == 1 ? 1 :
			    IMAP_FETCH_CMDS) + 1;
	}
	r = 0;
	for (;;) {
		if (end == 0 || end < lo || end - lo < step) {
			r = fetch_range(s, f, ft, lo, f->last, e);
			break;
		}
		hi = (uint32_t)(lo + step - 1);
		if ((r = fetch_range(s, f, ft, lo, hi, e)) != 0)
			break;
		lo = hi + 1;
	}
	mailimap_fetch_type_free(ft);
	return r;
nomem_att:
	if (fa != NULL)
		mailimap_fetch_att_free(fa);
nomem:
	if (ft != NULL)
		mailimap_fetch_type_free(ft);
	return smerr_nomem(e);
}

static struct mailimap_set *
uid_set(const uint32_t *uids, size_t n)
{
	struct mailimap_set	*set;
	size_t			 i, j;

	if ((set = mailimap_set_new_empty()) == NULL)
		return NULL;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && uids[j] == uids[j - 1] + 1; j++)
			;
		if (uids[i] == 0 || mailimap_set_add_interval(set, uids[i],
		    uids[j - 1]) != 0) {
			mailimap_set_free(set);
			return NULL;
		}
	}
	return set;
}

int
imap_flag_ok(const char *p, size_t n)
{
	size_t	i;

	if (n == 0 || n > 256)
		return 0;
	for (i = 0; i < n; i++) {
		if ((unsigned char)p[i] <= 0x20 ||
		    (unsigned char)p[i] >= 0x7f ||
		    strchr("(){%*\"]", p[i]) != NULL ||
		    (p[i] == '\\' && i != 0))
			return 0;
	}
	return !(p[0] == '\\' && n == 1);
}

/* Builds a flag list from "\Seen $Label"; NULL on a bad flag or ENOMEM. */
static struct mailimap_flag_list *
flag_list(const char *text)
{
	struct mailimap_flag_list	*fl;
	struct mailimap_flag		*f;
	const char			*p = text, *q;
	char				*w;
	size_t				 n;

	if ((fl = mailimap_flag_list_new_empty()) == NULL)
		return NULL;
	while (p != NULL && *p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (q = p; *q != '\0' && *q != ' '; q++)
			;
		n = (size_t)(q - p);
		if (!imap_flag_ok(p, n))
			goto fail;
		f = NULL;
		if (n == 5 && strncasecmp(p, "\\Seen", 5) == 0)
			f = mailimap_flag_new_seen();
		else if (n == 9 && strncasecmp(p, "\\Answered", 9) == 0)
			f = mailimap_flag_new_answered();
		else if (n == 8 && strncasecmp(p, "\\Flagged", 8) == 0)
			f = mailimap_flag_new_flagged();
		else if (n == 8 && strncasecmp(p, "\\Deleted", 8) == 0)
			f = mailimap_flag_new_deleted();
		else if (n == 6 && strncasecmp(p, "\\Draft", 6) == 0)
			f = mailimap_flag_new_draft();
		else if (p[0] == '\\') {
			if ((w = strndup(p + 1, n - 1)) != NULL &&
			    (f = mailimap_flag_new_flag_extension(w)) == NULL)
				free(w);
		} else {
			if ((w = strndup(p, n)) != NULL &&
			    (f = mailimap_flag_new_flag_keyword(w)) == NULL)
				free(w);
		}
		if (f == NULL)
			goto fail;
		if (mailimap_flag_list_add(fl, f) != 0) {
			mailimap_flag_free(f);
			goto fail;
		}
		p = q;
	}
	return fl;
fail:
	mailimap_flag_list_free(fl);
	return NULL;
}

int
imap_store(struct imap *s, const uint32_t *uids, size_t n, int op,
    const char *flags, struct smerr *e)
{
	struct mailimap_set		*set = NULL;
	struct mailimap_flag_list	*fl = NULL;
	struct mailimap_store_att_flags	*sa = NULL;
	int				 r;

	if (n == 0)
		return 0;
	if ((fl = flag_list(flags)) == NULL)
		return smerr_set(e, SMERR_INVAL, "%s: not a list of IMAP "
		    "flags: %.60s", s->c->label, flags != NULL ? flags : "");
	if ((set = uid_set(uids, n)) == NULL) {
		mailimap_flag_list_free(fl);
		return smerr_set(e, SMERR_INVAL, "%s: bad UID set",
		    s->c->label);
	}
	if (op == '+')
		sa = mailimap_store_att_flags_new_add_flags_silent(fl);
	else if (op == '-')
		sa = mailimap_store_att_flags_new_remove_flags_silent(fl);
	else
		sa = mailimap_store_att_flags_new_set_flags_silent(fl);
	if (sa == NULL) {
		mailimap_flag_list_free(fl);
		mailimap_set_free(set);
		return smerr_nomem(e);
	}
	r = mailimap_uid_store(s->m, set, sa);
	mailimap_store_att_flags_free(sa);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(s, r, "UID STORE", e);
	return 0;
}

int
imap_append(struct imap *s, const char *folder, const char *flags,
    int64_t date, const void *msg, size_t len, uint32_t *uidvalidity,
    uint32_t *uid, struct smerr *e)
{
	struct mailimap_flag_list	*fl = NULL;
	struct mailimap_date_time	*dt = NULL;
	struct tm			 tm;
	time_t				 t = (time_t)date;
	uint32_t			 uv = 0, u = 0;
	int				 r;

	if (uidvalidity != NULL)
		*uidvalidity = 0;
	if (uid != NULL)
		*uid = 0;
	if (!arg_ok(folder, 1) || *folder == '\0')
		return smerr_set(e, SMERR_INVAL, "%s: not a mailbox name",
		    s->c->label);
	if (len > NET_MAX_LITERAL || len > UINT32_MAX)
		return smerr_set(e, SMERR_LIMIT, "%s: message too large to "
		    "append", s->c->label);
	if ((fl = flag_list(flags)) == NULL)
		return smerr_set(e, SMERR_INVAL, "%s: not a list of IMAP "
		    "flags: %.60s", s->c->label, flags != NULL ? flags : "");
	if (date != 0) {
		if (gmtime_r(&t, &tm) == NULL ||
		    (dt = mailimap_date_time_new(tm.tm_mday, tm.tm_mon + 1,
		    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    0)) == NULL) {
			mailimap_flag_list_free(fl);
			return smerr_set(e, SMERR_INVAL, "%s: bad date",
			    s->c->label);
		}
	}
	if (mailimap_has_uidplus(s->m))
		r = mailimap_uidplus_append(s->m, folder, fl, dt, msg, len,
		    &uv, &u);
	else
		r = mailimap_append(s->m, folder, fl, dt, msg, len);
	mailimap_flag_list_free(fl);
	if (dt != NULL)
		mailimap_date_time_free(dt);
	if ((r = imap_done(s, r, "APPEND", e)) != 0)
		return r;
	if (uidvalidity != NULL)
		*uidvalidity = uv;
	if (uid != NULL)
		*uid = u;
	return 0;
}

int
imap_search_header(struct imap *s, const char *field, const char *value,
    uint32_t *uidp, struct smerr *e)
{
	struct mailimap_search_key	*key;
	clist				*res = NULL;
	clistiter			*it;
	uint32_t			*u;
	char				*f, *v;
	int				 r;

	*uidp = 0;
	if (!arg_ok(field, 1) || *field == '\0' || !arg_ok(value, 1))
		return smerr_set(e, SMERR_INVAL, "%s: not a header field to "
		    "search for", s->c->label);
	f = strdup(field);
	v = strdup(value);
	if (f == NULL || v == NULL ||
	    (key = mailimap_search_key_new_header(f, v)) == NULL) {
		free(f);
		free(v);
		return smerr_nomem(e);
	}
	r = mailimap_uid_search(s->m, NULL, key, &res);
	mailimap_search_key_free(key);
	if ((r = imap_done(s, r, "SEARCH", e)) != 0)
		return r;
	for (it = res != NULL ? clist_begin(res) : NULL; it != NULL;
	    it = clist_next(it))
		if ((u = clist_content(it)) != NULL && *u > *uidp)
			*uidp = *u;
	if (res != NULL)
		mailimap_search_result_free(res);
	return 0;
}

/* UID STORE +\Deleted, then UID EXPUNGE (EXPUNGE without UIDPLUS). */
static int
expunge_uids(struct imap *s, const uint32_t *uids, size_t n, struct smerr *e)
{
	struct mailimap_set	*set;
	int			 r;

	if ((r = imap_store(s, uids, n, '+', "\\Deleted", e)) != 0)
		return r;
	if (mailimap_has_uidplus(s->m)) {
		if ((set = uid_set(uids, n)) == NULL)
			return smerr_nomem(e);
		r = mailimap_uid_expunge(s->m, set);
		mailimap_set_free(set);
	} else
		r = mailimap_expunge(s->m);
	return r == MAILIMAP_NO_ERROR ? 0 : imap_fail(s, r, "EXPUNGE", e);
}

int
imap_expunge_uid(struct imap *s, uint32_t uid, struct smerr *e)
{
	if (uid == 0)
		return smerr_set(e, SMERR_INVAL, "%s: no UID", s->c->label);
	return expunge_uids(s, &uid, 1, e);
}

/* CREATE or SUBSCRIBE (what) of mailbox name, by libetpan's fn. */
static int
mailbox_cmd(struct imap *s, const char *name,
    int (*fn)(mailimap *, const char *), const char *what, struct smerr *e)
{
	if (!arg_ok(name, 1) || *name == '\0')
		return smerr_set(e, SMERR_INVAL, "%s: not a mailbox name",
		    s->c->label);
	return imap_done(s, fn(s->m, name), what, e);
}

int
imap_create(struct imap *s, const char *name, struct smerr *e)
{
	return mailbox_cmd(s, name, mailimap_create, "CREATE", e);
}

int
imap_subscribe(struct imap *s, const char *name, struct smerr *e)
{
	return mailbox_cmd(s, name, mailimap_subscribe, "SUBSCRIBE", e);
}

/* The first UID of a COPYUID set, or 0. */
static uint32_t
set_first(const struct mailimap_set *set)
{
	struct mailimap_set_item	*it;

	if (set == NULL || set->set_list == NULL ||
	    clist_begin(set->set_list) == NULL)
		return 0;
	it = clist_content(clist_begin(set->set_list));
	return it != NULL ? it->set_first : 0;
}

int
imap_transfer(struct imap *s, uint32_t uid, const char *dest, int copy,
    uint32_t *uvp, uint32_t *newp, struct smerr *e)
{
	struct mailimap_set	*set, *src = NULL, *dst = NULL;
	uint32_t		 uv = 0;
	int			 r, move;

	*uvp = *newp = 0;
	if (!arg_ok(dest, 1) || *dest == '\0' || uid == 0)
		return smerr_set(e, SMERR_INVAL, "%s: not a mailbox name",
		    s->c->label);
	if ((set = uid_set(&uid, 1)) == NULL)
		return smerr_nomem(e);
	move = !copy && mailimap_has_extension(s->m, "MOVE");
	if (mailimap_has_uidplus(s->m))
		r = move ? mailimap_uidplus_uid_move(s->m, set, dest, &uv, &src,
		    &dst) : mailimap_uidplus_uid_copy(s->m, set, dest, &uv,
		    &src, &dst);
	else
		r = move ? mailimap_uid_move(s->m, set, dest) :
		    mailimap_uid_copy(s->m, set, dest);
	mailimap_set_free(set);
	keep_alert(s);
	if (r == MAILIMAP_NO_ERROR && dst != NULL) {
		*uvp = uv;
		*newp = set_first(dst);
	}
	if (src != NULL)
		mailimap_set_free(src);
	if (dst != NULL)
		mailimap_set_free(dst);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(s, r, move ? "UID MOVE" : "UID COPY", e);
	if (*newp == 0 && mailimap_has_uidplus(s->m))
		return smerr_set(e, SMERR_NOTFOUND, "%s: UID %u is no longer "
		    "there: nothing was %s", s->c->label, uid, copy ? "copied" :
		    "moved");
	if (!copy && !move)
		return expunge_uids(s, &uid, 1, e);
	return 0;
}

int
imap_move(struct imap *s, const uint32_t *uids, size_t n, const char *dest,
    struct smerr *e)
{
	struct mailimap_set	*set;
	int			 r;

	if (n == 0)
		return 0;
	if (!arg_ok(dest, 1) || *dest == '\0')
		return smerr_set(e, SMERR_INVAL, "%s: not a mailbox name",
		    s->c->label);
	if ((set = uid_set(uids, n)) == NULL)
		return smerr_set(e, SMERR_INVAL, "%s: bad UID set",
		    s->c->label);
	if (mailimap_has_extension(s->m, "MOVE")) {
		r = mailimap_uid_move(s->m, set, dest);
		mailimap_set_free(set);
		return r == MAILIMAP_NO_ERROR ? 0 :
		    imap_fail(s, r, "UID MOVE", e);
	}
	r = mailimap_uid_copy(s->m, set, dest);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(s, r, "UID COPY", e);
	return expunge_uids(s, uids, n, e);
}

/* Whether the last command's responses reported a change. */
static int
saw_change(struct imap *s, uint32_t exists_before)
{
	struct mailimap_response_info	*ri = s->m->imap_response_info;
	struct mailimap_selection_info	*si = s->m->imap_selection_info;

	if (si != NULL && si->sel_exists != exists_before)
		return 1;
	if (ri == NULL)
		return 0;
	return (ri->rsp_expunged != NULL && clist_count(ri->rsp_expunged)) ||
	    (ri->rsp_fetch_list != NULL && clist_count(ri->rsp_fetch_list)) ||
	    (ri->rsp_extension_list != NULL &&
	    clist_count(ri->rsp_extension_list));
}

int
imap_noop(struct imap *s, int *changed, struct smerr *e)
{
	uint32_t	before;
	int		r;

	before = s->m->imap_selection_info != NULL ?
	    s->m->imap_selection_info->sel_exists : 0;
	if ((r = imap_done(s, mailimap_noop(s->m), "NOOP", e)) != 0)
		return r;
	if (changed != NULL)
		*changed = saw_change(s, before);
	return 0;
}

int
imap_idle(struct imap *s, int timeout_ms, int wake_fd, int *changed,
    struct smerr *e)
{
	struct pollfd	pfd[4];
	uint32_t	before;
	int		r, n, pushed = 0;

	if (changed != NULL)
		*changed = 0;
	/* mailimap_idle dereferences the selection without a check. */
	if (s->m->imap_state != MAILIMAP_STATE_SELECTED ||
	    s->m->imap_selection_info == NULL)
		return smerr_set(e, SMERR_INVAL, "%s: IDLE needs a selected "
		    "mailbox", s->c->label);
	if (!mailimap_has_idle(s->m))
		return imap_noop(s, changed, e);
	before = s->m->imap_selection_info->sel_exists;
	if ((r = mailimap_idle(s->m)) != MAILIMAP_NO_ERROR)
		return imap_fail(s, r, "IDLE", e);
	/*
	 * Data libetpan or OpenSSL already holds would not wake poll(), nor
	 * would an EXISTS the server sent before its go-ahead (mail that
	 * came between SELECT and IDLE): either is a change already. (The
	 * other lists of the response still hold the last command's.)
	 */
	if (s->c->stream->read_buffer_len != 0 ||
	    (s->c->ssl != NULL && SSL_has_pending(s->c->ssl)) ||
	    s->m->imap_selection_info->sel_exists != before)
		pushed = 1;
	else {
		pfd[0].fd = s->c->fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = s->c->cancel_fd;
		pfd[1].events = POLLIN;
		pfd[2].fd = s->c->user_cancel_fd;
		pfd[2].events = POLLIN;
		pfd[3].fd = wake_fd;
		pfd[3].events = POLLIN;
		n = wake_fd >= 0 ? 4 : 3;
		do {
			pfd[0].revents = pfd[1].revents = 0;
			pfd[2].revents = pfd[3].revents = 0;
			r = poll(pfd, (nfds_t)n, timeout_ms);
		} while (r < 0 && errno == EINTR);
		if (pfd[1].revents != 0 || pfd[2].revents != 0) {
			s->dead = 1;
			return smerr_set(e, SMERR_CANCEL, "%s: cancelled",
			    s->c->label);
		}
		pushed = r > 0 && pfd[0].revents != 0;
	}
	if ((r = imap_done(s, mailimap_idle_done(s->m), "IDLE", e)) != 0)
		return r;
	/*
	 * What the server pushes during IDLE is news about the mailbox; some
	 * of it libetpan parses and drops (before the "+"), so having been
	 * woken by the server counts as a change, and the caller resyncs.
	 */
	if (changed != NULL)
		*changed = pushed || saw_change(s, before);
	return 0;
}

/* glibc's iconv knows modified UTF-7 as "UTF-7-IMAP". */
static int
name_conv(const char *to, const char *from, const char *in, char **outp,
    struct smerr *e)
{
	iconv_t	 cd;
	char	*out, *ip = (char *)(uintptr_t)in, *op;
	size_t	 il = strlen(in), ol, cap;
	int	 r = 0;

	*outp = NULL;
	if (il > 4096)
		return smerr_set(e, SMERR_LIMIT, "mailbox name too long");
	cap = il * 4 + 8;
	if ((out = malloc(cap)) == NULL)
		return smerr_nomem(e);
	if ((cd = iconv_open(to, from)) == (iconv_t)-1) {
		free(out);
		return smerr_set(e, SMERR_INVAL, "no %s conversion", from);
	}
	op = out;
	ol = cap - 1;
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 ||
	    iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1)
		r = smerr_set(e, SMERR_PARSE, "not a valid mailbox name: "
		    "%.60s", in);
	iconv_close(cd);
	if (r != 0) {
		free(out);
		return r;
	}
	*op = '\0';
	*outp = out;
	return 0;
}

int
imap_name_to_utf8(const char *imap, char **outp, struct smerr *e)
{
	return name_conv("UTF-8", "UTF-7-IMAP", imap, outp, e);
}

int
imap_name_from_utf8(const char *utf8, char **outp, struct smerr *e)
{
	return name_conv("UTF-7-IMAP", "UTF-8", utf8, outp, e);
}
