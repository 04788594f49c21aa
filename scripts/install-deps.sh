#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything the build, the VM runner, the tests, the demo and the
# benchmark need on a Debian 12 machine.  Idempotent: a second run only
# checks and returns.  Both LTS kernels are installed side by side: 6.1 from
# bookworm and 6.12 from bookworm-backports (image + headers).

set -euo pipefail

stamp=/var/lib/fan-deps.stamp
# Bump when the list below changes, so machines with an old stamp re-run.
version=9

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ] && [ "${1:-}" != "--force" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: must run as root (apt-get)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

# bookworm-backports (the 6.12 kernel) from the mirror this machine
# already uses for bookworm: its one-line or deb822 sources.
debian_mirror()
{
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk '$1 == "deb" && $0 ~ / bookworm( |$)/ {
			for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk 'BEGIN { RS = ""; FS = "\n" }
			/(^|\n)Suites:[^\n]*bookworm( |\n|$)/ {
				for (i = 1; i <= NF; i++) if ($i ~ /^URIs:/) {
					split($i, u, /[ \t]+/); print u[2]; exit } }' "$f"
	done
}
bpo=/etc/apt/sources.list.d/bookworm-backports.list
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	mirror=$(debian_mirror | head -n 1)
	if [ -z "$mirror" ]; then
		echo "install-deps: no bookworm source in /etc/apt to take the mirror from" >&2
		exit 1
	fi
	echo "deb $mirror bookworm-backports main" > "$bpo"
fi
apt-get update -q

pkgs=(
	# build
	build-essential make gcc bc flex bison libelf-dev libssl-dev kmod dwarves
	sparse pkg-config libmnl-dev libnftables-dev libcmocka-dev
	# the VM
	qemu-system-x86 busybox-static cpio
	# tests, demo and benchmark
	iproute2 iputils-ping iperf3 ethtool nftables dnsmasq-base tcpdump
	ifupdown containernetworking-plugins jq python3 gnuplot-nox
	socat netcat-openbsd procps psmisc
	# RDMA next to the fan (selftests/rdma): soft-RoCE's user side, verbs
	# and rdma_cm tools, perftest; the rdma tool is iproute2's
	rdma-core ibverbs-providers ibverbs-utils rdmacm-utils perftest
	# container engines: Docker and Podman (rootful, its CNI backend)
	docker.io podman
	# kernel sources (checkpatch.pl, debug kernel)
	linux-source-6.12
	# the other suites' kernels are built against in their own chroots
	debootstrap
	# 6.1 LTS, bookworm
	linux-image-amd64 linux-headers-amd64
	dkms
	# fanctl's parser fuzzers (libFuzzer: clang's runtime is a separate package)
	clang libclang-rt-14-dev
)
apt-get install "${apt_opts[@]}" --no-install-recommends "${pkgs[@]}"

# 6.12 LTS from bookworm-backports: install the versioned packages the
# backports meta-packages point at, so the 6.1 meta-packages stay.
bpo_img=$(apt-cache depends -t bookworm-backports linux-image-amd64 |
	  awk '/Depends: linux-image-6/ {print $2; exit}')
bpo_hdr=$(apt-cache depends -t bookworm-backports linux-headers-amd64 |
	  awk '/Depends: linux-headers-6/ {print $2; exit}')
if [ -z "$bpo_img" ] || [ -z "$bpo_hdr" ]; then
	echo "install-deps: cannot find the 6.12 kernel in bookworm-backports" >&2
	exit 1
fi
apt-get install "${apt_opts[@]}" --no-install-recommends -t bookworm-backports \
	"$bpo_img" "$bpo_hdr"

# Incus (fanctl_incus.sh): the daemon and client only.  "incus" would pull
# qemu-system-x86 from backports (for VMs) over bookworm's.  Each test host
# runs its own incusd; none may start on this machine, so invoke-rc.d is
# told no (exit 101) during the install, unless a policy-rc.d is there; the
# units it enables (incus.socket, incus-startup) start one only on use.
policy=/usr/sbin/policy-rc.d
own_policy=
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# install-deps.sh: no daemon starts during the install\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	own_policy=1
fi
rc=0
apt-get install "${apt_opts[@]}" --no-install-recommends -t bookworm-backports \
	incus-base || rc=$?
[ -z "$own_policy" ] || rm -f "$policy"
[ "$rc" = 0 ] || exit "$rc"

echo "$version" > "$stamp"
