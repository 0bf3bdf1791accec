export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

export function formatBytes(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
