#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A Debian suite's kernel for the test matrix, built against in a chroot of
# that suite: its headers package carries kbuild binaries (fixdep, modpost,
# objtool) linked against the suite's own C library, and its gcc is the one
# the kernel was built with.  debootstrap of SUITE (minbase) plus its
# build-essential, sparse, dkms, linux-headers-amd64 and linux-image-amd64
# (the vmlinuz and the /lib/modules tree the VM boots), cached outside the
# repository:
#   ${FAN_CHROOT_CACHE:-/var/cache/fan-chroots}/<suite>/
#     root/      the chroot
#     env        KVER, KIMG, KMODDIR, ROOT, SUITE (shell syntax)
#     build.log  debootstrap and apt-get output; times
# The mirror is the one this machine's apt sources (one-line or deb822) use
# for Debian, else debootstrap's default.  Idempotent: a chroot with an env
# file is reused.
#
# usage: scripts/kernel-chroot.sh SUITE             create unless cached; print env
#        scripts/kernel-chroot.sh --env-file SUITE  the env file's path, or exit 1
#        scripts/kernel-chroot.sh --run SUITE CMD...
#            CMD inside the chroot, as root, in this repository (bind-mounted
#            at the same path in a private mount namespace: nothing stays
#            mounted when it ends)
# Environment: FAN_CHROOT_CACHE, FAN_CHROOT_SUITES (what --list prints:
# default "bullseye sid").

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_root=${FAN_CHROOT_CACHE:-/var/cache/fan-chroots}
# Bump when the package list changes: cached chroots are rebuilt.
version=2
pkgs=(build-essential make sparse dkms kmod bc libelf-dev iproute2
      linux-headers-amd64 linux-image-amd64)

say() { echo "kernel-chroot: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

mode=build
case "${1:-}" in
--env-file) mode=envfile; shift ;;
--run) mode=run; shift ;;
--list) echo "${FAN_CHROOT_SUITES:-bullseye sid}"; exit 0 ;;
-h|--help|'') sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
esac
suite=${1:-}
case "$suite" in
''|*[!a-z0-9-]*) die "bad suite '$suite'" ;;
esac
shift
dir=$cache_root/$suite
root=$dir/root
envf=$dir/env

have_env()
{
	[ -s "$envf" ] && grep -qx "VERSION=$version" "$envf" || return 1
	# shellcheck source=/dev/null
	(. "$envf" && [ -r "$KIMG" ] && [ -r "$KMODDIR/modules.dep" ] &&
		chroot "$ROOT" test -e "/lib/modules/$KVER/build/Makefile")
}

case $mode in
envfile)
	have_env || exit 1
	echo "$envf"
	exit 0
	;;
run)
	have_env || die "no chroot for $suite (run $0 $suite)"
	[ $# -gt 0 ] || die "--run $suite: no command"
	# The repository at its own path, and /proc for what kbuild reads.
	exec unshare -m --propagation private -- /bin/sh -ec '
		root=$1 top=$2; shift 2
		mkdir -p "$root$top"
		mount --bind "$top" "$root$top"
		mount -t proc proc "$root/proc"
		cd "$root$top"
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C /bin/sh -c "cd \"\$0\" && exec \"\$@\"" "$top" "$@"
	' sh "$root" "$top" "$@"
	;;
esac

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap)"
if have_env; then
	cat "$envf"
	exit 0
fi
command -v debootstrap > /dev/null || die "no debootstrap (scripts/install-deps.sh installs it)"
mkdir -p "$dir"
exec 9> "$dir/.lock"
if ! flock -n 9; then
	say "another run is creating $suite; waiting"
	flock 9
fi
if have_env; then
	cat "$envf"
	exit 0
fi

# The Debian mirror of this machine's apt sources: the first URI of a
# source whose path ends in /debian (not -security, -ports or others).
debian_mirror()
{
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk '$1 == "deb" { for (i = 2; i <= NF; i++)
			if ($i ~ /^[a-z]+:\/\/.*\/debian\/?$/) { print $i; exit } }' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '/^URIs:/ { for (i = 2; i <= NF; i++)
			if ($i ~ /^[a-z]+:\/\/.*\/debian\/?$/) { print $i; exit } }' "$f"
	done
}
mirror=$(debian_mirror | sed -n 1p)

