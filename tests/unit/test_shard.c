/* Unit tests: `run --shard K/N` — parsing, disjoint and complete pieces, whole
 * comparison groups, determinism, the cost estimate and the balance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/jobfile.h"
#include "core/plan.h"
#include "core/shard.h"
#include "lib/util.h"

static char tmpdir[64];

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tdxb-shard.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc = system(cmd);
	free(cmd);
	return rc;
}

/* A plan of the real sim backend and workloads from an INI text. */
static void load(const char *text, struct plan *pl)
{
	char *path = xasprintf("%s/p.ini", tmpdir);
	struct plan_overrides ov = PLAN_OVERRIDES_INIT;
	struct jobfile jf;
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(jobfile_load(&jf, path), 0);
	assert_int_equal(plan_build(pl, &jf, 1, &ov), 0);
	jobfile_free(&jf);
	free(path);
}

static const char suite[] =
	"[global]\nbackend=sim\nreps=3\nmem=64M\nvcpus=2\n"
	"strategy=dpamt-v6,sean-v5,static\n"
	"[boot]\nworkload=boot\n"
	"[random4k]\nworkload=random4k\nmem=32M,64M,128M\n"
	"[teardown]\nworkload=teardown\n"
	"[sweep]\nworkload=boot\nstrategy=dpamt-v6,sean-v5\nspt_cache_capacity=8..64:8\n";

static void test_parse(void **state)
{
	static const char *const bad[] = { "", "3", "0/3", "4/3", "a/3", "1/0", "1/", "/2",
					   "1/10001", "-1/3", "1/3/5", "1.5/3" };
	struct shard sh;
	char err[160];

	assert_int_equal(shard_parse("1/1", &sh, err, sizeof(err)), 0);
	assert_int_equal(sh.k, 1);
	assert_int_equal(sh.n, 1);
	assert_int_equal(shard_parse("3/4", &sh, err, sizeof(err)), 0);
	assert_int_equal(sh.k, 3);
	assert_int_equal(sh.n, 4);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(shard_parse(bad[i], &sh, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "want K/N"));
	}
}

