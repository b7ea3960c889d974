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

test_done
