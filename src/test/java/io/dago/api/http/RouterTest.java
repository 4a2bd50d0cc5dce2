package io.dago.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {
  private final Handler list = request -> Response.ok("list");
  private final Handler submit = request -> Response.ok("submit");
  private final Handler validate = request -> Response.ok("validate");
  private final Handler get = request -> Response.ok("get");
  private final Handler cancel = request -> Response.ok("cancel");

  private final Router router = new Router()
      .post("/api/v1/graphs", submit)
      .get("/api/v1/graphs", list)
      .post("/api/v1/graphs/validate", validate)
      .get("/api/v1/graphs/{id}", get)
      .post("/api/v1/graphs/{id}/cancel", cancel);

  @Test
  void match_literalPathPicksHandlerByMethod() {
    assertSame(list, router.match("GET", "/api/v1/graphs").handler());
    assertSame(submit, router.match("POST", "/api/v1/graphs").handler());
  }

  @Test
  void match_parameterSegmentCapturesItsValue() {
    Router.Match match = router.match("POST", "/api/v1/graphs/g-42/cancel");

    assertSame(cancel, match.handler());
    assertEquals("/api/v1/graphs/{id}/cancel", match.template().text());
    assertEquals(Map.of("id", "g-42"), match.params());
  }

  @Test
  void match_literalSegmentBeatsParameter() {
    assertSame(validate, router.match("POST", "/api/v1/graphs/validate").handler());
  }

  @Test
  void match_literalPathWithOtherMethodIs405EvenWhenAParameterRouteWouldTakeIt() {
    HttpError error = assertThrows(HttpError.class, () -> router.match("GET", "/api/v1/graphs/validate"));

    assertEquals(405, error.status());
    assertEquals(Map.of("Allow", "POST"), error.headers());
  }

  @Test
  void match_wrongMethodIs405ListingAllowedMethods() {
    HttpError error = assertThrows(HttpError.class, () -> router.match("DELETE", "/api/v1/graphs"));

    assertEquals(405, error.status());
    assertEquals("method_not_allowed", error.code());
    assertEquals("POST, GET", error.headers().get("Allow"));
  }

  @Test
  void match_unknownPathIs404() {
    HttpError error = assertThrows(HttpError.class, () -> router.match("GET", "/api/v2/graphs"));

    assertEquals(404, error.status());
    assertEquals("not_found", error.code());
  }

  @Test
  void match_trailingSlashOrEmptyParameterIs404() {
    assertEquals(404, assertThrows(HttpError.class, () -> router.match("GET", "/api/v1/graphs/")).status());
    assertEquals(404,
        assertThrows(HttpError.class, () -> router.match("POST", "/api/v1/graphs//cancel")).status());
  }

  @Test
  void match_extraSegmentsAre404() {
    assertEquals(404, assertThrows(HttpError.class, () -> router.match("GET", "/api/v1/graphs/a/b/c")).status());
  }

  @Test
  void match_parameterIsPercentDecodedButPlusStaysPlus() {
    assertEquals("a/b+c", router.match("GET", "/api/v1/graphs/a%2Fb+c").params().get("id"));
  }

  @Test
  void match_brokenPercentEncodingIs404() {
    assertEquals(404, assertThrows(HttpError.class, () -> router.match("GET", "/api/v1/graphs/%zz")).status());
  }

  @Test
  void add_sameMethodAndTemplateTwiceIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> new Router().get("/a", get).get("/a", list));
  }
}
