# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# nginx error-log lines and the diagnoses (docs/DESIGN.md §3-4): lines
# captured in the kernel at nginx's write() and attached to kernel diagnoses
# (source "kernel+log"), log-only causes (source "log"), nginx logging to a
# pipe, and --error-log following a file through rotation without losing or
# doubling a failure. See tests/e2e/README.

# LPORT and UPORT are set by stage_refusing_nginx
# shellcheck disable=SC2153

set_timeout test_error_log_rotation 90

test_log_line_attached()
{
	local m lport sock="$T/run/php8.1-fpm.sock"

	stage_refusing_nginx n1
	m=$(nginx_master n1)
	mkdir -p "$T/run" && chmod 0755 "$T/run"
	php_scripts
	lport=$(free_port)
	stage_nginx n2 < <(fcgi_server "$lport" "$sock")
	start_tracer --pid "$m,$(nginx_master n2)"
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_kernel_then_logged upstream_refused "127.0.0.1:$UPORT" \
		'connect\(\) failed \(111: .*while connecting to upstream'
	expect_field .errno 111
	expect_log_line "upstream: \"http://127.0.0.1:$UPORT/\""
	expect_http 502 "http://127.0.0.1:$lport/ok.php"
	expect_kernel_then_logged upstream_socket_missing "unix:$sock" \
		"connect\\(\\) to unix:$sock failed \\(2: No such file"
	expect_field .errno 2
	# each reprint carries its own line, not the other's
	[ "$(diag_lines upstream_refused | jq -r '.log // empty' | grep -c 'unix:')" = 0 ] ||
		fail "an upstream_refused diagnosis carries the unix socket's log line"
	stop_tracer
	expect_summary_exact upstream_refused "127.0.0.1:$UPORT" 1
	expect_summary_exact upstream_socket_missing "unix:$sock" 1
}

test_log_to_stderr_pipe()
{
	local lport uport m
	local -a w

	lport=$(free_port)
	uport=$(free_port)
	stage_nginx_stderr_pipe n1 < <(proxy_server "$lport" "http://127.0.0.1:$uport")
	m=$(nginx_master n1)
	mapfile -t w < <(nginx_workers "$m")
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$lport/"
	wait_until 5 grep -q 'connect() failed (111: ' "$T/n1/stderr.log" ||
		fail "nginx wrote no refusal to its stderr pipe: $(tail -n 2 "$T/n1/stderr.log")"
	expect_diag_logged upstream_refused "127.0.0.1:$uport"
	expect_source kernel+log
	expect_field .errno 111
	expect_pid_in "${w[@]}"
	expect_log_line 'connect\(\) failed \(111: .*while connecting to upstream'
	# the tool cannot read a pipe it does not own: it must not crash on it
	pid_alive "$TRACER_PID" || fail "tracer died with nginx logging to a pipe"
	stop_tracer
	expect_summary_exact upstream_refused "127.0.0.1:$uport" 1
}

test_no_live_upstreams()
{
	local lport p1 p2 m refused
	local -a w

	lport=$(free_port)
	p1=$(free_port)
	p2=$(free_port)
	stage_nginx n1 <<-EOF
		upstream backend {
		    server 127.0.0.1:$p1 max_fails=1 fail_timeout=30s;
		    server 127.0.0.1:$p2 max_fails=1 fail_timeout=30s;
		}
		server {
		    listen 127.0.0.1:$lport;
		    location / { proxy_pass http://backend; }
		}
	EOF
	m=$(nginx_master n1)
	start_tracer --pid "$m"
	# each worker keeps its own peer state: the first request a worker
	# serves is refused by both servers, the next ones find no live peer
	fail_n 8 "http://127.0.0.1:$lport/" 502
	expect_log_match n1 'no live upstreams while connecting to upstream'
	expect_diag upstream_refused "127.0.0.1:$p1"
	expect_diag upstream_refused "127.0.0.1:$p2"
	expect_diag no_live_upstreams backend
	expect_source log
	expect_log_line 'no live upstreams while connecting to upstream'
	mapfile -t w < <(nginx_workers "$m")
	expect_pid_in "${w[@]}"
	expect_evidence "127.0.0.1:$p1|127.0.0.1:$p2"
	expect_evidence 'refused|111'
	stop_tracer
	refused=$(log_lines n1 'connect\(\) failed \(111: ')
	expect_summary_exact no_live_upstreams backend "$(log_lines n1 'no live upstreams')"
	[ "$(($(summary_count upstream_refused "127.0.0.1:$p1") +
	      $(summary_count upstream_refused "127.0.0.1:$p2")))" = "$refused" ] ||
		fail "summary counts refusals other than the $refused nginx logged: $SUMMARY"
}

