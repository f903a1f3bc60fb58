/**
 * Crash repair at open. A record moving between the active and terminal sets is written to
 * its new place before the old one is deleted; a crash in between leaves both. Here the one
 * with the higher `rev` stays, so the active set (what recovery resumes) is exact.
 */
import type { StoreContext } from '../context.js'
import { ACTIVE_PREFIX, TERMINAL_PREFIX, execKey } from '../keys.js'
import { decodeExec } from '../records.js'
import type { ExecRecord } from '../records.js'

export async function reconcile (ctx: StoreContext): Promise<number> {
  const active = new Map<string, ExecRecord>()
  for await (const { key, value } of ctx.datastore.query({ prefix: ACTIVE_PREFIX })) {
    if (key.toString().startsWith(`${ACTIVE_PREFIX}/`)) active.set(key.baseNamespace(), decodeExec(value))
  }
  if (active.size === 0) return 0
  const batch = ctx.datastore.batch()
  let repaired = 0
  for await (const key of ctx.datastore.queryKeys({ prefix: TERMINAL_PREFIX })) {
    const a = active.get(key.baseNamespace())
    if (a == null || !key.toString().startsWith(`${TERMINAL_PREFIX}/`)) continue
    const t = decodeExec(await ctx.datastore.get(key), a.id)
    batch.delete(execKey(a.id, t.rev > a.rev ? 'a' : 't'))
    repaired++
  }
  if (repaired > 0) await batch.commit()
  return repaired
}
