import assert from "node:assert/strict";
import { join } from "node:path";
import { openStore } from "../../src/store";
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import { post, type GraphQLResponse } from "./client";
import type { ServerFixture } from "./server-fixture";

/** The scenario with questions the grading API tests use. */
export const GRADED_SCENARIO = "2pc-coordinator-crash";
/** A schedule that meets its keep-them-waiting goal (the scenario's own example). */
export const GOOD_SCHEDULE = [
  { when: { event: { kind: "DELIVER", to: "coord", message: "VOTE_YES", count: 3 } }, do: "crash", node: "coord" },
  { at: 700, do: "recover", node: "coord" },
];

export function bearer(token: string | null): Record<string, string> {
  return token === null ? {} : { authorization: `Bearer ${token}` };
}

/**
 * Tokens made straight in the server's database, as the CLI's `token create` does:
 * the first instructor's, and (for the expiry test) a token that expired an hour ago.
 */
export function tokenInDatabase(
  api: ServerFixture,
  role: "instructor" | "student",
  studentId: string | null = null,
  expiresAt: string | null = null,
): string {
  const { store } = openStore(join(api.dir, "faultline.db"));
  try {
    return store.grading.createToken(role, studentId, expiresAt);
  } finally {
    store.close();
  }
}

/** One operation that must succeed, as the holder of `token`. */
export async function ok<Data>(
  api: ServerFixture,
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Data> {
  const response = await post<Data>(api.server.url, query, variables, bearer(token));
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  assert.ok(response.data);
  return response.data;
}

/** The extensions.code of an operation's first error (undefined when it succeeded). */
export async function codeOf(
  api: ServerFixture,
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ code: unknown; response: GraphQLResponse<unknown> }> {
  const response = await post<unknown>(api.server.url, query, variables, bearer(token));
  return { code: response.errors?.[0]?.extensions?.["code"], response };
}

export async function createStudent(
  api: ServerFixture,
  instructor: string,
  name: string,
): Promise<{ id: string; token: string }> {
  const data = await ok<{ createStudent: { student: { id: string }; token: string } }>(
    api,
    instructor,
    `mutation($name: String!) { createStudent(name: $name) { student { id } token } }`,
    { name },
  );
  return { id: data.createStudent.student.id, token: data.createStudent.token };
}

export async function createAssignment(
  api: ServerFixture,
  instructor: string,
  input: Record<string, unknown>,
): Promise<string> {
  const data = await ok<{ createAssignment: { id: string } }>(
    api,
    instructor,
    `mutation($input: AssignmentInput!) { createAssignment(input: $input) { id } }`,
    { input: { title: "Leaks", scenarioIds: [GRADED_SCENARIO], ...input } },
  );
  return data.createAssignment.id;
}

/** Every string anywhere in a JSON value (a response), to look for text that must not be there. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(stringsIn);
  return [];
}

/** The real graphql-ws client, sending the token as connectionParams.authorization (null: none). */
export function wsClientAs(wsUrl: string, token: string | null): Client {
  return createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    ...(token === null ? {} : { connectionParams: { authorization: `Bearer ${token}` } }),
  });
}
