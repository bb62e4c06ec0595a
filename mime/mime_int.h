/* mime/mime_int.h: shared by the files of mime/ only. */
#ifndef SEALMAIL_MIME_INT_H
#define SEALMAIL_MIME_INT_H

#include <stddef.h>
#include <stdint.h>

struct smerr;

struct mime_field {
	char		*name;
	char		*value;		/* unfolded: CR and LF removed */
};

struct mime_param {
	char		*name;		/* lowercase */
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
	struct mime_param	*params;
	size_t			 nparams;
	struct mime_part	**children;
	size_t			 nchildren;
	int			 level;
};

struct mime_msg {
	uint8_t			*data;		/* the message, CRLF */
	size_t			 len;
	struct mime_part	*root;
	size_t			 nparts;
	int			 depth;
	int			 unterminated;	/* a multipart not closed */
};

/* parse.c */
/* The value of one hexadecimal digit, or -1. */
int	 mime_hexval(int c);

/* header.c */
int	 mime_ctype_parse(const char *value, char **typep,
	    struct mime_param **paramsp, size_t *nparamsp, struct smerr *e);
void	 mime_params_free(struct mime_param *params, size_t n);
int	 mime_strcaseeq(const char *a, const char *b);

#endif
