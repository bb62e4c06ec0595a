# A verdict kept by an earlier sealmail, before the verdict had members
# for header protection and revocation: show --json says what it lacks
# was not checked (header_protection none, revocation not-checked), takes
# To, Cc and Date from the store, keeps the stored signature, and puts
# first among the findings one that says what was not checked. A verdict
# that has every member gains nothing. (The terminal program's pager shows
# the same finding as a warning: tests/unit/test_app_shown.c.)
. "$TOP/tests/lib.sh"
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
H=$T/home
mkdir -p "$H" && chmod 700 "$H"
secret "$T/pw" 'store pass phrase'
sm() { "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" "$@"; }
check "a store made" sm keys trust "$TOP/tests/data/smime/ca.pem"
first=$("$TOOLS/app_storeold" "$H" "$T/pw" first)
check_match "a first-generation verdict stored" '^[0-9]+$' "$first"
hp=$("$TOOLS/app_storeold" "$H" "$T/pw" hp)
check_match "one from before revocation stored" '^[0-9]+$' "$hp"

sm show --json "$first" > "$T/first.json" 2>"$T/err"
check "show --json reads it" test -s "$T/first.json"
v() { json "$T/$1.json" "$2"; }
# once NAME: "ok" when $T/NAME.json is one object with each member once.
once() {
	python3 -c '
import json, sys
def once(pairs):
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), keys
    return dict(pairs)
json.load(open(sys.argv[1]), object_pairs_hook=once)
print("ok")' "$T/$1.json" 2>&1
}
check_eq "...its JSON is one object with each member once" ok "$(once first)"
check_eq "header_protection: none (the header shown is the outer one)" \
    none "$(v first 'd["header_protection"]')"
check_eq "revocation: not-checked, never good" not-checked \
    "$(v first 'd["revocation"]')"
check_eq "the stored signature is kept" valid "$(v first 'd["signature"]')"
check_eq "To from the store" "bob@example.test carol@example.test" \
    "$(v first '" ".join(d["to"])')"
check_eq "Cc from the store" "dave@example.test" "$(v first '" ".join(d["cc"])')"
check_eq "Date from the store" 2023-11-14T22:13:20Z "$(v first 'd["date"]')"
check_eq "the first finding says what was not checked" \
    "this verdict was kept by an earlier sealmail, which did not check revocation or header protection" \
    "$(v first 'd["findings"][0]')"
check_eq "...and it is the only one" 1 "$(v first 'len(d["findings"])')"
check_eq "the text is the stored text" "Written before the verdict grew." \
    "$(v first 'd["text"].strip()')"

sm show --json "$hp" > "$T/hp.json" 2>"$T/err"
check_eq "before revocation: revocation not-checked" not-checked \
    "$(v hp 'd["revocation"]')"
check_eq "...header protection as it was recorded" signed \
    "$(v hp 'd["header_protection"]')"
check_eq "...the findings: what was not checked, then the kept one" \
    "this verdict was kept by an earlier sealmail, which did not check revocation|the Sender field names an address other than the signer's" \
    "$(v hp '"|".join(d["findings"])')"
check_eq "...To as it was recorded" bob@example.test \
    "$(v hp '" ".join(d["to"])')"
check_eq "...each member once" ok "$(once hp)"

now=$("$TOOLS/app_storeold" "$H" "$T/pw" now)
sm show --json "$now" > "$T/now.json" 2>"$T/err"
check_nomatch "a verdict of today says nothing of an earlier sealmail" \
    'earlier sealmail' "$(cat "$T/now.json")"
check_eq "...and keeps its revocation" good "$(v now 'd["revocation"]')"
t_done
