# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# Staging helpers: real nginx, real php-fpm and the misbehaving test backend,
# each in $T, on loopback or unix sockets only, each registered for cleanup.

NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
FPM_BIN=${FPM_BIN:-/usr/sbin/php-fpm8.2}

# stage_nginx NAME [LEVEL] <<EOF ... http-level blocks (server, upstream) ... EOF
# Writes $T/NAME/nginx.conf, starts nginx (in the netns if any), waits for the
# pid file, both workers and every TCP listen port; exports NAME_MASTER.
stage_nginx()
{
	local name=$1 level=${2:-error} d="$T/$1" body master port

	require_cmd "$NGINX_BIN"
	body=$(cat)
	mkdir -p "$d/tmp" || fail "cannot create $d"
	chmod 0755 "$d" "$d/tmp"
	cat >"$d/nginx.conf" <<-EOF
		user www-data;
		worker_processes 2;
		pid $d/nginx.pid;
		error_log $d/error.log $level;
		events { worker_connections 512; }
		http {
		    # the ground truth of what clients got (tests/lib/tracer.sh)
		    log_format ngx502_truth '\$msec|\$status|\$upstream_header_time';
		    access_log $d/truth.log ngx502_truth;
		    client_body_temp_path $d/tmp/body;
		    proxy_temp_path $d/tmp/proxy;
		    fastcgi_temp_path $d/tmp/fastcgi;
		    uwsgi_temp_path $d/tmp/uwsgi;
		    scgi_temp_path $d/tmp/scgi;
		$body
		}
	EOF
	if ! ns_run "$NGINX_BIN" -e "$d/error.log" -p "$d" -c "$d/nginx.conf" 2>"$d/start.err"; then
		fail "nginx $name did not start: $(tail -n 3 "$d/start.err")"
	fi
	wait_until 5 test -s "$d/nginx.pid" || fail "nginx $name wrote no pid file"
	master=$(cat "$d/nginx.pid")
	register_pid "$master"
	wait_until 5 nginx_has_workers "$master" 2 ||
		fail "nginx $name: master $master has no 2 workers: $(tail -n 3 "$d/error.log")"
	while read -r port; do
		wait_until 5 tcp_answers 127.0.0.1 "$port" ||
			fail "nginx $name: nothing answers on 127.0.0.1:$port"
	done < <(sed -n 's/^ *listen *\(127\.0\.0\.1:\)\{0,1\}\([0-9]\+\).*;.*$/\2/p' \
		 "$d/nginx.conf")
	printf -v "${name}_MASTER" '%s' "$master"
	export "${name?}_MASTER"
	log "nginx $name: master $master, workers $(nginx_workers "$master" | tr '\n' ' ')"
}

# nginx_workers MASTER: the worker PIDs of that master, one a line.
nginx_workers()
{
	local p

	for p in $(child_pids "$1"); do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q '^nginx: worker process' &&
			printf '%s\n' "$p"
	done
}

nginx_has_workers()
{
	[ "$(nginx_workers "$1" | wc -l)" -ge "$2" ]
}

# nginx_log NAME: path of that instance's error log.
nginx_log()
{
	printf '%s\n' "$T/$1/error.log"
}

# expect_log_match NAME REGEX [SECS]: wait until the instance's error log has a matching line.
expect_log_match()
{
	local f secs=${3:-5}

	f=$(nginx_log "$1")
	wait_until "$secs" grep -Eq -- "$2" "$f" ||
		fail "nginx $1 error log has no line matching /$2/; tail: $(tail -n 3 "$f")"
	log "error log: $(grep -E -m1 -- "$2" "$f")"
}

# nginx_reload NAME: SIGHUP the master; wait until only new workers remain.
nginx_reload()
{
	local m old

	m=$(cat "$T/$1/nginx.pid")
	old=$(nginx_workers "$m" | tr '\n' ' ')
	kill -HUP "$m" || fail "cannot signal nginx master $m"
	wait_until 10 nginx_workers_replaced "$m" "$old" ||
		fail "nginx $1: old workers ($old) not replaced after reload"
	log "nginx $1 reloaded: old workers $old, new $(nginx_workers "$m" | tr '\n' ' ')"
}

