# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# The commands in fixes are safe to paste (README "Commands safe to paste").
# A real nginx runs from a config whose directory, given by -p and -c, has
# shell metacharacters in its name, and sends requests to a socket that is
# missing and to one behind a directory nginx may not search, both in such
# directories too. Every command of every diagnosis ("commands", which the
# fix text must hold verbatim) is run by sh -c with PATH holding only stubs
# that log their argv: only the expected programs may run, with the exact
# paths as arguments, and no payload may create its marker file.

# Payloads create pwnedN in the current directory if a shell ever runs them.
# nginx reads "$" as a variable in *_pass: the socket paths do without $(...).
# nginx joins its argv with spaces into its process title, the only place its
# -p and -c can be read back from: their directory does without spaces.
# shellcheck disable=SC2016 # not expanded: that is the point
PASTE_CONF_DIR='n`echo>pwned1`$(echo>pwned2);echo>pwned3&echo>pwned4|echo>pwned5'\''q'\''{a,b}'
# shellcheck disable=SC2016 # not expanded: that is the point
PASTE_SOCK_DIR='s`echo >pwned6`;echo >pwned7&'\''x y'
# shellcheck disable=SC2016 # not expanded: that is the point
PASTE_MISS_DIR='m`echo >pwned8`;echo >pwned9&'\''x y'
# shellcheck disable=SC2016 # not expanded: that is the point
PASTE_FPM_DIR='c`echo >pwned10`$(echo >pwned11);'\''x y'

# Programs a fix may name; any other is "not found" with PATH=$T/stubs.
PASTE_STUBS=(chmod chgrp chown systemctl nginx php-fpm sysctl ss setfacl usermod docker
	     journalctl grep setsebool bpftool nft ip coredumpctl)

# What each stub does: append "$#\0NAME\0ARG\0..." to $STUB_LOG, NAME in $n.
# shellcheck disable=SC2016 # for the stub's shell
PASTE_LOG='{ printf '\''%s\0'\'' "$#" "$n"; for a; do printf '\''%s\0'\'' "$a"; done; }'
PASTE_LOG+=' >>"$STUB_LOG"'

# paste_stubs: $T/stubs/NAME for each program, and the prelude that logs kill.
paste_stubs()
{
	local p

	mkdir -p "$T/stubs" "$T/work" || fail "cannot create $T/stubs"
	for p in "${PASTE_STUBS[@]}"; do
		printf '#!/bin/sh\nn=%s\n%s\n' "$p" "$PASTE_LOG" >"$T/stubs/$p"
		chmod 0755 "$T/stubs/$p"
	done
	# kill is a builtin of every shell: a function comes first
	PASTE_PRELUDE="kill() { n=kill; $PASTE_LOG; }
"
}

# paste_run CMD: CMD through sh -c in the empty $T/work, with only the stubs on PATH.
# Fails on a non-zero exit or anything on stdout/stderr ("not found": a stray command).
paste_run()
{
	local out rc

	out=$(cd "$T/work" && env -i PATH="$T/stubs" STUB_LOG="$T/stub.log" \
		/bin/sh -c "$PASTE_PRELUDE$1" 2>&1)
	rc=$?
	[ "$rc" = 0 ] || fail "sh -c $(printf '%q' "$1") exited $rc: $out"
	[ -z "$out" ] || fail "sh -c $(printf '%q' "$1") said: $out"
}

# paste_ran: the stub log as one line per program run, each word %q-quoted.
paste_ran()
{
	local -a f
	local i=0 n k line

	[ -s "$T/stub.log" ] || return 0
	mapfile -d '' f <"$T/stub.log"
	while [ "$i" -lt "${#f[@]}" ]; do
		n=${f[i]}
		line=
		for ((k = i + 1; k <= i + 1 + n; k++)); do
			line+="$(printf '%q' "${f[k]}") "
		done
		printf '%s\n' "${line% }"
		i=$((i + 2 + n))
	done
}

# argv WORD...: how paste_ran prints that program run.
argv()
{
	local w line=

	for w in "$@"; do
		line+="$(printf '%q' "$w") "
	done
	printf '%s\n' "${line% }"
}

