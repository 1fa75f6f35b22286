/* What the daemon does as root before it serves: the journal's folder,
 * the pid file, and the drop to User= with only the capabilities it keeps
 * (CAP_NET_ADMIN for ARP entries, CAP_NET_RAW for ICMP probes). */
#ifndef DUODHCP_PRIVS_H
#define DUODHCP_PRIVS_H

#include <limits.h>
#include <stdbool.h>

/* The journal's folder, and whether we made it. */
struct state_dir {
	char path[PATH_MAX];	/* "" when the journal is in the working folder or / */
	bool made;
};

/* Makes the journal's folder when missing, as Kea does: only its last
 * component, mode 0750.  0, or -1 (logged). */
int state_dir_make(const char *journal, struct state_dir *sd);
/* Gives a folder made by root to User=.  0, or -1 (logged). */
int state_dir_give(const struct state_dir *sd, const char *user);
/* Becomes user, keeping CAP_NET_ADMIN and CAP_NET_RAW.  0, or -1. */
int privs_drop(const char *user);
/* After the drop: whether this user can do in the journal's folder what
 * compaction does (create a file, rename it, remove it).  -1 with the
 * reason and the fix logged, and the daemon must not start: otherwise
 * every compaction fails, every 10 s, forever. */
int state_dir_check(const char *journal, const char *user);
int pid_file_write(const char *path);

#endif
