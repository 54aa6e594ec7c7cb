/** What `kq dashboard` is asked to serve, where, and to whom; the command builds it from its flags. */
export interface DashboardOptions {
  /** Address to listen on. @defaultValue DEFAULT_HOST: loopback, reachable only from this machine */
  host: string
  /** Port to listen on; 0 picks a free one. @defaultValue DEFAULT_PORT */
  port: number
  /** Required on every request when set; required to listen on any other address than loopback. */
  token?: string
  /** Hides and refuses replay and purge. @defaultValue false */
  readOnly: boolean
}

export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_PORT = 8080
