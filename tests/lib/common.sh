# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# Basics shared by every end-to-end test: logging, fail/skip, the registry of
# what a test started (so tests/run can clean it up), waiting, free ports and
# network namespaces. Sourced by tests/run, never run on its own.
#
# Variables set by tests/run for each test: T (scratch dir), TEST_NAME,
# NGX502 (absolute path of the tool), BACKEND_BIN, TEST_MAIN_PID.

# Say what the test is doing; lands in $T/test.log, shown when it fails.
log()
{
	printf '[%s] %s\n' "$(date +%T.%3N)" "$*"
}

# Fail the test now, from anywhere (also from inside $(...)).
fail()
{
	printf '%s\n' "$*" >>"$T/.fail"
	log "FAIL: $*"
	if [ "${BASHPID}" != "${TEST_MAIN_PID:-}" ] && [ -n "${TEST_MAIN_PID:-}" ]; then
		kill -USR1 "$TEST_MAIN_PID" 2>/dev/null
	fi
	exit 1
}

# Skip the test; the reason is printed on the SKIP line.
skip()
{
	printf '%s\n' "$*" >"$T/.skip"
	log "SKIP: $*"
	if [ "${BASHPID}" != "${TEST_MAIN_PID:-}" ] && [ -n "${TEST_MAIN_PID:-}" ]; then
		kill -USR2 "$TEST_MAIN_PID" 2>/dev/null
	fi
	exit 77
}

require_cmd()
{
	local c

	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs '$c', which is not installed"
	done
}

# Remember a PID that tests/run must kill when the test ends.
register_pid()
{
	printf '%s\n' "$1" >>"$T/.pids"
}

# wait_until SECONDS CMD...: poll CMD every 0.1 s; 0 once it succeeds, 1 on timeout.
wait_until()
{
	local secs=$1 deadline
	shift
	deadline=$(($(date +%s%N) / 1000000 + secs * 1000))
	while ! "$@"; do
		[ "$(($(date +%s%N) / 1000000))" -ge "$deadline" ] && return 1
		sleep 0.1
	done
	return 0
}

pid_alive()
{
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null
}

# Child PIDs of PID, read from /proc in one pass.
child_pids()
{
	# cat, not awk FILES: mawk stops at the first process that exited meanwhile
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v want="$1" '{
		pid = $1
		sub(/^.*\) /, "")	# comm may hold spaces: keep what follows it
		if ($2 == want)
			print pid
	}'
}

# A TCP port that nothing uses (in the current netns), below the ephemeral range.
free_port()
{
	local p used

	used=$(ss -Htan 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }')
	for _ in $(seq 1 200); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
		if ! printf '%s\n' "$used" | grep -qx "$p"; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	fail "free_port: no free port found"
}

# ::1 present on lo? (IPv6 variants skip without it)
have_ipv6_lo()
{
	ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128'
}

# Create a network namespace with only lo (up), and make every later helper
# (nginx, php-fpm, backends, curl) run inside it. Sets and exports NS.
netns_create()
{
	require_cmd ip nsenter
	NS="ngx502-${T##*.}-$((RANDOM % 1000))"
	ip netns add "$NS" || fail "ip netns add $NS failed"
	printf '%s\n' "$NS" >>"$T/.netns"
	ip -n "$NS" link set lo up || fail "cannot bring lo up in $NS"
	export NS
	log "netns $NS created"
}

# Run a command in the test's netns if it has one. nsenter switches only the
# network namespace (ip netns exec would also make a new mount namespace,
# which the tracer would have to see through).
ns_run()
{
	if [ -n "${NS:-}" ]; then
		nsenter --net="/run/netns/$NS" "$@"
	else
		"$@"
	fi
}

# ns_sysctl KEY=VALUE: set a sysctl inside the test's netns (never on the host).
ns_sysctl()
{
	[ -n "${NS:-}" ] || fail "ns_sysctl $1: refusing to change the host; netns_create first"
	ns_run sysctl -q -w "$1" || fail "sysctl -w $1 failed in $NS"
}

# Drop every SYN sent to PORT inside the netns (nft, else iptables).
ns_drop_syn()
{
	local port=$1

	[ -n "${NS:-}" ] || fail "ns_drop_syn: refusing to touch the host; netns_create first"
	if command -v nft >/dev/null 2>&1; then
		ns_run nft add table inet ngx502 &&
			ns_run nft add chain inet ngx502 out \
				'{ type filter hook output priority 0; policy accept; }' &&
			ns_run nft add rule inet ngx502 out tcp dport "$port" tcp flags syn drop &&
			return 0
		fail "nft could not install the SYN drop rule in $NS"
	elif command -v iptables >/dev/null 2>&1; then
		ns_run iptables -A OUTPUT -p tcp --dport "$port" --syn -j DROP && return 0
		fail "iptables could not install the SYN drop rule in $NS"
	fi
	skip "needs nft or iptables to drop SYNs in a netns (apt-get install nftables)"
}
