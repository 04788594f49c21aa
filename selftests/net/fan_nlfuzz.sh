#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile configuration: thousands of random and malformed fan link
# requests (nlfuzz.py: bad attribute types and lengths, broken and garbage
# nests, duplicates, huge map lists, conflicting maps, bad prefixes,
# underlay links, random and mutated bytes, deletes), each checked against
# a model of what the kernel must do: refused with an error (and an extack
# message), or applied exactly as sent (read back with RTM_GETLINK).  Then
# two processes race changelinks on a fan carrying traffic.  The fan keeps
# passing traffic throughout.
#
# Seeded: FAN_FUZZ_SEED=N reproduces a run; FAN_FUZZ_COUNT (default 4000)
# and FAN_FUZZ_TIME (seconds, default 30) bound the fuzz, but it sends at
# least 500 requests however long they take (the debug kernel under CI's
# load answers 9-28 a second); FAN_RACE_TIME (default 10) bounds the race.

. "$(dirname "$0")/fan_lib.sh"

FUZZ=$FAN_TOP/selftests/net/nlfuzz.py
seed=${FAN_FUZZ_SEED:-$((RANDOM << 15 | RANDOM))}
count=${FAN_FUZZ_COUNT:-4000}
fuzz_time=${FAN_FUZZ_TIME:-30}
race_time=${FAN_RACE_TIME:-10}
ktap_print_msg "seed $seed (reproduce with FAN_FUZZ_SEED=$seed)"

setup()
{
	fan_two_hosts
}
subtest "two fan hosts with containers" setup || ktap_exit_fail_msg "setup failed"

ktap_print_msg "setup took ${SECONDS}s"

# The fuzz runs on h1, beside (and on) fanctl's ftun0, which it puts back
# as it was at the end.
t0=$SECONDS
ns_exec h1 python3 "$FUZZ" fuzz --seed "$seed" --count "$count" \
	--time "$fuzz_time" --min-count 500 --dev ftun0 > "$FAN_TMP/fuzz" 2>&1
fuzz_rc=$?
ktap_print_msg "fuzz took $((SECONDS - t0))s"
grep -v '^count ' "$FAN_TMP/fuzz" | head -60 | while IFS= read -r l; do ktap_print_msg "$l"; done

# One result per kind of request: NAME TOTAL ACCEPTED REFUSED MISMATCHES ERRNOS
category()
{
	local line=$1
	# shellcheck disable=SC2086
	set -- $line
	echo "$2: $3 requests, $4 accepted, $5 refused ($7), $6 not as the model says; $8 each"
	[ "$3" -gt 0 ] && [ "$6" -eq 0 ]
}
total=0
while read -r _ name n rest; do
	total=$((total + n))
	subtest "hostile requests: $name" category "count $name $n $rest"
done < <(grep '^count ' "$FAN_TMP/fuzz")

fuzz_done()
{
	echo "fuzz exit $fuzz_rc, $total requests"
	[ "$fuzz_rc" -eq 0 ] && [ "$total" -ge 500 ]
}
subtest "every request refused or applied as sent; ftun0 restored" fuzz_done

traffic()
{
	ns_exec c1 ping -c3 -i0.2 -W2 250.9.200.7 &&
	ns_exec c2 ping -c3 -i0.2 -W2 250.3.4.2
}
subtest "the fan still carries traffic both ways" traffic

# Two writers hammer changelink on h1's ftun0 (maps added, deleted and
# replaced around 250.0.0.0/8, ttl, tos, strict) and a reader checks every
# read back, while a TCP transfer crosses the fan.  No packet may find the
# map set without its map (tx_no_map stays put).
race()
{
	local pids=() p rc=0 before after extra
	before=$(fan_counter h1 ftun0 tx_no_map)
	for p in 1 2 reader; do
		extra=()
		[ "$p" = reader ] && extra=(--reader)
		ns_exec h1 python3 "$FUZZ" race --seed "$((seed + ${#pids[@]}))" \
			--time "$race_time" --dev ftun0 --keep 250.0.0.0/8 10.7.0.0/16 \
			"${extra[@]}" > "$FAN_TMP/race.$p" 2>&1 &
		pids+=($!)
	done
	tcp_transfer c1 c2 250.9.200.7 2000000 || { echo "TCP transfer failed"; rc=1; }
	for p in "${pids[@]}"; do
		wait "$p" || rc=1
	done
	cat "$FAN_TMP"/race.*
	after=$(fan_counter h1 ftun0 tx_no_map)
	echo "h1 tx_no_map: $before -> $after"
	[ "$before" = "$after" ] || rc=1
	return $rc
}
t0=$SECONDS
subtest "changelink race under traffic" race
ktap_print_msg "race took $((SECONDS - t0))s"

after_race()
{
	ns_exec h1 python3 "$FAN_NL" change ftun0 maps 250.0.0.0/8 10.7.0.0/16 strict 1 &&
	ns_exec h1 python3 "$FAN_NL" get ftun0 &&
	traffic
}
subtest "after the race: one map again, traffic both ways" after_race

fan_finish
