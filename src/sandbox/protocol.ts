/**
 * Messages between a sandbox host and its worker. Everything here crosses `postMessage`
 * (structured clone): plain data, plus a compiled `WebAssembly.Module` for WASM runs.
 * Input and output travel as JSON text so the host re-parses every value it accepts.
 */
import type { ErrorType } from '../../shared/errors.js'

export interface WorkerLimits {
  timeMs: number
  memoryBytes: number
  outputBytes: number
  logBytes: number
  stackBytes: number
}

export interface FunctionJob {
  type: 'run'
  id: number
  kind: 'function'
  code: string
  /** JSON text of the guest's `input`. */
  input: string
  /** JSON text of the guest's `ctx` data (ids, attempt). */
  context: string
  limits: WorkerLimits
  /** Whether `fetch` is defined in the guest (the host still checks every request). */
  fetch: boolean
}

export interface WasmJob {
  type: 'run'
  id: number
  kind: 'wasm'
  /** Validated, memory-clamped and compiled by the host. */
  module: WebAssembly.Module
  input: string
  limits: WorkerLimits
  /** Pages the module starts with and may grow to (after clamping). */
  memory: { initialPages: number, maxPages: number }
}

export type RunJob = FunctionJob | WasmJob

export interface FetchReply {
  type: 'fetch-result'
  id: number
  call: number
  /** JSON text of a {@link GuestResponse} on success. */
  response?: string
  error?: { name: string, message: string }
}

/** Sent once after spawn: load QuickJS and prepare a context for this memory limit, then say `ready`. */
export interface WarmMessage {
  type: 'warm'
  memoryBytes: number
}

export type HostMessage = RunJob | FetchReply | WarmMessage

export interface GuestError {
  type: ErrorType
  name?: string
  message: string
  stack?: string
  details?: Record<string, unknown>
}

export interface GuestRequest {
  url: string
  method: string
  headers: Record<string, string>
  body: string | null
}

export interface GuestResponse {
  url: string
  status: number
  statusText: string
  headers: Record<string, string>
  body: string
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'fatal', message: string }
  | { type: 'log', id: number, line: string }
  /** QuickJS state became suspect after a result was posted: replace this worker; it starts no further job. */
  | { type: 'retire' }
  | { type: 'fetch', id: number, call: number, request: GuestRequest }
  /** `retire`: the worker's state may be damaged (e.g. a native stack overflow): replace it. */
  | { type: 'done', id: number, ok: true, output: string, retire?: boolean }
  | { type: 'done', id: number, ok: false, error: GuestError, retire?: boolean }
