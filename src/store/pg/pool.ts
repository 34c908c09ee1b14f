import pg from "pg";

/** Something that runs a query: the pool (one statement, autocommit) or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, "query"> | Pick<pg.PoolClient, "query">;

/** A value a query parameter may carry (arrays become PostgreSQL arrays). */
export type Param = string | number | boolean | null | readonly (string | number | null)[];

/**
 * int8 (bigint) columns and count(*) come back as JS numbers, not strings: runs.number is a
 * bigint identity and the contract says number. Every value we store (run numbers, seeds,
 * times, counts) is far below 2^53, so the conversion is exact. Set per pool, never globally,
 * so other code in the process sharing `pg` (pg-boss) keeps its own parsing.
 */
const INT8_OID = 20;
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID && format !== "binary"
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? "text")) as pg.CustomTypesConfig["getTypeParser"],
};

/** The URL with its password replaced by ***, for every message that names the store. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ":***@");
  }
}

/**
 * A readable cause for a pg or socket error: Node 20 reports a refused connection to a
 * name with two addresses (localhost: ::1 and 127.0.0.1) as an AggregateError whose own
 * message is empty, so the inner errors' messages are used then.
 */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.message === "") {
    return error.errors.map((inner: unknown) => describeError(inner)).join("; ");
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return error.message !== "" ? error.message : typeof code === "string" ? code : error.name;
  }
  return String(error);
}

/** The SQLSTATE of a PostgreSQL error (e.g. 23503 foreign_key_violation), or undefined. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** An error thrown by our own checks (a refusal), which must pass through unwrapped and unretried. */
export class StoreRefusal extends Error {}

/**
 * One pool of connections to one database (and, through the URL's options, one schema).
 * Every query goes through `query` or `transaction`, which name the operation in any error
 * together with the URL (password hidden), so a failure in a worker says what and where.
 */
export class PgDatabase {
  readonly pool: pg.Pool;
  readonly location: string;

  constructor(url: string, max: number) {
    this.location = redactUrl(url);
    this.pool = new pg.Pool({
      connectionString: url,
      max,
      types: typeParsers,
      // An unreachable server fails the operation after 10 s instead of hanging it.
      connectionTimeoutMillis: 10_000,
      application_name: "faultline",
    });
    // An idle connection the server closed (restart, idle timeout) emits 'error' on the pool;
    // unhandled it would crash the process. The pool drops that client, and the next query
    // opens a new connection or fails with its own, named error.
    this.pool.on("error", () => {});
  }

  /** Wraps any failure that is not our own refusal as "<operation> on <url>: <cause>". */
  fail(operation: string, error: unknown): Error {
    if (error instanceof StoreRefusal) return error;
    const wrapped = new Error(
      `faultline: ${operation} on PostgreSQL ${this.location} failed: ${describeError(error)}`,
      {
        cause: error,
      },
    );
    const state = sqlState(error);
    if (state !== undefined) (wrapped as Error & { code?: string }).code = state;
    return wrapped;
  }

  /** Rows of one statement run on its own (autocommit). */
  async query<R extends pg.QueryResultRow>(operation: string, text: string, values: readonly Param[] = []) {
    try {
      return await this.pool.query<R>(text, values as unknown[]);
    } catch (error) {
      throw this.fail(operation, error);
    }
  }

  /** Rows as arrays in column order (rowMode 'array'): events read this way, as EventRow tuples. */
  async queryArrays<R extends unknown[]>(operation: string, text: string, values: readonly Param[]): Promise<R[]> {
    try {
      const result = await this.pool.query<R>({ text, values: values as unknown[], rowMode: "array" });
      return result.rows;
    } catch (error) {
      throw this.fail(operation, error);
    }
  }

  /**
   * Runs `work` in one transaction on one connection (READ COMMITTED; the work takes the
   * row locks it needs), committing when it returns and rolling back when it throws.
   */
  async transaction<T>(operation: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw this.fail(`${operation} (connecting)`, error);
    }
    let broken = false;
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      try {
        await client.query("ROLLBACK");
      } catch {
        broken = true; // the connection itself failed: do not give it back to the pool
      }
      throw this.fail(operation, error);
    } finally {
      client.release(broken);
    }
  }

  /** Checks the server answers (at open), naming the URL and the cause when it does not. */
  async ping(): Promise<void> {
    try {
      await this.pool.query("SELECT 1");
    } catch (error) {
      throw new Error(
        `faultline: could not connect to PostgreSQL at ${this.location} (DATABASE_URL): ${describeError(error)}`,
        { cause: error },
      );
    }
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}
