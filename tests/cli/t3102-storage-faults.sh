#!/bin/bash
# Storage faults: a read-only cache, a full filesystem, a damaged index, a
# damaged blob, symlinks planted in dist/ and in the cache.
. "$(dirname "$0")/lib.sh"

# 10 assets; s8..s10 are upscaled (the final blob is not the generation)
project() {
	new_project "$1"
	{
		echo "assets:"
		for i in $(seq 1 7); do
			echo "  - {name: s$i, prompt: \"storage $i\", seed: $i, size: 96x64}"
		done
		echo "  - {name: s8, prompt: \"storage 8\", seed: 8, size: 48x32, upscale: {factor: 2, with: lanczos3}}"
		echo "  - {name: s9, prompt: \"storage 9\", seed: 9, size: 48x32, upscale: {factor: 3, with: nearest}}"
		echo "  - {name: s10, prompt: \"storage 10\", seed: 10, size: 40x40, upscale: {size: 100x90, with: bicubic}}"
	} >"$1/recipes/a.yaml"
}

generated() { grep -c "^\[[0-9]*/[0-9]*\] generate " "$1"; }

# same_as_ref DIR: every output of DIR is byte for byte the reference's
same_as_ref() {
	for i in $(seq 1 10); do cmp "$1/dist/s$i.png" "ref/dist/s$i.png" || return 1; done
}

# blob_of FILE DIR: the cache blob of DIR holding FILE's bytes
blob_of() {
	for b in $(find "$2/cache/objects" -type f); do
		cmp -s "$b" "$1" && { echo "$b"; return 0; }
	done
	echo "no blob holds $1" >&2
	return 1
}

verify_clean() {
	assetgen -C "$1" cache verify >"$1.verify" && grep -q " 0 corrupt" "$1.verify" &&
	test -z "$(find "$1" -name "*tmp*")"
}

test_expect_success 'reference build' '
	project ref && assetgen -C ref build >out && test "$(generated out)" = 10
'

# ---- a read-only cache ----

# As root, chmod does not stop writes: the command runs as nobody instead
# (setpriv).  Not as root, chmod is enough.
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null; then
		chmod 755 "$TRASH"
		mkdir -p "$TRASH/.nobody" && cp "$ASSETGEN" "$TRASH/.nobody/assetgen" &&
		chmod 755 "$TRASH/.nobody" "$TRASH/.nobody/assetgen"
		as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$TRASH/.nobody/assetgen" "$@"; }
		make_readonly() { chown -R 65534:65534 "$1/dist"; }
		RO=yes
	else
		echo "# skipped: read-only cache (root, and no setpriv to drop privileges)"
		RO=
	fi
else
	as_user() { "$ASSETGEN" "$@"; }
	make_readonly() { chmod -R a-w "$1/cache"; }
	EXIT_HOOKS="${EXIT_HOOKS:-}chmod -R u+w \"\$TRASH/ro/cache\" 2>/dev/null; "
	trap 'eval "${EXIT_HOOKS:-}"; cd /; rm -rf "$TRASH"' EXIT
	RO=yes
fi

if [ -n "$RO" ]; then
test_expect_success 'a read-only cache: a clear error, exit 1 or 2, the cache untouched' '
	project ro && assetgen -C ro build >/dev/null &&
	echo "  - {name: new1, prompt: \"new one\", seed: 99, size: 32x32}" >>ro/recipes/a.yaml &&
	make_readonly ro && tree_state ro/cache >before && cksum <ro/cache/index.sqlite >>before &&
	must_fail as_user -C ro build >out 2>err && cat err &&
	grep -q -i -E "read-?only|permission denied" err &&
	! grep -q "starting over" err && ! test -e ro/dist/new1.png &&
	tree_state ro/cache >after && cksum <ro/cache/index.sqlite >>after && diff before after
'

test_expect_success 'a read-only cache: the index was not thrown away; a writable build works' '
	{ test "$(id -u)" = 0 || chmod -R u+w ro/cache; } &&
	assetgen -C ro build >out 2>err && ! grep -q -E "starting over|rebuilt the cache index" err &&
	test "$(generated out)" = 1 && grep -q "generate new1" out && grep -q "10 fresh" out
