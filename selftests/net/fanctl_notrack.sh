#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fanctl's notrack rules (option notrack): with conntrack active on both
# hosts (a rule that matches ct state, as on a Docker host), an ipip fan's
# outer IPIP packets between the hosts get no conntrack entry, while the
# containers' packets inside are tracked as before; without the option
# (the default, and the control) the outer packets are tracked and there
# are no rules.  up repairs a rule deleted by hand, a direct map gets none,
# down and the rollback remove them, a foreign rule survives.

. "$(dirname "$0")/fanctl_lib.sh"

RULE="ip protocol ipencap ip saddr 10.7.0.0/16 ip daddr 10.7.0.0/16 notrack comment \"fanctl $OV $S1\""

# conntrack_on HOST: make conntrack see every packet of HOST
conntrack_on()
{
	ip netns exec "$1" nft -f - <<-EOF
		table ip ctt {
			chain ctfwd {
				type filter hook forward priority 0;
				ct state established,related accept
			}
			chain ctin {
				type filter hook input priority 0;
				ct state established,related accept
			}
		}
	EOF
}

# The conntrack entries of HOST for IPIP between the hosts (protocol 4).
outer_entries()
{
	ip netns exec "$1" awk '$3 == "unknown" && $4 == 4' /proc/net/nf_conntrack
}

# two containers, conntrack on, a ping from n1 to n2
traffic()
{
	container "$H1" n1 $BR1 250.3.4.20/24 250.3.4.1 || return 1
	container "$H2" n2 $BR2 250.9.200.30/24 250.9.200.1 || return 1
	conntrack_on "$H1" && conntrack_on "$H2" || return 1
	h1 sh -c 'echo f > /proc/net/nf_conntrack' 2>/dev/null
	ip netns exec "n1-$sfx" ping -c3 -i0.2 -W2 250.9.200.30 > "$tmp/ping" ||
		fail "ping: $(cat "$tmp/ping")"
}

untraffic()
{
	# the veths first: a namespace's go some time after it (fanctl down
	# then refuses a bridge that still has a port)
	container_del "$H1" n1
	container_del "$H2" n2
	h1 nft delete table ip ctt
	h2 nft delete table ip ctt
}

test_rules()
{
	expect_rc 0 f1 up $OV ib0/16 notrack || return 1
	out=$(h1 nft list table ip fanctl) || fail "no table" || return 1
	echo "$out"
	local c
	for c in "raw-prerouting" "raw-output"; do
		h1 nft list chain ip fanctl $c > "$tmp/chain" || fail "no chain $c" || return 1
		grep -q "type filter hook ${c#raw-} priority raw" "$tmp/chain" ||
			fail "$c: $(cat "$tmp/chain")" || return 1
		grep -qF "$RULE" "$tmp/chain" || fail "$c: no rule: $(cat "$tmp/chain")" || return 1
	done
	h1 ip link show $BR1 | grep -q "alias fanctl $OV $A1/16 host-reserve 1 nat notrack$" ||
		fail "alias: $(h1 ip link show $BR1)" || return 1
	f1 show | grep -q "nat,host-reserve=1,notrack" || fail "show: $(f1 show)" || return 1
	f1 show --json | jq -e '.fans[0].notrack == true' > /dev/null ||
		fail "json: $(f1 show --json)" || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1"
}

test_untracked()
{
	modprobe nf_conntrack 2>/dev/null
	load_module nft_ct || fail "no nft_ct" || return 1
	expect_rc 0 f1 up $OV ib0/16 notrack || return 1
	expect_rc 0 f2 up $OV ib0/16 notrack || return 1
	traffic || return 1
	# conntrack is on: the inner ICMP is tracked on both hosts
	h1 grep -q "icmp .*src=250.3.4.20 dst=250.9.200.30" /proc/net/nf_conntrack ||
		fail "h1 tracks nothing: $(h1 cat /proc/net/nf_conntrack)" || return 1
	h2 grep -q "icmp .*src=250.3.4.20 dst=250.9.200.30" /proc/net/nf_conntrack ||
		fail "h2 tracks nothing: $(h2 cat /proc/net/nf_conntrack)" || return 1
	[ -z "$(outer_entries "$H1")" ] || fail "h1 tracks IPIP: $(outer_entries "$H1")" || return 1
	[ -z "$(outer_entries "$H2")" ] || fail "h2 tracks IPIP: $(outer_entries "$H2")" || return 1
	untraffic
	expect_rc 0 f1 down $OV ib0/16 && expect_rc 0 f2 down $OV ib0/16 || return 1

	# The control: the default, the outer packets are tracked.
	expect_rc 0 f1 up $OV ib0/16 || return 1
	expect_rc 0 f2 up $OV ib0/16 || return 1
	h1 ip link show $BR1 | grep -q "alias fanctl $OV $A1/16 host-reserve 1 nat$" ||
		fail "alias: $(h1 ip link show $BR1)" || return 1
	f1 show | grep -q "nat,host-reserve=1 *$" || fail "show: $(f1 show)" || return 1
	f1 show --json | jq -e '.fans[0].notrack == false' > /dev/null ||
		fail "json: $(f1 show --json)" || return 1
	if h1 nft list table ip fanctl | grep -q notrack; then fail "the default made a rule"; fi
	traffic || return 1
	[ -n "$(outer_entries "$H1")" ] || fail "h1 does not track IPIP" || return 1
	[ -n "$(outer_entries "$H2")" ] || fail "h2 does not track IPIP" || return 1
	outer_entries "$H1"
	untraffic
	expect_rc 0 f1 down $OV ib0/16 && expect_rc 0 f2 down $OV ib0/16 || return 1
	nothing_left "$H1" && nothing_left "$H2"
}

