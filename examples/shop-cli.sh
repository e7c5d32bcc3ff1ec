#!/usr/bin/env bash
# The shop scenario with the ferry CLI alone: orders produced to `orders`; groups inventory,
# billing and shipping each consume every order, with a SIGKILL restart of the broker in the
# middle that loses nothing. Run: bash examples/shop-cli.sh (after npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."
D=$(mktemp -d /tmp/ferry-shop-XXXX); F="node bin/ferry.js"
start() { rm -f $D/ports.json; node bin/ferry.js serve --port 0 --data-dir $D/data --ports-file $D/ports.json --log-level warn & PID=$!; while [ ! -s $D/ports.json ]; do sleep 0.1; done; export FERRY_BROKER=$(node -e "console.log(require('$D/ports.json').grpc)"); }
start
echo "\$ ferry topics create orders --partitions 3"; $F topics create orders --partitions 3
echo '$ ferry produce orders … (order 1001, 1002)'
$F produce orders '{"order_id":1001,"customer_id":501,"items":[{"id":1,"qty":2},{"id":2,"qty":1}]}' --key 1001 --header type=OrderPlaced
$F produce orders '{"order_id":1002,"customer_id":502,"items":[{"id":3,"qty":5}]}' --key 1002 --header type=OrderPlaced
for g in inventory billing shipping; do echo "\$ ferry consume orders --group $g --max 1"; $F consume orders --group $g --max 1; done
echo "--- kill -9 the broker, start it again on the same data"
kill -9 $PID; wait $PID 2>/dev/null || true; start
echo '$ ferry produce orders … (order 1003)'
$F produce orders '{"order_id":1003,"customer_id":503,"items":[{"id":1,"qty":1}]}' --key 1003 --header type=OrderPlaced
for g in inventory billing shipping; do echo "\$ ferry consume orders --group $g --max 2"; $F consume orders --group $g --max 2; done
for g in inventory billing shipping; do echo "\$ ferry groups describe $g --topic orders"; $F groups describe $g --topic orders; done
kill $PID; wait $PID || true; rm -rf $D