# paste_stage_fpm DIR CONFDIR SOCK: php-fpm with pool www on SOCK (in DIR), its
# config in CONFDIR; the socket is www-data 0660, so only a directory can block it.
paste_stage_fpm()
{
	local conf="$2/php-fpm.conf" sock=$3 pid

	require_cmd "$FPM_BIN"
	mkdir -p "$1" "$2" || fail "cannot create the php-fpm dirs"
	chmod 0755 "$2"
	php_scripts
	{
		printf '[global]\npid = %s\nerror_log = %s\ndaemonize = no\n\n[www]\n' \
			"$T/php-fpm.pid" "$T/php-fpm.log"
		printf 'user = www-data\ngroup = www-data\nlisten = "%s"\n' "$sock"
		printf 'listen.owner = www-data\nlisten.group = www-data\nlisten.mode = 0660\n'
		printf 'pm = static\npm.max_children = 1\n'
	} >"$conf"
	"$FPM_BIN" -y "$conf" -F -R >"$T/php-fpm.out" 2>&1 &
	pid=$!
	register_pid "$pid"
	wait_until 5 test -S "$sock" || fail "php-fpm: no socket $sock: $(tail -n 3 "$T/php-fpm.out")"
	PASTE_FPM_CONF=$conf
	log "php-fpm: master $pid, listen $sock"
}

# paste_stage_nginx PREFIX PORT: nginx -p PREFIX -c PREFIX/nginx.conf on PORT,
# /miss/ to the missing socket, /deny/ to the blocked one. Sets PASTE_MASTER.
paste_stage_nginx()
{
	local d=$1 run="$T/nrun" master

	require_cmd "$NGINX_BIN"
	{ mkdir -p "$d" "$run/tmp" && chmod 0755 "$d" "$run" "$run/tmp"; } ||
		fail "cannot create the nginx dirs"
	cat >"$d/nginx.conf" <<-EOF
		user www-data;
		worker_processes 2;
		pid $run/nginx.pid;
		error_log $run/error.log error;
		events { worker_connections 64; }
		http {
		    access_log off;
		    client_body_temp_path $run/tmp/body;
		    fastcgi_temp_path $run/tmp/fastcgi;
		    proxy_temp_path $run/tmp/proxy;
		    uwsgi_temp_path $run/tmp/uwsgi;
		    scgi_temp_path $run/tmp/scgi;
		    server {
		        listen 127.0.0.1:$2;
		        root $T/www;
		        location /miss/ {
		            $(fcgi_params)
		            fastcgi_pass "unix:$PASTE_MISS_SOCK";
		        }
		        location /deny/ {
		            $(fcgi_params)
		            fastcgi_pass "unix:$PASTE_DENY_SOCK";
		        }
		    }
		}
	EOF
	"$NGINX_BIN" -e "$run/error.log" -p "$d" -c "$d/nginx.conf" 2>"$run/start.err" ||
		fail "nginx did not start: $(tail -n 3 "$run/start.err")"
	wait_until 5 test -s "$run/nginx.pid" || fail "nginx wrote no pid file"
	master=$(cat "$run/nginx.pid")
	register_pid "$master"
	wait_until 5 nginx_has_workers "$master" 2 || fail "nginx: master $master has no workers"
	wait_until 5 tcp_answers 127.0.0.1 "$2" || fail "nginx: nothing answers on $2"
	PASTE_MASTER=$master
	log "nginx: master $master, -p $d"
}

