import { messageOf } from "./services";

/** Errors met under load: all are counted, the first few kept word for word for the report. */
export class Problems {
  private readonly kept: string[] = [];
  private total = 0;

  constructor(private readonly keep = 10) {}

  add(where: string, error: unknown): void {
    this.total += 1;
    if (this.kept.length < this.keep) this.kept.push(`${where}: ${messageOf(error)}`);
  }

  get count(): number {
    return this.total;
  }

  get first(): readonly string[] {
    return this.kept;
  }
}
