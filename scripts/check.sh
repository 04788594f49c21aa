#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: everything, on every kernel.  Builds fan.ko for each kernel
# and fanctl, lints the kernel code (W=1, sparse, checkpatch), builds it
# through DKMS, runs the unit tests and fanctl's parser fuzzers, builds (or
# reuses) the debug kernel, then boots each kernel in the VM and runs the
# selftests over a veth underlay and over the emulated IPoIB fabric, and
# DEBUG_TESTS on the debug kernel (KASAN, kmemleak, lockdep).  Ends with
# the line "N passed, N failed, N skipped" (KTAP subtests plus the other
# steps), after a line per VM run with its own counts.  A skip is
# listed with its reason, and fails the run unless selftests/expected-skips
# expects it on that kernel and underlay; a VM that dies counts every test
# it did not report as failed.
#
# The kernels: those installed on this machine (6.1 and 6.12) and one
# from each other Debian suite in FAN_CHROOTS (default "bullseye sid":
# 5.10 and the newest), built against in a chroot of its suite
# (scripts/kernel-chroot.sh, cached in /var/cache/fan-chroots).  The
# tiers: FAN_FULL_KERNELS (default: the newest installed one) and the
# debug kernel run every test, the other kernels the core
# (CORE_TESTS in selftests/Makefile) and the other installed (LTS) one
# the container engines too (ENGINE_TESTS), the veth underlay the tests where
# the kind of underlay matters (VETH_TESTS) on the newest installed
# kernel; the RDMA test (two VMs, selftests/rdma)
# runs on the installed kernels.
#
# Environment: KVERS (kernels, default: all with headers), FAN_CHROOTS
# (suites; empty: none), FAN_FULL_KERNELS, FAN_RDMA (0: no RDMA pair
# runs; 1: them too when FAN_TESTS is set), FAN_TESTS (a subset of
# selftests), FAN_UNDERLAYS (default "ib veth"), FAN_VM_JOBS
# (VMs at once, default: the host's CPUs), FAN_DEBUG=0 (no debug kernel),
# DEBUG_TESTS (the tests it runs; the Makefile's default "all" is every
# one), DEBUG_VMS (VMs that share them, default 2), FUZZ_SECONDS (per
# parser fuzzer, default 15).

set -u
cd "$(dirname "$0")/.." || exit 2
top=$PWD
out=$top/build/check
mkdir -p "$out"

# Every kernel with headers installed, as the Makefile's KVERS.
kvers=${KVERS:-$(for k in $(ls /lib/modules | sort -V); do
	[ -e "/lib/modules/$k/build/Makefile" ] && echo "$k"; done | tr '\n' ' ')}
underlays=${FAN_UNDERLAYS:-ib veth}
passed=0
failed=0
skipped=0
failures=()
skips=()
per_run=()
lost=()
why=()

result()	# ok|fail NAME
{
	if [ "$1" = ok ]; then
		passed=$((passed + 1))
		echo "ok: $2"
	else
		failed=$((failed + 1))
		failures+=("$2")
		echo "FAILED: $2"
	fi
}

step()		# NAME LOG CMD...: a build/lint step, output in LOG; CMD's status
{
	local name=$1 log=$2
	shift 2
	echo "== $name"
	if "$@" > "$log" 2>&1; then
		result ok "$name"
	else
		tail -40 "$log"
		result fail "$name (log: $log)"
		return 1
	fi
}

# failure_details LOG: the diagnostics KTAP printed just before each failed
# subtest (at most 30 lines each), so a CI log shows why without the file.
failure_details()
{
	awk '
		/^# (not )?ok [0-9]+ |^(not )?ok [0-9]+ / {
			if ($0 ~ /not ok/ && n > 0) {
				print "---- why: " $0
				for (i = (n > 30 ? n - 30 : 0); i < n; i++) print buf[i]
			}
			n = 0
			next
		}
		/^# # / { buf[n++] = $0 }
	' "$1"
}

