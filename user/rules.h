/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Kernel evidence -> cause: the rules of docs/DESIGN.md §4, and nothing else. */
#ifndef __RULES_H
#define __RULES_H

#include "cause.h"
#include "event.h"

/* The cause a kernel event is evidence of; CAUSE_NONE when it is not a failure. */
enum cause rules__cause_of(const struct event *ev);

#endif /* __RULES_H */
