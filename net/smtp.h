/*
 * net/smtp.h: SMTP submission (RFC 6409) over net/'s authenticated TLS.
 * One session per thread at a time; another thread stops it through the
 * server's cancel_fd (net/net.h). A message the server rejects is
 * reported with the server's reply, never retried here.
 */
#ifndef SEALMAIL_NET_SMTP_H
#define SEALMAIL_NET_SMTP_H

#include <stddef.h>

#include "net/net.h"

struct smerr;
struct smtp;

#define SMTP_TEXT_MAX	512

/* One reply: its code and text (controls removed, lines joined by "; "). */
struct smtp_reply {
	int	code;			/* 0: no reply (not sent) */
	char	text[SMTP_TEXT_MAX];
};

/*
 * Connects to srv: greeting, EHLO, STARTTLS done strictly (not offered, a
 * refusal, or bytes injected after the 220 all abort), the server
 * authenticated in the TLS handshake, then EHLO again over TLS; nothing
 * from before TLS is kept. 0 or a negative SMERR_* code.
 */
int		 smtp_open(const struct net_server *srv, struct smtp **sp,
		    struct smerr *e);

/*
 * AUTH PLAIN (or LOGIN where PLAIN is not offered), only with TLS up and
 * the server authenticated. SMERR_AUTH when the server refuses.
 */
int		 smtp_login(struct smtp *s, const char *user, const char *pass,
		    struct smerr *e);

/*
 * Submits msg (the exact bytes, CRLF line ends; dot-stuffing is done here)
 * from the envelope sender from to the n recipients. rcpt_reply (n
 * entries, may be NULL) gets each RCPT reply; final gets the reply to the
 * end of DATA (the server's queue id), or the reply that failed (the
 * first refusal of a recipient). If any recipient is refused nothing is
 * sent (RSET) and the error names every refused recipient with the
 * server's reply: SMERR_REFUSED. Addresses with spaces, angle
 * brackets or controls are refused before anything is sent.
 */
int		 smtp_send(struct smtp *s, const char *from,
		    const char *const *rcpt, size_t n, const void *msg,
		    size_t len, struct smtp_reply *rcpt_reply,
		    struct smtp_reply *final, struct smerr *e);

/*
 * Asks the server, without sending anything, whether it takes the n
 * recipients at rcpt for a message of len bytes from from: MAIL FROM,
 * RCPT TO for each, then RSET, a hundred recipients at a time (as many
 * as a server must take in one transaction). The copies of one message
 * are checked so in one session before the first of them goes.
 * SMERR_REFUSED, naming
 * every refused recipient with the server's reply as smtp_send does, when
 * one is refused; the session goes on after that unless it broke. A
 * server may still refuse later what it took here.
 */
int		 smtp_check(struct smtp *s, const char *from,
		    const char *const *rcpt, size_t n, size_t len,
		    struct smerr *e);

/*
 * fn(arg) is called by each later smtp_send once every recipient is
 * taken, just before DATA: from there on the message may be delivered.
 * When it fails nothing is sent (RSET) and its error is smtp_send's.
 */
void		 smtp_set_data_hook(struct smtp *s,
		    int (*fn)(void *, struct smerr *), void *arg);

/* QUIT (bounded) and free; NULL is fine. */
void		 smtp_close(struct smtp *s);
/* Free without a word to the server. */
void		 smtp_abort(struct smtp *s);

enum net_auth	 smtp_server_auth(const struct smtp *s);
/*
 * 1 when the last smtp_send got as far as the message data (the server
 * said 354): a failure after that may still have been delivered.
 */
int		 smtp_data_began(const struct smtp *s);
/* 1 while the session can take another smtp_send. */
int		 smtp_alive(const struct smtp *s);
/* The SIZE limit the server announced (0: none). */
size_t		 smtp_max_size(const struct smtp *s);

#endif
