#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPsec under the fan (Documentation/security.rst, "The answer"): ESP in
# transport mode for IP protocol 4 between two underlay hosts.  h1 and h2
# have ESP SAs with static keys (AES-GCM) and policies for IPIP both ways;
# h2's inbound policy requires ESP for IPIP from the whole underlay
# 10.7.0.0/16.  h3 has no IPsec at all.
#
#   - c1 <-> c2 traffic (ping, 1 MB of TCP) goes through the SAs: the
#     fan's transmit routes through xfrm, so its IPIP leaves in ESP, and
#     the fan on the other side takes it after decryption.
#   - The underlay carries ESP (protocol 50) with the SAs' SPIs: every
#     packet h1's fan sent to h2 went through the SA, and h2 refused no
#     clear IPIP.  (A raw socket is no proof that no IPIP is on the wire:
#     after transport-mode decryption, the IPIP is delivered once more to
#     the IPIP raw sockets.  The SA and fan counters are.)
#   - h3 -> c2 in clear IPIP is refused by h2's fan and counted as
#     rx_policy (check 4 of security.rst), not rx_malformed.
#   - h3 forging h1's outer source: a raw socket (IPPROTO_RAW, so the
#     outer header is ours) on h3 writes IPIP 10.7.3.4 > 10.7.9.200 with
#     an inner packet from c1's address to c2.  It passes the fan's strict
#     check (the inner source is in the slice of the outer source) and is
#     refused only because it did not come in ESP: rx_policy.  Without
#     h2's inbound policy the same packet is delivered; that is the
#     forgery security.rst warns of, and the policy is what stops it.
#     (Not hostile_tx.py: each of its kinds ends with a canary from the
#     attacker's own address, which h2's policy refuses too.  Not a tunnel
#     from 10.7.3.4 as a second address of h3: on the shared L2 h3 would
#     answer ARP for h1's address.)

# shellcheck source=fan_lib.sh
. "$(dirname "$0")/fan_lib.sh"

H1=10.7.3.4
H2=10.7.9.200
H3=10.7.200.1
# Static keys for the test only: rfc4106(gcm(aes)) takes a 16-byte AES key
# and a 4-byte salt, with a 128-bit ICV.
SPI12=0x1204
SPI21=0x2103
KEY12=0x3f1a6c2d8e4b0a5c7d9e1f20314253647586971a
KEY21=0x4b2c7d3e9f5a1b6c8d0e2f304152637485968a7b
AEAD="rfc4106(gcm(aes))"
FORGE=$FAN_TMP/forge.py

# Debian's kernels have xfrm_user and esp4 as modules (the crypto loads on
# demand); the debug kernel has them built in.
modprobe -q -a xfrm_user esp4 2> /dev/null
ip xfrm state list > /dev/null 2>&1 ||
	ktap_skip_all "no IPsec in this kernel (CONFIG_XFRM_USER, CONFIG_INET_ESP)"

setup()
{
	fan_host h1 "$H1/16" &&
	fan_host h2 "$H2/16" &&
	fan_host h3 "$H3/16" &&
	fan_up h1 250.0.0.0/8 16 &&
	fan_up h2 250.0.0.0/8 16 &&
	fan_up h3 250.0.0.0/8 16 &&
	fan_container c1 h1 250.3.4.2 &&
	fan_container c2 h2 250.9.200.7 &&
	fan_container c3 h3 250.200.1.9 &&
	wait_for 10 ns_exec c1 ping -c1 -W1 250.9.200.7 &&
	wait_for 10 ns_exec c3 ping -c1 -W1 250.9.200.7
}
subtest "three hosts and containers, clear IPIP works" setup ||
	ktap_exit_fail_msg "setup failed"

