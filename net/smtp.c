/*
 * SMTP submission: libetpan's mailsmtp over our own TLS stream. The
 * commands whose exact text matters (EHLO without our host name, AUTH
 * with a secret, MAIL and RCPT with checked addresses) are sent through
 * libetpan's raw command call; DATA goes through libetpan, which
 * dot-stuffs and ends the message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "net/net_int.h"
#include "net/smtp.h"

/* Exported by libetpan 1.9.4 but declared in no installed header. */
int	mailsmtp_send_command(mailsmtp *, char *);
int	mailsmtp_send_command_private(mailsmtp *, char *);
int	mailsmtp_read_response(mailsmtp *);
int	mailesmtp_parse_ehlo(mailsmtp *);

#define SMTP_MAX_CMD	1024	/* MAIL/RCPT line: RFC 5321 4.5.3.1.4 is 512 */
#define SMTP_MAX_ADDR	254

struct smtp {
	struct net_conn	*c;
	mailsmtp	*m;
	int		 logged_in;
	int		 dead;
	int		 data_began;	/* the last smtp_send got a 354 */
	int		(*data_hook)(void *, struct smerr *);
	void		*data_arg;
};

/* The last reply, one line, without controls (text only over TLS). */
static void
last_reply(struct smtp *s, struct smtp_reply *r)
{
	const char	*p;
	size_t		 j = 0;

	memset(r, 0, sizeof(*r));
	r->code = s->m->response_code;
	p = s->m->response != NULL ? s->m->response : "";
	/* Before the server is authenticated its words are anyone's. */
	if (!net_conn_secure(s->c))
		p = "";
	for (; *p != '\0' && j + 3 < sizeof(r->text); p++) {
		if (*p == '\n') {
			if (p[1] != '\0' && j > 0) {
				r->text[j++] = ';';
				r->text[j++] = ' ';
			}
		} else if ((unsigned char)*p < 0x20 || *p == 0x7f)
			r->text[j++] = ' ';
		else
			r->text[j++] = *p;
	}
	r->text[j] = '\0';
	while (j > 0 && r->text[j - 1] == ' ')
		r->text[--j] = '\0';
}

/* A transport failure first; else the server's reply to what. */
static int
smtp_fail(struct smtp *s, int code, const char *what, struct smerr *e)
{
	struct smtp_reply	rep;

	if (s->c->err.code != 0 || s->m->stream == NULL ||
	    s->m->response_code == 0) {
		s->dead = 1;
		return net_conn_fail(s->c, e, SMERR_NET,
		    "the connection broke");
	}
	last_reply(s, &rep);
	return smerr_set(e, code, "%s: %s: %d%s%s", s->c->label, what,
	    rep.code, *rep.text ? " " : "", rep.text);
}

/*
 * A server speaks only to answer (RFC 5321 4.1.1, RFC 2920 3.1). Bytes
 * waiting before a command of the mail transaction answer nothing, and
 * would be taken for the answer to it: a DATA taken for accepted, a
 * message taken for refused that was delivered. The session ends there.
 * The opening is not held to it: bytes ahead of STARTTLS are refused by
 * net_conn_starttls, and the rest of it hands over no mail.
 */
static int
out_of_step(struct smtp *s)
{
	if (s->c->stream == NULL || (s->c->stream->read_buffer_len == 0 &&
	    (s->c->ssl == NULL || !SSL_has_pending(s->c->ssl))))
		return 0;
	s->dead = 1;
	s->m->response_code = 0;
	smerr_set(&s->c->err, SMERR_PROTO, "%s: the server sent a reply "
	    "nothing asked for (out of step); the session cannot go on",
	    s->c->label);
	return 1;
}

/* Sends a command line we built; returns the reply code, 0 on failure. */
static int
command(struct smtp *s, char *line, int secret)
{
	int	r;

	if (s->m->stream == NULL)
		return 0;
	r = secret ? mailsmtp_send_command_private(s->m, line) :
	    mailsmtp_send_command(s->m, line);
	if (r == -1) {
		s->m->response_code = 0;	/* not the previous reply's */
		return 0;
	}
	return mailsmtp_read_response(s->m);
}

void
smtp_abort(struct smtp *s)
{
	if (s == NULL)
		return;
	if (s->m != NULL) {
		/* mailsmtp_free would send QUIT over a live stream. */
		s->m->stream = NULL;
		mailsmtp_free(s->m);
	}
	net_conn_free(s->c);
	free(s);
}

