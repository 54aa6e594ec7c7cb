import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

/**
 * The relative imports of every .ts file under `root`, as paths from `root`. Type-only and
 * dynamic imports count: a cycle through either still ties the two modules together.
 */
export function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of tsFiles(root)) {
    const {importedFiles} = ts.preProcessFile(readFileSync(path.join(root, file), 'utf8'), true, true)
    const targets = importedFiles
      .map(({fileName}) => fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => path.join(path.dirname(file), specifier).replace(/\.js$/, '.ts'))
    graph.set(file, [...new Set(targets)])
  }

  return graph
}

/** Each import cycle once, as the files around it, starting from its first file in name order. */
export function importCycles(graph: Map<string, string[]>): string[][] {
  const cycles = new Map<string, string[]>()
  const done = new Set<string>()
  const stack: string[] = []
  const onStack = new Set<string>()

  const visit = (file: string): void => {
    stack.push(file)
    onStack.add(file)
    for (const next of graph.get(file) ?? []) {
      if (onStack.has(next)) {
        const cycle = stack.slice(stack.indexOf(next))
        const first = cycle.indexOf([...cycle].sort()[0])
        const rotated = [...cycle.slice(first), ...cycle.slice(0, first)]
        cycles.set(rotated.join(' -> '), rotated)
      } else if (!done.has(next) && graph.has(next)) {
        visit(next)
      }
    }

    stack.pop()
    onStack.delete(file)
    done.add(file)
  }

  for (const file of [...graph.keys()].sort()) if (!done.has(file)) visit(file)
  return [...cycles.values()]
}

function tsFiles(root: string, folder = ''): string[] {
  return readdirSync(path.join(root, folder), {withFileTypes: true}).flatMap((entry) => {
    const file = path.join(folder, entry.name)
    if (entry.isDirectory()) return tsFiles(root, file)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [file] : []
  })
}
