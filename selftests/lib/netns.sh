# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash source-path=SCRIPTDIR
#
# Network namespace topologies for the fan tests.  Source it (after
# ktap.sh if you use both).  Every namespace gets the prefix
# $NS_PREFIX (test name + PID), so tests can run back to back and a
# leftover is easy to attribute.  Sourcing installs an EXIT trap that runs
# the hooks from cleanup_add (last added first) and deletes every
# namespace with the prefix; a test that needs its own EXIT trap should
# call ns_cleanup from it.
#
#   underlay_switch_create                       # ns "sw" with bridge br0
#   underlay_host_add h1 10.7.3.4/16             # ns "h1", ul0 <-> sw:br0
#   ns_ip h1 link add br-c type bridge ...      # ip -n; ns_exec for others
#   container_add c1 h1 br-c 250.3.4.2/24 250.3.4.1   # Docker-like veth
#   wait_for 5 ns_exec c1 ping -c1 -W1 250.3.4.1
#   dmesg_check || fail

# shellcheck source=dmesg.sh
. "$(dirname "${BASH_SOURCE[0]}")/dmesg.sh"

NS_PREFIX=${NS_PREFIX:-fan-$(basename "$0" .sh)-$$}
# Name of the underlay device in each host namespace (an IPoIB stand-in
# can replace it later).
UL_DEV=${UL_DEV:-ul0}
SWITCH_BR=${SWITCH_BR:-br0}

# State lives in files and in the namespace names, not in shell arrays:
# tests often build topologies inside $(...) subshells, whose variables
# are lost, and those namespaces must still be cleaned up.
_NS_STATE=$(mktemp -d "${TMPDIR:-/tmp}/netns-state.XXXXXX")
_NS_OWNER=$BASHPID

ns()
{
	echo "$NS_PREFIX-$1"
}

ns_exists()
{
	[ -e "/run/netns/$NS_PREFIX-$1" ]
}

# ns_create NAME: create the namespace, loopback up.
ns_create()
{
	ip netns add "$NS_PREFIX-$1" || return 1
	ip -n "$NS_PREFIX-$1" link set lo up
}

ns_exec()
{
	local n=$1
	shift
	ip netns exec "$NS_PREFIX-$n" "$@"
}

# ns_ip NAME ARGS...: ip -n; one exec fewer than ns_exec NAME ip (each
# exec costs 0.1-0.3 s under TCG).
ns_ip()
{
	local n=$1
	shift
	ip -n "$NS_PREFIX-$n" "$@"
}

# ns_list: every namespace of this test (name starts with $NS_PREFIX-).
ns_list()
{
	ip netns list 2>/dev/null | awk -v p="$NS_PREFIX-" 'index($1, p) == 1 { print $1 }'
}

# cleanup_add CMD...: run CMD (with eval) at exit, before the namespaces
# go; last added runs first.  Works from subshells too.
cleanup_add()
{
	printf '%s\0' "$*" >> "$_NS_STATE/hooks"
}

# cleanup_late CMD...: run CMD (with eval) at exit, after the namespaces
# are deleted (e.g. unload a module their devices used).
cleanup_late()
{
	printf '%s\0' "$*" >> "$_NS_STATE/late"
}

