# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# nginx inside containers (docs/DESIGN.md §2: --container, --cgroup, --pid
# of a containerized process, auto-discovery). The containers are built here
# from namespaces: `unshare --pid --mount --net --uts --fork` in a cgroup v2
# directory named the way docker's systemd driver names it
# (docker-<64 hex>.scope, below the test's cgroup), lo up in its own network
# namespace, logs on a private tmpfs the host does not see, real nginx and
# its upstream inside. One container also has its own root filesystem
# (chroot), with a host file at the same path as its config and log that
# says something else. See tests/e2e/README.

set_timeout test_container_cgroup 60
set_timeout test_container_killed 60

# ctr_cleanup: the test's child cgroups must go before tests/run removes the test's own.
ctr_cleanup()
{
	local cg

	for cg in "${CTR_CGROUPS[@]}"; do
		[ -d "$cg" ] || continue
		echo 1 >"$cg/cgroup.kill" 2>/dev/null
		wait_until 3 grep -q '^populated 0' "$cg/cgroup.events"
		rmdir "$cg" 2>/dev/null
	done
}

ctr_require()
{
	require_cmd unshare nsenter ip curl "$NGINX_BIN"
	if [ -z "${TEST_CGROUP:-}" ] || [ ! -d "$TEST_CGROUP" ]; then
		skip "needs a writable cgroup v2 mount (tests/run found none)"
	fi
	CTR_CGROUPS=()
	trap ctr_cleanup EXIT
}

# ctr_conf DIR LOGDIR BODY: an nginx.conf for a container, every path absolute inside it.
ctr_conf()
{
	cat <<-EOF
		user www-data;
		worker_processes 2;
		pid $2/nginx.pid;
		error_log $2/error.log error;
		events { worker_connections 64; }
		http {
		    access_log off;
		    client_body_temp_path $1/tmp/body;
		    proxy_temp_path $1/tmp/proxy;
		    fastcgi_temp_path $1/tmp/fastcgi;
		    uwsgi_temp_path $1/tmp/uwsgi;
		    scgi_temp_path $1/tmp/scgi;
		$3
		}
	EOF
}