test_paste_commands()
{
	local prefix="$T/$PASTE_CONF_DIR" sockdir="$T/f/$PASTE_SOCK_DIR" lport m diags bad cmd
	local line fpm=0 reload=0 start=0
	local -a cmds ran

	PASTE_DENY_SOCK="$sockdir/php-fpm.sock"
	PASTE_MISS_SOCK="$T/$PASTE_MISS_DIR/php8.1-fpm.sock"
	{ mkdir -p "$T/$PASTE_MISS_DIR" "$T/f" && chmod 0755 "$T/$PASTE_MISS_DIR" "$T/f"; } ||
		fail "cannot create the socket dirs"
	paste_stage_fpm "$sockdir" "$T/f/$PASTE_FPM_DIR" "$PASTE_DENY_SOCK"
	# the socket is www-data 0660: only its directory is in the way
	{ chown root:root "$sockdir" && chmod 0700 "$sockdir"; } || fail "cannot close $sockdir"
	lport=$(free_port)
	paste_stage_nginx "$prefix" "$lport"
	m=$PASTE_MASTER
	paste_stubs
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$lport/miss/ok.php"
	expect_http 502 "http://127.0.0.1:$lport/deny/ok.php"
	expect_diag upstream_socket_missing "unix:$PASTE_MISS_SOCK"
	expect_diag upstream_socket_permission "unix:$PASTE_DENY_SOCK"
	stop_tracer

	# every diagnosis line: "commands" is an array of strings, each held by its fix verbatim
	diags=$(diag_lines)
	bad=$(jq -c 'select((.commands | type) != "array" or (.fix as $f
		| any(.commands[]; type != "string" or . == "" or ($f | index(.)) == null)))' \
		<<<"$diags" | head -n 1)
	[ -z "$bad" ] || fail "a command that is no string or not in its fix verbatim: $bad"
	mapfile -d '' cmds < <(jq -j '.commands[] | . + "\u0000"' <<<"$diags" | sort -zu)
	[ "${#cmds[@]}" -ge 3 ] || fail "only ${#cmds[@]} commands in: $diags"
	for cmd in "${cmds[@]}"; do
		log "paste: $(printf '%q' "$cmd")"
		paste_run "$cmd"
	done
	[ -z "$(ls -A "$T/work")" ] || fail "a pasted command created $(ls -A "$T/work")"
	for line in "$T"/pwned* /pwned* "$T/f"/pwned*; do
		[ -e "$line" ] && fail "a metacharacter ran: $line exists"
	done

	# exactly these programs with these arguments, nothing else
	mapfile -t ran < <(paste_ran)
	log "ran: ${#ran[@]} programs"
	for line in \
		"$(argv chmod o+x "$sockdir")" \
		"$(argv chgrp www-data "$sockdir")" \
		"$(argv chmod g+x "$sockdir")" \
		"$(argv nginx -t -p "$prefix" -c "$prefix/nginx.conf")"; do
		printf '%s\n' "${ran[@]}" | grep -Fxq -- "$line" ||
			fail "did not run: $line; ran: $(printf '%s; ' "${ran[@]}")"
	done
	for line in "${ran[@]}"; do
		case "$line" in
		"$(argv chmod o+x "$sockdir")" | "$(argv chgrp www-data "$sockdir")" | \
		"$(argv chmod g+x "$sockdir")" | \
		"$(argv nginx -t -p "$prefix" -c "$prefix/nginx.conf")")
			;;
		# the pool's master, found by its title; or its unit if it has one
		"$(argv php-fpm -t -y "$PASTE_FPM_CONF")")
			fpm=$((fpm + 1)) ;;
		"systemctl restart "*)
			[[ "$line" =~ ^systemctl\ restart\ [A-Za-z0-9@._-]+$ ]] ||
				fail "ran: $line"
			fpm=$((fpm + 1)) ;;
		# this master, or its unit
		"$(argv kill -HUP "$m")" | "systemctl reload "*)
			[[ "$line" =~ ^(kill\ -HUP\ $m|systemctl\ reload\ [A-Za-z0-9@._-]+)$ ]] ||
				fail "ran: $line"
			reload=$((reload + 1)) ;;
		# the unit the missing socket's name says
		"$(argv systemctl start php8.1-fpm)")
			start=$((start + 1)) ;;
		*)
			fail "an unexpected program or argument ran: $line" ;;
		esac
	done
	[ "$fpm" = 1 ] || fail "$fpm php-fpm commands ran, want 1: $(printf '%s; ' "${ran[@]}")"
	[ "$reload" = 1 ] || fail "$reload reloads ran, want 1: $(printf '%s; ' "${ran[@]}")"
	[ "$start" -le 1 ] || fail "systemctl start ran $start times"
}
