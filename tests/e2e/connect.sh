# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# Connection-setup failures (docs/DESIGN.md §4, first rows) with real nginx
# and php-fpm, and how the tool picks its targets. See tests/e2e/README.

# LPORT and UPORT are set by stage_refusing_nginx
# shellcheck disable=SC2153

set_timeout test_backlog_full 90
set_timeout test_ports_exhausted 90

test_refused()
{
	local m
	local -a w

	stage_refusing_nginx n1
	m=$(nginx_master n1)
	mapfile -t w < <(nginx_workers "$m")
	start_tracer --pid "$m"
	expect_ready_target "$m" "${w[@]}"
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_refused "127.0.0.1:$UPORT"
	expect_field .errno 111
	expect_pid_in "${w[@]}"
	expect_log_match n1 'connect\(\) failed \(111: '
	stop_tracer
	expect_summary upstream_refused "127.0.0.1:$UPORT" 1
}

test_refused_ipv6()
{
	local lport uport m
	local -a w

	have_ipv6_lo || skip "::1 is not configured on lo"
	lport=$(free_port)
	uport=$(free_port)
	stage_nginx n1 < <(proxy_server "$lport" "http://[::1]:$uport")
	m=$(nginx_master n1)
	mapfile -t w < <(nginx_workers "$m")
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$lport/"
	expect_diag upstream_refused "[::1]:$uport"
	expect_field .errno 111
	expect_pid_in "${w[@]}"
	stop_tracer
}

test_socket_missing()
{
	local lport sock="$T/run/php8.1-fpm.sock" m
	local -a w

	mkdir -p "$T/run" && chmod 0755 "$T/run"
	php_scripts
	lport=$(free_port)
	stage_nginx n1 < <(fcgi_server "$lport" "$sock")
	m=$(nginx_master n1)
	mapfile -t w < <(nginx_workers "$m")
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$lport/ok.php"
	expect_diag upstream_socket_missing "unix:$sock"
	expect_field .errno 2
	expect_pid_in "${w[@]}"
	expect_log_match n1 "connect\(\) to unix:$sock failed \(2: "
	stop_tracer
	expect_summary upstream_socket_missing "unix:$sock" 1
}

test_socket_permission()
{
	local lport m sock
	local -a w

	stage_fpm f1 listen.owner=root listen.group=root listen.mode=0600
	sock=$(fpm_sock f1)
	lport=$(free_port)
	stage_nginx n1 < <(fcgi_server "$lport" "$sock")
	m=$(nginx_master n1)
	mapfile -t w < <(nginx_workers "$m")
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$lport/ok.php"
	expect_diag upstream_socket_permission "unix:$sock"
	expect_field .errno 13
	expect_pid_in "${w[@]}"
	expect_evidence '0600|rw-------'
	expect_evidence 'root'
	expect_log_match n1 "connect\(\) to unix:$sock failed \(13: "
	stop_tracer
}

test_socket_stale()
{
	local lport m sock
	local -a w

	stage_fpm f1
	sock=$(fpm_sock f1)
	lport=$(free_port)
	stage_nginx n1 < <(fcgi_server "$lport" "$sock")
	m=$(nginx_master n1)
	mapfile -t w < <(nginx_workers "$m")
	expect_http 200 "http://127.0.0.1:$lport/ok.php"
	start_tracer --pid "$m"
	fpm_kill9 f1
	[ -S "$sock" ] || fail "php-fpm killed by SIGKILL removed its socket"
	expect_http 502 "http://127.0.0.1:$lport/ok.php"
	expect_diag upstream_socket_stale "unix:$sock"
	expect_field .errno 111
	expect_pid_in "${w[@]}"
	expect_log_match n1 "connect\(\) to unix:$sock failed \(111: "
	stop_tracer
}

test_backlog_full()
{
	local lport m tally sock
	local -a w

	stage_fpm f1 pm.max_children=1 listen.backlog=1
	sock=$(fpm_sock f1)
	lport=$(free_port)
	stage_nginx n1 < <(fcgi_server "$lport" "$sock")
	m=$(nginx_master n1)
	mapfile -t w < <(nginx_workers "$m")
	start_tracer --pid "$m"
	tally=$(CURL_TIMEOUT=15 fire 20 "http://127.0.0.1:$lport/slow.php?s=3")
	log "20 concurrent slow requests: $tally"
	[ "$(fire_count 502)" -ge 1 ] || fail "no 502 from a full backlog ($tally)"
	expect_diag upstream_backlog_full "unix:$sock"
	expect_field .errno 11
	expect_pid_in "${w[@]}"
	expect_log_match n1 "connect\(\) to unix:$sock failed \(11: "
	stop_tracer
	expect_summary upstream_backlog_full "unix:$sock" 1
}

