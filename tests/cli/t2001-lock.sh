#!/bin/bash
# assetgen.lock against the local cache: a large lock in any order loads,
# an oversized one is refused naming the cap, and pins lost from the lock
# (a deleted lock, then a gc that removed the unpinned blobs; or a gc that
# ran while a build restored old blobs) are restored by the next build.
. "$(dirname "$0")/lib.sh"

# mk DIR: three small assets with the built-in model
mk() {
	new_project "$1"
	cat >"$1/recipes/a.yaml" <<'YAML'
assets:
  - {name: banner, prompt: "Banner reading 'Sale'", seed: 1, size: 40x16}
  - {name: hero, prompt: mountains, seed: 2, size: 16x12, upscale: {factor: 2}}
  - {name: icon, prompt: rocket icon, seed: 3, size: 16x16}
YAML
}

# pins DIR: the lock's entries, one per line
pins() { grep -v "^#" "$1/assetgen.lock"; }

# age DIR: every blob of DIR's cache last used three days ago
age() { find "$1/cache/objects" -type f -exec touch -d "3 days ago" {} +; }

test_expect_success 'a lock of 200,000 lines in scrambled order loads (a hang detector, not a speed target)' '
	mk big && assetgen -C big build -q && head -3 big/assetgen.lock >hdr &&
	python3 - big/assetgen.lock <<-\PY &&
	import sys
	path = sys.argv[1]
	own = [l for l in open(path) if not l.startswith("#")]
	n = 200000
	with open(path, "a") as f:
	    for i in range(n):
	        j = (i * 7919) % n
	        f.write("gone-%d %032x %032x %s local %d\n" % (j, j, j, "ab" * 32, j))
	PY
	test "$(pins big | wc -l)" = 200003 &&
	timeout 120 assetgen -C big status >out && grep -q "up to date" out &&
	timeout 120 assetgen -C big build -q &&
	test "$(pins big | wc -l)" = 3 && pins big | cut -d" " -f1 | sort -c
'

test_expect_success 'a name pinned twice is an error naming both lines apart' '
	mk dup && assetgen -C dup build -q && pins dup | sed -n 2p >>dup/assetgen.lock &&
	must_fail 2 assetgen -C dup status 2>err &&
	grep -q "^assetgen.lock:7: .hero. is pinned twice" err
'

test_expect_success 'a lock over the size cap is refused, naming the cap' '
	mk huge && truncate -s 65M huge/assetgen.lock &&
	must_fail 2 assetgen -C huge build 2>err &&
	grep -q "assetgen.lock. is larger than 64 MiB, the most a lock may hold" err &&
	test "$(stat -c %s huge/assetgen.lock)" = 68157440 && ! test -e huge/dist
'

test_done
