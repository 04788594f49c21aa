#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fan next to ipip.ko.  Both use IP protocol 4 between the same hosts:
# with tunl0 up (which takes every IPIP packet no specific tunnel wants)
# and a classic point-to-point tunnel t1 between the two hosts, fan traffic
# must still reach the fan device (its handler runs first) and classic
# traffic must reach t1 or tunl0, never counted as a fan drop.

# shellcheck source=fan_lib.sh
. "$(dirname "$0")/fan_lib.sh"

if ! grep -q '^ipip ' /proc/modules; then
	modprobe ipip || ktap_exit_fail_msg "ipip.ko cannot be loaded"
	# Other tests should not find tunl0 in their namespaces.
	cleanup_add "rmmod ipip 2>/dev/null"
fi

# snap: the counters the subtests compare, as "name=value" lines:
# HOST.DEV.{rx,tx}_packets, HOST.DEV.rx_{bytes,dropped} of ftun0, t1 and
# tunl0, each fan counter as HOST.fan.NAME, and HOST.drops, the sum of the
# fan's receive drop counters (a packet that is not the fan's must never
# land in one).  The transmit ones may move on their own: the hosts' own
# non-IPv4 (IPv6) packets into ftun0 count as tx_not_ipv4.
snap()
{
	local h
	for h in h1 h2; do
		# One exec per host (and read, not cat): TCG makes each
		# process expensive, the debug kernel more so.
		ns_exec "$h" sh -c '
			for d in ftun0 t1 tunl0; do
				for f in rx_packets tx_packets rx_bytes rx_dropped; do
					read -r v < /sys/class/net/$d/statistics/$f
					echo "$1.$d.$f=$v"
				done
			done
			ethtool -S ftun0 | awk -v h="$1" '"'"'
				$1 ~ /^(rx|tx)_/ { sub(":", "", $1); print h ".fan." $1 "=" $2 }
				$1 ~ /^rx_/ { s += $2 }
				END { print h ".drops=" s + 0 }'"'"'
		' sh "$h"
	done
}

