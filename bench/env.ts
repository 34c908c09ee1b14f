/**
 * Imported first by bench/main.ts, before anything loads graphql-js: graphql-js
 * reads NODE_ENV once, when it is loaded, and skips its development-time checks in
 * production. The benchmarks measure a production server, so NODE_ENV is
 * "production" unless the caller set it; the table's header says which.
 */
process.env["NODE_ENV"] ??= "production";
