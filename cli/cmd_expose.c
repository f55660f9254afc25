/* cli/cmd_expose.c - placeholder until the command is built. */
#include "cli.h"

const char cmd_expose_synopsis[] = "";
const char cmd_expose_help[] = "";

int
cmd_expose(const struct cli_command *cmd, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(cmd, "not built yet");
}

const char cmd_unexpose_synopsis[] = "";
const char cmd_unexpose_help[] = "";

int
cmd_unexpose(const struct cli_command *cmd, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(cmd, "not built yet");
}

