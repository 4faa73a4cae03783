# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# After-connect failures (docs/DESIGN.md §4: upstream_reset,
# upstream_premature_close, upstream_read_timeout, upstream_header_too_big,
# backend_killed) with real nginx and php-fpm: each is diagnosed from kernel
# evidence first (source "kernel"), then printed again with its nginx
# error-log line (source "kernel+log"). Idle keep-alive connections closed by
# the backend are no failure at all. See tests/e2e/README.

set_timeout test_keepalive_idle_close_is_silent 60
set_timeout test_fpm_request_terminate 60
set_timeout test_fpm_request_terminate_every_kill 90
set_timeout test_fpm_child_segv 60
set_timeout test_fpm_oom_kill 60

# stage_proxy_to_backend MODE [ARG] [EXTRA_DIRECTIVES]: the test backend in MODE
# on a free port and nginx n1 proxying to it; sets LPORT, BPORT, MASTER, WORKERS.
stage_proxy_to_backend()
{
	local mode=$1 arg=${2:-} extra=${3:-}

	LPORT=$(free_port)
	BPORT=$(free_port)
	# shellcheck disable=SC2086 # ARG is empty or one word
	start_backend "$mode" $arg "127.0.0.1:$BPORT"
	stage_nginx n1 < <(proxy_server "$LPORT" "http://127.0.0.1:$BPORT" "$extra")
	MASTER=$(nginx_master n1)
	mapfile -t WORKERS < <(nginx_workers "$MASTER")
}

test_upstream_reset()
{
	stage_proxy_to_backend reset
	start_tracer --pid "$MASTER"
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_reset "127.0.0.1:$BPORT"
	expect_pid_in "${WORKERS[@]}"
	case "$(jq -r .errno <<<"$DIAG")" in
	null | 104) ;;
	*) fail "errno of a reset should be 104 or null: $DIAG" ;;
	esac
	expect_evidence 'RST|reset'
	expect_log_match n1 '\((104|32): .*upstream'
	expect_kernel_then_logged upstream_reset "127.0.0.1:$BPORT" \
		'(recv|readv|send|writev)\(\) failed \((104|32): '
	stop_tracer
	expect_summary_exact upstream_reset "127.0.0.1:$BPORT" 1
}

test_premature_close()
{
	stage_proxy_to_backend close
	start_tracer --pid "$MASTER"
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_premature_close "127.0.0.1:$BPORT"
	expect_pid_in "${WORKERS[@]}"
	expect_evidence 'FIN|clos'
	expect_log_match n1 'upstream prematurely closed connection'
	expect_kernel_then_logged upstream_premature_close "127.0.0.1:$BPORT" \
		'upstream prematurely closed connection while reading response header'
	stop_tracer
	expect_summary_exact upstream_premature_close "127.0.0.1:$BPORT" 1
}

test_read_timeout()
{
	stage_proxy_to_backend hang '' 'proxy_read_timeout 1s;'
	start_tracer --pid "$MASTER"
	expect_http 504 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_read_timeout "127.0.0.1:$BPORT"
	expect_pid_in "${WORKERS[@]}"
	case "$(jq -r .errno <<<"$DIAG")" in
	null | 110) ;;
	*) fail "errno of a read timeout should be 110 or null: $DIAG" ;;
	esac
	expect_log_match n1 'upstream timed out \(110: .* while reading response header'
	expect_kernel_then_logged upstream_read_timeout "127.0.0.1:$BPORT" \
		'upstream timed out \(110: .*while reading response header from upstream'
	# no other cause for the same failure (nginx's close is no premature close)
	[ -z "$(diag_lines | jq -c 'select(.cause != "upstream_read_timeout")')" ] ||
		fail "other diagnoses besides upstream_read_timeout: $(diag_lines |
			jq -r 'select(.cause != "upstream_read_timeout") | .cause' | sort -u | tr '\n' ' ')"
	stop_tracer
	expect_summary_exact upstream_read_timeout "127.0.0.1:$BPORT" 1
}

