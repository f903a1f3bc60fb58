/**
 * The action registry: names → definitions. Built-ins register here; the sandbox, the
 * module registry and users extend it.
 */
import type { ActionDefinition, ActionRegistry } from '../interface/action.js'

class MapActionRegistry implements ActionRegistry {
  private readonly actions = new Map<string, ActionDefinition>()

  register (definition: ActionDefinition): void {
    this.actions.set(definition.name, definition)
  }

  get (name: string): ActionDefinition | undefined {
    return this.actions.get(name)
  }

  has (name: string): boolean {
    return this.actions.has(name)
  }

  list (): ActionDefinition[] {
    return [...this.actions.values()]
  }
}

/** An empty registry, or one seeded with the given definitions. */
export function actionRegistry (definitions: Iterable<ActionDefinition> = []): ActionRegistry {
  const registry = new MapActionRegistry()
  for (const d of definitions) registry.register(d)
  return registry
}
