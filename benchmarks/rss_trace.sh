#!/bin/bash
# Memory of one `notelink sync` over time: RSS every 0.5 s, next to the stage seconds.
#   bash benchmarks/rss_trace.sh VAULT CACHE_DIR OUT_PREFIX
# Writes OUT_PREFIX.rss ("seconds RSS-kB" lines), OUT_PREFIX.json (sync --json), .err.
# The vault should be a copy (the sync writes into it); CACHE_DIR is emptied first.
set -u
rm -rf "$2"
NOTELINK_CACHE_DIR="$2" python -m notelink sync "$1" --json > "$3.json" 2> "$3.err" &
pid=$!
start=$(date +%s.%N)
while kill -0 $pid 2>/dev/null; do
  r=$(grep VmRSS /proc/$pid/status 2>/dev/null | awk '{print $2}')
  echo "$(echo "$(date +%s.%N) - $start" | bc) $r" >> "$3.rss"
  sleep 0.5
done
wait $pid; echo "rc $?" >> "$3.rss"
