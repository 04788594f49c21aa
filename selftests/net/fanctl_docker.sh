#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Real Docker (Debian's docker.io) on the fan bridge: two fan hosts
# (namespaces on the emulated IPoIB fabric), each with its own containerd
# and dockerd (own data-root, exec-root, pidfile, sockets, /etc/docker and
# cgroup) started with the daemon.json printed by "fanctl docker".  An
# image built here with no registry (selftests/docker/mkrootfs.sh, docker
# import); a container on each host gets an address in its host's slice,
# and the two ping each other and move a file across the fan, checksums
# matching.  A third container shows what "iptables": false means: a
# published port is served by docker-proxy (the container sees the
# bridge's address as the client), and outbound traffic is masqueraded by
# fanctl's nftables rule, not by Docker.  Then everything goes:
# containers, daemons, and fanctl down leaves the hosts as they were.
#
# The subtests run in order and share the daemons: after a failure the
# rest are skipped, but the two teardown ones always run.

. "$(dirname "$0")/fanctl_lib.sh"

DOCKER=${DOCKER:-/usr/bin/docker}	# not /usr/local/bin's, another CLI
DOCKERD=${DOCKERD:-/usr/sbin/dockerd}
IMAGE=fanbox:1
BLOB_SIZE=$((1024 * 1024))
PUB_PORT=8080
# containerd + dockerd under TCG: 10 s alone, a minute on a loaded host.
# On the debug kernel, beside three other VMs on two CPUs, dockerd once
# logged "completed initialization" after 34 s and no "API listen" 146 s
# later: a longer wait there (only a dockerd that never comes up waits it).
if [ -z "${DOCKERD_TIMEOUT:-}" ]; then
	DOCKERD_TIMEOUT=180
	[ ! -e /sys/kernel/debug/kmemleak ] || DOCKERD_TIMEOUT=420
fi

declare -A HOST=([h1]=$H1 [h2]=$H2) SLICE=([h1]=$S1 [h2]=$S2) \
	BRIDGE=([h1]=$BR1 [h2]=$BR2) GW=([h1]=250.3.4.1 [h2]=250.9.200.1) \
	DPID=() CPID=() CIP=()
H2HTTPD=
# exec-root holds the sockets: keep it short (sun_path is 108 bytes)
xroot() { echo "/run/fctd-$sfx-$1"; }
droot() { echo "$tmp/docker-$1"; }
cgparent() { echo "fctd-$sfx-$1"; }

# dk h1|h2 ARGS...: the docker CLI on that host's daemon
dk()
{
	local n=$1
	shift
	DOCKER_CONFIG=$tmp/docker-cli "$DOCKER" -H "unix://$(xroot "$n")/docker.sock" "$@"
}

# The state fanctl down must restore: links, IPv4 addresses and routes (the
# kernel's IPv6 DAD runs on its own clock), nftables, fanctl's run files.
# Not ip_forward: up sets it, down leaves it on.  "addr show" first: in
# "ip -batch", after a "link show" it prints links only.
host_state()	# HOST
{
	ip -4 -o -n "$1" -batch - <<-EOF
	addr show
	route show table all
	link show
	EOF
	ip netns exec "$1" nft list ruleset
	echo /run/fanctl/* /run/fanctl/*/*
}

test_fan_up()
{
	local n
	host_state "$H1" > "$tmp/state-h1.before"
	host_state "$H2" > "$tmp/state-h2.before"
	expect_rc 0 f1 up $OV ib0/16 || return 1
	expect_rc 0 f2 up $OV ib0/16 || return 1
	for n in h1 h2; do
		expect_rc 0 ip netns exec "${HOST[$n]}" "$FANCTL" docker $OV ib0/16 || return 1
		echo "fanctl docker $OV ib0/16 on $n:"
		echo "$out"
		[ "$out" = "$(printf '{\n  "bridge": "%s",\n  "mtu": 2024,\n  "fixed-cidr": "%s",\n  "iptables": false,\n  "ip-masq": false\n}' \
			"${BRIDGE[$n]}" "${SLICE[$n]}")" ] ||
			fail "$n: not the daemon.json of ${BRIDGE[$n]}, ${SLICE[$n]}, MTU 2024" || return 1
	done
}

