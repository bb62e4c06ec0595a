/*
 * mime/mime.h: reading RFC 5322 / MIME messages into a bounded part tree.
 * Knows no cryptography and no terminal.
 *
 * A message is copied once and its line ends made CRLF (a bare LF is read
 * as CRLF); every part then points into that copy, so that the exact bytes
 * of any part (header and body, as a multipart/signed signature covers
 * them) can be handed out without copying. The parse is bounded in input
 * size, nesting depth, part count and header field length; anything past a
 * bound, and any malformed structure (a multipart without a boundary
 * or without any delimiter), is an error value, never a guess. A multipart
 * whose close delimiter is missing ends with the message and is marked.
 *
 * Strings returned by the accessors below belong to the message and live
 * as long as it does.
 */
#ifndef SEALMAIL_MIME_H
#define SEALMAIL_MIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf;
struct smerr;

#define MIME_MAX_INPUT	(64UL * 1024 * 1024)	/* one message */
#define MIME_MAX_DEPTH	16			/* nested multiparts */
#define MIME_MAX_PARTS	1000			/* parts in one message */
#define MIME_MAX_FIELD	(64 * 1024)		/* one unfolded header field */
#define MIME_MAX_FIELDS	1000			/* header fields of one part */

struct mime_msg;
struct mime_part;

/*
 * Parses the len bytes at p (copied). 0 and *mp set, or a negative SMERR_*
 * code with e filled (SMERR_PARSE malformed, SMERR_LIMIT past a bound).
 */
int	 mime_parse(const void *p, size_t len, struct mime_msg **mp,
	    struct smerr *e);
/*
 * mime_parse, reading p where it lies when its lines end in CRLF (a large
 * message is then not held twice): p must outlive *mp.
 */
int	 mime_parse_in(const void *p, size_t len, struct mime_msg **mp,
	    struct smerr *e);
/* Frees m and every part; NULL is a no-op. */
void	 mime_msg_free(struct mime_msg *m);

const struct mime_part	*mime_msg_root(const struct mime_msg *m);
/* Deepest multipart nesting seen (0: a single part). */
int	 mime_msg_depth(const struct mime_msg *m);
/* 1 when some multipart had no close delimiter (its last part ran on). */
int	 mime_msg_unterminated(const struct mime_msg *m);
/* Number of parts, the root included. */
size_t	 mime_msg_nparts(const struct mime_msg *m);

/* Lowercase "type/subtype" of Content-Type; "text/plain" when absent. */
const char	*mime_part_type(const struct mime_part *p);
/* A Content-Type parameter (name compared case-insensitively), or NULL. */
const char	*mime_part_param(const struct mime_part *p, const char *name);
/* 1 when the type is multipart/ (the part has children). */
int		 mime_part_is_multipart(const struct mime_part *p);
size_t		 mime_part_nchildren(const struct mime_part *p);
const struct mime_part *mime_part_child(const struct mime_part *p, size_t i);
/* Depth of p in the tree (the root is 0). */
int		 mime_part_level(const struct mime_part *p);
/* 1 when Content-Disposition says attachment. */
int		 mime_part_is_attachment(const struct mime_part *p);
/*
 * The file name p suggests: Content-Disposition's filename (RFC 2183, or
 * RFC 2231's filename* in UTF-8 or US-ASCII, in one piece), else
 * Content-Type's name; encoded words decoded. A malloc'd string, not
 * sanitized and not a safe path name, or NULL when there is none.
 */
char		*mime_part_filename(const struct mime_part *p);

/* The whole part, header and body, exactly as in the (CRLF) message. */
const uint8_t	*mime_part_raw(const struct mime_part *p, size_t *lenp);
/* The body as in the message, still transfer-encoded. */
const uint8_t	*mime_part_body(const struct mime_part *p, size_t *lenp);

/* Header fields in order: name and unfolded value. NULL past the end. */
size_t		 mime_part_nfields(const struct mime_part *p);
const char	*mime_part_field(const struct mime_part *p, size_t i,
		    const char **valuep);
/* The first field called name (case-insensitive), or NULL. */
const char	*mime_part_header(const struct mime_part *p, const char *name);
/* How many fields are called name. */
size_t		 mime_part_header_count(const struct mime_part *p,
		    const char *name);
/* The header block of p (without the empty line), exactly as received. */
const uint8_t	*mime_part_header_raw(const struct mime_part *p, size_t *lenp);

