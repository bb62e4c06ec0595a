# The key agent against the lab: while sync is decrypting alice's mail,
# the memory of the sync process (what a core would hold) has no byte
# string of her private key (the PKCS#8 DER, the private exponent and the
# primes, either way round), while the agent's has (so the search would
# find it); the agent
# answers no process but its parent, even one that holds its socket; and
# an agent killed in the middle of a sync costs one clear line and no
# mail: the next sync starts a new agent and decrypts everything.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
command -v gdb >/dev/null ||
    { notok "gdb is installed"; t_done; }
H="$T/home" S="$LAB_SMIME_DIR"
F="agent$$"
alice_folder "$F"
trap 'rm -rf "$FD"' EXIT
alice_config "$H" password
sm() { "$SEALMAIL" --home "$H" "$@"; }
# Under gdb a sanitizer's leak check cannot run; the processes are killed.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

n=0
deliver() {
	n=$((n + 1))
	f="$FD/cur/$(date +%s).M${n}P$$.lab:2,"
	tr -d '\r' < "$1" > "$f" && chown --reference="$MD" "$f"
}
i=0
while [ $i -lt 6 ]; do
	i=$((i + 1))
	printf 'Content-Type: text/plain\n\nsealed note %s\n' "$i" > "$T/b"
	openssl smime -encrypt -aes256 -in "$T/b" -from bob@example.test \
	    -to alice@example.test -subject "sealed $i" -out "$T/enc.eml" \
	    "$S/alice.pem" 2>/dev/null
	deliver "$T/enc.eml"
done
check "import alice's identity" sm keys import "$S/alice.p12" \
    --passphrase-file "$S/p12-pass"
check "trust the lab CA" sm keys trust "$LAB_CA"

# What to look for: the key as PKCS#8 DER, and d, p and q as big-endian
# bytes and as the little-endian words OpenSSL keeps them in.
openssl pkcs8 -topk8 -nocrypt -in "$S/alice.key" -outform DER \
    -out "$T/key.p8" 2>/dev/null
openssl rsa -in "$S/alice.key" -noout -text 2>/dev/null > "$T/key.txt"
# The memory a core dump holds, read from /proc/PID/mem while the process
# is stopped: every readable mapping but those marked not to be dumped
# (a sanitizer's terabytes of shadow), searched as it is read.
cat > "$T/hunt.py" <<'EOF'
import re, sys
pid = sys.argv[1]
text = open(sys.argv[2]).read()
needles = {'pkcs8': open(sys.argv[3], 'rb').read()}
for name in ('privateExponent', 'prime1', 'prime2'):
    m = re.search(name + r':\s*\n((?:\s+[0-9a-f:]+\n)+)', text)
    b = bytes.fromhex(re.sub(r'[\s:]', '', m.group(1))).lstrip(b'\0')
    needles[name + '-be'] = b
    needles[name + '-le'] = b[::-1]
over = max(len(b) for b in needles.values())
maps, cur = [], None
for line in open('/proc/%s/smaps' % pid):
    f = line.split()
    if re.match(r'^[0-9a-f]+-[0-9a-f]+$', f[0]):
        lo, hi = (int(x, 16) for x in f[0].split('-'))
        cur = [lo, hi, f[1].startswith('r') and
            (len(f) < 6 or f[5] not in ('[vvar]', '[vsyscall]'))]
        maps.append(cur)
    elif f[0] == 'VmFlags:' and 'dd' in f[1:]:
        cur[2] = False
found, total = set(), 0
mem = open('/proc/%s/mem' % pid, 'rb', 0)
for lo, hi, wanted in maps:
    tail, off = b'', lo
    while wanted and off < hi:
        try:
            mem.seek(off)
            chunk = mem.read(min(hi - off, 1 << 22))
        except OSError:
            break
        if not chunk:
            break
        total += len(chunk)
        off += len(chunk)
        data = tail + chunk
        found |= {k for k, b in needles.items() if b in data}
        tail = data[-over:]
print(' '.join(sorted(found)) if found else 'none' if total else 'unread')
EOF
# The agent's socket, taken from its parent as another process could, and
# a request sent on it: the reply, or what went wrong.
cat > "$T/steal.py" <<'EOF'
import ctypes, os, socket, sys
pid = int(sys.argv[1])
inodes = set()
for line in open('/proc/net/unix').read().splitlines()[1:]:
    f = line.split()
    if f[4] == '0005':			# SOCK_SEQPACKET
        inodes.add(f[6])
