#!/bin/bash
# The no-op shortcut (CACHE/build-state) is exactly the full path: after
# each kind of change, a project that may take the shortcut and a twin whose
# record was removed (so it must take the full path) print the same, exit
# the same and leave the same files.  And the shortcut is taken when
# nothing that matters changed.
. "$(dirname "$0")/lib.sh"

# mk DIR: a project of three small assets in two recipe files
mk() {
	new_project "$1"
	cat >"$1/recipes/a.yaml" <<'YAML'
assets:
  - {name: banner, prompt: "Banner reading 'Sale'", seed: 1, size: 40x16}
  - {name: hero, prompt: mountains, seed: 2, size: 16x12, upscale: {factor: 2}}
YAML
	cat >"$1/recipes/b.yaml" <<'YAML'
assets:
  - {name: icon, prompt: rocket icon, seed: 3, size: 16x16}
YAML
}

# prime DIR: built, then a full no-op that records its state, then proof
# that the next build takes the shortcut.  (A state is not recorded while
# the outputs' timestamps are in the current clock tick: try again.)
prime() {
	assetgen -C "$1" build -q || return 1
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		assetgen -C "$1" build -q -d noop 2>"$1.err" || return 1
		grep -q "build state saved" "$1.err" && break
		sleep 0.05
	done
	grep -q "build state saved" "$1.err" || { cat "$1.err"; return 1; }
	assetgen -C "$1" build -d noop >"$1.out" 2>"$1.err" &&
	grep -q "nothing changed since" "$1.err" &&
	grep -qx "assetgen: no work to do (3 assets up to date)" "$1.out"
}

# prime_n DIR N: a full no-op of N assets that records its state
prime_n() {
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		assetgen -C "$1" build -q -d noop 2>"$1.err" || return 1
		grep -q "build state saved" "$1.err" && return 0
		sleep 0.05
	done
	cat "$1.err"
	return 1
}

# state DIR: what a build leaves that a user sees: every file under dist/
# with its bytes, and the lock
state() {
	(cd "$1" && find dist -type f | LC_ALL=C sort | xargs cksum && cat assetgen.lock 2>/dev/null)
}

# twins NAME MUTATION [BUILD ARGS...]: make fast/ and full/ the same way,
# apply MUTATION (a shell snippet run in each project's directory) to
# both, drop full/'s record, build both (in the environment TWIN_ENV,
# VAR=VALUE words); they must agree in every way (the lines of their
# output in any order: parallel steps finish in any order).
# Sets PATH_TAKEN to "fast" or "full": what fast/ did.
twins() {
	mutation=$1
	shift
	rm -rf fast full fast.* full.*
	# the same base name: the gallery's title is the project directory's
	mk fast/p && mk full/p && prime fast/p && prime full/p || return 1
	(cd fast/p && eval "$mutation") && (cd full/p && eval "$mutation") || return 1
	rm -f full/p/cache/build-state
	rc_fast=0 rc_full=0
	(cd fast/p && env ${TWIN_ENV:-} assetgen build -d noop "$@" >../../fast.out 2>../../fast.err) || rc_fast=$?
	(cd full/p && env ${TWIN_ENV:-} assetgen build -d noop "$@" >../../full.out 2>../../full.err) || rc_full=$?
	test "$rc_fast" = "$rc_full" || { echo "exit $rc_fast vs $rc_full"; cat fast.err full.err; return 1; }
	for f in out err; do
		grep -v "^assetgen: noop: " "fast.$f" | sed -e "s|$TRASH/fast/|/|g" -e "s|[0-9][0-9.]*s\b|Ns|g" -e "s|^\\[[0-9]*/|[/|" | LC_ALL=C sort >"fast.$f.cmp"
		grep -v "^assetgen: noop: " "full.$f" | sed -e "s|$TRASH/full/|/|g" -e "s|[0-9][0-9.]*s\b|Ns|g" -e "s|^\\[[0-9]*/|[/|" | LC_ALL=C sort >"full.$f.cmp"
		diff "fast.$f.cmp" "full.$f.cmp" || return 1
	done
	state fast/p >fast.state && state full/p >full.state && diff fast.state full.state || return 1
	if grep -q "nothing changed since" fast.err; then PATH_TAKEN=fast; else PATH_TAKEN=full; fi
	cat fast.err
}

took() {
	test "$PATH_TAKEN" = "$1" || { echo "expected the $1 path, took $PATH_TAKEN"; return 1; }
}

test_expect_success 'nothing changed: the shortcut, and the same line' '
	twins ":" && took fast && grep -qx "assetgen: no work to do (3 assets up to date)" fast.out
'

