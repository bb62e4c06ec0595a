# Revocation against the lab's OCSP responder and CRL (tests/lab/revoke.py):
# a good signer is valid with revocation "good"; a revoked one is untrusted,
# by OCSP and by the CRL; an unsigned message, a certificate naming neither,
# and checking turned off are "not-checked". Responders that do not answer,
# answer stale, answer about another certificate, or sign with a key the
# issuer did not designate, and CRLs that are stale, too large or signed
# by an impostor of the issuer's name give "unknown" (the verdict kept,
# with a finding), never "good". An answer is kept until its nextUpdate:
# asked once, in inspect and in a sync. A revoked signer's finding says
# when it was revoked, and whether the signing time given is before or
# after.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is not up"; t_done; }
unset DBUS_SESSION_BUS_ADDRESS
R=$LAB_REVOKE_DIR
LOG=$LAB_DIR/log/revoke.log
secret "$T/pw" 'revocation passphrase'
revoke_pids=
trap 'for p in $revoke_pids; do kill "$p" 2>/dev/null; done' EXIT

# home NAME [CONFIG-LINES]: a new home trusting the lab CA.
home() {
	mkdir -p "$T/$1" && chmod 700 "$T/$1"
	printf '%b' "${2:-}" > "$T/$1/config"
	"$SEALMAIL" --home "$T/$1" --passphrase-file "$T/pw" keys trust \
	    "$LAB_CA" >/dev/null
}
# insp NAME FILE: inspect --json in home NAME into $T/out.json.
insp() {
	"$SEALMAIL" --home "$T/$1" --passphrase-file "$T/pw" inspect --json \
	    "$2" > "$T/out.json" 2>"$T/err"
}
# signed DIR NAME: a message NAME@example.test signed with DIR/NAME.pem.
signed() {
	printf 'Content-Type: text/plain\r\n\r\nhello from %s\r\n' "$2" |
	    openssl cms -sign -signer "$1/$2.pem" -inkey "$1/$2.key" \
		-md sha256 -from "$2@example.test" -to "$LAB_BOB" \
		-subject "revocation $2" > "$T/$2.eml"
}
requests() { wc -l < "$LOG" 2>/dev/null || echo 0; }
v() { json "$T/out.json" "$1"; }

signed "$R" rv-good
signed "$R" rv-revoked

# --- OCSP ---------------------------------------------------------------------
home ocsp
n0=$(requests)
insp ocsp "$T/rv-good.eml"
check_eq "a good signer is valid" valid "$(v 'd["signature"]')"
check_eq "...and revocation says good" good "$(v 'd["revocation"]')"
check_eq "...asked of the OCSP responder" "POST /ocsp" "$(tail -n 1 "$LOG")"
insp ocsp "$T/rv-revoked.eml"
check_eq "a signer revoked by OCSP is untrusted" untrusted \
    "$(v 'd["signature"]')"
check_eq "...with revocation revoked" revoked "$(v 'd["revocation"]')"
check_match "...and a finding that names OCSP" 'revoked \(OCSP\)' \
    "$(v 'd["findings"]')"
AFTER='revoked \((OCSP|CRL)\) as of [0-9-]+T[0-9:]+Z; the signing time the signer gave, [0-9-]+T[0-9:]+Z, is after that'
check_match "...saying when, and that the signing time given is after it" \
    "$AFTER" "$(v 'd["findings"]')"
n1=$(requests)
check_eq "two certificates, two requests" 2 $((n1 - n0))
insp ocsp "$T/rv-good.eml"
check_eq "asked again, the kept answer holds" good "$(v 'd["revocation"]')"
insp ocsp "$T/rv-revoked.eml"
check_eq "...for the revoked one too" revoked "$(v 'd["revocation"]')"
check_match "...with when it was revoked" "$AFTER" "$(v 'd["findings"]')"
check_eq "...and the responder is not asked again" "$n1" "$(requests)"

# --- CRL ----------------------------------------------------------------------
home crl '[security]\nrevocation = crl\n'
check_match "config check names the revocation setting" \
    '^revocation crl, timeout 5 s$' \
    "$("$SEALMAIL" --home "$T/crl" config check 2>&1)"
n0=$(requests)
insp crl "$T/rv-revoked.eml"
check_eq "a signer revoked on the CRL is untrusted" untrusted \
    "$(v 'd["signature"]')"
check_match "...with a finding that names the CRL" 'revoked \(CRL\)' \
    "$(v 'd["findings"]')"
