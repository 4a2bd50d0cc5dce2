package io.dago.llm.anthropic;

import io.dago.json.InvalidJsonException;
import io.dago.json.Json;
import io.dago.llm.LlmException;
import io.dago.llm.LlmResponse;
import io.dago.llm.TextSink;
import io.dago.llm.Usage;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Builds a reply from the events of a streamed Messages API call: {@code message_start} (input usage),
 * {@code content_block_delta} with a {@code text_delta} (text, handed to the sink as it comes),
 * {@code message_delta} (stop reason, cumulative usage), {@code message_stop} (the end), {@code error} (the call
 * failed after all). {@code ping}, block starts and stops, and deltas of other block kinds (thinking, tool input)
 * carry no text and are skipped.
 */
final class MessageStream {
  private final String model;
  private final TextSink sink;
  private final StringBuilder text = new StringBuilder();
  private long inputTokens;
  private long outputTokens;
  private String stopReason;
  private boolean stopped;

  /** @param model named in error hints */
  MessageStream(String model, TextSink sink) {
    this.model = model;
    this.sink = sink;
  }

  /** @throws LlmException on an {@code error} event or data that is not JSON */
  void accept(ServerSentEvents.Event event) throws LlmException {
    byte[] bytes = event.data().getBytes(StandardCharsets.UTF_8);
    Map<String, Object> data;
    try {
      data = Json.parseObject(bytes);
    } catch (InvalidJsonException notJson) {
      throw new LlmException("invalid_response", "anthropic 200 invalid_response: the '" + event.name()
          + "' event's data is not a JSON object: " + Snippet.of(bytes), true, 200, null);
    }
    String type = data.get("type") instanceof String t ? t : event.name();
    switch (type) {
      case "message_start" -> {
        if (data.get("message") instanceof Map<?, ?> message && message.get("usage") instanceof Map<?, ?> usage) {
          inputTokens = tokens(usage.get("input_tokens"), inputTokens);
          outputTokens = tokens(usage.get("output_tokens"), outputTokens);
        }
      }
      case "content_block_start" -> {
        if (data.get("content_block") instanceof Map<?, ?> block && "text".equals(block.get("type"))
            && block.get("text") instanceof String start) {
          append(start);
        }
      }
      case "content_block_delta" -> {
        if (data.get("delta") instanceof Map<?, ?> delta && "text_delta".equals(delta.get("type"))
            && delta.get("text") instanceof String piece) {
          append(piece);
        }
      }
      case "message_delta" -> {
        if (data.get("delta") instanceof Map<?, ?> delta && delta.get("stop_reason") instanceof String reason) {
          stopReason = reason;
        }
        // Counts here are cumulative, so they replace rather than add to what message_start said.
        if (data.get("usage") instanceof Map<?, ?> usage) {
          inputTokens = tokens(usage.get("input_tokens"), inputTokens);
          outputTokens = tokens(usage.get("output_tokens"), outputTokens);
        }
      }
      case "message_stop" -> stopped = true;
      case "error" -> throw ErrorResponse.fromStreamError(bytes, model);
      default -> {
        // ping, content_block_stop, and whatever the API adds later
      }
    }
  }

  /** Whether {@code message_stop} arrived: nothing after it matters. */
  boolean isStopped() {
    return stopped;
  }

  /** Characters of text received so far, for error messages. */
  int length() {
    return text.length();
  }

  /** @throws LlmException {@code stream_interrupted}, retryable, when the stream ended before {@code message_stop} */
  LlmResponse response() throws LlmException {
    if (!stopped) {
      throw interrupted("the stream ended before message_stop");
    }
    return new LlmResponse(text.toString(), new Usage(inputTokens, outputTokens), stopReason);
  }

  /** A stream that broke off: the text so far is lost, but another attempt may well get through. */
  LlmException interrupted(String how) {
    return new LlmException("stream_interrupted", "anthropic: " + how + " after " + text.length()
        + " characters of text", true, 200, null);
  }

  private void append(String piece) {
    if (!piece.isEmpty()) {
      text.append(piece);
      sink.accept(piece);
    }
  }

  private static long tokens(Object count, long otherwise) {
    return count instanceof Number n ? n.longValue() : otherwise;
  }
}