# Start the daemons of host N in its namespace: containerd with its own
# root, state and socket, and dockerd with the output of "fanctl docker" as
# /etc/docker/daemon.json.  "ip netns exec" bind-mounts
# /etc/netns/HOST/docker on /etc/docker, so each host has its own
# daemon.json and key.json.  See selftests/docker/netns-dockerd.sh.
dockerd_start()	# N
{
	local n=$1 d x e
	d=$(droot "$n")
	x=$(xroot "$n")
	e=/etc/netns/${HOST[$n]}/docker
	mkdir -p "$d" "$e" || return 1
	ip netns exec "${HOST[$n]}" "$FANCTL" docker $OV ib0/16 > "$e/daemon.json" ||
		fail "fanctl docker on $n" || return 1
	cat > "$d/containerd.toml" <<-EOF
	version = 2
	root = "$d/containerd"
	state = "$x/containerd"
	disabled_plugins = ["io.containerd.grpc.v1.cri",
	  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
	  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]
	[grpc]
	  address = "$x/containerd/containerd.sock"
	[plugins."io.containerd.internal.v1.opt"]
	  path = "$d/containerd/opt"
	EOF
	ip netns exec "${HOST[$n]}" "$top/selftests/docker/netns-dockerd.sh" \
		"$d/containerd.toml" "$DOCKERD_TIMEOUT" \
		"$DOCKERD" --config-file /etc/docker/daemon.json \
		--data-root "$d/data" --exec-root "$x" --pidfile "$d/dockerd.pid" \
		-H "unix://$x/docker.sock" --cgroup-parent "/$(cgparent "$n")" \
		--storage-driver overlay2 > "$d/dockerd.log" 2>&1 < /dev/null &
	DPID[$n]=$!
}

# Wait for "API listen on" in the daemon's log (bash builtins only).
dockerd_wait()	# N
{
	local n=$1 log end
	log=$(droot "$n")/dockerd.log
	end=$((SECONDS + DOCKERD_TIMEOUT))
	while [ $SECONDS -lt $end ]; do
		[[ $(< "$log") == *"API listen on"* ]] && return 0
		kill -0 "${DPID[$n]:-}" 2>/dev/null || break
		sleep 0.2
	done
	echo "dockerd on $n not ready after $((SECONDS - end + DOCKERD_TIMEOUT)) s; its log:"
	tail -n 30 "$log"
	return 1
}

test_dockerd_start()
{
	local n p c
	mkdir -p "$tmp/docker-cli"
	dockerd_start h1 || return 1
	dockerd_start h2 || return 1
	dockerd_wait h1 || return 1
	dockerd_wait h2 || return 1
	echo "dockerd ready on both hosts, $SECONDS s into the test"
	for n in h1 h2; do
		p=$(< "$(droot "$n")/dockerd.pid") || fail "no pidfile on $n" || return 1
		[ "$p" = "${DPID[$n]:-}" ] || fail "$n: pidfile says $p, we started ${DPID[$n]:-}" || return 1
		# its own containerd, started with it (now its child), same netns
		# (pgrep -P reads each process's parent from /proc/PID/stat;
		# /proc/PID/task/*/children needs CONFIG_PROC_CHILDREN.)
		CPID[$n]=$(pgrep -P "$p" -x containerd | head -n 1)
		c=${CPID[$n]:-}
		[ -n "$c" ] || fail "$n: no containerd child of dockerd $p" || return 1
		[ -S "$(xroot "$n")/containerd/containerd.sock" ] ||
			fail "$n: no containerd socket" || return 1
		[ "/proc/$p/ns/net" -ef "/run/netns/${HOST[$n]}" ] ||
			fail "$n: dockerd $p is not in ${HOST[$n]}" || return 1
		[ "/proc/$c/ns/net" -ef "/run/netns/${HOST[$n]}" ] ||
			fail "$n: containerd $c is not in ${HOST[$n]}" || return 1
		[ -s "/etc/netns/${HOST[$n]}/docker/key.json" ] ||
			fail "$n: no key.json in its /etc/docker" || return 1
	done
	cmp -s "/etc/netns/$H1/docker/key.json" "/etc/netns/$H2/docker/key.json" &&
		fail "the daemons share a key.json" && return 1

	# Docker's default network is the fan bridge, on the slice
	for n in h1 h2; do
		out=$(dk "$n" network inspect bridge) || fail "$n: network inspect: $out" || return 1
		echo "$out" | jq -r --arg n "$n" '.[0] | .Options as $o | .IPAM.Config[0] as $c |
			"network \(.Name) on \($n): driver \(.Driver), " +
			"bridge \($o["com.docker.network.bridge.name"]), " +
			"mtu \($o["com.docker.network.driver.mtu"]), " +
			"subnet \($c.Subnet), gateway \($c.Gateway)"'
		echo "$out" | jq -e --arg br "${BRIDGE[$n]}" --arg s "${SLICE[$n]}" \
			--arg gw "${GW[$n]}" '.[0] | .Driver == "bridge" and
			.Options["com.docker.network.bridge.name"] == $br and
			.Options["com.docker.network.driver.mtu"] == "2024" and
			.IPAM.Config[0].Subnet == $s and .IPAM.Config[0].Gateway == $gw' >/dev/null ||
			fail "$n's bridge network is not ${BRIDGE[$n]} on ${SLICE[$n]}" || return 1
	done
	# "iptables": false: Docker made no tables, only fanctl's is there
	out=$(h1 nft list tables)
	[ "$out" = "table ip fanctl" ] || fail "h1's nftables tables: $out" || return 1
}

