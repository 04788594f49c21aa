#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# down -a takes down what up -a brought up (issue 19 item 4), from the
# record in fanctl's run directory, whatever the config file says by then:
# the file edited after up -a, the file with an error, the file gone.
# A fan of another file's up -a is not taken, nor one by hand that the
# file does not list; one by hand that it lists is, as is a fan with no
# record at all (an older fanctl's).

. "$(dirname "$0")/fanctl_lib.sh"

OV2=100.64.0.0/10
BR_OV2=fan-100-65-0
OV3=240.0.0.0/8
OV4=192.168.0.0/16
BR_OV4=fan-192-168-4
OV5=172.16.0.0/12
BR_OV5=fan-172-16-64

record() { cat "$(rundir "$H1")/fans" 2>/dev/null; }
up_bridges() { h1 ip -o link show type bridge | awk -F': ' '{ print $2 }' | sed 's/@.*//' | sort | tr '\n' ' '; }

test_edited()
{
	printf '%s\n' "$OV ib0/16" "$OV2 ib0/24 no-nat" > "$tmp/fan"
	expect_rc 0 f1 up -a -c "$tmp/fan" || return 1
	record
	[ "$(up_bridges)" = "$BR_OV2 $BR1 " ] || fail "up -a: $(up_bridges)" || return 1
	[ "$(record | cut -f1,3,4)" = "$BR1	ib0	$tmp/fan
$BR_OV2	ib0	$tmp/fan" ] || fail "record" || return 1
	# fans by hand, one listed in the new file, and one of another file
	expect_rc 0 f1 up $OV3 ib0/16 no-nat || return 1
	expect_rc 0 f1 up $OV5 ib0/24 no-nat || return 1
	printf '%s\n' "$OV4 ib0/24 no-nat" > "$tmp/other"
	expect_rc 0 f1 up -a -c "$tmp/other" || return 1
	# the file now lists the one by hand and the other file's
	printf '%s\n' "# edited" "$OV3 ib0/16 no-nat" "$OV4 ib0/24 no-nat" > "$tmp/fan"
	expect_rc 0 f1 down -a -c "$tmp/fan" || return 1
	echo "$out"
	[ "$(up_bridges)" = "$BR_OV5 $BR_OV4 " ] || fail "after down -a: $(up_bridges)" || return 1
	[ "$(record | cut -f1,4)" = "$BR_OV5	-
$BR_OV4	$tmp/other" ] || fail "record: $(record)" || return 1
	# the other file's down -a takes its fan, the one by hand stays
	expect_rc 0 f1 down -a -c "$tmp/other" || return 1
	[ "$(up_bridges)" = "$BR_OV5 " ] || fail "after down -a: $(up_bridges)" || return 1
	expect_rc 0 f1 down $OV5 ib0/24 || return 1
	nothing_left "$H1"
}

test_file_broken()
{
	printf '%s\n' "$OV ib0/16" "$OV2 ib0/24 no-nat" > "$tmp/fan"
	expect_rc 0 f1 up -a -c "$tmp/fan" || return 1
	printf '%s\n' "$OV ib0/16 frobnicate" > "$tmp/fan"
	expect_rc 1 f1 down -a -c "$tmp/fan" || return 1
	echo "$out"
	echo "$out" | grep -qxF "fanctl: $tmp/fan has 1 error; only the fans its 'up -a' brought up are taken down (check with 'fanctl config $tmp/fan')" ||
		fail "message" || return 1
	nothing_left "$H1" || return 1
	# the file gone
	printf '%s\n' "$OV ib0/16" > "$tmp/fan"
	expect_rc 0 f1 up -a -c "$tmp/fan" || return 1
	rm "$tmp/fan"
	expect_rc 2 f1 down -a -c "$tmp/fan" || return 1
	echo "$out"
	nothing_left "$H1"
}

# The same file by another name: the record has the file's real path
test_symlink()
{
	printf '%s\n' "$OV ib0/16" > "$tmp/fan"
	ln -sf "$tmp/fan" "$tmp/link"
	expect_rc 0 f1 up -a -c "$tmp/link" || return 1
	[ "$(record | cut -f4)" = "$tmp/fan" ] || fail "record: $(record)" || return 1
	: > "$tmp/fan"
	expect_rc 0 f1 down -a -c "$tmp/fan" || return 1
	nothing_left "$H1"
}

# No record (a fanctl that kept none): down -a goes by the file
test_no_record()
{
	printf '%s\n' "$OV ib0/16" "$OV2 ib0/24 no-nat" > "$tmp/fan"
	expect_rc 0 f1 up -a -c "$tmp/fan" || return 1
	rm "$(rundir "$H1")/fans"
	printf '%s\n' "$OV ib0/16" > "$tmp/fan"
	expect_rc 0 f1 down -a -c "$tmp/fan" || return 1
	# control: the fan the file no longer lists stays
	[ "$(up_bridges)" = "$BR_OV2 " ] || fail "after down -a: $(up_bridges)" || return 1
	expect_rc 0 f1 down $OV2 ib0/24 || return 1
	nothing_left "$H1"
}

TESTS="
edited_file test_edited
broken_or_gone_file test_file_broken
symlinked_file test_symlink
no_record test_no_record
"
fanctl_main