start=$(date +%s)
# The other suites' chroots, made (or found in the cache) in the
# background: on a fresh machine that is mostly download and unpacking,
# beside the builds below and the debug kernel's.
chroot_suites=${FAN_CHROOTS-$(scripts/kernel-chroot.sh --list)}
declare -A chroot_pid=()
for suite in $chroot_suites; do
	scripts/kernel-chroot.sh "$suite" > "$out/chroot-$suite.log" 2>&1 < /dev/null &
	chroot_pid[$suite]=$!
done
step "build fan.ko for: $kvers" "$out/build.log" make modules KVERS="$kvers"
step "build fanctl and link_fan.so" "$out/fanctl.log" make fanctl iproute2

# The debug kernel, built once per config into a cache outside the tree,
# then fan.ko and ipoib_emu.ko against it.  Before the VMs start: on a
# fresh machine its build is the long pole (7-8 minutes on two cores
# alone, over 20 with two VMs beside it); cached, it takes seconds.
debug=
if [ "${FAN_DEBUG:-1}" != 0 ] &&
   step "debug kernel and its modules (make debug-modules)" "$out/debug-build.log" \
	make debug-modules; then
	# shellcheck source=/dev/null
	debug=$(. "$(scripts/debug-kernel.sh --env-file)"; echo "$KVER")
fi

# Each suite's kernel: fan.ko and ipoib_emu.ko built in its chroot (the
# repository is bind-mounted there, so they land in build/modules/KVER).
chroot_kvers=
declare -A chroot_of=() kimg_of=() kmoddir_of=()
for suite in $chroot_suites; do
	echo "== chroot $suite (scripts/kernel-chroot.sh, log: $out/chroot-$suite.log)"
	if ! wait "${chroot_pid[$suite]}"; then
		tail -30 "$out/chroot-$suite.log"
		result fail "the $suite chroot and its kernel (log: $out/chroot-$suite.log)"
		continue
	fi
	# shellcheck source=/dev/null
	envs=$(. "$(scripts/kernel-chroot.sh --env-file "$suite")" &&
	       echo "$KVER $KIMG $KMODDIR")
	read -r k ki km <<< "$envs"
	step "build fan.ko for: $k (in the $suite chroot)" "$out/build-$suite.log" \
		scripts/kernel-chroot.sh --run "$suite" make modules KVERS="$k" || continue
	chroot_of[$k]=$suite kimg_of[$k]=$ki kmoddir_of[$k]=$km
	chroot_kvers+="$k "
done

