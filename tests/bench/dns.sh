#!/bin/sh
# tests/bench/dns.sh [BUILD_DIR]: what an SMIMEA lookup costs against the
# lab's signed zone. Uses the lab named by LAB_ENV, or starts one
# (LAB_PORT_BASE, default 30000) and stops it.
#
#   - net/dns alone (net_dnsq): the first validated answer of a new
#     context (the zone's DNSKEY and DS are fetched and checked too), and
#     the mean of 200 more in the same context (libunbound's cache);
#   - sealmail keys lookup, whole process: uncached (one DNS round trip
#     plus validation), then cached in the store, then cached with the
#     resolver gone, which proves that a cached lookup sends nothing.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
B=${1:-build/rel}
. "$TOP/tests/bench/lab.sh"
bench_work dnsbench
trap 'exit 130' INT TERM

if [ "$B" = build/rel ]; then
	make -s build/rel/tests/tools/net_dnsq build/rel/sealmail >/dev/null ||
	    { echo "dns bench: build failed" >&2; exit 1; }
fi
B=$(cd "$B" && pwd) || exit 1
LAB_PORT_BASE=${LAB_PORT_BASE:-30000}
export LAB_PORT_BASE
bench_lab || { cat "$W/lab.log"; exit 1; }
. "$TOP/tests/lab/dnszone.sh"
unset DBUS_SESSION_BUS_ADDRESS
(umask 077 && printf 'dns-bench\n' > "$W/pass")
export SEALMAIL_PASSPHRASE_FILE="$W/pass"

ms_now() { date +%s%N; }
ms_since() { echo $(( ($(ms_now) - $1) / 1000000 )); }
Q() { "$B/tests/tools/net_dnsq" -r "$LAB_DNS_RESOLVER" -a "$LAB_TA" "$@"; }
name=$(smimea_name "$LAB_BOB")

echo "== DNS: SMIMEA of $LAB_BOB from the lab's signed zone"
first=$(Q "$name" SMIMEA | awk '/^ms/ {print $2}')
status=$(Q "$name" SMIMEA | awk '/^status/ {print $2}')
mean=$(Q -n 200 "$name" SMIMEA | awk '/^ms/ {print $2}')
echo "  net/dns, new context, first answer ($status; DNSKEY+DS+SMIMEA): $first ms"
echo "  net/dns, same context, mean of 200 (libunbound cache):          $mean ms"

H=$W/home
mkdir -p "$H"
printf '[dns]\nresolver = %s\ntrust-anchor = %s\ntimeout = 5\n' \
    "$LAB_DNS_RESOLVER" "$LAB_TA" > "$H/config"
"$B/sealmail" --home "$H" keys list >/dev/null 2>&1	# creates the store
s=$(ms_now)
"$B/sealmail" --home "$H" keys lookup --json "$LAB_BOB" > "$W/1.json" 2>/dev/null
t1=$(ms_since "$s")
s=$(ms_now)
"$B/sealmail" --home "$H" keys lookup --json "$LAB_BOB" > "$W/2.json" 2>/dev/null
t2=$(ms_since "$s")
# The resolver moved to a port where nothing listens: only the cache can answer.
printf '[dns]\nresolver = 127.0.0.1@9\ntrust-anchor = %s\ntimeout = 5\n' \
    "$LAB_TA" > "$H/config"
s=$(ms_now)
"$B/sealmail" --home "$H" keys lookup --json "$LAB_BOB" > "$W/3.json" 2>/dev/null
rc=$?
t3=$(ms_since "$s")
s=$(ms_now)
"$B/sealmail" --home "$H" keys list > /dev/null 2>&1
t0=$(ms_since "$s")
src() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["dns"], d["certificates"][0]["source"] if d["certificates"] else "-")' "$1" 2>/dev/null; }
echo "  sealmail keys lookup, uncached ($(src "$W/1.json")):            $t1 ms"
echo "  sealmail keys lookup, cached ($(src "$W/2.json")):              $t2 ms"
echo "  sealmail keys lookup, cached, resolver gone (rc $rc, $(src "$W/3.json")): $t3 ms"
echo "  for scale, sealmail keys list (store open, no DNS):         $t0 ms"
