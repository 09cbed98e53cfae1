// What the soak (bench/soakHost.ts, in the extension host) reports to its
// runner (bench/soak.ts, plain Node): one console line with this prefix.

export const RESULT_PREFIX = 'HEARTH_SOAK_RESULT ';

export interface Sample {
  /** Chat turns or completion requests done so far. */
  done: number;
  heapMB: number;
}

export interface SoakResult {
  chat: { turns: number; ms: number; samples: Sample[]; errors: number };
  completion: { requests: number; ms: number; samples: Sample[]; errors: number; served: number };
  node: string;
}
