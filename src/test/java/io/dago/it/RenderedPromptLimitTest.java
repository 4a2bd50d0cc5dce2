package io.dago.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dago.Dago;
import io.dago.testing.TestClient;
import io.dago.testing.TestConfigs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A prompt that is small as written but large once its references are filled in fails its node, not the instance. */
class RenderedPromptLimitTest {

  @Test
  void aNodeWhoseRenderedPromptIsTooLargeFailsWithPromptTooLarge() throws Exception {
    try (Dago dago = Dago.start(TestConfigs.embedded("DAGO_MAX_PROMPT_BYTES", "1024"))) {
      TestClient client = new TestClient(dago.httpPort());
      String big = "é".repeat(600);
      TestClient.Reply submitted = client.postJson("/api/v1/graphs", """
          {"name": "big", "input": {"text": "%s"}, "nodes": [
            {"id": "fits", "prompt": "short"},
            {"id": "grows", "prompt": "summarise {{input.text}}", "on_failure": "continue"}]}""".formatted(big));
      assertEquals(202, submitted.status(), submitted.raw().body());

      Map<String, Object> done = client.get("/api/v1/graphs/" + submitted.body().get("id") + "?wait=10").body();

      assertEquals("failed", done.get("status"));
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> nodes = (List<Map<String, Object>>) done.get("nodes");
      assertEquals("completed", nodes.get(0).get("status"));
      assertEquals("failed", nodes.get(1).get("status"));
      @SuppressWarnings("unchecked")
      Map<String, Object> error = (Map<String, Object>) nodes.get(1).get("error");
      assertEquals("prompt_too_large", error.get("code"));
      assertTrue(((String) error.get("message")).contains("DAGO_MAX_PROMPT_BYTES (1024 bytes)"), error.toString());
      assertEquals(1, nodes.get(1).get("attempts"), "not retried: the same input renders the same prompt");
    }
  }
}
