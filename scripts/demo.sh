#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: build fan.ko (and the emulated IPoIB driver) for one kernel
# and fanctl, boot that kernel under qemu and walk through the fan there
# (scripts/demo-guest.sh): three hosts on an IPoIB underlay, containers on
# each, pings, TCP, and fanctl down.  Exits non-zero if any step fails.
#
# Environment: KVER (kernel to boot; default: the newest with headers
# and an image in /boot), FAN_DEMO_TIMEOUT (seconds, default 600).

set -eu -o pipefail
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

cd "$(dirname "$0")/.."
top=$PWD
log_dir=$top/build/demo
mkdir -p "$log_dir"

if [ -z "${KVER:-}" ]; then
	KVER=
	for k in $(find /lib/modules -mindepth 1 -maxdepth 1 -printf "%f\n" 2>/dev/null | sort -V); do
		[ -e "/lib/modules/$k/build/Makefile" ] && [ -e "/boot/vmlinuz-$k" ] && KVER=$k
	done
	if [ -z "$KVER" ]; then
		echo "demo: no kernel with both headers and /boot/vmlinuz (make deps)" >&2
		exit 1
	fi
fi
[ -e "/lib/modules/$KVER/build/Makefile" ] || { echo "demo: no headers for $KVER" >&2; exit 1; }

secs() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }

t=$(date +%s.%N)
echo "==> building fan.ko for $KVER and fanctl (log: ${log_dir#"$top"/}/build.log)"
if ! make modules fanctl KVERS="$KVER" > "$log_dir/build.log" 2>&1; then
	tail -n 40 "$log_dir/build.log" >&2
	echo "demo: FAILED: the build failed (log: $log_dir/build.log)" >&2
	exit 1
fi
echo "==> built in $(secs "$t")s"

echo "==> booting Linux $KVER under qemu (TCG, no KVM needed: slow but anywhere)"
t=$(date +%s.%N)
rc=0
selftests/vm/run-vm.sh -k "$KVER" --timeout "${FAN_DEMO_TIMEOUT:-600}" \
	--dmesg "$log_dir/dmesg-$KVER.log" -- scripts/demo-guest.sh < /dev/null || rc=$?
echo
case $rc in
0) echo "==> demo passed on $KVER ($(secs "$t")s in the VM)" ;;
3) echo "demo: FAILED: kernel splat on $KVER (log: $log_dir/dmesg-$KVER.log)" >&2 ;;
*) echo "demo: FAILED on $KVER (exit $rc; kernel log: $log_dir/dmesg-$KVER.log)" >&2 ;;
esac
exit "$rc"
