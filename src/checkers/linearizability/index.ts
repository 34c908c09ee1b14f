/** The linearizability checker: a history of client operations in, a verdict with its reasons out. */
export {
  checkHistory,
  checkLinearizability,
  DEFAULT_MAX_CACHE_WORDS,
  type CheckOptions,
  type LinearizabilityReport,
  type LinearizabilityVerdict,
} from "./check";
export {
  describeJson,
  HistoryError,
  MAX_OPERATIONS,
  MODEL_NAMES,
  MODEL_OPERATIONS,
  parseHistory,
  type History,
  type HistoryOperation,
  type ModelName,
} from "./history";
export { MODELS, type Model } from "./model";
export { historyFromTrace, type TraceHistory } from "./trace";
