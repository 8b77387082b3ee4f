# A small populated database, written the way docs/schema.md says anyone may:
# tdxbench creates the file (and a host row), the sqlite3 shell adds the rest.
# make_fixture_db PATH
make_fixture_db() {
	local db="$1"
	"$TDXBENCH" --db "$db" --quiet host --store --label fixture-host >/dev/null || return 1
	sqlite3 -bail "$db" <<'SQL' || return 1
PRAGMA foreign_keys = ON;
INSERT INTO sessions(id, host_id, started, finished, status, cmdline, jobfile, jobfile_hash, tool_version)
  VALUES (1, 1, '2025-01-02T03:04:05Z', '2025-01-02T03:10:00Z', 'done',
          'tdxbench run bench/default.ini', 'bench/default.ini', NULL, 'fixture');
INSERT INTO runs(id, session_id, host_id, created, finished, backend, strategy, workload, label, job,
                 seed, reps, warmup, reps_done, reps_failed, status, reason, params, reproduce,
                 tool_version, is_model)
  VALUES
  (1, 1, 1, '2025-01-02T03:04:06Z', '2025-01-02T03:05:00Z', 'sim', 'sean-v5', 'boot', NULL, 'boot-sean',
   '18364758544493064720', 3, 1, 3, 0, 'done', NULL, 'mem=64G,vcpus=16',
   'tdxbench run --backend sim --strategy sean-v5 --workload boot mem=64G vcpus=16 --seed 18364758544493064720',
   'fixture', 1),
  (2, 1, 1, '2025-01-02T03:05:01Z', '2025-01-02T03:06:00Z', 'sim', 'dpamt-v4', 'boot', 'try "2", commas', NULL,
   '7', 3, 1, 2, 1, 'done', NULL, 'mem=64G,vcpus=4',
   'tdxbench run --backend sim --strategy dpamt-v4 --workload boot mem=64G vcpus=4 --seed 7', 'fixture', 1),
  (3, 1, 1, '2025-01-02T03:06:01Z', '2025-01-02T03:06:30Z', 'kvm', NULL, 'random4k', NULL, NULL,
   '9', 2, 0, 0, 0, 'failed', 'no usable /dev/kvm', 'mem=1G', NULL, 'fixture', 0);
INSERT INTO run_params(run_id, key, value) VALUES
  (1, 'mem', '64G'), (1, 'vcpus', '16'), (2, 'mem', '64G'), (2, 'vcpus', '4'), (3, 'mem', '1G');
INSERT INTO reps(id, run_id, rep, seed, status, reason, wall_ns, finished) VALUES
  (1, 1, 0, '1', 'ok', NULL, 1000, '2025-01-02T03:04:10Z'),
  (2, 1, 1, '2', 'ok', NULL, 1000, '2025-01-02T03:04:20Z'),
  (3, 1, 2, '3', 'ok', NULL, 1000, '2025-01-02T03:04:30Z'),
  (4, 2, 0, '4', 'ok', NULL, 1000, '2025-01-02T03:05:10Z'),
  (5, 2, 1, '5', 'failed', 'model assertion', 10, '2025-01-02T03:05:20Z'),
  (6, 2, 2, '6', 'ok', NULL, 1000, '2025-01-02T03:05:30Z');
INSERT INTO metrics(rep_id, name, value, unit) VALUES
  (1, 'pamt_add', 100, 'count'), (2, 'pamt_add', 120, 'count'), (3, 'pamt_add', 110, 'count'),
  (1, 'dpamt_bytes_peak', 4096, 'bytes'), (2, 'dpamt_bytes_peak', 8192, 'bytes'),
  (3, 'dpamt_bytes_peak', 12288, 'bytes'),
  (4, 'pamt_add', 50, 'count'), (6, 'pamt_add', 70, 'count');
INSERT INTO samples(rep_id, series, unit, t_ns, value) VALUES
  (1, 'dpamt_bytes', 'bytes', 0, 0), (1, 'dpamt_bytes', 'bytes', 1000, 4096);
INSERT INTO histograms(rep_id, name, unit, lo, hi, count) VALUES
  (1, 'fault_ns', 'ns', 0, 100, 7), (1, 'fault_ns', 'ns', 100, 200, 3);
INSERT INTO notes(rep_id, key, value) VALUES
  (1, 'conversion_method', 'zap+refault'), (2, 'conversion_method', 'zap+refault'),
  (3, 'conversion_method', 'zap+refault');
SQL
}