test_ports_exhausted()
{
	local bport sock="$T/n1/http.sock" m tally
	local -a w

	netns_create
	ns_sysctl net.ipv4.ip_local_port_range="40000 40001"
	bport=$(free_port)
	start_backend hang "127.0.0.1:$bport"
	# clients come in over a unix socket: they must not use up the two ports
	mkdir -p "$T/n1"
	stage_nginx n1 <<-EOF
		server {
		    listen unix:$sock;
		    proxy_read_timeout 3s;
		    location / { proxy_pass http://127.0.0.1:$bport; }
		}
	EOF
	m=$(nginx_master n1)
	mapfile -t w < <(nginx_workers "$m")
	start_tracer --pid "$m"
	tally=$(CURL_TIMEOUT=8 fire 6 http://localhost/ --unix-socket "$sock")
	log "6 concurrent requests, 2 local ports: $tally"
	[ "$(fire_count 502)" -ge 1 ] || fail "no 502 with 2 local ports ($tally)"
	expect_diag local_ports_exhausted "127.0.0.1:$bport"
	expect_field .errno 99
	expect_pid_in "${w[@]}"
	expect_log_match n1 'failed \(99: '
	stop_tracer
}

test_connect_timeout()
{
	local lport uport m
	local -a w

	netns_create
	lport=$(free_port)
	uport=$(free_port)
	ns_drop_syn "$uport"
	stage_nginx n1 < <(proxy_server "$lport" "http://127.0.0.1:$uport" \
				    'proxy_connect_timeout 2s;')
	m=$(nginx_master n1)
	mapfile -t w < <(nginx_workers "$m")
	start_tracer --pid "$m"
	expect_http 504 "http://127.0.0.1:$lport/"
	expect_diag upstream_connect_timeout "127.0.0.1:$uport"
	case "$(jq -r .errno <<<"$DIAG")" in
	null | 110) ;;
	*) fail "errno of a connect timeout should be 110 or null: $DIAG" ;;
	esac
	expect_pid_in "${w[@]}"
	expect_evidence 'SYN'
	expect_log_match n1 'upstream timed out \(110: .* while connecting to upstream'
	stop_tracer
}

test_unreachable()
{
	local lport m
	local -a w

	# only lo in the netns: no route to 192.0.2.1, connect() fails at once
	# with ENETUNREACH and no packet is sent anywhere
	netns_create
	lport=$(free_port)
	stage_nginx n1 < <(proxy_server "$lport" "http://192.0.2.1:80")
	m=$(nginx_master n1)
	mapfile -t w < <(nginx_workers "$m")
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$lport/"
	expect_diag upstream_unreachable "192.0.2.1:80"
	expect_field .errno 101
	expect_pid_in "${w[@]}"
	expect_log_match n1 'failed \(101: '
	stop_tracer
}

test_non_nginx_ignored()
{
	local lport bport uport i

	# an nginx that works, so that auto mode has a target
	lport=$(free_port)
	bport=$(free_port)
	uport=$(free_port)
	start_backend ok "127.0.0.1:$bport"
	stage_nginx n1 < <(proxy_server "$lport" "http://127.0.0.1:$bport")
	expect_http 200 "http://127.0.0.1:$lport/"
	start_tracer
	for i in 1 2 3; do
		bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$uport" 2>/dev/null &&
			fail "port $uport unexpectedly accepted a connection"
		curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$uport/"
		log "non-nginx connect $i to 127.0.0.1:$uport refused"
	done
	expect_no_diag "" "127.0.0.1:$uport" 2
	stop_tracer
}

test_two_instances_pid_filter()
{
	local l1 u1 m1 l2 u2 m2 p
	local -a w1

	stage_refusing_nginx n1
	l1=$LPORT u1=$UPORT
	stage_refusing_nginx n2
	l2=$LPORT u2=$UPORT
	m1=$(nginx_master n1)
	m2=$(nginx_master n2)
	mapfile -t w1 < <(nginx_workers "$m1")
	start_tracer --pid "$m1"
	jq -e --argjson m "$m2" 'any(.targets[]?; .master == $m) | not' <<<"$(ready_line)" \
		>/dev/null || fail "ready lists master $m2, which was not asked for"
	fire 3 "http://127.0.0.1:$l2/" >/dev/null
	fire 3 "http://127.0.0.1:$l1/" >/dev/null
	expect_diag upstream_refused "127.0.0.1:$u1"
	expect_no_diag upstream_refused "127.0.0.1:$u2" 1
	for p in $(diag_pids); do
		case " ${w1[*]} " in
		*" $p "*) ;;
		*) fail "diagnosis for pid $p, which is not a worker of master $m1 (${w1[*]})" ;;
		esac
	done
	stop_tracer
}

test_reload_new_workers()
{
	local m
	local -a w

	stage_refusing_nginx n1
	m=$(nginx_master n1)
	start_tracer --pid "$m"
	nginx_reload n1
	mapfile -t w < <(nginx_workers "$m")
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_refused "127.0.0.1:$UPORT"
	expect_pid_in "${w[@]}"
	stop_tracer
}

test_autodiscovery()
{
	local m
	local -a w

	stage_refusing_nginx n1
	m=$(nginx_master n1)
	mapfile -t w < <(nginx_workers "$m")
	start_tracer
	expect_ready_target "$m" "${w[@]}"
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_refused "127.0.0.1:$UPORT"
	expect_pid_in "${w[@]}"
	stop_tracer
}
