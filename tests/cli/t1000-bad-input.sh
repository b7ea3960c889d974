#!/bin/bash
# Every class of bad input: the exact message (golden file), exit 2, and
# nothing generated or written.
. "$(dirname "$0")/lib.sh"

for case in "$TEST_TOP"/tests/cli/bad/*/; do
	name=$(basename "$case")
	test_expect_success "bad input: $name" '
		rm -rf proj && cp -R "$case" proj && rm -f proj/expected &&
		before=$(cd proj && find . | LC_ALL=C sort | xargs ls -ld --time-style=+%s.%N 2>/dev/null | md5sum) &&
		must_fail 2 assetgen -C proj build 2>err >out &&
		diff -u "$case/expected" err &&
		test ! -e proj/dist && test ! -e proj/cache &&
		after=$(cd proj && find . | LC_ALL=C sort | xargs ls -ld --time-style=+%s.%N 2>/dev/null | md5sum) &&
		test "$before" = "$after"
	'
done

# Files git cannot hold: each is named, none is read forever or waited on
# (timeout turns a hang into a failure)
odd_project() {
	rm -rf odd && new_project odd && echo "assets: [{name: a, prompt: x, seed: 1}]" >odd/recipes/a.yaml
}

test_expect_success 'bad input: a FIFO and a link to /dev/zero among the recipes are named, not read' '
	odd_project && mkfifo odd/recipes/b.yaml && ln -s /dev/zero odd/recipes/c.yml &&
	must_fail 2 timeout 20 assetgen -C odd build 2>err >out &&
	printf "%s\n" "recipes/b.yaml: not a regular file (it is a FIFO)" \
		"recipes/c.yml: not a regular file (it is a character device)" >expected &&
	diff -u expected err && test ! -e odd/dist && test ! -e odd/cache
'

test_expect_success 'bad input: a socket and a dangling link among the recipes are named for what they are' '
	odd_project && ln -s gone.yaml odd/recipes/b.yaml &&
	python3 -c "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" odd/recipes/c.yaml &&
	must_fail 2 timeout 20 assetgen -C odd build 2>err >out &&
	printf "%s\n" "recipes/b.yaml: a symlink to a file that does not exist" \
		"recipes/c.yaml: not a regular file (it is a socket)" >expected &&
	diff -u expected err && test ! -e odd/dist && test ! -e odd/cache
'

test_expect_success 'bad input: a FIFO assetgen.yaml is named as one, not "no assetgen.yaml"' '
	odd_project && rm odd/assetgen.yaml && mkfifo odd/assetgen.yaml &&
	must_fail 2 timeout 20 assetgen -C odd build 2>err >out &&
	echo "assetgen: '\''$TRASH/odd/assetgen.yaml'\'' is not a regular file (it is a FIFO)" >expected &&
	diff -u expected err &&
	mkdir odd/recipes/sub && (cd odd/recipes/sub && must_fail 2 timeout 20 assetgen build 2>"$TRASH/err") &&
	diff -u expected err
'

test_done
