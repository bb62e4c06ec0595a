/*
 * mime/hp.h: header protection (RFC 9788, and the forms of its drafts
 * that mail in the wild still carries). The header fields of a message
 * are repeated in the header of its cryptographic payload, the entity a
 * signature or an envelope protects; there they cannot be changed in
 * transit. Knows no cryptography: the caller says which entity is the
 * payload and whether it was signed or encrypted.
 */
#ifndef SEALMAIL_MIME_HP_H
#define SEALMAIL_MIME_HP_H

#include <stddef.h>

struct buf;
struct smerr;
struct mime_part;
struct mime_out;

/* How a payload says that its header fields are the protected ones. */
enum mime_hp_form {
	MIME_HP_NONE = 0,
	MIME_HP_CLEAR,		/* hp="clear" (RFC 9788) */
	MIME_HP_CIPHER,		/* hp="cipher" */
	MIME_HP_INJECTED,	/* protected-headers="v1" (the drafts) */
	MIME_HP_WRAPPED,	/* message/rfc822; forwarded="no", or
				   protected-headers="wrapped" */
};

/* The form payload p is in; MIME_HP_NONE when it claims none. */
enum mime_hp_form mime_hp_form(const struct mime_part *p);

/*
 * 1 when p is the drafts' separate legacy-display part (a text/plain or
 * text/rfc822-headers part marked protected-headers="v1" inside the
 * payload): it repeats header fields for programs without header
 * protection and is not text to show.
 */
int	 mime_hp_legacy_part(const struct mime_part *p);

/*
 * Removes the Legacy Display Element (RFC 9788 4.5.3) from the text of p
 * that was decoded into text from offset mark: for a part marked
 * hp-legacy-display="1", the header field lines at the top of a
 * text/plain body up to the blank line after them, or the <div
 * class="header-protection-legacy-display"> element of a text/html one.
 * Anything that is not such an element is left as it is. 0 or SMERR_*.
 */
int	 mime_hp_legacy_strip(const struct mime_part *p, struct buf *text,
	    size_t mark);

/*
 * The addr-specs of every mailbox (groups opened) in every field called
 * name of p, in order: *listp (malloc'd strings in a malloc'd array, or
 * NULL) and *np. Addresses that are not readable are left out. 0 or
 * SMERR_NOMEM.
 */
int	 mime_addr_list(const struct mime_part *p, const char *name,
	    char ***listp, size_t *np);

/*
 * Writing: the cryptographic payload of mo with its header fields
 * protected. *payloadp gets the entity to sign or encrypt: mo's header
 * fields (but MIME-Version) in front of its entity, whose Content-Type
 * gains hp="clear" (cipher 0) or hp="cipher". With cipher, *headersp gets
 * the outer header fields to send instead of mo->headers: the same but
 * Subject, which becomes "[...]" (and the payload records each outer field
 * in an HP-Outer field); with cipher and legacy, mo->entity_ld (the text
 * with a Legacy Display Element) is used where there is one. Without
 * cipher *headersp is NULL. 0 or SMERR_*.
 */
int	 mime_hp_protect(const struct mime_out *mo, int cipher, int legacy,
	    struct buf **payloadp, struct buf **headersp, struct smerr *e);

#endif
