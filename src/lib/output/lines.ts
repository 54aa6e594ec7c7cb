/**
 * Lines for a stream, written in one call per turn of the event loop: a worker draining a
 * backlog emits thousands of lines a second, and a write call each is a system call each.
 * Order is kept; `flush()` writes what is pending at once (before the process exits).
 */
export interface LineWriter {
  write(line: string): void
  flush(): void
}

export function lineWriter(stream: NodeJS.WritableStream = process.stdout): LineWriter {
  // One string grown by concatenation: V8 keeps it as a rope until it is written.
  let pending = ''
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending === '') return
    const text = pending
    pending = ''
    stream.write(text)
  }

  return {
    write(line) {
      pending += line + '\n'
      if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
    },
    flush,
  }
}
