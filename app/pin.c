/*
 * Keys on PKCS#11 tokens, seen from a command: which module the key agent
 * loads, and where the token's PIN comes from. The module is [pkcs11]
 * module, else p11-kit's proxy (which offers every module p11-kit knows).
 * The PIN comes from the PIN file (--pin-file or SEALMAIL_PIN_FILE, which
 * group and others must not read), else from the Secret Service (an
 * org.sealmail.Password item whose account is the identity's URI), else
 * from the terminal, asked once per run; without any of them the command
 * stops saying so. The PIN goes to the agent and is wiped here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/secmem.h"
#include "keys/keys.h"
#include "app/agent.h"
#include "app/app_int.h"

#ifndef SEALMAIL_P11_PROXY
#define SEALMAIL_P11_PROXY	"/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so"
#endif

static struct {
	struct buf	*typed;		/* the PIN typed, once */
	int		 ask;		/* only the terminal: one was refused */
} pin_run;

int
cli_token_pin(struct cli *c, const char *uri, struct buf **pinp,
    struct smerr *e)
{
	struct smerr	 e2;
	char		*pw = NULL;
	char		 prompt[128];
	int		 r;

	*pinp = NULL;
	if (c->pin_file != NULL)
		return cli_read_secret_file(c->pin_file, "PIN", pinp, e);
	if (pin_run.typed != NULL) {
		if ((*pinp = buf_new_secret(0)) == NULL ||
		    buf_put(*pinp, buf_data(pin_run.typed),
		    buf_len(pin_run.typed)) != 0)
			return smerr_set(e, SMERR_NOMEM, "out of memory");
		return 0;
	}
	smerr_clear(&e2);
	if (!pin_run.ask && (r = keys_password_get(uri, &pw, &e2)) == 0) {
		if ((*pinp = buf_new_secret(0)) == NULL ||
		    buf_put(*pinp, pw, strlen(pw)) != 0)
			r = smerr_set(e, SMERR_NOMEM, "out of memory");
		secmem_strfree(pw);
		return r;
	}
	if (!isatty(STDIN_FILENO))
		return smerr_set(e, SMERR_SECRET, "the key of %.200s is on a "
		    "token and no PIN is given: use --pin-file or "
		    "SEALMAIL_PIN_FILE, or keep the PIN in the Secret Service",
		    uri);
	(void)snprintf(prompt, sizeof(prompt), "PIN for %.100s: ", uri);
	if ((r = cli_ask_secret(prompt, 0, &pin_run.typed, e)) != 0)
		return r;
	return cli_token_pin(c, uri, pinp, e);
}

static int
tokens_get(void *arg, const char *uri, char **modulep, struct buf **pinp,
    struct smerr *e)
{
	struct cli	*c = arg;
	const char	*m = SEALMAIL_P11_PROXY;
	int		 r;

	*modulep = NULL;
	*pinp = NULL;
	if ((r = cli_config(c)) != 0)
		return smerr_set(e, r, "%s", smerr_msg(&c->err));
	if (c->cfg != NULL && c->cfg->pkcs11_module != NULL)
		m = c->cfg->pkcs11_module;
	if ((*modulep = strdup(m)) == NULL)
		return smerr_set(e, SMERR_NOMEM, "out of memory");
	if ((r = cli_token_pin(c, uri, pinp, e)) != 0) {
		free(*modulep);
		*modulep = NULL;
	}
	return r;
}

void
cli_tokens_begin(struct cli *c)
{
	struct agent_tokens	t;

	t.get = tokens_get;
	t.arg = c;
	agent_set_tokens(&t);
}

void
cli_token_pin_refused(struct cli *c)
{
	c->pin_file = NULL;
	buf_free(pin_run.typed);	/* secret: wiped */
	pin_run.typed = NULL;
	pin_run.ask = 1;
}

void
cli_tokens_end(void)
{
	struct agent_tokens	t;

	memset(&t, 0, sizeof(t));
	agent_set_tokens(&t);
	buf_free(pin_run.typed);	/* secret: wiped */
	pin_run.typed = NULL;
	pin_run.ask = 0;
}
