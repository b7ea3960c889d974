#!/bin/bash
# bench/run.sh - run every benchmark, one after the
# other, and print their tables.  Assumes build/assetgen exists (make -j2
# all); ASSETGEN=PATH measures another binary.  Loopback only; each script
# stops the servers it starts and removes its temporary directories.
#
#   bench/run.sh [providers|builtin|upscale|png|pull|rss|ocr|noop|overlay|sign|shard|queue|derive ...]
cd "$(dirname "$0")" || exit 2
[ $# -gt 0 ] || set -- providers builtin upscale png pull rss ocr noop overlay sign shard queue derive
status=0
for s in "$@"; do
	if [ ! -f "./$s.sh" ] || [ "$s" = run ] || [ "$s" = lib ]; then
		echo "bench/run.sh: no benchmark '$s' (see bench/*.sh)" >&2
		exit 2
	fi
done
for s in "$@"; do
	bash "./$s.sh" || { echo "bench/run.sh: $s.sh failed" >&2; status=1; }
	echo
done
exit $status
