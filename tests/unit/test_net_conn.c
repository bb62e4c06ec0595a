/*
 * net/: TLSA text parsing, and the connection's bounds against a scripted
 * server on a loopback socket (a thread of this test): an over-long line,
 * an oversized literal, a server that closes or says nothing, and every
 * refusal before TLS. Nothing here needs the lab.
 */
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "net/imap.h"
#include "net/net.h"
#include "net/net_int.h"
#include "net/smtp.h"
#include "tests/unit/lib/unit.h"

/* A server thread that sends script, then filler bytes, then waits. */
struct script {
	int		 lfd;
	int		 port;
	const char	*script;
	const char	*unit;		/* the filler (default "x") */
	size_t		 filler;	/* bytes of filler after the script */
	int		 hold_ms;	/* stay silent this long, then close */
	pthread_t	 th;
	char		 got[4096];	/* what the client sent */
	size_t		 ngot;
};

/*
 * Sends text; at each WAIT in it, first waits for the client's next line,
 * as a server speaks only to answer.
 */
#define WAIT	"\001"

static void
script_say(struct script *s, int fd, const char *text)
{
	const char	*w;
	char		 c;

	for (;;) {
		w = strchr(text, WAIT[0]);
		(void)!send(fd, text, w != NULL ? (size_t)(w - text) :
		    strlen(text), MSG_NOSIGNAL);
		if (w == NULL)
			return;
		while (recv(fd, &c, 1, 0) == 1) {
			if (s->ngot < sizeof(s->got))
				s->got[s->ngot++] = c;
			if (c == '\n')
				break;
		}
		text = w + 1;
	}
}

