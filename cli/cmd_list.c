/* cli/cmd_list.c - placeholder until the command is built. */
#include "cli.h"

const char cmd_list_synopsis[] = "";
const char cmd_list_help[] = "";

int
cmd_list(const struct cli_command *cmd, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(cmd, "not built yet");
}

