/* cli/cmd_delete.c - placeholder until the command is built. */
#include "cli.h"

const char cmd_delete_synopsis[] = "";
const char cmd_delete_help[] = "";

int
cmd_delete(const struct cli_command *cmd, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(cmd, "not built yet");
}

