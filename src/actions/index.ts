import type { ActionDefinition, ActionRegistry } from '../interface/action.js'
import { controlActions } from './builtin/control.js'
import { failAction } from './builtin/fail.js'
import { httpAction } from './builtin/http.js'
import { logAction } from './builtin/log.js'
import { sandboxUnavailableActions } from './builtin/sandboxed.js'
import { transformAction } from './builtin/transform.js'
import { actionRegistry } from './registry.js'

export { actionRegistry } from './registry.js'
export { localDispatcher } from './local-dispatcher.js'
export type { LocalDispatcherInit } from './local-dispatcher.js'
export { TRIGGER_DECLARATIONS } from './builtin/control.js'

/** Every built-in action; `qflow.action.function`/`wasm` fail until a sandbox replaces them. */
export const builtinActions: readonly ActionDefinition[] = [
  ...controlActions, logAction, transformAction, failAction, httpAction, ...sandboxUnavailableActions
]

/** A registry with the built-ins, plus `extra` definitions (later ones win, e.g. the sandbox's). */
export function builtinRegistry (extra: Iterable<ActionDefinition> = []): ActionRegistry {
  return actionRegistry([...builtinActions, ...extra])
}