# The VM runs, as "KVER UNDERLAY TESTSET LOGNAME".  On each Debian kernel
# the first underlay runs every test, the others only the tests whose
# hosts sit on the underlay (the rest build their own fabric and would
# repeat themselves).  The debug kernel takes 4-9x as long as Debian's
# per test, so DEBUG_VMS VMs share its list: each claims the next test no
# other has taken (run_tests.sh, FAN_TEST_CLAIMS).  They start first,
# the Debian runs (longest first) take each slot a debug VM frees.
# FAN_VM_JOBS at once, one per host CPU: a VM keeps a host CPU busy (one
# thread runs both vCPUs).  Measured on two CPUs, the same tests in three
# VMs at once took 18% (Debian's kernel) to 24% (the debug kernel) more
# CPU time per VM than in two; process-heavy ones such as
# fanctl_errors.sh twice as much.  Three qemu processes, each with its own
# translated code, take turns on two CPUs.
suite=$(make -s -C selftests list | tr '\n' ' ')
all_tests=${FAN_TESTS:-$suite}
# The other underlays (veth): where the kind of underlay matters
# (VETH_TESTS), or every test on an underlay with FAN_ALL_UNDERLAYS=1.
ul_list=list_veth
[ -z "${FAN_ALL_UNDERLAYS:-}" ] || ul_list=list_underlay
ul_tests=${FAN_TESTS:-$(make -s -C selftests $ul_list | tr '\n' ' ')}
core_tests=${FAN_TESTS:-$(make -s -C selftests list_core | tr '\n' ' ')}
engine_tests=${FAN_TESTS:-$(make -s -C selftests list_engines | tr '\n' ' ')}
debug_tests=${DEBUG_TESTS:-$(make -s print-debug-tests)}
[ "$debug_tests" != all ] || debug_tests=$suite
# Longest first, so that the VMs sharing a list end close together:
# the debug kernel's seconds per test (2026-12-07: a rehearsal, two VMs
# on two CPUs, and single runs since; kmemleak on for KMEMLEAK_TESTS;
# fan_churn.sh runs for a set time).  A test not listed here goes first.
by_time="fan_direct.sh:253 fan_churn.sh:225 fan_underlay.sh:200 fanctl_mode.sh:170
	fanctl_incus.sh:169 fanctl_docker.sh:149 fanctl_podman.sh:141
	fan_maps.sh:150 fan_teardown.sh:134 fan_drops.sh:121 fan_pmtu.sh:120
	fanctl_nat_dhcp.sh:116 fanctl_lock.sh:113 fan_srcaddr.sh:111
	fanctl_ubuntu.sh:107 fan_validate.sh:106 ipoib_emu_basic.sh:104
	fanctl_updown.sh:100 fanctl_errors.sh:99 fan_nlfuzz.sh:92
	fan_basic.sh:85 fan_iproute2_suites.sh:83 fan_iproute2.sh:80
	fan_netns_exit.sh:64 fanctl_rollback.sh:63 fan_regfail.sh:62
	fanctl_notrack.sh:62 ipoib_fan.sh:61 fanctl_shared.sh:60
	fan_ipsec.sh:59 fanctl_busy.sh:58 fanctl_ifupdown.sh:53
	fan_hostile.sh:52 fan_mtu.sh:43 fan_ipip_coexist.sh:43
	ipoib_emu_config.sh:43 fanctl_sync.sh:42 fan_txerr.sh:41
	fan_outer.sh:38 fan_vti.sh:37 fanctl_record.sh:36
	fanctl_config.sh:35 fanctl_cni.sh:31 fanctl_bridge_mac.sh:31
	fan_bcast.sh:29 vm_smoke.sh:14"
declare -A known=()
for e in $by_time; do known[${e%:*}]=1; done
ordered=()
for t in $debug_tests; do [ -n "${known[$t]:-}" ] || ordered+=("$t"); done
for e in $by_time; do
	[[ " $debug_tests " != *" ${e%:*} "* ]] || ordered+=("${e%:*}")
done
debug_tests=${ordered[*]}
# KMEMLEAK_TESTS go to the first debug VM, which has kmemleak on; the
# others boot with kmemleak=off (half the time under TCG for
# process-heavy tests: kmemleak tracks each of their allocations) and
# share the rest.
kml=" $(make -s -C selftests list_kmemleak | tr '\n' ' ') "
debug_kml=() debug_rest=()
for t in "${ordered[@]}"; do
	if [[ $kml == *" $t "* ]]; then debug_kml+=("$t"); else debug_rest+=("$t"); fi
