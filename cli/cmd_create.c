/* cli/cmd_create.c - placeholder until the command is built. */
#include "cli.h"

const char cmd_create_synopsis[] = "";
const char cmd_create_help[] = "";

int
cmd_create(const struct cli_command *cmd, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(cmd, "not built yet");
}

