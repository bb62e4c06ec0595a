#!/bin/sh
# The compose screen lines up what it says of each recipient's certificate
# in one column, counted in cells as the terminal shows them: after an
# address in ASCII, one with letters of two bytes each (ü, ö) and one with
# ideographs two cells wide, the words begin at the same cell on every
# row, 35 (two spaces, 32 cells for the address, one space).
. "$TOP/tests/lib.sh"
ui_alice uirc "ui recipient columns passphrase"
TO='bob@example.test, jörg.müller@bücher.example.test, 李@中文.example.test'
cat > "$T/editor.sh" <<EOM
#!/bin/sh
sed -i 's/^To: *\$/To: $TO/; s/^Subject: *\$/Subject: columns $ID/' "\$1"
printf 'columns\n' >> "\$1"
EOM
chmod +x "$T/editor.sh"
# word_cells: for each recipient's row of the screen, the cell at which
# its certificate's words begin, one a line (East Asian wide: two cells).
word_cells() {
	ui_screen | python3 -c 'import re, sys, unicodedata as u
def w(s): return sum(2 if u.east_asian_width(c) in "WF" else 1 for c in s)
for l in sys.stdin:
    m = re.match(r"^(  \S+@\S+ +)\S", l)
    if m: print(w(m.group(1)))'
}
ui_start "$H" 100x30 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens" wait_for 'sealmail: INBOX'
ui_press "the compose screen" '^Send .*y:send' m
check "the ASCII address shows" wait_for '^  bob@example.test '
check "the one with two-byte letters" wait_for '^  jörg.müller@bücher.example.test '
check "the one with wide ideographs" wait_for '^  李@中文.example.test '
check_eq "each row's words begin at cell 35" "35
35
35" "$(word_cells)"
check "q discards" ui_discard
key Q
check "the program ends" wait_for 'EXITED 0'
t_done