log=$dir/build.log
t0=$(date +%s)
: > "$log"
say "creating the $suite chroot in $root (mirror: ${mirror:-the default of debootstrap}; log: $log)"
rm -rf "$root"
# shellcheck disable=SC2086 # no mirror: debootstrap's default
nice -n 10 debootstrap --variant=minbase "$suite" "$root" $mirror >> "$log" 2>&1 ||
	{ tail -n 30 "$log" >&2; die "debootstrap $suite failed (log: $log)"; }
t1=$(date +%s)
say "debootstrap $suite took $((t1 - t0))s; installing ${pkgs[*]}"
# No daemons started by package scripts inside the chroot.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# This machine's apt policy on a mirror whose Release files have expired
# (a frozen snapshot): the chroot's apt follows the host's.
if apt-config dump 2>/dev/null | grep -x 'Acquire::Check-Valid-Until "false";' > /dev/null; then
	echo 'Acquire::Check-Valid-Until "false";' > "$root/etc/apt/apt.conf.d/99fan-valid-until"
fi
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LC_ALL=C DEBIAN_FRONTEND=noninteractive "$@"; }
# No initramfs: the VM runner makes its own, and mkinitramfs wants a
# mounted /sys (5.10's fails without one).  dpkg's unsafe I/O: a cache
# that a crash leaves half-made has no env file and is made again.
{ in_root dpkg-divert --local --rename --add /usr/sbin/update-initramfs &&
  ln -sf /bin/true "$root/usr/sbin/update-initramfs" &&
  in_root apt-get update -q &&
  in_root nice -n 10 apt-get install -y -q --no-install-recommends \
	-o Dpkg::Options::=--force-unsafe-io "${pkgs[@]}"; } >> "$log" 2>&1 ||
	{ tail -n 30 "$log" >&2; die "installing the kernel packages in $suite failed (log: $log)"; }
in_root apt-get clean >> "$log" 2>&1 || true
# sid's linux-headers (7.x) lack scripts/checker-valid.sh, which the
# kernel's Makefile runs for C=1 (and drops sparse when it is missing):
# one that answers "1" when the checker runs on a trivial file.
for mk in "$root"/usr/src/linux-headers-*-common/Makefile; do
	[ -r "$mk" ] || continue
	cv=${mk%/Makefile}/scripts/checker-valid.sh
	grep -q 'checker-valid\.sh' "$mk" && [ ! -e "$cv" ] || continue
	say "${mk%/Makefile} has no scripts/checker-valid.sh: adding one"
	cat > "$cv" <<'CV'
#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Added by fan's scripts/kernel-chroot.sh: the headers package lacks it.
# Prints 1 when the checker ("$@") runs cleanly on a trivial file.
t=$(mktemp --suffix=.c) || exit 1
trap 'rm -f "$t"' EXIT
echo 'int fan_checker_probe(void) { return 0; }' > "$t"
"$@" "$t" > /dev/null 2>&1 && echo 1 || echo 0
CV
	chmod 755 "$cv"
done
t2=$(date +%s)

# The kernel the meta-packages point at: the one with headers.
kver=
for d in "$root"/lib/modules/*/; do
	d=${d%/}
	[ -r "$root/boot/vmlinuz-${d##*/}" ] &&
		chroot "$root" test -e "/lib/modules/${d##*/}/build/Makefile" && kver=${d##*/}
done
[ -n "$kver" ] || die "no kernel with headers and an image in the $suite chroot"
cat > "$envf.tmp" <<ENV
# generated by scripts/kernel-chroot.sh
VERSION=$version
SUITE=$suite
KVER=$kver
KIMG=$root/boot/vmlinuz-$kver
KMODDIR=$root/lib/modules/$kver
ROOT=$root
ENV
mv "$envf.tmp" "$envf"
echo "debootstrap $((t1 - t0))s packages $((t2 - t1))s total $((t2 - t0))s" > "$dir/times"
say "$suite: kernel $kver in $((t2 - t0))s (debootstrap $((t1 - t0))s, packages $((t2 - t1))s)"
cat "$envf"
