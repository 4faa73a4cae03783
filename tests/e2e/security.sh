# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# LPORT and UPORT are set by stage_refusing_nginx
# shellcheck disable=SC2153
#
# The root tool never acts for a local user (README "Security"): it runs no
# program, reads a target's files with the rights of the target's owner, and
# survives hostile files. Each test plays the local user with a real
# unprivileged account and real processes.

set_timeout test_include_bomb_stays_bounded 90

SEC_USER=ngx502-sec

# sec_user: make sure the unprivileged account exists; prints its uid.
sec_user()
{
	if ! id -u "$SEC_USER" >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin "$SEC_USER" 2>/dev/null ||
			id -u "$SEC_USER" >/dev/null 2>&1 || skip "cannot create user $SEC_USER"
	fi
	id -u "$SEC_USER"
}

# as_user CMD...: run as the unprivileged account, no groups, no capabilities.
as_user()
{
	setpriv --reuid "$(id -u "$SEC_USER")" --regid "$(id -g "$SEC_USER")" --clear-groups \
		--inh-caps=-all --bounding-set=-all -- "$@"
}

# root_only_dir NAME: $T/NAME, root's and 0700; prints it.
root_only_dir()
{
	mkdir -p "$T/$1" && chmod 0700 "$T/$1" && chown root:root "$T/$1"
	printf '%s\n' "$T/$1"
}

# user_dir NAME: $T/NAME owned by the account; prints it.
user_dir()
{
	mkdir -p "$T/$1" && chown "$SEC_USER:" "$T/$1" && chmod 0755 "$T/$1"
	printf '%s\n' "$T/$1"
}

# user_nginx NAME LPORT UPORT: the genuine nginx, started by the account,
# proxying 127.0.0.1:LPORT to the closed 127.0.0.1:UPORT. Sets UMASTER.
user_nginx()
{
	local d

	d=$(user_dir "$1")
	cat >"$d/nginx.conf" <<-EOF
		worker_processes 2;
		pid $d/nginx.pid;
		error_log $d/error.log error;
		events { worker_connections 64; }
		http {
		    access_log off;
		    client_body_temp_path $d/body;
		    proxy_temp_path $d/proxy;
		    fastcgi_temp_path $d/fastcgi;
		    uwsgi_temp_path $d/uwsgi;
		    scgi_temp_path $d/scgi;
		    server {
		        listen 127.0.0.1:$2;
		        location / { proxy_pass http://127.0.0.1:$3; }
		    }
		}
	EOF
	chown "$SEC_USER:" "$d/nginx.conf"
	as_user "$NGINX_BIN" -e "$d/error.log" -p "$d" -c "$d/nginx.conf" 2>"$T/$1.start.err" ||
		fail "the user's nginx did not start: $(tail -n 2 "$T/$1.start.err")"
	wait_until 5 test -s "$d/nginx.pid" || fail "the user's nginx wrote no pid file"
	UMASTER=$(cat "$d/nginx.pid")
	register_pid "$UMASTER"
	wait_until 5 nginx_has_workers "$UMASTER" 2 || fail "the user's nginx has no workers"
	wait_until 5 tcp_answers 127.0.0.1 "$2" || fail "the user's nginx does not answer"
	[ "$(stat -c %u "/proc/$UMASTER")" = "$(id -u "$SEC_USER")" ] ||
		fail "the user's nginx master does not run as $SEC_USER"
	log "user nginx: master $UMASTER as $SEC_USER, $2 -> closed $3"
}

# fake_nginx DIR MARKDIR PORT: compile a program named nginx, owned by the
# account, that writes DIR/../MARKDIR/marker when it runs with the rights to
# (root only) and connects to the closed PORT every 100 ms. Sets FAKE.
fake_nginx()
{
	local d=$1 src

	require_cmd cc
	src=$T/fake-nginx.c
	cat >"$src" <<-EOF
		#include <arpa/inet.h>
		#include <fcntl.h>
		#include <netinet/in.h>
		#include <sys/socket.h>
		#include <unistd.h>
		int main(void)
		{
		    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons($3) };
		    int fd = open("$2/marker", O_WRONLY | O_CREAT, 0644);

		    if (fd >= 0)
		        close(fd);
		    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
		    for (int i = 0; i < 300; i++) {
		        int s = socket(AF_INET, SOCK_STREAM, 0);

		        connect(s, (struct sockaddr *)&a, sizeof(a));
		        close(s);
		        usleep(100000);
		    }
		    return 0;
		}
	EOF
	cc -O1 -o "$d/nginx" "$src" 2>"$T/cc.err" ||
		fail "cannot build the fake nginx: $(head -n 3 "$T/cc.err")"
	chown "$SEC_USER:" "$d/nginx"
	chmod 0755 "$d/nginx"
	FAKE=$d/nginx
}