static void *
script_run(void *arg)
{
	struct script	*s = arg;
	struct timespec	 ts;
	char		 chunk[65536];
	size_t		 left, i, ul;
	ssize_t		 n;
	int		 fd;

	if ((fd = accept(s->lfd, NULL, NULL)) < 0)
		return NULL;
	if (s->script != NULL)
		script_say(s, fd, s->script);
	ul = s->unit != NULL ? strlen(s->unit) : 0;
	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = ul > 0 ? s->unit[i % ul] : 'x';
	for (left = s->filler; left > 0; left -= (size_t)n) {
		n = send(fd, chunk, left < sizeof(chunk) ? left : sizeof(chunk),
		    MSG_NOSIGNAL);
		if (n <= 0)
			break;
	}
	ts.tv_sec = s->hold_ms / 1000;
	ts.tv_nsec = (long)(s->hold_ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	/* Keep what the client said, for the password assertions. */
	while (s->ngot < sizeof(s->got) && (n = recv(fd, s->got + s->ngot,
	    sizeof(s->got) - s->ngot, MSG_DONTWAIT)) > 0)
		s->ngot += (size_t)n;
	close(fd);
	return NULL;
}

static void
script_start(struct script *s, const char *text, const char *unit,
    size_t filler, int hold_ms)
{
	memset(s, 0, sizeof(*s));
	s->script = text;
	s->unit = unit;
	s->filler = filler;
	s->hold_ms = hold_ms;
	s->lfd = unit_loopback(SOCK_STREAM, &s->port);
	assert_int_equal(pthread_create(&s->th, NULL, script_run, s), 0);
}

static void
script_end(struct script *s)
{
	pthread_join(s->th, NULL);
	close(s->lfd);
}

static void
server_for(struct net_server *srv, const struct script *s, enum net_tls tls,
    int timeout)
{
	memset(srv, 0, sizeof(*srv));
	srv->host = "mail.example.test";
	srv->addr = "127.0.0.1";
	srv->port = s->port;
	srv->tls = tls;
	srv->timeout = timeout;
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_tlsa_parse(void **state)
{
	struct net_tlsa	 t;
	uint8_t		*d = NULL;
	struct smerr	 e;

	(void)state;
	smerr_clear(&e);
	assert_int_equal(net_tlsa_parse("3 1 1 00ff10 Ab", &t, &d, &e), 0);
	assert_int_equal(t.usage, 3);
	assert_int_equal(t.selector, 1);
	assert_int_equal(t.mtype, 1);
	assert_int_equal(t.len, 4);
	assert_memory_equal(t.data, "\x00\xff\x10\xab", 4);
	free(d);
	assert_int_equal(net_tlsa_parse("3 1", &t, &d, &e), SMERR_PARSE);
	assert_null(d);
	assert_int_equal(net_tlsa_parse("3 1 1 0g", &t, &d, &e), SMERR_PARSE);
	assert_int_equal(net_tlsa_parse("3 1 1 abc", &t, &d, &e), SMERR_PARSE);
	assert_int_equal(net_tlsa_parse("256 1 1 ab", &t, &d, &e), SMERR_PARSE);
	assert_int_equal(net_tlsa_parse("3 1 1", &t, &d, &e), SMERR_PARSE);
	assert_string_equal(net_auth_name(NET_AUTH_DANE_EE), "DANE-EE");
	assert_string_equal(net_auth_name(NET_AUTH_PKIX_DANE), "PKIX+DANE");
	assert_string_equal(net_auth_name(NET_AUTH_NONE), "none");
}

/*
 * A server whose greeting is g (and then fill bytes more of unit, by the
 * script): imap_open refuses it with SMERR_LIMIT, naming the server and
 * saying want.
 */
static void
greeting_limit(const char *g, const char *unit, size_t fill,
    const char *want)
{
	struct script		 s;
	struct net_server	 srv;
	struct imap		*im = NULL;
	struct smerr		 e;

	smerr_clear(&e);
	script_start(&s, g, unit, fill, 0);
	server_for(&srv, &s, NET_TLS_STARTTLS, 5);
	assert_int_equal(imap_open(&srv, &im, &e), SMERR_LIMIT);
	assert_null(im);
	assert_non_null(strstr(e.msg, want));
	assert_non_null(strstr(e.msg, "mail.example.test:"));
	script_end(&s);
}

/*
 * An SMTP session with the server s plays (text, then filler bytes of
 * unit, then hold_ms of silence) fails with want, the message saying why.
 */
static void
smtp_refused(struct script *s, const char *text, const char *unit,
    size_t filler, int hold_ms, int want, const char *why)
{
	struct net_server	 srv;
	struct smtp		*sm = NULL;
	struct smerr		 e;

	smerr_clear(&e);
	script_start(s, text, unit, filler, hold_ms);
	server_for(&srv, s, NET_TLS_STARTTLS, 5);
	assert_int_equal(smtp_open(&srv, &sm, &e), want);
	assert_null(sm);
	assert_non_null(strstr(e.msg, why));
	script_end(s);
}

/* A greeting line that never ends fails at 1 MiB, not at 64. */
static void
test_long_line(void **state)
{
	(void)state;
	greeting_limit("* OK ", NULL, 8 * 1024 * 1024,
	    "line longer than 1 MiB");
}

/* A literal past 100 MiB is refused when announced, before any allocation. */
static void
test_big_literal(void **state)
{
	(void)state;
	greeting_limit("* OK hi\r\n" WAIT "* CAPABILITY {104857601}\r\n",
	    NULL, 1024 * 1024, "literal of 104857601 bytes");
	greeting_limit("* OK hi\r\n" WAIT
	    "* CAPABILITY {99999999999999999999999}\r\n", NULL, 0,
	    "more than 2^64");
	greeting_limit("* OK hi\r\n" WAIT
	    "* OK [BADCHARSET (\"x]\" {104857601}\r\n", NULL, 0,
	    "literal of 104857601 bytes");
}

/*
 * After a status word or "+", "{N}" ending the line is text, not a
 * literal (RFC 3501 7.1): libetpan reads the bytes after it as the next
 * line, so they count against the line's limit, in cleartext too.
 */
static void
test_status_not_literal(void **state)
{
	(void)state;
	greeting_limit("* OK x {31457280}\r\n", NULL, 8 * 1024 * 1024,
	    "line longer than 1 MiB");
	greeting_limit("* OK [ALERT] {31457280}\r\n", NULL, 8 * 1024 * 1024,
	    "line longer than 1 MiB");
	greeting_limit("* OK hi\r\n" WAIT "+ {31457280}\r\n", NULL,
	    8 * 1024 * 1024, "line longer than 1 MiB");
	greeting_limit("* OK hi\r\n" WAIT "*  no\t{31457280}\r\n", NULL,
	    8 * 1024 * 1024, "line longer than 1 MiB");
	/*
	 * A response code may hold literals; an unknown one that never
	 * closes is text to libetpan, though: its buffer is bounded too.
	 */
	greeting_limit("* OK hi\r\n" WAIT "* OK [X {31457280}\r\n",
	    "* OK xxxxxxxxx\r\n", 16 * 1024 * 1024,
	    "reply is longer than 8 MiB");
}

/* Silence costs the timeout and no more; a close is said as such. */
static void
test_silent_and_closed(void **state)
{
	struct script		 s;
	struct net_server	 srv;
	struct imap		*im = NULL;
	struct smerr		 e;
	double			 t0, dt;

	(void)state;
	smerr_clear(&e);
	script_start(&s, NULL, NULL, 0, 1500);
	server_for(&srv, &s, NET_TLS_STARTTLS, 1);
	t0 = now();
	assert_int_equal(imap_open(&srv, &im, &e), SMERR_TIMEOUT);
	dt = now() - t0;
	assert_true(dt >= 0.9 && dt < 2.5);	/* 1 s, and some slack */
	assert_non_null(strstr(e.msg, "no answer from the server within 1 s"));
	script_end(&s);

	smtp_refused(&s, "220 hello\r\n" WAIT "250-half a reply", NULL, 0, 0,
	    SMERR_NET, "closed the connection");
}

/* A server that never ends its reply is cut off, short lines or not. */
static void
test_endless_reply(void **state)
{
	struct script	s;

	(void)state;
	smtp_refused(&s, "220-hello\r\n", "220-more\r\n", 16 * 1024 * 1024, 0,
	    SMERR_LIMIT, "reply is longer than 4 MiB");
}

/* Another thread stops a session that is waiting, at once. */
struct canceller {
	int	fd;
	int	ms;
};

static void *
cancel_later(void *arg)
{
	struct canceller	*k = arg;
	struct timespec		 ts = { 0, 0 };
	uint64_t		 one = 1;

	ts.tv_nsec = (long)k->ms * 1000000L;
	nanosleep(&ts, NULL);
	(void)!write(k->fd, &one, sizeof(one));
	return NULL;
}

static void
test_cancel(void **state)
{
	struct script		 s;
	struct net_server	 srv;
	struct imap		*im = NULL;
	struct smerr		 e;
	struct canceller	 k;
	pthread_t		 th;
	double			 t0, dt;

	(void)state;
	smerr_clear(&e);
	script_start(&s, NULL, NULL, 0, 1500);
	server_for(&srv, &s, NET_TLS_IMPLICIT, 10);
	k.fd = eventfd(0, EFD_CLOEXEC);
	k.ms = 200;
	assert_true(k.fd > 0);
	srv.cancel_fd = k.fd;
	assert_int_equal(pthread_create(&th, NULL, cancel_later, &k), 0);
	t0 = now();
	assert_int_equal(imap_open(&srv, &im, &e), SMERR_CANCEL);
	dt = now() - t0;
	pthread_join(th, NULL);
	assert_true(dt >= 0.15 && dt < 2.0);	/* not the 10 s timeout */
	assert_non_null(strstr(e.msg, "cancelled"));
	close(k.fd);
	script_end(&s);
}

/* Nothing but STARTTLS is tried in cleartext, and no password goes out. */
static void
test_no_starttls(void **state)
{
	struct script	s;

	(void)state;
	smtp_refused(&s, "220 hi\r\n" WAIT "250-x\r\n250 AUTH PLAIN LOGIN\r\n",
	    NULL, 0, 300, SMERR_TLS, "server does not offer STARTTLS; "
	    "refusing to continue in plaintext");
	assert_true(s.ngot > 0);
	assert_true(memcmp(s.got, "EHLO [127.0.0.1]\r\n", 18) == 0);
	assert_int_equal(s.ngot, 18);
}

/*
 * A CAPABILITY answered with no capabilities at all (by anyone on the path,
 * before TLS) is a server without STARTTLS, not a crash.
 */
static void
test_no_capabilities(void **state)
{
	struct script		 s;
	struct net_server	 srv;
	struct imap		*im = NULL;
	struct smerr		 e;

	(void)state;
	smerr_clear(&e);
	script_start(&s, "* OK hi\r\n" WAIT "1 OK done\r\n", NULL, 0, 300);
	server_for(&srv, &s, NET_TLS_STARTTLS, 5);
	assert_int_equal(imap_open(&srv, &im, &e), SMERR_TLS);
	assert_null(im);
	assert_non_null(strstr(e.msg, "server does not offer STARTTLS"));
	script_end(&s);
	assert_true(s.ngot >= 14);
	assert_memory_equal(s.got, "1 CAPABILITY\r\n", 14);
}

/* A bogus TLSA answer stops everything before a socket is opened. */
static void
test_bogus_tlsa(void **state)
{
	struct net_server	 srv;
	struct imap		*im = NULL;
	struct smerr		 e;

	(void)state;
	smerr_clear(&e);
	memset(&srv, 0, sizeof(srv));
	srv.host = "mail.example.test";
	srv.addr = "127.0.0.1";
	srv.port = 1;		/* nothing listens: must not matter */
	srv.tlsa_status = NET_TLSA_BOGUS;
	srv.tlsa_why = "signature expired";
	assert_int_equal(imap_open(&srv, &im, &e), SMERR_DNSSEC);
	assert_string_equal(e.msg, "mail.example.test:1: DNSSEC validation "
	    "failed for TLSA _1._tcp.mail.example.test: signature expired; "
	    "refusing to connect");

	smerr_clear(&e);
	srv.host = "bad name";
	assert_int_equal(imap_open(&srv, &im, &e), SMERR_INVAL);
}

/*
 * Sessions share nothing: four threads at once, each against its own
 * server with its own failure, each get their own answer.
 */
struct worker {
	struct script	 s;
	int		 want;
	const char	*text;
	int		 got;
	char		 msg[SMERR_MSGMAX];
};

static void *
worker_run(void *arg)
{
	struct worker		*w = arg;
	struct net_server	 srv;
	struct imap		*im = NULL;
	struct smerr		 e;

	smerr_clear(&e);
	server_for(&srv, &w->s, NET_TLS_STARTTLS, 2);
	w->got = imap_open(&srv, &im, &e);
	snprintf(w->msg, sizeof(w->msg), "%s", e.msg);
	imap_abort(im);
	return NULL;
}

static void
test_threads(void **state)
{
	struct worker	w[4];
	pthread_t	th[4];
	int		i;

	(void)state;
	memset(w, 0, sizeof(w));
	script_start(&w[0].s, "* OK ", NULL, 4 * 1024 * 1024, 0);
	w[0].want = SMERR_LIMIT;
	w[0].text = "line longer than 1 MiB";
	script_start(&w[1].s, NULL, NULL, 0, 2500);
	w[1].want = SMERR_TIMEOUT;
	w[1].text = "within 2 s";
	script_start(&w[2].s, "* PREAUTH hi\r\n", NULL, 0, 300);
	w[2].want = SMERR_TLS;
	w[2].text = "PREAUTH";
	script_start(&w[3].s, "* OK hi\r\n", NULL, 0, 0);
	w[3].want = SMERR_NET;
	w[3].text = "closed the connection";
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker_run,
		    &w[i]), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		script_end(&w[i].s);
		assert_int_equal(w[i].got, w[i].want);
		assert_non_null(strstr(w[i].msg, w[i].text));
	}
}

