#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fanctl's NAT and DHCP: the masquerade rule in "table ip fanctl" and its
# effect (a container reaching an address outside the overlay shows up with
# the host's address), the rule's removal; dnsmasq handing a container a
# lease in the right range (busybox udhcpc), host-reserve, down stopping
# it, its supervisor starting it again when it dies (issue 19 item 13),
# and two namespaces with a bridge of the same name keeping theirs apart.

. "$(dirname "$0")/fanctl_lib.sh"

test_nat_rule()
{
	expect_rc 0 f1 up $OV ib0/16 || return 1
	out=$(h1 nft list table ip fanctl) || fail "no table" || return 1
	echo "$out"
	echo "$out" | grep -q "type nat hook postrouting priority srcnat" || fail "chain" || return 1
	echo "$out" | grep -q "ip saddr $S1 ip daddr != $OV masquerade comment \"fanctl $OV $S1\"" ||
		fail "rule" || return 1
	# a foreign rule in our chain survives down, and keeps the table
	h1 nft add rule ip fanctl postrouting ip saddr 192.0.2.1 counter || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	out=$(h1 nft list table ip fanctl) || fail "table deleted with a foreign rule" || return 1
	if echo "$out" | grep -q masquerade; then fail "our rule stayed"; return 1; fi
	echo "$out" | grep -q "192.0.2.1" || fail "foreign rule lost" || return 1
	h1 nft delete table ip fanctl
	nothing_left "$H1"
}

# A transaction nftables refuses fails up at once, says why, and is rolled
# back (the old hand-made batch counted acks and could wait 5 s for some
# that never came).
test_nat_refused_fast()
{
	local before t0 ok_ms ms rc
	# positive control first, and the time a whole up and down takes here
	# (the debug kernel is many times slower than the others)
	t0=$(date +%s%N)
	expect_rc 0 f1 up $OV ib0/16 || return 1
	h1 nft list chain ip fanctl postrouting | grep -qF "comment \"fanctl $OV $S1\"" ||
		fail "no rule: $(h1 nft list table ip fanctl)" || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	ok_ms=$((($(date +%s%N) - t0) / 1000000))
	nothing_left "$H1" || return 1
	# a chain of our name but another type: the kernel refuses the nat chain
	h1 nft 'add table ip fanctl; add chain ip fanctl postrouting { type filter hook postrouting priority 0; }' ||
		return 1
	before=$(snapshot "$H1")
	t0=$(date +%s%N)
	expect_rc 2 f1 up $OV ib0/16
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "up refused by nftables in $ms ms (up and down: $ok_ms ms): $out"
	[ "$rc" = 0 ] || return 1
	# the kernel's reason: 6.12 says the chain type is not supported, 6.1
	# that the chain exists
	case $out in
	"fanctl: nftables: cannot add the masquerade rule: Could not process rule: Operation not supported" | \
	"fanctl: nftables: cannot add the masquerade rule: Could not process rule: File exists") ;;
	*) fail "message: $out"; return 1 ;;
	esac
	[ "$before" = "$(snapshot "$H1")" ] ||
		fail "not rolled back: $(diff <(echo "$before") <(snapshot "$H1"))" || return 1
	# no wait for acks that never come (the old batch code's 5 s timeout)
	[ "$ms" -lt $((2 * ok_ms + 2000)) ] || fail "took $ms ms" || return 1
	h1 nft delete table ip fanctl || return 1
	nothing_left "$H1"
}

# send_udp NETNS DST: a datagram to DST:5555 every 0.5 s for 10 s, so a
# slow server start does not lose it (the server takes the first)
send_udp()
{
	ip netns exec "$1" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20):
    s.sendto(b"hi", (sys.argv[1], 5555)); time.sleep(0.5)' "$2" &
	sender=$!
}

