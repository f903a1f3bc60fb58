/**
 * Guest log lines, capped in bytes per execution: once the cap is hit one notice is sent and
 * later lines are dropped. Each line is handed to `emit` as it happens, so the host keeps the
 * lines of a guest it later has to kill.
 */
export interface LogSink {
  write(line: string): void
}

export function logSink (maxBytes: number, emit: (line: string) => void): LogSink {
  let used = 0
  let full = false
  return {
    write (line) {
      if (full) return
      used += line.length
      if (used > maxBytes) {
        full = true
        emit(`[sandbox] log limit of ${maxBytes} bytes reached: further lines dropped`)
        return
      }
      emit(line)
    }
  }
}