'

test_expect_success 'a read-only index file in a writable cache: a clear error, nothing generated' '
	project rix && assetgen -C rix build >/dev/null &&
	echo "  - {name: new1, prompt: \"new one\", seed: 99, size: 32x32}" >>rix/recipes/a.yaml &&
	if [ "$(id -u)" = 0 ]; then chown -R 65534:65534 rix && chown 0:0 rix/cache/index.sqlite;
	else chmod a-w rix/cache/index.sqlite; fi &&
	cksum <rix/cache/index.sqlite >before &&
	must_fail 1 as_user -C rix build >out 2>err &&
	grep -q "cache index .* is read-only" err && ! grep -q "generate" out &&
	! test -e rix/dist/new1.png && cksum <rix/cache/index.sqlite >after && cmp before after &&
	{ test "$(id -u)" = 0 && chown 0:0 -R rix || chmod u+w rix/cache/index.sqlite; } &&
	assetgen -C rix build >out && grep -q "generate new1" out
'
fi

# ---- a full filesystem ----

MNT=
if [ "$(id -u)" = 0 ] && mkdir -p mnt-probe && mount -t tmpfs -o size=1m tmpfs mnt-probe 2>/dev/null; then
	umount mnt-probe
	MNT=yes
	EXIT_HOOKS="${EXIT_HOOKS:-}umount \"\$TRASH/full/cache\" \"\$TRASH/fulld/dist\" 2>/dev/null; "
	trap 'eval "${EXIT_HOOKS:-}"; cd /; rm -rf "$TRASH"' EXIT
else
	echo "# skipped: a full filesystem (cannot mount a tmpfs here: not root, or no permission)"
fi
rmdir mnt-probe 2>/dev/null

# 20 assets of 256x256 (about 60 KB each): more than 1 MB
big() {
	new_project "$1"
	{ echo "assets:"; for i in $(seq 1 20); do
		echo "  - {name: f$i, prompt: \"full disk $i\", seed: $i, size: 256x256}"; done; } >"$1/recipes/a.yaml"
}

if [ -n "$MNT" ]; then
test_expect_success 'a full cache filesystem: a clear error, exit 1, no temp file' '
	big bigref && assetgen -C bigref build -j 2 >/dev/null &&
	big full && mkdir full/cache && mount -t tmpfs -o size=1m tmpfs full/cache &&
	must_fail 1 assetgen -C full build -j 2 >out 2>err &&
	grep -q "No space left on device" err && grep -q "FAILED f" err &&
	test -z "$(find full -name "*tmp*")" &&
	for f in full/dist/*.png; do cmp "$f" "bigref/dist/${f##*/}"; done
'

test_expect_success 'with space again, the next build succeeds and is correct' '
	stored=$(find full/cache/objects -type f ! -name ".*" | wc -l) &&
	mount -o remount,size=64m full/cache &&
	assetgen -C full build -j 2 >out 2>err &&
	for i in $(seq 1 20); do cmp full/dist/f$i.png bigref/dist/f$i.png; done &&
	echo "# $stored renders were stored before the disk filled; $(generated out) made again" &&
	test "$(generated out)" = $((20 - stored)) &&
	verify_clean full && umount full/cache
'

test_expect_success 'a full output filesystem: a clear error, no partial output; then success' '
	big fulld && mkdir fulld/dist && mount -t tmpfs -o size=256k tmpfs fulld/dist &&
	must_fail 1 assetgen -C fulld build -j 2 >out 2>err &&
	grep -q "No space left on device" err &&
	test -z "$(find fulld/dist -name "*tmp*")" &&
	for f in fulld/dist/*.png; do cmp "$f" "bigref/dist/${f##*/}"; done &&
	mount -o remount,size=64m fulld/dist &&
	assetgen -C fulld build -j 2 >out &&
	for i in $(seq 1 20); do cmp fulld/dist/f$i.png bigref/dist/f$i.png; done &&
	verify_clean fulld && umount fulld/dist
'
fi

# ---- a damaged index ----

