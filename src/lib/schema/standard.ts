/**
 * The Standard Schema v1 interface (standardschema.dev), the one that zod, valibot, arktype and
 * others implement: written out here rather than depended on, as the spec invites, since kq
 * needs only its shape. A hand-written validator is any object with a `~standard` property.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaProps<Input, Output>
}

export interface StandardSchemaProps<Input = unknown, Output = Input> {
  readonly version: 1
  readonly vendor: string
  /** Never throws for a bad value: it reports issues. May answer with a Promise. */
  readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>
  readonly types?: {readonly input: Input; readonly output: Output} | undefined
}

export type StandardResult<Output> =
  | {readonly value: Output; readonly issues?: undefined}
  | {readonly issues: ReadonlyArray<StandardIssue>}

export interface StandardIssue {
  readonly message: string
  /** Where in the value: keys and indexes from the top, bare or as `{key}`. */
  readonly path?: ReadonlyArray<PropertyKey | {readonly key: PropertyKey}> | undefined
}
