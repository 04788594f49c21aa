#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RDMA next to the fan (issue 20): containers on fan addresses use their
# host's RDMA device (soft-RoCE, rdma_rxe, on the Ethernet underlay eth0):
# the out-of-band TCP exchange of the verbs tools goes container to
# container over the fan, the data goes host to host as RoCE v2 (UDP
# 4791) on the underlay.  rxe binds its UDP socket and looks up its routes
# in init_net only (6.1, 6.12), so each host is a VM of its own:
#
#   selftests/rdma/run.sh KVER             # boots the two VMs, runs this
#
# In VM a (FAN_PEER_ROLE=a) this script is the test: it prints KTAP and
# drives VM b (FAN_PEER_ROLE=b), which only serves its requests, through
# files in FAN_PEER_DIR (run-vm-pair.sh).  Both hosts: eth0 10.7.3.4/16
# (a) and 10.7.9.200/16 (b), fanctl up 250.0.0.0/8 eth0/16, rxe0 on eth0,
# one container (a netns on the fan bridge): 250.3.4.20 on a, 250.9.200.20
# on b, and a dockerd on the fan bridge (fanctl docker).
# FAN_RDMA_BENCH=1: the measurement instead (selftests/rdma/bench.sh).

# The subtests and the requests from a run indirectly.
# shellcheck disable=SC2317
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
kver=$(uname -r)
FANCTL=${FANCTL:-$top/tools/fanctl/fanctl}
FAN_KO=${FAN_KO:-$top/build/modules/$kver/fan.ko}
# shellcheck source=../lib/ktap.sh source-path=SCRIPTDIR
. "$top/selftests/lib/ktap.sh"

role=${FAN_PEER_ROLE:-}
dir=${FAN_PEER_DIR:-}
case "$role" in
a) peer=b; me=10.7.3.4; you=10.7.9.200; cme=250.3.4.20; cyou=250.9.200.20 ;;
b) peer=a; me=10.7.9.200; you=10.7.3.4; cme=250.9.200.20; cyou=250.3.4.20 ;;
*)
	ktap_print_header
	ktap_exit_fail_msg "FAN_PEER_ROLE is not a or b: run it with selftests/rdma/run.sh"
	;;
esac
[ -d "$dir" ] || { ktap_print_header; ktap_exit_fail_msg "no FAN_PEER_DIR"; }

C=rdc-$$		# the container's netns
T=fan_rdma_test		# our nftables table
OOB=18515		# the verbs tools' TCP port (ibv_*_pingpong, perftest)
ITERS=${FAN_RDMA_ITERS:-200}
# ib_write_bw: SIZE bytes per write, DEPTH writes in flight: 64 packets
# at rxe's 1024-byte MTU.  When the wire was UDP (-netdev dgram), what
# overflowed its socket buffer was lost, and 6.1's rxe then failed RDMA
# writes (status 9, remote invalid request, with 64 KiB x 128 in
# flight).  The unix socket loses nothing; small bursts keep the test
# quick under TCG.
SIZE=${FAN_RDMA_SIZE:-16384}
DEPTH=${FAN_RDMA_DEPTH:-4}
tmp=$(mktemp -d /tmp/rdma-fan.XXXXXX)
bgpids=()

# --- the two hosts meet in $dir ------------------------------------------

# post NAME: create $dir/ROLE.NAME with stdin as its content, atomically.
post()
{
	cat > "$dir/.$role.$1.tmp" && mv "$dir/.$role.$1.tmp" "$dir/$role.$1"
}

# await NAME [SEC]: until the peer posted NAME (its content on stdout);
# 1 if the peer's VM ended first or SEC (default 300) passed.
await()
{
	local f=$dir/$peer.$1 end=$((SECONDS + ${2:-300}))
	until [ -e "$f" ]; do
		if [ -e "$dir/$peer.exited" ] || [ "$SECONDS" -ge "$end" ]; then
			echo "no '$1' from host $peer ($([ -e "$dir/$peer.exited" ] && echo "its VM ended" || echo "timeout"))"
			return 1
		fi
		sleep 0.2
	done
	cat "$f"
}

