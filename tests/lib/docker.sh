# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# A real Docker engine for the end-to-end tests: Debian's docker.io, started
# (when it is not running) as `dockerd --storage-driver=vfs --iptables=false
# --bridge=none`, and images made without a registry by `docker import` of a
# root filesystem holding the host's nginx (or php-fpm) and what `ldd` lists.
# Containers run with --network none: their own network namespace with only
# lo; requests are sent from inside it with nsenter. Everything a test starts
# is removed by docker_cleanup (and the engine stopped when the test started it).

DOCKER=${DOCKER:-/usr/bin/docker}
DOCKER_IMAGE_NGINX=ngx502-test/nginx:1
DOCKER_IMAGE_FPM=ngx502-test/php-fpm:1

docker_cleanup()
{
	local c

	for c in "${DOCKER_CONTAINERS[@]}"; do
		"$DOCKER" rm -f "$c" >/dev/null 2>&1
	done
	if [ -n "${DOCKERD_PID:-}" ]; then
		kill "$DOCKERD_PID" 2>/dev/null
		wait_until 15 all_dead "$DOCKERD_PID"
	fi
}

docker_up()
{
	"$DOCKER" info >/dev/null 2>&1
}

# docker_require: an engine that answers, started here if need be; SKIP (with
# why) only when this kernel or machine cannot run one.
docker_require()
{
	require_cmd dockerd nsenter curl ldd "$NGINX_BIN"
	[ -x "$DOCKER" ] || skip "needs Debian's docker.io ($DOCKER), which is not installed"
	DOCKER_CONTAINERS=()
	DOCKERD_PID=
	trap docker_cleanup EXIT
	if ! docker_up; then
		dockerd --storage-driver=vfs --iptables=false --bridge=none \
			>"$T/dockerd.log" 2>&1 &
		DOCKERD_PID=$!
		wait_until 30 docker_up ||
			skip "dockerd does not start here: $(tail -n 2 "$T/dockerd.log" | tr '\n' ' ')"
		log "dockerd started (pid $DOCKERD_PID)"
	fi
}

# docker_rootfs DIR BIN...: BIN and every library ldd lists, at their paths, in DIR.
docker_rootfs()
{
	local dir=$1 f lib
	shift

	mkdir -p "$dir"/{etc,tmp,run,var/log/nginx,var/lib/nginx,usr/sbin,usr/bin}
	chmod 1777 "$dir/tmp"
	for f in "$@"; do
		cp --parents -L "$f" "$dir"
		for lib in $(ldd "$f" | grep -oE '/[^ ]+'); do
			[ -e "$lib" ] && cp --parents -L "$lib" "$dir"
		done
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/false\n' \
		>"$dir/etc/passwd"
	printf 'root:x:0:\nwww-data:x:33:\nnogroup:x:65534:\n' >"$dir/etc/group"
}

# docker_image TAG BIN...: import a root filesystem of BIN..., once per engine.
docker_image()
{
	local tag=$1 dir="$T/rootfs-${1//[\/:]/-}"
	shift

	"$DOCKER" image inspect "$tag" >/dev/null 2>&1 && return 0
	docker_rootfs "$dir" "$@"
	tar -C "$dir" -c . | "$DOCKER" import - "$tag" >/dev/null ||
		fail "docker import of $tag failed"
	rm -rf "$dir"
	log "image $tag imported"
}

docker_image_nginx()
{
	docker_image "$DOCKER_IMAGE_NGINX" "$NGINX_BIN"
}

docker_image_fpm()
{
	docker_image "$DOCKER_IMAGE_FPM" "$(command -v php-fpm8.2)"
}

# docker_nginx_conf BODY: an nginx.conf for a container; logs in /logs (a volume).
docker_nginx_conf()
{
	cat <<-EOF
		user www-data;
		worker_processes 2;
		pid /run/nginx.pid;
		error_log /logs/error.log error;
		events { worker_connections 64; }
		http {
		    access_log off;
		    client_body_temp_path /tmp/body;
		    proxy_temp_path /tmp/proxy;
		    fastcgi_temp_path /tmp/fastcgi;
		    uwsgi_temp_path /tmp/uwsgi;
		    scgi_temp_path /tmp/scgi;
		$1
		}
	EOF
}

# docker_run NAME ARGS...: docker run -d --name NAME --network none ARGS; sets DOCKER_ID.
docker_run()
{
	local name=$1
	shift

	DOCKER_ID=$("$DOCKER" run -d --name "$name" --network none "$@") ||
		fail "docker run $name failed"
	DOCKER_CONTAINERS+=("$DOCKER_ID")
	log "container $name: $DOCKER_ID"
}

# docker_pid NAME: host pid of the container's first process (0 when stopped).
docker_pid()
{
	"$DOCKER" inspect -f '{{.State.Pid}}' "$1" 2>/dev/null
}

# docker_nginx NAME BODY [RUN_ARGS...]: nginx in a container, its config and
# logs from $T/NAME; waits for 2 workers. Sets DOCKER_ID and DOCKER_MASTER.
docker_nginx()
{
	local name=$1 body=$2 d="$T/$1"
	shift 2

	mkdir -p "$d/conf" "$d/logs" && chmod 0755 "$d" "$d/conf" "$d/logs"
	docker_nginx_conf "$body" >"$d/conf/nginx.conf"
	docker_image_nginx
	docker_run "$name" -v "$d/conf:/etc/ngx:ro" -v "$d/logs:/logs" "$@" \
		"$DOCKER_IMAGE_NGINX" "$NGINX_BIN" -c /etc/ngx/nginx.conf -g 'daemon off;'
	wait_until 10 docker_has_master "$name" ||
		fail "container $name: no nginx master ($("$DOCKER" logs "$name" 2>&1 | tail -n 2))"
	wait_until 5 nginx_has_workers "$DOCKER_MASTER" 2 || fail "container $name: no 2 workers"
	log "container $name: nginx master $DOCKER_MASTER," \
	    "workers $(nginx_workers "$DOCKER_MASTER" | tr '\n' ' ')"
}

docker_has_master()
{
	DOCKER_MASTER=$(docker_pid "$1")
	[ -n "$DOCKER_MASTER" ] && [ "$DOCKER_MASTER" != 0 ] &&
		tr '\0' ' ' <"/proc/$DOCKER_MASTER/cmdline" 2>/dev/null |
		grep -q '^nginx: master process'
}

# docker_http NAME CODE URL: a request from inside the container's network namespace.
docker_http()
{
	local got pid

	pid=$(docker_pid "$1")
	got=$(nsenter -t "$pid" -n curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$3")
	[ "$got" = "$2" ] || fail "GET $3 in container $1 answered $got, want $2"
	log "GET $3 (in $1) -> $got"
}
