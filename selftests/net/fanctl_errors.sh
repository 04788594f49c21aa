#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fanctl's bad input: exit 1 for usage and parse errors with the bad token
# named, exit 2 when the system refuses (with the kernel's extack message),
# and nothing changed either way.

. "$(dirname "$0")/fanctl_lib.sh"

# check RC PATTERN ARGS...: fanctl ARGS exits RC, says PATTERN, and
# changes nothing.  The state after one check is the one before the next
# unless something ran in H1 in between (h1/f1 drop SNAP_H1).
check()
{
	local want=$1 pat=$2 before after
	shift 2
	before=${SNAP_H1:-$(snapshot "$H1")}
	SNAP_H1=
	if ! expect_rc "$want" f1 "$@"; then
		return 1
	fi
	if ! printf '%s\n' "$out" | grep -qF -- "$pat"; then
		echo "'fanctl $*': message lacks '$pat': $out"
		return 1
	fi
	after=$(snapshot "$H1")
	[ "$before" = "$after" ] || fail "'fanctl $*' changed the system" || return 1
	SNAP_H1=$after
}

test_usage_errors()
{
	local bad=0
	check 1 "unknown command 'frob'" frob || bad=1
	check 1 "usage: fanctl" || bad=1
	check 1 "usage: fanctl up" up || bad=1
	check 1 "'250.0.0.1/8' has host bits set" up 250.0.0.1/8 ib0/16 || bad=1
	check 1 "'bogus' is not a prefix" up bogus ib0/16 || bad=1
	check 1 "underlay 'ib0/': bad prefix length" up $OV ib0/ || bad=1
	check 1 "'010.7.3.4' is not an IPv4 address" up $OV 010.7.3.4/16 || bad=1
	check 1 "'10.7.3/16'" up $OV 10.7.3/16 || bad=1
	check 1 "overlay prefix must be shorter" up $OV ib0/8 || bad=1
	check 1 "fewer than 2 bits" up $OV ib0/9 || bad=1
	check 1 "unknown option 'dchp'" up $OV ib0/16 dchp || bad=1
	check 1 "option 'host-reserve' needs a value" up $OV ib0/16 host-reserve || bad=1
	check 1 "'x' is not a number" up $OV ib0/16 host-reserve x || bad=1
	check 1 "'auto' is only valid in the config file" up $OV ib0/16 auto || bad=1
	check 1 "host-reserve 300 leaves no container address" up $OV ib0/16 host-reserve 300 || bad=1
	check 1 "mtu 2025 is larger than the underlay MTU 2044 of ib0 minus 20" \
		up $OV ib0/16 mtu 2025 || bad=1
	check 1 "-c and --iface need -a" up -c /dev/null $OV ib0/16 || bad=1
	check 1 "down -e takes no other arguments" down -e $OV ib0/16 || bad=1
	check 1 "show: unexpected argument 'x'" show x || bad=1
	check 1 "map: missing ADDRESS" map || bad=1
	# an option its command would ignore is an error, not silence
	check 1 "down takes no option 'dhcp'" down $OV ib0/16 dhcp || bad=1
	check 1 "down takes no option '--mtu'" down $OV ib0/16 --mtu 1400 || bad=1
	check 1 "docker and cni take no option 'nat'" docker $OV ib0/16 nat || bad=1
	check 1 "incus takes no option 'host-reserve'" incus $OV ib0/16 host-reserve 4 || bad=1
	check 1 "up takes no option '-f'" up -f $OV ib0/16 || bad=1
	check 1 "unknown option '-x'" config -x || bad=1
	check 1 "unknown option '--frob'" show --frob || bad=1
	check 1 "ambiguous option '--m'" up $OV ib0/16 --m 1400 || bad=1
	check 1 "option 'host-reserve' needs a value" up $OV ib0/16 host-reserve --dhcp || bad=1
	# positive controls: what those commands do take
	expect_rc 0 f1 docker $OV ib0/16 host-reserve 4 mtu 1400 || bad=1
	expect_rc 0 f1 incus $OV ib0/16 mtu 1400 || bad=1
	expect_rc 0 f1 down -f --overlay=$OV -u ib0/16 || bad=1	# not up: a no-op
	expect_rc 0 f1 show -j || bad=1
	check 1 "'250.0.0.0/33' is not a prefix" map 1.2.3.4 250.0.0.0/33 10.0.0.0/16 || bad=1
	return $bad
}

