/*
 * app/agent.h: the key agent, the only sealmail process that holds private
 * keys (DESIGN.md, "Processes and threads").
 *
 * A command that needs a private key starts it once, from the same binary
 * (/proc/self/exe with AGENT_ARG), joined to it by a socketpair that no
 * other process has; it exits when its parent does. The agent answers a
 * fixed set of requests, each one SOCK_SEQPACKET message in a fixed binary
 * format with a limit on every field (big-endian integers):
 *
 *	request	= op:u8 body
 *	LOAD	= fp[32] seal[32] len:u16 sealed-key[len]
 *	LIST	= (nothing)
 *	SIGN, DECRYPT, DERIVE
 *		= fp[32] pad:u8 md:u8 mgf1:u8 salt:i16 llen:u16 label[llen]
 *		  inlen:u16 in[inlen]
 *	TOKEN_KEY
 *		= fp[32] stored:u8 mlen:u16 module[mlen] ulen:u16 uri[ulen]
 *		  plen:u16 pin[plen]
 *	TOKEN_CERT
 *		= stored:u8 mlen:u16 module[mlen] ulen:u16 uri[ulen]
 *		  plen:u16 pin[plen]
 *	reply	= status:u8 len:u16 data[len]
 *
 * fp is the SHA-256 of an identity's certificate. LOAD hands the agent one
 * sealed key (keys/seal.c) with its sealing key; TOKEN_KEY names a key on
 * a PKCS#11 token (an RFC 7512 URI), with the module to load and the PIN
 * to log in with (stored 1: a PIN kept in a file or the Secret Service,
 * not typed now, which is not tried when the token's next wrong PIN would
 * lock it); TOKEN_CERT answers the certificate a URI names on a token.
 * These three are accepted only before the first other request.
 * LIST answers the fingerprints of the keys it holds; SIGN, DECRYPT and
 * DERIVE do one crypto_keyop with one of them. status 0 is success;
 * otherwise data is a one-line reason, and status AGENT_ERR_PIN says that
 * a token refused the PIN (a caller must not offer that PIN again: a card
 * locks itself after a few wrong ones), AGENT_ERR_UNTRIED that a stored
 * PIN was not tried for that reason, status AGENT_ERR_GONE that the
 * token of the key asked for is gone (the agent is then of no more use).
 *
 * An agent that may load a PKCS#11 module is started with AGENT_TOKENS_ARG
 * too: its system call filter comes after the loading requests, and
 * leaves the module the file system (DESIGN.md says what it keeps out).
 */
#ifndef SEALMAIL_APP_AGENT_H
#define SEALMAIL_APP_AGENT_H

#include <stddef.h>
#include <stdint.h>

struct crypto_keyhook;
struct crypto_keyop;
struct crypto_privkey;
struct crypto_token;
struct buf;
struct keys;
struct smerr;

#define AGENT_ARG	"--key-agent"	/* argv[1] of the agent process */
#define AGENT_TOKENS_ARG "pkcs11"	/* its argv[2]: it may load a module */
#define AGENT_FD	3		/* its end of the socketpair */

#define AGENT_LOAD	1
#define AGENT_LIST	2
#define AGENT_SIGN	3
#define AGENT_DECRYPT	4
#define AGENT_DERIVE	5
#define AGENT_TOKEN_KEY	6
#define AGENT_TOKEN_CERT 7

#define AGENT_OK	0
#define AGENT_ERR	1
#define AGENT_ERR_PIN	2	/* a token refused the PIN */
#define AGENT_ERR_GONE	3	/* a key's token was taken out: start anew */
#define AGENT_ERR_UNTRIED 4	/* a stored PIN the token may not take */

/*
 * Identities one agent holds: a fixed bound, as every other size here,
 * not a setting (LIST answers them all in one reply).
 */
#define AGENT_MAX_IDS	128
#define AGENT_MAX_BLOB	(16 * 1024 + 64)	/* one sealed key */
#define AGENT_MAX_PATH	1024		/* a module's path, a URI */
#define AGENT_MAX_PIN	256
#define AGENT_MAX_CERT	8192		/* a certificate from a token */
#define AGENT_MAX_REQ	(1 + 64 + 2 + AGENT_MAX_BLOB)
#define AGENT_MAX_REP	(3 + AGENT_MAX_CERT)

/* What the agent holds: its keys by fingerprint. */
struct agent_keys {
	struct {
		uint8_t			 fp[32];
		struct crypto_privkey	*k;
		struct crypto_token	*tok;	/* the token it is on */
	}		 ids[AGENT_MAX_IDS];
	size_t		 n;
	int		 loaded;	/* a request not a load came */
};

/* 1 when op is one of the requests accepted only before the others. */
#define AGENT_IS_LOAD(op)	((op) == AGENT_LOAD || \
				 (op) == AGENT_TOKEN_KEY || \
				 (op) == AGENT_TOKEN_CERT)

/*
 * Answers one request of len bytes at req: the reply goes to rep (room
 * for AGENT_MAX_REP bytes), its length to *replen. Never fails: anything
 * malformed, oversized or not allowed gets an AGENT_ERR reply.
 */
