# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# Connect-phase causes that need a limit or a policy staged: descriptors
# (fd_exhausted) and a cgroup BPF program refusing the connect
# (upstream_connect_denied).

DENIED_PORT=18999	# tests/tools/deny_connect.bpf.c

test_fd_exhausted()
{
	local d="$T/fd" lport m codes n500

	lport=$(free_port)
	mkdir -p "$d/tmp" && chmod 0755 "$d" "$d/tmp"
	start_backend hang "127.0.0.1:$((lport + 1))"
	# 14 descriptors: the worker's own ~10, then each request needs two
	cat >"$d/nginx.conf" <<-EOF
		user www-data;
		worker_processes 1;
		worker_rlimit_nofile 14;
		pid $d/nginx.pid;
		error_log $d/error.log;
		events { worker_connections 512; }
		http {
		    access_log off;
		    client_body_temp_path $d/tmp; proxy_temp_path $d/tmp;
		    server {
		        listen 127.0.0.1:$lport;
		        location / { proxy_pass http://127.0.0.1:$((lport + 1)); proxy_read_timeout 3s; }
		    }
		}
	EOF
	"$NGINX_BIN" -c "$d/nginx.conf" -p "$d/" 2>"$d/start.err" || fail "nginx: $(cat "$d/start.err")"
	wait_until 5 test -s "$d/nginx.pid" || fail "no pid file"
	m=$(cat "$d/nginx.pid")
	register_pid "$m"
	wait_until 5 nginx_has_workers "$m" 1 || fail "no worker"
	start_tracer --pid "$m"
	codes=$(fire 12 "http://127.0.0.1:$lport/")
	log "codes: $codes"
	case "$codes" in *500:*) ;; *) fail "no request hit the descriptor limit: $codes" ;; esac
	expect_diag fd_exhausted "127.0.0.1:$((lport + 1))"
	expect_field .errno 24
	expect_fix 'worker_rlimit_nofile'
	expect_diag_logged fd_exhausted "127.0.0.1:$((lport + 1))"
	stop_tracer
	grep -q 'socket() failed (24: ' "$d/error.log" || fail "nginx logged no socket() failure"
	# what clients got: every 500 of this run, on fd_exhausted (nginx answers 500 here)
	n500=$(fire_count 500)
	jq -e --argjson n "$n500" 'any(.diagnoses[]; .cause == "fd_exhausted"
		and .responses["500"] == $n) and .responses["500"] == $n' <<<"$SUMMARY" >/dev/null ||
		fail "want $n500 × 500 on fd_exhausted: $SUMMARY"
}

test_connect_denied()
{
	local obj="$ROOT/${OUTPUT_DIR:-.output}/tests/deny_connect.bpf.o" pin="/sys/fs/bpf/ngx502-test-deny-$$"
	local lport m

	[ -n "${TEST_CGROUP:-}" ] || skip "no test cgroup v2 directory to attach a connect4 program to"
	[ -f "$obj" ] || fail "no $obj (make builds it)"
	require_cmd bpftool
	tcp_answers 127.0.0.1 "$DENIED_PORT" && skip "port $DENIED_PORT is in use here"
	mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || skip "no bpffs"
	bpftool prog load "$obj" "$pin" type cgroup/connect4 || fail "cannot load the connect4 program"
	# the program goes with the test cgroup; the pin must go too, whatever happens
	# shellcheck disable=SC2064
	trap "rm -f $pin" EXIT
	bpftool cgroup attach "$TEST_CGROUP" connect4 pinned "$pin" ||
		fail "cannot attach connect4 to $TEST_CGROUP"
	lport=$(free_port)
	stage_nginx n1 < <(proxy_server "$lport" "http://127.0.0.1:$DENIED_PORT")
	m=$(nginx_master n1)
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$lport/"
	expect_diag upstream_connect_denied "127.0.0.1:$DENIED_PORT"
	expect_field .errno 1
	expect_evidence 'EPERM'
	expect_diag_logged upstream_connect_denied "127.0.0.1:$DENIED_PORT"
	stop_tracer
	bpftool cgroup detach "$TEST_CGROUP" connect4 pinned "$pin"
	rm -f "$pin"
}
