# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# Helpers for the after-connect (lifecycle) and error-log tests
# (tests/e2e/lifecycle.sh, tests/e2e/logs.sh): source and log checks, exact
# counts, load loops, php-fpm children, nginx logging to a pipe.

# expect_source SOURCE: DIAG's "source" is SOURCE.
expect_source()
{
	expect_field .source "$1"
}

# expect_log_line REGEX: DIAG carries an nginx error-log line matching REGEX
# (extended, case-sensitive).
expect_log_line()
{
	local l

	l=$(jq -r '.log // empty' <<<"$DIAG")
	[ -n "$l" ] || fail "diagnosis carries no log line: $DIAG"
	grep -Eq -- "$1" <<<"$l" || fail "log line does not match /$1/: $l"
}

# expect_kernel_then_logged CAUSE UPSTREAM LOG_REGEX [SECS]: the diagnosis was
# printed from kernel evidence (source "kernel", log null), then again with
# source "kernel+log", the same first_ts and id, and the nginx line matching LOG_REGEX.
# Leaves DIAG set to the reprint.
expect_kernel_then_logged()
{
	local first

	expect_diag "$1" "$2" "${4:-}"
	first=$DIAG
	expect_field .source kernel "$first"
	expect_field .log null "$first"
	expect_diag_logged "$1" "$2" "${4:-}"
	expect_source kernel+log
	expect_log_line "$3"
	expect_field .first_ts "$(jq -r .first_ts <<<"$first")"
	# one diagnosis: one id on both lines; the first is "new", the reprint "log"
	expect_field .id "$(jq -r .id <<<"$first")"
	expect_field .kind new "$first"
	expect_field .kind log
}

# summary_count CAUSE UPSTREAM: the summary's count for that diagnosis (0 if absent).
summary_count()
{
	jq -r --arg c "$1" --arg u "$2" \
		'[.diagnoses[]? | select(.cause == $c and .upstream == $u) | .count] | add // 0' \
		<<<"$SUMMARY"
}

# expect_summary_exact CAUSE UPSTREAM N: the summary counts exactly N of it.
expect_summary_exact()
{
	local n

	n=$(summary_count "$1" "$2")
	[ "$n" = "$3" ] || fail "summary counts $n of $1 $2, want exactly $3: $SUMMARY"
}

# last_count CAUSE UPSTREAM: the count of the latest such diagnosis printed (0 if none).
last_count()
{
	local c

	c=$(diag_lines "$1" "$2" | tail -n 1 | jq -r '.count')
	printf '%s\n' "${c:-0}"
}

count_reached()
{
	[ "$(last_count "$1" "$2")" -ge "$3" ]
}

# wait_count CAUSE UPSTREAM N [SECS]: wait until a printed diagnosis counts N or
# more (the human output aggregates; JSON reprints carry the running count).
# A shortfall is not a failure here: the summary check reports it.
wait_count()
{
	wait_until "${4:-$DIAG_TIMEOUT}" count_reached "$1" "$2" "$3" ||
		log "after ${4:-$DIAG_TIMEOUT} s the printed count of $1 $2 is $(last_count "$1" "$2"), want $3"
}

# fail_n N URL CODE: N sequential requests, each must answer CODE.
fail_n()
{
	for _ in $(seq 1 "$1"); do
		expect_http "$3" "$2"
	done
}

# log_lines NAME REGEX: how many lines of the instance's error log match REGEX
# (rotated copies error.log.* included).
log_lines()
{
	cat "$T/$1"/error.log* 2>/dev/null | grep -Ec -- "$2"
}

# fpm_children NAME: the child PIDs of a staged php-fpm master, one a line.
fpm_children()
{
	child_pids "$(cat "$T/$1/php-fpm.pid" 2>/dev/null)"
}

# fpm_busy_child NAME: the child whose status is "Running" (serving a request)
# per /proc: php-fpm children sleep in accept() when idle and in nanosleep()
# inside slow.php; the wchan tells them apart.
fpm_busy_child()
{
	local p wc

	for p in $(fpm_children "$1"); do
		wc=$(cat "/proc/$p/wchan" 2>/dev/null)
		case "$wc" in
		*nanosleep* | *hrtimer*) printf '%s\n' "$p"; return 0 ;;
		esac
	done
	return 1
}

