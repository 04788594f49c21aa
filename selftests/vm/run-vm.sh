#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a distro kernel under qemu (TCG) with the host root shared read-only
# (overlayfs + tmpfs on top, so it is writable inside) and the current
# directory shared read-write at the same path, run one command as root,
# and pass its exit code back.  Kernel splats after the command start fail
# the run.  See usage() for options and exit codes.

# shellcheck source-path=SCRIPTDIR
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/dmesg.sh
. "$here/../lib/dmesg.sh"

usage()
{
	cat <<USAGE
usage: $0 [options] -- COMMAND [ARGS...]
  -k KVER              kernel release (default: newest in /lib/modules)
  --kernel-image PATH  kernel image (default: /boot/vmlinuz-KVER)
  --moddir DIR         the kernel's modules directory (default: /lib/modules/KVER),
                       for a kernel not installed on the host (make debug-kernel:
                       modules_install output); it is /lib/modules/KVER in the VM
  -m MEM_MB            memory (default 2048)
  -s SMP               CPUs (default 2)
  --timeout SEC        kill the VM after SEC seconds (default 1200)
  --dmesg FILE         save the guest kernel log to FILE
  -e NAME=VALUE        set an environment variable for COMMAND (repeatable;
                       FAN_* and KSFT_* variables are passed through anyway)
  --peer-nic listen:SOCKET|connect:SOCKET
                       a virtio-net NIC (eth0 in the guest; virtio_net is
                       not loaded) wired to another VM's over the unix
                       socket SOCKET: one VM listens, the other connects
                       once it does (run-vm-pair.sh)
  -v                   show the kernel console during boot
environment: FAN_VM_APPEND (extra kernel arguments), FAN_VM_ACCEL (default
  tcg,thread=single; tcg for multi-threaded TCG), FAN_VM_CPU (default
  qemu64,+rdrand), FAN_VM_MACHINE (default pc), FAN_VM_QEMU_ARGS (extra qemu options,
  split on blanks), FAN_VM_TSC_KHZ (the guest's TSC rate; default: the
  host's if it knows it, 0: let the guest calibrate), FAN_VM_NO_PVH=1
  (boot the bzImage as is), FAN_VM_TRACE=1 (trace stage 2),
  FAN_VM_SELFTEST_SPLAT=1 (fake a WARNING after COMMAND: the run must
  exit 3); FAN_* and KSFT_* reach COMMAND
exit: COMMAND's exit code; 3 kernel splat; 124 timeout;
      125 the VM gave no result (boot failure, panic); 2 usage/setup error
USAGE
	exit 2
}

kver=
kimg=
moddir=
mem=2048
smp=2
timeout=1200
dmesg_out=
verbose=0
envs=()
peer_nic=

err() { echo "run-vm: $*" >&2; exit 2; }
# val OPTION "$@": the option's value, or a usage error.
val()
{
	if [ $# -lt 3 ] || [ -z "$3" ]; then
		err "$1 needs a value"
	fi
	echo "$3"
}
num()
{
	case "$2" in ''|*[!0-9]*|0) err "$1 needs a positive number, not '$2'" ;; esac
}

while [ $# -gt 0 ]; do
	case "$1" in
	-k) kver=$(val "$1" "$@") || exit 2; shift 2 ;;
	--kernel-image) kimg=$(val "$1" "$@") || exit 2; shift 2 ;;
	--moddir) moddir=$(val "$1" "$@") || exit 2; shift 2 ;;
	-m) mem=$(val "$1" "$@") || exit 2; num -m "$mem"; shift 2 ;;
	-s) smp=$(val "$1" "$@") || exit 2; num -s "$smp"; shift 2 ;;
	--timeout) timeout=$(val "$1" "$@") || exit 2; num --timeout "$timeout"; shift 2 ;;
	--dmesg) dmesg_out=$(val "$1" "$@") || exit 2; shift 2 ;;
	-e)
		v=$(val "$1" "$@") || exit 2
		[[ "$v" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || err "-e needs NAME=VALUE, not '$v'"
		envs+=("$v")
		shift 2 ;;
	--peer-nic)
		peer_nic=$(val "$1" "$@") || exit 2
		[[ "$peer_nic" =~ ^(listen|connect):/[^,]+$ ]] ||
			err "--peer-nic needs listen:SOCKET or connect:SOCKET (an absolute path, no commas), not '$peer_nic'"
		shift 2 ;;
	-v) verbose=1; shift ;;
	--) shift; break ;;
	-h|--help) usage ;;
	*) echo "run-vm: unknown option $1" >&2; usage ;;
	esac
