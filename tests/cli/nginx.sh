# nginx.sh - a real nginx WebDAV server on loopback for the shared-cache tests
# (sourced by tests/cli/t*.sh after lib.sh, run by bash)
#
#   start_nginx      start nginx (tests/nginx/webdav.conf.in) on a free
#                    127.0.0.1 port; exports NGINX_URL (the cache base URL,
#                    http://127.0.0.1:PORT/cache), NGINX_ROOT (blobs are
#                    $NGINX_ROOT/cache/cas/SHA256 and $NGINX_ROOT/cache/ac/SHA256;
#                    PUTs under $NGINX_URL/auth/ need Basic ci:s3cret, every
#                    request under $NGINX_URL/token/ "Bearer tok-3f9a1c"),
#                    NGINX_PORT, NGINX_PID.  Called again after stop_nginx it
#                    comes back on the same port with the same files.  It is
#                    stopped when the script exits.
#   stop_nginx       fast shutdown; returns once the port is closed ("the
#                    cache server went down")
#   nginx_available  an nginx binary with the WebDAV module is installed
#   http_req METHOD URL [BODY_FILE [OUT_FILE]]
#                    one request; prints the HTTP status, or 000 and returns 7
#                    when nothing answers (like curl)
#   on_exit CMD      run the shell string CMD when the script exits, before
#                    $TRASH is removed (lib.sh's start_fake shares the trap)

# ---- exit hooks: one EXIT trap that runs every registered command ----
# The same trap line is in lib.sh's start_fake, so either may come first.
on_exit() {
	EXIT_HOOKS="${EXIT_HOOKS:-}$1; "
	trap 'eval "${EXIT_HOOKS:-}"; cd /; rm -rf "$TRASH"' EXIT
}

# nginx_bin: print the nginx binary (/usr/sbin is not in a non-root PATH)
nginx_bin() {
	local b
	for b in "${NGINX_BIN:-}" "$(command -v nginx 2>/dev/null)" /usr/sbin/nginx; do
		if [ -n "$b" ] && [ -x "$b" ]; then
			echo "$b"
			return 0
		fi
	done
	return 1
}

nginx_available() {
	local b
	b=$(nginx_bin) || return 1
	"$b" -V 2>&1 | grep -q -- '--with-http_dav_module'
}

# _nginx_alive PID: the process exists and is not a zombie
_nginx_alive() {
	local _a _b st
	[ -n "$1" ] && read -r _a _b st _ 2>/dev/null <"/proc/$1/stat" && [ "$st" != Z ]
}

# _nginx_port_open PORT: something accepts connections on 127.0.0.1:PORT
_nginx_port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# _nginx_answers PORT: an HTTP server answers there
_nginx_answers() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'HEAD /cache/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
		read -r -t 2 line <&3 || exit 1
		case $line in HTTP/1.*) exit 0 ;; *) exit 1 ;; esac
	) 2>/dev/null
}

_nginx_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# _nginx_kill: stop the server whose pid is in the pid file, if it runs
_nginx_kill() {
	local pid i
	pid=$(cat "$TRASH/nginx/nginx.pid" 2>/dev/null) || pid=${NGINX_PID:-}
	[ -n "$pid" ] || return 0
	# only our nginx: a stale pid file must not make us kill another process
	case $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") in
	*nginx*"$TRASH/nginx/"*) ;;
	*) return 0 ;;
	esac
	kill -TERM "$pid" 2>/dev/null # nginx: TERM is the fast shutdown
	i=0
	while _nginx_alive "$pid"; do
		i=$((i + 1))
		if [ $i -ge 100 ]; then
			kill -KILL "$pid" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	wait "$pid" 2>/dev/null # reap it when it is our child
	rm -f "$TRASH/nginx/nginx.pid"
	return 0
}
on_exit _nginx_kill

# _nginx_launch DIR PORT: run nginx on DIR/nginx.conf (its prefix DIR) and
# wait up to 5 s for it to answer on PORT; sets NGINX_PID.  1 when it did
# not come up (killed again): most likely the port was taken meanwhile.
_nginx_launch() {
	local dir=$1 port=$2 bin i fd
	bin=$(nginx_bin) || return 1
	# output to a file, and no other inherited descriptor (fd 3 is the
	# trace pipe of test_expect_success, bash keeps copies of others):
	# one left open would hold a $(...) open until the server stops
	(
		for fd in /proc/self/fd/*; do
			fd=${fd##*/}
			[ "$fd" -le 2 ] || eval "exec $fd>&-"
		done 2>/dev/null
		exec "$bin" -p "$dir" -c "${dir}nginx.conf" -e "${dir}error.log"
	) >>"${dir}stderr.log" 2>&1 </dev/null &
	NGINX_PID=$!
	i=0
	while [ $i -lt 100 ]; do # 5 s
		if ! _nginx_alive "$NGINX_PID"; then
			break
		elif _nginx_answers "$port"; then
			return 0
		fi
		i=$((i + 1))
		sleep 0.05
	done
	_nginx_kill
	return 1
}

start_nginx() {
	local dir port try pinned
	if ! nginx_available; then
		echo "start_nginx: no nginx with the WebDAV module; run: make test-deps" >&2
		return 1
	fi
	dir=$TRASH/nginx/
	NGINX_ROOT=${TRASH}/nginx/root
	mkdir -p "${dir}tmp" "$NGINX_ROOT/cache" || return 1
	pinned=${NGINX_PORT:-}
	for try in 1 2 3 4 5; do
		port=${pinned:-$(_nginx_free_port)} || return 1
		# the one user of /cache/auth/ (nginx reads {PLAIN} passwords)
		printf 'ci:{PLAIN}s3cret\n' >"${dir}htpasswd" || return 1
		sed -e "s|@PREFIX@|$dir|g" -e "s|@ROOT@|$NGINX_ROOT|g" -e "s|@PORT@|$port|g" \
			-e "s|@TOKEN@|tok-3f9a1c|g" \
			"$TEST_TOP/tests/nginx/webdav.conf.in" >"${dir}nginx.conf" || return 1
		if _nginx_launch "$dir" "$port"; then
			NGINX_PORT=$port
			NGINX_URL=http://127.0.0.1:$port/cache
			export NGINX_URL NGINX_ROOT NGINX_PORT NGINX_PID
			return 0
		fi
		if [ -n "$pinned" ] && [ $try -ge 2 ]; then
			break
		fi
		sleep 0.2
	done
	echo "start_nginx: nginx did not start" >&2
	tail -n 20 "${dir}error.log" "${dir}stderr.log" >&2 2>/dev/null
	return 1
}

stop_nginx() {
	local i
	_nginx_kill
	i=0
	while [ -n "${NGINX_PORT:-}" ] && _nginx_port_open "$NGINX_PORT"; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "stop_nginx: port $NGINX_PORT still open" >&2; return 1; }
		sleep 0.05
	done
	return 0
}

http_req() {
	python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
method, url = sys.argv[1], sys.argv[2]
body = open(sys.argv[3], "rb").read() if len(sys.argv) > 3 and sys.argv[3] else None
out = sys.argv[4] if len(sys.argv) > 4 else None
req = urllib.request.Request(url, method=method, data=body)
try:
    with urllib.request.urlopen(req, timeout=30) as r:
        status, data = r.status, r.read()
except urllib.error.HTTPError as e:
    status, data = e.code, e.read()
except (urllib.error.URLError, ConnectionError, OSError) as e:
    print("000")
    print("http_req: %s %s: %s" % (method, url, e), file=sys.stderr)
    sys.exit(7)
if out:
    open(out, "wb").write(data)
print(status)
PY
}