/*
 * Undoes the Content-Transfer-Encoding (base64, quoted-printable, 7bit,
 * 8bit, binary) of p's body into out. Truncated or malformed base64 is
 * SMERR_PARSE. 0 or a negative SMERR_* code.
 */
int	 mime_part_decode(const struct mime_part *p, struct buf *out,
	    struct smerr *e);
/*
 * The body of a text part as UTF-8: transfer-decoded, then converted from
 * its charset. Bytes of an unknown charset are passed on unchanged (the
 * caller's sanitizer replaces what is not UTF-8).
 */
int	 mime_part_text(const struct mime_part *p, struct buf *out,
	    struct smerr *e);

/*
 * Decodes RFC 2047 encoded words in a header value into UTF-8 appended to
 * out. 0 or a negative SMERR_* code.
 */
int	 mime_header_decode(const char *value, struct buf *out,
	    struct smerr *e);
/*
 * The addr-spec of the only mailbox of the only From field of p. *addrp
 * gets a malloc'd string, or NULL when there is no From field, more than
 * one, or one with no mailbox, a group, or more than one mailbox (*whyp,
 * when not NULL, then names the reason in words). 0 or SMERR_NOMEM.
 */
int	 mime_from_addr(const struct mime_part *p, char **addrp,
	    const char **whyp);
/*
 * Extracts the addr-spec of a single mailbox from an address field value
 * (as above, but for any field). 0 with *addrp set or NULL.
 */
int	 mime_addr_spec(const char *value, char **addrp, const char **whyp);
/*
 * Appends to out the decoded display name (UTF-8, not sanitized) of the
 * first mailbox of an address field value; nothing when it has none.
 * 0 or a negative SMERR_* code from out.
 */
int	 mime_addr_name(const char *value, struct buf *out);
/*
 * Appends to out the decoded display name (UTF-8, not sanitized) of every
 * mailbox of an address field value that has one, ", " before each when
 * out is not empty; nothing for a list that does not read. 0 or SMERR_*.
 */
int	 mime_addr_names(const char *value, struct buf *out);
/*
 * Every addr-spec of every field of p named field (To, Cc), groups'
 * members included, in order, at most MIME_MAX_ADDRS; a field that does
 * not parse is left out. *vp (malloc'd strings) and *np are set (NULL and
 * 0 when none). 0 or SMERR_NOMEM.
 */
#define MIME_MAX_ADDRS	1000
int	 mime_part_addrs(const struct mime_part *p, const char *field,
	    char ***vp, size_t *np);
/*
 * 1 when an address field value (From, Sender, Reply-To) names an address
 * other than addr: as a mailbox's addr-spec, or shown in a display name
 * ("manager@example.com" <eve@example.com>) or in a comment
 * (eve@example.com (manager@example.com)).
 */
int	 mime_addr_names_other(const char *value, const char *addr);
/*
 * Appends the addr-spec of every mailbox of an address field value
 * (groups flattened) to out, comma-separated; malformed ones are left
 * out. 0 or SMERR_NOMEM/SMERR_LIMIT.
 */
int	 mime_addr_list(const char *value, struct buf *out);
/* Appends every "<left@right>" of a msg-id field, space-separated. */
int	 mime_msgid_list(const char *value, struct buf *out);
/* The address of a List-Post field's first mailto: URL, or NULL. */
int	 mime_list_post(const char *value, char **addrp);
/* 1 when a List-Post field's value is NO: the list takes no posts. */
int	 mime_list_post_no(const char *value);
/* The time of p's one Date field (UTC); 0, or -1 when none or unreadable. */
int	 mime_part_date(const struct mime_part *p, time_t *tp);
/* The decoded Subject of p (UTF-8, not sanitized), appended to out. */
int	 mime_subject(const struct mime_part *p, struct buf *out,
	    struct smerr *e);

/*
 * A paragraph of a text/plain part in format=flowed (RFC 3676): its
 * quote depth (the ">" its lines open with), its text with the quote
 * marks, the stuffed space and the soft line breaks removed (with DelSp
 * the space before each break too), and the lines (from 0) it was made of.
 */
struct mime_flowed {
	int		 depth;
	const char	*text;		/* len bytes, NUL-terminated */
	size_t		 len;
	size_t		 line;
	size_t		 nlines;
};
/*
 * Reads the len bytes of flowed text at p (lines ending in LF or CRLF)
 * and hands each paragraph to fn, in order. A soft break (a line ending
 * in a space) joins the next line only when it has the same depth; the
 * signature separator "-- " is a paragraph of its own. Returns 0, what fn
 * returned when not 0, or SMERR_NOMEM.
 */
