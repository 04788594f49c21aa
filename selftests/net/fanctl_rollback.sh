#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fanctl up is all or nothing: FANCTL_FAIL_AT=STEP (fanctl-test only) makes
# each step fail in turn; up must exit 2 and leave the host exactly as it
# was, for a fresh fan and for a second map on an existing fan device.

. "$(dirname "$0")/fanctl_lib.sh"

STEPS="fan fan-up bridge bridge-config address bridge-up route forward nat notrack dhcp"

rollback_each()	# extra args of up
{
	local step before after bad=0
	# Each step's "after" is the next one's "before".
	before=$(snapshot "$H1")
	for step in $STEPS; do
		out=$(ft1 "$step" up "$@" 2>&1)
		rc=$?
		after=$(snapshot "$H1")
		if [ "$rc" != 2 ]; then
			echo "step $step: exit $rc, expected 2: $out"
			bad=1
		fi
		if ! echo "$out" | grep -q "step $step: injected failure"; then
			echo "step $step: no message: $out"
			bad=1
		fi
		if [ "$before" != "$after" ]; then
			echo "step $step: state changed:"
			diff <(echo "$before") <(echo "$after")
			bad=1
			before=$after
		fi
	done
	return $bad
}

test_rollback_fresh()
{
	h1 sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward'
	rollback_each $OV ib0/16 dhcp notrack || return 1
	nothing_left "$H1" || return 1
	[ "$(h1 cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || fail "ip_forward left on"
}

test_rollback_second_map()
{
	expect_rc 0 f1 up 100.64.0.0/10 ib0/24 || return 1
	rollback_each $OV ib0/16 dhcp notrack || return 1
	f1 show --json | jq -e '.devices[0].maps | length == 1' >/dev/null ||
		fail "maps: $(f1 show --json)" || return 1
	expect_rc 0 f1 down 100.64.0.0/10 ib0/24 || return 1
	nothing_left "$H1"
}

test_up_after_rollback()
{
	# an unknown step name changes nothing
	expect_rc 0 ft1 no-such-step up $OV ib0/16 dhcp || return 1
	h1 ip -o addr show dev $BR1 | grep -q 250.3.4.1/24 || fail "not up" || return 1
	[ -s "$(rundir "$H1")/dnsmasq-$BR1.pid" ] || fail "no dnsmasq" || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1"
}

# up's plan is STEPS, in this order: "fanctl -v up" names each step as it
# runs it (so every step above was made to fail, and none is missing)
test_steps_in_order()
{
	local got
	expect_rc 0 f1 -v up $OV ib0/16 dhcp notrack || return 1
	got=$(echo "$out" | sed -n 's/^fanctl: step //p' | tr '\n' ' ')
	[ "$got" = "$STEPS " ] || fail "steps: '$got', not '$STEPS': $out" || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1"
}

# The installed binary has no fault injection: FANCTL_FAIL_AT is ignored.
test_no_injection_installed()
{
	expect_rc 0 env FANCTL_FAIL_AT=fan ip netns exec "$H1" "$FANCTL" up $OV ib0/16 || return 1
	h1 ip -o addr show dev $BR1 | grep -q 250.3.4.1/24 || fail "not up" || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	# positive control: the test build does fail at that step
	expect_rc 2 ft1 fan up $OV ib0/16 || return 1
	[ "$out" = "fanctl: step fan: injected failure (FANCTL_FAIL_AT)" ] ||
		fail "fanctl-test: $out" || return 1
	grep -q FANCTL_FAIL_AT "$FANCTL_TEST" || fail "grep finds nothing in $FANCTL_TEST" || return 1
	if grep -q FANCTL_FAIL_AT "$FANCTL"; then
		fail "$FANCTL has FANCTL_FAIL_AT in it"
		return 1
	fi
	nothing_left "$H1"
}

TESTS="
rollback_fresh test_rollback_fresh
rollback_second_map test_rollback_second_map
up_after_rollback test_up_after_rollback
steps_in_order test_steps_in_order
no_injection_installed test_no_injection_installed
"
fanctl_main