test_nat_effect()
{
	expect_rc 0 f1 up $OV ib0/16 || return 1
	expect_rc 0 f2 up $OV ib0/16 no-nat || return 1
	container "$H1" n1 $BR1 250.3.4.20/24 250.3.4.1 || return 1
	# 10.7.9.200 (host 2's underlay address) is outside the overlay
	h2 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.7.9.200", 5555)); s.settimeout(20)
data, peer = s.recvfrom(100); print(peer[0]); sys.stdout.flush()
' > "$tmp/peer" &
	local srv=$!
	send_udp n1-$sfx 10.7.9.200
	wait $srv
	kill $sender 2>/dev/null; wait $sender 2>/dev/null
	[ "$(cat "$tmp/peer")" = "$A1" ] ||
		fail "peer seen as '$(cat "$tmp/peer")', expected masquerade to $A1" || return 1
	# overlay to overlay is not masqueraded: container to container keeps its address
	container "$H2" n2 $BR2 250.9.200.30/24 250.9.200.1 || return 1
	ip netns exec n2-$sfx python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("250.9.200.30", 5555)); s.settimeout(20)
data, peer = s.recvfrom(100); print(peer[0]); sys.stdout.flush()
' > "$tmp/peer" &
	srv=$!
	send_udp n1-$sfx 250.9.200.30
	wait $srv
	kill $sender 2>/dev/null; wait $sender 2>/dev/null
	[ "$(cat "$tmp/peer")" = 250.3.4.20 ] ||
		fail "overlay peer seen as '$(cat "$tmp/peer")'" || return 1
	container_del "$H1" n1; container_del "$H2" n2
	expect_rc 0 f1 down $OV ib0/16 || return 1
	expect_rc 0 f2 down $OV ib0/16 || return 1
	nothing_left "$H1" && nothing_left "$H2"
}

udhcpc_script()
{
	cat > "$tmp/udhcpc.sh" <<-'SCRIPT'
	#!/bin/sh
	[ "$1" = bound ] && echo "$ip $mask $router $mtu" > "$LEASE_OUT"
	exit 0
	SCRIPT
	chmod +x "$tmp/udhcpc.sh"
}

lease()	# CONTAINER: run udhcpc, print "ip mask router mtu"
{
	rm -f "$tmp/lease"
	LEASE_OUT=$tmp/lease ip netns exec "$1" busybox udhcpc -i eth0 -n -q -f -t 5 -T 2 \
		-O mtu -s "$tmp/udhcpc.sh" >/dev/null 2>&1
	cat "$tmp/lease" 2>/dev/null
}

test_dhcp_lease()
{
	command -v busybox >/dev/null || { echo "no busybox (make deps installs busybox-static)"; return 1; }
	udhcpc_script
	expect_rc 0 f1 up $OV ib0/16 dhcp host-reserve 50 || return 1
	pid=$(cat "$(rundir "$H1")/dnsmasq-$BR1.pid") || fail "no pid file" || return 1
	[ "$(cat /proc/$pid/comm)" = dnsmasq ] || fail "pid $pid is not dnsmasq" || return 1
	container "$H1" d1 $BR1 "" "" || return 1
	local l ip last
	l=$(lease d1-$sfx)
	echo "lease: $l"
	set -- $l
	ip=$1
	[ "$2" = 24 ] || fail "mask $2" || return 1
	[ "$3" = 250.3.4.1 ] || fail "router $3" || return 1
	[ "$4" = 2024 ] || fail "mtu $4" || return 1
	case $ip in 250.3.4.*) ;; *) fail "address $ip not in $S1"; return 1 ;; esac
	last=${ip##*.}
	[ "$last" -ge 51 ] && [ "$last" -le 254 ] || fail "address $ip not in .51-.254" || return 1
	grep -q " $ip " "$(rundir "$H1")/dnsmasq-$BR1.leases" || fail "lease file" || return 1
	f1 show --json | jq -e '.fans[0].dhcp and .fans[0].dhcp_running' >/dev/null ||
		fail "show: $(f1 show --json)" || return 1
	container_del "$H1" d1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	if kill -0 "$pid" 2>/dev/null; then fail "dnsmasq $pid still runs"; return 1; fi
	if [ -e "$(rundir "$H1")/dnsmasq-$BR1.leases" ]; then fail "lease file left"; return 1; fi
	nothing_left "$H1"
}

