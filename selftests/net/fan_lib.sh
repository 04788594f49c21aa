# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash source-path=SCRIPTDIR
#
# Shared set-up of the fan device selftests (sourced): hosts as network
# namespaces on one underlay L2 segment (veth into a switch bridge, or the
# emulated IPoIB fabric when FAN_UNDERLAY=ib), fans brought up with fanctl,
# containers attached to the slice bridges as Docker does, and KTAP
# subtests.
#
#   fan_host h1 10.7.3.4/16             # host namespace + underlay
#   fan_up h1 250.0.0.0/8 16            # fanctl up 250.0.0.0/8 ul0/16
#   fan_container c1 h1 250.3.4.2       # on bridge fan-250-3-4
#   subtest "c1 reaches c2" ns_exec c1 ping -c1 -W2 250.9.200.7
#   fan_finish

set -u

FAN_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FANCTL=${FANCTL:-$FAN_TOP/tools/fanctl/fanctl}
FAN_NL=$FAN_TOP/selftests/net/fan_nl.py
FAN_KO=${FAN_KO:-$FAN_TOP/build/modules/$(uname -r)/fan.ko}
IPOIB_KO=${IPOIB_KO:-$FAN_TOP/build/modules/$(uname -r)/ipoib_emu.ko}
# veth (default) or ib: the emulated IPoIB fabric.
FAN_UNDERLAY=${FAN_UNDERLAY:-veth}
# How much longer than usual to wait for traffic: the KASAN/kmemleak
# kernel runs the suite about 2x slower than Debian's under TCG, and
# shares two host cores with two other VMs in make check.
if [ -z "${FAN_SLOW:-}" ]; then
	FAN_SLOW=1
	[ -e /sys/kernel/debug/kmemleak ] && FAN_SLOW=4
fi

# shellcheck source=../lib/ktap.sh
. "$FAN_TOP/selftests/lib/ktap.sh"
# shellcheck source=../lib/netns.sh
. "$FAN_TOP/selftests/lib/netns.sh"

FAN_TMP=$(mktemp -d /tmp/fan-test.XXXXXX)
cleanup_add "rm -rf $FAN_TMP"

fan_modules()
{
	if ! grep -q '^fan ' /proc/modules; then
		modprobe -q tunnel4 || true
		insmod "$FAN_KO" || return 1
	fi
	if [ "$FAN_UNDERLAY" = ib ] && ! grep -q '^ipoib_emu ' /proc/modules; then
		insmod "$IPOIB_KO" || return 1
		# Unloaded once the namespaces are gone, so the fans still
		# meet netns exit with their underlay in place.  Devices of
		# deleted namespaces go asynchronously: retry.
		cleanup_late "for _ in \$(seq 20); do rmmod ipoib_emu 2>/dev/null && break; sleep 0.5; done"
	fi
}

# fan_host HOST ADDR/LEN: a host namespace with underlay device $UL_DEV.
fan_host()
{
	local host=$1 addr=$2
	if [ "$FAN_UNDERLAY" = ib ]; then
		ns_create "$host" || return 1
		ip link add "ib-$host" type ipoib_emu || return 1
		ip link set "ib-$host" netns "$(ns "$host")" name "$UL_DEV" || return 1
		ns_exec "$host" ip addr add "$addr" dev "$UL_DEV" || return 1
		ns_exec "$host" ip link set "$UL_DEV" up
	else
		ns_exists sw || underlay_switch_create || return 1
		underlay_host_add "$host" "$addr"
	fi
}

# fan_up HOST OVERLAY UNDERLAY_LEN [OPTION...]: fanctl up on HOST.  With
# dhcp, "fanctl down -e" there at exit: a dnsmasq killed with the
# namespaces would leave its files in /run/fanctl.  Without, the fan goes
# with its namespace (which the tests exercise that way), and only the
# record fanctl keeps of it (/run/fanctl/netns-INODE/fans) is removed.
fan_up()
{
	local host=$1 overlay=$2 len=$3 ino
	shift 3
	ino=$(ns_exec "$host" stat -L -c %i /proc/self/ns/net)
	if [ ! -e "$FAN_TMP/rec-$ino" ]; then
		: > "$FAN_TMP/rec-$ino"
		cleanup_add "rm -f /run/fanctl/netns-$ino/fans; rmdir /run/fanctl/netns-$ino 2>/dev/null"
	fi
	if [[ " $* " == *" dhcp "* ]] && [ ! -e "$FAN_TMP/up-$host" ]; then
		: > "$FAN_TMP/up-$host"
		cleanup_add "ns_exec $host $FANCTL down -e --force > /dev/null 2>&1"
	fi
	ns_exec "$host" "$FANCTL" up "$overlay" "$UL_DEV/$len" "$@"
}

