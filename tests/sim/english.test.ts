import { test } from "node:test";
import assert from "node:assert/strict";
import { count, list, plural, verb } from "../../src/sim/english";

test("plural agrees in number, with regular and irregular forms", () => {
  assert.equal(plural(1, "entry"), "1 entry");
  assert.equal(plural(2, "entry"), "2 entries");
  assert.equal(plural(0, "thing"), "0 things");
  assert.equal(plural(3, "match"), "3 matches");
  assert.equal(plural(2, "day"), "2 days");
  assert.equal(plural(2, "child", "children"), "2 children");
  assert.equal(plural(1, "is", "are", false), "is");
  assert.equal(count(0, "vote"), "no votes");
  assert.equal(count(1, "vote"), "1 vote");
  assert.equal(verb(1, "has"), "has");
  assert.equal(verb(4, "was"), "were");
  assert.equal(list(["a"]), "a");
  assert.equal(list(["a", "b", "c"]), "a, b and c");
  assert.equal(list(["a", "b"], "or"), "a or b");
});
