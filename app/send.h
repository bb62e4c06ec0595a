/*
 * app/send.h: the send pipeline. A message as the user wrote it is built
 * canonically (mime/build.h), signed and encrypted (crypto/protect.h),
 * queued in the encrypted outbox (store/), submitted over SMTP (net/),
 * and appended to the server's Sent folder. Nothing here prints: warnings
 * go to the caller's warn callback, errors into struct smerr.
 */
#ifndef SEALMAIL_APP_SEND_H
#define SEALMAIL_APP_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "app/app.h"

struct crypto_ctx;
struct smerr;
struct store;
struct keys;
struct dns;
struct store_outbox;
struct mime_attachment;

struct send_opts {
	const struct app_account *acct;
	const char		*home;		/* password-command's cwd */
	int			 sign;		/* sign as From */
	int			 pss;		/* RSA-PSS */
	enum app_encrypt	 encrypt;	/* yes, no, auto */
	int			 answers_enc;	/* answers encrypted mail:
						   auto encrypts or sends
						   nothing */
	struct store		*store;
	struct keys		*keys;
	struct dns		*dns;		/* NULL: no SMIMEA/TLSA */
	int			 dns_addr;	/* addresses from dns */
	struct crypto_ctx	*revoke;	/* checks the signer's and
						   recipients' certificates
						   for revocation, or NULL */
	int64_t			 draft;		/* the draft the text came
						   from: removed as it is
						   queued (0: none) */
	int			 force;		/* send an in-doubt entry */
	void			(*warn)(void *, const char *);
	void			*warn_arg;
	const struct mime_attachment *att;	/* files to attach, or NULL */
	size_t			 natt;
};

/* What send_queue made of a message. */
struct send_queued {
	int64_t		 id;		/* outbox id, first copy */
	char		 msgid[256];
	int		 is_signed;
	const char	*cipher;	/* "aes-256-gcm", ...; NULL */
	size_t		 nrcpt;
};

/*
 * Builds, signs and encrypts (as o says) the message text (RFC 5322 as a
 * user writes it) and queues it in the outbox. Encryption to a recipient
 * without a usable certificate is impossible: with APP_ENCRYPT_YES that is
 * an error naming the recipient; with APP_ENCRYPT_AUTO the message goes
 * out unencrypted and o->warn says why, unless o->answers_enc: then it is
 * an error naming every such recipient. A recipient certificate that
 * o->revoke finds revoked refuses the message, naming the recipient
 * (SMERR_CRYPTO), whatever o->encrypt says; so does the signer's own
 * certificate found revoked when o->sign; an unknown status is a
 * warning. An encrypted message is queued
 * once for To and Cc and once more for each Bcc recipient, so that no
 * envelope names a Bcc recipient to the others; the copies are distinct
 * entries of one Message-ID (copy 0, 1, ...). A Message-ID already in the
 * outbox or sent is SMERR_EXISTS, checked with the queueing in one
 * transaction, which also removes o->draft. 0 or SMERR_*.
 */
int	 send_queue(const struct send_opts *o, const void *text, size_t len,
	    struct send_queued *q, struct smerr *e);

/*
 * Claims outbox entry id (SMERR_EXISTS when it was sent, another process
 * is sending it, or it is in doubt without o->force), submits it, then
 * appends it to the Sent folder; a failed append is only a warning (0).
 * A failed submission is recorded in the outbox with the server's reason
 * and returned; one cut off after the message data began leaves the
 * entry in doubt. An entry queued with other queued copies of its message
 * goes with them, all or none as send_deliver_msgid sends them; with
 * (may be NULL) gets the ids of those others. When the server took the
 * message and the store, asked a few times, could not record it, the
 * copy to Sent is made all the same, *unrecp is set and the error says
 * that the message was delivered; the outbox records it as sent once it
 * can (store_outbox_accepted), and never sends it again.
 */
struct vec_ids;
int	 send_deliver(const struct send_opts *o, int64_t id,
	    struct vec_ids *with, int *unrecp, struct smerr *e);

/*
 * Copies to the Sent folder, over the session im, every message of
 * account that was sent but not copied there (its append failed, or its
 * sender died first), each once, also with several processes at once;
 * *donep (may be NULL) counts them.
 */
struct imap;
int	 send_copy_sent(struct store *st, struct imap *im, const char *account,
	    size_t *donep, struct smerr *e);

/*
 * Delivers every queued, unsent copy of the message msgid (Bcc
 * recipients of an encrypted message get copies of their own), all or
 * none as far as SMTP allows: over one session, every recipient of every
 * copy asked for first, and no copy sent when the server refuses one;
 * if it refuses one later, the reason says whom the message reached. The
 * first failure is returned; the others are passed to o->warn. *doubtp
 * (may be NULL) gets the first copy this left in doubt (its submission
 * cut off after the message data began, or taken by the server but not
 * recorded: then *unrecp is set too, as send_deliver says), 0 when none.
 */
int	 send_deliver_msgid(const struct send_opts *o, const char *msgid,
	    int64_t *doubtp, int *unrecp, struct smerr *e);

/*
 * The name of account a's password for host in the Secret Service,
 * "login@host", into name (size bytes): 0, or SMERR_LIMIT when it does
 * not fit.
 */
int	 send_password_name(const struct app_account *a, const char *host,
	    char *name, size_t size, struct smerr *e);
/*
 * The account password for srv: password-command when configured (run by
 * /bin/sh in home; the first line of its output), else the Secret Service
 * entry send_password_name names. *pwp is malloc'd; the caller wipes and
 * frees it.
 */
int	 send_password(const struct send_opts *o,
	    const struct app_server *srv, char **pwp, struct smerr *e);
/*
 * Returns r; when it is SMERR_AUTH (a refused login) e's message gains
 * where the password came from (typed: asked on the terminal) and how to
 * change it.
 */
int	 send_login_hint(const struct app_account *a,
	    const struct app_server *srv, const char *home, int typed, int r,
	    struct smerr *e);

#endif
