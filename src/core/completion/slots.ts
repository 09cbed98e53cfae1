// Which llama.cpp slot inline completion asks for. A server with several
// slots (-np) keeps one prompt cache per slot and gives a request the free
// slot whose cache matches it best. When Hearth closes a request, the server
// notices only at its next check and finishes the prompt batch it is reading
// first, so for up to a second or more (measured: 1.7 s on the slow benchmark
// model) that slot stays busy. A request sent meanwhile goes to another slot,
// whose cache holds nothing of this file: a slow server reads the whole
// prompt again (4.5 s instead of 1.3 s in the same measurement). Asking for
// the slot by id (`id_slot`) makes the server wait for it instead.
//
// So a request asks for a slot unless the one before it ended normally (its
// slot is free then, and the server's own choice, the slot whose cache
// matches best, is as good and lets other windows and chats keep theirs).
// The slot asked for is the one the server last reported, else the last
// one: servers hand out free slots from the first, so chats rarely meet it.
// A server with one slot is left to itself.

export class SlotAffinity {
  private reported?: number;
  /** The last request ended normally: its slot is free. */
  private settled = false;

  /** `count`: the server's number of slots (llama.cpp /props `total_slots`), when known. */
  constructor(private readonly count: () => number | undefined) {}

  /** The slot a request about to be sent asks for; undefined lets the server choose. */
  next(): number | undefined {
    const settled = this.settled;
    this.settled = false;
    const n = this.count();
    if (settled || (n !== undefined && n < 2)) return undefined;
    if (this.reported !== undefined && (n === undefined || this.reported < n)) return this.reported;
    return n === undefined ? undefined : n - 1;
  }

  /** A request ended normally, and the server said where it ran (the `id_slot` of its last event). */
  learn(idSlot: unknown): void {
    this.settled = true;
    if (typeof idSlot === 'number' && Number.isInteger(idSlot) && idSlot >= 0) this.reported = idSlot;
  }
}
