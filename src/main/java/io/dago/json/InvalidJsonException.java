package io.dago.json;

/** The request body is not one well-formed JSON document. The message says where it broke. */
public final class InvalidJsonException extends RuntimeException {
  public InvalidJsonException(String message) {
    super(message);
  }
}
