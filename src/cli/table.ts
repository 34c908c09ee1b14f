/** Aligned text columns, for the CLI's lists and event logs and the benchmark table. */

export type Align = "left" | "right";

export interface Column {
  readonly header: string;
  readonly align?: Align;
}

/**
 * Formats rows as columns separated by two spaces, each as wide as its widest cell.
 * The last column is not padded, so long explanations do not leave trailing blanks.
 */
export function formatTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  separator = "  ",
): string[] {
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...rows.map((row) => (row[index] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    columns
      .map((column, index) => {
        const cell = cells[index] ?? "";
        const width = widths[index] as number;
        if (column.align === "right") return cell.padStart(width);
        return index === columns.length - 1 ? cell : cell.padEnd(width);
      })
      .join(separator)
      .trimEnd();
  return [line(columns.map((column) => column.header)), ...rows.map(line)];
}
