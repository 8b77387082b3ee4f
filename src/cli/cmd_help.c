#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/util.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

const struct cmd_help cmd_help_help = {
	.synopsis = "help [<command>]",
	.text = "Without a command, list the commands (as 'tdxbench --help' does); with one,\n"
		"print its help (as 'tdxbench <command> --help' does). --json: the commands\n"
		"as [{name, summary}], or one as {name, summary, usage}.\n",
};

static struct json_object *cmd_json(const struct cmd *c, bool usage)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(c->name));
	json_object_object_add(o, "summary", json_object_new_string(c->summary));
	if (usage) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		if (!f)
			die("out of memory");
		cli_print_usage(c, f);
		fclose(f);
		json_object_object_add(o, "usage", json_object_new_string(buf));
		free(buf);
	}
	return o;
}

static int help_json(const char *name)
{
	struct json_object *o;
	size_t n;
	const struct cmd *cmds = cli_commands(&n), *one;

	if (name) {
		one = cli_find_command(name);
		if (!one) {
			error("help: '%s' is not a command (see 'tdxbench help')", name);
			return EXIT_USAGE;
		}
		o = cmd_json(one, true);
	} else {
		o = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			json_object_array_add(o, cmd_json(&cmds[i], false));
	}
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
	return EXIT_OK;
}

int cmd_help(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = ctx->cmd, *cmd;

	while (cli_getopt(ctx, argc, argv) != -1)
		;
	if (ctx->json)
		return help_json(optind < argc ? argv[optind] : NULL);
	if (optind >= argc) {
		cli_print_commands(stdout);
		return EXIT_OK;
	}
	if (optind + 1 < argc)
		return cli_usage_error(self, "too many arguments");
	cmd = cli_find_command(argv[optind]);
	if (!cmd) {
		error("help: '%s' is not a command (see 'tdxbench help')", argv[optind]);
		return EXIT_USAGE;
	}
	cli_print_usage(cmd, stdout);
	return EXIT_OK;
}
