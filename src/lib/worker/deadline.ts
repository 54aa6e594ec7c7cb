/**
 * What `work` resolved to within `ms`, or undefined while it is still running then; its error if
 * it failed first. The work is abandoned, not cancelled.
 */
export async function resultWithin<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  try {
    return await Promise.race([work, late])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * True when `work` settles, either way, within `ms`; false when it is still running then. The
 * work is abandoned, not cancelled: the worker's process exits once it has stopped.
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  const settled = work.then(
    () => true,
    () => true,
  )
  return (await resultWithin(settled, ms)) ?? false
}
