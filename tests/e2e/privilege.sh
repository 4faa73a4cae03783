# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# Lifecycle and least privilege (README "Security"): a reader of stdout that
# goes away and a hangup stop the tool like Ctrl-C; once ready it holds only
# the capabilities it still needs, and still attaches to an nginx started
# later; full tables of targets warn instead of failing.

# LPORT and UPORT are set by stage_refusing_nginx
# shellcheck disable=SC2153

set_timeout test_binary_slots_full_warns 90

# What user/privs.c keeps: DAC_OVERRIDE 1, DAC_READ_SEARCH 2, SETGID 6, SETUID 7,
# SYS_PTRACE 19, SYS_ADMIN 21, PERFMON 38, BPF 39.
KEPT_CAPS=$(printf '%016x' $(((1 << 1) | (1 << 2) | (1 << 6) | (1 << 7) | (1 << 19) |
	(1 << 21) | (1 << 38) | (1 << 39))))

# prog_ids_of PID: the BPF programs the process holds an fd of (programs and links), one a line.
prog_ids_of()
{
	cat "/proc/$1/fdinfo/"* 2>/dev/null | awk '$1 == "prog_id:" { print $2 }' | sort -u
}

# none_loaded FILE: none of the program ids listed in FILE is loaded any more.
none_loaded()
{
	local id loaded

	loaded=$(bpftool -j prog show 2>/dev/null | jq -r '.[].id')
	while read -r id; do
		grep -qx "$id" <<<"$loaded" && return 1
	done <"$1"
	return 0
}

# first_failure_seen CODE URL CAUSE UPSTREAM: a request to an nginx started a moment ago,
# again each second until its diagnosis is printed (up to 5): what is checked is that its new
# binary gets uprobes at all, not how many milliseconds after its exec (the tool attaches
# them when the kernel tells it of the exec; a request in between is not seen).
first_failure_seen()
{
	for _ in 1 2 3 4 5; do
		expect_http "$1" "$2"
		wait_until 1 has_diag "$3" "$4" && break
	done
	expect_diag "$3" "$4"
}

# status_field PID NAME: a field of /proc/PID/status (CapEff, NoNewPrivs...).
status_field()
{
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"
}

# root_nginx_copy: a root-owned copy of nginx in $T/nbin, a binary the tool
# has not seen yet (its own inode); sets NGINX_BIN to it.
root_nginx_copy()
{
	mkdir -p "$T/nbin" && chmod 0755 "$T/nbin"
	cp "$NGINX_BIN" "$T/nbin/nginx" || fail "cannot copy $NGINX_BIN"
	chown root:root "$T/nbin/nginx" && chmod 0755 "$T/nbin/nginx"
	NGINX_BIN=$T/nbin/nginx
}

# expect_uprobe_event PID...: a connect error of one of these pids came from the nginx uprobe.
expect_uprobe_event()
{
	local p

	for p in "$@"; do
		jq -R -c --argjson p "$p" 'fromjson? | select(type == "object" and
			.type == "event" and .pid == $p and .source == "nginx_uprobe" and
			.errno != null)' "$T/trace.out" 2>/dev/null | grep -q . && return 0
	done
	fail "no connect error from the nginx uprobe for pids $*: $(grep -c '"type":"event"' \
		"$T/trace.out") events"
}

test_stdout_closed_stops_like_ctrl_c()
{
	local m rc gone end

	require_cmd bpftool jq
	stage_refusing_nginx n1
	m=$(nginx_master n1)
	# head takes the ready line and exits; the tool must notice without writing again.
	# Before head reads, the programs the tool holds are noted (its ready line is waiting).
	# shellcheck disable=SC2016 # $$ and $0 are the inner bash's
	timeout -k 2 10 bash -c 'echo $$ >"$0" && exec "$@"' "$T/tool.pid" \
		"$NGX502" --json --pid "$m" 2>"$T/trace.err" |
		(until read -r -t 0; do sleep 0.02; done
		 prog_ids_of "$(cat "$T/tool.pid")" >"$T/prog.ids"
		 head -n 1 >"$T/trace.out"
		 date +%s%N >"$T/head.exit")
	rc=${PIPESTATUS[0]}
	end=$(date +%s%N)
	[ "$rc" = 0 ] || fail "exit status $rc after its reader went away (want 0): $(head -n 3 \
		"$T/trace.err")"
	grep -q '"type":"ready"' "$T/trace.out" || fail "head did not get the ready line"
	gone=$(((end - $(cat "$T/head.exit")) / 1000000))
	log "the tool ended $gone ms after head"
	[ "$gone" -lt 1000 ] || fail "the tool ran on $gone ms after head exited (want < 1 s)"
	grep -q 'summary' "$T/trace.err" ||
		fail "no summary on stderr once stdout was gone: $(head -n 3 "$T/trace.err")"
	[ -s "$T/prog.ids" ] || fail "no BPF program seen in the tool's fds while it ran"
	log "its programs: $(tr '\n' ' ' <"$T/prog.ids")"
	wait_until 5 none_loaded "$T/prog.ids" ||
		fail "programs of the tool still loaded after it ended: $(tr '\n' ' ' \
			<"$T/prog.ids")"
}

