package io.dago.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.jr.ob.JSON;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * dago's one JSON codec: plain trees of {@code Map}, {@code List}, {@code String}, {@code Number},
 * {@code Boolean} and null in both directions. Maps keep their key order on the way out and the way in.
 */
public final class Json {
  /** Deep enough for any sensible graph input; shallow enough that hostile nesting cannot exhaust a stack. */
  public static final int MAX_NESTING_DEPTH = 200;

  // Every HTTP exchange runs on a new virtual thread, so the default per-thread buffer pool would never reuse a
  // buffer; a shared pool does.
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
      .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
      .build();
  private static final JSON CODEC = JSON.builder(FACTORY)
      .enable(JSON.Feature.FAIL_ON_DUPLICATE_MAP_KEYS, JSON.Feature.PRESERVE_FIELD_ORDERING,
          JSON.Feature.WRITE_NULL_PROPERTIES)
      .disable(JSON.Feature.HANDLE_JAVA_BEANS)
      .build();

  private static final int WRITE_BUFFER_START = 512;

  private Json() {}

  /**
   * Parses a document that must be exactly one JSON object, with nothing but whitespace after it.
   *
   * @throws InvalidJsonException saying what is wrong and where
   */
  public static Map<String, Object> parseObject(byte[] body) {
    return asObject(parse(body));
  }

  private static Map<String, Object> asObject(Object value) {
    if (!(value instanceof Map<?, ?>)) {
      throw new InvalidJsonException("the request body must be a JSON object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> object = (Map<String, Object>) value;
    return object;
  }

  /** Parses one JSON value of any kind, with nothing but whitespace after it. */
  public static Object parse(byte[] body) {
    if (body.length == 0) {
      throw new InvalidJsonException("the request body is empty; send a JSON document");
    }
    requireUtf8(body);
    try (JsonParser parser = FACTORY.createParser(body)) {
      return parseWhole(parser);
    } catch (IOException e) {
      throw unreadable(e);
    }
  }

  /**
   * Parses text already decoded, such as what dago wrote to Redis itself: no bytes to check for UTF-8, and none to
   * copy.
   */
  public static Object parse(String text) {
    try (JsonParser parser = FACTORY.createParser(text)) {
      return parseWhole(parser);
    } catch (IOException e) {
      throw unreadable(e);
    }
  }

  /** {@link #parse(String)} for text that must be one JSON object. */
  public static Map<String, Object> parseObject(String text) {
    return asObject(parse(text));
  }

  private static Object parseWhole(JsonParser parser) throws IOException {
    if (parser.nextToken() == null) {
      throw new InvalidJsonException("the request body holds no JSON value");
    }
    Object value = CODEC.anyFrom(parser);
    if (parser.nextToken() != null) {
      throw new InvalidJsonException("unexpected content after the JSON document at " + where(parser.currentLocation()));
    }
    return value;
  }

  private static InvalidJsonException unreadable(IOException e) {
    if (e instanceof JsonProcessingException json) {
      return new InvalidJsonException(json.getOriginalMessage() + " at " + where(json.getLocation()));
    }
    return new InvalidJsonException("unreadable JSON: " + e.getMessage());
  }

  /**
   * JSON is UTF-8 (RFC 8259), and the parser below is lenient about it: it decodes overlong forms and code points
   * past U+10FFFF into text no JSON writer can write back. A strict decoder looks first.
   */
  private static void requireUtf8(byte[] body) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body));
    } catch (CharacterCodingException e) {
      throw new InvalidJsonException("the request body is not valid UTF-8");
    }
  }

  // Bytes are written through a generator of the factory, closed here, rather than jackson-jr's asBytes, which takes
  // buffers from the pool without giving them back: some 19 KB of fresh buffers per value, 700 MB/s when every event
  // goes to a thousand WebSocket clients. Strings keep asString: its 9 KB per value are short-lived garbage, and the
  // generator path measured slower for the small strings the Redis codecs write on every commit.

  public static byte[] write(Object tree) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(WRITE_BUFFER_START);
    try (JsonGenerator generator = FACTORY.createGenerator(out)) {
      CODEC.write(tree, generator);
    } catch (IOException e) {
      throw cannotWrite(tree, e);
    }
    return out.toByteArray();
  }

  public static String writeString(Object tree) {
    try {
      return CODEC.asString(tree);
    } catch (IOException e) {
      throw cannotWrite(tree, e);
    }
  }

  private static UncheckedIOException cannotWrite(Object tree, IOException e) {
    return new UncheckedIOException("cannot write JSON for a value of type "
        + (tree == null ? "null" : tree.getClass().getName()), e);
  }

  private static String where(JsonLocation location) {
    if (location == null) {
      return "an unknown position";
    }
    return "line " + location.getLineNr() + ", column " + location.getColumnNr();
  }
}
