# lib.sh - shared helpers for the end-to-end tests (sourced by tests/cli/t*.sh, run by bash)
#
# Each script runs in a fresh temporary directory ($TRASH) with the real
# binary ($ASSETGEN).  test_expect_success 'title' 'shell code' prints
# "ok - title" or "not ok - title" with the code's output.

set -u
: "${ASSETGEN:?run through tests/run.sh or set ASSETGEN}"
: "${TEST_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/assetgen-test.XXXXXX")
export HOME="$TRASH" NO_COLOR=1 CI=true LC_ALL=C
unset ASSETGEN_REMOTE_CACHE ASSETGEN_CACHE_SECRET
cd "$TRASH" || exit 1
test_count=0
test_failed=0
trap 'cd /; rm -rf "$TRASH"' EXIT

mkdir -p "$TRASH/.bin" && ln -s "$ASSETGEN" "$TRASH/.bin/assetgen"
PATH="$TRASH/.bin:$PATH"

test_expect_success() {
	test_count=$((test_count + 1))
	# the trace goes to fd 3, so that it never mixes with a command's own
	# redirected stderr
	out=$(cd "$TRASH" && (exec 3>&1; BASH_XTRACEFD=3; set -ex; eval "$2") 2>&1)
	if [ $? -eq 0 ]; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		printf '%s\n' "$out" | sed 's/^/#   /' | tail -30
	fi
}

test_done() {
	[ "$test_failed" -eq 0 ]
	exit $?
}

# must_fail [CODE] cmd...: the command fails in a controlled way (exit 1 or
# 2, or exactly CODE), not by a crash or signal.
must_fail() {
	want=
	case $1 in [0-9]*) want=$1; shift ;; esac
	# (in an || list, so that set -e cannot end the test at the failure
	# we are asserting)
	rc=0
	"$@" || rc=$?
	if [ -n "$want" ]; then
		[ "$rc" -eq "$want" ] || { echo "exit $rc, expected $want: $*" >&2; return 1; }
	elif [ "$rc" -eq 0 ]; then
		echo "unexpected success: $*" >&2; return 1
	elif [ "$rc" -gt 2 ]; then
		echo "exit $rc (crash?): $*" >&2; return 1
	fi
	return 0
}

# new_project DIR: a minimal project using the built-in model.
new_project() {
	mkdir -p "$1/recipes"
	cat >"$1/assetgen.yaml" <<'YAML'
models:
  local: {provider: builtin}
routes:
  - use: [local]
YAML
}

# file_state FILE: inode, mtime and checksum, to prove a file was untouched
file_state() {
	stat -c '%i %Y.%y %s' "$1" && cksum <"$1"
}

# tree_state DIR: every file below DIR with its state (excluding the sqlite index)
tree_state() {
	(cd "$1" && find . -type f ! -name 'index.sqlite*' | LC_ALL=C sort | while read -r f; do
		printf '%s ' "$f"; stat -c '%i %y %s' "$f"; done)
}

# ---- the fake provider server (tests/fake/fake.py) ----

# start_fake: run the fake on an ephemeral loopback port; sets FAKE (base URL)
start_fake() {
	python3 "$TEST_TOP/tests/fake/fake.py" --port 0 --port-file "$TRASH/fake.port" \
		>"$TRASH/fake.log" 2>&1 &
	FAKE_PID=$!
	i=0
	while [ ! -s "$TRASH/fake.port" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "fake server did not start" >&2; cat "$TRASH/fake.log" >&2; return 1; }
		sleep 0.05
	done
	FAKE="http://127.0.0.1:$(cat "$TRASH/fake.port")"
	EXIT_HOOKS="${EXIT_HOOKS:-}kill \$FAKE_PID 2>/dev/null; wait \$FAKE_PID 2>/dev/null; "; trap 'eval "${EXIT_HOOKS:-}"; cd /; rm -rf "$TRASH"' EXIT
}

# fake_ctl METHOD PATH [JSON]: talk to the fake's control API, print the answer
fake_ctl() {
	python3 - "$FAKE$2" "$1" "${3:-}" <<'PY'
import sys, urllib.request
url, method, body = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, method=method, data=body.encode() if body else None,
                             headers={"content-type": "application/json"})
print(urllib.request.urlopen(req, timeout=10).read().decode())
PY
}

# fake_count [PROVIDER]: how many requests the fake has seen
fake_count() {
	fake_ctl GET /_control/requests | python3 -c '
import json, sys
reqs = json.load(sys.stdin)
p = sys.argv[1] if len(sys.argv) > 1 else None
print(sum(1 for r in reqs if p is None or r["provider"] == p))' "$@"
}

# fake_violations: fail unless every request followed its wire format
fake_violations() {
	v=$(fake_ctl GET /_control/violations)
	[ "$v" = "[]" ] || { echo "wire format violations: $v" >&2; return 1; }
}

# json_get FILE EXPR: evaluate a python expression on the parsed JSON (as j)
json_get() {
	python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
