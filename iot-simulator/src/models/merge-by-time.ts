import type { Sample } from './sample';

interface Head {
  sample: Sample;
  source: number;
  iterator: Iterator<Sample>;
}

function before(a: Head, b: Head): boolean {
  return (
    a.sample.measuredAt < b.sample.measuredAt ||
    (a.sample.measuredAt === b.sample.measuredAt && a.source < b.source)
  );
}

/**
 * Merges per-device sample streams into one stream ordered by time, ties broken by device order so the result is
 * deterministic. A binary heap keeps this O(log devices) per sample for fleets of thousands of devices.
 */
export function* mergeByTime(sources: readonly Iterable<Sample>[]): Generator<Sample> {
  const heap: Head[] = [];
  const push = (head: Head): void => {
    heap.push(head);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  };
  const pop = (): Head | undefined => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };
  sources.forEach((source, i) => {
    const iterator = source[Symbol.iterator]();
    const first = iterator.next();
    if (!first.done) push({ sample: first.value, source: i, iterator });
  });
  for (let head = pop(); head; head = pop()) {
    yield head.sample;
    const next = head.iterator.next();
    if (!next.done) push({ sample: next.value, source: head.source, iterator: head.iterator });
  }
}
