#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fan debug kernel: Debian's linux-source-6.12 built with KASAN,
# kmemleak, lockdep (PROVE_LOCKING, PROVE_RCU), DEBUG_ATOMIC_SLEEP, debug
# objects, list debugging, netdev/netns refcount trackers and PANIC_ON_OOPS,
# on a minimal config (allnoconfig + selftests/vm/debug.config) with all
# the VM and the selftests need built in (ipip.ko is the one module, so that
# fan_ipip_coexist.sh can load and unload it as on a distro kernel).
#
# Built once and cached outside the repository, keyed by the config fragment
# and the source package version:
#   ${FAN_DEBUG_CACHE:-/var/cache/fan-debug-kernel}/<key>/
#     linux/          the build tree: KDIR for out-of-tree modules
#     root/lib/modules/<kver>/   modules_install output (modules.builtin,
#                     ipip.ko, modules.dep): /lib/modules/<kver> in the VM
#     env             KVER, KIMG, KDIR, KMODDIR (shell syntax)
#     build.log, times
#
# usage: scripts/debug-kernel.sh [--rebuild | --env-file | --config-only]
#   (none)         build unless cached; print the env file on stdout
#   --rebuild      run the configure and make steps again (incremental)
#   --env-file     print the env file's path if the kernel is built, else
#                  exit 1 (never builds)
#   --config-only  extract, configure and verify the config; no build
# Environment: FAN_DEBUG_CACHE, FAN_DEBUG_SRC (the source tarball, default
# /usr/src/linux-source-6.12.tar.xz), FAN_DEBUG_JOBS (default nproc).
# Progress goes to stderr; the full build output to <key>/build.log.

set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
frag=$top/selftests/vm/debug.config
src_tar=${FAN_DEBUG_SRC:-/usr/src/linux-source-6.12.tar.xz}
cache_root=${FAN_DEBUG_CACHE:-/var/cache/fan-debug-kernel}
jobs=${FAN_DEBUG_JOBS:-$(nproc)}
export ARCH=x86_64

mode=build
case "${1:-}" in
'') ;;
--rebuild) mode=rebuild ;;
--env-file) mode=envfile ;;
--config-only) mode=config ;;
-h|--help) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
*) echo "debug-kernel: unknown option $1 (see --help)" >&2; exit 2 ;;
esac

