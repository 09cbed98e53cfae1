// A tiny typed event emitter in the style of VS Code's, without `vscode`.

export interface Disposable {
  dispose(): void;
}

/** Subscribe with a listener; dispose the result to unsubscribe. */
export type Event<T> = (listener: (event: T) => void) => Disposable;

export class Emitter<T> {
  private listeners = new Set<(event: T) => void>();
  private disposed = false;

  /** @param onListenerError called when a listener throws (the other listeners still run). */
  constructor(private readonly onListenerError?: (err: unknown) => void) {}

  readonly event: Event<T> = (listener) => {
    if (this.disposed) return { dispose() {} };
    // Wrap so the same function can be added twice and removed independently.
    const entry = (event: T) => listener(event);
    this.listeners.add(entry);
    return { dispose: () => void this.listeners.delete(entry) };
  };

  fire(event: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.onListenerError?.(err);
      }
    }
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }
}
