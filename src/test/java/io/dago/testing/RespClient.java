package io.dago.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Just enough of the Redis protocol (RESP2) for the fixtures to manage their own servers: one command per
 * connection, the reply as text. The fixtures do not use Jedis, so that they never depend on the client the tests
 * exercise, and so that a SHUTDOWN's closed connection is simply the expected answer rather than a client error.
 */
final class RespClient {
  private RespClient() {}

  /**
   * Sends AUTH first when {@code password} is not null, then the command.
   *
   * @return the reply of a simple, integer or bulk string; null when the server closed the connection without
   *     answering, which is how a successful SHUTDOWN answers
   * @throws IOException when the server cannot be reached, answers with an error (the message carries it), or
   *     does not answer within {@code timeout}
   */
  static String call(int port, String password, Duration timeout, String... command) throws IOException {
    int millis = Math.toIntExact(timeout.toMillis());
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(RedisServer.HOST, port), millis);
      socket.setSoTimeout(millis);
      OutputStream out = socket.getOutputStream();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      if (password != null) {
        out.write(encode("AUTH", password));
        read(in, "AUTH");
      }
      out.write(encode(command));
      return read(in, command[0]);
    }
  }

  private static byte[] encode(String... words) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    buffer.writeBytes(("*" + words.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (String word : words) {
      byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
      buffer.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      buffer.writeBytes(bytes);
      buffer.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    return buffer.toByteArray();
  }

  private static String read(InputStream in, String command) throws IOException {
    int type = in.read();
    if (type == -1) {
      return null;
    }
    String line = line(in);
    return switch (type) {
      case '+', ':' -> line;
      case '-' -> throw new IOException("Redis answered " + command + " with an error: " + line);
      case '$' -> {
        int length = Integer.parseInt(line);
        if (length < 0) {
          yield null;
        }
        byte[] body = in.readNBytes(length + 2);
        if (body.length < length + 2) {
          throw new EOFException("Redis closed the connection in the middle of its answer to " + command);
        }
        yield new String(body, 0, length, StandardCharsets.UTF_8);
      }
      default -> throw new IOException("unexpected RESP reply type '" + (char) type + "' to " + command);
    };
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b == -1) {
        throw new EOFException("Redis closed the connection in the middle of a reply line");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.UTF_8);
  }
}