check_match "...and when, from the CRL's entry" "$AFTER" "$(v 'd["findings"]')"
check_eq "...read from the distribution point" "GET /lab.crl" \
    "$(tail -n 1 "$LOG")"
insp crl "$T/rv-good.eml"
check_eq "a signer not on the CRL is good" good "$(v 'd["revocation"]')"
check_eq "revocation = crl asks no OCSP responder" 0 \
    "$(tail -n +$((n0 + 1)) "$LOG" | grep -c POST)"
home crl2 '[security]\nrevocation = crl\n'
n0=$(requests)
"$SEALMAIL" --home "$T/crl2" --passphrase-file "$T/pw" inspect --json \
    "$T/rv-good.eml" "$T/rv-revoked.eml" > "$T/two.json" 2>"$T/err"
check_eq "two certificates of one CA: good and revoked" "good revoked" \
    "$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["revocation"] for l in open(sys.argv[1])))' "$T/two.json")"
check_eq "...from one fetch of its CRL" 1 $(($(requests) - n0))

# A responder named by its host name: with a [dns] section, its address
# comes from that resolver (the lab's zone says mail.example.test is
# 127.0.0.1).
mkdir -p "$T/n"
sh "$TOP/tests/lab/revoke-cert.sh" "$LAB_CA" "$LAB_CA_KEY" "$T/n/rv-named" \
    rv-named@example.test "http://mail.example.test:$LAB_REVOKE_PORT/ocsp" -
signed "$T/n" rv-named
home named "[dns]\nresolver = $LAB_DNS_RESOLVER\ntrust-anchor = $LAB_TA\n"
insp named "$T/rv-named.eml"
check_eq "a responder's name is resolved through [dns]" unknown \
    "$(v 'd["revocation"]')"
check_match "...and it answered (it does not know this certificate)" \
    'does not know the certificate' "$(v 'd["findings"]')"

# A certificate that names only an https:// responder: its status could
# not be had, which is unknown, not not-checked.
sh "$TOP/tests/lab/revoke-cert.sh" "$LAB_CA" "$LAB_CA_KEY" "$T/n/rv-https" \
    rv-https@example.test "https://127.0.0.1:$LAB_REVOKE_PORT/ocsp" -
signed "$T/n" rv-https
insp ocsp "$T/rv-https.eml"
check_eq "an https:// responder alone: unknown" unknown "$(v 'd["revocation"]')"
check_match "...saying why" 'names no http:// OCSP responder or CRL' \
    "$(v 'd["findings"]')"
check_eq "...and valid all the same" valid "$(v 'd["signature"]')"

# --- not checked ----------------------------------------------------------------
home off '[security]\nrevocation = off\n'
n0=$(requests)
insp off "$T/rv-revoked.eml"
check_eq "revocation = off: not-checked" not-checked "$(v 'd["revocation"]')"
check_eq "...and nothing is asked" "$n0" "$(requests)"
printf 'From: %s\r\nSubject: plain\r\n\r\nunsigned\r\n' "$LAB_BOB" > "$T/plain"
insp ocsp "$T/plain"
check_eq "unsigned mail: not-checked" not-checked "$(v 'd["revocation"]')"
printf 'Content-Type: text/plain\r\n\r\nfrom alice\r\n' |
    openssl cms -sign -signer "$LAB_SMIME_DIR/alice.pem" \
	-inkey "$LAB_SMIME_DIR/alice.key" -md sha256 -from "$LAB_ALICE" \
	-to "$LAB_BOB" -subject alice > "$T/alice.eml"
insp ocsp "$T/alice.eml"
check_eq "a certificate naming no responder and no CRL: valid" valid \
    "$(v 'd["signature"]')"
check_eq "...and not-checked" not-checked "$(v 'd["revocation"]')"