test_header_too_big()
{
	stage_proxy_to_backend bigheader 20000 'proxy_buffer_size 4k;'
	start_tracer --pid "$MASTER"
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_header_too_big "127.0.0.1:$BPORT"
	expect_pid_in "${WORKERS[@]}"
	expect_evidence '20050'
	# the configured buffer the header did not fit (docs/DESIGN.md §4: size vs the buffer)
	jq -r '.evidence[], .fix' <<<"$DIAG" | grep -Eqi '4096|\b4 ?k' ||
		fail "neither evidence nor fix names the 4k proxy_buffer_size: $DIAG"
	expect_fix 'proxy_buffer_size'
	expect_log_match n1 'upstream sent too big header'
	expect_kernel_then_logged upstream_header_too_big "127.0.0.1:$BPORT" \
		'upstream sent too big header while reading response header'
	[ -z "$(diag_lines | jq -c 'select(.cause != "upstream_header_too_big")')" ] ||
		fail "other diagnoses besides upstream_header_too_big: $(diag_lines |
			jq -r 'select(.cause != "upstream_header_too_big") | .cause' | sort -u | tr '\n' ' ')"
	stop_tracer
	expect_summary_exact upstream_header_too_big "127.0.0.1:$BPORT" 1
}

test_fpm_request_terminate()
{
	local lport sock m
	local -a w

	stage_fpm f1 request_terminate_timeout=1s
	sock=$(fpm_sock f1)
	lport=$(free_port)
	stage_nginx n1 < <(fcgi_server "$lport" "$sock")
	m=$(nginx_master n1)
	mapfile -t w < <(nginx_workers "$m")
	expect_http 200 "http://127.0.0.1:$lport/ok.php"
	start_tracer --pid "$m"
	CURL_TIMEOUT=10 expect_http 502 "http://127.0.0.1:$lport/slow.php?s=3"
	expect_diag backend_killed "unix:$sock"
	expect_pid_in "${w[@]}"
	expect_evidence 'SIGTERM|signal 15'
	expect_evidence 'php-fpm'
	wait_until 5 grep -q 'exited on signal 15' "$T/f1/php-fpm.log" ||
		fail "php-fpm log has no 'exited on signal 15': $(tail -n 3 "$T/f1/php-fpm.log")"
	expect_kernel_then_logged backend_killed "unix:$sock" \
		'upstream prematurely closed|\(104: '
	stop_tracer
	expect_summary_exact backend_killed "unix:$sock" 1
}

# Every kill is seen (issue #15): with 2 and 3 children, 3 concurrent slow
# requests (with 2 children the third runs in a respawned child), then 3 in a
# row as `make demo` sends them (nginx's next unix socket takes the address of
# the last one, so the id of nginx's socket alone does not tell two kills
# apart). Each request is one backend_killed, never a cause from its log line.
test_fpm_request_terminate_every_kill()
{
	local c lport sock got masters=''
	local -A lports=() socks=()

	for c in 2 3; do
		stage_fpm "f$c" request_terminate_timeout=1s "pm.max_children=$c"
		socks[$c]=$(fpm_sock "f$c")
		lports[$c]=$(free_port)
		stage_nginx "n$c" < <(fcgi_server "${lports[$c]}" "${socks[$c]}")
		expect_http 200 "http://127.0.0.1:${lports[$c]}/ok.php"
		masters+="${masters:+,}$(nginx_master "n$c")"
	done
	start_tracer --pid "$masters"
	for c in 2 3; do
		lport=${lports[$c]}
		got=$(CURL_TIMEOUT=10 fire 3 "http://127.0.0.1:$lport/slow.php?s=5")
		log "pm.max_children = $c, 3 concurrent requests: $got"
		[ "$(fire_count 502)" = 3 ] || fail "3 concurrent requests with $c children: $got"
		CURL_TIMEOUT=10 fail_n 3 "http://127.0.0.1:$lport/slow.php?s=3" 502
	done
	for c in 2 3; do
		wait_count backend_killed "unix:${socks[$c]}" 6
	done
	stop_tracer
	for c in 2 3; do
		sock=${socks[$c]}
		expect_summary_exact backend_killed "unix:$sock" 6
		[ "$(log_lines "n$c" 'prematurely closed|\(104: ')" = 6 ] ||
			fail "nginx n$c logged $(log_lines "n$c" 'prematurely closed|\(104: ') failures, want 6"
	done
	jq -e '[.diagnoses[]? | select(.cause != "backend_killed")] | length == 0' \
		<<<"$SUMMARY" >/dev/null || fail "a killed child was diagnosed as something else: $SUMMARY"
}

