import "reflect-metadata";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { test } from "node:test";
import { parse, validate } from "graphql";
import { projectRoot } from "../../src/api/paths";
import { buildApiSchema } from "../../src/api/schema";
import { useServer } from "./server-fixture";

// The IDE must work offline: the page and everything it loads come from our own
// server. (tests/browser renders it in a real chromium, where one is installed; these
// tests need none.)

const api = useServer("faultline-ide-");
const origin = (): string => new URL(api.server.url).origin;

const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

async function getPage(): Promise<string> {
  const response = await fetch(api.server.url, { headers: { accept: BROWSER_ACCEPT } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
  return response.text();
}

/** Every script src and stylesheet href of the page, in order. */
function assetsOf(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*?\s(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? "");
}

test("a browser asking for /graphql gets the GraphiQL page", async () => {
  const html = await getPage();
  assert.match(html, /<div id="graphiql">/);
  assert.doesNotMatch(html, /https?:\/\//, "the page loads nothing from the internet");
});

test("every asset the page references is served by our server with 200", async () => {
  const assets = assetsOf(await getPage());
  const expected = [
    "graphiql/index.umd.js",
    "graphiql/style.css",
    "react.production.min.js",
    "react-dom.production.min.js",
  ];
  for (const name of expected)
    assert.ok(
      assets.some((asset) => asset.endsWith(name)),
      `the page does not load ${name}`,
    );
  for (const asset of assets) {
    assert.ok(asset.startsWith("/"), `${asset} is not served by our own server`);
    const response = await fetch(new URL(asset, origin()));
    assert.equal(response.status, 200, `${asset} answered ${response.status}`);
    const body = await response.text();
    assert.ok(body.length > 0, `${asset} is empty`);
    const type = response.headers.get("content-type") ?? "";
    const expectedType = asset.endsWith(".css") ? /^text\/css/ : asset.endsWith(".ico") ? /^image\// : /javascript/;
    assert.match(type, expectedType, `${asset} is served as ${type}`);
  }
  const missing = await fetch(new URL("/ide/no-such-file.js", origin()));
  assert.equal(missing.status, 404);
});

test("GraphQL clients on /graphql still reach the API, not the page", async () => {
  const response = await fetch(api.server.url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query: "{ scenarios { id } }" }),
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { data?: { scenarios: unknown[] } };
  assert.ok(Array.isArray(body.data?.scenarios));
  const get = await fetch(api.server.url, { headers: { accept: "application/json" } });
  assert.doesNotMatch(get.headers.get("content-type") ?? "", /^text\/html/);
});

test("the IDE's example tabs are valid operations against the schema", async () => {
  // Run public/ide.js with stand-ins for the browser globals and capture the props it renders GraphiQL with.
  let props:
    | {
        defaultTabs?: Array<{ query: string; variables?: string }>;
        fetcher?: unknown;
        plugins?: Array<{ title: string }>;
      }
    | undefined;
  let fetcherOptions: { url?: string; subscriptionUrl?: string } | undefined;
  const GraphiQL = Object.assign(() => null, {
    createFetcher: (options: { url: string; subscriptionUrl: string }) => {
      fetcherOptions = options;
      return () => null;
    },
  });
  runInNewContext(readFileSync(join(projectRoot, "public", "ide.js"), "utf8"), {
    window: { location: { origin: "http://example.test:4000", protocol: "http:", host: "example.test:4000" } },
    document: { getElementById: () => ({}) },
    GraphiQL,
    React: { createElement: (_type: unknown, given: typeof props) => given },
    ReactDOM: {
      createRoot: () => ({
        render: (element: typeof props) => {
          props = element;
        },
      }),
    },
  });
  // Copied out of the vm's realm, whose objects have other prototypes.
  assert.deepEqual(
    { url: fetcherOptions?.url, subscriptionUrl: fetcherOptions?.subscriptionUrl },
    {
      url: "http://example.test:4000/graphql",
      subscriptionUrl: "ws://example.test:4000/graphql",
    },
  );
  assert.deepEqual(
    Array.from(props?.plugins ?? [], (plugin) => plugin.title),
    ["Scenarios"],
    "the IDE offers each scenario's operations in a panel of its own",
  );
  const tabs = props?.defaultTabs ?? [];
  assert.ok(tabs.length >= 4, "the IDE opens with the example operations");
  const schema = await buildApiSchema();
  const kinds = new Set<string>();
  for (const tab of tabs) {
    const document = parse(tab.query);
    assert.deepEqual(validate(schema, document), [], tab.query);
    for (const definition of document.definitions) {
      if (definition.kind === "OperationDefinition") kinds.add(definition.operation);
    }
    if (tab.variables !== undefined) JSON.parse(tab.variables);
  }
  assert.deepEqual([...kinds].sort(), ["mutation", "query", "subscription"]);
  assert.ok(
    tabs.some((tab) => tab.query.includes('"2pc-coordinator-crash"')),
    "a tab starts the 2pc-coordinator-crash run",
  );
});
