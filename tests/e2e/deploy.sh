# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# deploy/: what runs the tool always on. The systemd unit's command line is
# run as written (paths moved into the scratch dir); the DaemonSet's security
# context (its capabilities, a read-only root, no privilege escalation, the
# host's PIDs) is given to the tool in a real Docker container, which must
# still diagnose a failing nginx of the host.

set_timeout test_deploy_daemonset_security_context 120

test_deploy_unit_command_line()
{
	local unit="$ROOT/deploy/ngx502-trace.service" cmd mport
	local -a args

	[ -f "$unit" ] || fail "no $unit"
	cmd=$(sed -n 's/^ExecStart=//p' "$unit")
	[ -n "$cmd" ] || fail "no ExecStart in $unit"
	mport=$(free_port)
	cmd=${cmd//\/var\/lib\/prometheus\/node-exporter/$T}
	cmd=${cmd//127.0.0.1:9502/127.0.0.1:$mport}
	read -r -a args <<<"$cmd"
	[ "${args[0]}" = /usr/sbin/ngx502-trace ] || fail "ExecStart runs ${args[0]}"
	stage_refusing_nginx
	RUN_TIMEOUT=20 run_tool "${args[@]:1}" -d 3
	expect_exit_code 0
	[ -s "$T/ngx502.prom" ] || fail "the unit's --metrics-textfile was not written"
	grep -q '^ngx502_targets 1$' "$T/ngx502.prom" ||
		fail "the textfile does not count the nginx: $(grep targets "$T/ngx502.prom")"
	grep -q '"type":"ready"' "$T/cli.out" || fail "no JSON ready line: $(head -c 200 "$T/cli.out")"
}

# the capabilities the DaemonSet adds, one per line
daemonset_caps()
{
	sed -n '/add: \[/,/\]/p' "$ROOT/deploy/daemonset.yaml" | grep -oE '"[A-Z_]+"' | tr -d '"'
}

test_deploy_daemonset_security_context()
{
	local img=ngx502-test/tracer:1 caps=() c m name

	docker_require
	[ "$(daemonset_caps | wc -l)" -ge 2 ] || fail "no capabilities found in deploy/daemonset.yaml"
	docker_image_nginx
	for c in $(daemonset_caps); do
		# an engine older than CAP_BPF/CAP_PERFMON (docker 20.10 here) refuses their
		# names; SYS_ADMIN, also in the list, grants what they do (daemonset.yaml says so)
		if ! "$DOCKER" run --rm --network none --cap-drop ALL --cap-add "$c" \
			"$DOCKER_IMAGE_NGINX" "$NGINX_BIN" -v >/dev/null 2>&1; then
			log "this engine cannot grant CAP_$c: left out"
			case $c in BPF | PERFMON) continue ;; esac
			fail "the DaemonSet's CAP_$c cannot be granted here"
		fi
		caps+=(--cap-add "$c")
	done
	# the tool as it is, with its libraries, in an image of its own
	"$DOCKER" image rm -f "$img" >/dev/null 2>&1
	docker_image "$img" "$NGX502"
	stage_refusing_nginx
	m=$(nginx_master n1)
	name="tracer-$RANDOM"
	DOCKER_ID=$("$DOCKER" run -d --name "$name" --pid host --network none --read-only \
		--security-opt no-new-privileges --cap-drop ALL "${caps[@]}" \
		-e ASAN_OPTIONS=detect_leaks=0 \
		-v /sys/kernel/btf:/sys/kernel/btf:ro -v /var/log/pods:/var/log/pods:ro \
		"$img" "$NGX502" --json --pid "$m" -d 8) || fail "docker run of the tool failed"
	DOCKER_CONTAINERS+=("$DOCKER_ID")
	wait_until 10 docker_logs_have "$name" '"type":"ready"' ||
		fail "the tool in its container did not get ready: $("$DOCKER" logs "$name" 2>&1 | tail -n 3)"
	expect_http 502 "http://127.0.0.1:$LPORT/"
	wait_until 10 docker_logs_have "$name" "\"cause\":\"upstream_refused\",\"upstream\":\"127.0.0.1:$UPORT\"" ||
		fail "no diagnosis from the tool in its container: $("$DOCKER" logs "$name" 2>&1 | tail -n 3)"
	"$DOCKER" logs "$name" 2>&1 | grep '"type":"diagnosis"' | head -n 1 | jq -e '.fix | length > 0' \
		>/dev/null || fail "the diagnosis has no fix"
	log "the tool in a container with only the DaemonSet's capabilities diagnosed the host's nginx"
}

docker_logs_have()
{
	"$DOCKER" logs "$1" 2>&1 | grep -qF -- "$2"
}
