#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/util.h"
#include "store/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TDX_CMD_ROW(n, s) { #n, cmd_##n, s, cmd_##n##_usage },
static const struct cmd commands[] = { TDX_COMMANDS(TDX_CMD_ROW) };
#undef TDX_CMD_ROW

const struct cmd *cli_commands(size_t *n)
{
	*n = ARRAY_SIZE(commands);
	return commands;
}

const struct cmd *cli_find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

enum { OPT_G_DB = 0x1000, OPT_G_QUIET, OPT_G_JSON, OPT_G_HELP };

static const struct option global_opts[] = {
	{ "db", required_argument, NULL, OPT_G_DB },
	{ "quiet", no_argument, NULL, OPT_G_QUIET },
	{ "json", no_argument, NULL, OPT_G_JSON },
	{ "help", no_argument, NULL, OPT_G_HELP },
};

static void unknown_option(const struct cmd *cmd, const char *arg,
			   const struct option *all, size_t nall)
{
	const char *names[128];
	char want[128];
	size_t n = 0;
	const char *close;
	const char *eq;

	snprintf(want, sizeof(want), "%s", arg);
	while (want[0] == '-')
		memmove(want, want + 1, strlen(want));
	eq = strchr(want, '=');
	if (eq)
		want[eq - want] = 0;
	for (size_t i = 0; i < nall && n < ARRAY_SIZE(names); i++)
		names[n++] = all[i].name;
	close = closest_match(want, names, n);
	if (close)
		error("%s: unknown option '%s' (did you mean '--%s'?)", cmd->name, arg, close);
	else
		error("%s: unknown option '%s' (see 'tdxbench %s --help')", cmd->name, arg, cmd->name);
}

int cli_getopt(struct cli_ctx *ctx, const struct cmd *cmd, int argc, char **argv,
	       const char *shortopts, const struct option *longopts)
{
	struct option all[128];
	size_t n = 0;
	char shorts[128];
	int c, idx;

	for (; longopts && longopts[n].name; n++) {
		if (n >= ARRAY_SIZE(all) - ARRAY_SIZE(global_opts) - 1)
			BUG("too many options for %s", cmd->name);
		all[n] = longopts[n];
	}
	for (size_t i = 0; i < ARRAY_SIZE(global_opts); i++)
		all[n++] = global_opts[i];
	memset(&all[n], 0, sizeof(all[n]));
	/* leading ':' tells missing arguments apart; 'h' is --help everywhere */
	snprintf(shorts, sizeof(shorts), ":%sh", shortopts ? shortopts : "");

	for (;;) {
		const char *bad;
		opterr = 0;
		c = getopt_long(argc, argv, shorts, all, &idx);
		/* getopt permutes operands behind options: the element it just
		 * rejected is the one before optind, not where it started */
		bad = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
		switch (c) {
		case OPT_G_DB:
			ctx->db_path = optarg;
			continue;
		case OPT_G_QUIET:
			ctx->quiet = true;
			continue;
		case OPT_G_JSON:
			ctx->json = true;
			continue;
		case 'h':
		case OPT_G_HELP:
			fputs(cmd->usage, stdout);
			exit(EXIT_OK);
		case ':':
			error("%s: option '%s' needs a value", cmd->name, bad);
			exit(EXIT_USAGE);
		case '?':
			if (optopt && optopt < 0x100)
				error("%s: unknown option '-%c' (see 'tdxbench %s --help')", cmd->name,
				      optopt, cmd->name);
			else
				unknown_option(cmd, bad, all, n);
			exit(EXIT_USAGE);
		default:
			return c;
		}
	}
}

int cli_usage_error(const struct cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "tdxbench: %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'tdxbench %s --help')\n", cmd->name);
	return EXIT_USAGE;
}

const char *cli_db_path(struct cli_ctx *ctx)
{
	const char *env;
	if (ctx->db_path)
		return ctx->db_path;
	env = getenv("TDXBENCH_DB");
	if (env && *env)
		return env;
	return "results/tdxbench.db";
}

int cli_open_store(struct cli_ctx *ctx, unsigned flags, struct store **st)
{
	return store_open(cli_db_path(ctx), flags, st);
}

char *cli_cmdline(const struct cli_ctx *ctx)
{
	struct sbuf sb = SBUF_INIT;
	for (int i = 0; i < ctx->full_argc; i++) {
		char *q = shell_quote(i == 0 ? "tdxbench" : ctx->full_argv[i]);
		sbuf_addf(&sb, "%s%s", i ? " " : "", q);
		free(q);
	}
	return sbuf_detach(&sb);
}

void print_wrapped(const char *text, int first_col, int ind, int width)
{
	int col = first_col;
	const char *p = text;
	while (*p) {
		const char *e = p;
		int len;
		while (*e && *e != ' ')
			e++;
		len = (int)(e - p);
		if (col > ind && col + 1 + len > width) {
			printf("\n%*s", ind, "");
			col = ind;
		} else if (col > ind) {
			putchar(' ');
			col++;
		}
		printf("%.*s", len, p);
		col += len;
		p = *e ? e + 1 : e;
	}
	putchar('\n');
}
