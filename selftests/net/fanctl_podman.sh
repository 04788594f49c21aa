#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Podman (rootful, Debian's podman with its CNI backend) on the fan: each
# host namespace runs podman with its own storage and the network config
# "fanctl cni" prints, an image built here with no registry
# (selftests/docker/mkrootfs.sh, podman import), and a container on each
# host gets an address of its host's slice, the fan's MTU and the default
# route via the bridge, reaches the other (ping, a file fetched with its
# checksum compared, its own address seen by the peer: no NAT), through
# h1's ftun0.  Once the serving container is gone, its address answers no
# more (the control).  podman rm leaves the bridge without ports, and
# fanctl down then takes the fans down with nothing left.

. "$(dirname "$0")/fanctl_lib.sh"

IMAGE=fanbox:1
BLOB_SIZE=$((1024 * 1024))
# cip NAME: the address of container NAME (run_c records it: each
# subtest runs in a subshell)
cip() { cat "$tmp/cip-$1"; }

# pm HOST PODMAN-ARGS...: podman of fan host HOST (h1 or h2).  In the
# host's network namespace only (nsenter, not ip netns exec): podman
# bind-mounts each container's namespace under /run/netns, and a later
# podman exec or rm must still find it there, which a private mount
# namespace per call would lose.
pm()
{
	local n=$1 host d
	shift
	case $n in h1) host=$H1 ;; h2) host=$H2 ;; *) return 2 ;; esac
	d=$tmp/pm-$n
	CONTAINERS_CONF="$d/containers.conf" nsenter --net="/run/netns/$host" \
		podman --root "$d/root" --runroot "$d/run" --tmpdir "$d/tmp" \
			--network-config-dir "$d/cni" --storage-driver vfs \
			--cgroup-manager cgroupfs --events-backend file "$@"
}

# podman_host HOST: the host's podman configuration, its network from
# fanctl cni (CNI, not netavark: what Debian's podman uses without it)
podman_host()
{
	local n=$1 host d
	case $n in h1) host=$H1 ;; h2) host=$H2 ;; esac
	d=$tmp/pm-$n
	mkdir -p "$d/cni" "$d/tmp" || return 1
	cat > "$d/containers.conf" <<-EOF
	[network]
	network_backend = "cni"
	cni_plugin_dirs = ["/usr/lib/cni"]
	[engine]
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	EOF
	ip netns exec "$host" "$FANCTL" cni $OV ib0/16 > "$d/cni/fan.conflist" ||
		fail "fanctl cni on $n" || return 1
}

test_setup()
{
	expect_rc 0 f1 up $OV ib0/16 || return 1
	expect_rc 0 f2 up $OV ib0/16 || return 1
	podman_host h1 && podman_host h2 || return 1
	pm h1 network ls > "$tmp/nets" || fail "podman network ls: $(cat "$tmp/nets")" || return 1
	cat "$tmp/nets"
	grep -q "^[0-9a-f]* *$BR1 *bridge" "$tmp/nets" || fail "podman does not list $BR1" || return 1
	"$top/selftests/docker/mkrootfs.sh" "$tmp/fanbox.tar" || return 1
	pm h1 import --change 'CMD ["/bin/sh"]' "$tmp/fanbox.tar" $IMAGE > "$tmp/imp1" 2>&1 ||
		fail "import on h1: $(< "$tmp/imp1")" || return 1
	pm h2 import --change 'CMD ["/bin/sh"]' "$tmp/fanbox.tar" $IMAGE > "$tmp/imp2" 2>&1 ||
		fail "import on h2: $(< "$tmp/imp2")" || return 1
}

# run_c HOST NAME BRIDGE SLICE: a detached container serving /www over
# busybox httpd, on the fan network of HOST; checks its address, MTU and
# default route from inside.
run_c()
{
	local n=$1 c=$2 br=$3 slice=$4 out
	pm "$n" run -d --name "$c" --network "$br" -v "$tmp/www:/www:ro" $IMAGE \
		httpd -f -p 0.0.0.0:80 -h /www > "$tmp/run-$c" 2>&1 ||
		fail "podman run $c on $n: $(< "$tmp/run-$c")" || return 1
	out=$(pm "$n" exec "$c" ip -4 -o addr show dev eth0) ||
		fail "exec in $c: $out" || return 1
	echo "$out" | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' > "$tmp/cip-$c"
	echo "$c on $n: $(cip "$c")"
	case $(cip "$c") in "$slice".*) ;; *) fail "$c got '$(cip "$c")', not in $slice.0/24"; return 1 ;; esac
	pm "$n" exec "$c" ip link show eth0 | grep -q "mtu 2024" ||
		fail "$c's MTU: $(pm "$n" exec "$c" ip link show eth0)" || return 1
	pm "$n" exec "$c" ip route | grep -q "^default via $slice.1" ||
		fail "$c's routes: $(pm "$n" exec "$c" ip route)" || return 1
}

