# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# --pin DIR / --unpin DIR and the scripts that read what the tool exports:
# scripts/ngx502-events (bpftool map event_pipe on DIR/events, records as in
# docs/EVENTS.md) and scripts/ngx502-top (a table of ngx502-trace --json).

# LPORT and UPORT are set by stage_refusing_nginx
# shellcheck disable=SC2153

# the decoders and the table on recorded input need no BPF
no_bpf test_events_decode_recorded test_top_fixture

# pin_dir: a fresh DIR under /sys/fs/bpf for this test; sets PIN_DIR, and
# makes sure nothing stays pinned or mounted when the test ends, pass or fail.
pin_dir()
{
	require_cmd bpftool jq python3
	PIN_DIR="/sys/fs/bpf/ngx502-test-${T##*.}"
	BPFFS_WAS_MOUNTED=
	awk '$2 == "/sys/fs/bpf" && $3 == "bpf" { found = 1 } END { exit !found }' /proc/mounts &&
		BPFFS_WAS_MOUNTED=1
	trap pin_cleanup EXIT
}

pin_cleanup()
{
	"$NGX502" --unpin "$PIN_DIR" >/dev/null 2>&1
	rmdir "$PIN_DIR" 2>/dev/null
	[ -n "$BPFFS_WAS_MOUNTED" ] || bpffs_unmount_if_ours
}

# a bpffs the tool mounted and could not unmount (it was SIGKILLed): ours to remove once empty
bpffs_unmount_if_ours()
{
	awk '$2 == "/sys/fs/bpf" && $3 == "bpf" { found = 1 } END { exit !found }' /proc/mounts ||
		return 0
	local f

	for f in /sys/fs/bpf/* /sys/fs/bpf/.[!.]*; do
		case "${f##*/}" in
		'*' | '.[!.]*' | maps.debug | progs.debug) ;;
		*) return 0 ;;
		esac
	done
	umount /sys/fs/bpf
}

# pinned_ids: "PROG_IDS" and "LINK_IDS" of the links pinned under PIN_DIR.
pinned_ids()
{
	local f

	PROG_IDS=
	LINK_IDS=
	for f in "$PIN_DIR"/link_*; do
		[ -e "$f" ] || continue
		PROG_IDS="$PROG_IDS $(bpftool -j link show pinned "$f" | jq -r .prog_id)"
		LINK_IDS="$LINK_IDS $(bpftool -j link show pinned "$f" | jq -r .id)"
	done
	# shellcheck disable=SC2012 # a listing for the message; the pin names are plain words
	[ -n "$PROG_IDS" ] || fail "no link pinned under $PIN_DIR: $(ls "$PIN_DIR" 2>&1 | tr '\n' ' ')"
	log "pinned programs:$PROG_IDS; links:$LINK_IDS"
}

# none_of_ours_left: no program or link of PROG_IDS/LINK_IDS exists any more,
# and no handle_* program among them (other tracers of the host are not ours).
none_of_ours_left()
{
	local progs links id

	progs=$(bpftool -j prog show | jq -r '.[] | select(.name | startswith("handle_")) | .id')
	links=$(bpftool -j link show | jq -r '.[].id')
	for id in $PROG_IDS; do
		grep -qx "$id" <<<"$progs" && return 1
	done
	for id in $LINK_IDS; do
		grep -qx "$id" <<<"$links" && return 1
	done
	return 0
}

expect_nothing_left()
{
	local left

	# programs go once the last reference is dropped, which the kernel does a little later
	wait_until 5 none_of_ours_left ||
		fail "programs or links still loaded after unpinning: $(bpftool prog show | grep -c handle_) handle_* programs"
	if [ -d "$PIN_DIR" ]; then
		left=$(ls -A "$PIN_DIR")
		[ -z "$left" ] || fail "$PIN_DIR is not empty: $(tr '\n' ' ' <<<"$left")"
	fi
	log "nothing of ours is loaded or pinned"
}

# events_seen PATTERN: the decoder printed a line matching PATTERN.
events_seen()
{
	grep -Eq -- "$1" "$T/events.out"
}

