export {CLOCK_SKEW_MS, MAX_RECORDS_PER_TOPIC, type JobLookupOptions, findJobHistory} from './find.js'
export {type JobHistory, JobNotFoundError, type JobSighting, type JobState, type SearchBounds, type SightingKind} from './types.js'
