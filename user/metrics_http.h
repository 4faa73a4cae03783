/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --metrics ADDR:PORT: GET /metrics answered with the latest text the main
 * loop published (libmicrohttpd, one thread of its own). The socket is bound
 * while the tool still holds its capabilities (a port below 1024), the
 * thread starts after they are dropped, so it never holds more than the rest
 * of the tool. The main loop renders and publishes; the thread only copies
 * the text out under a lock: it never touches the tool's tables.
 */
#ifndef __METRICS_HTTP_H
#define __METRICS_HTTP_H

#include <stddef.h>

struct metrics_http;

/*
 * Parse ADDR:PORT ("127.0.0.1:9502", "[::1]:9502", ":9502" or "9502" for
 * every address) and bind and listen on it. NULL and errno set on failure,
 * with why in err.
 */
struct metrics_http *metrics_http__listen(const char *spec, char *err, size_t errlen);
/* Start answering. 0 or -errno. */
int metrics_http__start(struct metrics_http *m);
/* The text for the next scrapes (copied). */
void metrics_http__publish(struct metrics_http *m, const char *text, size_t len);
/* The port bound (for ":0"). */
int metrics_http__port(const struct metrics_http *m);
void metrics_http__free(struct metrics_http *m);

#endif /* __METRICS_HTTP_H */
