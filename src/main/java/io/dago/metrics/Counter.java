package io.dago.metrics;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * A count that only goes up. A {@link LongAdder}: threads that record at once add into separate cells instead of
 * fighting over one, so recording costs a few nanoseconds even on the workers' hot path.
 */
final class Counter implements Series {
  private final LongAdder count = new LongAdder();

  void inc() {
    count.increment();
  }

  /** @throws IllegalArgumentException when {@code amount} is negative: counters never go down */
  void inc(long amount) {
    if (amount < 0) {
      throw new IllegalArgumentException("a counter cannot go down, was asked to add " + amount);
    }
    count.add(amount);
  }

  long value() {
    return count.sum();
  }

  @Override
  public void write(PrometheusText out, String name, List<String> labelNames, List<String> labelValues) {
    out.sample(name, labelNames, labelValues, count.sum());
  }
}
