package io.dago.llm.anthropic;

import java.io.BufferedReader;
import java.io.IOException;

/**
 * Reads a {@code text/event-stream} body one event at a time, as the HTML standard's event-stream rules say: fields
 * are {@code name: value} lines, a blank line ends an event, lines starting with {@code :} are comments, several
 * {@code data} lines join with newlines. Only {@code event} and {@code data} matter to the Messages API.
 */
final class ServerSentEvents {
  /** One event: its name ({@code message} when the stream gave none, as the standard says) and its data. */
  record Event(String name, String data) {}

  private final BufferedReader lines;

  ServerSentEvents(BufferedReader lines) {
    this.lines = lines;
  }

  /** @return the next event, or null at the end of the stream (an event the stream ended in the middle of is lost) */
  Event next() throws IOException {
    String name = null;
    StringBuilder data = null;
    for (String line; (line = lines.readLine()) != null; ) {
      if (line.isEmpty()) {
        if (data != null) {
          return new Event(name == null ? "message" : name, data.toString());
        }
        name = null;
        continue;
      }
      if (line.charAt(0) == ':') {
        continue;
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + (line.startsWith(" ", colon + 1) ? 2 : 1));
      if (field.equals("event")) {
        name = value;
      } else if (field.equals("data")) {
        data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
      }
    }
    return null;
  }
}
