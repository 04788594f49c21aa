# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash source-path=SCRIPTDIR
#
# KTAP output helpers, after tools/testing/selftests/kselftest/ktap_helpers.sh.
# Source it, then:
#   ktap_print_header; ktap_set_plan 3
#   ktap_test_pass "a works"; ktap_test_fail "b works"; ktap_test_skip "c: no x"
#   ktap_finished            # prints the totals and exits with the verdict

KSFT_PASS=0
KSFT_FAIL=1
# shellcheck disable=SC2034 # for the tests that source this
KSFT_XFAIL=2
# shellcheck disable=SC2034
KSFT_XPASS=3
KSFT_SKIP=4

KTAP_TESTNO=1
KTAP_CNT_PASS=0
KTAP_CNT_FAIL=0
KTAP_CNT_SKIP=0
KSFT_NUM_TESTS=0

# Where each subtest's time goes (from the previous result to its own),
# kept without forking: ktap_finished names the slowest.
KTAP_LAP_START=${EPOCHREALTIME//[.,]/}
KTAP_LAPS=()

ktap_lap()	# NAME
{
	local now=${EPOCHREALTIME//[.,]/}

	KTAP_LAPS+=("$(( (now - KTAP_LAP_START) / 1000 )) $*")
	KTAP_LAP_START=$now
}

# The three slowest subtests, as "# slowest: 12.345s ok 7 name".
ktap_print_slowest()
{
	local lap ms

	[ "${#KTAP_LAPS[@]}" -gt 0 ] || return 0
	printf '%s\n' "${KTAP_LAPS[@]}" | sort -rn | head -n 3 |
	while read -r ms lap; do
		printf '# slowest: %d.%03ds %s\n' $((ms / 1000)) $((ms % 1000)) "$lap"
	done
}

ktap_print_header()
{
	echo "TAP version 13"
}

ktap_print_msg()
{
	local line
	# One "# " per line, so multi-line messages stay valid KTAP.
	while IFS= read -r line; do
		echo "# $line"
	done <<< "$*"
}

ktap_set_plan()
{
	KSFT_NUM_TESTS=$1
	echo "1..$KSFT_NUM_TESTS"
}

ktap_skip_all()
{
	echo "1..0 # SKIP $*"
	exit "$KSFT_SKIP"
}

ktap_test_pass()
{
	echo "ok $KTAP_TESTNO $*"
	ktap_lap "ok $KTAP_TESTNO $*"
	KTAP_TESTNO=$((KTAP_TESTNO + 1))
	KTAP_CNT_PASS=$((KTAP_CNT_PASS + 1))
}

ktap_test_skip()
{
	echo "ok $KTAP_TESTNO $* # SKIP"
	ktap_lap "ok $KTAP_TESTNO $* # SKIP"
	KTAP_TESTNO=$((KTAP_TESTNO + 1))
	KTAP_CNT_SKIP=$((KTAP_CNT_SKIP + 1))
}

ktap_test_skip_why()	# REASON NAME...
{
	local why=$1
	shift
	echo "ok $KTAP_TESTNO $* # SKIP $why"
	ktap_lap "ok $KTAP_TESTNO $* # SKIP $why"
	KTAP_TESTNO=$((KTAP_TESTNO + 1))
	KTAP_CNT_SKIP=$((KTAP_CNT_SKIP + 1))
}

ktap_test_fail()
{
	echo "not ok $KTAP_TESTNO $*"
	ktap_lap "not ok $KTAP_TESTNO $*"
	KTAP_TESTNO=$((KTAP_TESTNO + 1))
	KTAP_CNT_FAIL=$((KTAP_CNT_FAIL + 1))
}

# ktap_test_result DESCRIPTION COMMAND [ARGS...]: run COMMAND; its exit code
# decides (0 pass, KSFT_SKIP skip, anything else fail).
ktap_test_result()
{
	local desc=$1 rc
	shift
	"$@"
	rc=$?
	case $rc in
	0) ktap_test_pass "$desc" ;;
	"$KSFT_SKIP") ktap_test_skip "$desc" ;;
	*) ktap_test_fail "$desc" ;;
	esac
	return $rc
}

ktap_print_totals()
{
	echo "# Totals: pass:$KTAP_CNT_PASS fail:$KTAP_CNT_FAIL xfail:0 xpass:0 skip:$KTAP_CNT_SKIP error:0"
}

ktap_exit_fail_msg()
{
	echo "Bail out! $*"
	ktap_print_totals
	exit "$KSFT_FAIL"
}

# Fails if any test failed or the plan was not met; skips if everything
# was skipped.
ktap_finished()
{
	local ran=$((KTAP_CNT_PASS + KTAP_CNT_FAIL + KTAP_CNT_SKIP))

	ktap_print_slowest
	ktap_print_totals
	if [ "$KTAP_CNT_FAIL" -gt 0 ]; then
		exit "$KSFT_FAIL"
	fi
	if [ "$ran" -ne "$KSFT_NUM_TESTS" ]; then
		echo "# planned $KSFT_NUM_TESTS tests but ran $ran"
		exit "$KSFT_FAIL"
	fi
	if [ "$KTAP_CNT_PASS" -eq 0 ] && [ "$KTAP_CNT_SKIP" -gt 0 ]; then
		exit "$KSFT_SKIP"
	fi
	exit "$KSFT_PASS"
}
