// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dockerapi: a recorded GET /containers/web1/json of a real dockerd
 * (tests/fixtures/engines), replies that are not a container, names that
 * are not names, and an engine that is not there.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "fixture.h"
#include "unit.h"
#include "../../user/dockerapi.h"

UNIT_TEST(recorded_inspect)
{
	struct dockerapi_container c;
	size_t len;
	char *b = fixture__read("../engines/docker-inspect.json", &len);

	if (!b)
		return;
	CHECK_INT(dockerapi__parse_inspect(b, len, &c), 0);
	CHECK_STR(c.id, "ffc34f8deef0d138345f97b9a2715bbae4e6208cf5e74c299699903a099600c5");
	CHECK_STR(c.name, "web1");
	CHECK_INT(c.pid, 29346);
	CHECK_INT(c.running, 1);
	CHECK_STR(c.pod_name, "web-0");
	CHECK_STR(c.pod_namespace, "default");
	CHECK_STR(c.k8s_container, "nginx");
	free(b);
}

UNIT_TEST(not_a_container)
{
	struct dockerapi_container c;
	const char *msg = "{\"message\":\"No such container: nope\"}";
	const char *bad_id = "{\"Id\":\"../../etc\",\"Name\":\"/x\"}";

	CHECK_INT(dockerapi__parse_inspect(msg, strlen(msg), &c), -EINVAL);
	CHECK_INT(dockerapi__parse_inspect(bad_id, strlen(bad_id), &c), -EINVAL);
	CHECK_INT(dockerapi__parse_inspect("{", 1, &c), -EINVAL);
	CHECK_INT(dockerapi__parse_inspect("", 0, &c), -EINVAL);
}

UNIT_TEST(refs_that_are_no_names)
{
	struct dockerapi_container c;

	CHECK_INT(dockerapi__inspect("", &c), -EINVAL);
	CHECK_INT(dockerapi__inspect("../../images/json", &c), -EINVAL);
	CHECK_INT(dockerapi__inspect("a b", &c), -EINVAL);
	CHECK_INT(dockerapi__inspect("web1?all=1", &c), -EINVAL);
}

UNIT_TEST(no_engine)
{
	struct dockerapi_container c;
	char buf[64];

	setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock", 1);
	CHECK_STR(dockerapi__socket(buf, sizeof(buf)), "/nonexistent/docker.sock");
	CHECK(dockerapi__inspect("web1", &c) < 0, "an answer from no engine");
	setenv("DOCKER_HOST", "tcp://10.0.0.1:2375", 1);
	CHECK_STR(dockerapi__socket(buf, sizeof(buf)), "/var/run/docker.sock");
	unsetenv("DOCKER_HOST");
}

int main(void)
{
	return unit_main();
}
