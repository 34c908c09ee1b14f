import { readFileSync, writeFileSync } from "node:fs";
import { isNode, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import {
  AnswersError,
  AssignmentError,
  answersFileSchema,
  assignmentSchema,
  gradeAssignment,
  gradescopeResults,
  keysReleased,
  prairielearnResults,
  resolveItems,
  withDefaults,
} from "../grading";
import type { Catalog } from "./commands";
import { UsageError, type Print } from "./options";

export const GRADE_FORMATS = ["gradescope", "prairielearn"] as const;

/**
 * `grade --assignment FILE --answers FILE --out results.json [--format gradescope|prairielearn] [--seed N]`:
 * grades offline, where courses already grade, on the scenarios' default seeds (or --seed).
 */
export interface GradeOptions {
  readonly assignment: string;
  readonly answers: string;
  readonly out: string;
  /** One of GRADE_FORMATS (commander checks the choice). */
  readonly format: string;
  readonly seed?: number;
}

export function gradeCommand(catalog: Catalog, options: GradeOptions, print: Print): void {
  const { assignment: assignmentFile, answers: answersFile, out, format, seed } = options;
  const settings = withDefaults(readYaml(assignmentFile, assignmentSchema));
  const answers = readJson(answersFile, answersFileSchema).answers;
  try {
    const items = resolveItems(settings, (id) => catalog.scenarios.find((scenario) => scenario.id === id));
    const released = keysReleased(settings, true, new Date());
    const { graded, questions } = gradeAssignment(items, (item) => seed ?? item.scenario.spec.seed, answers, released);
    const results =
      format === "gradescope"
        ? gradescopeResults(graded, questions, released)
        : prairielearnResults(graded, questions, released);
    writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
    print(`${graded.score} of ${graded.maxScore} points; ${format} results written to ${out}`);
  } catch (error) {
    if (error instanceof AssignmentError) throw new UsageError(`${assignmentFile}: ${error.message}`);
    if (error instanceof AnswersError) throw new UsageError(`${answersFile}: ${error.message}`);
    throw error;
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(
      `${file}: could not read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
}

/** Reads a YAML file and validates it; an error names the file, line, column and field. */
function readYaml<T>(file: string, schema: z.ZodType<T>): T {
  const lines = new LineCounter();
  const doc = parseDocument(readText(file), { lineCounter: lines });
  if (doc.errors.length > 0) throw new UsageError(`${file}: YAML syntax error: ${doc.errors[0]?.message}`);
  const parsed = schema.safeParse(doc.toJS({ maxAliasCount: 100 }));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = (issue?.path ?? []).map((p) => (typeof p === "symbol" ? String(p) : p));
  const node = doc.getIn(path, true);
  const at = isNode(node) && node.range ? lines.linePos(node.range[0]) : { line: 1, col: 1 };
  throw new UsageError(
    `${file}:${at.line}:${at.col}: ${path.join(".") || "(top level)"}: ${issue?.message ?? "invalid"}`,
  );
}

/** Reads a JSON file and validates it; an error names the file and field. */
function readJson<T>(file: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(readText(file));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new UsageError(
    `${file}: ${(issue?.path ?? []).map(String).join(".") || "(top level)"}: ${issue?.message ?? "invalid"}`,
  );
}
