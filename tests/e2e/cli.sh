# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# The command line of docs/DESIGN.md §2: exit codes (0 normal stop, 1 runtime
# failure with one clear line on stderr, 2 usage error), --help, --version,
# --duration, SIGINT.

# usage checks happen before any BPF work: these run even without BPF
no_bpf test_help test_version test_bogus_flag test_duration_not_a_number
no_bpf test_argp_help_usage_version test_cause_invalid test_upstream_empty test_unpin_missing_dir
no_bpf test_man_page_matches_help

test_help()
{
	run_tool --help
	expect_exit_code 0
	expect_stdout_match 'EXAMPLES'
	expect_stdout_match '--pid'
}

test_version()
{
	run_tool --version
	expect_exit_code 0
	expect_stdout_match '[0-9]'
}

# argp's own options: -V, -?, --usage, -h; each prints on stdout and exits 0
test_argp_help_usage_version()
{
	run_tool -V
	expect_exit_code 0
	expect_stdout_match '^ngx502-trace [0-9]'
	run_tool '-?'
	expect_exit_code 0
	expect_stdout_match 'EXAMPLES'
	run_tool --usage
	expect_exit_code 0
	expect_stdout_match '^Usage: ngx502-trace '
	expect_stdout_match '--pid'
	run_tool -h
	expect_exit_code 0
	expect_stdout_match '--cause'
}

test_cause_invalid()
{
	run_tool --cause upstream_refused,no_such_cause
	expect_exit_code 2
	expect_stderr_lines 1
	expect_stderr_match 'no_such_cause'
	# the line lists the names it may be
	expect_stderr_match 'upstream_refused,.*backend_killed,.*unknown'
}

test_upstream_empty()
{
	run_tool --upstream ''
	expect_exit_code 2
	expect_stderr_lines 1
}

test_unpin_missing_dir()
{
	run_tool --unpin "$T/no-such-dir"
	expect_exit_code 1
	expect_stderr_lines 1
	expect_stderr_match "$T/no-such-dir"
}

# docs/ngx502-trace.8 and --help list the same long options, and man renders it cleanly
test_man_page_matches_help()
{
	local man="$ROOT/docs/ngx502-trace.8" help_opts man_opts warn

	run_tool --help
	expect_exit_code 0
	help_opts=$(grep -oE -- '--[a-z][a-z-]+' "$T/cli.out" | sort -u)
	# the page's options: the \-\-name words of each .TP item line (the line after .TP)
	man_opts=$(awk 'tp { s = $0; while (match(s, /\\-\\-[a-z][a-z\\-]*/)) {
			o = substr(s, RSTART, RLENGTH); gsub(/\\/, "", o); print o
			s = substr(s, RSTART + RLENGTH) } }
		{ tp = ($0 == ".TP") }' "$man" | sort -u)
	if [ -z "$help_opts" ] || [ -z "$man_opts" ]; then
		fail "no options found in --help or the man page"
	fi
	[ "$help_opts" = "$man_opts" ] ||
		fail "--help and docs/ngx502-trace.8 list other options: $(diff <(echo "$help_opts") \
			<(echo "$man_opts") | grep '^[<>]' | tr '\n' ' ')"
	require_cmd man
	warn=$(MANWIDTH=80 man --warnings -l "$man" 2>&1 >/dev/null)
	[ -z "$warn" ] || fail "man -l docs/ngx502-trace.8 warns: ${warn:0:400}"
	MANWIDTH=80 man -l "$man" 2>/dev/null | grep -q 'EXIT STATUS' ||
		fail "man -l docs/ngx502-trace.8 renders no EXIT STATUS section"
}

# --check: what this kernel supports; here BPF works, so everything is there
test_check()
{
	local c

	run_tool --check
	expect_exit_code 0
	expect_stdout_match '^  BTF /sys/kernel/btf/vmlinux +yes'
	expect_stdout_match 'tp_btf/inet_sock_set_state +yes'
	expect_stdout_match '^  lockdown '
	for c in upstream_refused backend_killed upstream_reset unknown; do
		expect_stdout_match "^  $c +yes"
	done
	# without privileges: said, and exit 1
	require_cmd setpriv
	run_tool_as setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all -- "$NGX502" --check
	expect_exit_code 1
	expect_stdout_match '^  privileges +no'
}

