#!/bin/sh
# tests/data/hp/mkseeds.sh: makes the seeds of the sealed fuzz target
# (tests/fuzz/sealed.c) from the header-protected entities here: a mode
# byte (1 sign, 2 encrypt, 3 both), the outer header, an empty line and
# the entity. Run from the top of the tree.
set -eu
D=tests/data/hp
S=tests/fuzz/sealed
mkdir -p "$S"
outer() {
	printf 'From: carol@example.test\r\nTo: bob@example.test\r\n'
	printf 'Subject: %s\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n' "$1"
	printf 'Message-ID: <outer@example.test>\r\nMIME-Version: 1.0\r\n\r\n'
}
seed() {	# name mode subject entity
	{ printf "\\$2"; outer "$3"; cat "$D/$4"; } > "$S/$1"
}
seed cipher-legacy 003 '[...]' cipher-legacy.eml
seed cipher-html 003 '[...]' cipher-html.eml
seed cipher-one 002 '[...]' cipher-one.eml
seed clear 001 'signed, in the clear' clear.eml
seed clear-swapped 001 'URGENT - wire 10k' clear.eml
seed injected 003 '[...]' injected.eml
seed wrapped 003 '[...]' wrapped.eml
