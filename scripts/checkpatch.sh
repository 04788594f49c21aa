#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.pl --strict on the given files, using the checkpatch of the
# newest linux-source-* package (extracted once into a cache outside the
# repository).

set -euo pipefail

cache=${XDG_CACHE_HOME:-$HOME/.cache}/fan-checkpatch
tarball=$(ls /usr/src/linux-source-*.tar.* 2>/dev/null | sort -V | tail -1)
if [ -z "$tarball" ]; then
	echo "checkpatch: no /usr/src/linux-source-*.tar.*; run make deps" >&2
	exit 1
fi
top=$(basename "$tarball" | sed 's/\.tar\..*//')
if [ ! -x "$cache/$top/scripts/checkpatch.pl" ]; then
	mkdir -p "$cache"
	tar -C "$cache" -xf "$tarball" "$top/scripts" "$top/Documentation/dev-tools/checkpatch.rst" 2>/dev/null ||
		tar -C "$cache" -xf "$tarball" "$top/scripts"
fi

"$cache/$top/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f "$@"
