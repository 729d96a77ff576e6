/* cli/config.h: the configuration file (GLib GKeyFile), group [netscope].
 * Where:  -C FILE, else $XDG_CONFIG_HOME/netscope/netscope.conf (~/.config when unset), else
 *         /etc/netscope/netscope.conf; no file is fine, an unreadable -C FILE is an error.
 * Keys:   the Wireshark plugin's preference names (docs/config.md lists them all); values
 *         set defaults that command-line options then override.
 * Errors: an unknown key or a bad value is one line naming the file and the line. */
#ifndef NS_CLI_CONFIG_H
#define NS_CLI_CONFIG_H

#include <stdio.h>

#include "args.h"

/* The file -C names in argv (NULL when none); *print is set by --print-config. */
const char *ns_config_path_arg(int argc, char **argv, int *print);

/* Loads the file into a (which holds the defaults); 0, or -1 with err. When path is NULL the
 * default locations are tried and a missing file is not an error. *used receives the file
 * read (or NULL). */
int ns_config_load(struct ns_args *a, const char *path, const char **used, struct ns_err *err);

/* Writes the effective configuration as a config file would hold it. */
void ns_config_print(const struct ns_args *a, const char *used, FILE *out);

#endif
