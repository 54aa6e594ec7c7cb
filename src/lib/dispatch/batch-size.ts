/**
 * How many jobs of a bulk dispatch go in one send. Its own module: the command line's first
 * reader (shared/fast-dispatch-args.ts) checks --batch-size before anything else of kq loads.
 */

/** Jobs per send, unless --batch-size says otherwise. */
export const DEFAULT_BATCH_SIZE = 1000

/** The most jobs per send --batch-size allows. */
export const MAX_BATCH_SIZE = 100_000
