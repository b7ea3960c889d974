#!/bin/bash
# A remote cache URL may carry a user name and password (or a token as the
# user name): every line that shows the URL shows "***" in their place.
. "$(dirname "$0")/lib.sh"

PASS=RemotePassw0rd9
TOKEN=ghp_TokenAsUser42

# any loopback server will do: the fake answers the cache's requests with
# 404s, so lookups miss and uploads fail, and every line still names it
start_fake || exit 1
HOSTPORT=${FAKE#http://}

test_expect_success 'project with a remote cache whose URL holds a password' '
	new_project p &&
	cat >>p/assetgen.yaml <<-YAML &&
	cache:
	  remote: {url: "http://ci:$PASS@$HOSTPORT/cache"}
	YAML
	echo "assets: [{name: a, prompt: \"a door\", seed: 1, size: 64x64}]" >p/recipes/a.yaml
'

test_expect_success 'build, -v and --explain show the URL without the password' '
	assetgen -C p build >out 2>err &&
	grep -q "^assetgen: remote cache http://ci:\*\*\*@$HOSTPORT/cache: " out &&
	assetgen -C p build -v --upload >>out 2>>err &&
	assetgen -C p build --explain -n >>out 2>>err &&
	grep -q "upload errors" out &&
	! grep -q "$PASS" out err
'

test_expect_success 'cache push and pull show the URL without the password' '
	must_fail 1 assetgen -C p cache push >out 2>err &&
	grep -q "^assetgen: remote cache http://ci:\*\*\*@$HOSTPORT/cache: " out &&
	rm -rf p/cache &&
	must_fail 1 assetgen -C p cache pull >>out 2>>err &&
	grep -q "not in the remote cache" err &&
	! grep -q "$PASS" out err
'

test_expect_success 'a token as the user name is hidden whole' '
	ASSETGEN_REMOTE_CACHE="http://$TOKEN@$HOSTPORT/cache" assetgen -C p build >out 2>err &&
	grep -q "^assetgen: remote cache http://\*\*\*@$HOSTPORT/cache: " out &&
	! grep -q "$TOKEN" out err
'

test_expect_success 'an unsupported URL is refused without echoing its password' '
	ASSETGEN_REMOTE_CACHE="ftp://ci:$PASS@$HOSTPORT/cache" must_fail 2 assetgen -C p build >out 2>err &&
	grep -q "remote cache .ftp://ci:\*\*\*@$HOSTPORT/cache.: only http://" err &&
	! grep -q "$PASS" out err
'

test_done
