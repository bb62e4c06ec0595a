# Domains outside ASCII where sealmail looks servers up, against the lab's
# servers and a zone of this test's own (fresh keys, its own NSD) that
# publishes them only under the A-labels of bücher.example.test
# (xn--bcher-kva.example.test), so that a name asked in UTF-8 finds
# nothing. setup alice@bücher.example.test finds the servers from the SRV
# records at the A-label domain, proves them and writes the address as
# typed. Server names outside ASCII in the config: the address and the
# TLSA records are asked under the A-labels (DANE proves the lab's
# servers), and a server whose certificate names the A-label host passes
# the PKIX name check and was asked for that name (SNI). A name IDNA
# refuses stops config check and any other command with one line naming
# the key and the name.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
. "$TOP/tests/lab/dnszone.sh"
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
U=bücher.example.test
A=$LAB_IDN_DOMAIN			# xn--bcher-kva.example.test
NPORT=$((LAB_PORT_BASE + 356))
spid=
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	dz_nsd_stop "$T/nsd"
}
trap cleanup EXIT
cd "$T" || exit 1

# --- the zone: SRV, A and TLSA records under the A-label names ---------------
Z=$T/zone
mkdir -p "$Z"
dz_keys example.test "$Z/keys" >/dev/null
tlsa=$(awk -v o="_${LAB_IMAPS_PORT}._tcp.mail" '$1 == o && $3 == "TLSA" {
	$1 = $2 = $3 = ""; sub(/^ +/, ""); print; exit }' \
    "$LAB_ZONE_DIR/example.test.zone")
check_match "the lab's TLSA record of its servers" '^3 1 1 [0-9a-f]{64}$' "$tlsa"
{
	printf '$ORIGIN example.test.\n$TTL 60\n'
	printf '@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n@ IN NS ns1\n'
	printf 'ns1 IN A 127.0.0.1\n'
	printf '_imaps._tcp.%s. IN SRV 0 1 %s mail.%s.\n' "$A" \
	    "$LAB_IMAPS_PORT" "$A"
	printf '_submissions._tcp.%s. IN SRV 0 1 %s mail.%s.\n' "$A" \
	    "$LAB_SUBMISSIONS_PORT" "$A"
	printf 'mail.%s. IN A 127.0.0.1\n' "$A"
	for p in $LAB_IMAPS_PORT $LAB_SUBMISSIONS_PORT; do
		printf '_%s._tcp.mail.%s. IN TLSA %s\n' "$p" "$A" "$tlsa"
	done
	# No TLSA record here: PKIX decides.
	printf 'pkix.%s. IN A 127.0.0.1\n' "$A"
} > "$Z/z"
dz_sign example.test "$Z/z" "$Z/z.signed" "$Z/keys" >/dev/null 2>&1
dz_anchor example.test "$Z/keys" "$Z/ta"
if ! dz_nsd_start "$T/nsd" $NPORT example.test="$Z/z.signed" \
    2>"$T/nsd.err"; then
	notok "our NSD serves the zone"; sed 's/^/#   /' "$T/nsd.err"
	t_done
fi

# home DIR: a new home H=DIR whose resolver is our NSD, our zone's
# anchor, with alice's password in a file.
home() {
	H=$1
	mkdir -p "$H" && chmod 700 "$H"
	printf '[dns]\nresolver = 127.0.0.1@%s\ntrust-anchor = %s\n' \
	    "$NPORT" "$Z/ta" > "$H/config"
	chmod 600 "$H/config"
	secret "$H/alice.pw" "$LAB_ALICE_PASS"
}

# account_home DIR IMAP SMTP [LINE]: home DIR with alice's account at the
# servers of the URLs IMAP and SMTP (and LINE in its section).
account_home() {
	home "$1"
	printf '[account alice]\naddress = %s\n%s\n' "$LAB_ALICE" \
	    "password-command = head -1 alice.pw" >> "$H/config"
	printf 'imap = %s\nsmtp = %s\n%s\n' "$2" "$3" "${4:-}" >> "$H/config"
}

# --- setup: the SRV records asked under the A-labels -------------------------
home "$T/setup"
"$SEALMAIL" --home "$H" setup "alice@$U" --user "$LAB_ALICE" \
    --password-command "head -1 alice.pw" --json </dev/null \
    > "$T/s.json" 2>"$T/s.err"
check_eq "setup alice@$U exits 0" 0 $?
sed 's/^/#   /' "$T/s.err" | tail -3
check_eq "--json: the address as typed; servers from the secure SRV records at $A; DANE" \
    "alice@$U imaps://mail.$A:$LAB_IMAPS_PORT submissions://mail.$A:$LAB_SUBMISSIONS_PORT secure dane dane" \
    "$(json "$T/s.json" '" ".join(str(d[k]) for k in ("address", "imap",
    "smtp", "srv", "imap_auth", "smtp_auth"))')"
