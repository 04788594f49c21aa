#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Incus (Debian's incus-base, bookworm-backports) on the fan: each fan
# host namespace runs its own incusd (own INCUS_DIR, a "dir" storage
# pool), with the profile "fanctl incus" prints: eth0 bridged to the fan
# bridge with the fan's MTU.  The image is imported here with no registry:
# the busybox rootfs of selftests/docker/mkrootfs.sh, plus an inittab that
# runs udhcpc on eth0 and busybox httpd.  A container on each host takes
# its address from fanctl's dnsmasq ("fanctl up ... dhcp") in its host's
# slice, has the fan's MTU and the default route via the bridge, and
# reaches the other across the fan (ping, a file fetched with its checksum
# compared, its own address seen by the peer: no NAT), through h1's
# ftun0.  Once the serving container is stopped, its address answers no
# more (the control).  fanctl down refuses the fan whose bridge still has
# the other container; then the containers, images, profiles, pools and
# daemons go, and fanctl down leaves nothing.
#
# The incusd of a host runs under "ip netns exec", not nsenter: incusd
# looks for the bridge in /sys/class/net, so it needs the sysfs of the
# host's namespace, which ip netns exec mounts (in a mount namespace of
# its own, where the cgroup2 tree is mounted again for LXC).

. "$(dirname "$0")/fanctl_lib.sh"

INCUSD=${INCUSD:-/usr/libexec/incus/incusd}
IMAGE=fanbox
BLOB_SIZE=$((1024 * 1024))
# incusd under TCG: 8 s alone, 30-50 s beside other VMs; longer on the
# debug kernel.  A lease: 5-20 s.  Only what never comes waits it all.
INCUSD_TIMEOUT=${INCUSD_TIMEOUT:-180}
LEASE_TIMEOUT=${LEASE_TIMEOUT:-90}
if [ -e /sys/kernel/debug/kmemleak ]; then
	INCUSD_TIMEOUT=$((INCUSD_TIMEOUT * 3))
	LEASE_TIMEOUT=$((LEASE_TIMEOUT * 3))
fi

declare -A HOST=([h1]=$H1 [h2]=$H2) SLICE=([h1]=250.3.4 [h2]=250.9.200) \
	BRIDGE=([h1]=$BR1 [h2]=$BR2) CT=([h1]=c1 [h2]=c2)

# Each subtest runs in a subshell (run_test): what a later one needs
# (daemon PIDs, container addresses) goes to files in $tmp.
idir() { echo "$tmp/incus-$1"; }
cip() { cat "$tmp/cip-$1"; }

# ic HOST ARGS...: the incus client of that host's daemon
ic()
{
	local n=$1
	shift
	INCUS_DIR=$(idir "$n") INCUS_CONF=$tmp/incus-cli incus "$@"
}

# The image: mkrootfs.sh's busybox root, with /sbin/init (busybox init,
# what Incus starts), an inittab starting a DHCP client on eth0 and httpd
# on /www, and the udhcpc script: the address and the default route from
# the lease; the lease (with the MTU dnsmasq offered) in /tmp/lease.  The
# MTU of eth0 is the profile's (Incus sets it on both ends of the veth).
make_image()
{
	local d=$tmp/image
	mkdir -p "$d/add/etc" "$d/add/sbin" "$d/meta" || return 1
	"$top/selftests/docker/mkrootfs.sh" "$d/rootfs.tar" || return 1
	ln -s /bin/busybox "$d/add/sbin/init"
	cat > "$d/add/etc/inittab" <<-'EOF'
	::sysinit:/bin/udhcpc -i eth0 -b -t 10 -T 2 -A 5 -O mtu -s /etc/udhcpc.sh
	::respawn:/bin/httpd -f -p 0.0.0.0:80 -h /www
	EOF
	cat > "$d/add/etc/udhcpc.sh" <<-'EOF'
	#!/bin/sh
	case $1 in
	bound|renew)
		ip -4 addr flush dev "$interface"
		ip addr add "$ip/$mask" dev "$interface"
		ip route add default via "${router%% *}" dev "$interface"
		echo "$ip/$mask router $router mtu $mtu" > /tmp/lease
		;;
	esac
	exit 0
	EOF
	chmod 755 "$d/add/etc/udhcpc.sh"
	tar -rf "$d/rootfs.tar" --numeric-owner --owner=0 --group=0 -C "$d/add" \
		./etc/inittab ./etc/udhcpc.sh ./sbin/init || return 1
	gzip -1 "$d/rootfs.tar" || return 1
	cat > "$d/meta/metadata.yaml" <<-EOF
	architecture: $(uname -m)
	creation_date: $(date +%s)
	properties:
	  description: fanbox (busybox, DHCP on eth0, httpd)
	  os: busybox
	  release: "1"
	EOF
	tar -C "$d/meta" -czf "$d/meta.tar.gz" metadata.yaml
}

