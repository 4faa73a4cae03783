# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# The keep-alive race (issue #15): an upstream with keepalive and a backend
# that closes idle connections after a short timeout. A request nginx sends
# on a pooled connection the backend is closing gets an RST (or a FIN) and,
# not being idempotent, a 502. The tool learns the backend's idle timeout from
# the idle closes it sees, tells that the failed connection had been reused
# after sitting idle that long, and writes keepalive_timeout into the
# upstream block. See tests/e2e/README.

set_timeout test_keepalive_race 120

# http_exchange FD METHOD: one HTTP/1.1 request on the open connection FD
# (keep-alive), its response read whole; prints the status.
http_exchange()
{
	local fd=$1 method=$2 line status len=0 body

	if [ "$method" = POST ]; then
		printf 'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx' >&"$fd"
	else
		printf 'GET / HTTP/1.1\r\nHost: t\r\n\r\n' >&"$fd"
	fi
	IFS= read -r -t 5 line <&"$fd" || return 1
	status=$(awk '{ print $2 }' <<<"$line")
	while IFS= read -r -t 5 line <&"$fd"; do
		line=${line%$'\r'}
		[ -z "$line" ] && break
		case "${line,,}" in
		content-length:*) len=${line#*:} len=${len// /} ;;
		esac
	done
	[ "$len" -gt 0 ] && { read -r -t 5 -N "$len" body <&"$fd" || return 1; }
	: "$body"
	echo "$status"
}

# race_once PORT SLEEP: on one client connection (one nginx worker), a GET, SLEEP
# seconds, then a POST; prints the POST's status.
race_once()
{
	local fd status

	exec {fd}<>"/dev/tcp/127.0.0.1/$1" || return 1
	status=$(http_exchange "$fd" GET)
	if [ "$status" = 200 ]; then
		sleep "$2"
		status=$(http_exchange "$fd" POST)
	else
		status="GET:$status"
	fi
	exec {fd}>&-
	echo "${status:-none}"
}

test_keepalive_race()
{
	local lport bport m conf kt_line i status hit=

	lport=$(free_port)
	bport=$(free_port)
	# closes idle connections after 1000 ms, on a 100 ms tick; a request that arrives
	# after that and before the tick is closed unread (tests/tools/backend.c)
	start_backend keepalive-race 1000 "127.0.0.1:$bport"
	stage_nginx n1 <<-EOF
		upstream ka {
		    server 127.0.0.1:$bport;
		    keepalive 8;
		    keepalive_timeout 60s;
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
	conf="$T/n1/nginx.conf"
	kt_line=$(grep -n 'keepalive_timeout 60s;' "$conf" | cut -d: -f1)
	start_tracer --pid "$m"
	# the backend closes pooled connections for being idle: the tool learns its timeout
	for i in 1 2 3; do
		status=$(race_once "$lport" 0)
		[ "$status" = 200 ] || fail "request $i to a healthy backend got $status"
		sleep 1.4
	done
	expect_no_diag "" "" 0.5
	# a POST (nginx retries no non-idempotent request) 20 ms after the backend's
	# timeout: it lands on the connection the backend is closing, unless its tick
	# came first (then nginx connects again: 200, and the next try)
	for i in 1 2 3 4 5 6 7 8 9 10; do
		status=$(race_once "$lport" 1.02)
		log "try $i: POST after 1.02 s idle: $status"
		if [ "$status" = 502 ]; then
			hit=$i
			break
		fi
		sleep 1.3
	done
	if [ -z "$hit" ]; then
		log "WARNING: the keep-alive race was not hit in 10 tries: nothing to diagnose"
		skip "the keep-alive race could not be hit in 10 tries (machine too busy?)"
	fi
	expect_diag upstream_reset "127.0.0.1:$bport"
	expect_evidence "the connection had carried a response and sat idle 1\.[0-9]{2} s before nginx reused it; 127\.0\.0\.1:$bport closes idle connections after ~1\.[0-9] s \(seen [0-9]+ times?\)"
	expect_evidence "in force in upstream ka: keepalive_timeout 60s \($conf:$kt_line\)"
	expect_fix "^set keepalive_timeout 800ms; in upstream ka \($conf:$kt_line\), below the backend's idle timeout \(~1\.[0-9] s\), so nginx drops idle connections before the backend does"
	stop_tracer
	expect_summary_exact upstream_reset "127.0.0.1:$bport" 1
}