# --cause/--upstream: what they leave out is never printed, nor in the summary
test_cause_upstream_filters()
{
	local m id

	stage_refusing_nginx n1
	m=$(nginx_master n1)
	start_tracer --pid "$m" --cause upstream_reset,upstream_read_timeout
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_no_diag "" "" 2
	stop_tracer
	jq -e '.diagnoses == []' <<<"$SUMMARY" >/dev/null ||
		fail "the summary counts what --cause left out: $SUMMARY"

	start_tracer --pid "$m" --upstream "127.0.0.1:1" --cause upstream_refused
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_no_diag "" "" 2
	stop_tracer

	start_tracer --pid "$m" --upstream "127.0.0.1:$UPORT" --cause upstream_refused
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_refused "127.0.0.1:$UPORT"
	id=$(jq -r .id <<<"$DIAG")
	stop_tracer
	expect_summary upstream_refused "127.0.0.1:$UPORT" 1
	jq -e --arg id "$id" '.diagnoses[0].id == $id' <<<"$SUMMARY" >/dev/null ||
		fail "summary id is not the diagnosis' $id: $SUMMARY"
}

# one id on the new, log and burst lines of a diagnosis; another id for another
test_ids_and_kinds()
{
	local m kinds ids

	stage_refusing_nginx n1
	m=$(nginx_master n1)
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag_logged upstream_refused "127.0.0.1:$UPORT"
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_http 502 "http://127.0.0.1:$LPORT/"
	sleep 1
	stop_tracer
	kinds=$(jq -r 'select(.type == "diagnosis") | .kind' "$T/trace.out" | tr '\n' ' ')
	[ "$kinds" = "new log burst " ] || fail "diagnosis kinds '$kinds', want 'new log burst '"
	ids=$(jq -r 'select(.type == "diagnosis") | .id' "$T/trace.out" | sort -u)
	[ "$(wc -l <<<"$ids")" = 1 ] || fail "one diagnosis printed with ids: $ids"
	jq -e --arg id "$ids" '.diagnoses[0].id == $id' <<<"$SUMMARY" >/dev/null ||
		fail "summary id is not $ids: $SUMMARY"
	jq -s -e 'any(.[]; .type == "diagnosis" and .kind == "burst" and .count == 3)' \
		"$T/trace.out" >/dev/null || fail "the burst line does not count 3"
}

# -q: no start-up lines, the diagnosis and the summary still printed
test_quiet()
{
	local m pid

	stage_refusing_nginx n1
	m=$(nginx_master n1)
	"$NGX502" -q --pid "$m" -d 3 >"$T/quiet.out" 2>"$T/quiet.err" &
	pid=$!
	register_pid "$pid"
	sleep 1
	expect_http 502 "http://127.0.0.1:$LPORT/"
	wait "$pid" || fail "ngx502-trace -q exited $?: $(head -n 2 "$T/quiet.err")"
	! grep -Eq 'watching|probes attached' "$T/quiet.out" ||
		fail "-q printed start-up lines: $(head -n 3 "$T/quiet.out")"
	grep -q "upstream_refused 127.0.0.1:$UPORT worker" "$T/quiet.out" ||
		fail "-q printed no diagnosis: $(head -n 3 "$T/quiet.out")"
	grep -q 'ngx502-trace summary' "$T/quiet.out" || fail "-q printed no summary"
}

test_bogus_flag()
{
	run_tool --bogus-flag
	expect_exit_code 2
	expect_stderr_match '.'
}

test_duration_not_a_number()
{
	run_tool --duration abc
	expect_exit_code 2
	expect_stderr_match '.'
}

test_pid_missing()
{
	local pid=999999

	while [ -e "/proc/$pid" ]; do
		pid=$((pid + 1))
	done
	run_tool --pid "$pid"
	expect_exit_code 2
	expect_stderr_lines 1
	expect_stderr_match "$pid"
}

test_pid_not_nginx()
{
	local pid

	sleep 60 &
	pid=$!
	register_pid "$pid"
	run_tool --pid "$pid"
	expect_exit_code 2
	expect_stderr_lines 1
	expect_stderr_match "$pid"
}

test_duration_exits()
{
	local m start elapsed

	stage_nginx n1 < <(proxy_server "$(free_port)" "http://127.0.0.1:$(free_port)")
	m=$(nginx_master n1)
	start=$SECONDS
	run_tool --json --pid "$m" -d 1
	elapsed=$((SECONDS - start))
	expect_exit_code 0
	[ "$elapsed" -le 4 ] || fail "-d 1 took $elapsed s"
	expect_json_lines "$T/cli.out"
	jq -e 'select(.type == "summary")' "$T/cli.out" >/dev/null ||
		fail "no summary line at the end of --duration"
}

test_sigint_summary()
{
	local m

	stage_refusing_nginx n1
	m=$(nginx_master n1)
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_refused "127.0.0.1:$UPORT"
	stop_tracer
	expect_summary upstream_refused "127.0.0.1:$UPORT" 1
}

test_error_log_unreadable()
{
	local m path="$T/no-such-dir/error.log"

	stage_nginx n1 < <(proxy_server "$(free_port)" "http://127.0.0.1:$(free_port)")
	m=$(nginx_master n1)
	run_tool --pid "$m" --error-log "$path"
	expect_exit_code 1
	expect_stderr_lines 1
	expect_stderr_match "$path"
}