done
claims=$out/claims-debug
debug_vms=${DEBUG_VMS:-2}
jobs=${FAN_VM_JOBS:-$(nproc)}
runs=()
# The debug VMs first: the longest runs.
for ((i = 1; i <= debug_vms; i++)); do
	[ -n "$debug" ] || break
	# one with nothing of its own to take would only boot
	[ "$i" = 1 ] || [ ${#debug_rest[@]} -gt 0 ] || break
	runs+=("$debug ib debug:$i $debug-ib-$i")
done
# The first underlay (the emulated IPoIB) runs everything on the full
# kernels and the core on the others; the other underlays only the
# tests where the kind of underlay matters, on the newest installed
# kernel: what veth changes is the underlay, not the kernel's API, and
# the CI budget is an hour.
newest=$(echo "$kvers" | awk '{ print $NF }')
full=" ${FAN_FULL_KERNELS:-$newest} "
first=1
later=()
for ul in $underlays; do
	for k in $kvers $chroot_kvers; do
		if [ -n "$first" ]; then
			# The installed kernels are the LTS ones: the container
			# engines run on both.
			tier=core
			[ -n "${kimg_of[$k]:-}" ] || tier=core+engines
			[[ $full != *" $k "* ]] || tier=all
		else
			[ "$k" = "$newest" ] || [ -n "${FAN_ALL_UNDERLAYS:-}" ] || continue
			tier=underlay
		fi
		# longest first: the full runs before the others
		if [ "$tier" = all ]; then
			runs+=("$k $ul $tier $k-$ul")
		else
			later+=("$k $ul $tier $k-$ul")
		fi
	done
	first=
done
runs+=("${later[@]}")
# RDMA beside the fan (selftests/rdma): two VMs on one wire, each a fan
# host with soft-RoCE, on both LTS kernels.  Not on the debug kernel:
# two debug VMs at once for one test do not fit the hour.  The pair
# counts as one run in FAN_VM_JOBS (its two guests mostly wait on each
# other).
rdma=${FAN_RDMA:-1}
[ -z "${FAN_TESTS:-}" ] || rdma=${FAN_RDMA:-0}
if [ "$rdma" != 0 ]; then
	for k in $kvers; do
		runs+=("$k eth rdma $k-rdma")
	done
fi
# A fresh claims directory, and no debug logs of an earlier run with more VMs.
rm -rf "$claims" "$out/ktap-$debug-ib-"*.log*
mkdir -p "$claims"

vm_run()	# KVER UNDERLAY TESTSET LOGNAME: one VM, KTAP in LOG, rc in LOG.rc
{
	local k=$1 ul=$2 tests=$ul_tests log=$out/ktap-$4.log kopts=() t=2400 kmemleak_off=
	[ -z "${kimg_of[$k]:-}" ] ||
		kopts=(--kernel-image "${kimg_of[$k]}" --moddir "${kmoddir_of[$k]}")
	case $3 in
	all) tests=$all_tests ;;
	core) tests=$core_tests ;;
	core+engines) tests="$core_tests $engine_tests" ;;
	debug:*)
		# shellcheck source=/dev/null
		. "$(scripts/debug-kernel.sh --env-file)"
		# KASAN and lockdep make it several times slower: a shorter
		# changelink race (the netlink fuzz sends its 500 requests
		# however long they take), two churn rounds instead of three
		# (a guest still goes each way: its device deleted in the
		# loop, its namespace after it; a round takes a minute).
		kopts=(--kernel-image "$KIMG" --moddir "$KMODDIR"
		       -e FAN_RACE_TIME=5 -e FAN_CHURN_ROUNDS=2
		       -e FAN_TEST_CLAIMS="$claims")
		if [ "$3" = debug:1 ] && { [ "$debug_vms" -lt 2 ] || [ ${#debug_rest[@]} -eq 0 ]; }; then
			tests="${debug_kml[*]} ${debug_rest[*]}"
		elif [ "$3" = debug:1 ]; then
			# Not the others' tests: with kmemleak on they take
			# twice as long, and a Debian run can use the slot.
			tests=${debug_kml[*]}
		else
			tests=${debug_rest[*]}
			kmemleak_off=kmemleak=off
			# One vCPU: qemu runs a guest's vCPUs in turn on one
			# thread, and a second one only adds IPIs and TLB
			# shootdowns that wait for its turn.  Measured in two
			# make check runs: this VM's tests 5-18% faster (the
			# engines' least), the debug kernel's loops of ip,
			# netns, veth and nft 56 s against 77 s.  The tests that
			# race CPUs against each other (churn, teardown under
			# traffic, the route cache) are KMEMLEAK_TESTS: the
			# first VM, with two.
			kopts+=(-s 1)
		fi
		# On a slow two-core machine the first debug VM ran for 2,040 s
		# (the second joined after the Debian runs, at 1,380 s, and
		# both ended at 2,094 s); the timeout is for a hung VM.
		t=5400
		# A VM that joins late may find nothing left to take: its
		# boot and kmemleak scan would only cost the others time.
		if [ "$3" != debug:1 ] &&
		   [ "$(find "$claims" -mindepth 1 -maxdepth 1 | wc -l)" -ge "${#ordered[@]}" ]; then
			echo "# every debug test was taken before this VM started" > "$log"
			echo 0 > "$log.rc"
			echo "   skipped: $k, underlay $ul ($3): every test taken"
			return 0
		fi
		;;
	esac
	echo "   start: $k, underlay $ul ($3), at $(( $(date +%s) - start ))s"
	if [ "$3" = rdma ]; then
		# Its KTAP as one test file of run_tests.sh's output, so the
		# counting below reads it the same way.
		{
			echo "# selftests: rdma: rdma_fan.sh"
			selftests/rdma/run.sh -k "$k" "${kopts[@]}" --dmesg "$out/dmesg-$4.log" \
				< /dev/null 2>&1 | sed 's/^/# /'
			rc=${PIPESTATUS[0]}
			if [ "$rc" -eq 0 ]; then
				echo "ok 1 selftests: rdma: rdma_fan.sh"
			else
				echo "not ok 1 selftests: rdma: rdma_fan.sh # exit=$rc"
			fi
			echo "$rc" > "$log.rc"
		} > "$log"
		echo "   done: $k, underlay $ul ($3), at $(( $(date +%s) - start ))s"
		return 0
	fi
	# shellcheck disable=SC2086
	FAN_VM_APPEND="${FAN_VM_APPEND:-} $kmemleak_off" \
	selftests/vm/run-vm.sh -k "$k" "${kopts[@]}" --timeout "$t" \
		--dmesg "$out/dmesg-$4.log" -e FAN_UNDERLAY="$ul" -- \
		selftests/run_tests.sh $tests \
		> "$log" 2>&1 < /dev/null
	echo $? > "$log.rc"
	echo "   done: $k, underlay $ul ($3), at $(( $(date +%s) - start ))s"
}

vm_queue()	# the runs, FAN_VM_JOBS at a time
{
	local r
	for r in "${runs[@]}"; do
		# shellcheck disable=SC2086
		set -- $r
		rm -f "$out/ktap-$4.log.rc"
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
			wait -n
		done
		vm_run "$@" &
	done
	wait
}

echo "== selftests: ${#runs[@]} VM runs, $jobs at a time, in the background"
vm_queue &
queue_pid=$!

step "lint: W=1 C=1 and checkpatch --strict" "$out/lint.log" make lint KVERS="$kvers"
# shellcheck disable=SC2086 # one argument per kernel
step "dkms add, build and install (private trees) for: $kvers" "$out/dkms.log" \
	scripts/dkms-check.sh $kvers
for k in $chroot_kvers; do
	suite=${chroot_of[$k]}
	step "lint: W=1 C=1 against $k (in the $suite chroot)" "$out/lint-$suite.log" \
		scripts/kernel-chroot.sh --run "$suite" make lint-build KVERS="$k"
	step "dkms add, build and install (private trees) for: $k (in the $suite chroot)" \
		"$out/dkms-$suite.log" scripts/kernel-chroot.sh --run "$suite" scripts/dkms-check.sh "$k"
done

# link_fan.so against every suite's ip (check-ip.sh in each root): no
# kernel involved, so here rather than in the VM.
step "link_fan.so fits the ip of every suite (tools/iproute2/check-suites.sh)" \
	"$out/iproute2-suites.log" env FAN_CHROOTS="$chroot_suites" tools/iproute2/check-suites.sh

echo "== unit tests"
if make -C selftests/unit run > "$out/unit.log" 2>&1; then
	result ok "unit tests build and run"
else
	result fail "unit tests (log: $out/unit.log)"
fi
# cmocka's summary: "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)..."
u_pass=$(awk '/^\[  PASSED  \] [0-9]+ test/ { s += $4 } END { print s + 0 }' "$out/unit.log")
u_fail=$(awk '/^\[  FAILED  \] [0-9]+ test/ { s += $4 } END { print s + 0 }' "$out/unit.log")
grep -E '^\[  (PASSED|FAILED)  \] [0-9]+ test' "$out/unit.log"
passed=$((passed + u_pass))
failed=$((failed + u_fail))
[ "$u_fail" -eq 0 ] || failures+=("$u_fail unit tests")

step "fuzz: fanctl's parsers, ${FUZZ_SECONDS:-15} s each" "$out/fuzz.log" \
	scripts/fuzz.sh "${FUZZ_SECONDS:-15}"

# The detectors' own positive controls: a splat, new taint, a skip and a
# hang must each be seen (selftests/vm/selftest.sh), on the newest kernel.
newest=${kvers% }
newest=${newest##* }
step "VM runner and run_tests.sh detect splats, taint, skips, hangs on $newest" \
	"$out/vm-selftest.log" selftests/vm/selftest.sh "$newest"

echo "== waiting for the VM runs ($(( $(date +%s) - start ))s so far)"
wait "$queue_pid"

# The skips make check accepts: "KERNEL UNDERLAY TEST SUBTEST  reason",
# globs, '-' as SUBTEST for a whole test file (selftests/expected-skips).
expected_skips=()
while read -r ek eu et es _; do
	case $ek in ''|'#'*) continue ;; esac
	expected_skips+=("$ek $eu $et $es")
done < selftests/expected-skips

skip_expected()	# KVER UNDERLAY TEST SUBTEST
{
	local e ek eu et es
	for e in "${expected_skips[@]}"; do
		read -r ek eu et es <<< "$e"
		# shellcheck disable=SC2053 # globs on purpose
		[[ $1 == $ek && $2 == $eu && $3 == $et && $4 == $es ]] && return 0
	done
	return 1
}

# ktap_skips LOG: "TEST<TAB>SUBTEST<TAB>REASON" per skip, SUBTEST '-' for
# a test file that skipped itself; a debug VM's "taken by another VM"
# is no skip (another VM ran it).
ktap_skips()
{
	awk '
		/^# selftests: [a-z]+: / { t = $4 }
		/^# ok [0-9]+ .* # SKIP/ {
			s = $0; sub(/^# ok [0-9]+ /, "", s)
			r = s; sub(/ # SKIP.*/, "", s); sub(/.* # SKIP ?/, "", r)
			printf "%s\t%s\t%s\n", t, s, r
		}
		/^ok [0-9]+ selftests: [a-z]+: .* # SKIP/ && !/# SKIP taken by another VM/ {
			r = $0; sub(/.* # SKIP ?/, "", r)
			printf "%s\t-\t%s\n", $5, r
		}' "$1"
}

for r in "${runs[@]}"; do
	# shellcheck disable=SC2086
	set -- $r
	k=$1 ul=$2
	log=$out/ktap-$4.log
	rc=$(cat "$log.rc" 2>/dev/null || echo 125)
	echo "== selftests on $k, underlay $ul ($3)"
	grep -E '^(not )?ok |^# (not )?ok |^(# )?# slowest: |^# Totals|^run-vm|^# kmemleak|^# [a-z0-9_]+\.sh: exit ' "$log"
	# Subtests of each test file, then the per-file verdicts that
	# failed (a file that dies early has no subtests to show it).
	s_pass=$(grep -E '^# ok [0-9]+ ' "$log" | grep -cv ' # SKIP')
	s_fail=$(grep -cE '^# not ok [0-9]+ ' "$log")
	f_fail=$(grep -cE '^not ok [0-9]+ ' "$log")
	r_skip=0 r_bad=0
	while IFS=$'\t' read -r st ss sr; do
		[ -n "$st" ] || continue
		if skip_expected "$k" "$ul" "$st" "$ss"; then
			r_skip=$((r_skip + 1))
			skips+=("$k/$ul: $st: $ss: $sr")
		else
			r_bad=$((r_bad + 1))
			failures+=("unexpected skip on $k/$ul: $st: $ss: $sr (not in selftests/expected-skips)")
		fi
	done < <(ktap_skips "$log")
	# A VM that died or hung lost the tests it did not report: each
	# counts as a failure (one per test file, and the final check).
	# The debug VMs share one list: their lost tests are counted below.
	r_lost=0
	if [ "${3%%:*}" != debug ]; then
		case $3 in
		all) planned=$(wc -w <<< "$all_tests") ;;
		core) planned=$(wc -w <<< "$core_tests") ;;
		core+engines) planned=$(wc -w <<< "$core_tests $engine_tests") ;;
		rdma) planned=0 ;;	# its verdict line is written whatever happens
		*) planned=$(wc -w <<< "$ul_tests") ;;
		esac
		reported=$(grep -cE '^(not )?ok [0-9]+ ' "$log")
		r_lost=$((planned + 1 - reported))
		[ "$r_lost" -gt 0 ] || r_lost=0
	fi
	r_fail=$((s_fail + f_fail + r_bad + r_lost))
	passed=$((passed + s_pass))
	failed=$((failed + r_fail))
	skipped=$((skipped + r_skip))
	lost_txt=
	[ "$r_lost" -eq 0 ] || lost_txt=" ($r_lost tests lost)"
	per_run+=("$k/$ul ($3): $s_pass passed, $r_fail failed$lost_txt, $r_skip skipped")
	if [ "$rc" -ne 0 ] || [ "$s_fail" -ne 0 ] || [ "$f_fail" -ne 0 ] || [ "$r_lost" -ne 0 ]; then
		failures+=("selftests on $k/$ul (exit $rc, log: $log)")
		why+=("$log")
		if [ "$r_lost" -gt 0 ] || { [ "$s_fail" -eq 0 ] && [ "$f_fail" -eq 0 ]; }; then
			# The VM itself failed: at least one failure, and its
			# last words below.
			[ "$r_fail" -gt 0 ] || failed=$((failed + 1))
			lost+=("$log")
		fi
	fi
