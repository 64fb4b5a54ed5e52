// The median of a workload's turns: one turn that other work on this shared machine starved moves
// a mean a lot, and a median hardly. An even count takes the mean of the middle two.
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle) ? (sorted[middle - 1]! + sorted[middle]!) / 2 : sorted[Math.floor(middle)]!;
}
