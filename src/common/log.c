#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>
#include "common/log.h"

static bool use_stderr = true;
static const char *log_ident = "duodhcpd";	/* duodhcpctl's offline import logs too */

void log_init(const char *ident, bool to_stderr)
{
	use_stderr = to_stderr;
	log_ident = ident;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	va_list ap;
	va_start(ap, fmt);
	if (use_stderr) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		struct tm tm;
		gmtime_r(&ts.tv_sec, &tm);
		fprintf(stderr, "%02d:%02d:%02d.%03ld %s: %s", tm.tm_hour, tm.tm_min,
			tm.tm_sec, ts.tv_nsec / 1000000, log_ident, tag[lvl]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(prio[lvl], fmt, ap);
	}
	va_end(ap);
}

bool log_allow(struct log_limit *l, int64_t now_ms, double rate, double burst)
{
	if (l->last_ms == 0)
		l->tokens = burst;
	l->tokens += (double)(now_ms - l->last_ms) * rate / 1000.0;
	if (l->tokens > burst)
		l->tokens = burst;
	l->last_ms = now_ms;
	if (l->tokens < 1.0) {
		l->suppressed++;
		return false;
	}
	l->tokens -= 1.0;
	return true;
}