# damage_index HOW DIR: build DIR, damage its index, rebuild: a warning,
# no artifact lost (nothing generated again), correct outputs; the build
# after that is a quiet no-op
damage_index() {
	project "$2" && assetgen -C "$2" build >/dev/null &&
	ix="$2/cache/index.sqlite" && ! test -e "$ix-wal" &&
	size=$(stat -c %s "$ix") && test "$size" -gt 8192 &&
	case $1 in
	half) truncate -s $((size / 2)) "$ix" ;;
	100) truncate -s 100 "$ix" ;;
	middle)
		# 1 KB of (seeded) random bytes at the start of the middle page
		python3 -c "
import random, sys
f = open(sys.argv[1], \"r+b\"); page = int.from_bytes(f.read(18)[16:18], \"big\")
f.seek(int(sys.argv[2]) // 2 // page * page)
f.write(bytes(random.Random(3102).randrange(256) for _ in range(1024)))" "$ix" "$size" ;;
	esac &&
	assetgen -C "$2" build >out 2>err && cat err &&
	grep -q "starting over (no artifact is lost)" err &&
	test "$(generated out)" = 0 && same_as_ref "$2" && verify_clean "$2" &&
	assetgen -C "$2" build >out 2>err && test ! -s err && grep -q "no work to do" out
}

test_expect_success 'an index truncated to half: starting over, nothing generated again' '
	damage_index half ih
'

test_expect_success 'an index truncated to 100 bytes: the same' '
	damage_index 100 i100
'

test_expect_success 'an index with random bytes in the middle: the same' '
	damage_index middle imid
'

# ---- a damaged blob ----

# truncate_blob N: truncate the blob of s3 to N bytes (half, lenm1 too)
# and remove the output, so the build needs the blob
truncate_blob() {
	rm -rf b && project b && assetgen -C b build >/dev/null &&
	blob=$(blob_of b/dist/s3.png b) && len=$(stat -c %s "$blob") &&
	case $1 in half) n=$((len / 2)) ;; lenm1) n=$((len - 1)) ;; *) n=$1 ;; esac &&
	truncate -s $n "$blob" && rm b/dist/s3.png &&
	assetgen -C b build >out 2>err && cat err &&
	grep -q "corrupt blob .* removed" err && grep -q "generate s3 " out &&
	test "$(generated out)" = 1 && same_as_ref b && verify_clean b
}

for cut in 0 1 half lenm1; do
	test_expect_success "a blob truncated to $cut bytes: reported corrupt, never placed, made again" "
		truncate_blob $cut
	"
done

test_expect_success 'cache verify reports a truncated blob (exit 1), --repair removes it' '
	blob=$(blob_of b/dist/s5.png b) && truncate -s 10 "$blob" &&
	must_fail 1 assetgen -C b cache verify >v && grep -q " 1 corrupt" v &&
	assetgen -C b cache verify --repair >v && ! test -e "$blob" &&
	rm b/dist/s5.png && assetgen -C b build >out && grep -q "generate s5 " out && same_as_ref b
'

test_expect_success 'a damaged final blob of an upscaled asset: only the upscale is redone' '
	blob=$(blob_of b/dist/s9.png b) && truncate -s 100 "$blob" && rm b/dist/s9.png &&
	assetgen -C b build >out 2>err &&
	grep -q "corrupt blob" err && grep -q "upscale s9 " out && test "$(generated out)" = 0 &&
	same_as_ref b && verify_clean b
'

# ---- symlinks ----

test_expect_success 'a symlink planted at an output is replaced, never written through' '
	rm -rf l outside && project l && assetgen -C l build >/dev/null && mkdir outside &&
	echo victim >outside/victim.png && touch -d 2001-01-01 outside/victim.png &&
	echo other >outside/other.png && touch -d 2001-01-01 outside/other.png &&
	file_state outside/victim.png >v.before && file_state outside/other.png >o.before &&
	rm l/dist/s4.png && ln -s ../../outside/victim.png l/dist/s4.png &&
	ln -sf ../../outside/other.png l/dist/s5.png &&
	assetgen -C l build >out &&
	file_state outside/victim.png >v.after && cmp v.before v.after &&
	file_state outside/other.png >o.after && cmp o.before o.after &&
	! test -L l/dist/s4.png && ! test -L l/dist/s5.png && same_as_ref l
