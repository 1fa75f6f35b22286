/* duodhcpctl import-config [--from FORMAT] FILE [-o OUT]: translates
 * another server's configuration into dhcpsrv.ini.  The output is checked
 * with our own configuration parser before it is written, so what this
 * writes always passes `duodhcpd -t`; what could not be carried over is
 * listed on stderr, one line per statement, with its file and line. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/config.h"
#include "ctl/import_config.h"
#include "import/confxlat.h"

#define IN_MAX (16u << 20)	/* far above any real dhcpd.conf or kea-dhcp4.conf */

/* The formats this build translates; a translator adds its row here. */
static const struct {
	const char *name;
	xlat_fn fn;
} formats[] = {
	{ "isc", xlat_isc },
};

static xlat_fn format_fn(const char *name)
{
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
		if (strcmp(formats[i].name, name) == 0)
			return formats[i].fn;
	return NULL;
}

static void usage(FILE *f)
{
	fputs("usage: duodhcpctl import-config [--from FORMAT] [--bind A.B.C.D|auto|none]... "
	      "FILE [-o OUT]\n"
	      "FORMAT:", f);
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
		fprintf(f, " %s", formats[i].name);
	fputs(" (default: guessed from FILE)\n"
	      "Writes the translated dhcpsrv.ini to OUT or stdout, and each statement it\n"
	      "could not translate to stderr.  Exit 0: translated; 1: FILE does not parse;\n"
	      "2: bad usage, unreadable FILE, or an output that does not pass the check.\n"
	      "--bind: this server's address on a link, so that the subnet holding it is\n"
	      "served directly (IPBIND_n); auto (the default) takes this host's addresses,\n"
	      "none makes every subnet one reached through relays.\n", f);
}

/* --bind auto: this host's IPv4 addresses, as dhcpd finds its links at
 * start. */
static void binds_auto(struct xlat *x)
{
	struct ifaddrs *ifs;
	if (getifaddrs(&ifs) < 0)
		return;
	for (struct ifaddrs *i = ifs; i && x->nbinds < XLAT_BINDS_MAX; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET)
			x->binds[x->nbinds++] =
				ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
	freeifaddrs(ifs);
}

/* One --bind argument; false when it is not an address, auto or none. */
static bool bind_arg(struct xlat *x, const char *a, bool *any)
{
	struct in_addr in;
	*any = true;
	if (strcmp(a, "auto") == 0)
		binds_auto(x);
	else if (strcmp(a, "none") != 0) {
		if (inet_pton(AF_INET, a, &in) != 1 || x->nbinds >= XLAT_BINDS_MAX)
			return false;
		x->binds[x->nbinds++] = ntohl(in.s_addr);
	}
	return true;
}

/* The whole file, bounded; NULL with the reason on stderr. */
static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	if (!f) {
		fprintf(stderr, "duodhcpctl: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (!(buf = malloc(IN_MAX + 1))) {
		fprintf(stderr, "duodhcpctl: %s: out of memory\n", path);
	} else {
		*len = fread(buf, 1, IN_MAX + 1, f);
		if (ferror(f) || *len > IN_MAX) {
			fprintf(stderr, "duodhcpctl: %s: %s\n", path,
				ferror(f) ? "read error" : "larger than 16 MiB");
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static void print_notes(const struct xlat *x, const char *file)
{
	size_t harmless = 0, info = 0;
	for (size_t i = 0; i < x->nnotes; i++) {
		const struct xlat_note *n = &x->notes[i];
		if (n->line)
			fprintf(stderr, "%s:%u: ", file, n->line);
		else
			fprintf(stderr, "%s: ", file);
		fprintf(stderr, "%s: %s: %s%s\n", n->kind == XLAT_INFO ? "note" : "not translated",
			n->where, n->why, n->kind == XLAT_HARMLESS ? " (harmless)" : "");
		harmless += n->kind == XLAT_HARMLESS;
		info += n->kind == XLAT_INFO;
	}
	if (x->dropped)
		fprintf(stderr, "%s: and %zu more statements not translated\n", file, x->dropped);
	if (x->nnotes > info)
		fprintf(stderr, "duodhcpctl: %s: %zu statements not translated, %zu of them "
			"harmless\n", file, x->nnotes - info + x->dropped, harmless);
}

/* Writes the text to out (a temporary file renamed over it, so a reader
 * never sees half of it) or stdout. */
static int write_out(const char *out, const char *text, size_t len)
{
	if (!out)
		return fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : 2;
	size_t n = strlen(out) + 8;
	char *tmp = malloc(n);
	if (!tmp)
		return 2;
	snprintf(tmp, n, "%s.XXXXXX", out);
	int fd = mkstemp(tmp);
	FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	bool ok = f && fchmod(fd, 0644) == 0 && fwrite(text, 1, len, f) == len &&
		  fflush(f) == 0 && fsync(fd) == 0;
	if (f)
		ok = fclose(f) == 0 && ok;
	else if (fd >= 0)
		close(fd);
	ok = ok && rename(tmp, out) == 0;
	if (!ok) {
		fprintf(stderr, "duodhcpctl: %s: %s\n", out, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
	}
	free(tmp);
	return ok ? 0 : 2;
}

/* Translates buf and writes the result; the exit code. */
static int translate(struct xlat *xp, xlat_fn fn, const char *file, const char *buf,
		     size_t len, const char *out)
{
	struct xlat x = *xp;
	int rc = fn(&x, file, buf, len);
	if (rc == 1) {
		if (x.err_line)
			fprintf(stderr, "%s:%u: %s\n", file, x.err_line, x.err);
		else
			fprintf(stderr, "%s: %s\n", file, x.err);
		xlat_free(&x);
		return 1;
	}
	if (rc < 0 || x.oom) {
		fprintf(stderr, "duodhcpctl: %s: out of memory or output too large\n", file);
		xlat_free(&x);
		return 2;
	}
	print_notes(&x, file);
	const char *text = x.out ? x.out : "";
	struct config *c = config_parse(out ? out : "<output>", text, x.len, stderr);
	if (!c) {
		fprintf(stderr, "duodhcpctl: import-config: the translation of %s does not pass "
			"the configuration check; nothing written\n", file);
		xlat_free(&x);
		return 2;
	}
	config_free(c);
	rc = write_out(out, text, x.len);
	xlat_free(&x);
	return rc;
}

int ctl_import_config(int argc, char **argv)
{
	static const struct option lo[] = { { "from", required_argument, NULL, 'f' },
					    { "output", required_argument, NULL, 'o' },
					    { "bind", required_argument, NULL, 'b' },
					    { "help", no_argument, NULL, 'h' },
					    { NULL, 0, NULL, 0 } };
	const char *from = NULL, *out = NULL;
	struct xlat x;
	bool bound = false;
	int ch;
	xlat_init(&x);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'f': from = optarg; break;
		case 'b':
			if (!bind_arg(&x, optarg, &bound)) {
				fprintf(stderr, "duodhcpctl: --bind %s: not an IPv4 address, auto "
					"or none\n", optarg);
				return 2;
			}
			break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	if (!bound)
		binds_auto(&x);
	const char *file = argv[optind];
	size_t len = 0;
	char *buf = read_all(file, &len);
	if (!buf)
		return 2;
	const char *name = from ? from : xlat_guess(buf, len);
	xlat_fn fn = format_fn(name);
	int rc = 2;
	if (!fn) {
		fprintf(stderr, "duodhcpctl: import-config: %s: no translator for format %s\n",
			file, name);
		usage(stderr);
	} else
		rc = translate(&x, fn, file, buf, len, out);
	free(buf);
	return rc;
}
