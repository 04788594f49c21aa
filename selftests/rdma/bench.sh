#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-rdma: do containers on the fan get their host's RDMA
# performance?  ib_write_bw over soft-RoCE host to host and container to
# container (the exchange over the fan), iperf3 over the fan and over the
# underlay, interleaved rounds in one run of two VMs (rdma_fan.sh with
# FAN_RDMA_BENCH=1), medians and their ratios.  Writes
# build/bench/rdma.txt.
# Environment: KVER (default: the newest kernel with headers),
# BENCH_SECS (5) per case and round, BENCH_REPS (5) rounds.

set -u
cd "$(dirname "$0")/../.." || exit 2
if [ -z "${KVER:-}" ]; then
	for k in $(find /lib/modules -mindepth 1 -maxdepth 1 -printf "%f\n" | sort -V); do
		[ -e "/lib/modules/$k/build/Makefile" ] && KVER=$k
	done
fi
mkdir -p build/bench
out=build/bench/rdma.txt
echo "==> make bench-rdma on $KVER, commit $(git rev-parse --short HEAD 2>/dev/null), $(date -u +%Y-%m-%dT%H:%M:%SZ)" | tee "$out"
selftests/vm/run-vm-pair.sh -k "$KVER" -m 1024 --timeout 1800 \
	-e FAN_RDMA_BENCH=1 -e BENCH_SECS="${BENCH_SECS:-5}" -e BENCH_REPS="${BENCH_REPS:-5}" \
	-- selftests/rdma/rdma_fan.sh | tee -a "$out"
rc=${PIPESTATUS[0]}
echo "==> $out" >&2
exit "$rc"
