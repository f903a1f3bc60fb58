/**
 * Admission control for a Node runtime: the isomorphic `admissionControl`, `admittedDispatcher`
 * and `presetIds` (src/trust/pipeline/admission-control.ts; the browser tab node uses the same),
 * with a failure admission carries on past (an execution it could not abort) written to stderr.
 */
import { admissionControl as sharedAdmissionControl } from '../../src/trust/index.js'
import type { Admission, AdmissionInit } from '../../src/trust/index.js'

export { admittedDispatcher, presetIds } from '../../src/trust/index.js'
export type { Admission, AdmissionInit, AdmitOptions, PresetIds } from '../../src/trust/index.js'

/** Installs admission on `init.engine` (see `admissionControl` in src/trust); unreported failures go to stderr. */
export function admissionControl (init: AdmissionInit): Admission {
  return sharedAdmissionControl({
    onError: (message, err) => { process.stderr.write(`qflow: ${message}: ${(err as Error)?.message ?? String(err)}\n`) },
    ...init
  })
}
