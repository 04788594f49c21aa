#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# link_fan.so with the ip of every Debian suite of the kernel matrix, each
# run in its own root against the booted kernel: the host's (bookworm) and
# those of the suite chroots scripts/kernel-chroot.sh made (make check
# makes them before the VMs start; bullseye's iproute2 5.10.0, whose ip
# -V says 5.9.0, and sid's).  For each: check-ip.sh's verdict run in that
# root (release, ip's exports, the C library) and the plugin directory it
# finds in that ip; ip knowing no fan before the plugin is there; then
# add, show in text and JSON, set, a map the kernel refuses (its extack
# message through that ip, nothing changed), the per-reason counters,
# help and delete, each read back from the kernel with fan_nl.py.  The
# chroots are the VM's overlay of the host's: what the test installs in
# them is gone with the VM.
#
# Environment: FAN_CHROOTS (the suites; default: scripts/kernel-chroot.sh
# --list; set but empty: only the host's ip, the chroots skipped) and
# FAN_CHROOT_CACHE (as scripts/kernel-chroot.sh).

. "$(dirname "$0")/fan_lib.sh"

PLUGIN_DIR=$FAN_TOP/tools/iproute2
SO=$PLUGIN_DIR/link_fan.so
# Where the plugin and its checker are copied in each root.
STAGE=/tmp/fan-iproute2-suites
# ip reads it (from 6.x); every ip here loads from its compiled-in place.
unset IP_LIB_DIR

ROOT=/
# sip ARGS...: the current root's ip in h1
sip() { ip netns exec "$(ns h1)" chroot "$ROOT" ip "$@"; }
nl() { ns_exec h1 python3 "$FAN_NL" "$@"; }
in_root() { chroot "$ROOT" "$@"; }

# the plugin directory each suite's ip was built with (Debian's LIBDIR/ip)
want_lib_dir()
{
	case $1 in
	bullseye) echo /usr/lib/ip ;;
	*) echo /usr/lib/x86_64-linux-gnu/ip ;;
	esac
}

# A plugin that imports one symbol of ip's and arc4random@GLIBC_2.36: it
# fits an ip with glibc >= 2.36 and is refused on older ones (bullseye).
build_newlibc_so()
{
	printf '%s\n' '#include <stdlib.h>' 'void print_nl(void);' \
		'unsigned int f(void) { print_nl(); return arc4random(); }' > "$FAN_TMP/newlibc.c"
	cc -shared -fPIC -o "$FAN_TMP/newlibc.so" "$FAN_TMP/newlibc.c"
}

# verdict SUITE: check-ip.sh, run in the root, says link_fan.so fits its
# ip and names the suite's plugin directory; a plugin needing glibc 2.36
# is refused exactly where the root's C library is older.
verdict()
{
	local suite=$1 out libc_ver
	out=$(in_root "$STAGE/check-ip.sh" /bin/ip "$STAGE/link_fan.so") || { echo "$out"; return 1; }
	echo "$out"
	[ "$LIB_DIR" = "$(want_lib_dir "$suite")" ] ||
		{ echo "plugin directory $LIB_DIR, not $(want_lib_dir "$suite")"; return 1; }
	grep -qx "link_fan.so: fits /bin/ip (iproute2 [0-9.]*, 10 symbols of ip's; its plugins: $LIB_DIR)" \
		<<< "$out" || return 1
	libc_ver=$(in_root ldd --version | sed -n '1s/.* \([0-9][0-9]*\.[0-9][0-9]*\)$/\1/p')
	echo "glibc $libc_ver"
	if [ "$(printf '%s\n' 2.36 "$libc_ver" | sort -V | head -n1)" = 2.36 ]; then
		in_root "$STAGE/check-ip.sh" /bin/ip "$STAGE/newlibc.so"
	else
		expect_fail "^link_fan.so: not for /bin/ip: its C library .*libc.so.6 lacks arc4random@GLIBC_2.36 \(build link_fan.so on this system\)$" \
			in_root "$STAGE/check-ip.sh" /bin/ip "$STAGE/newlibc.so"
	fi
}

