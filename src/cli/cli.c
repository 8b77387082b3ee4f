#include "cli/cli.h"
#include "cli/commands.h"
#include "backend/backend.h"
#include "lib/util.h"
#include "store/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TDX_CMD_ROW(n, f, s) { #n, cmd_##n, s, f, &cmd_##n##_help },
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

const char *const *cli_strategy_names(void)
{
	static const char *names[64];
	size_t n = 0;
	for (const struct backend_ops *const *be = backend_all(); *be; be++)
		for (size_t i = 0; (*be)->strategies && (*be)->strategies[i]; i++)
			if (n < ARRAY_SIZE(names) - 1)
				names[n++] = (*be)->strategies[i];
	names[n] = NULL;
	return names;
}

const char *const *cli_workload_names(void)
{
	static const char *names[64];
	size_t n = 0;
	/* as `tdxbench workloads` lists them: test-only ones stay hidden */
	for (const struct workload_desc *const *w = workload_all(); *w; w++)
		if (!((*w)->flags & WL_TEST_ONLY) && n < ARRAY_SIZE(names) - 1)
			names[n++] = (*w)->name;
	names[n] = NULL;
	return names;
}

enum { OPT_G_DB = 0x1000, OPT_G_QUIET, OPT_G_JSON, OPT_G_HELP };

/* Accepted by every command; listed in a command's help when it honours them. */
static const struct {
	struct cli_opt opt;
	unsigned needs;		/* CMD_* flags a command needs for it to be listed */
} global_opts[] = {
	{ { .name = "db", .id = OPT_G_DB, .arg = "PATH",
	    .help = "results database (default $TDXBENCH_DB, else results/tdxbench.db)" },
	  CMD_READS_DB | CMD_WRITES_DB },
	{ { .name = "quiet", .short_name = 'q', .id = OPT_G_QUIET,
	    .help = "no progress or chatter on stderr" }, 0 },
	{ { .name = "json", .id = OPT_G_JSON, .help = "JSON instead of text" }, CMD_JSON },
	{ { .name = "help", .short_name = 'h', .id = OPT_G_HELP, .help = "this help" }, 0 },
};

static bool global_listed(size_t i, unsigned cmd_flags)
{
	return !global_opts[i].needs || (global_opts[i].needs & cmd_flags);
}

/* "  -o, --output FILE", padded to the help column or on a line of its own. */
enum { HELP_COL = 24, HELP_WIDTH = 80 };

static void print_opt(FILE *f, const struct cli_opt *o)
{
	struct sbuf sb = SBUF_INIT;
	int col;

	/* the short column is four wide: "-o, " or blank */
	if (o->short_name)
		col = fprintf(f, "  -%c, --%s", o->short_name, o->name);
	else
		col = fprintf(f, "      --%s", o->name);
	if (o->arg)
		col += fprintf(f, " %s", o->arg);
	sbuf_add(&sb, o->help);
	/* "help (a, b, c; default a)" */
	if (o->values || o->def)
		sbuf_add(&sb, " (");
	if (o->values) {
		const char *const *v = o->values();
		for (size_t i = 0; v[i]; i++)
			sbuf_addf(&sb, "%s%s", i ? ", " : "", v[i]);
	}
	if (o->def)
		sbuf_addf(&sb, "%sdefault %s", o->values ? "; " : "", o->def);
	if (o->values || o->def)
		sbuf_addch(&sb, ')');
	if (col + 2 > HELP_COL) {
		fprintf(f, "\n%*s", HELP_COL, "");
		col = HELP_COL;
	} else {
		fprintf(f, "%*s", HELP_COL - col, "");
		col = HELP_COL;
	}
	fprint_wrapped(f, sb.buf, col, HELP_COL, HELP_WIDTH);
	sbuf_free(&sb);
}

