package io.dago.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.Dago;
import io.dago.config.SecuritySettings;
import io.dago.testing.TestConfigs;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** The rule in one place: token first, then the caller's bucket; and the warning about an open API. */
class AccessGateTest {
  private static final String TOKEN = "gate-test-token-0123456789";

  /** Warnings logged by dago while {@code run} runs. */
  private static List<String> warningsDuring(Runnable run) {
    List<String> warnings = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
          warnings.add(record.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger dago = Logger.getLogger("io.dago");
    dago.addHandler(capture);
    try {
      run.run();
    } finally {
      dago.removeHandler(capture);
    }
    return warnings;
  }

  private static boolean warnsOpen(List<String> warnings) {
    return warnings.stream().anyMatch(w -> w.contains("open to anyone") && w.contains("DAGO_API_TOKENS"));
  }

  @Test
  void startingWithoutTokens_onEveryAddress_warnsThatTheApiIsOpen() {
    List<String> warnings = warningsDuring(() -> Dago.start(TestConfigs.embedded("DAGO_BIND", "0.0.0.0")).close());

    assertTrue(warnsOpen(warnings), warnings.toString());
  }

  @Test
  void startingWithoutTokens_onLoopback_warnsNothing() {
    List<String> warnings = warningsDuring(() -> Dago.start(TestConfigs.embedded("DAGO_BIND", "127.0.0.1")).close());

    assertFalse(warnsOpen(warnings), warnings.toString());
  }

  @Test
  void startingWithTokens_onEveryAddress_warnsNothing() {
    List<String> warnings = warningsDuring(() -> Dago.start(
        TestConfigs.embedded("DAGO_BIND", "0.0.0.0", "DAGO_API_TOKENS", TOKEN)).close());

    assertFalse(warnsOpen(warnings), warnings.toString());
  }

  @Test
  void loopbackNames_areLoopback_andTheWildcardIsNot() {
    assertTrue(AccessGate.isLoopback("127.0.0.1"));
    assertTrue(AccessGate.isLoopback("::1"));
    assertTrue(AccessGate.isLoopback("localhost"));
    assertFalse(AccessGate.isLoopback("0.0.0.0"));
    assertFalse(AccessGate.isLoopback("::"));
  }

  @Test
  void aRefusal_isCountedOnce_underItsApiAndReason() throws Exception {
    List<String> refused = new ArrayList<>();
    AccessGate gate = AccessGate.create(
        new SecuritySettings(List.of(TOKEN), false, null, null, 1, 1), "127.0.0.1",
        new AccessObserver() {
          @Override
          public void refused(AccessGate.Api api, AccessGate.Refusal refusal) {
            refused.add(api.label() + "/" + refusal.code());
          }
        });
    InetAddress client = InetAddress.getLoopbackAddress();

    assertEquals(AccessGate.Refusal.UNAUTHORIZED, gate.check(AccessGate.Api.GRPC, "wrong", client).refusal());
    assertTrue(gate.check(AccessGate.Api.HTTP, TOKEN, client).admitted());
    AccessGate.Verdict limited = gate.check(AccessGate.Api.WEBSOCKET, TOKEN, client);

    assertEquals(AccessGate.Refusal.RATE_LIMITED, limited.refusal());
    assertEquals(1, limited.retryAfterSeconds());
    assertEquals(List.of("grpc/unauthorized", "websocket/rate_limited"), refused);
  }

  @Test
  void missingAndWrongTokens_getTheSameVerdict() {
    AccessGate gate = AccessGate.create(new SecuritySettings(List.of(TOKEN), false, null, null, 0, 0), "127.0.0.1",
        AccessObserver.NONE);

    AccessGate.Verdict missing = gate.check(AccessGate.Api.HTTP, null, null);
    AccessGate.Verdict wrong = gate.check(AccessGate.Api.HTTP, TOKEN + "x", null);

    assertEquals(missing, wrong);
    assertEquals(missing.message(), wrong.message());
    assertFalse(missing.message().contains(TOKEN));
  }

  @Test
  void anOpenApi_limitsByAddress_andIpv6ByItsSlash64() throws Exception {
    AccessGate gate = new AccessGate(new Authenticator(List.of()),
        new RateLimiter(1, 1, new AtomicLong()::get, 100), false, AccessObserver.NONE);

    assertTrue(gate.check(AccessGate.Api.HTTP, null, InetAddress.getByName("2001:db8:1:2::1")).admitted());
    assertFalse(gate.check(AccessGate.Api.HTTP, null, InetAddress.getByName("2001:db8:1:2::ffff")).admitted(),
        "the same /64");
    assertTrue(gate.check(AccessGate.Api.HTTP, null, InetAddress.getByName("2001:db8:1:3::1")).admitted());
    assertTrue(gate.check(AccessGate.Api.HTTP, null, InetAddress.getByName("192.0.2.1")).admitted());
    assertFalse(gate.check(AccessGate.Api.HTTP, null, InetAddress.getByName("192.0.2.1")).admitted());
    assertTrue(gate.check(AccessGate.Api.HTTP, null, InetAddress.getByName("192.0.2.2")).admitted());
  }

  @Test
  void withoutTokensOrLimit_everyoneIsLetIn() {
    assertNull(AccessGate.OPEN.check(AccessGate.Api.HTTP, null, null).refusal());
    assertFalse(AccessGate.OPEN.guardsMetrics());
  }
}