# ctr_start NAME INIT_BODY: run INIT_BODY (bash) as pid 1 of a new container in
# the cgroup $TEST_CGROUP/docker-<id>.scope; lo is up before it runs. It must
# create $T/NAME/started once nginx runs, then keep running. Sets CTR_ID,
# CTR_CG, CTR_INIT (host pid of its pid 1) and CTR_MASTER (host pid of its
# nginx master).
ctr_start()
{
	local name=$1 d="$T/$1" launcher

	mkdir -p "$d" && chmod 0755 "$d"
	CTR_ID=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
	# CTR_SCOPE: another path below the test's cgroup, with ID where the id goes
	CTR_CG="$TEST_CGROUP/${CTR_SCOPE:-docker-ID.scope}"
	CTR_CG=${CTR_CG//ID/$CTR_ID}
	mkdir -p "$CTR_CG" || fail "cannot create cgroup $CTR_CG"
	CTR_CGROUPS+=("$CTR_CG")
	# its parents made here go after it
	local up=${CTR_CG%/*}
	while [ "$up" != "$TEST_CGROUP" ] && [ "${#up}" -gt "${#TEST_CGROUP}" ]; do
		CTR_CGROUPS+=("$up")
		up=${up%/*}
	done
	{
		printf '#!/bin/bash\nset -e\nip link set lo up\n'
		printf '%s\n' "$2"
		printf 'touch %s/started\nexec sleep 600\n' "$d"
	} >"$d/init.sh"
	# into the cgroup first, so every process of the container is in it
	(
		echo "$BASHPID" >"$CTR_CG/cgroup.procs"
		exec unshare --pid --mount --net --uts --fork --mount-proc --propagation private \
			bash "$d/init.sh"
	) >"$d/init.out" 2>&1 &
	launcher=$!
	register_pid "$launcher"
	wait_until 10 test -e "$d/started" ||
		fail "container $name did not start: $(tail -n 3 "$d/init.out")"
	CTR_INIT=$(child_pids "$launcher" | head -n 1)
	register_pid "$CTR_INIT"
	wait_until 5 ctr_find_master || fail "container $name: no nginx master in $CTR_CG"
	wait_until 5 nginx_has_workers "$CTR_MASTER" 2 || fail "container $name: no 2 workers"
	log "container $name: id $CTR_ID, pid 1 = host pid $CTR_INIT, nginx master $CTR_MASTER" \
	    "(pid $(ns_pid "$CTR_MASTER") inside), workers $(nginx_workers "$CTR_MASTER" | tr '\n' ' ')"
}

# ctr_find_master: the nginx master among the processes of CTR_CG.
ctr_find_master()
{
	local p

	CTR_MASTER=
	while read -r p; do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q '^nginx: master process' &&
			CTR_MASTER=$p && return 0
	done <"$CTR_CG/cgroup.procs"
	return 1
}

# ns_pid HOSTPID: its pid in its own (innermost) pid namespace.
ns_pid()
{
	awk '/^NSpid:/ { print $NF }' "/proc/$1/status"
}

# ctr_http CODE URL: a request from inside the container's network namespace.
ctr_http()
{
	local got

	got=$(nsenter -t "$CTR_INIT" -n curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$2")
	[ "$got" = "$1" ] || fail "GET $2 in the container answered $got, want $1"
	log "GET $2 (in the container) -> $got"
}

# ctr_plain NAME: a container on the host's filesystem, with nginx on :8080
# proxying to 127.0.0.1:9000 (nothing listens there inside; a HOST backend
# listens on the host's 127.0.0.1:9000) and on :8081 to a backend inside that
# resets every request. Logs on a private tmpfs.
ctr_plain()
{
	local d="$T/$1" body

	mkdir -p "$d/tmp" "$d/logs" && chmod 0755 "$d" "$d/tmp" "$d/logs"
	body=$(proxy_server 8080 http://127.0.0.1:9000; proxy_server 8081 http://127.0.0.1:9001)
	ctr_conf "$d" "$d/logs" "$body" >"$d/nginx.conf"
	ctr_start "$1" "mount -t tmpfs -o size=4m,mode=0755 tmpfs $d/logs
$BACKEND_BIN -t 120 reset 127.0.0.1:9001 >$d/backend.out 2>&1 &
until grep -q ready $d/backend.out; do sleep 0.05; done
$NGINX_BIN -c $d/nginx.conf -e $d/logs/error.log"
}

# The host side of the picture: something listens on the host's 127.0.0.1:9000.
host_listener_9000()
{
	if ss -Hltn 'sport = :9000' | grep -q .; then
		HOST_9000=
	else
		start_backend ok 127.0.0.1:9000
		HOST_9000=$BACKEND_PID
	fi
}

# expect_container_diag: DIAG is from a worker of CTR_MASTER (host pid), names
# its in-container pid and the container.
expect_container_diag()
{
	local pid inner
	local -a w

	mapfile -t w < <(nginx_workers "$CTR_MASTER")
	expect_pid_in "${w[@]}"
	pid=$(jq -r .nginx_pid <<<"$DIAG")
	inner=$(ns_pid "$pid")
	[ "$inner" != "$pid" ] || fail "worker $pid has the same pid inside: no pid namespace?"
	expect_evidence "nginx worker $pid \\(pid $inner in its container\\)"
	expect_evidence "${CTR_ID:0:12}"
}

# expect_ready_container MASTER ID: the ready line names MASTER's container.
expect_ready_container()
{
	jq -e --argjson m "$1" --arg id "$2" \
		'any(.targets[]?; .master == $m and .container == $id)' <<<"$(ready_line)" >/dev/null ||
		fail "ready line does not give master $1 container $2: $(ready_line)"
}

test_container_pid()
{
	local w inner

	ctr_require
	host_listener_9000
	ctr_plain c1
	start_tracer --pid "$CTR_MASTER"
	mapfile -t w < <(nginx_workers "$CTR_MASTER")
	expect_ready_target "$CTR_MASTER" "${w[@]}"
	expect_ready_container "$CTR_MASTER" "$CTR_ID"
	ctr_http 502 http://127.0.0.1:8080/
	expect_diag upstream_refused 127.0.0.1:9000
	expect_field .errno 111
	expect_container_diag
	# the host's listener on 9000 is another network namespace: not this one's
	[ -z "$HOST_9000" ] || ! jq -r '.evidence[], .fix' <<<"$DIAG" | grep -q "pid $HOST_9000\\b" ||
		fail "evidence names the HOST listener $HOST_9000 on 9000: $DIAG"
	expect_diag_logged upstream_refused 127.0.0.1:9000
	expect_source kernel+log
	# nginx wrote the pid it has inside; the diagnosis names the host's
	inner=$(ns_pid "$(jq -r .nginx_pid <<<"$DIAG")")
	expect_log_line "\\] $inner#[0-9]+: .*connect\\(\\) failed \\(111: "
	stop_tracer
	expect_summary upstream_refused 127.0.0.1:9000 1
}

test_container_id()
{
	ctr_require
	ctr_plain c1
	# the PID of any process inside (here its pid 1, a sleep) names the container too
	run_tool --json -d 1 --container "$CTR_INIT"
	expect_exit_code 0
	jq -e -s --argjson m "$CTR_MASTER" --arg id "$CTR_ID" \
		'any(.[] | select(.type == "ready") | .targets[]; .master == $m and .container == $id)' \
		"$T/cli.out" >/dev/null || fail "--container PID: ready lacks master $CTR_MASTER"
	start_tracer --container "${CTR_ID:0:12}"
	expect_ready_container "$CTR_MASTER" "$CTR_ID"
	ctr_http 502 http://127.0.0.1:8081/
	expect_kernel_then_logged upstream_reset 127.0.0.1:9001 \
		'(recv|readv)\(\) failed \(104: .*while reading response header from upstream'
	expect_container_diag
	stop_tracer
	expect_summary_exact upstream_reset 127.0.0.1:9001 1
}

test_container_cgroup()
{
	local mount rel m2 d
	local -a w

	ctr_require
	ctr_plain c1
	# a host nginx that fails too: outside the cgroup, it must not be traced
	stage_refusing_nginx h1
	mount=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	rel=${CTR_CG#"$mount"}
	run_tool --json -d 1 --cgroup "$rel"
	expect_exit_code 0
	jq -e -s --argjson m "$CTR_MASTER" \
		'any(.[] | select(.type == "ready") | .targets[]; .master == $m)' \
		"$T/cli.out" >/dev/null || fail "--cgroup $rel (relative): ready lacks $CTR_MASTER"
	start_tracer --cgroup "$CTR_CG"
	expect_ready_container "$CTR_MASTER" "$CTR_ID"
	jq -e --argjson m "$(nginx_master h1)" 'all(.targets[]; .master != $m)' \
		<<<"$(ready_line)" >/dev/null || fail "the host nginx is a target of --cgroup"
	expect_http 502 "http://127.0.0.1:$LPORT/"
	# a second nginx started in the container after ready joins (exec in a watched cgroup)
	d="$T/c1b"
	mkdir -p "$d/tmp" && chmod 0755 "$d" "$d/tmp"
	ctr_conf "$d" "$d" "$(proxy_server 8090 http://127.0.0.1:9002)" >"$d/nginx.conf"
	(
		echo "$BASHPID" >"$CTR_CG/cgroup.procs"
		exec nsenter -t "$CTR_INIT" -m -n -p -u "$NGINX_BIN" -c "$d/nginx.conf" -e "$d/error.log"
	) || fail "cannot start a second nginx in the container"
	wait_until 5 test -s "$d/nginx.pid" || fail "second nginx wrote no pid file"
	m2=$(while read -r p; do
		[ "$p" != "$CTR_MASTER" ] &&
			tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q '^nginx: master' && echo "$p"
	done <"$CTR_CG/cgroup.procs" | head -n 1)
	[ -n "$m2" ] || fail "no second nginx master in $CTR_CG"
	register_pid "$m2"
	wait_until 5 nginx_has_workers "$m2" 2 || fail "second nginx has no workers"
	ctr_http 502 http://127.0.0.1:8090/
	expect_diag upstream_refused 127.0.0.1:9002
	mapfile -t w < <(nginx_workers "$m2")
	expect_pid_in "${w[@]}"
	expect_no_diag upstream_refused "127.0.0.1:$UPORT" 1
	stop_tracer
}

test_container_autodiscovery()
{
	ctr_require
	ctr_plain c1
	start_tracer
	expect_ready_container "$CTR_MASTER" "$CTR_ID"
	ctr_http 502 http://127.0.0.1:8080/
	expect_diag upstream_refused 127.0.0.1:9000
	expect_container_diag
	expect_diag_logged upstream_refused 127.0.0.1:9000
	stop_tracer
}

# A container with its own root: /usr bind-mounted read-only, its own /etc and
# nginx.conf at $T/ctr/nginx.conf, logs at $T/ctr/logs on a tmpfs; on the host
# the same paths hold a decoy config (proxy_pass to 7777) and a decoy log line.
test_container_rootfs()
{
	local r="$T/root" c="$T/ctr" body line decoy

	ctr_require
	mkdir -p "$r/usr" "$r/etc" "$r/dev" "$r/proc" "$r/tmp" "$r$c/tmp" "$r$c/logs" "$c/logs"
	chmod 0755 "$T" "$r" "$r/usr" "$r/etc" "$r/dev" "$r/proc" "$r$c" "$r$c/tmp" "$r$c/logs" \
		"$c" "$c/logs"
	chmod 1777 "$r/tmp"
	for l in lib lib64 bin sbin; do
		if [ -L "/$l" ]; then ln -s "$(readlink "/$l")" "$r/$l"; else mkdir -p "$r/$l"; fi
	done
	cp /etc/passwd /etc/group "$r/etc/"
	[ -e /etc/nsswitch.conf ] && cp /etc/nsswitch.conf "$r/etc/"
	touch "$r/dev/null"
	# the container's config, proxy_pass on a line of its own
	body=$(printf '# container config\n%s' "$(proxy_server 8080 http://127.0.0.1:9000)")
	ctr_conf "$c" "$c/logs" "$body" >"$r$c/nginx.conf"
	# the host's file at the same path: another upstream, another line
	ctr_conf "$c" "$c/logs" "$(printf '\n\n\n\n%s' "$(proxy_server 8080 http://127.0.0.1:7777)")" \
		>"$c/nginx.conf"
	{
		printf '2024/01/01 00:00:00 [error] 1#1: *1 connect() failed (111: Connection '
		printf 'refused) while connecting to upstream, client: 127.0.0.1, server: , '
		printf 'request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:7777/", host: "x"\n'
	} >"$c/logs/error.log"
	ctr_start c2 "mount --bind /usr $r/usr && mount -o remount,bind,ro $r/usr
mount --bind /dev/null $r/dev/null
for l in lib lib64 bin sbin; do [ -L $r/\$l ] || mount --bind /\$l $r/\$l; done
mount -t tmpfs -o size=4m,mode=0755 tmpfs $r$c/logs
chroot $r $NGINX_BIN -c $c/nginx.conf -e $c/logs/error.log"
	[ "$(readlink "/proc/$CTR_MASTER/root")" = "$r" ] ||
		fail "nginx master is not chrooted: root $(readlink "/proc/$CTR_MASTER/root")"
	start_tracer --container "$CTR_ID"
	expect_ready_container "$CTR_MASTER" "$CTR_ID"
	# the decoy line lands in the host file while tracing: it must never become a diagnosis
	decoy=$(cat "$c/logs/error.log")
	printf '%s\n' "$decoy" >>"$c/logs/error.log"
	ctr_http 502 http://127.0.0.1:8080/
	expect_diag upstream_refused 127.0.0.1:9000
	expect_container_diag
	expect_diag_logged upstream_refused 127.0.0.1:9000
	expect_source kernel+log
	# a config line named in the fix is the container's (line of its proxy_pass), not the host's
	line=$(grep -n 'proxy_pass' "$r$c/nginx.conf" | cut -d: -f1)
	if jq -r '.fix, .evidence[]' <<<"$DIAG" | grep -q "$c/nginx.conf:"; then
		jq -r '.fix, .evidence[]' <<<"$DIAG" | grep -q "$c/nginx.conf:$line\\b" ||
			fail "the fix cites $c/nginx.conf but not line $line of the container's file: $DIAG"
	fi
	grep -q 7777 "$T/trace.out" && fail "the host's decoy config or log leaked into the output"
	stop_tracer
	expect_summary upstream_refused 127.0.0.1:9000 1
}

test_container_killed()
{
	local w

	ctr_require
	ctr_plain c1
	start_tracer --container "$CTR_ID"
	ctr_http 502 http://127.0.0.1:8080/
	expect_diag upstream_refused 127.0.0.1:9000
	mapfile -t w < <(nginx_workers "$CTR_MASTER")
	kill -KILL "$CTR_INIT"
	wait_until 5 all_dead "$CTR_MASTER" "${w[@]}" || fail "the container's nginx survived"
	wait_until 5 grep -q \
		"\"type\":\"warning\".*target nginx $CTR_MASTER in container ${CTR_ID:0:12} exited" \
		"$T/trace.out" || fail "no warning that master $CTR_MASTER in the container exited"
	grep -q '"type":"warning".*no nginx left' "$T/trace.out" || fail "no 'no nginx left' warning"
	log "warning: $(grep -m1 'target nginx' "$T/trace.out")"
	sleep 0.5
	stop_tracer
	expect_summary upstream_refused 127.0.0.1:9000 1
}

test_container_unknown()
{
	run_tool --container ffffeeeedddd0000
	expect_exit_code 1
	expect_stderr_lines 1
	expect_stderr_match 'ffffeeeedddd0000'
	run_tool --cgroup /ngx502-no-such-cgroup
	expect_exit_code 1
	expect_stderr_lines 1
	expect_stderr_match 'ngx502-no-such-cgroup'
}

# docs/DESIGN.md §8: inside a container every path resolves within its root. Its
# nginx.conf includes $c/up.conf and logs to $c/logs/error.log, both absolute
# symlinks to $T/hostside/...: inside the container's root they hold the real
# config and log, but followed from the host they lead to decoy host files
# naming upstream 7777. The tool must read the container's and never the host's.
test_container_symlink_escape()
{
	local r="$T/root" c="$T/ctr" h="$T/hostside" line decoy

	ctr_require
	mkdir -p "$r/usr" "$r/etc" "$r/dev" "$r/proc" "$r/tmp" "$r$c/tmp" "$r$c/logs" "$r$h" "$h"
	chmod 0755 "$T" "$r" "$r/usr" "$r/etc" "$r/dev" "$r/proc" "$r$c" "$r$c/tmp" "$r$c/logs" \
		"$r$T" "$r$h" "$h"
	chmod 1777 "$r/tmp"
	for l in lib lib64 bin sbin; do
		if [ -L "/$l" ]; then ln -s "$(readlink "/$l")" "$r/$l"; else mkdir -p "$r/$l"; fi
	done
	cp /etc/passwd /etc/group "$r/etc/"
	touch "$r/dev/null"
	ctr_conf "$c" "$c/logs" "include $c/up.conf;" >"$r$c/nginx.conf"
	# the real include, inside the root, and the symlink to it by its absolute path
	printf '# container upstream\n%s\n' "$(proxy_server 8080 http://127.0.0.1:9000)" >"$r$h/up.conf"
	ln -s "$h/up.conf" "$r$c/up.conf"
	# the decoys the same absolute paths reach on the host
	printf '\n\n\n%s\n' "$(proxy_server 8080 http://127.0.0.1:7777)" >"$h/up.conf"
	printf '2024/01/01 00:00:00 [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: , request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:7777/", host: "x"\n' >"$h/error.log"
	: >"$r$h/error.log"
	chmod 0666 "$r$h/error.log"
	ctr_start c3 "mount --bind /usr $r/usr && mount -o remount,bind,ro $r/usr
mount --bind /dev/null $r/dev/null
for l in lib lib64 bin sbin; do [ -L $r/\$l ] || mount --bind /\$l $r/\$l; done
ln -sf $h/error.log $r$c/logs/error.log
chroot $r $NGINX_BIN -c $c/nginx.conf -e $c/logs/error.log"
	start_tracer --container "$CTR_ID"
	expect_ready_container "$CTR_MASTER" "$CTR_ID"
	# host decoy lines written while tracing
	decoy=$(cat "$h/error.log")
	printf '%s\n' "$decoy" >>"$h/error.log"
	ctr_http 502 http://127.0.0.1:8080/
	expect_diag upstream_refused 127.0.0.1:9000
	expect_diag_logged upstream_refused 127.0.0.1:9000
	# nginx wrote its line through the symlink into the container's file
	grep -q '127.0.0.1:9000' "$r$h/error.log" || fail "nginx did not log into the container's file"
	# the config line the fix names is the container's include, followed inside the root
	line=$(grep -n 'proxy_pass' "$r$h/up.conf" | cut -d: -f1)
	if jq -r '.fix, .evidence[]' <<<"$DIAG" | grep -q 'up.conf:'; then
		jq -r '.fix, .evidence[]' <<<"$DIAG" | grep -q "up.conf:$line\\b" ||
			fail "the fix cites up.conf but not line $line of the container's file: $DIAG"
	fi
	grep -q 7777 "$T/trace.out" && fail "a host file reached through a container symlink leaked in"
	stop_tracer
}

# A kubernetes pod on a node without an API server: the cgroup kubelet's
# systemd driver makes for a containerd container, and kubelet's
# /var/log/pods/NAMESPACE_POD_UID/CONTAINER directory. --container NS/POD finds
# it; each diagnosis names the pod, and its fix reloads through kubectl.
test_container_kubernetes_pod_names()
{
	local uid pods="/var/log/pods" dir

	ctr_require
	uid=$(cat /proc/sys/kernel/random/uuid)
	dir="$pods/shop_web-7d9c6b5f4-x2x7q_$uid"
	mkdir -p "$dir/nginx" || fail "cannot create $dir"
	# shellcheck disable=SC2064 # the path now
	trap "rm -rf '$dir'; ctr_cleanup" EXIT
	CTR_SCOPE="kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid//-/_}.slice/cri-containerd-ID.scope" \
		ctr_plain p1
	start_tracer --container shop/web-7d9c6b5f4-x2x7q
	expect_ready_container "$CTR_MASTER" "$CTR_ID"
	ctr_http 502 http://127.0.0.1:8080/
	expect_diag upstream_refused 127.0.0.1:9000
	expect_field '.pod.name' web-7d9c6b5f4-x2x7q
	expect_field '.pod.namespace' shop
	expect_field '.pod.container' nginx
	expect_field '.container.engine' containerd
	expect_field '.container.id' "$CTR_ID"
	expect_evidence "runs in kubernetes pod shop/web-7d9c6b5f4-x2x7q \\(container nginx\\)"
	expect_fix "kubectl -n shop exec web-7d9c6b5f4-x2x7q -c nginx -- nginx -t && kubectl -n shop exec web-7d9c6b5f4-x2x7q -c nginx -- nginx -s reload"
	expect_fix "nsenter -t $CTR_MASTER -n ss -ltnp"
	stop_tracer
	# a pod kubelet does not know: one line, exit 1
	run_tool --container shop/no-such-pod -d 1
	expect_exit_code 1
	expect_stderr_lines 1
}
