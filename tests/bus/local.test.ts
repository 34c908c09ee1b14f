import { LocalBus } from "../../src/bus";
import { busSuite } from "./suite";

// One process: the two "instances" and the worker are the same bus.
busSuite("LocalBus", async () => {
  const errors: unknown[] = [];
  const bus = new LocalBus((error) => errors.push(error));
  return { a: bus, b: bus, c: bus, errors, close: () => bus.close() };
});
