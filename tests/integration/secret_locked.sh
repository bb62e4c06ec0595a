# A locked Secret Service collection is detected as locked (libsecret
# would read it as "nothing stored" and sealmail would make a new key):
# sealmail says so in one line and falls back to the passphrase. Runs its
# own session bus and gnome-keyring so that the lab's stays unlocked.
. "$TOP/tests/lib.sh"
SEC="$T/sec"
mkdir -p "$SEC/home" "$SEC/run" && chmod 700 "$SEC" "$SEC/home" "$SEC/run"
cat > "$SEC/bus.conf" <<EOC
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$SEC/run/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOC
BUS="unix:path=$SEC/run/bus"
dbus-daemon --config-file="$SEC/bus.conf" --nofork --nopidfile </dev/null \
    >/dev/null 2>"$SEC/dbus.err" &
bpid=$!
kpid=
trap '[ -n "$kpid" ] && kill "$kpid" 2>/dev/null; kill "$bpid" 2>/dev/null' EXIT
senv() {
	env -u DISPLAY -u WAYLAND_DISPLAY -u GNOME_KEYRING_CONTROL \
	    -u XDG_DATA_HOME HOME="$SEC/home" XDG_RUNTIME_DIR="$SEC/run" \
	    DBUS_SESSION_BUS_ADDRESS="$BUS" "$@"
}
call() { senv timeout 5 dbus-send --session --print-reply --reply-timeout=2000 "$@" 2>/dev/null; }
i=0
until call --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.GetId >/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { notok "the private bus came up"; t_done; }
	sleep 0.02
done
printf %s locked-test | senv timeout 10 gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
i=0
until call --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q 'boolean true'; do
	i=$((i + 1)); [ $i -lt 250 ] || { notok "the private keyring came up"; t_done; }
	sleep 0.02
done
kpid=$(call --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets |
    awk '/uint32/ { print $2 }')
check_match "a private keyring runs" '^[0-9]+$' "$kpid"

# Unlocked first: the store key goes into it. None is kept for the session
# (store-key-cache = 0): this store must ask the Secret Service each time.
mkdir -p "$T/h1"
printf '[security]\nstore-key-cache = 0\n' > "$T/h1/config"
senv "$SEALMAIL" --home "$T/h1" keys list >/dev/null 2>"$T/err"; rc=$?
check_eq "with the collection unlocked the store is made (0)" 0 "$rc"
check_eq "without a word about passphrases" "" "$(cat "$T/err")"

col=$(call --dest=org.freedesktop.secrets /org/freedesktop/secrets \
    org.freedesktop.Secret.Service.ReadAlias string:default | awk -F'"' '/object path/ { print $2 }')
call --dest=org.freedesktop.secrets /org/freedesktop/secrets \
    org.freedesktop.Secret.Service.Lock array:objpath:"$col" >/dev/null
locked=$(call --dest=org.freedesktop.secrets "$col" org.freedesktop.DBus.Properties.Get \
    string:org.freedesktop.Secret.Collection string:Locked | awk '/boolean/ { print $3 }')
check_eq "the default collection is now locked" true "$locked"

secret "$T/pw" 'a passphrase'
senv "$SEALMAIL" --home "$T/h2" --passphrase-file "$T/pw" keys list >/dev/null 2>"$T/err"; rc=$?
check_eq "locked: a fresh store falls back to the passphrase (0)" 0 "$rc"
check_match "and says the collection is locked" '^sealmail: .*default collection is locked; using a passphrase' "$(head -1 "$T/err")"
check "the store is keyed by the passphrase" test -s "$T/h2/store.kdf"

senv "$SEALMAIL" --home "$T/h1" --passphrase-file "$T/pw" keys list >/dev/null 2>"$T/err"; rc=$?
check_eq "locked: the store keyed in the Secret Service does not open (1)" 1 "$rc"
check_match "the notice says locked, not 'no key stored'" 'locked' "$(head -1 "$T/err")"
check_nomatch "no new key was made for it" 'holds no key' "$(cat "$T/err")"
t_done
