#!/bin/bash
# Kill anywhere: SIGKILL a build at random moments, over and over, and check
# that nothing visible is ever half-written, the index always opens, and
# the build that finally completes is exactly the reference build without
# paying twice for work a killed build had finished.
#
# Epochs: each epoch starts from a fresh copy of the project (no dist/, no
# cache/) and is built by successive `build -j 2` runs, each SIGKILLed after
# a random delay (spread over the duration of a full build), until a run
# completes before its kill; the epoch's checks then run and the next epoch
# starts fresh.  At the end the epoch in progress is built to completion.
#
# Hidden temp files: a SIGKILLed writer cannot clean up, so it may leave
# its hidden temp file (".NAME.png.tmp.PID.N", a dotfile: invisible to ls
# and to dist/*.png globs).  What we assert about them: after a kill, every
# dotfile in dist/ is such a temp file of a build we killed; after a build
# that ran to completion, no temp file is left in dist/ or cache/ at all
# (the next build's cleanup removes the stale ones).
#
# Paying twice: each run's output is line-buffered (stdbuf -oL), so a
# killed run's log holds every "[i/n] generate NAME" line it printed.  The
# assertion: within an epoch, no asset has two such lines, whatever the
# runs (killed or not).  It cannot be flaky: the line is printed only after
# the blob was renamed into the cache, its key recorded in the index (a
# committed sqlite transaction: a SIGKILL cannot undo it, only a power loss
# could) and the output placed and recorded; every later run then finds
# the output fresh or restores it.  Lines are only ever missing (a run
# killed between recording and printing), which weakens the check but
# cannot make it fail.  (No two assets share a key; the built-in model is
# deterministic.)
#
# Reproducibility: the random delays come from $RANDOM seeded with
# KILL_SEED (default below), printed as "# seed N".  The timing of the
# machine still varies, so a failure names the epoch, run and delay.
. "$(dirname "$0")/lib.sh"
# stdbuf preloads a library; an ASan build (make check SANITIZE=1) must be
# told that its runtime not coming first is expected here
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

SEED=${KILL_SEED:-31004}
RUNS=${KILL_RUNS:-50}           # at least this many runs,
KILLS=${KILL_COUNT:-30}         # and at least this many of them killed
echo "# seed $SEED, $RUNS runs, $KILLS kills at least (KILL_SEED=$SEED KILL_RUNS=$RUNS KILL_COUNT=$KILLS to reproduce)"
RANDOM=$SEED

NASSETS=30

# without stdbuf, a killed run's last lines are lost: the check on paying
# twice gets weaker, never wrong
if command -v stdbuf >/dev/null; then
	LINEBUF="stdbuf -oL"
else
	LINEBUF=
	echo "# no stdbuf: killed runs' output is block-buffered"
fi

project() {
	new_project "$1"
	{
		echo "assets:"
		for i in $(seq 1 $NASSETS); do
			case $((i % 5)) in
			0) sz=128x128 ;; 1) sz=160x80 ;; 2) sz=48x192 ;; 3) sz=144x144 ;; 4) sz=96x72 ;;
			esac
			case $((i % 3)) in
			0) up="upscale: {factor: 2, with: lanczos3}" ;;
			1) up="upscale: {factor: 3, with: nearest}" ;;
			2) up="upscale: none" ;;
			esac
			echo "  - {name: k$i, prompt: \"kill test $i, 'Sale $i'\", seed: $i, size: $sz, $up}"
		done
	} >"$1/recipes/a.yaml"
}

# generated LOG: "NAME" for each "[i/n] generate NAME (model)" line
generated() { sed -n 's/^\[[0-9]*\/[0-9]*\] generate \([a-z0-9._-]*\) (.*$/\1/p' "$1"; }

