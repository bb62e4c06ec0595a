#!/bin/sh
# tests/lab/stop.sh DIR: stops every process tests/lab/start.sh started in
# DIR, by PID: those it recorded (PID and start time, so a reused PID is left
# alone), those named by the daemons' own PID files or carrying DIR's mark
# in their environment (a start cut short), and every descendant of these.
# SIGTERM first, SIGKILL for what is left after 10 s. Safe to run twice, or
# on a directory where nothing runs. Removes DIR/lab.env; keeps the rest.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/dnszone.sh"

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: sh tests/lab/stop.sh DIR" >&2
	exit 2
fi
[ -d "$1" ] || exit 0
DIR=$(cd "$1" && pwd) || exit 1
t0=$(date +%s%N)

# owned PID: true when PID runs and names DIR in its command line or its
# environment (or, for a master in a mount namespace, the path DIR had
# there: run/view).
V=$DIR
[ -s "$DIR/run/view" ] && V=$(cat "$DIR/run/view")
owned() {
	case $1 in ''|*[!0-9]*) return 1 ;; esac
	dz_running "$1" || return 1
	cat "/proc/$1/cmdline" "/proc/$1/environ" 2>/dev/null | tr '\0' '\n' |
	    grep -qF -e "$DIR/" -e "$V/" -e "SEALMAIL_LAB_OWNER=$DIR"
}

roots=
if [ -f "$DIR/run/pids" ]; then
	while read -r name pid start; do
		[ -n "$start" ] && [ "$(dz_pid_start "$pid")" = "$start" ] &&
		    dz_running "$pid" && roots="$roots $pid"
	done < "$DIR/run/pids"
fi
if [ -f "$DIR/nsd/nsd.pid" ]; then
	read -r pid start < "$DIR/nsd/nsd.pid"
	[ "$(dz_pid_start "$pid")" = "$start" ] && dz_running "$pid" &&
	    roots="$roots $pid"
fi
for f in "$DIR/dovecot/run/master.pid" "$DIR/postfix/queue/pid/master.pid"; do
	[ -f "$f" ] || continue
	pid=$(tr -dc 0-9 < "$f")
	owned "$pid" && roots="$roots $pid"
done
for f in $(grep -lzFx -e "SEALMAIL_LAB_OWNER=$DIR" \
    -e "SEALMAIL_LAB_OWNER=$DIR/nsd" /proc/[0-9]*/environ 2>/dev/null); do
	pid=${f#/proc/}
	pid=${pid%/environ}
	[ "$pid" != $$ ] && dz_running "$pid" && roots="$roots $pid"
done

# The roots and all their descendants, found before any of them exits (an
# orphan's parent becomes init, and it could no longer be told apart).
all=$(cat /proc/[0-9]*/stat 2>/dev/null | awk -v roots="$roots" '
	{
		pid = $1
		s = $0
		sub(/^.*\) /, "", s)
		split(s, f, " ")
		parent[pid] = f[2]
	}
	END {
		n = split(roots, r, " ")
		for (i = 1; i <= n; i++)
			if (r[i] in parent)
				want[r[i]] = 1
		more = 1
		while (more) {
			more = 0
			for (p in parent)
				if (!(p in want) && (parent[p] in want)) {
					want[p] = 1
					more = 1
				}
		}
		for (p in want)
			print p
	}' | sort -un)

if [ -n "$all" ]; then
	for pid in $(printf '%s\n' $roots | sort -un); do
		kill -TERM "$pid" 2>/dev/null
	done
	i=0
	while :; do
		left=
		for pid in $all; do
			dz_running "$pid" && left="$left $pid"
		done
		[ -z "$left" ] && break
		i=$((i + 1))
		if [ $i -eq 200 ]; then
			echo "lab: killing what did not stop:$left" >&2
			for pid in $left; do
				kill -KILL "$pid" 2>/dev/null
			done
		fi
		[ $i -lt 260 ] || break
		sleep 0.05
	done
fi
rm -f "$DIR/run/pids" "$DIR/nsd/nsd.pid" "$DIR/lab.env"
n=$(printf '%s\n' $all | grep -c .)
echo "lab: stopped $n processes in $((($(date +%s%N) - t0) / 1000000)) ms"
[ -z "${left:-}" ]
