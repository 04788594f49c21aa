#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# netns-dockerd.sh CONTAINERD_CONFIG TIMEOUT DOCKERD [ARG...]: a Docker
# host in a network namespace, run as
#
#   ip netns exec HOST netns-dockerd.sh containerd.toml 120 dockerd ...
#
# "ip netns exec" gives us a private mount namespace with a fresh /sys for
# the network namespace, which hides cgroup2: mount it again.  Then start
# containerd with CONFIG (its own root, state and socket) and exec dockerd
# with --containerd on that socket.  Both stay in this mount namespace:
# dockerd's overlay2 mounts must be visible to containerd's runc.  dockerd
# would spawn its own containerd, but gives up on it after a fixed time
# ("timeout waiting for containerd to start"), which qemu TCG on a loaded
# machine exceeds; here TIMEOUT seconds.  containerd's output goes to
# stderr; it becomes dockerd's child.

set -u

conf=$1 timeout=$2
shift 2
sock=$(sed -n '/^\[grpc\]/,/^\[/ s/^ *address *= *"\(.*\)"/\1/p' "$conf")
[ -n "$sock" ] || { echo "netns-dockerd: no [grpc] address in $conf" >&2; exit 2; }

if [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
	mount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 1
fi
containerd --config "$conf" >&2 &
cpid=$!
end=$((SECONDS + timeout))
until [ -S "$sock" ]; do
	if ! kill -0 "$cpid" 2>/dev/null || [ $SECONDS -ge $end ]; then
		echo "netns-dockerd: containerd did not come up on $sock in $timeout s" >&2
		kill "$cpid" 2>/dev/null
		exit 1
	fi
	sleep 0.2
done
exec "$@" --containerd "$sock"