# --- responders that fail -------------------------------------------------------
# cert NAME OCSP-URL CRL-URL: a certificate of the lab CA for NAME, in $T/c.
mkdir -p "$T/c" "$T/srv"
cert() {
	sh "$TOP/tests/lab/revoke-cert.sh" "$LAB_CA" "$LAB_CA_KEY" "$T/c/$1" \
	    "$1@example.test" "$2" "$3"
}
P=$LAB_PORT_BASE
U=http://127.0.0.1
cert rv-down "$U:$((P + 881))/ocsp" -
cert rv-closed "$U:$((P + 884))/ocsp" -
cert rv-stale "$U:$((P + 882))/ocsp" -
cert rv-stalecrl - "$U:$((P + 883))/stale.crl"
cert rv-wrong "$U:$((P + 885))/ocsp" -
cert rv-replay "$U:$((P + 886))/ocsp" -
cert rv-other "$U:$((P + 888))/ocsp" -
cert rv-forgedcrl - "$U:$((P + 883))/forged.crl"
cert rv-hugecrl - "$U:$((P + 883))/huge.crl"
cert rv-partcrl - "$U:$((P + 883))/part.crl"
cert rv-idpcrl - "$U:$((P + 883))/idp.crl"
cp "$LAB_CA" "$T/srv/ca.pem"
cp "$R/ocsp.pem" "$R/ocsp.key" "$T/srv/"
cat "$R/index.txt" > "$T/srv/index.txt"
for c in rv-stale rv-stalecrl rv-wrong rv-replay; do
	s=$(openssl x509 -noout -serial -in "$T/c/$c.pem" | cut -d= -f2)
	printf 'V\t361231000000Z\t\t%s\tunknown\t/CN=%s\n' "$s" "$c" \
	    >> "$T/srv/index.txt"
done
echo 'unique_subject = no' > "$T/srv/index.txt.attr"
echo 01 > "$T/srv/crlnumber"
printf '[ ca ]\ndefault_ca = rv\n[ rv ]\ndatabase = %s\ncrlnumber = %s\ndefault_md = sha256\n' \
    "$T/srv/index.txt" "$T/srv/crlnumber" > "$T/srv/ca.cnf"
# A CRL made 40 days ago for 30 days: its nextUpdate has passed.
faketime -f -40d openssl ca -gencrl -config "$T/srv/ca.cnf" -cert "$LAB_CA" \
    -keyfile "$LAB_CA_KEY" -crldays 30 -out "$T/srv/stale.pem" 2>/dev/null &&
    openssl crl -in "$T/srv/stale.pem" -outform DER -out "$T/srv/stale.crl"
check "a stale CRL was made" test -s "$T/srv/stale.crl"
# A CRL of an impostor CA of the same name, listing nothing: were it
# believed, a revoked certificate would pass for good.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "$(openssl x509 -noout -subject -nameopt compat -in "$LAB_CA" |
    sed 's/^subject=//')" -keyout "$T/srv/forged.key" -out "$T/srv/forged.pem" \
    -days 30 2>/dev/null
: > "$T/srv/empty.txt"
sed "s#database = .*#database = $T/srv/empty.txt#" "$T/srv/ca.cnf" \
    > "$T/srv/forged.cnf"
openssl ca -gencrl -config "$T/srv/forged.cnf" -cert "$T/srv/forged.pem" \
    -keyfile "$T/srv/forged.key" -crldays 30 -out "$T/srv/forged.crl.pem" \
    2>/dev/null &&
    openssl crl -in "$T/srv/forged.crl.pem" -outform DER \
	-out "$T/srv/forged.crl"
check "a CRL of an impostor of the CA's name was made" test -s \
    "$T/srv/forged.crl"
# idpcrl NAME INDEX URL: a CRL of the lab CA's for the certificates of
# INDEX, whose issuing distribution point is URL (one partition of the
# CA's CRLs), in $T/srv/NAME.crl.
idpcrl() {
	printf '[ ca ]\ndefault_ca = rv\n[ rv ]\ndatabase = %s\ncrlnumber = %s\ndefault_md = sha256\ncrl_extensions = ext\n[ ext ]\nissuingDistributionPoint = critical, @idp\n[ idp ]\nfullname = URI:%s\n' \
	    "$2" "$T/srv/crlnumber" "$3" > "$T/srv/$1.cnf"
	openssl ca -gencrl -config "$T/srv/$1.cnf" -cert "$LAB_CA" \
	    -keyfile "$LAB_CA_KEY" -crldays 30 -out "$T/srv/$1.pem" \
	    2>/dev/null &&
	    openssl crl -in "$T/srv/$1.pem" -outform DER -out "$T/srv/$1.crl"
}
# At the certificate's distribution point, the CRL of another partition
# of the CA's, genuine and current, which does not list it: were it
# believed, a certificate it does not speak of would read as good.
: > "$T/srv/part.txt"
idpcrl part "$T/srv/part.txt" "$U:$((P + 883))/other.crl"
check "a CRL of another distribution point was made" test -s \
    "$T/srv/part.crl"
