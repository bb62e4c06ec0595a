/*
 * app/revoke.h: revocation checking for the reader (app/revoke.c), set up
 * from [security] (revocation = ocsp+crl | crl | off, timeout).
 */
#ifndef SEALMAIL_APP_REVOKE_H
#define SEALMAIL_APP_REVOKE_H

struct app_config;
struct app_revoke;
struct cli;
struct crypto_ctx;
struct dns;
struct keys;
struct smerr;
struct store;

/*
 * Hooks for the engine, with the answers st keeps (st may be NULL: then
 * nothing is kept), asking dns for responders' addresses (NULL: the
 * system's resolver). *rvp is NULL when checking is off. 0 or SMERR_*.
 */
int	 app_revoke_new(const struct app_config *cfg, struct store *st,
	    struct dns *dns, struct app_revoke **rvp, struct smerr *e);
/* Makes ctx (and its later clones) check signers through rv. */
void	 app_revoke_attach(struct app_revoke *rv, struct crypto_ctx *ctx);
/* Writes the answers had since the last save to the store. */
int	 app_revoke_save(struct app_revoke *rv, struct smerr *e);
void	 app_revoke_free(struct app_revoke *rv);
/* Saves (a failure is a warning on stderr) and frees: for commands. */
void	 cli_revoke_close(struct app_revoke *rv);
/*
 * For commands about to rely on a certificate (keys lookup, send): a
 * context that checks certificates as a signer's would be checked, with
 * the answers kept in st. Both are NULL when checking is off. Free with
 * crypto_ctx_free and cli_revoke_close. 0 or SMERR_* (in c->err).
 */
int	 cli_revoke_ctx(struct cli *c, struct store *st, struct keys *k,
	    struct dns *dns, struct crypto_ctx **ctxp, struct app_revoke **rvp);

#endif