int	 mime_flowed_read(const char *p, size_t len, int delsp,
	    int (*fn)(const struct mime_flowed *, void *), void *arg);

/*
 * 1 when the len bytes at p begin as a message does: header fields from
 * the first line on (after an mbox "From " line, if any), one of them a
 * field every message carries some of (From, Date, Subject, To,
 * Message-ID, MIME-Version, Content-Type, Received...); 0 for a text
 * file, a password file, random bytes.
 */
int	 mime_is_message(const void *p, size_t len);

/*
 * The one reader of a header section (read.c): the fields at the start of
 * len bytes at p, in order, each as its name and its value unfolded (CR
 * and LF removed, the blanks around the value dropped). Lines may end in
 * CRLF or a bare LF. The section ends at an empty line, at the end of the
 * bytes, or at a line that is not a field; mime_hdr_stop then says which
 * and where the body starts. NULL when out of memory.
 */
#define MIME_HDR_BLANK		1	/* an empty line; the body follows */
#define MIME_HDR_END		2	/* the end of the bytes: no body */
#define MIME_HDR_NOTFIELD	3	/* a line with no field name */
#define MIME_HDR_ORPHAN		4	/* a continuation of no field */
struct mime_hdr;
struct mime_hdr	*mime_hdr_new(const void *p, size_t len);
void		 mime_hdr_free(struct mime_hdr *h);
/*
 * The next field: 1 with *namep and *valuep set (valid until the next
 * call), 0 past the last one, or a negative SMERR_* code with e filled: a
 * field longer than MIME_MAX_FIELD (or a line that long), more than
 * MIME_MAX_FIELDS fields, a NUL byte in a field (SMERR_PARSE).
 */
int	 mime_hdr_next(struct mime_hdr *h, const char **namep,
	    const char **valuep, struct smerr *e);
/*
 * Once mime_hdr_next returned 0: why the section ended (MIME_HDR_*), the
 * offsets of its end and of the body, and the number of the last line
 * read (from 1: a line that is no field is the one that ended it). A line
 * that is not a field, or an orphan continuation, is the first line of
 * the body. Each pointer may be NULL.
 */
int	 mime_hdr_stop(const struct mime_hdr *h, size_t *hdr_endp,
	    size_t *bodyp, size_t *linep);
/*
 * The offset of the next field's first line: before mime_hdr_next, where
 * the field it reads starts; after it, one past that field's last line.
 */
size_t	 mime_hdr_offset(const struct mime_hdr *h);
/*
 * The unfolded value of the first field called name (case-insensitive)
 * of the header section at p, malloc'd, or NULL when there is none, the
 * section is malformed before it, or out of memory.
 */
char	*mime_header_find(const void *p, size_t len, const char *name);

/*
 * One mailbox of an address list as it was written. name and addr are
 * NUL-terminated; raw, group and their lengths point into the value.
 */
struct mime_mbox {
	const char	*name;		/* display name unquoted, or NULL */
	const char	*addr;		/* between <>, or the whole; NULL for
					   a group with no member */
	const char	*raw;		/* the element, comments and all */
	size_t		 rawlen;
	const char	*group;		/* the group's name, or NULL */
	size_t		 grouplen;
	int		 gfirst;	/* first member of its group */
	int		 glast;		/* last member of its group */
};
/*
 * The one reader of address lists (read.c): cuts value (To, Cc, Bcc,
 * From as anyone wrote them) at commas outside quoted strings, comments
 * and angle brackets; a group's members are read as mailboxes; comments
 * are dropped. Calls fn(arg, mailbox) for each until it returns non-zero:
 * that value, else 0. SMERR_INVAL for unbalanced quotes, comments or
 * angle brackets; the addresses themselves are not checked here.
 */
int	 mime_addrs_read(const char *value, int (*fn)(void *,
	    const struct mime_mbox *), void *arg, struct smerr *e);

/*
 * Appends to out the len bytes at p with every bare LF made CRLF (a CR
 * already before an LF is kept as is). 0 or a negative SMERR_* code.
 */
int	 mime_canon_crlf(const void *p, size_t len, struct buf *out);
/* 1 when the len bytes at p contain a bare LF (not preceded by CR). */
int	 mime_has_bare_lf(const void *p, size_t len);

#endif
