#!/bin/sh
# tests/run.sh: the whole test suite, as CI runs it (README: "Run the tests").
# 1. a normal build (-Dwerror=true) and every meson test suite;
# 2. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
#    with leak detection on: any report fails the run;
# 3. the fuzz smoke run, when the compiler can build the fuzz targets.
set -eu
cd "$(dirname "$0")/.."

stage() { printf '\n==> %s\n' "$*"; }
log=$(mktemp)
out=$(mktemp)
trap 'rm -f "$log" "$out"' EXIT
# Runs a test command, shows its output and keeps meson's summary to add
# up both builds at the end; its exit status is the command's.
count() {
	rc=0
	"$@" >"$out" 2>&1 || rc=$?
	cat "$out"
	cat "$out" >>"$log"
	return "$rc"
}

stage "build (gcc, -Werror)"
[ -f build/build.ninja ] || meson setup build -Dwerror=true >/dev/null
ninja -C build
stage "tests"
count meson test -C build --print-errorlogs

stage "build with ASan + UBSan"
[ -f build-asan/build.ninja ] || meson setup build-asan -Dwerror=true \
	-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C build-asan
stage "tests under ASan + UBSan (leak detection on)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
count meson test -C build-asan --print-errorlogs

if [ -x fuzz/smoke.sh ]; then
	stage "fuzz smoke run"
	fuzz/smoke.sh
fi
stage "all test stages passed"
awk '/^Ok:/ { ok += $2 } /^(Fail|Unexpected Pass|Timeout):/ { bad += $NF }
    END { printf "tests: %d passed, %d failed\n", ok, bad }' "$log"