# Without the plugin that ip takes no fan words (the control for what
# follows); with it installed where check-ip.sh said, it does.
install_plugin()
{
	[ -n "$LIB_DIR" ] || { echo "check-ip.sh --lib-dir found no plugin directory"; return 1; }
	[ ! -e "$ROOT$LIB_DIR/link_fan.so" ] || { echo "a link_fan.so is in $ROOT$LIB_DIR already"; return 1; }
	expect_fail '^Garbage instead of arguments "dev ...". Try "ip link help".$' \
		sip link add ftun0 type fan dev "$UL_DEV" map 250.0.0.0/8:10.7.0.0/16 || return 1
	[ -z "$(fan_devs h1)" ] || { echo "a fan device was made"; return 1; }
	install -D -m 0644 "$SO" "$ROOT$LIB_DIR/link_fan.so" || return 1
	cleanup_add "rm -f '$ROOT$LIB_DIR/link_fan.so'"
}

add()
{
	sip link add ftun0 type fan dev "$UL_DEV" map 250.0.0.0/8:10.7.0.0/16 ttl 9 || return 1
	nl get ftun0 | tee "$FAN_TMP/get"
	[ "$(grep '^map' "$FAN_TMP/get")" = "map 250.0.0.0/8 10.7.0.0/16" ] &&
	grep -qx "link $(ns_exec h1 cat "/sys/class/net/$UL_DEV/ifindex")" "$FAN_TMP/get" &&
	grep -qx 'ttl 9' "$FAN_TMP/get" && grep -qx 'tos 1' "$FAN_TMP/get"
}

show()
{
	local out want="fan dev $UL_DEV map 250.0.0.0/8:10.7.0.0/16 mode ipip ttl 9 tos inherit pmtudisc strict "
	out=$(sip -d link show ftun0) || return 1
	echo "$out"
	grep -qF -- "$want" <<< "$out" || { echo "no line with: $want"; return 1; }
	out=$(sip -d -j link show ftun0) || return 1
	jq -c '.[0].linkinfo' <<< "$out"
	jq -e --arg ul "$UL_DEV" '.[0].linkinfo.info_kind == "fan" and
		(.[0].linkinfo.info_data | .link == $ul and .ttl == 9 and .tos == 1 and
		 .pmtudisc == true and .strict == true and
		 .maps == [{"overlay": "250.0.0.0/8", "underlay": "10.7.0.0/16", "mode": "ipip"}])' \
		<<< "$out" > /dev/null
}

# ip link set replaces the map set; ip -j shows what the kernel holds.
set_maps()
{
	local j
	sip link set ftun0 type fan map 251.0.0.0/8:10.7.0.0/16 \
		map 252.0.0.0/8:10.7.0.0/16 mode direct ttl inherit || return 1
	nl get ftun0 > "$FAN_TMP/set"
	cat "$FAN_TMP/set"
	[ "$(grep '^map' "$FAN_TMP/set" | tr '\n' ',')" = \
	  "map 251.0.0.0/8 10.7.0.0/16,map 252.0.0.0/8 10.7.0.0/16 mode direct," ] &&
	grep -qx 'ttl 0' "$FAN_TMP/set" || return 1
	j=$(sip -d -j link show ftun0 | jq -c '.[0].linkinfo.info_data.maps') || return 1
	echo "$j"
	[ "$j" = '[{"overlay":"251.0.0.0/8","underlay":"10.7.0.0/16","mode":"ipip"},{"overlay":"252.0.0.0/8","underlay":"10.7.0.0/16","mode":"direct"}]' ]
}

# A map with host bits set: the kernel's extack message, as that ip
# prints it, and the device as it was.
refused()
{
	local before after
	before=$(nl get ftun0) || return 1
	expect_fail '^Error: overlay prefix has host bits set\.$' \
		sip link set ftun0 type fan map 253.1.0.0/8:10.7.0.0/16 || return 1
	after=$(nl get ftun0) || return 1
	[ "$before" = "$after" ] || { echo "changed: $(diff <(echo "$before") <(echo "$after"))"; return 1; }
}

