#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Ubuntu's fanctl syntax: an overlay "250" is 250.0.0.0/8, an underlay
# without a length (ib0, 10.7.3.4, default) is a /16, and cloud-init's
# /etc/network/fan lines ("auto", "off") mean what Ubuntu documents.  Each
# shorthand must make exactly the fan of the long form: same bridge,
# marker, route, map and NAT rule.  Addresses are read as inet_pton reads
# them: 010.7.3.4 is refused.

. "$(dirname "$0")/fanctl_lib.sh"

# The state of H1, less the bridge's MAC address (random when it is made).
state()
{
	snapshot "$H1" | sed -E 's|link/ether [0-9a-f:]+|link/ether -|'
}

# The fan of the long form, to compare the shorthands against.
long_form()
{
	expect_rc 0 f1 up $OV ib0/16 || return 1
	state > "$tmp/long"
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1"
}

# same_as_long ARGS...: up ARGS makes the fan of "up 250.0.0.0/8 ib0/16"
same_as_long()
{
	local now
	expect_rc 0 f1 up "$@" || return 1
	now=$(state)
	[ "$now" = "$(cat "$tmp/long")" ] ||
		fail "'up $*' differs from 'up $OV ib0/16':
$(diff <(cat "$tmp/long") <(echo "$now"))" || return 1
}

test_shorthand_up_down()
{
	local u
	long_form || return 1
	# the long form is a fan (positive control of the comparison)
	grep -qF "250.0.0.0/8 dev ftun0" "$tmp/long" || fail "long form: no route: $(cat "$tmp/long")" ||
		return 1
	for u in ib0 10.7.3.4 default; do
		if [ "$u" = default ]; then
			h1 ip route add default via 10.7.9.200 dev ib0 || return 1
			# the default route is part of the state: compare with it
			expect_rc 0 f1 up $OV ib0/16 || return 1
			state > "$tmp/long"
			expect_rc 0 f1 down $OV ib0/16 || return 1
		fi
		same_as_long 250 "$u" || return 1
		# the marker has the length: the bridge says 10.7.3.4/16
		h1 ip -d link show $BR1 | grep -qF "alias fanctl 250.0.0.0/8 10.7.3.4/16 " ||
			fail "marker: $(h1 ip -d link show $BR1)" || return 1
		# down in the other form finds it
		expect_rc 0 f1 down $OV "$u/16" || return 1
		nothing_left "$H1" || return 1
		expect_rc 0 f1 up $OV "$u" || return 1
		expect_rc 0 f1 down 250 "$u" || return 1
		nothing_left "$H1" || return 1
		if [ "$u" = default ]; then
			h1 ip route del default || return 1
			long_form || return 1
		fi
	done
	# dashed options take the shorthands too
	same_as_long -o 250 -u ib0 || return 1
	expect_rc 0 f1 down --overlay=250 --underlay=ib0 || return 1
	nothing_left "$H1"
}

test_leading_zero_refused()
{
	local before
	before=$(snapshot "$H1")
	expect_rc 1 f1 up $OV 010.7.3.4/16 || return 1
	[ "$out" = "fanctl: underlay '010.7.3.4/16': '010.7.3.4' is not an IPv4 address" ] ||
		fail "message: $out" || return 1
	expect_rc 1 f1 up 0250 ib0 || return 1
	[ "$out" = "fanctl: overlay '0250': leading zero" ] || fail "message: $out" || return 1
	expect_rc 1 "$FANCTL" map 010.7.3.4 || return 1
	[ "$out" = "fanctl: '010.7.3.4' is not an IPv4 address" ] || fail "message: $out" || return 1
	[ "$before" = "$(snapshot "$H1")" ] || fail "refused input changed the system" || return 1
	# positive control: the same without the zero
	expect_rc 0 f1 up $OV 10.7.3.4/16 || return 1
	expect_rc 0 f1 down $OV 10.7.3.4/16 || return 1
	nothing_left "$H1"
}

# cloud-init's cc_fan writes /etc/network/fan as Ubuntu documents it.
test_config_ubuntu()
{
	cat > "$tmp/fan" <<-CONF
	# fan 250
	250 ib0 dhcp
	241.0.0.0/8 ib0/16 dhcp off
	100.64.0.0/10 10.7.3.0/24 no-nat auto
	CONF
	expect_rc 0 "$FANCTL" config "$tmp/fan" || return 1
	[ "$out" = "$tmp/fan:2: 250.0.0.0/8 ib0/16 host-reserve 1 nat dhcp
$tmp/fan:3: 241.0.0.0/8 ib0/16 host-reserve 1 nat dhcp off
$tmp/fan:4: 100.64.0.0/10 10.7.3.0/24 host-reserve 1 no-nat" ] || fail "config: $out" || return 1
	expect_rc 0 f1 up -a -c "$tmp/fan" || return 1
	h1 ip -o addr show dev $BR1 | grep -qF 250.3.4.1/24 || fail "250 not up" || return 1
	[ -s "$(rundir "$H1")/dnsmasq-$BR1.pid" ] || fail "250: no dnsmasq" || return 1
	h1 ip -o addr show dev fan-100-65-0 | grep -qF 100.65.0.1/18 || fail "auto line not up" ||
		return 1
	if h1 ip link show fan-241-3-4 > /dev/null 2>&1; then fail "the off line came up"; return 1; fi
	expect_rc 0 f1 down -a -c "$tmp/fan" || return 1
	nothing_left "$H1"
}

TESTS="
shorthand_up_down test_shorthand_up_down
leading_zero_refused test_leading_zero_refused
config_ubuntu test_config_ubuntu
"
fanctl_main
