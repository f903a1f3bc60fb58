/**
 * Flow commands against a relay: `create`, `list`, `show`, `update`, `delete`.
 * Files are sent as they are (JSON or YAML); the relay applies defaults and validates.
 */
import { extname } from 'node:path'
import type { FlowDefinition } from '../../../shared/flow.js'
import { apiClient } from '../api-client.js'
import type { ApiOptions } from '../api-client.js'
import { EXIT, readText } from '../io.js'
import type { Output } from '../io.js'

const contentType = (file: string): string => extname(file).toLowerCase() === '.json' ? 'application/json' : 'application/yaml'

interface Saved { flow: FlowDefinition, version: { version?: number, cid?: string } & Record<string, unknown>, defaults: Array<{ field: string, value: string }>, warnings: Array<{ path: string, message: string }> }

function printSaved (verb: string, saved: Saved, options: ApiOptions, io: Output): void {
  if (options.json === true) { io.out(JSON.stringify(saved, null, 2)); return }
  io.out(`${verb} flow ${saved.flow.id} (${saved.flow.name}) version ${saved.flow.version}`)
  if (saved.defaults.length > 0) io.err(`defaults applied: ${saved.defaults.map(d => `${d.field}=${d.value}`).join(', ')}`)
  for (const w of saved.warnings) io.err(`warning: ${w.path}: ${w.message}`)
}

export async function createCommand (file: string, options: ApiOptions, io: Output): Promise<number> {
  const client = await apiClient(options)
  const saved = await client.request<Saved>('POST', '/api/v1/flows', await readText(file, 'flow file'), contentType(file))
  printSaved('created', saved, options, io)
  return EXIT.ok
}

export async function updateCommand (id: string, file: string, options: ApiOptions, io: Output): Promise<number> {
  const client = await apiClient(options)
  const saved = await client.request<Saved>('PUT', `/api/v1/flows/${encodeURIComponent(id)}`, await readText(file, 'flow file'), contentType(file))
  printSaved('updated', saved, options, io)
  return EXIT.ok
}

export interface ListOptions extends ApiOptions { tag?: string, category?: string, owner?: string, visibility?: string }

export async function listCommand (options: ListOptions, io: Output): Promise<number> {
  const client = await apiClient(options)
  const query = new URLSearchParams()
  for (const key of ['tag', 'category', 'owner', 'visibility'] as const) if (options[key] != null) query.set(key, options[key] as string)
  const q = query.toString()
  const { flows } = await client.request<{ flows: FlowDefinition[] }>('GET', `/api/v1/flows${q !== '' ? `?${q}` : ''}`)
  if (options.json === true) { io.out(JSON.stringify(flows, null, 2)); return EXIT.ok }
  if (flows.length === 0) { io.out('no flows'); return EXIT.ok }
  const rows = flows.map(f => [f.id, f.name, f.version, f.metadata.visibility, f.metadata.category, f.metadata.tags.join(',')])
  table(['ID', 'NAME', 'VERSION', 'VISIBILITY', 'CATEGORY', 'TAGS'], rows, io)
  return EXIT.ok
}

export async function showCommand (id: string, options: ApiOptions, io: Output): Promise<number> {
  const client = await apiClient(options)
  const shown = await client.request<{ flow: FlowDefinition, versions: unknown[] }>('GET', `/api/v1/flows/${encodeURIComponent(id)}`)
  if (options.json === true) { io.out(JSON.stringify(shown, null, 2)); return EXIT.ok }
  const { flow } = shown
  io.out(`${flow.id}: ${flow.name} (version ${flow.version}, owner ${flow.owner})`)
  if (flow.description != null && flow.description !== '') io.out(flow.description)
  io.out(`visibility ${flow.metadata.visibility}, category ${flow.metadata.category}, tags ${flow.metadata.tags.join(', ') || '(none)'}`)
  io.out(`${shown.versions.length} stored version${shown.versions.length === 1 ? '' : 's'}; steps:`)
  const width = Math.max(...flow.steps.map(s => s.id.length))
  for (const step of flow.steps) io.out(`  ${step.id.padEnd(width)}  ${step.type.padEnd(13)} ${step.action}`)
  return EXIT.ok
}

export async function deleteCommand (id: string, options: ApiOptions, io: Output): Promise<number> {
  const client = await apiClient(options)
  await client.request('DELETE', `/api/v1/flows/${encodeURIComponent(id)}`)
  if (options.json === true) io.out(JSON.stringify({ deleted: id }))
  else io.out(`deleted flow ${id}`)
  return EXIT.ok
}

/** Left-aligned columns under a header. */
export function table (header: string[], rows: unknown[][], io: Output): void {
  const cells = rows.map(r => r.map(v => v == null ? '' : String(v)))
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map(r => r[i].length)))
  const line = (r: string[]): string => r.map((v, i) => i === r.length - 1 ? v : v.padEnd(widths[i])).join('  ').trimEnd()
  io.out(line(header))
  for (const r of cells) io.out(line(r))
}
