#!/bin/bash
# Another process holding the cache index's write lock: the build waits
# for it once, naming it, and succeeds when it lets go; when it never does,
# the build fails (exit 1) naming it, instead of waiting at each record
# and ending as if nothing had happened.  The time reported is the time
# the build took.  (The timeouts are hang detectors, not speed targets.)
. "$(dirname "$0")/lib.sh"

mk() {
	new_project "$1"
	cat >"$1/recipes/a.yaml" <<'YAML'
assets:
  - {name: banner, prompt: "Banner reading 'Sale'", seed: 1, size: 40x16}
  - {name: hero, prompt: mountains, seed: 2, size: 16x12, upscale: {factor: 2}}
  - {name: icon, prompt: rocket icon, seed: 3, size: 16x16}
YAML
}

# hold DIR SECONDS: a process that takes DIR's index write lock and keeps
# it for SECONDS; sets HOLDER (its pid) once it holds the lock
hold() {
	rm -f "$TRASH/held"
	python3 - "$1/cache/index.sqlite" "$2" "$TRASH/held" >"$TRASH/hold.log" 2>&1 <<-\PY &
	import sqlite3, sys, time
	db = sqlite3.connect(sys.argv[1], isolation_level=None)
	db.execute("BEGIN IMMEDIATE")
	open(sys.argv[3], "w").close()
	time.sleep(float(sys.argv[2]))
	db.execute("COMMIT")
	PY
	HOLDER=$!
	echo "$HOLDER" >>"$TRASH/holders"
	for _ in $(seq 400); do test -e "$TRASH/held" && return 0; sleep 0.05; done
	return 1
}
trap 'kill $(cat "$TRASH/holders" 2>/dev/null) 2>/dev/null; cd /; rm -rf "$TRASH"' EXIT

test_expect_success 'a writer that lets go: the build waits once, names it, and succeeds' '
	mk p && assetgen -C p build -q && rm -rf p/dist &&
	hold p 3 &&
	timeout 60 assetgen -C p build >out 2>err &&
	grep -q "cache index .* is locked by process $HOLDER ([^)]*python3 [^)]*); waiting up to 30 s" err &&
	test "$(grep -c "locked" err)" = 1 &&
	grep -q "3 restored from cache" out && test -s p/dist/hero.png &&
	secs=$(sed -n "s/.*(\([0-9.]*\)s)$/\1/p" out) && test -n "$secs" &&
	python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 1.5 else 1)" "$secs" &&
	wait $HOLDER
'

test_expect_success 'a writer that never lets go: exit 1 naming it, nothing built' '
	rm -rf p/dist && hold p 50 &&
	must_fail 1 timeout 60 assetgen -C p build >out 2>err &&
	grep -q "is still locked by process $HOLDER ([^)]*python3 [^)]*) after 30 s" err &&
	! test -e p/dist/hero.png &&
	kill $HOLDER
'

test_done