# In b: serve a's requests, numbered 1, 2, ... until "end".  A request
# is one line: "run NAME CMD", "start NAME WAIT;;CMD" or "wait NAME".  CMD
# is shell code (this script's functions included).  run posts NAME with
# CMD's exit code on the first line and its output after; start runs CMD
# in the background and posts NAME once WAIT (shell code) succeeds; wait
# posts NAME.done once the started CMD ended, as run does.
serve()
{
	local n=1 req kind name rest wait_cmd pid
	declare -A pids=()
	while req=$(await "req.$n" 3600); do
		n=$((n + 1))
		read -r kind name rest <<< "$req"
		case "$kind" in
		end) return 0 ;;
		run)
			{ (eval "$rest") > "$tmp/$name.out" 2>&1; echo $?; cat "$tmp/$name.out"; } | post "$name" ;;
		start)
			wait_cmd=${rest%%;;*}
			(eval "${rest#*;;}") > "$tmp/$name.out" 2>&1 &
			pid=$!
			pids[$name]=$pid
			bgpids+=("$pid")
			# until ready, or CMD ended without
			wait_until 300 eval "$wait_cmd || ! kill -0 $pid 2>/dev/null"
			if eval "$wait_cmd"; then
				echo 0 | post "$name"
			else
				{ echo 1; echo "not ready: $wait_cmd"; cat "$tmp/$name.out"; } | post "$name"
			fi ;;
		wait)
			wait "${pids[$name]}"
			{ echo $?; cat "$tmp/$name.out"; } | post "$name.done" ;;
		esac
	done
	return 1
}

# In a: the requests.  peer_run NAME CMD: run CMD in b, its output on
# stdout, its exit code returned.
# The number in a file: the subtests run in subshells.
request()
{
	local n=0
	[ ! -e "$tmp/reqno" ] || n=$(cat "$tmp/reqno")
	n=$((n + 1))
	echo "$n" > "$tmp/reqno"
	echo "$*" | post "req.$n"
}
peer_result()	# NAME: b's posted result: output on stdout, exit code returned
{
	local r rc
	r=$(await "$1") || { echo "$r"; return 1; }
	rc=${r%%$'\n'*}
	[ "$r" = "$rc" ] || printf '%s\n' "${r#*$'\n'}"
	return "$rc"
}
peer_run() { local n=$1; shift; request run "$n" "$*"; peer_result "$n"; }
# peer_start NAME WAIT CMD: CMD in the background in b, ready once WAIT
peer_start() { local n=$1 w=$2; shift 2; request start "$n" "$w;;$*"; peer_result "$n"; }
peer_wait() { request wait "$1"; peer_result "$1.done"; }

# --- helpers --------------------------------------------------------------

wait_until()	# SEC CMD...: retry CMD every 0.1 s for SEC seconds
{
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

c() { ip netns exec "$C" "$@"; }
listening() { c ss -Hltn "sport = :$1" | grep -q LISTEN; }
cm_listening() { rdma resource show cm_id 2>/dev/null | grep -q 'state LISTEN'; }

# gid_index ADDR: the index of ADDR's RoCE v2 GID in rxe0's table
gid_index()
{
	local want i g IFS=.
	# shellcheck disable=SC2086 # split on the dots
	want=$(printf '0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x' $1)
	IFS=$' \t\n'
	for g in /sys/class/infiniband/rxe0/ports/1/gids/*; do
		i=${g##*/}
		[ "$(cat "$g")" = "$want" ] || continue
		[ "$(cat "/sys/class/infiniband/rxe0/ports/1/gid_attrs/types/$i" 2>/dev/null)" = "RoCE v2" ] || continue
		echo "$i"
		return 0
	done
	return 1
}

# counters: this host's "roce_tx_pkts roce_tx_bytes roce_rx_pkts rxe_sent
# rxe_rcvd ftun_tx_pkts ftun_tx_bytes oob_pkts": RoCE (UDP 4791) on eth0
# by nftables, rxe's own counters, ftun0's, and the TCP packets of the
# verbs tools' exchange that ftun0 got (nftables, forward hook).
counters()
{
	local hw=/sys/class/infiniband/rxe0/ports/1/hw_counters st=/sys/class/net/ftun0/statistics
	nft list counters table inet "$T" | awk '
		$1 == "counter" { n = $2 } $1 == "packets" { p[n] = $2; b[n] = $4 }
		END { printf "%d %d %d ", p["roce_tx"], b["roce_tx"], p["roce_rx"] }'
	echo "$(cat "$hw/sent_pkts") $(cat "$hw/rcvd_pkts") $(cat "$st/tx_packets") $(cat "$st/tx_bytes")" \
		"$(nft list counter inet "$T" oob | awk '$1 == "packets" { print $2 }')"
}

