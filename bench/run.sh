#!/bin/sh
# bench/run.sh [RUNS]: how fast memplan answers, as a markdown table.
# Not run by the tests.  Builds a release tree in $BENCH_BUILD
# (build-bench), then measures the median process wall time and peak RSS
# of each command over RUNS runs (200; plan and check use RUNS/10), next
# to /bin/true (process start alone) and cat of the config (reading the
# input alone), cached remote lookups next to the bundled name, and the
# in-process estimates per second of libmemplan.
set -eu
cd "$(dirname "$0")/.."
runs=${1:-200}
slow=$((runs / 10 > 5 ? runs / 10 : 5))
build=${BENCH_BUILD:-build-bench}
CC=${CC:-cc}

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" --buildtype=release -Dtests=disabled >/dev/null
fi
ninja -C "$build" memplan >/dev/null
work=$build/bench
mkdir -p "$work"
$CC -O2 -o "$work/spawn" bench/spawn.c
$CC -O2 -I src -I "$build" -o "$work/inproc" bench/inproc.c \
	"$build/libmemplan.a" $(pkg-config --libs libcjson yaml-0.1) -lcurl -lm

MEMPLAN_DATADIR=$(pwd)/data
export MEMPLAN_DATADIR
mp=$(pwd)/$build/memplan
model=llama-3.1-8b-instruct
cfg=data/models/$model.json
hw=rtx-4090

# The biggest bundled model, by parameters.
big= bigp=0
for f in data/models/*.json; do
	n=$(basename "$f" .json)
	p=$("$mp" estimate "$n" --format json 2>/dev/null |
	    sed -n 's/.*"params": *\([0-9]*\).*/\1/p' | head -1)
	if [ -n "$p" ] && [ "$p" -gt "$bigp" ]; then big=$n bigp=$p; fi
done

# A plan with 1000 checks over a few models, modes and budgets.
plan=$work/plan-1000.yaml
{
	echo "model: $model"
	echo "hardware: $hw"
	echo "checks:"
	i=0
	while [ $i -lt 1000 ]; do
		case $((i % 5)) in
		0) echo "  - {name: c$i, mode: infer, seq: $((1024 + i)), max_memory: 24 GiB}" ;;
		1) echo "  - {name: c$i, mode: qlora, rank: 16, seq: 2048, grad_ckpt: true, max_memory: 16 GiB}" ;;
		2) echo "  - {name: c$i, model: qwen2.5-7b-instruct, weights: nf4, batch: 4}" ;;
		3) echo "  - {name: c$i, mode: lora, rank: 8, seq: 1024, max_memory: 40 GiB}" ;;
		4) echo "  - {name: c$i, model: llama-3.2-1b-instruct, runtime: llamacpp, weights: q4_k_m, max_memory: 8 GiB}" ;;
		esac
		i=$((i + 1))
	done
} >"$plan"