void
smtp_close(struct smtp *s)
{
	char	quit[] = "QUIT\r\n";

	if (s != NULL && !s->dead && s->m->stream != NULL &&
	    net_conn_goodbye(s->c))
		(void)command(s, quit, 0);
	smtp_abort(s);
}

enum net_auth
smtp_server_auth(const struct smtp *s)
{
	return s->c->auth;
}

void
smtp_set_data_hook(struct smtp *s, int (*fn)(void *, struct smerr *),
    void *arg)
{
	s->data_hook = fn;
	s->data_arg = arg;
}

int
smtp_alive(const struct smtp *s)
{
	return s != NULL && !s->dead && s->m->stream != NULL &&
	    s->c->err.code == 0;
}

int
smtp_data_began(const struct smtp *s)
{
	return s != NULL && s->data_began;
}

size_t
smtp_max_size(const struct smtp *s)
{
	return (s->m->esmtp & MAILSMTP_ESMTP_SIZE) ?
	    s->m->smtp_max_msg_size : 0;
}

/*
 * A step of the opening that did not succeed: the transport's failure
 * (broke) when no reply came, else 0 with the server's reply in *rep.
 */
static int
open_reply(struct smtp *s, const char *broke, struct smtp_reply *rep,
    struct smerr *e)
{
	if (s->c->err.code != 0 || s->m->response_code == 0)
		return net_conn_fail(s->c, e, SMERR_NET, broke);
	last_reply(s, rep);
	return 0;
}

/*
 * EHLO with an address literal rather than this machine's name, which is
 * nobody's business. Anything learned earlier is reset by the parse.
 */
static int
smtp_ehlo(struct smtp *s, struct smerr *e)
{
	char	ehlo[] = "EHLO [127.0.0.1]\r\n";
	int	code;

	code = command(s, ehlo, 0);
	if (code != 250)
		return smtp_fail(s, SMERR_PROTO, "EHLO refused", e);
	mailesmtp_parse_ehlo(s->m);
	return 0;
}

int
smtp_open(const struct net_server *srv, struct smtp **sp, struct smerr *e)
{
	struct smtp		*s;
	struct smtp_reply	 rep;
	int			 r;

	*sp = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return smerr_nomem(e);
	if ((r = net_conn_open(srv, 0, &s->c, e)) != 0) {
		free(s);
		return r;
	}
	if ((s->m = mailsmtp_new(0, NULL)) == NULL) {
		r = smerr_nomem(e);
		goto fail;
	}
	/* On any reply but 220 libetpan closes the stream itself. */
	r = mailsmtp_connect(s->m, s->c->stream);
	if (r != MAILSMTP_NO_ERROR) {
		if ((r = open_reply(s, "no greeting from the server", &rep,
		    e)) == 0)
			r = smerr_set(e, SMERR_REFUSED, "%s: the server "
			    "refuses service: %d%s%s", s->c->label, rep.code,
			    *rep.text ? " " : "", rep.text);
		goto fail;
	}
	if ((r = smtp_ehlo(s, e)) != 0)
		goto fail;
	if (srv->tls == NET_TLS_STARTTLS) {
		if (!(s->m->esmtp & MAILSMTP_ESMTP_STARTTLS)) {
			r = smerr_set(e, SMERR_TLS, "%s: server does not "
			    "offer STARTTLS; refusing to continue in "
			    "plaintext", s->c->label);
			goto fail;
		}
		r = mailesmtp_starttls(s->m);
		if (s->c->stream != NULL &&
		    s->c->stream->read_buffer_len != 0) {
			r = net_conn_starttls(s->c, srv, e);
			goto fail;
		}
		if (r != MAILSMTP_NO_ERROR) {
			if ((r = open_reply(s, "the connection broke at "
			    "STARTTLS", &rep, e)) == 0)
				r = smerr_set(e, SMERR_TLS, "%s: the server "
				    "refused STARTTLS (%d); refusing to "
				    "continue in plaintext", s->c->label,
				    rep.code);
			goto fail;
		}
		/* Forget the cleartext EHLO before anything else. */
		s->m->esmtp = 0;
		s->m->auth = 0;
		if ((r = net_conn_starttls(s->c, srv, e)) != 0)
			goto fail;
		if ((r = smtp_ehlo(s, e)) != 0)
			goto fail;
	}
	if ((r = net_conn_need_secure(s->c, 0, e)) != 0)
		goto fail;
	net_conn_deadline(s->c, 0);
	*sp = s;
	return 0;
fail:
	smtp_abort(s);
	return r;
}

