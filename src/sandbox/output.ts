/**
 * Guest output arrives as JSON text and is parsed again here, in the host's realm: no object
 * the guest built crosses over. `__proto__` keys are dropped so that a later merge of the
 * output (`Object.assign(target, output)`) cannot swap a prototype; `constructor` and
 * `prototype` keys stay plain data.
 */
import { executionError, resourceExhausted } from './errors.js'

const encoder = new TextEncoder()

export function parseGuestOutput (json: unknown, limitBytes: number): unknown {
  if (typeof json !== 'string') throw executionError('the sandbox returned a non-text output')
  if (json.length > limitBytes || encoder.encode(json).byteLength > limitBytes) {
    throw resourceExhausted(`output larger than ${limitBytes} bytes`, { limitBytes })
  }
  try {
    return JSON.parse(json, (key, value) => key === '__proto__' ? undefined : value)
  } catch (err) {
    throw executionError(`the guest output is not valid JSON: ${(err as Error).message}`, { output: json.slice(0, 200) })
  }
}

/** JSON text of a value the host sends in (`undefined` becomes `null`). */
export function serializeInput (value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null'
  } catch (err) {
    throw executionError(`the step input cannot be sent to the sandbox as JSON: ${(err as Error).message}`)
  }
}
