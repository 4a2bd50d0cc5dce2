package io.dago.api.grpc;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.dago.graph.InvalidGraphException;
import io.dago.graph.Problem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts between {@code google.protobuf.Struct} and the JSON trees the engine works with (maps, lists,
 * strings, numbers, booleans and null), so that a tree means the same whichever API it came through.
 */
final class Structs {
  /** Beyond this a double no longer holds every whole number, so it stays a double. */
  private static final double MAX_EXACT_WHOLE = 9_007_199_254_740_992d;

  private Structs() {}

  /**
   * A Struct as a JSON object. A Struct holds every number as a double, and a whole number comes back as an
   * Integer or Long, as it would from a JSON parser: {@code {"n": 3}} then renders into a prompt as {@code 3}
   * over both APIs, never as {@code 3.0}.
   *
   * @param path where the Struct sits in the request, for problems such as {@code $.input}
   * @throws InvalidGraphException when it holds NaN or an infinity, which JSON cannot carry
   */
  static Map<String, Object> toJson(Struct struct, String path) {
    try {
      return object(struct);
    } catch (NotFinite e) {
      throw new InvalidGraphException(List.of(new Problem(path + e.where,
          "must be a finite number, got " + e.number)));
    }
  }

  private static Map<String, Object> object(Struct struct) {
    Map<String, Object> map = new LinkedHashMap<>(Math.max(4, struct.getFieldsCount() * 2));
    for (Map.Entry<String, Value> field : struct.getFieldsMap().entrySet()) {
      try {
        map.put(field.getKey(), value(field.getValue()));
      } catch (NotFinite e) {
        e.where.insert(0, "['" + field.getKey() + "']");
        throw e;
      }
    }
    return map;
  }

  private static Object value(Value value) {
    return switch (value.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> null;
      case BOOL_VALUE -> value.getBoolValue();
      case STRING_VALUE -> value.getStringValue();
      case NUMBER_VALUE -> number(value.getNumberValue());
      case STRUCT_VALUE -> object(value.getStructValue());
      case LIST_VALUE -> {
        List<Value> values = value.getListValue().getValuesList();
        List<Object> list = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
          try {
            list.add(value(values.get(i)));
          } catch (NotFinite e) {
            e.where.insert(0, "[" + i + "]");
            throw e;
          }
        }
        yield list;
      }
    };
  }

  private static Object number(double number) {
    if (!Double.isFinite(number)) {
      throw new NotFinite(number);
    }
    if (number == Math.rint(number) && Math.abs(number) <= MAX_EXACT_WHOLE) {
      long whole = (long) number;
      return whole == (int) whole ? (Object) (int) whole : (Object) whole;
    }
    return number;
  }

  /**
   * A number JSON cannot carry. Its path is built while the exception unwinds, so that converting a valid Struct
   * builds no paths at all.
   */
  private static final class NotFinite extends RuntimeException {
    final double number;
    /** Bracketed keys and indexes, from the Struct's root: {@code ['a'][2]}. */
    final StringBuilder where = new StringBuilder();

    NotFinite(double number) {
      super(null, null, false, false);
      this.number = number;
    }
  }

  /** A JSON object as a Struct; numbers become doubles, the only kind a Struct has. */
  static Struct toStruct(Map<String, ?> map) {
    Struct.Builder struct = Struct.newBuilder();
    for (Map.Entry<String, ?> field : map.entrySet()) {
      struct.putFields(field.getKey(), toValue(field.getValue()));
    }
    return struct.build();
  }

  private static Value toValue(Object value) {
    return switch (value) {
      case null -> Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
      case String s -> Value.newBuilder().setStringValue(s).build();
      case Boolean b -> Value.newBuilder().setBoolValue(b).build();
      case Number n -> Value.newBuilder().setNumberValue(n.doubleValue()).build();
      case Map<?, ?> m -> {
        @SuppressWarnings("unchecked")
        Map<String, ?> object = (Map<String, ?>) m;
        yield Value.newBuilder().setStructValue(toStruct(object)).build();
      }
      case List<?> l -> {
        ListValue.Builder list = ListValue.newBuilder();
        for (Object element : l) {
          list.addValues(toValue(element));
        }
        yield Value.newBuilder().setListValue(list).build();
      }
      default -> throw new IllegalArgumentException("not a JSON value: a " + value.getClass().getName());
    };
  }
}