test_repair()
{
	local h
	expect_rc 0 f1 up $OV ib0/16 notrack || return 1
	h=$(h1 nft -a list chain ip fanctl raw-output | sed -n 's/.*notrack comment.* # handle \([0-9]*\)$/\1/p')
	[ -n "$h" ] || fail "no handle: $(h1 nft -a list chain ip fanctl raw-output)" || return 1
	h1 nft delete rule ip fanctl raw-output handle "$h" || return 1
	expect_rc 0 f1 up $OV ib0/16 notrack || return 1
	local c
	for c in raw-prerouting raw-output; do
		[ "$(h1 nft list chain ip fanctl $c | grep -cF "$RULE")" = 1 ] ||
			fail "$c after repair: $(h1 nft list chain ip fanctl $c)" || return 1
	done
	# up again with nothing missing adds nothing; a chain deleted is made again
	expect_rc 0 f1 up $OV ib0/16 notrack || return 1
	[ "$(h1 nft list table ip fanctl | grep -cF "$RULE")" = 2 ] ||
		fail "duplicates: $(h1 nft list table ip fanctl)" || return 1
	h1 nft flush chain ip fanctl raw-prerouting && h1 nft delete chain ip fanctl raw-prerouting || return 1
	expect_rc 0 f1 up $OV ib0/16 notrack || return 1
	[ "$(h1 nft list table ip fanctl | grep -cF "$RULE")" = 2 ] ||
		fail "duplicates: $(h1 nft list table ip fanctl)" || return 1
	# a foreign rule in our chain survives down, and keeps the table
	h1 nft add rule ip fanctl raw-output ip daddr 192.0.2.1 counter || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	out=$(h1 nft list table ip fanctl) || fail "table deleted with a foreign rule" || return 1
	if echo "$out" | grep -q notrack; then fail "our rules stayed: $out"; return 1; fi
	echo "$out" | grep -q "192.0.2.1" || fail "foreign rule lost" || return 1
	h1 nft delete table ip fanctl
	nothing_left "$H1"
}

test_direct_none()
{
	expect_rc 0 f1 up $OV ib0/16 mode direct no-nat notrack || return 1
	if h1 nft list table ip fanctl 2>/dev/null; then fail "a direct map made rules"; return 1; fi
	expect_rc 0 f1 down $OV ib0/16 || return 1
	# the same fan in ipip: the positive control
	expect_rc 0 f1 up $OV ib0/16 no-nat notrack || return 1
	h1 nft list table ip fanctl | grep -qF "$RULE" || fail "ipip made no rule" || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	nothing_left "$H1"
}

test_rollback()
{
	local before
	before=$(snapshot "$H1")
	out=$(ft1 dhcp up $OV ib0/16 dhcp notrack 2>&1)
	[ $? = 2 ] || fail "exit: $out" || return 1
	echo "$out" | grep -q "step dhcp: injected" || fail "$out" || return 1
	[ "$before" = "$(snapshot "$H1")" ] ||
		fail "left: $(diff <(echo "$before") <(snapshot "$H1"))" || return 1
	nothing_left "$H1"
}

TESTS="
notrack_rules test_rules
outer_ipip_untracked test_untracked
up_repairs_rules test_repair
direct_map_no_rules test_direct_none
rollback_removes_rules test_rollback
"
fanctl_main
