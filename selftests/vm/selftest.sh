#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-check of run-vm.sh on one kernel (default: all installed): exit code
# pass-through, FAN_IN_VM, writable cwd share at the same path, writable
# root that does not leak to the host, modules from the host, the
# mounts tests rely on, splat detection (exit 3) and the timeout (124).
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

ktap_print_header
ktap_set_plan $((${#kvers[@]} * 4))

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
