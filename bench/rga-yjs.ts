import * as Y from "yjs";
import type { EditingTrace } from "../src/protocols/crdt/datatypes/rga-trace";

/**
 * The comparison for row (e): Yjs (13.6.33, a devDependency used only by the bench)
 * on the same edits. A Y.Doc's client id is random by default; it is fixed here so
 * that a run is repeatable.
 */

export function yjsDoc(clientId: number): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  return doc;
}

/** Replays the trace by position into one Y.Text, each edit its own transaction, as an editor binding sends them. */
export function replayYjs(trace: EditingTrace, doc: Y.Doc = yjsDoc(1)): Y.Doc {
  const text = doc.getText("text");
  const { positions, codes } = trace;
  for (let i = 0; i < positions.length; i++) {
    const code = codes[i] as number;
    if (code === 0) text.delete(positions[i] as number, 1);
    else text.insert(positions[i] as number, String.fromCharCode(code));
  }
  return doc;
}

export function yjsText(doc: Y.Doc): string {
  return doc.getText("text").toString();
}

/** A document's whole state as a Yjs update (what a state-based sync ships). */
export function yjsState(doc: Y.Doc): Uint8Array {
  return Y.encodeStateAsUpdate(doc);
}

/** A fresh document holding `state`. */
export function yjsFromState(state: Uint8Array, clientId: number): Y.Doc {
  const doc = yjsDoc(clientId);
  Y.applyUpdate(doc, state);
  return doc;
}

/** Merges each document's whole state into the other (Yjs's state-based sync: encode, then apply). */
export function yjsMergeBothWays(a: Y.Doc, b: Y.Doc): void {
  const fromA = Y.encodeStateAsUpdate(a);
  const fromB = Y.encodeStateAsUpdate(b);
  Y.applyUpdate(b, fromA);
  Y.applyUpdate(a, fromB);
}