void cli_print_usage(const struct cmd *cmd, FILE *f)
{
	const struct cmd_help *h = cmd->help;
	const char *line = h->synopsis;
	bool first = true;

	while (*line) {
		const char *nl = strchrnul(line, '\n');
		fprintf(f, "%s tdxbench %.*s\n", first ? "usage:" : "   or:", (int)(nl - line), line);
		first = false;
		line = *nl ? nl + 1 : nl;
	}
	if (h->text)
		fprintf(f, "\n%s", h->text);
	if (h->opts && h->opts[0].name) {
		fputs("\noptions:\n", f);
		for (const struct cli_opt *o = h->opts; o->name; o++)
			print_opt(f, o);
	}
	fputs("\nglobal options:\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(global_opts); i++)
		if (global_listed(i, cmd->flags))
			print_opt(f, &global_opts[i].opt);
	if (h->footer)
		fprintf(f, "\n%s", h->footer);
}

void cli_print_commands(FILE *f)
{
	size_t n;
	const struct cmd *cmds = cli_commands(&n);

	fputs("usage: tdxbench [--db PATH] [--quiet] [--json] <command> [options]\n"
	      "       tdxbench --version | help [<command>]\n"
	      "\ncommands:\n", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-12s %s\n", cmds[i].name, cmds[i].summary);
	fputs("\nglobal options (before or after the command):\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(global_opts); i++)
		print_opt(f, &global_opts[i].opt);
	fputs("\n'tdxbench <command> --help' describes one command.\n", f);
}

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

/* getopt's long table and short string from one cli_opt; false when full. */
static void add_getopt(const struct cli_opt *o, struct option *all, size_t *n, size_t cap,
		       char *shorts, size_t *ns, size_t scap, const char *cmd)
{
	if (*n + 1 >= cap || *ns + 3 >= scap)
		BUG("too many options for %s", cmd);
	all[*n].name = o->name;
	all[*n].has_arg = o->arg ? required_argument : no_argument;
	all[*n].flag = NULL;
	all[*n].val = o->id;
	(*n)++;
	if (o->short_name) {
		shorts[(*ns)++] = o->short_name;
		if (o->arg)
			shorts[(*ns)++] = ':';
		shorts[*ns] = 0;
	}
}

static int short_to_id(const struct cli_opt *opts, int c)
{
	for (size_t i = 0; i < ARRAY_SIZE(global_opts); i++)
		if (global_opts[i].opt.short_name == c)
			return global_opts[i].opt.id;
	for (; opts && opts->name; opts++)
		if (opts->short_name == c)
			return opts->id;
	return c;
}

int cli_getopt(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cmd *cmd = ctx->cmd;
	const struct cli_opt *opts = cmd->help->opts;
	struct option all[64];
	char shorts[64] = ":";	/* leading ':' tells missing arguments apart */
	size_t n = 0, ns = 1;
	int c, idx;

	for (const struct cli_opt *o = opts; o && o->name; o++)
		add_getopt(o, all, &n, ARRAY_SIZE(all), shorts, &ns, sizeof(shorts), cmd->name);
	for (size_t i = 0; i < ARRAY_SIZE(global_opts); i++)
		add_getopt(&global_opts[i].opt, all, &n, ARRAY_SIZE(all), shorts, &ns,
			   sizeof(shorts), cmd->name);
	memset(&all[n], 0, sizeof(all[n]));

	for (;;) {
		const char *bad;
		opterr = 0;
		c = getopt_long(argc, argv, shorts, all, &idx);
		/* getopt permutes operands behind options: the element it just
		 * rejected is the one before optind, not where it started */
		bad = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
		if (c > 0 && c < 0x100 && c != ':' && c != '?')
			c = short_to_id(opts, c);
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
		case OPT_G_HELP:
			cli_print_usage(cmd, stdout);
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
	unsigned cf = ctx->cmd ? ctx->cmd->flags : 0;
	/* the command table says who touches the database: keep it true */
	if (!(cf & (CMD_READS_DB | CMD_WRITES_DB)) ||
	    (!(flags & STORE_READONLY) && !(cf & CMD_WRITES_DB)))
		BUG("%s opens the database against its CMD_* flags", ctx->cmd ? ctx->cmd->name : "?");
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
	fprint_wrapped(stdout, text, first_col, ind, width);
}

