package io.dago.bench;

/** A run that cannot count: a graph that did not complete, an HTTP error, a server that stopped answering. */
final class BenchException extends RuntimeException {
  BenchException(String message) {
    super(message);
  }

  BenchException(String message, Throwable cause) {
    super(message, cause);
  }
}
