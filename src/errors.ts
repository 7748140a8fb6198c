/**
 * The error catalogue: every error gridlake raises on purpose carries a stable
 * code (`GL_<AREA>_<WHAT>`), whether a retry can help, and the context a person
 * needs (which source, date, file). Codes are documented in docs/errors.md and
 * a unit test keeps the two in step.
 */
export const ERROR_CODES = {
  // --- foundation ---
  GL_CONFIG_INVALID: 'configuration or a custom-resource file failed validation',
  // --- sources (issue 4) ---
  GL_SOURCES_SIM_OPTION_INVALID: 'a simulator option, config or fault failed validation',
  GL_SOURCES_CONFIG_INVALID: 'a collector option (location, endpoint, service key) is missing or invalid',
  // --- bus and lake (issue 5) ---
  GL_BUS_CLOSED: 'the bus or consumer was used after close or stop',
  GL_BUS_CORRUPT: 'the local durable log holds a damaged record outside the torn tail',
  GL_BUS_UNAVAILABLE: 'the message broker could not be reached or refused a request',
  GL_BUS_INVALID: 'a bus call had an invalid argument (unknown topic, partition, group state)',
  GL_LAKE_OBJECT_NOT_FOUND: 'an object read from the lake does not exist',
  GL_LAKE_STORE_UNAVAILABLE: 'the object store failed or could not be reached (retryable)',
  GL_LAKE_RECORD_INVALID:
    'a row handed to the Parquet encoder does not fit its lake column (a required value missing, an int32 out of range)',
  GL_LAKE_STATE_CONFLICT: 'the sink record of written ranges disagrees with what it is about to write',
  // --- join (issue 6) ---
  GL_JOIN_CONFIG_INVALID: 'a daily-join option is invalid (join name, thresholds, SQL mode, locations)',
  GL_JOIN_DATE_INVALID: 'a logical date is not a real YYYY-MM-DD calendar date',
  GL_JOIN_INPUT_UNREADABLE: 'a raw-zone file could not be read or lacks a column the join needs',
  GL_JOIN_STORE_FAILED: 'listing, reading or writing the lake failed during a join',
  GL_JOIN_SQL_SCHEMA_MISMATCH: 'an existing SQL export table does not match the warehouse contract',
  GL_JOIN_SQL_FAILED: 'the SQL export failed; the transaction was rolled back',
  // --- query (issue 14) ---
  GL_QUERY_ENGINE_MISSING:
    'gridlake query needs DuckDB (@duckdb/node-api), an optional dependency that is not installed',
  GL_QUERY_FAILED:
    'DuckDB refused or could not run the SQL given to gridlake query (syntax, unknown view or column, unreadable file)',
  // --- status (issue 14) ---
  GL_STATUS_UNAVAILABLE:
    'gridlake status has nothing to read: no standalone answers at --url, it does not serve /status.json, or the cluster lacks the CRDs',
  // --- api and operator (issue 7) ---
  GL_K8S_API_FAILED:
    'a Kubernetes API request failed (status and reason in context; retryable for 429, 5xx and network errors)',
  GL_K8S_CACHE_SYNC_TIMEOUT: 'an informer did not finish its first list before the sync deadline',
  GL_K8S_KUBECONFIG_INVALID:
    'a kubeconfig is malformed or its credentials cannot be used (missing field, duplicate name, no current cluster, plain http without insecure-skip-tls-verify, exec plugin)',
  // --- embedded (issue 6) ---
  GL_EMBEDDED_CONFIG_INVALID:
    'the embedded default cannot run the resources as given (missing service key or SQL URL, dangling reference)',
  // --- remote-site agent (issue 13) ---
  GL_AGENT_SPOOL_FULL:
    "the agent's spool reached its bound (hub Kafka unreachable or refusing for long); collectors keep readings pending",
  GL_OBSERVE_LISTEN_FAILED:
    'the /metrics, /healthz and /readyz server could not listen (address in use or not allowed)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface GridlakeErrorOptions {
  readonly retryable?: boolean;
  readonly context?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/** An error with a catalogue code, a retry hint and structured context. */
export class GridlakeError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: GridlakeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GridlakeError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.context = options.context ?? {};
  }

  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }
}

/** Builds a GridlakeError; the short form used at adapter boundaries. */
export function glError(code: ErrorCode, message: string, options?: GridlakeErrorOptions): GridlakeError {
  return new GridlakeError(code, message, options);
}

/** Exhaustiveness check for `switch` over a union. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