/* Modified UTF-7 mailbox names, both ways (RFC 3501 5.1.3). */
static void
test_mailbox_names(void **state)
{
	struct smerr	 e;
	char		*s = NULL;

	(void)state;
	smerr_clear(&e);
	assert_int_equal(imap_name_to_utf8("Entw&APw-rfe &- Co", &s, &e), 0);
	assert_string_equal(s, "Entw\xc3\xbcrfe & Co");
	free(s);
	assert_int_equal(imap_name_from_utf8("Entw\xc3\xbcrfe & Co", &s, &e),
	    0);
	assert_string_equal(s, "Entw&APw-rfe &- Co");
	free(s);
	assert_int_equal(imap_name_to_utf8("INBOX", &s, &e), 0);
	assert_string_equal(s, "INBOX");
	free(s);
	s = NULL;
	assert_int_equal(imap_name_to_utf8("bad &\xff- name", &s, &e),
	    SMERR_PARSE);
	assert_null(s);
	assert_int_equal(imap_name_from_utf8("\xc3(", &s, &e), SMERR_PARSE);
	assert_null(s);
}

static ssize_t
sink_write(mailstream_low *low, const void *p, size_t n)
{
	(void)low;
	(void)p;
	return (ssize_t)n;
}

static ssize_t
sink_read(mailstream_low *low, void *p, size_t n)
{
	(void)low;
	(void)p;
	(void)n;
	return 0;
}

