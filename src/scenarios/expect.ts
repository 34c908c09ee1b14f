import { eventMatches } from "../sim/predicate";
import { canonicalJson, isJsonObject, type Json } from "../sim/json";
import type { EventPredicate } from "../sim/spec";
import type { SimulationResult } from "../sim/world";
import type { ExpectSpec, Scenario } from "./types";

export { formatProblem } from "./problems";

/** An `expect:` item that did not hold for a run. */
export interface ExpectFailure {
  /** Index of the item in the scenario's `expect:` list. */
  readonly index: number;
  readonly kind: ExpectSpec["kind"];
  /** "expect[2] (state): ..." saying what was expected and what the run did. */
  readonly message: string;
}

type Match = Omit<EventPredicate, "count">;

/**
 * Checks every `expect:` outcome of a scenario against one run of it (README,
 * "Scenario format"). Returns one failure per item that does not hold; an empty
 * list means the run did what the scenario promises.
 */
export function checkExpectations(scenario: Scenario, result: SimulationResult): ExpectFailure[] {
  const failures: ExpectFailure[] = [];
  scenario.expect.forEach((expectation, index) => {
    const problem = check(expectation, result);
    if (problem === undefined) return;
    const described = expectation.description === undefined ? "" : ` "${expectation.description}"`;
    failures.push({ index, kind: expectation.kind, message: `expect[${index}] (${expectation.kind})${described}: ${problem}` });
  });
  return failures;
}

function check(expectation: ExpectSpec, result: SimulationResult): string | undefined {
  switch (expectation.kind) {
    case "violations": {
      const found = [...new Set(result.violations.map((violation) => violation.invariant))].sort();
      const wanted = [...expectation.invariants].sort();
      if (canonicalJson(found) === canonicalJson(wanted)) return undefined;
      const details = result.violations.map((violation) => `${violation.invariant} at seq ${violation.seq}: ${violation.message}`);
      return `expected violations ${listOf(wanted)}, found ${listOf(found)}${details.length === 0 ? "" : ` (${details.join("; ")})`}`;
    }
    case "events": {
      const count = result.events.filter((event) => eventMatches(expectation.match, event)).length;
      const what = `events matching ${describeMatch(expectation.match)}`;
      if (expectation.count !== undefined && count !== expectation.count) {
        return `expected ${expectation.count} ${what}, found ${count}`;
      }
      if (expectation.min !== undefined && count < expectation.min) {
        return `expected at least ${expectation.min} ${what}, found ${count}`;
      }
      if (expectation.max !== undefined && count > expectation.max) {
        return `expected at most ${expectation.max} ${what}, found ${count}`;
      }
      return undefined;
    }
    case "state": {
      const view = result.nodes.find((node) => node.node === expectation.node);
      const wanted = canonicalJson(expectation.equals);
      if (view === undefined) return `expected ${expectation.node} in the run's final node views, found no such node`;
      if (!view.up || view.state === null) {
        return `expected ${expectation.node}.${expectation.path} to equal ${wanted}, found ${expectation.node} down at the end of the run`;
      }
      const found = valueAt(view.state, expectation.path);
      if (found.value !== undefined && canonicalJson(found.value) === wanted) return undefined;
      const shown = found.value === undefined ? `no value: ${found.missing}` : canonicalJson(found.value);
      return `expected ${expectation.node}.${expectation.path} to equal ${wanted}, found ${shown}`;
    }
    case "stop":
      if (result.stopReason === expectation.reason) return undefined;
      return `expected the run to stop with ${expectation.reason}, found ${result.stopReason} (${result.stopMessage})`;
    case "order": {
      const firsts = result.events.filter((event) => eventMatches(expectation.first, event));
      const then = result.events.find((event) => eventMatches(expectation.then, event));
      const first = describeMatch(expectation.first);
      const second = describeMatch(expectation.then);
      if (firsts.length === 0) return `expected an event matching ${first}, found none`;
      if (then === undefined) return `expected an event matching ${second} after ${first}, found none`;
      const late = firsts.find((event) => event.seq > then.seq);
      if (late === undefined) return undefined;
      return `expected every event matching ${first} before the first matching ${second} (seq ${then.seq}), found seq ${late.seq}: ${late.summary}`;
    }
  }
}


/** The value at a dotted path ("transactions.t1.status"; a number indexes a list), or why there is none. */
export function valueAt(state: Json, path: string): { value: Json; missing?: undefined } | { value?: undefined; missing: string } {
  let current: Json = state;
  const walked: string[] = [];
  for (const segment of path.split(".")) {
    if (Array.isArray(current) && /^\d+$/.test(segment) && Number(segment) < current.length) {
      current = current[Number(segment)] as Json;
    } else if (isJsonObject(current) && Object.prototype.hasOwnProperty.call(current, segment)) {
      current = current[segment] as Json;
    } else {
      const at = walked.length === 0 ? "the state" : walked.join(".");
      if (Array.isArray(current)) {
        return { missing: `${at} has ${current.length} item${current.length === 1 ? "" : "s"}, so no item ${segment}` };
      }
      const keys = isJsonObject(current) ? Object.keys(current) : [];
      const has = keys.length === 0 ? "" : ` (it has ${keys.join(", ")})`;
      return { missing: `${at} has no "${segment}"${has}` };
    }
    walked.push(segment);
  }
  return { value: current };
}

function describeMatch(match: Match): string {
  const parts = Object.entries(match).map(([key, value]) => `${key}: ${String(value)}`);
  return parts.length === 0 ? "{}" : `{ ${parts.join(", ")} }`;
}

function listOf(names: readonly string[]): string {
  return names.length === 0 ? "[] (none)" : `[${names.join(", ")}]`;
}

export { eventMatches };