# h1 <-> h2: one SA each way, a policy each way for IPIP (proto 4) with
# an ESP transport-mode template (level required).  h1 requires ESP from
# h2; h2 requires it from every underlay host.
ipsec_setup()
{
	ns_ip h1 -batch - <<-EOF || return 1
		xfrm state add src $H1 dst $H2 proto esp spi $SPI12 mode transport replay-window 32 aead $AEAD $KEY12 128
		xfrm state add src $H2 dst $H1 proto esp spi $SPI21 mode transport replay-window 32 aead $AEAD $KEY21 128
		xfrm policy add src $H1/32 dst $H2/32 proto 4 dir out tmpl src $H1 dst $H2 proto esp mode transport level required
		xfrm policy add src $H2/32 dst $H1/32 proto 4 dir in tmpl src $H2 dst $H1 proto esp mode transport level required
	EOF
	ns_ip h2 -batch - <<-EOF || return 1
		xfrm state add src $H1 dst $H2 proto esp spi $SPI12 mode transport replay-window 32 aead $AEAD $KEY12 128
		xfrm state add src $H2 dst $H1 proto esp spi $SPI21 mode transport replay-window 32 aead $AEAD $KEY21 128
		xfrm policy add src $H2/32 dst $H1/32 proto 4 dir out tmpl src $H2 dst $H1 proto esp mode transport level required
		xfrm policy add src 10.7.0.0/16 dst "$H2/32" proto 4 dir in tmpl proto esp mode transport level required
	EOF
	ns_ip h2 xfrm policy list
	wait_for 10 ns_exec c1 ping -c1 -W1 250.9.200.7
}
subtest "h1 <-> h2: ESP transport-mode SAs and policies for IPIP" ipsec_setup

# sa HOST SRC DST bytes|packets: a counter of HOST's ESP SA SRC -> DST.
sa()
{
	local out
	out=$(ns_ip "$1" -s xfrm state list src "$2" dst "$3" proto esp) || return 1
	if ! [[ $out =~ ([0-9]+)\(bytes\),\ ([0-9]+)\(packets\) ]]; then
		echo "no SA counters for $2 > $3 on $1: $out" >&2
		return 1
	fi
	case $4 in
	bytes) echo "${BASH_REMATCH[1]}" ;;
	packets) echo "${BASH_REMATCH[2]}" ;;
	esac
}

subtest "ping c1 -> c2 and c2 -> c1 through ESP" \
	sh -c "ip netns exec $(ns c1) ping -c3 -i0.2 -W2 250.9.200.7 &&
	       ip netns exec $(ns c2) ping -c3 -i0.2 -W2 250.3.4.2"

# Five echo requests c1 -> c2 (and their replies), nothing else on the
# underlay: h1's fan sent N packets to h2 and h1's SA h1 -> h2 carried at
# least N; h2's fan took M and h2's SA h1 -> h2 decrypted at least M; h2
# refused nothing (any clear IPIP from h1 would be rx_policy); and what
# reaches h2 is ESP with h1's SPI.
on_the_wire()
{
	local tx0 tx1 s10 s11 rx0 rx1 s20 s21 p0 p1
	tx0=$(fan_stat h1 ftun0 tx_packets) && s10=$(sa h1 "$H1" "$H2" packets) &&
	rx0=$(fan_stat h2 ftun0 rx_packets) && s20=$(sa h2 "$H1" "$H2" packets) &&
	p0=$(fan_counter h2 ftun0 rx_policy) || return 1
	sniff h2 esp "$FAN_TMP/esp" ns_exec c1 ping -c5 -i0.2 -W2 250.9.200.7
	cat "$FAN_TMP/esp"
	tx1=$(fan_stat h1 ftun0 tx_packets) && s11=$(sa h1 "$H1" "$H2" packets) &&
	rx1=$(fan_stat h2 ftun0 rx_packets) && s21=$(sa h2 "$H1" "$H2" packets) &&
	p1=$(fan_counter h2 ftun0 rx_policy) || return 1
	echo "h1: ftun0 tx +$((tx1 - tx0)), SA $H1 > $H2 +$((s11 - s10)) packets"
	echo "h2: ftun0 rx +$((rx1 - rx0)), SA $H1 > $H2 +$((s21 - s20)) packets, rx_policy +$((p1 - p0))"
	grep -qx "$H1 > $H2: esp spi $SPI12" "$FAN_TMP/esp" &&
	[ $((tx1 - tx0)) -ge 5 ] && [ $((s11 - s10)) -ge $((tx1 - tx0)) ] &&
	[ $((rx1 - rx0)) -ge 5 ] && [ $((s21 - s20)) -ge $((rx1 - rx0)) ] &&
	[ "$p1" = "$p0" ]
}
subtest "the underlay h1 -> h2 carries ESP (protocol 50), every fan packet in the SA" \
	on_the_wire

