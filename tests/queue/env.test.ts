import { test } from "node:test";
import assert from "node:assert/strict";
import { RUN_QUEUE_ENV, runQueueOptionsFromEnv } from "../../src/queue/env";
import {
  DEFAULT_RUN_EXPIRE_SECONDS,
  DEFAULT_RUN_RETRIES,
  recoveryBoundSeconds,
  resolveRunQueueSettings,
} from "../../src/queue/settings";

test("the run queue's settings come from the environment; unset ones keep their defaults", () => {
  assert.deepEqual(runQueueOptionsFromEnv({}), {});
  const options = runQueueOptionsFromEnv({
    FAULTLINE_QUEUE_SCHEMA: "course_queue",
    FAULTLINE_QUEUE_RETRIES: "4",
    FAULTLINE_QUEUE_POLL_SECONDS: "0.5",
    FAULTLINE_QUEUE_EXPIRE_SECONDS: " ",
  });
  assert.deepEqual(options, { schema: "course_queue", retries: 4, pollSeconds: 0.5 });
  const settings = resolveRunQueueSettings(options);
  assert.equal(settings.expireSeconds, DEFAULT_RUN_EXPIRE_SECONDS);
  assert.equal(resolveRunQueueSettings().retries, DEFAULT_RUN_RETRIES);
});

test("a bad value is refused with its variable", () => {
  const bad: [string, string][] = [
    [RUN_QUEUE_ENV.retries, "-1"],
    [RUN_QUEUE_ENV.retries, "two"],
    [RUN_QUEUE_ENV.expireSeconds, "86400"],
    [RUN_QUEUE_ENV.pollSeconds, "0.1"],
    [RUN_QUEUE_ENV.schema, "drop table"],
  ];
  for (const [variable, text] of bad) {
    assert.throws(
      () => runQueueOptionsFromEnv({ [variable]: text }),
      (error: Error) => error.message.startsWith(`${variable}=`),
      `${variable}=${text} is refused`,
    );
  }
});

test("the recovery bound of the defaults: a dead worker's run waits at most about 17 minutes", () => {
  const settings = resolveRunQueueSettings();
  assert.equal(recoveryBoundSeconds(settings), 15 * 60 + 2 * 30 + 2 + 2);
});
