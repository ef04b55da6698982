import type { TrainContext, TrainEvent } from '../streams/index.js';

/**
 * Copies taken when an event is emitted, not when it arrives.
 *
 * A `checkpoint` passes its trigger event on only once that save is durable, while training
 * goes on. So a callback after it (another `checkpoint`, or one inside `ackOnCheckpoint`)
 * receives the events late, when the model and `context.position()` have moved on. To copy
 * the state as it stood right after each event, every `checkpoint` of a run registers its
 * copier on the run's context, and the first one an event reaches runs them all for that
 * event: each decides, then, whether the event triggers its save and copies the state if so.
 * A copier decides once per event; a `checkpoint` that receives an event no copier saw yet
 * (its first event) decides on arrival.
 */

/** Decides once, for one event, whether it triggers a save, and copies the state if so. @internal */
export type EventCopier = (event: TrainEvent) => void;

const COPIERS = Symbol('streamgrad.checkpointCopiers');

type WithCopiers = TrainContext & { [COPIERS]?: Set<EventCopier> };

/** The copiers registered on a run's context (a non-enumerable property of the context). */
function copiersOf(context: TrainContext): Set<EventCopier> {
  const holder = context as WithCopiers;
  let copiers = holder[COPIERS];
  if (copiers === undefined) {
    copiers = new Set();
    Object.defineProperty(holder, COPIERS, { value: copiers, enumerable: false });
  }
  return copiers;
}

/**
 * One `checkpoint` subscription's copies: `take(event)` returns what it copied for `event`
 * (at the event's emission when an earlier checkpoint of the run reached it first), `null`
 * when the event triggers no save. `release()` unregisters it. @internal
 */
export class EmissionCopies<T> {
  private readonly copies = new WeakMap<TrainEvent, T | null>();
  private context: TrainContext | null = null;
  private readonly copier: EventCopier;

  /** @param copyIfDue - decides whether the event triggers a save and returns the copy; called once per event, in event order. */
  constructor(copyIfDue: (event: TrainEvent) => T | null) {
    this.copier = (event) => {
      if (!this.copies.has(event)) this.copies.set(event, copyIfDue(event));
    };
  }

  /** Runs every copier of the run for `event` (this one included), then returns this one's copy. */
  take(event: TrainEvent): T | null {
    if (this.context === null) {
      this.context = event.context;
      copiersOf(event.context).add(this.copier);
    }
    for (const copier of [...copiersOf(event.context)]) copier(event);
    const copy = this.copies.get(event) ?? null;
    this.copies.set(event, null); // taken: decided, and the copy no longer held here
    return copy;
  }

  release(): void {
    if (this.context !== null) copiersOf(this.context).delete(this.copier);
    this.context = null;
  }
}
