// A one-line progress bar on stderr for long runs; silent when stderr is not a terminal
// (pipes, CI logs), where a final line per step is enough.
export class ProgressBar {
  private lastDraw = 0;
  private readonly started = Date.now();
  private readonly enabled: boolean;

  constructor(private readonly label: string, enabled = Boolean(process.stderr.isTTY)) {
    this.enabled = enabled;
  }

  update(done: number, total: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (done < total && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const fraction = total ? done / total : 1;
    const width = 30;
    const filled = Math.round(fraction * width);
    const elapsed = (now - this.started) / 1000;
    const eta = fraction > 0 ? elapsed * (1 / fraction - 1) : NaN;
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const etaText = Number.isFinite(eta) && done < total ? ` ETA ${formatSeconds(eta)}` : '';
    process.stderr.write(`\r${this.label} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}% (${done}/${total})${etaText}   `);
  }

  done(): void {
    if (this.enabled) process.stderr.write('\n');
  }
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}
