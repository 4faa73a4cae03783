# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# nginx in real Docker containers (tests/lib/docker.sh): found by name, by id
# prefix and by auto-discovery; followed through a stop and a restart; every
# diagnosis names the container (id, name, engine) and the master's host pid,
# and its fix reloads nginx through `docker exec`, never the host's systemctl.

set_timeout test_docker_by_name 90
set_timeout test_docker_by_id_prefix 90
set_timeout test_docker_autodiscovered 90
set_timeout test_docker_restarted_mid_trace 120
set_timeout test_docker_fpm_socket_permission 120

# expect_docker_diag NAME ID: DIAG is from that container's nginx, says so, and reloads there.
expect_docker_diag()
{
	local short=${2:0:12}

	expect_field '.container.engine' docker
	expect_field '.container.name' "$1"
	expect_field '.container.id' "$2"
	expect_field '.master' "$DOCKER_MASTER"
	expect_evidence "runs in docker container $1 \\($short\\)"
	expect_fix "docker exec $short nginx -t && docker exec $short nginx -s reload"
	jq -e '.fix | test("systemctl") | not' <<<"$DIAG" >/dev/null ||
		fail "the fix of a containerised nginx names the host's systemctl: $DIAG"
	jq -e --arg c "docker exec $short nginx -t && docker exec $short nginx -s reload" \
		'.commands | index($c) != null' <<<"$DIAG" >/dev/null ||
		fail "the reload is not among the commands: $DIAG"
}

refusing_body()
{
	proxy_server 8080 http://127.0.0.1:9
}

test_docker_by_name()
{
	docker_require
	docker_nginx web1 "$(refusing_body)"
	start_tracer --container web1
	expect_ready_target "$DOCKER_MASTER"
	docker_http web1 502 http://127.0.0.1:8080/
	expect_diag upstream_refused 127.0.0.1:9
	expect_docker_diag web1 "$DOCKER_ID"
	stop_tracer
}

test_docker_by_id_prefix()
{
	docker_require
	docker_nginx web2 "$(refusing_body)"
	start_tracer --container "${DOCKER_ID:0:10}"
	docker_http web2 502 http://127.0.0.1:8080/
	expect_diag upstream_refused 127.0.0.1:9
	expect_docker_diag web2 "$DOCKER_ID"
	stop_tracer
	# a name the engine does not know: one line, exit 1
	run_tool --container no-such-container-xyz -d 1
	expect_exit_code 1
	expect_stderr_lines 1
	expect_stderr_match "no running container matches 'no-such-container-xyz'"
}

test_docker_autodiscovered()
{
	docker_require
	start_tracer
	docker_nginx web3 "$(refusing_body)"
	docker_http web3 502 http://127.0.0.1:8080/
	expect_diag upstream_refused 127.0.0.1:9
	expect_docker_diag web3 "$DOCKER_ID"
	stop_tracer
}

# docker stop: the tool says nginx is gone and keeps watching; docker start: the
# new nginx (a new pid namespace, a new cgroup) is traced again.
test_docker_restarted_mid_trace()
{
	local first

	docker_require
	docker_nginx web4 "$(refusing_body)"
	start_tracer --container web4
	docker_http web4 502 http://127.0.0.1:8080/
	expect_diag upstream_refused 127.0.0.1:9
	first=$DOCKER_MASTER
	"$DOCKER" stop -t 2 web4 >/dev/null || fail "docker stop web4 failed"
	wait_until 10 grep -q "no nginx left in docker container web4" "$T/trace.out" ||
		fail "no warning that nginx left the container: $(tail -n 3 "$T/trace.out")"
	pid_alive "$TRACER_PID" || fail "the tracer stopped with the container"
	"$DOCKER" start web4 >/dev/null || fail "docker start web4 failed"
	wait_until 10 docker_has_master web4 || fail "web4 did not come back"
	[ "$DOCKER_MASTER" != "$first" ] || fail "the same master after a restart?"
	wait_until 5 nginx_has_workers "$DOCKER_MASTER" 2 || fail "web4: no 2 workers again"
	sleep 1.5 # the tool looks for the container's nginx every second (cgroup v1 hosts)
	docker_http web4 502 http://127.0.0.1:8080/
	# the same cause and upstream: the same diagnosis, counted on
	wait_count upstream_refused 127.0.0.1:9 2 12
	stop_tracer
	[ "$(summary_count upstream_refused 127.0.0.1:9)" = 2 ] ||
		fail "the restarted nginx's failure was not counted: $SUMMARY"
}

# nginx and php-fpm in two containers sharing the socket's directory: the pool's
# socket is 0600 root, the workers run as www-data. The fix names the pool's
# file as its container sees it and reloads php-fpm in its container.
test_docker_fpm_socket_permission()
{
	local d="$T/fpm" fpm_bin

	docker_require
	require_cmd php-fpm8.2
	fpm_bin=$(command -v php-fpm8.2)
	mkdir -p "$d/conf" "$d/run" "$d/www" && chmod 0755 "$d" "$d/conf" "$d/run" "$d/www"
	cat >"$d/conf/php-fpm.conf" <<-EOF
		[global]
		error_log = /proc/self/fd/2
		daemonize = no
		[www]
		user = www-data
		group = www-data
		listen = /run/php/fpm.sock
		listen.owner = root
		listen.group = root
		listen.mode = 0600
		pm = static
		pm.max_children = 1
	EOF
	docker_image_fpm
	docker_run fpm1 -v "$d/conf:/etc/php-fpm:ro" -v "$d/run:/run/php" \
		"$DOCKER_IMAGE_FPM" "$fpm_bin" -n -F -y /etc/php-fpm/php-fpm.conf
	wait_until 10 test -S "$d/run/fpm.sock" ||
		fail "php-fpm did not create its socket: $("$DOCKER" logs fpm1 2>&1 | tail -n 2)"
	# shellcheck disable=SC2016 # nginx variables
	docker_nginx web5 "server { listen 127.0.0.1:8080; location ~ \.php\$ {
	    fastcgi_param SCRIPT_FILENAME /www\$fastcgi_script_name;
	    fastcgi_pass unix:/run/php/fpm.sock; } }" -v "$d/run:/run/php"
	start_tracer --container web5
	docker_http web5 502 http://127.0.0.1:8080/x.php
	expect_diag upstream_socket_permission unix:/run/php/fpm.sock
	expect_field '.container.name' web5
	expect_evidence "0600"
	expect_fix "listen.owner"
	stop_tracer
}
