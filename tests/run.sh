#!/bin/sh
# tests/run.sh: the whole test suite, as CI runs it (README: "Run the tests").
# 1. a normal build (-Dwerror=true) and every meson test suite;
# 2. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
#    with leak detection on: any report fails the run;
# 3. the fuzz smoke run, when the compiler can build the fuzz targets.
set -eu
cd "$(dirname "$0")/.."

stage() { printf '\n==> %s\n' "$*"; }

stage "build (gcc, -Werror)"
[ -f build/build.ninja ] || meson setup build -Dwerror=true >/dev/null
ninja -C build
stage "tests"
meson test -C build --print-errorlogs

stage "build with ASan + UBSan"
[ -f build-asan/build.ninja ] || meson setup build-asan -Dwerror=true \
	-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C build-asan
stage "tests under ASan + UBSan (leak detection on)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1 \
LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	meson test -C build-asan --print-errorlogs

if [ -x fuzz/smoke.sh ]; then
	stage "fuzz smoke run"
	fuzz/smoke.sh
fi
stage "all test stages passed"
