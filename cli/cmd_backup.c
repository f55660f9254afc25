/* cli/cmd_backup.c - placeholder until the command is built. */
#include "cli.h"

const char cmd_backup_synopsis[] = "";
const char cmd_backup_help[] = "";

int
cmd_backup(const struct cli_command *cmd, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(cmd, "not built yet");
}

