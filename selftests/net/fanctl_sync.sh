#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fanctl showconf and syncconf, as wg's: the running fans as config lines
# (which bring up the same fans again), and a config file made the running
# state: its fans up, fanctl's others down, a changed fan made again, an
# unchanged one not touched, a fan with containers kept, and a bad file
# changing nothing.

. "$(dirname "$0")/fanctl_lib.sh"

S_LOCAL=100.64.0.0/10
BR_B=fan-100-65-0

# The state of H1, less the bridges' MAC addresses (random when made).
state()
{
	snapshot "$H1" | sed -E 's|link/ether [0-9a-f:]+|link/ether -|'
}

ifindex()	# DEV
{
	h1 cat "/sys/class/net/$1/ifindex"
}

test_showconf_roundtrip()
{
	local before
	expect_rc 0 f1 showconf || return 1
	[ -z "$out" ] || fail "nothing up, yet: $out" || return 1
	expect_rc 0 f1 up 250 ib0 dhcp host-reserve 3 bridge fanb || return 1
	expect_rc 0 f1 up $S_LOCAL 10.7.3.0/24 no-nat mode auto || return 1
	expect_rc 0 f1 showconf || return 1
	[ "$out" = "250.0.0.0/8 10.7.3.4/16 host-reserve 3 nat dhcp bridge fanb
100.64.0.0/10 10.7.3.4/24 host-reserve 1 no-nat mode auto" ] ||
		fail "showconf: $out" || return 1
	printf '%s\n' "$out" > "$tmp/fan"
	expect_rc 0 "$FANCTL" config "$tmp/fan" || return 1
	before=$(state)
	expect_rc 0 f1 down -e || return 1
	nothing_left "$H1" || return 1
	# what showconf printed brings the same fans up again
	expect_rc 0 f1 syncconf "$tmp/fan" || return 1
	[ "$before" = "$(state)" ] ||
		fail "not the same: $(diff <(echo "$before") <(state))" || return 1
	expect_rc 0 f1 down -e || return 1
	nothing_left "$H1"
}

test_syncconf()
{
	local a b
	cat > "$tmp/both" <<-CONF
	250 ib0
	$S_LOCAL 10.7.3.0/24 no-nat
	CONF
	expect_rc 0 f1 syncconf "$tmp/both" || return 1
	a=$(ifindex $BR1)
	b=$(ifindex $BR_B)
	# again: nothing touched (the same bridges, not made again)
	expect_rc 0 f1 syncconf "$tmp/both" || return 1
	[ "$(ifindex $BR1)" = "$a" ] && [ "$(ifindex $BR_B)" = "$b" ] ||
		fail "an unchanged fan was made again" || return 1
	# one fan left out: down; the other untouched
	echo "250 ib0" > "$tmp/one"
	expect_rc 0 f1 syncconf "$tmp/one" || return 1
	if h1 ip link show $BR_B > /dev/null 2>&1; then fail "$BR_B still up"; return 1; fi
	[ "$(ifindex $BR1)" = "$a" ] || fail "$BR1 was made again" || return 1
	# an option changed: that fan made again, as the file says
	echo "250 ib0 no-nat" > "$tmp/one"
	expect_rc 0 f1 syncconf "$tmp/one" || return 1
	h1 ip -d link show $BR1 | grep -qF "alias fanctl 250.0.0.0/8 10.7.3.4/16 host-reserve 1 no-nat" ||
		fail "not made again: $(h1 ip -d link show $BR1)" || return 1
	if h1 nft list table ip fanctl > /dev/null 2>&1; then
		fail "the masquerade rule stayed"
		return 1
	fi
	# an "off" line is not brought up, and goes down
	echo "250 ib0 no-nat off" > "$tmp/one"
	expect_rc 0 f1 syncconf "$tmp/one" || return 1
	nothing_left "$H1"
}

test_syncconf_refuses()
{
	local before
	expect_rc 0 f1 up 250 ib0 || return 1
	before=$(state)
	# a bad line, or a fan that does not resolve here: nothing done
	printf '251 ib0\n252 ib0 dchp\n' > "$tmp/bad"
	expect_rc 1 f1 syncconf "$tmp/bad" || return 1
	echo "$out" | grep -qF "$tmp/bad:2: unknown option 'dchp'" || fail "message: $out" || return 1
	printf '251 ib0\n252 ib9\n' > "$tmp/bad"
	expect_rc 2 f1 syncconf "$tmp/bad" || return 1
	echo "$out" | grep -qF "no such device 'ib9'" || fail "message: $out" || return 1
	[ "$before" = "$(state)" ] || fail "changed: $(diff <(echo "$before") <(state))" ||
		return 1
	expect_rc 1 f1 syncconf || return 1
	echo "$out" | grep -qF "syncconf: missing FILE" || fail "message: $out" || return 1
	# a fan with a container is kept, as by down (exit 3)
	container "$H1" c1 $BR1 250.3.4.20/24 250.3.4.1 || return 1
	: > "$tmp/empty"
	expect_rc 3 f1 syncconf "$tmp/empty" || return 1
	h1 ip link show $BR1 > /dev/null || fail "$BR1 taken down with a port" || return 1
	container_del "$H1" c1
	# positive control: without the container, the empty file takes it down
	expect_rc 0 f1 syncconf "$tmp/empty" || return 1
	nothing_left "$H1"
}

TESTS="
showconf_roundtrip test_showconf_roundtrip
syncconf test_syncconf
syncconf_refuses test_syncconf_refuses
"
fanctl_main
