#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "fanctl cni" output run by the real CNI plugins (Debian's
# containernetworking-plugins: bridge + host-local): a container on each
# host gets an address in its host's slice, the MTU and the default route,
# and reaches the container on the other host through the fan.  Also checks
# the "fanctl docker" daemon.json against this host.

. "$(dirname "$0")/fanctl_lib.sh"

CNI_PATH=${CNI_PATH:-/usr/lib/cni}

# cni_add HOST CONTAINER: run the conflist's plugin (ADD), print the result
cni_run()	# HOST CONTAINER COMMAND
{
	local host=$1 c=$2-$sfx conf
	conf=$(ip netns exec "$host" "$FANCTL" cni $OV ib0/16) || return 1
	# what libcni does: the plugin gets its entry plus cniVersion and name
	echo "$conf" | jq --arg dir "$tmp/cni-$host" \
		'.plugins[0] + {cniVersion: .cniVersion, name: .name} | .ipam.dataDir = $dir' |
		ip netns exec "$host" env CNI_COMMAND="$3" CNI_CONTAINERID="$c" \
			CNI_NETNS="/run/netns/$c" CNI_IFNAME=eth0 CNI_PATH="$CNI_PATH" \
			"$CNI_PATH/bridge"
}

test_cni()
{
	[ -x "$CNI_PATH/bridge" ] && [ -x "$CNI_PATH/host-local" ] ||
		{ echo "CNI plugins not installed (make deps installs containernetworking-plugins)"; return 1; }
	expect_rc 0 f1 up $OV ib0/16 || return 1
	expect_rc 0 f2 up $OV ib0/16 || return 1
	ip netns add k1-$sfx || return 1
	ip netns add k2-$sfx || return 1
	local r1 r2 ip1 ip2
	r1=$(cni_run "$H1" k1 ADD) || fail "ADD on host 1: $r1" || return 1
	r2=$(cni_run "$H2" k2 ADD) || fail "ADD on host 2: $r2" || return 1
	echo "$r1"
	ip1=$(echo "$r1" | jq -r '.ips[0].address')
	ip2=$(echo "$r2" | jq -r '.ips[0].address')
	case $ip1 in 250.3.4.*/24) ;; *) fail "host 1 container got $ip1"; return 1 ;; esac
	case $ip2 in 250.9.200.*/24) ;; *) fail "host 2 container got $ip2"; return 1 ;; esac
	[ "$(echo "$r1" | jq -r '.ips[0].gateway')" = 250.3.4.1 ] || fail "gateway" || return 1
	ip -n k1-$sfx link show eth0 | grep -q "mtu 2024" || fail "container mtu" || return 1
	ip -n k1-$sfx route show default | grep -q "via 250.3.4.1" ||
		fail "default route: $(ip -n k1-$sfx route)" || return 1
	# the veth is a port of the fan bridge, which kept its address
	h1 ip -o addr show dev $BR1 | grep -q "250.3.4.1/24" || fail "bridge address" || return 1
	ip netns exec k1-$sfx ping -c 2 -W 2 "${ip2%/*}" ||
		fail "container on host 1 cannot reach ${ip2%/*}" || return 1
	cni_run "$H1" k1 DEL >/dev/null || fail "DEL" || return 1
	cni_run "$H2" k2 DEL >/dev/null || fail "DEL" || return 1
	expect_rc 0 f1 down $OV ib0/16 || return 1
	expect_rc 0 f2 down $OV ib0/16 || return 1
	nothing_left "$H1" && nothing_left "$H2"
}

test_docker_json()
{
	expect_rc 0 f1 docker $OV ib0/16 host-reserve 10 || return 1
	echo "$out" | jq -e '.bridge == "fan-250-3-4" and .mtu == 2024 and
		."fixed-cidr" == "250.3.4.128/25" and .iptables == false' >/dev/null ||
		fail "daemon.json: $out"
}

TESTS="
cni_bridge_host_local test_cni
docker_json test_docker_json
"
fanctl_main
