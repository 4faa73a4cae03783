# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# Assertions on the tool's JSON lines (docs/DESIGN.md §3), built on jq, and
# the curl helpers that make nginx fail.

DIAG_TIMEOUT=${DIAG_TIMEOUT:-10}

# diag_lines [CAUSE] [UPSTREAM]: diagnosis objects printed so far, compact, one a line.
diag_lines()
{
	jq -R -c --arg c "${1:-}" --arg u "${2:-}" 'fromjson? | select(type == "object")
		| select(.type == "diagnosis")
		| select($c == "" or .cause == $c) | select($u == "" or .upstream == $u)' \
		"$T/trace.out" 2>/dev/null
}

has_diag()
{
	[ -n "$(diag_lines "$@" | head -n 1)" ]
}

# expect_diag CAUSE [UPSTREAM] [SECS]: wait for that diagnosis, check it has
# every contract field, set DIAG to it (a JSON line) and log it.
expect_diag()
{
	local secs=${3:-$DIAG_TIMEOUT} seen

	if ! wait_until "$secs" has_diag "$1" "${2:-}"; then
		pid_alive "${TRACER_PID:-}" || log "the tracer is no longer running"
		seen=$(diag_lines | jq -r '"\(.cause) \(.upstream)"' | sort | uniq -c | head -n 5 |
		       tr '\n' ';')
		fail "no diagnosis $1${2:+ for $2} within $secs s; diagnoses seen: ${seen:-none}"
	fi
	DIAG=$(diag_lines "$1" "${2:-}" | head -n 1)
	log "diagnosis: $DIAG"
	expect_diag_contract
}

# The diagnosis fields of docs/DESIGN.md §3, with their types.
expect_diag_contract()
{
	local why

	why=$(jq -r '[
		(if (.cause | type) != "string" then "cause" else empty end),
		(if (.upstream | type) != "string" or .upstream == ""
		    then "upstream" else empty end),
		(if (.nginx_pid | type) != "number" or .nginx_pid <= 0
		    then "nginx_pid" else empty end),
		(if (.errno | type) != "number" and .errno != null then "errno" else empty end),
		(if (.count | type) != "number" or .count < 1 then "count" else empty end),
		(if (.first_ts | type) != "string" then "first_ts" else empty end),
		(if (.evidence | type) != "array" or (.evidence | length) == 0
		    or any(.evidence[]; type != "string" or . == "")
		    then "evidence" else empty end),
		(if (.fix | type) != "string" or .fix == "" then "fix" else empty end),
		(if (.log | type) != "string" and .log != null then "log" else empty end),
		(if .source != "kernel" and .source != "log" and .source != "kernel+log"
		    then "source" else empty end),
		(if (.responses | type) != "object"
		    or any(.responses | to_entries[]; (.key | test("^5[0-9][0-9]$") | not)
		           or (.value | type) != "number" or .value < 1)
		    then "responses" else empty end),
		(if (.recovered | type) != "number" or .recovered < 0
		    then "recovered" else empty end)
		] | join(" ")' <<<"$DIAG")
	[ -z "$why" ] || fail "diagnosis breaks the contract (bad or missing: $why): $DIAG"
}

# expect_field JQ_PATH VALUE: a field of DIAG (or of $3 if given), as jq -r prints it.
expect_field()
{
	local got

	got=$(jq -r "$1" <<<"${3:-$DIAG}")
	[ "$got" = "$2" ] || fail "$1 is '$got', want '$2' in ${3:-$DIAG}"
}

# expect_pid_in PID...: DIAG's nginx_pid is one of these.
expect_pid_in()
{
	local pid

	pid=$(jq -r '.nginx_pid' <<<"$DIAG")
	case " $* " in
	*" $pid "*) ;;
	*) fail "nginx_pid $pid is not one of the staged workers ($*)" ;;
	esac
}

# expect_evidence REGEX / expect_fix REGEX: case-insensitive match in DIAG.
expect_evidence()
{
	jq -r '.evidence[]' <<<"$DIAG" | grep -Eqi -- "$1" ||
		fail "evidence does not mention /$1/: $(jq -c '.evidence' <<<"$DIAG")"
}

expect_fix()
{
	jq -r '.fix' <<<"$DIAG" | grep -Eqi -- "$1" ||
		fail "fix does not mention /$1/: $(jq -c '.fix' <<<"$DIAG")"
}

