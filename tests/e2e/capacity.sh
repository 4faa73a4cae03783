# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# Backends too small for their load (issue #15): the cause is the failure
# nginx saw, the evidence and the fix name the capacity (docs/DESIGN.md §4).
# See tests/e2e/README.

set_timeout test_fpm_saturated_read_timeout 60

# pm.max_children = 1, a script that takes 0.7 s, 6 clients at once and
# fastcgi_read_timeout 2s: the last ones wait in the listen queue until nginx
# gives up (504). The script is not slow; the pool is too small.
test_fpm_saturated_read_timeout()
{
	local lport sock m got line

	stage_fpm f1 pm.max_children=1
	sock=$(fpm_sock f1)
	printf '<?php usleep(700000); echo "done\\n";\n' >"$T/www/busy.php"
	chmod 0644 "$T/www/busy.php"
	lport=$(free_port)
	stage_nginx n1 < <(fcgi_server "$lport" "$sock" |
				sed 's#fastcgi_pass unix:#fastcgi_read_timeout 2s; fastcgi_pass unix:#')
	m=$(nginx_master n1)
	expect_http 200 "http://127.0.0.1:$lport/ok.php"
	start_tracer --pid "$m"
	got=$(CURL_TIMEOUT=10 fire 6 "http://127.0.0.1:$lport/busy.php")
	log "6 clients at once: $got"
	[ "$(fire_count 504)" -ge 1 ] || fail "no client got 504: $got"
	expect_diag upstream_read_timeout "unix:$sock"
	line=$(grep -n '^pm.max_children = 1$' "$T/f1/php-fpm.conf" | cut -d: -f1)
	expect_evidence 'pool www: 1 of 1 children busy, [1-9][0-9]* connections? waiting in the listen queue \(backlog [1-9][0-9]*\)'
	expect_fix "^raise pm.max_children = 1 \\($T/f1/php-fpm.conf:$line\\) to [2-9]"
	expect_fix 'saturated, not slow'
	stop_tracer
	expect_summary upstream_read_timeout "unix:$sock" 1
}
