#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The RDMA test (rdma_fan.sh) on one kernel: two VMs on one wire
# (selftests/vm/run-vm-pair.sh), each a fan host with soft-RoCE.  Prints
# KTAP; exit 0 pass, 1 fail, 4 skip, or run-vm.sh's 3 (kernel splat),
# 124 (timeout), 125 (no result).
#   selftests/rdma/run.sh [-k KVER] [--dmesg FILE] [--timeout SEC]
# Runs from the top of the tree (the VMs share it).  Needs make modules
# fanctl and scripts/install-deps.sh (rdma-core, perftest, rdmacm-utils).

set -u
cd "$(dirname "$0")/../.." || exit 2
exec selftests/vm/run-vm-pair.sh -m 1024 --timeout 900 "$@" -- selftests/rdma/rdma_fan.sh