test_sighup_in_pin_mode_unpins()
{
	local m rc

	# pin_dir, pinned_ids and expect_nothing_left
	# shellcheck source=tests/e2e/pin.sh
	. "$ROOT/tests/e2e/pin.sh"
	pin_dir
	stage_refusing_nginx n1
	m=$(nginx_master n1)
	start_tracer --pid "$m" --pin "$PIN_DIR"
	pinned_ids
	kill -HUP "$TRACER_PID"
	wait_until 5 all_dead "$TRACER_PID" || fail "tracer still running 5 s after SIGHUP"
	wait "$TRACER_PID"
	rc=$?
	[ "$rc" = 0 ] || fail "tracer exited $rc after SIGHUP (want 0): $(head -n 3 "$T/trace.err")"
	grep -q '"type":"summary"' "$T/trace.out" || fail "no summary after SIGHUP"
	expect_nothing_left
	[ ! -e "$PIN_DIR/events" ] || fail "$PIN_DIR/events still pinned after SIGHUP"
}

test_capabilities_dropped_after_ready()
{
	local m f v sock="$T/run/missing.sock" m2 lport2
	local -a w w2

	require_cmd capsh
	stage_refusing_nginx n1
	m=$(nginx_master n1)
	mapfile -t w < <(nginx_workers "$m")
	# auto-discovery and -v: an nginx started later is attached to after the drop
	start_tracer -v
	for f in CapEff CapPrm CapBnd; do
		v=$(status_field "$TRACER_PID" "$f")
		[ "$v" = "$KEPT_CAPS" ] ||
			fail "$f $v ($(capsh --decode="$v" | cut -d= -f2)), want" \
				"$KEPT_CAPS ($(capsh --decode="$KEPT_CAPS" | cut -d= -f2))"
	done
	for f in CapInh CapAmb; do
		v=$(status_field "$TRACER_PID" "$f")
		[ "$v" = 0000000000000000 ] || fail "$f is $v, want none"
	done
	[ "$(status_field "$TRACER_PID" NoNewPrivs)" = 1 ] || fail "NoNewPrivs is not 1"
	grep -q 'after load: kept .*no_new_privs' "$T/trace.err" ||
		fail "-v does not say what it kept: $(head -n 3 "$T/trace.err")"
	grep -q '"type":"warning".*capabilit' "$T/trace.out" &&
		fail "the drop warned: $(grep -m1 capabilit "$T/trace.out")"

	# a target that was there before
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_refused "127.0.0.1:$UPORT"
	expect_pid_in "${w[@]}"

	# a master started after the drop, from a binary not seen yet: its uprobe is new
	mkdir -p "$T/run" && chmod 0755 "$T/run"
	root_nginx_copy
	lport2=$(free_port)
	stage_nginx n2 < <(proxy_server "$lport2" "http://unix:$sock:")
	m2=$(nginx_master n2)
	mapfile -t w2 < <(nginx_workers "$m2")
	first_failure_seen 502 "http://127.0.0.1:$lport2/" upstream_socket_missing "unix:$sock"
	expect_pid_in "${w2[@]}"
	expect_uprobe_event "${w2[@]}"
	# still the same set after all that
	v=$(status_field "$TRACER_PID" CapEff)
	[ "$v" = "$KEPT_CAPS" ] || fail "CapEff became $v"
	stop_tracer
}

# fake_nginx N: a copy of sleep named nginx, owned by nobody, run by nobody
# (comm "nginx": auto-discovery takes it for a master); prints its pid.
fake_nginx()
{
	local d="$T/fake/$1"

	mkdir -p "$d" && chmod 0755 "$T/fake" "$d"
	cp /bin/sleep "$d/nginx" && chown nobody:nogroup "$d/nginx" && chmod 0755 "$d/nginx"
	setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps=-all -- \
		"$d/nginx" 120 </dev/null >/dev/null 2>&1 &
	register_pid "$!"
}

test_binary_slots_full_warns()
{
	local i sock="$T/run/missing.sock" lport2
	local -a w2

	require_cmd setpriv
	stage_refusing_nginx n1
	start_tracer -v
	# more distinct binaries than the table has slots (16, 4 of them kept for root's)
	for i in $(seq 1 20); do
		fake_nginx "$i"
	done
	wait_until 10 grep -q '"type":"warning".*table of nginx binaries is full' "$T/trace.out" ||
		fail "no warning about the full table of binaries: $(grep -c '"type":"warning"' \
			"$T/trace.out") warnings"
	[ "$(grep -c 'table of nginx binaries is full' "$T/trace.out")" = 1 ] ||
		fail "the full table was reported more than once"
	log "warning: $(grep -m1 'table of nginx binaries' "$T/trace.out")"
	pid_alive "$TRACER_PID" || fail "the tracer died: $(tail -n 3 "$T/trace.err")"
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_refused "127.0.0.1:$UPORT"

	# a real nginx from a binary the tool has not seen yet still gets a slot
	mkdir -p "$T/run" && chmod 0755 "$T/run"
	root_nginx_copy
	lport2=$(free_port)
	stage_nginx n2 < <(proxy_server "$lport2" "http://unix:$sock:")
	mapfile -t w2 < <(nginx_workers "$(nginx_master n2)")
	first_failure_seen 502 "http://127.0.0.1:$lport2/" upstream_socket_missing "unix:$sock"
	expect_pid_in "${w2[@]}"
	# from its own uprobe, in a slot the users' binaries could not take
	expect_uprobe_event "${w2[@]}"
	stop_tracer
}