test_error_log_file_follow()
{
	local m n=5

	stage_refusing_nginx n1
	m=$(nginx_master n1)
	start_tracer --pid "$m" --error-log "$(nginx_log n1)"
	fail_n "$n" "http://127.0.0.1:$LPORT/" 502
	expect_diag_logged upstream_refused "127.0.0.1:$UPORT"
	expect_log_line 'connect\(\) failed \(111: '
	wait_count upstream_refused "127.0.0.1:$UPORT" "$n"
	# give the file follower time to (wrongly) add the same lines again
	sleep 1
	[ "$(log_lines n1 'connect\(\) failed \(111: ')" = "$n" ] ||
		fail "nginx logged $(log_lines n1 'connect\(\) failed') refusals, want $n"
	[ "$(diag_lines upstream_refused "127.0.0.1:$UPORT" |
	     jq -r 'select(.count > '"$n"')' | head -n 1)" = "" ] ||
		fail "a diagnosis counts more than the $n failures: $(diag_lines | tail -n 1)"
	stop_tracer
	expect_summary_exact upstream_refused "127.0.0.1:$UPORT" "$n"
	[ "$(jq '[.diagnoses[]?] | length' <<<"$SUMMARY")" = 1 ] ||
		fail "summary lists other diagnoses than the refusal: $SUMMARY"
}

test_error_log_rotation()
{
	local m f n=3 total

	stage_refusing_nginx n1
	m=$(nginx_master n1)
	f=$(nginx_log n1)
	start_tracer --pid "$m" --error-log "$f"
	fail_n "$n" "http://127.0.0.1:$LPORT/" 502
	wait_count upstream_refused "127.0.0.1:$UPORT" "$n"

	# logrotate's default: rename, then USR1 makes nginx reopen its log
	mv "$f" "$f.1"
	kill -USR1 "$m"
	wait_until 5 test -e "$f" || fail "nginx did not reopen $f after USR1"
	log "rotated by rename + USR1"
	fail_n "$n" "http://127.0.0.1:$LPORT/" 502
	wait_count upstream_refused "127.0.0.1:$UPORT" $((2 * n))
	[ "$(grep -c 'connect() failed (111: ' "$f")" = "$n" ] ||
		fail "the reopened log does not hold the $n new refusals"

	# copytruncate: copy, then truncate in place (nginx keeps its fd)
	cp "$f" "$f.2"
	: >"$f"
	log "rotated by copytruncate"
	fail_n "$n" "http://127.0.0.1:$LPORT/" 502
	wait_count upstream_refused "127.0.0.1:$UPORT" $((3 * n))
	wait_until 5 grep -q 'connect() failed (111: ' "$f" ||
		fail "nginx wrote nothing to the truncated log"
	expect_diag_logged upstream_refused "127.0.0.1:$UPORT"
	sleep 1
	pid_alive "$TRACER_PID" || fail "tracer died during log rotation"
	stop_tracer
	total=$(cat "$f" "$f.1" "$f.2" | sort -u | grep -c 'connect() failed (111: ')
	[ "$total" = $((3 * n)) ] || fail "nginx logged $total refusals, want $((3 * n))"
	expect_summary_exact upstream_refused "127.0.0.1:$UPORT" "$total"
	[ -z "$(jq -c 'select(.type == "warning")' "$T/trace.out" |
		grep -vi 'rotat\|truncat\|reopen' | head -n 1)" ] ||
		fail "unexpected warning during rotation: $(jq -c 'select(.type == "warning")' \
			"$T/trace.out" | head -n 1)"
}

