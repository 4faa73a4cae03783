# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# Running the tool under test: as a background tracer (start_tracer /
# stop_tracer) or as a one-shot command (run_tool) for the CLI tests.

READY_TIMEOUT=${READY_TIMEOUT:-5}

# start_tracer ARGS...: "$NGX502" --json ARGS in the background, stdout in
# $T/trace.out, stderr in $T/trace.err; returns once it printed "ready".
start_tracer()
{
	[ -x "$NGX502" ] || fail "no tool binary at $NGX502 (run make)"
	: >"$T/trace.out"
	log "tracer: $NGX502 --json $*"
	# a background job of a script starts with SIGINT ignored: give the
	# tool the default disposition, as an interactive shell would
	env --default-signal=INT,QUIT "$NGX502" --json "$@" >"$T/trace.out" 2>"$T/trace.err" &
	TRACER_PID=$!
	register_pid "$TRACER_PID"
	wait_until "$READY_TIMEOUT" tracer_ready_or_dead
	if ! pid_alive "$TRACER_PID"; then
		wait "$TRACER_PID"
		fail "tracer exited early (exit $?) before ready: $(head -n 3 "$T/trace.err")"
	fi
	tracer_is_ready || fail "tracer printed no ready line within ${READY_TIMEOUT} s"
	TRACER_READY_S=$(date +%s.%N)
	TRACER_ARGS=" $* "
	log "tracer ready: $(ready_line)"
}

ready_line()
{
	jq -R -c 'fromjson? | select(type == "object" and .type == "ready")' \
		"$T/trace.out" 2>/dev/null | head -n 1
}

tracer_is_ready()
{
	[ -n "$(ready_line)" ]
}

tracer_ready_or_dead()
{
	tracer_is_ready || ! pid_alive "$TRACER_PID"
}

# truth_5xx FROM TO DIR...: the error responses nginx generated itself (status
# >= 500 and no response header from an upstream: not a backend's own 500)
# logged between FROM and TO (seconds since the epoch) in DIR/truth.log (see
# stage_nginx), as JSON {"502": n, ...}.
truth_5xx()
{
	local from=$1 to=$2 d

	shift 2
	for d in "$@"; do
		cat "$d/truth.log" 2>/dev/null
	done | awk -F'|' -v from="$from" -v to="$to" '
		$1 + 0 >= from + 0 && $1 + 0 <= to + 0 && $2 >= 500 {
			n = split($3, t, ", ")
			if (t[n] == "-") c[$2]++
		}
		END { printf "{"; s = ""; for (k in c) { printf "%s\"%s\":%d", s, k, c[k]; s = "," }
		      print "}" }'
}

