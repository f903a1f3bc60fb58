import type { ActionRegistry } from '../../../src/index.js'
import { EXIT } from '../io.js'
import type { Output } from '../io.js'
import { checkFlowFile } from '../load.js'

/** `qflow validate <file> [--json]`: exit 0 when valid, 1 when not. */
export async function validateCommand (file: string, options: { json?: boolean }, actions: ActionRegistry, io: Output): Promise<number> {
  const { result, loaded } = await checkFlowFile(file, actions)
  if (options.json === true) {
    io.out(JSON.stringify({ valid: result.valid, errors: result.errors, warnings: result.warnings, ...(loaded != null ? { defaults: loaded.defaults } : {}) }, null, 2))
  } else {
    for (const e of result.errors) io.err(`error   ${e.path}: ${e.message}`)
    for (const w of result.warnings) io.err(`warning ${w.path}: ${w.message}`)
    for (const d of loaded?.defaults ?? []) io.err(`default ${d.field}: ${d.value}`)
    io.out(result.valid
      ? `${file}: valid flow "${loaded!.flow.id}" (${loaded!.flow.steps.length} top-level steps${result.warnings.length > 0 ? `, ${result.warnings.length} warning(s)` : ''})`
      : `${file}: invalid (${result.errors.length} error(s))`)
  }
  return result.valid ? EXIT.ok : EXIT.failed
}