static int
sink_close(mailstream_low *low)
{
	(void)low;
	return 0;
}

static int
sink_fd(mailstream_low *low)
{
	(void)low;
	return -1;
}

static void
sink_free(mailstream_low *low)
{
	free(low);
}

/*
 * libetpan keeps what it sent in its write buffer after the flush; a
 * login's password is wiped from it.
 */
static void
test_stream_wipe(void **state)
{
	static mailstream_low_driver	 sink = {
		.mailstream_read = sink_read,
		.mailstream_write = sink_write,
		.mailstream_close = sink_close,
		.mailstream_get_fd = sink_fd,
		.mailstream_free = sink_free,
	};
	static const char		 cmd[] = "A1 LOGIN alice hunter2x\r\n";
	mailstream_low			*low;
	mailstream			*st;

	(void)state;
	assert_non_null(low = mailstream_low_new(NULL, &sink));
	assert_non_null(st = mailstream_new(low, 1024));
	assert_int_equal(mailstream_write(st, cmd, sizeof(cmd) - 1),
	    (ssize_t)(sizeof(cmd) - 1));
	assert_int_equal(mailstream_flush(st), 0);
	/* Sent, and still there. */
	assert_non_null(memmem(st->write_buffer, st->buffer_max_size,
	    "hunter2x", 8));
	net_stream_wipe(st);
	assert_null(memmem(st->write_buffer, st->buffer_max_size,
	    "hunter2x", 8));
	net_stream_wipe(NULL);
	mailstream_close(st);
}

int
main(void)
{
	return UNIT_RUN(NULL, NULL,
	    cmocka_unit_test(test_tlsa_parse),
	    cmocka_unit_test(test_long_line),
	    cmocka_unit_test(test_big_literal),
	    cmocka_unit_test(test_status_not_literal),
	    cmocka_unit_test(test_silent_and_closed),
	    cmocka_unit_test(test_endless_reply),
	    cmocka_unit_test(test_cancel),
	    cmocka_unit_test(test_no_starttls),
	    cmocka_unit_test(test_no_capabilities),
	    cmocka_unit_test(test_bogus_tlsa),
	    cmocka_unit_test(test_mailbox_names),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_stream_wipe));
}
