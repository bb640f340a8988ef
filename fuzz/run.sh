#!/bin/sh
# fuzz/run.sh [SECONDS]: runs every libFuzzer target for SECONDS (60)
# each, from a seed corpus of the bundled data and the bad-input suite.
# $FUZZ_TARGETS picks targets (default all eight: config hardware plan
# args gguf safetensors cli remote).  Builds in $FUZZ_BUILD (build-fuzz) with clang.
# Exits 0 without fuzzing when clang cannot build libFuzzer targets, and
# non-zero on any crash, leak, timeout (10 s) or sanitizer report; the
# input is kept in $FUZZ_BUILD/crashes/.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-60}
build=${FUZZ_BUILD:-build-fuzz}
targets=${FUZZ_TARGETS:-"config hardware plan args gguf safetensors cli remote"}

if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz: clang is not installed; the fuzz targets need it (skipped)"
	exit 0
fi
if [ ! -f "$build/build.ninja" ]; then
	mkdir -p "$build"
	if ! CC=clang meson setup "$build" -Dfuzz=true -Dtests=disabled \
	    >"$build/setup.log" 2>&1; then
		cat "$build/setup.log"
		echo "fuzz: meson setup failed" >&2
		exit 1
	fi
fi
if ! ninja -C "$build" -t targets all 2>/dev/null | grep -q '^fuzz/fuzz_config:'; then
	echo "fuzz: this compiler cannot link -fsanitize=fuzzer (libFuzzer); skipped"
	exit 0
fi
ninja -C "$build" $(for t in $targets; do printf 'fuzz/fuzz_%s ' "$t"; done) \
	>"$build/fuzz-build.log" 2>&1 || { cat "$build/fuzz-build.log"; exit 1; }

# Seeds: copied so that libFuzzer only writes inside the build directory.
seed() {
	dir=$build/corpus/$1
	shift
	mkdir -p "$dir"
	for f in "$@"; do
		[ -f "$f" ] && cp -f "$f" "$dir/seed-$(printf %s "$f" | tr / _)"
	done
	return 0
}
seed config fuzz/seeds/config/* data/models/*.json tests/bad/cfg-*.json \
	tests/fixtures/*.json
seed hardware data/hardware/*.yaml tests/bad/hw-*.yaml
seed plan fuzz/seeds/plan/* tests/bad/plan-*.yaml examples/*.yaml
seed args fuzz/seeds/args/*
seed cli fuzz/seeds/cli/*
seed gguf fuzz/seeds/gguf/* tests/bad/*.gguf
seed safetensors fuzz/seeds/safetensors/* tests/bad/st-*/*.safetensors \
	tests/bad/st-*/model.safetensors.index.json
seed remote fuzz/seeds/remote/*
mkdir -p "$build/crashes"

# The file-based targets write each input to a temporary file.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then TMPDIR=/dev/shm; export TMPDIR; fi
MEMPLAN_DATADIR=$(pwd)/data
export MEMPLAN_DATADIR

fail=0
printf '%-10s %12s %8s %s\n' target executions corpus result
for t in $targets; do
	case $t in
	config) dict=fuzz/config.dict ;;
	hardware|plan) dict=fuzz/yaml.dict ;;
	args) dict=fuzz/args.dict ;;
	cli) dict=fuzz/cli.dict ;;
	gguf) dict=fuzz/gguf.dict ;;
	safetensors) dict=fuzz/safetensors.dict ;;
	remote) dict=fuzz/remote.dict ;;
	esac
	log=$build/fuzz-$t.log
	if "$build/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=2048 -max_len=32768 -dict="$dict" \
	    -print_final_stats=1 -artifact_prefix="$build/crashes/$t-" \
	    "$build/corpus/$t" >"$log" 2>&1; then
		result=ok
	else
		result="CRASH (see $log)"
		fail=1
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	n=$(ls "$build/corpus/$t" | wc -l)
	printf '%-10s %12s %8s %s\n' "$t" "${execs:-?}" "$n" "$result"
	if [ "$result" != ok ]; then
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -20
	fi
done
exit $fail