test_profile()
{
	local n
	expect_rc 0 f1 up $OV ib0/16 dhcp || return 1
	expect_rc 0 f2 up $OV ib0/16 dhcp || return 1
	for n in h1 h2; do
		expect_rc 0 ip netns exec "${HOST[$n]}" "$FANCTL" incus $OV ib0/16 || return 1
		printf '%s\n' "$out" > "$tmp/profile-$n.yaml"
		echo "fanctl incus $OV ib0/16 on $n:"
		echo "$out"
		[ "$out" = "$(printf 'description: fan bridge %s, slice %s.0/24, MTU 2024 (fanctl incus)\nconfig: {}\ndevices:\n  eth0:\n    type: nic\n    nictype: bridged\n    parent: %s\n    mtu: "2024"\n    name: eth0' \
			"${BRIDGE[$n]}" "${SLICE[$n]}" "${BRIDGE[$n]}")" ] ||
			fail "$n: not the profile of ${BRIDGE[$n]}, MTU 2024" || return 1
	done
	# dhcp is an option of up, not of the profile, and host-reserve one
	# of the DHCP range, which the profile does not have: both refused
	expect_rc 1 f1 incus $OV ib0/16 dhcp || return 1
	[ "$out" = "fanctl: incus takes no option 'dhcp'" ] ||
		fail "incus with dhcp: '$out'" || return 1
	expect_rc 1 f1 incus $OV ib0/16 host-reserve 4 || return 1
	[ "$out" = "fanctl: incus takes no option 'host-reserve'" ] ||
		fail "incus with host-reserve: '$out'" || return 1
}

# incusd_start HOST: its daemon, in the host's namespace, in the
# background; the PID to $tmp/incusd-HOST.pid
incusd_start()
{
	local n=$1 d
	d=$(idir "$n")
	mkdir -p "$d" || return 1
	INCUS_DIR=$d ip netns exec "${HOST[$n]}" sh -c \
		'mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$0" --group root' "$INCUSD" \
		> "$tmp/incusd-$n.log" 2>&1 < /dev/null &
	echo $! > "$tmp/incusd-$n.pid"
}

# Per host: the daemon, a "dir" pool as the default profile's root disk,
# the image, and the profile "fan" from fanctl incus.
test_incusd()
{
	local n p t0=$SECONDS
	local -A pids
	# The containers are unprivileged: their root (uid 1000000 here)
	# walks through $tmp to the rootfs under INCUS_DIR (mktemp made 0700).
	chmod 711 "$tmp" || return 1
	mkdir -p "$tmp/incus-cli"
	make_image || return 1
	incusd_start h1 && incusd_start h2 || return 1
	for n in h1 h2; do
		# (the client's first call says to run incus admin init)
		if ! ic "$n" admin waitready --timeout "$INCUSD_TIMEOUT" > "$tmp/ready-$n" 2>&1; then
			fail "incusd on $n not ready after $((SECONDS - t0)) s: $(< "$tmp/ready-$n"); its log:"
			tail -n 30 "$tmp/incusd-$n.log"
			return 1
		fi
	done
	echo "incusd ready on both hosts after $((SECONDS - t0)) s"
	for n in h1 h2; do
		p=$(< "$tmp/incusd-$n.pid")
		[ "/proc/$p/ns/net" -ef "/run/netns/${HOST[$n]}" ] ||
			fail "$n: incusd $p is not in ${HOST[$n]}" || return 1
	done
	# both hosts at once
	for n in h1 h2; do
		{
			ic "$n" storage create default dir &&
			ic "$n" profile device add default root disk path=/ pool=default &&
			ic "$n" image import "$tmp/image/meta.tar.gz" "$tmp/image/rootfs.tar.gz" \
				--alias $IMAGE &&
			ic "$n" profile create fan &&
			ic "$n" profile edit fan < "$tmp/profile-$n.yaml"
		} > "$tmp/setup-$n" 2>&1 &
		pids[$n]=$!
	done
	for n in h1 h2; do
		wait "${pids[$n]}" || fail "$n: $(< "$tmp/setup-$n")" || return 1
	done
	ic h1 image list -f csv -c lfdt
	out=$(ic h1 profile device show fan)
	echo "profile fan on h1:"
	echo "$out"
	echo "$out" | grep -qx "  parent: $BR1" && echo "$out" | grep -qx '  mtu: "2024"' ||
		fail "h1's profile fan is not on $BR1 with MTU 2024" || return 1
}

