/**
 * Reads the relay's config from its layers and validates the merge once, at start.
 *
 * Precedence, lowest first: embedded defaults (`shared/config.ts`) < environment variables <
 * the config file < command-line flags.
 *
 * The file is `--config <file>`, else `$QFLOW_CONFIG`, else `./qflow-config.yaml` when it
 * exists. It is YAML (JSON is YAML too); the seed's layout with everything under a top-level
 * `qflow:` key is accepted as well as the bare sections.
 *
 * Environment variables (see `envOverrides`): `QFLOW_DATA` sets `dataDir`, and every setting
 * `<section>.<name>` has `QFLOW_<SECTION>_<NAME>` in SCREAMING_SNAKE_CASE, e.g.
 * `QFLOW_API_PORT=9000`, `QFLOW_NETWORKING_BOOTSTRAP=/ip4/…,/ip4/…` (lists are comma-separated),
 * `QFLOW_ENGINE_MAX_CONCURRENT_FLOWS=20`, `QFLOW_LOGGING_LEVEL=debug`,
 * `QFLOW_SCHEDULES_MISSED_TICKS=none`, `QFLOW_MEMORY=true`.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { DEFAULT_CONFIG, parseConfig } from '../../shared/config.js'
import type { ConfigIssue, QflowConfig } from '../../shared/config.js'

/** A config that does not validate; `issues` name each path, the message lists them one per line. */
export class ConfigError extends Error {
  static override readonly name = 'ConfigError'
  constructor (readonly issues: ConfigIssue[], readonly source?: string) {
    super(`invalid configuration${source != null ? ` (${source})` : ''}:\n${issues.map(i => `  ${i.path}: ${i.message}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

type Layer = Record<string, unknown>

export interface LoadConfigInit {
  /** Highest precedence: what command-line flags set, as a partial config. */
  flags?: Layer
  /** The config file; absent: `$QFLOW_CONFIG`, else `./qflow-config.yaml` when it exists. */
  file?: string
  env?: NodeJS.ProcessEnv
  cwd?: string
}

export interface LoadedConfig {
  config: QflowConfig
  /** The file that was read, if any. */
  file?: string
}

const snake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()

/** Coerces an environment string to the type the setting's default has. */
function coerce (text: string, like: unknown): unknown {
  if (typeof like === 'number') return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text
  if (typeof like === 'boolean') return text === 'true' ? true : text === 'false' ? false : text
  if (Array.isArray(like)) return text.split(',').map(s => s.trim()).filter(s => s !== '')
  return text
}

/** The settings `QFLOW_*` variables set, and which variable set which path. */
export function envOverrides (env: NodeJS.ProcessEnv): { layer: Layer, names: Map<string, string> } {
  const layer: Layer = {}
  const names = new Map<string, string>()
  const set = (path: string[], value: unknown, name: string): void => {
    let at = layer
    for (const key of path.slice(0, -1)) at = (at[key] ??= {}) as Layer
    at[path[path.length - 1]] = value
    names.set(path.join('.'), name)
  }
  const read = (name: string): string | undefined => env[name] != null && env[name] !== '' ? env[name] : undefined
  if (read('QFLOW_DATA') != null) set(['dataDir'], read('QFLOW_DATA'), 'QFLOW_DATA')
  if (read('QFLOW_MEMORY') != null) set(['memory'], coerce(read('QFLOW_MEMORY') as string, false), 'QFLOW_MEMORY')
  for (const [section, fields] of Object.entries(DEFAULT_CONFIG)) {
    if (fields == null || typeof fields !== 'object') continue
    const known: Record<string, unknown> = section === 'logging' ? { file: '', ...fields } : fields
    for (const [field, like] of Object.entries(known)) {
      const name = `QFLOW_${snake(section)}_${snake(field)}`
      const text = read(name)
      if (text != null) set([section, field], coerce(text, like), name)
    }
  }
  return { layer, names }
}

function isObject (v: unknown): v is Layer {
  return v != null && typeof v === 'object' && !Array.isArray(v)
}

/** Deep merge of plain objects; arrays and scalars of `over` replace. */
function merge (base: Layer, over: Layer): Layer {
  const out: Layer = { ...base }
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue
    out[k] = isObject(v) && isObject(out[k]) ? merge(out[k] as Layer, v) : v
  }
  return out
}

function has (layer: Layer, path: string): boolean {
  let at: unknown = layer
  for (const key of path.split('.')) {
    if (!isObject(at) || !(key in at)) return false
    at = at[key]
  }
  return true
}

async function readFileLayer (file: string): Promise<Layer> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err: any) {
    const reason = err?.code === 'ENOENT' ? 'no such file' : String(err?.message ?? err)
    throw new ConfigError([{ path: '(file)', message: `cannot read ${file}: ${reason}` }])
  }
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (err: any) {
    throw new ConfigError([{ path: '(file)', message: `not valid YAML: ${String(err?.message ?? err)}` }], file)
  }
  if (doc == null) return {}
  if (!isObject(doc)) throw new ConfigError([{ path: '(root)', message: 'must be a mapping of sections' }], file)
  // the seed's layout nests everything under `qflow:`
  if (Object.keys(doc).length === 1 && isObject(doc.qflow)) return doc.qflow
  return doc
}

export async function loadConfig (init: LoadConfigInit = {}): Promise<LoadedConfig> {
  const env = init.env ?? process.env
  const cwd = init.cwd ?? process.cwd()
  const fromEnv = envOverrides(env)
  let file = init.file ?? (env.QFLOW_CONFIG != null && env.QFLOW_CONFIG !== '' ? env.QFLOW_CONFIG : undefined)
  if (file == null && existsSync(resolve(cwd, 'qflow-config.yaml'))) file = 'qflow-config.yaml'
  const path = file != null ? resolve(cwd, file) : undefined
  const fromFile = path != null ? await readFileLayer(path) : {}
  const flags = init.flags ?? {}
  const merged = merge(merge(fromEnv.layer, fromFile), flags)
  const result = parseConfig(merged)
  if (result.config == null) {
    // say where each bad value came from, so the user knows what to fix
    const issues = result.issues.map(issue => {
      const from = has(flags, issue.path) ? 'command-line flag' : has(fromFile, issue.path) ? path : fromEnv.names.get(issue.path)
      return from != null ? { ...issue, message: `${issue.message} (from ${from})` } : issue
    })
    throw new ConfigError(issues)
  }
  const config = result.config
  if (config.dataDir != null) config.dataDir = resolve(cwd, config.dataDir)
  return { config, ...(path != null ? { file: path } : {}) }
}
