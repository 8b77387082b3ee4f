#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/util.h"
#include "host/host.h"
#include "store/store.h"

#include <json-c/json.h>
#include <stdio.h>

enum { OPT_LABEL = 0x100, OPT_TREE, OPT_STORE };

static const struct cli_opt host_opts[] = {
	{ .name = "label", .id = OPT_LABEL, .arg = "TEXT",
	  .help = "a name for this host/kernel (e.g. 'dpamt-v4')" },
	{ .name = "kernel-tree", .id = OPT_TREE, .arg = "DIR",
	  .help = "record 'git describe' of the kernel source tree" },
	{ .name = "store", .id = OPT_STORE,
	  .help = "also record the fingerprint in the database (once per distinct host, kernel "
		  "and label)" },
	{ .name = NULL },
};

const struct cmd_help cmd_host_help = {
	.synopsis = "host [--label TEXT] [--kernel-tree DIR] [--store]",
	.text = "Describe this machine as runs record it: CPU (libcpuid, microcode), NUMA\n"
		"layout (hwloc), kernel (release, command line, THP, kvm module parameters),\n"
		"/dev/kvm capabilities (API version, VM types, guest_memfd, memory\n"
		"attributes) and TDX status (tdx_host_platform flag, TDX VM type, kernel\n"
		"log 'virt/tdx:' lines), each present, absent or unreadable with why.\n"
		"With --json, the fingerprint as JSON (what the store keeps).\n",
	.opts = host_opts,
};

int cmd_host(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = ctx->cmd;
	struct host_opts ho = { 0 };
	struct json_object *fp;
	struct store *st = NULL;
	bool store = false;
	char hash[65];
	int c;

	while ((c = cli_getopt(ctx, argc, argv)) != -1) {
		switch (c) {
		case OPT_LABEL:
			ho.label = optarg;
			break;
		case OPT_TREE:
			ho.kernel_tree = optarg;
			break;
		case OPT_STORE:
			store = true;
			break;
		}
	}
	if (optind < argc)
		return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);

	/* open the store first: a bad database fails before any output */
	if (store && cli_open_store(ctx, STORE_CREATE, &st))
		return EXIT_FAIL;
	fp = host_fingerprint(&ho);
	if (host_fingerprint_error(fp)) {
		error("%s", host_fingerprint_error(fp));
		json_object_put(fp);
		store_close(st);
		return EXIT_FAIL;
	}
	if (ctx->json) {
		puts(json_object_to_json_string_ext(fp, JSON_C_TO_STRING_PRETTY |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		host_print(stdout, fp);
		printf("%-12s%.16s\n", "identity", host_identity(fp, hash));
	}
	json_object_put(fp);

	if (store) {
		int64_t id;
		if (host_store(st, &ho, &id)) {
			store_close(st);
			return EXIT_FAIL;
		}
		if (!ctx->quiet)
			fprintf(stderr, "stored as host %lld in '%s'\n", (long long)id, store_path(st));
		store_close(st);
	}
	return EXIT_OK;
}