ns_cleanup()
{
	local i n pids hooks=() late=()

	# Only the shell that sourced this file cleans up.
	[ "$BASHPID" = "$_NS_OWNER" ] || return 0
	[ -d "$_NS_STATE" ] || return 0
	if [ -s "$_NS_STATE/hooks" ]; then
		mapfile -d '' -t hooks < "$_NS_STATE/hooks"
	fi
	for ((i = ${#hooks[@]} - 1; i >= 0; i--)); do
		eval "${hooks[i]}" || true
	done
	for n in $(ns_list); do
		# Processes left in a namespace would keep it (and its
		# devices) alive after the name is gone.
		pids=$(ip netns pids "$n" 2>/dev/null)
		if [ -n "$pids" ]; then
			# shellcheck disable=SC2086
			kill -9 $pids 2>/dev/null
		fi
		ip netns del "$n" 2>/dev/null
	done
	if [ -s "$_NS_STATE/late" ]; then
		mapfile -d '' -t late < "$_NS_STATE/late"
	fi
	for ((i = 0; i < ${#late[@]}; i++)); do
		eval "${late[i]}" || true
	done
	rm -rf "$_NS_STATE"
}

trap ns_cleanup EXIT
# Make signals run the EXIT trap too.
trap 'exit 130' INT
trap 'exit 143' TERM

# underlay_switch_create [SW]: namespace SW (default "sw") holding the
# bridge $SWITCH_BR that plays the underlay L2 switch: no STP, no
# forwarding delay, so ports forward at once.
underlay_switch_create()
{
	local sw=${1:-sw}
	ns_create "$sw" || return 1
	ns_ip "$sw" link add "$SWITCH_BR" up type bridge stp_state 0 forward_delay 0
}

# underlay_host_add HOST ADDR/PREFIX [SW]: namespace HOST (made if missing)
# with $UL_DEV, a veth whose peer "HOST" is a port of the switch bridge.
underlay_host_add()
{
	local host=$1 addr=$2 sw=${3:-sw}
	ns_exists "$host" || ns_create "$host" || return 1
	# Create inside the namespaces so names only need to be unique there.
	ns_ip "$host" -batch - <<-EOF || return 1
		link add $UL_DEV type veth peer name ${host:0:15} netns $NS_PREFIX-$sw
		addr add $addr dev $UL_DEV
		link set $UL_DEV up
	EOF
	ns_ip "$sw" link set "${host:0:15}" master "$SWITCH_BR" up
}

# veth_name CONTAINER: Docker-style host-side name, veth + 7 hex digits.
veth_name()
{
	local h
	h=$(printf '%s' "$NS_PREFIX-$1" | md5sum)
	echo "veth${h:0:7}"
}

# container_add CONTAINER HOST BRIDGE [ADDR/PREFIX [GATEWAY]]: namespace
# CONTAINER with eth0, a veth whose host side (veth_name) is a port of
# BRIDGE in namespace HOST, as Docker attaches a container.
container_add()
{
	local c=$1 host=$2 br=$3 addr=${4:-} gw=${5:-} v
	v=$(veth_name "$c")
	ns_create "$c" || return 1
	ns_ip "$c" -batch - <<-EOF || return 1
		link add eth0 type veth peer name $v netns $NS_PREFIX-$host
		link set eth0 up
		${addr:+addr add $addr dev eth0}
		${gw:+route add default via $gw}
	EOF
	ns_ip "$host" link set "$v" master "$br" up
}

# wait_for TIMEOUT_SEC CMD...: retry CMD every 0.1 s until it succeeds,
# for TIMEOUT_SEC times FAN_SLOW (the debug kernel's factor, fan_lib.sh).
wait_for()
{
	local timeout=$(($1 * ${FAN_SLOW:-1})) end
	shift
	# EPOCHREALTIME, not date(1): a process per round costs under TCG.
	end=$((${EPOCHREALTIME//[.,]/} + timeout * 1000000))
	while ! "$@"; do
		if [ "${EPOCHREALTIME//[.,]/}" -ge "$end" ]; then
			return 1
		fi
		sleep 0.1
	done
}

# Mark the kernel log so dmesg_check only looks at what this test caused.
_DMESG_MARK="fan-selftest: begin $NS_PREFIX"
echo "$_DMESG_MARK" > /dev/kmsg 2>/dev/null || _DMESG_MARK=

# dmesg_check: print kernel splats logged since this file was sourced;
# return 1 if there were any.
dmesg_check()
{
	local splats
	if [ -z "$_DMESG_MARK" ]; then
		echo "# dmesg_check: cannot write /dev/kmsg, checking the whole log"
	fi
	splats=$(kernel_log | log_after_marker "${_DMESG_MARK:-\$\$no marker\$\$}" | splat_filter)
	if [ -n "$splats" ]; then
		echo "# kernel splat:"
		# shellcheck disable=SC2001 # per line, not per string
		echo "$splats" | sed 's/^/# /'
		return 1
	fi
	return 0
}