libc = ctypes.CDLL(None, use_errno=True)
pidfd = libc.syscall(434, pid, 0)	# pidfd_open
for fd in os.listdir('/proc/%d/fd' % pid):
    link = os.readlink('/proc/%d/fd/%s' % (pid, fd))
    if link.startswith('socket:[') and link[8:-1] in inodes:
        mine = libc.syscall(438, pidfd, int(fd), 0)	# pidfd_getfd
        s = socket.socket(fileno=mine)
        s.settimeout(5)
        s.send(b'\x02')			# LIST
        r = s.recv(2048)
        print('status=%d %s' % (r[0], r[3:].decode(errors='replace')))
        sys.exit(0)
print('no agent socket')
EOF
# During the sync, stopped just after one decryption by the agent.
cat > "$T/during.sh" <<EOF
pid=\$1
python3 "$T/hunt.py" "\$pid" "$T/key.txt" "$T/key.p8" > "$T/sync.found" 2>&1
agent=\$(pgrep -P "\$pid" -f -- --key-agent | head -1)
echo "\$agent" > "$T/agent.pid"
[ -n "\$agent" ] &&
    python3 "$T/hunt.py" "\$agent" "$T/key.txt" "$T/key.p8" > "$T/agent.found" 2>&1
python3 "$T/steal.py" "\$pid" > "$T/steal.out" 2>&1
EOF
cat > "$T/gdb1" <<EOF
set pagination off
set confirm off
break agent_call
run --home "$H" sync --folder "$F" >"$T/sync1.out" 2>"$T/sync1.err"
finish
python import subprocess; subprocess.run(['sh', '$T/during.sh', str(gdb.selected_inferior().pid)])
kill
quit
EOF
timeout 300 gdb -q -batch -x "$T/gdb1" "$SEALMAIL" >"$T/gdb1.log" 2>&1
check_eq "sync's memory, while it decrypts, holds no byte string of the key" \
    none "$(cat "$T/sync.found")"
check_eq "an agent ran beside it" yes \
    "$([ -s "$T/agent.pid" ] && echo yes)"
check_match "the agent's memory holds the key (the search finds it)" \
    "privateExponent-le" "$(cat "$T/agent.found")"
check_match "another process holding the socket is refused" \
    "^status=1 refused: not the parent" "$(cat "$T/steal.out")"

# The agent killed during a sync: one line, exit 1, and nothing stored
# from that point on that a later sync could not put right.
cat > "$T/gdb2" <<EOF
set pagination off
set confirm off
break agent_call
run --home "$H" sync --folder "$F" >"$T/sync2.out" 2>"$T/sync2.err"
python import subprocess; p = gdb.selected_inferior().pid; subprocess.run('kill -9 \$(pgrep -P %d -f -- --key-agent)' % p, shell=True)
delete
continue
quit
EOF
timeout 300 gdb -q -batch -x "$T/gdb2" "$SEALMAIL" >"$T/gdb2.log" 2>&1
check_match "sync reports the agent's end" "exited with code 01" \
    "$(cat "$T/gdb2.log")"
check_eq "in one line" 1 "$(wc -l < "$T/sync2.err" | tr -d ' ')"
check_match "that says what happened" "^sealmail: the key agent stopped" \
    "$(cat "$T/sync2.err")"
sm sync --folder "$F" --json > "$T/sync3.json" 2>"$T/sync3.err"; rc=$?
check_eq "the next sync starts a new agent: exit 0" 0 "$rc"
sm list --json --folder "$F" > "$T/list.json"
check_eq "all six messages are there" 6 "$(json "$T/list.json" 'len(d)')"
check_eq "and every one is decrypted" \
    '["decrypted", "decrypted", "decrypted", "decrypted", "decrypted", "decrypted"]' \
    "$(json "$T/list.json" '[x["encryption"] for x in d]')"
check_eq "nothing waits for a key" 0 \
    "$(sm list --json --folder "$F" | python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin) if x["encryption"] != "decrypted"))')"

# inspect likewise: no verdict that an absent agent would make untrue.
sed "s|^run .*|run --home $H inspect --json $T/enc.eml >$T/ins.out 2>$T/ins.err|" \
    "$T/gdb2" > "$T/gdb3"
timeout 300 gdb -q -batch -x "$T/gdb3" "$SEALMAIL" >"$T/gdb3.log" 2>&1
check_match "inspect with its agent killed: exit 1" "exited with code 01" \
    "$(cat "$T/gdb3.log")"
check_match "saying so" "^sealmail: the key agent stopped" \
    "$(cat "$T/ins.err")"
check_nomatch "and no verdict of undecryptable" "undecryptable" \
    "$(cat "$T/ins.out")"
sm inspect --json "$T/enc.eml" > "$T/ins2.out" 2>/dev/null
check_eq "the next inspect decrypts it" decrypted \
    "$(json "$T/ins2.out" 'd["encryption"]')"
t_done
