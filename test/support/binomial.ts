// Bounds for sampled counts: a kept share outside them is a real failure, not bad luck.

/** P(X <= k) for X ~ Binomial(n, p). */
function binomialCdf(k: number, n: number, p: number): number {
  let term = (1 - p) ** n; // P(X = 0)
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term *= ((n - i + 1) / i) * (p / (1 - p));
    sum += term;
  }
  return sum;
}

/** The smallest and largest counts a Binomial(n, p) stays within except with probability `alpha` (two-sided). */
export function binomialBounds(n: number, p: number, alpha: number): [number, number] {
  let low = 0;
  while (binomialCdf(low, n, p) < alpha / 2) low++;
  let high = n;
  while (high > 0 && 1 - binomialCdf(high - 1, n, p) < alpha / 2) high--;
  return [low, high];
}
