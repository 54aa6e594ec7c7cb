import {UsageError, errorMessage} from '../errors.js'
import {type StandardIssue, type StandardSchemaV1} from './standard.js'

/**
 * Checks a job's payload against its class's schema: at dispatch (so that a bad payload is
 * never sent) and in the worker (so that one sent by another producer never runs).
 */

/** A payload its job's schema refuses: one line naming the first field at fault. */
export class PayloadInvalidError extends UsageError {
  override name = 'PayloadInvalidError'

  constructor(
    readonly job: string,
    readonly issues: readonly StandardIssue[],
  ) {
    super(describeIssues(job, issues))
  }
}

export type PayloadCheck = {ok: true; value: unknown} | {ok: false; error: PayloadInvalidError}

/**
 * The schema's verdict on a payload, never throwing: a schema that throws, or that is not a
 * Standard Schema at all, refuses the payload with an issue saying so. The value on success is
 * the schema's output (its defaults and transforms applied), which is what the job receives.
 */
export async function checkPayload(schema: StandardSchemaV1, payload: unknown, job: string): Promise<PayloadCheck> {
  const validate = (schema as Partial<StandardSchemaV1> | null)?.['~standard']?.validate
  if (typeof validate !== 'function') {
    return refused(job, 'its schema is not a Standard Schema validator (it has no ~standard.validate function)')
  }

  let result
  try {
    result = await validate(payload)
  } catch (error) {
    return refused(job, `its schema threw: ${errorMessage(error)}`)
  }

  if (result.issues !== undefined) {
    return {ok: false, error: new PayloadInvalidError(job, result.issues.length > 0 ? result.issues : [{message: 'refused with no issue given'}])}
  }

  return {ok: true, value: result.value}
}

/** Checks a payload before it is sent; throws PayloadInvalidError (exit 2) when it is refused. */
export async function assertPayloadValid(schema: StandardSchemaV1 | undefined, payload: unknown, job: string): Promise<void> {
  if (schema === undefined) return
  const checked = await checkPayload(schema, payload, job)
  if (!checked.ok) throw checked.error
}

/** `payload of SendWelcomeEmail is invalid at user.email: Invalid email (and 1 more issue)`. */
export function describeIssues(job: string, issues: readonly StandardIssue[]): string {
  const [first] = issues
  const where = first.path === undefined || first.path.length === 0 ? '' : ` at ${formatPath(first.path)}`
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? 's' : ''})` : ''
  return `payload of ${job} is invalid${where}: ${first.message}${more}`
}

/** `items[0].name`, `["first name"]`: a path as one would write it in JavaScript. */
export function formatPath(path: NonNullable<StandardIssue['path']>): string {
  let text = ''
  for (const segment of path) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment
    if (typeof key === 'number' || (typeof key === 'string' && /^\d+$/.test(key) && text !== '')) text += `[${String(key)}]`
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) text += text === '' ? key : `.${key}`
    else text += `[${typeof key === 'symbol' ? key.toString() : JSON.stringify(key)}]`
  }

  return text
}

function refused(job: string, message: string): PayloadCheck {
  return {ok: false, error: new PayloadInvalidError(job, [{message}])}
}