done
[ $# -gt 0 ] || usage

if [ -z "$kver" ]; then
	kver=$(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n1)
fi
kimg_given=${kimg:+1}
[ -n "$kimg" ] || kimg=/boot/vmlinuz-$kver
[ -r "$kimg" ] || err "no kernel image $kimg"
moddir_given=
if [ -n "$moddir" ]; then
	[ -d "$moddir" ] || err "no module directory $moddir"
	moddir=$(cd "$moddir" && pwd -P)
	moddir_given=$moddir
else
	moddir=/lib/modules/$kver
fi
if [ ! -r "$moddir/modules.dep" ]; then
	# A self-built (debug) kernel may have 9p, overlay and virtio built in.
	[ -n "$kimg_given" ] || err "no $moddir/modules.dep"
	echo "run-vm: no $moddir: 9p, overlay and virtio must be built in" >&2
fi
command -v qemu-system-x86_64 >/dev/null || err "qemu-system-x86_64 not installed"
busybox=$(command -v busybox) || err "busybox-static not installed"

# --- initramfs: busybox + the modules that reach the 9p root -------------

# Modules in load order (dependencies first), as paths relative to $moddir.
# Built-in ones (modules.builtin) are skipped.
resolve_modules()
{
	local seen=" " m
	add()
	{
		local name=${1%\?} p d
		p=$(awk -F: -v n="$name" '
			{ f = $1; sub(/.*\//, "", f); sub(/\.ko(\.[a-z]+)?$/, "", f)
			  gsub(/-/, "_", f) }
			f == n { print $1; exit }' "$moddir/modules.dep")
		if [ -z "$p" ]; then
			# "name?": optional (fscache was folded into netfs in 6.10).
			[ "$name" != "$1" ] ||
				grep -qE "/${name//_/[-_]}\.ko$" "$moddir/modules.builtin" 2>/dev/null ||
				echo "run-vm: warning: module $name not found for $kver" >&2
			return 0
		fi
		case "$seen" in *" $p "*) return 0 ;; esac
		for d in $(awk -F: -v p="$p" '$1 == p { print $2; exit }' "$moddir/modules.dep"); do
			case "$seen" in *" $d "*) continue ;; esac
			d=${d##*/}; d=${d%%.ko*}; add "${d//-/_}"
		done
		seen="$seen$p "
		echo "$p"
	}
	for m in virtio virtio_ring virtio_pci netfs 'fscache?' 9pnet 9pnet_virtio 9p overlay; do
		add "$m"
	done
}

mods=
[ ! -r "$moddir/modules.dep" ] || mods=$(resolve_modules)
cache=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/fan-vm
mkdir -p "$cache" || err "cannot create $cache"
key=$({
	cat "$here/initramfs-init" "$busybox"
	for m in $mods; do echo "$m"; cat "$moddir/$m"; done
} | sha256sum | cut -c1-16)
initrd=$cache/initramfs-$kver-$key.cpio.gz

build_initramfs()
{
	local t m base
	t=$(mktemp -d "$cache/build.XXXXXX") || return 1
	mkdir -p "$t/root/bin" "$t/root/lib/fan-vm" "$t/root/proc" "$t/root/sys" "$t/root/dev"
	cp "$busybox" "$t/root/bin/busybox"
	install -m 0755 "$here/initramfs-init" "$t/root/init"
	for m in $mods; do
		base=${m##*/}
		# busybox insmod cannot read compressed modules.
		case "$base" in
		*.ko.xz) xz -dc "$moddir/$m" > "$t/root/lib/fan-vm/${base%.xz}" ;;
		*.ko.zst) zstd -qdc "$moddir/$m" > "$t/root/lib/fan-vm/${base%.zst}" ;;
		*.ko.gz) gzip -dc "$moddir/$m" > "$t/root/lib/fan-vm/${base%.gz}" ;;
		*) cp "$moddir/$m" "$t/root/lib/fan-vm/$base" ;;
		esac || { rm -rf "$t"; return 1; }
		echo "${base%.ko*}.ko" >> "$t/root/lib/fan-vm/modules.order"
	done
	touch "$t/root/lib/fan-vm/modules.order"
	(cd "$t/root" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) > "$t/initrd" &&
		mv "$t/initrd" "$initrd"
	local rc=$?
	rm -rf "$t"
	return $rc
}

