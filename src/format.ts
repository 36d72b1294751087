// Number formats shared by every command's output.

/** 1234567 -> "1,234,567", as en-US toLocaleString prints integers. Not toLocaleString itself:
 *  its first call loads ICU data, 60 ms of a `pipe run` whose stages all come from the cache. */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
