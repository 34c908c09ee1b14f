import { erase, type AnyProtocol } from "../../src/protocols";
import type { Checker, ConfigProblem, ConfigResult } from "../../src/sim/types";
import { isJsonObject } from "../../src/sim/json";
import { echoProtocol, type EchoState } from "../sim/helpers";

/**
 * echo (tests/sim/helpers.ts) with a config that can be wrong and one checker, so the
 * loader's handling of a protocol's own config problems and invariant names can be tested:
 * config: { leader: <node>, timeoutMs?: { min, max } }; invariant NoPongs.
 */
function parseStrictConfig(raw: unknown, nodes: readonly string[]): ConfigResult<{ persistPings: boolean }> {
  const problems: ConfigProblem[] = [];
  if (!isJsonObject(raw)) return { ok: false, problems: [{ path: [], message: "expected a mapping with leader" }] };
  if (raw["leader"] === undefined) problems.push({ path: ["leader"], message: "missing: expected a node name" });
  else if (typeof raw["leader"] !== "string" || !nodes.includes(raw["leader"])) {
    problems.push({ path: ["leader"], message: `expected one of ${nodes.join(", ")}` });
  }
  const timeout = raw["timeoutMs"];
  if (isJsonObject(timeout) && Number(timeout["max"]) < Number(timeout["min"])) {
    problems.push({ path: ["timeoutMs", "max"], message: "expected max >= min" });
  }
  return problems.length === 0 ? { ok: true, config: { persistPings: true } } : { ok: false, problems };
}

function noPongs(): Checker<EchoState> {
  const reported = new Set<string>();
  return {
    invariant: "NoPongs",
    description: "no node ever receives a PONG",
    observe(step) {
      const found = [];
      for (const [node, state] of step.states) {
        if (state.pongs > 0 && !reported.has(node)) {
          reported.add(node);
          found.push({ message: `${node} received a PONG`, node });
        }
      }
      return found;
    },
  };
}

export const strictEcho = erase({
  ...echoProtocol,
  name: "strict-echo",
  parseConfig: parseStrictConfig,
  invariants: ["NoPongs"],
  checkers: () => [noPongs()],
});

/** The protocols the loader tests can name. */
export const TEST_PROTOCOLS: ReadonlyMap<string, AnyProtocol> = new Map([
  ["echo", erase(echoProtocol)],
  ["strict-echo", strictEcho],
]);

/** The smallest valid scenario (7 lines, for consensus/demo.yaml); tests append lines from line 8 on. */
export const BASE = [
  "id: demo",
  "title: Demo",
  "topic: consensus",
  "protocol: echo",
  "summary: Pings and pongs.",
  "objectives: [See a ping answered.]",
  "nodes: [a, b, c]",
];
