import type { OpenedFaultlineStore, OpenMode } from "../open";

/** The PostgreSQL store (DATABASE_URL). Placeholder until src/store/pg is built. */
export async function openPgStore(url: string, mode: OpenMode): Promise<OpenedFaultlineStore> {
  void mode;
  throw new Error(
    `faultline: the PostgreSQL store is not built yet (DATABASE_URL=${url.replace(/:[^:@/]*@/, ":***@")})`,
  );
}