test_expect_success 'options that do not change a no-op keep the shortcut' '
	for opts in "-j 3" "-k" "--explain" "--upload" "-v" "--budget 0"; do
		twins ":" $opts && took fast || return 1
	done
'

test_expect_success '--locked takes the full path: a no-op does not prove what the lock pins' '
	twins ":" --locked && took full &&
	grep -qx "assetgen: no work to do (3 assets up to date)" fast.out
'

test_expect_success '... so --locked fails on a lock it cannot satisfy, with a no-op recorded' '
	mk pv && assetgen -C pv build --intent preview -q && rm -f pv/assetgen.lock &&
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		assetgen -C pv build --intent preview -q -d noop 2>pv.err || return 1
		grep -q "build state saved" pv.err && break
		sleep 0.05
	done &&
	grep -q "build state saved" pv.err && test -e pv/cache/build-state &&
	must_fail 1 assetgen -C pv build --intent preview --locked >out 2>err &&
	grep -q "FAILED banner: not pinned in assetgen.lock" err &&
	grep -q -- "--locked: 3 assets cannot be reproduced" err
'

test_expect_success '-q prints nothing either way' '
	twins ":" -q && took fast && ! test -s fast.out
'

test_expect_success 'a recipe touched but unchanged keeps the shortcut' '
	twins "touch -d \"2001-01-01\" recipes/a.yaml" && took fast
'

test_expect_success 'a file that is not a recipe, added to recipes/, keeps the shortcut' '
	twins "echo notes >recipes/README" && took fast
'

test_expect_success 'a deleted cache blob keeps the shortcut (the full path reads none either)' '
	twins "rm -f \"\$(find cache/objects -type f | head -1)\"" && took fast &&
	grep -qx "assetgen: no work to do (3 assets up to date)" full.out
'

test_expect_success 'a changed recipe byte takes the full path (and rebuilds)' '
	twins "sed -i s/seed:\ 3/seed:\ 4/ recipes/b.yaml" && took full && grep -q "generate icon" fast.out
'

test_expect_success 'a comment added to a recipe takes the full path (a no-op there)' '
	twins "echo \"# note\" >>recipes/a.yaml" && took full && grep -q "no work to do" fast.out
'

test_expect_success 'a changed config takes the full path' '
	twins "printf \"  spare: {provider: builtin}\n\" >x && sed -i \"/^models:/r x\" assetgen.yaml && rm x" &&
	took full && grep -q "input changed: .*assetgen.yaml" fast.err
'

test_expect_success 'a new recipe file takes the full path' '
	twins "printf \"assets:\n  - {name: extra, prompt: x, seed: 5, size: 8x8}\n\" >recipes/c.yml" &&
	took full && grep -q "generate extra" fast.out
'

test_expect_success 'a removed recipe file takes the full path' '
	twins "rm recipes/b.yaml" && took full && ! grep -q "^icon " fast.state
'

test_expect_success 'a deleted output takes the full path (restored)' '
	twins "rm dist/icon.png" && took full && grep -q "restore icon" fast.out
'

test_expect_success 'a touched output takes the full path (restored)' '
	twins "touch dist/icon.png" && took full && grep -q "restore icon" fast.out
'

test_expect_success 'an output replaced by a copy of itself takes the full path' '
	twins "cp dist/icon.png x && mv x dist/icon.png" && took full && grep -q "restore icon" fast.out
'

test_expect_success 'an output changed in place, same size and mtime, takes the full path' '
	twins "t=\$(stat -c %y dist/icon.png) && printf X | dd of=dist/icon.png bs=1 seek=60 conv=notrunc 2>/dev/null && touch -d \"\$t\" dist/icon.png" &&
	took full
'

test_expect_success 'a deleted thumbnail takes the full path (made again)' '
	twins "rm dist/_thumbs/icon.png" && took full && test -f fast/p/dist/_thumbs/icon.png
'

# thumbnails are checked by their directories, not one by one: the one
# difference between the two paths, chosen (it halves a no-op's stats)
test_expect_success 'a thumbnail overwritten in place is left to the next build with work' '
	rm -rf th && mk th/p && prime th/p &&
	cp th/p/dist/_thumbs/icon.png icon.orig &&
	cat th/p/dist/_thumbs/banner.png >th/p/dist/_thumbs/icon.png &&
	assetgen -C th/p build -d noop >out 2>err && grep -q "nothing changed since" err &&
	cmp th/p/dist/_thumbs/icon.png th/p/dist/_thumbs/banner.png &&
	rm th/p/cache/build-state && assetgen -C th/p build >out 2>err &&
	cmp th/p/dist/_thumbs/icon.png icon.orig
'