# delta BEFORE AFTER NAME: how much counter NAME grew between two snaps
# (in the shell: no process per lookup).
delta()
{
	local a=0 b=0 l
	while IFS= read -r l; do
		[[ $l != "$3="* ]] || a=${l#*=}
	done <<< "$1"
	while IFS= read -r l; do
		[[ $l != "$3="* ]] || b=${l#*=}
	done <<< "$2"
	echo $((b - a))
}

# show BEFORE AFTER: the counters that moved.
show()
{
	awk -F= 'NR == FNR { a[$1] = $2; next }
		 $2 != a[$1] { print $1 " +" $2 - a[$1] }' <(echo "$1") <(echo "$2")
}

# t1_up HOST LOCAL REMOTE ADDR: tunl0 up, and t1 LOCAL <-> REMOTE with ADDR.
t1_up()
{
	ns_ip "$1" -batch - <<-EOF
		link set tunl0 up
		link add t1 type ipip local $2 remote $3
		addr add $4 dev t1
		link set t1 up
	EOF
}

setup()
{
	fan_host h1 10.7.3.4/16 &&
	fan_host h2 10.7.9.200/16 &&
	t1_up h1 10.7.3.4 10.7.9.200 192.168.77.1/30 &&
	t1_up h2 10.7.9.200 10.7.3.4 192.168.77.2/30 &&
	fan_up h1 250.0.0.0/8 16 &&
	fan_up h2 250.0.0.0/8 16 &&
	fan_container c1 h1 250.3.4.2 &&
	fan_container c2 h2 250.9.200.7 &&
	wait_for 10 ns_exec c1 ping -c1 -W1 250.9.200.7 &&
	wait_for 10 ns_exec h1 ping -c1 -W1 192.168.77.2
}
subtest "ipip loaded, tunl0 up, t1 10.7.3.4 <-> 10.7.9.200 and the fan up on h1, h2" setup ||
	ktap_exit_fail_msg "setup failed"

fan_only()
{
	local s0 s1 k
	s0=$(snap)
	ns_exec c1 ping -q -c10 -i0.1 -W2 250.9.200.7 || return 1
	s1=$(snap)
	show "$s0" "$s1"
	[ "$(delta "$s0" "$s1" h2.ftun0.rx_packets)" -ge 10 ] &&
	[ "$(delta "$s0" "$s1" h1.ftun0.rx_packets)" -ge 10 ] || return 1
	for k in h1.t1.rx_packets h2.t1.rx_packets h1.tunl0.rx_packets h2.tunl0.rx_packets h1.drops h2.drops; do
		[ "$(delta "$s0" "$s1" "$k")" = 0 ] || { echo "$k moved"; return 1; }
	done
}
subtest "fan ping c1 -> c2: counted on ftun0 only, not t1 or tunl0" fan_only

classic_only()
{
	local s0 s1 k
	s0=$(snap)
	ns_exec h1 ping -q -c10 -i0.1 -W2 192.168.77.2 || return 1
	s1=$(snap)
	show "$s0" "$s1"
	[ "$(delta "$s0" "$s1" h2.t1.rx_packets)" -ge 10 ] &&
	[ "$(delta "$s0" "$s1" h1.t1.rx_packets)" -ge 10 ] || return 1
	for k in h1.ftun0.rx_packets h2.ftun0.rx_packets h1.tunl0.rx_packets h2.tunl0.rx_packets h1.drops h2.drops \
		 h1.ftun0.rx_dropped h2.ftun0.rx_dropped; do
		[ "$(delta "$s0" "$s1" "$k")" = 0 ] || { echo "$k moved"; return 1; }
	done
}
subtest "classic ping 192.168.77.1 -> .2: counted on t1 only, no fan drop" classic_only

both()
{
	local s0 s1 pid
	s0=$(snap)
	ns_exec h2 ping -q -c30 -i0.05 -W2 192.168.77.1 > "$FAN_TMP/classic" 2>&1 &
	pid=$!
	ns_exec c2 ping -q -c30 -i0.05 -W2 250.3.4.2 || { wait "$pid"; return 1; }
	wait "$pid" || { cat "$FAN_TMP/classic"; return 1; }
	tail -2 "$FAN_TMP/classic"
	s1=$(snap)
	show "$s0" "$s1"
	[ "$(delta "$s0" "$s1" h1.ftun0.rx_packets)" -ge 30 ] &&
	[ "$(delta "$s0" "$s1" h1.t1.rx_packets)" -ge 30 ] &&
	[ "$(delta "$s0" "$s1" h1.tunl0.rx_packets)" = 0 ] &&
	[ "$(delta "$s0" "$s1" h1.drops)" = 0 ] &&
	[ "$(delta "$s0" "$s1" h2.drops)" = 0 ]
}
subtest "fan and classic pings at the same time, each on its own device" both

# shellcheck disable=SC2030,SC2031 # FAN_TMP of the subshell only
tcp_both()
{
	local s0 s1 pid
	s0=$(snap)
	# tcp_transfer's files are per test, not per call: its own FAN_TMP.
	(FAN_TMP=$FAN_TMP/tcp2 && mkdir -p "$FAN_TMP" &&
	 tcp_transfer h1 h2 192.168.77.2 1000000 7778) > "$FAN_TMP/classic_tcp" 2>&1 &
	pid=$!
	tcp_transfer c1 c2 250.9.200.7 2000000 || { wait "$pid"; return 1; }
	wait "$pid" || { cat "$FAN_TMP/classic_tcp"; return 1; }
	s1=$(snap)
	show "$s0" "$s1"
	# Packets may be GSO/GRO aggregates: count bytes.
	[ "$(delta "$s0" "$s1" h2.ftun0.rx_bytes)" -ge 2000000 ] &&
	[ "$(delta "$s0" "$s1" h2.t1.rx_bytes)" -ge 1000000 ] &&
	[ "$(delta "$s0" "$s1" h2.tunl0.rx_packets)" = 0 ] &&
	[ "$(delta "$s0" "$s1" h2.drops)" = 0 ]
}
subtest "TCP c1 -> c2 (fan, 2 MB) and h1 -> 192.168.77.2 (t1, 1 MB) together" tcp_both

stray()
{
	local s0 s1 k
	# An IPIP packet from the fan's underlay that is neither fan traffic
	# nor t1's: outer 10.7.3.5 -> 10.7.9.200, inner 192.168.78.1 -> .2.
	# No specific tunnel wants it, so tunl0 takes it.
	ns_ip h1 -batch - <<-EOF || return 1
		addr add 10.7.3.5/16 dev ul0
		link add t2 type ipip local 10.7.3.5 remote 10.7.9.200
		addr add 192.168.78.1/30 dev t2
		link set t2 up
	EOF
	s0=$(snap)
	ns_exec h1 ping -q -c5 -i0.1 -W1 192.168.78.2
	s1=$(snap)
	show "$s0" "$s1"
	[ "$(delta "$s0" "$s1" h2.tunl0.rx_packets)" -ge 5 ] || return 1
	for k in h2.ftun0.rx_packets h2.t1.rx_packets h2.drops h2.ftun0.rx_dropped; do
		[ "$(delta "$s0" "$s1" "$k")" = 0 ] || { echo "$k moved"; return 1; }
	done
}
subtest "IPIP from the underlay that is not the fan's goes to tunl0, no fan drop" stray

fan_finish
