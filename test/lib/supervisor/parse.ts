import {spawnSync} from 'node:child_process'

/**
 * Reading generated files back as their process managers do. Supervisor's file is read by
 * Python's own configparser (with Supervisor's settings), its `%(...)s` expanded by Python's `%`
 * and its command split by shlex: the very code Supervisor runs. The systemd unit is read by a
 * small parser of systemd's documented rules; `systemd-analyze verify` checks it too, where it is
 * installed.
 */

/** Whether `program` can be run here. */
export function isInstalled(program: string): boolean {
  return spawnSync(program, ['--version'], {stdio: 'ignore'}).error === undefined
}

export interface SupervisorSection {
  name: string
  /** Every key and value as configparser read them, comments gone. */
  keys: Record<string, string>
}

export interface SupervisorProcess {
  name: string
  command: string[]
  directory: string
  user: string
  stdoutLogfile: string
  environment: Record<string, string>
}

export interface SupervisorFile {
  sections: SupervisorSection[]
  /** For each [program:x], its processes with every value expanded as Supervisor does. */
  processes: SupervisorProcess[]
}

const READ_SUPERVISOR = String.raw`
import configparser, json, shlex, sys
# Supervisor's parser: configparser without interpolation, inline comments after whitespace.
parser = configparser.RawConfigParser(inline_comment_prefixes=(';', '#'), strict=False)
parser.read_string(sys.stdin.read())
sections, processes = [], []
for section in parser.sections():
    keys = dict(parser.items(section))
    sections.append({'name': section, 'keys': keys})
    if not section.startswith('program:'):
        continue
    program = section.split(':', 1)[1]
    numprocs = int(keys.get('numprocs', '1'))
    for num in range(numprocs):
        expansions = {'program_name': program, 'group_name': program, 'process_num': num, 'numprocs': numprocs,
                      'host_node_name': 'host', 'here': '/here'}
        get = lambda key: keys[key] % expansions
        processes.append({
            'name': keys['process_name'] % expansions,
            'command': shlex.split(get('command')),
            'directory': get('directory'),
            'user': get('user'),
            # Supervisor expands a log file's name a second time.
            'stdoutLogfile': get('stdout_logfile') % expansions,
            'environment': dict(pair.split('=', 1) for pair in shlex.split(get('environment').replace(',', ' '))),
        })
print(json.dumps({'sections': sections, 'processes': processes}))
`

export function readSupervisorFile(content: string): SupervisorFile {
  const run = spawnSync('python3', ['-c', READ_SUPERVISOR], {input: content, encoding: 'utf8'})
  if (run.status !== 0) throw new Error(`python3 could not read the file: ${run.stderr}`)
  return JSON.parse(run.stdout) as SupervisorFile
}

export interface SystemdUnit {
  /** Comment lines, without their '#'. */
  comments: string[]
  /** Each section's keys, in order; systemd allows a key more than once. */
  sections: Record<string, Array<[string, string]>>
}

/** A unit file as systemd reads it: sections, `Key=Value` lines, `#` and `;` comment lines. */
export function readSystemdUnit(content: string): SystemdUnit {
  const unit: SystemdUnit = {comments: [], sections: {}}
  let section: Array<[string, string]> | undefined
  for (const raw of content.split('\n')) {
    const line = raw.trim()
    if (line === '') continue
    if (line.startsWith('#') || line.startsWith(';')) {
      unit.comments.push(line.slice(1).trim())
    } else if (line.startsWith('[') && line.endsWith(']')) {
      section = []
      unit.sections[line.slice(1, -1)] = section
    } else {
      if (section === undefined) throw new Error(`key outside a section: ${line}`)
      if (line.endsWith('\\')) throw new Error(`continued line: ${line}`)
      const equals = line.indexOf('=')
      if (equals < 1) throw new Error(`not Key=Value: ${line}`)
      section.push([line.slice(0, equals).trim(), line.slice(equals + 1).trim()])
    }
  }

  return unit
}

/** A section's keys as an object; a key given twice is an error here, as none of ours should be. */
export function unitKeys(unit: SystemdUnit, name: string): Record<string, string> {
  const keys: Record<string, string> = {}
  for (const [key, value] of unit.sections[name] ?? []) {
    if (key in keys) throw new Error(`${key} given twice in [${name}]`)
    keys[key] = value
  }

  return keys
}

/** Resolves systemd specifiers: `%%` and the instance `%i`; any other is unexpected here. */
export function resolveSpecifiers(value: string, instance: string): string {
  return value.replace(/%(.)/g, (_, letter: string) => {
    if (letter === '%') return '%'
    if (letter === 'i') return instance
    throw new Error(`unexpected specifier %${letter} in ${value}`)
  })
}

const C_ESCAPES: Record<string, string> = {n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'", ' ': ' '}

/**
 * An ExecStart= line split into the program's arguments, as systemd.service(5) says: words split
 * on whitespace, a word wrapped in double or single quotes, C escapes, specifiers, then `$$` in
 * the arguments.
 */
export function execArguments(value: string, instance = '1'): string[] {
  const line = resolveSpecifiers(value, instance)
  const words: string[] = []
  let index = 0
  const escape = () => {
    const next = line[++index]
    if (!(next in C_ESCAPES)) throw new Error(`unexpected escape \\${next} in ${value}`)
    index++
    return C_ESCAPES[next]
  }

  while (index < line.length) {
    if (/\s/.test(line[index])) {
      index++
      continue
    }

    let word = ''
    const quote = line[index] === '"' || line[index] === "'" ? line[index] : undefined
    if (quote) {
      index++
      while (line[index] !== quote) {
        if (index >= line.length) throw new Error(`unclosed quote in ${value}`)
        word += line[index] === '\\' ? escape() : line[index++]
      }

      index++
      if (index < line.length && !/\s/.test(line[index])) throw new Error(`text after a closing quote in ${value}`)
    } else {
      while (index < line.length && !/\s/.test(line[index])) word += line[index] === '\\' ? escape() : line[index++]
    }

    // Variables are expanded in the arguments, not in the program's path.
    if (words.length === 0) {
      words.push(word)
      continue
    }

    if (word.replaceAll('$$', '').includes('$')) throw new Error(`a variable would be expanded in ${word}`)
    words.push(word.replaceAll('$$', '$'))
  }

  return words
}
