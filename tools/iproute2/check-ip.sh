#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check-ip.sh IP PLUGIN: can ip(8) binary IP load link_fan.so PLUGIN?
#
# The plugin uses ip's internals (iproute2_abi.h), which iproute2 does not
# promise to keep.  Two checks: IP's iproute2 release is in the range
# whose sources iproute2_abi.h was checked against (5.10 up to
# IP_ABI_CHECKED_MAX), and IP exports every symbol of ip's that PLUGIN
# imports (ip is linked with -export-dynamic; a stripped-down build may
# not be).  Exit 0 and one line saying so, or 1 and why not.

set -u
ip=${1:?usage: check-ip.sh IP PLUGIN}
so=${2:?usage: check-ip.sh IP PLUGIN}
here=$(cd "$(dirname "$0")" && pwd)

no() { echo "link_fan.so: not for $ip: $*" >&2; exit 1; }

[ -x "$ip" ] || no "no such program"
max=$(sed -n 's/^#define IP_ABI_CHECKED_MAX[[:space:]]*"\(.*\)"/\1/p' "$here/iproute2_abi.h")
[ -n "$max" ] || no "IP_ABI_CHECKED_MAX missing from iproute2_abi.h"
# "ip utility, iproute2-6.1.0, libbpf 1.1.2"; older ones "iproute2-v5.10.0"
ver=$("$ip" -V 2>&1 | sed -n 's/.*iproute2-v\{0,1\}\([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -n1)
[ -n "$ver" ] || no "cannot tell its iproute2 release from '$("$ip" -V 2>&1)'"
older() { [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]; }
older "$ver" 5.10 && no "iproute2 $ver is older than 5.10, the oldest checked"
older "$max" "$ver" && no "iproute2 $ver is newer than $max, the newest whose plugin ABI was checked (iproute2_abi.h)"

# What the plugin takes from ip: its undefined symbols without a library
# version (libc's carry one, e.g. strcmp@GLIBC_2.2.5).
want=$(nm -D -u "$so" | awk '$1 == "U" && $2 !~ /@/ { print $2 }') ||
	no "cannot read $so's symbols (nm)"
[ -n "$want" ] || no "$so imports nothing from ip: not the plugin?"
have=$(nm -D --defined-only "$ip" 2>/dev/null | awk '{ print $3 }')
missing=$(comm -23 <(printf '%s\n' "$want" | sort -u) <(printf '%s\n' "$have" | sort -u))
[ -z "$missing" ] || no "ip does not export: $(echo $missing)"
echo "link_fan.so: fits $ip (iproute2 $ver, $(echo "$want" | wc -l) symbols of ip's)"
