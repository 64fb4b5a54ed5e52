#!/usr/bin/env bash
# `npm test` runs this first (pretest). Every suite runs against the real thing, so what the suites
# need must be there: Chromium for the dashboard, PostgreSQL and Redis for the scale-out suites.
# What is installed but down is started; what is missing is installed where this machine allows
# it (root and Debian's apt); otherwise this fails with one line naming what to install. Nothing
# is ever skipped.
set -uo pipefail

say() { echo "pretest: $*"; }
fail() { echo "pretest: FAILED: $*" >&2; exit 1; }

POSTGRES_HOST=127.0.0.1
POSTGRES_PORT=5432
REDIS_PORT=6379
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}

can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

# --- Chromium: the browser suite drives it through playwright-core (a browser download is not possible here)
if ! [ -x "$CHROMIUM" ]; then
  [ -n "${CHROMIUM_PATH:-}" ] && fail "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable"
  can_install || fail "Chromium is missing: install Debian's chromium (sudo apt-get install chromium), or set CHROMIUM_PATH"
  say "installing Debian's chromium (apt-get install chromium), once"
  export DEBIAN_FRONTEND=noninteractive
  # another install on the machine (a second checkout's npm test) holds dpkg's lock: wait for it
  { apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium; } >/tmp/pogodoc-pretest-apt.log 2>&1 \
    || fail "apt-get install chromium failed; see /tmp/pogodoc-pretest-apt.log"
fi
"$CHROMIUM" --headless --no-sandbox --disable-gpu --version >/dev/null 2>&1 || fail "$CHROMIUM does not start"

# --- PostgreSQL on 127.0.0.1:5432 with trust auth
postgres_up() { pg_isready -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -q 2>/dev/null; }
if ! postgres_up; then
  command -v pg_ctlcluster >/dev/null || fail "PostgreSQL does not answer on $POSTGRES_HOST:$POSTGRES_PORT and is not installed: install it (apt-get install postgresql) with trust auth for 127.0.0.1"
  say "PostgreSQL is down; starting it (pg_ctlcluster … main start)"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start >/dev/null 2>&1 || true
  for _ in $(seq 1 30); do postgres_up && break; sleep 1; done
  postgres_up || fail "PostgreSQL did not come up on $POSTGRES_HOST:$POSTGRES_PORT"
fi

# --- Redis on 127.0.0.1:6379; the multi-instance suite also starts redis-server processes of its own
command -v redis-server >/dev/null || fail "redis-server is not installed: install it (apt-get install redis-server)"
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }
if ! redis_up; then
  say "Redis is down; starting it on 127.0.0.1:$REDIS_PORT (nothing kept on disk)"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null 2>&1 || true
  for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
  redis_up || fail "Redis did not come up on 127.0.0.1:$REDIS_PORT"
fi

say "Chromium, PostgreSQL and Redis are ready"
