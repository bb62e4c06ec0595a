/*
 * app_storefill HOME PASSFILE COUNT [MAILDIR] (PASSFILE "" for the Secret
 * Service): adds COUNT synthetic messages to the INBOX of an existing
 * store (for the list and search benchmark), in transactions of 1000,
 * and indexes them. One message in a thousand carries the word
 * "zebrafish". Each is kept as sync keeps mail: the whole message (header
 * and text), its sender's display name apart. With MAILDIR, the same
 * messages (LF line ends, the same flags) are also written there as a
 * Maildir, for a peer to open.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "store/store.h"
#include "app/app.h"
#include "tests/tools/lib/app_tool.h"

/* Writes message i (its text with CRLF made LF) into maildir/cur. */
static int
maildir_put(const char *maildir, long i, int seen, const char *body)
{
	char	 path[4096];
	FILE	*f;
	size_t	 j;
	int	 r = 0;

	if (snprintf(path, sizeof(path), "%s/cur/%ld.fill%ld.bench:2,%s",
	    maildir, 1700000000 + i, i, seen ? "S" : "") >= (int)sizeof(path) ||
	    (f = fopen(path, "w")) == NULL)
		return -1;
	for (j = 0; body[j] != '\0'; j++)
		if (body[j] != '\r' && putc(body[j], f) == EOF)
			r = -1;
	if (fclose(f) == EOF)
		r = -1;
	return r;
}

int
main(int argc, char **argv)
{
	struct app_session	*s = NULL;
	struct store		*st;
	struct store_msg	 m;
	struct smerr		 e;
	char			 subj[128], text[2048], from[64], mid[64];
	char			 name[32], body[4096];
	char			 digest[65], date[64];
	struct tm		 tm;
	time_t			 t;
	int64_t			 folder, id;
	size_t			 done, left;
	long			 i, n;
	int			 rc = 1;

	static const char *const sub[] = { "cur", "new", "tmp" };
	const char		*maildir = argc == 5 ? argv[4] : NULL;
	char			 dir[4096];

	if ((argc != 4 && argc != 5) ||
	    (n = strtol(argv[3], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: app_storefill HOME PASSFILE COUNT "
		    "[MAILDIR]\n");
		return 2;
	}
	if (maildir != NULL) {
		(void)mkdir(maildir, 0700);
		for (i = 0; i < 3; i++) {
			snprintf(dir, sizeof(dir), "%s/%s", maildir, sub[i]);
			(void)mkdir(dir, 0700);
		}
	}
	if (tool_session(argv[1], argv[2], NULL, &s, &e) != 0)
		goto out;
	st = app_session_store(s);
	if (store_folder_open(st, "bench", "INBOX", &folder, &e) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (i % 1000 == 0 && store_begin(st, &e) != 0)
			goto out;
		memset(&m, 0, sizeof(m));
		snprintf(subj, sizeof(subj), "benchmark message %ld%s", i,
		    i % 1000 == 0 ? " zebrafish" : "");
		snprintf(text, sizeof(text), "Line one of message %ld.\nThe "
		    "quick brown fox jumps over the lazy dog %ld times.\n%s",
		    i, i % 97, i % 1000 == 0 ? "zebrafish\n" : "");
		snprintf(from, sizeof(from), "sender%ld@example.test", i % 50);
		snprintf(mid, sizeof(mid), "<fill-%ld@example.test>", i);
		snprintf(name, sizeof(name), "Sender %ld", i % 50);
		t = (time_t)(1700000000 + i);
		if (gmtime_r(&t, &tm) == NULL || strftime(date, sizeof(date),
		    "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0)
			date[0] = '\0';
		snprintf(body, sizeof(body), "From: %s <%s>\r\nTo: "
		    "bob@example.test\r\nSubject: %s\r\nDate: %s\r\n"
		    "Message-ID: %s\r\n\r\n%s", name, from, subj, date, mid,
		    text);
		snprintf(digest, sizeof(digest), "%064lx", i);
		m.folder = folder;
		m.uid = (uint32_t)(i + 1);
		m.flags = i % 3 ? "\\Seen" : "";
		m.date = m.received = (int64_t)t;
		m.from = from;
		m.from_name = name;
		m.to = "bob@example.test";
		m.subject = subj;
		m.size = strlen(body);
		m.message_id = mid;
		m.digest = digest;
		m.body = (const uint8_t *)body;
		m.body_len = strlen(body);
		m.signature = "none";
		m.encryption = "none";
		m.trust = "none";
		m.text = text;
		m.state = STORE_MSG_OK;
		if (store_msg_add(st, &m, &id, &e) != 0)
			goto out;
		if (maildir != NULL &&
		    maildir_put(maildir, i, i % 3 != 0, body) != 0) {
			smerr_set(&e, SMERR_IO, "cannot write a message into "
			    "%s", maildir);
			goto out;
		}
		if ((i % 1000 == 999 || i == n - 1) &&
		    store_commit(st, &e) != 0)
			goto out;
	}
	if (store_index(st, 0, &done, &left, &e) != 0)
		goto out;
	printf("%ld messages, %zu indexed\n", n, done);
	rc = 0;
out:
	return tool_session_end("app_storefill", s, rc, &e);
}
