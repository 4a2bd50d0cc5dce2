package io.dago.fuzz;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A WebSocket client over a bare socket, so that any bytes can be the request target of the upgrade: it sends the
 * handshake, and reads what the server sends (text frames, then a close frame) for up to a while.
 */
final class RawWebSocket {
  private RawWebSocket() {}

  sealed interface Outcome permits Refused, Ended, Open {}

  /** No 101: the HTTP status the server answered with (0 if none) and why the exchange ended. */
  record Refused(int status, String why) implements Outcome {}

  /** The server closed the WebSocket: its close code (-1 when the TCP connection ended without a close frame). */
  record Ended(int code, String reason, List<String> frames) implements Outcome {}

  /** Still open, neither side having closed, when the listening time ran out. */
  record Open(List<String> frames) implements Outcome {}

  static Outcome connect(int port, String target, Duration listen) throws IOException {
    try (Socket socket = new Socket()) {
      socket.setSoLinger(true, 0);
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
      String handshake = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
      socket.getOutputStream().write(handshake.getBytes(StandardCharsets.UTF_8));
      socket.getOutputStream().flush();
      long deadline = System.nanoTime() + listen.toNanos();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      String status;
      try {
        status = line(socket, in, deadline);
        for (String header = line(socket, in, deadline); !header.isEmpty(); header = line(socket, in, deadline)) {
          // skip the response headers
        }
      } catch (SocketTimeoutException e) {
        return new Refused(0, "no handshake answer within " + listen.toMillis() + " ms");
      } catch (EOFException | SocketException e) {
        return new Refused(0, "closed during the handshake: " + e.getMessage());
      }
      String[] parts = status.split(" ");
      int code = parts.length > 1 && parts[1].matches("\\d{3}") ? Integer.parseInt(parts[1]) : 0;
      if (code != 101) {
        return new Refused(code, status);
      }
      List<String> frames = new ArrayList<>();
      ByteArrayOutputStream message = new ByteArrayOutputStream();
      try {
        while (true) {
          int first = read(socket, in, deadline);
          int second = read(socket, in, deadline);
          int opcode = first & 0x0f;
          long length = second & 0x7f;
          if (length == 126) {
            length = (read(socket, in, deadline) << 8) | read(socket, in, deadline);
          } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
              length = (length << 8) | read(socket, in, deadline);
            }
          }
          if (length > (8 << 20)) {
            throw new IOException("a frame of " + length + " bytes");
          }
          byte[] payload = new byte[(int) length];
          for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) read(socket, in, deadline);
          }
          if (opcode == 8) {
            int closeCode = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
            String reason = payload.length > 2
                ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
            return new Ended(closeCode, reason, frames);
          }
          if (opcode == 1 || opcode == 0) {
            message.write(payload);
            if ((first & 0x80) != 0) {
              frames.add(message.toString(StandardCharsets.UTF_8));
              message.reset();
            }
          }
        }
      } catch (SocketTimeoutException e) {
        return new Open(frames);
      } catch (EOFException | SocketException e) {
        return new Ended(-1, "connection ended without a close frame: " + e.getMessage(), frames);
      }
    }
  }

  private static int read(Socket socket, InputStream in, long deadline) throws IOException {
    long left = (deadline - System.nanoTime()) / 1_000_000;
    if (left <= 0) {
      throw new SocketTimeoutException("listening time over");
    }
    socket.setSoTimeout((int) Math.max(1, left));
    int b = in.read();
    if (b < 0) {
      throw new EOFException("end of stream");
    }
    return b;
  }

  private static String line(Socket socket, InputStream in, long deadline) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = read(socket, in, deadline); b != '\n'; b = read(socket, in, deadline)) {
      line.write(b);
    }
    String text = line.toString(StandardCharsets.ISO_8859_1);
    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
  }
}
