// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
#include "unit.h"
#include "cause.h"
#include "options.h"

#define ARGV(...)	((char *[]){"ngx502-trace", __VA_ARGS__, NULL})
#define ARGC(...)	((int)(sizeof((char *[]){"ngx502-trace", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(env, ...) options__parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), env)

/* Usage errors print on stderr; keep the test output clean. */
static int quiet_begin(void)
{
	int saved = dup(2), null = open("/dev/null", O_WRONLY);

	dup2(null, 2);
	close(null);
	return saved;
}

static void quiet_end(int saved)
{
	dup2(saved, 2);
	close(saved);
}

UNIT_TEST(pids_and_flags)
{
	struct env env;

	CHECK_INT(PARSE(&env, "-p", "12,34", "--json", "-d", "2.5", "-v"), 0);
	CHECK_INT(env.npids, 2);
	CHECK_INT(env.pids[1], 34);
	CHECK(env.json && env.verbose, "flags");
	CHECK(env.duration == 2.5, "duration %f", env.duration);
	CHECK_INT(env.buffer_pages, 512);
	CHECK_INT(PARSE(&env, "--error-log", "/x/error.log", "--buffer-pages", "8"), 0);
	CHECK_STR(env.error_log, "/x/error.log");
	CHECK_INT(env.buffer_pages, 8);
}

UNIT_TEST(usage_errors)
{
	struct env env;
	int q = quiet_begin();

	CHECK_INT(PARSE(&env, "--bogus"), -EINVAL);
	CHECK_INT(PARSE(&env, "-p", "abc"), -EINVAL);
	CHECK_INT(PARSE(&env, "-p", "12,"), -EINVAL);
	CHECK_INT(PARSE(&env, "-p", "-5"), -EINVAL);
	CHECK_INT(PARSE(&env, "-p", "99999999999"), -EINVAL);
	CHECK_INT(PARSE(&env, "-d", "abc"), -EINVAL);
	CHECK_INT(PARSE(&env, "-d", "0"), -EINVAL);
	CHECK_INT(PARSE(&env, "-d", "nan"), -EINVAL);
	CHECK_INT(PARSE(&env, "--buffer-pages", "3"), -EINVAL);
	CHECK_INT(PARSE(&env, "stray"), -EINVAL);
	CHECK_INT(PARSE(&env, "-p", "1", "--cgroup", "/x"), -EINVAL);
	CHECK_INT(PARSE(&env, "-p"), -EINVAL);
	quiet_end(q);
}

UNIT_TEST(help_and_version_exit_now)
{
	struct env env;
	int out = dup(1), null = open("/dev/null", O_WRONLY);

	fflush(stdout);
	dup2(null, 1);
	CHECK_INT(PARSE(&env, "--version"), 0);
	CHECK_INT(env.exit_now, 1);
	CHECK_INT(PARSE(&env, "-h"), 0);
	CHECK_INT(env.exit_now, 1);
	CHECK_INT(PARSE(&env, "-V"), 0);
	CHECK_INT(env.exit_now, 1);
	CHECK_INT(PARSE(&env, "-?"), 0);
	CHECK_INT(env.exit_now, 1);
	CHECK_INT(PARSE(&env, "--usage"), 0);
	CHECK_INT(env.exit_now, 1);
	fflush(stdout);
	dup2(out, 1);
	close(out);
	close(null);
}

UNIT_TEST(filters_and_quiet)
{
	struct env env;
	int q;

	CHECK_INT(PARSE(&env, "--cause", "upstream_refused,backend_killed", "--cause", "unknown",
			"--upstream", "unix:/run/php.sock", "--upstream", "10.0.0.1:80", "-q"),
		  0);
	CHECK(env.causes == ((1ull << CAUSE_UPSTREAM_REFUSED) | (1ull << CAUSE_BACKEND_KILLED) |
			     (1ull << CAUSE_UNKNOWN)),
	      "causes %llx", (unsigned long long)env.causes);
	CHECK_INT(env.nupstreams, 2);
	CHECK_STR(env.upstreams[1], "10.0.0.1:80");
	CHECK(env.quiet, "quiet");
	CHECK_INT(PARSE(&env, "--check"), 0);
	CHECK(env.check, "check");
	q = quiet_begin();
	CHECK_INT(PARSE(&env, "--cause", "upstream_refused,"), -EINVAL);
	CHECK_INT(PARSE(&env, "--cause", "nope"), -EINVAL);
	CHECK_INT(PARSE(&env, "--cause", ""), -EINVAL);
	CHECK_INT(PARSE(&env, "--upstream", ""), -EINVAL);
	quiet_end(q);
}

int main(void)
{
	return unit_main();
}
