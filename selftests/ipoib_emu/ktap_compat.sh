# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2015
#
# KTAP for the ipoib_emu tests: selftests/lib/ktap.sh when it is there,
# else the few functions they use.  Plus run_test, which turns a test
# function's output into diagnostic lines.  Source it.

_ktap_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" 2>/dev/null && pwd)/ktap.sh
if [ -r "$_ktap_lib" ]; then
	# shellcheck source=../lib/ktap.sh
	. "$_ktap_lib"
else
	KSFT_PASS=0
	KSFT_FAIL=1
	KSFT_SKIP=4
	_ktap_n=0
	_ktap_plan=0
	_ktap_pass=0
	_ktap_fail=0
	_ktap_skip=0
	ktap_print_header() { echo "TAP version 13"; }
	ktap_set_plan() { _ktap_plan=$1; echo "1..$1"; }
	ktap_skip_all() { echo "1..0 # SKIP $*"; exit "$KSFT_SKIP"; }
	ktap_test_result()
	{
		local desc=$1 rc
		shift
		"$@"
		rc=$?
		_ktap_n=$((_ktap_n + 1))
		case $rc in
		0) _ktap_pass=$((_ktap_pass + 1)); echo "ok $_ktap_n $desc" ;;
		"$KSFT_SKIP") _ktap_skip=$((_ktap_skip + 1)); echo "ok $_ktap_n $desc # SKIP" ;;
		*) _ktap_fail=$((_ktap_fail + 1)); echo "not ok $_ktap_n $desc" ;;
		esac
		return $rc
	}
	ktap_finished()
	{
		echo "# Totals: pass:$_ktap_pass fail:$_ktap_fail xfail:0 xpass:0 skip:$_ktap_skip error:0"
		[ "$_ktap_fail" = 0 ] || exit "$KSFT_FAIL"
		[ "$_ktap_n" = "$_ktap_plan" ] ||
			{ echo "# planned $_ktap_plan tests but ran $_ktap_n"; exit "$KSFT_FAIL"; }
		[ "$_ktap_pass" != 0 ] || exit "$KSFT_SKIP"
		exit "$KSFT_PASS"
	}
fi

_ktap_rc() { return "$1"; }

# _ktap_report DESCRIPTION RC LAST_LINE: a skip says why (the test's last
# output line) where ktap.sh can, so make check can list it.
_ktap_report()
{
	if [ "$2" = "$KSFT_SKIP" ] && declare -F ktap_test_skip_why > /dev/null; then
		ktap_test_skip_why "${3:-no reason given}" "$1"
		return "$2"
	fi
	ktap_test_result "$1" _ktap_rc "$2"
}

# run_test DESCRIPTION FUNC [ARGS...]: run FUNC in a subshell, print its
# output as "# " lines, report 0 as pass, $KSFT_SKIP as skip, else fail.
run_test()
{
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/# /'
	_ktap_report "$desc" "$rc" "${out##*$'\n'}"
}

# run_test_here DESCRIPTION FUNC [ARGS...]: the same in this shell, for
# functions that must change variables; output goes through a file.
run_test_here()
{
	local desc=$1 f rc
	shift
	f=$(mktemp) || return 1
	"$@" > "$f" 2>&1
	rc=$?
	sed 's/^/# /' "$f"
	_ktap_report "$desc" "$rc" "$(tail -n 1 "$f")"
	rm -f "$f"
}
