#!/usr/bin/env bash
# `make demo`: seed a demo store, serve it like Zendesk on 127.0.0.1:8000, export it with
# `zendesk-events sync` into ./demo-export.db, show what was exported, write its HTML report
# (./demo-report.html), keep serving until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

HOST=127.0.0.1
PORT=${DEMO_PORT:-8000}
URL="http://$HOST:$PORT"
EMAIL=admin@example.com
PASSWORD=zendesk-events-demo

if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
  echo "error: something already listens on $HOST:$PORT (set DEMO_PORT=8001 to use another port)" >&2
  exit 1
fi

rm -f demo.db demo.db-wal demo.db-shm demo-export.db demo-export.db-wal demo-export.db-shm \
  demo-report.html
echo "==> 1/5 seeding a demo store (demo.db): 250 tickets over 30 days"
# --demo-admin: the admin $EMAIL with the public password $PASSWORD, for this demo only
zendesk-events seed --db demo.db --tickets 250 --days 30 --seed 42 --demo-admin

echo
echo "==> 2/5 serving it like Zendesk on $URL (30 export requests/minute: the High Volume add-on)"
zendesk-events serve --db demo.db --host "$HOST" --port "$PORT" --export-rate-limit 30 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null && break
  sleep 0.1
done
echo "    it is up: the curl command printed by the seed above works now (try it in another terminal)"

echo
echo "==> 3/5 exporting it: zendesk-events sync --url $URL ... --to demo-export.db"
zendesk-events sync --url "$URL" --email "$EMAIL" --password "$PASSWORD" \
  --since 31d --include comment_events --to demo-export.db

echo
echo "==> 4/5 what was exported"
zendesk-events status --to demo-export.db
python3 - <<'PY'
import sqlite3, datetime
db = sqlite3.connect("demo-export.db")
lo, hi = db.execute("SELECT MIN(timestamp), MAX(timestamp) FROM ticket_events").fetchone()
fmt = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
print(f"time span of ticket events: {fmt(lo)} .. {fmt(hi)}")
print("a few field changes (ticket, field, previous -> value, via):")
for row in db.execute(
    "SELECT ticket_id, field, previous_value, value, via FROM ticket_field_changes "
    "WHERE event_type = 'Change' ORDER BY timestamp DESC, id LIMIT 8"
):
    print(f"  #{row[0]:<6} {row[1]:<14} {row[2]} -> {row[3]}   ({row[4]})")
PY

echo
echo "==> 5/5 analysing the export and writing its report (demo-report.html)"
zendesk-events report --to demo-export.db --out demo-report.html

cat <<TXT

The same command against a real Zendesk (an admin's API token; flags or env vars):
  export ZENDESK_SUBDOMAIN=yourcompany ZENDESK_EMAIL=you@yourcompany.com ZENDESK_API_TOKEN=...
  zendesk-events sync --since 30d --include comment_events --to zendesk-events.db
Run it again any time: it resumes from the stored cursor. Serve the result as a mirror with
  zendesk-events serve --db zendesk-events.db --export-rate-limit 0

Analyse your own export the same way: zendesk-events analyze / zendesk-events report.

The demo server keeps running on $URL; press Ctrl-C to stop it.
The report of this export: file://$PWD/demo-report.html (open it in a browser)
TXT
wait $SERVER
