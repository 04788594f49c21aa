#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Churn under traffic, for a bounded time (FAN_CHURN_SECS, default 20) and
# at least FAN_CHURN_ROUNDS rounds (default 3, so that both ways for a
# guest to go happen in the loop, beside the next guest coming up):
# while two fast pings (200/s each, one pinned to each CPU) and a TCP
# stream cross the fan between c1 (on h1) and c2 (on h2),
#  - a netlink client on h1 and one on h2 add and remove maps, replace the
#    map set, flip strict checking (changelink), and create and delete a
#    second fan device, over and over;
#  - the underlays' MTUs change and h1's underlay addresses are removed and
#    added back (the fan's cached routes must follow);
#  - short-lived hosts join the underlay with a fan, take fast pings from
#    c1, and go away: their fan device deleted first, or their whole
#    network namespace deleted with it;
# then the module is unloaded with the pings still running.  No splat, no
# "unregister_netdevice: waiting" (a lost device reference), rmmod must
# succeed, no fan device may survive it, and network namespace cleanup
# must still make progress afterwards.  fan_teardown.sh covers the single,
# orderly version of the last two steps.  (Not ping -f: under TCG a real
# flood on each CPU starves the churn itself.)

# shellcheck source=fan_lib.sh
. "$(dirname "$0")/fan_lib.sh"

# Whatever happens, leave the module loaded for the tests after us.
cleanup_add "grep -q '^fan ' /proc/modules || insmod $FAN_KO"

CHURN_SECS=${FAN_CHURN_SECS:-20}
MIN_ROUNDS=${FAN_CHURN_ROUNDS:-3}
NCPU=$(nproc)
# bg NS CMD...: CMD in namespace NS in the background, at most 300 s (times
# FAN_SLOW): the churn takes its rounds however long they take, and the
# traffic must outlast them (rmmod's fan_bg_stop ends it).
bg() { fan_bg "$1" $((300 * FAN_SLOW)) "${@:2}"; }

setup()
{
	[ "$NCPU" -ge 2 ] || { echo "needs 2 CPUs, have $NCPU"; return "$KSFT_SKIP"; }
	fan_two_hosts
}
subtest "two hosts with containers" setup
rc=$?
[ $rc -eq "$KSFT_SKIP" ] && ktap_skip_all "needs at least 2 CPUs"
[ $rc -eq 0 ] || ktap_exit_fail_msg "setup failed"

UL_MTU=$(ns_exec h1 cat "/sys/class/net/$UL_DEV/mtu")
MTUS=(1280 1000 1400 576 1300 "$UL_MTU")

traffic()
{
	bg c1 taskset -c 0 ping -q -i 0.005 250.9.200.7
	bg c2 taskset -c 1 ping -q -i 0.005 250.3.4.2
	bg c1 iperf3 -s -1 -p 5201
	wait_listening c1 5201 || return 1
	bg c2 iperf3 -c 250.3.4.2 -p 5201 -t $((280 * FAN_SLOW)) -b 5M
	fan_flowing h1 rx && fan_flowing h2 rx &&
	echo "at ${SECONDS}s: traffic flows"
}
subtest "traffic flows: fast pings on each CPU, a TCP stream" traffic

# The netlink churner: changelink and newlink/dellink on one host's fan,
# as fast as netlink answers, until the file $2 disappears.  Prints what
# it did; fails on an error no request of it should get.
CHURNER='
import os, sys, time
sys.path.insert(0, os.environ["NETDIR"])
import fan_nl
U = sys.argv[1]
ops = [
    ["change", "ftun0", "add", "251.0.0.0/8", U],
    ["change", "ftun0", "del", "251.0.0.0/8", U],
    ["change", "ftun0", "maps", "250.0.0.0/8", U, "maps", "252.0.0.0/8", U],
    ["change", "ftun0", "strict", "0"],
    ["add", "ftun1", "link", "ul0", "map", "253.0.0.0/8", U],
    ["change", "ftun0", "maps", "250.0.0.0/8", U],
    ["change", "ftun0", "strict", "1"],
    ["del", "ftun1"],
]
n = bad = 0
NEW = fan_nl.NLM_F_CREATE | fan_nl.NLM_F_EXCL
while os.path.exists(sys.argv[2]):
    for op in ops:
        if op[0] == "del":
            err, text, _ = fan_nl.request(17, 0, op[1])      # RTM_DELLINK
        else:
            err, text, _ = fan_nl.request(
                fan_nl.RTM_NEWLINK, NEW if op[0] == "add" else 0, op[1],
                fan_nl.options(op[2:]))
        n += 1
        if err:
            bad += 1
            print("error on %s: %s %s" % (" ".join(op), err, text))
        time.sleep(0.02)
