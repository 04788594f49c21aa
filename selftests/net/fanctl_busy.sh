#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fanctl down keeps a fan whose bridge has ports (a running container):
# down, down -a, down -e and the if-down.d hook refuse (exit 3, the ports
# named, nothing changed) and the container keeps its address, its route
# and a TCP connection; a restart as fanctl.service does it (ExecStop,
# then ExecStart) takes down and brings back only the idle fan; --force
# takes the busy one down (the positive control: the container is then
# cut off).

. "$(dirname "$0")/fanctl_lib.sh"

OV2=100.64.0.0/10
BR_IDLE=fan-100-65-0

# The container's view: its address and default route
c1_view() { ip -n "c1-$sfx" -4 -o addr show dev eth0; ip -n "c1-$sfx" route show; }

test_setup()
{
	expect_rc 0 f1 up $OV ib0/16 || return 1
	expect_rc 0 f2 up $OV ib0/16 || return 1
	container "$H1" c1 $BR1 250.3.4.10/24 250.3.4.1 || return 1
	container "$H2" c2 $BR2 250.9.200.7/24 250.9.200.1 || return 1
	ip netns exec "c1-$sfx" ping -c 1 -W 2 250.9.200.7 >/dev/null ||
		fail "c1 does not reach c2" || return 1
	# the config of the unit and the hooks: the busy fan and an idle one
	printf '%s\n' "$OV ib0/16" "$OV2 ib0/24 no-nat" > "$tmp/fan"
	expect_rc 0 f1 up -a -c "$tmp/fan" || return 1
	h1 ip link show $BR_IDLE >/dev/null || fail "no idle fan $BR_IDLE" || return 1
	c1_view > "$tmp/c1-view"
	grep -q "inet 250.3.4.10/24" "$tmp/c1-view" || fail "c1: $(cat "$tmp/c1-view")" || return 1
	grep -q "default via 250.3.4.1" "$tmp/c1-view" || fail "c1: $(cat "$tmp/c1-view")"
}

# c1 reaches c2, and sees itself as before
c1_intact()
{
	ip netns exec "c1-$sfx" ping -c 1 -W 2 250.9.200.7 >/dev/null ||
		fail "c1 no longer reaches c2" || return 1
	[ "$(c1_view)" = "$(cat "$tmp/c1-view")" ] ||
		fail "c1's address or route changed: $(c1_view)" || return 1
	h1 ip -o link show master $BR1 | grep -q "vc1@" ||
		fail "vc1 left $BR1: $(h1 ip -o link show vc1)"
}

test_down_refused()
{
	local before i
	# The bridge goes UP once its port forwards: not a change down made.
	for i in $(seq 50); do
		h1 ip link show $BR1 | grep -q "state UP" && break
		sleep 0.1
	done
	before=$(snapshot "$H1")
	expect_rc 3 f1 down $OV ib0/16 || return 1
	echo "$out"
	echo "$out" | grep -qF "bridge $BR1 of $OV over ib0/16 has 1 port (vc1)" ||
		fail "message: $out" || return 1
	echo "$out" | grep -q -- "--force" || fail "no hint at --force: $out" || return 1
	[ "$before" = "$(snapshot "$H1")" ] || fail "a refused down changed the system" || return 1
	c1_intact || return 1
	# the same with another spelling of the underlay
	expect_rc 3 f1 down $OV 10.7.0.0/16 || return 1
	[ "$before" = "$(snapshot "$H1")" ] || fail "a refused down changed the system" || return 1
	# control: the idle fan goes down (and comes back)
	expect_rc 0 f1 down $OV2 ib0/24 || return 1
	if h1 ip link show $BR_IDLE 2>/dev/null; then fail "idle fan kept"; return 1; fi
	expect_rc 0 f1 up $OV2 ib0/24 no-nat
}

test_down_everything_refused()
{
	local before
	before=$(snapshot "$H1")
	expect_rc 3 f1 down -e || return 1
	echo "$out"
	echo "$out" | grep -qF "bridge $BR1 of $OV over $A1/16 has 1 port (vc1)" ||
		fail "message: $out" || return 1
	echo "$out" | grep -q "nothing taken down" || fail "message: $out" || return 1
	[ "$before" = "$(snapshot "$H1")" ] || fail "a refused down -e changed something" || return 1
	c1_intact
}

# down -a keeps the busy fan and takes the idle one down: exit 3
test_down_all()
{
	expect_rc 3 f1 down -a -c "$tmp/fan" || return 1
	echo "$out"
	echo "$out" | grep -qF "bridge $BR1 of $OV over ib0/16 has 1 port (vc1)" ||
		fail "message: $out" || return 1
	if h1 ip link show $BR_IDLE 2>/dev/null; then fail "down -a kept the idle fan"; return 1; fi
	if h1 ip route show $OV2 | grep -q .; then fail "idle fan's route left"; return 1; fi
	c1_intact || return 1
	expect_rc 0 f1 up -a -c "$tmp/fan" || return 1
	h1 ip link show $BR_IDLE >/dev/null || fail "up -a did not bring $BR_IDLE back"
}

