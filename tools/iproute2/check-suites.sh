#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-ip.sh's verdict on the ip of every Debian suite of the kernel
# matrix, each run in its own root: this machine's, and the chroots of
# scripts/kernel-chroot.sh (make check makes them).  For each: link_fan.so
# fits that ip, the plugin directory compiled into it is the suite's,
# and a plugin that needs glibc 2.36 is refused exactly where the root's
# C library is older.  Userspace only, so make check runs it on the host
# (selftests/net/fan_iproute2_suites.sh then drives each ip against the
# kernels in the VM).
#   tools/iproute2/check-suites.sh
# Environment: FAN_CHROOTS (the suites; default: kernel-chroot.sh
# --list; set but empty: this machine's ip only), FAN_CHROOT_CACHE.

set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
so=$here/link_fan.so
stage=/tmp/fan-check-suites.$$
tmp=$(mktemp -d) || exit 2
roots=()
cleanup()
{
	local r
	for r in "${roots[@]}"; do rm -rf "${r%/}$stage"; done
	rm -rf "$tmp"
}
trap cleanup EXIT

[ -r "$so" ] || { echo "check-suites: no $so (make -C tools/iproute2)"; exit 2; }
# A plugin that imports one symbol of ip's and arc4random@GLIBC_2.36.
printf '%s\n' '#include <stdlib.h>' 'void print_nl(void);' \
	'unsigned int f(void) { print_nl(); return arc4random(); }' > "$tmp/newlibc.c"
cc -shared -fPIC -o "$tmp/newlibc.so" "$tmp/newlibc.c" || exit 2

# the plugin directory each suite's ip was built with (Debian's LIBDIR/ip)
want_lib_dir()
{
	case $1 in
	bullseye) echo /usr/lib/ip ;;
	*) echo /usr/lib/x86_64-linux-gnu/ip ;;
	esac
}

failed=0
# check SUITE ROOT
check()
{
	local suite=$1 root=$2 out lib libc_ver label
	in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"; }
	roots+=("$root")
	mkdir -p "${root%/}$stage" &&
	cp "$here/check-ip.sh" "$here/iproute2_abi.h" "$so" "$tmp/newlibc.so" "${root%/}$stage/" ||
		{ echo "FAIL $suite: cannot copy into $root$stage"; return 1; }
	label="$suite: iproute2 $(in_root dpkg-query -W -f '${Version}' iproute2)"
	out=$(in_root "$stage/check-ip.sh" /bin/ip "$stage/link_fan.so") ||
		{ echo "$out"; echo "FAIL $label: check-ip.sh refused link_fan.so"; return 1; }
	echo "$out"
	lib=$(in_root "$stage/check-ip.sh" --lib-dir /bin/ip)
	[ "$lib" = "$(want_lib_dir "$suite")" ] ||
		{ echo "FAIL $label: plugin directory '$lib', not $(want_lib_dir "$suite")"; return 1; }
	grep -qx "link_fan.so: fits /bin/ip (iproute2 [0-9.]*, 10 symbols of ip's; its plugins: $lib)" <<< "$out" ||
		{ echo "FAIL $label: not the verdict expected"; return 1; }
	libc_ver=$(in_root ldd --version | sed -n '1s/.* \([0-9][0-9]*\.[0-9][0-9]*\)$/\1/p')
	if [ "$(printf '%s\n' 2.36 "$libc_ver" | sort -V | head -n1)" = 2.36 ]; then
		out=$(in_root "$stage/check-ip.sh" /bin/ip "$stage/newlibc.so") ||
			{ echo "$out"; echo "FAIL $label: glibc $libc_ver refused a glibc 2.36 plugin"; return 1; }
	else
		if out=$(in_root "$stage/check-ip.sh" /bin/ip "$stage/newlibc.so" 2>&1) ||
		   ! grep -qx "link_fan.so: not for /bin/ip: its C library .*libc.so.6 lacks arc4random@GLIBC_2.36 (build link_fan.so on this system)" <<< "$out"; then
			echo "$out"
			echo "FAIL $label: glibc $libc_ver: a glibc 2.36 plugin was not refused as it should be"
			return 1
		fi
	fi
	echo "ok $label: link_fan.so fits, plugins in $lib, glibc $libc_ver: $out"
}

check "$(. /etc/os-release && echo "$VERSION_CODENAME") (this machine)" / || failed=1
for suite in ${FAN_CHROOTS-$("$top/scripts/kernel-chroot.sh" --list)}; do
	if ! envf=$("$top/scripts/kernel-chroot.sh" --env-file "$suite"); then
		echo "FAIL $suite: no chroot (scripts/kernel-chroot.sh $suite makes it)"
		failed=1
		continue
	fi
	check "$suite" "$(. "$envf" && echo "$ROOT")" || failed=1
done
exit "$failed"
