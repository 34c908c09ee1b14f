import "reflect-metadata";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { useServer } from "../api/server-fixture";
import { chromiumMissing, useChromium } from "./chromium";

// The IDE in a real browser (Debian's chromium, headless): a query and a subscription run
// from the page itself, every event of the subscription listed, and nothing fetched from
// anywhere but our own server.

interface RunEvent {
  readonly seq: number;
}

describe("the IDE in a real browser", { skip: chromiumMissing }, () => {
  const api = useServer("faultline-browser-");
  const chromium = useChromium();
  let page: Page;
  const requested: string[] = [];

  before(async () => {
    page = await chromium.browser.newPage();
    page.on("request", (request) => requested.push(request.url()));
    page.on("websocket", (socket) => requested.push(socket.url()));
    await page.addInitScript(EDITOR_HELPERS);
    await page.goto(api.server.url, { waitUntil: "networkidle" });
  });
  after(async () => {
    await page.close();
  });

  test("a query runs from the page and its answer is shown", async () => {
    await page.locator(".graphiql-tab", { hasText: "ListScenarios" }).click();
    await page.locator(".graphiql-execute-button").click();
    const answer = await waitForResponse(page, (body) => Array.isArray(dataOf(body)["scenarios"]));
    const scenarios = dataOf(answer)["scenarios"] as unknown[];
    const expected = await graphql<{ scenarios: unknown[] }>("{ scenarios { id } }");
    assert.equal(scenarios.length, expected.scenarios.length);
  });

  test("a scenario's operations open from the Scenarios panel, and a subscription lists every event", async () => {
    await page.locator('button[aria-label="Show Scenarios"]').click();
    await page.locator('[data-scenario-id="2pc-coordinator-crash"]').click();
    await page.waitForFunction(() => editorText(".graphiql-query-editor").includes("2pc-coordinator-crash"));
    // The learner speeds the run up before starting it.
    const query = (await page.evaluate(() => editorText(".graphiql-query-editor"))).replace(/pace: \d+/, "pace: 5");
    await page.evaluate((text) => setEditorText(".graphiql-query-editor", text), query);

    await runOperation(page, "Start2pcCoordinatorCrash");
    const started = await waitForResponse(page, (body) => dataOf(body)["startRun"] !== undefined);
    const runId = (dataOf(started)["startRun"] as { id: string }).id;
    // The run's id is carried into the tab's variables and shown in the footer.
    await page.waitForFunction((id) => editorText(".graphiql-editor-tool").includes(id), runId);
    assert.equal(await page.locator(".faultline-footer").getAttribute("data-run-id"), runId);

    await runOperation(page, "Follow2pcCoordinatorCrash");
    const eventCount = await finishedEventCount(runId);
    const followed = await waitForResponse(
      page,
      (body) => ((dataOf(body)["runEvents"] as RunEvent[] | undefined)?.length ?? 0) >= eventCount,
    );
    const seqs = (dataOf(followed)["runEvents"] as RunEvent[]).map((event) => event.seq);
    assert.deepEqual(
      seqs,
      Array.from({ length: eventCount }, (_, seq) => seq),
      "the log keeps every event, in order",
    );
  });

  test("nothing the page loads or calls leaves our own server", () => {
    const origin = new URL(api.server.url);
    assert.ok(requested.length > 0);
    for (const url of requested) {
      const parsed = new URL(url);
      assert.equal(parsed.host, origin.host, `the page reached ${url}`);
    }
  });

  async function graphql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const response = await fetch(api.server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown };
    assert.equal(body.errors, undefined);
    return body.data as T;
  }

  /** Waits (through the API, not the page) until the run has ended, and answers its event count. */
  async function finishedEventCount(runId: string): Promise<number> {
    for (let attempt = 0; attempt < 600; attempt += 1) {
      const { run } = await graphql<{ run: { status: string; eventCount: number } }>(
        "query ($id: ID!) { run(id: $id) { status eventCount } }",
        { id: runId },
      );
      if (run.status !== "RUNNING") {
        assert.equal(run.status, "COMPLETED");
        return run.eventCount;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`run ${runId} did not finish`);
  }
});

// Declared for TypeScript; defined in the page by the init script below.
declare function editorText(selector: string): string;
declare function setEditorText(selector: string, text: string): void;

/** Runs one named operation of the tab: the execute button offers a menu when the tab holds several. */
async function runOperation(page: Page, name: string): Promise<void> {
  // GraphiQL parses an edited document a moment later: until it has, the button runs the
  // tab's previous operation instead of offering the menu. Try again until the menu shows.
  const item = page.getByRole("menuitem", { name });
  for (let attempt = 0; attempt < 10; attempt += 1) {
    await page.locator(".graphiql-execute-button").click();
    try {
      await item.waitFor({ state: "visible", timeout: 2_000 });
      await item.click();
      return;
    } catch {
      await page.keyboard.press("Escape");
    }
  }
  throw new Error(`the execute button never offered the operation ${name}`);
}

/** Reads the response pane until it holds JSON that satisfies ready. */
async function waitForResponse(
  page: Page,
  ready: (body: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    const text = await page.evaluate(() => editorText(".result-window"));
    try {
      const body = JSON.parse(text) as Record<string, unknown>;
      if (ready(body)) return body;
    } catch {
      // Not JSON yet (empty, or being streamed in).
    }
    await page.waitForTimeout(50);
  }
  throw new Error(
    `the response pane never held the expected answer; it shows:\n${await page.evaluate(() => editorText(".result-window"))}`,
  );
}

function dataOf(body: Record<string, unknown>): Record<string, unknown> {
  return (body["data"] ?? {}) as Record<string, unknown>;
}

/**
 * GraphiQL's editors are CodeMirror 5 instances: these page functions read and write one by
 * its container's selector. Plain JavaScript, run in the page before its own scripts.
 */
const EDITOR_HELPERS = `
  function editorOf(selector) {
    const element = document.querySelector(selector + " .CodeMirror");
    if (!element || !element.CodeMirror) throw new Error("no editor under " + selector);
    return element.CodeMirror;
  }
  window.editorText = (selector) => editorOf(selector).getValue();
  window.setEditorText = (selector, text) => editorOf(selector).setValue(text);
`;
