# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# What clients got (docs/DESIGN.md §4.1): the error responses nginx makes,
# tied to the failure of their request, with nginx's access log as ground
# truth ($status $upstream_addr $upstream_status). See tests/e2e/README.

set_timeout test_responses_connect_abandoned 120
set_timeout test_responses_under_load 90

# resp_nginx NAME [LEVEL] <<EOF server/upstream blocks EOF: stage_nginx with
# an access log of "$status $upstream_addr $upstream_status" in $T/NAME/access.log
# (the caller's server block says `access_log ... st;` through $ACCESS, and
# keeps stage_nginx's truth.log, which a server-level access_log would replace).
resp_nginx()
{
	local name=$1 level=${2:-error}

	mkdir -p "$T/$name"
	ACCESS="access_log $T/$name/access.log st; access_log $T/$name/truth.log ngx502_truth;"
	stage_nginx "$name" "$level" < <(
		# shellcheck disable=SC2016 # nginx variables
		printf 'log_format st "$status $upstream_addr $upstream_status";\n'
		sed "s|@ACCESS@|$ACCESS|"
	)
}

# access_count NAME STATUS: requests of the access log answered STATUS.
access_count()
{
	awk -v s="$2" '$1 == s' "$T/$1/access.log" | wc -l
}

# access_last NAME STATUS UPSTREAM: requests of the access log answered STATUS
# whose last server tried ($upstream_addr lists every one) was UPSTREAM.
access_last()
{
	awk -v s="$2" -v u="$3" '$1 == s {
			last = ""
			for (i = 2; i <= NF; i++) if ($i ~ /:/) last = $i
			sub(/,$/, "", last); if (last == u) c++ } END { print c + 0 }' \
		"$T/$1/access.log"
}

# upstream_resp UPSTREAM STATUS: responses[STATUS] of every diagnosis of UPSTREAM.
upstream_resp()
{
	jq -r --arg u "$1" --arg s "$2" '[.diagnoses[] | select(.upstream == $u)
		| .responses[$s] // 0] | add // 0' <<<"$SUMMARY"
}

# summary_num JQ: a number from the summary (0 when absent).
summary_num()
{
	jq -r "($1) // 0" <<<"$SUMMARY"
}

# diag_resp CAUSE UPSTREAM STATUS: responses[STATUS] of that diagnosis in the summary.
diag_resp()
{
	jq -r --arg c "$1" --arg u "$2" --arg s "$3" \
		'[.diagnoses[] | select(.cause == $c and .upstream == $u)
		  | .responses[$s] // 0] | add // 0' <<<"$SUMMARY"
}

expect_no_disagreement()
{
	[ "$(summary_num .disagreements)" = 0 ] ||
		fail "kernel and log disagreed: $SUMMARY"
}

test_responses_recovered()
{
	local lport bad ok m

	lport=$(free_port)
	bad=$(free_port)
	ok=$(free_port)
	start_backend ok "127.0.0.1:$ok"
	resp_nginx n1 <<-EOF
		upstream pair { server 127.0.0.1:$bad max_fails=0; server 127.0.0.1:$ok max_fails=0; }
		server {
		    listen 127.0.0.1:$lport;
		    @ACCESS@
		    location / { proxy_pass http://pair; }
		}
	EOF
	m=$(nginx_master n1)
	start_tracer --pid "$m"
	log "10 requests: $(fire 10 "http://127.0.0.1:$lport/")"
	[ "$(fire_count 200)" = 10 ] || fail "not every request got 200: $(cat "$T/fire.codes")"
	expect_diag upstream_refused "127.0.0.1:$bad"
	# a failure is recovered once no error response followed it for 3 s
	wait_until 10 has_recovered upstream_refused "127.0.0.1:$bad" ||
		fail "no recovered count on the refused peer: $(diag_lines | tail -n 1)"
	stop_tracer
	jq -e --arg u "127.0.0.1:$bad" 'any(.diagnoses[]; .upstream == $u and .recovered >= 1
		and (.responses | length) == 0)' <<<"$SUMMARY" >/dev/null ||
		fail "refused peer not recovered, or with responses: $SUMMARY"
	[ "$(summary_num '.responses | length')" = 0 ] || fail "responses counted: $SUMMARY"
	expect_no_disagreement
}

