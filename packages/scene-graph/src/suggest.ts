import { distance } from 'fastest-levenshtein';

/** Up to `max` vocabulary words closest to `word` by edit distance, for "did you mean" hints. */
export function nearestWords(word: string, candidates: Iterable<string>, max = 3): string[] {
  const w = word.toLowerCase();
  const scored: { c: string; d: number }[] = [];
  for (const c of candidates) {
    if (c.startsWith('__')) continue;
    const cl = c.toLowerCase();
    // Substring matches ("circle" for "red circle") rank as near as a one-letter typo.
    const d = cl.includes(w) || w.includes(cl) ? Math.min(1, distance(w, cl)) : distance(w, cl);
    scored.push({ c, d });
  }
  const limit = Math.max(2, Math.ceil(w.length / 3));
  const best = Math.min(...scored.map((s) => s.d));
  return scored
    .filter((s) => s.d <= Math.min(limit, best + 1))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, max)
    .map((s) => s.c);
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const near = nearestWords(word, candidates);
  return near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : '';
}
