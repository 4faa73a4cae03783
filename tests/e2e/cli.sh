# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# The command line of docs/DESIGN.md §2: exit codes (0 normal stop, 1 runtime
# failure with one clear line on stderr, 2 usage error), --help, --version,
# --duration, SIGINT.

# usage checks happen before any BPF work: these run even without BPF
no_bpf test_help test_version test_bogus_flag test_duration_not_a_number

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
	expect_exit_code 1
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
	expect_exit_code 1
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
