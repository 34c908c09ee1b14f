/**
 * Number agreement for the sentences of a trace, in one place, so that no protocol
 * writes "1 entries" or "2 thing" by hand.
 *
 *   plural(1, "entry")               -> "1 entry"
 *   plural(3, "entry")               -> "3 entries"
 *   plural(2, "is", "are", false)    -> "are"
 *   count(0, "vote")                 -> "no votes"
 */
export function plural(count: number, singular: string, pluralForm?: string, withCount = true): string {
  const word = count === 1 ? singular : (pluralForm ?? regularPlural(singular));
  return withCount ? `${count} ${word}` : word;
}

/** Like plural(), but says "no" for zero: "no votes", "1 vote", "2 votes". */
export function count(n: number, singular: string, pluralForm?: string): string {
  return n === 0 ? `no ${pluralForm ?? regularPlural(singular)}` : plural(n, singular, pluralForm);
}

/** "is" or "are", "has" or "have", "was" or "were" for a count. */
export function verb(count: number, singular: "is" | "has" | "was"): string {
  const forms = { is: "are", has: "have", was: "were" } as const;
  return count === 1 ? singular : forms[singular];
}

/** "a", "a and b", "a, b and c". */
export function list(items: readonly string[], conjunction = "and"): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
}

function regularPlural(word: string): string {
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  return `${word}s`;
}