measure() {	# measure LABEL N COMMAND...: prints LABEL median mean rss
	label=$1 n=$2
	shift 2
	printf '%s %s\n' "$label" "$("$work/spawn" "$n" "$@")"
}
# Remote models from memplan's cache (tests/remote's loopback Hub fills
# it once): pinned to a commit or --offline, no request; a branch online,
# one revalidation request to loopback.
hub_log=$work/hub.txt
python3 tests/remote/test_remote.py --serve >"$hub_log" 2>/dev/null &
hub_pid=$!
trap 'kill $hub_pid 2>/dev/null || true' EXIT INT TERM
i=0
while [ ! -s "$hub_log" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
HF_ENDPOINT=$(head -1 "$hub_log")
if [ -z "$HF_ENDPOINT" ]; then
	echo "bench: the loopback Hub did not start" >&2
	exit 1
fi
MEMPLAN_OLLAMA_REGISTRY=$HF_ENDPOINT
XDG_CACHE_HOME=$(pwd)/$work/cache
NO_PROXY='*'
export HF_ENDPOINT MEMPLAN_OLLAMA_REGISTRY XDG_CACHE_HOME NO_PROXY
rm -rf "$XDG_CACHE_HOME"
for id in Qwen/Qwen3-32B@main bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M \
    ollama:qwen2.5:7b; do
	"$mp" estimate "$id" >/dev/null
done
res=$work/results.txt
{
	measure true "$runs" /bin/true
	measure cat "$runs" /bin/cat "$cfg"
	measure "estimate $model" "$runs" "$mp" estimate "$model"
	measure "estimate $model --format json" "$runs" "$mp" estimate "$model" --format json
	measure "estimate qwen3-32b (bundled)" "$runs" "$mp" estimate qwen3-32b
	measure "estimate Qwen/Qwen3-32B@main --offline (cached, 17 shards)" \
	    "$runs" "$mp" estimate Qwen/Qwen3-32B@main --offline
	measure "estimate Qwen/Qwen3-32B@main (cached, 1 revalidation request)" \
	    "$runs" "$mp" estimate Qwen/Qwen3-32B@main
	measure "estimate bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M --offline (cached)" \
	    "$runs" "$mp" estimate bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M --offline
	measure "estimate ollama:qwen2.5:7b --offline (cached)" "$runs" \
	    "$mp" estimate ollama:qwen2.5:7b --offline
	for f in text markdown json; do
		measure "plan $big --hardware 8x-h100-80gb --format $f" "$slow" \
		    "$mp" plan "$big" --hardware 8x-h100-80gb --format "$f"
	done
	measure "plan $model --hardware $hw" "$slow" "$mp" plan "$model" \
	    --hardware "$hw"
	measure "fit $model --hardware $hw --solve seq" "$runs" \
	    "$mp" fit "$model" --hardware "$hw" --solve seq
	measure "check (1000 checks)" "$slow" "$mp" check "$plan"
} >"$res"
inproc=$("$work/inproc" "$cfg" 2)

true_us=$(awk '$1 == "true" { print $2 }' "$res")
cat_us=$(awk '$1 == "cat" { print $2 }' "$res")
echo "Machine: $(nproc) CPU, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(uname -sr); runs: $runs (plan, check: $slow)"
echo
echo "| command | median wall | vs /bin/true | vs cat config | peak RSS | target |"
echo "|---|---:|---:|---:|---:|---|"
awk -v t="$true_us" -v c="$cat_us" '
{
	rss = $NF; mean = $(NF-1); med = $(NF-2)
	label = $1; for (i = 2; i <= NF - 3; i++) label = label " " $i
	target = "-"
	if (label ~ /^estimate/) target = (med <= 4 * t ? "<= 4x true: met" : "<= 4x true: MISSED")
	if (label ~ /^plan/) target = (med <= 10 * t ? "<= 10x true: met" : "<= 10x true: MISSED")
	if (label != "true" && label != "cat")
		target = target ", RSS " (rss < 8192 ? "< 8 MB: met" : "< 8 MB: MISSED")
	printf "| `%s` | %.2f ms | %.1fx | %.1fx | %.1f MiB | %s |\n", \
	    (label == "true" ? "/bin/true" : label == "cat" ? "cat config.json" : "memplan " label), \
	    med / 1000, med / t, med / c, rss / 1024, target
}' "$res"
echo "$inproc" | awk '
$1 == "estimate" { printf "| in-process `mp_estimate()` (%s, infer) | %.2f us | | | | %s/s, >= 1M/s: %s |\n", "'"$model"'", 1e6 / $2, $2, ($2 >= 1000000 ? "met" : "MISSED") }
$1 == "parse+estimate+report" { printf "| in-process parse + estimate + report | %.2f us | | | | %s/s |\n", 1e6 / $2, $2 }
$1 == "speed" { printf "| in-process `mp_speed_estimate()` (llama.cpp q4_k_m, rtx-4090) | %.2f us | | | | %s/s |\n", 1e6 / $2, $2 }'
echo
echo "Biggest bundled model: $big ($bigp parameters)."
