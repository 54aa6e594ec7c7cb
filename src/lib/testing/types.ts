import {type Job} from '../jobs/job.js'

/** A job class as the test helpers take it: its payload type comes from `Job<P>`. */
export type JobClassOf<T extends Job<any>> = (new () => T) & {jobName?: string; name: string}

/** The payload type of a job class's instances. */
export type PayloadOf<T> = T extends Job<infer P> ? P : never