# check_c HOST NAME: waits for the container's lease, then checks from
# inside (its network namespace, by PID: cheaper than incus exec under
# TCG) the address in the slice, the MTU, the default route via the
# bridge, and the lease in fanctl's dnsmasq.
check_c()
{
	local n=$1 c=$2 s=${SLICE[$1]} pid mac ip mtu gw vmtu host_if end
	pid=$(ic "$n" list "$c" -f csv -c p) && [ -n "$pid" ] && [ "$pid" -gt 0 ] ||
		fail "$c on $n: no PID ($pid): $(ic "$n" list "$c")" || return 1
	end=$((SECONDS + LEASE_TIMEOUT))
	while :; do
		read -r mtu ip gw < <(nsenter -t "$pid" -n ip -4 -o -batch - <<-EOF |
			addr show dev eth0
			route show default
			link show dev eth0
			EOF
			awk '$3 == "inet" { split($4, a, "/"); i = a[1] }
			     $1 == "default" && $2 == "via" && $4 == "dev" && $5 == "eth0" { g = $3 }
			     / mtu / { for (f = 1; f < NF; f++) if ($f == "mtu") m = $(f + 1) }
			     END { print m, i, g }')
		[ -n "$gw" ] && break
		[ $SECONDS -lt $end ] || fail "$c on $n: no lease after $LEASE_TIMEOUT s" || return 1
		sleep 0.5
	done
	echo "$ip" > "$tmp/cip-$c"
	echo "$c on $n: $ip, mtu $mtu, default via $gw; lease: $(ic "$n" exec "$c" -- cat /tmp/lease)"
	case $ip in "$s".*) ;; *) fail "$c got '$ip', not in $s.0/24"; return 1 ;; esac
	[ "$mtu" = 2024 ] || fail "$c's eth0 MTU is $mtu, not 2024" || return 1
	[ "$gw" = "$s.1" ] || fail "$c: default route via '$gw', not $s.1" || return 1
	# dnsmasq offered the fan's MTU too
	ic "$n" exec "$c" -- cat /tmp/lease | grep -qx "$ip/24 router $s.1 mtu 2024" ||
		fail "$c's lease: $(ic "$n" exec "$c" -- cat /tmp/lease)" || return 1
	# the lease is fanctl's dnsmasq's, for this container's MAC
	mac=$(ic "$n" config get "$c" volatile.eth0.hwaddr)
	grep -q " $mac $ip " "$(rundir "${HOST[$n]}")/dnsmasq-${BRIDGE[$n]}.leases" ||
		fail "no lease of $mac $ip in fanctl's dnsmasq on $n" || return 1
	# the host end: a port of the fan bridge, with the fan's MTU
	host_if=$(ic "$n" config get "$c" volatile.eth0.host_name)
	vmtu=$(ip -n "${HOST[$n]}" -o link show master "${BRIDGE[$n]}" |
		awk -v i="$host_if" '$2 ~ "^" i "@" {
			for (f = 1; f < NF; f++) if ($f == "mtu") print $(f + 1) }')
	[ "$vmtu" = 2024 ] || fail "$c's host end $host_if: MTU '$vmtu', on ${BRIDGE[$n]}?" || return 1
}

# A container on each host (both at once) with the profiles default and fan
test_containers()
{
	local n
	local -A pids
	for n in h1 h2; do
		ic "$n" launch $IMAGE "${CT[$n]}" -p default -p fan -q > "$tmp/launch-$n" 2>&1 &
		pids[$n]=$!
	done
	for n in h1 h2; do
		if ! wait "${pids[$n]}"; then
			fail "incus launch ${CT[$n]} on $n: $(< "$tmp/launch-$n")"
			ic "$n" info "${CT[$n]}" --show-log
			return 1
		fi
	done
	check_c h1 c1 && check_c h2 c2 || return 1
	echo "h1's $BR1 ports: $(h1 ip -o link show master $BR1 | awk '{ print $2 }')"
}