if [ ! -s "$initrd" ]; then
	build_initramfs || err "failed to build $initrd"
	# Drop stale images of this kernel; qemu reads its files at start, so
	# only a run starting this very moment with an older runner could care.
	find "$cache" -maxdepth 1 -name "initramfs-$kver-*" ! -name "${initrd##*/}" -mmin +60 -delete
fi

# --- kernel: boot the uncompressed ELF through PVH when possible ----------
# Decompressing a distro bzImage under TCG costs 5-10 s per boot; qemu can
# start an ELF vmlinux with a PVH entry note directly.  Cached like the
# initramfs; any failure falls back to the bzImage.

extract_vmlinux()
{
	local img=$1 out=$2 off magic unz
	for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
		unz=${magic%%:*}
		for off in $(LC_ALL=C grep -obUaP "${magic#*:}" "$img" 2>/dev/null | cut -d: -f1); do
			case "$unz" in
			xz) tail -c +$((off + 1)) "$img" | xz -dc --single-stream ;;
			zstd) tail -c +$((off + 1)) "$img" | zstd -qdc ;;
			gzip) tail -c +$((off + 1)) "$img" | gzip -dc ;;
			esac > "$out.tmp" 2>/dev/null
			# XEN_ELFNOTE_PHYS32_ENTRY (0x12) is the PVH entry point.
			if readelf -n "$out.tmp" 2>/dev/null | grep -q 'note type: (0x00000012)'; then
				mv "$out.tmp" "$out"
				return 0
			fi
		done
	done
	rm -f "$out.tmp"
	return 1
}

boot_img=$kimg
if [ "${FAN_VM_NO_PVH:-0}" != 1 ] && command -v readelf >/dev/null &&
   [ "$(head -c 4 "$kimg" | od -An -c | tr -d ' ')" != '177ELF' ]; then
	vmlinux=$cache/vmlinux-$kver-$(sha256sum "$kimg" | cut -c1-16)
	if [ -s "$vmlinux" ] || extract_vmlinux "$kimg" "$vmlinux"; then
		boot_img=$vmlinux
		find "$cache" -maxdepth 1 -name "vmlinux-$kver-*" ! -name "${vmlinux##*/}" -mmin +60 -delete
	fi
fi

# --- control share: command, config, results ------------------------------