int
smtp_login(struct smtp *s, const char *user, const char *pass,
    struct smerr *e)
{
	struct buf	*line = NULL;
	size_t		 ul, pl;
	char		 authlogin[] = "AUTH LOGIN\r\n";
	int		 r, code;

	/* Only TLS up and the server authenticated let a password go. */
	if ((r = net_conn_login_ok(s->c, s->dead || s->logged_in, e)) != 0)
		return r;
	if (user == NULL || pass == NULL || *user == '\0' ||
	    (ul = strlen(user)) > NET_MAX_CRED ||
	    (pl = strlen(pass)) > NET_MAX_CRED)
		return smerr_set(e, SMERR_INVAL, "%s: bad user name or "
		    "password", s->c->label);
	net_conn_deadline(s->c, 2 * s->c->timeout_ms / 1000);
	if ((line = buf_new_secret(4 * NET_MAX_CRED)) == NULL) {
		r = smerr_nomem(e);
		goto out;
	}
	if (s->m->auth & MAILSMTP_AUTH_PLAIN) {
		if ((r = net_plain_line(line, "AUTH PLAIN ", user,
		    pass)) != 0) {
			r = smerr_set(e, r, "out of memory");
			goto out;
		}
		code = command(s, (char *)buf_str(line), 1);
	} else if (s->m->auth & MAILSMTP_AUTH_LOGIN) {
		code = command(s, authlogin, 0);
		if (code == 334) {
			if ((r = net_b64_line(line, "", user, ul)) != 0) {
				r = smerr_set(e, r, "out of memory");
				goto out;
			}
			code = command(s, (char *)buf_str(line), 1);
		}
		if (code == 334) {
			if ((r = net_b64_line(line, "", pass, pl)) != 0) {
				r = smerr_set(e, r, "out of memory");
				goto out;
			}
			code = command(s, (char *)buf_str(line), 1);
		}
	} else {
		r = smerr_set(e, SMERR_AUTH, "%s: the server offers neither "
		    "AUTH PLAIN nor AUTH LOGIN", s->c->label);
		goto out;
	}
	if (code != 235) {
		r = smtp_fail(s, SMERR_AUTH, "login refused", e);
		goto out;
	}
	s->logged_in = 1;
	net_conn_deadline(s->c, 0);	/* from now on, each wait alone */
	r = 0;
out:
	net_stream_wipe(s->m->stream);
	buf_free(line);
	return r;
}

/* An address for MAIL FROM or RCPT TO: printable ASCII, no <, >, space. */
static int
addr_ok(const char *a, int empty_ok)
{
	size_t	i, n;

	if (a == NULL || (n = strlen(a)) > SMTP_MAX_ADDR)
		return 0;
	if (n == 0)
		return empty_ok;
	for (i = 0; i < n; i++)
		if ((unsigned char)a[i] <= 0x20 ||
		    (unsigned char)a[i] >= 0x7f ||
		    a[i] == '<' || a[i] == '>')
			return 0;
	return 1;
}

static int
refused(const struct smtp_reply *r)
{
	return r->code != 250 && r->code != 251;
}

static int
same_reply(const struct smtp_reply *a, const struct smtp_reply *b)
{
	return a->code == b->code && strcmp(a->text, b->text) == 0;
}

/*
 * Every refused recipient into b, those refused with one same reply
 * together: "recipient A refused: 550 text", "recipients A, B refused:
 * 550 text; recipient C refused: 450 text". Without texts only the
 * codes are said, so that the names fit where the words would not.
 */
static int
refused_list(struct buf *b, const char *const *rcpt,
    const struct smtp_reply *rep, size_t n, int texts)
{
	size_t	i, j, k, many;
	int	r = 0;

	for (i = 0; i < n; i++) {
		if (!refused(&rep[i]))
			continue;
		for (k = 0; k < i; k++)
			if (refused(&rep[k]) && same_reply(&rep[k], &rep[i]))
				break;
		if (k < i)
			continue;	/* said with its group */
		for (many = 0, j = i + 1; j < n && !many; j++)
			many = refused(&rep[j]) && same_reply(&rep[j], &rep[i]);
		r |= buf_printf(b, "%srecipient%s %s", buf_len(b) > 0 ? "; " :
		    "", many ? "s" : "", rcpt[i]);
		for (j = i + 1; j < n; j++)
			if (refused(&rep[j]) && same_reply(&rep[j], &rep[i]))
				r |= buf_printf(b, ", %s", rcpt[j]);
		r |= buf_printf(b, " refused: %d%s%s", rep[i].code,
		    texts && *rep[i].text ? " " : "", texts ? rep[i].text : "");
	}
	return r;
}

