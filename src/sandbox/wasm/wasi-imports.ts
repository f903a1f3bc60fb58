/**
 * The WASI preview 1 functions the host provides, all through @bjorn3/browser_wasi_shim with
 * no preopened directories (every path call fails with EBADF), an empty environment, stdin
 * holding the input JSON, stdout collected as the output and stderr turned into log lines.
 * Sockets and signals are not provided: a module importing them is refused before it runs.
 */
export const WASI_MODULE = 'wasi_snapshot_preview1'

export const PROVIDED_WASI_FUNCTIONS: ReadonlySet<string> = new Set([
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get',
  'clock_res_get', 'clock_time_get',
  'fd_advise', 'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get', 'fd_fdstat_set_flags',
  'fd_fdstat_set_rights', 'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times',
  'fd_pread', 'fd_prestat_get', 'fd_prestat_dir_name', 'fd_pwrite', 'fd_read', 'fd_readdir',
  'fd_renumber', 'fd_seek', 'fd_sync', 'fd_tell', 'fd_write',
  'path_create_directory', 'path_filestat_get', 'path_filestat_set_times', 'path_link', 'path_open',
  'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink', 'path_unlink_file',
  'poll_oneoff', 'proc_exit', 'sched_yield', 'random_get'
])

export interface ImportDescriptor { module: string, name: string, kind: string }

/** Imports the host does not provide (anything outside WASI preview 1 functions above). */
export function unprovidedImports (imports: readonly ImportDescriptor[]): string[] {
  return imports
    .filter(i => i.module !== WASI_MODULE || i.kind !== 'function' || !PROVIDED_WASI_FUNCTIONS.has(i.name))
    .map(i => `${i.module}.${i.name} (${i.kind})`)
}

/** Picks the provided functions out of the shim's full import object. */
export function providedImports (wasiImport: Record<string, (...args: any[]) => unknown>): Record<string, (...args: any[]) => unknown> {
  const out: Record<string, (...args: any[]) => unknown> = Object.create(null)
  for (const name of PROVIDED_WASI_FUNCTIONS) {
    const fn = wasiImport[name]
    if (typeof fn === 'function') out[name] = fn
  }
  return out
}
