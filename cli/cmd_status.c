/* cli/cmd_status.c - placeholder until the command is built. */
#include "cli.h"

const char cmd_status_synopsis[] = "";
const char cmd_status_help[] = "";

int
cmd_status(const struct cli_command *cmd, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(cmd, "not built yet");
}