void	 agent_serve(struct agent_keys *ak, const uint8_t *req, size_t len,
	    uint8_t *rep, size_t *replen);
/* Frees every key. */
void	 agent_keys_clear(struct agent_keys *ak);
/* Encodes a key operation as a request; its length, or 0 if too large. */
size_t	 agent_encode_keyop(const uint8_t fp[32],
	    const struct crypto_keyop *op, uint8_t *req, size_t max);

/*
 * The agent process (argv[1] == AGENT_ARG): serves its parent on AGENT_FD
 * until the parent goes. tokens: argv[2] is AGENT_TOKENS_ARG. Returns the
 * exit status.
 */
int	 agent_main(int tokens);

/*
 * Where keys on tokens come from, set once by the command front end: get
 * gives the module to load (a malloc'd path) and the PIN for the token of
 * an identity's URI (a secret buffer), with *storedp 1 when the PIN was
 * kept (a file, the Secret Service) rather than typed now. said, when
 * set, hears what the token made of that PIN: status AGENT_OK (it took
 * it), AGENT_ERR_PIN (it refused it) or AGENT_ERR_UNTRIED (a kept one was
 * not offered), with the token's one line in e for the last two, which it
 * may replace. It returns 1 when get is to be asked once more for that
 * token (now for a PIN typed), else 0. Without get, a key store holding a
 * token identity cannot start its agent.
 */
struct agent_tokens {
	int	(*get)(void *arg, const char *uri, char **modulep,
		    struct buf **pinp, int *storedp, struct smerr *e);
	int	(*said)(void *arg, const char *uri, const struct buf *pin,
		    int stored, int status, struct smerr *e);
	void	*arg;
};
void	 agent_set_tokens(const struct agent_tokens *t);
/*
 * For keys import: the certificate uri names on its token (when *derp is
 * NULL on entry; else the one given, len *lenp), and a check that the
 * token holds the private key uri names, done by a short-lived agent.
 */
int	 agent_token_probe(const char *uri, uint8_t **derp, size_t *lenp,
	    struct smerr *e);

/*
 * The hook through which this process's contexts reach the identities of
 * k, starting the agent (and loading every identity's key) on first use.
 * 0 and *hp set, or a negative SMERR_* code.
 */
int	 agent_hook(struct keys *k, const struct crypto_keyhook **hp,
	    struct smerr *e);
/*
 * A hook like agent_hook's, but one that starts the agent (and so asks a
 * token's PIN) only when a key operation first needs it, for a command
 * most of whose mail needs none (inspect). The agent is started from the
 * main thread only, as its death signal follows the thread that forks it:
 * a key operation on another thread before that fails, and agent_wanted()
 * says so to that thread; agent_start() starts it. One try only: when it
 * fails, every later operation fails the same way. The hook is static
 * (never freed); k must outlive its use.
 */
const struct crypto_keyhook *agent_hook_deferred(struct keys *k);
/*
 * Starts the deferred hook's agent now, from the main thread (nothing
 * when it runs already). 0, or the code and line of the failure, which
 * agent_failed() repeats from then on.
 */
int	 agent_start(struct smerr *e);
/* The code (and in e the line) of a failed agent_start, or 0. */
int	 agent_failed(struct smerr *e);
/*
 * 1 when a key operation of the calling thread since its last call found
 * the deferred hook's agent not started, and could not start it there.
 */
int	 agent_wanted(void);
/*
 * Starts more agents holding the keys of the one agent_hook started, so
 * that n threads' key operations run at once (at most 16 lanes; none more
 * for keys on a token, whose module one agent loads). From the main
 * thread, before the threads start; a lane that fails to start is only
 * missing. Returns the number of lanes.
 */
size_t	 agent_widen(size_t n);
/*
 * The lane the calling thread asks first (0 the first agent, then those of
 * agent_widen), whose agent is given the thread's CPU mask: a thread kept
 * to a CPU with an agent of its own keeps both there, so that a round trip
 * is a switch on one CPU, never a wake-up of another while this one idles.
 * Another lane is taken while that one is busy.
 */
void	 agent_prefer(size_t lane);
/*
 * Said around a run whose threads keep the CPUs busy while some of them
 * wait for the agent (a sync's fetch, judges and writer), begin 1 at its
 * start and 0 at its end: meanwhile a caller sleeps at once rather than
 * poll for the reply, which would only take a CPU from those threads and
 * from the agent itself.
 */
void	 agent_busy(int begin);
/*
 * 1 when the agent stopped answering in this process (killed, or gone):
 * what was judged since cannot be trusted to say "undecryptable".
 */
int	 agent_lost(void);
/*
 * For a process that runs one job after another (the watcher's syncs):
 * ends an agent that was lost, so that the next key operation starts a
 * new one. Between jobs only, with no request on its way.
 */
void	 agent_restart(void);
/* The one line a command prints when agent_lost() says so. */
#define AGENT_LOST_MSG	"the key agent stopped; nothing more was " \
			"decrypted or signed (run the command again)"

#endif