nginx_workers_replaced()
{
	local m=$1 old=$2 w n=0

	for w in $(nginx_workers "$m"); do
		case " $old " in *" $w "*) return 1 ;; esac
		n=$((n + 1))
	done
	[ "$n" -ge 2 ]
}

tcp_answers()
{
	# shellcheck disable=SC2016 # expanded by the inner bash
	ns_run bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# php_scripts: $T/www with ok.php and slow.php (?s=SECONDS, default 3).
php_scripts()
{
	mkdir -p "$T/www"
	chmod 0755 "$T/www"
	printf '<?php echo "ok\\n";\n' >"$T/www/ok.php"
	# shellcheck disable=SC2016 # PHP, not shell
	printf '<?php sleep(isset($_GET["s"]) ? (int)$_GET["s"] : 3); echo "slow\\n";\n' \
		>"$T/www/slow.php"
	chmod 0644 "$T/www/ok.php" "$T/www/slow.php"
}

# fcgi_params: the fastcgi lines a location needs to run $T/www scripts.
fcgi_params()
{
	# shellcheck disable=SC2016 # an nginx variable
	printf '%s %s%s;\n' 'include /etc/nginx/fastcgi_params; fastcgi_param SCRIPT_FILENAME' \
		"$T/www" '$fastcgi_script_name'
}

# stage_fpm NAME [KEY=VALUE ...]: a php-fpm master with one pool "www".
# Defaults: listen=$T/NAME/run/php-fpm.sock owned www-data 0660, pm static
# with 2 children, user www-data; any KEY=VALUE overrides or adds a pool key.
# Exports NAME_FPM (master PID) and NAME_SOCK (the listen value). With FPM_CGROUP
# set (a cgroup directory, v1 or v2), php-fpm starts inside it.
stage_fpm()
{
	local name=$1 d="$T/$1" kv key pid listen
	local -A pool=()
	local -a order=(user group listen listen.owner listen.group listen.mode pm
			pm.max_children catch_workers_output)

	require_cmd "$FPM_BIN"
	shift
	php_scripts
	mkdir -p "$d/run" || fail "cannot create $d/run"
	chmod 0755 "$d" "$d/run"
	pool=([user]=www-data [group]=www-data [listen]="$d/run/php-fpm.sock"
	      [listen.owner]=www-data [listen.group]=www-data [listen.mode]=0660
	      [pm]=static [pm.max_children]=2 [catch_workers_output]=yes)
	for kv in "$@"; do
		key=${kv%%=*}
		[ -n "${pool[$key]+set}" ] || order+=("$key")
		pool[$key]=${kv#*=}
	done
	{
		printf '[global]\npid = %s\nerror_log = %s\ndaemonize = no\n\n[www]\n' \
			"$d/php-fpm.pid" "$d/php-fpm.log"
		for key in "${order[@]}"; do
			printf '%s = %s\n' "$key" "${pool[$key]}"
		done
	} >"$d/php-fpm.conf"
	listen=${pool[listen]}
	# shellcheck disable=SC2016 # the inner shell expands them
	ns_run sh -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs" || exit 1; shift; exec "$@"' \
		sh "${FPM_CGROUP:-}" "$FPM_BIN" -y "$d/php-fpm.conf" -F -R >"$d/php-fpm.out" 2>&1 &
	pid=$!
	register_pid "$pid"
	if [ "${listen#/}" != "$listen" ]; then
		wait_until 5 test -S "$listen" ||
			fail "php-fpm $name: no socket $listen: $(tail -n 3 "$d/php-fpm.out")"
	else
		wait_until 5 tcp_answers "${listen%:*}" "${listen##*:}" ||
			fail "php-fpm $name: nothing answers on $listen"
	fi
	pid_alive "$pid" || fail "php-fpm $name exited: $(tail -n 3 "$d/php-fpm.out")"
	printf -v "${name}_FPM" '%s' "$pid"
	printf -v "${name}_SOCK" '%s' "$listen"
	export "${name?}_FPM" "${name?}_SOCK"
	log "php-fpm $name: master $pid, listen $listen," \
	    "children $(child_pids "$pid" | tr '\n' ' ')"
}

# fpm_kill9 NAME: SIGKILL the php-fpm master and its children (the socket file stays).
fpm_kill9()
{
	local m
	local -a kids

	m=$(cat "$T/$1/php-fpm.pid" 2>/dev/null) || fail "php-fpm $1 has no pid file"
	mapfile -t kids < <(child_pids "$m")
	# the master first, so that it cannot fork replacements
	kill -KILL "$m"
	[ "${#kids[@]}" -gt 0 ] && kill -KILL "${kids[@]}" 2>/dev/null
	wait_until 5 all_dead "$m" "${kids[@]}" || fail "php-fpm $1 survived SIGKILL"
	log "php-fpm $1 killed with SIGKILL (master $m, children ${kids[*]})"
}

# all_dead PID...: none of them runs any more (zombies count as dead).
all_dead()
{
	local p st

	for p in "$@"; do
		st=$(sed -n 's/^.*) \([A-Za-z]\) .*$/\1/p' "/proc/$p/stat" 2>/dev/null)
		[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ] && return 1
	done
	return 0
}

# fpm_sock NAME: the listen address of a staged php-fpm pool.
fpm_sock()
{
	sed -n 's/^listen = //p' "$T/$1/php-fpm.conf"
}

# start_backend MODE [N] ADDR: the test backend (tests/tools/backend.c) on
# PORT, 127.0.0.1:PORT, [::1]:PORT or unix:PATH. Sets BACKEND_PID.
start_backend()
{
	local out="$T/backend.$RANDOM.out"

	[ -x "${BACKEND_BIN:-}" ] || fail "test backend not built (BACKEND_BIN=${BACKEND_BIN:-})"
	ns_run "$BACKEND_BIN" -t "${BACKEND_LIFETIME:-120}" "$@" >"$out" 2>&1 &
	BACKEND_PID=$!
	register_pid "$BACKEND_PID"
	wait_until 3 grep -q '^ready$' "$out" ||
		fail "backend $* did not start: $(head -c 300 "$out")"
	log "backend $* ready (pid $BACKEND_PID)"
}

# nginx_master NAME: the master PID of a staged instance.
nginx_master()
{
	cat "$T/$1/nginx.pid" 2>/dev/null || fail "nginx $1 has no pid file"
}

# proxy_server LISTEN_PORT URL [EXTRA_DIRECTIVES]: a server block for stage_nginx
# that proxies everything to URL.
proxy_server()
{
	printf 'server {\n    listen 127.0.0.1:%s;\n    %s\n' "$1" "${3:-}"
	printf '    location / { proxy_pass %s; }\n}\n' "$2"
}

# fcgi_server LISTEN_PORT SOCKET_PATH: a server block running $T/www over FastCGI.
fcgi_server()
{
	printf 'server {\n    listen 127.0.0.1:%s;\n    root %s;\n' "$1" "$T/www"
	printf '    location ~ \\.php$ {\n        %s\n' "$(fcgi_params)"
	printf '        fastcgi_pass unix:%s;\n    }\n}\n' "$2"
}

# stage_refusing_nginx [NAME]: nginx (default "n1") proxying to a closed
# port; sets LPORT (its listen port) and UPORT (the closed one).
stage_refusing_nginx()
{
	local name=${1:-n1}

	LPORT=$(free_port)
	UPORT=$(free_port)
	stage_nginx "$name" < <(proxy_server "$LPORT" "http://127.0.0.1:$UPORT")
}
