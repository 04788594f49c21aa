#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kmemleak-check.sh COMMAND [ARGS...]: in the test VM, run COMMAND, then
# fail if kmemleak reports a leak (the debug kernel, make check-debug):
#   selftests/vm/run-vm.sh ... -- selftests/vm/kmemleak-check.sh \
#       selftests/run_tests.sh fan_basic.sh
# kmemleak reports an object once it is older than 5 s and was found
# unreferenced, and unchanged since the previous scan: so two scans, the
# second at least 6 s after COMMAND ended.  Nothing is filtered: a leak
# from boot would be reported too (none seen so far).  Without kmemleak
# (distribution kernels) COMMAND just runs.
# Exit: COMMAND's exit code if it failed, else 1 if kmemleak reported a
# leak, else 0.  The report stays in /sys/kernel/debug/kmemleak, so the VM
# runner's own check (guest-init.sh) sees it too and exits 3.

set -u
kml=/sys/kernel/debug/kmemleak

if [ $# -eq 0 ]; then
	echo "usage: $0 COMMAND [ARGS...]" >&2
	exit 2
fi
if [ ! -w "$kml" ]; then
	exec "$@"
fi

"$@"
rc=$?

t0=$(date +%s)
echo scan > "$kml"
# A scan takes seconds under TCG; sleep only what is left of the 6 s.
left=$((t0 + 6 - $(date +%s)))
[ "$left" -le 0 ] || sleep "$left"
echo scan > "$kml"
report=$(cat "$kml")
if [ -n "$report" ]; then
	echo "# kmemleak: $(grep -c '^unreferenced object' <<< "$report") leak(s) after the command:"
	# shellcheck disable=SC2001 # every line
	sed 's/^/# kmemleak: /' <<< "$report"
	[ "$rc" -ne 0 ] || rc=1
else
	echo "# kmemleak: no leaks ($(( $(date +%s) - t0 ))s to check)"
fi
exit "$rc"