# load_with_pauses URL ROUNDS BURST_S PAUSE_S: ROUNDS bursts of keep-alive
# load (wrk if installed, else a curl loop), each BURST_S long, with PAUSE_S
# of silence after each. Status codes other than 200 land in $T/load.bad.
load_with_pauses()
{
	local url=$1 rounds=$2 burst=$3 pause=$4 r out end

	: >"$T/load.bad"
	: >"$T/load.total"
	for r in $(seq 1 "$rounds"); do
		if command -v wrk >/dev/null 2>&1; then
			out=$(ns_run wrk -t 2 -c 8 -d "${burst}s" --timeout 2s "$url" 2>&1)
			log "load round $r: $(grep -E 'requests in|Non-2xx|Socket errors' <<<"$out" |
				tr -s ' \n' ' ')"
			grep -Eo '^ *[0-9]+ requests in' <<<"$out" | grep -Eo '[0-9]+' >>"$T/load.total"
			grep -E 'Non-2xx|Socket errors' <<<"$out" >>"$T/load.bad"
		else
			end=$((SECONDS + burst))
			while [ "$SECONDS" -lt "$end" ]; do
				ns_run curl -s -o /dev/null -w '%{http_code}\n' --max-time 2 \
					"$url" "$url" "$url" "$url" >>"$T/load.codes"
			done
			grep -vx 200 "$T/load.codes" >>"$T/load.bad"
			grep -c '' "$T/load.codes" >>"$T/load.total"
			: >"$T/load.codes"
		fi
		sleep "$pause"
	done
}

# stage_nginx_stderr_pipe NAME <<EOF ... http-level blocks ... EOF: nginx with
# "error_log stderr", in the foreground (daemon off, master_process on), its
# stderr piped through cat into $T/NAME/stderr.log: the error log is a pipe,
# not a file. Exports NAME_MASTER.
stage_nginx_stderr_pipe()
{
	local name=$1 d="$T/$1" body master port

	require_cmd "$NGINX_BIN"
	body=$(cat)
	mkdir -p "$d/tmp" || fail "cannot create $d"
	chmod 0755 "$d" "$d/tmp"
	cat >"$d/nginx.conf" <<-EOF
		user www-data;
		worker_processes 2;
		daemon off;
		master_process on;
		pid $d/nginx.pid;
		error_log stderr error;
		events { worker_connections 512; }
		http {
		    access_log off;
		    client_body_temp_path $d/tmp/body;
		    proxy_temp_path $d/tmp/proxy;
		    fastcgi_temp_path $d/tmp/fastcgi;
		    uwsgi_temp_path $d/tmp/uwsgi;
		    scgi_temp_path $d/tmp/scgi;
		$body
		}
	EOF
	# -e stderr: not even the startup messages go to a file
	ns_run "$NGINX_BIN" -e stderr -p "$d" -c "$d/nginx.conf" 2>&1 | cat >"$d/stderr.log" &
	register_pid "$!"
	wait_until 5 test -s "$d/nginx.pid" ||
		fail "nginx $name (stderr to a pipe) wrote no pid file: $(tail -n 3 "$d/stderr.log")"
	master=$(cat "$d/nginx.pid")
	register_pid "$master"
	wait_until 5 nginx_has_workers "$master" 2 ||
		fail "nginx $name: master $master has no 2 workers: $(tail -n 3 "$d/stderr.log")"
	[ -p "/proc/$master/fd/2" ] || [ "$(stat -L -c %F "/proc/$master/fd/2")" = fifo ] ||
		fail "nginx $name: stderr of master $master is not a pipe"
	while read -r port; do
		wait_until 5 tcp_answers 127.0.0.1 "$port" ||
			fail "nginx $name: nothing answers on 127.0.0.1:$port"
	done < <(sed -n 's/^ *listen *\(127\.0\.0\.1:\)\{0,1\}\([0-9]\+\).*;.*$/\2/p' \
		 "$d/nginx.conf")
	printf -v "${name}_MASTER" '%s' "$master"
	export "${name?}_MASTER"
	log "nginx $name (error_log stderr | cat): master $master," \
	    "workers $(nginx_workers "$master" | tr '\n' ' ')"
}

# backend_closed_first PORT: TCP connections in TIME-WAIT whose local port is
# PORT, i.e. closed first by the server listening there.
backend_closed_first()
{
	ns_run ss -Htn state time-wait "( sport = :$1 )" 2>/dev/null | grep -c ''
}
