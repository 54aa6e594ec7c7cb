import {type KqConfig} from '../config/index.js'
import {type Role} from './roles.js'

/** Who a command runs as, in kq's role vocabulary: enough to write the grant that lets it. */
export interface Acting {
  role: Role
  /** `User:alice`; undefined when kq cannot know it (no SASL login: TLS or anonymous). */
  principal?: string
  queues: string[]
  group?: string
}

/** Who a command acting in `role` on `queues` runs as, under this configuration. */
export function actingFor(role: Role, config: KqConfig, queues: string[], group = config.consumerGroup): Acting {
  const {sasl} = config.kafka
  return {role, queues, group, ...(sasl && {principal: `User:${sasl.username}`})}
}

/** The `kq acl:grant` line that gives a command's principal what its role needs. */
export function grantLine(acting: Acting): string {
  const queues = acting.queues.flatMap((queue) => ['--queue', queue])
  const group = acting.role === 'dispatcher' || acting.group === undefined ? [] : ['--group', acting.group]
  return ['kq acl:grant --role', acting.role, '--principal', acting.principal ?? 'User:NAME', ...queues, ...group].join(' ')
}
