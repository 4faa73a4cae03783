# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# Faults, floods and hostile input (docs/DESIGN.md §8): the tool keeps
# working, says what happened, never crashes and leaves nothing behind.

# LPORT and UPORT are set by stage_refusing_nginx
# shellcheck disable=SC2153

set_timeout test_buffer_overrun_is_counted 90
set_timeout test_binary_upgrade_is_followed 90

# raw_request PORT: send stdin as a request and read the answer. The
# connection stays open until nginx answers: a client that goes away first
# makes nginx drop the request (499) without logging the upstream failure.
raw_request()
{
	timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && cat >&3 && cat <&3 >/dev/null" \
		2>/dev/null
}

# Our programs, as bpftool lists them.
our_progs()
{
	bpftool prog show 2>/dev/null | grep -c ' name handle_'
}

test_not_root_one_line()
{
	local nobody

	require_cmd setpriv
	nobody=$(id -u nobody)
	RUN_TIMEOUT=5 run_tool_as setpriv --reuid "$nobody" --regid "$nobody" --clear-groups \
		--inh-caps=-all -- "$NGX502" -d 1
	expect_exit_code 1
	expect_stderr_lines 1
	expect_stderr_match 'CAP_BPF'
	# root without CAP_PERFMON and CAP_SYS_ADMIN: the missing one is named
	RUN_TIMEOUT=5 run_tool_as setpriv --bounding-set=-perfmon,-sys_admin \
		--inh-caps=-perfmon,-sys_admin -- "$NGX502" -d 1
	expect_exit_code 1
	expect_stderr_lines 1
	expect_stderr_match 'CAP_PERFMON'
}

test_sigkill_leaves_nothing_attached()
{
	local before

	stage_refusing_nginx n1
	before=$(our_progs)
	start_tracer --pid "$(nginx_master n1)"
	[ "$(our_progs)" -gt "$before" ] || fail "the tracer's programs are not listed by bpftool"
	kill -KILL "$TRACER_PID"
	wait "$TRACER_PID" 2>/dev/null
	# the kernel frees programs and links once the last fd is gone
	wait_until 5 progs_back_to "$before" ||
		fail "programs left attached after SIGKILL: $(our_progs) now, $before before"
}

progs_back_to()
{
	[ "$(our_progs)" -le "$1" ]
}

test_two_instances_both_work()
{
	local m out2="$T/trace2.out" pid2

	stage_refusing_nginx n1
	m=$(nginx_master n1)
	env --default-signal=INT "$NGX502" --json --pid "$m" >"$out2" 2>"$T/trace2.err" &
	pid2=$!
	register_pid "$pid2"
	start_tracer --pid "$m"
	wait_until 5 grep -q '"type":"ready"' "$out2" || fail "second instance not ready"
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_refused "127.0.0.1:$UPORT"
	# both see the kernel event and the log line (each has its own uprobes)
	expect_diag_logged upstream_refused "127.0.0.1:$UPORT"
	wait_until 5 grep -q '"source":"kernel+log"' "$out2" ||
		fail "the second instance did not get the log line: $(grep diagnosis "$out2" | head -2)"
	kill -INT "$pid2"
	wait "$pid2" || fail "second instance exited non-zero"
	stop_tracer
}

test_buffer_overrun_is_counted()
{
	local rss

	require_cmd wrk
	stage_refusing_nginx n1
	start_tracer --pid "$(nginx_master n1)" --buffer-pages 1
	wrk -t1 -c64 -d5s "http://127.0.0.1:$LPORT/" >"$T/wrk.out" 2>&1
	# still answering while it drains
	pid_alive "$TRACER_PID" || fail "tracer died in the flood"
	rss=$(awk '/VmRSS/ { print $2 }' "/proc/$TRACER_PID/status")
	# ASan's shadow memory and quarantine make RSS meaningless in a sanitized build
	[ "${NGX502_SANITIZED:-}" = 1 ] || [ "$rss" -lt 65536 ] || fail "tracer RSS grew to $rss kB"
	stop_tracer
	jq -e '.lost > 0' <<<"$SUMMARY" >/dev/null ||
		fail "a one-page buffer under a flood lost nothing? $SUMMARY"
	grep -q '"type":"warning".*lost' "$T/trace.out" ||
		fail "no warning about lost events"
	expect_summary upstream_refused "127.0.0.1:$UPORT" 100
}

