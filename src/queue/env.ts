import { resolveRunQueueSettings, type RunQueueOptions } from "./settings";

/**
 * The environment variable of each run queue setting, for the process that opens the
 * queue (API instance or worker). Every instance of a course should be given the same
 * values: each job carries the settings of the instance that enqueued it.
 */
export const RUN_QUEUE_ENV = {
  schema: "FAULTLINE_QUEUE_SCHEMA",
  retries: "FAULTLINE_QUEUE_RETRIES",
  retryDelaySeconds: "FAULTLINE_QUEUE_RETRY_DELAY_SECONDS",
  expireSeconds: "FAULTLINE_QUEUE_EXPIRE_SECONDS",
  superviseSeconds: "FAULTLINE_QUEUE_SUPERVISE_SECONDS",
  pollSeconds: "FAULTLINE_QUEUE_POLL_SECONDS",
  closeTimeoutMs: "FAULTLINE_QUEUE_CLOSE_TIMEOUT_MS",
  poolSize: "FAULTLINE_QUEUE_POOL_SIZE",
} as const satisfies { readonly [Name in keyof RunQueueOptions]?: string };

type EnvSetting = keyof typeof RUN_QUEUE_ENV;

/**
 * The settings the environment sets (the rest keep their defaults in openRunQueue).
 * A bad value is refused here, at start-up, with its variable's name.
 */
export function runQueueOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): RunQueueOptions {
  const options: { -readonly [Name in EnvSetting]?: RunQueueOptions[Name] } = {};
  for (const [name, variable] of Object.entries(RUN_QUEUE_ENV) as [EnvSetting, string][]) {
    const text = env[variable]?.trim();
    if (text === undefined || text === "") continue;
    const one: RunQueueOptions = name === "schema" ? { schema: text } : { [name]: Number(text) };
    try {
      resolveRunQueueSettings(one);
    } catch (error) {
      throw new Error(`${variable}="${text}": ${error instanceof Error ? error.message : String(error)}`);
    }
    Object.assign(options, one);
  }
  return options;
}