/* SMERR_REFUSED naming every refused recipient with its reply. */
static int
refused_error(struct smtp *s, const char *const *rcpt,
    const struct smtp_reply *rep, size_t n, struct smerr *e)
{
	struct buf	*b;
	int		 r;

	if ((b = buf_new(0)) == NULL)
		return smerr_nomem(e);
	r = refused_list(b, rcpt, rep, n, 1);
	if (r == 0 && strlen(s->c->label) + 2 + buf_len(b) >= SMERR_MSGMAX) {
		buf_reset(b);
		r = refused_list(b, rcpt, rep, n, 0);
	}
	if (r != 0)
		r = smerr_nomem(e);
	else
		r = smerr_set(e, SMERR_REFUSED, "%s: %s", s->c->label,
		    buf_str(b));
	buf_free(b);
	return r;
}

/*
 * RCPT TO for each recipient, each reply kept in reps (or a copy of our
 * own). A refusal is SMERR_REFUSED naming every refused recipient, with
 * *refusalp set and *final the first refusal; anything else that fails
 * is the transport's.
 */
static int
rcpt_all(struct smtp *s, const char *const *rcpt, size_t n,
    struct smtp_reply *reps, struct smtp_reply *final, int *refusalp,
    struct smerr *e)
{
	struct smtp_reply	*own = NULL;
	char			 cmd[SMTP_MAX_CMD];
	size_t			 i, nrefused = 0;
	int			 r = 0;

	*refusalp = 0;
	if (reps == NULL && (reps = own = calloc(n, sizeof(*reps))) == NULL)
		return smerr_nomem(e);
	for (i = 0; i < n && r == 0; i++) {
		snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>\r\n", rcpt[i]);
		if (out_of_step(s) || command(s, cmd, 0) == 0) {
			r = smtp_fail(s, SMERR_NET, "RCPT", e);
			break;
		}
		last_reply(s, &reps[i]);
		if (refused(&reps[i]) && nrefused++ == 0 && final != NULL)
			*final = reps[i];
	}
	if (r == 0 && nrefused > 0) {
		*refusalp = 1;
		r = refused_error(s, rcpt, reps, n, e);
	}
	free(own);
	return r;
}

/* RSET after a transaction given up; 0, or 1 when the session is done. */
static int
reset(struct smtp *s)
{
	char	rset[] = "RSET\r\n";

	if (!s->dead && s->c->err.code == 0 && s->m->stream != NULL &&
	    command(s, rset, 0) != 250)
		s->dead = 1;
	return s->dead;
}

/* Checks a session, envelope and size before anything is sent. */
static int
envelope_ok(struct smtp *s, const char *from, const char *const *rcpt,
    size_t n, size_t len, struct smerr *e)
{
	size_t	i;
	int	r;

	if (s->dead || s->m->stream == NULL)
		return smerr_set(e, SMERR_INVAL, "%s: the session is closed",
		    s->c->label);
	if ((r = net_conn_need_secure(s->c, 0, e)) != 0)
		return r;
	if (n == 0)
		return smerr_set(e, SMERR_INVAL, "no recipients");
	if (!addr_ok(from, 1))
		return smerr_set(e, SMERR_INVAL, "not a sender address: "
		    "%.80s", from != NULL ? from : "");
	for (i = 0; i < n; i++)
		if (!addr_ok(rcpt[i], 0))
			return smerr_set(e, SMERR_INVAL, "not a recipient "
			    "address: %.80s", rcpt[i] != NULL ? rcpt[i] : "");
	if (len > NET_MAX_LITERAL)
		return smerr_set(e, SMERR_LIMIT, "message too large");
	if (smtp_max_size(s) > 0 && len > smtp_max_size(s))
		return smerr_set(e, SMERR_LIMIT, "%s: message too large (the "
		    "server takes at most %zu bytes)", s->c->label,
		    smtp_max_size(s));
	return 0;
}

/* MAIL FROM, with the size when the server takes SIZE. */
static int
mail_from(struct smtp *s, const char *from, size_t len, struct smerr *e)
{
	char	cmd[SMTP_MAX_CMD];

	if (s->m->esmtp & MAILSMTP_ESMTP_SIZE)
		snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s> SIZE=%zu\r\n",
		    from, len);
	else
		snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>\r\n", from);
	if (out_of_step(s) || command(s, cmd, 0) != 250)
		return smtp_fail(s, SMERR_REFUSED, "sender refused", e);
	return 0;
}

