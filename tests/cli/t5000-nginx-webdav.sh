#!/bin/bash
# The shared-cache test harness: a real nginx with WebDAV on loopback
# (tests/cli/nginx.sh) speaks the remote cache protocol, GET/HEAD/PUT
# {base}/cas/{digest} and {base}/ac/{key}, and can be taken down mid-test.
. "$(dirname "$0")/lib.sh"
. "$TEST_TOP/tests/cli/nginx.sh"

D=00112233445566778899aabbccddeeff
K=ffeeddccbbaa99887766554433221100

test_expect_success 'nginx with the WebDAV module is installed' 'nginx_available'

start_nginx || exit 1

test_expect_success 'the server is on loopback and exports its URL and root' '
	case $NGINX_URL in http://127.0.0.1:[0-9]*/cache) ;; *) false ;; esac &&
	test -d "$NGINX_ROOT/cache" &&
	test "$(http_req GET "$NGINX_URL/")" != 000
'

test_expect_success 'PUT a blob, GET it back byte-identical' '
	printf "blob \\000 with a NUL and\\nnewlines\\n" >b1 &&
	st=$(http_req PUT "$NGINX_URL/cas/$D" b1) && test "$st" = 201 &&
	test "$(http_req GET "$NGINX_URL/cas/$D" "" got)" = 200 &&
	cmp b1 got &&
	cmp b1 "$NGINX_ROOT/cache/cas/$D"
'

test_expect_success 'HEAD and GET of a missing key are 404' '
	test "$(http_req HEAD "$NGINX_URL/ac/$K")" = 404 &&
	test "$(http_req GET "$NGINX_URL/cas/$K")" = 404 &&
	test "$(http_req HEAD "$NGINX_URL/cas/$D")" = 200
'

test_expect_success 'PUT to a nested path creates the directories' '
	echo action >a1 &&
	test "$(http_req PUT "$NGINX_URL/ac/x/y/$K" a1)" = 201 &&
	test -d "$NGINX_ROOT/cache/ac/x/y" &&
	test "$(http_req GET "$NGINX_URL/ac/x/y/$K" "" got)" = 200 && cmp a1 got
'

test_expect_success 'a 5 MB body goes up and comes back whole' '
	head -c 5242880 /dev/urandom >big &&
	test "$(http_req PUT "$NGINX_URL/cas/$K" big)" = 201 &&
	test "$(http_req GET "$NGINX_URL/cas/$K" "" got)" = 200 &&
	cmp big got
'

test_expect_success 'PUT over an existing blob replaces it' '
	echo replaced >b2 &&
	test "$(http_req PUT "$NGINX_URL/cas/$D" b2)" = 204 &&
	test "$(http_req GET "$NGINX_URL/cas/$D" "" got)" = 200 && cmp b2 got
'

test_expect_success 'a blob edited on the server is served as it is now' '
	echo corrupt >"$NGINX_ROOT/cache/cas/$D" &&
	test "$(http_req GET "$NGINX_URL/cas/$D" "" got)" = 200 &&
	test "$(cat got)" = corrupt
'

test_expect_success 'stop_nginx: afterwards nothing answers' '
	stop_nginx &&
	must_fail 7 http_req GET "$NGINX_URL/cas/$D" >st 2>err &&
	test "$(cat st)" = 000 && grep -qi "refused" err
'

test_expect_success 'start_nginx again: same port, same blobs' '
	url=$NGINX_URL && start_nginx && test "$NGINX_URL" = "$url" &&
	test "$(http_req GET "$NGINX_URL/cas/$K" "" got)" = 200 && cmp big got &&
	stop_nginx
'

test_done