# The same over TCP: the killed child's socket leads back to nginx's through
# the local port of nginx's connection (the kernel's conn_ports array).
test_fpm_request_terminate_tcp()
{
	local lport fport m

	fport=$(free_port)
	stage_fpm f1 request_terminate_timeout=1s "listen=127.0.0.1:$fport"
	lport=$(free_port)
	stage_nginx n1 < <(fcgi_server "$lport" "$T/unused.sock" |
				sed "s#fastcgi_pass unix:.*;#fastcgi_pass 127.0.0.1:$fport;#")
	m=$(nginx_master n1)
	expect_http 200 "http://127.0.0.1:$lport/ok.php"
	start_tracer --pid "$m"
	CURL_TIMEOUT=10 expect_http 502 "http://127.0.0.1:$lport/slow.php?s=3"
	expect_diag backend_killed "127.0.0.1:$fport"
	expect_evidence 'SIGTERM|signal 15'
	stop_tracer
	expect_summary_exact backend_killed "127.0.0.1:$fport" 1
}

test_fpm_child_segv()
{
	local lport sock m child req
	local -a w

	stage_fpm f1 pm.max_children=1
	sock=$(fpm_sock f1)
	lport=$(free_port)
	stage_nginx n1 < <(fcgi_server "$lport" "$sock")
	m=$(nginx_master n1)
	mapfile -t w < <(nginx_workers "$m")
	expect_http 200 "http://127.0.0.1:$lport/ok.php"
	start_tracer --pid "$m"
	http_code "http://127.0.0.1:$lport/slow.php?s=5" >"$T/segv.code" &
	req=$!
	# the only child, once it sleeps inside slow.php
	wait_until 3 fpm_busy_child f1 >/dev/null || { log "wchan unknown: killing after 1 s"; sleep 1; }
	child=$(fpm_children f1 | head -n 1)
	[ -n "$child" ] || fail "php-fpm f1 has no child"
	kill -SEGV "$child" || fail "cannot signal php-fpm child $child"
	log "php-fpm child $child sent SIGSEGV"
	wait "$req"
	[ "$(cat "$T/segv.code")" = 502 ] ||
		fail "slow.php whose child got SIGSEGV answered $(cat "$T/segv.code"), want 502"
	expect_diag backend_killed "unix:$sock"
	expect_pid_in "${w[@]}"
	expect_evidence 'SIGSEGV|signal 11'
	expect_evidence "$child|php-fpm"
	expect_kernel_then_logged backend_killed "unix:$sock" \
		'upstream prematurely closed|\(104: '
	stop_tracer
	expect_summary_exact backend_killed "unix:$sock" 1
}

test_keepalive_idle_close_is_silent()
{
	local lport bport m bad idle_closed

	lport=$(free_port)
	bport=$(free_port)
	# the backend closes a keep-alive connection idle for 300 ms
	start_backend keepalive 300 "127.0.0.1:$bport"
	stage_nginx n1 <<-EOF
		upstream ka {
		    server 127.0.0.1:$bport;
		    keepalive 16;
		}
		server {
		    listen 127.0.0.1:$lport;
		    location / {
		        proxy_pass http://ka;
		        proxy_http_version 1.1;
		        proxy_set_header Connection "";
		    }
		}
	EOF
	m=$(nginx_master n1)
	expect_http 200 "http://127.0.0.1:$lport/"
	start_tracer --pid "$m"
	# bursts of 1 s, pauses of 0.8 s: every pooled connection is closed by
	# the backend while idle, several times over
	load_with_pauses "http://127.0.0.1:$lport/" 5 1 0.8
	bad=$(cat "$T/load.bad")
	[ -z "$bad" ] || fail "keep-alive load had failures: $bad"
	[ "$(awk '{ s += $1 } END { print s + 0 }' "$T/load.total")" -ge 50 ] ||
		fail "keep-alive load made too few requests: $(tr '\n' ' ' <"$T/load.total")"
	# the backend closed pooled connections for being idle: a close it
	# starts leaves TIME-WAIT on its side (source port BPORT); were nginx
	# closing them after each response, TIME-WAIT would be on nginx's side
	idle_closed=$(backend_closed_first "$bport")
	log "connections closed first by the backend (TIME-WAIT on :$bport): $idle_closed"
	[ "$idle_closed" -ge 1 ] ||
		fail "the backend closed no idle keep-alive connection: the test proves nothing"
	[ "$(grep -c '\[error\]' "$(nginx_log n1)")" = 0 ] ||
		fail "nginx logged errors under keep-alive load: $(grep -m1 '\[error\]' "$(nginx_log n1)")"
	expect_no_diag "" "" 2
	stop_tracer
	[ "$(jq '.diagnoses | length' <<<"$SUMMARY")" = 0 ] ||
		fail "summary lists diagnoses for idle keep-alive closes: $SUMMARY"
}

