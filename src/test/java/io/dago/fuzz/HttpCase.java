package io.dago.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * One HTTP request the fuzzer sends, and what it may be answered with.
 *
 * <p>Either structured (method, target, headers and body; {@code Host}, {@code Connection: close} and
 * {@code Content-Length} are added unless the case says otherwise) or raw bytes sent exactly as they are. The same
 * form is what a corpus file holds; see {@code src/test/resources/fuzz-corpus/README.md}.
 *
 * @param expect which answers are acceptable besides dago's own
 * @param status the one status that must come, or 0 for any acceptable one
 */
record HttpCase(String description, String method, String target, List<String[]> headers, byte[] body,
    boolean raw, byte[] rawBytes, boolean addContentLength, boolean chunked, boolean halfClose, Expect expect,
    int status) {

  /** Which answers besides dago's own JSON answer are acceptable. */
  enum Expect {
    /** A well-formed HTTP/1.1 request: dago's dispatcher must answer it, with JSON, 2xx or 4xx. */
    DAGO,
    /**
     * Not well-formed HTTP/1.1 (a bad request line, an illegal header name, conflicting lengths): the JDK's server
     * may refuse it before dago sees it, with its own HTML 400 (501 for an unknown transfer coding) and a closed
     * connection, or just close the connection.
     */
    PROTOCOL,
    /**
     * Well-formed but past what is read at all: a header block over twice the limit, or a body shorter than its
     * declared length. The connection may be closed without an answer; an answer, if any, must still be dago's.
     */
    CLOSE_OK;

    String wireName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Expect fromWire(String name) {
      return valueOf(name.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
    }
  }

  static HttpCase request(String description, String method, String target, List<String[]> headers, byte[] body) {
    return new HttpCase(description, method, target, List.copyOf(headers), body, false, null, true, false, false,
        Expect.DAGO, 0);
  }

  static HttpCase rawRequest(String description, byte[] bytes, Expect expect) {
    return new HttpCase(description, null, null, List.of(), new byte[0], true, bytes, false, false, false, expect, 0);
  }

  HttpCase expecting(Expect expect) {
    return new HttpCase(description, method, target, headers, body, raw, rawBytes, addContentLength, chunked,
        halfClose, expect, status);
  }

  HttpCase withStatus(int status) {
    return new HttpCase(description, method, target, headers, body, raw, rawBytes, addContentLength, chunked,
        halfClose, expect, status);
  }

  HttpCase withoutContentLength() {
    return new HttpCase(description, method, target, headers, body, raw, rawBytes, false, chunked, halfClose, expect,
        status);
  }

  HttpCase inChunks() {
    return new HttpCase(description, method, target, headers, body, raw, rawBytes, false, true, halfClose, expect,
        status);
  }

  HttpCase halfClosing() {
    return new HttpCase(description, method, target, headers, body, raw, rawBytes, addContentLength, chunked, true,
        expect, status);
  }

  boolean head() {
    if (!raw) {
      return "HEAD".equals(method);
    }
    return new String(rawBytes, 0, Math.min(5, rawBytes.length), StandardCharsets.ISO_8859_1).equals("HEAD ");
  }

  /** The bytes on the wire. */
  byte[] bytes() {
    if (raw) {
      return rawBytes;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    line(out, method + " " + target + " HTTP/1.1");
    boolean host = false;
    boolean connection = false;
    for (String[] header : headers) {
      host |= header[0].equalsIgnoreCase("Host");
      connection |= header[0].equalsIgnoreCase("Connection");
    }
    if (!host) {
      line(out, "Host: 127.0.0.1");
    }
    if (!connection) {
      line(out, "Connection: close");
    }
    for (String[] header : headers) {
      line(out, header[0] + ": " + header[1]);
    }
    if (chunked) {
      line(out, "Transfer-Encoding: chunked");
    } else if (addContentLength && (body.length > 0 || !method.equals("GET") && !method.equals("HEAD"))) {
      line(out, "Content-Length: " + body.length);
    }
    line(out, "");
    if (chunked) {
      int at = 0;
      while (at < body.length) {
        int size = Math.min(body.length - at, 1 + (at * 31 + 7) % 4096);
        line(out, Integer.toHexString(size));
        out.write(body, at, size);
        line(out, "");
        at += size;
      }
      line(out, "0");
      line(out, "");
    } else {
      out.writeBytes(body);
    }
    return out.toByteArray();
  }

  /** Header text goes out as ISO-8859-1, byte for char, as HTTP/1.1 has it; characters above that as UTF-8. */
  private static void line(ByteArrayOutputStream out, String text) {
    text.codePoints().forEach(c -> {
      if (c <= 0xff) {
        out.write(c);
      } else {
        out.writeBytes(Character.toString(c).getBytes(StandardCharsets.UTF_8));
      }
    });
    out.write('\r');
    out.write('\n');
  }

  /** A short name for reports: the request line, cut. */
  String summary() {
    String line;
    if (raw) {
      String text = new String(rawBytes, StandardCharsets.ISO_8859_1);
      int end = text.indexOf('\n');
      line = "raw: " + (end < 0 ? text : text.substring(0, end)).strip();
    } else {
      line = method + " " + target;
    }
    line = line.replaceAll("[\\p{Cntrl}]", "?");
    return (line.length() > 160 ? line.substring(0, 160) + "..." : line) + " [" + body.length + " body bytes]";
  }

  /** The case as a corpus file: see the corpus README for the format. */
  String toCorpusText() {
    StringBuilder text = new StringBuilder();
    for (String line : description.split("\n")) {
      text.append("# ").append(line).append('\n');
    }
    if (expect != Expect.DAGO) {
      text.append("@expect ").append(expect.wireName()).append('\n');
    }
    if (status != 0) {
      text.append("@status ").append(status).append('\n');
    }
    if (halfClose) {
      text.append("@half-close\n");
    }
    if (raw) {
      text.append("@raw-base64\n").append(Base64.getMimeEncoder().encodeToString(rawBytes)).append('\n');
      return text.toString();
    }
    if (!addContentLength && !chunked) {
      text.append("@no-content-length\n");
    }
    if (chunked) {
      text.append("@chunked\n");
    }
    boolean plain = printable(body);
    if (!plain) {
      text.append("@body-base64\n");
    }
    text.append(method).append(' ').append(target).append('\n');
    for (String[] header : headers) {
      text.append(header[0]).append(": ").append(header[1]).append('\n');
    }
    text.append('\n');
    if (plain) {
      text.append(new String(body, StandardCharsets.UTF_8)).append('\n');
    } else {
      text.append(Base64.getMimeEncoder().encodeToString(body)).append('\n');
    }
    return text.toString();
  }

  /** Valid UTF-8 without CR or NUL, and not ending in a newline: survives a text file unchanged. */
  private static boolean printable(byte[] body) {
    try {
      String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
      return text.indexOf('\r') < 0 && text.indexOf('\0') < 0 && !text.endsWith("\n") && !text.startsWith("\ufeff");
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  /** Parses a corpus file; see the corpus README for the format. */
  static HttpCase parseCorpus(String text) {
    List<String> description = new ArrayList<>();
    Expect expect = Expect.DAGO;
    int status = 0;
    boolean halfClose = false;
    boolean noLength = false;
    boolean chunked = false;
    boolean bodyBase64 = false;
    int repeat = 1;
    String[] lines = text.split("\n", -1);
    int i = 0;
    for (; i < lines.length; i++) {
      String line = lines[i];
      if (line.startsWith("#")) {
        description.add(line.substring(1).strip());
      } else if (line.startsWith("@")) {
        String[] directive = line.substring(1).strip().split("\\s+", 2);
        switch (directive[0]) {
          case "expect" -> expect = Expect.fromWire(directive[1]);
          case "status" -> status = Integer.parseInt(directive[1].strip());
          case "half-close" -> halfClose = true;
          case "no-content-length" -> noLength = true;
          case "chunked" -> chunked = true;
          case "body-base64" -> bodyBase64 = true;
          case "body-repeat" -> repeat = Integer.parseInt(directive[1].strip());
          case "raw" -> {
            String rest = String.join("\n", java.util.Arrays.copyOfRange(lines, i + 1, lines.length));
            rest = rest.endsWith("\n") ? rest.substring(0, rest.length() - 1) : rest;
            byte[] bytes = rest.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
            return finish(rawRequest(String.join("\n", description), bytes, expect), status, halfClose);
          }
          case "raw-base64" -> {
            String rest = String.join("", java.util.Arrays.copyOfRange(lines, i + 1, lines.length));
            byte[] bytes = Base64.getMimeDecoder().decode(rest.strip());
            return finish(rawRequest(String.join("\n", description), bytes, expect), status, halfClose);
          }
          default -> throw new IllegalArgumentException("unknown directive '" + line + "'");
        }
      } else {
        break;
      }
    }
    if (i >= lines.length) {
      throw new IllegalArgumentException("no request line");
    }
    String requestLine = lines[i++];
    int space = requestLine.indexOf(' ');
    if (space < 0) {
      throw new IllegalArgumentException("request line '" + requestLine + "' is not 'METHOD TARGET'");
    }
    List<String[]> headers = new ArrayList<>();
    for (; i < lines.length && !lines[i].isEmpty(); i++) {
      int colon = lines[i].indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("header line '" + lines[i] + "' has no colon; use @raw for such junk");
      }
      headers.add(new String[] {lines[i].substring(0, colon), lines[i].substring(colon + 1).strip()});
    }
    String bodyText = i + 1 < lines.length
        ? String.join("\n", java.util.Arrays.copyOfRange(lines, i + 1, lines.length)) : "";
    if (bodyText.endsWith("\n")) {
      bodyText = bodyText.substring(0, bodyText.length() - 1);
    }
    byte[] body = bodyBase64 ? Base64.getMimeDecoder().decode(bodyText.strip())
        : bodyText.getBytes(StandardCharsets.UTF_8);
    if (repeat > 1) {
      ByteArrayOutputStream repeated = new ByteArrayOutputStream();
      for (int r = 0; r < repeat; r++) {
        repeated.writeBytes(body);
      }
      body = repeated.toByteArray();
    }
    HttpCase parsed = request(String.join("\n", description), requestLine.substring(0, space),
        requestLine.substring(space + 1), headers, body).expecting(expect);
    if (noLength) {
      parsed = parsed.withoutContentLength();
    }
    if (chunked) {
      parsed = parsed.inChunks();
    }
    return finish(parsed, status, halfClose);
  }

  private static HttpCase finish(HttpCase parsed, int status, boolean halfClose) {
    HttpCase done = parsed.withStatus(status);
    return halfClose ? done.halfClosing() : done;
  }
}