test_image()
{
	local p1 p2
	"$top/selftests/docker/mkrootfs.sh" "$tmp/fanbox.tar" || return 1
	dk h1 import --change 'CMD ["/bin/sh"]' "$tmp/fanbox.tar" $IMAGE > "$tmp/imp1" 2>&1 &
	p1=$!
	dk h2 import --change 'CMD ["/bin/sh"]' "$tmp/fanbox.tar" $IMAGE > "$tmp/imp2" 2>&1 &
	p2=$!
	wait $p1 || fail "import on h1: $(< "$tmp/imp1")" || return 1
	wait $p2 || fail "import on h2: $(< "$tmp/imp2")" || return 1
	echo "$IMAGE on h1: $(< "$tmp/imp1")"
}

# run_c HOST NAME ARGS...: a detached container running busybox httpd on
# port 80 (IPv4 socket, so REMOTE_ADDR has no ::ffff:)
run_c()
{
	local n=$1 name=$2
	shift 2
	dk "$n" run -d --pull never --name "$name" "$@" $IMAGE httpd -f -p 0.0.0.0:80 -h /www \
		> "$tmp/run-$name" 2>&1
}

# Containers NAME... on HOST, seen from inside (their network namespace,
# through their PID: cheaper than docker exec under TCG): an address in the
# host's slice and the same in Docker's view, the fan's MTU, the default
# route via the fan bridge.  Sets CIP[NAME].
check_c()	# HOST NAME...
{
	local n=$1 s=${SLICE[$1]} name pid dip ip mtu gw
	shift
	out=$(dk "$n" inspect -f '{{.Name}} {{.State.Pid}} {{.NetworkSettings.IPAddress}}' "$@") ||
		fail "inspect on $n: $out" || return 1
	while read -r name pid dip; do
		name=${name#/}
		# mtu, address, default gateway (in "ip -batch", an "addr show"
		# after a "link show" prints links only)
		read -r mtu ip gw < <(nsenter -t "$pid" -n ip -4 -o -batch - <<-EOF |
			addr show dev eth0
			route show default
			link show dev eth0
			EOF
			awk '$3 == "inet" { split($4, a, "/"); i = a[1] }
			     $1 == "default" && $2 == "via" && $4 == "dev" && $5 == "eth0" { g = $3 }
			     / mtu / { for (f = 1; f < NF; f++) if ($f == "mtu") m = $(f + 1) }
			     END { print m, i, g }')
		CIP[$name]=$ip
		echo "$name on $n: $ip, mtu $mtu, default via $gw"
		[[ $ip == "${s%0/24}"* ]] || fail "$name's address '$ip' is not in $s" || return 1
		[ "$ip" = "$dip" ] || fail "$name has $ip, Docker says $dip" || return 1
		[ "$mtu" = 2024 ] || fail "$name's eth0 MTU is $mtu, not 2024" || return 1
		[ "$gw" = "${GW[$n]}" ] || fail "$name: default route via '$gw', not ${GW[$n]}" || return 1
	done <<< "$out"
}

test_containers()
{
	local p1 p2 p3
	mkdir -p "$tmp/www" "$tmp/recv"
	head -c $BLOB_SIZE /dev/urandom > "$tmp/www/blob"
	run_c h1 c1 -v "$tmp/www:/www/data:ro" &
	p1=$!
	run_c h2 c2 -v "$tmp/recv:/recv" &
	p2=$!
	# the third one, for published ports and outbound NAT
	run_c h1 c3 -p 0.0.0.0:$PUB_PORT:80 &
	p3=$!
	wait $p1 || fail "run c1 on h1: $(< "$tmp/run-c1")" || return 1
	wait $p2 || fail "run c2 on h2: $(< "$tmp/run-c2")" || return 1
	wait $p3 || fail "run c3 on h1: $(< "$tmp/run-c3")" || return 1
	check_c h1 c1 c3 || return 1
	check_c h2 c2 || return 1
	# Docker's veths are ports of the fan bridges
	[ "$(h1 ip -o link show master $BR1 | grep -c ': veth')" = 2 ] ||
		fail "h1's fan bridge ports: $(h1 ip -o link show master $BR1)" || return 1
	[ "$(h2 ip -o link show master $BR2 | grep -c ': veth')" = 1 ] ||
		fail "h2's fan bridge ports: $(h2 ip -o link show master $BR2)" || return 1
	# in this daemon's cgroup
	compgen -G "/sys/fs/cgroup/$(cgparent h2)/*/" >/dev/null ||
		fail "no container cgroup under /sys/fs/cgroup/$(cgparent h2)" || return 1
}

test_ping()
{
	dk h1 exec c1 ping -q -c 2 -W 3 "${CIP[c2]}" || fail "c1 on h1 cannot ping c2 ${CIP[c2]}" || return 1
	dk h2 exec c2 ping -q -c 2 -W 3 "${CIP[c1]}" || fail "c2 on h2 cannot ping c1 ${CIP[c1]}" || return 1
}

fan_tx_bytes() { ip -n "$1" -s -j link show ftun0 | jq '.[0].stats64.tx.bytes'; }

test_file()
{
	local want got tx0 tx1 peer
	want=$(sha256sum < "$tmp/www/blob")
	tx0=$(fan_tx_bytes "$H1")
	# timeout, not wget -T: busybox 1.35's wget -T segfaults
	dk h2 exec c2 timeout 60 wget -q -O /recv/blob "http://${CIP[c1]}/data/blob" ||
		fail "c2 cannot fetch the file from c1" || return 1
	tx1=$(fan_tx_bytes "$H1")
	got=$(sha256sum < "$tmp/recv/blob")
	echo "c1 ${CIP[c1]} -> c2 ${CIP[c2]}: $BLOB_SIZE bytes, h1's ftun0 sent $((tx1 - tx0))"
	echo "sent sha256 ${want%% *}"
	echo "got  sha256 ${got%% *}"
	[ "$want" = "$got" ] || fail "checksums differ" || return 1
	# the bytes went through h1's fan device
	[ $((tx1 - tx0)) -ge $BLOB_SIZE ] ||
		fail "h1's ftun0 sent $((tx1 - tx0)) bytes for a $BLOB_SIZE byte file" || return 1
	# overlay to overlay: no NAT, c1 sees c2's own address
	peer=$(dk h2 exec c2 timeout 20 wget -q -O - "http://${CIP[c1]}/cgi-bin/peer")
	echo "c2 -> c1: c1 saw $peer"
	[ "$peer" = "${CIP[c2]}" ] || fail "c1 saw c2 as '$peer', not ${CIP[c2]}" || return 1
}

# "iptables": false: no DNAT; docker-proxy (the userland proxy) listens on
# the host port and connects to the container from the bridge's address.
test_published_port()
{
	local peer
	out=$(h1 ss -Hltnp "sport = :$PUB_PORT")
	echo "$out"
	echo "$out" | grep -q "0.0.0.0:$PUB_PORT .*\"docker-proxy\"" ||
		fail "no docker-proxy on h1's 0.0.0.0:$PUB_PORT" || return 1
	peer=$(h2 timeout 20 busybox wget -q -O - "http://$A1:$PUB_PORT/cgi-bin/peer") ||
		fail "h2 cannot reach h1's published port $A1:$PUB_PORT" || return 1
	echo "h2 $A2 -> $A1:$PUB_PORT: c3 saw $peer"
	[ "$peer" = "${GW[h1]}" ] ||
		fail "c3 saw '$peer', expected docker-proxy from ${GW[h1]}" || return 1
	out=$(h1 nft list tables)
	[ "$out" = "table ip fanctl" ] || fail "h1's nftables tables: $out" || return 1
}

# Outbound: a server outside the overlay (on h2's underlay address) sees
# h1's underlay address: fanctl's masquerade, not Docker's.
test_outbound_nat()
{
	local peer
	mkdir -p "$tmp/h2www/cgi-bin"
	tar -xOf "$tmp/fanbox.tar" ./www/cgi-bin/peer > "$tmp/h2www/cgi-bin/peer" &&
		chmod 755 "$tmp/h2www/cgi-bin/peer" || return 1
	# not through h2(): $! must be httpd itself
	ip netns exec "$H2" busybox httpd -f -p "$A2:8000" -h "$tmp/h2www" &
	H2HTTPD=$!
	peer=$(dk h1 exec c3 timeout 20 wget -q -O - "http://$A2:8000/cgi-bin/peer")
	kill $H2HTTPD
	wait $H2HTTPD 2>/dev/null
	H2HTTPD=
	[ -n "$peer" ] || fail "c3 cannot reach $A2:8000" || return 1
	echo "c3 ${CIP[c3]} -> $A2:8000: server saw $peer"
	[ "$peer" = "$A1" ] || fail "server saw '$peer', expected masquerade to $A1" || return 1
}

# wait_gone SECONDS PID: wait for PID to exit
wait_gone()
{
	local end=$((SECONDS + $1))
	while kill -0 "$2" 2>/dev/null; do
		[ $SECONDS -lt "$end" ] || return 1
		sleep 0.2
	done
}

# Stop both dockerd (each takes its docker-proxy along), then both
# containerd, which dockerd leaves running when it did not start it.
dockerd_stop()
{
	local n p
	for n in h1 h2; do
		[ -n "${DPID[$n]:-}" ] && kill "${DPID[$n]:-}" 2>/dev/null
	done
	for n in h1 h2; do
		p=${DPID[$n]:-}
		[ -n "$p" ] || continue
		wait_gone 30 "$p" || fail "dockerd $p on $n ignored SIGTERM for 30 s" || return 1
		wait "$p" 2>/dev/null
		DPID[$n]=
		[ -n "${CPID[$n]:-}" ] && kill "${CPID[$n]}"
	done
	for n in h1 h2; do
		p=${CPID[$n]:-}
		[ -n "$p" ] || continue
		wait_gone 30 "$p" || fail "containerd $p on $n ignored SIGTERM for 30 s" || return 1
		CPID[$n]=
	done
}

# The containers there are, on both daemons, removed; the daemons stopped;
# nothing of Docker left in the hosts; the fan bridges as fanctl made them.
test_docker_down()
{
	local n p pids=()
	for n in h1 h2; do
		[ -n "${DPID[$n]:-}" ] || continue
		echo "$n: docker rm -f, stop dockerd and containerd"
		{
			ids=$(dk "$n" ps -aq) || exit 1
			# shellcheck disable=SC2086 # one id a word
			[ -z "$ids" ] || dk "$n" rm -f $ids
		} > "$tmp/rm-$n" 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p" || fail "docker ps/rm: $(cat "$tmp"/rm-*)" || return 1
	done
	out=$(h1 ip -o link show master $BR1; h2 ip -o link show master $BR2)
	[ -z "$out" ] || fail "bridge ports left: $out" || return 1
	dockerd_stop || return 1
	for n in h1 h2; do
		for p in $(ip netns pids "${HOST[$n]}"); do
			fail "process left in $n: $p $(tr '\0' ' ' < "/proc/$p/cmdline")" || return 1
		done
		p=/sys/fs/cgroup/$(cgparent "$n")
		if [ -d "$p" ]; then
			rmdir "$p" || fail "cgroups left in $p: $(ls "$p")" || return 1
		fi
	done
	# Docker leaves the fan bridges (not its own) as they were
	out=$(h1 ip -4 -o addr show dev $BR1; h2 ip -4 -o addr show dev $BR2)
	echo "$out" | grep -q "$BR1 *inet ${GW[h1]}/24" && echo "$out" | grep -q "$BR2 *inet ${GW[h2]}/24" ||
		fail "a fan bridge lost its address: $out" || return 1
	echo "no process left in the hosts; $BR1 and $BR2 as fanctl made them"
}

test_fan_down()
{
	local n
	expect_rc 0 f1 down $OV ib0/16 || return 1
	expect_rc 0 f2 down $OV ib0/16 || return 1
	for n in h1 h2; do
		host_state "${HOST[$n]}" > "$tmp/state-$n.after"
		diff -u "$tmp/state-$n.before" "$tmp/state-$n.after" ||
			fail "$n is not as it was before fanctl up" || return 1
	done
	echo "h1, h2: links, addresses, routes, nftables as before fanctl up"
}

# After a failure: whatever is left of the daemons and their containers.
docker_cleanup()
{
	local n p
	[ -n "$H2HTTPD" ] && kill "$H2HTTPD" 2>/dev/null
	for n in h1 h2; do
		for p in $(ip netns pids "${HOST[$n]}" 2>/dev/null); do
			kill -9 "$p" 2>/dev/null
		done
		p=/sys/fs/cgroup/$(cgparent "$n")
		if [ -d "$p" ]; then
			echo 1 > "$p/cgroup.kill" 2>/dev/null
			sleep 0.5
			rmdir "$p"/*/ "$p" 2>/dev/null
		fi
		rm -rf "$(xroot "$n")" "/etc/netns/${HOST[$n]}"
	done
	rmdir /etc/netns 2>/dev/null
	wait 2>/dev/null
}

# run_step NAME FUNC [always]: in this shell (the steps share the
# daemons); after a failure only "always" steps run.  Ends with the
# step's time.
broken=
run_step()
{
	local name=$1 rc t0=$SECONDS why
	if [ -n "$broken" ] && [ "${3:-}" != always ]; then
		ktap_test_skip "$name: $broken failed"
		return
	fi
	rm -f "$tmp/failed"
	"$2" > "$tmp/step.out" 2>&1
	rc=$?
	# The reason of a skip: the last line the step printed.
	why=$(tail -n 1 "$tmp/step.out")
	echo "($((SECONDS - t0)) s)" >> "$tmp/step.out"
	ktap_print_msg "$(< "$tmp/step.out")"
	# A fail() anywhere in the step fails it (fanctl_lib.sh).
	if [ -e "$tmp/failed" ] && { [ "$rc" -eq 0 ] || [ "$rc" -eq "$KSFT_SKIP" ]; }; then
		ktap_print_msg "a check failed, but $2 went on and returned $rc"
		rc=1
	fi
	case $rc in
	0) ktap_test_pass "$name" ;;
	"$KSFT_SKIP") ktap_test_skip_why "${why:-no reason given}" "$name" ;;
	*) ktap_test_fail "$name"; broken=${broken:-$name} ;;
	esac
}

trap 'docker_cleanup; cleanup' EXIT
[ "$(id -u)" = 0 ] || ktap_skip_all "needs root"
[ -x "$DOCKERD" ] && [ -x "$DOCKER" ] && command -v containerd >/dev/null &&
	command -v runc >/dev/null ||
	ktap_exit_fail_msg "no $DOCKERD, $DOCKER, containerd or runc (make deps installs docker.io)"
# make deps installs all of these: missing, the test fails.
command -v busybox >/dev/null || ktap_exit_fail_msg "no busybox (make deps installs busybox-static)"
command -v jq >/dev/null || ktap_exit_fail_msg "no jq (make deps)"
[ -x "$FANCTL" ] || ktap_exit_fail_msg "$FANCTL not built (make -C tools/fanctl)"
[ -e /sys/fs/cgroup/cgroup.controllers ] || ktap_exit_fail_msg "no cgroup2 on /sys/fs/cgroup"
load_module fan || ktap_exit_fail_msg "fan.ko not found for $kver (make modules)"
load_module ipoib_emu || ktap_exit_fail_msg "ipoib_emu.ko not found for $kver (make modules)"
setup_hosts || ktap_exit_fail_msg "cannot set up the test hosts"
memcg_warm_up
ktap_print_header
ktap_set_plan 10
run_step fan_up_docker_json test_fan_up
run_step dockerd_per_host test_dockerd_start
run_step image_without_registry test_image
run_step containers_on_slices test_containers
run_step ping_across_hosts test_ping
run_step file_across_hosts test_file
run_step published_port_docker_proxy test_published_port
run_step outbound_nat_by_fanctl test_outbound_nat
run_step docker_down_clean test_docker_down always
run_step fanctl_down_clean test_fan_down always
ktap_finished
