#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One fanctl at a time (issue 19 item 2): "up" and "down" take a flock on
# /run/fanctl, so the boot unit and the ifupdown hooks cannot interleave.
# An up waits while flock(1) holds the lock and completes after; two ups
# started together both succeed and make one fan, exactly as one up does;
# an up and a down started together leave either the whole fan or
# nothing, both exiting 0; a lock held past -w's seconds makes fanctl give up
# (exit 2) naming the holder.

. "$(dirname "$0")/fanctl_lib.sh"

ROUNDS=4

# ns_procs HOST COMM: how many processes named COMM run in HOST
ns_procs()
{
	local p n=0
	for p in $(ip netns pids "$1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" != "$2" ] || n=$((n + 1))
	done
	echo $n
}

# The state of one complete fan (made by a lone up, in test_setup)
test_setup()
{
	expect_rc 0 f1 up $OV ib0/16 dhcp || return 1
	snapshot "$H1" > "$tmp/up-snap"
	[ "$(ns_procs "$H1" dnsmasq)" = 1 ] || fail "dnsmasq: $(ns_procs "$H1" dnsmasq)" || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	snapshot "$H1" > "$tmp/down-snap"
	nothing_left "$H1"
}

is_up() { [ "$(snapshot "$H1")" = "$(cat "$tmp/up-snap")" ]; }
is_down() { [ "$(snapshot "$H1")" = "$(cat "$tmp/down-snap")" ]; }

# hold_lock: flock(1) holds fanctl's lock until release_lock (this returns
# once it has it); its pid in $holder
hold_lock()
{
	rm -f "$tmp/held" "$tmp/release"
	flock /run/fanctl sh -c ": > $tmp/held; while [ ! -e $tmp/release ]; do sleep 0.1; done" &
	holder=$!
	for _ in $(seq 300); do [ -e "$tmp/held" ] && return 0; sleep 0.1; done
	fail "flock(1) did not get the lock"
}

release_lock() { : > "$tmp/release"; wait "$holder"; }

test_waits_for_flock()
{
	local holder pid rc
	hold_lock || return 1
	f1 -v up $OV ib0/16 dhcp > "$tmp/out" 2>&1 &
	pid=$!
	for _ in $(seq 300); do grep -q "waiting for another fanctl" "$tmp/out" && break; sleep 0.1; done
	cat "$tmp/out"
	grep -q "waiting for another fanctl (pid $holder) to finish" "$tmp/out" ||
		fail "no word of the wait" || { release_lock; return 1; }
	sleep 1
	kill -0 $pid 2>/dev/null || fail "up did not wait for the lock: $(cat "$tmp/out")" ||
		{ release_lock; return 1; }
	if h1 ip link show $BR1 >/dev/null 2>&1; then
		fail "up changed the system while the lock was held"
		release_lock
		return 1
	fi
	release_lock
	wait $pid
	rc=$?
	[ $rc = 0 ] || fail "up exited $rc after the wait: $(cat "$tmp/out")" || return 1
	is_up || fail "up after the wait made something else than a lone up" || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	is_down || fail "down left something"
}

# Two ups together: both 0, one fan, one dnsmasq
test_two_ups()
{
	local i p1 p2 r1 r2
	for i in $(seq $ROUNDS); do
		f1 up $OV ib0/16 dhcp > "$tmp/o1" 2>&1 & p1=$!
		f1 up $OV ib0/16 dhcp > "$tmp/o2" 2>&1 & p2=$!
		wait $p1; r1=$?
		wait $p2; r2=$?
		[ $r1 = 0 ] && [ $r2 = 0 ] ||
			fail "round $i: exits $r1, $r2: $(cat "$tmp/o1" "$tmp/o2")" || return 1
		is_up || fail "round $i: not one whole fan: $(snapshot "$H1" | diff "$tmp/up-snap" -)" || return 1
		[ "$(ns_procs "$H1" dnsmasq)" = 1 ] ||
			fail "round $i: $(ns_procs "$H1" dnsmasq) dnsmasq" || return 1
		[ "$(ns_procs "$H1" fanctl-dhcp)" = 1 ] ||
			fail "round $i: $(ns_procs "$H1" fanctl-dhcp) supervisors" || return 1
		expect_rc 0 f1 down $OV ib0/16 || return 1
		is_down || fail "round $i: down left something" || return 1
	done
	echo "$ROUNDS rounds: both ups exited 0, one fan, one dnsmasq"
}

# up and down together, from nothing and from up: all or nothing, both 0
test_up_down()
{
	local i p1 p2 r1 r2 start res up=0 down=0
	for i in $(seq $((2 * ROUNDS))); do
		start=down
		if [ $((i % 2)) = 0 ]; then
			expect_rc 0 f1 up $OV ib0/16 dhcp || return 1
			start=up
		fi
		f1 up $OV ib0/16 dhcp > "$tmp/o1" 2>&1 & p1=$!
		f1 down $OV ib0/16 > "$tmp/o2" 2>&1 & p2=$!
		wait $p1; r1=$?
		wait $p2; r2=$?
		[ $r1 = 0 ] && [ $r2 = 0 ] ||
			fail "round $i (from $start): exits $r1, $r2: $(cat "$tmp/o1" "$tmp/o2")" || return 1
		if is_up; then
			res=up; up=$((up + 1))
			[ "$(ns_procs "$H1" dnsmasq)" = 1 ] || fail "round $i: no dnsmasq" || return 1
		elif is_down; then
			res=down; down=$((down + 1))
			[ "$(ns_procs "$H1" dnsmasq)" = 0 ] || fail "round $i: dnsmasq left" || return 1
		else
			fail "round $i (from $start): half a fan: $(snapshot "$H1" | diff "$tmp/up-snap" -)"
			return 1
		fi
		echo "round $i from $start: $res"
		[ $res = down ] || expect_rc 0 f1 down $OV ib0/16 || return 1
	done
	echo "whole fan $up times, nothing $down times"
}

# A lock held past -w's seconds (60 by default, as fanctl.8 says): fanctl
# gives up, exit 2; -w 0 does not wait at all.
test_lock_timeout()
{
	local holder t0 t
	hold_lock || return 1
	t0=$SECONDS
	expect_rc 2 f1 -w 3 up $OV ib0/16 || { release_lock; return 1; }
	t=$((SECONDS - t0))
	echo "$out (after $t s)"
	[ "$out" = "fanctl: another fanctl (pid $holder) has held the lock on /run/fanctl for 3 s: giving up" ] ||
		fail "message" || { release_lock; return 1; }
	[ $t -ge 3 ] || fail "gave up after $t s" || { release_lock; return 1; }
	expect_rc 2 f1 -w 0 up $OV ib0/16 || { release_lock; return 1; }
	echo "$out"
	[ "$out" = "fanctl: another fanctl (pid $holder) holds the lock on /run/fanctl: not waiting (-w 0)" ] ||
		fail "message of -w 0" || { release_lock; return 1; }
	release_lock
	is_down || fail "a fanctl that gave up changed the system" || return 1
	# control: with the lock free, the same up works
	expect_rc 0 f1 up $OV ib0/16 dhcp || return 1
	is_up || fail "up" || return 1
	expect_rc 0 f1 down $OV ib0/16
}

TESTS="
setup test_setup
waits_for_flock test_waits_for_flock
two_ups_together test_two_ups
up_and_down_together test_up_down
lock_timeout test_lock_timeout
"
fanctl_main
