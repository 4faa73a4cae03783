# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# --metrics and --metrics-textfile: what a fleet sees. A real Prometheus
# server (Debian's prometheus) scrapes the tool every second and is asked
# through its HTTP API; node_exporter's textfile format is checked on disk.

set_timeout test_metrics_prometheus_scrape 90
no_bpf test_metrics_bad_address

# metric NAME_AND_LABELS: the value of one series in $T/metrics.txt, empty if absent.
metric()
{
	awk -v s="$1" 'index($0, s " ") == 1 { print $NF }' "$T/metrics.txt"
}

scrape()
{
	curl -s --max-time 2 -o "$T/metrics.txt" -w '%{http_code}' "http://127.0.0.1:$1/metrics"
}

failures_counted()
{
	scrape "$1" >/dev/null
	[ "$(metric "ngx502_failures_total{cause=\"upstream_refused\",upstream=\"127.0.0.1:$UPORT\",container=\"\",pod=\"\",namespace=\"\"}")" = "$2" ]
}

prom_ready()
{
	curl -sf --max-time 1 "http://127.0.0.1:$1/-/ready" >/dev/null
}

# prom_value PORT QUERY: the value Prometheus returns for an instant query, empty if none.
prom_value()
{
	curl -s --max-time 2 -G "http://127.0.0.1:$1/api/v1/query" --data-urlencode "query=$2" |
		jq -r '.data.result[0].value[1] // empty'
}

prom_has()
{
	[ "$(prom_value "$1" "$2")" = "$3" ]
}

test_metrics_prometheus_scrape()
{
	local mport pport m

	require_cmd prometheus curl jq
	stage_refusing_nginx
	m=$(nginx_master n1)
	mport=$(free_port)
	pport=$(free_port)
	start_tracer --pid "$m" --metrics "127.0.0.1:$mport" --metrics-textfile "$T/ngx502.prom"
	for _ in 1 2 3; do
		expect_http 502 "http://127.0.0.1:$LPORT/"
	done
	expect_diag upstream_refused "127.0.0.1:$UPORT"
	wait_until 5 failures_counted "$mport" 3 ||
		fail "/metrics does not count 3 failures: $(grep upstream_refused "$T/metrics.txt")"
	[ "$(scrape "$mport")" = 200 ] || fail "/metrics did not answer 200"
	[ "$(metric "ngx502_error_responses_total{cause=\"upstream_refused\",upstream=\"127.0.0.1:$UPORT\",container=\"\",pod=\"\",namespace=\"\",status=\"502\"}")" = 3 ] ||
		fail "three 502s not on upstream_refused: $(grep error_responses "$T/metrics.txt")"
	[ "$(metric 'ngx502_responses_total{status="502"}')" = 3 ] || fail "responses_total"
	[ "$(metric 'ngx502_targets')" = 1 ] || fail "targets: $(metric ngx502_targets)"
	grep -q '^ngx502_probe_attached{probe="tp_btf/inet_sock_set_state"} 1$' "$T/metrics.txt" ||
		fail "no probe_attached series"
	grep -q '^# TYPE ngx502_failures_total counter$' "$T/metrics.txt" || fail "no TYPE line"
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/other")" = 404 ] ||
		fail "/other is not a 404"
	# a real Prometheus scraping the tool, asked through its API
	cat >"$T/prometheus.yml" <<-EOF
		global:
		  scrape_interval: 1s
		scrape_configs:
		  - job_name: ngx502
		    static_configs:
		      - targets: ['127.0.0.1:$mport']
	EOF
	prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/prom-data" \
		--web.listen-address="127.0.0.1:$pport" >"$T/prometheus.log" 2>&1 &
	register_pid $!
	wait_until 20 prom_ready "$pport" ||
		fail "prometheus did not start: $(tail -n 2 "$T/prometheus.log")"
	wait_until 20 prom_has "$pport" \
		"ngx502_error_responses_total{cause=\"upstream_refused\",status=\"502\"}" 3 ||
		fail "Prometheus does not see the 3 502s: $(prom_value "$pport" ngx502_responses_total)"
	wait_until 5 prom_has "$pport" "up{job=\"ngx502\"}" 1 || fail "the scrape is not up"
	log "prometheus: ngx502_error_responses_total = 3, up = 1"
	# node_exporter's textfile: written whole, every 5 s and at the stop
	wait_until 7 test -s "$T/ngx502.prom" || fail "no $T/ngx502.prom after 7 s"
	stop_tracer
	grep -q "^ngx502_failures_total{cause=\"upstream_refused\",upstream=\"127.0.0.1:$UPORT\".* 3$" \
		"$T/ngx502.prom" || fail "the textfile lacks the final count: $(head -n 5 "$T/ngx502.prom")"
	[ ! -e "$T/ngx502.prom.tmp" ] || fail "a .tmp file was left"
}

test_metrics_bad_address()
{
	run_tool --metrics nonsense:port
	expect_exit_code 2
	expect_stderr_lines 1
	expect_stderr_match "invalid --metrics 'nonsense:port'"
	run_tool --metrics 127.0.0.1:9502 --pin /sys/fs/bpf/x
	expect_exit_code 2
	expect_stderr_lines 1
}
