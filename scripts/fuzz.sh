#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/fuzz.sh [SECONDS [HARNESS...]]: build the libFuzzer harnesses of
# fanctl's parsers (tools/fanctl/fuzz: prefixes and tokens, the map math,
# command and config lines, the config reader) and run each for SECONDS
# (default 300) from its seed corpus.  Prints each harness's executions and
# verdict; exits 1 if one crashed, leaked, hit undefined behaviour or broke
# an invariant (the input is kept in build/fuzz/HARNESS/ with the command
# that replays it).  The corpus each run grows is kept there too, so the
# next run starts from it.  make check runs 30 s each, make fuzz 300 s.

set -u
cd "$(dirname "$0")/.." || exit 2
top=$PWD
secs=${1:-300}
shift $(($# > 0 ? 1 : 0))
dir=tools/fanctl/fuzz
out=$top/build/fuzz

case $secs in
''|*[!0-9]*) echo "usage: $0 [SECONDS [HARNESS...]]" >&2; exit 2 ;;
esac

mkdir -p "$out"
if ! nice make -s -C "$dir" > "$out/build.log" 2>&1; then
	cat "$out/build.log"
	echo "fuzz: cannot build the harnesses (clang and libclang-rt-14-dev installed?)"
	exit 1
fi
if [ $# -gt 0 ]; then
	harnesses=("$@")
else
	read -ra harnesses < <(make -s -C "$dir" list)
fi

# Longest input each harness takes (larger ones it ignores).
max_len()
{
	case $1 in
	fuzz_prefix) echo 256 ;;
	fuzz_map) echo 64 ;;
	fuzz_spec) echo 1100 ;;
	*) echo 4096 ;;
	esac
}

failed=0
for h in "${harnesses[@]}"; do
	work=$out/$h
	mkdir -p "$work/corpus"
	log=$work/log
	# Not -jobs: one process, so leaks and invariants fail this run.
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	nice "$dir/$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$(max_len "$h")" -print_final_stats=1 \
		-artifact_prefix="$work/" "$work/corpus" "$dir/corpus/${h#fuzz_}" \
		> "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	corpus=$(find "$work/corpus" -type f | wc -l)
	if [ "$rc" -eq 0 ]; then
		echo "fuzz: $h: ok: ${execs:-0} inputs in ${secs}s, corpus $corpus"
		continue
	fi
	failed=$((failed + 1))
	echo "fuzz: $h: FAILED (exit $rc) after ${execs:-?} inputs; log $log"
	grep -E 'invariant failed|ERROR: |SUMMARY: |runtime error' "$log" | head -5 | sed 's/^/fuzz:   /'
	sed -n "s/.*Test unit written to \(.*\)$/\1/p" "$log" | while read -r a; do
		echo "fuzz:   input $a; replay: $dir/$h $a"
	done
done
echo "fuzz: ${#harnesses[@]} harnesses, $failed failed"
[ "$failed" -eq 0 ]
