#!/bin/sh
# The lab's Secret Service: gnome-keyring on the lab's private session bus,
# its default collection unlocked; secret-tool stores and looks up a secret
# there, and nothing reaches the bus from outside the lab's address.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up (LAB_ENV)"; t_done; }

check_eq "DBUS_SESSION_BUS_ADDRESS is the lab's bus" "$LAB_DBUS_ADDRESS" \
    "$DBUS_SESSION_BUS_ADDRESS"
check_match "the bus lies inside LAB_DIR" "^unix:path=$LAB_DIR/" \
    "$LAB_DBUS_ADDRESS"
out=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
    string:org.freedesktop.secrets 2>&1)
check_match "org.freedesktop.secrets is owned on the lab's bus" \
    'boolean true' "$out"
out=$(dbus-send --session --print-reply --dest=org.freedesktop.secrets \
    /org/freedesktop/secrets/aliases/default \
    org.freedesktop.DBus.Properties.Get \
    string:org.freedesktop.Secret.Collection string:Locked 2>&1)
check_match "the default collection is unlocked" 'boolean false' "$out"

secret="lab secret $$ with spaces, 'quotes' and ünïcode"
printf %s "$secret" > "$T/secret"
check "secret-tool store into the default collection" sh -c \
    "secret-tool store --label='sealmail lab test' kind lab-test run $$ \
    < '$T/secret'"
got=$(secret-tool lookup kind lab-test run $$)
check_eq "secret-tool lookup returns it byte for byte" "$secret" "$got"
check_eq "an attribute that does not match finds nothing" "" \
    "$(secret-tool lookup kind lab-test run other-$$ 2>/dev/null)"
check_fails "the stored secret is not found without the lab's bus" \
    'Cannot autolaunch D-Bus' \
    env -u DBUS_SESSION_BUS_ADDRESS -u DISPLAY XDG_RUNTIME_DIR="$T" \
    secret-tool lookup kind lab-test run $$
check "secret-tool clear removes it" secret-tool clear kind lab-test run $$
out=$(secret-tool lookup kind lab-test run $$ 2>&1)
check_eq "... and lookup then finds nothing, silently (exit 1)" "1 ''" "$? '$out'"

check "the keyring file lives under the lab's private HOME" \
    test -s "$LAB_KEYRING_HOME/.local/share/keyrings/login.keyring"
t_done