done

# Every debug test ran in exactly one of the VMs that shared the list.
if [ -n "$debug" ]; then
	ran=$(cat "$out"/ktap-"$debug"-ib-*.log 2>/dev/null |
	      grep -E '^(not )?ok [0-9]+ selftests: net: ' | grep -v '# SKIP taken by another VM' |
	      sed -E 's/^(not )?ok [0-9]+ selftests: net: ([^ ]+).*/\2/' | sort)
	want=$(printf '%s\n' "${ordered[@]}" | sort)
	if [ "$ran" = "$want" ]; then
		echo "== debug kernel: each of its $(wc -w <<< "$debug_tests") tests ran once"
	else
		# Each test no VM reported is lost: a failure of its own.
		missing=$(comm -23 <(echo "$want") <(echo "$ran") | grep -c .)
		result fail "debug kernel: tests not run exactly once: $(comm -3 <(echo "$want") <(echo "$ran") | tr -s '\n\t' '  ')"
		[ "$missing" -le 1 ] || failed=$((failed + missing - 1))
	fi
fi

# Why tests failed, and the last words of a VM that died or hung, go at
# the end, where a CI summary that shows only the tail still has them.
for log in "${why[@]}"; do
	echo "== why tests failed in ${log##*/}"
	failure_details "$log"
done
for log in "${lost[@]}"; do
	echo "== no result from ${log##*/}: its last 40 lines"
	tail -40 "$log"
done
echo
echo "make check: $(( $(date +%s) - start ))s on kernels: $kvers$chroot_kvers${debug:+and the debug kernel $debug}"
for s in "${skips[@]}"; do
	echo "skipped (expected): $s"
done
for f in "${failures[@]}"; do
	echo "failed: $f"
done
echo "selftests per VM run (the debug kernel's tests are shared by its VMs):"
for p in "${per_run[@]}"; do
	echo "  $p"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
