import { createHash, type Hash } from "node:crypto";
import { sortedKeys, type Json } from "./json";
import type { TraceEvent } from "./types";

/**
 * Whether an event has all eight of its fields, so that its canonical line can be
 * written in the fixed sorted key order; one without (never made by the core) takes
 * the general canonicalJson path, which leaves the missing key out.
 */
export function hasEveryEventField(event: TraceEvent): boolean {
  return (
    event.data !== undefined &&
    event.kind !== undefined &&
    event.lamport !== undefined &&
    event.node !== undefined &&
    event.seq !== undefined &&
    event.summary !== undefined &&
    event.time !== undefined &&
    event.vclock !== undefined
  );
}

/** Thrown while writing a line that holds something other than plain JSON: the line is then written as text. */
const NOT_PLAIN = new Error("trace hash: not plain JSON");

/** Characters JSON.stringify escapes: controls, the quote, the backslash, and (lone) surrogates. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** Lines are hashed in batches of about this many bytes (about 200 events). */
const BATCH_BYTES = 64 * 1024;

/**
 * The trace hash: sha256 over the canonical event log, one line per event, exactly
 * the UTF-8 bytes of `canonicalEventLine(event)` (src/sim/trace.ts) for each.
 *
 * It runs for every event of every run, so it writes each line's bytes straight
 * into a buffer (canonical JSON: keys sorted, no whitespace), without building the
 * line as a string, and feeds the hash a batch of lines at a time (the same digest
 * as line by line). A line holding anything but plain JSON (a non-finite number, a
 * function, a bigint; never made by the core) is written from `lineText` instead,
 * which gives the same bytes, or the same error, as ever.
 */
export class TraceHasher {
  private readonly hash: Hash = createHash("sha256");
  private buffer = Buffer.allocUnsafe(BATCH_BYTES * 2);
  private position = 0;

  constructor(private readonly lineText: (event: TraceEvent) => string) {}

  update(event: TraceEvent): void {
    const start = this.position;
    try {
      this.writeEvent(event);
    } catch (error) {
      if (error !== NOT_PLAIN) throw error;
      this.position = start;
      this.writeText(this.lineText(event));
    }
    if (this.position >= BATCH_BYTES) this.feed();
  }

  /** The hex digest of the lines so far; more may follow. */
  digest(): string {
    this.feed();
    return this.hash.copy().digest("hex");
  }

  private feed(): void {
    if (this.position === 0) return;
    this.hash.update(this.buffer.subarray(0, this.position));
    this.position = 0;
  }

  /** Room for `bytes` more; a line is never split between two feeds, so that it can be written again as text. */
  private room(bytes: number): Buffer {
    if (this.position + bytes > this.buffer.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.position + bytes));
      this.buffer.copy(bigger, 0, 0, this.position);
      this.buffer = bigger;
    }
    return this.buffer;
  }

  private writeEvent(event: TraceEvent): void {
    // The keys in their sorted order; an event without one of them is written as text.
    if (!hasEveryEventField(event)) throw NOT_PLAIN;
    const { data, kind, lamport, node, seq, summary, time, vclock } = event;
    this.writeAscii('{"data":');
    this.writeValue(data);
    this.writeAscii(',"kind":');
    this.writeValue(kind);
    this.writeAscii(',"lamport":');
    this.writeValue(lamport);
    this.writeAscii(',"node":');
    this.writeValue(node);
    this.writeAscii(',"seq":');
    this.writeValue(seq);
    this.writeAscii(',"summary":');
    this.writeValue(summary);
    this.writeAscii(',"time":');
    this.writeValue(time);
    this.writeAscii(',"vclock":');
    this.writeValue(vclock as Json);
    this.writeAscii("}\n");
  }

  private writeValue(value: Json | undefined): void {
    switch (typeof value) {
      case "string":
        this.writeString(value);
        return;
      case "number":
        if (!Number.isFinite(value)) throw NOT_PLAIN;
        // For a finite number this is JSON.stringify's text (-0 included: both write 0).
        this.writeAscii("" + value);
        return;
      case "boolean":
        this.writeAscii(value ? "true" : "false");
        return;
      case "undefined":
        this.writeAscii("null");
        return;
      case "object":
        if (value === null) this.writeAscii("null");
        else if (Array.isArray(value)) this.writeArray(value);
        else this.writeObject(value);
        return;
      default:
        throw NOT_PLAIN;
    }
  }

  private writeArray(value: Json[]): void {
    this.writeByte(0x5b); // [
    for (let i = 0; i < value.length; i++) {
      if (i > 0) this.writeByte(0x2c); // ,
      const item = value[i];
      // A hole is written as nothing, as canonicalJson writes it.
      if (item === undefined && !(i in value)) continue;
      this.writeValue(item);
    }
    this.writeByte(0x5d); // ]
  }

  private writeObject(value: { [key: string]: Json }): void {
    const keys = sortedKeys(value);
    this.writeByte(0x7b); // {
    let first = true;
    for (const key of keys) {
      const item = value[key];
      if (item === undefined) continue;
      if (!first) this.writeByte(0x2c); // ,
      first = false;
      this.writeString(key);
      this.writeByte(0x3a); // :
      this.writeValue(item);
    }
    this.writeByte(0x7d); // }
  }

  private writeByte(byte: number): void {
    const buffer = this.room(1);
    buffer[this.position++] = byte;
  }

  /** A string as JSON.stringify quotes it, as UTF-8. */
  private writeString(text: string): void {
    const length = text.length;
    if (length > 24) {
      // Long (a summary): the regular expression and the native encoder are faster than a loop.
      if (NEEDS_ESCAPE.test(text)) {
        this.writeText(JSON.stringify(text));
        return;
      }
      const buffer = this.room(length * 3 + 2);
      buffer[this.position++] = 0x22;
      this.position += buffer.write(text, this.position, "utf8");
      buffer[this.position++] = 0x22;
      return;
    }
    const buffer = this.room(length + 2);
    let at = this.position;
    buffer[at++] = 0x22;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x20 || code >= 0x80 || code === 0x22 || code === 0x5c) {
        // Something to escape, or to encode in more than one byte: the general way.
        this.writeText(JSON.stringify(text));
        return;
      }
      buffer[at++] = code;
    }
    buffer[at++] = 0x22;
    this.position = at;
  }

  /** Text known to be ASCII (punctuation, keys of the event, numbers). */
  private writeAscii(text: string): void {
    const buffer = this.room(text.length);
    let at = this.position;
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
    this.position = at;
  }

  /** Any text, as UTF-8 (JSON text: lone surrogates are already escaped). */
  private writeText(text: string): void {
    const buffer = this.room(text.length * 3);
    this.position += buffer.write(text, this.position, "utf8");
  }
}