# One host: eth0, rxe0, the fan, the container, the counters.
setup()
{
	local br
	modprobe -a virtio_net rdma_rxe ib_uverbs rdma_ucm || return 1
	modprobe -q tunnel4
	grep -q '^fan ' /proc/modules || insmod "$FAN_KO" || return 1
	wait_until 10 test -e /sys/class/net/eth0 || { echo "no eth0 (run-vm.sh --peer-nic)"; return 1; }
	ip addr add "$me/16" dev eth0 || return 1
	ip link set eth0 up || return 1
	rdma link add rxe0 type rxe netdev eth0 || return 1
	"$FANCTL" up 250.0.0.0/8 eth0/16 > /dev/null || return 1
	br=fan-${cme%.*}
	br=${br//./-}
	ip netns add "$C" || return 1
	ip link add "vc$$" type veth peer name eth0 netns "$C" || return 1
	ip link set "vc$$" master "$br" up || return 1
	ip -n "$C" -batch - <<-EOF || return 1
		link set lo up
		link set eth0 up
		addr add $cme/24 dev eth0
		route add default via ${cme%.*}.1
	EOF
	nft -f - <<-EOF || return 1
		table inet $T {
			counter roce_tx { }
			counter roce_rx { }
			counter oob { }
			chain roce_out {
				type filter hook output priority 0;
				oifname "eth0" udp dport 4791 counter name roce_tx
			}
			chain roce_in {
				type filter hook input priority 0;
				iifname "eth0" udp dport 4791 counter name roce_rx
			}
			chain fan_fwd {
				type filter hook forward priority 0;
				oifname "ftun0" tcp dport $OOB counter name oob
				oifname "ftun0" tcp sport $OOB counter name oob
			}
		}
	EOF
	wait_until 300 ping -c1 -W1 -q "$you" > /dev/null || { echo "$you does not answer on eth0"; return 1; }
}

cleanup()
{
	local p
	for p in "${bgpids[@]}"; do
		kill "$p" 2>/dev/null
	done
	[ "$role" = b ] || request end 2>/dev/null
	docker_down
	ip netns del "$C" 2>/dev/null
	"$FANCTL" down -e --force > /dev/null 2>&1
	nft delete table inet "$T" 2>/dev/null
	rdma link delete rxe0 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- the test (VM a) ------------------------------------------------------

# fail MSG: the subtest fails (run_test looks for the line), whatever
# the function returns after.
fail() { echo "FAIL: $*"; return 1; }

# run_test NAME FUNC: FUNC's output becomes KTAP diagnostics; it fails if
# it returns non-zero or called fail.
run_test()
{
	local out rc
	out=$("$2" 2>&1; echo "rc=$?")
	rc=${out##*rc=}
	out=${out%rc=*}
	out=${out%$'\n'}
	[ -z "$out" ] || ktap_print_msg "$out"
	if [ "$rc" = 0 ] && ! grep -q '^FAIL: ' <<< "$out"; then
		ktap_test_pass "$1"
	else
		ktap_test_fail "$1"
	fi
}

# delta BEFORE AFTER: field-wise AFTER - BEFORE
delta()
{
	local -a b a
	read -ra b <<< "$1"
	read -ra a <<< "$2"
	local i out=
	for i in "${!a[@]}"; do
		out+="$((a[i] - b[i])) "
	done
	echo "${out% }"
}

# check_paths WHAT DATA_BYTES BEFORE_A AFTER_A BEFORE_B AFTER_B: on each
# host, RoCE carried at least DATA_BYTES (sender side: host a) and every
# packet rxe sent went out eth0 as UDP 4791, and ftun0 carried exactly the
# TCP packets of the exchange and nothing else.
check_paths()
{
	local what=$1 data=$2 h d
	local -a v
	for h in a b; do
		if [ "$h" = a ]; then d=$(delta "$3" "$4"); else d=$(delta "$5" "$6"); fi
		read -ra v <<< "$d"
		echo "host $h: RoCE on eth0 tx ${v[0]} packets ${v[1]} bytes, rx ${v[2]}; rxe sent ${v[3]} rcvd ${v[4]}; ftun0 tx ${v[5]} packets ${v[6]} bytes, of them exchange ${v[7]}"
		[ "${v[3]}" -gt 0 ] || fail "$what: rxe on host $h sent nothing"
		[ "${v[0]}" = "${v[3]}" ] ||
			fail "$what: host $h: rxe sent ${v[3]} packets, eth0 saw ${v[0]} UDP 4791 packets leave"
		[ "${v[2]}" = "${v[4]}" ] ||
			fail "$what: host $h: rxe received ${v[4]} packets, eth0 saw ${v[2]} UDP 4791 packets arrive"
		[ "${v[7]}" -gt 0 ] || fail "$what: host $h: no exchange over the fan"
		[ "${v[5]}" = "${v[7]}" ] ||
			fail "$what: host $h: ftun0 sent ${v[5]} packets, ${v[7]} of them the exchange"
		if [ "$h" = a ] && [ "${v[1]}" -lt "$data" ]; then
			fail "$what: host a sent $data bytes of data, but only ${v[1]} bytes of RoCE"
		fi
	done
}

test_setup()
{
	local r gid
	setup || fail "host a: setup"
	r=$(peer_result setup) || fail "host b: setup: $r"
	rdma link show rxe0/1
	rdma link show rxe0/1 | grep -q 'state ACTIVE physical_state LINK_UP netdev eth0' ||
		fail "rxe0 is not active on eth0"
	gid=$(gid_index "$me") || fail "no RoCE v2 GID for $me in rxe0's table"
	echo "rxe0's GID $gid is ::ffff:$me (RoCE v2)"
	# The fan's addresses are not on eth0: no GID for them.
	if grep -rq 'ffff:fa' /sys/class/infiniband/rxe0/ports/1/gids/; then
		fail "a GID for a 250.x address"
	fi
	c ping -c1 -W5 -q "$cyou" > /dev/null || fail "container $cme cannot ping $cyou over the fan"
}

test_shared()
{
	local out
	out=$(rdma system show)
	echo "rdma system: $out"
	[ "$out" = "netns shared copy-on-fork on" ] || [ "$out" = "netns shared" ] ||
		fail "RDMA netns mode is not shared"
	out=$(c rdma dev show)
	echo "in the container: $out"
	[[ "$out" == "0: rxe0: node_type ca "* ]] || fail "the container does not see rxe0"
	c ibv_devices | grep -q '^ *rxe0 ' || fail "ibv_devices in the container lists no rxe0"
	out=$(peer_run c_dev 'c rdma dev show') || fail "host b's container: $out"
	[[ "$out" == "0: rxe0: node_type ca "* ]] || fail "host b's container does not see rxe0"
}

# verbs_pair NAME SERVER_CMD CLIENT_CMD DATA: the server in b's container,
# the client in a's, to b's container over the fan; the paths checked.
verbs_pair()
{
	local name=$1 srv=$2 cli=$3 data=$4 ba bb aa ab out rc
	ba=$(counters)
	bb=$(peer_run "$name.c0" counters) || fail "host b: counters: $bb"
	out=$(peer_start "$name" "listening $OOB" "c timeout 120 $srv") || { fail "$name server in b: $out"; return 1; }
	# shellcheck disable=SC2086 # CLI is words
	out=$(c timeout 120 $cli 2>&1)
	rc=$?
	printf 'client (a, %s -> %s): %s\n%s\n' "$cme" "$cyou" "$cli" "$out"
	[ "$rc" = 0 ] || fail "$name client exited $rc"
	out=$(peer_wait "$name")
	rc=$?
	printf 'server (b, %s): %s\n%s\n' "$cyou" "$srv" "$out"
	[ "$rc" = 0 ] || fail "$name server exited $rc"
	aa=$(counters)
	ab=$(peer_run "$name.c1" counters) || fail "host b: counters: $ab"
	check_paths "$name" "$data" "$ba" "$aa" "$bb" "$ab"
}

test_rc_pingpong()
{
	local g n=$ITERS s=4096
	g=$(gid_index "$me")
	verbs_pair rc_pingpong "ibv_rc_pingpong -d rxe0 -g $g -s $s -n $n" \
		"ibv_rc_pingpong -d rxe0 -g $g -s $s -n $n $cyou" $((n * s))
}

test_write_bw()
{
	local g
	g=$(gid_index "$me")
	verbs_pair write_bw "ib_write_bw -d rxe0 -x $g -F -s $SIZE -t $DEPTH -n $ITERS" \
		"ib_write_bw -d rxe0 -x $g -F -s $SIZE -t $DEPTH -n $ITERS $cyou" $((ITERS * SIZE))
}

test_send_lat()
{
	local g
	g=$(gid_index "$me")
	verbs_pair send_lat "ib_send_lat -d rxe0 -x $g -F -s 64 -n $ITERS" \
		"ib_send_lat -d rxe0 -x $g -F -s 64 -n $ITERS $cyou" $((ITERS * 64))
}

# expect_out WANT_RC WANT_LINE CMD...: CMD exits WANT_RC and prints the
# line WANT_LINE.
expect_out()
{
	local rc=$1 want=$2 out got
	shift 2
	out=$("$@" 2>&1)
	got=$?
	printf '$ %s\n%s\n' "$*" "$out"
	[ "$got" = "$rc" ] || fail "'$*' exited $got, expected $rc"
	grep -qxF -- "$want" <<< "$out" || fail "'$*' did not print '$want'"
}

test_rdma_cm()
{
	local out
	# The user's view: rping and ib_write_bw -R by fan address, from a
	# container.  rdma_cm resolves the address through the container's
	# routes to its veth, which has no RDMA device behind it.
	expect_out 255 "cma event RDMA_CM_EVENT_ADDR_ERROR, error -19" \
		c timeout 60 rping -c -a "$cyou" -C 1 -v
	expect_out 1 "Received 10 times ADDR_ERROR" c timeout 60 ib_write_bw -R -d rxe0 -n 5 "$cyou"
	# The server side: binding a fan address fails the same way.
	out=$(peer_run cm_bind "c timeout 60 rping -s -a $cyou -C 1 -v")
	printf '$ rping -s -a %s (host b, container)\n%s\n' "$cyou" "$out"
	grep -qxF "rdma_bind_addr: No such device" <<< "$out" ||
		fail "rping -s -a $cyou in b's container did not fail to bind"
	# What works: rdma_cm on the hosts' underlay addresses (a container
	# with the host's network, docker run --network host).
	out=$(peer_start rping "cm_listening" "timeout 60 rping -s -a $you -C 2 -v") ||
		fail "rping server on $you: $out"
	out=$(timeout 60 rping -c -a "$you" -C 2 -v 2>&1)
	printf '$ rping -c -a %s -C 2 -v (host a)\n%s\n' "$you" "$out"
	grep -q '^ping data: rdma-ping-1: ' <<< "$out" || fail "rping between the hosts' underlay addresses"
	out=$(peer_wait rping) || fail "rping server on $you: $out"
}

test_exclusive()
{
	local out ns=rdx-$$
	# The mode is the host's: it cannot change while other namespaces
	# exist (the containers).
	expect_out 1 "error: Device or resource busy" rdma system set netns exclusive
	ip netns del "$C"
	# shellcheck disable=SC2016 # b's container
	peer_run c_del 'ip netns del "$C"' > /dev/null
	# netns exit is asynchronous: the mode changes once it is gone.
	wait_until 20 rdma system set netns exclusive 2> /dev/null ||
		fail "rdma system set netns exclusive with no other namespace"
	rdma system show
	ip netns add "$ns"
	out=$(ip netns exec "$ns" rdma dev show)
	echo "a new namespace sees: '$out'"
	[ -z "$out" ] || fail "exclusive: a new namespace sees an RDMA device"
	[[ "$(rdma dev show)" == "0: rxe0: "* ]] || fail "exclusive: the host lost rxe0"
	out=$(ip netns exec "$ns" ibv_devices | sed -n '3,$p')
	[ -z "$out" ] || fail "exclusive: ibv_devices lists '$out' in the namespace"
	# The host would move the device in (a VF, SR-IOV): rxe cannot go.
	expect_out 1 "error: Operation not supported" rdma dev set rxe0 netns "$ns"
	ip netns del "$ns"
	wait_until 20 rdma system set netns shared 2> /dev/null || fail "back to shared"
	rdma system show
}

# --- Docker ---------------------------------------------------------------

DOCKER=/usr/bin/docker	# not /usr/local/bin's, another CLI
IMAGE=fanverbs:1
dk() { DOCKER_CONFIG=$tmp/docker-cli "$DOCKER" -H "unix:///run/rdt-docker.sock" "$@"; }

# verbs_image OUT.tar: a root file system with ibv_rc_pingpong, the
# libraries it and the rxe provider (dlopened by libibverbs) need, and
# the provider's driver file: what an RDMA image carries.
verbs_image()
{
	local root f prov=/usr/lib/x86_64-linux-gnu/libibverbs/librxe-rdmav34.so
	root=$tmp/verbs-root
	for f in /usr/bin/ibv_rc_pingpong "$prov" /etc/libibverbs.d/rxe.driver \
		 $(ldd /usr/bin/ibv_rc_pingpong "$prov" |
		   awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*[^:]$/ { print $1 }' | sort -u); do
		mkdir -p "$root${f%/*}" && cp -L "$f" "$root$f" || return 1
	done
	mkdir -p "$root/tmp" "$root/dev" "$root/proc" "$root/sys"
	tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$1" .
}

# docker_up: dockerd on this host's fan bridge (fanctl docker's
# daemon.json), the verbs image imported.
docker_up()
{
	local d=$tmp/docker end
	mkdir -p "$d" "$tmp/docker-cli" || return 1
	"$FANCTL" docker 250.0.0.0/8 eth0/16 > "$d/daemon.json" || return 1
	cat > "$d/containerd.toml" <<-EOF
	version = 2
	root = "$d/containerd"
	state = "/run/rdt-containerd"
	disabled_plugins = ["io.containerd.grpc.v1.cri",
	  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
	  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]
	[grpc]
	  address = "/run/rdt-containerd/containerd.sock"
	EOF
	# The first memory cgroup, made while the machine is quiet
	# (fanctl_lib.sh's memcg_warm_up says why).
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
	mkdir /sys/fs/cgroup/rdt-warm-up 2>/dev/null && rmdir /sys/fs/cgroup/rdt-warm-up
	"$top/selftests/docker/netns-dockerd.sh" "$d/containerd.toml" 300 \
		dockerd --config-file "$d/daemon.json" --data-root "$d/data" \
		--exec-root /run/rdt-docker --pidfile "$d/dockerd.pid" \
		-H unix:///run/rdt-docker.sock --storage-driver overlay2 > "$d/dockerd.log" 2>&1 < /dev/null &
	echo $! > "$d/pid"
	end=$((SECONDS + 300))
	until grep -q "API listen on" "$d/dockerd.log"; do
		if [ "$SECONDS" -ge "$end" ] || ! kill -0 "$(cat "$d/pid")" 2>/dev/null; then
			tail -n 20 "$d/dockerd.log"
			return 1
		fi
		sleep 0.2
	done
	verbs_image "$tmp/verbs.tar" || return 1
	dk import "$tmp/verbs.tar" "$IMAGE" > /dev/null
}

docker_down()
{
	local p ids
	[ -e "$tmp/docker/pid" ] || return 0
	ids=$(dk ps -aq 2>/dev/null)
	# shellcheck disable=SC2086 # one word per container
	[ -z "$ids" ] || dk rm -f $ids > /dev/null 2>&1
	p=$(cat "$tmp/docker/pid")
	kill "$p" 2>/dev/null
	wait_until 30 eval "! kill -0 $p 2>/dev/null"
	pkill -F /run/rdt-containerd/containerd.pid 2>/dev/null
	rm -f "$tmp/docker/pid"
}

# docker_ip NAME: the container's address on the bridge
docker_ip() { dk inspect -f '{{.NetworkSettings.IPAddress}}' "$1"; }
docker_listening() # NAME PORT
{
	local pid
	pid=$(dk inspect -f '{{.State.Pid}}' "$1") && [ "$pid" -gt 0 ] &&
		nsenter -t "$pid" -n ss -Hltn "sport = :$2" | grep -q LISTEN
}

test_docker()
{
	local g ip out rc ba bb aa ab n=$ITERS s=4096
	local rdma=(--device /dev/infiniband/uverbs0 --ulimit memlock=-1 --cap-add IPC_LOCK)
	g=$(gid_index "$me")
	# shellcheck disable=SC2016 # expanded in b
	out=$(peer_start dockerd 'test -e "$tmp/docker.up"' 'docker_up && : > "$tmp/docker.up"') ||
		{ fail "dockerd on b: $out"; return 1; }
	docker_up || { fail "dockerd on a"; return 1; }
	out=$(peer_wait dockerd) || { fail "dockerd on b: $out"; return 1; }
	# The image alone, without the device node: libibverbs lists no
	# device it cannot open.
	expect_out 1 "IB device rxe0 not found" \
		dk run --rm --pull never "$IMAGE" ibv_rc_pingpong -d rxe0 -g "$g" -n 1 "$cyou"
	ba=$(counters)
	bb=$(peer_run docker.c0 counters) || fail "host b: counters: $bb"
	out=$(peer_run docker.srv "dk run -d --pull never --name srv ${rdma[*]} $IMAGE ibv_rc_pingpong -d rxe0 -g $g -s $s -n $n && wait_until 60 docker_listening srv $OOB && docker_ip srv") ||
		{ fail "server container on b: $out"; return 1; }
	ip=${out##*$'\n'}
	echo "docker run ${rdma[*]} on b: $ip"
	out=$(dk run --rm --pull never "${rdma[@]}" "$IMAGE" ibv_rc_pingpong -d rxe0 -g "$g" -s "$s" -n "$n" "$ip" 2>&1)
	rc=$?
	printf 'docker run %s ibv_rc_pingpong ... %s (on a)\n%s\n' "${rdma[*]}" "$ip" "$out"
	[ "$rc" = 0 ] || fail "the client container exited $rc"
	grep -q "remote address: .* GID ::ffff:$you" <<< "$out" || fail "the client did not meet b's GID"
	out=$(peer_run docker.wait "dk wait srv; dk logs srv 2>&1")
	printf 'server container (b):\n%s\n' "$out"
	[ "${out%%$'\n'*}" = 0 ] || fail "the server container exited ${out%%$'\n'*}"
	aa=$(counters)
	ab=$(peer_run docker.c1 counters) || fail "host b: counters: $ab"
	check_paths docker $((n * s)) "$ba" "$aa" "$bb" "$ab"
	peer_run docker.down docker_down > /dev/null
	docker_down
}

# --- the measurement (FAN_RDMA_BENCH=1) -----------------------------------

# bw_once WHERE: one ib_write_bw run, host to host (WHERE=host) or
# container to container (ctr) over rxe; MB/s (perftest's average) on stdout
bw_once()
{
	local g x to out
	g=$(gid_index "$me")
	if [ "$1" = host ]; then x=; to=$you; else x="c "; to=$cyou; fi
	out=$(peer_start "bw.$1.$2" "${x:+c }ss -Hltn 'sport = :$OOB' | grep -q LISTEN" \
		"${x}timeout 120 ib_write_bw -d rxe0 -x $g -F -s $SIZE -t $DEPTH -u $QP_TIMEOUT -D $BENCH_SECS") || { echo "$out" >&2; return 1; }
	# shellcheck disable=SC2086 # x is a word or nothing
	out=$($x timeout 120 ib_write_bw -d rxe0 -x "$g" -F -s "$SIZE" -t "$DEPTH" -u "$QP_TIMEOUT" -D "$BENCH_SECS" "$to" 2>&1) ||
		{ echo "$out" >&2; return 1; }
	peer_wait "bw.$1.$2" > /dev/null || return 1
	awk -v s="$SIZE" '$1 == s { print $4; exit }' <<< "$out"
}

# tcp_once WHERE: iperf3, host to host over eth0 or container to
# container over the fan; Mbit/s received on stdout
tcp_once()
{
	local x to out
	if [ "$1" = host ]; then x=; to=$you; else x="c "; to=$cyou; fi
	out=$(peer_start "tcp.$1.$2" "${x:+c }ss -Hltn 'sport = :5201' | grep -q LISTEN" \
		"${x}timeout 120 iperf3 -s -1") || { echo "$out" >&2; return 1; }
	# shellcheck disable=SC2086
	out=$($x timeout 120 iperf3 -c "$to" -t "$BENCH_SECS" -J 2>&1) || { echo "$out" >&2; return 1; }
	peer_wait "tcp.$1.$2" > /dev/null || return 1
	jq -r '.end.sum_received.bits_per_second / 1e6 | floor' <<< "$out"
}

# stats: "median min max" of the numbers on stdin
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "%s %s %s", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1], v[NR] }'; }

bench()
{
	local r k v
	declare -A res=()
	echo "ib_write_bw -s $SIZE -t $DEPTH -u $QP_TIMEOUT -D $BENCH_SECS over rxe (eth0 MTU $(cat /sys/class/net/eth0/mtu)), iperf3 -t $BENCH_SECS; $BENCH_REPS rounds, the cases interleaved"
	for r in $(seq "$BENCH_REPS"); do
		for k in rdma.host rdma.ctr tcp.ctr tcp.host; do
			case $k in
			rdma.*) v=$(bw_once "${k#*.}" "$r") || { fail "$k round $r"; return 1; } ;;
			tcp.*) v=$(tcp_once "${k#*.}" "$r") || { fail "$k round $r"; return 1; } ;;
			esac
			echo "round $r $k $v"
			res[$k]+="$v "
		done
	done
	# Retransmissions and sequence errors say what limited RDMA.
	echo "host a: $(rdma statistic show link rxe0/1)"
	echo "host b: $(peer_run stat 'rdma statistic show link rxe0/1')"
	for k in rdma.host rdma.ctr tcp.ctr tcp.host; do
		res[$k]=$(tr ' ' '\n' <<< "${res[$k]}" | grep . | stats)
	done
	awk -v rh="${res[rdma.host]}" -v rc="${res[rdma.ctr]}" -v tc="${res[tcp.ctr]}" -v th="${res[tcp.host]}" 'BEGIN {
		split(rh, a); split(rc, b); split(tc, c); split(th, d)
		print "median (min-max) in Mbit/s:"
		printf "RDMA write, host to host (rxe on eth0):            %8.1f (%.1f-%.1f)\n", a[1] * 8, a[2] * 8, a[3] * 8
		printf "RDMA write, container to container (rxe, fan):     %8.1f (%.1f-%.1f)\n", b[1] * 8, b[2] * 8, b[3] * 8
		printf "TCP, container to container over the fan:          %8.1f (%.1f-%.1f)\n", c[1], c[2], c[3]
		printf "TCP, host to host over eth0:                       %8.1f (%.1f-%.1f)\n", d[1], d[2], d[3]
		printf "ratio RDMA container to container / host to host:  %8.2f\n", b[1] / a[1]
		printf "ratio TCP over the fan / TCP host to host:         %8.2f\n", c[1] / d[1]
		printf "ratio RDMA container to container / TCP over fan:  %8.2f\n", b[1] * 8 / c[1]
	}'
}