# The CRL of the certificate's own distribution point, naming it so, and
# listing it revoked.
s=$(openssl x509 -noout -serial -in "$T/c/rv-idpcrl.pem" | cut -d= -f2)
printf 'R\t361231000000Z\t%sZ\t%s\tunknown\t/CN=rv-idpcrl\n' \
    "$(date -u +%y%m%d%H%M%S)" "$s" > "$T/srv/idp.txt"
idpcrl idp "$T/srv/idp.txt" "$U:$((P + 883))/idp.crl"
check "a CRL of the certificate's own distribution point was made" test -s \
    "$T/srv/idp.crl"
# A "CRL" of 17 MiB, over what sealmail reads.
head -c $((17 * 1024 * 1024)) /dev/zero > "$T/srv/huge.crl"
revoke_serve $((P + 881)) --silent
revoke_serve $((P + 882)) --faketime=-2d
revoke_serve $((P + 883))
# The wrong key: rv-good's, a certificate of the issuer's that is no
# OCSP responder's.
revoke_serve $((P + 885)) --rsigner "$R/rv-good.pem" --rkey "$R/rv-good.key"
revoke_serve $((P + 886)) --replay
revoke_serve $((P + 888)) --about "$R/rv-good.pem"
for c in rv-down rv-closed rv-stale rv-stalecrl rv-wrong rv-replay rv-other \
    rv-forgedcrl rv-hugecrl rv-partcrl rv-idpcrl; do
	signed "$T/c" "$c"
done

home fail '[security]\ntimeout = 2\n'
t0=$(date +%s%N)
insp fail "$T/rv-down.eml"
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "a responder that does not answer: unknown" unknown \
    "$(v 'd["revocation"]')"
check_eq "...the verdict is kept" valid "$(v 'd["signature"]')"
check_match "...with a finding" 'revocation status is unknown.*no answer within 2 s' \
    "$(v 'd["findings"]')"
# The finding says the timeout ended the wait; the bound, far above it,
# only says the wait was not begun again and again (a loaded machine may
# take a second or more over the timeout itself).
if [ "$ms" -lt 10000 ]; then ok "...the wait ends, once: $ms ms"
else notok "...the wait ends, once: $ms ms"; fi
insp fail "$T/rv-closed.eml"
check_eq "a responder that refuses connections: unknown" unknown \
    "$(v 'd["revocation"]')"
check_match "...said so" 'cannot connect' "$(v 'd["findings"]')"
insp fail "$T/rv-stale.eml"
check_eq "an OCSP answer past its nextUpdate: unknown" unknown \
    "$(v 'd["revocation"]')"
check_match "...because it is stale" 'stale' "$(v 'd["findings"]')"
check_eq "...the verdict is kept" valid "$(v 'd["signature"]')"
insp fail "$T/rv-stalecrl.eml"
check_eq "a CRL past its nextUpdate: unknown" unknown "$(v 'd["revocation"]')"
check_match "...because it is stale" 'CRL: it is stale' "$(v 'd["findings"]')"
insp fail "$T/rv-forgedcrl.eml"
check_eq "a CRL signed by an impostor of the issuer's name: unknown" \
    unknown "$(v 'd["revocation"]')"
check_match "...said so" 'CRL: the CRL is not signed by the issuer' \
    "$(v 'd["findings"]')"
insp fail "$T/rv-partcrl.eml"
check_eq "a CRL of another distribution point than the certificate's: unknown" \
    unknown "$(v 'd["revocation"]')"
check_match "...said so" \
    'CRL: the CRL is of a distribution point the certificate does not name' \
    "$(v 'd["findings"]')"
check_eq "...the verdict is kept" valid "$(v 'd["signature"]')"
insp fail "$T/rv-idpcrl.eml"
check_eq "a CRL of the certificate's own distribution point is read: revoked" \
    revoked "$(v 'd["revocation"]')"
check_eq "...and the signature untrusted" untrusted "$(v 'd["signature"]')"
insp fail "$T/rv-hugecrl.eml"
check_eq "a CRL larger than sealmail reads: unknown" unknown \
    "$(v 'd["revocation"]')"
check_match "...said so" 'CRL: .*larger than' "$(v 'd["findings"]')"
check_eq "...the verdict is kept" valid "$(v 'd["signature"]')"
insp fail "$T/rv-wrong.eml"
check_eq "an OCSP answer signed by a key not designated: unknown" unknown \
    "$(v 'd["revocation"]')"
check_match "...said so" 'not signed by the issuer or a responder it designated' \
    "$(v 'd["findings"]')"
check_eq "...after the responder was asked once" 1 \
    "$(grep -c 'POST /ocsp' "$T/srv-$((P + 885)).log")"
