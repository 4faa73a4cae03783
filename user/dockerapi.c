// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include "dockerapi.h"

#define REPLY_MAX    (1 << 20) /* an inspect reply is a few KB; a bigger one is not read */
#define TIMEOUT_MS   1000
#define DEFAULT_SOCK "/var/run/docker.sock"

/*
 * libcurl is loaded on the first question, not at start: it brings a TLS
 * stack and a dozen libraries, megabytes of resident memory a host without
 * containers never needs (README, "Overhead": peak RSS).
 */
static struct {
	int tried;
	void *handle;
	typeof(curl_easy_init) *easy_init;
	typeof(curl_easy_setopt) *easy_setopt;
	typeof(curl_easy_perform) *easy_perform;
	typeof(curl_easy_getinfo) *easy_getinfo;
	typeof(curl_easy_cleanup) *easy_cleanup;
} curl;

static int curl_load(void)
{
	if (curl.tried)
		return curl.handle ? 0 : -ENOSYS;
	curl.tried = 1;
	curl.handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!curl.handle)
		return -ENOSYS;
	curl.easy_init = (typeof(curl.easy_init))dlsym(curl.handle, "curl_easy_init");
	curl.easy_setopt = (typeof(curl.easy_setopt))dlsym(curl.handle, "curl_easy_setopt");
	curl.easy_perform = (typeof(curl.easy_perform))dlsym(curl.handle, "curl_easy_perform");
	curl.easy_getinfo = (typeof(curl.easy_getinfo))dlsym(curl.handle, "curl_easy_getinfo");
	curl.easy_cleanup = (typeof(curl.easy_cleanup))dlsym(curl.handle, "curl_easy_cleanup");
	if (!curl.easy_init || !curl.easy_setopt || !curl.easy_perform || !curl.easy_getinfo ||
	    !curl.easy_cleanup) {
		dlclose(curl.handle);
		curl.handle = NULL;
		return -ENOSYS;
	}
	return 0;
}

struct reply {
	char *buf;
	size_t len;
	int too_big;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t add = size * n;
	char *nb;

	if (r->len + add > REPLY_MAX) {
		r->too_big = 1;
		return 0;
	}
	nb = realloc(r->buf, r->len + add + 1);
	if (!nb)
		return 0;
	memcpy(nb + r->len, p, add);
	r->buf = nb;
	r->len += add;
	r->buf[r->len] = '\0';
	return add;
}

const char *dockerapi__socket(char *buf, size_t size)
{
	const char *h = getenv("DOCKER_HOST");

	if (h && !strncmp(h, "unix://", 7) && h[7] == '/')
		snprintf(buf, size, "%s", h + 7);
	else
		snprintf(buf, size, "%s", DEFAULT_SOCK);
	return buf;
}

static int valid_ref(const char *ref)
{
	size_t n = ref ? strlen(ref) : 0;

	return n && n < 128 &&
	       strspn(ref, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789_.-") == n;
}

static void copy_str(json_object *o, const char *key, char *dst, size_t size)
{
	json_object *v;

	if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		snprintf(dst, size, "%s", json_object_get_string(v));
}

int dockerapi__parse_inspect(const char *json, size_t len, struct dockerapi_container *out)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *root, *state, *config, *labels, *v;
	const char *name;

	memset(out, 0, sizeof(*out));
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, json, (int)len);
	json_tokener_free(tok);
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return -EINVAL;
	}
	copy_str(root, "Id", out->id, sizeof(out->id));
	if (json_object_object_get_ex(root, "Name", &v) &&
	    json_object_is_type(v, json_type_string)) {
		name = json_object_get_string(v);
		snprintf(out->name, sizeof(out->name), "%s", name[0] == '/' ? name + 1 : name);
	}
	if (json_object_object_get_ex(root, "State", &state)) {
		if (json_object_object_get_ex(state, "Pid", &v))
			out->pid = json_object_get_int(v);
		if (json_object_object_get_ex(state, "Running", &v))
			out->running = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(root, "Config", &config) &&
	    json_object_object_get_ex(config, "Labels", &labels) &&
	    json_object_is_type(labels, json_type_object)) {
		copy_str(labels, "io.kubernetes.pod.name", out->pod_name, sizeof(out->pod_name));
		copy_str(labels, "io.kubernetes.pod.namespace", out->pod_namespace,
			 sizeof(out->pod_namespace));
		copy_str(labels, "io.kubernetes.pod.uid", out->pod_uid, sizeof(out->pod_uid));
		copy_str(labels, "io.kubernetes.container.name", out->k8s_container,
			 sizeof(out->k8s_container));
	}
	json_object_put(root);
	if (!out->id[0] || strspn(out->id, "0123456789abcdef") != strlen(out->id))
		return -EINVAL;
	return 0;
}

int dockerapi__inspect(const char *ref, struct dockerapi_container *out)
{
	struct reply r = {};
	char url[256], sock[256];
	long code = 0;
	CURLcode rc;
	CURL *c;
	int err;

	memset(out, 0, sizeof(*out));
	if (!valid_ref(ref))
		return -EINVAL;
	if (curl_load())
		return -ENOSYS;
	c = curl.easy_init();
	if (!c)
		return -ENOMEM;
	snprintf(url, sizeof(url), "http://localhost/containers/%s/json", ref);
	curl.easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, dockerapi__socket(sock, sizeof(sock)));
	curl.easy_setopt(c, CURLOPT_URL, url);
	curl.easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)TIMEOUT_MS);
	curl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl.easy_setopt(c, CURLOPT_WRITEDATA, &r);
	rc = curl.easy_perform(c);
	if (rc == CURLE_OK)
		curl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl.easy_cleanup(c);
	if (rc == CURLE_COULDNT_CONNECT)
		err = -ECONNREFUSED;
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		err = -ETIMEDOUT;
	else if (rc != CURLE_OK)
		err = r.too_big ? -E2BIG : -EIO;
	else if (code == 404)
		err = -ENOENT;
	else if (code != 200)
		err = -EIO;
	else
		err = dockerapi__parse_inspect(r.buf ? r.buf : "", r.len, out);
	free(r.buf);
	return err;
}