'

test_expect_success 'a symlink planted at dist/_thumbs: nothing written or removed through it' '
	mkdir -p outside/dir && echo precious >outside/dir/precious.png &&
	ls -la outside/dir >d.before && file_state outside/dir/precious.png >>d.before &&
	rm -rf l/dist/_thumbs && ln -s ../../outside/dir l/dist/_thumbs && rm l/dist/s1.png &&
	assetgen -C l build >out &&
	ls -la outside/dir >d.after && file_state outside/dir/precious.png >>d.after &&
	diff d.before d.after && same_as_ref l
'

test_expect_success 'a symlink planted at dist/preview: a preview build and clean never go through it' '
	mkdir -p outside/pv && echo precious >outside/pv/s1.png && touch -d 2001-01-01 outside/pv/s1.png &&
	ls -la outside/pv >p.before && file_state outside/pv/s1.png >>p.before &&
	rm -rf l/dist/preview && ln -s ../../outside/pv l/dist/preview &&
	assetgen -C l build --intent preview >out 2>err &&
	grep -q "removed the symlink .*preview" err &&
	! test -L l/dist/preview && test -d l/dist/preview && test -s l/dist/preview/s1.png &&
	rm -rf l/dist/preview && ln -s ../../outside/pv l/dist/preview &&
	assetgen -C l clean >out 2>err &&
	ls -la outside/pv >p.after && file_state outside/pv/s1.png >>p.after &&
	diff p.before p.after && assetgen -C l build >/dev/null && same_as_ref l
'

test_expect_success 'a symlink planted in cache/objects/ at a blob name is never followed' '
	blob=$(blob_of l/dist/s6.png l) && cp "$blob" outside/blob && touch -d 2001-01-01 outside/blob &&
	file_state outside/blob >b.before &&
	rm "$blob" && ln -s "$TRASH/outside/blob" "$blob" && rm l/dist/s6.png &&
	assetgen -C l build >out 2>err &&
	file_state outside/blob >b.after && cmp b.before b.after &&
	! test -L "$blob" && cmp "$blob" ref/dist/s6.png && same_as_ref l && verify_clean l
'

test_expect_success 'a symlink to garbage at a blob name: the build is still correct' '
	blob=$(blob_of l/dist/s7.png l) && head -c 500 /dev/zero >outside/garbage &&
	file_state outside/garbage >g.before &&
	rm "$blob" && ln -s "$TRASH/outside/garbage" "$blob" && rm l/dist/s7.png &&
	assetgen -C l build >out 2>err &&
	file_state outside/garbage >g.after && cmp g.before g.after &&
	same_as_ref l && verify_clean l
'

# state: every file below outside/, with its checksum
state() {
	find outside | LC_ALL=C sort | while read -r f; do echo "$f"; if [ -f "$f" ]; then cksum <"$f"; fi; done
}

# typo DIR: one asset whose typography check always fails, so that its
# candidates wait in dist/_candidates/wrong/ for a person
typo() {
	new_project "$1" && printf "typography: {max_attempts: 2}\n" >>"$1/assetgen.yaml" &&
	cat >"$1/recipes/a.yaml" <<-YAML
	assets:
	  - {name: wrong, prompt: "Banner reading 'Launch Sale'", seed: 7, size: 256x128, expect_text: Summer Clearance}
	  - {name: ok, prompt: "plain", seed: 1, size: 32x32}
	YAML
}

test_expect_success 'a symlink planted at dist/_candidates: nothing written or removed through it' '
	rm -rf t outside && mkdir -p outside/cand && echo precious >outside/cand/precious.png &&
	mkdir outside/cand/gone && echo precious >outside/cand/gone/1.png &&
	state >c.before && typo t && mkdir -p t/dist && ln -s ../../outside/cand t/dist/_candidates &&
	must_fail 1 assetgen -C t build -k >out 2>err &&
	grep -q "removed the symlink .*_candidates" err &&
	! test -L t/dist/_candidates && test -s t/dist/_candidates/wrong/7.png && test -s t/dist/_candidates/wrong/8.png &&
	state >c.after && diff c.before c.after
