#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-check of run-vm.sh on one kernel (default: all installed): exit code
# pass-through, FAN_IN_VM, writable cwd share at the same path, writable
# root that does not leak to the host, modules from the host, the
# mounts tests rely on, splat detection (exit 3) and the timeout (124);
# the splat pattern and the taint check on sample input, and run_tests.sh
# on fake tests (a splat, one that scrolled out of the ring buffer, new
# taint and a skip must show in its verdicts;
# needs make modules).  make check runs it on the newest kernel.
# KTAP output.  Usage: selftests/vm/selftest.sh [KVER...]

# shellcheck source-path=SCRIPTDIR
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/ktap.sh
. "$here/../lib/ktap.sh"

kvers=("$@")
if [ ${#kvers[@]} -eq 0 ]; then
	mapfile -t kvers < <(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V)
fi

# shellcheck source=../lib/dmesg.sh
. "$here/../lib/dmesg.sh"
top=$(cd "$here/../.." && pwd)

ktap_print_header
ktap_set_plan $((${#kvers[@]} * 5 + 3))

# The splat pattern on the lines real splats begin with (no VM needed),
# and on the lines that must pass.
splat_lines=(
	"WARNING: CPU: 0 PID: 1 at net/core/dev.c:1 f+0x1/0x2"
	"BUG: KASAN: slab-use-after-free in fan_xmit+0x1/0x2"
	"kernel BUG at net/core/skbuff.c:123!"
	"invalid opcode: 0000 [#1] PREEMPT SMP NOPTI"
	"Oops: general protection fault, probably for non-canonical address"
	"rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:"
	"rcu: INFO: rcu_sched self-detected stall on CPU"
	"INFO: task kworker/0:1:12 blocked for more than 122 seconds."
	"watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [ip:99]"
	"refcount_t: underflow; use-after-free."
	"unregister_netdevice: waiting for ftun0 to become free. Usage count = 2"
	"unreferenced object 0xffff888 (size 64): kmemleak"
	"Kernel panic - not syncing: Fatal exception"
	"BUG: sleeping function called from invalid context at mm/slab.h:1"
	"WARNING: possible circular locking dependency detected"
)
quiet_lines=(
	"fan: loading out-of-tree module taints kernel."
	"fan: module verification failed: signature and/or required key missing - tainting kernel"
	"fan-selftest: run fan_basic.sh 1 2"
	"fan-vm: command start"
	"br0: port 1(veth0) entered forwarding state"
)
missed=()
for l in "${splat_lines[@]}"; do
	splat_filter <<< "$l" > /dev/null || missed+=("not matched: $l")
done
for l in "${quiet_lines[@]}"; do
	! splat_filter <<< "$l" > /dev/null || missed+=("matched: $l")
done
if [ ${#missed[@]} -eq 0 ]; then
	ktap_test_pass "splat pattern: ${#splat_lines[@]} splat lines matched, ${#quiet_lines[@]} others not"
else
	ktap_print_msg "$(printf '%s\n' "${missed[@]}")"
	ktap_test_fail "splat pattern: ${#splat_lines[@]} splat lines matched, ${#quiet_lines[@]} others not"
fi
# taint_new on a fake /proc value: O and E pass, W and D do not.
if [ "$(FAN_TAINT_NOW=$((4096 | 8192 | 512 | 128)) taint_new 4096)" = "0x280 (DW)" ] &&
   [ -z "$(FAN_TAINT_NOW=$((4096 | 8192)) taint_new 0)" ]; then
	ktap_test_pass "taint: W and D are new taint, O and E are not"
else
	ktap_test_fail "taint: W and D are new taint, O and E are not"
fi

# --peer-nic's argument is checked before anything boots (run-vm-pair.sh
# and selftests/rdma run the option itself): a bad one is a usage error,
# a good one is not (the command is then missing: a usage error too,
# but a different one).
bad=$("$here/run-vm.sh" --peer-nic listen:rel/path -- true 2>&1)
rc_bad=$?
good=$("$here/run-vm.sh" --peer-nic connect:/tmp/x.sock 2>&1)
if [ "$rc_bad" = 2 ] && [ "$bad" = "run-vm: --peer-nic needs listen:SOCKET or connect:SOCKET (an absolute path, no commas), not 'listen:rel/path'" ] &&
   [[ "$good" == usage:* ]]; then
	ktap_test_pass "run-vm.sh --peer-nic: a relative socket path is refused, an absolute one taken"
else
	ktap_print_msg "exit $rc_bad: $bad"$'\n'"$good"
	ktap_test_fail "run-vm.sh --peer-nic: a relative socket path is refused, an absolute one taken"
fi

work=$(mktemp -d "$PWD/.fan-vm-selftest.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
probe=/etc/fan-vm-selftest-$$

# Runs inside the VM; every check prints "fail: ..." so the host sees why.
cat > "$work/inside.sh" <<INSIDE
#!/bin/bash
[ "\$FAN_IN_VM" = 1 ] || echo "fail: FAN_IN_VM"
[ "\$(pwd -P)" = "$PWD" ] || echo "fail: cwd \$(pwd -P)"
[ "\$(id -u)" = 0 ] || echo "fail: not root"
[ "\$FAN_SELFTEST_VAR" = "a b'c" ] || echo "fail: env pass-through"
echo written > "$work/from-vm" || echo "fail: cwd share not writable"
echo x > $probe || echo "fail: root not writable"
for m in /proc /sys /dev /dev/pts /dev/shm /tmp /run /sys/kernel/debug /sys/fs/cgroup; do
	grep -q " \$m " /proc/mounts || echo "fail: \$m not mounted"
done
[ "\$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || echo "fail: cgroup2"
modprobe veth && ip link add fvst0 type veth peer name fvst1 || echo "fail: veth"
ip netns add fvst && ip netns del fvst || echo "fail: ip netns"
echo "args: \$#: \$1|\$2"
exit 7
INSIDE
chmod +x "$work/inside.sh"

for k in "${kvers[@]}"; do
	out=$(FAN_SELFTEST_VAR="a b'c" "$here/run-vm.sh" -k "$k" --timeout 600 \
		--dmesg "$work/dmesg" -- "$work/inside.sh" "one two" "*" 2>&1)
	rc=$?
	if [ "$rc" = 7 ] && ! grep -q '^fail:' <<< "$out" &&
	   grep -q '^args: 2: one two|\*$' <<< "$out"; then
		ktap_test_pass "$k: exit code, arguments, environment and mounts"
	else
		ktap_print_msg "rc=$rc"$'\n'"$out"
		ktap_test_fail "$k: exit code, arguments, environment and mounts"
	fi
	if [ "$(cat "$work/from-vm" 2>/dev/null)" = written ] && [ ! -e "$probe" ] &&
	   grep -q 'fan-vm: command end rc=7' "$work/dmesg"; then
		ktap_test_pass "$k: cwd share writable, root changes stay in the VM, --dmesg"
	else
		ktap_test_fail "$k: cwd share writable, root changes stay in the VM, --dmesg"
	fi
	rm -f "$work/from-vm"

	out=$(FAN_VM_SELFTEST_SPLAT=1 "$here/run-vm.sh" -k "$k" --timeout 600 -- true 2>&1)
	rc=$?
	if [ "$rc" = 3 ] && grep -q 'WARNING: fan-vm splat self-test' <<< "$out"; then
		ktap_test_pass "$k: a kernel WARNING fails the run with exit 3"
	else
		ktap_print_msg "rc=$rc"$'\n'"$out"
		ktap_test_fail "$k: a kernel WARNING fails the run with exit 3"
	fi

	# run_tests.sh on tests that misbehave: a splat (an RCU stall line),
	# new taint and a skip must each show in its verdict.
	if [ -r "$top/build/modules/$k/fan.ko" ]; then
		printf '%s\n' '#!/bin/bash' \
			'echo "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks: probe" > /dev/kmsg' \
			> "$work/t-splat.sh"
		printf '%s\n' '#!/bin/bash' 'echo 512 > /proc/sys/kernel/tainted' > "$work/t-taint.sh"
		printf '%s\n' '#!/bin/bash' 'echo "1..0 # SKIP probe reason"; exit 4' > "$work/t-skip.sh"
		printf '%s\n' '#!/bin/bash' 'exit 0' > "$work/t-pass.sh"
		# A WARNING that scrolls out of the ring buffer before the
		# check: only the followed log still has it.
		printf '%s\n' '#!/bin/bash' \
			'echo "WARNING: fan-vm probe, then a flood" > /dev/kmsg' \
			'pad=$(printf "%0200d" 0)' \
			'for i in $(seq 4000); do echo "fan-vm flood $i $pad" > /dev/kmsg; done' \
			'dmesg | grep -q "probe, then a flood" && echo "flood too small: the ring buffer kept it"' \
			> "$work/t-flood.sh"
		# ipoib_emu.ko loaded and left: the next ipoib_emu test would
		# skip its unload checks.
		printf '%s\n' '#!/bin/bash' "insmod $top/build/modules/$k/ipoib_emu.ko" \
			> "$work/t-emu.sh"
		chmod +x "$work"/t-*.sh
		out=$("$here/run-vm.sh" -k "$k" --timeout 600 -- "$top/selftests/run_tests.sh" \
			"$work/t-pass.sh" "$work/t-splat.sh" "$work/t-taint.sh" "$work/t-skip.sh" \
			"$work/t-flood.sh" "$work/t-emu.sh" "$work/t-pass.sh" 2>&1)
		rc=$?
		if [ "$rc" = 3 ] &&
		   grep -q "^ok 1 selftests: net: $work/t-pass.sh\$" <<< "$out" &&
		   grep -q "^not ok 2 selftests: net: $work/t-splat.sh # kernel splat" <<< "$out" &&
		   grep -q "^not ok 3 selftests: net: $work/t-taint.sh # taint 0x200 (W)" <<< "$out" &&
		   grep -q "^ok 4 selftests: net: $work/t-skip.sh # SKIP probe reason" <<< "$out" &&
		   grep -q "^not ok 5 selftests: net: $work/t-flood.sh # kernel splat" <<< "$out" &&
		   ! grep -q "flood too small" <<< "$out" &&
		   grep -q "^not ok 6 selftests: net: $work/t-emu.sh # left ipoib_emu.ko loaded" <<< "$out" &&
		   grep -q "^ok 7 selftests: net: $work/t-pass.sh\$" <<< "$out" &&
		   grep -q "^not ok 8 fan: rmmod and final kernel log check" <<< "$out"; then
			ktap_test_pass "$k: run_tests.sh fails a splat (one out of the ring buffer too), new taint and a left ipoib_emu.ko, gives a skip's reason"
		else
			ktap_print_msg "rc=$rc"$'\n'"$out"
			ktap_test_fail "$k: run_tests.sh fails a splat (one out of the ring buffer too), new taint and a left ipoib_emu.ko, gives a skip's reason"
		fi
	else
		ktap_print_msg "no $top/build/modules/$k/fan.ko (make modules)"
		ktap_test_fail "$k: run_tests.sh fails a splat (one out of the ring buffer too), new taint and a left ipoib_emu.ko, gives a skip's reason"
	fi

	# A hang: the runner must kill the VM and still show the kernel log
	# (followed live) when the command got to run.
	start=$SECONDS
	out=$("$here/run-vm.sh" -k "$k" --timeout 60 -- \
		sh -c 'echo "WARNING: fan-vm hang probe" > /dev/kmsg; sleep 600' 2>&1)
	rc=$?
	if [ "$rc" = 124 ] && [ $((SECONDS - start)) -lt 100 ] && grep -q TIMEOUT <<< "$out" &&
	   { ! grep -q 'boot to command' <<< "$out" || grep -q 'WARNING: fan-vm hang probe' <<< "$out"; }; then
		ktap_test_pass "$k: --timeout kills the VM with exit 124, shows the log"
	else
		ktap_print_msg "rc=$rc after $((SECONDS - start))s"$'\n'"$out"
		ktap_test_fail "$k: --timeout kills the VM with exit 124, shows the log"
	fi
done

ktap_finished