test_containers()
{
	mkdir -p "$tmp/www/cgi-bin" || return 1
	head -c $BLOB_SIZE /dev/urandom > "$tmp/www/blob" || return 1
	printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n%%s" "$REMOTE_ADDR"\n' \
		> "$tmp/www/cgi-bin/peer"
	chmod 755 "$tmp/www/cgi-bin/peer"
	run_c h1 c1 $BR1 250.3.4 && run_c h2 c2 $BR2 250.9.200 || return 1
	# the containers' veths are ports of the fan bridges
	h1 ip -o link show master $BR1 | grep -q . || fail "no port on $BR1" || return 1
}

fan_tx_bytes() { ip -n "$1" -s -j link show ftun0 | jq '.[0].stats64.tx.bytes'; }

test_traffic()
{
	local want got tx0 tx1 peer c1 c2
	c1=$(cip c1) && c2=$(cip c2) || return 1
	pm h2 exec c2 ping -q -c 2 -W 3 "$c1" || fail "c2 cannot ping c1 $c1" || return 1
	pm h1 exec c1 ping -q -c 2 -W 3 "$c2" || fail "c1 cannot ping c2 $c2" || return 1
	want=$(sha256sum < "$tmp/www/blob")
	tx0=$(fan_tx_bytes "$H1")
	# timeout, not wget -T: busybox 1.35's wget -T segfaults
	got=$(pm h2 exec c2 sh -c "timeout 60 wget -q -O - http://$c1/blob | sha256sum") ||
		fail "c2 cannot fetch the file from c1" || return 1
	tx1=$(fan_tx_bytes "$H1")
	echo "c1 -> c2: $BLOB_SIZE bytes, h1's ftun0 sent $((tx1 - tx0))"
	echo "sent sha256 ${want%% *}"
	echo "got  sha256 ${got%% *}"
	[ "${want%% *}" = "${got%% *}" ] || fail "checksums differ" || return 1
	[ $((tx1 - tx0)) -ge $BLOB_SIZE ] ||
		fail "h1's ftun0 sent $((tx1 - tx0)) bytes for a $BLOB_SIZE byte file" || return 1
	peer=$(pm h2 exec c2 timeout 20 wget -q -O - "http://$c1/cgi-bin/peer")
	echo "c1 saw c2 as $peer"
	[ "$peer" = "$c2" ] || fail "c1 saw c2 as '$peer', not $c2" || return 1
}

# The control: with c1 gone, nothing answers at its address.
test_gone()
{
	local c1
	c1=$(cip c1) || return 1
	pm h1 rm -f -t 0 c1 > /dev/null || fail "podman rm c1" || return 1
	if pm h2 exec c2 ping -q -c 1 -W 2 "$c1"; then
		fail "$c1 still answers with c1 removed"
		return 1
	fi
	pm h2 rm -f -t 0 c2 > /dev/null || fail "podman rm c2" || return 1
	# podman rm ran CNI DEL: no port left on the bridges
	[ -z "$(h1 ip -o link show master $BR1)" ] || fail "ports left: $(h1 ip -o link show master $BR1)" || return 1
	[ -z "$(h2 ip -o link show master $BR2)" ] || fail "ports left: $(h2 ip -o link show master $BR2)" || return 1
	expect_rc 0 f1 down $OV ib0/16 && expect_rc 0 f2 down $OV ib0/16 || return 1
	nothing_left "$H1" && nothing_left "$H2"
}

test_cleanup()
{
	local n
	for n in h1 h2; do
		[ -d "$tmp/pm-$n" ] && pm "$n" rm -a -f -t 0 > /dev/null 2>&1
	done
}

# make deps installs podman, busybox and the CNI plugins: missing, the test fails.
command -v podman > /dev/null || ktap_exit_fail_msg "no podman (make deps installs it)"
command -v busybox > /dev/null || ktap_exit_fail_msg "no busybox (make deps installs busybox-static)"
[ -x /usr/lib/cni/bridge ] || ktap_exit_fail_msg "no CNI plugins (make deps installs containernetworking-plugins)"
[ -e /sys/fs/cgroup/cgroup.controllers ] || ktap_exit_fail_msg "no cgroup2 on /sys/fs/cgroup"
memcg_warm_up
TESTS="
fanctl_cni_network_in_podman test_setup
containers_on_slices test_containers
ping_and_file_across_hosts test_traffic
removed_container_answers_no_more test_gone
"
fanctl_main
