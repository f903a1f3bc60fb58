/**
 * Reads a module's memory section and rewrites its maximum: a memory declared without a
 * maximum, or with one above the limit, gets `maximum = limit pages`, so `memory.grow`
 * past the limit returns -1 inside the guest instead of allocating. Pure byte work.
 */
export const PAGE_BYTES = 65536

export interface MemoryDecl {
  initial: number
  maximum?: number
  shared: boolean
  memory64: boolean
}

interface Section { id: number, start: number, payloadStart: number, end: number }

export class ModuleFormatError extends Error {
  static override name = 'ModuleFormatError'
  constructor (message: string) { super(message); this.name = ModuleFormatError.name }
}

function readU32 (bytes: Uint8Array, pos: number): [value: number, next: number] {
  let result = 0
  let shift = 0
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) throw new ModuleFormatError('truncated LEB128')
    const byte = bytes[pos++]
    result += (byte & 0x7f) * 2 ** shift
    if ((byte & 0x80) === 0) return [result, pos]
    shift += 7
  }
  throw new ModuleFormatError('LEB128 too long')
}

function writeU32 (value: number): number[] {
  const out: number[] = []
  do {
    let byte = value % 128
    value = Math.floor(value / 128)
    if (value !== 0) byte |= 0x80
    out.push(byte)
  } while (value !== 0)
  return out
}

function sections (bytes: Uint8Array): Section[] {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new ModuleFormatError('not a WebAssembly binary')
  }
  const out: Section[] = []
  let pos = 8
  while (pos < bytes.length) {
    const start = pos
    const id = bytes[pos++]
    const [size, payloadStart] = readU32(bytes, pos)
    const end = payloadStart + size
    if (end > bytes.length) throw new ModuleFormatError('section runs past the end of the module')
    out.push({ id, start, payloadStart, end })
    pos = end
  }
  return out
}

function parseMemories (bytes: Uint8Array, section: Section): MemoryDecl[] {
  let [count, pos] = readU32(bytes, section.payloadStart)
  const out: MemoryDecl[] = []
  while (count-- > 0) {
    const flags = bytes[pos++]
    let initial: number
    let maximum: number | undefined;
    [initial, pos] = readU32(bytes, pos)
    if ((flags & 1) !== 0) [maximum, pos] = readU32(bytes, pos)
    out.push({ initial, maximum, shared: (flags & 2) !== 0, memory64: (flags & 4) !== 0 })
  }
  return out
}

/** The memories a module defines (imported memories are refused by the import check). */
export function readMemories (bytes: Uint8Array): MemoryDecl[] {
  const section = sections(bytes).find(s => s.id === 5)
  return section == null ? [] : parseMemories(bytes, section)
}

export interface ClampedModule {
  bytes: Uint8Array
  initialPages: number
  maxPages: number
}

/**
 * Caps every defined memory at `limitPages`. Throws `MemoryLimitError` when a memory
 * starts above the limit, `ModuleFormatError` for 64-bit or shared memories.
 */
export function clampMemory (bytes: Uint8Array, limitPages: number): ClampedModule {
  const section = sections(bytes).find(s => s.id === 5)
  if (section == null) return { bytes, initialPages: 0, maxPages: 0 }
  const memories = parseMemories(bytes, section)
  const payload: number[] = writeU32(memories.length)
  for (const m of memories) {
    if (m.memory64) throw new ModuleFormatError('64-bit memories are not supported')
    if (m.shared) throw new ModuleFormatError('shared memories are not supported (no threads are granted)')
    if (m.initial > limitPages) throw new MemoryLimitError(m.initial, limitPages)
    const max = Math.min(m.maximum ?? limitPages, limitPages)
    payload.push(0x01, ...writeU32(m.initial), ...writeU32(max))
  }
  const head = [5, ...writeU32(payload.length)]
  const out = new Uint8Array(section.start + head.length + payload.length + (bytes.length - section.end))
  out.set(bytes.subarray(0, section.start), 0)
  out.set(head, section.start)
  out.set(payload, section.start + head.length)
  out.set(bytes.subarray(section.end), section.start + head.length + payload.length)
  const first = memories[0]
  return { bytes: out, initialPages: first?.initial ?? 0, maxPages: first == null ? 0 : Math.min(first.maximum ?? limitPages, limitPages) }
}

export class MemoryLimitError extends Error {
  static override name = 'MemoryLimitError'
  constructor (readonly initialPages: number, readonly limitPages: number) {
    super(`the module declares ${initialPages} initial memory pages (${initialPages * PAGE_BYTES} bytes), above the limit of ${limitPages} pages`)
    this.name = MemoryLimitError.name
  }
}