# fan_two_hosts: the usual pair: h1 10.7.3.4 and h2 10.7.9.200 on
# 250.0.0.0/8 over the /16, container c1 250.3.4.2 on h1 and c2
# 250.9.200.7 on h2, and c1 reaching c2.
fan_two_hosts()
{
	fan_host h1 10.7.3.4/16 &&
	fan_host h2 10.7.9.200/16 &&
	fan_up h1 250.0.0.0/8 16 &&
	fan_up h2 250.0.0.0/8 16 &&
	fan_container c1 h1 250.3.4.2 &&
	fan_container c2 h2 250.9.200.7 &&
	wait_for 10 ns_exec c1 ping -c1 -W1 250.9.200.7
}

# fan_bg NS SECS CMD...: CMD in namespace NS in the background, killed
# after SECS at the latest (and at exit); fan_bg_stop ends them all.
FAN_BG_PIDS=()
fan_bg()
{
	local n=$1 secs=$2
	shift 2
	ip netns exec "$(ns "$n")" timeout "$secs" "$@" > /dev/null 2>&1 < /dev/null &
	FAN_BG_PIDS+=($!)
	cleanup_add "kill $! 2>/dev/null"
}

fan_bg_stop()
{
	local p
	for p in "${FAN_BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${FAN_BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	FAN_BG_PIDS=()
}

# fan_unload: rmmod fan, retried for up to 10 s while the last users (a
# namespace on its way out) let go; says how many attempts it took.
fan_unload()
{
	local i
	for i in $(seq 50); do
		rmmod fan 2> "$FAN_TMP/rmmod" && break
		sleep 0.2
	done
	cat "$FAN_TMP/rmmod"
	echo "rmmod after $i attempt(s)"
	! grep -q '^fan ' /proc/modules
}

# fan_bridge_of SLICE_ADDR: fanctl's default bridge name, fan-250-3-4.
fan_bridge_of()
{
	local a=$1
	echo "fan-${a//./-}"
}

# fan_container C HOST ADDR [PLEN [BRIDGE]]: container C on HOST's slice
# bridge (default: the one fanctl names after the slice, fan-250-3-4 for
# a /24), gateway = slice .1.  Shell arithmetic, not python3: a process
# costs seconds on the debug kernel.
fan_container()
{
	local c=$1 host=$2 addr=$3 plen=${4:-24} br=${5:-}
	local a b d e net gw i

	IFS=. read -r a b d e <<< "$addr"
	net=$(( (a << 24 | b << 16 | d << 8 | e) & (0xffffffff << (32 - plen)) & 0xffffffff ))
	gw=$((net + 1))
	gw=$((gw >> 24 & 255)).$((gw >> 16 & 255)).$((gw >> 8 & 255)).$((gw & 255))
	if [ -z "$br" ]; then
		br=fan
		for ((i = 0; i < (plen + 7) / 8; i++)); do
			br+=-$((net >> (24 - 8 * i) & 255))
		done
	fi
	container_add "$c" "$host" "$br" "$addr/$plen" "$gw"
}

# fan_counter HOST DEV NAME: one of the fan's per-reason counters.
fan_counter()
{
	local k v
	while read -r k v; do
		[ "$k" != "$3:" ] || echo "$v"
	done < <(ns_exec "$1" ethtool -S "$2")
}

# fan_stat HOST DEV FIELD: a standard counter (rx_packets, tx_dropped...).
fan_stat()
{
	ns_exec "$1" cat "/sys/class/net/$2/statistics/$3"
}

# fan_flowing HOST DIR: HOST's ftun0 DIR (tx/rx) packet counter moves by
# at least 20 within 2 s (times FAN_SLOW): traffic flows, however slowly
# the machine runs.
fan_flowing()
{
	local a b end
	a=$(fan_stat "$1" ftun0 "${2}_packets")
	end=$((EPOCHSECONDS + 2 * FAN_SLOW))
	while :; do
		sleep 0.5
		b=$(fan_stat "$1" ftun0 "${2}_packets")
		[ $((b - a)) -ge 20 ] && break
		[ "$EPOCHSECONDS" -lt "$end" ] || break
	done
	echo "$1 ftun0 ${2}_packets $a -> $b"
	[ $((b - a)) -ge 20 ]
}

# wait_listening NS PORT: until something in NS listens on TCP PORT.
wait_listening()
{
	wait_for 5 ns_exec "$1" sh -c "ss -ltn | grep -q ':$2 '"
}

# tcp_transfer FROM TO_ADDR BYTES: send BYTES random bytes over TCP from
# namespace FROM to TO_NS listening at TO_ADDR:5201-ish, compare sha256.
tcp_transfer()
{
	local from=$1 to=$2 addr=$3 bytes=$4 port=${5:-7777}
	local src=$FAN_TMP/src.$$ dst=$FAN_TMP/dst.$$ pid
	head -c "$bytes" /dev/urandom > "$src"
	rm -f "$dst"
	ns_exec "$to" socat -u "TCP-LISTEN:$port,reuseaddr" "OPEN:$dst,creat,trunc" &
	pid=$!
	wait_listening "$to" "$port" || { kill $pid; return 1; }
	ns_exec "$from" timeout $((60 * FAN_SLOW)) socat -u "OPEN:$src" "TCP:$addr:$port,connect-timeout=5" || { kill $pid 2>/dev/null; return 1; }
	wait $pid || return 1
	[ "$(sha256sum < "$src")" = "$(sha256sum < "$dst")" ]
}

