#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot two test VMs on one wire and run the same command in both: each
# VM's init namespace is one host with its own kernel (what network
# namespaces of one VM cannot give, e.g. soft-RoCE, whose UDP socket and
# routes live in init_net only).  The wire is run-vm.sh's --peer-nic:
# eth0 in both guests, Ethernet frames over a unix socket on this
# machine.  See usage().

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage()
{
	cat <<USAGE
usage: $0 [run-vm.sh options] -- COMMAND [ARGS...]
Runs COMMAND in two VMs (run-vm.sh, with the same options) whose eth0
are on one Ethernet segment.  In each, FAN_PEER_ROLE is a or b and
FAN_PEER_DIR a directory under the current one that both share (the two
commands meet there: files one writes, the other waits for).  When a
VM's run ends, the runner creates FAN_PEER_DIR/ROLE.exited, so the
other need not wait for it in vain.
The output is VM a's, then VM b's as "# [b] " lines.  --dmesg FILE saves
a's kernel log to FILE and b's to FILE.b.
exit: a's exit code (run-vm.sh's: 3 splat, 124 timeout, 125 no result),
      else b's if it is not 0 (b's splat is 3); 2 usage/setup error
USAGE
	exit 2
}

err() { echo "run-vm-pair: $*" >&2; exit 2; }

opts=()
dmesg_out=
while [ $# -gt 0 ]; do
	case "$1" in
	--) shift; break ;;
	-h|--help) usage ;;
	--dmesg)
		[ -n "${2:-}" ] || err "--dmesg needs a value"
		dmesg_out=$2
		shift 2 ;;
	--peer-nic) err "--peer-nic is the pair's own" ;;
	-v) opts+=("$1"); shift ;;
	-*)
		[ $# -ge 2 ] || err "$1 needs a value"
		opts+=("$1" "$2")
		shift 2 ;;
	*) usage ;;
	esac
done
[ $# -gt 0 ] || usage

cwd=$(pwd -P)
sync=$(mktemp -d "$cwd/.fan-vm-pair.XXXXXX") || err "mktemp in $cwd"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fan-vm-pair.XXXXXX") || err "mktemp"
pa=
pb=
# shellcheck disable=SC2317 # called from the trap
cleanup()
{
	[ -z "$pa" ] || kill "$pa" 2>/dev/null
	[ -z "$pb" ] || kill "$pb" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$sync" "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The runners are our children, so a TERM for us (a timeout) reaches
# them (cleanup), and their traps stop their qemu.
"$here/run-vm.sh" "${opts[@]}" ${dmesg_out:+--dmesg "$dmesg_out"} \
	--peer-nic "listen:$tmp/wire" \
	-e FAN_PEER_ROLE=a -e FAN_PEER_DIR="$sync" -- "$@" &
pa=$!
# qemu listens before it boots the guest.
for _ in $(seq 300); do
	[ ! -S "$tmp/wire" ] || break
	kill -0 "$pa" 2>/dev/null || break
	sleep 0.1
done
"$here/run-vm.sh" "${opts[@]}" ${dmesg_out:+--dmesg "$dmesg_out.b"} \
	--peer-nic "connect:$tmp/wire" \
	-e FAN_PEER_ROLE=b -e FAN_PEER_DIR="$sync" -- "$@" > "$tmp/b.out" 2>&1 &
pb=$!
# Whichever ends first, the other learns it from ROLE.exited.
rca=125
rcb=125
while [ -n "$pa$pb" ]; do
	# shellcheck disable=SC2086 # the PIDs still running
	wait -n -p ended $pa $pb
	rc=$?
	if [ "$ended" = "$pa" ]; then
		rca=$rc pa=
		: > "$sync/a.exited"
	elif [ "$ended" = "$pb" ]; then
		rcb=$rc pb=
		: > "$sync/b.exited"
	fi
done

sed 's/^/# [b] /' "$tmp/b.out"
if [ "$rca" = 0 ] && [ "$rcb" != 0 ]; then
	echo "run-vm-pair: VM b exited $rcb" >&2
	exit "$rcb"
fi
exit "$rca"
