#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Proves the test harness, not the fan: namespaces, the underlay switch,
# a Docker-style container veth, wait_for, KTAP output and dmesg_check.

# shellcheck source-path=SCRIPTDIR
set -u
lib=$(dirname "$0")/../lib
# shellcheck source=../lib/ktap.sh
. "$lib/ktap.sh"
# shellcheck source=../lib/netns.sh
. "$lib/netns.sh"

ktap_print_header
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
	ktap_skip_all "needs root and ip netns"
fi
ktap_set_plan 5

ok=1
underlay_switch_create sw &&
	underlay_host_add h1 10.7.3.4/16 &&
	underlay_host_add h2 10.7.9.200/16 || ok=0
if [ $ok = 1 ] && wait_for 10 ns_exec h1 ping -c1 -W1 -q 10.7.9.200 >/dev/null; then
	ktap_test_pass "underlay: h1 reaches h2 through the switch"
else
	ktap_test_fail "underlay: h1 reaches h2 through the switch"
fi

ok=1
ns_exec h1 ip link add br-c type bridge &&
	ns_exec h1 ip link set br-c type bridge forward_delay 0 &&
	ns_exec h1 ip addr add 250.3.4.1/24 dev br-c &&
	ns_exec h1 ip link set br-c up &&
	container_add c1 h1 br-c 250.3.4.2/24 250.3.4.1 || ok=0
if [ $ok = 1 ] && wait_for 10 ns_exec c1 ping -c1 -W1 -q 250.3.4.1 >/dev/null; then
	ktap_test_pass "container: c1 reaches its bridge in h1"
else
	ktap_test_fail "container: c1 reaches its bridge in h1"
fi

# The container must not see the underlay: no route, so ping fails at once.
if ns_exec c1 ip route get 10.7.9.200 2>/dev/null | grep -q 'via 250.3.4.1' &&
   ! ns_exec c1 ping -c1 -W1 -q 10.7.9.200 >/dev/null 2>&1; then
	ktap_test_pass "isolation: c1 cannot reach the underlay"
else
	ktap_test_fail "isolation: c1 cannot reach the underlay"
fi

if ! wait_for 1 false && wait_for 1 true; then
	ktap_test_pass "wait_for: times out on false, returns on true"
else
	ktap_test_fail "wait_for: times out on false, returns on true"
fi

if dmesg_check; then
	ktap_test_pass "dmesg: no kernel splat"
else
	ktap_test_fail "dmesg: no kernel splat"
fi

ktap_finished
