// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "unit.h"
#include "../../user/ctarget.h"
#include "../../user/targets.h"

#define SCOPE "/system.slice/docker-ab.scope"

UNIT_TEST(path_within)
{
	CHECK_INT(ctarget__path_within(SCOPE, SCOPE), 1);
	CHECK_INT(ctarget__path_within(SCOPE "/init", SCOPE), 1);
	CHECK_INT(ctarget__path_within(SCOPE "/init", SCOPE "/"), 1);
	/* a sibling whose name starts the same is not inside */
	CHECK_INT(ctarget__path_within("/system.slice/docker-abc.scope", "/system.slice/docker-ab"),
		  0);
	CHECK_INT(ctarget__path_within("/system.slice", "/system.slice/docker-ab.scope"), 0);
	CHECK_INT(ctarget__path_within("/anything", "/"), 1);
	CHECK_INT(ctarget__path_within("/", "/"), 1);
	CHECK_INT(ctarget__path_within("", "/"), 0);
	CHECK_INT(ctarget__path_within(NULL, "/"), 0);
	CHECK_INT(ctarget__path_within("/x", NULL), 0);
}

UNIT_TEST(bad_cgroup)
{
	struct ctarget c;
	char why[512] = "";
	char mount[256];

	if (ctarget__v2_mount(mount, sizeof(mount))) {
		CHECK(ctarget__from_cgroup("/x", &c, why, sizeof(why)) < 0,
		      "no v2 mount, no error");
		return;
	}
	CHECK_INT(ctarget__from_cgroup("/ngx502-no-such-cgroup", &c, why, sizeof(why)), -ENOENT);
	CHECK(strstr(why, "ngx502-no-such-cgroup") != NULL, "why: %s", why);
	CHECK(ctarget__from_cgroup("../../../etc", &c, why, sizeof(why)) < 0, "left the mount");
	CHECK_INT(ctarget__from_cgroup("/", &c, why, sizeof(why)), 0);
	CHECK_STR(c.path, "/");
	CHECK(c.ncgroups >= 1, "ncgroups %d", c.ncgroups);
	CHECK_INT(ctarget__from_cgroup(mount, &c, why, sizeof(why)), 0);
	CHECK_STR(c.path, "/");
}

UNIT_TEST(bad_container)
{
	struct ctarget c;
	char why[512] = "";

	CHECK(ctarget__from_container("ffffeeeeddddcccc0000", &c, why, sizeof(why)) < 0,
	      "matched a made-up id");
	CHECK(strstr(why, "no running container matches") || strstr(why, "cgroup v2"), "why: %s",
	      why);
	/* the tool's own pid: on the host it is in no container */
	if (!ctarget__from_container("1", &c, why, sizeof(why)))
		CHECK(c.path[0] == '/', "path %s", c.path);
}

UNIT_TEST(host_pid_translation)
{
	struct targets *t = targets__new();

	/* nothing known: the number stays */
	CHECK_INT(targets__host_pid(t, 0, 7), 7);
	CHECK_INT(targets__host_pid(t, 12345678, 7), 7);
	CHECK_INT(targets__host_pid(t, 0, 0), 0);
	targets__free(t);
}

int main(void)
{
	return unit_main();
}
