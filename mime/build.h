/*
 * mime/build.h: writing new messages. Everything written here is
 * canonical: CRLF line ends, 7-bit transfer encodings, no line longer than
 * 998 octets, so that a signature over an entity still verifies after any
 * relay has touched it. Boundaries and Message-IDs come from the kernel's
 * random source.
 *
 * A message is written in two halves: the outer header fields (From, To,
 * Subject, Date, Message-ID, MIME-Version) and the MIME entity (its
 * Content-* fields, a blank line and the body). The entity is what gets
 * signed and encrypted; the outer fields are put back in front of the
 * result (mime_join).
 */
#ifndef SEALMAIL_MIME_BUILD_H
#define SEALMAIL_MIME_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf;
struct smerr;

#define MIME_BUILD_MAX_RCPT	500		/* recipients of a message */
#define MIME_BUILD_MAX_FIELDS	200		/* fields a user writes */
#define MIME_BUILD_MAX_FIELD	(64 * 1024)	/* one unfolded field */
#define MIME_BUILD_MAX_ATTACH	100		/* attachments */

/* A message ready to be protected and sent. */
struct mime_out {
	char		 *from;		/* addr-spec of From */
	char		**rcpt;		/* To, Cc, Bcc addr-specs, once each
					   (domains in A-labels) */
	size_t		  nrcpt;
	size_t		  nbcc;		/* the last nbcc are Bcc only */
	char		 *msgid;	/* "<...>" */
	char		 *subject;	/* as given (UTF-8 or RFC 2047) */
	struct buf	 *headers;	/* outer fields (no Bcc), CRLF */
	struct buf	 *entity;	/* canonical MIME entity */
	struct buf	 *entity_ld;	/* the same with a Legacy Display
					   Element (RFC 9788 4.5.3) naming
					   the Subject, or NULL (an entity
					   the user wrote) */
};

/* Frees o and everything it holds; NULL is a no-op. */
void	 mime_out_free(struct mime_out *o);

/* A message under construction (opaque). */
struct mime_draft;

struct mime_draft	*mime_draft_new(void);
void			 mime_draft_free(struct mime_draft *d);

/*
 * Setters. Names and subjects are UTF-8 (encoded per RFC 2047 when not
 * ASCII); addresses are dot-atom addr-specs whose domain may be UTF-8: it
 * is written, and handed to SMTP, in A-labels (IDNA2008). A local part
 * outside ASCII (it would need SMTPUTF8) or a domain IDNA refuses is
 * SMERR_INVAL naming the address. A control character or a line break in
 * any value is refused (SMERR_INVAL), so that no value can add a header
 * field of its own. name may be NULL.
 */
int	 mime_draft_from(struct mime_draft *d, const char *name,
	    const char *addr, struct smerr *e);
int	 mime_draft_to(struct mime_draft *d, const char *name,
	    const char *addr, struct smerr *e);
int	 mime_draft_cc(struct mime_draft *d, const char *name,
	    const char *addr, struct smerr *e);
/* A recipient named in no header field. */
int	 mime_draft_bcc(struct mime_draft *d, const char *addr,
	    struct smerr *e);
int	 mime_draft_subject(struct mime_draft *d, const char *subject,
	    struct smerr *e);
/* The Date field's time (default: when mime_draft_build runs). */
void	 mime_draft_date(struct mime_draft *d, time_t t);
/* A Message-ID "<left@right>" (default: a random one in From's domain). */
int	 mime_draft_msgid(struct mime_draft *d, const char *msgid,
	    struct smerr *e);
/*
 * Another outer field (In-Reply-To, References, Reply-To, X-...); name is
 * checked, value is encoded per RFC 2047 when not ASCII. The fields
 * above, MIME-Version and Content-* are refused here.
 */
int	 mime_draft_field(struct mime_draft *d, const char *name,
	    const char *value, struct smerr *e);
/*
 * The body text, UTF-8, with LF or CRLF line ends. It becomes
 * text/plain; charset=utf-8 in 7bit, quoted-printable or base64,
 * whichever keeps it 7-bit and shortest. Malformed UTF-8 is refused.
 */
int	 mime_draft_text(struct mime_draft *d, const void *text, size_t len,
	    struct smerr *e);
/*
 * An attachment: filename (UTF-8, may be NULL), content type ("type/sub",
 * NULL for application/octet-stream), bytes (copied). Always base64.
 */
int	 mime_draft_attach(struct mime_draft *d, const char *filename,
	    const char *ctype, const void *data, size_t len, struct smerr *e);
/*
 * Instead of text and attachments: an entity the caller wrote itself
 * (Content-* fields, blank line, body). It must be 7-bit with lines of
 * at most 998 octets; LF line ends become CRLF.
 */
int	 mime_draft_entity(struct mime_draft *d, const void *entity,
	    size_t len, struct smerr *e);

/* Writes the message; d may be freed afterwards. *op is the caller's. */
int	 mime_draft_build(struct mime_draft *d, struct mime_out **op,
	    struct smerr *e);

/*
 * Reads a message as a user writes it (RFC 5322 header fields, a blank
 * line, the text; LF or CRLF; raw UTF-8 allowed in Subject, display names,
 * the domains of addresses and the text) and writes it canonically; From,
 * To, Cc, Bcc and Reply-To are read as address lists. def_name and def_addr stand
 * for a missing From (def_addr NULL: From is required). A Content-Type
 * field in the input means the body is already MIME: it is kept as the
 * entity (it must be 7-bit). Date and Message-ID are kept when given.
 */
int	 mime_compose(const void *text, size_t len, const char *def_name,
	    const char *def_addr, struct mime_out **op, struct smerr *e);

/* A file to attach: its name (UTF-8, may be NULL), type and bytes. */
struct mime_attachment {
	const char	*filename;
	const char	*ctype;		/* NULL: application/octet-stream */
	const void	*data;
	size_t		 len;
};
/*
 * mime_compose, with natt attachments after the text (multipart/mixed).
 * A message whose body is already MIME takes none (SMERR_INVAL).
 */
int	 mime_compose_attach(const void *text, size_t len,
	    const char *def_name, const char *def_addr,
	    const struct mime_attachment *att, size_t natt,
	    struct mime_out **op, struct smerr *e);

/*
 * Wraps entity and a detached signature (DER) into a multipart/signed
 * entity (protocol="application/pkcs7-signature"; micalg=sha-256) with a
 * fresh boundary that occurs nowhere in the entity. *outp is new.
 */
int	 mime_signed_entity(const struct buf *entity, const uint8_t *sig,
	    size_t siglen, struct buf **outp, struct smerr *e);
/*
 * Wraps CMS DER as application/pkcs7-mime; smime-type=smime_type
 * ("enveloped-data", "authEnveloped-data", "signed-data") in base64.
 */
int	 mime_smime_entity(const uint8_t *der, size_t len,
	    const char *smime_type, struct buf **outp, struct smerr *e);
/* The whole message: headers, then entity. *outp is new. */
int	 mime_join(const struct buf *headers, const struct buf *entity,
	    struct buf **outp, struct smerr *e);

/* Base64 with CRLF after every 76 characters (and at the end). */
int	 mime_base64_put(struct buf *out, const uint8_t *p, size_t len);
/* 1 when p holds only CRLF-terminated 7-bit lines of at most 998 octets. */
int	 mime_is_canonical(const void *p, size_t len);

#endif