# dnsmasq and its supervisor both killed (say by the OOM killer): show
# sees it, up starts both again
test_dhcp_restarted_by_up()
{
	local sup
	expect_rc 0 f1 up $OV ib0/16 dhcp || return 1
	pid=$(cat "$(rundir "$H1")/dnsmasq-$BR1.pid")
	sup=$(cat "$(rundir "$H1")/fanctl-dhcp-$BR1.pid")
	[ "$(cat /proc/$sup/comm)" = fanctl-dhcp ] || fail "no supervisor: $sup" || return 1
	kill -9 "$sup" "$pid"
	sleep 0.5
	f1 show | grep -q dhcp-down || fail "show does not see dnsmasq gone" || return 1
	expect_rc 0 f1 up $OV ib0/16 dhcp || return 1
	pid2=$(cat "$(rundir "$H1")/dnsmasq-$BR1.pid")
	[ "$pid2" != "$pid" ] && kill -0 "$pid2" || fail "dnsmasq not restarted" || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1"
}

# wait_dnsmasq OLDPID [SECONDS]: a new dnsmasq in the pid file, up to
# SECONDS (20); prints it
wait_dnsmasq()
{
	local i p
	for i in $(seq $((${2:-20} * 5))); do
		p=$(cat "$(rundir "$H1")/dnsmasq-$BR1.pid" 2>/dev/null)
		if [ -n "$p" ] && [ "$p" != "$1" ] && [ "$(cat /proc/$p/comm 2>/dev/null)" = dnsmasq ]; then
			echo "$p"
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# dnsmasq killed: its supervisor starts it again, and it serves leases
test_dhcp_supervised()
{
	command -v busybox >/dev/null || { echo "no busybox (make deps installs busybox-static)"; return 1; }
	local sup pid2 pid3 pid4 l
	udhcpc_script
	expect_rc 0 f1 up $OV ib0/16 dhcp || return 1
	pid=$(cat "$(rundir "$H1")/dnsmasq-$BR1.pid")
	sup=$(cat "$(rundir "$H1")/fanctl-dhcp-$BR1.pid")
	[ "$(cat /proc/$sup/comm)" = fanctl-dhcp ] || fail "no supervisor: $sup" || return 1
	[ "$(awk '{ print $4 }' /proc/$pid/stat)" = "$sup" ] || fail "dnsmasq's parent is not $sup" || return 1
	kill -9 "$pid"
	pid2=$(wait_dnsmasq "$pid") || fail "dnsmasq not started again after SIGKILL" || return 1
	echo "dnsmasq $pid killed, $pid2 started by $sup"
	f1 show --json | jq -e '.fans[0].dhcp_running' >/dev/null || fail "show: not running" || return 1
	container "$H1" d1 $BR1 "" "" || return 1
	l=$(lease d1-$sfx)
	echo "lease from $pid2: $l"
	case $l in 250.3.4.*" 24 250.3.4.1 2024") ;; *) fail "no lease from the new dnsmasq"; return 1 ;; esac
	# again, and with SIGTERM: it comes back every time
	kill "$pid2"
	pid3=$(wait_dnsmasq "$pid2") || fail "dnsmasq not started again after SIGTERM" || return 1
	echo "dnsmasq $pid2 stopped, $pid3 started by $sup"
	# up while the supervisor waits to start the next: no second one
	kill -9 "$pid3"
	for _ in $(seq 50); do [ -e "/proc/$pid3" ] || break; sleep 0.1; done
	expect_rc 0 f1 up $OV ib0/16 dhcp || return 1
	pid4=$(wait_dnsmasq "$pid3") || fail "dnsmasq not started again" || return 1
	[ "$(ns_procs "$H1" fanctl-dhcp)" = 1 ] && [ "$(ns_procs "$H1" dnsmasq)" = 1 ] ||
		fail "$(ns_procs "$H1" fanctl-dhcp) supervisors, $(ns_procs "$H1" dnsmasq) dnsmasq" || return 1
	[ "$(cat "$(rundir "$H1")/fanctl-dhcp-$BR1.pid")" = "$sup" ] || fail "another supervisor" || return 1
	pid3=$pid4
	container_del "$H1" d1
	# control: down stops both, and nothing starts dnsmasq again
	expect_rc 0 f1 down $OV ib0/16 || return 1
	if kill -0 "$sup" 2>/dev/null; then fail "supervisor $sup still runs"; return 1; fi
	# (the supervisor waits 1 s before it starts dnsmasq again)
	if wait_dnsmasq "$pid3" 5; then fail "dnsmasq started again after down"; return 1; fi
	if kill -0 "$pid3" 2>/dev/null; then fail "dnsmasq $pid3 still runs"; return 1; fi
	nothing_left "$H1"
}

