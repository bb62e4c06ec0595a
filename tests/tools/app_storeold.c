/*
 * app_storeold HOME PASSFILE first|hp|now: adds to the INBOX of an
 * existing store one message, signed and "valid", as a sealmail kept it:
 * with "first", its verdict as the first stored ones were (no to, cc,
 * date, header_protection, revocation or coverage); with "hp", as they
 * were once header protection was read but before revocation was
 * checked (with a finding); with "now", with every member of today's.
 * Prints its ID.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "store/store.h"
#include "app/app.h"
#include "tests/tools/lib/app_tool.h"

/* The members app_verdict_json wrote when the verdict was first kept. */
static const char first_verdict[] =
    "{\"from\":\"alice@example.test\",\"subject\":\"kept long ago\","
    "\"signature\":\"valid\",\"signer\":\"alice@example.test\","
    "\"signers\":[\"alice@example.test\"],\"trust\":\"pkix\","
    "\"encryption\":\"none\",\"cipher\":null,\"text\":\"\","
    "\"findings\":[]}";
/* ...and once header protection was read, before revocation. */
static const char hp_verdict[] =
    "{\"from\":\"alice@example.test\",\"subject\":\"kept long ago\","
    "\"to\":[\"bob@example.test\"],\"cc\":[],"
    "\"date\":\"2023-11-14T22:13:20Z\",\"header_protection\":\"signed\","
    "\"signature\":\"valid\",\"signer\":\"alice@example.test\","
    "\"signers\":[\"alice@example.test\"],\"trust\":\"pkix\","
    "\"encryption\":\"none\",\"cipher\":null,\"text\":\"\","
    "\"findings\":[\"the Sender field names an address other than the "
    "signer's\"],\"coverage\":[]}";
/* ...and today. */
static const char now_verdict[] =
    "{\"from\":\"alice@example.test\",\"subject\":\"kept long ago\","
    "\"to\":[\"bob@example.test\"],\"cc\":[],"
    "\"date\":\"2023-11-14T22:13:20Z\",\"header_protection\":\"none\","
    "\"signature\":\"valid\",\"signer\":\"alice@example.test\","
    "\"signers\":[],\"trust\":\"pkix\",\"revocation\":\"good\","
    "\"encryption\":\"none\",\"cipher\":null,\"text\":\"\","
    "\"findings\":[],\"coverage\":[]}";

int
main(int argc, char **argv)
{
	static const char	 text[] = "Written before the verdict grew.\n";
	struct app_session	*s = NULL;
	struct store		*st;
	struct store_msg	 m;
	struct smerr		 e;
	int64_t			 folder, id;
	int			 k, rc = 1;

	if (argc != 4 || (strcmp(argv[3], "first") != 0 &&
	    strcmp(argv[3], "hp") != 0 && strcmp(argv[3], "now") != 0)) {
		fprintf(stderr, "usage: app_storeold HOME PASSFILE "
		    "first|hp|now\n");
		return 2;
	}
	k = argv[3][0];
	if (tool_session(argv[1], argv[2], NULL, &s, &e) != 0)
		goto out;
	st = app_session_store(s);
	if (store_folder_open(st, "old", "INBOX", &folder, &e) != 0)
		goto out;
	memset(&m, 0, sizeof(m));
	m.folder = folder;
	m.uid = k == 'f' ? 1 : k == 'h' ? 2 : 3;
	m.flags = "";
	m.date = m.received = 1700000000;
	m.from = "alice@example.test";
	m.to = "bob@example.test,carol@example.test";
	m.cc = "dave@example.test";
	m.subject = "kept long ago";
	m.size = sizeof(text) - 1;
	m.message_id = k == 'f' ? "<old-first@example.test>" : k == 'h' ?
	    "<old-hp@example.test>" : "<old-now@example.test>";
	m.digest = k == 'f' ? "00000000000000000000000000000000"
	    "000000000000000000000000000000a1" : k == 'h' ?
	    "00000000000000000000000000000000000000000000000000000000000000a2" :
	    "00000000000000000000000000000000000000000000000000000000000000a3";
	m.body = (const uint8_t *)text;
	m.body_len = sizeof(text) - 1;
	m.signature = "valid";
	m.encryption = "none";
	m.trust = "pkix";
	m.signer = "alice@example.test";
	m.verdict = k == 'f' ? first_verdict : k == 'h' ? hp_verdict :
	    now_verdict;
	m.text = text;
	m.state = STORE_MSG_OK;
	if (store_msg_add(st, &m, &id, &e) != 0)
		goto out;
	printf("%lld\n", (long long)id);
	rc = 0;
out:
	return tool_session_end("app_storeold", s, rc, &e);
}
