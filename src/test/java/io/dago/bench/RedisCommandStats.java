package io.dago.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What Redis says it ran: a snapshot of {@code INFO commandstats}, read over a connection of its own with a few lines
 * of RESP, so that the load client needs no Redis driver.
 *
 * <p>Redis counts each command a Lua script runs under its own name, and the {@code EVALSHA} that ran the script as
 * one more call; the sums here keep it that way. The bench's own {@code INFO} calls are left out (dago sends none).
 *
 * @param commands calls per command, by lower-case name (a subcommand such as {@code xinfo|groups} is its own entry)
 */
record RedisCommandStats(Map<String, Count> commands) {
  /** What the bench itself sends: not part of what dago costs. */
  private static final String OWN = "info";

  /** One command's counters: calls, microseconds spent in it, and calls that failed or were refused. */
  record Count(long calls, long usec, long failed, long rejected) {
    Count minus(Count earlier) {
      return new Count(calls - earlier.calls, usec - earlier.usec, failed - earlier.failed,
          rejected - earlier.rejected);
    }
  }

  /** @param address {@code host:port} */
  static RedisCommandStats read(String address) {
    int colon = address.lastIndexOf(':');
    if (colon < 1) {
      throw new BenchException("--redis needs host:port, got '" + address + "'");
    }
    String host = address.substring(0, colon);
    int port = Integer.parseInt(address.substring(colon + 1));
    try (Socket socket = new Socket(host, port)) {
      OutputStream out = socket.getOutputStream();
      out.write("*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return parse(bulkString(socket.getInputStream()));
    } catch (IOException e) {
      throw new BenchException("could not read INFO commandstats from Redis at " + address + ": " + e.getMessage(), e);
    }
  }

  /** Parses lines such as {@code cmdstat_xadd:calls=5,usec=40,usec_per_call=8.00,rejected_calls=0,failed_calls=0}. */
  static RedisCommandStats parse(String info) {
    Map<String, Count> commands = new HashMap<>();
    for (String line : info.split("\r?\n")) {
      if (!line.startsWith("cmdstat_")) {
        continue;
      }
      int colon = line.indexOf(':');
      Map<String, String> fields = new HashMap<>();
      for (String pair : line.substring(colon + 1).split(",")) {
        int equals = pair.indexOf('=');
        fields.put(pair.substring(0, equals), pair.substring(equals + 1));
      }
      commands.put(line.substring("cmdstat_".length(), colon).toLowerCase(Locale.ROOT), new Count(
          number(fields, "calls"), number(fields, "usec"), number(fields, "failed_calls"),
          number(fields, "rejected_calls")));
    }
    return new RedisCommandStats(Map.copyOf(commands));
  }

  /** What ran between {@code earlier} and this snapshot, without the bench's own calls. */
  RedisCommandStats since(RedisCommandStats earlier) {
    Map<String, Count> delta = new HashMap<>();
    Count none = new Count(0, 0, 0, 0);
    commands.forEach((name, count) -> {
      Count d = count.minus(earlier.commands.getOrDefault(name, none));
      if (!name.equals(OWN) && d.calls() + d.rejected() > 0) {
        delta.put(name, d);
      }
    });
    return new RedisCommandStats(Map.copyOf(delta));
  }

  /** Adds another interval's counts to these. */
  RedisCommandStats plus(RedisCommandStats other) {
    Map<String, Count> sum = new HashMap<>(commands);
    other.commands.forEach((name, count) -> sum.merge(name, count, (a, b) -> new Count(a.calls() + b.calls(),
        a.usec() + b.usec(), a.failed() + b.failed(), a.rejected() + b.rejected())));
    return new RedisCommandStats(Map.copyOf(sum));
  }

  static RedisCommandStats empty() {
    return new RedisCommandStats(Map.of());
  }

  long calls() {
    return commands.values().stream().mapToLong(Count::calls).sum();
  }

  long usec() {
    return commands.values().stream().mapToLong(Count::usec).sum();
  }

  /**
   * A table of every command by calls, most first, for the raw results.
   *
   * @param nodes how many nodes ran in the interval
   */
  String breakdown(String title, long nodes) {
    StringBuilder text = new StringBuilder();
    text.append(String.format(Locale.ROOT,
        "%s: %,d nodes, %,d Redis commands = %.2f per node; %,d us inside Redis = %.1f us per node%n",
        title, nodes, calls(), (double) calls() / nodes, usec(), (double) usec() / nodes));
    text.append(String.format(Locale.ROOT, "  %-22s %10s %9s %8s %10s %8s %8s%n",
        "command", "calls", "per node", "share", "usec", "us/call", "failed"));
    List<Map.Entry<String, Count>> sorted = commands.entrySet().stream()
        .sorted(Comparator.comparingLong((Map.Entry<String, Count> e) -> e.getValue().calls()).reversed()
            .thenComparing(Map.Entry::getKey))
        .toList();
    long total = Math.max(1, calls());
    for (Map.Entry<String, Count> e : sorted) {
      Count c = e.getValue();
      text.append(String.format(Locale.ROOT, "  %-22s %,10d %9.3f %7.1f%% %,10d %8.2f %8s%n",
          e.getKey(), c.calls(), (double) c.calls() / nodes, 100.0 * c.calls() / total, c.usec(),
          c.calls() == 0 ? 0.0 : (double) c.usec() / c.calls(),
          c.failed() + c.rejected() == 0 ? "" : c.failed() + (c.rejected() == 0 ? "" : "+" + c.rejected() + "r")));
    }
    return text.toString();
  }

  private static long number(Map<String, String> fields, String name) {
    String value = fields.get(name);
    return value == null ? 0 : Long.parseLong(value);
  }

  /** Reads one RESP bulk string reply, or fails with Redis's error reply. */
  private static String bulkString(InputStream in) throws IOException {
    String header = line(in);
    if (header.startsWith("-")) {
      throw new IOException("Redis answered " + header.substring(1));
    }
    if (!header.startsWith("$")) {
      throw new IOException("unexpected reply '" + header + "'");
    }
    int length = Integer.parseInt(header.substring(1));
    byte[] body = in.readNBytes(length);
    if (body.length != length) {
      throw new IOException("connection closed after " + body.length + " of " + length + " bytes");
    }
    return new String(body, StandardCharsets.UTF_8);
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1 && b != '\n') {
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.US_ASCII);
  }
}
