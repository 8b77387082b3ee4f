#!/usr/bin/env bash
# docs/schema.md documents every table and column the store creates.
. "$(dirname "$0")/lib.sh"

db="$TMP/s.db"
run_tdx --db "$db" --quiet host --store
expect_rc "create a database" 0
check "every table and column is in docs/schema.md" python3 - "$db" "$TOP/docs/schema.md" <<'PY'
import re, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
doc = open(sys.argv[2]).read()
sections = {m.group(1): m.end() for m in re.finditer(r"^## (\w+)$", doc, re.M)}
missing = []
for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
    if table not in sections:
        missing.append(table)
        continue
    body = doc[sections[table]:].split("\n## ", 1)[0]
    documented = set()
    for row in re.findall(r"^\| *([a-z_, ]+?) *\|", body, re.M):
        documented.update(c.strip() for c in row.split(","))
    for col in db.execute(f"PRAGMA table_info({table})"):
        if col[1] not in documented:
            missing.append(f"{table}.{col[1]}")
if missing:
    print("# undocumented:", " ".join(missing))
    sys.exit(1)
PY
check "the documented schema version is the one written" \
	grep -q "schema version \*\*$(sqlite3 "$db" 'PRAGMA user_version')\*\*" "$TOP/docs/schema.md"

done_testing
