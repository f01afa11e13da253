const WIDTH = 30;

/**
 * One line that redraws itself on a terminal (stderr, so stdout keeps only the result); on a pipe or
 * a CI log it prints one line per change instead of carriage returns.
 */
export class ProgressBar {
  private last = "";

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(percent: number, label: string): void {
    const clamped = Math.max(0, Math.min(100, Math.round(percent)));
    const filled = Math.round((clamped / 100) * WIDTH);
    const line = `[${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${String(clamped).padStart(3)}% ${label}`.trimEnd();
    if (line === this.last) return;
    this.last = line;
    if (this.out.isTTY) this.out.write(`\r\x1b[2K${line}`);
    else this.out.write(`${line}\n`);
  }

  /** Ends the redrawn line so what follows starts on its own. */
  done(): void {
    if (this.out.isTTY && this.last) this.out.write("\n");
    this.last = "";
  }
}