# check_dist DIR KILLED: every dotfile in DIR/dist (and DIR/dist/_thumbs)
# is the hidden temp file of one of the KILLED pids; every visible output
# is complete; nothing else is visible
check_dist() {
	(cd "$1/dist" 2>/dev/null || exit 0
	for f in .* * _thumbs/.* _thumbs/*; do
		case $f in .|..|_thumbs/.|_thumbs/..|'*'|_thumbs/'*'|_thumbs/'.*') continue ;; esac
		test -e "$f" || continue
		case $f in
		.*|_thumbs/.*)
			pid=$(printf '%s\n' "${f#_thumbs/}" | sed -n 's/^\..*\.tmp\.\([0-9]*\)\.[0-9]*$/\1/p')
			test -n "$pid" || { echo "unexpected hidden file dist/$f" >&2; exit 1; }
			case " $2 " in *" $pid "*) ;; *) echo "temp file dist/$f of no killed build" >&2; exit 1 ;; esac
			;;
		k[0-9]*.png)
			# renamed into place only when complete: byte for byte the reference
			cmp -s "$f" "$TRASH/ref/dist/$f" || { echo "dist/$f differs from the reference" >&2; exit 1; }
			;;
		# the site made from the outputs (written atomically too)
		index.html|manifest.json|_thumbs|_thumbs/*) ;;
		*)
			echo "unexpected visible file dist/$f" >&2; exit 1 ;;
		esac
	done)
}

# check_complete DIR: DIR's last build ran to completion
check_complete() {
	for i in $(seq 1 $NASSETS); do
		cmp "$1/dist/k$i.png" "ref/dist/k$i.png" || return 1
	done
	test "$(ls "$1"/dist/*.png | wc -l)" = $NASSETS || { ls -la "$1/dist" >&2; return 1; }
	t=$(find "$1/dist" "$1/cache" -name '*tmp*'; find "$1" -maxdepth 1 -name '.*.tmp.*')
	test -z "$t" || { echo "temp files left after a completed build: $t" >&2; return 1; }
	assetgen -C "$1" cache verify >"$1.verify" 2>&1 || { cat "$1.verify" >&2; return 1; }
	grep -q " 0 corrupt" "$1.verify" || { cat "$1.verify" >&2; return 1; }
	assetgen -C "$1" status >/dev/null 2>&1 || { echo "status: not up to date" >&2; return 1; }
	# an asset reported generated was recorded first: never generated again
	dup=$(generated "$1.log" | sort | uniq -d)
	test -z "$dup" || { echo "generated more than once: $dup" >&2; return 1; }
}

test_expect_success 'reference: a clean build in another directory' '
	project ref && assetgen -C ref build -j 2 >ref.out &&
	test "$(ls ref/dist/*.png | wc -l)" = '$NASSETS' && test "$(generated ref.out | wc -l)" = '$NASSETS'
'

# the duration of a full build, to spread the kills over it: the faster
# of two (the first may pay for a cold start)
DUR_MS=
for t in 1 2; do
	t0=$(date +%s%N)
	project timing && assetgen -C timing build -j 2 >/dev/null
	d=$((($(date +%s%N) - t0) / 1000000))
	[ -n "$DUR_MS" ] && [ "$DUR_MS" -le "$d" ] || DUR_MS=$d
	rm -rf timing
done
[ "$DUR_MS" -ge 50 ] || DUR_MS=50
echo "# a full build takes ${DUR_MS} ms"

epoch=0
killed=0
completed=0
hidden=0
dir=
failures=0
: >kill.trace
: >kill.fail
: >diag
: >all.generated

# fail_run WHAT: record a failure, with the diagnostics and stderr
fail_run() {
	failures=$((failures + 1))
	{
		echo "FAIL epoch $epoch run $run delay ${delay}ms: $1"
		sed "s|^|    |" diag
		for f in "$dir.err.$run" "$dir.status.err"; do
			[ -s "$f" ] && sed "s|^|    $f: |" "$f"
		done
	} | tee -a kill.trace >>kill.fail
}

run=0
mid=0
# (more runs while too few kills, or too few mid-build kills, have landed:
# a slow machine or a sanitizer build spends more of a build starting up)
while { [ $run -lt "$RUNS" ] || [ $killed -lt "$KILLS" ] || [ $mid -lt 5 ]; } &&
	[ $run -lt $((RUNS * 3)) ]; do
	run=$((run + 1))
	if [ -z "$dir" ]; then
		epoch=$((epoch + 1))
		dir=e$epoch
		project "$dir"
		: >"$dir.log"
		pids=
	fi
	# every 6th kill lands in the first 40 ms: opening the index, planning;
	# the others anywhere in the duration of a full build (on a partially
	# built copy, some runs complete before their kill: that ends the epoch)
	if [ $((run % 6)) = 0 ]; then
		delay=$((RANDOM % 40))
	else
		delay=$((RANDOM % DUR_MS))
	fi
	# line-buffered, so that a killed run's output holds every line it printed
	$LINEBUF "$ASSETGEN" -C "$dir" build -j 2 >>"$dir.log" 2>"$dir.err.$run" &
	pid=$!
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
	kill -KILL $pid 2>/dev/null
	rc=0
	{ wait $pid; } 2>/dev/null || rc=$?
	echo "epoch $epoch run $run delay ${delay}ms pid $pid rc $rc" >>kill.trace
	: >diag
	n=$(find "$dir" -name '.*.tmp.*' | wc -l)
	hidden=$((hidden + n))
	case $rc in
	137)
		killed=$((killed + 1))
		pids="$pids $pid"
		n=$(ls "$dir"/dist/*.png 2>/dev/null | wc -l)
		[ "$n" -gt 0 ] && [ "$n" -lt $NASSETS ] && mid=$((mid + 1))
		;;
	0) ;;
	*) fail_run "build exited $rc" ;;
	esac
	if grep -q -i -E "corrupt|unreadable|starting over|interrupted" "$dir.err.$run"; then
		fail_run "the build after a kill complained"
	fi
	check_dist "$dir" "$pids" 2>diag || fail_run "dist/ after the kill"
	src=0
	assetgen -C "$dir" status >/dev/null 2>"$dir.status.err" || src=$?
	if [ $src -gt 1 ] || [ -s "$dir.status.err" ]; then
		fail_run "status exited $src"
	fi
	if [ $rc = 0 ]; then
		completed=$((completed + 1))
		check_complete "$dir" 2>diag || fail_run "the completed build"
		generated "$dir.log" >>all.generated
		rm -rf "$dir" "$dir".*
		dir=
	fi
done
runs=$run
if [ -n "$dir" ]; then
	run=final delay=-
	assetgen -C "$dir" build -j 2 >>"$dir.log" 2>"$dir.err.final" || fail_run "the final build failed"
	check_complete "$dir" 2>diag || fail_run "the final build"
	generated "$dir.log" >>all.generated
fi
echo "# $runs runs in $epoch epochs: $killed builds killed ($mid with some outputs placed)," \
	"$completed completed before their kill;" \
	"$hidden hidden temp files seen after kills; $(wc -l <all.generated) generations" \
	"for $((epoch * NASSETS)) assets; ${SECONDS}s so far"

test_expect_success "$killed builds killed at random moments: every check held" '
	cat kill.fail && test '$failures' = 0
'

test_expect_success 'the kills landed: '$KILLS' kills or more, many in the middle of a build' '
	test '$killed' -ge '$KILLS' && test '$mid' -ge 5
'

test_done
