#include "cli/cli.h"
#include "cli/commands.h"
#include "lib/textsafe.h"
#include "lib/textsafe.h"
#include "lib/util.h"
#include "backend/backend.h"
#include "host/host.h"
#include "store/store.h"

#include <json-c/json.h>
#include <stdio.h>

enum { OPT_LABEL = 0x100, OPT_TREE, OPT_STORE, OPT_NO_PROBE };

static const struct cli_opt host_opts[] = {
	{ .name = "label", .id = OPT_LABEL, .arg = "TEXT",
	  .help = "a name for this host/kernel (e.g. 'dpamt-v4')" },
	{ .name = "kernel-tree", .id = OPT_TREE, .arg = "DIR",
	  .help = "record 'git describe' of the kernel source tree" },
	{ .name = "store", .id = OPT_STORE,
	  .help = "also record the fingerprint in the database (once per distinct host, kernel "
		  "and label)" },
	{ .name = "no-probe", .id = OPT_NO_PROBE,
	  .help = "skip the probes (no VM is started)" },
	{ .name = NULL },
};

const struct cmd_help cmd_host_help = {
	.synopsis = "host [--label TEXT] [--kernel-tree DIR] [--store] [--no-probe]",
	.text = "Describe this machine as runs record it: CPU (libcpuid, microcode), NUMA\n"
		"layout (hwloc), kernel (release, command line, THP, kvm module parameters),\n"
		"/dev/kvm capabilities (API version, VM types, guest_memfd, memory\n"
		"attributes) and TDX status (tdx_host_platform flag, TDX VM type, kernel\n"
		"log 'virt/tdx:' lines), each present, absent or unreadable with why.\n"
		"Then probes what only running a VM shows: whether KVM emulates the\n"
		"guest's instructions (a 4M VM rewrites its pages with kvm_emulate_insn\n"
		"counted; needs root for tracefs), reported, never stored.\n"
		"With --json, the fingerprint as JSON (what the store keeps) and the\n"
		"probes under 'probes'.\n",
	.opts = host_opts,
};

/* Backends that can measure something about this host (kvm: emulated guest code). */
static void add_probes(struct json_object *fp)
{
	struct json_object *probes = json_object_new_object();
	for (const struct backend_ops *const *b = backend_all(); *b; b++)
		if ((*b)->host_probe)
			(*b)->host_probe(probes);
	json_object_object_add(fp, "probes", probes);
}

static void print_probes(struct json_object *fp)
{
	struct json_object *probes, *o, *v;
	if (!json_object_object_get_ex(fp, "probes", &probes))
		return;
	if (json_object_object_get_ex(probes, "kvm_guest_code", &o)) {
		printf("%-12s", "guest code");
		if (json_object_object_get_ex(o, "summary", &v) || json_object_object_get_ex(o, "why", &v))
			print_wrapped(json_object_get_string(v), 12, 12, 80);
		else
			printf("?\n");
	}
}

int cmd_host(int argc, char **argv, struct cli_ctx *ctx)
{
	const struct cmd *self = ctx->cmd;
	struct host_opts ho = { 0 };
	struct json_object *fp;
	struct store *st = NULL;
	bool store = false, probe = true;
	char hash[65];
	int c;

	while ((c = cli_getopt(ctx, argc, argv)) != -1) {
		switch (c) {
		case OPT_LABEL:
			if (has_control_or_bad_utf8(optarg))
				return cli_usage_error(self, "--label: control characters or invalid "
						       "UTF-8 (plain text only)");
			ho.label = optarg;
			break;
		case OPT_TREE:
			ho.kernel_tree = optarg;
			break;
		case OPT_STORE:
			store = true;
			break;
		case OPT_NO_PROBE:
			probe = false;
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
	/* the identity and the store cover the fingerprint, not these measurements */
	host_identity(fp, hash);
	if (probe)
		add_probes(fp);
	if (ctx->json) {
		json_print(stdout, fp, JSON_C_TO_STRING_PRETTY |
						    JSON_C_TO_STRING_NOSLASHESCAPE);
	} else {
		host_print(stdout, fp);
		print_probes(fp);
		printf("%-12s%.16s\n", "identity", hash);
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
