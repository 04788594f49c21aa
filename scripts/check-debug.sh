#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-debug: the selftests on the debug kernel (KASAN, kmemleak,
# lockdep, ...; scripts/debug-kernel.sh), which must be built, with fan.ko
# and ipoib_emu.ko built against it into build/modules/<kver>/ (the
# Makefile's check-debug target does both).  One VM runs
#   selftests/run_tests.sh TEST...
# and fails on a failed test, a kernel splat or a kmemleak report (the
# scan after the last test, in run_tests.sh).  Prints
# the boot time and each test's runtime at the end.
#
# usage: scripts/check-debug.sh [TEST...|all]   (default: the Makefile's
# DEBUG_TESTS; all: every selftest)
# Environment: FAN_UNDERLAY (default ib), FAN_DEBUG_VM_TIMEOUT (default
# 7200 s), FAN_DEBUG_VM_MEM (MB, default 2048), FAN_TEST_TIMEOUT (per test,
# see run_tests.sh); FAN_DEBUG_CACHE as for debug-kernel.sh.
# Output: build/check-debug/{ktap.log,dmesg.log}.

set -u
cd "$(dirname "$0")/.." || exit 2
top=$PWD
out=$top/build/check-debug
mkdir -p "$out"

if [ "$*" = all ]; then
	read -ra tests < <(make -s -C selftests list | tr '\n' ' ')
elif [ $# -gt 0 ]; then
	tests=("$@")
else
	read -ra tests < <(make -s print-debug-tests)
fi
export FAN_UNDERLAY=${FAN_UNDERLAY:-ib}
# One VM alone on the machine: multi-threaded TCG runs the debug kernel
# 1.3x faster than single-threaded (run-vm's default, for VMs that share
# the cores).
export FAN_VM_ACCEL=${FAN_VM_ACCEL:-tcg}

if ! envf=$(scripts/debug-kernel.sh --env-file); then
	echo "check-debug: the debug kernel is not built (make debug-kernel)" >&2
	exit 2
fi
# shellcheck source=/dev/null
. "$envf"
for m in fan ipoib_emu; do
	ko=$top/build/modules/$KVER/$m.ko
	if [ ! -r "$ko" ]; then
		echo "check-debug: no $ko (make check-debug builds it)" >&2
		exit 2
	fi
done

log=$out/ktap.log
echo "check-debug: kernel $KVER, underlay $FAN_UNDERLAY, tests: ${tests[*]}"
start=$(date +%s)
selftests/vm/run-vm.sh -k "$KVER" --kernel-image "$KIMG" --moddir "$KMODDIR" \
	-m "${FAN_DEBUG_VM_MEM:-2048}" --timeout "${FAN_DEBUG_VM_TIMEOUT:-7200}" \
	--dmesg "$out/dmesg.log" -- \
	selftests/run_tests.sh "${tests[@]}" \
	< /dev/null 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

echo
echo "== check-debug summary ($KVER, underlay $FAN_UNDERLAY, exit $rc, $(( $(date +%s) - start ))s)"
grep -E '^run-vm: .*boot to command' "$log"
# run_tests.sh: "# fan_basic.sh: exit 0 after 12.345s"
grep -E '^# [^ ]+\.sh: exit [0-9]+ after ' "$log" | sed 's/^# /  /'
grep -E '^(not )?ok [0-9]+ ' "$log"
grep -E '^# kmemleak: ' "$log" | head -n 40
grep -E '^run-vm: (KERNEL SPLAT|TIMEOUT|FAILED)' "$log"
exit "$rc"
