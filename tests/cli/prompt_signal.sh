# A passphrase asked on the terminal turns its echo off; a ^C, a hangup
# or a kill while it is asked must give the terminal its echo back before
# the program ends of that signal, whatever the shell (dash does not put
# the echo back itself). Driven through tmux, with sh as the shell.
. "$TOP/tests/lib.sh"
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
TM="tmux -L sealmail-prompt-$$"
trap '$TM kill-server 2>/dev/null' EXIT
# echo_state: "echo" or "-echo", as stty says of the shell's terminal.
echo_state() {
	rm -f "$T/stty"
	$TM send-keys -t ui "stty -a | tr ' ' '\\n' | grep -x -- '-\\?echo' \
>'$T/stty'" Enter
	_i=0
	while [ $_i -lt 50 ] && [ ! -s "$T/stty" ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	cat "$T/stty"
}
n=0
for sig in INT TERM HUP QUIT; do
	n=$((n + 1))
	mkdir -p "$T/h$n" && chmod 700 "$T/h$n"
	tm_new_session -d -s ui -x 100 -y 20 "exec sh"
	sleep 0.3
	$TM send-keys -t ui "'$SEALMAIL' --home '$T/h$n' keys list" Enter
	check "$sig: the passphrase is asked" ui_wait_for \
	    'New passphrase for the sealmail store:'
	pid=$(pgrep -n -f -- "--home $T/h$n keys list")
	if [ "$sig" = INT ]; then
		$TM send-keys -t ui C-c
	else
		kill -"$sig" "$pid"
	fi
	i=0
	while [ $i -lt 50 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.1; i=$((i + 1))
	done
	check "$sig: the program ends" test $i -lt 50
	check_eq "$sig: the terminal has its echo back" echo "$(echo_state)"
	check_nomatch "$sig: no store was made of nothing typed" 'store\.db' \
	    "$(ls "$T/h$n")"
	$TM kill-server 2>/dev/null
	sleep 0.2
done
t_done
