/**
 * What each kind of kq client needs of Kafka, as ACL bindings: least privilege for the code
 * paths of that role, derived from the same naming rules the rest of kq uses (lib/config/topics,
 * the dead-letter cursor group, the control reader groups), so a renamed topic or group cannot
 * leave the grants behind. Pure: no I/O.
 */
import {batchReaderGroup} from '../batch/groups.js'
import {type QueueTopics} from '../config/topics.js'
import {controlReaderGroup} from '../control/groups.js'
import {deadLetterCursorGroup} from '../dead-letter/backlog.js'
import {type AclBinding, type AclOperation, type AclResourceType} from '../kafka/index.js'

export const ROLES = ['dispatcher', 'worker', 'operator'] as const
export type Role = (typeof ROLES)[number]

/** What a role is granted on. */
export interface RoleScope {
  /** `User:alice`. */
  principal: string
  /** The queues, each with its topics. */
  queues: QueueTopics[]
  /** The workers' consumer group (KAFKA_CONSUMER_GROUP). */
  group: string
  /** The control topic of restart, pause and continue (KQ_CONTROL_TOPIC). */
  controlTopic: string
  /** The topic of batch progress (KQ_BATCH_TOPIC). */
  batchTopic: string
}

/** A binding, with the kq command or code path that needs it. */
export interface RoleBinding extends AclBinding {
  why: string
}

/** One grant before it is spread over operations and names. */
interface Need {
  resourceType: AclResourceType
  names: string[]
  pattern?: 'literal' | 'prefixed'
  operations: AclOperation[]
  why: string
}

const topics = (names: string[], operations: AclOperation[], why: string): Need => ({resourceType: 'topic', names, operations, why})
const group = (name: string, operations: AclOperation[], why: string, pattern: 'literal' | 'prefixed' = 'literal'): Need => ({
  resourceType: 'group',
  names: [name],
  pattern,
  operations,
  why,
})

/*
 * DESCRIBE is listed beside READ and WRITE although Kafka implies it from them, as Kafka's own
 * AclCommand --producer and --consumer do: an ACL list then reads the same in any tool. No
 * IDEMPOTENT_WRITE on the cluster: Kafka 3.0 and later let a principal with WRITE on any topic
 * start an idempotent producer (KIP-679), and kq runs KRaft clusters only.
 */
const NEEDS: Record<Role, (scope: RoleScope) => Need[]> = {
  dispatcher: ({queues, ...scope}) => [
    topics(queues.map((queue) => queue.topic), ['write', 'describe'], 'kq dispatch, Job.dispatch()'),
    topics(queues.flatMap((queue) => queue.delayTopics), ['write', 'describe'], 'kq dispatch --delay (a job waits on a delay topic)'),
    topics([scope.batchTopic], ['write', 'create', 'describe'], 'batch().dispatch(): a batch\'s created record'),
  ],
  worker: (scope) => [
    topics(scope.queues.map((queue) => queue.topic), ['read', 'describe'], 'kq work: run jobs'),
    topics(scope.queues.map((queue) => queue.retryTopic), ['read', 'write', 'describe'], 'kq work: retry a failed job'),
    topics(scope.queues.flatMap((queue) => queue.delayTopics), ['read', 'write', 'describe'], 'kq work: delayed jobs, backoff'),
    topics(scope.queues.map((queue) => queue.deadLetterTopic), ['write', 'describe'], 'kq work: dead-letter a job'),
    group(scope.group, ['read', 'describe'], 'kq work: join the workers’ group, commit'),
    topics([scope.controlTopic], ['read', 'describe'], 'kq work: obey restart, pause, continue'),
    group(controlReaderGroup(scope.group), ['read'], 'kq work: read the control topic', 'prefixed'),
    topics([scope.batchTopic], ['read', 'write', 'describe'], 'kq work: report a batch\'s job ended, dispatch its end jobs'),
    group(batchReaderGroup(scope.group), ['read'], 'kq work: read a batch back', 'prefixed'),
  ],
  operator: (scope) => [
    topics(
      scope.queues.flatMap((queue) => [queue.topic, queue.retryTopic, ...queue.delayTopics]),
      ['describe'],
      'kq status: offsets and lag',
    ),
    topics(scope.queues.map((queue) => queue.topic), ['write'], 'kq dlt:replay'),
    topics(scope.queues.map((queue) => queue.deadLetterTopic), ['read', 'describe'], 'kq dlt:list, dlt:show'),
    group(scope.group, ['describe'], 'kq status: workers and their offsets'),
    group(deadLetterCursorGroup(scope.group), ['read', 'describe'], 'kq dlt:*: read dead letters, move the cursor', 'prefixed'),
    topics([scope.controlTopic], ['read', 'write', 'create', 'describe'], 'kq pause, continue, restart; status shows paused queues'),
    group(controlReaderGroup(scope.group), ['read'], 'kq status, pause, continue: read the control topic', 'prefixed'),
    topics([scope.batchTopic], ['read', 'describe'], 'kq batch:show, batch:list'),
    group(batchReaderGroup(scope.group), ['read'], 'kq batch:show, batch:list: read the batch topic', 'prefixed'),
  ],
}

/** The bindings that give `role` what it needs in `scope`, each once, in a stable order. */
export function roleBindings(role: Role, scope: RoleScope): RoleBinding[] {
  const seen = new Set<string>()
  const bindings: RoleBinding[] = []
  for (const need of NEEDS[role](scope)) {
    for (const name of need.names) {
      for (const operation of need.operations) {
        const binding: RoleBinding = {
          principal: scope.principal,
          host: '*',
          resourceType: need.resourceType,
          name,
          pattern: need.pattern ?? 'literal',
          operation,
          permission: 'allow',
          why: need.why,
        }
        const key = bindingKey(binding)
        if (seen.has(key)) continue
        seen.add(key)
        bindings.push(binding)
      }
    }
  }

  return bindings
}

/** What makes two bindings the same ACL in Kafka. */
export function bindingKey(binding: AclBinding): string {
  return [binding.principal, binding.host, binding.resourceType, binding.pattern, binding.name, binding.operation, binding.permission].join('\u0000')
}

/** Kafka's principal form, `User:alice`; anything else is a usage error's message. */
export function principalProblem(principal: string): string | undefined {
  if (/^[A-Za-z]+:\S.*$/.test(principal)) return undefined
  return `--principal must be Kafka's principal form, TYPE:NAME such as User:alice (the SASL user name, or the client certificate's name under mTLS), got ${JSON.stringify(principal)}`
}
