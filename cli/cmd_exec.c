/* cli/cmd_exec.c - placeholder until the command is built. */
#include "cli.h"

const char cmd_exec_synopsis[] = "";
const char cmd_exec_help[] = "";

int
cmd_exec(const struct cli_command *cmd, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(cmd, "not built yet");
}