say() { echo "debug-kernel: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

[ -r "$frag" ] || die "no $frag"
[ -r "$src_tar" ] || die "no kernel source $src_tar (apt-get install linux-source-6.12, or make deps)"

# The source version: the package's, else (a tarball from elsewhere) its hash.
src_ver=
if pkg=$(dpkg-query -S "$src_tar" 2>/dev/null | cut -d: -f1) && [ -n "$pkg" ]; then
	src_ver="$pkg $(dpkg-query -W -f='${Version}' "$pkg")"
fi
[ -n "$src_ver" ] || src_ver="sha256 $(sha256sum < "$src_tar" | cut -c1-64)"
key=$({ cat "$frag"; echo "source: $src_ver"; echo "arch: $ARCH"; } | sha256sum | cut -c1-16)
dir=$cache_root/$key
tree=$dir/linux
envf=$dir/env

if [ "$mode" = envfile ]; then
	[ -s "$envf" ] || exit 1
	echo "$envf"
	exit 0
fi
if [ "$mode" = build ] && [ -s "$envf" ]; then
	# shellcheck source=/dev/null
	. "$envf"
	if [ -r "$KIMG" ] && [ -d "$KMODDIR" ]; then
		cat "$envf"
		exit 0
	fi
fi

if ! mkdir -p "$dir" 2>/dev/null || [ ! -w "$dir" ]; then
	die "cannot write $dir (run as root, or set FAN_DEBUG_CACHE)"
fi
# One build per key at a time; a second caller waits and then finds the env.
exec 9> "$dir/.lock"
if ! flock -n 9; then
	say "another build of $key is running; waiting"
	flock 9
fi
if [ "$mode" = build ] && [ -s "$envf" ]; then
	cat "$envf"
	exit 0
fi

log=$dir/build.log
times=$dir/times
: > "$log"
t0=$(date +%s)
step_start=$t0
lap()	# NAME: log the time since the previous lap
{
	local now
	now=$(date +%s)
	echo "$1 $((now - step_start))s" >> "$times"
	say "$1 done in $((now - step_start))s"
	step_start=$now
}
: > "$times"
say "key $key ($src_ver), cache $dir"

# --- source -----------------------------------------------------------------
if [ ! -e "$dir/.extracted" ]; then
	say "extracting $src_tar"
	rm -rf "$tree" "$dir/src.tmp"
	mkdir -p "$dir/src.tmp"
	nice -n 10 tar -xJf "$src_tar" -C "$dir/src.tmp"
	set -- "$dir"/src.tmp/*/
	if [ $# != 1 ] || [ ! -e "$1/Makefile" ]; then
		die "unexpected layout of $src_tar"
	fi
	mv "$1" "$tree"
	rmdir "$dir/src.tmp"
	touch "$dir/.extracted"
	lap extract
fi

# The kernel build is a make of its own, not a sub-make of whoever ran
# this script: run from make check, the inherited MAKEFLAGS and MAKELEVEL
# made make print "Entering directory" lines into captured output (the
# kernelrelease below) and would hand the kernel build the caller's flags.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		nice -n 10 make --no-print-directory -C "$tree" LOCALVERSION= "$@"
}

# --- config: allnoconfig + the fragment, then verify ------------------------
say "configuring: allnoconfig + ${frag#"$top"/}"
(cd "$tree" && nice -n 10 scripts/kconfig/merge_config.sh -n "$frag") >> "$log" 2>&1 ||
	{ tail -n 30 "$log" >&2; die "merge_config.sh failed"; }
mk olddefconfig >> "$log" 2>&1 || { tail -n 30 "$log" >&2; die "make olddefconfig failed"; }

missing=()
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		sym=${line%%=*}
		grep -qxF -- "$line" "$tree/.config" ||
			missing+=("$line (got: $(grep -E "^$sym=|^# $sym is not set" "$tree/.config" || echo 'absent: a dependency is off'))")
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		! grep -qE "^$sym=" "$tree/.config" ||
			missing+=("$line (got: $(grep -E "^$sym=" "$tree/.config"))")
		;;
	esac
done < "$frag"
if [ ${#missing[@]} -gt 0 ]; then
	say "these options of ${frag#"$top"/} did not survive olddefconfig:"
	printf '  %s\n' "${missing[@]}" >&2
	die "config incomplete: add the missing dependencies to ${frag#"$top"/}"
fi
say "config verified: every option of ${frag#"$top"/} is set"
lap config
[ "$mode" = config ] && exit 0

# --- build ------------------------------------------------------------------
# bzImage and the modules (Module.symvers, needed by out-of-tree builds).
say "building bzImage and modules with -j$jobs (log: $log)"
mk -j"$jobs" bzImage modules >> "$log" 2>&1 ||
	{ tail -n 40 "$log" >&2; die "kernel build failed (log: $log)"; }
lap build

kver=$(mk -s kernelrelease)
[ "$kver" = "$(cat "$tree/include/config/kernel.release")" ] ||
	die "kernelrelease '$kver' differs from include/config/kernel.release"

# /lib/modules/<kver> for the VM: modules.builtin lets modprobe succeed for
# the built-in tunnel4, veth, bridge, ...; depmod runs here.
rm -rf "$dir/root"
mk INSTALL_MOD_PATH="$dir/root" modules_install >> "$log" 2>&1 ||
	{ tail -n 20 "$log" >&2; die "modules_install failed"; }
moddir=$dir/root/lib/modules/$kver
rm -f "$moddir/build" "$moddir/source"
ln -s "$tree" "$moddir/build"
if [ ! -s "$moddir/modules.builtin" ] || [ ! -e "$moddir/modules.dep" ]; then
	die "modules_install left no modules.builtin/modules.dep in $moddir"
fi
lap modules_install

cat > "$envf.tmp" <<ENV
# generated by scripts/debug-kernel.sh ($src_ver)
KVER=$kver
KIMG=$tree/arch/x86/boot/bzImage
KDIR=$tree
KMODDIR=$moddir
KEY=$key
ENV
mv "$envf.tmp" "$envf"
echo "total $(( $(date +%s) - t0 ))s" >> "$times"
say "kernel $kver built in $(( $(date +%s) - t0 ))s: $(tr '\n' ' ' < "$times")"
for d in "$cache_root"/*/; do
	d=${d%/}
	[ "$d" = "$dir" ] || say "note: $d is an older build (other config or source): rm -rf it"
done
cat "$envf"
