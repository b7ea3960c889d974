# nginx_secure.sh - a real nginx on loopback that serves a project's dist/
# behind secure_link (tests/nginx/secure_link.conf.in), for `assetgen url`
# (sourced by tests/cli/t*.sh after lib.sh and nginx.sh, run by bash)
#
#   nginx_secure_available   an nginx binary with the secure_link module
#   start_nginx_secure_link PROJECT_DIR SECRET
#                            start it on a free 127.0.0.1 port; exports
#                            NGINX_PORT, NGINX_PID and NGINX_BASE (the
#                            --base for `assetgen url`:
#                            http://127.0.0.1:PORT/dist).  Stopped when the
#                            script exits (nginx.sh's _nginx_kill, as its
#                            files are in the same $TRASH/nginx/)
#
# nginx.sh's helpers (nginx_bin, _nginx_alive, _nginx_answers,
# _nginx_free_port, _nginx_launch, _nginx_kill, http_req) are used as they are.

nginx_secure_available() {
	local b
	b=$(nginx_bin) || return 1
	"$b" -V 2>&1 | grep -q -- '--with-http_secure_link_module'
}

start_nginx_secure_link() {
	local root=$1 secret=$2 dir port try
	if ! nginx_secure_available; then
		echo "start_nginx_secure_link: no nginx with the secure_link module; run: make test-deps" >&2
		return 1
	fi
	case $secret in *[!A-Za-z0-9_.-]*|'')
		echo "start_nginx_secure_link: use a secret of [A-Za-z0-9_.-]" >&2; return 1 ;;
	esac
	dir=$TRASH/nginx/
	mkdir -p "${dir}tmp" || return 1
	for try in 1 2 3 4 5; do
		port=$(_nginx_free_port) || return 1
		sed -e "s|@PREFIX@|$dir|g" -e "s|@ROOT@|$root|g" -e "s|@PORT@|$port|g" \
			-e "s|@SECRET@|$secret|g" \
			"$TEST_TOP/tests/nginx/secure_link.conf.in" >"${dir}nginx.conf" || return 1
		if _nginx_launch "$dir" "$port"; then
			NGINX_PORT=$port
			NGINX_BASE=http://127.0.0.1:$port/dist
			export NGINX_PORT NGINX_PID NGINX_BASE
			return 0
		fi
		sleep 0.2
	done
	echo "start_nginx_secure_link: nginx did not start" >&2
	tail -n 20 "${dir}error.log" "${dir}stderr.log" >&2 2>/dev/null
	return 1
}