ctl=$(mktemp -d "${TMPDIR:-/tmp}/fan-vm.XXXXXX") || err "mktemp"
qpid=
# shellcheck disable=SC2317 # called from the trap
cleanup()
{
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	rm -rf "$ctl"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cwd=$(pwd -P)
# The cwd share is mounted read-write over its own path.
[ "$cwd" != / ] || err "run from a directory other than / (it is shared read-write)"
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
{
	echo "FAN_VM_CWD=$(sq "$cwd")"
	echo "FAN_VM_STAGE2=$(sq "$here/guest-init.sh")"
	echo "FAN_VM_KVER=$(sq "$kver")"
	[ -z "$moddir_given" ] || echo "FAN_VM_MODDIR=$(sq "$moddir_given")"
	echo "FAN_VM_VERBOSE=$verbose"
	echo "FAN_VM_SELFTEST_SPLAT=$(sq "${FAN_VM_SELFTEST_SPLAT:-0}")"
} > "$ctl/config"
{
	echo "# generated by run-vm.sh"
	while IFS= read -r v; do
		echo "export $(sq "$v")"
	done < <(env | grep -E '^(FAN|KSFT)_[A-Za-z0-9_]*=' | grep -v '^FAN_VM_CWD=\|^FAN_VM_STAGE2=')
	for v in "${envs[@]}"; do
		echo "export $(sq "$v")"
	done
	printf 'exec'
	for a in "$@"; do printf ' %s' "$(sq "$a")"; done
	echo
} > "$ctl/cmd"
[ -n "${FAN_VM_TRACE:-}" ] && touch "$ctl/trace"

# --- boot -----------------------------------------------------------------

# Debian kernels: quiet console; mitigations off and no i8042 probing
# save seconds under TCG.  No virtio-rng: every PCI device costs ~0.5 s of
# ACPI IRQ-link setup under TCG, and RDRAND (-cpu qemu64,+rdrand) seeds
# the crng.
append="${FAN_VM_APPEND:-} console=ttyS0 panic=-1 rdinit=/init mitigations=off"
append+=" i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd tsc=reliable no_timer_check"
# Under TCG the guest's TSC is the host's.  The guest calibrates it
# against the PIT or the HPET; on a loaded host the PIT calibration fails,
# and the debug kernel (no ACPI, so no HPET) then falls back to the jiffies
# clocksource: periodic ticks, and guest time 25-30% slower than the
# host's.  When the host knows its TSC rate, give it to the guest.  Not
# with -icount (make bench), where the guest's TSC counts instructions.
tsc_khz=${FAN_VM_TSC_KHZ:-}
if [ -z "$tsc_khz" ] && [[ ${FAN_VM_QEMU_ARGS:-} != *-icount* ]] &&
   grep -qm1 '^flags.* tsc_known_freq' /proc/cpuinfo; then
	tsc_khz=$(awk -F': *' '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
fi
[ "${tsc_khz:-0}" = 0 ] || append+=" tsc_early_khz=$tsc_khz"
# No address-space randomisation: TCG keys its translated code by virtual
# address, so with ASLR every new process retranslates libc and ld.so.
# Measured: exec-heavy shell work runs about 1.5-2x faster without it.
append+=" norandmaps"
# The first memory cgroup (Docker's containers) flips the kmem accounting
# static keys; live code patching under MTTCG once hit a stale int3.
append+=" cgroup.memory=nokmem"
if [ "$verbose" = 1 ]; then
	append+=" loglevel=7"
else
	append+=" quiet loglevel=3"
fi

# One host thread for both vCPUs: the guest still has two CPUs (real SMP,
# IPIs, RCU), interleaved by qemu.  Loaded (three VMs on two host
# cores) multi-threaded TCG was 1.45x slower, since a vCPU waits on IPIs
# and TLB flushes to a sibling thread that is descheduled, and it once
# hit stale translated code after the kernel patched itself (see
# cgroup.memory below).  Alone, the two are within 5%.
accel=${FAN_VM_ACCEL:-tcg,thread=single}
# The plain x86-64 CPU, with RDRAND: under TCG a richer model costs the
# guest time.  Measured with -cpu max (2026-12-07, 50 execs of
# /bin/true): Debian's 5.10 took 2.9 s against 1.0 s (not for LA57,
# PCID or AVX-512: without each it was as slow), 6.12 and 7.2 15-25%
# more; the debug kernel the same.
cpu=${FAN_VM_CPU:-qemu64,+rdrand}

# qboot starts faster than SeaBIOS and prints nothing on the serial line.
bios=()
if [ -r /usr/share/qemu/qboot.rom ]; then
	bios=(-bios /usr/share/qemu/qboot.rom)
else
	# shellcheck disable=SC2054 # commas belong to the option
	bios=(-fw_cfg name=etc/sercon-port,string=0)
fi

fsdev_opts="security_model=none,multidevs=remap"
# shellcheck disable=SC2054 # commas belong to the options
qemu=(qemu-system-x86_64 "${bios[@]}"
	-machine "${FAN_VM_MACHINE:-pc}" -accel "$accel" -cpu "$cpu" -m "$mem" -smp "$smp"
	-nographic -nodefaults -no-user-config -no-reboot
	-serial stdio
	-kernel "$boot_img" -initrd "$initrd" -append "$append"
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
	-fsdev "local,id=root,path=/,readonly=on,$fsdev_opts"
	-device virtio-9p-pci,fsdev=root,mount_tag=root
	-fsdev "local,id=vmctl,path=$ctl,$fsdev_opts"
	-device virtio-9p-pci,fsdev=vmctl,mount_tag=vmctl
	-fsdev "local,id=cwd,path=$cwd,$fsdev_opts"
	-device virtio-9p-pci,fsdev=cwd,mount_tag=cwd
)
if [ -n "$peer_nic" ]; then
	# The wire to a peer VM: Ethernet frames over a unix stream socket
	# (qemu's stream backend).  Nothing leaves the machine and nothing is
	# lost: over UDP (-netdev dgram) bursts larger than the socket's
	# receive buffer were, and RoCE retransmitted; over TCP, Nagle and
	# delayed ACKs held frames back 40 ms.  The two ends' MACs differ.
	mac=01 srv=on
	[ "${peer_nic%%:*}" = listen ] || { mac=02; srv=off; }
	# shellcheck disable=SC2054 # commas belong to the options
	qemu+=(-netdev "stream,id=peer,server=$srv,addr.type=unix,addr.path=${peer_nic#*:}"
		-device "virtio-net-pci,netdev=peer,mac=52:54:00:fa:00:$mac")
fi
# Extra qemu options, split on blanks: make bench passes -icount
# so guest time counts instructions, not the host's load.
# shellcheck disable=SC2206
qemu+=(${FAN_VM_QEMU_ARGS:-})

for attempt in 1 2; do
	rm -f "$ctl/started" "$ctl/rc" "$ctl/dmesg" "$ctl/dmesg.live" "$ctl/kmemleak"
	start=$(date +%s.%N)
	# timeout(1) rather than a background sleep: nothing may outlive the
	# run holding the caller's stdout open.
	timeout -k 10 "$timeout" "${qemu[@]}" < /dev/null &
	qpid=$!
	wait "$qpid"
	qrc=$?
	qpid=
	timed_out=0
	[ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ] && timed_out=1
	end=$(date +%s.%N)
	# A VM that died before the command started ran none of our code
	# (the module loads later): an emulator or boot flake, such as the
	# double fault in early boot seen once in ~80 boots under load.  Its
	# console output is above; boot once more.  A crash after the start
	# is never retried.
	if [ "$attempt" = 1 ] && [ "$timed_out" = 0 ] && [ ! -e "$ctl/started" ]; then
		echo "run-vm: the VM died before the command started (qemu exit $qrc); booting once more" >&2
		continue
	fi
	break
done

# The followed log (the final dmesg lacks what scrolled out of the ring
# buffer); the final one if the follower did not get to the end.
log=$ctl/dmesg.live
grep -q 'fan-vm: log end' "$log" 2>/dev/null || [ ! -e "$ctl/dmesg" ] || log=$ctl/dmesg
if [ -n "$dmesg_out" ] && [ -e "$log" ]; then
	cp "$log" "$dmesg_out"
fi

# report_hang: the kernel's last words after a timeout or a lost VM.
report_hang()
{
	local s
	[ -s "$log" ] || return 0
	s=$(log_after_marker "fan-vm: command start" < "$log" | splat_filter)
	[ -z "$s" ] || printf 'run-vm: kernel splats:\n%s\n' "$s" >&2
	echo "run-vm: last kernel messages:" >&2
	tail -n 30 "$log" >&2
}

if [ -e "$ctl/started" ]; then
	boot=$(awk -v s="$start" -v m="$(stat -c %.9Y "$ctl/started")" 'BEGIN { printf "%.1f", m - s }')
	total=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')
	echo "run-vm: $kver: boot to command ${boot}s (guest uptime $(cat "$ctl/started")s), total ${total}s" >&2
fi

if [ "$timed_out" = 1 ]; then
	echo "run-vm: TIMEOUT: VM killed after ${timeout}s" >&2
	report_hang
	exit 124
fi
if [ ! -s "$ctl/rc" ]; then
	echo "run-vm: FAILED: the VM gave no result (qemu exit $qrc; boot failure or panic; try -v)" >&2
	report_hang
	exit 125
fi
rc=$(cat "$ctl/rc")

# The followed log, complete up to its end marker, has what scrolled out
# of the ring buffer too; the final dmesg only if the follower died.
checked=$ctl/dmesg.live
if ! grep -q 'fan-vm: log end' "$checked" 2>/dev/null; then
	echo "run-vm: the followed kernel log is incomplete; checking the final dmesg" >&2
	checked=$ctl/dmesg
fi
splats=$(log_after_marker "fan-vm: command start" < "$checked" | splat_filter)
if [ -s "$ctl/kmemleak" ]; then
	splats+=$'\n'"kmemleak: $(cat "$ctl/kmemleak")"
fi
if [ -n "$splats" ]; then
	echo "run-vm: KERNEL SPLAT after the command started (command exit $rc):" >&2
	echo "$splats" >&2
	exit 3
fi
exit "$rc"
