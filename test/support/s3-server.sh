#!/usr/bin/env bash
# A real S3-compatible object store for tests: single-node, single-replica OpenStack Swift (Debian
# packages swift swift-proxy swift-object swift-container swift-account, + memcached, + openssl) with
# the s3api and tempauth middleware, bound to 127.0.0.1. See ../../docs or the research note it came
# from: restic 0.14 (minio-go) needs HTTPS here, because Swift's s3api refuses the aws-chunked uploads
# minio-go sends over plain HTTP — so a TLS proxy with a self-signed certificate is always started.
#
#   s3-server.sh start   prints S3_DIR once everything answers; PIDs are in $S3_DIR/pids
#   s3-server.sh stop S3_DIR   kills exactly the recorded PIDs (TERM, then KILL after 5 s)
#
# start reads: S3_PORT (plain HTTP; backends use S3_PORT+1..+3, memcached +4), S3_TLS_PORT (HTTPS),
# S3_DIR (default: a fresh mktemp dir), S3_ACCESS_KEY (tempauth "account:user", default test:tester),
# S3_SECRET_KEY (default testing), S3_REGION (default us-east-1; clients must sign with it).
# The certificate is $S3_DIR/etc/tls.crt. Nothing is written outside $S3_DIR (Swift still reads
# /etc/swift/swift.conf at import time; the Debian package installs it).
set -euo pipefail

stop() {
  local dir=$1
  [ -f "$dir/pids" ] || exit 0
  while read -r pid; do kill -TERM "$pid" 2>/dev/null || true; done < "$dir/pids"
  for _ in $(seq 1 50); do
    local alive=0
    while read -r pid; do if kill -0 "$pid" 2>/dev/null; then alive=1; fi; done < "$dir/pids"
    [ $alive = 0 ] && break
    sleep 0.1
  done
  while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done < "$dir/pids"
  rm -f "$dir/pids"
}

case "${1:-}" in
  stop) stop "${2:?usage: s3-server.sh stop S3_DIR}"; exit 0 ;;
  start) ;;
  *) echo "usage: s3-server.sh start | stop S3_DIR" >&2; exit 2 ;;
esac

