declare module '*?raw' {
  const text: string
  export default text
}
declare module '*.css'
/** Build-time config (vite `VITE_*` variables). */
interface ImportMetaEnv { readonly VITE_QFLOW_RELAYS?: string }
interface ImportMeta { readonly env: ImportMetaEnv }
