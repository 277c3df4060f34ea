/**
 * Pipelined requests of one HTTP/1.1 connection handled at once. node:http dispatches every request
 * a client pipelines in one go, and each would open its file and buffer a chunk: thousands sent
 * without reading would cost thousands of descriptors. Further requests wait for their turn (their
 * answers could not go out earlier anyway), up to MAX_WAITING; beyond that the connection is closed.
 */
export const MAX_PIPELINED = 32;
export const MAX_WAITING = 1024;

/** Admission of one HTTP/1.1 connection's pipelined requests: at most MAX_PIPELINED run, the rest wait in order. */
export class Pipeline {
  #running = 0;
  readonly #waiting: (() => boolean)[] = [];

  /** Too many requests wait already: the connection should be closed. */
  get full(): boolean {
    return this.#waiting.length >= MAX_WAITING;
  }

  /**
   * Run `handle` now if a slot is free, else when one frees up. It returns false when the request is
   * gone by then (its connection closed while it waited): it then takes no slot.
   */
  admit(handle: () => boolean): void {
    if (this.#running < MAX_PIPELINED) this.#start(handle);
    else this.#waiting.push(handle);
  }

  /** A request that was started has ended: start the next ones waiting, unless the connection is gone. */
  release(connectionOpen: boolean): void {
    this.#running--;
    while (connectionOpen && this.#running < MAX_PIPELINED && this.#waiting.length > 0) {
      this.#start(this.#waiting.shift() as () => boolean);
    }
  }

  #start(handle: () => boolean): void {
    this.#running++;
    if (!handle()) this.#running--;
  }
}
