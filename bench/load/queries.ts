import autocannon from "autocannon";

/**
 * The stream of small queries, sent by autocannon: a scenario list and one run's status,
 * alternately, over keep-alive connections spread evenly over the API instances.
 * Latencies are taken from autocannon's per-response event (fractions of a millisecond),
 * not its histogram, which keeps whole milliseconds: on loopback a small query takes
 * about one, and the ratio to the idle figure must not be rounding.
 */

export interface LatencySummary {
  /** Answered queries. */
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Queries that failed: connection errors, timeouts, non-2xx answers, or GraphQL errors in the body. */
  readonly failures: number;
}

export interface SmallQueryOptions {
  readonly urls: readonly string[];
  /** A completed run's id, for `run(id:)`. */
  readonly runId: string;
  readonly seconds: number;
  /** Connections in all, spread over the urls (at least one each). */
  readonly connections: number;
}

export async function smallQueries(options: SmallQueryOptions): Promise<LatencySummary> {
  const latencies: number[] = [];
  const perUrl = Math.max(1, Math.round(options.connections / options.urls.length));
  const bodies = [
    JSON.stringify({ query: "{ scenarios { id } }" }),
    JSON.stringify({
      query: "query($id: ID!) { run(id: $id) { id status eventCount } }",
      variables: { id: options.runId },
    }),
  ];
  const results = await Promise.all(
    options.urls.map(
      (url) =>
        new Promise<autocannon.Result>((resolve, reject) => {
          const instance = autocannon(
            {
              url,
              connections: perUrl,
              // Past autocannon's 10 s a slow answer would count as a failure; it is a latency, and p99 shows it.
              timeout: 60,
              duration: options.seconds,
              method: "POST",
              headers: { "content-type": "application/json", accept: "application/json" },
              requests: bodies.map((body) => ({ method: "POST", body })),
              // A GraphQL error comes back as 200 with "errors": counted as a failure, not a fast answer.
              verifyBody: (body) =>
                typeof body === "string" && body.startsWith('{"data"') && !body.includes('"errors"'),
            },
            (error: unknown, result) =>
              error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result),
          );
          instance.on("response", (_client, _status, _bytes, responseTimeMs) => latencies.push(responseTimeMs));
        }),
    ),
  );
  latencies.sort((a, b) => a - b);
  const failures = results.reduce((sum, result) => sum + result.errors + result.non2xx + result.mismatches, 0);
  return { count: latencies.length, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), failures };
}

/** The nearest-rank percentile of sorted values (NaN when there are none). */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] as number;
}