fan_tx_bytes() { ip -n "$1" -s -j link show ftun0 | jq '.[0].stats64.tx.bytes'; }

test_traffic()
{
	local want got tx0 tx1 peer c1 c2
	c1=$(cip c1) && c2=$(cip c2) || return 1
	ic h2 exec c2 -- ping -q -c 2 -W 3 "$c1" || fail "c2 cannot ping c1 $c1" || return 1
	ic h1 exec c1 -- ping -q -c 2 -W 3 "$c2" || fail "c1 cannot ping c2 $c2" || return 1
	head -c $BLOB_SIZE /dev/urandom > "$tmp/blob" || return 1
	ic h1 file push -q "$tmp/blob" c1/www/blob || fail "incus file push to c1" || return 1
	want=$(sha256sum < "$tmp/blob")
	tx0=$(fan_tx_bytes "$H1")
	# timeout, not wget -T: busybox 1.35's wget -T segfaults
	got=$(ic h2 exec c2 -- sh -c "timeout 60 wget -q -O - http://$c1/blob | sha256sum") ||
		fail "c2 cannot fetch the file from c1" || return 1
	tx1=$(fan_tx_bytes "$H1")
	echo "c1 -> c2: $BLOB_SIZE bytes, h1's ftun0 sent $((tx1 - tx0))"
	echo "sent sha256 ${want%% *}"
	echo "got  sha256 ${got%% *}"
	[ "${want%% *}" = "${got%% *}" ] || fail "checksums differ" || return 1
	[ $((tx1 - tx0)) -ge $BLOB_SIZE ] ||
		fail "h1's ftun0 sent $((tx1 - tx0)) bytes for a $BLOB_SIZE byte file" || return 1
	# overlay to overlay: no NAT, c1 sees c2's own address
	peer=$(ic h2 exec c2 -- timeout 20 wget -q -O - "http://$c1/cgi-bin/peer")
	echo "c1 saw c2 as $peer"
	[ "$peer" = "$c2" ] || fail "c1 saw c2 as '$peer', not $c2" || return 1
}

# The control: with c1 stopped, nothing answers at its address, and its
# veth has left the bridge (both of which it had just before).
test_stopped()
{
	local c1 ports
	c1=$(cip c1) || return 1
	ic h2 exec c2 -- ping -q -c 1 -W 3 "$c1" > /dev/null ||
		fail "c1 $c1 does not answer before the stop" || return 1
	ports=$(h1 ip -o link show master $BR1) && [ -n "$ports" ] ||
		fail "$BR1 has no port before the stop" || return 1
	ic h1 stop -f c1 || fail "incus stop c1" || return 1
	ports=$(h1 ip -o link show master $BR1) && [ -z "$ports" ] ||
		fail "ports on $BR1 after the stop: $ports" || return 1
	if ic h2 exec c2 -- ping -q -c 1 -W 2 "$c1"; then
		fail "$c1 still answers with c1 stopped"
		return 1
	fi
}

# incusd_stop HOST: SIGTERM, and wait for it to go
incusd_stop()
{
	local n=$1 p end
	[ -e "$tmp/incusd-$n.pid" ] || return 0
	p=$(< "$tmp/incusd-$n.pid")
	kill "$p" 2>/dev/null || return 0
	end=$((SECONDS + LEASE_TIMEOUT))
	while kill -0 "$p" 2>/dev/null; do
		[ $SECONDS -lt $end ] || { kill -9 "$p"; echo "incusd $p on $n ignored SIGTERM for 60 s"; return 1; }
		sleep 0.2
	done
	rm -f "$tmp/incusd-$n.pid"
}