# ip -d -s: the per-reason counters as the kernel counts them (a packet
# to an overlay no map covers is tx_no_map).
counters()
{
	local kernel j
	sip link set ftun0 up && sip route add 203.0.113.0/24 dev ftun0 || return 1
	ns_exec h1 ping -c1 -W1 203.0.113.9 > /dev/null 2>&1
	kernel=$(nl get ftun0 | sed -n 's/^tx_no_map //p')
	echo "kernel: tx_no_map $kernel"
	[ "$kernel" = 1 ] || return 1
	sip -d -s link show ftun0 | tee "$FAN_TMP/s" | grep -q "tx_no_map 1 tx_bad_host 0 " || return 1
	j=$(sip -d -s -j link show ftun0 | jq -c '.[0].linkinfo.info_xstats') || return 1
	echo "$j"
	jq -e '.tx_no_map == 1 and .rx_plain == 0' <<< "$j" > /dev/null
}

help_text()
{
	local out
	out=$(in_root ip link help fan 2>&1)
	echo "$out"
	grep -qF "map OVERLAY/LEN:UNDERLAY/LEN" <<< "$out" && grep -qF "[no]pmtudisc" <<< "$out"
}

deleted()
{
	[ "$(fan_devs h1)" = ftun0 ] || return 1
	sip link del ftun0 || return 1
	[ -z "$(fan_devs h1)" ]
}

# suite_tests SUITE: everything above with ROOT's ip
suite_tests()
{
	local suite=$1 label d
	label="$suite: iproute2 $(in_root dpkg-query -W -f '${Version}' iproute2)"
	# The checker and the plugins in the root; where its ip loads from.
	mkdir -p "$ROOT$STAGE" &&
	cp "$PLUGIN_DIR/check-ip.sh" "$PLUGIN_DIR/iproute2_abi.h" "$SO" \
		"$FAN_TMP/newlibc.so" "$ROOT$STAGE/" || ktap_exit_fail_msg "cannot copy into $ROOT$STAGE"
	LIB_DIR=$(in_root "$STAGE/check-ip.sh" --lib-dir /bin/ip)
	subtest "$label: check-ip.sh in its root: link_fan.so fits its ip" verdict "${suite%% *}"
	subtest "$label: ip knows no fan until link_fan.so is in $LIB_DIR" install_plugin
	subtest "$label: ip link add ... type fan: the kernel holds what was asked" add
	subtest "$label: ip -d and ip -d -j link show" show
	subtest "$label: ip link set replaces the map set" set_maps
	subtest "$label: a bad map gets the kernel's extack message" refused
	subtest "$label: ip -d -s link show: the per-reason counters" counters
	subtest "$label: ip link help fan" help_text
	subtest "$label: ip link del" deleted
	# whatever a failure left, so the next suite starts clean
	for d in $(fan_devs h1); do ns_ip h1 link del "$d"; done
}

fan_host h1 10.7.3.4/16 || ktap_exit_fail_msg "setup failed"
make -s -C "$PLUGIN_DIR" link_fan.so || ktap_exit_fail_msg "cannot build link_fan.so"
build_newlibc_so || ktap_exit_fail_msg "cannot build the glibc 2.36 test plugin"
cleanup_add "rm -rf '$STAGE'"

host_suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
ROOT=/
suite_tests "$host_suite (host)"

if [ "${FAN_CHROOTS+set}" = set ] && [ -z "$FAN_CHROOTS" ]; then
	subtest "the suites' chroots" sh -c "echo 'FAN_CHROOTS is empty: the host ip only'; exit $KSFT_SKIP"
else
	for suite in ${FAN_CHROOTS-$("$FAN_TOP/scripts/kernel-chroot.sh" --list)}; do
		if ! envf=$("$FAN_TOP/scripts/kernel-chroot.sh" --env-file "$suite"); then
			subtest "$suite: its chroot" sh -c "echo 'no chroot for $suite: make check makes it (scripts/kernel-chroot.sh $suite)'; exit 1"
			continue
		fi
		ROOT=$(. "$envf" && echo "$ROOT")
		cleanup_add "rm -rf '$ROOT$STAGE'"
		suite_tests "$suite"
	done
fi

fan_finish
