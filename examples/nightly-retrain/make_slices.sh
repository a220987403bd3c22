#!/usr/bin/env bash
# Cuts the bundled UCI credit data into the files that "arrive" on three nights:
#   slices/night-1.csv   clients 1-15000
#   slices/night-2.csv   clients 15001-30000
#   slices/night-3.csv   night 2 after a credit-policy change: every limit halved (drift)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../credit-default/data/UCI_Credit_Card.csv"
mkdir -p "$here/slices"
awk 'NR == 1 || (NR >= 2 && NR <= 15001)' "$src" >"$here/slices/night-1.csv"
awk 'NR == 1 || NR >= 15002' "$src" >"$here/slices/night-2.csv"
# LIMIT_BAL is the second column.
awk -F, -v OFS=, 'NR == 1 { print; next } { $2 = $2 / 2; print }' "$here/slices/night-2.csv" >"$here/slices/night-3.csv"
echo "slices written to $here/slices"
