package io.dago.engine;

/**
 * How busy this instance's workers are right now.
 *
 * @param poolSize workers that may run at once
 * @param busy workers running a node
 * @param queued ready nodes waiting for a worker
 */
public record WorkerLoad(int poolSize, int busy, int queued) {

  /** Busy workers as a share of the pool, 0 to 1. */
  public double utilisation() {
    return poolSize == 0 ? 0 : (double) busy / poolSize;
  }
}
