// Number formats shared by every command's output.

/** 1234567 -> "1,234,567", as en-US toLocaleString prints integers. Not toLocaleString itself:
 *  its first call loads ICU data, 60 ms of a `pipe run` whose stages all come from the cache. */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 1536 -> "1.5 KiB": sizes of files and caches. */
export function byteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