# ESP adds 34-37 bytes (AES-GCM) that the fan's MTU (underlay - 20) does
# not leave room for: a packet that fits the fan's MTU but not with ESP
# is answered with fragmentation-needed (the fan's tx_frag_needed: the
# route it gets from xfrm has ESP's MTU) until the sender learns the path
# MTU.  That happens on veth, where the fan's MTU is 1480 and the
# containers' 1500; on IPoIB (2024) their 1500 leaves room for ESP.
tcp_esp()
{
	local b0 b1 f0 f1
	b0=$(sa h1 "$H1" "$H2" bytes) &&
	f0=$(fan_counter h1 ftun0 tx_frag_needed) || return 1
	tcp_transfer c1 c2 250.9.200.7 1000000 || return 1
	b1=$(sa h1 "$H1" "$H2" bytes) &&
	f1=$(fan_counter h1 ftun0 tx_frag_needed) || return 1
	echo "h1's SA $H1 > $H2: +$((b1 - b0)) bytes; h1 ftun0 tx_frag_needed +$((f1 - f0))"
	ns_ip h1 route get "$H2"
	[ $((b1 - b0)) -ge 1000000 ]
}
subtest "TCP c1 -> c2 through ESP, 1 MB, sha256 matches" tcp_esp

# ESP's header and IV (the xfrm route's dst.header_len) come on top of the
# underlay's link-layer header and ours.  ftun0 asks the stack for that
# headroom once it has seen such a route, so a socket on ftun0 leaves room
# for it and the fan does not reallocate each packet (as ip_tunnel).
# Counted with the function tracer: pskb_expand_head called from fan_xmit
# while h1 itself sends N UDP datagrams to c2 (which discards them).
T=/sys/kernel/tracing
headroom()
{
	local n=100 s0 s1 got pid
	[ -e $T/current_tracer ] || mount -t tracefs nodev $T 2> /dev/null
	grep -qx pskb_expand_head $T/available_filter_functions 2> /dev/null ||
		{ echo "pskb_expand_head cannot be traced (no function tracer)"; return 1; }
	cleanup_add "echo nop > $T/current_tracer; echo > $T/set_ftrace_filter"
	# ip netns exec execs timeout, which passes the kill below on to
	# socat; no output, so this subtest's $(...) does not wait for it.
	ip netns exec "$NS_PREFIX-c2" timeout $((60 * FAN_SLOW)) \
		socat -u UDP-RECV:5000 /dev/null > /dev/null 2>&1 &
	pid=$!
	s0=$(sa h1 "$H1" "$H2" packets) || return 1
	echo pskb_expand_head > $T/set_ftrace_filter &&
	echo function > $T/current_tracer &&
	echo > $T/trace || return 1
	ns_exec h1 python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range($n):
    s.sendto(b'x' * 200, ('250.9.200.7', 5000))"
	# (Changing the tracer empties the trace: read it first.)
	got=$(grep -c 'pskb_expand_head <-fan_xmit' $T/trace)
	grep -o 'pskb_expand_head <-.*' $T/trace | sort | uniq -c
	echo nop > $T/current_tracer
	echo > $T/set_ftrace_filter
	kill $pid 2> /dev/null
	s1=$(sa h1 "$H1" "$H2" packets) || return 1
	echo "$n datagrams h1 -> c2: h1's SA +$((s1 - s0)) packets, reallocated in fan_xmit: $got"
	[ $((s1 - s0)) -ge $n ] && [ "$got" -le 1 ]
}
subtest "h1 -> c2 through ESP: ftun0's headroom has room for ESP, fan_xmit reallocates no packet" \
	headroom

# grown HOST COUNTER BASE N: HOST's ftun0 COUNTER (a fan counter, or
# rx_packets) is at least BASE + N.
grown()
{
	local v
	if [ "$2" = rx_packets ]; then
		v=$(fan_stat "$1" ftun0 rx_packets)
	else
		v=$(fan_counter "$1" ftun0 "$2")
	fi
	[ $((v - $3)) -ge "$4" ]
}

