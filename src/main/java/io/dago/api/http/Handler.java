package io.dago.api.http;

import java.io.IOException;

/**
 * What one route does. It may throw any domain exception: {@link HttpApi}'s exception mapping turns it into the
 * error response, so a handler never builds error bodies itself.
 */
@FunctionalInterface
interface Handler {
  /** @throws IOException only when talking to the client fails (the connection is then dropped) */
  Response handle(Request request) throws IOException, InterruptedException;
}