static char **describe_all(const struct plan *pl)
{
	char **d = xcalloc(pl->n + 1, sizeof(*d));
	for (size_t i = 0; i < pl->n; i++)
		d[i] = plan_item_describe(&pl->items[i]);
	return d;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The item's comparison: its description without " strategy=..." */
static char *group_of(const char *desc)
{
	char *g = xstrdup(desc), *s = strstr(g, " strategy="), *e;
	if (s) {
		e = strchr(s + 1, ' ');
		memmove(s, e, strlen(e) + 1);
	}
	return g;
}

static void test_pieces(void **state)
{
	struct plan whole;
	char **all;

	load(suite, &whole);
	all = describe_all(&whole);
	for (unsigned n = 1; n <= 6; n++) {
		int *piece = xcalloc(whole.n, sizeof(*piece));
		for (unsigned k = 1; k <= n; k++) {
			struct plan pl, again;
			struct shard sh = { k, n };
			struct shard_info si, si2;
			size_t last = 0;
			load(suite, &pl);
			load(suite, &again);
			plan_shard(&pl, &sh, &si);
			plan_shard(&again, &sh, &si2);
			assert_int_equal(si.items, pl.n);
			assert_int_equal(si.items_total, whole.n);
			/* deterministic: the same plan gives the same piece */
			assert_int_equal(pl.n, again.n);
			for (size_t i = 0; i < pl.n; i++) {
				char *a = plan_item_describe(&pl.items[i]);
				char *b = plan_item_describe(&again.items[i]);
				size_t w;
				assert_string_equal(a, b);
				/* each item of the whole plan is in exactly one piece, in plan order */
				for (w = 0; w < whole.n && strcmp(all[w], a); w++)
					;
				assert_true(w < whole.n);
				assert_int_equal(piece[w], 0);
				piece[w] = (int)k;
				if (i)
					assert_true(w > last);
				last = w;
				free(a);
				free(b);
			}
			plan_free(&pl);
			plan_free(&again);
		}
		for (size_t w = 0; w < whole.n; w++) {
			char *g = group_of(all[w]);
			assert_int_not_equal(piece[w], 0);
			/* a comparison group never spans two pieces */
			for (size_t v = 0; v < whole.n; v++) {
				char *h = group_of(all[v]);
				if (!strcmp(g, h))
					assert_int_equal(piece[v], piece[w]);
				free(h);
			}
			free(g);
		}
		free(piece);
	}
	free_strings(all, whole.n);
	plan_free(&whole);
}

static void test_cost_and_balance(void **state)
{
	struct plan pl;
	uint64_t boot, rnd, boot2x, hi = 0, lo = UINT64_MAX, biggest = 0;
	unsigned n = 3;

	load("[global]\nbackend=sim\nreps=2\nvcpus=2\n"
	     "[a]\nworkload=boot\nmem=64M\n[b]\nworkload=random4k\nmem=64M\n"
	     "[c]\nworkload=boot\nmem=128M\n[d]\nworkload=boot\nmem=64M\nreps=4\n"
	     "[e]\nworkload=boot\nmem=64M\nhost_layout=sparse\n"
	     "[f]\nworkload=boot\nmem=64M\nhost_layout=fragmented\n", &pl);
	assert_int_equal(pl.n, 6);
	boot = shard_item_cost(&pl.items[0]);
	rnd = shard_item_cost(&pl.items[1]);
	boot2x = shard_item_cost(&pl.items[2]);
	/* 64M of 4K faults: 16384 units a repetition, 1 more for the instance */
	assert_int_equal(boot, 2 * (1 + 16384));
	assert_int_equal(rnd, 2 * (1 + 3 * 16384));
	assert_int_equal(boot2x, 2 * (1 + 2 * 16384));
	assert_int_equal(shard_item_cost(&pl.items[3]), 2 * boot);
	/* the model's sparse and fragmented hosts cost more per page */
	assert_int_equal(shard_item_cost(&pl.items[4]), 2 * (1 + 12 * 16384));
	assert_int_equal(shard_item_cost(&pl.items[5]), 2 * (1 + 2 * 16384));
	plan_free(&pl);

	/* many groups: the pieces differ by at most the largest group (LPT) */
	load(suite, &pl);
	for (size_t i = 0; i < pl.n; i++)
		biggest = MAX(biggest, 3 * shard_item_cost(&pl.items[i]));	/* 3 strategies */
	plan_free(&pl);
	for (unsigned k = 1; k <= n; k++) {
		struct shard sh = { k, n };
		struct shard_info si;
		load(suite, &pl);
		plan_shard(&pl, &sh, &si);
		hi = MAX(hi, si.cost);
		lo = MIN(lo, si.cost);
		assert_true(si.groups > 0);
		plan_free(&pl);
	}
	assert_true(hi - lo <= biggest);
}

static void test_empty_piece(void **state)
{
	struct plan pl;
	struct shard sh = { 3, 3 };
	struct shard_info si;

	/* one comparison group (two strategies): pieces 2 and 3 are empty */
	load("[global]\nbackend=sim\nmem=16M\nvcpus=1\n[a]\nworkload=boot\n"
	     "strategy=dpamt-v6,sean-v5\n", &pl);
	plan_shard(&pl, &sh, &si);
	assert_int_equal(pl.n, 0);
	assert_int_equal(si.groups_total, 1);
	assert_int_equal(si.items_total, 2);
	plan_free(&pl);
	sh.k = 1;
	load("[global]\nbackend=sim\nmem=16M\nvcpus=1\n[a]\nworkload=boot\n"
	     "strategy=dpamt-v6,sean-v5\n", &pl);
	plan_shard(&pl, &sh, &si);
	assert_int_equal(pl.n, 2);
	assert_int_equal(si.cost, si.cost_total);
	plan_free(&pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_cost_and_balance),
		cmocka_unit_test(test_empty_piece),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