comm_is()
{
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]
}

# no_marker DIR: nothing was created in DIR.
no_marker()
{
	[ -z "$(ls -A "$1")" ] || fail "a marker was written as root: $(ls -l "$1")"
}

test_fake_nginx_is_never_executed()
{
	local d mark port pid

	sec_user >/dev/null
	d=$(user_dir fake)
	mark=$(root_only_dir mark)
	port=$(free_port)
	fake_nginx "$d" "$mark" "$port"
	# exec: $! is the fake itself, not a subshell
	(exec setpriv --reuid "$(id -u "$SEC_USER")" --regid "$(id -g "$SEC_USER")" \
		--clear-groups --inh-caps=-all --bounding-set=-all -- "$FAKE" -c "$d/nginx.conf") &
	pid=$!
	register_pid "$pid"
	wait_until 5 comm_is "$pid" nginx || fail "the fake nginx is not running"
	no_marker "$mark"
	# auto-discovery: the fake is a target; its refused connects are diagnosed
	start_tracer
	expect_diag upstream_refused "127.0.0.1:$port"
	sleep 1
	stop_tracer
	no_marker "$mark"
	# a binary of a user's gets no host-wide syscall tracepoints
	grep -q 'syscalls' <<<"$(ready_line)" &&
		fail "syscall tracepoints attached for a user's binary: $(ready_line)"
	# and named with --pid
	start_tracer --pid "$pid"
	expect_diag upstream_refused "127.0.0.1:$port"
	sleep 1
	stop_tracer
	no_marker "$mark"
}

test_user_config_is_never_executed()
{
	local d mark rootdir lport uport

	sec_user >/dev/null
	lport=$(free_port)
	uport=$(free_port)
	user_nginx u1 "$lport" "$uport"
	d=$T/u1
	mark=$(root_only_dir mark)
	rootdir=$(root_only_dir rootdir)
	require_cmd cc
	cat >"$T/evil.c" <<-EOF
		#include <fcntl.h>
		#include <unistd.h>
		__attribute__((constructor)) static void evil(void)
		{
		    int fd = open("$mark/marker", O_WRONLY | O_CREAT, 0644);

		    if (fd >= 0)
		        close(fd);
		}
	EOF
	cc -shared -fPIC -o "$d/evil.so" "$T/evil.c" || fail "cannot build the module"
	chown "$SEC_USER:" "$d/evil.so"
	# edited after start: what root would run, were it to run nginx -t/-T with it
	sed -i -e "1i load_module $d/evil.so;" \
		-e "s#client_body_temp_path .*#client_body_temp_path $rootdir/body;#" \
		-e "s#^pid .*#pid $rootdir/nginx.pid;#" "$d/nginx.conf"
	start_tracer
	expect_http 502 "http://127.0.0.1:$lport/"
	expect_diag upstream_refused "127.0.0.1:$uport"
	# the config was read (its line is named), never run
	expect_fix "nginx.conf:[0-9]+"
	stop_tracer
	no_marker "$mark"
	[ -z "$(ls -A "$rootdir")" ] || fail "files appeared in root's directory: $(ls -l "$rootdir")"
	[ "$(stat -c %U:%a "$rootdir")" = root:700 ] ||
		fail "root's directory changed: $(stat -c %U:%a "$rootdir")"
}

# A config line, an error-log line: what only root may read.
SECRET=S3CR3T-ONLY-ROOT