# sniff [-i DEV] NS PROTO OUT CMD...: capture PROTO packets in NS into
# OUT while CMD runs (selftests/net/sniff.py: a raw socket, not tcpdump;
# with -i, a packet socket on DEV: what arrives there, forwarded or not).
# Succeeds if $SNIFF_COUNT (default 1) packets arrived; CMD's exit status
# is left in SNIFF_RC.  What CMD sent has arrived when it ends: a capture
# still waiting then gets two seconds more, not sniff.py's ten (a check
# that nothing arrives would wait them all).
sniff()
{
	local dev=() n proto out pid end
	[ "$1" != -i ] || { dev=(-i "$2"); shift 2; }
	n=$1 proto=$2 out=$3
	shift 3
	SNIFF_RC=
	# exec: $! is sniff.py itself (ip netns exec execs it), to kill
	(exec ip netns exec "$NS_PREFIX-$n" python3 "$FAN_TOP/selftests/net/sniff.py" \
		"${dev[@]}" "$proto" "${SNIFF_COUNT:-1}" 10 > "$out") &
	pid=$!
	# python3 can take seconds to start on the debug kernel under load.
	wait_for 30 grep -q listening "$out" ||
		{ echo "sniff.py did not start in $((30 * FAN_SLOW)) s"; kill $pid; return 1; }
	"$@" > /dev/null
	SNIFF_RC=$?
	end=$((EPOCHSECONDS + 2 * FAN_SLOW))
	while kill -0 $pid 2> /dev/null && [ "$EPOCHSECONDS" -lt "$end" ]; do
		sleep 0.1
	done
	kill $pid 2> /dev/null
	wait $pid
}

# fan_mib HOST GROUP FIELD: the counter FIELD of GROUP ("Ip", "Icmp",
# "IpExt", ...) in HOST's /proc/net/snmp and /proc/net/netstat, where a
# group is a line of names and then a line of values.
fan_mib()
{
	# shellcheck disable=SC2016 # awk's variables
	ns_exec "$1" awk -v g="$2:" -v f="$3" '
		$1 == g && !(g in seen) { seen[g] = 1; for (i = 2; i <= NF; i++) c[$i] = i; next }
		$1 == g && (f in c) { print $c[f] }' /proc/net/snmp /proc/net/netstat
}

# fan_counted HOST COUNTER N CMD...: CMD (which may fail: packets
# dropped) must raise HOST's ftun0 COUNTER by exactly N; CMD's exit
# status is left in COUNTED_RC.  (fan_drops.sh checks every counter.)
fan_counted()
{
	local host=$1 counter=$2 want=$3 before after
	shift 3
	before=$(fan_counter "$host" ftun0 "$counter")
	"$@"
	COUNTED_RC=$?
	after=$(fan_counter "$host" ftun0 "$counter")
	echo "$host $counter: $before -> $after (want +$want)"
	[ $((after - before)) -eq "$want" ]
}

# fan_counted_ok HOST COUNTER N CMD...: the same, and CMD must succeed.
fan_counted_ok()
{
	fan_counted "$@" || return 1
	[ "$COUNTED_RC" = 0 ] || { echo "failed: ${*:4}"; return 1; }
}

# fan_devs HOST: the fan devices in HOST's namespace, by name, on one
# line; fails if the namespace cannot be listed.
fan_devs()
{
	local links
	links=$(ns_ip "$1" -d -j link show) || return 1
	jq -r '[.[] | select(.linkinfo.info_kind == "fan") | .ifname] | sort | join(" ")' <<< "$links"
}

# subtest NAME CMD...: one KTAP result; CMD's output becomes diagnostics.
subtest()
{
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	[ -n "$out" ] && ktap_print_msg "$out"
	case $rc in
	0) ktap_test_pass "$name" ;;
	# The reason is the last line CMD printed.
	"$KSFT_SKIP") ktap_test_skip_why "${out##*$'\n'}" "$name" ;;
	*) ktap_test_fail "$name" ;;
	esac
}

# expect_fail MSG CMD...: CMD must fail and print MSG (a grep -E pattern).
expect_fail()
{
	local msg=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "unexpectedly succeeded: $*"
		echo "$out"
		return 1
	fi
	echo "$out"
	echo "$out" | grep -qE -- "$msg"
}

# fan_finish: a last subtest for kernel splats, then the KTAP totals.
# The plan goes last (TAP allows it), so tests need not count ahead.
fan_finish()
{
	subtest "no kernel splat" dmesg_check
	ktap_set_plan $((KTAP_TESTNO - 1))
	ktap_finished
}

ktap_print_header
# make modules builds both: a module that does not load fails the test.
fan_modules || ktap_exit_fail_msg "fan.ko (or, on the ib underlay, ipoib_emu.ko) cannot be loaded (make modules)"

