// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include "metrics_http.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_http {
	int fd;
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock;
	char *text; /* the latest published, under lock */
	size_t len;
};

/*
 * libmicrohttpd is loaded only with --metrics: it brings gnutls and its
 * dependencies, megabytes of resident memory nobody else needs.
 */
static struct {
	void *handle;
	typeof(MHD_start_daemon) *start_daemon;
	typeof(MHD_stop_daemon) *stop_daemon;
	typeof(MHD_create_response_from_buffer) *create_response_from_buffer;
	typeof(MHD_add_response_header) *add_response_header;
	typeof(MHD_queue_response) *queue_response;
	typeof(MHD_destroy_response) *destroy_response;
	typeof(MHD_get_daemon_info) *get_daemon_info;
} mhd;

#define MHD_SYM(name) (mhd.name = (typeof(mhd.name))dlsym(mhd.handle, "MHD_" #name))

static int mhd_load(void)
{
	if (mhd.handle)
		return 0;
	mhd.handle = dlopen("libmicrohttpd.so.12", RTLD_NOW | RTLD_LOCAL);
	if (!mhd.handle)
		return -ENOSYS;
	if (!MHD_SYM(start_daemon) || !MHD_SYM(stop_daemon) ||
	    !MHD_SYM(create_response_from_buffer) || !MHD_SYM(add_response_header) ||
	    !MHD_SYM(queue_response) || !MHD_SYM(destroy_response) || !MHD_SYM(get_daemon_info)) {
		dlclose(mhd.handle);
		mhd.handle = NULL;
		return -ENOSYS;
	}
	return 0;
}

/* "[v6]:port", "host:port", ":port" or "port" into host (may be "") and port. */
static int split_spec(const char *spec, char *host, size_t hsize, char *port, size_t psize)
{
	const char *colon, *p = spec;
	size_t hl;

	if (!spec || !*spec)
		return -EINVAL;
	if (*p == '[') {
		const char *end = strchr(p, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		hl = end - p - 1;
		colon = end + 1;
		p++;
	} else {
		colon = strrchr(p, ':');
		hl = colon ? (size_t)(colon - p) : 0;
	}
	if (hl >= hsize)
		return -EINVAL;
	memcpy(host, p, hl);
	host[hl] = '\0';
	p = colon ? colon + 1 : spec;
	if (!*p || strlen(p) >= psize || strspn(p, "0123456789") != strlen(p) || atoi(p) > 65535)
		return -EINVAL;
	snprintf(port, psize, "%s", p);
	return 0;
}

struct metrics_http *metrics_http__listen(const char *spec, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV},
			*ai = NULL;
	char host[256], port[8];
	struct metrics_http *m;
	int one = 1, rc, e;

	if (split_spec(spec, host, sizeof(host), port, sizeof(port))) {
		snprintf(err, errlen,
			 "invalid --metrics '%s': want ADDR:PORT, [ADDR6]:PORT or :PORT",
			 spec ? spec : "");
		errno = EINVAL;
		return NULL;
	}
	if (mhd_load()) {
		snprintf(err, errlen,
			 "--metrics needs libmicrohttpd (Debian's libmicrohttpd12): %s",
			 dlerror() ?: "not found");
		errno = ENOSYS;
		return NULL;
	}
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "--metrics %s: %s", spec, gai_strerror(rc));
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		freeaddrinfo(ai);
		snprintf(err, errlen, "--metrics %s: out of memory", spec);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&m->lock, NULL);
	/* without an address, IPv6's "::" takes IPv4 too where the host allows it; else 0.0.0.0 */
	m->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (m->fd >= 0) {
		setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(m->fd, ai->ai_addr, ai->ai_addrlen) || listen(m->fd, 64)) {
			e = errno;
			close(m->fd);
			m->fd = -1;
			errno = e;
		}
	}
	freeaddrinfo(ai);
	if (m->fd < 0) {
		e = errno;
		snprintf(err, errlen, "--metrics %s: %s", spec, strerror(e));
		metrics_http__free(m);
		errno = e;
		return NULL;
	}
	return m;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **req)
{
	struct metrics_http *m = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	unsigned int status = MHD_HTTP_OK;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		r = mhd.create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else if (strcmp(url, "/metrics")) {
		static const char body[] = "ngx502-trace: metrics are at /metrics\n";

		status = MHD_HTTP_NOT_FOUND;
		r = mhd.create_response_from_buffer(sizeof(body) - 1, (void *)body,
						    MHD_RESPMEM_PERSISTENT);
	} else {
		pthread_mutex_lock(&m->lock);
		r = mhd.create_response_from_buffer(m->len, m->text ? m->text : (void *)"",
						    MHD_RESPMEM_MUST_COPY);
		pthread_mutex_unlock(&m->lock);
		if (r)
			mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	}
	if (!r)
		return MHD_NO;
	ret = mhd.queue_response(c, status, r);
	mhd.destroy_response(r);
	return ret;
}

int metrics_http__start(struct metrics_http *m)
{
	m->daemon = mhd.start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
				     NULL, answer, m, MHD_OPTION_LISTEN_SOCKET, m->fd,
				     MHD_OPTION_CONNECTION_LIMIT, 16u,
				     MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!m->daemon)
		return -EIO;
	m->fd = -1; /* the daemon's now */
	return 0;
}

void metrics_http__publish(struct metrics_http *m, const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);

	if (!copy)
		return;
	memcpy(copy, text, len);
	pthread_mutex_lock(&m->lock);
	free(m->text);
	m->text = copy;
	m->len = len;
	pthread_mutex_unlock(&m->lock);
}

int metrics_http__port(const struct metrics_http *m)
{
	const union MHD_DaemonInfo *i;

	if (!m->daemon)
		return -1;
	i = mhd.get_daemon_info(m->daemon, MHD_DAEMON_INFO_BIND_PORT);
	return i ? i->port : -1;
}

void metrics_http__free(struct metrics_http *m)
{
	if (!m)
		return;
	if (m->daemon)
		mhd.stop_daemon(m->daemon);
	if (m->fd >= 0)
		close(m->fd);
	free(m->text);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