test_root_only_files_are_never_read()
{
	local d secret lport uport shadow out line

	sec_user >/dev/null
	lport=$(free_port)
	uport=$(free_port)
	user_nginx u2 "$lport" "$uport"
	d=$T/u2
	secret=$(root_only_dir secret)
	# a root-only include that holds the very proxy_pass that fails
	printf 'proxy_pass http://127.0.0.1:%s; # %s\n' "$uport" "$SECRET" >"$secret/loc.conf"
	# a root-only log that looks like nginx's
	printf '2026/01/01 00:00:00 [error] 1#1: *1 connect() to unix:/run/%s.sock failed (13: Permission denied) while connecting to upstream, client: 127.0.0.1, server: , request: "GET / HTTP/1.1", upstream: "fastcgi://unix:/run/%s.sock:", host: "x"\n' \
		"$SECRET" "$SECRET" >"$secret/error.log"
	chmod 0600 "$secret/loc.conf" "$secret/error.log"
	sed -i -e "s#proxy_pass http://127.0.0.1:$uport;#include $secret/loc.conf;#" \
		-e "s#^error_log .*#error_log $secret/error.log error;#" \
		-e "1i include /etc/shadow;" "$d/nginx.conf"
	start_tracer
	expect_http 502 "http://127.0.0.1:$lport/"
	expect_diag upstream_refused "127.0.0.1:$uport"
	# more lines in the root-only log while the tool runs
	line=$(head -n 1 "$secret/error.log")
	printf '%s\n' "$line" >>"$secret/error.log"
	sleep 1
	stop_tracer
	out=$(cat "$T/trace.out" "$T/trace.err")
	grep -q "$SECRET" <<<"$out" && fail "root-only content in the output: $(grep -m1 "$SECRET" <<<"$out")"
	grep -q "loc.conf:1" <<<"$out" && fail "the root-only include was read: $(grep -m1 'loc.conf' <<<"$out")"
	while IFS= read -r shadow; do
		[ "${#shadow}" -ge 8 ] || continue
		grep -qF -- "$shadow" <<<"$out" && fail "a line of /etc/shadow in the output"
	done </etc/shadow
	# the same files for a root nginx: the include is read (the test can see a read)
	stage_nginx r2 <<-EOF
		server { listen 127.0.0.1:$(free_port); location / { include $secret/loc.conf; } }
	EOF
	start_tracer --pid "$(nginx_master r2)"
	expect_http 502 "http://127.0.0.1:$(sed -n 's/.*listen 127.0.0.1:\([0-9]*\).*/\1/p' "$T/r2/nginx.conf")/"
	expect_diag upstream_refused "127.0.0.1:$uport"
	expect_fix "loc.conf:1"
	stop_tracer
}

test_fifo_config_does_not_hang()
{
	local d start end

	stage_refusing_nginx f1
	d=$T/f1
	# the file named by -c becomes a FIFO after start: nobody will ever write to it
	rm -f "$d/nginx.conf"
	mkfifo "$d/nginx.conf"
	start=$(date +%s)
	start_tracer --pid "$(nginx_master f1)" --duration 4
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_refused "127.0.0.1:$UPORT"
	wait_until 8 all_dead "$TRACER_PID" || fail "the tracer hangs past --duration on a FIFO"
	wait "$TRACER_PID" || fail "the tracer exited non-zero: $(head -n 2 "$T/trace.err")"
	end=$(date +%s)
	[ $((end - start)) -le 7 ] || fail "the tracer took $((end - start)) s for --duration 4"
}

test_include_bomb_stays_bounded()
{
	local d hwm

	stage_refusing_nginx b1
	d=$T/b1
	# one 4 MiB file, included 15 times by a config of a few hundred bytes
	yes 'proxy_set_header X-Bomb aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;' |
		head -c $((4 << 20)) | sed '$d' >"$d/bomb.conf"
	for _ in $(seq 1 15); do
		printf 'include %s/bomb.conf;\n' "$d"
	done >"$d/bombs.conf"
	sed -i "1i include $d/bombs.conf;" "$d/nginx.conf"
	start_tracer --pid "$(nginx_master b1)"
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_refused "127.0.0.1:$UPORT"
	wait_until 5 grep -q '"type":"warning".*read in part' "$T/trace.out" ||
		fail "no warning that the configuration was cut: $(grep -m2 warning "$T/trace.out")"
	hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$TRACER_PID/status")
	log "tracer VmHWM: $hwm kB"
	stop_tracer
	# README: peak resident memory <= 16 MB (sanitizers add their own shadow memory)
	[ "${NGX502_SANITIZED:-}" = 1 ] || [ "$hwm" -le 16384 ] ||
		fail "VmHWM $hwm kB over the README's 16 MB bound"
}
