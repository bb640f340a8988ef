#!/bin/sh
# check_man.sh MEMPLAN MANDIR [MANDOC]: the manual documents every command
# and option that "memplan --help" lists, and mandoc -Tlint finds no
# warning in any page.
# SPDX-License-Identifier: MIT
set -u
memplan=$1 mandir=$2 mandoc=${3:-}
page=$mandir/memplan.1
status=0
help=$("$memplan" --help) || { echo "memplan --help failed" >&2; exit 1; }
# Long options: "--name" anywhere in the help; short ones: "-x,".
for opt in $(printf '%s\n' "$help" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	name=${opt#--}
	if ! grep -q "Fl -$name\\b" "$page"; then
		echo "memplan.1 does not document $opt" >&2
		status=1
	fi
done
for opt in $(printf '%s\n' "$help" | grep -o -- ' -[a-zA-Z],' | tr -d ' ,' |
    sort -u); do
	if ! grep -q "Fl ${opt#-}\\b" "$page"; then
		echo "memplan.1 does not document $opt" >&2
		status=1
	fi
done
# Commands: the first word after "memplan" on each usage line.
for cmd in $(printf '%s\n' "$help" | sed -n 's/^  memplan \([a-z][a-z]*\).*/\1/p' |
    sort -u); do
	if ! grep -q "^\\.Cm $cmd\$" "$page"; then
		echo "memplan.1 has no synopsis line for '$cmd'" >&2
		status=1
	fi
done
if [ -n "$mandoc" ]; then
	for f in "$mandir"/*.[1-9]; do
		"$mandoc" -Tlint -Wwarning "$f" || status=1
	done
fi
[ "$status" -eq 0 ] && echo ok
exit "$status"
