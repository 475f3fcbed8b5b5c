#!/usr/bin/env bash
# `make demo`: seed a demo store, serve it like Zendesk on 127.0.0.1:8000 with live traffic,
# export it with `zendesk-events sync` into ./demo-export.db, show what was exported, follow the
# live account with `sync --follow` for a short while, write the export's HTML report
# (./demo-report.html), keep serving until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

HOST=127.0.0.1
PORT=${DEMO_PORT:-8000}
URL="http://$HOST:$PORT"
EMAIL=admin@example.com
PASSWORD=zendesk-events-demo
FOLLOW=${DEMO_FOLLOW_SECONDS:-40}
TRAFFIC=${DEMO_TRAFFIC:-3}
LAG=15

if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
  echo "error: something already listens on $HOST:$PORT (set DEMO_PORT=8001 to use another port)" >&2
  exit 1
fi

rm -f demo.db demo.db-wal demo.db-shm demo-export.db demo-export.db-wal demo-export.db-shm \
  demo-report.html
echo "==> 1/6 seeding a demo store (demo.db): 250 tickets over 30 days"
# --demo-admin: the admin $EMAIL with the public password $PASSWORD, for this demo only
zendesk-events seed --db demo.db --tickets 250 --days 30 --seed 42 --demo-admin

echo
echo "==> 2/6 serving it like Zendesk on $URL (30 export requests/minute: the High Volume add-on),"
echo "    live: $TRAFFIC writes a second of traffic, a ${LAG}s hold-back (Zendesk's is 60s; shorter for the demo)"
zendesk-events serve --db demo.db --host "$HOST" --port "$PORT" --export-rate-limit 30 \
  --traffic "$TRAFFIC" --seed 42 --lag "$LAG" --log-level warning &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null && break
  sleep 0.1
done
echo "    it is up: the curl command printed by the seed above works now (try it in another terminal)"

echo
echo "==> 3/6 exporting it: zendesk-events sync --url $URL ... --to demo-export.db"
zendesk-events sync --url "$URL" --email "$EMAIL" --password "$PASSWORD" \
  --since 31d --include comment_events --to demo-export.db

echo
echo "==> 4/6 what was exported"
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
echo "==> 5/6 following the live account for ${FOLLOW}s: zendesk-events sync --follow"
MARK=$(python3 -c 'import sqlite3; db = sqlite3.connect("demo-export.db"); print(*(db.execute(f"SELECT COALESCE(MAX(id), 0) FROM {t}").fetchone()[0] for t in ("ticket_events", "ticket_metric_events")))')
zendesk-events sync --url "$URL" --email "$EMAIL" --password "$PASSWORD" \
  --include comment_events --to demo-export.db --follow --poll-interval 5 --quiet &
FOLLOWER=$!
sleep "$FOLLOW"
kill -TERM $FOLLOWER 2>/dev/null || true  # the sync stops after its current page
wait $FOLLOWER || true
MARK=$MARK python3 - <<'PY'
import json, os, sqlite3
db = sqlite3.connect("demo-export.db")
audits, metrics = (int(x) for x in os.environ["MARK"].split())
rows = db.execute(
    "SELECT ticket_id, via, raw FROM ticket_events WHERE id > ? ORDER BY timestamp, id", (audits,)
).fetchall()
(late,) = db.execute("SELECT COUNT(*) FROM ticket_metric_events WHERE id > ?", (metrics,)).fetchone()
print(f"picked up live: {len(rows)} ticket events and {late} metric events written by --traffic")
meta = {"id", "via", "via_reference_id", "event_type", "previous_value", "added_tags",
        "removed_tags", "comment_present", "comment_public", "type", "author_id", "body",
        "html_body", "public", "attachments", "audit_id", "created_at", "subject", "recipients"}
for ticket_id, via, raw in rows[:8]:
    kinds = []
    for child in json.loads(raw)["child_events"]:
        field = next((k for k in child if k not in meta), None)
        shown = f"{field}={child[field]}" if field in ("status", "priority") else field
        kinds.append(child["event_type"] + (f" {shown}" if shown else ""))
    print(f"  #{ticket_id:<5} via {via:<9} " + ", ".join(kinds)[:110])
PY

echo
echo "==> 6/6 analysing the export and writing its report (demo-report.html)"
zendesk-events report --to demo-export.db --out demo-report.html

cat <<TXT

The same command against a real Zendesk (an admin's API token; flags or env vars):
  export ZENDESK_SUBDOMAIN=yourcompany ZENDESK_EMAIL=you@yourcompany.com ZENDESK_API_TOKEN=...
  zendesk-events sync --since 30d --include comment_events --to zendesk-events.db
Run it again any time: it resumes from the stored cursor. Serve the result as a mirror with
  zendesk-events serve --db zendesk-events.db --export-rate-limit 0

Analyse your own export the same way: zendesk-events analyze / zendesk-events report.

The demo server keeps running on $URL, its account still live ($TRAFFIC writes a second): try
  zendesk-events sync --url $URL --email $EMAIL --password $PASSWORD --to demo-export.db --follow
or write to it yourself, as Zendesk's Tickets API takes it:
  curl -u $EMAIL:$PASSWORD -H "Content-Type: application/json" $URL/api/v2/tickets.json \\
    -d '{"ticket": {"subject": "Printer on fire", "comment": {"body": "It smokes."}}}'
Press Ctrl-C to stop it.
The report of this export: file://$PWD/demo-report.html (open it in a browser)
TXT
wait $SERVER
