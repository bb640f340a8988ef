#!/bin/sh
# test_completion.sh: the generated bash and zsh completions complete what
# the CLI accepts.  Prints TAP.
# SPDX-License-Identifier: MIT
#
# usage: test_completion.sh BASH_SCRIPT ZSH_SCRIPT
# The bash script is sourced in bash and its function called the way
# readline calls it (COMP_WORDS, COMP_CWORD); the zsh one runs under zsh
# with _arguments and friends replaced by stubs that record their specs.

set -u
. "$(dirname "$0")/../tap.sh"
bscript=$1 zscript=$2
# The completion runs in a scratch directory: make the paths absolute.
case $bscript in /*) ;; *) bscript=$PWD/$bscript ;; esac
case $zscript in /*) ;; *) zscript=$PWD/$zscript ;; esac
tmp=$(mktemp -d "${TMPDIR:-/tmp}/memplan-compl.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
: > "$tmp/plan.yaml"
: > "$tmp/notes.txt"

# complete WORD... : what bash completes for the last word (the line is
# the words; the last one is being completed), sorted, one a line.
complete_words() {
	(cd "$tmp" && bash --norc --noprofile -c '
		. "$0" || exit 3
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		_memplan memplan "${COMP_WORDS[COMP_CWORD]}" \
		    "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' "$bscript" "$@")
}

# expect "LINE" "EXPECTED (space-separated, sorted)" WORD...
expect() {
	name=$1 want=$2
	shift 2
	got=$(complete_words "$@" | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$want" ]; then
		ok "bash: $name"
	else
		notok "bash: $name" "expected: $want
got:      $got"
	fi
}
# has "LINE" WORD-THAT-MUST-APPEAR WORD-THAT-MUST-NOT ("" for none) WORD...
has() {
	name=$1 yes=$2 no=$3
	shift 3
	got=$(complete_words "$@")
	if printf '%s\n' "$got" | grep -qx -- "$yes" &&
	    { [ -z "$no" ] || ! printf '%s\n' "$got" | grep -qx -- "$no"; }; then
		ok "bash: $name"
	else
		notok "bash: $name" "want $yes${no:+, not $no}; got: $(echo $got)"
	fi
}

if bash -n "$bscript" 2>"$tmp/err"; then
	ok "bash: the script parses"
else
	notok "bash: the script parses" "$(cat "$tmp/err")"
fi
expect "memplan est<TAB>" "estimate" memplan est
for c in estimate plan check fit sweep models hardware --version; do
	has "memplan <TAB> offers $c" "$c" "" memplan ""
done
expect "memplan estimate --runtime <TAB>" "llamacpp ollama transformers vllm" \
    memplan estimate --runtime ""
expect "memplan estimate --runtime=<TAB>" "llamacpp ollama transformers vllm" \
    memplan estimate --runtime = ""
expect "memplan estimate --runtime=v<TAB>" "vllm" \
    memplan estimate --runtime = v
expect "memplan estimate --weights q4_k<TAB>" "q4_k_m q4_k_s" \
    memplan estimate --weights q4_k
expect "memplan fit m --solve <TAB>" "batch layers n-cpu-moe seq weights" \
    memplan fit m --solve ""
has "memplan estimate qwen2.5-7b<TAB> offers the bundled model" \
    qwen2.5-7b-instruct "" memplan estimate qwen2.5-7b
has "memplan plan m --hardware rtx-40<TAB> offers bundled profiles" \
    rtx-4090 "" memplan plan qwen2.5-7b-instruct --hardware rtx-40
has "memplan plan m --hardware=rtx-40<TAB>" \
    rtx-4090 "" memplan plan qwen2.5-7b-instruct --hardware = rtx-40
has "memplan check <TAB> offers files" plan.yaml "" memplan check ""
has "memplan models --<TAB> offers only its own options" \
    --format --hardware memplan models --
has "memplan estimate --<TAB> offers scenario options" \
    --kv-dtype --solve memplan estimate --
has "memplan fit m --<TAB> offers --solve" --solve --over memplan fit m --
has "memplan sweep m --<TAB> offers --over" --over --solve memplan sweep m --
expect "memplan estimate m --seq 1k <TAB>: one model only" "" \
    memplan estimate qwen2.5-7b-instruct --seq 1k ""
expect "memplan estimate m --seq=1k <TAB>: one model only" "" \
    memplan estimate qwen2.5-7b-instruct --seq = 1k ""
has "memplan estimate --seq 1k qw<TAB>: the value is not the model" \
    qwen2.5-7b-instruct "" memplan estimate --seq 1k qw
expect "memplan estimate --batch <TAB>: numbers, nothing to offer" "" \
    memplan estimate --batch ""

# zsh: run the function with stubs for the completion system.
if command -v zsh >/dev/null 2>&1; then
	if zsh -n "$zscript" 2>"$tmp/err"; then
		ok "zsh: the script parses"
	else
		notok "zsh: the script parses" "$(cat "$tmp/err")"
	fi
	# zcomplete WORD...: the specs _arguments gets, one a line.
	zcomplete() {
		zsh -f -c '
			_arguments() { printf "%s\n" "$@"; }
			_describe() { printf "%s\n" "${(@P)${@[-1]}}"; }
			compadd() { shift; printf "%s\n" "$@"; }
			words=("$@[2,-1]")
			CURRENT=$#words
			source "$1"' "$zscript" "$zscript" "$@"
	}
	got=$(zcomplete memplan "")
	if printf '%s\n' "$got" | grep -q '^estimate:memory of every component' &&
	    printf '%s\n' "$got" | grep -qx -- --version; then
		ok "zsh: memplan <TAB> describes the commands"
	else
		notok "zsh: memplan <TAB> describes the commands" "$got"
	fi
	got=$(zcomplete memplan estimate --runtime "")
	if printf '%s\n' "$got" | grep -qx -- \
	    '--runtime=\[\]:runtime:(transformers vllm llamacpp ollama)' &&
	    printf '%s\n' "$got" | grep -qx -- '1:model:_memplan_model' &&
	    ! printf '%s\n' "$got" | grep -q -- '^--solve'; then
		ok "zsh: memplan estimate offers --runtime's choices and models"
	else
		notok "zsh: memplan estimate offers --runtime's choices and models" "$got"
	fi
	got=$(zcomplete memplan check "")
	if printf '%s\n' "$got" | grep -q '^1:plan file:_files' &&
	    ! printf '%s\n' "$got" | grep -q -- '^--mode'; then
		ok "zsh: memplan check takes a plan file, no scenario options"
	else
		notok "zsh: memplan check takes a plan file, no scenario options" "$got"
	fi
else
	echo "# zsh is not installed: zsh checks skipped"
fi
tap_end