test_pin_events()
{
	local m ep line pid
	local -a w

	pin_dir
	stage_refusing_nginx n1
	m=$(nginx_master n1)
	mapfile -t w < <(nginx_workers "$m")
	start_tracer --pid "$m" --pin "$PIN_DIR"
	[ -e "$PIN_DIR/events" ] || fail "no $PIN_DIR/events after ready"
	[ -e "$PIN_DIR/targets" ] || fail "no $PIN_DIR/targets after ready"
	# shellcheck disable=SC2012 # a listing for the message; the pin names are plain words
	ls "$PIN_DIR"/link_handle_inet_sock_set_state >/dev/null ||
		fail "no link_<prog> pins: $(ls "$PIN_DIR" | tr '\n' ' ')"
	pinned_ids

	# a background job starts with SIGINT ignored: give it the default, as a terminal would
	env --default-signal=INT "$ROOT/scripts/ngx502-events" "$PIN_DIR" >"$T/events.out" \
		2>"$T/events.err" &
	ep=$!
	register_pid "$ep"
	# bpftool attaches to the perf event array asynchronously: provoke until it sees one
	for _ in $(seq 1 20); do
		expect_http 502 "http://127.0.0.1:$LPORT/"
		wait_until 1 events_seen "errno=111 upstream=127.0.0.1:$UPORT " && break
	done
	events_seen "errno=111 upstream=127.0.0.1:$UPORT " ||
		fail "ngx502-events printed no refused connect to 127.0.0.1:$UPORT: $(head -c 300 "$T/events.out") $(head -c 200 "$T/events.err")"
	line=$(grep -E -m 1 -- "errno=111 upstream=127.0.0.1:$UPORT " "$T/events.out")
	log "record: $line"
	case "$line" in
	tcp_connect_error\ * | connect_error\ *) ;;
	*) fail "refused connect decoded as '${line%% *}', want tcp_connect_error" ;;
	esac
	pid=$(sed -n 's/.* pid=\([0-9]*\) .*/\1/p' <<<"$line")
	case " ${w[*]} " in
	*" $pid "*) ;;
	*) fail "record pid $pid is not a worker of $m (${w[*]})" ;;
	esac
	grep -q 'source=sock_tracepoint' <<<"$line" || fail "record source is not sock_tracepoint: $line"

	# a second instance never shares the perf buffer
	run_tool --pid "$m" --pin "$PIN_DIR"
	expect_exit_code 1
	expect_stderr_lines 1
	expect_stderr_match 'pinned already'
	[ -e "$PIN_DIR/events" ] || fail "the refused second instance removed $PIN_DIR/events"

	kill -INT "$ep"
	wait_until 5 all_dead "$ep" || fail "ngx502-events did not stop on SIGINT"
	stop_tracer
	expect_nothing_left
	if [ -z "$BPFFS_WAS_MOUNTED" ]; then
		awk '$2 == "/sys/fs/bpf" && $3 == "bpf" { found = 1 } END { exit found }' /proc/mounts ||
			fail "the tool mounted bpffs at /sys/fs/bpf and left it mounted"
	fi
}

test_unpin_after_kill()
{
	local m

	pin_dir
	stage_refusing_nginx n1
	m=$(nginx_master n1)
	start_tracer --pid "$m" --pin "$PIN_DIR"
	pinned_ids
	kill -KILL "$TRACER_PID"
	wait "$TRACER_PID" 2>/dev/null
	# the pins keep the programs attached without the tool
	none_of_ours_left && fail "programs gone although pinned"
	[ -e "$PIN_DIR/events" ] || fail "$PIN_DIR/events gone with the tool"
	run_tool --unpin "$PIN_DIR"
	expect_exit_code 0
	expect_nothing_left
	# a second --unpin finds nothing, and that is fine
	run_tool --unpin "$PIN_DIR"
	expect_exit_code 0
	# and DIR can be pinned again
	start_tracer --pid "$m" --pin "$PIN_DIR"
	[ -e "$PIN_DIR/events" ] || fail "no $PIN_DIR/events on a second --pin"
	pinned_ids
	stop_tracer
	expect_nothing_left
}

