package io.dago.config;

import java.time.Duration;

/**
 * Bounds that keep one client, one burst or one slow provider from taking the instance down.
 *
 * @param maxPromptBytes the largest prompt or system prompt a node may have, before and after rendering
 *     ({@code DAGO_MAX_PROMPT_BYTES})
 * @param maxHeaderBytes the largest request header block ({@code DAGO_MAX_HEADER_BYTES})
 * @param wsMaxFrameBytes the largest WebSocket frame a client may send ({@code DAGO_WS_MAX_FRAME_BYTES})
 * @param idleTimeout how long an idle connection stays open ({@code DAGO_IDLE_TIMEOUT_SECONDS})
 * @param requestTimeout how long a client may take to send a whole request ({@code DAGO_REQUEST_TIMEOUT_SECONDS})
 * @param maxQueuedNodes ready nodes waiting beyond which new submissions are refused with 503
 *     ({@code DAGO_MAX_QUEUED_NODES})
 * @param llmMaxConcurrency model calls in flight at once per provider; 0: as many as workers
 *     ({@code LLM_MAX_CONCURRENCY})
 * @param breakerFailures consecutive retryable failures of a provider that open its circuit breaker
 *     ({@code LLM_BREAKER_FAILURES})
 * @param breakerOpen how long an open breaker waits before it lets one probe call through
 *     ({@code LLM_BREAKER_OPEN_SECONDS})
 * @param maxFinishedGraphs finished graphs kept in memory when embedded, the oldest forgotten first
 *     ({@code DAGO_MAX_FINISHED_GRAPHS}; Redis mode keeps them for {@code DAGO_STATE_TTL} instead)
 */
public record Limits(int maxPromptBytes, int maxHeaderBytes, int wsMaxFrameBytes, Duration idleTimeout,
    Duration requestTimeout, int maxQueuedNodes, int llmMaxConcurrency, int breakerFailures, Duration breakerOpen,
    int maxFinishedGraphs) {

  public static Limits defaults() {
    return new Limits(1 << 20, 16 * 1024, 64 * 1024, Duration.ofSeconds(60), Duration.ofSeconds(30), 100_000, 0, 5,
        Duration.ofSeconds(10), 10_000);
  }
}