# refused N CMD...: CMD must raise h2's ftun0 rx_policy by at least N and
# leave rx_malformed and rx_spoofed alone.
refused()
{
	local want=$1 p0 m0 s0 p1 m1 s1
	shift
	p0=$(fan_counter h2 ftun0 rx_policy) &&
	m0=$(fan_counter h2 ftun0 rx_malformed) &&
	s0=$(fan_counter h2 ftun0 rx_spoofed) || return 1
	"$@"
	# A raw socket returns before the packets are received.
	wait_for 5 grown h2 rx_policy "$p0" "$want"
	p1=$(fan_counter h2 ftun0 rx_policy) &&
	m1=$(fan_counter h2 ftun0 rx_malformed) &&
	s1=$(fan_counter h2 ftun0 rx_spoofed) || return 1
	echo "h2 ftun0: rx_policy $p0 -> $p1, rx_malformed $m0 -> $m1, rx_spoofed $s0 -> $s1"
	[ $((p1 - p0)) -ge "$want" ] && [ "$m1" = "$m0" ] && [ "$s1" = "$s0" ]
}

no_ipsec()
{
	# The pings must go unanswered.
	! ns_exec c3 ping -c5 -i0.2 -W1 250.9.200.7
}
subtest "h3 (no IPsec) -> c2: refused by h2's inbound policy, rx_policy" \
	refused 5 no_ipsec

# forge N: N echo requests 250.3.4.2 > 250.9.200.7 in IPIP from h1's
# underlay address, written by h3 (IPPROTO_RAW: the outer header is ours,
# and the kernel keeps a non-local source).  h2's ftun0 rx_packets before
# the run is left in $FORGE_RX0.
cat > "$FORGE" <<'EOF'
import socket
import struct
import sys


def cksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s & 0xffff) + (s >> 16)
    return ~((s & 0xffff) + (s >> 16)) & 0xffff


def ip(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64,
                    proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return h[:10] + struct.pack("!H", cksum(h)) + h[12:] + payload


osrc, odst, isrc, idst, n = sys.argv[1:6]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for seq in range(1, int(n) + 1):
    echo = struct.pack("!BBHHH", 8, 0, 0, 0xfa9e, seq) + b"forged outer"
    echo = echo[:2] + struct.pack("!H", cksum(echo)) + echo[4:]
    s.sendto(ip(osrc, odst, 4, ip(isrc, idst, 1, echo)), (odst, 0))
print("h3 sent %s IPIP %s > %s: %s > %s" % (n, osrc, odst, isrc, idst))
EOF
forge()
{
	FORGE_RX0=$(fan_stat h2 ftun0 rx_packets) &&
	ns_exec h3 python3 "$FORGE" "$H1" "$H2" 250.3.4.2 250.9.200.7 "$1"
}

forged_refused()
{
	refused 5 forge 5 || return 1
	# and h2's fan delivered none of them
	local rx
	rx=$(fan_stat h2 ftun0 rx_packets)
	echo "h2 ftun0 rx_packets $FORGE_RX0 -> $rx"
	[ "$rx" = "$FORGE_RX0" ]
}
subtest "h3 forging h1's outer source $H1 -> c2: refused (no ESP), rx_policy" \
	forged_refused

forged_no_policy()
{
	local p0 p1 rx rc
	p0=$(fan_counter h2 ftun0 rx_policy) || return 1
	ns_ip h2 xfrm policy delete src 10.7.0.0/16 dst "$H2/32" proto 4 dir in ||
		return 1
	forge 5 &&
	wait_for 5 grown h2 rx_packets "$FORGE_RX0" 5
	rc=$?
	rx=$(fan_stat h2 ftun0 rx_packets)
	p1=$(fan_counter h2 ftun0 rx_policy)
	ns_ip h2 xfrm policy add src 10.7.0.0/16 dst "$H2/32" proto 4 dir in \
		tmpl proto esp mode transport level required || return 1
	echo "h2 ftun0 rx_packets $FORGE_RX0 -> $rx, rx_policy $p0 -> $p1"
	[ "$rc" -eq 0 ] && [ "$p1" = "$p0" ]
}
subtest "control: without h2's inbound policy the forged packets are delivered" \
	forged_no_policy

after()
{
	local s0 s1
	s0=$(sa h2 "$H1" "$H2" packets) || return 1
	ns_exec c1 ping -c3 -i0.2 -W2 250.9.200.7 &&
	ns_exec c2 ping -c3 -i0.2 -W2 250.3.4.2 || return 1
	s1=$(sa h2 "$H1" "$H2" packets) || return 1
	echo "h2's SA $H1 > $H2: +$((s1 - s0)) packets"
	[ $((s1 - s0)) -ge 3 ]
}
subtest "c1 <-> c2 still works through ESP" after

fan_finish