# The unit's stop and start commands as systemd runs them on restart,
# with the exit codes it accepts; a TCP connection from c1 to c2 lives on.
unit_cmds()	# KEY: the unit's KEY= command line, for the test's fanctl and config
{
	sed -n "s|^$1=||p" "$top/tools/fanctl/fanctl.service" |
		sed "s|^[-@+!]*/usr/sbin/fanctl |$FANCTL |"
}

unit_ok()	# RC: does systemd count RC as success for this unit?
{
	local ok
	[ "$1" = 0 ] && return 0
	for ok in $(sed -n 's/^SuccessExitStatus=//p' "$top/tools/fanctl/fanctl.service"); do
		[ "$ok" = "$1" ] && return 0
	done
	return 1
}

test_restart()
{
	local stop start rc srv cli
	stop=$(unit_cmds ExecStop)
	start=$(unit_cmds ExecStart)
	[ -n "$stop" ] && [ -n "$start" ] || fail "unit: stop '$stop', start '$start'" || return 1
	echo "ExecStop: $stop; ExecStart: $start"
	# c2 echoes lines on one connection; c1 sends one, waits, sends another
	ip netns exec "c2-$sfx" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("250.9.200.7", 7777)); s.listen(1); s.settimeout(60)
c, _ = s.accept(); c.settimeout(60)
f = c.makefile("rwb", 0)
for line in f:
	f.write(line)
' &
	srv=$!
	sleep 0.5
	rm -f "$tmp/go"
	ip netns exec "c1-$sfx" python3 -c '
import os, socket, sys, time
s = socket.create_connection(("250.9.200.7", 7777), timeout=10)
f = s.makefile("rwb", 0)
f.write(b"before\n"); print(f.readline().decode().strip()); sys.stdout.flush()
while not os.path.exists(sys.argv[1]):
	time.sleep(0.1)
f.write(b"after\n"); print(f.readline().decode().strip())
' "$tmp/go" > "$tmp/tcp" 2>&1 &
	cli=$!
	for _ in $(seq 50); do grep -q before "$tmp/tcp" && break; sleep 0.1; done
	grep -qx before "$tmp/tcp" || fail "no TCP connection: $(cat "$tmp/tcp")" || return 1
	# shellcheck disable=SC2086 # the unit's command line, split as systemd does
	ip netns exec "$H1" $stop -c "$tmp/fan"
	rc=$?
	unit_ok $rc || fail "ExecStop exited $rc: systemd would count the stop as failed" || return 1
	if h1 ip link show $BR_IDLE 2>/dev/null; then fail "stop kept the idle fan"; return 1; fi
	c1_intact || return 1
	# shellcheck disable=SC2086
	ip netns exec "$H1" $start -c "$tmp/fan"
	rc=$?
	unit_ok $rc || fail "ExecStart exited $rc" || return 1
	h1 ip link show $BR_IDLE >/dev/null || fail "start did not bring $BR_IDLE back" || return 1
	: > "$tmp/go"
	wait $cli
	kill $srv 2>/dev/null; wait $srv 2>/dev/null
	[ "$(cat "$tmp/tcp")" = "before
after" ] || fail "the TCP connection did not survive the restart: $(cat "$tmp/tcp")" || return 1
	c1_intact
}

# The if-down.d hook keeps the busy fan and lets ifdown go on (exit 0);
# the idle fan goes.  Then the if-up.d hook brings it back.
test_ifdown_hook()
{
	local hooks=$top/tools/fanctl/hooks bin=$tmp/bin
	mkdir -p "$bin"
	ln -sf "$FANCTL" "$bin/fanctl"
	expect_rc 0 h1 env IFACE=ib0 FANCTL_CONFIG="$tmp/fan" PATH="$bin:$PATH" \
		sh "$hooks/if-down.d/fanctl" || return 1
	echo "$out"
	echo "$out" | grep -qF "bridge $BR1" || fail "the hook does not say why: $out" || return 1
	if h1 ip link show $BR_IDLE 2>/dev/null; then fail "the hook kept the idle fan"; return 1; fi
	c1_intact || return 1
	expect_rc 0 h1 env IFACE=ib0 FANCTL_CONFIG="$tmp/fan" PATH="$bin:$PATH" \
		sh "$hooks/if-up.d/fanctl" || return 1
	h1 ip link show $BR_IDLE >/dev/null || fail "if-up.d did not bring $BR_IDLE back"
}

# The positive control: --force takes the busy fan down, c1 is cut off.
test_force()
{
	expect_rc 0 f1 down --force $OV ib0/16 || return 1
	if h1 ip link show $BR1 2>/dev/null; then fail "--force kept $BR1"; return 1; fi
	if ip netns exec "c1-$sfx" ping -c 1 -W 1 250.9.200.7 >/dev/null; then
		fail "c1 still reaches c2 with its fan down"
		return 1
	fi
	# -f -e takes the rest; once the ports are gone no force is needed
	expect_rc 0 f1 down -e -f || return 1
	nothing_left "$H1" || return 1
	container_del "$H2" c2 || return 1
	expect_rc 0 f2 down $OV ib0/16 || return 1
	nothing_left "$H2"
}

TESTS="
setup test_setup
down_refused test_down_refused
down_everything_refused test_down_everything_refused
down_all_keeps_busy test_down_all
restart_keeps_tcp test_restart
ifdown_hook_keeps_busy test_ifdown_hook
force test_force
"
fanctl_main
