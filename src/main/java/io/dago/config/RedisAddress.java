package io.dago.config;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What {@code REDIS_ADDR} says on its own, before {@code REDIS_PASS} and {@code REDIS_DB} are applied.
 *
 * <p>Each entry is {@code host[:port]}, {@code [ipv6][:port]} or {@code redis[s]://[[user]:password@]host[:port][/db]}
 * with the user and password percent-encoded, as redis-cli reads them; a URL with no colon before the {@code @}
 * carries a password only. A cluster lists several entries separated by commas.
 *
 * <p>Messages quote the value with any password replaced by {@code ***}: start-up errors end up in logs.
 *
 * @param db the database the URL names, or null when it names none
 */
record RedisAddress(List<RedisEndpoint> seeds, boolean tls, String user, String password, Integer db) {

  static final int DEFAULT_PORT = 6379;
  private static final String VARIABLE = "REDIS_ADDR";
  private static final String FORMS = "host:port or redis://[user:password@]host:port[/db] (rediss:// for TLS)";
  private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9._-]+");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?");

  /** One comma-separated entry. */
  private record Seed(RedisEndpoint endpoint, boolean tls, String user, String password, Integer db) {}

  /** @throws ConfigException naming REDIS_ADDR and what is wrong with it */
  static RedisAddress parse(String raw, boolean cluster) {
    // A single node is one entry whatever its password holds; cluster seeds are split on commas, so a comma in a
    // cluster URL's password must be written %2C.
    List<String> entries = cluster ? List.of(raw.split(",", -1)) : List.of(raw);
    String location = raw.substring(raw.lastIndexOf('@') + 1);
    if (!cluster && location.indexOf(',') >= 0) {
      throw new ConfigException(VARIABLE + " lists " + location.split(",", -1).length + " addresses, but REDIS_CLUSTER "
          + "is not true: set REDIS_CLUSTER=true for a Redis Cluster, or give one address");
    }
    String quoted = "'" + String.join(",", entries.stream().map(RedisAddress::redact).toList()) + "'";
    List<Seed> seeds = new ArrayList<>();
    for (String entry : entries) {
      if (entry.isBlank()) {
        throw new ConfigException(VARIABLE + " has an empty entry in " + quoted + ": separate seeds with one comma");
      }
      seeds.add(seed(entry.strip()));
    }
    Seed first = seeds.get(0);
    for (Seed seed : seeds) {
      if (seed.tls() != first.tls()) {
        throw new ConfigException(VARIABLE + " mixes TLS (rediss://) and plain seeds in " + quoted
            + ": every seed of a cluster must agree, e.g. rediss://host:port for all of them");
      }
      if (!Objects.equals(seed.user(), first.user()) || !Objects.equals(seed.password(), first.password())) {
        throw new ConfigException(VARIABLE + " gives different users or passwords to its seeds in " + quoted
            + ": give them on every seed alike, or the password once in REDIS_PASS");
      }
      if (cluster && seed.db() != null && seed.db() != 0) {
        throw new ConfigException(VARIABLE + " names database " + seed.db() + " in " + quoted
            + ", but Redis Cluster has only database 0: remove /" + seed.db() + " from the URL");
      }
    }
    Integer db = cluster ? null : first.db();
    return new RedisAddress(seeds.stream().map(Seed::endpoint).toList(), first.tls(), first.user(), first.password(), db);
  }

  /** Never prints the password, like {@link RedisSettings#toString()}. */
  @Override
  public String toString() {
    return "RedisAddress[seeds=" + seeds + ", tls=" + tls + ", user=" + user
        + ", password=" + (password == null ? "none" : "set") + ", db=" + db + "]";
  }

  private static Seed seed(String entry) {
    int schemeEnd = entry.indexOf("://");
    if (schemeEnd < 0) {
      if (entry.indexOf('@') >= 0 || entry.indexOf('/') >= 0) {
        throw new ConfigException(VARIABLE + " must be " + FORMS + ", got '" + redact(entry)
            + "': a user, password or database needs the redis:// form");
      }
      return new Seed(endpoint(entry, entry), false, null, null, null);
    }
    String scheme = entry.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
    if (!scheme.equals("redis") && !scheme.equals("rediss")) {
      throw new ConfigException(VARIABLE + " must be " + FORMS + ", got '" + redact(entry) + "'");
    }
    String rest = entry.substring(schemeEnd + 3);
    // The last @ ends the user information: an unencoded @ in a password is common enough to allow.
    int at = rest.lastIndexOf('@');
    String userInfo = at < 0 ? null : rest.substring(0, at);
    String location = rest.substring(at + 1);
    int slash = location.indexOf('/');
    String hostPort = slash < 0 ? location : location.substring(0, slash);
    Integer db = slash < 0 ? null : database(location.substring(slash + 1), entry);
    String user = null;
    String password = null;
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      user = colon < 0 ? null : emptyToNull(decode(userInfo.substring(0, colon)));
      password = emptyToNull(decode(colon < 0 ? userInfo : userInfo.substring(colon + 1)));
    }
    return new Seed(endpoint(hostPort, entry), scheme.equals("rediss"), user, password, db);
  }

  private static RedisEndpoint endpoint(String hostPort, String entry) {
    String host;
    String port;
    if (hostPort.startsWith("[")) {
      int close = hostPort.indexOf(']');
      if (close < 0) {
        throw new ConfigException(VARIABLE + " has an unclosed [ in '" + redact(entry) + "': write IPv6 as [::1]:6379");
      }
      host = hostPort.substring(1, close);
      String after = hostPort.substring(close + 1);
      if (!after.isEmpty() && !after.startsWith(":") || !IPV6.matcher(host).matches() || host.indexOf(':') < 0) {
        throw new ConfigException(VARIABLE + " must be " + FORMS + ", got '" + redact(entry)
            + "': write IPv6 as [::1]:6379");
      }
      port = after.isEmpty() ? null : after.substring(1);
    } else {
      int colon = hostPort.indexOf(':');
      if (colon >= 0 && hostPort.indexOf(':', colon + 1) >= 0) {
        throw new ConfigException(VARIABLE + " has an IPv6 address without brackets in '" + redact(entry)
            + "': write it in brackets, e.g. [::1]:6379");
      }
      host = colon < 0 ? hostPort : hostPort.substring(0, colon);
      port = colon < 0 ? null : hostPort.substring(colon + 1);
      if (host.isEmpty()) {
        throw new ConfigException(VARIABLE + " has no host in '" + redact(entry) + "': expected " + FORMS);
      }
      if (!HOST_NAME.matcher(host).matches()) {
        throw new ConfigException(VARIABLE + " has a bad host '" + host + "' in '" + redact(entry) + "': expected " + FORMS);
      }
    }
    return new RedisEndpoint(host, port == null ? DEFAULT_PORT : port(port, entry));
  }

  private static int port(String text, String entry) {
    if (!text.isEmpty() && text.length() <= 5 && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      int port = Integer.parseInt(text);
      if (port >= 1 && port <= 65_535) {
        return port;
      }
    }
    throw new ConfigException(VARIABLE + " has a bad port in '" + redact(entry)
        + "': the port must be a number between 1 and 65535");
  }

  private static Integer database(String path, String entry) {
    if (path.isEmpty()) {
      return null;
    }
    if (path.length() <= 2 && path.chars().allMatch(c -> c >= '0' && c <= '9')) {
      int db = Integer.parseInt(path);
      if (db <= 15) {
        return db;
      }
    }
    throw new ConfigException(VARIABLE + " has a bad database '/" + path + "' in '" + redact(entry)
        + "': after the port comes only a database number between 0 and 15");
  }

  /** One entry with its password replaced by {@code ***}, fit for a message. */
  static String redact(String entry) {
    int at = entry.lastIndexOf('@');
    if (at < 0) {
      return redactPort(entry);
    }
    int start = entry.indexOf("://");
    start = start < 0 ? 0 : start + 3;
    int colon = entry.indexOf(':', start);
    // As in parsing: a colon before the @ ends the user; without one, everything before the @ is the password.
    return (colon >= 0 && colon < at ? entry.substring(0, colon + 1) : entry.substring(0, start))
        + "***" + entry.substring(at);
  }

  /**
   * A URL without user information can still hold a password where its port should be ({@code redis://:secret},
   * {@code redis://user:secret} with the host forgotten): a port that is not a number is not shown.
   */
  private static String redactPort(String entry) {
    int start = entry.indexOf("://");
    if (start < 0) {
      return entry;
    }
    int colon = entry.indexOf(':', start + 3);
    if (colon < 0) {
      return entry;
    }
    int end = entry.indexOf('/', colon);
    String port = end < 0 ? entry.substring(colon + 1) : entry.substring(colon + 1, end);
    if (port.chars().allMatch(Character::isDigit)) {
      return entry;
    }
    return entry.substring(0, colon + 1) + "***" + (end < 0 ? "" : entry.substring(end));
  }

  /** Percent-decoding as URLs define it; unlike URLDecoder it leaves '+' alone. Bad escapes stay as written. */
  private static String decode(String text) {
    if (text.indexOf('%') < 0) {
      return text;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] raw = text.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == '%' && i + 2 < raw.length && HexFormat.isHexDigit(raw[i + 1]) && HexFormat.isHexDigit(raw[i + 2])) {
        bytes.write(Character.digit(raw[i + 1], 16) * 16 + Character.digit(raw[i + 2], 16));
        i += 2;
      } else {
        bytes.write(raw[i]);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static String emptyToNull(String text) {
    return text.isEmpty() ? null : text;
  }
}
