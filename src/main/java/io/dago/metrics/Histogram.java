package io.dago.metrics;

import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A distribution over fixed buckets, exported as Prometheus' cumulative {@code _bucket{le=...}}, {@code _sum} and
 * {@code _count}.
 *
 * <p>Recording touches two adders: the one bucket the value falls in (buckets are kept per bucket, not cumulative,
 * so an observation is one increment rather than one per bucket above it) and the sum. A scrape adds the buckets
 * up and takes {@code _count} from that same addition, so {@code le="+Inf"} always equals {@code _count}; the
 * sum is read separately and may include an observation or two that the buckets do not yet, which is the usual
 * and harmless skew of lock-free histograms.
 */
final class Histogram implements Series {
  private final double[] bounds;
  private final String[] boundLabels;
  /** One per bound, plus the last one for values above every bound ({@code +Inf}). */
  private final LongAdder[] buckets;
  private final DoubleAdder sum = new DoubleAdder();

  /** @param bounds upper bounds, checked by {@link MetricRegistry}: finite and strictly increasing */
  Histogram(double[] bounds, String[] boundLabels) {
    this.bounds = bounds;
    this.boundLabels = boundLabels;
    this.buckets = new LongAdder[bounds.length + 1];
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = new LongAdder();
    }
  }

  void observe(double value) {
    // A linear scan: there are about a dozen bounds and most values fall in the first few.
    int i = 0;
    while (i < bounds.length && value > bounds[i]) {
      i++;
    }
    buckets[i].increment();
    sum.add(value);
  }

  void observeNanos(long nanos) {
    observe(nanos / 1e9);
  }

  /** Observations so far. */
  long count() {
    long count = 0;
    for (LongAdder bucket : buckets) {
      count += bucket.sum();
    }
    return count;
  }

  double sum() {
    return sum.sum();
  }

  @Override
  public void write(PrometheusText out, String name, List<String> labelNames, List<String> labelValues) {
    String bucketName = name + "_bucket";
    long cumulative = 0;
    for (int i = 0; i < bounds.length; i++) {
      cumulative += buckets[i].sum();
      out.bucket(bucketName, labelNames, labelValues, boundLabels[i], cumulative);
    }
    cumulative += buckets[bounds.length].sum();
    out.bucket(bucketName, labelNames, labelValues, "+Inf", cumulative);
    out.sample(name + "_sum", labelNames, labelValues, sum.sum());
    out.sample(name + "_count", labelNames, labelValues, cumulative);
  }
}