test_system_errors()
{
	local bad=0
	check 2 "underlay ib9/16: no such device 'ib9'" up $OV ib9/16 || bad=1
	check 2 "10.7.3.5 is not an address of this host" up $OV 10.7.3.5/16 || bad=1
	check 2 "underlay 10.8.0.0/16: no address of this host is in it" up $OV 10.8.0.0/16 || bad=1
	check 2 "no IPv4 default route" up $OV default/16 || bad=1
	h1 ip link add dum0 type bridge
	check 2 "dum0 has no IPv4 address" up $OV dum0/16 || bad=1
	h1 ip link del dum0
	# the underlay address is the all-zeros host of its /24
	h1 ip addr add 10.9.1.0/16 dev ib0
	check 1 "underlay address 10.9.1.0 is not a host of 10.9.1.0/24" up $OV 10.9.1.0/24 ||
		bad=1
	h1 ip addr del 10.9.1.0/16 dev ib0
	# a foreign device with the bridge's name
	h1 ip link add $BR1 type bridge
	check 2 "device $BR1 exists and was not made by fanctl" up $OV ib0/16 || bad=1
	h1 ip link del $BR1
	return $bad
}

test_kernel_extack()
{
	local bad=0
	# overlapping overlay on the same device: the kernel refuses, says why
	expect_rc 0 f1 up $OV ib0/16 || return 1
	before=$(snapshot "$H1")
	expect_rc 2 f1 up 250.0.0.0/9 ib0/24 || bad=1
	echo "$out"
	echo "$out" | grep -q "(kernel: " || { echo "no extack: $out"; bad=1; }
	[ "$before" = "$(snapshot "$H1")" ] || { echo "changed the system"; bad=1; }
	expect_rc 0 f1 down $OV ib0/16 || bad=1
	nothing_left "$H1" || bad=1
	return $bad
}

test_no_module()
{
	# only if nothing else holds the module
	rmmod fan 2>/dev/null || { echo "fan.ko in use"; return "$KSFT_SKIP"; }
	check 2 "modprobe fan" up $OV ib0/16
	local rc=$? saved=("${loaded[@]}")
	# reload; unload at exit only if this script loaded it first
	load_module fan || { echo "cannot reload fan.ko"; return 1; }
	loaded=("${saved[@]}")
	return $rc
}

test_help()
{
	local bad=0 c
	expect_rc 0 "$FANCTL" --help || bad=1
	for c in up down show map config docker cni incus showconf syncconf; do
		expect_rc 0 "$FANCTL" $c --help || bad=1
		echo "$out" | grep -q "^usage: fanctl $c" || { echo "$c --help: $out"; bad=1; }
		expect_rc 0 "$FANCTL" help $c || bad=1
		expect_rc 0 "$FANCTL" $c -h || bad=1
		# as "ip link help"
		expect_rc 0 "$FANCTL" $c help || bad=1
		echo "$out" | grep -q "^usage: fanctl $c" || { echo "$c help: $out"; bad=1; }
		# the man page documents the command
		grep -q "^\.B fanctl $c" "$top/tools/fanctl/fanctl.8" ||
			{ echo "fanctl.8 lacks $c"; bad=1; }
	done
	expect_rc 1 "$FANCTL" help frob || bad=1
	return $bad
}

TESTS="
usage_errors test_usage_errors
system_errors test_system_errors
kernel_extack test_kernel_extack
help test_help
no_module test_no_module
"
fanctl_main
