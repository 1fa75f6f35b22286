/* Privileges and the state folder (see privs.h). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/log.h"
#include "daemon/privs.h"

/* Makes the journal's folder when missing, as Kea does: only its last
 * component (a missing parent is a mistake, not ours to paper over), mode
 * 0750 whatever the umask (leases name clients). */
int state_dir_make(const char *journal, struct state_dir *sd)
{
	*sd = (struct state_dir){ .made = false };
	snprintf(sd->path, sizeof sd->path, "%s", journal);
	char *slash = strrchr(sd->path, '/');
	if (!slash || slash == sd->path) {
		sd->path[0] = 0;
		return 0;
	}
	*slash = 0;
	struct stat st;
	if (stat(sd->path, &st) == 0)
		return 0;
	if (errno != ENOENT || mkdir(sd->path, 0750) < 0 || chmod(sd->path, 0750) < 0) {
		log_err("cannot create journal folder %s: %s", sd->path, strerror(errno));
		return -1;
	}
	sd->made = true;
	return 0;
}

/* A folder made by root goes to User=, who compacts there after the drop.
 * It is given once the journal is open in it, so that root needs no
 * CAP_DAC_OVERRIDE to reach it.  Made by User= itself (the packaged unit
 * starts the daemon as that user), it is already theirs. */
int state_dir_give(const struct state_dir *sd, const char *user)
{
	if (!sd->made)
		return 0;
	struct passwd *pw = user[0] && getuid() == 0 ? getpwnam(user) : NULL;
	if (user[0] && getuid() == 0 && !pw) {
		log_err("User=%s: no such user", user);
		return -1;
	}
	if (pw && chown(sd->path, pw->pw_uid, pw->pw_gid) < 0) {
		log_err("cannot give journal folder %s to %s: %s", sd->path, user,
			strerror(errno));
		return -1;
	}
	log_info("journal folder %s created, mode 0750%s%s", sd->path, pw ? ", owner " : "",
		 pw ? user : "");
	return 0;
}

/* Runs as an unprivileged user, keeping only CAP_NET_ADMIN (ARP entries
 * for unicast replies) and CAP_NET_RAW (ICMP probes). */
int privs_drop(const char *user)
{
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		log_err("User=%s: no such user", user);
		return -1;
	}
	/* Started as that user already (the packaged unit's User=, with the
	 * network capabilities ambient): only the capabilities narrow. */
	bool already = getuid() == pw->pw_uid && geteuid() == pw->pw_uid &&
		       getgid() == pw->pw_gid;
	/* The bounding set keeps only the two, so nothing can bring any
	 * other back (root can drop them; started as the user already, the
	 * unit's CapabilityBoundingSet= does it). */
	for (int cap = 0; !already && cap <= CAP_LAST_CAP; cap++)
		if (cap != CAP_NET_ADMIN && cap != CAP_NET_RAW &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
			log_err("cannot narrow the capability bounding set: %s", strerror(errno));
			return -1;
		}
	if (!already && (prctl(PR_SET_KEEPCAPS, 1) < 0 || setgroups(1, &pw->pw_gid) < 0 ||
			 setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)) {
		log_err("cannot become %s: %s", user, strerror(errno));
		return -1;
	}
	cap_t caps = cap_from_text("cap_net_admin,cap_net_raw=ep");
	int rc = caps ? cap_set_proc(caps) : -1;
	cap_free(caps);
	prctl(PR_SET_KEEPCAPS, 0);
	if (rc < 0) {
		log_err("cannot keep capabilities: %s", strerror(errno));
		return -1;
	}
	/* No exec of ours, or of anything an attacker makes us run, gains
	 * privileges again (setuid files, file capabilities). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_err("cannot set no_new_privs: %s", strerror(errno));
		return -1;
	}
	log_info("running as %s with cap_net_admin,cap_net_raw", user);
	return 0;
}

int state_dir_check(const char *journal, const char *user)
{
	char dir[PATH_MAX], a[PATH_MAX + 32], b[PATH_MAX + 48];
	snprintf(dir, sizeof dir, "%s", journal);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	snprintf(a, sizeof a, "%s/.duodhcpd-check.%ld", dir, (long)getpid());
	snprintf(b, sizeof b, "%s.renamed", a);
	int fd = open(a, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int err = fd < 0 ? errno : 0;
	if (fd >= 0) {
		close(fd);
		if (rename(a, b) < 0)
			err = errno;
		unlink(err ? a : b);
	}
	if (!err)
		return 0;
	log_err("journal folder %s: %s cannot create and rename files there (%s), so the "
		"journal could never be compacted; fix: chown %s %s && chmod 0750 %s (or "
		"StateDirectory= in the systemd unit)", dir, user, strerror(err), user, dir, dir);
	return -1;
}

int pid_file_write(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
}
