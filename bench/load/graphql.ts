import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

/** The driver's GraphQL client side: one operation over HTTP, and graphql-ws sockets. */

interface Response<Data> {
  readonly data?: Data | null;
  readonly errors?: readonly { readonly message: string }[];
}

/** One operation that must succeed; a GraphQL error or a non-JSON answer throws with the server's words. */
export async function call<Data>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token: string | null = null,
): Promise<Data> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body: Response<Data>;
  try {
    body = JSON.parse(text) as Response<Data>;
  } catch {
    throw new Error(`HTTP ${response.status} from ${url} is not JSON: ${text.slice(0, 200)}`);
  }
  if (body.errors !== undefined || body.data === undefined || body.data === null) {
    throw new Error(`${url}: ${JSON.stringify(body.errors ?? body).slice(0, 500)} (query: ${query.slice(0, 80)})`);
  }
  return body.data;
}

/** A graphql-ws client that connects at its first subscription and never retries (a drop must show). */
export function socketClient(wsUrl: string): Client {
  return createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
}

/** Every stored event seq of a run, read a page at a time (as a learner's client would). */
export async function storedSeqs(url: string, runId: string): Promise<number[]> {
  const seqs: number[] = [];
  let after = -1;
  for (let page = 0; page < 100_000; page++) {
    const data = await call<{
      run: { events: { events: { seq: number }[]; hasMore: boolean; nextCursor: number | null } } | null;
    }>(
      url,
      `query($id: ID!, $after: Int) { run(id: $id) { events(after: $after, first: 1000) { events { seq } hasMore nextCursor } } }`,
      {
        id: runId,
        after,
      },
    );
    if (data.run === null) throw new Error(`${url}: run ${runId} is not there`);
    seqs.push(...data.run.events.events.map((event) => event.seq));
    if (!data.run.events.hasMore || data.run.events.nextCursor === null) return seqs;
    after = data.run.events.nextCursor;
  }
  throw new Error(`${url}: run ${runId} has more than 100M events`);
}
