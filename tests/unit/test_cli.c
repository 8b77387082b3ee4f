/*
 * Help is generated from the command and option tables: check that what
 * every `--help` and `help` names exists. Each --option a command's help
 * mentions is one of its own, a global one, or (listed below) another
 * command's; each 'tdxbench WORD' is a command; each value listed for an
 * option resolves in its registry; no two options of a command collide; and
 * every line fits 80 columns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "cli/cli.h"
#include "lib/util.h"
#include "workloads/workload.h"

static const char *const globals[] = { "db", "quiet", "json", "help", NULL };

/* Options a help text names on purpose that belong to another command. */
static const struct {
	const char *cmd, *opt, *owner;
} foreign[] = {
	{ "strategies", "set", "run" },
	{ "workloads", "set", "run" },
	{ "run", "workload", "run" },
	{ "export", "json", "list" },
	{ "db", "resume", "run" },
};

/* noinline: gcc 12 takes open_memstream's buffer for a dangling local otherwise */
__attribute__((noinline)) static char *usage_of(const struct cmd *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	cli_print_usage(c, f);
	fclose(f);
	return buf;
}

static bool has_opt(const struct cmd *c, const char *name)
{
	for (const struct cli_opt *o = c->help->opts; o && o->name; o++)
		if (!strcmp(o->name, name))
			return true;
	for (size_t i = 0; globals[i]; i++)
		if (!strcmp(globals[i], name))
			return true;
	return false;
}

/* Length of the option-name characters at s. */
static size_t name_len(const char *s)
{
	size_t n = 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '-')
		n++;
	return n;
}

static void check_options_named(const struct cmd *c, const char *text)
{
	size_t off = 0;
	const char *hit;

	while ((hit = strstr(text + off, "--")) != NULL) {
		size_t at = (size_t)(hit - text), n = name_len(text + at + 2);
		char *name;
		bool ok;

		off = at + 2 + n;
		if ((at > 0 && (isalnum((unsigned char)text[at - 1]) || text[at - 1] == '-')) || !n)
			continue;
		name = strndup(text + at + 2, n);
		ok = has_opt(c, name);
		for (size_t i = 0; !ok && i < ARRAY_SIZE(foreign); i++)
			if (!strcmp(foreign[i].cmd, c->name) && !strcmp(foreign[i].opt, name))
				ok = has_opt(cli_find_command(foreign[i].owner), name);
		if (!ok)
			fail_msg("'%s --help' names --%s, which '%s' does not take", c->name, name,
				 c->name);
		free(name);
	}
}

static void check_commands_named(const char *who, const char *text)
{
	const char *key = "tdxbench ";
	size_t off = 0;
	const char *hit;

	while ((hit = strstr(text + off, key)) != NULL) {
		size_t at = (size_t)(hit - text) + strlen(key), n = 0;
		char *word;

		while (islower((unsigned char)text[at + n]) || text[at + n] == '-')
			n++;
		off = at + n;
		/* "tdxbench [--db PATH]", "tdxbench <command>": not a command word */
		if (!n || text[at] == '-')
			continue;
		word = strndup(text + at, n);
		if (!cli_find_command(word))
			fail_msg("%s names 'tdxbench %s', which is not a command", who, word);
		free(word);
	}
}

static void check_width(const char *who, const char *text)
{
	for (const char *p = text; *p;) {
		const char *nl = strchrnul(p, '\n');
		if (nl - p > 80)
			fail_msg("%s: line wider than 80 columns: %.*s", who, (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

static void test_every_usage_names_what_exists(void **state)
{
	size_t n;
	const struct cmd *cmds = cli_commands(&n);
	for (size_t i = 0; i < n; i++) {
		char *u = usage_of(&cmds[i]);
		char head[64];
		snprintf(head, sizeof(head), "usage: tdxbench %s", cmds[i].name);
		assert_int_equal(strncmp(u, head, strlen(head)), 0);
		check_options_named(&cmds[i], u);
		check_commands_named(cmds[i].name, u);
		check_width(cmds[i].name, u);
		free(u);
	}
}

static void test_command_list(void **state)
{
	char *buf = NULL;
	size_t len = 0, n;
	FILE *f = open_memstream(&buf, &len);
	const struct cmd *cmds = cli_commands(&n);

	cli_print_commands(f);
	fclose(f);
	check_commands_named("help", buf);
	check_width("help", buf);
	/* every command, as "  name  summary" (what scripts grep for) */
	for (size_t i = 0; i < n; i++) {
		char line[64];
		snprintf(line, sizeof(line), "\n  %-12s ", cmds[i].name);
		if (!strstr(buf, line))
			fail_msg("help does not list '%s'", cmds[i].name);
	}
	free(buf);
}

/* The listed values of --backend, --workload and --strategy are real. */
static void test_values_resolve(void **state)
{
	const struct cmd *run = cli_find_command("run");
	assert_non_null(run);
	for (const struct cli_opt *o = run->help->opts; o->name; o++) {
		if (!o->values)
			continue;
		for (const char *const *v = o->values(); *v; v++) {
			if (!strcmp(o->name, "backend"))
				assert_non_null(backend_find(*v));
			else if (!strcmp(o->name, "workload"))
				assert_non_null(workload_find(*v));
		}
	}
	/* and every backend the registry has is listed */
	for (const struct backend_ops *const *be = backend_all(); *be; be++) {
		char *u = usage_of(run);
		assert_non_null(strstr(u, (*be)->name));
		free(u);
	}
}

/* Ids and short letters are unique within a command and against the globals. */
static void test_no_collisions(void **state)
{
	size_t n;
	const struct cmd *cmds = cli_commands(&n);
	for (size_t i = 0; i < n; i++) {
		const struct cli_opt *o = cmds[i].help->opts;
		for (size_t a = 0; o && o[a].name; a++) {
			assert_true(o[a].id >= 0x100);
			if (o[a].short_name == 'h' || o[a].short_name == 'q')
				fail_msg("%s: -%c is a global option", cmds[i].name, o[a].short_name);
			for (size_t b = a + 1; o[b].name; b++) {
				if (o[a].id == o[b].id || !strcmp(o[a].name, o[b].name) ||
				    (o[a].short_name && o[a].short_name == o[b].short_name))
					fail_msg("%s: --%s and --%s collide", cmds[i].name, o[a].name,
						 o[b].name);
			}
			for (size_t g = 0; globals[g]; g++)
				if (!strcmp(o[a].name, globals[g]))
					fail_msg("%s: --%s shadows a global option", cmds[i].name,
						 o[a].name);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_usage_names_what_exists),
		cmocka_unit_test(test_command_list),
		cmocka_unit_test(test_values_resolve),
		cmocka_unit_test(test_no_collisions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
