# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# make deb: the Debian package, built from this tree with dpkg-buildpackage,
# installed with dpkg into an empty root (no debootstrap offline: dpkg --root
# with a fresh database), its binary run from there (--version, --check and a
# real refused connect), then removed with dpkg -r: nothing of it is left.

set_timeout test_deb_install_trace_remove 300

test_deb_install_trace_remove()
{
	local droot="$T/root" deb bin m f

	# make deps installs them: their absence is a failure, not a skip
	for f in dpkg-buildpackage dh man; do
		command -v "$f" >/dev/null || fail "'$f' is not installed (make deps)"
	done
	log "make deb (a full static build in $T/build)"
	make -C "$ROOT" --no-print-directory OUTPUT="$T/build" deb >"$T/deb.log" 2>&1 ||
		fail "make deb failed: $(tail -n 5 "$T/deb.log")"
	deb=$(find "$T/build/deb" -maxdepth 1 -name 'ngx502-trace_*_amd64.deb' | head -n 1)
	[ -n "$deb" ] || fail "make deb left no ngx502-trace_*.deb in $T/build/deb"
	dpkg-deb -f "$deb" Depends | grep -Eq 'lib(bpf|elf|json-c|cap|z)' &&
		fail "the package depends on a library the static binary links: $(dpkg-deb -f "$deb" Depends)"

	mkdir -p "$droot/var/lib/dpkg/info" "$droot/var/lib/dpkg/updates"
	: >"$droot/var/lib/dpkg/status"
	# libc6 is not in the empty root: the one dependency the binary has, from the host
	dpkg --root="$droot" --log=/dev/null --force-depends -i "$deb" >"$T/dpkg.log" 2>&1 ||
		fail "dpkg -i failed: $(tail -n 3 "$T/dpkg.log")"
	for f in usr/sbin/ngx502-trace usr/sbin/ngx502-events usr/sbin/ngx502-top \
		usr/share/man/man8/ngx502-trace.8.gz \
		usr/share/bash-completion/completions/ngx502-trace \
		usr/share/doc/ngx502-trace/EVENTS.md.gz \
		usr/share/doc/ngx502-trace/ngx502-trace.schema.json; do
		[ -e "$droot/$f" ] || fail "the package did not install /$f"
	done
	bin="$droot/usr/sbin/ngx502-trace"
	# linked in: the binary itself needs none of them (libcurl's own libz is its business)
	readelf -d "$bin" | grep NEEDED | grep -E 'lib(bpf|elf|z|json-c|cap)\.so' &&
		fail "the packaged binary is not static: $(readelf -d "$bin" | grep NEEDED | tr '\n' ' ')"
	MANWIDTH=80 man -l "$droot/usr/share/man/man8/ngx502-trace.8.gz" 2>/dev/null |
		grep -q 'EXIT STATUS' || fail "the installed man page does not render"

	# run_tool and start_tracer run $NGX502: the installed binary from here on
	# shellcheck disable=SC2034
	NGX502=$bin
	run_tool --version
	expect_exit_code 0
	expect_stdout_match '^ngx502-trace [0-9]'
	run_tool --check
	expect_exit_code 0
	expect_stdout_match 'upstream_refused +yes'

	# a real incident, traced by the installed binary
	stage_refusing_nginx n1
	m=$(nginx_master n1)
	start_tracer --pid "$m"
	expect_http 502 "http://127.0.0.1:$LPORT/"
	expect_diag upstream_refused "127.0.0.1:$UPORT"
	stop_tracer
	expect_summary upstream_refused "127.0.0.1:$UPORT" 1

	dpkg --root="$droot" --log=/dev/null -r ngx502-trace >>"$T/dpkg.log" 2>&1 ||
		fail "dpkg -r failed: $(tail -n 3 "$T/dpkg.log")"
	f=$(find "$droot" -path "$droot/var/lib/dpkg" -prune -o \( -type f -print \) | head -n 3)
	[ -z "$f" ] || fail "dpkg -r left files behind: $f"
}