# Everything of Incus goes: nothing left on the bridges or in the hosts,
# and fanctl down takes the fans down with nothing left.
test_down()
{
	local n p v
	local -A pids
	# c2 still runs: fanctl down keeps h2's fan (its veth is a port)
	v=$(ic h2 config get c2 volatile.eth0.host_name) || return 1
	expect_rc 3 f2 down $OV ib0/16 || return 1
	echo "$out"
	[ "$out" = "fanctl: bridge $BR2 of $OV over ib0/16 has 1 port ($v), containers may use it: not taken down (stop them first, or use --force)" ] ||
		fail "fanctl down with c2 running: '$out'" || return 1
	for n in h1 h2; do
		{
			ic "$n" delete -f "${CT[$n]}" &&
			ic "$n" image delete $IMAGE &&
			ic "$n" profile delete fan &&
			ic "$n" profile device remove default root &&
			ic "$n" storage delete default
		} > "$tmp/down-$n" 2>&1 &
		pids[$n]=$!
	done
	for n in h1 h2; do
		wait "${pids[$n]}" || fail "$n: $(< "$tmp/down-$n")" || return 1
	done
	echo "h1, h2: containers, image, profile fan, storage pool deleted"
	[ -z "$(h1 ip -o link show master $BR1; h2 ip -o link show master $BR2)" ] ||
		fail "bridge ports left: $(h1 ip -o link show master $BR1; h2 ip -o link show master $BR2)" ||
		return 1
	incusd_stop h1 && incusd_stop h2 || fail "incusd did not stop" || return 1
	for n in h1 h2; do
		for p in $(ip netns pids "${HOST[$n]}"); do
			# fanctl's own: dnsmasq and its supervisor (until down)
			case $(cat "/proc/$p/comm" 2>/dev/null) in
			dnsmasq|fanctl-dhcp) continue ;;
			esac
			fail "process left in $n: $p $(tr '\0' ' ' < "/proc/$p/cmdline")" || return 1
		done
	done
	# LXC's cgroups: the containers' went with them, its pivot stays
	if compgen -G "/sys/fs/cgroup/lxc.payload.*" > /dev/null; then
		fail "container cgroups left: $(ls -d /sys/fs/cgroup/lxc.*)"
		return 1
	fi
	[ ! -d /sys/fs/cgroup/lxc.pivot ] || rmdir /sys/fs/cgroup/lxc.pivot ||
		fail "cannot remove /sys/fs/cgroup/lxc.pivot" || return 1
	echo "incusd stopped on both hosts, no process of theirs left"
	expect_rc 0 f1 down $OV ib0/16 && expect_rc 0 f2 down $OV ib0/16 || return 1
	nothing_left "$H1" && nothing_left "$H2"
}

# After a failure: whatever is left of the daemons and their containers.
test_cleanup()
{
	local n p g
	for n in h1 h2; do
		[ -e "$tmp/incusd-$n.pid" ] || continue
		# (a wedged daemon must not hold the cleanup)
		timeout 60 env INCUS_DIR="$(idir "$n")" INCUS_CONF="$tmp/incus-cli" \
			incus delete -f "${CT[$n]}" > /dev/null 2>&1
		incusd_stop "$n" > /dev/null
		for p in $(ip netns pids "${HOST[$n]}" 2>/dev/null); do
			kill -9 "$p" 2>/dev/null
		done
	done
	for g in /sys/fs/cgroup/lxc.payload.* /sys/fs/cgroup/lxc.monitor.* /sys/fs/cgroup/lxc.pivot; do
		[ -d "$g" ] || continue
		echo 1 > "$g/cgroup.kill" 2>/dev/null
		rmdir "$g"/*/ "$g" 2>/dev/null
	done
	wait 2>/dev/null
}

# make deps installs incus-base, busybox and jq: missing, the test fails.
[ -x "$INCUSD" ] && command -v incus > /dev/null ||
	ktap_exit_fail_msg "no $INCUSD or incus (make deps installs incus-base from bookworm-backports)"
command -v busybox > /dev/null || ktap_exit_fail_msg "no busybox (make deps installs busybox-static)"
command -v jq > /dev/null || ktap_exit_fail_msg "no jq (make deps)"
[ -e /sys/fs/cgroup/cgroup.controllers ] || ktap_exit_fail_msg "no cgroup2 on /sys/fs/cgroup"
memcg_warm_up
TESTS="
fanctl_incus_profile test_profile
incusd_per_host test_incusd
containers_on_slices_by_dhcp test_containers
ping_and_file_across_hosts test_traffic
stopped_container_answers_no_more test_stopped
incus_down_clean test_down
"
fanctl_main
