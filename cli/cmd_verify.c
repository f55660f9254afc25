/* cli/cmd_verify.c - placeholder until the command is built. */
#include "cli.h"

const char cmd_verify_synopsis[] = "";
const char cmd_verify_help[] = "";

int
cmd_verify(const struct cli_command *cmd, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(cmd, "not built yet");
}

