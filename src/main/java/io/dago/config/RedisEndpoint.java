package io.dago.config;

import java.util.Objects;

/**
 * One Redis node to connect to. The host is kept without IPv6 brackets (drivers want it bare); {@link #toString()}
 * puts them back so that the text can be pasted into {@code REDIS_ADDR} again.
 */
public record RedisEndpoint(String host, int port) {

  public RedisEndpoint {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("host is empty");
    }
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("port must be between 1 and 65535, got " + port);
    }
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
