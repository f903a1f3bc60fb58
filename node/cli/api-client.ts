/**
 * The CLI's side of the relay API: where the relay is (`--api`, `$QFLOW_API`, else the local
 * default), the owner token (`--token`, `$QFLOW_TOKEN`, else `<data dir>/owner.token`), JSON
 * requests, and errors that say what to do (exit 3 when the relay cannot be reached).
 */
import { join } from 'node:path'
import { resolve } from 'node:path'
import { readOwnerToken } from '../api/auth/owner-token.js'
import { CliError, EXIT } from './io.js'

/** As `defaultDataDir` in node/runtime.ts (not imported: it would load the whole runtime for a request). */
function defaultDataDir (): string {
  return resolve(process.env.QFLOW_DATA != null && process.env.QFLOW_DATA !== '' ? process.env.QFLOW_DATA : '.qflow')
}

export const DEFAULT_API = 'http://127.0.0.1:8080'

export interface ApiOptions {
  api?: string
  token?: string
  json?: boolean
}

export interface ApiClient {
  base: string
  token?: string
  /** JSON in, JSON out; API errors become CliErrors with the server's message. */
  request<T = any>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>
}

function apiBase (options: ApiOptions): string {
  const raw = options.api ?? (process.env.QFLOW_API != null && process.env.QFLOW_API !== '' ? process.env.QFLOW_API : DEFAULT_API)
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new CliError(`--api: '${raw}' is not a URL (e.g. http://127.0.0.1:8080)`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`--api: '${raw}' must be an http:// or https:// URL`)
  return url.origin + url.pathname.replace(/\/$/, '')
}

async function apiToken (options: ApiOptions): Promise<string | undefined> {
  if (options.token != null && options.token !== '') return options.token
  if (process.env.QFLOW_TOKEN != null && process.env.QFLOW_TOKEN !== '') return process.env.QFLOW_TOKEN
  return await readOwnerToken(defaultDataDir()).catch(() => undefined)
}

/** A refused request: the relay's message, and the HTTP status for callers that branch on it. */
export class ApiError extends CliError {
  constructor (message: string, readonly status: number) {
    super(message, EXIT.failed)
    this.name = 'CliError'
  }
}

interface ApiErrorBody { type?: string, message?: string, path?: string, errors?: Array<{ path: string, message: string }> }

function describe (status: number, body: ApiErrorBody | undefined, base: string): ApiError {
  const detail = body?.errors != null && body.errors.length > 0
    ? body.errors.map(e => `${e.path}: ${e.message}`).join('; ')
    : `${body?.path != null && body.path !== '' ? `${body.path}: ` : ''}${body?.message ?? `HTTP ${status}`}`
  if (status === 401) return new ApiError(`${detail}: the relay wants the owner token; it reads ${join(defaultDataDir(), 'owner.token')} (set $QFLOW_DATA to the relay's data directory) or pass --token <token>`, status)
  if (status === 403) return new ApiError(`${detail} (forbidden for this token)`, status)
  if (status === 429) return new ApiError(`${detail}: rate limited, try again later`, status)
  if (status >= 500) return new ApiError(`the relay at ${base} failed: ${detail} (see its logs)`, status)
  return new ApiError(detail, status)
}

export async function apiClient (options: ApiOptions): Promise<ApiClient> {
  const base = apiBase(options)
  const token = await apiToken(options)
  return {
    base,
    ...(token != null ? { token } : {}),
    async request (method, path, body, contentType = 'application/json') {
      let res: Response
      try {
        res = await fetch(base + path, {
          method,
          headers: {
            accept: 'application/json',
            ...(token != null ? { authorization: `Bearer ${token}` } : {}),
            ...(body !== undefined ? { 'content-type': contentType } : {})
          },
          ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {})
        })
      } catch (err: any) {
        const code = err?.cause?.code ?? err?.cause?.errors?.[0]?.code ?? err?.code ?? err?.cause?.message
        throw new CliError(`cannot reach the relay at ${base}${code != null ? ` (${String(code)})` : ''}: start one with \`qflow relay\`, or pass --api <url> (or set $QFLOW_API)`, EXIT.unreachable)
      }
      const text = await res.text()
      let parsed: unknown
      try {
        parsed = text === '' ? undefined : JSON.parse(text)
      } catch {
        parsed = undefined
      }
      if (!res.ok) throw describe(res.status, parsed as ApiErrorBody | undefined, base)
      return (parsed ?? text) as any
    }
  }
}
