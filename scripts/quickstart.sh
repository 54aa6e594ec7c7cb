#!/usr/bin/env bash
# The whole story on this machine: install what is missing, start a real local Kafka, create the
# default queue's topics from .env, scaffold ExampleKafkaJob and dispatch it. Run again at will:
# every step is idempotent (the job is scaffolded once; each run dispatches one more).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
kq() { node bin/run.js "$@"; }

if [ ! -f .env ]; then
  cp .env.example .env
  echo "Wrote .env from .env.example."
fi

# The example job lives beside the local Kafka's files, not in the project's source.
export KQ_JOBS_DIR=.kq/quickstart/jobs

kq kafka:up
kq topic:create
[ -f "$KQ_JOBS_DIR/ExampleKafkaJob.ts" ] || kq make:job ExampleKafkaJob
kq dispatch ExampleKafkaJob '{"data":"Este é um exemplo de dado"}'
kq topic:list

cat <<TXT

Local Kafka is running, the default queue's topics exist and a job waits in the queue.
Its class is $KQ_JOBS_DIR/ExampleKafkaJob.ts. Read the job back with any Kafka client:
  kcat -b 127.0.0.1:9092 -C -t default -e -J
Stop Kafka with \`node bin/run.js kafka:down\` (add --purge to delete its data).
TXT
