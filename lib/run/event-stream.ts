// A long call's progress as an async iterable, beside its callback: `for await (const e of run)` sees
// every event in order, and `run.result` settles as the call does. Events are buffered until read, so a
// slow reader loses none; a failed call ends the iteration by throwing its error.
export interface EventStream<E, Res> extends AsyncIterable<E> {
  /** The call's result (or its error). */
  result: Promise<Res>;
}

/** Runs `call` with an event callback and returns its events as an async iterable and its result. */
export function eventStream<E, Res>(
  call: (onEvent: (event: E) => void) => Promise<Res>,
): EventStream<E, Res> {
  const queue: E[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let failure: { error: unknown } | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const result = call((event) => {
    queue.push(event);
    notify();
  });
  result.then(
    () => {
      finished = true;
      notify();
    },
    (error: unknown) => {
      finished = true;
      failure = { error };
      notify();
    },
  );
  // The iteration reports a failure; `result` alone must not also count as unhandled.
  result.catch(() => {});
  return {
    result,
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (queue.length) yield queue.shift()!;
        else if (finished) {
          if (failure) throw failure.error;
          return;
        } else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}