# The bridge deleted by hand: the supervisor does not start dnsmasq for it
test_dhcp_bridge_gone()
{
	local sup
	expect_rc 0 f1 up $OV ib0/16 dhcp || return 1
	pid=$(cat "$(rundir "$H1")/dnsmasq-$BR1.pid")
	sup=$(cat "$(rundir "$H1")/fanctl-dhcp-$BR1.pid")
	h1 ip link del $BR1 || return 1
	kill "$pid"
	for _ in $(seq 50); do kill -0 "$sup" 2>/dev/null || break; sleep 0.2; done
	if kill -0 "$sup" 2>/dev/null; then fail "supervisor $sup outlived its bridge"; return 1; fi
	[ ! -e "$(rundir "$H1")/fanctl-dhcp-$BR1.pid" ] || fail "its pid file left" || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1"
}

ns_procs()	# HOST COMM: how many processes named COMM run in HOST
{
	local p n=0
	for p in $(ip netns pids "$1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" != "$2" ] || n=$((n + 1))
	done
	echo $n
}

ns_dnsmasq()	# HOST: pids of the dnsmasq processes in HOST
{
	local p
	for p in $(ip netns pids "$1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" != dnsmasq ] || echo "$p"
	done
}

test_dhcp_two_namespaces()
{
	# Bridge names are unique only within a namespace: two hosts with a
	# bridge of the same name each run their own dnsmasq, and down on
	# one leaves the other's alone.
	local p1 p2
	expect_rc 0 f1 up $OV ib0/16 dhcp bridge fanbr || return 1
	expect_rc 0 f2 up $OV ib0/16 dhcp bridge fanbr || return 1
	p1=$(ns_dnsmasq "$H1")
	p2=$(ns_dnsmasq "$H2")
	[ -n "$p1" ] || fail "no dnsmasq in h1" || return 1
	[ -n "$p2" ] || fail "no dnsmasq in h2" || return 1
	[ "$(cat "$(rundir "$H1")/dnsmasq-fanbr.pid")" = "$p1" ] || fail "h1's pid file" || return 1
	[ "$(cat "$(rundir "$H2")/dnsmasq-fanbr.pid")" = "$p2" ] || fail "h2's pid file" || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	if kill -0 "$p1" 2>/dev/null; then fail "h1's dnsmasq $p1 still runs"; return 1; fi
	kill -0 "$p2" || fail "down in h1 stopped h2's dnsmasq $p2" || return 1
	f2 show --json | jq -e '.fans[0].dhcp_running' >/dev/null ||
		fail "h2: $(f2 show --json)" || return 1
	expect_rc 0 f2 down $OV ib0/16 || return 1
	nothing_left "$H1" && nothing_left "$H2"
}

TESTS="
nat_rule test_nat_rule
nat_refused_fast test_nat_refused_fast
nat_effect test_nat_effect
dhcp_lease test_dhcp_lease
dhcp_restarted_by_up test_dhcp_restarted_by_up
dhcp_supervised test_dhcp_supervised
dhcp_bridge_gone test_dhcp_bridge_gone
dhcp_two_namespaces test_dhcp_two_namespaces
"
fanctl_main