'

test_expect_success 'a symlink planted at dist/_candidates/NAME: the same' '
	mkdir -p outside/nm && rm -rf t/dist/_candidates/wrong && ln -s ../../../outside/nm t/dist/_candidates/wrong &&
	state >c.before && must_fail 1 assetgen -C t build -k >out 2>err &&
	grep -q "removed the symlink .*_candidates/wrong" err &&
	! test -L t/dist/_candidates/wrong && test -s t/dist/_candidates/wrong/7.png &&
	state >c.after && diff c.before c.after
'

test_expect_success 'a symlink planted at dist/_thumbs/preview: nothing written through it' '
	mkdir -p outside/tp && state >c.before &&
	assetgen -C l build --intent preview >out && rm -rf l/dist/_thumbs/preview &&
	ln -s ../../../outside/tp l/dist/_thumbs/preview && rm l/dist/preview/s1.png &&
	assetgen -C l build --intent preview >out 2>err && grep -q "removed the symlink .*_thumbs/preview" err &&
	test -s l/dist/_thumbs/preview/s1.png && ! test -L l/dist/_thumbs/preview &&
	state >c.after && diff c.before c.after
'

test_expect_success 'a symlink planted at cache/objects/ab: removed, the blob stored in a real directory' '
	blob=$(blob_of l/dist/s2.png l) && sub=${blob%/*} && mkdir -p outside/ab &&
	state >c.before && rm -rf "$sub" && ln -s "$TRASH/outside/ab" "$sub" && rm l/dist/s2.png &&
	assetgen -C l build >out 2>err && grep -q "removed the symlink .*objects/" err &&
	! test -L "$sub" && cmp "$blob" ref/dist/s2.png && same_as_ref l &&
	state >c.after && diff c.before c.after && verify_clean l
'

test_expect_success 'a symlink planted at cache/objects: removed, never followed' '
	mkdir -p outside/objects && state >c.before &&
	mv l/cache/objects l/objects.moved && ln -s "$TRASH/outside/objects" l/cache/objects && rm l/dist/s3.png &&
	assetgen -C l build >out 2>err && grep -q "removed the symlink .*cache/objects" err &&
	! test -L l/cache/objects && test -s l/dist/s3.png && cmp l/dist/s3.png ref/dist/s3.png &&
	state >c.after && diff c.before c.after &&
	rm -rf l/cache/objects && mv l/objects.moved l/cache/objects && verify_clean l
'

test_expect_success 'a directory planted at a blob name: removed, and the render is stored' '
	assetgen -C l build >/dev/null && blob=$(blob_of l/dist/s4.png l) &&
	rm "$blob" && mkdir -p "$blob/inside" && echo planted >"$blob/inside/x" && rm l/dist/s4.png &&
	assetgen -C l build >out 2>err && grep -q "generate s4 " out &&
	grep -q "removed the directory .*: a blob belongs there" err &&
	test -f "$blob" && cmp "$blob" ref/dist/s4.png && same_as_ref l &&
	rm l/dist/s4.png && assetgen -C l build >out 2>err && test "$(generated out)" = 0 &&
	grep -q "restore s4 " out && same_as_ref l &&
	verify_clean l
'

test_expect_success 'a lock temp file left by a killed build is removed by the next build; others are not' '
	dead=$(sh -c "echo \$\$") &&
	echo partial >l/.assetgen.lock.tmp.$dead.0 && echo mine >l/.notes.tmp.$dead.0 &&
	echo live >l/.assetgen.lock.tmp.$$.0 &&
	assetgen -C l build >out 2>err &&
	! test -e l/.assetgen.lock.tmp.$dead.0 && test -e l/.notes.tmp.$dead.0 &&
	test -e l/.assetgen.lock.tmp.$$.0 && rm l/.notes.tmp.$dead.0 l/.assetgen.lock.tmp.$$.0
'

test_done
