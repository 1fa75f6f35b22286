/* duodhcpctl import-config: another server's configuration file translated
 * into our dhcpsrv.ini (docs/import-config.md). */
#ifndef DUODHCP_CTL_IMPORT_CONFIG_H
#define DUODHCP_CTL_IMPORT_CONFIG_H

/* argv[0] is "import-config"; returns the exit code: 0 translated (notes
 * on stderr), 1 the input does not parse, 2 bad usage, an unreadable file,
 * or an output that our own parser refuses. */
int ctl_import_config(int argc, char **argv);

#endif
