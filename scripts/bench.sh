#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the fan against native, routed, ipip and VXLAN, in the test
# VM (selftests/bench/bench-guest.sh), then the report on the host:
# build/bench/results.md (tables, ratios to routed and to ipip in every
# row), build/bench/results.json and build/bench/chart.png.
# Documentation/benchmarks.rst explains the method.
#
# Environment:
#   KVER           kernel to boot (default: the newest with headers and image)
#   BENCH_QUICK=1  a smoke run: one MTU (2044), both cost models, every
#                  case, 2 repetitions, scale to 4096 hosts
#   BENCH_REPS, BENCH_SECS, BENCH_MTUS, BENCH_CASES, BENCH_COST_MODELS,
#   BENCH_SCALE, BENCH_SCALE_REPS   override the defaults (3, 1,
#                  "1500 2044 4092 65520", "native routed ipip vxlan fan
#                  fan-direct routed+ct fan+ct fan-direct+ct fan+notrack
#                  fan+ct+notrack",
#                  "wire-mtu whole-gso", "1 256 65000", = REPS);
#                  BENCH_SCALE= (set, empty) skips the scale phase
#   BENCH_TIMEOUT  seconds for the VM (default 3600)
#   BENCH_CLOCK    icount (default): qemu -icount, guest time counts guest
#                  instructions, so figures do not follow the host's load
#                  (the machine is shared); host: guest time is host time
#   BENCH_ICOUNT_SHIFT  guest ns per instruction = 2^SHIFT (default 2)

set -eu -o pipefail
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

cd "$(dirname "$0")/.."
top=$PWD
outdir=$top/build/bench
raw=$outdir/raw

if [ -z "${KVER:-}" ]; then
	for k in $(find /lib/modules -mindepth 1 -maxdepth 1 -printf "%f\n" 2>/dev/null | sort -V); do
		[ -e "/lib/modules/$k/build/Makefile" ] && [ -e "/boot/vmlinuz-$k" ] && KVER=$k
	done
	[ -n "${KVER:-}" ] || { echo "bench: no kernel with headers and /boot/vmlinuz (make deps)" >&2; exit 1; }
fi

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${BENCH_REPS:=2}" "${BENCH_SECS:=1}" "${BENCH_MTUS:=2044}"
	: "${BENCH_SCALE=1 256 4096}"
fi
: "${BENCH_REPS:=3}" "${BENCH_SECS:=1}" "${BENCH_MTUS:=1500 2044 4092 65520}"
: "${BENCH_CASES:=native routed ipip vxlan fan fan-direct routed+ct fan+ct fan-direct+ct fan+notrack fan+ct+notrack}"
: "${BENCH_COST_MODELS:=wire-mtu whole-gso}" "${BENCH_SCALE=1 256 65000}"
: "${BENCH_SCALE_REPS:=$BENCH_REPS}"

secs() { awk -v s="$1" -v e="$(date +%s)" 'BEGIN { printf "%d:%02d", (e - s) / 60, (e - s) % 60 }'; }

t0=$(date +%s)
mkdir -p "$outdir"
cmd="make bench"
[ "${BENCH_QUICK:-0}" = 1 ] && cmd="BENCH_QUICK=1 make bench"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- kernel include tools selftests/bench scripts/bench.sh 2>/dev/null ||
	commit="$commit+dirty"
echo "==> $cmd on $KVER, commit $commit, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "==> $BENCH_REPS x ${BENCH_SECS}s, MTUs $BENCH_MTUS, cost models $BENCH_COST_MODELS, cases $BENCH_CASES, scale $BENCH_SCALE"

echo "==> building fan.ko, ipoib_emu.ko, fanctl and fanbench (log: build/bench/build.log)"
if ! { make modules fanctl KVERS="$KVER" &&
       gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$outdir/fanbench" \
	       selftests/bench/fanbench.c; } > "$outdir/build.log" 2>&1; then
	tail -n 30 "$outdir/build.log" >&2
	echo "bench: FAILED: the build (log: $outdir/build.log)" >&2
	exit 1
fi

# With -icount, a busy guest CPU's clock counts its instructions (shift 2:
# 4 ns each), so a rate measured while busy is work per instruction,
# whatever else the host runs; idle time still passes in real time
# (sleep=on), so timeouts behave.  (Single-threaded
# TCG: the two vCPUs take turns.)
clock=${BENCH_CLOCK:-icount}
if [ "$clock" = icount ]; then
	if grep -q FAN_VM_QEMU_ARGS selftests/vm/run-vm.sh; then
		export FAN_VM_QEMU_ARGS="-icount shift=${BENCH_ICOUNT_SHIFT:-2},sleep=on"
	else
		echo "bench: run-vm.sh takes no FAN_VM_QEMU_ARGS: host clock" >&2
		clock=host
	fi
fi
echo "==> guest clock: $clock${FAN_VM_QEMU_ARGS:+ ($FAN_VM_QEMU_ARGS)}"
# The CPU the published figures had (README, Documentation/benchmarks.rst):
# with -icount a rate is work per instruction, and which instructions the
# kernel's memcpy and checksums use depends on the CPU's features.  (The
# test VMs use a plainer, faster CPU: selftests/vm/run-vm.sh.)
export FAN_VM_CPU=${FAN_VM_CPU:-max}
echo "==> guest CPU: $FAN_VM_CPU"

rm -rf "$raw"
echo "==> booting $KVER under qemu (TCG: absolute figures are meaningless, ratios are not)"
rc=0
selftests/vm/run-vm.sh -k "$KVER" --timeout "${BENCH_TIMEOUT:-3600}" \
	--dmesg "$outdir/dmesg.log" \
	-e "BENCH_REPS=$BENCH_REPS" -e "BENCH_SECS=$BENCH_SECS" \
	-e "BENCH_MTUS=$BENCH_MTUS" -e "BENCH_CASES=$BENCH_CASES" \
	-e "BENCH_COST_MODELS=$BENCH_COST_MODELS" \
	-e "BENCH_SCALE=$BENCH_SCALE" -e "BENCH_SCALE_REPS=$BENCH_SCALE_REPS" \
	-- selftests/bench/bench-guest.sh "$raw" < /dev/null || rc=$?
case $rc in
0) ;;
3) echo "bench: FAILED: kernel splat (log: $outdir/dmesg.log)" >&2; exit 3 ;;
*) echo "bench: FAILED: the VM run exited $rc (log: $outdir/dmesg.log)" >&2; exit "$rc" ;;
esac

{
	echo "command=$cmd"
	echo "commit=$commit"
	echo "host_cpus=$(nproc)"
	echo "host_cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "qemu=$(qemu-system-x86_64 --version | head -1)"
	echo "wall=$(secs "$t0")"
	echo "clock=$clock${FAN_VM_QEMU_ARGS:+ ($FAN_VM_QEMU_ARGS)}"
} >> "$raw/meta.txt"

python3 selftests/bench/report.py "$raw" "$outdir"
gnuplot "$outdir/chart.gp" > "$outdir/chart.png"
echo "==> $outdir/results.md, results.json, chart.png ($(secs "$t0") in all)"
cat "$outdir/results.md"
