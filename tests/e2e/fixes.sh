# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# Fixes written for this host (docs/DESIGN.md §4, last paragraph): the fix
# names the staged nginx config file and the line of its *_pass, the php-fpm
# pool file and the key to change, and ends with the command that applies it.

# LPORT and UPORT are set by stage_refusing_nginx
# shellcheck disable=SC2153

# conf_line FILE REGEX: the number of the first line of FILE matching REGEX.
conf_line()
{
	local n

	n=$(grep -n -m1 -E -- "$2" "$1" | cut -d: -f1)
	[ -n "$n" ] || fail "no line matching /$2/ in $1"
	printf '%s\n' "$n"
}

# expect_fix_fixed STRING: the fix holds STRING as is (no regex).
expect_fix_fixed()
{
	jq -r '.fix' <<<"$DIAG" | grep -Fq -- "$1" ||
		fail "fix does not say '$1': $(jq -c '.fix' <<<"$DIAG")"
}

expect_fix_lacks()
{
	! jq -r '.fix' <<<"$DIAG" | grep -Eqi -- "$1" ||
		fail "fix should not mention /$1/: $(jq -c '.fix' <<<"$DIAG")"
}

# The command that applies an nginx change to this master (not a systemd service here).
expect_fix_reload()
{
	expect_fix "(kill -HUP $1|systemctl reload [a-z0-9@.-]+)\$"
}

test_fix_refused_names_proxy_pass()
{
	local m line

	stage_refusing_nginx n1
	m=$(nginx_master n1)
	line=$(conf_line "$T/n1/nginx.conf" "proxy_pass http://127.0.0.1:$UPORT;")
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_refused "127.0.0.1:$UPORT"
	expect_fix_fixed "proxy_pass http://127.0.0.1:$UPORT ($T/n1/nginx.conf:$line)"
	expect_fix_fixed "nothing listens on 127.0.0.1:$UPORT"
	expect_fix_reload "$m"
	expect_evidence "nginx config: proxy_pass"
	stop_tracer
}

test_fix_socket_missing_names_other_pool()
{
	local lport sock="$T/run/php8.1-fpm.sock" m line fsock fline

	mkdir -p "$T/run" && chmod 0755 "$T/run"
	stage_fpm f1
	fsock=$(fpm_sock f1)
	fline=$(conf_line "$T/f1/php-fpm.conf" '^listen = ')
	lport=$(free_port)
	stage_nginx n1 < <(fcgi_server "$lport" "$sock")
	m=$(nginx_master n1)
	line=$(conf_line "$T/n1/nginx.conf" "fastcgi_pass unix:$sock;")
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$lport/ok.php"
	expect_diag upstream_socket_missing "unix:$sock"
	expect_fix_fixed "fastcgi_pass unix:$sock ($T/n1/nginx.conf:$line)"
	expect_fix_fixed "pool www listens on $fsock ($T/f1/php-fpm.conf:$fline)"
	expect_fix_fixed "point fastcgi_pass at unix:$fsock"
	expect_fix_fixed "start php8.1-fpm"
	expect_fix_reload "$m"
	stop_tracer
}

test_fix_permission_names_pool_keys()
{
	local lport m sock line oline

	stage_fpm f1 listen.owner=root listen.group=root listen.mode=0600
	sock=$(fpm_sock f1)
	oline=$(conf_line "$T/f1/php-fpm.conf" '^listen\.owner = ')
	lport=$(free_port)
	stage_nginx n1 < <(fcgi_server "$lport" "$sock")
	m=$(nginx_master n1)
	line=$(conf_line "$T/n1/nginx.conf" "fastcgi_pass unix:$sock;")
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$lport/ok.php"
	expect_diag upstream_socket_permission "unix:$sock"
	expect_evidence "nginx config: fastcgi_pass unix:$sock \\($T/n1/nginx.conf:$line\\)"
	expect_fix_fixed "listen.owner = www-data and listen.group = www-data"
	expect_fix_fixed "$T/f1/php-fpm.conf:$oline"
	expect_fix_fixed "listen.owner = root ($T/f1/php-fpm.conf:$oline)"
	expect_fix 'restart'
	stop_tracer
}

test_fix_permission_parent_dir()
{
	local lport m sock="$T/f1/priv/php-fpm.sock"

	mkdir -p "$T/f1/priv"
	stage_fpm f1 listen="$sock"
	# the socket itself is www-data 0660: only its directory is in the way
	chown root:root "$T/f1/priv"
	chmod 0700 "$T/f1/priv"
	lport=$(free_port)
	stage_nginx n1 < <(fcgi_server "$lport" "$sock")
	m=$(nginx_master n1)
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$lport/ok.php"
	expect_diag upstream_socket_permission "unix:$sock"
	expect_evidence "directory $T/f1/priv .*cannot search"
	expect_fix_fixed "the directory $T/f1/priv, not the socket"
	expect_fix_fixed "chmod o+x $T/f1/priv"
	expect_fix_lacks 'listen\.owner'
	expect_fix_fixed "$T/f1/php-fpm.conf:"
	stop_tracer
}

test_fix_header_too_big_buffer_line()
{
	local lport bport m line

	lport=$(free_port)
	bport=$(free_port)
	start_backend bigheader 20000 "127.0.0.1:$bport"
	stage_nginx n1 < <(proxy_server "$lport" "http://127.0.0.1:$bport" \
				    'proxy_buffer_size 4k;')
	m=$(nginx_master n1)
	line=$(conf_line "$T/n1/nginx.conf" 'proxy_buffer_size 4k;')
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$lport/"
	expect_diag upstream_header_too_big "127.0.0.1:$bport"
	expect_fix_fixed "proxy_buffer_size 4k ($T/n1/nginx.conf:$line)"
	expect_fix_fixed "set proxy_buffer_size 32k;"
	expect_fix_fixed "proxy_buffers 8 32k;"
	expect_fix_reload "$m"
	stop_tracer
}
