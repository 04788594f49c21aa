#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks that cannot fail, found by their shape in the selftests:
#   cond && fail "..." && return 1
# fail returns 1, so the return never runs and the test goes on (and,
# with fanctl_lib.sh's sticky fail, at least says so; other files' fail
# helpers may not).  Write: if cond; then fail "..."; return 1; fi
# Exit 1 and the lines if any is found.  Usage: scripts/lint-selftests.sh [DIR...]

set -u
cd "$(dirname "$0")/.." || exit 2
[ $# -gt 0 ] || set -- selftests
bad=$(grep -rnE --include='*.sh' '&&[[:space:]]*fail\b[^&|;]*&&' "$@")
if [ -n "$bad" ]; then
	echo "lint-selftests: 'cond && fail ... && ...' cannot stop the test (fail returns 1):"
	echo "$bad"
	exit 1
fi
echo "lint-selftests: no 'cond && fail ... && ...' in $*"
