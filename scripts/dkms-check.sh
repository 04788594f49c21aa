#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-check.sh KVER...: what "make dkms-install" does, in private trees
# under build/dkms/ (nothing reaches /usr/src, the DKMS tree or
# /lib/modules; dkms itself may create its module signing key): dkms add,
# build and install of dkms.conf's package for each kernel, then check that
# the installed fan.ko is built for that kernel.

set -eu
cd "$(dirname "$0")/.."
top=$PWD
# A tree per kernel list, so the chroots' runs do not wipe each other.
base=$top/build/dkms/$(echo "$*" | tr " " +)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
[ -n "$ver" ] || { echo "dkms-check: no PACKAGE_VERSION in dkms.conf" >&2; exit 1; }
[ $# -gt 0 ] || { echo "usage: $0 KVER..." >&2; exit 2; }
command -v dkms > /dev/null || { echo "dkms-check: dkms is not installed" >&2; exit 1; }

rm -rf "$base"
mkdir -p "$base/src" "$base/tree" "$base/install"
make -s dkms-tree DKMS_SRC="$base/src/fan-$ver"
opts=(--sourcetree "$base/src" --dkmstree "$base/tree" --installtree "$base/install")

dkms add -m fan -v "$ver" "${opts[@]}"
for k in "$@"; do
	echo "== dkms build and install of fan $ver for $k"
	# Newer dkms looks for the headers under --installtree (older ones
	# in /lib/modules, and --kernelsourcedir makes those "prepare" the
	# headers tree, wiping its generated files).
	mkdir -p "$base/install/$k"
	ln -sfn "/lib/modules/$k/build" "$base/install/$k/build"
	dkms build -m fan -v "$ver" -k "$k" "${opts[@]}"
	dkms install -m fan -v "$ver" -k "$k" "${opts[@]}" --force
	ko=$(find "$base/install/$k" -name 'fan.ko*' | head -n 1)
	[ -n "$ko" ] || { echo "dkms-check: dkms installed no fan.ko for $k" >&2; exit 1; }
	vm=$(modinfo -F vermagic "$ko")
	case "$vm" in
	"$k "*) echo "   $ko: vermagic $vm" ;;
	*) echo "dkms-check: $ko has vermagic '$vm', not for $k" >&2; exit 1 ;;
	esac
done
dkms status -m fan "${opts[@]}"
