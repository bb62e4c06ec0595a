# inspect of a batch on two CPUs: one key agent per worker (lanes), so
# that their decryptions run at once, each worker kept to a CPU with its
# agent, and the verdicts exactly those of
# the same batch judged on one CPU with one agent, in the order of the
# files. A short batch starts no second agent; a lane killed in the middle
# is the agent lost: one line, exit 1, no verdict of undecryptable. Signed
# mail that is not encrypted starts no agent.
. "$TOP/tests/lib.sh"
fixture_home bob
# Under gdb a sanitizer's leak check cannot run; the process is killed.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
ncpu=$(python3 -c 'import os; print(len(os.sched_getaffinity(0)))')
[ "$ncpu" -ge 2 ] || notok "two CPUs to run the workers on (have $ncpu)"

# 70 messages to bob, signed in turn by alice and carol (each From
# herself), encrypted with AES-256-GCM: more than two lanes' worth.
mkdir -p "$T/b"
i=0
while [ $i -lt 70 ]; do
	i=$((i + 1))
	if [ $((i % 2)) = 0 ]; then s=alice; else s=carol; fi
	printf 'Content-Type: text/plain\r\n\r\nnote %s of a batch\r\n' "$i" \
	    >"$T/body"
	openssl cms -sign -in "$T/body" -md sha256 -signer "$D/$s.pem" \
	    -inkey "$D/$s.key" -out "$T/signed" 2>/dev/null
	{
		printf 'From: %s@example.test\r\nTo: bob@example.test\r\n' "$s"
		printf 'Subject: batch %03d\r\n' "$i"
		openssl cms -encrypt -aes-256-gcm -in "$T/signed" "$D/bob.pem" \
		    2>/dev/null | sed 's/\r$//; s/$/\r/'
	} >"$T/b/$(printf '%03d' $i).eml"
done
set -- "$T"/b/*.eml
check_eq "70 messages made" 70 "$#"

# agents LOG: how many key agents a traced run started.
agents() { grep -c -- '"--key-agent"' "$1"; }
strace -f -e trace=execve -o "$T/one.trace" taskset -c 0 "$SEALMAIL" \
    --home "$H" --passphrase-file "$T/pw" inspect --json "$@" \
    >"$T/one.out" 2>"$T/one.err"
check_eq "on one CPU: exit 0" 0 "$?"
check_eq "with one agent" 1 "$(agents "$T/one.trace")"
# A file for each thread (-ff): no call is cut in two by another's.
strace -ff -e trace=execve,sched_setaffinity -o "$T/st2" \
    taskset -c 0,1 "$SEALMAIL" \
    --home "$H" --passphrase-file "$T/pw" inspect --json "$@" \
    >"$T/two.out" 2>"$T/two.err"
check_eq "on two CPUs: exit 0" 0 "$?"
cat "$T"/st2.* >"$T/two.trace"
check_eq "with an agent for each worker" 2 "$(agents "$T/two.trace")"
# Each worker keeps to a CPU of its own, and gives its agent the same one.
check_eq "a worker and its agent on each CPU" \
    "agent [0] agent [1] worker [0] worker [1]" "$(python3 -c '
import re, sys
pins = []
for l in open(sys.argv[1]):
    m = re.search(r"sched_setaffinity\((\d+), \d+, (\[\d+\])\)\s+= 0", l)
    if m:
        pins.append(("worker" if m.group(1) == "0" else "agent") + " " +
            m.group(2))
print(" ".join(sorted(pins)))' "$T/two.trace")"
check_eq "70 verdicts" 70 "$(wc -l <"$T/two.out" | tr -d ' ')"
check_eq "each valid and decrypted" "70" "$(python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["signature"] ==
    "valid" and json.loads(l)["encryption"] == "decrypted"))' "$T/two.out")"
check_eq "in the order of the files" \
    "$(seq -f 'batch %03g' 1 70 | tr '\n' ' ')" \
    "$(python3 -c '
import json, sys
print(" ".join(json.loads(l)["subject"] for l in open(sys.argv[1])), end=" ")
' "$T/two.out")"
check_eq "each signer named as she signed" "alice carol" "$(python3 -c '
import json, sys
print(" ".join(sorted({json.loads(l)["signer"].split("@")[0]
    for l in open(sys.argv[1])})))' "$T/two.out")"
check "the same verdicts as on one CPU, byte for byte" \
    cmp "$T/one.out" "$T/two.out"
check_eq "nothing on standard error" "" "$(cat "$T/two.err")"

strace -f -e trace=execve -o "$T/few.trace" taskset -c 0,1 "$SEALMAIL" \
    --home "$H" --passphrase-file "$T/pw" inspect --json "$1" "$2" "$3" \
    >"$T/few.out" 2>&1
check_eq "three files on two CPUs: one agent is enough" 1 \
    "$(agents "$T/few.trace")"
check_eq "and three verdicts" 3 "$(wc -l <"$T/few.out" | tr -d ' ')"

# Signed mail only, none of it encrypted: no private key is needed, so
# no agent is started at all.
mkdir -p "$T/s"
for i in 1 2 3 4; do
	printf 'Content-Type: text/plain\r\n\r\nsigned note %s\r\n' "$i" \
	    >"$T/body"
	openssl cms -sign -in "$T/body" -md sha256 -signer "$D/alice.pem" \
	    -inkey "$D/alice.key" -from alice@example.test \
	    -subject "signed $i" -out "$T/s/$i.eml" 2>/dev/null
done
strace -f -e trace=execve -o "$T/signed.trace" taskset -c 0,1 "$SEALMAIL" \
    --home "$H" --passphrase-file "$T/pw" inspect --json "$T"/s/*.eml \
    >"$T/signed.out" 2>&1
check_eq "four signed messages on two CPUs: exit 0" 0 "$?"
check_eq "... no agent started" 0 "$(agents "$T/signed.trace")"
check_eq "... four valid verdicts" "valid valid valid valid" "$(python3 -c '
import json, sys
print(" ".join(json.loads(l)["signature"] for l in open(sys.argv[1])))' \
    "$T/signed.out")"

# The second agent killed at the first key operation: the batch stops with
# the one line that says so, and no message is called undecryptable.
printf '%s\n' "$@" >"$T/files"
cat >"$T/gdb1" <<EOF
set pagination off
set confirm off
break agent_call
run --home $H --passphrase-file $T/pw inspect --json $(tr '\n' ' ' <"$T/files") >$T/kill.out 2>$T/kill.err
python import subprocess; p = gdb.selected_inferior().pid; subprocess.run('kill -9 \$(pgrep -n -P %d -f -- --key-agent)' % p, shell=True)
delete
continue
quit
EOF
timeout 300 taskset -c 0,1 gdb -q -batch -x "$T/gdb1" "$SEALMAIL" \
    >"$T/gdb1.log" 2>&1
check_match "with a lane killed: exit 1" "exited with code 01" \
    "$(cat "$T/gdb1.log")"
check_eq "in one line" 1 "$(wc -l <"$T/kill.err" | tr -d ' ')"
check_match "that says the agent stopped" "^sealmail: the key agent stopped" \
    "$(cat "$T/kill.err")"
check_nomatch "and no verdict of undecryptable" "undecryptable" \
    "$(cat "$T/kill.out")"
t_done
