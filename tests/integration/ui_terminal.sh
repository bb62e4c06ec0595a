#!/bin/sh
# The terminal itself, driven through tmux against the lab: a terminal
# that cannot hold the screen (TERM=dumb, a type not known, none named)
# is refused at once with the reason, before the store is opened, and
# nothing is left behind.
. "$TOP/tests/lib.sh"
ui_lab uiterm "uiterm$$"
cd "$T" || exit 1
lab_home "$T/alice" "ui terminal passphrase"
alice_config "$H" password
check "the store is made" S keys import "$LAB_SMIME_DIR/alice.p12" \
    --passphrase-file "$T/p12pw"
wait_for() { ui_wait_for "$1" "${2:-150}"; }

# 1. Terminals the screen cannot be drawn on.
for term in dumb no-such-terminal ''; do
	case $term in
	dumb)	why='"dumb" \(TERM\) cannot move its cursor' ;;
	'')	why='TERM is not set' ;;
	*)	why='"no-such-terminal" \(TERM\) is not known here' ;;
	esac
	ui_restart "$H" 100x30 "TERM='$term'"
	check "TERM=$term: refused, exit 2" wait_for '^EXITED 2$'
	check "TERM=$term: it says why" wait_for "$why"
	check "TERM=$term: and what to run it in" wait_for 'xterm, tmux or'
	check_nomatch "TERM=$term: nothing leaked or went wrong" \
	    'Sanitizer|runtime error|Error opening' "$(ui_screen)"
done
t_done