print("%d netlink requests (%d rounds), %d failed" % (n, n // len(ops), bad))
# At least 3 rounds of every request: churn, not one pass.
sys.exit(1 if bad or n < 3 * len(ops) else 0)
'

# ul_churn HOST ADDR: in one exec, walk HOST's underlay MTU through
# MTUS (ending at the original), add secondary addresses inside and
# outside the underlay, remove HOST's underlay address and add it back.
ul_churn()
{
	local m
	{
		for m in "${MTUS[@]}"; do
			echo "link set $UL_DEV mtu $m"
		done
		cat <<-EOF
			addr add ${2%.*}.77/16 dev $UL_DEV
			addr add 10.99.${2#*.*.}/16 dev $UL_DEV
			addr del ${2%.*}.77/16 dev $UL_DEV
			addr del $2/16 dev $UL_DEV
			addr add $2/16 dev $UL_DEV
			addr del 10.99.${2#*.*.}/16 dev $UL_DEV
		EOF
	} | ns_ip "$1" -batch -
}

# guest I: a short-lived host 10.7.200.I with a fan, pinged fast from c1.
guest_up()
{
	local i=$1
	fan_host "t$i" "10.7.200.$i/16" &&
	fan_up "t$i" 250.0.0.0/8 16 &&
	bg c1 ping -q -i 0.005 -w 4 "250.200.$i.1"
}

# guest_gone K HOW: guest tK goes away under its pings, once its fan has
# received some of them: HOW "dev" deletes its fan device first (and
# checks that none is left), "ns" only its namespace.
guest_gone()
{
	local k=$1 rx left
	rx=$(ns_exec "t$k" cat /sys/class/net/ftun0/statistics/rx_packets)
	[ "${rx:-0}" -gt 0 ] || { echo "guest t$k's fan received nothing"; return 1; }
	if [ "$2" = dev ]; then
		ns_ip "t$k" link del ftun0 || { echo "ip link del ftun0 in t$k failed"; return 1; }
		left=$(fan_devs "t$k") || { echo "cannot list t$k's devices"; return 1; }
		[ -z "$left" ] || { echo "t$k still has fan devices: $left"; return 1; }
	fi
	ip netns del "$(ns "t$k")" || { echo "ip netns del t$k failed"; return 1; }
	echo "t$k gone ($2) after its fan received $rx packets"
}

churn()
{
	local end i=0 guests=0 dels=0 nsdels=0 rc=0 done_file
	end=$((EPOCHSECONDS + CHURN_SECS))
	done_file=$FAN_TMP/churning
	touch "$done_file"
	NETDIR=$FAN_TOP/selftests/net ns_exec h1 python3 -c "$CHURNER" 10.7.0.0/16 "$done_file" > "$FAN_TMP/churn.h1" 2>&1 &
	local p1=$!
	NETDIR=$FAN_TOP/selftests/net ns_exec h2 python3 -c "$CHURNER" 10.7.0.0/16 "$done_file" > "$FAN_TMP/churn.h2" 2>&1 &
	local p2=$!
	while [ "$EPOCHSECONDS" -lt "$end" ] || [ "$i" -lt "$MIN_ROUNDS" ]; do
		i=$((i + 1))
		echo "at ${SECONDS}s: round $i"
		ul_churn h1 10.7.3.4 || { echo "underlay churn on h1 failed"; rc=1; }
		ul_churn h2 10.7.9.200 || { echo "underlay churn on h2 failed"; rc=1; }
		if guest_up "$i"; then
			guests=$((guests + 1))
		else
			echo "guest t$i did not come up"
			rc=1
		fi
		# The previous guest goes away under its pings.
		if [ "$i" -gt 1 ]; then
			if [ $((i % 2)) -eq 0 ]; then
				guest_gone $((i - 1)) dev && dels=$((dels + 1)) && nsdels=$((nsdels + 1)) || rc=1
			else
				guest_gone $((i - 1)) ns && nsdels=$((nsdels + 1)) || rc=1
			fi
		fi
	done
	rm -f "$done_file"
	wait "$p1" || rc=1
	wait "$p2" || rc=1
	cat "$FAN_TMP/churn.h1" "$FAN_TMP/churn.h2"
	# The last guest goes with its namespace.
	guest_gone "$i" ns && nsdels=$((nsdels + 1)) || rc=1
	echo "at ${SECONDS}s: $i rounds in ${CHURN_SECS}s: $((i * 2)) underlay address churns," \
	     "$((i * 2 * ${#MTUS[@]})) underlay MTU changes, $guests guest hosts with a fan, $dels fan devices deleted," \
	     "$nsdels namespaces with a fan deleted"
	# Every round did all of it (a failed step set rc).
	[ "$rc" -eq 0 ] && [ "$i" -ge "$MIN_ROUNDS" ] && [ "$guests" -eq "$i" ] &&
		[ "$dels" -eq $((i / 2)) ] && [ "$nsdels" -eq "$i" ]
}
subtest "churn for ${CHURN_SECS}s and at least $MIN_ROUNDS rounds under traffic" churn
subtest "no splat after the churn" dmesg_check

after_churn()
{
	local maps
	maps=$(ns_exec h1 python3 "$FAN_NL" get ftun0 | grep '^map')
	echo "$maps"
	[ "$maps" = "map 250.0.0.0/8 10.7.0.0/16" ] &&
	# The churners' ftun1 went with their last round.
	[ "$(fan_devs h1)" = ftun0 ] && [ "$(fan_devs h2)" = ftun0 ] &&
	ns_exec h1 ip link show ftun0 | grep "mtu $((UL_MTU - 20)) " &&
	fan_flowing h1 rx && fan_flowing h2 rx &&
	ns_exec c1 ping -c2 -i0.2 -W2 250.9.200.7 && return 0
	# Why not: the traffic generators, the underlay, the fan's counters.
	local h
	pgrep -a -f 'ping -q|iperf3' | sed 's/^/running: /'
	ns_exec c1 ping -c2 -i0.2 -W2 250.9.200.7
	for h in h1 h2; do
		ns_ip "$h" -br addr show dev "$UL_DEV"
		ns_ip "$h" neigh show dev "$UL_DEV"
		ns_ip "$h" route get "$([ $h = h1 ] && echo 10.7.9.200 || echo 10.7.3.4)"
		ns_ip "$h" -s link show ftun0
		ns_exec "$h" ethtool -S ftun0 | grep -v ': 0$'
	done
	return 1
}
subtest "afterwards: one map, MTU back, traffic still flowing" after_churn

unload()
{
	echo "at ${SECONDS}s: unloading"
	fan_unload || return 1
	# No fan device in any namespace survives the module.
	local n left
	for n in $(ns_list); do
		left=$(fan_devs "${n#"$NS_PREFIX"-}") || { echo "cannot list $n's devices"; return 1; }
		[ -z "$left" ] || { echo "fan devices survived in $n: $left"; return 1; }
	done
	echo "no fan device in any of $(ns_list | wc -l) namespaces"
}
subtest "rmmod fan under traffic" unload
fan_bg_stop

# Namespace cleanup runs on one workqueue: if a lost device reference
# stalled an earlier one, this one never completes.
netns_progress()
{
	local probe mark=fck$$
	probe=$(ns probe)
	mark=${mark:0:15}
	ip netns add "$probe" &&
	ip link add "$mark" type veth peer name m0 netns "$probe" || return 1
	cleanup_add "ip link del $mark 2>/dev/null"
	ip netns del "$probe" || return 1
	wait_for 15 sh -c "! ip link show $mark > /dev/null 2>&1"
}
subtest "namespace cleanup still makes progress (no device reference lost)" netns_progress

# fan_teardown.sh brings the fans back after a reload; here the module
# only has to load again (and stay loaded for the tests after us).
subtest "insmod fan again" insmod "$FAN_KO"

fan_finish
