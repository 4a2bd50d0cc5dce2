package io.dago.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dago.Dago;
import io.dago.testing.TestConfigs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * Regression: the JDK's server closed every keep-alive connection beyond 200 idle ones as soon as its exchange
 * ended, and a client that reused one got "header parser received no bytes". Bursts of a few hundred clients, one
 * after another, must all be answered.
 */
class KeepAliveBurstTest {
  private static final int CLIENTS = 400;
  /** Back-to-back requests per client, as a submit followed by a long poll: the second reuses the connection. */
  private static final int REQUESTS_EACH = 5;

  @Test
  void burstsOfManyKeepAliveClientsAreAllAnswered() throws Exception {
    try (Dago dago = Dago.start(TestConfigs.embedded());
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dago.httpPort() + "/health")).build();
      for (int burst = 0; burst < 3; burst++) {
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
          threads.add(Thread.ofVirtual().start(() -> {
            try {
              go.await();
              for (int request = 0; request < REQUESTS_EACH; request++) {
                HttpResponse<String> response = client.send(health, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                  failures.add("status " + response.statusCode());
                }
              }
            } catch (Exception e) {
              failures.add(e.toString());
            }
          }));
        }
        go.countDown();
        for (Thread thread : threads) {
          thread.join();
        }
        assertEquals(List.of(), List.copyOf(failures), "burst " + burst);
      }
    }
  }
}
