#!/usr/bin/env bash
# The whole story on this machine: install what is missing, start a real local Kafka, create the
# default queue's topics from .env, scaffold ExampleKafkaJob, dispatch it and a job that always
# fails, and run a worker until the queue is empty: one job done, one retried and dead-lettered.
# Run again at will: every step is idempotent (the jobs are written once; each run dispatches two).
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
if [ ! -f "$KQ_JOBS_DIR/FailingExampleJob.ts" ]; then
  cat > "$KQ_JOBS_DIR/FailingExampleJob.ts" <<'TS'
import {Job} from 'kq'

// Fails on every try, to show a retry and the dead-letter topic.
export default class FailingExampleJob extends Job<{reason: string}> {
  override tries = 2
  override backoff = [1]

  override async handle(payload: {reason: string}): Promise<void> {
    throw new Error(`cannot do it: ${payload.reason}`)
  }
}
TS
  echo "Wrote $KQ_JOBS_DIR/FailingExampleJob.ts"
fi

kq dispatch ExampleKafkaJob '{"data":"Este é um exemplo de dado"}'
kq dispatch FailingExampleJob '{"reason":"the mail server is down"}'
kq work --stop-when-empty
kq topic:list
# Where the broker is, as kq reads it (the environment, else .env, else the default).
brokers="${KAFKA_BROKERS:-$(sed -n 's/^KAFKA_BROKERS=//p' .env | tail -n 1)}"
brokers="${brokers:-127.0.0.1:9092}"

cat <<TXT

Done: a real Kafka runs locally, ExampleKafkaJob ran, and FailingExampleJob failed twice and
went to the dead-letter topic. The job classes are in $KQ_JOBS_DIR.
Read the dead letter, headers and all, with any Kafka client:
  kcat -b ${brokers%%,*} -C -t default-dlt -e -f '%h\n%s\n'
Stop Kafka with \`node bin/run.js kafka:down\` (add --purge to delete its data).
TXT