insp fail "$T/rv-stale.eml"
check_eq "an unknown answer is not kept: asked again next time" 2 \
    "$(grep -c 'POST /ocsp' "$T/srv-$((P + 882)).log")"
insp fail "$T/rv-other.eml"
check_eq "a good answer about another certificate: unknown" unknown \
    "$(v 'd["revocation"]')"
check_match "...said so" 'does not speak of the certificate' \
    "$(v 'd["findings"]')"
check_eq "...the verdict is kept" valid "$(v 'd["signature"]')"
insp fail "$T/rv-replay.eml"
check_eq "a fresh answer with our nonce: good" good "$(v 'd["revocation"]')"
home replay
insp replay "$T/rv-replay.eml"
check_eq "the same answer replayed to another request: unknown" unknown \
    "$(v 'd["revocation"]')"
check_match "...because its nonce is another request's" 'nonce' \
    "$(v 'd["findings"]')"

# --- keys lookup ----------------------------------------------------------------
home keys "[dns]\nresolver = $LAB_DNS_RESOLVER\ntrust-anchor = $LAB_TA\n"
K() { "$SEALMAIL" --home "$T/keys" --passphrase-file "$T/pw" "$@"; }
check "a revoked certificate is imported" K keys import "$R/rv-revoked.pem"
check "a good one too" K keys import "$R/rv-good.pem"
K keys lookup --json rv-revoked@example.test > "$T/out.json" 2>"$T/err"
check_eq "keys lookup: a revoked certificate is not usable" false \
    "$(v 'd["certificates"][0]["usable"]')"
check_eq "...its revocation is revoked" revoked \
    "$(v 'd["certificates"][0]["revocation"]')"
check_match "...and says why" 'revoked' "$(v 'd["certificates"][0]["why"]')"
K keys lookup --json rv-good@example.test > "$T/out.json" 2>"$T/err"
check_eq "keys lookup: a good one is usable" true \
    "$(v 'd["certificates"][0]["usable"]')"
check_eq "...and good" good "$(v 'd["certificates"][0]["revocation"]')"
K keys list > "$T/list.txt" 2>"$T/err"
check_match "keys list: the answers kept, the revoked one" \
    "CN=rv-revoked@example.test.*
.*
 +revocation REVOKED since [0-9T:-]+Z \(OCSP, checked [0-9T:-]+Z\)" \
    "$(cat "$T/list.txt")"
check_match "...and the good one" "CN=rv-good@example.test.*
.*
 +revocation good \(OCSP, checked [0-9T:-]+Z\)" "$(cat "$T/list.txt")"
check "a certificate naming no responder is imported" K keys import \
    "$LAB_SMIME_DIR/alice.pem"
K keys list --json > "$T/out.json" 2>"$T/err"
check_eq "keys list --json: revocation, null where nothing is kept" \
    "None good revoked" \
    "$(v '" ".join(str(c.get("revocation")) for c in sorted(d, key=lambda c: c["email"][0] if c["email"] else "") if c["kind"] != "anchor")')"

# --- one lookup per certificate in a sync ---------------------------------------
alice_folder "Rv$$"
trap 'rm -rf "$FD"; for p in $revoke_pids; do kill "$p" 2>/dev/null; done' EXIT
i=0
for m in rv-good rv-good rv-good rv-revoked; do
	i=$((i + 1))
	f="$FD/cur/$(date +%s).M${i}P$$.lab:2,"
	tr -d '\r' < "$T/$m.eml" > "$f" && chown --reference="$MD" "$f"
done
alice_config "$T/sync" password
chmod 700 "$T/sync"
S() { "$SEALMAIL" --home "$T/sync" --passphrase-file "$T/pw" "$@"; }
S keys trust "$LAB_CA" >/dev/null
n0=$(requests)
check "alice syncs four signed messages" S sync --folder "Rv$$"
check_eq "...asking once per certificate" 2 $(($(requests) - n0))
S list --json --folder "Rv$$" > "$T/list.json" 2>"$T/err"
check_eq "three valid, one untrusted" "untrusted valid valid valid" \
    "$(json "$T/list.json" '" ".join(sorted(m["signature"] for m in d))')"
id=$(json "$T/list.json" '[m["id"] for m in d if m["signature"] == "untrusted"][0]')
S show --json "$id" > "$T/out.json" 2>"$T/err"
check_eq "show keeps the revocation of the stored verdict" revoked \
    "$(v 'd["revocation"]')"
rm -rf "$FD"
t_done
