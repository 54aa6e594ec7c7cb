#!/usr/bin/env bash
# The whole story on this machine: install what is missing, start a real local Kafka, and create
# the default queue's topics from .env. Run again at will: every step is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
kq() { node bin/run.js "$@"; }

if [ ! -f .env ]; then
  cp .env.example .env
  echo "Wrote .env from .env.example."
fi

kq kafka:up
kq topic:create
kq topic:list

cat <<'TXT'

Local Kafka is running and the default queue's topics exist.
Stop it with `node bin/run.js kafka:down` (add --purge to delete its data).
TXT
