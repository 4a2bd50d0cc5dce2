package io.dago.fuzz;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An HTTP/1.1 client over a bare socket, for requests no well-behaved client would send: any bytes as the request line,
 * header junk, lying {@code Content-Length}s. One request per connection.
 *
 * <p>What it returns tells the three ways a server can answer apart: a response (1xx interim responses skipped), the
 * connection closed or reset before a whole response arrived, or nothing at all before the deadline (a hang). The
 * deadline covers the whole exchange, connect to last byte.
 */
final class RawHttp {
  /** The most of a response body kept; dago's answers are far smaller. */
  private static final int MAX_BODY = 4 << 20;

  private RawHttp() {}

  /** How one exchange ended. */
  sealed interface Outcome permits Answer, Closed, Hung {}

  /** A whole response. Header names in lower case. */
  record Answer(int status, List<String[]> headers, byte[] body) implements Outcome {
    String header(String name) {
      for (String[] header : headers) {
        if (header[0].equals(name.toLowerCase(Locale.ROOT))) {
          return header[1];
        }
      }
      return null;
    }

    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      StringBuilder text = new StringBuilder().append(status);
      for (String[] header : headers) {
        text.append("\n  ").append(header[0]).append(": ").append(header[1]);
      }
      String shown = bodyText();
      return text.append("\n  ").append(shown.length() > 600 ? shown.substring(0, 600) + "..." : shown).toString();
    }
  }

  /** The server closed or reset the connection before a whole response; {@code partial} is what came. */
  record Closed(String why, byte[] partial) implements Outcome {
    @Override
    public String toString() {
      return "closed without a whole answer (" + why + "), " + partial.length + " bytes received";
    }
  }

  /** Nothing whole within the deadline. */
  record Hung(Duration after, byte[] partial) implements Outcome {
    @Override
    public String toString() {
      return "no answer within " + after.toMillis() + " ms, " + partial.length + " bytes received";
    }
  }

  /**
   * Sends the bytes and reads one response.
   *
   * @param halfClose shut the sending side after the request, so that a server waiting for more body sees the end
   * @param head whether the request is a HEAD, whose response has no body whatever its headers say
   */
  static Outcome exchange(int port, byte[] request, boolean halfClose, boolean head, Duration timeout)
      throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Socket socket = new Socket()) {
      socket.setSoLinger(true, 0);
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) timeout.toMillis());
      Reader in = new Reader(socket, deadline);
      try {
        OutputStream out = socket.getOutputStream();
        out.write(request);
        out.flush();
        if (halfClose) {
          socket.shutdownOutput();
        }
      } catch (SocketException e) {
        // The server may refuse a request before it has all of it (a huge header block): read what it answered.
      }
      try {
        while (true) {
          Answer answer = readResponse(in, head);
          if (answer.status() >= 200 || answer.status() < 100) {
            return answer;
          }
        }
      } catch (SocketTimeoutException e) {
        return new Hung(timeout, in.seen.toByteArray());
      } catch (EOFException | SocketException e) {
        return new Closed(e.getClass().getSimpleName() + ": " + e.getMessage(), in.seen.toByteArray());
      } catch (MalformedResponse e) {
        return new Closed("malformed response: " + e.getMessage(), in.seen.toByteArray());
      }
    }
  }

  private static Answer readResponse(Reader in, boolean head) throws IOException {
    String statusLine = in.line();
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new MalformedResponse("status line '" + statusLine + "'");
    }
    int status;
    try {
      status = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new MalformedResponse("status line '" + statusLine + "'");
    }
    List<String[]> headers = new ArrayList<>();
    for (String line = in.line(); !line.isEmpty(); line = in.line()) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new MalformedResponse("header line '" + line + "'");
      }
      headers.add(new String[] {line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).strip()});
    }
    Answer bare = new Answer(status, headers, new byte[0]);
    if (head || status < 200 || status == 204 || status == 304) {
      return bare;
    }
    String length = bare.header("content-length");
    String encoding = bare.header("transfer-encoding");
    byte[] body;
    if (encoding != null && encoding.equalsIgnoreCase("chunked")) {
      body = chunked(in);
    } else if (length != null) {
      long n;
      try {
        n = Long.parseLong(length);
      } catch (NumberFormatException e) {
        throw new MalformedResponse("content-length '" + length + "'");
      }
      if (n < 0 || n > MAX_BODY) {
        throw new MalformedResponse("content-length " + n);
      }
      body = in.bytes((int) n);
    } else {
      body = in.rest();
    }
    return new Answer(status, headers, body);
  }

  private static byte[] chunked(Reader in) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String line = in.line();
      int semicolon = line.indexOf(';');
      int size;
      try {
        size = Integer.parseInt((semicolon < 0 ? line : line.substring(0, semicolon)).strip(), 16);
      } catch (NumberFormatException e) {
        throw new MalformedResponse("chunk size '" + line + "'");
      }
      if (size == 0) {
        while (!in.line().isEmpty()) {
          // trailers
        }
        return body.toByteArray();
      }
      if (body.size() + size > MAX_BODY) {
        throw new MalformedResponse("chunked body over " + MAX_BODY + " bytes");
      }
      body.write(in.bytes(size));
      in.line();
    }
  }

  private static final class MalformedResponse extends IOException {
    MalformedResponse(String message) {
      super(message);
    }
  }

  /** Reads from the socket within one deadline for the whole exchange, keeping every byte seen for reports. */
  private static final class Reader {
    private final Socket socket;
    private final InputStream in;
    private final long deadline;
    final ByteArrayOutputStream seen = new ByteArrayOutputStream();

    Reader(Socket socket, long deadline) throws IOException {
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream());
      this.deadline = deadline;
    }

    private int read() throws IOException {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw new SocketTimeoutException("deadline passed");
      }
      socket.setSoTimeout((int) Math.max(1, left));
      int b = in.read();
      if (b < 0) {
        throw new EOFException("end of stream");
      }
      seen.write(b);
      return b;
    }

    String line() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      while (true) {
        int b = read();
        if (b == '\n') {
          break;
        }
        if (line.size() > 64 * 1024) {
          throw new MalformedResponse("a line longer than 64 KiB");
        }
        line.write(b);
      }
      String text = line.toString(StandardCharsets.ISO_8859_1);
      return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    byte[] bytes(int n) throws IOException {
      byte[] bytes = new byte[n];
      for (int i = 0; i < n; i++) {
        bytes[i] = (byte) read();
      }
      return bytes;
    }

    byte[] rest() throws IOException {
      ByteArrayOutputStream rest = new ByteArrayOutputStream();
      while (rest.size() <= MAX_BODY) {
        int b;
        try {
          b = read();
        } catch (EOFException e) {
          return rest.toByteArray();
        }
        rest.write(b);
      }
      throw new MalformedResponse("a body without a length over " + MAX_BODY + " bytes");
    }
  }
}
