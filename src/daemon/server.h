/* The daemon: sockets, the event loop, group commit, signals. */
#ifndef DUODHCP_SERVER_H
#define DUODHCP_SERVER_H

#include <stdbool.h>

struct server_opts {
	const char *config_path;
	const char *pid_file;
	bool foreground;
};

/* Runs until SIGTERM/SIGINT.  Returns the process exit code. */
int server_run(const struct server_opts *o);

#endif
