#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The real ifup/ifdown (ifupdown) driving fanctl: a stanza with
# "up fanctl up ..." / "down fanctl down ...", and the if-up.d/if-down.d
# hooks reading the fans of a config file (stanza option fan-config).
# Installs fanctl and the hooks into the VM's scratch root, so it only runs
# in the test VM.

. "$(dirname "$0")/fanctl_lib.sh"

ifupdown_ready()
{
	command -v ifup >/dev/null || { echo "ifupdown not installed"; return 1; }
	[ "${FAN_IN_VM:-0}" = 1 ] || { echo "installs into /usr/local and /etc: VM only"; return 1; }
	[ -x /usr/local/sbin/fanctl ] && return 0
	make -s -C "$top/tools/fanctl" install PREFIX=/usr/local SYSCONFDIR=/etc >/dev/null
}

# iface file: ib0 static at $A1, plus the lines given
interfaces()
{
	{
		echo "iface ib0 inet static"
		echo "	address $A1/16"
		for l in "$@"; do echo "	$l"; done
	} > "$tmp/interfaces"
	mkdir -p "$tmp/state"
	h1 ip addr flush dev ib0
	h1 ip link set ib0 down
}

ifupdown()	# up|down
{
	ip netns exec "$H1" "if$1" -i "$tmp/interfaces" --state-dir "$tmp/state" ib0
}

test_stanza()
{
	ifupdown_ready || return "$KSFT_SKIP"
	interfaces "up fanctl up $OV ib0/16" "down fanctl down $OV ib0/16"
	expect_rc 0 ifupdown up || return 1
	h1 ip -o addr show dev ib0 | grep -q "$A1/16" || fail "ib0 not configured" || return 1
	h1 ip -o addr show dev $BR1 | grep -q "250.3.4.1/24" || fail "fan not up: $out" || return 1
	h1 ip route show $OV | grep -q "dev ftun0" || fail "no overlay route" || return 1
	expect_rc 0 ifupdown down || return 1
	nothing_left "$H1"
}

test_hooks()
{
	ifupdown_ready || return "$KSFT_SKIP"
	[ -x /etc/network/if-up.d/fanctl ] || fail "hook not installed" || return 1
	printf '%s\n' "# test" "$OV ib0/16 dhcp" "240.0.0.0/8 ib7/16" > "$tmp/fan"
	interfaces "fan-config $tmp/fan"
	expect_rc 0 ifupdown up || return 1
	h1 ip -o addr show dev $BR1 | grep -q "250.3.4.1/24" || fail "fan not up: $out" || return 1
	[ -s "$(rundir "$H1")/dnsmasq-$BR1.pid" ] || fail "no dnsmasq" || return 1
	if h1 ip link show fan-240-3-4 2>/dev/null; then fail "ib7's fan brought up for ib0"; return 1; fi
	expect_rc 0 ifupdown down || return 1
	nothing_left "$H1" || return 1
	if h1 ip -o addr show dev ib0 | grep -q inet; then fail "ib0 still configured"; return 1; fi
	return 0
}

# An error in the fan config (issue 19 item 7): a line of another device
# does not stop this device's fans; a line of this device stops them, and
# the hook says so, but ifup (the interface itself) still succeeds.
test_hook_config_error()
{
	ifupdown_ready || return "$KSFT_SKIP"
	printf '%s\n' "$OV ib0/16" "240.0.0.0/8 ib7/16 host-reserve many" > "$tmp/fan"
	interfaces "fan-config $tmp/fan"
	expect_rc 0 ifupdown up || return 1
	echo "$out"
	echo "$out" | grep -qxF "fanctl: warning: $tmp/fan:2: the error is in a fan of ib7: ignored for ib0" ||
		fail "no word of the ignored line" || return 1
	h1 ip -o addr show dev $BR1 | grep -q "250.3.4.1/24" || fail "fan not up" || return 1
	expect_rc 0 ifupdown down || return 1
	nothing_left "$H1" || return 1
	# the error in ib0's own line: no fan, ifup goes on, the hook says why
	printf '%s\n' "$OV ib0/16 host-reserve many" > "$tmp/fan"
	expect_rc 0 ifupdown up || return 1
	echo "$out"
	echo "$out" | grep -qxF "if-up.d/fanctl: no fan brought up for ib0: $tmp/fan has errors (fanctl config $tmp/fan)" ||
		fail "the hook does not say why" || return 1
	echo "$out" | grep -qF "$tmp/fan:1: " || fail "no line number" || return 1
	h1 ip -o addr show dev ib0 | grep -q "$A1/16" || fail "ib0 not configured" || return 1
	nothing_left "$H1" || return 1
	expect_rc 0 ifupdown down || return 1
	echo "$out"
	echo "$out" | grep -qxF "if-down.d/fanctl: $tmp/fan has errors: only the fans fanctl brought up for ib0 from it were taken down (fanctl config $tmp/fan)" ||
		fail "the if-down.d hook does not say why" || return 1
	# control: fixed, the same ifup brings the fan up
	printf '%s\n' "$OV ib0/16" > "$tmp/fan"
	expect_rc 0 ifupdown up || return 1
	h1 ip -o addr show dev $BR1 | grep -q "250.3.4.1/24" || fail "fan not up" || return 1
	expect_rc 0 ifupdown down || return 1
	nothing_left "$H1"
}

TESTS="
ifupdown_stanza test_stanza
ifupdown_hooks test_hooks
ifupdown_hook_config_error test_hook_config_error
"
fanctl_main
