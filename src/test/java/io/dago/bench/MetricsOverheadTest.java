package io.dago.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MetricsOverheadTest {
  @Test
  void theMedianOfAnEvenNumberOfValuesIsTheMeanOfTheMiddleTwo() {
    assertEquals(2.5, MetricsOverhead.median(new double[] {4, 1, 3, 2}));
    assertEquals(3, MetricsOverhead.median(new double[] {5, 3, 1}));
  }

  @Test
  void theMediansIntervalOf100ValuesSpansTheRanksASignTestGives() {
    // 1..100: k = floor((100 - 19.6) / 2) = 40, so ranks 41 and 60 (from 1).
    double[] values = IntStream.rangeClosed(1, 100).mapToDouble(i -> i).toArray();

    assertArrayEquals(new double[] {41, 60}, MetricsOverhead.lowAndHighOfMedian(values));
  }

  @Test
  void theGoalIsMetOnlyWhenTheWholeIntervalIsAtOrAboveIt() {
    double[] off = IntStream.range(0, 100).mapToDouble(i -> 1000).toArray();
    double[] close = IntStream.range(0, 100).mapToDouble(i -> 990 + i % 10).toArray();
    double[] slower = IntStream.range(0, 100).mapToDouble(i -> 900 + i % 10).toArray();
    double[] straddling = IntStream.range(0, 100).mapToDouble(i -> 920 + i).toArray();

    assertTrue(MetricsOverhead.summary(close, off).contains("goal >= 0.97: met"));
    assertTrue(MetricsOverhead.summary(slower, off).contains("goal >= 0.97: NOT met"));
    assertTrue(MetricsOverhead.summary(straddling, off).contains("goal >= 0.97: not shown"));
  }
}
