// Batches rendering into animation frames: however many deltas arrive
// between two frames, each dirty item renders once, then the view scrolls.
// Render times are recorded in `window.hearthPerf` (read by the benchmark).

export interface Renderable {
  render(): void;
}

export interface FramePerf {
  frames: number;
  /** Render time of each frame in ms (the most recent 20,000). */
  renderMs: number[];
}

const perf: FramePerf = { frames: 0, renderMs: [] };
(window as unknown as { hearthPerf: FramePerf }).hearthPerf = perf;

const dirty = new Set<Renderable>();
const afterFrame: (() => void)[] = [];
let requested = false;

/** Renders `item` in the next animation frame (once, however often it is called). */
export function schedule(item: Renderable): void {
  dirty.add(item);
  if (requested) return;
  requested = true;
  requestAnimationFrame(runFrame);
}

/** Runs after every frame that rendered something (e.g. to keep the view scrolled). */
export function onAfterFrame(callback: () => void): void {
  afterFrame.push(callback);
}

/** Renders what is pending now (before a full update replaces it). */
export function flushNow(item: Renderable): void {
  if (dirty.delete(item)) item.render();
}

function runFrame(): void {
  requested = false;
  const started = performance.now();
  const items = [...dirty];
  dirty.clear();
  for (const item of items) {
    try {
      item.render();
    } catch (err) {
      console.error('Hearth chat: render failed', err);
    }
  }
  for (const callback of afterFrame) callback();
  perf.frames++;
  perf.renderMs.push(performance.now() - started);
  if (perf.renderMs.length > 20_000) perf.renderMs.splice(0, 10_000);
}
