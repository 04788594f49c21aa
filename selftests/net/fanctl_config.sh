#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# /etc/network/fan handling: "fanctl config" (each fan as understood, each
# error with its line number), "up -a" / "down -a" with -c, "off" lines,
# --iface filtering, and a bad file changing nothing.

. "$(dirname "$0")/fanctl_lib.sh"

test_config_check()
{
	cat > "$tmp/fan" <<-CONF
	# fan 250
	250.0.0.0/8 ib0/16 dhcp
	241.0.0.0/8 eth7/16 off   # another fabric
	100.64.0.0/10 10.7.3.0/24 host-reserve 3 no-nat
	CONF
	expect_rc 0 "$FANCTL" config "$tmp/fan" || return 1
	[ "$out" = "$tmp/fan:2: 250.0.0.0/8 ib0/16 host-reserve 1 nat dhcp
$tmp/fan:3: 241.0.0.0/8 eth7/16 host-reserve 1 nat off
$tmp/fan:4: 100.64.0.0/10 10.7.3.0/24 host-reserve 3 no-nat" ] || fail "output: $out" || return 1

	cat > "$tmp/bad" <<-CONF
	250.0.0.0/8 ib0/16 dchp
	# fine
	251.0.0.0/8 ib0/8
	252.0.0.0/8
	250.0.0.0/8 ib0/16
	250.0.0.0/8 ib0/16
	CONF
	expect_rc 1 "$FANCTL" config "$tmp/bad" || return 1
	echo "$out"
	echo "$out" | grep -q "$tmp/bad:1: unknown option 'dchp'" || fail "line 1" || return 1
	echo "$out" | grep -q "$tmp/bad:3: .*shorter" || fail "line 3" || return 1
	echo "$out" | grep -q "$tmp/bad:4: missing UNDERLAY" || fail "line 4" || return 1
	echo "$out" | grep -q "$tmp/bad:6: same fan as line 5" || fail "line 6" || return 1
	echo "$out" | grep -q "$tmp/bad: 4 errors" || fail "count" || return 1
	expect_rc 2 "$FANCTL" config /nonexistent/fan || return 1
}

test_up_all()
{
	cat > "$tmp/fan" <<-CONF
	250.0.0.0/8 ib0/16
	100.64.0.0/10 10.7.3.0/24 no-nat
	241.0.0.0/8 ib0/16 off
	CONF
	expect_rc 0 f1 up -a -c "$tmp/fan" || return 1
	h1 ip -o addr show dev $BR1 | grep -q 250.3.4.1/24 || fail "first fan" || return 1
	h1 ip -o addr show dev fan-100-65-0 | grep -q 100.65.0.1/18 || fail "second fan" || return 1
	if h1 ip link show fan-241-3-4 2>/dev/null; then fail "off line brought up"; return 1; fi
	# again: a no-op
	before=$(snapshot "$H1")
	expect_rc 0 f1 up -a -c "$tmp/fan" || return 1
	[ "$before" = "$(snapshot "$H1")" ] || fail "second up -a changed things" || return 1
	expect_rc 0 f1 down -a -c "$tmp/fan" || return 1
	nothing_left "$H1"
}

test_iface_filter()
{
	h1 ip link add ib1 type bridge
	h1 ip addr add 10.20.0.5/16 dev ib1
	h1 ip link set ib1 up
	cat > "$tmp/fan" <<-CONF
	250.0.0.0/8 ib0/16
	240.0.0.0/8 10.20.0.5/16
	CONF
	expect_rc 0 f1 up -a -c "$tmp/fan" --iface ib1 || return 1
	h1 ip link show fan-240-0-5 >/dev/null || fail "ib1 fan not up" || return 1
	if h1 ip link show $BR1 2>/dev/null; then fail "ib0 fan brought up for ib1"; return 1; fi
	expect_rc 0 f1 up -a -c "$tmp/fan" --iface ib0 || return 1
	h1 ip link show $BR1 >/dev/null || fail "ib0 fan not up" || return 1
	expect_rc 0 f1 down -a -c "$tmp/fan" --iface ib1 || return 1
	if h1 ip link show fan-240-0-5 2>/dev/null; then fail "ib1 fan still up"; return 1; fi
	h1 ip link show $BR1 >/dev/null || fail "ib0 fan went down with ib1" || return 1
	expect_rc 0 f1 down -a -c "$tmp/fan" || return 1
	h1 ip link del ib1
	nothing_left "$H1"
}

test_bad_file_changes_nothing()
{
	printf '250.0.0.0/8 ib0/16\n251.0.0.0/8 ib0/16 frob\n' > "$tmp/fan"
	before=$(snapshot "$H1")
	expect_rc 1 f1 up -a -c "$tmp/fan" || return 1
	echo "$out" | grep -q ":2: unknown option 'frob'" || fail "$out" || return 1
	echo "$out" | grep -q "nothing done" || fail "$out" || return 1
	[ "$before" = "$(snapshot "$H1")" ] || fail "changed the system"
}

test_one_fails_others_stand()
{
	# the second fan fails (no such device); the first stays up, exit 2
	printf '250.0.0.0/8 ib0/16\n240.0.0.0/8 ib7/16\n' > "$tmp/fan"
	expect_rc 2 f1 up -a -c "$tmp/fan" || return 1
	echo "$out" | grep -q "no such device 'ib7'" || fail "$out" || return 1
	h1 ip link show $BR1 >/dev/null || fail "first fan not up" || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1"
}

TESTS="
config_check test_config_check
up_all_down_all test_up_all
iface_filter test_iface_filter
bad_file_changes_nothing test_bad_file_changes_nothing
one_fails_others_stand test_one_fails_others_stand
"
fanctl_main
