import { Observable, type Subscription } from 'rxjs';
import { ArgumentError } from '../../ops/index.js';
import type { Layer } from '../../models/index.js';
import { paced } from '../consume.js';
import { inEpoch } from '../epoch-context.js';
import type { TrainContext, TrainEvent } from '../train/events.js';
import { Runner } from './tbptt-runner.js';
import { checkOptions } from './tbptt-settings.js';
import type { SequenceBatch, TbpttOperator, TbpttOptions } from './tbptt-types.js';

export type {
  PlainPiece,
  PlainTensor,
  RecurrentState,
  SequenceBatch,
  StatefulModel,
  StatefulOutput,
  TbpttOperator,
  TbpttOptions,
  TbpttState,
} from './tbptt-types.js';

/**
 * Truncated back-propagation through time, TBPTT(k1, k2) (Williams & Peng 1990; Sutskever
 * 2013, §2.8.6), as a training operator: windows of B parallel streams in, training events
 * out. The time steps of consecutive windows form one sequence per row; the hidden state is
 * carried from step to step across windows, and
 *
 * - every **k1** steps there is one update: the loss is the mean over the k1 new steps'
 *   predictions of every row, then backward, optional clipping, `optimizer.step()`;
 * - a gradient flows back through at most **k2** steps of recurrence:
 *   - k2 = k1 (the usual case): the state is detached where each update's steps begin, so
 *     each update back-propagates through exactly its own k1 steps;
 *   - k2 > k1: the update re-runs the k2 − k1 steps before its own from the detached state
 *     saved there (with the current weights), without loss on them, so the loss of the
 *     update's first step reaches k2 − k1 + 1 steps back and its last step k2; the cost is
 *     a k2-step forward and backward every k1 steps. The state carried on is the one this
 *     re-run computes;
 *   - k2 < k1: the state is also detached every k2 steps counting back from the update's
 *     end (cuts at k1 − k2, k1 − 2·k2, ... steps into it), so no gradient crosses more than
 *     k2 steps.
 *
 * k1 need not match the window length T: windows are cut or joined into k1-step updates,
 * and the steps left when the stream completes (fewer than k1) make one last, shorter
 * update. `reset` on a window zeroes the state of the rows it marks. Each subscription of
 * the source is one epoch and starts every stream over (state zeroed); the operator
 * subscribes it `epochs` times.
 *
 * Events are `fit`'s (`epochStart`, `batchEnd` per update, `epochEnd` with `logs.loss`, the
 * epoch's mean loss per prediction), with a `context`, so the callbacks work on them:
 * `batchEnd.batch` counts updates, `size` is the predictions in the update (B × steps),
 * `step` is `optimizer.stepCount`. `context.model` is the model passed in; callbacks that
 * save or restore weights need it to be a `Module`.
 *
 * Checkpoints: the run's state (`state()`: position, carried state, held steps) is also the
 * live, enumerable property `context.callbackState[name]`, read when a checkpoint is taken,
 * so `checkpoint` saves it with the weights and `tbptt({ resume })` continues the sequence
 * exactly where it stopped: the windows already received are skipped, the state and the
 * steps held are restored, and the result is bit-for-bit the uninterrupted run.
 *
 * ```
 * windows:            --w--w--w--|            (each w: [B, T] with T = 2·k1)
 * tbptt({ k1 }):      S-bb-bb-bb-(E|)         S = epochStart, b = batchEnd (one per update), E = epochEnd
 * ```
 *
 * @example
 * ```ts
 * import { parallelWindows, tbptt } from 'streamgrad/streams';
 * import { checkpoint, resume } from 'streamgrad/callbacks';
 * const start = await resume('runs/char-lm', { model, optimizer });
 * parallelWindows(vocab.encode(text), { batchSize: 32, length: 100 })
 *   .pipe(
 *     tbptt({ model, loss: crossEntropy, optimizer, k1: 100, clipGradNorm: 5, epochs: 10, resume: start ?? undefined }),
 *     checkpoint({ dir: 'runs/char-lm', every: { steps: 200 } }),
 *   )
 *   .subscribe((e) => e.type === 'epochEnd' && console.log(e.epoch, e.logs.loss / Math.LN2, 'bits/char'));
 * ```
 * @throws ArgumentError at creation for bad options; the stream errors on a window whose
 *   shapes do not fit (naming the window and the shapes).
 */
export function tbptt(opts: TbpttOptions): TbpttOperator {
  const settings = checkOptions(opts);
  const runner = new Runner(settings);
  const { name } = settings;
  const saved = opts.resume?.callbackState;
  if (saved !== undefined) {
    if (saved === null || typeof saved !== 'object') throw new ArgumentError('tbptt: resume.callbackState must be an object');
    if (saved[name] === undefined) throw new ArgumentError(`tbptt: resume.callbackState has no "${name}" entry (was the run trained with tbptt?)`);
    runner.loadState(saved[name]);
  }
  const callbackState: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(saved ?? {})) if (key !== name) callbackState[key] = structuredClone(value);
  Object.defineProperty(callbackState, name, { enumerable: true, configurable: true, get: () => runner.state() });
  const context: TrainContext = {
    // A StatefulModel need not be a Layer; callbacks that need more (stateDict) document it.
    model: settings.model as unknown as Layer,
    optimizer: settings.optimizer,
    callbackState,
    position: () => runner.position(),
  };

  const operator = (source: Observable<SequenceBatch>): Observable<TrainEvent> =>
    new Observable<TrainEvent>((subscriber) => {
      if (runner.running) {
        subscriber.error(new ArgumentError('tbptt: this operator is already running; one run (subscription) at a time shares its carried state'));
        return undefined;
      }
      runner.running = true;
      let current: Subscription | null = null;
      const emit = (event: TrainEvent): void => subscriber.next(event);
      const closed = (): boolean => subscriber.closed;
      const runEpoch = (): void => {
        if (closed()) return;
        if (runner.epoch >= settings.epochs) {
          subscriber.complete();
          return;
        }
        const epoch = runner.epoch;
        const skip = runner.windows;
        if (skip === 0) runner.startEpoch();
        emit({ type: 'epochStart', epoch, step: settings.optimizer.stepCount, context });
        if (closed()) return;
        current = inEpoch(
          epoch,
          paced(source, (window, index) => {
            if (index >= skip && !closed()) runner.receive(window, context, emit, closed);
          }),
        ).subscribe({
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            try {
              runner.finishEpoch(context, emit, closed);
            } catch (error) {
              subscriber.error(error);
              return;
            }
            runEpoch();
          },
        });
      };
      runEpoch();
      return () => {
        current?.unsubscribe();
        runner.running = false;
      };
    });
  return Object.assign(operator, {
    k1: settings.k1,
    k2: settings.k2,
    state: () => runner.state(),
    loadState: (state: unknown) => runner.loadState(state),
  });
}