# memory_cgroup LIMIT: a cgroup with a memory limit, for php-fpm alone; sets MEMCG (its
# directory) and MEMCG_REL (its path as the tool names it, relative to its mount), both empty
# when none can be made. cgroup v2 (memory.max): a sibling of the test's cgroup, which holds
# processes and so can have no child with a controller; else the v1 memory hierarchy
# (memory.limit_in_bytes). tests/run removes it after the test ($T/.cgroups).
memory_cgroup()
{
	local limit=$1 mnt rel parent

	MEMCG='' MEMCG_REL=''
	if [ -n "${TEST_CGROUP:-}" ]; then
		mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
		parent=${TEST_CGROUP%/*}
		if grep -qw memory "$parent/cgroup.controllers" 2>/dev/null &&
			{ grep -qw memory "$parent/cgroup.subtree_control" ||
				echo +memory >"$parent/cgroup.subtree_control"; } 2>/dev/null &&
			mkdir "$TEST_CGROUP.mem" 2>/dev/null; then
			echo "$TEST_CGROUP.mem" >>"$T/.cgroups"
			if echo "$limit" >"$TEST_CGROUP.mem/memory.max"; then
				MEMCG=$TEST_CGROUP.mem MEMCG_REL=${MEMCG#"$mnt"}
				return 0
			fi
		fi
	fi
	mnt=$(awk '$3 == "cgroup" && $4 ~ /(^|,)memory(,|$)/ { print $2; exit }' /proc/mounts)
	rel=$(awk -F: '$2 == "memory" { print $3; exit }' /proc/self/cgroup)
	[ -n "$mnt" ] && [ -n "$rel" ] || return 0
	rel=${rel%/}/ngx502-${T##*/}
	mkdir "$mnt$rel" 2>/dev/null || return 0
	echo "$mnt$rel" >>"$T/.cgroups"
	echo "$limit" >"$mnt$rel/memory.limit_in_bytes" || return 0
	MEMCG=$mnt$rel MEMCG_REL=$rel
}

# A php-fpm child that allocates past its memory cgroup's limit is killed by the OOM killer
# (issue #15): backend_killed, with the cgroup, its limit and usage, the victim's RSS, and a fix
# that names pm.max_children at its file:line.
test_fpm_oom_kill()
{
	local lport sock m
	local -a w

	memory_cgroup $((64 << 20))
	[ -n "$MEMCG" ] || skip "no memory cgroup can be made here: the cgroup v2 mount" \
		"has no memory controller to enable and there is no writable v1 memory hierarchy"
	log "php-fpm's memory cgroup: $MEMCG ($MEMCG_REL)"
	FPM_CGROUP=$MEMCG stage_fpm f1 'php_admin_value[memory_limit]=-1'
	# shellcheck disable=SC2016 # PHP, not shell
	printf '<?php $a = []; while (true) { $a[] = str_repeat("x", 1 << 20); }\n' \
		>"$T/www/oom.php"
	chmod 0644 "$T/www/oom.php"
	sock=$(fpm_sock f1)
	lport=$(free_port)
	stage_nginx n1 < <(fcgi_server "$lport" "$sock")
	m=$(nginx_master n1)
	mapfile -t w < <(nginx_workers "$m")
	expect_http 200 "http://127.0.0.1:$lport/ok.php"
	start_tracer --pid "$m"
	CURL_TIMEOUT=20 expect_http 502 "http://127.0.0.1:$lport/oom.php"
	expect_diag backend_killed "unix:$sock"
	expect_pid_in "${w[@]}"
	expect_evidence "killed by the OOM killer: memory cgroup $MEMCG_REL: limit 64 MiB, usage [0-9.]+ MiB"
	expect_evidence "the victim's RSS [0-9.]+ MiB"
	expect_fix "^set php_admin_value\\[memory_limit\\] = [0-9]+M in pool www"
	expect_fix "pm.max_children = 2 \\($T/f1/php-fpm.conf:[0-9]+\\)"
	stop_tracer
	expect_summary_exact backend_killed "unix:$sock" 1
}
