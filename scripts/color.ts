/** Whether output to `stream` should be coloured: a terminal, and no NO_COLOR (any non-empty value, no-color.org). */
export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR;
}