check_match "the config keeps the address as typed" \
    "^address = alice@$U\$" "$(cat "$H/config")"
check "config check reads what setup wrote" \
    "$SEALMAIL" --home "$H" config check
check_match "... the account's address as typed" \
    "^account alice@$U <alice@$U> \\(default\\)\$" "$(cat "$T/.out")"

check_error "an address whose domain IDNA refuses: exit 1, one line naming it" \
    1 "^sealmail: 'alice@x☃.example.test': .*not a valid domain name: x☃.example.test" \
    "$SEALMAIL" --home "$T/bad" setup "alice@x☃.example.test" \
    --password-command "head -1 alice.pw"
check_eq "... the home is left alone" no \
    "$(test -e "$T/bad/config" && echo yes || echo no)"

# --- server names outside ASCII in the config ---------------------------------
account_home "$T/names" "imaps://mail.$U:$LAB_IMAPS_PORT" \
    "submissions://MAIL.BÜCHER.Example.Test:$LAB_SUBMISSIONS_PORT"
check "config check takes server names outside ASCII" \
    "$SEALMAIL" --home "$H" config check
check_match "... and shows them as A-labels" \
    "imap mail.$A port $LAB_IMAPS_PORT, implicit TLS.*smtp mail.$A port $LAB_SUBMISSIONS_PORT" \
    "$(tr '\n' ' ' < "$T/.out")"
"$SEALMAIL" --home "$H" check --json </dev/null >"$T/c.json" 2>"$T/c.err"
check_eq "check: both servers found and proved" 0 $?
sed 's/^/#   /' "$T/c.err" | tail -3
check_eq "... IMAP: address and TLSA under the A-labels, DANE, login" \
    "mail.$A:$LAB_IMAPS_PORT secure DANE-EE True" \
    "$(json "$T/c.json" '" ".join(str(d["imap"][k]) for k in
    ("server", "tlsa", "auth", "login"))')"
check_eq "... submission the same" \
    "mail.$A:$LAB_SUBMISSIONS_PORT secure DANE-EE True" \
    "$(json "$T/c.json" '" ".join(str(d["smtp"][k]) for k in
    ("server", "tlsa", "auth", "login"))')"

# PKIX: a server whose certificate (from the lab CA) names the A-label host.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout pkix.key -out pkix.csr -subj "/CN=pkix.$A" >/dev/null 2>&1
printf 'subjectAltName = DNS:pkix.%s\nextendedKeyUsage = serverAuth\n' \
    "$A" > pkix.ext
openssl x509 -req -in pkix.csr -CA "$LAB_CA" -CAkey "$LAB_CA_KEY" \
    -CAcreateserial -days 2 -extfile pkix.ext -out pkix.pem >/dev/null 2>&1
python3 "$TOP/tests/hostile/server.py" --proto imap --mode tls --implicit \
    --cert pkix.pem --key pkix.key --record "$T/rec" --sni "$T/sni" \
    --ready "$T/ready" --lifetime 60 </dev/null >/dev/null 2>"$T/srv.err" &
spid=$!
i=0
while [ ! -s "$T/ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
port=$(cat "$T/ready")
account_home "$T/pkix" "imaps://pkix.$U:$port" \
    "submissions://mail.$U:$LAB_SUBMISSIONS_PORT" "ca-file = $LAB_CA"
"$SEALMAIL" --home "$H" check --json </dev/null >"$T/p.json" 2>"$T/p.err"
sed 's/^/#   /' "$T/p.err" | tail -3
check_eq "the certificate naming pkix.$A passes the name check (PKIX)" \
    "pkix.$A:$port none PKIX" \
    "$(json "$T/p.json" '" ".join(str(d["imap"][k]) for k in
    ("server", "tlsa", "auth"))')"
check_eq "... and the server was asked for pkix.$A (SNI)" "pkix.$A" \
    "$(cat "$T/sni" 2>/dev/null)"
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
spid=

# --- a name IDNA refuses ------------------------------------------------------
account_home "$T/refused" "imaps://mail.$U:$LAB_IMAPS_PORT" \
    "submissions://mail.x☃.example.test"
re="config:8: smtp: not a valid domain name: mail.x☃.example.test"
check_error "config check refuses it: exit 1, one line naming key and name" \
    1 "$re" "$SEALMAIL" --home "$H" config check
check_eq "... that line alone" 1 "$(wc -l < "$T/.err")"
check_error "so does check" 1 "$re" "$SEALMAIL" --home "$H" check
check_error "and sync" 1 "$re" "$SEALMAIL" --home "$H" sync
t_done
