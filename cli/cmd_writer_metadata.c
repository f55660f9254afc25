/* cli/cmd_writer_metadata.c - placeholder until the command is built. */
#include "cli.h"

const char cmd_writer_metadata_synopsis[] = "";
const char cmd_writer_metadata_help[] = "";

int
cmd_writer_metadata(const struct cli_command *cmd, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error(cmd, "not built yet");
}