# expect_no_diag [CAUSE] [UPSTREAM] [SECS]: after SECS (default 2) of waiting,
# no such diagnosis (any diagnosis if no CAUSE) was printed.
expect_no_diag()
{
	local bad

	sleep "${3:-2}"
	bad=$(diag_lines "${1:-}" "${2:-}" | head -n 1)
	[ -z "$bad" ] || fail "unexpected diagnosis: $bad"
}

# diag_pids: every nginx_pid in the diagnoses so far, one a line.
diag_pids()
{
	diag_lines | jq -r '.nginx_pid' | sort -u
}

# expect_ready_target MASTER [WORKER...]: the ready line lists MASTER with these workers.
expect_ready_target()
{
	local ready m=$1 w

	shift
	ready=$(ready_line)
	[ -n "$ready" ] || fail "no ready line"
	jq -e --argjson m "$m" 'any(.targets[]?; .master == $m)' <<<"$ready" >/dev/null ||
		fail "ready line does not list master $m: $ready"
	for w in "$@"; do
		jq -e --argjson m "$m" --argjson w "$w" \
			'any(.targets[]?; .master == $m and any(.workers[]?; . == $w))' \
			<<<"$ready" >/dev/null ||
			fail "ready line lacks worker $w of master $m: $ready"
	done
}

# expect_summary CAUSE UPSTREAM MIN: after stop_tracer, the summary counts at
# least MIN of that diagnosis, and has numeric "events" and "lost".
expect_summary()
{
	jq -e '(.events | type) == "number" and (.lost | type) == "number"' \
		<<<"$SUMMARY" >/dev/null ||
		fail "summary lacks numeric events/lost: $SUMMARY"
	jq -e --arg c "$1" --arg u "$2" --argjson n "$3" \
		'any(.diagnoses[]?; .cause == $c and .upstream == $u and .count >= $n)' \
		<<<"$SUMMARY" >/dev/null || fail "summary lacks $1 $2 with count >= $3: $SUMMARY"
}

# http_code URL [CURL_ARGS...]: the HTTP status (000 if none), from the test's netns.
http_code()
{
	local url=$1

	shift
	ns_run curl -s -o /dev/null -w '%{http_code}' --max-time "${CURL_TIMEOUT:-5}" "$@" "$url"
}

# expect_http CODE URL [CURL_ARGS...]
expect_http()
{
	local want=$1 got

	shift
	got=$(http_code "$@")
	[ "$got" = "$want" ] || fail "GET $1 answered $got, want $want"
	log "GET $1 -> $got"
}

# fire N URL [CURL_ARGS...]: N concurrent requests; waits for all of them.
# Status codes land in $T/fire.codes; prints a tally like "502:18 200:2".
fire()
{
	local n=$1 i pids=()

	shift
	: >"$T/fire.codes"
	for i in $(seq 1 "$n"); do
		http_code "$@" >>"$T/fire.codes.$i" &
		pids+=("$!")
	done
	wait "${pids[@]}"
	for i in $(seq 1 "$n"); do
		cat "$T/fire.codes.$i" >>"$T/fire.codes"
		echo >>"$T/fire.codes"
		rm -f "$T/fire.codes.$i"
	done
	sort "$T/fire.codes" | uniq -c | awk '{ printf "%s:%s ", $2, $1 }'
}

# fire_count CODE: how many of the last fire's requests got CODE.
fire_count()
{
	grep -cx -- "$1" "$T/fire.codes"
}

# expect_diag_logged CAUSE [UPSTREAM] [SECS]: wait for the reprint of a
# diagnosis that carries its nginx error-log line (source "kernel+log" or
# "log"); sets DIAG to it.
expect_diag_logged()
{
	local secs=${3:-$DIAG_TIMEOUT}

	wait_until "$secs" has_logged_diag "$1" "${2:-}" ||
		fail "no diagnosis $1${2:+ for $2} with its error-log line within $secs s"
	DIAG=$(diag_lines "$1" "${2:-}" | jq -c 'select(.log != null)' | head -n 1)
	log "diagnosis with log: $DIAG"
	expect_diag_contract
}

has_logged_diag()
{
	[ -n "$(diag_lines "$1" "$2" | jq -c 'select(.log != null)' | head -n 1)" ]
}
