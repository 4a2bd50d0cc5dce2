package io.dago.fuzz;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Graph documents for fuzzing: {@link #validGraph} builds one dago must accept (a random DAG whose prompts quote the
 * input and upstream outputs, with every optional field in range), and {@link #mutate} breaks it in the ways users
 * and attackers do: fields removed, retyped or duplicated, numbers out of any range, cycles, self-references, unknown
 * fields, template syntax abuse, deep nesting, unicode of every awkward kind, oversized strings and graphs.
 *
 * <p>Deterministic: the same random state gives the same documents.
 */
final class GraphFuzzer {
  /** What the fuzz tests set {@code DAGO_MAX_NODES} to, so that "too many nodes" stays small on the wire. */
  static final int MAX_NODES = 64;
  /** What the fuzz tests set {@code DAGO_MAX_PROMPT_BYTES} to (its minimum). */
  static final int MAX_PROMPT_BYTES = 1024;

  /** Strings a user would not expect a server to meet, and some it must still handle. */
  static final List<String> NASTY_STRINGS = List.of(
      "",
      " ",
      "\u0000",
      "a\u0000b",
      "\u202eevil\u202c",                                    // right-to-left override
      "\u200f\u200e\u061c",                                  // RTL and LTR marks, Arabic letter mark
      "\ufeff",                                              // a BOM inside a string
      "\ud83d\ude00\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67",  // emoji, a ZWJ family
      "\ud800",                                              // a lone high surrogate
      "\udfff",                                              // a lone low surrogate
      "\udc00\ud800",                                        // surrogates in the wrong order
      "Z\u0351\u0363\u0364\u0369\u0337\u0336\u0353a\u036b\u0342\u0311\u0335\u0353l\u0345g\u0314\u0350o\u0336",  // zalgo
      "\u0000\u0001\u0002\u001f\u007f",
      "\\u0000",
      "\"quoted\"",
      "line\nbreak\r\n\ttab",
      "%00%ff%2e%2e%2f",
      "../../etc/passwd",
      "{{input.topic}}",
      "{{nodes.a.output}}",
      "${jndi:ldap://example.invalid/a}",
      "<script>alert(1)</script>",
      "' OR 1=1 --",
      "\uffff\ufffe\ufffd",
      "\u00e9\u0065\u0301",                                  // precomposed and combining
      "\ud834\udd1e",                                        // a supplementary character (musical G clef)
      "NaN",
      "Infinity",
      "-0",
      "1e999",
      "null",
      "true");

  static final List<String> NASTY_TEMPLATES = List.of(
      "{{",
      "}}",
      "{{}}",
      "{{ }}",
      "{{nodes.x.output",
      "{{nodes.x.output}",
      "{{input.}}",
      "{{input}}",
      "{{input..a}}",
      "{{ input . topic }}",
      "{{nodes..output}}",
      "{{nodes.a.b.output}}",
      "{{nodes.a.output.x}}",
      "{{nodes.a.input}}",
      "{{{{input.topic}}}}",
      "{{input.topic}}}}",
      "{{input.{{input.topic}}}}",
      "{{env.HOME}}",
      "{{input.topic",
      "{{\u0000}}",
      "{{input.\u202e}}",
      "{{input.\ud800}}",
      "{{input.0}}",
      "{{input.list.99999999999}}",
      "{{input.list.-1}}",
      "{{input.nested.a.b.c.d.e.f.g.h.i.j.k.l.m}}",
      "{{nodes.\u00e9.output}}",
      "{{nodes.n0.output}}{{nodes.n0.output}}{{nodes.n0.output}}",
      "{{ nodes.n0.output }} and {{input.topic}",
      "{".repeat(5000),
      "{{input.topic}}".repeat(200));

  private static final List<String> NODE_FIELDS = List.of("id", "type", "depends_on", "prompt", "system", "model",
      "max_tokens", "temperature", "timeout_seconds", "retry", "on_failure", "stream", "cache");
  private static final List<String> UNKNOWN_FIELDS = List.of("promt", "depends-on", "dependsOn", "Prompt", "id ",
      "__proto__", "constructor", "", "\u0000", "\u202eid", "nodes", "input", "retries", "on-failure", "x".repeat(300));

  private final SplittableRandom random;

  GraphFuzzer(SplittableRandom random) {
    this.random = random;
  }

  /** A document dago must accept: 202 on submit, 200 on validate. */
  Map<String, Object> validGraph() {
    Map<String, Object> document = new LinkedHashMap<>();
    if (random.nextBoolean()) {
      document.put("name", pick(List.of("fuzz", "r\u00e9sum\u00e9", "\u05e9\u05dc\u05d5\u05dd", "", "a b c")));
    }
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("topic", random.nextInt(4) == 0 ? pick(NASTY_STRINGS) : "tide pools");
    input.put("n", random.nextInt(-5, 1000));
    input.put("list", List.of("zero", 1, true));
    input.put("nested", Map.of("a", Map.of("b", "deep")));
    document.put("input", input);
    if (random.nextInt(4) == 0) {
      document.put("timeout_seconds", random.nextInt(30, 604_801));
    }
    int count = random.nextInt(1, 7);
    List<Object> nodes = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = random.nextInt(5) == 0 ? randomId() + i : "n" + i;
      Map<String, Object> node = new LinkedHashMap<>();
      node.put("id", id);
      List<String> parents = new ArrayList<>();
      for (String earlier : ids) {
        if (random.nextInt(3) == 0) {
          parents.add(earlier);
        }
      }
      if (!parents.isEmpty() || random.nextBoolean()) {
        node.put("depends_on", parents);
      }
      node.put("prompt", prompt(parents));
      optionalFields(node);
      nodes.add(node);
      ids.add(id);
    }
    document.put("nodes", nodes);
    return document;
  }

  private String prompt(List<String> parents) {
    StringBuilder prompt = new StringBuilder(pick(List.of("Write about ", "\u00bfQu\u00e9? ", "x", "Summarise: ")));
    int parts = random.nextInt(0, 4);
    for (int i = 0; i < parts; i++) {
      prompt.append(switch (random.nextInt(6)) {
        case 0 -> "{{input.topic}}";
        case 1 -> "{{ input.nested.a.b }}";
        case 2 -> "{{input.list.0}} {{input.list.2}}";
        case 3 -> "{{input.n}}";
        case 4 -> parents.isEmpty() ? "{{input.nested}}" : "{{nodes." + pick(parents) + ".output}}";
        default -> " and ";
      });
    }
    return prompt.toString();
  }

  private void optionalFields(Map<String, Object> node) {
    if (random.nextInt(4) == 0) {
      node.put("system", random.nextBoolean() ? "You are terse." : "Topic: {{input.topic}}");
    }
    if (random.nextInt(6) == 0) {
      node.put("type", "llm");
    }
    if (random.nextInt(6) == 0) {
      node.put("model", pick(List.of("claude-haiku-4-5", "m", "\u00e9cho")));
    }
    if (random.nextInt(4) == 0) {
      node.put("max_tokens", random.nextInt(1, 200_001));
    }
    if (random.nextInt(4) == 0) {
      node.put("temperature", random.nextBoolean() ? random.nextDouble() : random.nextInt(2));
    }
    if (random.nextInt(5) == 0) {
      node.put("timeout_seconds", random.nextInt(1, 86_401));
    }
    if (random.nextInt(5) == 0) {
      Map<String, Object> retry = new LinkedHashMap<>();
      retry.put("max_attempts", random.nextInt(1, 101));
      long initial = random.nextLong(0, 10_000);
      retry.put("initial_backoff_ms", initial);
      retry.put("max_backoff_ms", random.nextLong(initial, 3_600_001));
      node.put("retry", retry);
    }
    if (random.nextInt(5) == 0) {
      node.put("on_failure", random.nextBoolean() ? "fail_graph" : "continue");
    }
    if (random.nextInt(6) == 0) {
      node.put("stream", random.nextBoolean());
    }
    if (random.nextInt(6) == 0) {
      node.put("cache", random.nextBoolean());
    }
  }

  private String randomId() {
    String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
    StringBuilder id = new StringBuilder();
    int length = random.nextInt(1, 40);
    for (int i = 0; i < length; i++) {
      id.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return id.toString();
  }

  /** A document with one or more mutations applied, and what they were. */
  record Mutated(Object tree, List<String> steps) {}

  /** Applies 1 to 4 mutations to a copy of the document. */
  Mutated mutate(Map<String, Object> valid) {
    Object tree = deepCopy(valid);
    List<String> steps = new ArrayList<>();
    int count = random.nextInt(1, 5);
    for (int i = 0; i < count; i++) {
      tree = mutateOnce(tree, steps);
    }
    return new Mutated(tree, steps);
  }

  @SuppressWarnings("unchecked")
  private Object mutateOnce(Object tree, List<String> steps) {
    if (!(tree instanceof Map<?, ?>)) {
      steps.add("(root not an object; left as it is)");
      return tree;
    }
    Map<String, Object> document = (Map<String, Object>) tree;
    List<Map<String, Object>> nodes = nodesOf(document);
    int kind = random.nextInt(20);
    switch (kind) {
      case 0 -> {
        Map<String, Object> map = randomMap(document);
        if (!map.isEmpty()) {
          String key = pick(new ArrayList<>(map.keySet()));
          map.remove(key);
          steps.add("removed '" + key + "'");
        }
      }
      case 1, 2 -> {
        Map<String, Object> map = randomMap(document);
        if (!map.isEmpty()) {
          String key = pick(new ArrayList<>(map.keySet()));
          Object value = anyValue(2);
          map.put(key, value);
          steps.add("retyped '" + key + "' to " + describe(value));
        }
      }
      case 3 -> {
        Map<String, Object> map = nodes.isEmpty() ? document : pick(nodes);
        String key = pick(List.of("max_tokens", "temperature", "timeout_seconds", "id", "prompt", "depends_on"));
        Object value = hugeNumber();
        map.put(key, value);
        steps.add("set '" + key + "' to " + describe(value));
      }
      case 4 -> {
        if (random.nextBoolean() || nodes.isEmpty()) {
          document.put("nodes", new ArrayList<>());
          steps.add("emptied nodes");
        } else {
          pick(nodes).put("depends_on", new ArrayList<>());
          steps.add("emptied a depends_on");
        }
      }
      case 5 -> {
        if (!nodes.isEmpty()) {
          Map<String, Object> copy = (Map<String, Object>) deepCopy(pick(nodes));
          ((List<Object>) document.get("nodes")).add(copy);
          steps.add("duplicated node '" + copy.get("id") + "'");
        }
      }
      case 6 -> cycle(nodes, steps);
      case 7 -> {
        if (!nodes.isEmpty()) {
          Map<String, Object> node = pick(nodes);
          Object id = node.get("id");
          if (random.nextBoolean()) {
            dependsOn(node).add(id);
            steps.add("node '" + id + "' depends on itself");
          } else {
            node.put("prompt", "mine: {{nodes." + id + ".output}}");
            steps.add("node '" + id + "' quotes its own output");
          }
        }
      }
      case 8 -> {
        Map<String, Object> map = randomMap(document);
        String field = random.nextBoolean() ? pick(UNKNOWN_FIELDS) : pick(NASTY_STRINGS);
        map.put(field, anyValue(1));
        steps.add("added unknown field " + describe(field));
      }
      case 9, 10 -> {
        if (!nodes.isEmpty()) {
          Map<String, Object> node = pick(nodes);
          String template = pick(NASTY_TEMPLATES);
          String field = random.nextInt(3) == 0 ? "system" : "prompt";
          Object before = node.get(field);
          node.put(field, random.nextBoolean() || !(before instanceof String s) ? template : s + template);
          steps.add("template abuse in " + field + ": " + describe(template));
        }
      }
      case 11 -> {
        int depth = pick(List.of(20, 100, 150, 196, 197, 198, 199, 200, 201, 202, 300, 5000));
        document.put("input", Map.of("deep", nested(depth)));
        steps.add("input nested " + depth + " levels deep");
      }
      case 12 -> {
        Map<String, Object> map = randomMap(document);
        List<String> keys = new ArrayList<>(map.keySet());
        if (!keys.isEmpty()) {
          String key = pick(keys);
          String value = pick(NASTY_STRINGS);
          map.put(key, value);
          steps.add("set '" + key + "' to " + describe(value));
        }
      }
      case 13 -> {
        String field = pick(List.of("prompt", "system", "id", "name", "model", "on_failure"));
        String text = pick(List.of("x", "\u00e9", "\ud83d\ude00", "{{")).repeat(
            pick(List.of(65, 201, 300, MAX_PROMPT_BYTES / 2 + 1, MAX_PROMPT_BYTES + 1, 20_000)));
        Map<String, Object> map = field.equals("name") || nodes.isEmpty() ? document : pick(nodes);
        map.put(field, text);
        steps.add("set '" + field + "' to " + text.length() + " chars");
      }
      case 14 -> {
        List<Object> many = new ArrayList<>();
        int count = MAX_NODES + random.nextInt(1, 40);
        for (int i = 0; i < count; i++) {
          many.add(Map.of("id", "m" + i, "prompt", "p"));
        }
        document.put("nodes", many);
        steps.add(count + " nodes");
      }
      case 15 -> {
        Map<String, Object> map = randomMap(document);
        List<String> keys = new ArrayList<>(map.keySet());
        String key = keys.isEmpty() ? "id" : pick(keys);
        Object second = random.nextBoolean() ? map.get(key) : anyValue(1);
        steps.add("duplicate key '" + key + "'");
        return replace(document, map, new FuzzJson.DuplicateKey(map, key, second));
      }
      case 16 -> {
        if (!nodes.isEmpty()) {
          Map<String, Object> node = pick(nodes);
          Object entry = switch (random.nextInt(5)) {
            case 0 -> "no-such-node";
            case 1 -> anyValue(1);
            case 2 -> node.get("id") == null ? "x" : node.get("id");
            case 3 -> pick(NASTY_STRINGS);
            default -> nodes.get(0).get("id");
          };
          if (random.nextInt(4) == 0) {
            node.put("depends_on", entry);
          } else {
            dependsOn(node).add(entry);
            if (random.nextBoolean()) {
              dependsOn(node).add(entry);
            }
          }
          steps.add("depends_on gets " + describe(entry));
        }
      }
      case 17 -> {
        List<Object> list = (List<Object>) (document.get("nodes") instanceof List<?> l ? l : new ArrayList<>());
        if (!list.isEmpty()) {
          Object value = pick(List.of(1, "node", true, new ArrayList<>(), List.of(List.of())));
          list.set(random.nextInt(list.size()), value);
          steps.add("a node replaced by " + describe(value));
        }
      }
      case 18 -> {
        Object root = pick(List.of(List.of(document), "graph", 42, true, new FuzzJson.Raw("null"), List.of()));
        steps.add("root replaced by " + describe(root));
        return root;
      }
      default -> {
        if (!nodes.isEmpty()) {
          Map<String, Object> node = pick(nodes);
          String reference = switch (random.nextInt(4)) {
            case 0 -> "{{nodes." + pick(nodes).get("id") + ".output}}";
            case 1 -> "{{input.missing}}";
            case 2 -> "{{input.topic.deeper}}";
            default -> "{{nodes.ghost.output}}";
          };
          node.put("prompt", "ref " + reference);
          steps.add("prompt refers to " + reference);
        }
      }
    }
    return document;
  }

  /** A cycle of two or more nodes, or of one node through another. */
  private void cycle(List<Map<String, Object>> nodes, List<String> steps) {
    if (nodes.size() < 2) {
      return;
    }
    int length = random.nextInt(2, nodes.size() + 1);
    List<Map<String, Object>> ring = new ArrayList<>();
    for (int i = 0; i < length; i++) {
      ring.add(nodes.get(i));
    }
    for (int i = 0; i < length; i++) {
      dependsOn(ring.get(i)).add(ring.get((i + 1) % length).get("id"));
    }
    steps.add("a cycle through " + length + " nodes");
  }

  @SuppressWarnings("unchecked")
  private static List<Object> dependsOn(Map<String, Object> node) {
    Object existing = node.get("depends_on");
    if (existing instanceof List<?> list) {
      List<Object> copy = new ArrayList<>((List<Object>) list);
      node.put("depends_on", copy);
      return copy;
    }
    List<Object> fresh = new ArrayList<>();
    node.put("depends_on", fresh);
    return fresh;
  }

  /** Puts {@code replacement} where {@code target} sits in the tree (the root included). */
  @SuppressWarnings("unchecked")
  private static Object replace(Object tree, Object target, Object replacement) {
    if (tree == target) {
      return replacement;
    }
    if (tree instanceof Map<?, ?> map) {
      for (Map.Entry<String, Object> entry : ((Map<String, Object>) map).entrySet()) {
        if (entry.getValue() == target) {
          entry.setValue(replacement);
          return tree;
        }
        replace(entry.getValue(), target, replacement);
      }
    } else if (tree instanceof List<?> list) {
      List<Object> elements = (List<Object>) list;
      for (int i = 0; i < elements.size(); i++) {
        if (elements.get(i) == target) {
          elements.set(i, replacement);
          return tree;
        }
        replace(elements.get(i), target, replacement);
      }
    }
    return tree;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> nodesOf(Map<String, Object> document) {
    List<Map<String, Object>> nodes = new ArrayList<>();
    if (document.get("nodes") instanceof List<?> list) {
      for (Object entry : list) {
        if (entry instanceof LinkedHashMap<?, ?> node) {
          nodes.add((Map<String, Object>) node);
        }
      }
    }
    return nodes;
  }

  /** The document, one of its nodes, its input, or a node's retry policy: the objects a mutation may touch. */
  @SuppressWarnings("unchecked")
  private Map<String, Object> randomMap(Map<String, Object> document) {
    List<Map<String, Object>> maps = new ArrayList<>();
    maps.add(document);
    if (document.get("input") instanceof LinkedHashMap<?, ?> input) {
      maps.add((Map<String, Object>) input);
    }
    for (Map<String, Object> node : nodesOf(document)) {
      maps.add(node);
      maps.add(node);
      if (node.get("retry") instanceof LinkedHashMap<?, ?> retry) {
        maps.add((Map<String, Object>) retry);
      }
    }
    return pick(maps);
  }

  /** Any JSON value, strange ones favoured; nested no deeper than {@code depth}. */
  Object anyValue(int depth) {
    return switch (random.nextInt(depth > 0 ? 12 : 9)) {
      case 0 -> null;
      case 1 -> random.nextBoolean();
      case 2 -> pick(NASTY_STRINGS);
      case 3 -> random.nextInt();
      case 4 -> hugeNumber();
      case 5 -> random.nextDouble() * 10 - 5;
      case 6 -> "x".repeat(random.nextInt(0, 100));
      case 7 -> new FuzzJson.Raw(pick(List.of("NaN", "Infinity", "-Infinity", "01", "1.", ".5", "+1", "0x10",
          "1e", "--1", "undefined", "'single'", "tru", "nul")));
      case 8 -> pick(List.of("llm", "fail_graph", "continue", "{{input.topic}}"));
      case 9 -> {
        List<Object> list = new ArrayList<>();
        int size = random.nextInt(0, 4);
        for (int i = 0; i < size; i++) {
          list.add(anyValue(depth - 1));
        }
        yield list;
      }
      default -> {
        Map<String, Object> map = new LinkedHashMap<>();
        int size = random.nextInt(0, 4);
        for (int i = 0; i < size; i++) {
          map.put(random.nextBoolean() ? pick(NODE_FIELDS) : pick(NASTY_STRINGS), anyValue(depth - 1));
        }
        yield map;
      }
    };
  }

  Object hugeNumber() {
    return pick(List.of(
        Long.MAX_VALUE, Long.MIN_VALUE, (long) Integer.MAX_VALUE + 1, -1, 0, 2.5, -0.0, 1e308, -1e308, 4.9e-324,
        BigInteger.TWO.pow(64), BigInteger.TWO.pow(200).negate(),
        new FuzzJson.Raw("1e400"), new FuzzJson.Raw("-1e400"), new FuzzJson.Raw("1e-400"),
        new FuzzJson.Raw("123456789012345678901234567890123456789"), new FuzzJson.Raw("-0"),
        new FuzzJson.Raw("1" + "0".repeat(2000)), new FuzzJson.Raw("0." + "0".repeat(2000) + "1"),
        new FuzzJson.Raw("1e2147483648"), new FuzzJson.Raw("1E-2147483649"), new FuzzJson.Raw("1.0e+3"),
        "1", "NaN", "-Infinity", "1e999"));
  }

  /** Arrays and objects alternating, {@code depth} levels around a string. */
  Object nested(int depth) {
    Object value = "bottom";
    for (int i = 0; i < depth; i++) {
      value = i % 2 == 0 ? List.of(value) : Map.of("k", value);
    }
    return value;
  }

  private static String describe(Object value) {
    String text = value == null ? "null" : value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    return (text.length() > 60 ? text.substring(0, 60) + "..." : text)
        + (value == null ? "" : " (" + value.getClass().getSimpleName() + ")");
  }

  <T> T pick(List<T> options) {
    return options.get(random.nextInt(options.size()));
  }

  @SuppressWarnings("unchecked")
  static Object deepCopy(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put((String) k, deepCopy(v)));
      return copy;
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>();
      list.forEach(v -> copy.add(deepCopy(v)));
      return copy;
    }
    return value;
  }
}
