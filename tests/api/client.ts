import type { GraphQLFormattedError } from "graphql";
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";

/** What a GraphQL endpoint answers, as a client sees it. */
export interface GraphQLResponse<Data> {
  readonly data?: Data | null;
  readonly errors?: readonly GraphQLFormattedError[];
}

/** One operation over real HTTP: POST /graphql with a JSON body, as any GraphQL client sends it. */
export async function post<Data>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<Data>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  try {
    return JSON.parse(text) as GraphQLResponse<Data>;
  } catch {
    throw new Error(`HTTP ${response.status} from ${url} is not JSON: ${text.slice(0, 200)}`);
  }
}

/** Like post, but fails the test on any GraphQL error and returns the data. */
export async function query<Data>(url: string, text: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const response = await post<Data>(url, text, variables);
  if (response.errors !== undefined || response.data === undefined || response.data === null) {
    throw new Error(`GraphQL errors: ${JSON.stringify(response.errors ?? response)}`);
  }
  return response.data;
}

/** The real graphql-ws client over a real WebSocket (Node 20 has no global WebSocket). */
export function wsClient(wsUrl: string): Client {
  return createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
}

/** Every result of a subscription until it completes (or errors), in arrival order. */
export function collect<Data>(
  client: Client,
  text: string,
  variables: Record<string, unknown>,
  onResult: (result: GraphQLResponse<Data>) => void = () => undefined,
): Promise<Array<GraphQLResponse<Data>>> {
  const results: Array<GraphQLResponse<Data>> = [];
  return new Promise((resolve, reject) => {
    client.subscribe<Data>(
      { query: text, variables },
      {
        next: (result) => {
          results.push(result);
          onResult(result);
        },
        error: (error: unknown) => {
          if (Array.isArray(error)) {
            results.push({ errors: error as GraphQLFormattedError[] });
            resolve(results);
          } else reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        },
        complete: () => resolve(results),
      },
    );
  });
}
