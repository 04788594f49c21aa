#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-ip.sh IP PLUGIN: can ip(8) binary IP load link_fan.so PLUGIN?
# check-ip.sh --lib-dir IP: the directory IP loads link_<kind>.so from
#
# The plugin uses ip's internals (iproute2_abi.h), which iproute2 does not
# promise to keep.  Three checks: IP's iproute2 release is in the range
# whose sources iproute2_abi.h was checked against (IP_ABI_CHECKED_MIN to
# IP_ABI_CHECKED_MAX), IP exports every symbol of ip's that PLUGIN
# imports (ip is linked with -export-dynamic; a stripped-down build may
# not be), and the C library IP runs with has every versioned symbol
# PLUGIN takes from it (a plugin built on a newer system may need a newer
# glibc).  Run it on the system (or in the chroot) whose ip it is about.
# Exit 0 and one line saying so, or 1 and why not.
#
# The library directory is compiled into ip: iproute2 up to 5.10 looks for
# LIBDIR/ip/link_<kind>.so, later ones in $IP_LIB_DIR or else LIBDIR/ip
# (Debian: /usr/lib/ip in bullseye, /usr/lib/<multiarch>/ip from bookworm).

set -u
here=$(cd "$(dirname "$0")" && pwd)

# The path ending in /ip (newer) or /ip/link_%s.so (older) among IP's
# NUL-terminated strings; the bytes before it may be printable, hence -o.
lib_dir()
{
	local dirs

	dirs=$(grep -z -a -o -E '/[[:alnum:]_./+-]*/ip(/link_%s\.so)?$' "$1" | tr '\0' '\n' |
	       sed 's,/link_%s\.so$,,' | sort -u)
	[ -n "$dirs" ] && [ "$(echo "$dirs" | wc -l)" = 1 ] || return 1
	echo "$dirs"
}

if [ "${1:-}" = --lib-dir ]; then
	ip=${2:?usage: check-ip.sh --lib-dir IP}
	lib_dir "$ip" && exit 0
	echo "check-ip.sh: cannot tell where $ip loads link_<kind>.so from (give IP_LIB_DIR)" >&2
	exit 1
fi

ip=${1:?usage: check-ip.sh IP PLUGIN}
so=${2:?usage: check-ip.sh IP PLUGIN}

no() { echo "link_fan.so: not for $ip: $*" >&2; exit 1; }
# lacking HAVE WANT: the words of WANT not in HAVE (pipes only: a chroot
# may have no /dev/fd for <(...))
# shellcheck disable=SC2086 # word splitting wanted: one symbol a word
lacking() { { printf 'h %s\n' $1; printf 'w %s\n' $2; } | awk '$1 == "h" { h[$2]; next } !($2 in h) { print $2 }' | sort -u; }

[ -x "$ip" ] || no "no such program"
abi() { sed -n "s/^#define $1[[:space:]]*\"\(.*\)\"/\1/p" "$here/iproute2_abi.h"; }
min=$(abi IP_ABI_CHECKED_MIN)
max=$(abi IP_ABI_CHECKED_MAX)
if [ -z "$min" ] || [ -z "$max" ]; then no "IP_ABI_CHECKED_MIN/MAX missing from iproute2_abi.h"; fi
# "ip utility, iproute2-6.1.0, libbpf 1.1.2"; some "iproute2-v5.10.0".
# (Debian bullseye's 5.10.0 says 5.9.0: upstream's
# 5.10.0 tarball shipped with the previous release's version.h.)
ver=$("$ip" -V 2>&1 | sed -n 's/.*iproute2-v\{0,1\}\([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -n1)
[ -n "$ver" ] || no "cannot tell its iproute2 release from '$("$ip" -V 2>&1)'"
older() { [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]; }
older "$ver" "$min" && no "iproute2 $ver is older than $min, the oldest whose plugin ABI was checked (iproute2_abi.h)"
older "$max" "$ver" && no "iproute2 $ver is newer than $max, the newest whose plugin ABI was checked (iproute2_abi.h)"

# What the plugin takes from ip: its undefined symbols without a library
# version (libc's carry one, e.g. strcmp@GLIBC_2.2.5).
imports=$(nm -D -u "$so") || no "cannot read $so's symbols (nm)"
want=$(awk '$1 == "U" && $2 !~ /@/ { print $2 }' <<< "$imports")
n=$(echo "$want" | wc -l)
[ -n "$want" ] || no "$so imports nothing from ip: not the plugin?"
have=$(nm -D --defined-only "$ip" 2>/dev/null | awk '{ print $3 }')
missing=$(lacking "$have" "$want")
[ -z "$missing" ] || no "ip does not export: ${missing//$'\n'/ }"

# What it takes from the C library, against the one ip is linked with.
libc=$(ldd "$ip" 2>/dev/null | awk '$1 ~ /^libc\.so/ { print $3 }')
if [ -z "$libc" ] || [ ! -r "$libc" ]; then no "cannot find its C library (ldd)"; fi
want=$(awk '$1 == "U" && $2 ~ /@GLIBC_/ { print $2 }' <<< "$imports")
have=$(nm -D --defined-only "$libc" | awk '{ sub("@@", "@", $3); print $3 }')
missing=$(lacking "$have" "$want")
[ -z "$missing" ] || no "its C library $libc lacks ${missing//$'\n'/ } (build link_fan.so on this system)"

echo "link_fan.so: fits $ip (iproute2 $ver, $n symbols of ip's; its plugins: $(lib_dir "$ip" || echo '?'))"
