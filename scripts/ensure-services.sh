#!/usr/bin/env bash
# Starts the local PostgreSQL and Redis used by the test suite when they are installed but not
# running. It never installs a server: on a machine without them the suite runs on SQLite only
# (unless CLIFFHANGER_REQUIRE_SERVICES=1, which turns their absence into a failure).
set -u
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! port_open 5432 && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if ! port_open 6379 && command -v redis-server >/dev/null 2>&1; then
  echo "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
fi
for _ in $(seq 1 20); do
  port_open 5432 && port_open 6379 && break
  sleep 0.5
done
port_open 5432 && echo "PostgreSQL: up" || echo "PostgreSQL: not reachable"
port_open 6379 && echo "Redis: up" || echo "Redis: not reachable"
exit 0