test_invalid_header()
{
	local lport bport m
	local -a w

	lport=$(free_port)
	bport=$(free_port)
	# status line, then a header line with a NUL byte
	start_backend garbage "127.0.0.1:$bport"
	stage_nginx n1 < <(proxy_server "$lport" "http://127.0.0.1:$bport")
	m=$(nginx_master n1)
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$lport/"
	expect_log_match n1 'upstream sent invalid header'
	expect_diag upstream_invalid_header "127.0.0.1:$bport"
	expect_source log
	expect_log_line 'upstream sent invalid header: .*while reading response header'
	mapfile -t w < <(nginx_workers "$m")
	expect_pid_in "${w[@]}"
	stop_tracer
	expect_summary_exact upstream_invalid_header "127.0.0.1:$bport" 1
	[ "$(jq '[.diagnoses[]?] | length' <<<"$SUMMARY")" = 1 ] ||
		fail "summary lists other diagnoses than the invalid header: $SUMMARY"
}

test_fastcgi_to_http_backend()
{
	local lport bport m

	lport=$(free_port)
	bport=$(free_port)
	# fastcgi_pass to a server that talks HTTP: "HTTP/..." starts with 'H' (72)
	start_backend garbage "127.0.0.1:$bport"
	php_scripts
	stage_nginx n1 <<-EOF
		server {
		    listen 127.0.0.1:$lport;
		    location / { $(fcgi_params) fastcgi_pass 127.0.0.1:$bport; }
		}
	EOF
	m=$(nginx_master n1)
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$lport/ok.php"
	expect_log_match n1 'upstream sent unsupported FastCGI protocol version: 72'
	expect_diag upstream_invalid_header "127.0.0.1:$bport"
	expect_source log
	expect_log_line 'unsupported FastCGI protocol version: 72'
	stop_tracer
	expect_summary_exact upstream_invalid_header "127.0.0.1:$bport" 1
}

test_unknown()
{
	local lport bport m

	lport=$(free_port)
	bport=$(free_port)
	# grpc_pass to an HTTP/1.0 server: its status line read as an HTTP/2
	# frame header is a 4.7 MB frame: "upstream sent too large http2
	# frame", a 502 outside the catalogue
	start_backend garbage "127.0.0.1:$bport"
	stage_nginx n1 <<-EOF
		server {
		    listen 127.0.0.1:$lport;
		    location / { grpc_pass grpc://127.0.0.1:$bport; }
		}
	EOF
	m=$(nginx_master n1)
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$lport/"
	expect_log_match n1 'upstream sent too large http2 frame'
	expect_diag unknown "127.0.0.1:$bport"
	expect_source log
	expect_log_line 'upstream sent too large http2 frame'
	# nothing hidden: the line itself is in the evidence or the log field
	stop_tracer
	expect_summary_exact unknown "127.0.0.1:$bport" 1
}

test_unresolved()
{
	local lport m

	lport=$(free_port)
	# a variable in proxy_pass and no resolver: nothing is sent anywhere
	stage_nginx n1 <<-EOF
		server {
		    listen 127.0.0.1:$lport;
		    location / {
		        set \$up nonexistent.invalid;
		        proxy_pass http://\$up;
		    }
		}
	EOF
	m=$(nginx_master n1)
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$lport/"
	expect_log_match n1 'no resolver defined to resolve nonexistent.invalid'
	expect_diag upstream_unresolved
	expect_source log
	expect_field .upstream nonexistent.invalid
	expect_log_line 'no resolver defined to resolve nonexistent.invalid'
	stop_tracer
}

test_ssl_failed()
{
	local lport bport m

	lport=$(free_port)
	bport=$(free_port)
	# https:// to a server that answers plain text: wrong version number
	start_backend garbage "127.0.0.1:$bport"
	stage_nginx n1 < <(proxy_server "$lport" "https://127.0.0.1:$bport")
	m=$(nginx_master n1)
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$lport/"
	# which line depends on timing: the backend's bytes before or after nginx's ClientHello
	expect_log_match n1 'SSL_do_handshake\(\) failed|upstream prematurely sent response'
	expect_diag_logged upstream_ssl_failed "127.0.0.1:$bport"
	case "$(jq -r .source <<<"$DIAG")" in
	log | kernel+log) ;;
	*) fail "source of a logged diagnosis: $DIAG" ;;
	esac
	expect_log_line 'SSL_do_handshake\(\) failed .*while SSL handshaking to upstream|upstream prematurely sent response'
	stop_tracer
	expect_summary_exact upstream_ssl_failed "127.0.0.1:$bport" 1
}
