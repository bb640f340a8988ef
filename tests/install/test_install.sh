#!/bin/sh
# test_install.sh: "meson install --destdir" puts every piece in place, and
# examples/estimate.c builds against the installed tree through pkg-config.
# SPDX-License-Identifier: MIT
#
# usage: test_install.sh BUILDDIR SRCDIR PREFIX BINDIR LIBDIR INCLUDEDIR
#            DATADIR MANDIR SANITIZE
# CC names the C compiler (default cc).  Prints TAP.

set -u
build=$1 src=$2 prefix=$3 bindir=$4 libdir=$5 incdir=$6 datadir=$7
mandir=$8 sanitize=${9:-none}
. "$(dirname "$0")/../tap.sh"
# Relative meson directories are relative to the prefix.
under() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$prefix/$1" ;;
	esac
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/memplan-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
D=$tmp/root
if out=$(meson install -C "$build" --no-rebuild --destdir "$D" 2>&1); then
	ok "meson install --destdir"
else
	notok "meson install --destdir" "$out"
	echo "1..$n"
	exit 1
fi

B=$D$(under "$bindir") L=$D$(under "$libdir") I=$D$(under "$incdir")
S=$D$(under "$datadir") M=$D$(under "$mandir")
for f in "$B/memplan" "$L/libmemplan.so" "$L/libmemplan.a" \
    "$I/memplan.h" "$L/pkgconfig/memplan.pc" \
    "$S/memplan/models/qwen2.5-7b-instruct.json" \
    "$S/memplan/hardware/rtx-4090.yaml" \
    "$S/memplan/schema/memplan-1.schema.json" \
    "$S/bash-completion/completions/memplan" \
    "$S/zsh/site-functions/_memplan"; do
	if [ -s "$f" ]; then
		ok "installed ${f#"$D"}"
	else
		notok "installed ${f#"$D"}" "missing or empty: $f"
	fi
done
# Man pages: each one the source tree has.
for p in "$src"/man/*.[1-9]; do
	[ -e "$p" ] || continue
	s=${p##*.}
	if [ -s "$M/man$s/${p##*/}" ]; then
		ok "installed man page ${p##*/}"
	else
		notok "installed man page ${p##*/}" "missing: $M/man$s/${p##*/}"
	fi
done
# The library's soname link and the .pc must not point into the build.
if grep -q "$build" "$L/pkgconfig/memplan.pc"; then
	notok "memplan.pc is free of build paths" "$(cat "$L/pkgconfig/memplan.pc")"
else
	ok "memplan.pc is free of build paths"
fi

# The library's interface: libmemplan.so exports exactly the functions
# the installed memplan.h declares (src/internal.h's helpers stay
# hidden), so an internal that leaks and an API function that is missing
# both fail here.  The declared names come from the preprocessed header
# (comments gone): every mp_ name followed by "(" is a function.
if command -v nm >/dev/null 2>&1; then
	${CC:-cc} -E -P -x c "$I/memplan.h" |
	    grep -oE '(^|[^A-Za-z0-9_])mp_[a-z0-9_]+[[:space:]]*\(' |
	    sed 's/^[^m]*//; s/[[:space:](]//g' | sort -u >"$tmp/declared"
	nm -D --defined-only "$L/libmemplan.so" |
	    awk '$2 ~ /^[TDRBVWi]$/ { print $3 }' | sort -u >"$tmp/exported"
	ndecl=$(wc -l <"$tmp/declared")
	leaked=$(comm -13 "$tmp/declared" "$tmp/exported")
	missing=$(comm -23 "$tmp/declared" "$tmp/exported")
	if [ "$ndecl" -lt 50 ]; then
		notok "memplan.h declares the API" \
		    "only $ndecl functions found in $I/memplan.h"
	else
		ok "memplan.h declares $ndecl functions"
	fi
	if [ -z "$leaked" ]; then
		ok "libmemplan.so exports nothing memplan.h does not declare"
	else
		notok "libmemplan.so exports nothing memplan.h does not declare" \
		    "exported but not in memplan.h: $(echo $leaked)"
	fi
	if [ -z "$missing" ]; then
		ok "libmemplan.so exports every function memplan.h declares"
	else
		notok "libmemplan.so exports every function memplan.h declares" \
		    "declared but not exported: $(echo $missing)"
	fi
else
	notok "nm is installed (binutils)" "nm: not found"
fi

# The installed binary runs on the installed data.
export MEMPLAN_DATADIR="$S/memplan"
if out=$(LD_LIBRARY_PATH=$L "$B/memplan" estimate qwen2.5-7b-instruct \
    --format json 2>&1) && printf '%s' "$out" | grep -q '"kv_per_token": 57344'; then
	ok "installed memplan estimates on installed data"
else
	notok "installed memplan estimates on installed data" "$out"
fi

# examples/estimate.c through pkg-config, shared and static.
export PKG_CONFIG_PATH="$L/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D"
CC=${CC:-cc}
extra=
[ "$sanitize" != none ] && [ -n "$sanitize" ] && extra="-fsanitize=$sanitize"
want='qwen2.5-7b-instruct: KV cache 56.00 MiB per 1k tokens (58720256 bytes, bf16)'
if ! flags=$(pkg-config --cflags --libs memplan 2>&1); then
	notok "pkg-config --cflags --libs memplan" "$flags"
else
	ok "pkg-config --cflags --libs memplan: $flags"
	# shellcheck disable=SC2086
	if out=$($CC -std=c11 -Wall -Wextra -Werror $extra \
	    "$src/examples/estimate.c" $flags -o "$tmp/estimate" 2>&1); then
		ok "examples/estimate.c builds against libmemplan.so"
	else
		notok "examples/estimate.c builds against libmemplan.so" "$out"
	fi
	out=$(LD_LIBRARY_PATH=$L "$tmp/estimate" qwen2.5-7b-instruct 2>&1)
	if [ "$out" = "$want" ]; then
		ok "the example prints the KV cache per 1k tokens"
	else
		notok "the example prints the KV cache per 1k tokens" \
		    "expected: $want
got:      $out"
	fi
	# It really used the installed shared library.
	if command -v ldd >/dev/null 2>&1; then
		if LD_LIBRARY_PATH=$L ldd "$tmp/estimate" | grep -q "$L/libmemplan.so"; then
			ok "the example links the installed libmemplan.so"
		else
			notok "the example links the installed libmemplan.so" \
			    "$(LD_LIBRARY_PATH=$L ldd "$tmp/estimate")"
		fi
	fi
	# Static: the .a plus pkg-config --static for its dependencies.
	libs=$(pkg-config --static --libs memplan | sed 's/-lmemplan//')
	# shellcheck disable=SC2086
	if out=$($CC -std=c11 $extra $(pkg-config --cflags memplan) \
	    "$src/examples/estimate.c" "$L/libmemplan.a" $libs \
	    -o "$tmp/estimate-static" 2>&1) &&
	    out=$("$tmp/estimate-static" qwen2.5-7b-instruct 2>&1) &&
	    [ "$out" = "$want" ]; then
		ok "examples/estimate.c builds and runs against libmemplan.a"
	else
		notok "examples/estimate.c builds and runs against libmemplan.a" "$out"
	fi
	# Errors come back as values: the library itself prints nothing.
	out=$(LD_LIBRARY_PATH=$L "$tmp/estimate" /nonexistent/config.json 2>&1)
	if [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
	    printf '%s' "$out" | grep -q '^memplan: /nonexistent'; then
		ok "a bad model is one error line, printed by the caller"
	else
		notok "a bad model is one error line, printed by the caller" "$out"
	fi
fi
tap_end