has_recovered()
{
	[ -n "$(diag_lines "$1" "$2" | jq -c 'select(.recovered >= 1)' | head -n 1)" ]
}

test_responses_last_failure()
{
	local lport bad rst m n502 up want got

	lport=$(free_port)
	bad=$(free_port)
	rst=$(free_port)
	start_backend reset "127.0.0.1:$rst"
	resp_nginx n1 <<-EOF
		upstream pair { server 127.0.0.1:$bad max_fails=0; server 127.0.0.1:$rst max_fails=0; }
		server {
		    listen 127.0.0.1:$lport;
		    @ACCESS@
		    location / { proxy_pass http://pair; }
		}
	EOF
	m=$(nginx_master n1)
	start_tracer --pid "$m"
	# one at a time (concurrent requests: test_responses_under_load)
	: >"$T/fire.codes"
	for _ in $(seq 1 12); do
		http_code "http://127.0.0.1:$lport/" >>"$T/fire.codes"
		echo >>"$T/fire.codes"
	done
	n502=$(fire_count 502)
	log "12 requests, one at a time: $n502 got 502"
	[ "$n502" -ge 1 ] || fail "no 502 with both servers failing"
	sleep 1
	stop_tracer
	[ "$(summary_num '.responses["502"]')" = "$n502" ] ||
		fail "summary responses.502 is not $n502: $SUMMARY"
	[ "$(summary_num '.unexplained | length')" = 0 ] || fail "unexplained responses: $SUMMARY"
	# each 502 belongs to the last server its request tried (the access log's last address)
	for up in "127.0.0.1:$bad" "127.0.0.1:$rst"; do
		want=$(access_last n1 502 "$up")
		got=$(upstream_resp "$up" 502)
		log "502s last tried on $up: access log $want, tool $got"
		[ "$got" = "$want" ] || fail "$up: $got 502s attributed, access log says $want"
	done
	expect_no_disagreement
}

test_responses_crit_no_line()
{
	local lport uport m

	lport=$(free_port)
	uport=$(free_port)
	resp_nginx n1 crit <<-EOF
		server {
		    listen 127.0.0.1:$lport;
		    @ACCESS@
		    location / { proxy_pass http://127.0.0.1:$uport; }
		}
	EOF
	m=$(nginx_master n1)
	start_tracer --pid "$m"
	log "5 requests: $(fire 5 "http://127.0.0.1:$lport/")"
	[ "$(fire_count 502)" = 5 ] || fail "want 5 502s: $(cat "$T/fire.codes")"
	expect_diag upstream_refused "127.0.0.1:$uport"
	sleep 1
	stop_tracer
	[ "$(diag_resp upstream_refused "127.0.0.1:$uport" 502)" = 5 ] ||
		fail "5 502s not attributed to upstream_refused: $SUMMARY"
	[ "$(summary_num '.responses["502"]')" = 5 ] || fail "summary responses: $SUMMARY"
	[ "$(summary_num '.unexplained | length')" = 0 ] || fail "unexplained: $SUMMARY"
}

test_responses_read_timeout()
{
	local lport bport m

	lport=$(free_port)
	bport=$(free_port)
	start_backend hang "127.0.0.1:$bport"
	resp_nginx n1 <<-EOF
		server {
		    listen 127.0.0.1:$lport;
		    @ACCESS@
		    proxy_read_timeout 1s;
		    location / { proxy_pass http://127.0.0.1:$bport; }
		}
	EOF
	m=$(nginx_master n1)
	start_tracer --pid "$m"
	expect_http 504 "http://127.0.0.1:$lport/"
	expect_diag upstream_read_timeout "127.0.0.1:$bport"
	sleep 1
	stop_tracer
	[ "$(diag_resp upstream_read_timeout "127.0.0.1:$bport" 504)" = 1 ] ||
		fail "the 504 is not on upstream_read_timeout: $SUMMARY"
	expect_no_disagreement
}

# nginx abandons a connect whose SYNs are dropped, before (0.5 s) and after
# (1.5 s) the kernel's first SYN retransmit: always a connect timeout.
test_responses_connect_abandoned()
{
	local lport uport m to n504 i

	netns_create
	uport=$(free_port)
	ns_drop_syn "$uport"
	for to in 500ms 1500ms; do
		lport=$(free_port)
		resp_nginx "n$to" <<-EOF
			server {
			    listen 127.0.0.1:$lport;
			    @ACCESS@
			    proxy_connect_timeout $to;
			    location / { proxy_pass http://127.0.0.1:$uport; }
			}
		EOF
		m=$(nginx_master "n$to")
		start_tracer --pid "$m"
		for i in 1 2 3; do
			log "round $i: $(fire 4 "http://127.0.0.1:$lport/")"
		done
		n504=$(access_count "n$to" 504)
		[ "$n504" = 12 ] || fail "proxy_connect_timeout $to: $n504 504s of 12"
		sleep 1
		stop_tracer
		jq -e '[.diagnoses[] | select(.cause != "upstream_connect_timeout")] | length == 0' \
			<<<"$SUMMARY" >/dev/null || fail "timeout $to: another cause: $SUMMARY"
		[ "$(diag_resp upstream_connect_timeout "127.0.0.1:$uport" 504)" = 12 ] ||
			fail "timeout $to: the 12 504s are not on upstream_connect_timeout: $SUMMARY"
		[ "$(summary_num '.unexplained | length')" = 0 ] || fail "unexplained: $SUMMARY"
		expect_no_disagreement
	done
}

test_responses_under_load()
{
	local lport bad ok m got want s w

	require_cmd wrk
	lport=$(free_port)
	bad=$(free_port)
	ok=$(free_port)
	start_backend ok "127.0.0.1:$ok"
	resp_nginx n1 <<-EOF
		server {
		    listen 127.0.0.1:$lport;
		    @ACCESS@
		    location /bad { proxy_pass http://127.0.0.1:$bad; }
		    location / { proxy_pass http://127.0.0.1:$ok; }
		}
	EOF
	m=$(nginx_master n1)
	# ASan and UBSan make the reader two to three times slower: under them the same
	# flood needs more room in the perf buffer to lose nothing (what is checked there
	# is the correlator's memory, not its speed; scripts/bench measures speed)
	if [ "${NGX502_SANITIZED:-}" = 1 ]; then
		start_tracer --pid "$m" --buffer-pages 4096
	else
		start_tracer --pid "$m"
	fi
	wrk -t 1 -c 4 -d 10s "http://127.0.0.1:$lport/bad" >"$T/wrk.bad" 2>&1 &
	w=$!
	wrk -t 1 -c 4 -d 10s "http://127.0.0.1:$lport/" >"$T/wrk.ok" 2>&1
	wait "$w"
	sleep 1
	stop_tracer
	[ "$(summary_num .lost)" = 0 ] || fail "events lost under load: $SUMMARY"
	for s in 500 502 503 504; do
		want=$(access_count n1 "$s")
		got=$(summary_num ".responses[\"$s\"]")
		log "$s: access log $want, summary $got"
		[ "$got" = "$want" ] || fail "$s: summary counts $got, the access log $want"
	done
	[ "$(access_count n1 502)" -gt 100 ] || fail "too few 502s to call it load"
	# thousands of failures a second over keep-alive client connections (#14):
	# every 502 tied to its failure, on the upstream the access log names
	[ "$(summary_num '.unexplained | add')" = 0 ] || fail "unexplained under load: $SUMMARY"
	want=$(access_last n1 502 "127.0.0.1:$bad")
	got=$(diag_resp upstream_refused "127.0.0.1:$bad" 502)
	log "502s on 127.0.0.1:$bad: access log $want, upstream_refused $got"
	[ "$got" = "$want" ] || fail "upstream_refused has $got 502s, the access log $want: $SUMMARY"
	[ "$(upstream_resp "127.0.0.1:$ok" 502)" = 0 ] || fail "502s on the good upstream: $SUMMARY"
	# one server per location: nothing to recover on; failures at the stop stay undecided
	[ "$(summary_num '[.diagnoses[].recovered] | add')" = 0 ] ||
		fail "failures counted recovered under load: $SUMMARY"
	expect_no_disagreement
}
