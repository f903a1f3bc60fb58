import './browser-deps.js'
import { describe } from 'vitest'
import { webWorkerSandboxHost } from '../../../web/platform/worker-sandbox-host.js'
import { attackSuite } from './attack-suite.js'

describe('attack suite on Web Workers (Chromium)', () => {
  attackSuite(() => webWorkerSandboxHost({ config: { allowedModules: ['*'], poolSize: 2 } }))
})
