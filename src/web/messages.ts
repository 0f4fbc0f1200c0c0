// Messages, the status line, the progress bar and the device line: what the page tells the user.
import { $ } from './state.ts';

export function showMessage(text: string, kind: 'error' | 'note' = 'error'): void {
  const box = document.createElement('div');
  box.className = `message ${kind}`;
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  const close = document.createElement('button');
  close.className = 'link';
  close.textContent = '×';
  close.title = 'dismiss';
  close.addEventListener('click', () => box.remove());
  const span = document.createElement('span');
  span.textContent = text;
  box.append(span, close);
  $('messages').append(box);
}

export function clearMessages(): void {
  $('messages').replaceChildren();
}

export function setStatus(text: string): void {
  $('status').textContent = text;
}

export function setProgress(fraction: number): void {
  const pct = Math.max(0, Math.min(100, 100 * fraction));
  $('progress-bar').style.width = `${pct}%`;
  $('progress-bar').parentElement!.setAttribute('aria-valuenow', pct.toFixed(0));
}

export function setDeviceLine(kind: 'cpu' | 'gpu', description: string, notes: string[], track: number): void {
  const line = $('device-line');
  line.dataset.kind = kind;
  line.className = `device-line ${kind}`;
  const where = kind === 'gpu' ? `WebGPU · ${description.replace(/^gpu: /, '')}` : `CPU · ${description}`;
  line.textContent = `Track ${track} fitted on ${where}`;
  if (notes.length) {
    const note = document.createElement('span');
    note.className = 'device-note';
    note.textContent = notes.join('; ');
    line.append(note);
  }
}
