/* Logging: stderr in the foreground, syslog as a daemon.  One line per
 * event; log_limited() caps lines a remote peer can trigger. */
#ifndef DUODHCP_LOG_H
#define DUODHCP_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *ident, bool to_stderr);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A token bucket: at most burst lines, refilled at rate per second. */
struct log_limit {
	int64_t last_ms;
	double tokens;
	uint64_t suppressed;
};
bool log_allow(struct log_limit *l, int64_t now_ms, double rate, double burst);

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)

#endif
