/* mime/mime_int.h: shared by the files of mime/ only. */
#ifndef SEALMAIL_MIME_INT_H
#define SEALMAIL_MIME_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf;
struct smerr;

/* A header field (unfolded: CR and LF removed), or a parameter of one. */
struct mime_field {
	char		*name;		/* a parameter's lowercase */
	char		*value;
};

struct mime_part {
	struct mime_msg		*msg;
	const uint8_t		*start;		/* first byte of the header */
	const uint8_t		*end;		/* one past the body */
	const uint8_t		*hdr_end;	/* one past the header block */
	const uint8_t		*body;
	struct mime_field	*fields;
	size_t			 nfields;
	char			*type;		/* lowercase type/subtype */
	struct mime_field	*params;
	size_t			 nparams;
	struct mime_part	**children;
	size_t			 nchildren;
	int			 level;
};

struct mime_msg {
	uint8_t			*data;		/* the message, CRLF */
	size_t			 len;
	int			 borrowed;	/* data is the caller's */
	struct mime_part	*root;
	size_t			 nparts;
	int			 depth;
	int			 unterminated;	/* a multipart not closed */
};

/* read.c: one past the end of the line at p (after its LF), or end. */
const uint8_t	*mime_line_next(const uint8_t *p, const uint8_t *end);
/*
 * Removes the comments of an address field value in place (RFC 5322
 * 3.2.2: in parentheses, nested, with quoted-pairs, never inside a quoted
 * string), each made one space; their text goes to com when it is not
 * NULL. 0, SMERR_PARSE when a comment or quoted string is not closed, or
 * an error of com's.
 */
int	 mime_uncomment(char *s, struct buf *com);

/* header.c */
int	 mime_ctype_parse(const char *value, char **typep,
	    struct mime_field **paramsp, size_t *nparamsp, struct smerr *e);
void	 mime_fields_free(struct mime_field *v, size_t n);
/* The value of the first of the n at v called name (any case), or NULL. */
const char	*mime_fields_get(const struct mime_field *v, size_t n,
		    const char *name);
int	 mime_strcaseeq(const char *a, const char *b);

/*
 * field.c: the field writer. Header fields folded near 78 columns, never
 * past 998; values that are not plain ASCII as RFC 2047 words.
 */
#define MIME_TOKEN_MAX	900		/* longest unbreakable token */

/* A writer that keeps the first error; later appends do nothing. */
struct wr {
	struct buf	*b;
	size_t		 col;
	int		 r;
};

struct draft_addr;

void	 mime_wr_put(struct wr *w, const void *p, size_t len);
void	 mime_wr_puts(struct wr *w, const char *s);
/* An unstructured value (raw: already RFC 2047 ASCII) after its name. */
void	 mime_put_unstructured(struct wr *w, const char *v, int raw);
/* "fname: " and n addresses, comma-separated and folded. */
void	 mime_put_addr_field(struct wr *w, const char *fname,
	    const struct draft_addr *a, size_t n);
/* An RFC 5322 date-time of t, in UTC. */
void	 mime_put_date(struct wr *w, time_t t);
/* 1 for an atext character; 1 for a dot-atom addr-spec with one '@'. */
int	 mime_is_atext(int c);
int	 mime_addr_ok(const char *a);

/* build.c: a draft as the composer (compose.c) fills it. */
#define MIME_BUILD_MAX_MSG	(64UL * 1024 * 1024)	/* a built message */

struct draft_addr {
	char	*name;
	char	*addr;
	int	 raw;		/* name already RFC 2047/5322 ASCII */
};

struct draft_field {
	char	*name;
	char	*value;
	int	 raw;
};

struct draft_attach {
	char	*filename;
	char	*ctype;
	uint8_t	*data;
	size_t	 len;
};

struct mime_draft {
	struct draft_addr	 from;
	struct draft_addr	*to;
	size_t			 nto;
	struct draft_addr	*cc;
	size_t			 ncc;
	char			**bcc;
	size_t			 nbcc;
	struct draft_addr	*reply_to;	/* as a user wrote it (compose.c) */
	size_t			 nreply_to;
	char			*subject;
	int			 subject_raw;
	time_t			 date;
	int			 has_date;
	char			*date_raw;
	char			*msgid;
	struct draft_field	*fields;
	size_t			 nfields;
	struct buf		*text;
	struct draft_attach	*att;
	size_t			 natt;
	struct buf		*entity;
};

/*
 * 1 when s is fit for a header (UTF-8, no controls but TAB); 1 for a
 * header field name. (All ASCII: text_is_ascii.)
 */
int	 mime_value_ok(const char *s);
int	 mime_fname_ok(const char *n);
/* *sp made a copy of s, its old value freed; 0 or SMERR_NOMEM. */
int	 mime_str_set(char **sp, const char *s, struct smerr *e);
/*
 * Setters of a draft's parts with raw (the value is already RFC 2047/5322
 * ASCII, as a user may write it); 0 or SMERR_*.
 */
int	 mime_addr_set(struct draft_addr *a, const char *name,
	    const char *addr, int raw, struct smerr *e);
void	 mime_addr_clear(struct draft_addr *a);
int	 mime_addr_push(struct mime_draft *d, struct draft_addr **v,
	    size_t *n, const char *name, const char *addr, int raw,
	    struct smerr *e);
int	 mime_subject_set(struct mime_draft *d, const char *s, int raw,
	    struct smerr *e);
int	 mime_field_push(struct mime_draft *d, const char *name,
	    const char *value, int raw, struct smerr *e);

#endif