# expect_responses_match_truth STOP: the error responses of the summary against
# nginx's own access logs (the ground truth of what clients got), for the
# staged nginx instances the tool traced (the masters of its ready line): at
# least what they logged while it ran, and, when every traced master logs
# its truth and no other staged nginx does, at most what they logged up to
# now (a response at the very stop may be counted on one side only). Every
# response is explained.
expect_responses_match_truth()
{
	local traced=() others=0 untraced=0 m d f lo hi got

	[ -n "${TRACER_READY_S:-}" ] || return 0
	# with --pin the records go to an outside reader: the tool counts no responses
	case "${TRACER_ARGS:-}" in *" --pin "*) return 0 ;; esac
	# the masters at ready, and those found later (auto-discovery, a restart)
	for m in $( (ready_line | jq -r '.targets[]?.master'
		jq -r 'select(.type == "diagnosis") | .master // empty' "$T/trace.out" 2>/dev/null) |
		sort -u); do
		d=
		for f in "$T"/*/nginx.pid; do
			[ "$(cat "$f" 2>/dev/null)" = "$m" ] && d=${f%/nginx.pid}
		done
		if [ -n "$d" ] && [ -f "$d/truth.log" ]; then
			traced+=("$d")
		else
			untraced=1
		fi
	done
	for f in "$T"/*/truth.log; do
		[ -f "$f" ] || continue
		case " ${traced[*]} " in *" ${f%/truth.log} "*) ;; *) others=1 ;; esac
	done
	lo=$(truth_5xx "$TRACER_READY_S" "$1" "${traced[@]}")
	hi=$(truth_5xx "$TRACER_READY_S" 9999999999 "${traced[@]}")
	[ "$untraced$others" = 00 ] || hi=null
	# records the kernel could not send are counted as lost, not as responses,
	# and a failure whose record was lost leaves its response unexplained
	[ "$(jq -r '.lost // 0' <<<"$SUMMARY")" = 0 ] || return 0
	got=$(jq -c '.responses // {}' <<<"$SUMMARY")
	jq -e -n --argjson lo "$lo" --argjson hi "$hi" --argjson got "$got" '
		([$lo, ($hi // {}), $got] | map(keys) | add | unique) as $k
		| all($k[]; ($lo[.] // 0) <= ($got[.] // 0)
			    and ($hi == null or ($got[.] // 0) <= ($hi[.] // 0)))' >/dev/null ||
		fail "error responses $got, but the traced nginx logged $lo while the tool ran" \
		     "($hi up to now)"
	[ "$(jq -c '.unexplained // {} | map_values(select(. > 0))' <<<"$SUMMARY")" = "{}" ] ||
		fail "unexplained error responses: $(jq -c '.unexplained' <<<"$SUMMARY")"
}

stop_tracer()
{
	local rc stop_s

	pid_alive "$TRACER_PID" ||
		fail "tracer died before the end of the test: $(head -n 3 "$T/trace.err")"
	stop_s=$(date +%s.%N)
	kill -INT "$TRACER_PID"
	wait_until 5 all_dead "$TRACER_PID" ||
		fail "tracer still running 5 s after SIGINT"
	wait "$TRACER_PID"
	rc=$?
	[ "$rc" = 0 ] || fail "tracer exited $rc after SIGINT (want 0): $(head -n 3 "$T/trace.err")"
	expect_json_lines "$T/trace.out"
	SUMMARY=$(jq -c 'select(.type == "summary")' "$T/trace.out" | tail -n 1)
	[ -n "$SUMMARY" ] || fail "no summary line after SIGINT"
	log "summary: $SUMMARY"
	# the kernel and nginx's log never name different causes for one request (§4.2)
	[ "$(jq -r '.disagreements // 0' <<<"$SUMMARY")" = 0 ] ||
		fail "the kernel and the log disagreed on a request's cause: $SUMMARY"
	# nginx's access log is the ground truth of what clients got (issue: responses)
	expect_responses_match_truth "$stop_s"
}

# expect_schema FILE...: every line valid against docs/ngx502-trace.schema.json
# (tests/tools/schema-check, python3-jsonschema). A missing validator fails the
# test: it is installed by make deps, never skipped.
expect_schema()
{
	local why

	why=$("$ROOT/tests/tools/schema-check" "$ROOT/docs/ngx502-trace.schema.json" "$@" 2>&1) ||
		fail "JSON lines against docs/ngx502-trace.schema.json: ${why:0:600}"
}

# expect_json_lines FILE: each line one JSON object with "type" and an RFC 3339 UTC "ts",
# valid against docs/ngx502-trace.schema.json.
expect_json_lines()
{
	local bad

	bad=$(jq -R -r '. as $line | (try fromjson catch null) as $o
		| if ($o | type) == "object" and ($o.type | type) == "string"
		     and ($o.ts | type) == "string"
		     and ($o.ts | test("^\\d{4}-\\d\\d-\\d\\dT[\\d:]{8}\\.\\d{6}(Z|\\+00:00)$"))
		  then empty else $line end' "$1" 2>&1 | head -n 1)
	[ -z "$bad" ] || fail "not a JSON object with type and an RFC 3339 UTC ts: $bad"
	expect_schema "$1"
}

# run_tool ARGS...: run the tool to completion (bounded by RUN_TIMEOUT, 15 s);
# sets TOOL_RC, stdout in $T/cli.out, stderr in $T/cli.err.
run_tool()
{
	[ -x "$NGX502" ] || fail "no tool binary at $NGX502 (run make)"
	log "run: $NGX502 $*"
	timeout -k 2 "${RUN_TIMEOUT:-15}" "$NGX502" "$@" >"$T/cli.out" 2>"$T/cli.err" </dev/null
	TOOL_RC=$?
	[ "$TOOL_RC" = 124 ] && fail "'$NGX502 $*' still running after ${RUN_TIMEOUT:-15} s"
	log "exit $TOOL_RC; stderr: $(head -c 300 "$T/cli.err")"
	# every JSON line the suite sees is checked against the schema
	case " $* " in
	*" --json "* | *" -j "*) expect_schema "$T/cli.out" ;;
	esac
}

expect_exit_code()
{
	[ "$TOOL_RC" = "$1" ] ||
		fail "exit code $TOOL_RC, want $1; stderr: $(head -n 2 "$T/cli.err")"
}

# expect_stderr_lines N: exactly N lines on stderr ("one clear line").
expect_stderr_lines()
{
	local n

	n=$(grep -c '' "$T/cli.err")
	[ "$n" = "$1" ] || fail "stderr has $n lines, want $1: $(head -n 4 "$T/cli.err")"
}

expect_stderr_match()
{
	grep -Eq -- "$1" "$T/cli.err" ||
		fail "stderr does not match /$1/: $(head -n 2 "$T/cli.err")"
}

expect_stdout_match()
{
	grep -Eq -- "$1" "$T/cli.out" ||
		fail "stdout does not match /$1/: $(head -n 2 "$T/cli.out")"
}

# run_tool_as WRAPPER... -- TOOL ARGS: like run_tool, through a wrapper such
# as setpriv (the wrapper's own arguments come first).
run_tool_as()
{
	log "run: $*"
	timeout -k 2 "${RUN_TIMEOUT:-15}" "$@" >"$T/cli.out" 2>"$T/cli.err" </dev/null
	TOOL_RC=$?
	[ "$TOOL_RC" = 124 ] && fail "'$*' still running after ${RUN_TIMEOUT:-15} s"
	log "exit $TOOL_RC; stderr: $(head -c 300 "$T/cli.err")"
}
