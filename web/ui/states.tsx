/** Loading, empty and error states, the same everywhere. */
import type { JSX } from 'solid-js'

export function Loading (props: { what: string }): JSX.Element {
  return <p class="state loading" role="status" aria-busy="true">Loading {props.what}…</p>
}

export function Empty (props: { children: JSX.Element }): JSX.Element {
  return <div class="state empty" data-testid="empty">{props.children}</div>
}

export function ErrorBox (props: { error: unknown, title?: string }): JSX.Element {
  const message = (): string => (props.error as Error)?.message ?? String(props.error)
  return <div class="state error" role="alert"><strong>{props.title ?? 'Something went wrong'}:</strong> {message()}</div>
}

export function Badge (props: { status: string }): JSX.Element {
  return <span class={`badge status-${props.status}`} data-status={props.status}>{props.status}</span>
}