test_expect_success 'an edited manifest takes the full path (rewritten)' '
	twins "echo >>dist/manifest.json" && took full
'

test_expect_success 'a stray file in dist/ takes the full path' '
	twins "echo hi >dist/notes.txt" && took full && grep -q "no work to do" fast.out
'

test_expect_success 'a temp file left by a killed build in dist/ takes the full path (swept)' '
	sh -c "echo \$\$ >dead.pid" && dead=$(cat dead.pid) &&
	twins "echo x >dist/.icon.png.tmp.$dead.1" && took full && ! test -e "fast/p/dist/.icon.png.tmp.$dead.1"
'

test_expect_success 'a deleted lock takes the full path (written again)' '
	twins "rm assetgen.lock" && took full && test -s fast/p/assetgen.lock
'

test_expect_success 'an edited lock takes the full path' '
	twins "sed -i /^icon/d assetgen.lock" && took full && grep -q "^icon " fast/p/assetgen.lock
'

test_expect_success 'a deleted index takes the full path' '
	twins "rm -f cache/index.sqlite*" && took full
'

test_expect_success 'a deleted objects directory takes the full path' '
	twins "rm -rf cache/objects" && took full && test -d fast/p/cache/objects
'

test_expect_success 'a damaged or truncated state takes the full path' '
	twins "printf X | dd of=cache/build-state bs=1 seek=100 conv=notrunc 2>/dev/null" && took full &&
	grep -q "build state damaged" fast.err &&
	twins "truncate -s 50 cache/build-state" && took full
'

test_expect_success 'a preview build is not the final build: full path' '
	twins ":" --intent preview && took full && test -f fast/p/dist/preview/icon.png
'

test_expect_success 'a remote cache in the environment takes the full path' '
	mkdir -p remote &&
	TWIN_ENV="ASSETGEN_REMOTE_CACHE=file://$TRASH/remote" twins ":" && took full &&
	grep -q "a remote cache is set" fast.err && grep -q "remote cache" fast.out
'

test_expect_success 'asset names, -n and --report take the full path' '
	twins ":" icon && took full &&
	twins ":" -n && took full &&
	twins ":" --report r.json && took full && test -s fast/p/r.json
'

test_expect_success 'another assetgen binary takes the full path' '
	cp "$ASSETGEN" "$TRASH/.bin/assetgen-copy" &&
	rm -rf p && mk p && prime p &&
	"$TRASH/.bin/assetgen-copy" -C p build -d noop >out 2>err &&
	grep -q "the assetgen binary changed" err && grep -q "no work to do" out
'

test_expect_success 'from a subdirectory, the same project: the shortcut' '
	rm -rf p && mk p && prime p &&
	(cd p/recipes && assetgen build -d noop >../../out 2>../../err) &&
	grep -q "nothing changed since" err && grep -qx "assetgen: no work to do (3 assets up to date)" out
'

test_expect_success 'a moved project takes the full path' '
	rm -rf p q && mk p && prime p && mv p q &&
	assetgen -C q build -d noop >out 2>err && ! grep -q "nothing changed since" err
'

test_expect_success 'a changed LD_LIBRARY_PATH takes the full path (libraries are loaded on demand)' '
	TWIN_ENV="LD_LIBRARY_PATH=$TRASH/nowhere" twins ":" && took full &&
	grep -q "input changed: LD_LIBRARY_PATH" fast.err
'

test_expect_success 'a project with expect_text records the Tesseract library its keys name' '
	rm -rf t && new_project t &&
	printf "assets:\n  - {name: sale, prompt: \"Banner reading '"'"'Sale'"'"'\", seed: 42, size: 256x128, expect_text: Sale}\n" \
		>t/recipes/a.yaml &&
	assetgen -C t build -q && prime_n t 1 &&
	grep -aq "libtesseract" t/cache/build-state &&
	assetgen -C t build -d noop >out 2>err && grep -q "nothing changed since" err &&
	grep -qx "assetgen: no work to do (1 assets up to date)" out
'

test_expect_success 'a build that may write removes the state first; a no-op is not in the build history' '
	rm -rf p && mk p && prime p &&
	before=$(assetgen -C p cache stats | sed -n "s/^builds: *//p") &&
	assetgen -C p build -q && assetgen -C p build -q &&
	test "$(assetgen -C p cache stats | sed -n "s/^builds: *//p")" = "$before" &&
	sed -i s/seed:\ 3/seed:\ 9/ p/recipes/b.yaml &&
	assetgen -C p build -q && ! test -e p/cache/build-state &&
	test "$(assetgen -C p cache stats | sed -n "s/^builds: *//p")" = "$((before + 1))"
'

test_done