# --- main -----------------------------------------------------------------

if [ "$role" = b ]; then
	{ setup > "$tmp/setup" 2>&1; echo $?; cat "$tmp/setup"; } | post setup
	serve
	exit $?
fi

ktap_print_header
if [ "${FAN_RDMA_BENCH:-0}" = 1 ]; then
	BENCH_SECS=${BENCH_SECS:-5}
	BENCH_REPS=${BENCH_REPS:-5}
	# No loss on the wire (a unix socket): more in flight than the test.
	DEPTH=${FAN_RDMA_DEPTH:-16}
	# The QPs' ACK timeout, 4.096 us << QP_TIMEOUT.  perftest's 14 (67
	# ms) fired on a loaded host under TCG (rxe's completer_retry_err
	# 36, the peer's duplicate_request 3136 in 20 runs) and the
	# retransmissions, not the path, set the figures: 0.4-9 MB/s from
	# one round to the next.  20 is 4.3 s; the wire loses nothing.
	QP_TIMEOUT=${FAN_RDMA_QP_TIMEOUT:-20}
	tests=(setup test_setup "RDMA host to host and container to container, TCP over the fan" bench)
else
	tests=(setup test_setup
		"shared mode: the containers see rxe0" test_shared
		"ibv_rc_pingpong container to container: exchange over the fan, data as RoCE on eth0" test_rc_pingpong
		"ib_write_bw container to container: exchange over the fan, data as RoCE on eth0" test_write_bw
		"ib_send_lat container to container: exchange over the fan, data as RoCE on eth0" test_send_lat
		"rdma_cm cannot resolve a fan address; it works on the underlay" test_rdma_cm
		"Docker: ibv_rc_pingpong between containers of two dockerds on the fan" test_docker
		"exclusive mode: a container sees no device, rxe0 cannot move" test_exclusive)
fi
ktap_set_plan $((${#tests[@]} / 2))
ktap_print_msg "kernel $kver; a: eth0 $me container $cme; b: eth0 $you container $cyou"
set -- "${tests[@]}"
run_test "$1" "$2"
shift 2
if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
	ktap_exit_fail_msg "the hosts are not set up"
fi
while [ $# -ge 2 ]; do
	run_test "$1" "$2"
	shift 2
done
ktap_finished