/*
 * Recipients asked in one transaction of smtp_check: the number a server
 * must take (RFC 5321, 4.5.3.1.8); past it, it may answer 452.
 */
#define SMTP_CHECK_BATCH	100

int
smtp_check(struct smtp *s, const char *from, const char *const *rcpt,
    size_t n, size_t len, struct smerr *e)
{
	struct smtp_reply	*reps;
	size_t			 off, k;
	int			 r, refusal, refused_any = 0;

	s->data_began = 0;
	if ((r = envelope_ok(s, from, rcpt, n, len, e)) != 0)
		return r;
	if ((reps = calloc(n, sizeof(*reps))) == NULL)
		return smerr_nomem(e);
	for (off = 0; off < n && r == 0; off += k) {
		k = n - off < SMTP_CHECK_BATCH ? n - off : SMTP_CHECK_BATCH;
		if ((r = mail_from(s, from, len, e)) == 0 &&
		    (r = rcpt_all(s, rcpt + off, k, reps + off, NULL,
		    &refusal, e)) != 0 && refusal) {
			/* Said once for all the batches, below. */
			refused_any = 1;
			smerr_clear(e);
			r = 0;
		}
		/* Nothing was asked to go: each transaction is undone. */
		if (reset(s)) {
			if (r == 0 && !refused_any)
				r = smtp_fail(s, SMERR_NET, "RSET", e);
			break;
		}
	}
	if (r == 0 && refused_any)
		r = refused_error(s, rcpt, reps, n, e);
	free(reps);
	return r;
}

int
smtp_send(struct smtp *s, const char *from, const char *const *rcpt,
    size_t n, const void *msg, size_t len, struct smtp_reply *rcpt_reply,
    struct smtp_reply *final, struct smerr *e)
{
	struct smtp_reply	 rep;
	size_t			 sendlen = len;
	int			 r, refusal = 0;

	if (final != NULL)
		memset(final, 0, sizeof(*final));
	if (rcpt_reply != NULL)
		memset(rcpt_reply, 0, n * sizeof(*rcpt_reply));
	s->data_began = 0;
	if ((r = envelope_ok(s, from, rcpt, n, len, e)) != 0)
		return r;
	if ((r = mail_from(s, from, len, e)) != 0)
		goto fail;
	if ((r = rcpt_all(s, rcpt, n, rcpt_reply, final, &refusal, e)) != 0) {
		if (!refusal)
			goto fail;
		/* Nothing is sent to anyone when one recipient is refused. */
		(void)reset(s);
		return r;
	}
	if (s->data_hook != NULL && (r = s->data_hook(s->data_arg, e)) != 0) {
		(void)reset(s);
		return r;
	}
	if (out_of_step(s) ||
	    (r = mailsmtp_data(s->m)) != MAILSMTP_NO_ERROR || out_of_step(s)) {
		r = smtp_fail(s, SMERR_REFUSED, "DATA refused", e);
		goto fail;
	}
	s->data_began = 1;
	/* libetpan always ends with CRLF . CRLF; do not double our CRLF. */
	if (sendlen >= 2 && memcmp((const char *)msg + sendlen - 2, "\r\n",
	    2) == 0)
		sendlen -= 2;
	r = mailsmtp_data_message(s->m, msg, sendlen);
	last_reply(s, &rep);
	if (final != NULL)
		*final = rep;
	if (r != MAILSMTP_NO_ERROR && rep.code / 100 != 4 &&
	    rep.code / 100 != 5 && rep.code != 0) {
		/* Neither taken nor refused: it may have been delivered. */
		s->dead = 1;
		if (final != NULL)
			memset(final, 0, sizeof(*final));
		return smerr_set(e, SMERR_PROTO, "%s: the server's answer to "
		    "the message neither takes nor refuses it: %d%s%s",
		    s->c->label, rep.code, *rep.text ? " " : "", rep.text);
	}
	if (r != MAILSMTP_NO_ERROR) {
		if (s->c->err.code != 0 || rep.code == 0)
			s->dead = 1;
		return smtp_fail(s, SMERR_REFUSED, "message refused", e);
	}
	return 0;
fail:
	if (final != NULL && final->code == 0 && s->m->response_code != 0)
		last_reply(s, final);
	(void)reset(s);
	return r;
}