S3_PORT=${S3_PORT:-8080}
S3_TLS_PORT=${S3_TLS_PORT:-$((S3_PORT + 5))}
S3_DIR=${S3_DIR:-$(mktemp -d /tmp/lifeboat-s3.XXXXXX)}
S3_ACCESS_KEY=${S3_ACCESS_KEY:-test:tester}
S3_SECRET_KEY=${S3_SECRET_KEY:-testing}
S3_REGION=${S3_REGION:-us-east-1}
OBJ_PORT=$((S3_PORT + 1)); CONT_PORT=$((S3_PORT + 2)); ACCT_PORT=$((S3_PORT + 3)); MC_PORT=$((S3_PORT + 4))
RUN_USER=$(id -un)
PY=/usr/bin/python3   # Debian's python3: Swift lives in its dist-packages
ACCT_NAME=${S3_ACCESS_KEY%%:*}; USER_NAME=${S3_ACCESS_KEY#*:}
E=$S3_DIR/etc
DATA=$S3_DIR/srv
mkdir -p "$E" "$S3_DIR/log" "$S3_DIR/cache" "$DATA/d1"
: > "$S3_DIR/pids"

cat > "$E/swift.conf" <<CONF
[swift-hash]
swift_hash_path_suffix = lifeboat-test
swift_hash_path_prefix = lifeboat-test
[storage-policy:0]
name = Policy-0
default = yes
CONF

# Rings: one device, one replica, built in one python process (faster than nine swift-ring-builder runs).
$PY - "$E" "$OBJ_PORT" "$CONT_PORT" "$ACCT_PORT" <<'PYEOF'
import sys
from swift.common.ring import RingBuilder
etc = sys.argv[1]
for kind, port in (('object', sys.argv[2]), ('container', sys.argv[3]), ('account', sys.argv[4])):
    b = RingBuilder(4, 1, 1)
    b.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': int(port), 'device': 'd1', 'weight': 1, 'meta': ''})
    b.rebalance()
    b.save('%s/%s.builder' % (etc, kind))
    b.get_ring().save('%s/%s.ring.gz' % (etc, kind))
PYEOF

common() { cat <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $1
workers = 0
user = $RUN_USER
swift_dir = $E
devices = $DATA
mount_check = false
disable_fallocate = true
log_level = WARNING
# No syslog: a missing socket makes Swift fall back to UDP localhost:514 (dropped); "-v" copies log
# lines to stdout, which goes to \$S3_DIR/log.
log_address = $S3_DIR/no-syslog
recon_cache_path = $S3_DIR/cache
CONF
}
backend_conf() {
  { common "$2"; printf '[pipeline:main]\npipeline = %s-server\n[app:%s-server]\nuse = egg:swift#%s\n' "$1" "$1" "$1"; } > "$E/$1-server.conf"
}
backend_conf object "$OBJ_PORT"; backend_conf container "$CONT_PORT"; backend_conf account "$ACCT_PORT"

if [ -x /usr/bin/memcached ]; then
  # tempauth needs a cache; without memcached it works but logs an error on every request.
  setsid /usr/bin/memcached -u "$RUN_USER" -l 127.0.0.1 -p "$MC_PORT" -U 0 -m 64 -t 1 >"$S3_DIR/log/memcached.log" 2>&1 </dev/null &
  echo $! >> "$S3_DIR/pids"
fi

proxy_conf() {
{ common "$1"; printf '%b' "$2"; cat <<CONF
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true
[filter:s3api]
use = egg:swift#s3api
location = $S3_REGION
[filter:tempauth]
use = egg:swift#tempauth
user_${ACCT_NAME}_${USER_NAME} = $S3_SECRET_KEY .admin
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MC_PORT
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_object_versioning = true
[filter:symlink]
use = egg:swift#symlink
CONF
}; }
proxy_conf "$S3_PORT" "" > "$E/proxy-server.conf"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$E/tls.key" -out "$E/tls.crt" -days 3650 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1
proxy_conf "$S3_TLS_PORT" "cert_file = $E/tls.crt\nkey_file = $E/tls.key\n" > "$E/proxy-tls-server.conf"

launch() { setsid "$1" "$2" -v >"$S3_DIR/log/$3.log" 2>&1 </dev/null & echo $! >> "$S3_DIR/pids"; }
for s in object container account proxy; do launch "/usr/bin/swift-$s-server" "$E/$s-server.conf" "$s"; done
launch /usr/bin/swift-proxy-server "$E/proxy-tls-server.conf" proxy-tls

# Ready: every backend port accepts and both proxies answer their healthcheck (at most 60 s; the
# machine running the tests may be busy).
for _ in $(seq 1 600); do
  if $PY - "$S3_PORT" "$S3_TLS_PORT" "$OBJ_PORT" "$CONT_PORT" "$ACCT_PORT" <<'PYEOF' 2>/dev/null
import sys, socket, ssl, urllib.request
for p in sys.argv[3:]:
    socket.create_connection(('127.0.0.1', int(p)), 0.5).close()
assert urllib.request.urlopen('http://127.0.0.1:%s/healthcheck' % sys.argv[1], timeout=1).read() == b'OK'
ctx = ssl._create_unverified_context()
assert urllib.request.urlopen('https://127.0.0.1:%s/healthcheck' % sys.argv[2], timeout=1, context=ctx).read() == b'OK'
PYEOF
  then echo "$S3_DIR"; exit 0; fi
  sleep 0.1
done
echo "Swift did not come up within 60 s; logs in $S3_DIR/log" >&2
stop "$S3_DIR"
exit 1