test_hostile_bytes_in_log_lines()
{
	local human="$T/human.out" hpid

	stage_refusing_nginx n1
	start_tracer --pid "$(nginx_master n1)"
	"$NGX502" --pid "$(nginx_master n1)" >"$human" 2>&1 &
	hpid=$!
	register_pid "$hpid"
	sleep 1
	# raw invalid UTF-8 and a quote/backslash in the request line: nginx logs it as it came
	printf 'GET /\xff\xfe\xc3\x28"\\x HTTP/1.0\r\n\r\n' | raw_request "$LPORT"
	sleep 0.5
	expect_diag_logged upstream_refused "127.0.0.1:$UPORT"
	# every line valid UTF-8 JSON, the bytes escaped as text, not dropped
	iconv -f UTF-8 -t UTF-8 "$T/trace.out" >/dev/null || fail "output is not valid UTF-8"
	jq -e 'select(.type == "diagnosis" and .log != null) | .log | contains("\\xff\\xfe\\xc3(\"\\")' \
		"$T/trace.out" | grep -q true || fail "log line not carried exactly: $(grep -m1 '"log":"' "$T/trace.out")"
	kill -INT "$hpid"
	wait "$hpid"
	iconv -f UTF-8 -t UTF-8 "$human" >/dev/null || fail "human output is not valid UTF-8"
	if LC_ALL=C grep -q $'\x1b' "$human"; then fail "raw ESC reached the terminal output"; fi
	grep -q '\\xff\\xfe' "$human" || fail "invalid bytes not shown as \\xNN: $(grep -m1 log: "$human")"
	stop_tracer
}

test_bad_requests_are_not_upstream_causes()
{
	stage_refusing_nginx n1
	start_tracer --pid "$(nginx_master n1)"
	printf 'GARBAGE\r\n\r\n' | raw_request "$LPORT"
	printf 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n' | raw_request "$LPORT"
	expect_no_diag "" "" 2
	stop_tracer
}

test_garbage_and_huge_lines_in_followed_log()
{
	local f="$T/other-error.log"

	stage_refusing_nginx n1
	: >"$f"
	start_tracer --pid "$(nginx_master n1)" --error-log "$f"
	{
		printf 'garbage \x00\x01\x02 line\n'
		head -c 1048576 /dev/zero | tr '\0' 'A'
		printf '\n2026/11/25 10:00:00 [error] 1#1: *1 connect() to unix:/x.sock fai'
		printf '\n'
		printf '2026/11/25 10:00:01 [error] 4242#4242: *7 no live upstreams while connecting to upstream, client: 127.0.0.1, server: , request: "GET / HTTP/1.1", upstream: "http://backend/", host: "x"\n'
	} >>"$f"
	expect_diag no_live_upstreams backend 10
	expect_field .source log
	pid_alive "$TRACER_PID" || fail "tracer died on garbage"
	stop_tracer
}

test_nginx_restart_is_picked_up()
{
	local old new w

	stage_refusing_nginx n1
	old=$(nginx_master n1)
	start_tracer
	kill -QUIT "$old"
	wait_until 10 all_dead "$old" || fail "old nginx did not stop"
	nginx -c "$T/n1/nginx.conf" -p "$T/n1/" || fail "nginx did not start again"
	wait_until 10 test -s "$T/n1/nginx.pid"
	new=$(cat "$T/n1/nginx.pid")
	register_pid "$new"
	[ "$new" != "$old" ] || fail "same master pid"
	wait_until 10 nginx_has_workers "$new" 2
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_refused "127.0.0.1:$UPORT"
	w=$(jq -r .nginx_pid <<<"$DIAG")
	[ "$(awk '/PPid/ { print $2 }' "/proc/$w/status" 2>/dev/null)" = "$new" ] ||
		fail "diagnosis names worker $w, not one of the new master $new"
	stop_tracer
}

test_pid_target_gone_warns()
{
	local m

	stage_refusing_nginx n1
	m=$(nginx_master n1)
	start_tracer --pid "$m"
	kill -QUIT "$m"
	wait_until 10 all_dead "$m" || fail "nginx did not stop"
	wait_until 5 grep -q '"type":"warning".*exited' "$T/trace.out" ||
		fail "no warning that the target is gone: $(tail -3 "$T/trace.out")"
	stop_tracer
}

test_binary_upgrade_is_followed()
{
	local old new

	stage_refusing_nginx n1
	old=$(nginx_master n1)
	start_tracer --pid "$old"
	kill -USR2 "$old"
	wait_until 10 test -s "$T/n1/nginx.pid.oldbin" || fail "no binary upgrade started"
	wait_until 10 new_master_of "$old"
	new=$(cat "$T/n1/nginx.pid")
	register_pid "$new"
	kill -WINCH "$old"
	sleep 1
	kill -QUIT "$old"
	wait_until 10 all_dead "$old" || fail "old master did not quit"
	wait_until 10 nginx_has_workers "$new" 2
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_refused "127.0.0.1:$UPORT"
	w=$(jq -r .nginx_pid <<<"$DIAG")
	[ "$(awk '/PPid/ { print $2 }' "/proc/$w/status" 2>/dev/null)" = "$new" ] ||
		fail "diagnosis names worker $w, not one of the new master $new"
	stop_tracer
}

new_master_of()
{
	[ -s "$T/n1/nginx.pid" ] && [ "$(cat "$T/n1/nginx.pid")" != "$1" ]
}