test_pin_not_bpffs()
{
	local m

	stage_refusing_nginx n1
	m=$(nginx_master n1)
	mkdir -p "$T/notbpf"
	run_tool --pid "$m" --pin "$T/notbpf"
	expect_exit_code 1
	expect_stderr_lines 1
	expect_stderr_match 'not on a bpf filesystem'
	[ -z "$(ls -A "$T/notbpf")" ] || fail "files left in $T/notbpf"
	run_tool --unpin "$T/notbpf"
	expect_exit_code 1
	expect_stderr_lines 1
}

# recorded bpftool output with good, partial, unknown and lost records
test_events_decode_recorded()
{
	local fx="$ROOT/tests/fixtures/events"

	require_cmd python3
	"$ROOT/scripts/ngx502-events" --stdin <"$fx/event_pipe.txt" >"$T/events.out" 2>"$T/events.err" ||
		fail "ngx502-events failed: $(head -n 2 "$T/events.err")"
	diff -u "$fx/event_pipe.expected" "$T/events.out" >"$T/events.diff" ||
		fail "decoded records differ from the fixture: $(head -n 12 "$T/events.diff" | tr '\n' '|')"
	# cut anywhere, the input must never make it fail
	for n in 1 40 100 333 700 1500 2222; do
		head -c "$n" "$fx/event_pipe.txt" | "$ROOT/scripts/ngx502-events" --stdin >/dev/null ||
			fail "ngx502-events failed on the first $n bytes of the fixture"
	done
	"$ROOT/scripts/ngx502-events" --stdin --json <"$fx/event_pipe.txt" | jq -e -s \
		'.[0].errno == 111 and .[0].upstream == "127.0.0.1:28312" and .[0].pid == 9575' \
		>/dev/null || fail "--json output lacks the first record's fields"
}

test_top_fixture()
{
	local fx="$ROOT/tests/fixtures/json"

	require_cmd python3
	"$ROOT/scripts/ngx502-top" --once <"$fx/incident.jsonl" >"$T/top.out" 2>"$T/top.err" ||
		fail "ngx502-top --once failed: $(head -n 2 "$T/top.err")"
	diff -u "$fx/incident.top" "$T/top.out" >"$T/top.diff" ||
		fail "table differs from the fixture: $(head -n 12 "$T/top.diff" | tr '\n' '|')"
}

# top_row UPSTREAM CAUSE: the COUNT column of that row of $T/top.out, empty if none.
top_row()
{
	awk -v u="$1" -v c="$2" '$1 == u && $2 == c { print $3 }' "$T/top.out"
}

test_top_live()
{
	local m tp n

	require_cmd python3
	stage_refusing_nginx n1
	m=$(nginx_master n1)
	# the tool's output goes through tee so the test knows when it is ready
	: >"$T/trace.out"
	(env --default-signal=INT "$NGX502" --json --pid "$m" -d 6 | tee "$T/trace.out" |
		"$ROOT/scripts/ngx502-top" --once >"$T/top.out" 2>"$T/top.err") &
	tp=$!
	register_pid "$tp"
	wait_until 5 tracer_is_ready || fail "ngx502-trace printed no ready line"
	fire 3 "http://127.0.0.1:$LPORT/" >/dev/null
	[ "$(fire_count 502)" = 3 ] || fail "want three 502s: $(tr '\n' ' ' <"$T/fire.codes")"
	wait_until 10 all_dead "$tp" || fail "the pipeline did not end after -d 6"
	log "table: $(cat "$T/top.out")"
	n=$(top_row "127.0.0.1:$UPORT" upstream_refused)
	[ -n "$n" ] || fail "no upstream_refused row for 127.0.0.1:$UPORT: $(head -n 4 "$T/top.out")"
	[ "$n" -ge 3 ] || fail "upstream_refused count $n, want >= 3"
	awk -v u="127.0.0.1:$UPORT" '$1 == u && $4 == 111 { ok = 1 } END { exit !ok }' "$T/top.out" ||
		fail "errno column is not 111: $(head -n 4 "$T/top.out")"

	# and running the tool itself
	"$ROOT/scripts/ngx502-top" --once -- --pid "$m" -d 1 >"$T/top.out" 2>"$T/top.err" ||
		fail "ngx502-top -- --pid $m -d 1 failed: $(head -n 2 "$T/top.err")"
	grep -q "nginx masters: $m" "$T/top.out" ||
		fail "ngx502-top running the tool did not see its ready line: $(head -n 2 "$T/top.out")"
}
